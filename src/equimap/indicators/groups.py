"""Group statistics: who is how far from a service, per population group and per cell.

Residents are weights: an origin carrying 3.2 residents born outside the EU
counts 3.2 times in that group's statistics. Unreachable residents (time
``inf``: no service on their island or network) are beyond every threshold;
means, medians and percentiles are over reachable residents, with the
unreachable count beside them (the same convention as `equimap.indicators.gaps`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from equimap._errors import DataError
from equimap._validate import _fail


def weighted_quantile(x: ArrayLike, w: ArrayLike, q: float | ArrayLike) -> float | np.ndarray:
    """Return the weighted `q`-quantile of `x` by the inverted-CDF definition.

    With the values sorted, :math:`x_{(1)} \\le \\dots \\le x_{(n)}`, and their
    weights' running share :math:`F_k = \\sum_{j \\le k} w_{(j)} / \\sum_j w_j`,
    the quantile is :math:`x_{(k)}` for the smallest ``k`` with
    :math:`F_k \\ge q`: the first value at which at least a share ``q`` of the
    weight (residents) has been reached. It is always an observed value (no
    interpolation), and it equals
    ``numpy.percentile(x, 100 * q, method="inverted_cdf", weights=w)``.

    Parameters
    ----------
    x
        Values (``inf`` allowed, e.g. unreachable; NaN is not).
    w
        Non-negative weights, one per value (e.g. residents). Zero weights are ignored.
    q
        Quantile(s) in [0, 1]; 0.5 is the weighted median, 0.9 the 90th percentile.

    Returns
    -------
    float or numpy.ndarray
        One value per ``q`` (a float for a scalar ``q``); NaN when the weights sum to 0.
    """
    xa = np.asarray(x, dtype=float).ravel()
    wa = np.asarray(w, dtype=float).ravel()
    qa = np.asarray(q, dtype=float)
    problems = []
    if xa.shape != wa.shape:
        problems.append(f"`x` has {xa.size} values but `w` has {wa.size}; pass one weight per value")
    else:
        if np.isnan(xa).any():
            problems.append("`x` has missing values; drop them first")
        if np.isnan(wa).any() or (wa < 0).any() or np.isinf(wa).any():
            problems.append("`w` has negative, infinite or missing weights; weights must be finite and 0 or more")
    if np.isnan(qa).any() or (qa < 0).any() or (qa > 1).any():
        problems.append("`q` must lie in [0, 1] (0.5 for the median)")
    _fail(problems)
    keep = wa > 0
    xa, wa = xa[keep], wa[keep]
    if xa.size == 0:
        out = np.full(qa.shape, np.nan)
    else:
        order = np.argsort(xa, kind="stable")
        cdf = np.cumsum(wa[order])
        cdf /= cdf[-1]
        idx = np.minimum(np.searchsorted(cdf, qa, side="left"), xa.size - 1)
        out = xa[order][idx]
    return float(out) if out.ndim == 0 else out


def group_summary(
    origins: pd.DataFrame,
    time_s: pd.Series,
    *,
    groups: Mapping[str, str],
    threshold_s: float,
    group_time_s: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Return per-group access statistics for one service category and mode.

    Parameters
    ----------
    origins
        Index ``origin``; one column of residents per group in `groups`.
    time_s
        Travel time of each origin, aligned with `origins` (inf: unreachable).
    groups
        Population column -> label, e.g. ``{"NAT": "Born in Malta", ...}``.
    threshold_s
        The time beyond which residents count as underserved.
    group_time_s
        Own travel times of some groups (column -> Series aligned with `origins`); the
        other groups use `time_s`.

    Returns
    -------
    DataFrame
        Index: group column; columns ``label``, ``pop``, ``mean_min``, ``median_min``,
        ``p90_min`` (over reachable residents), ``pop_beyond`` and ``share_beyond``
        (unreachable residents included), ``pop_unreachable``.
    """
    _check_aligned(origins, time_s, groups)
    own = dict(group_time_s or {})
    for own_t in own.values():
        _check_aligned(origins, own_t, {})
    rows = []
    for col, label in groups.items():
        t = own.get(col, time_s).to_numpy(float)
        beyond = ~(t <= threshold_s)
        fin = np.isfinite(t)
        w = origins[col].to_numpy(float)
        pop = w.sum()
        wf = w[fin]
        mean = float(np.dot(wf, t[fin]) / wf.sum()) if wf.sum() > 0 else np.nan
        med, p90 = weighted_quantile(t[fin], wf, [0.5, 0.9]) if wf.sum() > 0 else (np.nan, np.nan)
        pb = float(w[beyond].sum())
        rows.append(
            {
                "group": col,
                "label": label,
                "pop": pop,
                "mean_min": mean / 60,
                "median_min": med / 60,
                "p90_min": p90 / 60,
                "pop_beyond": pb,
                "share_beyond": pb / pop if pop > 0 else np.nan,
                "pop_unreachable": float(w[~fin].sum()),
            }
        )
    return pd.DataFrame(rows).set_index("group")


