"""The map layer of an isochrone: the area reachable from a clicked point (`equimap.analysis.isochrone`)."""

from __future__ import annotations

import folium
import geopandas as gpd

#: Outline and fill of the isochrone.
ISOCHRONE_COLOR = "#6a3d9a"


def isochrone_layer(area: gpd.GeoDataFrame, point_lonlat: tuple[float, float], *, name: str) -> folium.FeatureGroup:
    """Return the layer of an isochrone's `area` (any CRS) with a marker at its start point (lon, lat)."""
    fg = folium.FeatureGroup(name=name, show=True)
    folium.GeoJson(
        area.to_crs(4326)[["geometry"]].to_json(),
        name=name,
        style_function=lambda _f: {
            "color": ISOCHRONE_COLOR,
            "weight": 2,
            "fillColor": ISOCHRONE_COLOR,
            "fillOpacity": 0.2,
            "className": "eqm-isochrone",
            "interactive": False,
        },
    ).add_to(fg)
    folium.CircleMarker(
        location=(point_lonlat[1], point_lonlat[0]),
        radius=6,
        color=ISOCHRONE_COLOR,
        fill=True,
        fill_opacity=1.0,
        class_name="eqm-isochrone-start",
    ).add_to(fg)
    return fg
