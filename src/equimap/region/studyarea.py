"""The study area of a region: residents, cells and services outside it are left out of every figure.

A region's census grid covers a box, and the box of a country usually overhangs its
border (Liechtenstein's 1 km grid box holds ten times its residents). The manifest's
``[area]`` names the study area: a boundary layer (``boundary = "islands"``) with an
optional ``filter`` on that layer's file (``filter = { name = "Gozo" }``; it replaces the
layer's own filter, so a feature of another level of the same file can be chosen), or a
polygon file (``path = "area.geojson"``). It is applied once, where the population is loaded
(`equimap.region.census.load_population`) and where services are prepared, so every
table, map, report, export and command reads the same restricted data:

- a cell wholly outside is dropped;
- a cell cut by the border keeps the share of its residents inside, by land area
  (`equimap.indicators.areal.area_shares`, the rule that shares cells among units),
  every count column scaled alike; its land share is scaled the same way, so its
  density (residents per km² of land) is unchanged. The square stays whole (the
  Degree of Urbanisation reads a regular grid);
- a service outside is dropped.

What this does not do: residents are assumed spread evenly over each cell's land,
so a cut cell's share is an estimate; streets outside the area stay in the
networks (a trip may pass outside), only origins and destinations are restricted.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from equimap._errors import RegionError
from equimap.indicators.areal import area_shares
from equimap.region.manifest import Region
from equimap.region.userfile import read_region_layer


def load_study_area(region: Region) -> shapely.Geometry | None:
    """Return the region's study area as one polygon in the region's CRS, or None without ``[area]``."""
    spec = region.area
    if spec is None:
        return None
    if spec.path is not None:
        gdf = read_region_layer(spec.path, key="area.path")
        where = spec.path.name
    else:
        layer = region.boundary(spec.boundary or "")
        if layer is None:
            msg = f"`area.boundary` = `{spec.boundary}` is not a boundary layer of region `{region.key}`."
            raise RegionError(msg)
        gdf = read_region_layer(layer.path, key=f"boundaries.{layer.key}")
        where = layer.path.name
        for col, val in (spec.filter or layer.filter).items():
            if col not in gdf.columns:
                msg = f"`area.filter` names `{col}`, which is not a column of `{where}`; name one of {list(gdf.columns)[:12]}."
                raise RegionError(msg)
            gdf = gdf[gdf[col].astype(str) == val]
    if gdf.crs is None:
        msg = f"`{where}` (the study area) has no CRS; save it with one (e.g. EPSG:4326)."
        raise RegionError(msg)
    polys = gdf.to_crs(region.crs).geometry
    polys = polys[polys.geom_type.isin(["Polygon", "MultiPolygon"]) & ~polys.is_empty]
    if len(polys) == 0:
        msg = f"The study area (`[area]` of region `{region.key}`) selects no polygon of `{where}`; check its filter."
        raise RegionError(msg)
    return shapely.make_valid(polys.union_all())


def restrict_population(
    population: gpd.GeoDataFrame, area: shapely.Geometry | None, *, count_columns: list[str]
) -> tuple[gpd.GeoDataFrame, dict[str, float]]:
    """Return the cells of `population` inside `area`, cut cells keeping their residents' share inside.

    Parameters
    ----------
    population
        As `equimap.region.census.load_population` returns it: index ``cell_id``, the
        `count_columns`, ``land_share``, square polygons in the CRS of `area`.
    area
        The study area (`load_study_area`); None returns `population` unchanged.

    Returns
    -------
    (GeoDataFrame, dict)
        The cells with residents inside (counts scaled by their share inside, new column
        ``area_share``), and what was left out: ``cells_out`` (cells wholly outside),
        ``cells_cut`` (cells cut by the border), ``residents_out`` (residents left out,
        in cells outside and in the outer parts of cut cells), ``residents_in``.
    """
    total = count_columns[0]
    if area is None:
        out = population.copy()
        out["area_share"] = 1.0
        left = {"cells_out": 0, "cells_cut": 0, "residents_out": 0.0, "residents_in": float(out[total].sum())}
        return out, left
    cells = np.asarray(population.geometry.array)
    land = population["land_share"].to_numpy(float)
    i_cell, _, _, share = area_shares(cells, land, np.array([area]))
    cell_share = np.zeros(len(population))
    np.add.at(cell_share, i_cell, share)
    cell_share = np.clip(cell_share, 0.0, 1.0)
    cell_share[cell_share > 1 - 1e-9] = 1.0
    keep = cell_share > 1e-9
    out = population.loc[keep].copy()
    s = cell_share[keep]
    out[count_columns] = out[count_columns].to_numpy(float) * s[:, None]
    eff_land = np.where(np.isfinite(land[keep]) & (land[keep] > 0), land[keep], 1.0)
    out["land_share"] = eff_land * s
    out["area_share"] = s
    before = float(population[total].sum())
    after = float(out[total].sum())
    left = {
        "cells_out": int((~keep).sum()),
        "cells_cut": int((s < 1.0).sum()),
        "residents_out": before - after,
        "residents_in": after,
    }
    return out, left


def restrict_services(services: gpd.GeoDataFrame, area: shapely.Geometry | None) -> tuple[gpd.GeoDataFrame, int]:
    """Return the services inside `area` (on its border counts as inside) and how many were left out."""
    if area is None or len(services) == 0:
        return services, 0
    inside = shapely.intersects(area, np.asarray(services.geometry.array))
    return services.loc[inside].reset_index(drop=True) if not inside.all() else services, int((~inside).sum())
