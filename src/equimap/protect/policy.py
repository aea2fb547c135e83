"""The installation's minimum small-count threshold, which one export may raise but never lower.

Two exports of the same analysis with different thresholds give back the counts
hidden by the higher one (a count of 6 hidden at 10 but shown at 5). So the
smallest threshold is not a per-run choice but a setting of the installation:

- ``EQUIMAP_MIN_COUNT`` (environment): a whole number, 0 or more; default
  :data:`DEFAULT_MIN_COUNT` (10). ``0`` allows unprotected outputs (for an
  installation that never publishes, or for tests).
- ``[privacy] min_count`` in a region's ``region.toml``: the data owner's
  minimum for that region; it can only make the minimum stricter.

The minimum in force is the larger of the two. The app applies the installation's
minimum as well (``ui.data.screen_threshold``, the Report and Outreach downloads):
its "protection off" choices take effect only where ``EQUIMAP_MIN_COUNT=0``. A ``--suppress-below N`` (or a
``threshold=``) below it is refused with one sentence; one at or above it is used.

What this does not do: it cannot stop someone who edits the environment or the
manifest of their own installation; it protects published outputs of one
installation from being combined into the counts they hide.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from equimap._errors import DataError

#: Minimum small-count threshold of an installation where ``EQUIMAP_MIN_COUNT`` is not set.
DEFAULT_MIN_COUNT = 10
ENV_VAR = "EQUIMAP_MIN_COUNT"


def _env_min_count() -> int:
    raw = os.environ.get(ENV_VAR)
    if raw is None or raw.strip() == "":
        return DEFAULT_MIN_COUNT
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if value < 0:
        msg = f"{ENV_VAR} is {raw!r}; set it to a whole number of residents, 0 or more (default {DEFAULT_MIN_COUNT})."
        raise DataError(msg)
    return value


def _manifest_min_count(folder: Path) -> int:
    manifest = Path(folder) / "region.toml"
    from equimap.region.manifest_schema import read_manifest_text

    try:  # read as the manifest loader reads it: UTF-8 with or without its mark, UTF-16 with its mark
        raw = tomllib.loads(read_manifest_text(manifest))
    except (OSError, ValueError):  # not UTF-8 or UTF-16, not TOML
        return 0  # the manifest loader reports a broken manifest in its own words
    value = raw.get("privacy", {}).get("min_count", 0) if isinstance(raw.get("privacy"), dict) else 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"`{manifest}`: `privacy.min_count` is {value!r}; give a whole number of residents, 0 or more."
        raise DataError(msg)
    return value


def min_count(region_folder: Path | None = None) -> int:
    """Return the smallest small-count threshold allowed: ``EQUIMAP_MIN_COUNT``, raised by the region's ``[privacy] min_count``.

    Parameters
    ----------
    region_folder
        The region's folder (holding ``region.toml``), or None for the installation's setting alone.
    """
    floor = _env_min_count()
    if region_folder is not None:
        floor = max(floor, _manifest_min_count(region_folder))
    return floor


def check_threshold(threshold: int, *, region_folder: Path | None = None) -> int:
    """Return `threshold` if it is at least the installation's minimum (see :func:`min_count`), else raise DataError."""
    floor = min_count(region_folder)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        return threshold  # the writers say what a valid threshold is
    if threshold < floor:
        where = f" and `{Path(region_folder).name}/region.toml` [privacy] min_count" if region_folder else ""
        msg = (
            f"--suppress-below {threshold} is below this installation's minimum of {floor} "
            f"(set by {ENV_VAR}{where}); give {floor} or more."
        )
        raise DataError(msg)
    return threshold
