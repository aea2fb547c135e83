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
from collections.abc import Mapping
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
from equimap.scenario.candidates import (  # noqa: F401 - re-exported: the planning API lives here
    candidate_sites,
    candidates_from_file,
    demand_points,
    parse_group_weights,
    resident_weights,
)
from equimap.scenario.solvers import (  # noqa: F401 - re-exported
    median_total,
    newly_covered,
    solve_coverage,
    solve_median,
)
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
