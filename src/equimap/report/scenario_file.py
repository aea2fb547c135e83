"""Write scenarios like any analysis: a PDF section "Scenario", XLSX sheets and GeoPackage layers.

Every figure is a table of :class:`equimap.scenario.engine.ScenarioAnalysis` (protected there);
this module only lays them out. The files open with the protection notice, like every export.
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, Image, KeepTogether, SimpleDocTemplate, Spacer

from equimap._errors import DataError
from equimap.i18n import check_language, fmt_num, t
from equimap.network.prepare import land_layer
from equimap.report.files import format_for
from equimap.report.formats import to_gpkg, to_xlsx
from equimap.report.pdf import register_fonts
from equimap.report.staticmap import FIGSIZE_IN, to_png
from equimap.report.style import Styles, grid_table, para
from equimap.scenario.engine import ScenarioAnalysis, compare_scenarios

__all__ = ["changes_table", "scenario_notice", "scenario_tables", "write_scenarios"]

#: Formats a scenario can be written to.
SCENARIO_FORMATS = ("pdf", "xlsx", "gpkg")
_BREAKS_MIN = (-5.0, -1.0, 0.0, 1.0, 5.0)
_COLOURS = ("#1a9641", "#a6d96a", "#d9f0d3", "#fdd49e", "#fc8d59", "#d7301f")


def changes_table(scenarios: Sequence[ScenarioAnalysis]) -> gpd.GeoDataFrame:
    """Return the changes of every scenario, one row per change, as points (WGS 84); a removal at its site."""
    rows = []
    for s in scenarios:
        base = s.before.services().set_index("service_id").geometry.to_crs("EPSG:4326")
        for c in s.scenario.changes:
            lon, lat = c.lon, c.lat
            if c.kind == "remove":
                p = base.get(c.service_id)
                lon, lat = (None, None) if p is None else (p.x, p.y)
            rows.append(
                {
                    "scenario": s.name,
                    "change": c.kind,
                    "service_id": c.service_id,
                    "name": c.name,
                    "capacity": c.capacity,
                    "lon": lon,
                    "lat": lat,
                }
            )
    frame = pd.DataFrame(rows)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")


def scenario_tables(scenarios: Sequence[ScenarioAnalysis]) -> dict[str, pd.DataFrame]:
    """Return the comparison tables of `scenarios` side by side: groups, classes, councils, cells, changes."""
    _check(scenarios)
    before = scenarios[0].before
    out: dict[str, pd.DataFrame] = {"scenario_groups": compare_scenarios(before, scenarios, table="groups")}
    for key, table in (
        ("scenario_classes", "classes_l2"),
        ("scenario_councils", "councils"),
        ("scenario_cells", "cells"),
    ):
        frame = compare_scenarios(before, scenarios, table=table)
        if frame is not None:
            out[key] = frame
    out["scenario_changes"] = changes_table(scenarios)
    return out


def scenario_notice(scenarios: Sequence[ScenarioAnalysis], tables: dict[str, pd.DataFrame], *, lang: str) -> str:
    """Return the protection notice of the files: values hidden after a change, counted from the tables."""
    before = scenarios[0].before
    if not before.protected:
        return t("export.notice.unprotected", lang)
    hidden = 0
    for frame in tables.values():
        for c in frame.columns:
            if isinstance(c, str) and c.endswith("_after"):
                stat = c.split(": ", 1)[-1][: -len("_after")]
                ref = frame.get(f"{stat}_before")
                if ref is not None:
                    hidden += int((frame[c].isna() & ref.notna()).sum())
    return t("export.notice.protected", lang, threshold=before.suppress_below, suppressed=hidden)


def write_scenarios(
    scenarios: ScenarioAnalysis | Sequence[ScenarioAnalysis],
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    lang: str = "en",
) -> Path:
    """Write up to four scenarios to a PDF (section "Scenario"), an XLSX workbook or a GeoPackage; return the path.

    Parameters
    ----------
    scenarios
        One scenario or several of the same question (compared side by side).
    path
        The file; its suffix picks the format unless `fmt` is given.
    fmt
        ``"pdf"``, ``"xlsx"`` or ``"gpkg"``.
    lang
        Language of the texts.
    """
    items = [scenarios] if isinstance(scenarios, ScenarioAnalysis) else list(scenarios)
    check_language(lang)
    fmt = format_for(path, fmt)
    if fmt not in SCENARIO_FORMATS:
        msg = f"A scenario is written as {', '.join(SCENARIO_FORMATS)}, not {fmt}; give a file ending in .pdf, .xlsx or .gpkg."
        raise DataError(msg)
    tables = scenario_tables(items)
    notice = scenario_notice(items, tables, lang=lang)
    path = Path(path)
    if fmt == "xlsx":
        readme = pd.DataFrame(
            [
                {"sheet": k, "column": "", "description": t(f"scenario.sheet_{k.split('_', 1)[1]}", lang), "unit": ""}
                for k in tables
            ]
        )
        return to_xlsx(tables, path, readme=readme, notice=notice)
    if fmt == "gpkg":
        layers = {k: v for k, v in tables.items() if isinstance(v, gpd.GeoDataFrame) and len(v)}
        return to_gpkg(layers, path, notice=notice)
    path.write_bytes(build_scenario_pdf(items, lang=lang, notice=notice))
    return path


def _check(scenarios: Sequence[ScenarioAnalysis]) -> None:
    if not scenarios or not all(isinstance(s, ScenarioAnalysis) for s in scenarios):
        msg = "Give one or more scenarios (`ScenarioAnalysis`) to write."
        raise DataError(msg)


# --- the PDF section ------------------------------------------------------------------------------


def build_scenario_pdf(scenarios: Sequence[ScenarioAnalysis], *, lang: str, notice: str) -> bytes:
    """Return a PDF with the section "Scenario" of every scenario (tables and map) as bytes."""
    font, bold = register_fonts()
    st = Styles.make(font, bold)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=1.8 * cm, rightMargin=1.8 * cm, title=t("scenario.heading", lang)
    )
    story: list[Flowable] = [para(notice, st.notice), para(t("scenario.heading", lang), st.h1)]
    for s in scenarios:
        story += scenario_section(s, st, lang)
    region = scenarios[0].before.prepared.region
    story += [Spacer(1, 0.3 * cm)] + [
        para(t(f"attribution.{line}", lang, default=line), st.small) for line in region.attribution
    ]
    doc.build(story)
    return buf.getvalue()


def scenario_section(s: ScenarioAnalysis, st: Styles, lang: str) -> list[Flowable]:
    """Return the flowables of one scenario: title, changes, group and class tables, places, map."""
    prep, q = s.before.prepared, s.before.question
    kinds = [c.kind for c in s.scenario.changes]
    out: list[Flowable] = [
        para(
            t(
                "scenario.title",
                lang,
                name=s.name,
                category=t(f"category.{q.category}", lang, default=prep.category_label(q.category)),
                mode_by=t(f"mode_by.{q.mode}", lang),
                threshold=fmt_num(q.threshold_min, lang),
            ),
            st.h2,
        ),
        para(
            t(
                "scenario.changes",
                lang,
                added=kinds.count("add"),
                removed=kinds.count("remove"),
                moved=kinds.count("move"),
            ),
            st.body,
        ),
        para(t("scenario.intro", lang, threshold=s.before.suppress_below), st.small),
    ]
    country = prep.region.country_name or prep.region.name
    g = s.groups()
    rows = [[t(f"scenario.col_{k}", lang) for k in ("group", "mean", "beyond", "share", "gaining", "losing")]]
    for col, r in g.iterrows():
        rows.append(
            [
                t(f"group.{col}", lang, country=country, default=str(r["label"]))
                if prep.region.translated(str(col))
                else str(r["label"]),
                *_cells(r, "mean_min", "pop_beyond", lang),
            ]
        )
    out += [
        para(t("scenario.groups", lang), st.h2),
        grid_table(rows, st, [3.6, 3.4, 3.8, 3.4, 1.6, 1.6], numeric_from=1),
    ]
    c = s.classes()
    if c is not None:
        rows = [[t(f"scenario.col_{k}", lang) for k in ("class", "mean", "beyond", "share", "gaining", "losing")]]
        for code, r in c.iterrows():
            if r["T"] != 0:
                label = t(f"degurba.l2.{code}", lang, default=str(r["label"]))
                rows.append([label, *_cells(r, "time_min", "beyond_T", lang)])
        out += [
            para(t("scenario.classes", lang), st.h2),
            grid_table(rows, st, [3.6, 3.4, 3.8, 3.4, 1.6, 1.6], numeric_from=1),
        ]
    out += _places(s, st, lang)
    fig = scenario_map(s, lang=lang)
    w = 17.0 * cm
    out.append(
        KeepTogether(
            [
                para(t("scenario.map", lang), st.h2),
                Image(io.BytesIO(to_png(fig)), width=w, height=w * FIGSIZE_IN[1] / FIGSIZE_IN[0]),
            ]
        )
    )
    return out


def _cells(r: pd.Series, mean: str, beyond: str, lang: str) -> list[str]:
    def trio(stat: str, digits: int, scale: float = 1.0) -> str:
        b, a, d = (float(r[f"{stat}_{k}"]) * scale for k in ("before", "after", "change"))
        return f"{fmt_num(b, lang, digits=digits)} / {fmt_num(a, lang, digits=digits)} / {fmt_num(d, lang, digits=digits, sign=True)}"

    return [
        trio(mean, 2),
        trio(beyond, 0),
        trio("share_beyond", 2, 100.0),
        fmt_num(float(r["gaining"]), lang),
        fmt_num(float(r["losing"]), lang),
    ]


def _places(s: ScenarioAnalysis, st: Styles, lang: str) -> list[Flowable]:
    table = s.places("councils", n=5)
    if table.empty:
        table = s.places("cells", n=5)
    out: list[Flowable] = [para(t("scenario.places", lang), st.h2)]
    if table.empty:
        return [*out, para(t("scenario.none", lang), st.body)]
    rows = [[t("scenario.col_place", lang), "", t("scenario.col_mean", lang), t("scenario.col_beyond", lang)]]
    for idx, r in table.iterrows():
        name = r["name"] if "name" in r else (r.get("council") or idx)
        rows.append([str(name), t(f"scenario.{r['direction']}", lang), *_cells(r, "time_min", "beyond_T", lang)[:2]])
    return [*out, grid_table(rows, st, [5.0, 1.6, 4.2, 4.6], numeric_from=2)]


def scenario_map(s: ScenarioAnalysis, *, lang: str) -> Figure:
    """Return the map of the census cells whose time to the nearest site changes, with the sites that change."""
    cells = s.cells()
    crs = cells.crs
    fig = Figure(figsize=FIGSIZE_IN)
    ax = fig.add_axes((0.01, 0.06, 0.66, 0.9))
    ax.set_axis_off()
    land = land_layer(s.before.prepared.region)
    if land is not None:
        land.to_crs(crs).plot(ax=ax, facecolor="#ffffff", edgecolor="#666666", linewidth=0.5, zorder=1)
    change = cells["time_min_change"].to_numpy(float)
    moved = np.isfinite(change) & (change != 0)
    codes = np.digitize(change, _BREAKS_MIN, right=True)
    for code, colour in enumerate(_COLOURS):
        sel = cells[moved & (codes == code)]
        if len(sel):
            sel.plot(ax=ax, facecolor=colour, edgecolor="#444444", linewidth=0.2, zorder=2)
    new = s.services[s.services["source"].eq("scenario") | _moved(s)]
    gone = s.before.services()[s.before.services()["service_id"].isin(s.scenario.removed_ids)]
    if len(new):
        new.to_crs(crs).plot(ax=ax, marker="^", color="#000000", markersize=28, zorder=4)
    if len(gone):
        gone.to_crs(crs).plot(ax=ax, marker="x", color="#a50f15", markersize=28, zorder=4)
    x0, y0, x1, y1 = land.to_crs(crs).total_bounds if land is not None else cells.total_bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    labels = _range_labels(lang)
    handles: list[Any] = [
        Patch(facecolor=c, edgecolor="#333333", label=lab) for c, lab in zip(_COLOURS, labels, strict=True)
    ]
    handles += [
        Line2D([], [], marker="^", color="#000000", linestyle="", label=t("scenario.site_added", lang)),
        Line2D([], [], marker="x", color="#a50f15", linestyle="", label=t("scenario.site_removed", lang)),
    ]
    fig.legend(
        handles=handles,
        loc="center left",
        bbox_to_anchor=(0.68, 0.5),
        fontsize=7,
        title=textwrap.fill(t("scenario.map_legend", lang), 28),
        title_fontsize=7.5,
        frameon=False,
    )
    credit_line = " · ".join(s.before.prepared.region.attribution[:2])
    fig.text(0.01, 0.01, credit_line, fontsize=5.5, color="#444444")
    return fig


def _moved(s: ScenarioAnalysis) -> pd.Series:
    moves = {c.service_id for c in s.scenario.changes if c.kind == "move"}
    return s.services["service_id"].astype(str).isin(moves)


def _range_labels(lang: str) -> list[str]:
    b = [fmt_num(v, lang) for v in _BREAKS_MIN]
    saved, lost = t("scenario.saved", lang), t("scenario.lost", lang)
    return [
        f"≤ {b[0]} ({saved})",
        f"{b[0]} – {b[1]}",
        f"{b[1]} – {b[2]}",
        f"{b[2]} – {b[3]}",
        f"{b[3]} – {b[4]}",
        f"> {b[4]} ({lost})",
    ]
