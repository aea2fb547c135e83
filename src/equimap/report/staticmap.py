"""Static maps of a bundle for print: matplotlib only, no tile server, readable in black and white.

Each map draws the census cells of a :class:`~equimap.analysis.bundle.Bundle` (clipped to land)
in classes that differ by colour *and* by hatching, outlines the councils, and adds
a legend, a scale bar, a north arrow and the data credits. Values hidden by
small-count protection get their own class. Figures are made with the object API
(``matplotlib.figure.Figure``), never pyplot, so nothing is shared between
threads or app sessions.
"""

from __future__ import annotations

import io
import math
import textwrap
import weakref
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Patch, Rectangle
from pyproj import Transformer

from equimap._errors import DataError
from equimap.analysis.bundle import Bundle, Question
from equimap.i18n import fmt_num, fmt_pct, t
from equimap.indicators.degurba import L2_COLOURS
from equimap.maps.breaks import DENSITY_BREAKS_KM2, GAP_BREAKS, SHARE_BREAKS_PCT, TIME_BREAKS_MIN, classify
from equimap.region.land import clip_to_land
from equimap.report.labels import analysis_title, attribution_lines

#: Foreign-born share classes, as shares (the app's `SHARE_BREAKS_PCT` in percent).
FOREIGN_BREAKS: tuple[float, ...] = tuple(b / 100 for b in SHARE_BREAKS_PCT)
#: The class of cells where nobody is beyond the threshold (drawn blank; the app does not draw them).
_NOBODY = ("#ffffff", "", "#333333")

# Sequential colours whose lightness falls with the class (readable in grey), and hatches that
# thicken with it; a dark class gets white hatching.
_SEQ = ("#fee391", "#fec44f", "#fe9929", "#d95f0e", "#8c2d04")
_HATCH = ("", "..", "//", "xx", "\\\\")
_HATCH_INK = ("#333333", "#333333", "#333333", "#ffffff", "#ffffff")
_HIDDEN = ("#d9d9d9", "--", "#555555")
_UNREACHABLE = ("#252525", "++", "#ffffff")
_L2_HATCH = {30: "xx", 23: "//", 22: "\\\\", 21: "..", 13: "++", 12: "", 11: "", 10: "--"}
_L2_INK = {30: "#ffffff", 23: "#ffffff", 22: "#ffffff", 21: "#333333", 13: "#ffffff", 12: "#333333", 11: "#333333"}

FIGSIZE_IN = (7.0, 4.9)


@dataclass(frozen=True)
class Style:
    """How one class is drawn: its legend label, fill colour, hatch pattern and hatch colour."""

    label: str
    colour: str
    hatch: str = ""
    ink: str = "#333333"


@dataclass(frozen=True)
class _Canvas:
    cells: gpd.GeoSeries  # clipped to land, index cell_id
    land: gpd.GeoSeries | None
    councils: gpd.GeoDataFrame | None
    services: gpd.GeoDataFrame | None
    bounds: tuple[float, float, float, float]
    north_rad: float  # angle of true north from the map's up, clockwise


_CANVASES: weakref.WeakKeyDictionary[Bundle, _Canvas] = weakref.WeakKeyDictionary()


def _canvas(bundle: Bundle) -> _Canvas:
    if bundle not in _CANVASES:
        cells = bundle.layers["cells"].geometry
        land = bundle.land.geometry if bundle.land is not None else None
        cells = clip_to_land(cells, land)
        councils = bundle.layers.get("councils")
        base = land if land is not None else cells
        x0, y0, x1, y1 = base.total_bounds
        pad = 0.03 * max(x1 - x0, y1 - y0)
        crs = bundle.layers["cells"].crs
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(cx, cy)
        nx_, ny_ = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat + 0.05)
        _CANVASES[bundle] = _Canvas(
            cells=cells,
            land=land,
            councils=councils,
            services=bundle.layers.get("services"),
            bounds=(x0 - pad, y0 - pad, x1 + pad, y1 + pad),
            north_rad=math.atan2(nx_ - cx, ny_ - cy),
        )
    return _CANVASES[bundle]


