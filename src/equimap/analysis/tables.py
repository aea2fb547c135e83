"""The tables of a bundle, before protection: groups, cells, councils, urbanisation classes, services, outreach.

Counts here are whole residents (:func:`equimap.protect.tables.round_counts`) but not yet
protected; :func:`equimap.analysis.bundle.build_bundle` protects them. Per-analysis columns are
prefixed with the analysis key (``walk_health_15min_beyond_T``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from equimap.analysis.classes import CLASS_COLUMNS, grid_classes, unit_classes
from equimap.analysis.equity import gaps_table
from equimap.analysis.outreach import outreach_targets
from equimap.analysis.places import origin_places
from equimap.analysis.speeds import own_times
from equimap.indicators.degurba import L1_LABELS, L2_LABELS
from equimap.indicators.diversity import foreign_born_shares, simpson_index
from equimap.indicators.gaps import group_gaps
from equimap.indicators.groups import cell_summary, group_summary
from equimap.network.prepare import Prepared
from equimap.protect.tables import round_counts, round_to
from equimap.region.boundaries import load_boundaries
from equimap.region.census import unknown_column
from equimap.region.manifest import MAIN_BOUNDARY, Region

if TYPE_CHECKING:
    from equimap.analysis.question import Question

_R = TypeVar("_R")

#: Row of the councils table holding residents who live in no council.
OUTSIDE = "outside"
#: Row holding the column totals (councils table, urbanisation tables).
TOTAL = "total"
#: Per-analysis columns of the cells and councils tables, after the analysis key prefix.
TIME_COLUMNS = ("time_nearest_min", "time_mean3_min")

_GAP_STATS = {  # equimap.indicators.gaps.group_gaps column -> (bundle column, scale)
    "mean_time_s": ("mean_min", 1 / 60),
    "median_time_s": ("median_min", 1 / 60),
    "share_beyond": ("share_beyond", 1.0),
    "mean_diff_s": ("mean_diff_min", 1 / 60),
    "mean_rel_diff": ("mean_rel_diff", 1.0),
    "median_diff_s": ("median_diff_min", 1 / 60),
    "median_rel_diff": ("median_rel_diff", 1.0),
    "share_beyond_diff_pp": ("share_beyond_diff_pp", 1.0),
    "representation_ratio": ("representation_ratio", 1.0),
}
#: Columns of the groups table that describe a statistic (hidden with their group's count).
GROUP_STAT_COLUMNS: tuple[str, ...] = (
    "share_unreachable",
    *[f"{name}{s}" for name, _ in _GAP_STATS.values() for s in ("", "_lo", "_hi")],
    "p90_min",
)
#: Columns of the outreach table taken from `equimap.analysis.outreach.outreach_targets` as they are.
OUTREACH_KEEP = ("rank", "degurba_l2", "degurba_l2_label", "mean_excess_min", "score")


def memo(prep: Prepared, key: tuple, build: Callable[[], _R]) -> _R:
    """Return ``build()``, computed once per prepared region for `key` (figures that depend on no question)."""
    if key not in prep._memo:
        prep._memo[key] = build()
    return prep._memo[key]


def prefixes(analyses: Sequence[Question]) -> list[str]:
    """Return the column prefix of each analysis (``"walk_health_15min_"``)."""
    return [a.key + "_" for a in analyses]


def groups_table(
    prep: Prepared,
    analyses: Sequence[Question],
    access: Mapping[str, pd.DataFrame],
    *,
    n_boot: int,
    seed: int,
    services: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return one row per analysis, dimension and group: counts, times and gaps with intervals.

    Gaps and their cluster-bootstrap intervals are :func:`equimap.analysis.equity.gaps_table`;
    the counts and the 90th percentile are :func:`equimap.indicators.groups.group_summary`. The
    first rows of each analysis (dimension ``all``) describe every resident.
    """
    region = prep.region
    rows = []
    for a in analyses:
        time_s = access[a.key]["time_nearest_s"]
        dims = [("all", {region.total_col: "All residents"}), *[(d.key, d.columns) for d in region.groups]]
        for dim_key, cols in dims:
            own = own_times(access[a.key], list(cols))
            summ = group_summary(prep.origins, time_s, groups=cols, threshold_s=a.threshold_s, group_time_s=own)
            if dim_key == "all":
                gaps = group_gaps(prep.origins, time_s, groups=cols, threshold_s=a.threshold_s, n_boot=0)
            else:
                gaps = gaps_table(
                    prep,
                    mode=a.mode,
                    category=a.category,
                    dimension=dim_key,
                    threshold_s=a.threshold_s,
                    n_boot=n_boot,
                    seed=seed,
                    services=services,
                )
            frame = pd.DataFrame(
                {
                    "analysis": a.key,
                    "mode": a.mode,
                    "category": a.category,
                    "threshold_min": a.threshold_min,
                    "dimension": dim_key,
                    "group": list(cols),
                    "label": list(cols.values()),
                    "is_reference": gaps["is_reference"].to_numpy() if dim_key != "all" else False,
                    "pop": np.round(summ["pop"].to_numpy()),
                    "pop_beyond": np.round(summ["pop_beyond"].to_numpy()),
                    "pop_unreachable": np.round(summ["pop_unreachable"].to_numpy()),
                    "share_unreachable": gaps["share_unreachable"].to_numpy(),
                }
            )
            for src, (name, scale) in _GAP_STATS.items():
                for s in ("", "_lo", "_hi"):
                    frame[f"{name}{s}"] = gaps[f"{src}{s}"].to_numpy() * scale
            frame["p90_min"] = summ["p90_min"].to_numpy()
            if dim_key == "all":
                diff_cols = [c for c in frame.columns if "diff" in c or c.startswith("representation")]
                frame[diff_cols] = np.nan
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def area_table(
    prep: Prepared,
    analyses: Sequence[Question],
    access: Mapping[str, pd.DataFrame],
    place_of: pd.Series,
) -> pd.DataFrame:
    """Return residents by group and each analysis' figures per place, before rounding.

    The one place where origins are summed into places: per place, the count columns
    and, per analysis (columns prefixed with its key), the population-weighted travel
    times, services within each count threshold and residents beyond the threshold
    (:func:`equimap.indicators.groups.cell_summary`). Origins whose `place_of` is
    missing are left out.

    Parameters
    ----------
    prep
        The prepared region (its ``origins``).
    analyses
        The questions; `access` holds each one's per-origin table under its key.
    access
        Question key -> :meth:`Prepared.access` table, indexed like ``prep.origins``.
    place_of
        Indexed like ``prep.origins``: the place of each origin (a cell id, a council id).
    """
    counts = list(prep.count_columns)
    inside = place_of.notna().to_numpy()
    origins = prep.origins.loc[inside].assign(cell_id=place_of[inside].to_numpy())
    out: pd.DataFrame | None = None
    for a in analyses:
        s = cell_summary(origins, access[a.key].loc[inside], count_columns=counts, threshold_s=a.threshold_s)
        if out is None:
            out = s[counts].copy()
        keep = [*TIME_COLUMNS, *[c for c in s.columns if c.startswith("n_within_")]]
        keep += [f"beyond_{c}" for c in counts]
        out = out.join(s[keep].rename(columns=a.col))
    assert out is not None
    return out


