"""Who lives where: residents per km², foreign-born shares and diversity, as choropleths on census cells."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import folium
import geopandas as gpd

from equimap.maps._choropleth import GeometryStore, class_layer
from equimap.maps.breaks import DENSITY_BREAKS_KM2, DIVERSITY_BREAKS, SHARE_BREAKS_PCT, classify
from equimap.maps.legend import legend_html, range_labels

#: Residents per km² of land (`equimap.maps.breaks`) and a light-to-dark blue ramp (ColorBrewer Blues, 5 classes).
DENSITY_BREAKS: tuple[float, ...] = DENSITY_BREAKS_KM2
DENSITY_COLOURS: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
#: Foreign-born shares (%): breaks and ramps (ColorBrewer Greens / Purples, 5 classes).
SHARE_BREAKS: tuple[float, ...] = SHARE_BREAKS_PCT
EU_COLOURS: tuple[str, ...] = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
NON_EU_COLOURS: tuple[str, ...] = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
#: Normalised Simpson diversity (0 = one group, 1 = equal shares): an orange ramp over `DIVERSITY_BREAKS`.
DIVERSITY_COLOURS: tuple[str, ...] = ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603")


def _ramp_layer(
    cells: gpd.GeoDataFrame,
    column: str,
    *,
    scale: float,
    breaks: Sequence[float],
    colours: Sequence[str],
    name: str,
    title: str,
    fmt: Callable[[float], str],
    unit: str,
    note: str | None,
    show: bool,
    popup_store: str | None,
    geometry_store: GeometryStore | None,
) -> folium.FeatureGroup:
    values = cells[column].to_numpy(float) * scale
    cls = classify(values, breaks)
    labels = range_labels(breaks, fmt, unit=unit)
    legend = legend_html(title, list(zip(colours, labels, strict=True)), note=note)
    return class_layer(
        cells, cls, colours, name=name, legend=legend, show=show, popup_store=popup_store, geometry_store=geometry_store
    )


def density_layer(
    cells: gpd.GeoDataFrame,
    *,
    name: str,
    title: str,
    fmt: Callable[[float], str],
    note: str | None = None,
    show: bool = False,
    popup_store: str | None = "cell",
    geometry_store: GeometryStore | None = None,
) -> folium.FeatureGroup:
    """Return cells coloured by residents per km² of land (`DENSITY_BREAKS`).

    Parameters
    ----------
    cells
        Output of `equimap.analysis.core.Analysis.cells`: ``density_km2`` and polygons; cells with no value are not drawn.
    name, title
        Overlay name and legend title (with the unit), translated.
    fmt
        Number formatter of the reader's language.
    note
        Small print under the legend.
    show
        Whether the overlay is on when the map opens.
    popup_store
        Name of the popup store of the cells.
    geometry_store
        The map's `equimap.maps._choropleth.GeometryStore` of the cells, or None to embed the polygons.
    """
    return _ramp_layer(
        cells,
        "density_km2",
        scale=1.0,
        breaks=DENSITY_BREAKS,
        colours=DENSITY_COLOURS,
        name=name,
        title=title,
        fmt=fmt,
        unit="",
        note=note,
        show=show,
        popup_store=popup_store,
        geometry_store=geometry_store,
    )


def share_layer(
    cells: gpd.GeoDataFrame,
    column: str,
    *,
    name: str,
    title: str,
    fmt: Callable[[float], str],
    note: str | None = None,
    show: bool = False,
    popup_store: str | None = "cell",
    geometry_store: GeometryStore | None = None,
) -> folium.FeatureGroup:
    """Return cells coloured by a foreign-born share, in % (`SHARE_BREAKS`).

    Parameters
    ----------
    cells
        Output of `equimap.analysis.core.Analysis.cells` with `column` (a share 0..1, e.g. ``eu_share`` or ``non_eu_share``).
    column
        ``eu_share`` (green ramp) or any other share (purple ramp).
    name, title, fmt, note, show, popup_store, geometry_store
        As in `density_layer`.
    """
    colours = EU_COLOURS if column == "eu_share" else NON_EU_COLOURS
    return _ramp_layer(
        cells,
        column,
        scale=100.0,
        breaks=SHARE_BREAKS,
        colours=colours,
        name=name,
        title=title,
        fmt=fmt,
        unit="%",
        note=note,
        show=show,
        popup_store=popup_store,
        geometry_store=geometry_store,
    )


def diversity_layer(
    cells: gpd.GeoDataFrame,
    *,
    name: str,
    title: str,
    fmt: Callable[[float], str],
    note: str | None = None,
    show: bool = False,
    popup_store: str | None = "cell",
    geometry_store: GeometryStore | None = None,
) -> folium.FeatureGroup:
    """Return cells coloured by the normalised Simpson diversity of country of birth (`DIVERSITY_BREAKS`).

    Parameters
    ----------
    cells
        Output of `equimap.analysis.core.Analysis.cells` with ``simpson``.
    name, title, fmt, note, show, popup_store, geometry_store
        As in `density_layer`.
    """
    return _ramp_layer(
        cells,
        "simpson",
        scale=1.0,
        breaks=DIVERSITY_BREAKS,
        colours=DIVERSITY_COLOURS,
        name=name,
        title=title,
        fmt=fmt,
        unit="",
        note=note,
        show=show,
        popup_store=popup_store,
        geometry_store=geometry_store,
    )