# --- what each map shows (shared with the HTML map) ---------------------------------------------


@dataclass(frozen=True)
class MapSpec:
    """One thematic map of the census cells.

    Attributes
    ----------
    key
        ``density``, ``foreign``, ``access:<analysis key>``, ``gap:<analysis key>`` or ``urban``.
    title, legend_title
        Texts in the map's language.
    classes
        Per cell (index ``cell_id``): the position of its style in `styles`, -1 when not drawn.
    styles
        The classes in legend order; a "hidden" class comes last when any value is hidden.
    services
        Selection of services to mark on the map (access maps), else None.
    label_col
        Councils column whose largest values get their names written on the map, else None.
    """

    key: str
    title: str
    legend_title: str
    classes: pd.Series
    styles: tuple[Style, ...]
    services: str | None = None
    label_col: str | None = None


def map_specs(bundle: Bundle, *, lang: str = "en") -> list[MapSpec]:
    """Return the specification of every map of `bundle`, in report order."""
    cells = bundle.tables["cells"]
    total = bundle.count_columns[0]
    specs = [
        _spec(
            "density",
            cells["density_km2"] if "density_km2" in cells else cells[total],
            DENSITY_BREAKS_KM2,
            _range_labels(DENSITY_BREAKS_KM2, lambda v: fmt_num(v, lang), lang),
            t("map.density.title", lang),
            t("legend.density", lang),
            lang,
        )
    ]
    if "foreign_share" in cells.columns:
        labels = _range_labels(FOREIGN_BREAKS, lambda v: fmt_pct(v, lang, digits=0), lang)
        specs.append(
            _spec(
                "foreign",
                cells["foreign_share"],
                FOREIGN_BREAKS,
                labels,
                t("map.foreign.title", lang),
                t("map.foreign.legend", lang),
                lang,
            )
        )
    for a in bundle.analyses:
        specs += [_access_spec(bundle, a, lang), _gap_spec(bundle, a, lang)]
    if "degurba_l2" in cells.columns:
        specs.append(_urban_spec(bundle, lang))
    return specs


def _spec(
    key: str,
    values: pd.Series,
    breaks: tuple[float, ...],
    labels: list[str],
    title: str,
    legend_title: str,
    lang: str,
    **extra: str,
) -> MapSpec:
    classes = _classes(values, breaks)
    styles = [Style(lab, c, h, ink) for lab, c, h, ink in zip(labels, _SEQ, _HATCH, _HATCH_INK, strict=True)]
    return _with_hidden(MapSpec(key, title, legend_title, classes, tuple(styles), **extra), lang)


def _with_hidden(spec: MapSpec, lang: str) -> MapSpec:
    """Give hidden values (class -2) a legend entry of their own when there are any."""
    hidden = spec.classes == -2
    if not hidden.any():
        return spec
    classes = spec.classes.where(~hidden, len(spec.styles))
    styles = (*spec.styles, Style(t("map.hidden", lang), *_HIDDEN))
    return MapSpec(spec.key, spec.title, spec.legend_title, classes, styles, spec.services, spec.label_col)


def _access_spec(bundle: Bundle, a: Question, lang: str) -> MapSpec:
    """Travel time classes (0–5, 5–10, 10–15, 15–30, 30+ min) and cells where no service is reachable."""
    cells = bundle.tables["cells"]
    times = cells[a.col("time_nearest_min")]
    labels = _range_labels(TIME_BREAKS_MIN, lambda v: fmt_num(v, lang), lang, unit=" min")
    spec = _spec(
        f"access:{a.key}",
        times.fillna(np.inf),
        TIME_BREAKS_MIN,
        labels,
        t("map.access.title", lang, analysis=analysis_title(bundle, a, lang)),
        t("map.access.legend", lang),
        lang,
        services=a.category,
    )
    unreachable = times.isna()
    if not unreachable.any():
        return spec
    classes = spec.classes.where(~unreachable, len(spec.styles))
    styles = (*spec.styles, Style(t("legend.unreachable", lang), *_UNREACHABLE))
    return MapSpec(spec.key, spec.title, spec.legend_title, classes, styles, spec.services)


