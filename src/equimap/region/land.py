"""Census cells clipped to the coast: the squares as drawn on every map (the app's, the report's, the HTML map)."""

from __future__ import annotations

import geopandas as gpd


def clip_to_land(cells: gpd.GeoSeries, land: gpd.GeoSeries | None) -> gpd.GeoSeries:
    """Return each cell's polygon clipped to the land masses, aligned with `cells`.

    Parameters
    ----------
    cells
        Census cell polygons (the squares), any index, with a CRS.
    land
        Land-mass polygons in the same CRS (`equimap.network.prepare.land_layer`), or None
        for a region without a land layer (the squares are returned unchanged).

    Returns
    -------
    geopandas.GeoSeries
        The part of each square on land; a square with no land at all keeps its
        whole polygon, so that a populated cell is never lost from a map. Index and
        CRS of `cells`.
    """
    if land is None or len(cells) == 0:
        return cells.copy()
    if cells.crs is None or land.crs is None or cells.crs != land.crs:
        msg = (
            f"The cells ({cells.crs}) and the land layer ({land.crs}) must share one CRS; "
            "project the land layer to the cells' CRS first."
        )
        raise ValueError(msg)
    clipped = cells.intersection(land.union_all())
    return clipped.where(~clipped.is_empty, cells)
