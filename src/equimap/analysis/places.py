"""Figures per place (census cell or council) for maps: residents by group, density, diversity, travel times.

A *place* is a polygon that gathers origins: the census cell an origin was
placed in, or the council whose polygon holds the origin's point. Figures are
those of `equimap.indicators.groups.cell_summary` (residents per population column, travel
times weighted by residents, residents beyond the threshold) plus residents
per km² of land, the foreign-born shares and the Simpson diversity of the
first group dimension (country of birth).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from equimap._validate import _div, _fail
from equimap.indicators.diversity import bivariate_classes, foreign_born_shares, simpson_index
from equimap.indicators.groups import cell_summary
from equimap.network.prepare import Prepared
from equimap.region.boundaries import load_boundaries


def origin_places(origins: pd.DataFrame, places: gpd.GeoDataFrame) -> pd.Series:
    """Return the place (index of `places`) whose polygon holds each origin's point.

    Parameters
    ----------
    origins
        Index ``origin``; ``x`` and ``y`` in the CRS of `places`.
    places
        Polygons with a unique index. An origin on a shared border goes to the
        first of its places in `places`' order.

    Returns
    -------
    pandas.Series
        Indexed like `origins`: the place id, or ``<NA>``/NaN for an origin outside every place.
    """
    missing = [c for c in ("x", "y") if c not in origins.columns]
    if missing:
        _fail([f"`origins` has no column {missing}; pass the origins table (point coordinates `x`, `y`)"])
    pts = shapely.points(origins["x"].to_numpy(float), origins["y"].to_numpy(float))
    i_pt, i_place = places.sindex.query(pts, predicate="intersects")
    pos = np.full(len(origins), -1, dtype=np.intp)
    order = np.lexsort((i_place, i_pt))
    first_pt, first = np.unique(i_pt[order], return_index=True)
    pos[first_pt] = i_place[order][first]
    ids = pd.Series(places.index.to_numpy(), dtype=places.index.dtype)
    out = ids.reindex(np.where(pos >= 0, pos, -1)).set_axis(origins.index)
    return out.rename(places.index.name or "place")


def place_figures(
    origins: pd.DataFrame,
    access: pd.DataFrame,
    places: gpd.GeoDataFrame,
    *,
    place_of: pd.Series,
    count_columns: Sequence[str],
    threshold_s: float,
    land_share_col: str | None = None,
    diversity_groups: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Return the figures of every place that holds residents' origins.

    Parameters
    ----------
    origins
        Index ``origin``; the `count_columns` (residents, the first is the total).
    access
        Indexed like `origins`: ``time_nearest_s``, ``time_mean3_s`` and ``n_within_*``
        (``Prepared.access``).
    places
        Polygons in a metric CRS, unique index (e.g. ``cell_id``); `land_share_col` if given.
    place_of
        Indexed like `origins`: the place id of each origin; missing for an
        origin outside every place (it is left out).
    count_columns
        Population columns to sum per place; the first is the total.
    threshold_s
        Time beyond which residents count as underserved (seconds).
    land_share_col
        Column of `places` with the share of its area that is land (0..1);
        density is then per km² of land (per km² of area where the share is 0 or missing).
    diversity_groups
        Columns of one group dimension, the reference (born in the country)
        first. With three (in the country, in another EU country, outside the
        EU) the output has ``eu_share``, ``non_eu_share`` and ``foreign_share``;
        with two or more, ``simpson`` (normalised Gini-Simpson, 0 = one group,
        1 = equal shares).

    Returns
    -------
    geopandas.GeoDataFrame
        Index as `places` (only places with origins), the columns of
        `equimap.indicators.groups.cell_summary`, ``area_km2``, ``density_km2`` (total residents
        per km²), the diversity columns above, and the geometry (CRS of `places`).
    """
    problems = []
    if not place_of.index.equals(origins.index):
        problems.append("`place_of` is not indexed like `origins`; build it with `origin_places(origins, places)`")
    if not access.index.equals(origins.index):
        problems.append("`access` is not indexed like `origins`; compute it from the same origins table")
    if land_share_col is not None and land_share_col not in places.columns:
        problems.append(f"`places` has no column `{land_share_col}`; pass `land_share_col=None` or add it")
    if places.crs is None or not places.crs.is_projected:
        problems.append("`places` must be in a metric (projected) CRS to measure areas; project it first")
    _fail(problems)
    inside = place_of.notna().to_numpy()
    summary = cell_summary(
        origins.loc[inside].assign(cell_id=place_of[inside].to_numpy()),
        access.loc[inside],
        count_columns=list(count_columns),
        threshold_s=threshold_s,
    )
    summary.index = summary.index.astype(places.index.dtype).rename(places.index.name)
    geom = places.geometry.reindex(summary.index)
    area_km2 = geom.area.to_numpy() / 1e6
    if land_share_col is not None:
        share = places[land_share_col].reindex(summary.index).to_numpy(float)
        land = np.where(np.isfinite(share) & (share > 0), area_km2 * share, area_km2)
    else:
        land = area_km2
    out = summary.copy()
    out["area_km2"] = area_km2
    out["density_km2"] = _div(summary[count_columns[0]].to_numpy(), land)
    if diversity_groups is not None and len(diversity_groups) == 3:
        native, eu, non_eu = diversity_groups
        out = out.join(foreign_born_shares(summary, native=native, eu=eu, non_eu=non_eu))
    if diversity_groups is not None and len(diversity_groups) >= 2:
        out["simpson"] = simpson_index(summary[list(diversity_groups)], normalised=True)
    return gpd.GeoDataFrame(out, geometry=geom.to_numpy(), crs=places.crs)


