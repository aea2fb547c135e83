"""Services of the chosen category: circle markers with name and type, clustered where dense."""

from __future__ import annotations

import html
from collections.abc import Mapping

import folium
import geopandas as gpd
from folium.plugins import MarkerCluster
from folium.utilities import JsCode

from equimap.maps.base import STATIC_URL, geojson, markercluster_assets, to_wgs84
from equimap.maps.legend import Legend, legend_html

#: Marker colours, one per service category (cycled when there are more categories).
PALETTE = ("#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#fb9a99", "#b2df8a")

_POINT = JsCode(
    """function(feature, latlng) {
        return L.circleMarker(latlng, {
            radius: 6, weight: 1.5, color: '#ffffff', fillColor: feature.properties.colour,
            fillOpacity: 0.95, pane: 'eqm-points', className: 'eqm-service'
        }).bindPopup(feature.properties.popup);
    }"""
)


def services_layer(
    services: gpd.GeoDataFrame,
    *,
    name: str,
    type_labels: Mapping[str, str],
    title: str,
    type_heading: str,
    unnamed: str,
    show: bool = True,
    cluster: bool = True,
    static_url: str = STATIC_URL,
) -> folium.FeatureGroup:
    """Return an overlay of service points, each with a popup giving its name and type.

    Parameters
    ----------
    services
        Points with a CRS; columns ``name`` (may be empty) and ``category``.
    name
        Name of the overlay in the layer control.
    type_labels
        Category key -> translated label (a missing key shows the key).
    title
        Legend title (e.g. ``"Pharmacies (42)"``).
    type_heading
        Word before the type in the popup (``"Type"``).
    unnamed
        Name shown for a service without one.
    show
        Whether the overlay is on when the map opens.
    cluster
        Gather nearby markers into numbered clusters (markercluster, served locally).
    static_url
        URL prefix of the local map assets.
    """
    cats = list(dict.fromkeys(services["category"].astype(str)))
    colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cats)}
    gdf = to_wgs84(services[["geometry"]])
    names = services["name"].fillna("").astype(str).str.strip()
    labels = [type_labels.get(c, c) for c in services["category"].astype(str)]
    gdf["colour"] = [colour[c] for c in services["category"].astype(str)]
    gdf["popup"] = [
        f'<div class="eqm-popup"><div class="eqm-head">{html.escape(n or unnamed)}</div>'
        f"<div>{html.escape(type_heading)}: {html.escape(lab)}</div></div>"
        for n, lab in zip(names, labels, strict=True)
    ]
    group = folium.FeatureGroup(name=name, show=show, overlay=True, control=True)
    parent: folium.MacroElement = group
    if cluster:
        mc = MarkerCluster(
            name=name,
            control=False,
            options={"showCoverageOnHover": False, "maxClusterRadius": 40, "disableClusteringAtZoom": 16},
        )
        mc.default_js, mc.default_css = markercluster_assets(static_url)
        mc.add_to(group)
        parent = mc
    if len(gdf):
        folium.GeoJson(
            geojson(gdf.reset_index(drop=True)), name=name, control=False, point_to_layer=_POINT, pane="eqm-points"
        ).add_to(parent)
    entries = [(colour[c], type_labels.get(c, c)) for c in cats]
    group.add_child(Legend(legend_html(title, entries, shape="circle"), layer_name=name))
    return group
