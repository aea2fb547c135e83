"""Shared builder of the area layers: places coloured by class, one overlay with its legend.

Several layers colour the same census cells. With a `GeometryStore` on the
map, their polygons are sent to the browser once (``window.eqmGeo[store]``)
and each layer only carries its classes and styles (`StoredGeoJson`), which
keeps the page small; without one, each layer embeds its own GeoJSON.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from equimap.maps.base import geojson, script_json, to_wgs84
from equimap.maps.legend import Legend
from equimap.maps.popups import bind_popups

#: Grid (degrees) of the cell polygons sent to the browser: about 10 m, plenty for 1 km cells.
CELL_GRID_DEG = 1e-4
#: Douglas-Peucker tolerance (m) of the cell polygons sent to the browser (coastlines of clipped cells).
CELL_SIMPLIFY_M = 20.0


class GeometryStore(MacroElement):
    """Publish the polygons of a kind of place once, as GeoJSON features whose ``id`` property is the place id."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.eqmGeo = window.eqmGeo || {};
        window.eqmGeo[{{ this.store|tojson }}] = {{ this.geojson_json }};
        {% endmacro %}
        """
    )

    def __init__(self, store: str, places: gpd.GeoDataFrame):
        super().__init__()
        self._name = "GeometryStore"
        self.store = store
        # squares clipped to the coast carry the coastline: simplified as the land layer is (squares keep 4 corners)
        gdf = to_wgs84(places[["geometry"]], grid_deg=CELL_GRID_DEG, simplify_m=CELL_SIMPLIFY_M)
        gdf.insert(0, "id", [str(i) for i in gdf.index])
        self.ids = set(gdf["id"])
        self.geojson_json = script_json(geojson(gdf.reset_index(drop=True)))


class StoredGeoJson(MacroElement):
    """A Leaflet GeoJSON layer over the polygons of a `GeometryStore`, styled by class, added to its parent."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function() {
            var classes = {{ this.classes_json }};
            var styles = {{ this.styles_json }};
            return L.geoJson(window.eqmGeo[{{ this.store|tojson }}], {
                pane: {{ this.pane|tojson }},
                interactive: {{ this.interactive|tojson }},
                filter: function(f) { return classes.hasOwnProperty(f.properties.id); },
                style: function(f) { return styles[classes[f.properties.id]]; },
                onEachFeature: {{ this.on_each_feature }}
            });
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, store: str, classes: dict[str, int], styles: list[dict], *, pane: str, popup_store: str | None):
        super().__init__()
        self._name = "StoredGeoJson"
        self.store = store
        self.classes = classes
        self.styles = styles
        self.pane = pane
        self.interactive = popup_store is not None
        self.classes_json = script_json(classes)
        self.styles_json = script_json(styles)
        self.on_each_feature = bind_popups(popup_store).js_code if popup_store else "function() {}"


def class_layer(
    places: gpd.GeoDataFrame,
    classes: Sequence[int] | np.ndarray,
    colours: Sequence[str],
    *,
    name: str,
    legend: str | None,
    show: bool = False,
    popup_store: str | None = None,
    fill_opacity: float = 0.72,
    line_colour: str | Sequence[str] = "#ffffff",
    line_weight: float | Sequence[float] = 0.4,
    pane: str = "eqm-cells",
    geometry_store: GeometryStore | None = None,
) -> folium.FeatureGroup:
    """Return an overlay drawing each place in the colour of its class.

    Parameters
    ----------
    places
        Polygons with a CRS; the index is the place id (popup store key).
    classes
        Class of each place (row order of `places`), an index into `colours`; -1 is not drawn.
    colours
        Fill colour per class.
    name
        Name of the overlay in the layer control.
    legend
        HTML of the legend shown while the overlay is on (see `equimap.maps.legend.legend_html`), or None.
    show
        Whether the overlay is on when the map opens.
    popup_store
        Name of the `equimap.maps.popups.PopupStore` with the places' popups; None for no popup.
    fill_opacity
        Opacity of the fill.
    line_colour, line_weight
        Outline colour and width, one for all classes or one per class.
    pane
        Leaflet pane to draw in.
    geometry_store
        A `GeometryStore` (already on the map) holding the polygons of `places`
        under the same ids; None to embed the polygons in this layer.
    """
    cls = np.asarray(classes, dtype=int)
    if cls.shape != (len(places),):
        msg = f"`classes` has {cls.size} values for {len(places)} places; pass one class per place."
        raise ValueError(msg)
    if cls.size and cls.max() >= len(colours):
        msg = f"Class {int(cls.max())} has no colour; pass {int(cls.max()) + 1} colours."
        raise ValueError(msg)
    n = len(colours)
    lc = [line_colour] * n if isinstance(line_colour, str) else list(line_colour)
    lw = [line_weight] * n if isinstance(line_weight, int | float) else list(line_weight)
    styles = [
        {"fillColor": colours[k], "fillOpacity": fill_opacity, "color": lc[k], "weight": lw[k], "opacity": 0.9}
        for k in range(n)
    ]
    keep = cls >= 0
    group = folium.FeatureGroup(name=name, show=show, overlay=True, control=True)
    if geometry_store is not None:
        ids = [str(i) for i in places.index[keep]]
        unknown = [i for i in ids if i not in geometry_store.ids]
        if unknown:
            msg = f"Places {unknown[:3]} are not in the geometry store `{geometry_store.store}`; add them to it."
            raise ValueError(msg)
        by_id = dict(zip(ids, cls[keep].tolist(), strict=True))
        group.add_child(StoredGeoJson(geometry_store.store, by_id, styles, pane=pane, popup_store=popup_store))
    elif keep.any():
        gdf = to_wgs84(places.loc[keep, ["geometry"]].copy(), grid_deg=CELL_GRID_DEG)
        gdf.insert(0, "c", cls[keep])
        gdf.insert(0, "id", [str(i) for i in gdf.index])
        folium.GeoJson(
            geojson(gdf.reset_index(drop=True)),
            name=name,
            control=False,
            style_function=lambda f: styles[f["properties"]["c"]],
            on_each_feature=bind_popups(popup_store) if popup_store else None,
            interactive=popup_store is not None,
            pane=pane,
        ).add_to(group)
    if legend:
        group.add_child(Legend(legend, layer_name=name))
    return group
