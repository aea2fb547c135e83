"""New-site planning (location–allocation): where should K new sites of a category go?

Given a prepared region, a category (its current sites stay open), a mode, a
threshold and a number K of new sites, :func:`suggest_sites` picks K sites among
candidate locations:

Candidates
    By default one per populated census cell: among the network nodes where the
    cell's residents are placed (`Prepared.origins`), the one nearest to their
    population-weighted centre (:func:`candidate_sites`; Malta: 311 cells, so at most
    311 candidates). Or an uploaded list of points (:func:`candidates_from_file`).
    Every candidate enters at its own point, snapped to the mode's network like a
    service (`Prepared.routing_inputs`, by the rule `travel.snap`).
Demand points
    Origins on the same network node, with the same walk to it and in the same cell,
    are one demand point with their counts summed (on the walking network of Malta
    every origin is already one). Their current time is `Prepared.access`'s
    ``time_nearest_s`` with the current sites: one set of numbers.
Cost table
    The long-form (`origin`, `service`, `time_s`) table of `equimap.network.routing.od_pairs`:
    one bounded search per candidate over the reversed graph, up to the threshold
    (coverage) or up to `median_bound_min` (p-median).
Objectives
    ``"coverage"`` (maximal coverage, MCLP): maximise the weighted residents *newly*
    within the threshold, i.e. those beyond it today (``time > threshold``) and
    within it (``<=``) of a new site. Residents covered today weigh nothing, so
    the existing sites enter through the demand. Before the MCLP is built, demand
    points covered by the same set of candidates are merged (their weights summed),
    candidates covering nobody new are dropped, and so is a candidate whose residents
    another candidate covers too (dominated): the optimum is the same, the problem smaller. Solved by PySAL spopt's ``MCLP.from_cost_matrix`` with PuLP's bundled CBC.
    ``"median"`` (p-median with the existing sites as one fixed facility): minimise
    the weighted total of ``min(c_i, t_ij for j in the new sites)`` with
    ``c_i = min(current time, bound)``; times are capped at the bound
    (`median_bound_min`, 4 × the threshold by default), so residents further than
    that from everything count at the bound and an unreachable resident who comes
    within it gains. spopt's ``PMedian`` builds one assignment variable per demand
    point *and* candidate (Malta: some 20,000 × 311), so the same formulation
    (assignment to the existing sites or to an open new site, K new sites open) is
    built here with PuLP over only the pairs where a candidate beats ``c_i``, and
    solved with CBC; the tests check it against spopt's ``PMedian`` and brute force.
Group weights
    A resident weighs ``1 + sum(w_g - 1)`` over the groups ``g`` they belong to
    (`weights={"OTH": 2}`: a resident born outside the EU counts twice; weights of
    two dimensions add up), or, with `only_group`, 1 in that group and 0 otherwise.

The reported gains are always counts of residents (unweighted) newly within the
threshold, by group; :func:`protect_gains` rounds and suppresses them like the groups
table of an analysis, and :func:`write_suggestion` writes the sites as a scenario file.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap.network.prepare import Prepared
from equimap.network.routing import od_pairs
from equimap.protect.suppression import DEFAULT_THRESHOLD, SuppressionResult, suppress_counts
from equimap.protect.tables import GROUP_ROUNDING, round_to
from equimap.region.census import unknown_column
from equimap.region.services import load_service_file
from equimap.settings import Mode

OBJECTIVES = ("coverage", "median")
#: Default bound of the p-median's times, as a multiple of the threshold.
MEDIAN_BOUND_FACTOR = 4.0
#: Version of the scenario file format written by :func:`write_suggestion`.
SCENARIO_VERSION = 1


@dataclass(frozen=True)
class Suggestion:
    """K suggested new sites and what they bring, by group (built by :func:`suggest_sites`).

    Attributes
    ----------
    sites
        One row per suggested site, in the region CRS: ``site_id`` (``new-1`` ...), ``name``,
        ``candidate_id``, ``place`` (local unit), ``cell_id`` (None for uploaded candidates), ``node``, ``time_to_node_s``
        and ``gain_alone`` (residents the site alone brings within the threshold; unprotected).
    gains
        Index: the count column (``T``, ``NAT`` ...); columns ``dimension``, ``label``, ``pop``
        (residents of the group) and ``pop_gained`` (of them, newly within the threshold with
        all the sites); unprotected, fractional (see :func:`protect_gains`).
    objective_value
        The solver's objective: weighted residents newly covered (coverage) or the weighted
        mean capped time in minutes after (median).
    timings_s
        ``cost_table`` (demand points, snapping, bounded searches) and ``solve`` (building and
        solving the model), in seconds.
    sizes
        ``candidates``, ``demand_points``, ``pairs`` (of the cost table) and ``model_rows`` /
        ``model_columns`` (demand rows and candidate columns the solver saw).
    """

    region: str
    category: str
    mode: str
    threshold_min: float
    objective: str
    k: int
    weights: dict[str, float]
    only_group: str | None
    sites: gpd.GeoDataFrame
    gains: pd.DataFrame
    objective_value: float
    timings_s: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- candidates and demand


def candidate_sites(prep: Prepared) -> gpd.GeoDataFrame:
    """Return one candidate per populated cell: the residents' node nearest to their weighted centre.

    Returns
    -------
    GeoDataFrame
        Columns ``candidate_id`` (``cell/<cell_id>``), ``cell_id``, ``name``; points (the
        node's position) in the region CRS; cells whose residents are off the network have none.
    """
    o = prep.origins
    total = prep.region.total_col
    o = o[(o["node"] >= 0) & (o[total] > 0)]
    w = o[total].to_numpy(float)
    df = pd.DataFrame({"cell_id": o["cell_id"].to_numpy(), "x": o["x"].to_numpy(), "y": o["y"].to_numpy(), "w": w})
    df["wx"], df["wy"] = df["x"] * df["w"], df["y"] * df["w"]
    centre = df.groupby("cell_id", sort=True)[["wx", "wy", "w"]].sum()
    cx = df["cell_id"].map(centre["wx"] / centre["w"]).to_numpy()
    cy = df["cell_id"].map(centre["wy"] / centre["w"]).to_numpy()
    df["d2"] = (df["x"] - cx) ** 2 + (df["y"] - cy) ** 2
    best = df.sort_values(["cell_id", "d2"], kind="stable").drop_duplicates("cell_id")
    return gpd.GeoDataFrame(
        {
            "candidate_id": [f"cell/{c}" for c in best["cell_id"]],
            "cell_id": best["cell_id"].to_numpy(),
            "name": [f"Cell {c}" for c in best["cell_id"]],
        },
        geometry=gpd.points_from_xy(best["x"], best["y"]),
        crs=prep.region.crs,
    ).reset_index(drop=True)


def candidates_from_file(prep: Prepared, path: Path, *, mode: Mode, name_col: str | None = None) -> gpd.GeoDataFrame:
    """Read candidate locations (GeoJSON, GeoPackage, zipped Shapefile, CSV with lon/lat) and check they are usable.

    Raises
    ------
    DataError
        When the file cannot be read, or some points lie outside the region's extent
        or further than the snapping distance from its `mode` network (in the sea).
    """
    path = Path(path)
    svc = load_service_file(path, category="candidate", name_col=name_col, crs=prep.region.crs)
    if svc.empty:
        msg = f"`{path.name}`: the candidate file holds no point; add at least one site."
        raise DataError(msg)
    lonlat = svc.geometry.to_crs("EPSG:4326")
    outside = np.zeros(len(svc), dtype=bool)
    if prep.region.bbox is not None:
        w, s, e, n = prep.region.bbox
        outside = ~((lonlat.x >= w) & (lonlat.x <= e) & (lonlat.y >= s) & (lonlat.y <= n)).to_numpy()
    node, _ = prep.snap(mode, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
    bad = np.flatnonzero(outside | (node < 0))
    if len(bad):
        rows = ", ".join(str(i + 1) for i in bad[:5]) + (" ..." if len(bad) > 5 else "")
        msg = (
            f"`{path.name}`: {len(bad)} of {len(svc)} candidate sites lie outside {prep.region.name} or further than "
            f"{prep.travel.max_snap_m:g} m from its {mode} network (rows {rows}); move or remove them."
        )
        raise DataError(msg)
    out = svc[["name", "geometry"]].copy()
    out.insert(0, "candidate_id", [f"file/{i + 1}" for i in range(len(svc))])
    out.insert(1, "cell_id", None)
    return out.reset_index(drop=True)


def demand_points(
    prep: Prepared,
    *,
    mode: Mode,
    current_s: np.ndarray,
    origin_node: np.ndarray | None = None,
    origin_time_s: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return the origins merged into demand points: same node of `mode`, same walk to it, same cell.

    Parameters
    ----------
    current_s
        Each origin's current time to the nearest site (aligned with `prep.origins`).
    origin_node, origin_time_s
        Each origin's node and connector time on the network searched (from
        `Prepared.routing_inputs`); `Prepared.origin_nodes` of `mode` when None.

    Returns
    -------
    DataFrame
        Columns ``node``, ``time_s`` (walk to the node), ``current_s``, ``cell_id`` and the
        count columns summed; origins off the network (node -1) are left out.
    """
    node, t = prep.origin_nodes(mode) if origin_node is None else (origin_node, origin_time_s)
    counts = prep.count_columns
    df = prep.origins[["cell_id", *counts]].copy()
    df["node"], df["time_s"], df["current_s"] = node, t, np.asarray(current_s, float)
    df = df[df["node"] >= 0]
    agg = dict.fromkeys(counts, "sum") | {"current_s": "first"}
    return df.groupby(["node", "time_s", "cell_id"], sort=True).agg(agg).reset_index()


def resident_weights(
    demand: pd.DataFrame,
    *,
    total_col: str,
    group_cols: Sequence[str],
    weights: Mapping[str, float] | None = None,
    only_group: str | None = None,
) -> np.ndarray:
    """Return each demand point's weight: ``T + sum((w_g - 1) * n_g)``, or ``n_g`` of `only_group`.

    Raises
    ------
    DataError
        For a group that is not a population column of the region, or a negative or non-finite weight.
    """
    weights = dict(weights or {})
    names = [*weights, *([only_group] if only_group else [])]
    unknown = [g for g in names if g not in group_cols]
    if unknown:
        msg = f"Unknown population group {', '.join(f'`{g}`' for g in unknown)}; choose among {', '.join(group_cols)}."
        raise DataError(msg)
    bad = [g for g, w in weights.items() if not (math.isfinite(w) and w >= 0)]
    if bad:
        msg = f"The weight of group {', '.join(f'`{g}`' for g in bad)} must be a number of at least 0 (e.g. OTH=2)."
        raise DataError(msg)
    if only_group and weights:
        msg = "Give either group weights (OTH=2) or one group to cover alone (OTH), not both."
        raise DataError(msg)
    if only_group:
        return demand[only_group].to_numpy(float)
    w = demand[total_col].to_numpy(float).copy()
    for g, v in weights.items():
        w += (v - 1.0) * demand[g].to_numpy(float)
    return np.maximum(w, 0.0)


def parse_group_weights(specs: Sequence[str] | None) -> tuple[dict[str, float], str | None]:
    """Return ``(weights, only_group)`` from ``["OTH=2", ...]`` (weights) or ``["OTH"]`` (that group alone).

    Raises
    ------
    DataError
        For a weight that is not a number, or a group given alone together with others.
    """
    weights: dict[str, float] = {}
    alone: list[str] = []
    for spec in specs or []:
        group, sep, value = spec.partition("=")
        if not sep:
            alone.append(group.strip())
            continue
        try:
            weights[group.strip()] = float(value)
        except ValueError:
            msg = f"`{spec}` is not a group weight; write GROUP=NUMBER (for example OTH=2), or GROUP alone to cover only it."
            raise DataError(msg) from None
    if len(alone) > 1 or (alone and weights):
        msg = "Give either group weights (OTH=2, repeatable) or one group to cover alone (OTH), not both."
        raise DataError(msg)
    return weights, alone[0] if alone else None


# ---------------------------------------------------------------- the two solvers


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


# ---------------------------------------------------------------- the whole question


def _check_k(k: int, n_candidates: int | None) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        msg = f"The number of new sites must be a whole number of at least 1, not {k!r}."
        raise DataError(msg)
    if n_candidates is not None and k > n_candidates:
        msg = f"Asked for {k} new sites but there are only {n_candidates} candidate sites; ask for at most {n_candidates}."
        raise DataError(msg)


def gains_by_group(prep: Prepared, demand: pd.DataFrame, covered: np.ndarray) -> pd.DataFrame:
    """Return residents per group and, of them, those newly covered (index: count column).

    Rows: the total, then each dimension's groups and its unknown column (when the region has
    residents of unknown group), so that each dimension's rows add up to the total.
    """
    region = prep.region
    rows = [(region.total_col, "all", "All residents")]
    for g in region.groups:
        rows += [(col, g.key, label) for col, label in g.columns.items()]
        if prep.origins[unknown_column(g.key)].sum() > 0:  # a zero column adds nothing to any relation
            rows.append((unknown_column(g.key), g.key, f"{g.label}: unknown"))
    origins = prep.origins
    return pd.DataFrame(
        {
            "dimension": [r[1] for r in rows],
            "label": [r[2] for r in rows],
            "pop": [float(origins[r[0]].sum()) for r in rows],
            "pop_gained": [float(demand.loc[covered, r[0]].sum()) for r in rows],
        },
        index=pd.Index([r[0] for r in rows], name="group"),
    )


def place_names(prep: Prepared, points: gpd.GeoSeries) -> list[str | None]:
    """Return the name of the local unit (the region's first boundary layer that is not land) holding each point."""
    from equimap.region.boundaries import load_boundaries

    spec = next((b for b in prep.region.boundaries if not b.land), None)
    if spec is None or len(points) == 0:
        return [None] * len(points)
    units = load_boundaries(prep.region, spec.key)
    hit = gpd.sjoin(gpd.GeoDataFrame(geometry=points.reset_index(drop=True)), units[["name", "geometry"]], how="left")
    names = hit[~hit.index.duplicated()]["name"]
    return [None if pd.isna(v) else str(v) for v in names]


def suggest_sites(
    prep: Prepared,
    *,
    mode: Mode,
    category: str,
    threshold_min: float,
    k: int,
    objective: str = "coverage",
    weights: Mapping[str, float] | None = None,
    only_group: str | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    services: gpd.GeoDataFrame | None = None,
    median_bound_min: float | None = None,
) -> Suggestion:
    """Return the `k` new sites that best serve residents of `category` by `mode` within `threshold_min`.

    Parameters
    ----------
    prep
        The prepared region.
    mode, category, threshold_min
        The question; the category's current sites (or `services`) stay open.
    k
        How many new sites (at least 1, at most the number of candidates).
    objective
        ``"coverage"`` (MCLP) or ``"median"`` (p-median with the existing sites kept); see the module docstring.
    weights, only_group
        Group weights (``{"OTH": 2}``) or one group to serve alone (``"OTH"``).
    candidates
        Candidate points in the region CRS with ``candidate_id``, ``cell_id``, ``name``
        (:func:`candidates_from_file`); one per populated cell (:func:`candidate_sites`) by default.
    services
        The current sites, instead of the category's (points in the region CRS, service columns).
    median_bound_min
        Cap of the p-median's times; ``MEDIAN_BOUND_FACTOR`` × `threshold_min` by default.

    Raises
    ------
    DataError
        For an unknown objective or group, a bad `k`, or a `k` larger than the candidates.
    """
    if objective not in OBJECTIVES:
        msg = f"Unknown objective `{objective}`; choose `coverage` or `median`."
        raise DataError(msg)
    if not (math.isfinite(threshold_min) and threshold_min > 0):
        msg = f"The threshold must be a positive number of minutes, not {threshold_min!r}."
        raise DataError(msg)
    bound_min = MEDIAN_BOUND_FACTOR * threshold_min if median_bound_min is None else float(median_bound_min)
    if objective == "median" and bound_min < threshold_min:
        msg = f"The p-median bound ({bound_min:g} min) must be at least the threshold ({threshold_min:g} min)."
        raise DataError(msg)
    group_cols = [c for g in prep.region.groups for c in g.columns]
    _check_k(k, None)
    start = time.perf_counter()
    cand = candidate_sites(prep) if candidates is None else candidates.reset_index(drop=True)
    c_node, _ = prep.snap(mode, cand.geometry.x.to_numpy(), cand.geometry.y.to_numpy())
    cand = cand[c_node >= 0].reset_index(drop=True)
    _check_k(k, len(cand))
    # candidates join the network by the same rule as every service (`travel.snap`)
    net, o_node, o_t, c_node, c_t = prep.routing_inputs(mode, cand)
    current = prep.access(mode, category, services=services)["time_nearest_s"].to_numpy(float)
    demand = demand_points(prep, mode=mode, current_s=current, origin_node=o_node, origin_time_s=o_t)
    weight = resident_weights(
        demand, total_col=prep.region.total_col, group_cols=group_cols, weights=weights, only_group=only_group
    )
    threshold_s = threshold_min * 60.0
    cutoff_s = threshold_s if objective == "coverage" else bound_min * 60.0
    pairs = od_pairs(
        net,
        demand["node"].to_numpy(),
        c_node,
        cutoff_s=cutoff_s,
        origin_time_s=demand["time_s"].to_numpy(),
        service_time_s=c_t,
    )
    cost_s = time.perf_counter() - start
    cur = demand["current_s"].to_numpy(float)
    start = time.perf_counter()
    if objective == "coverage":
        chosen, value, sizes = solve_coverage(
            pairs, weight=weight, current_s=cur, threshold_s=threshold_s, k=k, n_candidates=len(cand)
        )
    else:
        chosen, value, sizes = solve_median(
            pairs, weight=weight, current_s=cur, bound_s=bound_min * 60.0, k=k, n_candidates=len(cand)
        )
        value = value / max(float(weight.sum()), 1e-12) / 60.0
    solve_s = time.perf_counter() - start
    covered = newly_covered(pairs, chosen, current_s=cur, threshold_s=threshold_s)
    total = demand[prep.region.total_col].to_numpy(float)
    alone = [float(total[newly_covered(pairs, [j], current_s=cur, threshold_s=threshold_s)].sum()) for j in chosen]
    sites = cand.iloc[chosen].reset_index(drop=True)
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"new-{i + 1}" for i in range(len(chosen))],
            "name": [f"Suggested site {i + 1}" for i in range(len(chosen))],
            "candidate_id": sites["candidate_id"].to_numpy(),
            "place": place_names(prep, sites.geometry),
            "cell_id": sites["cell_id"].to_numpy(),
            "node": c_node[chosen],
            "time_to_node_s": c_t[chosen],
            "gain_alone": alone,
        },
        geometry=sites.geometry.to_numpy(),
        crs=prep.region.crs,
    )
    return Suggestion(
        region=prep.region.key,
        category=category,
        mode=mode,
        threshold_min=float(threshold_min),
        objective=objective,
        k=int(k),
        weights=dict(weights or {}),
        only_group=only_group,
        sites=sites,
        gains=gains_by_group(prep, demand, covered),
        objective_value=float(value),
        timings_s={"cost_table": cost_s, "solve": solve_s},
        sizes={"candidates": len(cand), "demand_points": len(demand), "pairs": len(pairs), **sizes},
    )


