"""Errors raised by the equimap library.

The UI and the CLI catch these and show their one-sentence message; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations


class EquimapError(Exception):
    """Base class of every error the library raises on purpose."""


class DataError(EquimapError, ValueError):
    """Input data that cannot be used (missing file or column, bad CRS, bad values)."""


class RegionError(EquimapError, ValueError):
    """A region manifest that is missing, malformed or names files that do not exist."""


class CategoryError(EquimapError, KeyError):
    """A service category that the taxonomy does not define."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it a plain sentence
        return str(self.args[0]) if self.args else ""
