"""Residents of grid cells shared among the polygons that overlap them, by land area.

The one rule equimap uses wherever a census cell's residents are split by area: the
Degree of Urbanisation of local units (`equimap.indicators.degurba.classify_units`)
and the study area (`equimap.region.studyarea`), which keeps the share of a cut
cell's residents that lives inside it.
"""

from __future__ import annotations

import numpy as np
import shapely


def area_shares(
    cells: np.ndarray, land_share: np.ndarray, polygons: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return each (cell, polygon) overlap and the share of the cell's residents it holds.

    The share is the overlap area divided by the larger of the cell's land area
    (cell area × land share; the whole cell where the share is missing or 0) and the
    area all polygons cover in it. So a coastal cell's residents all go to the
    polygons on its land, and the residents of land no polygon covers are in none.
    Residents are assumed spread evenly over the cell's land (with a 1 km grid only,
    the usual stand-in).

    Parameters
    ----------
    cells
        Cell polygons (shapely array), in the CRS of `polygons`.
    land_share
        Share of each cell that is land, 0..1 (NaN or 0: the whole cell).
    polygons
        Polygons among which residents are shared (shapely array).

    Returns
    -------
    (i_cell, i_polygon, overlap_m2, share)
        One entry per overlapping pair: positions in `cells` and `polygons`, the
        overlap area and the share of the cell's residents in it (0..1).
    """
    tree = shapely.STRtree(polygons)
    i_cell, i_poly = tree.query(cells, predicate="intersects")
    overlap = shapely.area(shapely.intersection(cells[i_cell], polygons[i_poly]))
    land = np.asarray(land_share, dtype=float)
    land_area = shapely.area(cells) * np.where(np.isfinite(land) & (land > 0), land, 1.0)
    covered = np.bincount(i_cell, weights=overlap, minlength=len(cells))
    denom = np.maximum(covered, land_area)[i_cell]
    share = np.divide(overlap, denom, out=np.zeros_like(overlap), where=denom > 0)
    return i_cell, i_poly, overlap, share
