"""Boundary outlines (councils, municipalities) with their names."""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely


def boundary_layer(
    units: gpd.GeoDataFrame,
    *,
    name: str,
    popups: list[str] | None = None,
    show: bool = True,
    simplify_m: float = 10.0,
) -> folium.FeatureGroup:
    """Return a switchable layer of unit outlines, named in a tooltip, with optional popups.

    Parameters
    ----------
    units
        Polygons with a CRS and a ``name`` column.
    name
        Layer name (translated).
    popups
        HTML of each unit's popup (its figures), in the order of `units`.
    show
        Whether the layer is on when the map opens.
    simplify_m
        Outlines are simplified to this tolerance (metres, in the units' metric CRS)
        for drawing only: a lighter page, no visible change at map scales.
    """
    gdf = units[["name", "geometry"]].copy()
    if simplify_m > 0 and gdf.crs is not None and gdf.crs.is_projected:
        gdf["geometry"] = gdf.geometry.simplify(simplify_m)
    gdf = gdf.to_crs("EPSG:4326").reset_index(drop=True)
    gdf["geometry"] = shapely.set_precision(gdf.geometry.to_numpy(), 1e-5)
    if popups is not None:
        gdf["popup"] = popups
    group = folium.FeatureGroup(name=name, show=show)
    folium.GeoJson(
        gdf.to_json(drop_id=True),
        style_function=lambda _f: {
            "color": "#222222",
            "weight": 1.4,
            "fill": True,
            "fillOpacity": 0.0,
            "dashArray": "4 3",
            "className": "eq-boundary",
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False) if popups is not None else None,
        control=False,
    ).add_to(group)
    return group
