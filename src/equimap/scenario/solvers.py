"""The two solvers of new-site planning: maximal coverage (MCLP) and p-median.

See :mod:`equimap.scenario.optimise` for the formulations; both take the long-form cost
table of `equimap.network.routing.od_pairs` and return the chosen candidates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equimap._errors import DataError


def _fill(chosen: list[int], *, k: int, n_candidates: int) -> np.ndarray:
    """Complete `chosen` to `k` sites with the first unused candidates (they bring nobody more)."""
    rest = [j for j in range(n_candidates) if j not in set(chosen)]
    return np.sort(np.array([*chosen, *rest[: k - len(chosen)]], dtype=np.int64))


def _cbc():  # noqa: ANN202 - pulp's solver type
    import pulp

    return pulp.PULP_CBC_CMD(msg=False)


def _undominated(cover: np.ndarray) -> np.ndarray:
    """Return a bool per column of `cover` (rows × candidates): False where another column covers a superset.

    Of two columns covering the same rows the first is kept. Dropping the others changes no
    optimum: a dominated site can always be swapped for the one dominating it (or, if that
    one is chosen already, for any other) without covering less.
    """
    c = cover.astype(np.int32)
    inter = c.T @ c  # |A_j ∩ A_l|
    size = np.diag(inter)
    subset = inter == size[:, None]  # subset[j, l]: A_j ⊆ A_l
    n = len(size)
    strict = subset & ~subset.T
    same_earlier = subset & subset.T & (np.arange(n)[None, :] < np.arange(n)[:, None])
    return ~(strict | same_earlier).any(axis=1)


def solve_coverage(
    pairs: pd.DataFrame,
    *,
    weight: np.ndarray,
    current_s: np.ndarray,
    threshold_s: float,
    k: int,
    n_candidates: int,
) -> tuple[np.ndarray, float, dict[str, int]]:
    """Return the `k` candidates that bring the most weight newly within `threshold_s` (MCLP, spopt + CBC).

    Parameters
    ----------
    pairs
        Cost table (`origin` = demand position, `service` = candidate position, `time_s`).
    weight, current_s
        Per demand point: its weight and current time to the nearest site.

    Returns
    -------
    (chosen, value, sizes)
        Sorted candidate positions, the weight newly covered, and the model's size.
    """
    new = pairs[(pairs["time_s"].to_numpy() <= threshold_s) & ~(current_s[pairs["origin"].to_numpy()] <= threshold_s)]
    new = new[weight[new["origin"].to_numpy()] > 0]
    if new.empty:
        return _fill([], k=k, n_candidates=n_candidates), 0.0, {"model_rows": 0, "model_columns": 0}
    sig = new.groupby("origin", sort=True)["service"].agg(tuple)
    rows = pd.Series(weight[sig.index.to_numpy()], index=pd.Index(sig.to_numpy(), tupleize_cols=False))
    rows = rows.groupby(level=0, sort=False).sum()
    cols = np.unique(new["service"].to_numpy())
    col_pos = {int(c): i for i, c in enumerate(cols)}
    cover = np.zeros((len(rows), len(cols)), dtype=bool)
    for i, s in enumerate(rows.index):
        cover[i, [col_pos[int(c)] for c in s]] = True
    keep = _undominated(cover)
    cols, cover = cols[keep], cover[:, keep]
    sizes = {"model_rows": len(rows), "model_columns": len(cols)}
    if len(cols) <= k:
        return _fill(cols.tolist(), k=k, n_candidates=n_candidates), float(rows.sum()), sizes
    from spopt.locate import MCLP

    mclp = MCLP.from_cost_matrix(np.where(cover, 0.0, 1.0), rows.to_numpy(float), service_radius=0.5, p_facilities=k)
    mclp.solve(_cbc(), results=False)
    on = np.array([v.value() > 0.5 for v in mclp.fac_vars])
    value = float(rows.to_numpy()[cover[:, on].any(axis=1)].sum())
    return np.sort(cols[on].astype(np.int64)), value, sizes


def solve_median(
    pairs: pd.DataFrame,
    *,
    weight: np.ndarray,
    current_s: np.ndarray,
    bound_s: float,
    k: int,
    n_candidates: int,
) -> tuple[np.ndarray, float, dict[str, int]]:
    """Return the `k` candidates that minimise the weighted total of capped times, existing sites kept (PuLP + CBC).

    Each demand point ``i`` goes to the existing sites at ``c_i = min(current_s, bound_s)``
    or to an open candidate ``j`` at ``t_ij``; exactly `k` candidates open. Only pairs with
    ``t_ij < c_i`` get a variable: the others never beat staying.

    Returns
    -------
    (chosen, value, sizes)
        Sorted candidate positions, the weighted total of capped times (s) after, and the model's size.
    """
    import pulp

    cap = np.minimum(current_s, bound_s)
    o, s, t = (pairs[c].to_numpy() for c in ("origin", "service", "time_s"))
    keep = (t < cap[o]) & (weight[o] > 0)
    o, s, t = o[keep], s[keep], t[keep]
    cols = np.unique(s)
    sizes = {"model_rows": len(np.unique(o)), "model_columns": len(cols)}
    if len(cols) <= k:
        chosen = cols
    else:
        prob = pulp.LpProblem("p_median_with_existing", pulp.LpMinimize)
        y = {int(j): pulp.LpVariable(f"y_{j}", cat=pulp.LpBinary) for j in cols}
        x = [pulp.LpVariable(f"x_{n}", lowBound=0, upBound=1) for n in range(len(o))]
        # objective: base minus what each assignment saves, (c_i - t_ij) w_i
        prob += pulp.LpAffineExpression([(x[n], -float(weight[o[n]] * (cap[o[n]] - t[n]))) for n in range(len(o))])
        order = np.argsort(o, kind="stable")
        bounds = np.flatnonzero(np.diff(o[order])) + 1
        for grp in np.split(order, bounds):  # each demand point goes to at most one new site
            prob += pulp.lpSum(x[n] for n in grp) <= 1
        for n in range(len(o)):
            prob += x[n] <= y[int(s[n])]
        prob += pulp.lpSum(y.values()) == k
        status = prob.solve(_cbc())
        if status != pulp.LpStatusOptimal:  # pragma: no cover - CBC on a feasible model
            msg = f"The p-median solver stopped without an optimal answer ({pulp.LpStatus[status]})."
            raise DataError(msg)
        chosen = np.array([j for j, v in y.items() if v.value() > 0.5], dtype=np.int64)
    chosen = _fill(sorted(int(c) for c in chosen), k=k, n_candidates=n_candidates)
    return chosen, median_total(pairs, chosen, weight=weight, current_s=current_s, bound_s=bound_s), sizes


def median_total(
    pairs: pd.DataFrame, chosen: np.ndarray, *, weight: np.ndarray, current_s: np.ndarray, bound_s: float
) -> float:
    """Return the weighted total of ``min(current, bound, time to a chosen site)`` (s)."""
    best = np.minimum(current_s, bound_s).astype(float)
    sel = pairs[np.isin(pairs["service"].to_numpy(), chosen)]
    np.minimum.at(best, sel["origin"].to_numpy(), sel["time_s"].to_numpy())
    return float((weight * best).sum())


def newly_covered(pairs: pd.DataFrame, chosen: np.ndarray, *, current_s: np.ndarray, threshold_s: float) -> np.ndarray:
    """Return a bool per demand point: beyond `threshold_s` today, within it of a chosen site."""
    sel = pairs[np.isin(pairs["service"].to_numpy(), chosen) & (pairs["time_s"].to_numpy() <= threshold_s)]
    hit = np.zeros(len(current_s), dtype=bool)
    hit[sel["origin"].to_numpy()] = True
    return hit & ~(current_s <= threshold_s)