# ---------------------------------------------------------------- protected outputs


def protect_gains(suggestion: Suggestion, *, threshold: int = DEFAULT_THRESHOLD) -> SuppressionResult:
    """Return the gains by group protected like an analysis' groups table.

    Every count ``0 < v < threshold`` is hidden with what would reveal it, in one
    :func:`~equimap.protect.suppression.suppress_counts` call over these relations: the
    gains of each dimension's groups (unknown included) add up to the total gain, the
    residents of each dimension's groups add up to the total, and each group's gain is a
    part of its residents (so ``pop - pop_gained`` is protected too); ``share_gained`` is
    hidden with its counts. Shown counts are then rounded to the nearest
    :data:`~equimap.protect.tables.GROUP_ROUNDING`, shares to 4 decimals. With `threshold` 0
    nothing is hidden or rounded.
    """
    t = suggestion.gains.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t["share_gained"] = np.where(t["pop"] > 0, t["pop_gained"] / t["pop"], np.nan)
    total = t.index[t["dimension"] == "all"][0]
    wide = pd.DataFrame(
        [[*t["pop_gained"].to_numpy(float), *t["pop"].to_numpy(float)]],
        columns=[*(f"g_{c}" for c in t.index), *(f"p_{c}" for c in t.index)],
    )
    groups: dict[str, list[str]] = {}
    totals: dict[str, str] = {}
    for dim in dict.fromkeys(t.loc[t["dimension"] != "all", "dimension"]):
        members = t.index[t["dimension"] == dim]
        groups[f"g:{dim}"], totals[f"g:{dim}"] = [f"g_{c}" for c in members], f"g_{total}"
        groups[f"p:{dim}"], totals[f"p:{dim}"] = [f"p_{c}" for c in members], f"p_{total}"
    total_col: str | None = f"p_{total}"
    if not groups:  # a total-only region: the residents and their gain, nothing to add up
        groups, total_col = {"all": [f"p_{total}"], "gained": [f"g_{total}"]}, None
    res = suppress_counts(
        wide,
        count_groups=groups,
        total_col=total_col,
        threshold=threshold,
        group_totals=totals,
        parents={f"g_{c}": f"p_{c}" for c in t.index},
    )
    reason = pd.DataFrame("", index=t.index, columns=t.columns, dtype=object)
    reason["pop_gained"] = res.reason.iloc[0][[f"g_{c}" for c in t.index]].to_numpy()
    reason["pop"] = res.reason.iloc[0][[f"p_{c}" for c in t.index]].to_numpy()
    derived = ((reason["pop_gained"] != "") | (reason["pop"] != "")) & t["share_gained"].notna()
    reason.loc[derived, "share_gained"] = "derived"
    out = t.copy()
    for c in ("pop", "pop_gained", "share_gained"):
        out.loc[reason[c] != "", c] = np.nan
    if threshold > 0:
        for c in ("pop", "pop_gained"):
            out[c] = round_to(out[c].to_numpy(float), GROUP_ROUNDING)
        out["share_gained"] = out["share_gained"].round(4)
    return SuppressionResult(
        table=out,
        mask=reason != "",
        reason=reason,
        primary=res.primary,
        secondary=res.secondary,
        derived=int(derived.sum()),
        threshold=res.threshold,
    )