def _gap_spec(bundle: Bundle, a: Question, lang: str) -> MapSpec:
    """Residents beyond the threshold per cell: nobody, then the classes of `GAP_BREAKS` (as on the app's map)."""
    col = a.col(f"beyond_{bundle.count_columns[0]}")
    values = bundle.tables["cells"][col]
    spec = _spec(
        f"gap:{a.key}",
        values,
        GAP_BREAKS,
        _range_labels(GAP_BREAKS, lambda v: fmt_num(v, lang), lang),
        t("map.gap.title", lang, analysis=analysis_title(bundle, a, lang)),
        t("map.gap.legend", lang),
        lang,
        label_col=col,
    )
    nobody = values.to_numpy(float) == 0
    if not nobody.any():
        return spec
    classes = spec.classes.where(~nobody, -1) + 1  # nobody beyond is class 0; every other class moves up one
    styles = (Style("0", *_NOBODY), *spec.styles)
    return MapSpec(spec.key, spec.title, spec.legend_title, classes, styles, spec.services, spec.label_col)


def _urban_spec(bundle: Bundle, lang: str) -> MapSpec:
    """The Degree of Urbanisation level-2 class of each cell, in the GHSL colours."""
    codes = bundle.tables["cells"]["degurba_l2"]
    present = [c for c in L2_COLOURS if (codes == c).any()]
    classes = pd.Series(-1, index=codes.index)
    for k, c in enumerate(present):
        classes[codes == c] = k
    styles = tuple(
        Style(t(f"degurba.l2.{c}", lang), L2_COLOURS[c], _L2_HATCH.get(c, ""), _L2_INK.get(c, "#333333"))
        for c in present
    )
    return MapSpec("urban", t("map.urban.title", lang), t("map.urban.legend", lang), classes, styles)


# --- the figures -------------------------------------------------------------------------------


def report_maps(bundle: Bundle, *, lang: str = "en") -> list[tuple[str, Figure]]:
    """Return every map of the report as (key, figure), in report order (see :func:`map_specs`)."""
    return [(spec.key, draw_map(bundle, spec, lang=lang)) for spec in map_specs(bundle, lang=lang)]


#: A map's extent: x0, y0, x1, y1 in the region CRS.
Extent = tuple[float, float, float, float]


def map_figure(bundle: Bundle, key: str, *, lang: str = "en", extent: Extent | None = None) -> Figure:
    """Return one map by key: ``density``, ``foreign``, ``access:<analysis key>``, ``gap:<analysis key>``, ``urban``.

    `extent` (x0, y0, x1, y1 in the bundle's CRS) draws that part only (a view of the app's map); None the region.
    """
    for spec in map_specs(bundle, lang=lang):
        if spec.key == key:
            return draw_map(bundle, spec, lang=lang, extent=extent)
    msg = f"Map `{key}` is not available; choose one of {[s.key for s in map_specs(bundle, lang=lang)]}."
    raise DataError(msg)


