"""Boundary layers of a region (councils, municipalities, islands)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from equimap import i18n
from equimap._errors import RegionError
from equimap._validate import require_columns
from equimap.region.manifest import Region
from equimap.region.userfile import read_region_layer

#: A unit is in the study area when at least this share of its area lies inside it.
IN_AREA_SHARE = 0.5


def load_boundaries(region: Region, key: str) -> gpd.GeoDataFrame:
    """Return boundary layer `key` of a region, projected to its CRS.

    A feature without a name (missing or blank in the name column) is named
    ``Unnamed <layer label> N`` in the region's first language (``languages``),
    numbered in file order. With a study area (``[area]``), only the units with at
    least :data:`IN_AREA_SHARE` of their area inside it are kept.

    Returns
    -------
    GeoDataFrame
        Columns ``name`` (from the manifest's name column) and ``geometry``;
        rows filtered by the manifest's ``filter``; index ``unit_id`` (0..n-1).
    """
    spec = region.boundary(key)
    if spec is None:
        known = [b.key for b in region.boundaries]
        msg = (
            f"Region `{region.key}` has no boundary layer; add a `[[boundaries]]` layer to its manifest."
            if not known
            else f"Region `{region.key}` has no boundary layer `{key}`; choose one of {known}."
        )
        raise RegionError(msg)
    gdf = read_region_layer(spec.path, key=f"boundaries.{spec.key}")
    require_columns(gdf, [*spec.filter, *([spec.name] if spec.name else [])], where=spec.path.name)
    for col, val in spec.filter.items():
        gdf = gdf[gdf[col].astype(str) == val]
    names = unit_names(
        gdf[spec.name] if spec.name else pd.Series(gdf.index.astype(str)), region=region, label=spec.label
    )
    out = gpd.GeoDataFrame({"name": names}, geometry=gdf.geometry.to_numpy(), crs=gdf.crs).to_crs(region.crs)
    if region.area is not None:
        from equimap.region.studyarea import load_study_area

        area = load_study_area(region)
        geoms = np.asarray(out.geometry.array)
        inside = shapely.area(shapely.intersection(geoms, area))
        out = out[inside >= IN_AREA_SHARE * np.maximum(shapely.area(geoms), 1e-12)].reset_index(drop=True)
    out.index.name = "unit_id"
    return out


def unit_names(raw: pd.Series, *, region: Region, label: str) -> np.ndarray:
    """Return the units' names as strings: a missing or blank one becomes ``Unnamed <label> N`` (translated)."""
    lang = next((x for x in region.languages if x in i18n.languages()), i18n.FALLBACK)
    text = raw.astype("string").str.strip()
    missing = text.isna() | (text == "") | text.str.lower().isin(["nan", "none", "null"])
    out = text.fillna("").astype(str).to_numpy(dtype=object)
    for k, i in enumerate(np.flatnonzero(missing.to_numpy()), start=1):
        out[i] = i18n.t("region.unnamed_unit", lang, unit=label, n=k)
    return out
