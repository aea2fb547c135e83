"""An empty Leaflet map that draws offline: local Leaflet assets, no tiles unless asked, data credits.

folium points its maps at CDN copies of Leaflet, jQuery, Bootstrap and
font-awesome. The map made here needs only Leaflet, jQuery (folium's popups use
it) and markercluster when services are clustered, served by Streamlit from ``static/vendor/`` (filled
from npm by ``make vendor``), so no request leaves the machine.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import folium
from branca.element import MacroElement
from jinja2 import Template

#: URL prefix under which Streamlit serves ``static/`` (``server.enableStaticServing``).
STATIC_URL = "/app/static/vendor"
#: OpenStreetMap's tile server: used only when the user asks for a basemap (needs internet).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def leaflet_assets(static_url: str = STATIC_URL) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the (js, css) asset lists of a map, pointing at the local copies."""
    js = [("leaflet", f"{static_url}/leaflet/leaflet.js"), ("jquery", f"{static_url}/jquery/jquery.min.js")]
    return js, [("leaflet_css", f"{static_url}/leaflet/leaflet.css")]


def cluster_assets(static_url: str = STATIC_URL) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the (js, css) asset lists of Leaflet.markercluster, pointing at the local copies."""
    base = f"{static_url}/markercluster"
    return [("markercluster", f"{base}/leaflet.markercluster.js")], [
        ("markercluster_css", f"{base}/MarkerCluster.css"),
        ("markercluster_default_css", f"{base}/MarkerCluster.Default.css"),
    ]


class _Attribution(MacroElement):
    """Adds credit lines to the map's attribution control."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


def offline_map(
    bounds: Sequence[float],
    *,
    attribution: Sequence[str],
    basemap: bool = False,
    basemap_name: str = "OpenStreetMap",
    static_url: str = STATIC_URL,
) -> folium.Map:
    """Return a map fitted to `bounds` whose assets are all local.

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` in EPSG:4326.
    attribution
        Credit lines of the data shown (the region manifest's ``attribution``).
    basemap
        Add OpenStreetMap tiles (fetched from the internet; off by default, the
        overlays are readable without them).
    basemap_name
        Name of the tile layer in the layer control.
    static_url
        URL prefix of the local assets.
    """
    m = folium.Map(tiles=None, control_scale=True, zoomSnap=0.25)
    m.options.update(maxZoom=19, minZoom=5)  # folium passes these to tiles only; markercluster needs them
    # markercluster goes on the map itself: streamlit-folium does not collect the
    # assets of elements nested in feature groups.
    js, css = leaflet_assets(static_url)
    cjs, ccss = cluster_assets(static_url)
    m.default_js, m.default_css = js + cjs, css + ccss
    if basemap:
        folium.TileLayer(OSM_TILES, name=basemap_name, attr="© OpenStreetMap contributors", max_zoom=19).add_to(m)
    m.add_child(_Attribution(" | ".join(html.escape(a) for a in attribution)))
    min_lon, min_lat, max_lon, max_lat = bounds
    m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    return m
