"""Equity analyses of a prepared region: who is left out, and how much capacity each group can reach.

This module wires the statistics of `equimap.indicators.gaps`, `equimap.indicators.inequality` and
`equimap.indicators.supply` to a `Prepared` region: it picks the travel times of a mode and
category, the population columns of a group dimension, and the long-form cost
table for the floating-catchment measures.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap.analysis.speeds import group_times
from equimap.indicators.gaps import group_gaps
from equimap.indicators.supply import access_by_group, enhanced_two_step_fca, gravity_access, two_step_fca
from equimap.network.prepare import Prepared
from equimap.network.routing import od_pairs
from equimap.settings import Mode

Measure = Literal["2sfca", "e2sfca", "gravity"]


def gaps_table(
    prep: Prepared,
    *,
    mode: Mode,
    category: str,
    dimension: str,
    threshold_s: float,
    n_boot: int = 999,
    seed: int = 0,
    services: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return `equimap.indicators.gaps.group_gaps` for one mode, category and group dimension of a region.

    The reference group is the dimension's reference in the manifest (people
    born in the country, for country of birth); intervals come from a cluster
    bootstrap over census cells. The representation ratio uses all residents
    (the census total) as its denominator. On foot, with the profile's walking speeds by
    age on, each age group uses its own times (`equimap.analysis.speeds.group_times`). `services` (points in the region CRS,
    as from `equimap.region.services.load_service_file`) replaces the category's services.
    """
    dim = prep.region.group(dimension)
    acc = prep.access(mode, category, services=services)
    return group_gaps(
        prep.origins,
        acc["time_nearest_s"],
        groups=dim.columns,
        reference=dim.reference,
        threshold_s=threshold_s,
        total=prep.region.total_col,
        n_boot=n_boot,
        seed=seed,
        group_time_s=group_times(prep, mode, category, columns=list(dim.columns), services=services),
    )


def cost_table(
    prep: Prepared, *, mode: Mode, category: str, max_cost_s: float, services: gpd.GeoDataFrame | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Return the long-form cost table (`origin`, `service`, `time_s`) within `max_cost_s`, and capacity per service.

    `origin` is the origins' index and `service` the service id; capacity is
    the list's capacity column (e.g. hospital beds), 1 per site where unknown.
    `services` (points in the region CRS, with `service_id` and `capacity`)
    replaces the category's services.
    """
    svc = (prep.services_for(category) if services is None else services).reset_index(drop=True)
    net, o_node, o_t, s_node, s_t = prep.routing_inputs(mode, svc)
    pairs = od_pairs(net, o_node, s_node, cutoff_s=max_cost_s, origin_time_s=o_t, service_time_s=s_t)
    ids = svc["service_id"].to_numpy()
    costs = pd.DataFrame(
        {
            "origin": prep.origins.index.to_numpy()[pairs["origin"]],
            "service": ids[pairs["service"]],
            "time_s": pairs["time_s"],
        }
    )
    supply = pd.Series(svc["capacity"].to_numpy(float), index=pd.Index(ids, name="service"), name="capacity")
    return costs, supply


def supply_access(
    prep: Prepared,
    *,
    mode: Mode,
    category: str,
    measure: Measure = "2sfca",
    max_cost_s: float = 1800.0,
    scale_s: float | None = None,
    services: gpd.GeoDataFrame | None = None,
) -> pd.Series:
    """Return the capacity per resident available at each origin (e.g. beds per resident).

    Parameters
    ----------
    measure
        ``"2sfca"`` (catchment `max_cost_s`), ``"e2sfca"`` (step weights 1, 0.68,
        0.22 over thirds of `max_cost_s`), or ``"gravity"`` (Gaussian decay with
        scale `scale_s`, default a third of `max_cost_s`, cut at `max_cost_s`).
    services
        Sites to use instead of the category's (see `cost_table`).
    """
    costs, supply = cost_table(prep, mode=mode, category=category, max_cost_s=max_cost_s, services=services)
    demand = prep.origins[prep.region.total_col]
    if measure == "2sfca":
        return two_step_fca(costs, demand, supply, max_cost_s=max_cost_s)
    if measure == "e2sfca":
        third = max_cost_s / 3
        return enhanced_two_step_fca(
            costs, demand, supply, weights=((third, 1.0), (2 * third, 0.68), (max_cost_s, 0.22))
        )
    return gravity_access(costs, demand, supply, scale_s=scale_s or max_cost_s / 3, max_cost_s=max_cost_s)


def supply_by_group(prep: Prepared, access: pd.Series, *, dimension: str) -> pd.DataFrame:
    """Return the capacity available to the average member of each group of a dimension."""
    dim = prep.region.group(dimension)
    return access_by_group(access, prep.origins, groups=dim.columns, reference=dim.reference)


def per_cell(prep: Prepared, values: pd.Series) -> pd.Series:
    """Return the population-weighted mean of a per-origin value over each census cell."""
    w = prep.origins[prep.region.total_col].to_numpy(float)
    v = values.reindex(prep.origins.index).to_numpy(float)
    ok = np.isfinite(v)
    frame = pd.DataFrame(
        {"cell_id": prep.origins["cell_id"], "wv": np.where(ok, v * w, 0.0), "w": np.where(ok, w, 0.0)}
    )
    g = frame.groupby("cell_id").sum()
    return (g["wv"] / g["w"]).where(g["w"] > 0)


def inequality_table(
    prep: Prepared,
    *,
    mode: Mode,
    category: str,
    by: dict[str, pd.Series] | None = None,
    services: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return inequality indices of travel time to the nearest service across all residents.

    Rows: the Gini coefficient, the Theil T index and, for every group
    dimension of the region (and every extra grouping in `by`, a Series of
    group labels per origin, e.g. the urbanisation class), its between-group
    and within-group parts (they add up to Theil T), and the concentration
    index of travel time against the foreign-born share of the resident's
    census cell (first dimension's non-reference groups; C > 0: longer times
    where more residents were born abroad). Unreachable residents are left out
    (`equimap.indicators.inequality` logs how many). `services` (points in the
    region CRS) replaces the category's services.
    """
    from equimap.indicators.inequality import concentration_index, gini, stack_groups, theil_decomposition, theil_t

    acc = prep.access(mode, category, services=services)
    t = acc["time_nearest_s"]
    w = prep.origins[prep.region.total_col]
    rows = [("gini", "", gini(t, w)), ("theil_t", "", theil_t(t, w))]
    for dim in prep.region.groups:
        s = stack_groups(prep.origins, t, groups=dim.columns)
        d = theil_decomposition(s["time_s"], s["pop"], s["group"])
        rows += [("theil_between", dim.key, d.between), ("theil_within", dim.key, d.within)]
    for key, labels in (by or {}).items():
        d = theil_decomposition(t, w, labels.reindex(t.index))
        rows += [("theil_between", key, d.between), ("theil_within", key, d.within)]
    if not prep.region.groups:  # a total-only region: no group decomposition, no group share to rank by
        return pd.DataFrame(rows, columns=["index", "grouping", "value"])
    first = prep.region.groups[0]
    cells = prep.population
    foreign = cells[[c for c in first.columns if c != first.reference]].sum(axis=1) / cells[prep.region.total_col]
    rank = prep.origins["cell_id"].map(foreign)
    rows.append(("concentration_foreign_born", first.key, concentration_index(t, w, rank)))
    return pd.DataFrame(rows, columns=["index", "grouping", "value"])
