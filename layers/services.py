"""Service points: small circles with name and type in a popup, clustered where dense."""

from __future__ import annotations

import html

import folium
import geopandas as gpd
from folium.plugins import MarkerCluster

#: Above this many points the layer is clustered.
CLUSTER_ABOVE = 60


def service_layer(
    services: gpd.GeoDataFrame,
    *,
    name: str,
    type_labels: dict[str, str],
    unnamed: str,
    show: bool = True,
    colour: str = "#3f007d",
) -> folium.FeatureGroup:
    """Return a switchable layer of service points.

    Parameters
    ----------
    services
        Points with a CRS and columns ``name`` and ``category``.
    name
        Layer name (translated).
    type_labels
        Category key -> translated label, shown in each popup.
    unnamed
        Text shown for a service with no name.
    show
        Whether the layer is on when the map opens.
    colour
        Marker colour.
    """
    pts = services.to_crs("EPSG:4326")
    group = folium.FeatureGroup(name=name, show=show)
    target: folium.FeatureGroup | MarkerCluster = group
    if len(pts) > CLUSTER_ABOVE:
        cluster = MarkerCluster(name=name, control=False, options={"disableClusteringAtZoom": 15})
        cluster.default_js, cluster.default_css = [], []  # loaded by the map (layers.basemap.offline_map)
        cluster.add_to(group)
        target = cluster
    for geom, nm, cat in zip(pts.geometry, pts["name"], pts["category"], strict=True):
        label = nm if isinstance(nm, str) and nm.strip() else unnamed
        text = f"<b>{html.escape(label)}</b><br>{html.escape(type_labels.get(cat, str(cat)))}"
        folium.CircleMarker(
            [geom.y, geom.x],
            radius=5,
            color="#ffffff",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.95,
            popup=folium.Popup(text, max_width=260),
            class_name="eq-service",
        ).add_to(target)
    return group
