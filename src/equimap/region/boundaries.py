"""Boundary layers of a region (councils, municipalities, islands)."""

from __future__ import annotations

import geopandas as gpd

from equimap._errors import RegionError
from equimap._validate import read_vector, require_columns
from equimap.region.manifest import Region


def load_boundaries(region: Region, key: str) -> gpd.GeoDataFrame:
    """Return boundary layer `key` of a region, projected to its CRS.

    Returns
    -------
    GeoDataFrame
        Columns ``name`` (from the manifest's name column) and ``geometry``;
        rows filtered by the manifest's ``filter``; index ``unit_id`` (0..n-1).
    """
    spec = next((b for b in region.boundaries if b.key == key), None)
    if spec is None:
        msg = (
            f"Region `{region.key}` has no boundary layer `{key}`; choose one of {[b.key for b in region.boundaries]}."
        )
        raise RegionError(msg)
    gdf = read_vector(spec.path)
    require_columns(gdf, [*spec.filter, *([spec.name] if spec.name else [])], where=spec.path.name)
    for col, val in spec.filter.items():
        gdf = gdf[gdf[col].astype(str) == val]
    names = gdf[spec.name].astype(str) if spec.name else gdf.index.astype(str)
    out = gpd.GeoDataFrame({"name": names.to_numpy()}, geometry=gdf.geometry.to_numpy(), crs=gdf.crs).to_crs(region.crs)
    out.index.name = "unit_id"
    return out