def cell_summary(
    origins: pd.DataFrame,
    access: pd.DataFrame,
    *,
    count_columns: list[str],
    threshold_s: float,
    group_time_s: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Return per-cell figures: residents by group, travel times and residents beyond the threshold.

    Parameters
    ----------
    origins
        Index ``origin``; ``cell_id`` and the `count_columns`.
    access
        Indexed like `origins`; ``time_nearest_s``, ``time_mean3_s`` and ``n_within_*`` columns.
    count_columns
        Population columns to sum per cell (the first is taken as the total).
    threshold_s
        The time beyond which residents count as underserved.
    group_time_s
        Own travel times of some population columns (column -> Series aligned with `origins`):
        their ``beyond_<col>`` counts use them; the times and every other count use `access`.

    Returns
    -------
    DataFrame
        Index ``cell_id``; the population columns; ``time_nearest_min`` and
        ``time_mean3_min`` (population-weighted over the cell's reachable
        origins; NaN if none is reachable), ``n_within_*`` (population-weighted
        mean), ``beyond_<col>`` per population column and ``share_beyond``.
    """
    if not origins.index.equals(access.index):
        msg = "`access` is not indexed like `origins`; compute it from the same origins table."
        raise DataError(msg)
    total = count_columns[0]
    w = origins[total].to_numpy(float)
    cell = origins["cell_id"].to_numpy()
    frame = {"cell_id": cell}
    for col in count_columns:
        frame[col] = origins[col].to_numpy(float)
    beyond = ~(access["time_nearest_s"].to_numpy(float) <= threshold_s)
    own = dict(group_time_s or {})
    for col in count_columns:
        b = ~(own[col].to_numpy(float) <= threshold_s) if col in own else beyond
        frame[f"beyond_{col}"] = np.where(b, origins[col].to_numpy(float), 0.0)
    for col in ["time_nearest_s", "time_mean3_s"]:
        t = access[col].to_numpy(float)
        fin = np.isfinite(t)
        frame[f"_wt_{col}"] = np.where(fin, t * w, 0.0)
        frame[f"_w_{col}"] = np.where(fin, w, 0.0)
    ncols = [c for c in access.columns if c.startswith("n_within_")]
    for c in ncols:
        frame[f"_wt_{c}"] = access[c].to_numpy(float) * w
    g = pd.DataFrame(frame).groupby("cell_id", sort=True).sum()
    out = g[count_columns].copy()
    for col, name in [("time_nearest_s", "time_nearest_min"), ("time_mean3_s", "time_mean3_min")]:
        den = g[f"_w_{col}"]
        out[name] = (g[f"_wt_{col}"] / den).where(den > 0) / 60
    for c in ncols:
        out[c] = (g[f"_wt_{c}"] / g[total]).where(g[total] > 0)
    for col in count_columns:
        out[f"beyond_{col}"] = g[f"beyond_{col}"]
    out["share_beyond"] = (g[f"beyond_{total}"] / g[total]).where(g[total] > 0)
    return out


def _check_aligned(origins: pd.DataFrame, time_s: pd.Series, groups: Mapping[str, str]) -> None:
    missing = [c for c in groups if c not in origins.columns]
    if missing:
        msg = f"Group columns {missing} are not in the origins table; choose from {list(origins.columns)}."
        raise DataError(msg)
    if not origins.index.equals(time_s.index):
        msg = "`time_s` is not indexed like `origins`; take it from the access table of the same origins."
        raise DataError(msg)
