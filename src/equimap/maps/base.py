"""An offline folium map: local Leaflet assets, panes for the overlays, credits, optional tiles.

folium references Leaflet, jQuery, Bootstrap and font-awesome on CDNs. The
map built here references only Leaflet and markercluster, served by the app
itself (``static/vendor``, filled from npm by ``scripts/vendor.py``) under
`STATIC_URL`; nothing on it needs jQuery, Bootstrap or icon fonts. Basemap
tiles are off unless a tile URL is given, and the overlays carry their own
land and sea colours, so the map reads without them.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from jinja2 import Template

#: Where Streamlit serves ``static/vendor`` (``[server] enableStaticServing = true``).
STATIC_URL = "/app/static/vendor"
#: Panes (name, z-index): land under everything, cells, lines, services; Leaflet's markers are at 600.
PANES: dict[str, int] = {"eqm-land": 250, "eqm-cells": 400, "eqm-lines": 450, "eqm-points": 500}
#: Colours of the sea (map background) and the land layer.
SEA_COLOUR = "#dbe7ef"
LAND_COLOUR = "#fbfaf6"

_CSS = """
.leaflet-container { background: %(sea)s; font-family: system-ui, sans-serif; font-size: 12px; }
.leaflet-control-layers { font-size: 12.5px; line-height: 1.3; }
.leaflet-control-layers label { margin: 1px 0; }
.leaflet-control-attribution { font-size: 10.5px; max-width: 70%%; white-space: normal; }
.eqm-legends { background: rgba(255,255,255,0.94); border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
  max-width: 250px; }
.eqm-legends.eqm-empty { display: none; }
.eqm-legends-toggle { display: block; width: 100%%; border: 0; background: none; font: inherit; font-weight: 600;
  text-align: left; padding: 5px 8px; cursor: pointer; }
