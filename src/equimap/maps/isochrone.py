"""The map layer of an isochrone: the area reachable from a clicked point (`equimap.analysis.isochrone`)."""

from __future__ import annotations

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

#: Outline and fill of the isochrone.
ISOCHRONE_COLOR = "#6a3d9a"
#: Pane of the isochrone: that of the lines, above the cells (`equimap.maps.base.PANES`).
ISOCHRONE_PANE = "eqm-lines"


def isochrone_layer(area: gpd.GeoDataFrame, point_lonlat: tuple[float, float], *, name: str) -> folium.FeatureGroup:
    """Return the layer of an isochrone's `area` (any CRS) with a marker at its start point (lon, lat).

    Drawn in the pane of the lines (`equimap.maps.base.PANES`), above the cells.
    """
    fg = folium.FeatureGroup(name=name, show=True)
    folium.GeoJson(
        area.to_crs(4326)[["geometry"]].to_json(),
        name=name,
        pane=ISOCHRONE_PANE,
        style_function=lambda _f: {
            "color": ISOCHRONE_COLOR,
            "weight": 3,
            "fillColor": ISOCHRONE_COLOR,
            "fillOpacity": 0.35,
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
        pane="eqm-points",
    ).add_to(fg)
    return fg


class ClickToStart(MacroElement):
    """Put a map in isochrone mode: a crosshair cursor, and a click chooses a start point instead of opening a popup.

    The drawn places let clicks through to the map (no popup opens, none pans the
    map to fit itself, none covers the area drawn); the page reads the click as
    ``st_folium``'s ``last_clicked``, or ``last_object_clicked`` should a place still take it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            L.DomUtil.addClass(map.getContainer(), 'eqm-isochrone-mode');
            map.getContainer().style.cursor = 'crosshair';
            var css = document.createElement('style');
            css.textContent = '.eqm-isochrone-mode .leaflet-interactive { pointer-events: none !important; }';
            document.head.appendChild(css);
            map.on('popupopen', function(e) { map.closePopup(e.popup); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClickToStart"