def cells_table(
    prep: Prepared,
    analyses: Sequence[Question],
    access: Mapping[str, pd.DataFrame],
    sets: Mapping[str, list[str]],
    grid: gpd.GeoDataFrame | None,
    *,
    units: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return one row per census cell: residents by group, diversity, each analysis' figures and its class.

    With `units` (:func:`council_units`), ``council_id`` names the council where most
    of the cell's residents live (:func:`cell_councils`).
    """
    cells = prep.population
    place_of = prep.origins["cell_id"].where(prep.origins["cell_id"].isin(cells.index))
    out = area_table(prep, analyses, access, place_of)
    out = out.reindex(cells.index).fillna({c: 0.0 for c in out.columns if not c.endswith("_min")})
    out.index.name = "cell_id"
    out = round_counts(out, prep.region.total_col, sets, prefixes(analyses))
    out = finish_area_table(out, prep.region, analyses)
    if grid is not None:
        out = out.join(grid[["density_km2", *CLASS_COLUMNS]])
    else:
        out["density_km2"] = _density(out[prep.region.total_col], cells.geometry.reindex(out.index))
    if units is not None:
        out.insert(0, "council_id", cell_councils(prep, units).reindex(out.index))
    return out


def origin_councils(prep: Prepared, units: gpd.GeoDataFrame) -> pd.Series:
    """Return the ``council_id`` of the council holding each origin's point (missing outside every council).

    The one rule for points on a border: a point on the line between two councils belongs
    to the first of them in the boundary file (:func:`equimap.analysis.places.origin_places`).
    """

    def build() -> pd.Series:
        where = origin_places(prep.origins, units.set_index("council_id"))
        return where.astype(object).where(where.notna(), None)

    return memo(prep, ("origin_councils", tuple(units["council_id"])), build)


def cell_councils(prep: Prepared, units: gpd.GeoDataFrame) -> pd.Series:
    """Return, per census cell, the ``council_id`` where most of its residents live (ties: the first listed).

    Cells without residents in any council are missing. This is the one rule for a
    cell's council: the map's popups, the outreach lists and the report use it.
    """
    where = origin_councils(prep, units)
    total = prep.region.total_col
    frame = pd.DataFrame(
        {"cell_id": prep.origins["cell_id"].to_numpy(), "council_id": where.to_numpy(), "pop": prep.origins[total]}
    ).dropna(subset=["council_id"])
    order = {cid: i for i, cid in enumerate(units["council_id"])}
    pop = frame.groupby(["cell_id", "council_id"], sort=False)["pop"].sum().reset_index()
    pop["order"] = pop["council_id"].map(order)
    best = pop.sort_values(["cell_id", "pop", "order"], ascending=[True, False, True]).drop_duplicates("cell_id")
    return best.set_index("cell_id")["council_id"].rename("council_id")


def _density(total: pd.Series, geometry: gpd.GeoSeries) -> pd.Series:
    """Return residents per km² of each polygon's area (NaN for an empty polygon)."""
    km2 = geometry.area.to_numpy() / 1e6
    return pd.Series(
        np.divide(total.to_numpy(float), km2, out=np.full(len(km2), np.nan), where=km2 > 0), index=total.index
    )


def classify(prep: Prepared) -> gpd.GeoDataFrame | None:
    """Return :func:`equimap.analysis.classes.grid_classes` of the census cells, or None when they are not a grid."""
    if not prep.region.is_grid:
        return None
    return grid_classes(prep.population, region=prep.region)


def council_units(region: Region, key: str | None) -> gpd.GeoDataFrame | None:
    """Return the council polygons with a string ``council_id``, ``name`` and ``island``, or None."""
    spec = region.boundary(key)
    if spec is None:
        return None
    key = spec.key
    units = load_boundaries(region, key).reset_index()
    units["council_id"] = units["unit_id"].astype(str)
    land_spec = next((b for b in region.boundaries if b.land and b.key != key), None)
    if land_spec is not None:
        islands = load_boundaries(region, land_spec.key)
        ui, ii = islands.sindex.query(units.geometry, predicate="intersects")
        area = shapely.area(shapely.intersection(units.geometry.to_numpy()[ui], islands.geometry.to_numpy()[ii]))
        best = pd.DataFrame({"u": ui, "i": ii, "a": area}).sort_values(["a", "i"]).drop_duplicates("u", keep="last")
        units["island"] = pd.Series(islands["name"].to_numpy()[best["i"]], index=best["u"].to_numpy())
    return units


def councils_table(
    prep: Prepared,
    analyses: Sequence[Question],
    access: Mapping[str, pd.DataFrame],
    sets: Mapping[str, list[str]],
    units: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame | None,
    *,
    units_key: str,
) -> pd.DataFrame:
    """Return one row per council, one for residents outside every council, and a totals row.

    An origin belongs to the council whose polygon holds its point
    (:func:`origin_councils`). The council's class is
    :func:`equimap.analysis.classes.unit_classes`.
    """
    counts = list(prep.count_columns)
    where = origin_councils(prep, units)
    place_of = where.where(where.notna(), OUTSIDE)
    g = area_table(prep, analyses, access, place_of)
    g = g.reindex([*units["council_id"], OUTSIDE]).fillna({c: 0.0 for c in g.columns if not c.endswith("_min")})
    table = round_counts(g, prep.region.total_col, sets, prefixes(analyses))
    table = _with_total(table, counts, analyses)
    # the totals row gets the mean over every resident who can reach a service
    every = area_table(prep, analyses, access, pd.Series(TOTAL, index=prep.origins.index))
    for a in analyses:
        for name in TIME_COLUMNS:
            table.loc[TOTAL, a.col(name)] = every.at[TOTAL, a.col(name)]
    table = finish_area_table(table, prep.region, analyses)
    info = units.set_index("council_id")
    table["density_km2"] = _density(table[prep.region.total_col], info.geometry.reindex(table.index))
    table.insert(0, "name", info["name"].reindex(table.index))
    if "island" in info:
        table.insert(1, "island", info["island"].reindex(table.index))
    if grid is not None:
        res = unit_classes(prep.region, grid, units_key=units_key)
        res.index = res.index.astype(str)
        for c in CLASS_COLUMNS:
            table[c] = res[c].reindex(table.index)
        table["degurba_l1"] = table["degurba_l1"].astype("Int64")
        table["degurba_l2"] = table["degurba_l2"].astype("Int64")
    table.index.name = "council_id"
    return table


def _with_total(table: pd.DataFrame, counts: list[str], analyses: Sequence[Question]) -> pd.DataFrame:
    """Return `table` with a :data:`TOTAL` row summing every count column (other columns empty)."""
    cols = [*counts, *[a.col(f"beyond_{c}") for a in analyses for c in counts]]
    total = table[cols].sum().to_frame(TOTAL).T
    return pd.concat([table, total.reindex(columns=table.columns)])


def finish_area_table(table: pd.DataFrame, region: Region, analyses: Sequence[Question]) -> pd.DataFrame:
    """Add each analysis' share beyond and the birth diversity columns, from the rounded counts."""
    out = table.copy()
    total = region.total_col
    for a in analyses:
        out[a.col("share_beyond")] = (out[a.col(f"beyond_{total}")] / out[total]).where(out[total] > 0)
    birth = next((d for d in region.groups if d.key == "birth"), None)
    if birth is not None and len(birth.columns) == 3:
        native, eu, non_eu = birth.columns
        shares = foreign_born_shares(out.fillna(dict.fromkeys(birth.columns, 0.0)), native=native, eu=eu, non_eu=non_eu)
        out = out.join(shares)
        out["simpson"] = simpson_index(out[list(birth.columns)].fillna(0.0), normalised=True)
    return out


def class_table(
    cells: pd.DataFrame, analyses: Sequence[Question], *, total: str, level: int, rounding: int
) -> pd.DataFrame:
    """Return residents and residents beyond each threshold per grid class of one level, rounded to `rounding`."""
    col = f"degurba_l{level}"
    labels = L1_LABELS if level == 1 else L2_LABELS
    beyond = [a.col(f"beyond_{total}") for a in analyses]
    grouped = cells.groupby(col)[[total, *beyond]].sum()
    n_cells = cells.groupby(col).size()
    codes = list(labels)
    out = pd.DataFrame(index=pd.Index([str(c) for c in codes], name="class"))
    out["label"] = [labels[c] for c in codes]
    out["n_cells"] = n_cells.reindex(codes, fill_value=0).to_numpy(dtype=np.int64)
    for c in [total, *beyond]:
        out[c] = round_to(grouped[c].reindex(codes, fill_value=0.0).to_numpy(float), rounding)
    row = {"label": "Total", "n_cells": int(out["n_cells"].sum())}
    for c in [total, *beyond]:  # the total is rounded on its own, so it need not equal the sum of rounded rows
        row[c] = float(round_to(np.array([cells[c].sum()]), rounding)[0])
    out.loc[TOTAL] = pd.Series(row)
    out["pop_share"] = (out[total] / out.at[TOTAL, total]) if out.at[TOTAL, total] > 0 else np.nan
    for a in analyses:
        b = a.col(f"beyond_{total}")
        out[a.col("share_beyond")] = (out[b] / out[total]).where(out[total] > 0)
    return out


def service_points(prep: Prepared, analyses: Sequence[Question]) -> gpd.GeoDataFrame:
    """Return the services of every analysis' category, one row per (category, site)."""
    parts = []
    for cat in dict.fromkeys(a.category for a in analyses):
        s = prep.services_for(cat)
        parts.append(
            gpd.GeoDataFrame(
                {
                    "selection": cat,
                    "service_id": s["service_id"].astype(str).to_numpy(),
                    "type": s["category"].to_numpy(),
                    "name": s["name"].to_numpy(),
                    "capacity": s["capacity"].to_numpy(float),
                },
                geometry=s.geometry.to_numpy(),
                crs=prep.services.crs,
            )
        )
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=prep.services.crs)