def to_png(fig: Figure, *, dpi: int = 150) -> bytes:
    """Return `fig` as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def land_cells(bundle: Bundle) -> gpd.GeoSeries:
    """Return the census cell squares clipped to land (index ``cell_id``, region CRS), for drawing."""
    return _canvas(bundle).cells


# --- drawing -----------------------------------------------------------------------------------


def _classes(values: pd.Series, breaks: tuple[float, ...]) -> pd.Series:
    """Return 0..len(breaks) by :func:`equimap.maps.breaks.classify` (as the app's map); -2 where hidden (NaN)."""
    v = values.to_numpy(float)
    return pd.Series(np.where(np.isnan(v), -2, classify(v, breaks)), index=values.index)


def _range_labels(breaks: tuple[float, ...], fmt, lang: str, *, unit: str = "") -> list[str]:  # noqa: ANN001
    lo = [None, *breaks]
    hi = [*breaks, None]
    out = []
    for a, b in zip(lo, hi, strict=True):
        if a is None:  # the unit goes with the number: "under 5 min", "30 min and over"
            out.append(t("map.range.below", lang, value=fmt(b) + unit))
        elif b is None:
            out.append(t("map.range.above", lang, value=fmt(a) + unit))
        else:
            out.append(f"{fmt(a)}–{fmt(b)}{unit}")
    return out


def draw_map(bundle: Bundle, spec: MapSpec, *, lang: str = "en", extent: Extent | None = None) -> Figure:
    """Draw one map: cells by class, councils, legend, scale bar, north arrow and credits (`extent`: see `map_figure`)."""
    canvas = _canvas(bundle)
    fig = Figure(figsize=FIGSIZE_IN)  # no Agg canvas yet: geopandas would redraw after every layer
    ax = fig.add_axes((0.01, 0.09, 0.64, 0.82))
    ax.set_axis_off()
    x0, y0, x1, y1 = canvas.bounds if extent is None else extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    if canvas.land is not None:
        canvas.land.plot(ax=ax, facecolor="#ffffff", edgecolor="#666666", linewidth=0.5, zorder=1)
    cells = canvas.cells.reindex(spec.classes.index)
    for code, st in enumerate(spec.styles):
        sel = cells[(spec.classes == code).to_numpy()]
        if len(sel):
            sel.plot(ax=ax, facecolor=st.colour, edgecolor=st.ink, linewidth=0.0, hatch=st.hatch, zorder=2)
    if canvas.councils is not None:
        canvas.councils.boundary.plot(ax=ax, color="#1a1a1a", linewidth=0.45, zorder=3)
    handles: list = [
        Patch(
            facecolor=st.colour,
            edgecolor=st.ink if st.hatch else "#333333",
            hatch=st.hatch,
            linewidth=0.6,
            label=st.label,
        )
        for st in spec.styles
    ]
    if spec.services is not None and canvas.services is not None:
        svc = canvas.services[canvas.services["selection"] == spec.services]
        if len(svc):
            style = {"marker": "^", "c": "#ffffff", "edgecolors": "#000000", "linewidths": 0.5}
            ax.scatter(svc.geometry.x, svc.geometry.y, s=7, zorder=4, **style)
            handles.append(ax.scatter([], [], s=12, label=t("map.services", lang), **style))
    handles.append(Patch(facecolor="none", edgecolor="#1a1a1a", linewidth=0.8, label=t("map.councils", lang)))
    fig.legend(
        handles=handles,
        title=textwrap.fill(spec.legend_title, 30),
        loc="upper left",
        bbox_to_anchor=(0.665, 0.9),
        fontsize=7.5,
        title_fontsize=8,
        frameon=False,
        handlelength=2.6,
        handleheight=1.6,
        alignment="left",
    )
    fig.suptitle(spec.title, x=0.02, y=0.975, ha="left", fontsize=10.5, fontweight="bold")
    _scale_bar(ax, (x0, y0, x1, y1), lang)
    _north_arrow(ax, canvas.bounds, canvas.north_rad, label=t("map.north", lang))
    if spec.label_col is not None:
        _label_top_councils(ax, bundle, spec.label_col)
    credit_lines = "\n".join(attribution_lines(bundle, lang))
    fig.text(0.02, 0.012, credit_lines, fontsize=5.2, color="#444444", ha="left", va="bottom", linespacing=1.3)
    return fig


def _scale_bar(ax, bounds: tuple[float, float, float, float], lang: str) -> None:  # noqa: ANN001
    x0, y0, x1, y1 = bounds
    target = 0.22 * (x1 - x0) / 1000.0
    km = max((k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500) if k <= target), default=1)
    seg = km * 1000.0 / 2
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    for k in range(2):
        ax.add_patch(
            Rectangle(
                (bx + k * seg, by),
                seg,
                h,
                facecolor="#000000" if k == 0 else "#ffffff",
                edgecolor="#000000",
                linewidth=0.6,
                zorder=5,
            )
        )
    for k, lab in enumerate(("0", fmt_num(km / 2, lang, digits=0 if km % 2 == 0 else 1), f"{km} km")):
        ax.text(bx + k * seg, by + 1.8 * h, lab, fontsize=6.5, ha="center", va="bottom", zorder=5)


