"""Cumulative access curves: the share of each group's residents who reach a service within each minute.

One curve per group, on one axis of minutes, so that a gap between groups is
visible at a glance: where the curve of one group lies below another's, fewer
of its residents have reached the service by that time. Unreachable residents
(time ``inf``) are never reached, so a curve can end below 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from equimap._validate import _fail, _population_problems, _time_problems


def reached_by_minute(
    origins: pd.DataFrame,
    time_s: pd.Series,
    *,
    groups: Mapping[str, str],
    max_min: float = 60.0,
    step_min: float = 1.0,
) -> pd.DataFrame:
    """Return, per minute, the share of each group's residents whose nearest service is that close.

    The value at minute ``m`` for group ``g`` is
    :math:`\\sum_i p_{ig} [t_i \\le 60 m] / \\sum_i p_{ig}`, with :math:`p_{ig}`
    the residents of group ``g`` at origin ``i`` and :math:`t_i` its travel
    time in seconds. It never decreases, and at the threshold it is one minus
    the group's ``share_beyond`` of `equimap.indicators.groups.group_summary`.

    Parameters
    ----------
    origins
        Index ``origin``; one column of residents (0 or more) per group in `groups`.
    time_s
        Travel time of each origin in seconds, indexed like `origins` (``inf``: unreachable).
    groups
        Population column -> label, e.g. ``{"NAT": "Born in Malta", ...}``.
    max_min
        Last minute of the curve (above 0).
    step_min
        Spacing of the minutes (above 0).

    Returns
    -------
    pandas.DataFrame
        Index ``minute`` (0, `step_min`, ..., up to `max_min`); one column per
        group column with its share reached (0..1), NaN for a group with no
        residents. ``attrs["labels"]`` holds `groups`.
    """
    problems = []
    if not isinstance(origins, pd.DataFrame):
        _fail(["`origins` must be a pandas DataFrame with one column of residents per group"])
    problems += _population_problems(origins, list(groups), "origins")
    problems += _time_problems(time_s, origins.index, name="time_s")
    for name, v in (("max_min", max_min), ("step_min", step_min)):
        if not (isinstance(v, int | float) and np.isfinite(v) and v > 0):
            problems.append(f"`{name}` is {v!r} but must be a number of minutes above 0")
    if not groups:
        problems.append("`groups` is empty; name at least one population column")
    _fail(problems)
    minutes = np.arange(0.0, max_min + step_min / 2, step_min)
    t = time_s.to_numpy(dtype=float)
    order = np.argsort(t, kind="stable")
    t_sorted = t[order]
    upto = np.searchsorted(t_sorted, minutes * 60.0, side="right")  # origins with t <= minute
    out = {}
    for col in groups:
        w = origins[col].to_numpy(dtype=float)[order]
        cum = np.concatenate([[0.0], np.cumsum(w)])
        total = w.sum()
        out[col] = cum[upto] / total if total > 0 else np.full(minutes.size, np.nan)
    frame = pd.DataFrame(out, index=pd.Index(minutes, name="minute"))
    frame.attrs["labels"] = dict(groups)
    return frame