.eqm-legends-toggle::after { content: " ▾"; }
.eqm-legends.eqm-folded .eqm-legends-toggle::after { content: " ▸"; }
.eqm-legends.eqm-folded .eqm-legends-body { display: none; }
.eqm-legends-body { max-height: 48vh; overflow-y: auto; padding: 0 8px 6px; }
.eqm-legend { font-size: 12px; line-height: 1.35; padding-top: 4px; }
.eqm-legend + .eqm-legend { border-top: 1px solid #ddd; margin-top: 4px; }
.eqm-legend .eqm-title { font-weight: 600; margin-bottom: 3px; }
.eqm-legend .eqm-note { color: #555; margin-top: 3px; font-size: 11px; }
.eqm-legend .eqm-row { display: flex; align-items: center; gap: 6px; }
.eqm-legend .eqm-swatch { width: 14px; height: 12px; border: 1px solid rgba(0,0,0,0.35); flex: none; }
.eqm-legend .eqm-swatch.eqm-circle { border-radius: 50%%; width: 11px; height: 11px; }
.eqm-legend .eqm-swatch.eqm-line { height: 0; border: 0; border-top: 2px solid; }
.eqm-legend table.eqm-grid td { width: 16px; height: 14px; padding: 0; }
.eqm-popup table { border-collapse: collapse; font-size: 12px; }
.eqm-popup th { text-align: left; font-weight: normal; color: #444; padding: 1px 8px 1px 0; }
.eqm-popup td { text-align: right; font-variant-numeric: tabular-nums; padding: 1px 0; }
.eqm-popup td.eqm-section { font-weight: 600; padding-top: 4px; text-align: left; }
.eqm-popup .eqm-head { font-weight: 600; font-size: 13px; margin-bottom: 2px; }
.eqm-label { font-size: 11px; color: #222; text-shadow: 0 0 3px #fff, 0 0 3px #fff; white-space: nowrap;
  cursor: pointer; }
.eqm-zoomed-out .eqm-label { display: none; }
"""


class _Assets(MacroElement):
    """Put the map's own CSS in the page header and credit the data in the attribution control."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var lines = {{ this.lines_json }};
            map.eqmLegendTitle = {{ this.legend_title_json }};
            lines.forEach(function(line) { map.attributionControl.addAttribution(line); });
            L.control.scale({ imperial: false }).addTo(map);  // metric only
            function zoomClass() {
                map.getContainer().classList.toggle('eqm-zoomed-out', map.getZoom() < {{ this.label_zoom }});
            }
            map.on('zoomend', zoomClass);
            zoomClass();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, lines: Sequence[str], *, label_zoom: int, legend_title: str = "Legend"):
        super().__init__()
        self.legend_title_json = script_json(legend_title)
        self._name = "EquimapAssets"
        self.css = _CSS % {"sea": SEA_COLOUR}
        self.lines_json = script_json([html.escape(line) for line in lines])
        self.label_zoom = int(label_zoom)


def script_json(obj: object) -> str:
    """Return `obj` as JSON that is safe inside a ``<script>`` element (``<``, ``>`` and ``&`` escaped)."""
    text = json.dumps(obj, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def offline_assets(static_url: str = STATIC_URL) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the (name, url) lists of the JavaScript and CSS every map needs, all served locally."""
    js = [("leaflet", f"{static_url}/leaflet/leaflet.js")]
    css = [("leaflet_css", f"{static_url}/leaflet/leaflet.css")]
    return js, css


def markercluster_assets(static_url: str = STATIC_URL) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the (name, url) lists of markercluster's JavaScript and CSS, served locally."""
    js = [("markerclusterjs", f"{static_url}/markercluster/leaflet.markercluster.js")]
    css = [
        ("markerclustercss", f"{static_url}/markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{static_url}/markercluster/MarkerCluster.Default.css"),
    ]
    return js, css


def to_wgs84(gdf: gpd.GeoDataFrame, *, grid_deg: float = 1e-5, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """Return a copy of `gdf` in longitude/latitude (EPSG:4326), coordinates snapped to `grid_deg` (about 1 m).

    Parameters
    ----------
    gdf
        Any GeoDataFrame with a CRS.
    grid_deg
        Precision grid in degrees; 0 keeps full precision.
    simplify_m
        Simplify lines and polygons first with this tolerance in metres
        (Douglas-Peucker, topology preserved per feature), when `gdf` is in a
        metric CRS; 0 keeps every vertex.
    """
    if gdf.crs is None:
        msg = "The layer has no CRS; set one (e.g. `gdf.set_crs(...)`) before mapping it."
        raise ValueError(msg)
    if simplify_m > 0 and gdf.crs.is_projected and len(gdf):
        gdf = gdf.set_geometry(gdf.geometry.simplify(simplify_m, preserve_topology=True))
    out = gdf.to_crs(4326)
    if grid_deg > 0 and len(out):
        geom = shapely.set_precision(out.geometry.to_numpy(), grid_deg, mode="pointwise")
        out = out.set_geometry(gpd.GeoSeries(geom, index=out.index, crs=out.crs))
    return out


def geojson(gdf: gpd.GeoDataFrame) -> dict:
    """Return `gdf` as a GeoJSON FeatureCollection without bounding boxes (smaller pages); ids from the index."""
    return gdf.to_geo_dict(show_bbox=False)


def base_map(
    bounds: Sequence[float],
    *,
    attribution: Sequence[str],
    tiles_url: str | None = None,
    tiles_attribution: str = "",
    tiles_name: str = "Basemap",
    static_url: str = STATIC_URL,
    label_zoom: int = 12,
    legend_title: str = "Legend",
) -> folium.Map:
    """Return an empty offline map fitted to `bounds`, with the overlay panes and the data credits.

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` of the area to show.
    attribution
        Credit lines shown in the map's attribution control (e.g. ``region.attribution``).
    tiles_url
        A Leaflet tile URL template for an optional basemap (fetched from the
        internet by the browser); None for no tiles.
    tiles_attribution
        Credit of the tiles, shown only when tiles are on.
    tiles_name
        Name of the basemap in the layer control.
    static_url
        URL prefix where ``static/vendor`` is served.
    label_zoom
        Place names (`equimap.maps.boundaries`) show from this zoom level on.
    legend_title
        Title of the button that folds the legend panel (`equimap.maps.legend.Legend`), translated.
    """
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bounds)
    m = folium.Map(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=False,  # a metric-only scale is added by _Assets (folium's default shows miles too)
        prefer_canvas=False,
    )
    m.options["max_zoom"] = 18  # without tiles Leaflet has no zoom range; markercluster needs one
    m.options["min_zoom"] = 6
    js, css = offline_assets(static_url)
    m.default_js, m.default_css = js, css
    for name, z in PANES.items():
        folium.map.CustomPane(name, z_index=z, pointer_events=True).add_to(m)
    if tiles_url:
        folium.TileLayer(
            tiles_url, attr=tiles_attribution or tiles_name, name=tiles_name, overlay=False, control=False
        ).add_to(m)
    _Assets(attribution, label_zoom=label_zoom, legend_title=legend_title).add_to(m)
    m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    return m


def land_layer(land: gpd.GeoDataFrame) -> folium.GeoJson:
    """Return the land masses as a pale, non-interactive background (not in the layer control)."""
    gdf = to_wgs84(land[["geometry"]], simplify_m=40.0)
    return folium.GeoJson(
        geojson(gdf),
        name="land",
        control=False,
        style_function=lambda _f: {"fillColor": LAND_COLOUR, "fillOpacity": 1, "color": "#8a9aa6", "weight": 0.8},
        interactive=False,
        pane="eqm-land",
    )


def layer_control(m: folium.Map) -> folium.LayerControl:
    """Add an expanded layer control (overlays listed with a checkbox each) to the map and return it."""
    return folium.LayerControl(collapsed=False, position="topright").add_to(m)