def _north_arrow(ax, bounds: tuple[float, float, float, float], angle: float, *, label: str) -> None:  # noqa: ANN001
    """Draw an arrow to true north (`angle` radians clockwise from up; a projected CRS's grid north may differ)."""
    x0, y0, x1, y1 = bounds
    size = 0.08 * (y1 - y0)
    ax_, ay_ = x1 - 0.07 * (x1 - x0), y1 - 0.2 * (y1 - y0)
    dx, dy = size * math.sin(angle), size * math.cos(angle)
    ax.add_patch(
        FancyArrow(
            ax_,
            ay_,
            dx,
            dy,
            width=0.18 * size,
            head_width=0.5 * size,
            head_length=0.4 * size,
            length_includes_head=True,
            facecolor="#000000",
            edgecolor="#000000",
            zorder=5,
        )
    )
    ax.text(
        ax_ + 1.25 * dx,
        ay_ + 1.25 * dy,
        label,
        fontsize=9,
        fontweight="bold",
        ha="center",
        va="center",
        zorder=5,
    )


def _label_top_councils(ax, bundle: Bundle, col: str, *, n: int = 5) -> None:  # noqa: ANN001
    """Write the names of the `n` councils with the most residents in `col`, leaving out any that would overlap."""
    councils = bundle.layers.get("councils")
    if councils is None or col not in councils.columns:
        return
    top = councils[councils[col].notna() & (councils[col] > 0)].nlargest(n, col)
    points = [row.geometry.representative_point() for _, row in top.iterrows()]
    names = [str(v) for v in top["name"]]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    box_w, box_h = ax.get_position().width * FIGSIZE_IN[0], ax.get_position().height * FIGSIZE_IN[1]
    per_pt = max((x1 - x0) / (box_w * 72), (y1 - y0) / (box_h * 72))  # data units per point (aspect equal)
    keep = fitting_labels([(p.x, p.y) for p in points], names, fontsize_pt=LABEL_PT, per_pt=per_pt)
    halo = [patheffects.withStroke(linewidth=2.2, foreground="#ffffff")]
    for k in keep:
        ax.text(
            points[k].x,
            points[k].y,
            names[k],
            fontsize=LABEL_PT,
            fontweight="bold",
            ha="center",
            va="center",
            zorder=6,
            path_effects=halo,
        )


#: Font size of the council names on the static maps (points).
LABEL_PT = 6.5


def fitting_labels(
    points: list[tuple[float, float]], names: list[str], *, fontsize_pt: float, per_pt: float
) -> list[int]:
    """Return the positions of the labels to draw, in order, leaving out each one whose box meets a kept one.

    A label is centred on its point; its box is estimated from the name's length (a bold
    character is about 0.62 of the font size wide, a line 1.25 of it high, plus the halo),
    in data units (`per_pt` data units per point). The first labels (the largest counts) win.
    """
    kept: list[int] = []
    boxes: list[tuple[float, float, float, float]] = []
    for k, ((x, y), name) in enumerate(zip(points, names, strict=True)):
        half_w = (0.62 * fontsize_pt * len(name) + 3) * per_pt / 2
        half_h = (1.25 * fontsize_pt + 3) * per_pt / 2
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in boxes):
            kept.append(k)
            boxes.append(box)
    return kept
