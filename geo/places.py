"""Figures per place (census cell, council) for maps, popups and lists.

One table per kind of place joins what a planner reads on the map: residents by
group, density, shares born abroad, diversity, travel times, residents beyond the
threshold, the Degree of Urbanisation class (grids only) and the bivariate
"diverse and underserved" class.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.boundaries import load_boundaries
from geo.diversity import bivariate_classes, foreign_born_shares, simpson_index
from geo.groups import cell_summary
from geo.prepare import Prepared
from geo.settings import Mode


def unit_of_points(x: np.ndarray, y: np.ndarray, units: gpd.GeoDataFrame) -> np.ndarray:
    """Return the position in `units` of the polygon holding each point (smallest position on ties), -1 if none."""
    i_pt, i_unit = units.sindex.query(shapely.points(x, y), predicate="intersects")
    pos = np.full(len(x), -1, dtype=np.intp)
    order = np.lexsort((i_unit, i_pt))
    pts, first = np.unique(i_pt[order], return_index=True)
    pos[pts] = i_unit[order][first]
    return pos


def _diversity_columns(table: pd.DataFrame, prep: Prepared) -> pd.DataFrame:
    """Return foreign-born shares and Gini–Simpson diversity over the country-of-birth groups of `table`."""
    dims = {d.key: d for d in prep.region.groups}
    out = pd.DataFrame(index=table.index)
    if "birth" not in dims:
        return out
    cols = list(dims["birth"].columns)
    if len(cols) == 3:
        native = dims["birth"].reference
        eu, non_eu = [c for c in cols if c != native]
        out = foreign_born_shares(table, native=native, eu=eu, non_eu=non_eu)
    out["simpson"] = simpson_index(table[cols])
    return out


def cell_figures(
    prep: Prepared, *, mode: Mode, category: str, threshold_s: float, services: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Return one row per populated census cell with its figures and polygon (region CRS).

    Columns: the population columns, ``density_km2`` (residents per km² of land
    when the grid gives the land share), ``eu_share``, ``non_eu_share``,
    ``foreign_share``, ``simpson``, ``time_nearest_min``, ``time_mean3_min``,
    ``n_within_*``, ``beyond_<col>``, ``share_beyond``; for grids also
    ``degurba_l2`` and ``degurba_l2_label``; and ``diversity_class``,
    ``access_class`` and ``diverse_underserved`` (terciles weighted by residents).
    Travel times are weighted by residents over the cell's origins. `services`
    replaces the region's services of `category` (e.g. an uploaded list).
    """
    acc = prep.access(mode, category, services=services)
    cells = cell_summary(prep.origins, acc, count_columns=prep.count_columns, threshold_s=threshold_s)
    pop = prep.population.loc[cells.index]
    area_km2 = pop.geometry.area.to_numpy() / 1e6
    if "land_share" in pop.columns:
        land = pop["land_share"].to_numpy(float)
        area_km2 = np.where(np.isfinite(land) & (land > 0), area_km2 * land, area_km2)
    out = cells.copy()
    out.insert(len(prep.count_columns), "density_km2", cells[prep.region.total_col].to_numpy() / area_km2)
    out = out.join(_diversity_columns(cells, prep))
    if prep.region.population_kind == "grid":
        from geo.urban_access import grid_classes

        classes = grid_classes(prep.population, region=prep.region)
        out = out.join(classes[["degurba_l2", "degurba_l2_label"]])
    if "simpson" in out.columns:
        time_for_class = out["time_nearest_min"].fillna(np.inf)
        out = out.join(bivariate_classes(out["simpson"], time_for_class, pop=out[prep.region.total_col]))
    return gpd.GeoDataFrame(out, geometry=pop.geometry.to_numpy(), crs=prep.region.crs)


def unit_figures(
    prep: Prepared,
    *,
    mode: Mode,
    category: str,
    threshold_s: float,
    units_key: str = "councils",
    services: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Return one row per unit of a boundary layer (e.g. councils) with the figures of the residents inside it.

    Each origin belongs to the unit whose polygon holds its point (the unit
    listed first on a shared border); origins in no unit are left out. Index:
    the unit's position in the layer (``unit_id``); columns ``name``, the
    population columns, travel times weighted by residents, ``beyond_<col>``,
    ``share_beyond``, foreign-born shares and ``simpson``; polygons in the region CRS.
    `services` replaces the region's services of `category`.
    """
    o = prep.origins
    memo_key = ("unit_of_origins", units_key)
    if memo_key not in prep._memo:  # the same for every analysis: compute once per prepared region
        units = load_boundaries(prep.region, units_key).reset_index(drop=True)
        prep._memo[memo_key] = (units, unit_of_points(o["x"].to_numpy(), o["y"].to_numpy(), units))
    units, pos = prep._memo[memo_key]
    inside = pos >= 0
    acc = prep.access(mode, category, services=services)
    origins = o.loc[inside].assign(cell_id=pos[inside])
    figs = cell_summary(origins, acc.loc[inside], count_columns=prep.count_columns, threshold_s=threshold_s)
    figs.index.name = "unit_id"
    figs = figs.join(_diversity_columns(figs, prep))
    figs.insert(0, "name", units.loc[figs.index, "name"].to_numpy())
    return gpd.GeoDataFrame(figs, geometry=units.loc[figs.index].geometry.to_numpy(), crs=prep.region.crs)
