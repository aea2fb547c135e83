"""Boundaries (councils) with their names: outlines above the cells, names that open the council's figures.

The outlines are drawn without fill, so a click inside a council still
reaches the cell below; a click on an outline or on a council's name opens
the council's popup. Names show from the map's label zoom on (`equimap.maps.base`).
"""

from __future__ import annotations

import folium
import geopandas as gpd
from folium.utilities import JsCode

from equimap.maps.base import geojson, to_wgs84
from equimap.maps.legend import Legend, legend_html
from equimap.maps.popups import bind_popups

LINE_COLOUR = "#37474f"

_LABEL = JsCode(
    """function(feature, latlng) {
        var div = document.createElement('div');
        div.textContent = feature.properties.name;
        return L.marker(latlng, {
            icon: L.divIcon({className: 'eqm-label', html: div.outerHTML, iconSize: null}),
            keyboard: false
        });
    }"""
)


def boundaries_layer(
    units: gpd.GeoDataFrame,
    *,
    name: str,
    title: str,
    note: str | None = None,
    show: bool = True,
    popup_store: str | None = "council",
    labels: bool = True,
) -> folium.FeatureGroup:
    """Return council outlines with a tooltip and a label naming each council.

    Parameters
    ----------
    units
        Polygons with a CRS and a ``name`` column; the index is the popup store key.
    name, title
        Overlay name and legend title, translated.
    note
        Small print under the legend (e.g. how to open a council's figures).
    show
        Whether the overlay is on when the map opens.
    popup_store
        Name of the popup store of the councils; None for no popup.
    labels
        Add the names as text labels at a point inside each council.
    """
    gdf = to_wgs84(units[["name", "geometry"]], simplify_m=30.0)
    gdf.insert(0, "id", [str(i) for i in gdf.index])
    gdf = gdf.reset_index(drop=True)
    group = folium.FeatureGroup(name=name, show=show, overlay=True, control=True)
    style = {"fill": False, "color": LINE_COLOUR, "weight": 1.6, "opacity": 0.9}
    folium.GeoJson(
        geojson(gdf),
        name=name,
        control=False,
        style_function=lambda _f: style,
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=True),
        on_each_feature=bind_popups(popup_store) if popup_store else None,
        pane="eqm-lines",
    ).add_to(group)
    if labels and len(gdf):
        pts = gdf[["id", "name"]].copy()
        pts = gpd.GeoDataFrame(pts, geometry=units.representative_point().to_crs(4326).to_numpy(), crs=4326)
        folium.GeoJson(
            geojson(pts),
            name=name,
            control=False,
            point_to_layer=_LABEL,
            on_each_feature=bind_popups(popup_store) if popup_store else None,
        ).add_to(group)
    group.add_child(Legend(legend_html(title, [(LINE_COLOUR, name)], note=note, shape="line"), layer_name=name))
    return group
