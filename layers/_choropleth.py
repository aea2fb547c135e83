"""Shared builder of the area layers: places coloured by class, one overlay with its legend."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np

from layers.base import geojson, to_wgs84
from layers.legend import Legend
from layers.popups import bind_popups


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
        HTML of the legend shown while the overlay is on (see `layers.legend.legend_html`), or None.
    show
        Whether the overlay is on when the map opens.
    popup_store
        Name of the `layers.popups.PopupStore` with the places' popups; None for no popup.
    fill_opacity
        Opacity of the fill.
    line_colour, line_weight
        Outline colour and width, one for all classes or one per class.
    pane
        Leaflet pane to draw in.
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
    keep = cls >= 0
    gdf = to_wgs84(places.loc[keep, ["geometry"]].copy(), grid_deg=1e-4)
    gdf.insert(0, "c", cls[keep])
    gdf.insert(0, "id", [str(i) for i in gdf.index])
    styles = [
        {"fillColor": colours[k], "fillOpacity": fill_opacity, "color": lc[k], "weight": lw[k], "opacity": 0.9}
        for k in range(n)
    ]
    group = folium.FeatureGroup(name=name, show=show, overlay=True, control=True)
    if len(gdf):
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
