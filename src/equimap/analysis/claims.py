"""What the figures allow a sentence to say: the one rule for "underserved" and for "a clear gap".

The screen (the Equity page) and the paper (the PDF summary) word their findings with
these functions only, so both say the same thing about the same numbers.

Underserved (an absolute rule)
    A place is *underserved* only when at least :data:`UNDERSERVED_MIN_SHARE` (one in ten)
    of its residents live beyond the threshold, whatever its rank among the region's
    places. The tercile of access (``access_class``) only says that a place has the least
    access *of the region's places*; it is kept and named as that. When nobody is beyond the
    threshold, no place is underserved. A place whose share is hidden by small-count
    protection (or has no residents) is not called underserved: there is no figure to say so.

A clear gap
    A gap against the reference group is *clear* when its 95 % bootstrap interval excludes
    zero **and** the gap itself is at least a minimum size that matters: :data:`MIN_GAP_PP`
    (one percentage point) for a share beyond the threshold, :data:`MIN_GAP_MIN` (one
    minute) for a mean travel time. An interval that excludes zero around a smaller gap is a
    *small* gap (told as "a small gap", never as news); an interval that covers zero, or no
    interval, is *no clear gap*. A 0.1-minute difference is real in the bootstrap's sense
    but tells a planner nothing: a minute is about the precision of the travel model (the
    snapping of homes and services to the network alone moves times by tens of seconds), and
    one point of a share is the finest difference the report prints as a whole number.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

#: Least share of a place's residents beyond the threshold for the place to be called underserved.
UNDERSERVED_MIN_SHARE = 0.10
#: Least gap in share beyond the threshold (percentage points) called a clear gap.
MIN_GAP_PP = 1.0
#: Least gap in mean travel time (minutes) called a clear gap.
MIN_GAP_MIN = 1.0

Verdict = Literal["clear", "small", "none"]

#: For each gap measure of a groups table: its column (with ``_lo``/``_hi`` bounds) and its minimum size.
MEASURES: dict[str, tuple[str, float]] = {
    "share": ("share_beyond_diff_pp", MIN_GAP_PP),
    "mean": ("mean_diff_min", MIN_GAP_MIN),
}


def gap_verdict(diff: float, lo: float, hi: float, *, min_size: float) -> Verdict:
    """Return ``"clear"``, ``"small"`` or ``"none"`` for a gap and its interval (see the module docstring).

    Parameters
    ----------
    diff
        The gap (group minus reference), in the unit of `min_size`.
    lo, hi
        Bounds of its 95 % interval; NaN (no interval) gives ``"none"``.
    min_size
        Least absolute gap that is called clear (e.g. :data:`MIN_GAP_PP`).
    """
    values = [float(v) if v is not None and v is not pd.NA else math.nan for v in (diff, lo, hi)]
    diff, lo, hi = values
    if any(math.isnan(v) for v in values) or lo <= 0 <= hi:
        return "none"
    return "clear" if abs(diff) >= min_size else "small"


def underserved(share_beyond: pd.Series, access_class: pd.Series, *, n: int = 3) -> pd.Series:
    """Return whether each place is underserved: in the worst access class and with enough residents beyond.

    Parameters
    ----------
    share_beyond
        Share (0..1) of each place's residents beyond the threshold; NaN (hidden or no residents) is not underserved.
    access_class
        Access class per place (1..n, ``n`` the longest times), indexed like `share_beyond`.
    n
        Number of access classes.

    Returns
    -------
    pandas.Series
        Bool, indexed like `share_beyond`: ``access_class == n`` and ``share_beyond >=``
        :data:`UNDERSERVED_MIN_SHARE`.
    """
    share = pd.to_numeric(share_beyond, errors="coerce").astype(float)
    worst = access_class.reindex(share.index).fillna(0).astype(int).to_numpy() == n
    enough = np.nan_to_num(share.to_numpy(float), nan=0.0) >= UNDERSERVED_MIN_SHARE
    return pd.Series(worst & enough, index=share.index, name="underserved")


def gap_findings(groups: pd.DataFrame, *, measure: Literal["share", "mean"] = "share") -> pd.DataFrame:
    """Return every non-reference group of a groups table with its gap, interval and verdict.

    Parameters
    ----------
    groups
        A groups table (:meth:`equimap.analysis.core.Analysis.groups` or a bundle's
        ``groups``, whose gap columns may carry an analysis prefix: pass one analysis at a
        time, unprefixed): ``dimension``, ``is_reference`` and the gap column of `measure`
        with its ``_lo`` and ``_hi`` bounds. The group is the index, or the ``group`` column.
    measure
        ``"share"`` (share beyond the threshold, points) or ``"mean"`` (mean time, minutes).

    Returns
    -------
    pandas.DataFrame
        In the table's order, one row per non-reference group: ``dimension``, ``group``,
        ``diff``, ``lo``, ``hi`` and ``verdict`` (:func:`gap_verdict` with the measure's
        minimum size).
    """
    col, min_size = MEASURES[measure]
    table = groups if "group" in groups.columns else groups.rename_axis("group").reset_index()
    rows = table[(table["dimension"] != "all") & ~table["is_reference"].astype(bool)]
    out = pd.DataFrame(
        {
            "dimension": rows["dimension"].to_numpy(),
            "group": rows["group"].to_numpy(),
            "diff": rows[col].to_numpy(float),
            "lo": rows[f"{col}_lo"].to_numpy(float),
            "hi": rows[f"{col}_hi"].to_numpy(float),
        }
    )
    bounds = zip(out["diff"], out["lo"], out["hi"], strict=True)
    out["verdict"] = [gap_verdict(d, lo, hi, min_size=min_size) for d, lo, hi in bounds]
    return out


def dimension_verdicts(findings: pd.DataFrame, dimensions: list[str]) -> dict[str, list[dict]]:
    """Return, for each dimension in `dimensions` (every one, in order), its clear gaps, largest first.

    An empty list means "no clear gap" for that dimension. Each item is a row of
    `findings` (:func:`gap_findings`) as a dict; both directions count (a group closer
    than the reference is also a clear gap, with a negative ``diff``).
    """
    out: dict[str, list[dict]] = {}
    for dim in dimensions:
        rows = findings[(findings["dimension"] == dim) & (findings["verdict"] == "clear")]
        rows = rows.reindex(rows["diff"].abs().sort_values(ascending=False, kind="stable").index)
        out[dim] = rows.to_dict("records")
    return out
