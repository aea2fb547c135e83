"""Travel time to the nearest service per cell, in classes a person can read (0–5, 5–10, 10–15, 15–30, 30+ min)."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np

from equimap.maps._choropleth import GeometryStore, class_layer
from equimap.maps.breaks import TIME_BREAKS_MIN, classify
from equimap.maps.legend import legend_html

#: Upper bounds of the time classes in minutes: a cell at exactly 5 min is in "0–5".
ACCESS_BREAKS_MIN: tuple[float, ...] = TIME_BREAKS_MIN
#: Light (near) to dark (far), ColorBrewer YlOrRd 5 classes; then a grey for cells with no reachable service.
ACCESS_COLOURS: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
UNREACHABLE_COLOUR = "#525252"


def access_classes(time_min: Sequence[float] | np.ndarray, pop: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return the class of each cell: 0..4 by `ACCESS_BREAKS_MIN`, 5 if residents cannot reach any service, -1 if empty.

    Parameters
    ----------
    time_min
        Population-weighted time to the nearest service per cell (NaN: none reachable).
    pop
        Residents per cell; NaN is a count hidden by small-count protection (1 to 9
        residents, or hidden to protect another), so the cell is populated.
    """
    t = np.asarray(time_min, dtype=float)
    p = np.asarray(pop, dtype=float)
    populated = np.isnan(p) | (p > 0)
    cls = classify(t, ACCESS_BREAKS_MIN)
    cls[np.isnan(t) & populated] = len(ACCESS_BREAKS_MIN) + 1
    cls[~populated] = -1
    return cls


def access_layer(
    cells: gpd.GeoDataFrame,
    *,
    name: str,
    title: str,
    class_labels: Sequence[str],
    unreachable_label: str,
    note: str | None = None,
    show: bool = True,
    popup_store: str | None = "cell",
    total_col: str = "T",
    geometry_store: GeometryStore | None = None,
) -> folium.FeatureGroup:
    """Return populated cells coloured by the travel time of their residents to the nearest service.

    Parameters
    ----------
    cells
        Output of `equimap.analysis.core.Analysis.cells`: ``time_nearest_min`` (weighted by
        residents over the cell's origins), `total_col` and polygons.
    name, title
        Overlay name and legend title (with the unit), translated.
    class_labels
        Five labels, e.g. ``equimap.maps.legend.range_labels(ACCESS_BREAKS_MIN, fmt, unit="min")``.
    unreachable_label
        Legend label of cells whose residents reach no service.
    note, show, popup_store
        Small print under the legend, initial visibility, popup store of the cells.
    total_col
        Residents column; empty cells are not drawn.
    geometry_store
        The map's `equimap.maps._choropleth.GeometryStore` of the cells, or None to embed the polygons.
    """
    if len(class_labels) != len(ACCESS_COLOURS):
        msg = f"`class_labels` needs {len(ACCESS_COLOURS)} labels, got {len(class_labels)}."
        raise ValueError(msg)
    cls = access_classes(cells["time_nearest_min"].to_numpy(float), cells[total_col].to_numpy(float))
    colours = [*ACCESS_COLOURS, UNREACHABLE_COLOUR]
    entries = list(zip(colours, [*class_labels, unreachable_label], strict=True))
    return class_layer(
        cells,
        cls,
        colours,
        name=name,
        legend=legend_html(title, entries, note=note),
        show=show,
        popup_store=popup_store,
        geometry_store=geometry_store,
    )