def services_table(services: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the services as a table with longitude and latitude (WGS 84, 6 decimals) instead of points."""
    lonlat = services.geometry.to_crs("EPSG:4326")
    out = pd.DataFrame(services.drop(columns="geometry"))
    out["lon"] = lonlat.x.round(6).to_numpy()
    out["lat"] = lonlat.y.round(6).to_numpy()
    return out


def outreach_table(
    prep: Prepared,
    a: Question,
    cells: pd.DataFrame,
    *,
    dimension: str | None = None,
    services: gpd.GeoDataFrame | None = None,
    level: Literal["cell", "council"] = "cell",
    group: str | None = None,
    units_key: str = MAIN_BOUNDARY,
) -> tuple[pd.DataFrame, dict[str, str], dict[str, list[str]]]:
    """Return the outreach targets of one analysis, with counts taken from the (unprotected) cells table.

    With ``level="council"`` the places are councils and `cells` is the (unprotected)
    councils table instead: the first column is then ``council_id`` and a ``name`` follows.
    `group` weights the score by that group's share among the unserved (see
    :func:`equimap.analysis.outreach.outreach_targets`).

    Places are census cells ranked by :func:`equimap.analysis.outreach.outreach_targets` with its
    default weights and classes. Their counts (residents and residents beyond the
    threshold, by `dimension`) are the cells table's whole residents, so that the
    targets can be protected exactly like the cells (see
    :func:`equimap.protect.tables.protect_like`); shares among the unserved are
    recomputed from them.

    Returns
    -------
    (pandas.DataFrame, dict, dict)
        The table (one row per ranked cell: ``analysis``, ``cell_id``, ``rank``, the
        level-2 class, counts, shares, ``mean_excess_min``, ``score``); for each of its
        count columns, the cells column it repeats; for each derived column, the count
        columns it is computed from.
    """
    dimension = prep.region.dimension_or_default(dimension)
    groups = [*prep.region.group(dimension).columns, unknown_column(dimension)] if dimension else []
    total = prep.region.total_col
    members = [m for m in [total, *groups] if m in cells.columns]
    t = outreach_targets(
        prep,
        mode=a.mode,
        category=a.category,
        threshold_s=a.threshold_s,
        dimension=dimension,
        services=services,
        level=level,
        group=group,
        units_key=units_key,
    )
    id_col = "cell_id" if level == "cell" else "council_id"
    out = pd.DataFrame({"analysis": a.key, id_col: t.index.astype(str)})
    if level == "council":
        out["name"] = t["name"].to_numpy()
    for c in OUTREACH_KEEP[:3]:
        out[c] = t[c].to_numpy()
    out["degurba_l2"] = out["degurba_l2"].astype(np.int64)
    rows = cells.reindex(out[id_col])
    source = {m: m for m in members} | {f"beyond_{m}": a.col(f"beyond_{m}") for m in members}
    for col, src in source.items():
        out[col] = rows[src].to_numpy(float)
    bt = f"beyond_{total}"
    out["share_beyond"] = (out[bt] / out[total]).where(out[total] > 0)
    derived = {"share_beyond": [bt, total]}
    for m in members[1:]:
        out[f"beyond_share_{m}"] = (out[f"beyond_{m}"] / out[bt]).where(out[bt] > 0)
        derived[f"beyond_share_{m}"] = [f"beyond_{m}", bt]
    for c in OUTREACH_KEEP[3:]:
        out[c] = t[c].to_numpy(float)
        derived[c] = [bt]  # computed from the unserved residents: hidden with them
    return out, source, derived