def protect_count(value: float, *, threshold: int = DEFAULT_THRESHOLD) -> float | None:
    """Return one count as published: None if ``0 < value < threshold``, else rounded to GROUP_ROUNDING (0: as is)."""
    if threshold <= 0:
        return float(value)
    if 0 < value < threshold:
        return None
    return float(round_to(np.array([value]), GROUP_ROUNDING)[0])


def suggestion_record(suggestion: Suggestion, *, threshold: int = DEFAULT_THRESHOLD) -> dict:
    """Return the suggestion as plain data (sites in lon/lat, gains protected), for JSON output."""
    lonlat = suggestion.sites.geometry.to_crs("EPSG:4326")
    gains = protect_gains(suggestion, threshold=threshold).table
    return {
        "region": suggestion.region,
        "category": suggestion.category,
        "mode": suggestion.mode,
        "threshold_min": suggestion.threshold_min,
        "objective": suggestion.objective,
        "k": suggestion.k,
        "weights": suggestion.weights,
        "only_group": suggestion.only_group,
        "protected": threshold > 0,
        "sites": [
            {
                "service_id": r.site_id,
                "name": r.name,
                "candidate_id": r.candidate_id,
                "place": r.place,
                "lon": round(float(p.x), 6),
                "lat": round(float(p.y), 6),
                "residents_gained": protect_count(r.gain_alone, threshold=threshold),
            }
            for r, p in zip(suggestion.sites.itertuples(), lonlat, strict=True)
        ],
        "gains": json.loads(gains.reset_index().to_json(orient="records", double_precision=10)),
        "timings_s": suggestion.timings_s,
        "sizes": suggestion.sizes,
    }


def write_suggestion(
    path: str | Path, suggestion: Suggestion, *, name: str | None = None, threshold: int = DEFAULT_THRESHOLD
) -> Path:
    """Write the suggested sites as a scenario file (GeoJSON, lon/lat) of ``add`` changes; return its path.

    Top level: ``"equimap_scenario": 1``, ``"name"``, ``"category"``; one Point feature per
    site with ``change = "add"``, ``service_id``, ``name`` and ``residents_gained`` (that site
    alone; protected like every published count).
    """
    path = Path(path)
    rec = suggestion_record(suggestion, threshold=threshold)
    doc = {
        "type": "FeatureCollection",
        "equimap_scenario": SCENARIO_VERSION,
        "name": name or f"{suggestion.k} suggested {suggestion.category} sites ({suggestion.objective})",
        "category": suggestion.category,
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {
                    "change": "add",
                    "service_id": s["service_id"],
                    "name": s["name"],
                    "residents_gained": s["residents_gained"],
                },
            }
            for s in rec["sites"]
        ],
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