def cell_figures(prep: Prepared, access: pd.DataFrame, *, threshold_s: float) -> gpd.GeoDataFrame:
    """Return `place_figures` for the census cells of a prepared region (index ``cell_id``)."""
    cells = prep.population
    first = prep.region.groups[0] if prep.region.groups else None
    return place_figures(
        prep.origins,
        access,
        cells,
        place_of=prep.origins["cell_id"].where(prep.origins["cell_id"].isin(cells.index)),
        count_columns=prep.count_columns,
        threshold_s=threshold_s,
        land_share_col="land_share" if "land_share" in cells.columns else None,
        diversity_groups=[first.reference, *[c for c in first.columns if c != first.reference]] if first else None,
    )


def council_figures(
    prep: Prepared,
    access: pd.DataFrame,
    *,
    threshold_s: float,
    units_key: str = "councils",
    units: gpd.GeoDataFrame | None = None,
    place_of: pd.Series | None = None,
) -> gpd.GeoDataFrame:
    """Return `place_figures` for a boundary layer of a prepared region (index ``unit_id``, plus ``name``).

    An origin belongs to the unit whose polygon holds its point; origins
    outside every unit are left out.

    Parameters
    ----------
    prep, access, threshold_s
        As in `cell_figures`.
    units_key
        Boundary layer of the region (read with `equimap.region.boundaries.load_boundaries` unless `units` is given).
    units
        The layer already loaded (``name`` and polygons in the region CRS, index ``unit_id``).
    place_of
        ``origin_places(prep.origins, units)`` already computed (it does not
        depend on the service, so callers may keep it).
    """
    units = load_boundaries(prep.region, units_key) if units is None else units
    first = prep.region.groups[0] if prep.region.groups else None
    figures = place_figures(
        prep.origins,
        access,
        units,
        place_of=origin_places(prep.origins, units) if place_of is None else place_of,
        count_columns=prep.count_columns,
        threshold_s=threshold_s,
        diversity_groups=[first.reference, *[c for c in first.columns if c != first.reference]] if first else None,
    )
    figures.insert(0, "name", units["name"].reindex(figures.index))
    return figures


def diverse_underserved(figures: pd.DataFrame, *, n: int = 3, total_col: str = "T") -> pd.DataFrame:
    """Return the bivariate classes of places by Simpson diversity and travel time to the nearest service.

    Both are cut at population-weighted quantiles (terciles for ``n=3``: each
    class holds about a third of the residents), see
    `equimap.indicators.diversity.bivariate_classes`. A place with residents but no reachable
    service counts as the longest time.

    Parameters
    ----------
    figures
        Output of `place_figures`: ``simpson``, ``time_nearest_min`` and `total_col`.
    n
        Number of classes per variable.
    total_col
        Column of residents used as weights.

    Returns
    -------
    pandas.DataFrame
        Indexed like `figures`: ``diversity_class``, ``access_class`` (1..n,
        ``<NA>`` without residents) and ``diverse_underserved`` (most diverse
        class and longest-time class).
    """
    missing = [c for c in ("simpson", "time_nearest_min", total_col) if c not in figures.columns]
    if missing:
        _fail([f"`figures` has no column {missing}; pass the output of `place_figures` with `diversity_groups`"])
    pop = figures[total_col].astype(float)
    time_min = figures["time_nearest_min"].astype(float)
    time_s = (time_min * 60).where(time_min.notna() | (pop <= 0), np.inf)
    return bivariate_classes(figures["simpson"].astype(float), time_s, n=n, pop=pop)
