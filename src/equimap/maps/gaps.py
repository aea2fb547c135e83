"""Gaps: cells where residents are beyond the time threshold, shaded by how many people that is."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np

from equimap.maps._choropleth import GeometryStore, class_layer
from equimap.maps.breaks import GAP_BREAKS, REF_GAP_BREAKS_PP, classify
from equimap.maps.legend import legend_html

#: Residents beyond the threshold per cell: a ColorBrewer RdPu ramp over `GAP_BREAKS`.
GAP_COLOURS: tuple[str, ...] = ("#feebe2", "#fbb4b9", "#f768a1", "#c51b8a", "#7a0177")
#: Gap against the reference group over `REF_GAP_BREAKS_PP`: ColorBrewer RdBu, blue where the group is nearer.
REF_GAP_COLOURS: tuple[str, ...] = ("#0571b0", "#92c5de", "#f7f7f7", "#f4a582", "#ca0020")


def gap_classes(beyond: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return the class of each cell by its residents beyond the threshold (`GAP_BREAKS`); -1 when nobody is."""
    b = np.asarray(beyond, dtype=float)
    cls = classify(b, GAP_BREAKS)
    cls[~(b > 0)] = -1
    return cls


def gaps_layer(
    cells: gpd.GeoDataFrame,
    column: str,
    *,
    name: str,
    title: str,
    class_labels: Sequence[str],
    note: str | None = None,
    show: bool = False,
    popup_store: str | None = "cell",
    geometry_store: GeometryStore | None = None,
) -> folium.FeatureGroup:
    """Return the cells with residents beyond the threshold, darker where more people are.

    Parameters
    ----------
    cells
        Output of `equimap.analysis.core.Analysis.cells` with `column`.
    column
        ``beyond_<col>`` of the chosen group (``beyond_T`` for all residents).
    name, title
        Overlay name and legend title (with the unit and the threshold), translated.
    class_labels
        Five labels for the classes of `GAP_BREAKS`.
    note, show, popup_store
        Small print under the legend, initial visibility, popup store of the cells.
    geometry_store
        The map's `equimap.maps._choropleth.GeometryStore` of the cells, or None to embed the polygons.
    """
    if len(class_labels) != len(GAP_COLOURS):
        msg = f"`class_labels` needs {len(GAP_COLOURS)} labels, got {len(class_labels)}."
        raise ValueError(msg)
    cls = gap_classes(cells[column].to_numpy(float))
    legend = legend_html(title, list(zip(GAP_COLOURS, class_labels, strict=True)), note=note)
    return class_layer(
        cells,
        cls,
        GAP_COLOURS,
        name=name,
        legend=legend,
        show=show,
        popup_store=popup_store,
        geometry_store=geometry_store,
        fill_opacity=0.8,
        line_colour="#7a0177",
        line_weight=0.6,
    )


def reference_gap_layer(
    places: gpd.GeoDataFrame,
    *,
    name: str,
    title: str,
    class_labels: Sequence[str],
    note: str | None = None,
    show: bool = False,
    popup_store: str | None = "council",
) -> folium.FeatureGroup:
    """Return the places coloured by the gap of a group against its reference group (points).

    `places` is `equimap.analysis.core.Analysis.council_gaps` (column ``gap_pp``, NaN where
    hidden: not drawn). `class_labels` has one label per class of `REF_GAP_BREAKS_PP`.
    """
    if len(class_labels) != len(REF_GAP_COLOURS):
        msg = f"`class_labels` needs {len(REF_GAP_COLOURS)} labels, got {len(class_labels)}."
        raise ValueError(msg)
    cls = classify(places["gap_pp"].to_numpy(float), REF_GAP_BREAKS_PP)
    legend = legend_html(title, list(zip(REF_GAP_COLOURS, class_labels, strict=True)), note=note)
    return class_layer(
        places,
        cls,
        REF_GAP_COLOURS,
        name=name,
        legend=legend,
        show=show,
        popup_store=popup_store,
        fill_opacity=0.75,
        line_colour="#555555",
        line_weight=0.8,
        pane="eqm-cells",
    )
