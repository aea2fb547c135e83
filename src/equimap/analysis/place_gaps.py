"""The gap of a group against its reference group in each place: share beyond the threshold, in points.

For a place (a council, a cell) and a group ``g`` with reference group ``r`` of
the same dimension::

    gap_pp = 100 * (beyond_g / g - beyond_r / r)

positive where the group's residents are more often beyond the threshold than the
reference group's. It is computed from the *protected* figures of the places
(`equimap.analysis.core.Analysis.councils` or ``cells``), and hidden (NaN) where
either group has fewer residents than the small-count threshold, or where a count
it needs is hidden: a share of a handful of people would single them out, and a
difference of two such shares says nothing.

What this does not do: it gives no interval. A place's gap is a description of
who lives where, not a tested finding, so it is never called a "clear gap" (that
needs the region-wide bootstrap of `equimap.analysis.claims`); the map's classes
say how many points, nothing stronger.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equimap.protect.suppression import DEFAULT_THRESHOLD


def place_gaps(places: pd.DataFrame, *, group: str, reference: str, min_count: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Return each place's share beyond the threshold of `group` and of `reference`, and their gap in points.

    Parameters
    ----------
    places
        Protected figures of places: the columns `group`, `reference`, ``beyond_<group>``
        and ``beyond_<reference>`` (a hidden count is NaN). Index: the place id.
    group, reference
        Population columns (e.g. ``OTH`` and its dimension's reference ``NAT``).
    min_count
        Least residents of each group for the place's gap to be shown (at least 1).

    Returns
    -------
    pandas.DataFrame
        Indexed like `places`: ``share_group``, ``share_reference`` (0..1) and ``gap_pp``,
        each NaN where hidden (see the module docstring).
    """
    n_g, n_r = (pd.to_numeric(places[c], errors="coerce").to_numpy(float) for c in (group, reference))
    b_g, b_r = (pd.to_numeric(places[f"beyond_{c}"], errors="coerce").to_numpy(float) for c in (group, reference))
    least = max(int(min_count), 1)
    shown = (n_g >= least) & (n_r >= least) & np.isfinite(b_g) & np.isfinite(b_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_g = np.where(shown, b_g / n_g, np.nan)
        s_r = np.where(shown, b_r / n_r, np.nan)
    return pd.DataFrame({"share_group": s_g, "share_reference": s_r, "gap_pp": 100.0 * (s_g - s_r)}, index=places.index)
