"""Diverse and underserved: cells by diversity tercile × travel-time tercile, on a 3 × 3 colour grid.

The colours are Joshua Stevens' pink–blue bivariate scheme: pink grows with
diversity, blue with travel time; the darkest corner is the most diverse
cells with the longest times, which are also outlined.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np

from equimap.maps._choropleth import GeometryStore, class_layer

#: ``BIVARIATE_COLOURS[access_class - 1][diversity_class - 1]``.
BIVARIATE_COLOURS: tuple[tuple[str, str, str], ...] = (
    ("#e8e8e8", "#e4acac", "#c85a5a"),
    ("#b0d5df", "#ad9ea5", "#985356"),
    ("#64acbe", "#627f8c", "#574249"),
)
FLAG_OUTLINE = "#000000"


def bivariate_index(diversity_class: np.ndarray, access_class: np.ndarray) -> np.ndarray:
    """Return ``3 * (access_class - 1) + (diversity_class - 1)`` (0..8), -1 where either class is missing."""
    d = np.asarray(diversity_class, dtype=float)
    a = np.asarray(access_class, dtype=float)
    ok = np.isfinite(d) & np.isfinite(a) & (d >= 1) & (a >= 1)
    out = np.full(d.shape, -1, dtype=int)
    out[ok] = (3 * (a[ok] - 1) + (d[ok] - 1)).astype(int)
    return out


def bivariate_legend(title: str, *, diversity_axis: str, access_axis: str, flagged: str) -> str:
    """Return the HTML of the 3 × 3 legend: longest times on the top row, most diverse on the right."""
    rows = []
    for a in (3, 2, 1):
        cells = "".join(f'<td style="background:{BIVARIATE_COLOURS[a - 1][d - 1]}"></td>' for d in (1, 2, 3))
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="eqm-title">{html.escape(title)}</div>'
        f'<div class="eqm-row"><span>↑ {html.escape(access_axis)}</span></div>'
        f'<table class="eqm-grid">{"".join(rows)}</table>'
        f'<div class="eqm-row"><span>→ {html.escape(diversity_axis)}</span></div>'
        f'<div class="eqm-row"><span class="eqm-swatch" style="background:{BIVARIATE_COLOURS[2][2]};'
        f'border:2px solid {FLAG_OUTLINE}"></span><span>{html.escape(flagged)}</span></div>'
    )


def bivariate_layer(
    cells: gpd.GeoDataFrame,
    *,
    name: str,
    title: str,
    diversity_axis: str,
    access_axis: str,
    flagged: str,
    show: bool = False,
    popup_store: str | None = "cell",
    geometry_store: GeometryStore | None = None,
) -> folium.FeatureGroup:
    """Return cells coloured by diversity class × access class, the diverse and underserved ones outlined.

    Parameters
    ----------
    cells
        Polygons with ``diversity_class`` and ``access_class`` (1..3, missing
        allowed) and ``diverse_underserved`` (`equimap.analysis.places.diverse_underserved`).
    name, title
        Overlay name and legend title, translated.
    diversity_axis, access_axis, flagged
        Legend texts of the two axes and of the outlined cells.
    show, popup_store
        Initial visibility and popup store of the cells.
    geometry_store
        The map's `equimap.maps._choropleth.GeometryStore` of the cells, or None to embed the polygons.
    """
    idx = bivariate_index(
        cells["diversity_class"].to_numpy(dtype=float, na_value=np.nan),
        cells["access_class"].to_numpy(dtype=float, na_value=np.nan),
    )
    colours = [c for row in BIVARIATE_COLOURS for c in row]
    line = ["#ffffff"] * 8 + [FLAG_OUTLINE]
    weight = [0.4] * 8 + [2.0]
    return class_layer(
        cells,
        idx,
        colours,
        name=name,
        legend=bivariate_legend(title, diversity_axis=diversity_axis, access_axis=access_axis, flagged=flagged),
        show=show,
        popup_store=popup_store,
        geometry_store=geometry_store,
        fill_opacity=0.8,
        line_colour=line,
        line_weight=weight,
    )
