"""Degree of Urbanisation of the census cells: the seven level-2 GHS-SMOD classes in GHSL's colours."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import numpy as np

from equimap.indicators.degurba import L2_COLOURS
from equimap.maps._choropleth import GeometryStore, class_layer
from equimap.maps.legend import legend_html

#: Level-2 codes in legend order (urban centre first); water (10) is not drawn.
L2_ORDER: tuple[int, ...] = (30, 23, 22, 21, 13, 12, 11)


def urbanisation_layer(
    grid: gpd.GeoDataFrame,
    *,
    name: str,
    title: str,
    class_labels: Mapping[int, str],
    note: str | None = None,
    show: bool = False,
    popup_store: str | None = "cell",
    geometry_store: GeometryStore | None = None,
) -> folium.FeatureGroup:
    """Return the cells coloured by their level-2 Degree of Urbanisation class.

    Parameters
    ----------
    grid
        Output of `equimap.analysis.classes.grid_classes` (``degurba_l2`` per cell, polygons).
    name, title
        Overlay name and legend title, translated.
    class_labels
        Level-2 code -> translated label, for the seven codes of `L2_ORDER`.
    note, show, popup_store
        Small print under the legend, initial visibility, popup store of the cells.
    geometry_store
        The map's `equimap.maps._choropleth.GeometryStore` of the cells, or None to embed the polygons.
    """
    missing = [c for c in L2_ORDER if c not in class_labels]
    if missing:
        msg = f"`class_labels` lacks the level-2 codes {missing}; give a label for each of {list(L2_ORDER)}."
        raise ValueError(msg)
    pos = {code: k for k, code in enumerate(L2_ORDER)}
    cls = np.array([pos.get(int(c), -1) for c in grid["degurba_l2"].to_numpy()], dtype=int)
    colours = [L2_COLOURS[c] for c in L2_ORDER]
    entries = [(L2_COLOURS[c], f"{c} {class_labels[c]}") for c in L2_ORDER]
    return class_layer(
        grid,
        cls,
        colours,
        name=name,
        legend=legend_html(title, entries, note=note),
        show=show,
        popup_store=popup_store,
        geometry_store=geometry_store,
        fill_opacity=0.7,
    )
