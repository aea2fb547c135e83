"""equimap: where public services fail to reach all residents equally.

The library measures how long each resident needs to reach each public service on foot,
by bike or by car over the street network, and breaks the gaps down by group (country
of birth, age, sex) and by Degree of Urbanisation. It never imports streamlit; the app
in ``app.py`` is a thin frame over it.

Start with :func:`open_region`::

    import equimap as eq
    study = eq.open_region("malta")
    a = study.analysis(mode="walk", category="pharmacy", threshold_min=15)
    a.groups(by="birth")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from equimap._errors import CategoryError, DataError, EquimapError, RegionError
from equimap.region.manifest import Region, list_regions, load_region

if TYPE_CHECKING:
    from equimap.analysis.question import Question
    from equimap.api import Analysis, Study, open_region

try:
    __version__ = version("equimap")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Analysis",
    "CategoryError",
    "DataError",
    "EquimapError",
    "Question",
    "Region",
    "RegionError",
    "Study",
    "__version__",
    "list_regions",
    "load_region",
    "open_region",
]


def __getattr__(name: str) -> Any:
    """Import the analysis API on first use, so that ``import equimap`` (and the CLI) start fast."""
    if name in ("Analysis", "Study", "open_region"):
        from equimap import api

        return getattr(api, name)
    if name == "Question":
        from equimap.analysis.question import Question

        return Question
    msg = f"module 'equimap' has no attribute {name!r}"
    raise AttributeError(msg)
