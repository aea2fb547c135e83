"""Which streets are urban: the rule that picks a profile's urban or rural car speed.

The rule (``urban = "degurba"`` in a profile): an edge is urban when its midpoint lies in
a census grid cell of class urban centre or urban cluster (level 1 classes 3 and 2 of the
Degree of Urbanisation, :func:`equimap.indicators.degurba.classify_grid`, with the 2021
manual's thresholds). Every other edge is rural, including edges in cells the census
grid leaves out (no residents). The Degree of Urbanisation is used rather than OSM
``landuse``: it is the same classification the report's urbanisation tables use, it is
defined everywhere the census grid is, and it does not depend on how completely
``landuse=residential`` has been mapped.

A region whose population layer is not a grid (``kind = "zones"``) has no Degree of
Urbanisation: every edge is then rural, and the log says so.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely

from equimap.indicators.degurba import classify_grid
from equimap.network.graph import UrbanTest
from equimap.region.manifest import Region

log = logging.getLogger(__name__)

#: Level-1 Degree of Urbanisation classes whose cells count as urban (3 urban centre, 2 urban cluster).
URBAN_L1_CLASSES = (3, 2)


def urban_cells(population: gpd.GeoDataFrame, *, region: Region) -> gpd.GeoSeries | None:
    """Return the urban centre and urban cluster cells of a region's census grid (None without a grid).

    Parameters
    ----------
    population
        The population layer as `equimap.region.census.load_population` returns it (region CRS,
        ``land_share`` and the total column ``region.total_col``).
    region
        The region (its population kind, total column and cell size).
    """
    if not region.is_grid:
        log.info("%s: population zones, not a grid; every street counts as rural", region.key)
        return None
    classes = classify_grid(
        population,
        pop_col=region.total_col,
        land_share_col="land_share",
        cell_size_m=float(region.cell_size_m or 1000.0),
    )
    return classes.geometry[classes["degurba_l1"].isin(URBAN_L1_CLASSES)]


def urban_test(cells: gpd.GeoSeries | None) -> UrbanTest | None:
    """Return a function telling which points (x, y in the cells' CRS) lie in one of `cells` (None: no cells)."""
    if cells is None:
        return None
    geoms = np.asarray(cells.to_numpy())
    tree = shapely.STRtree(geoms)

    def inside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        pts = shapely.points(np.asarray(x, float), np.asarray(y, float))
        hit = np.zeros(len(pts), dtype=bool)
        if len(geoms):
            idx = tree.query(pts, predicate="intersects")
            hit[np.unique(idx[0])] = True
        return hit

    return inside
