"""The sections of the PDF report, as reportlab flowables built from a bundle (see :mod:`geo.report`)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, Image, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from geo import settings
from geo.bundle import CLASS_ROUNDING, GROUP_ROUNDING, OUTSIDE, TOTAL, Analysis, Bundle
from geo.bundle_files import (
    analysis_title,
    attribution_lines,
    category_label,
    category_of,
    group_label,
    group_who,
    region_name,
)
from geo.report_text import has, interval, number, percent, text
from geo.staticmap import FIGSIZE_IN, report_maps, to_png

WIDTH_CM = 17.4
MAP_WIDTH_CM = 15.6
_GRID = colors.HexColor("#bbbbbb")
_HEAD = colors.HexColor("#e8e8e8")
_SUB = colors.HexColor("#f5f5f5")


@dataclass(frozen=True)
class Styles:
    """Paragraph styles of the report."""

    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    notice: ParagraphStyle
    warning: ParagraphStyle
    bullet: ParagraphStyle

    @classmethod
    def make(cls, font: str, bold: str) -> Styles:
        """Return the styles set in `font` and `bold`."""
        body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13.5, spaceAfter=5)
        return cls(
            body=body,
            small=ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, spaceAfter=3),
            cell=ParagraphStyle("cell", parent=body, fontSize=7, leading=8.6, spaceAfter=0),
            cell_bold=ParagraphStyle("cellb", parent=body, fontName=bold, fontSize=7, leading=8.6, spaceAfter=0),
            h1=ParagraphStyle(
                "h1", parent=body, fontName=bold, fontSize=15, leading=19, spaceBefore=4, spaceAfter=8, keepWithNext=1
            ),
            h2=ParagraphStyle(
                "h2", parent=body, fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=5, keepWithNext=1
            ),
            title=ParagraphStyle("title", parent=body, fontName=bold, fontSize=24, leading=30, spaceAfter=10),
            subtitle=ParagraphStyle("subtitle", parent=body, fontSize=14, leading=19, spaceAfter=14),
            notice=ParagraphStyle(
                "notice",
                parent=body,
                fontSize=8.5,
                leading=11.5,
                borderColor=_GRID,
                borderWidth=0.6,
                borderPadding=5,
                backColor=colors.HexColor("#f4f4f4"),
                spaceAfter=16,
            ),
            warning=ParagraphStyle(
                "warning",
                parent=body,
                fontName=bold,
                fontSize=10,
                leading=13,
                textColor=colors.HexColor("#a50f15"),
                borderColor=colors.HexColor("#a50f15"),
                borderWidth=1,
                borderPadding=5,
                spaceAfter=16,
            ),
            bullet=ParagraphStyle("bullet", parent=body, leftIndent=12, bulletIndent=2),
        )


def report_story(bundle: Bundle, st: Styles, *, lang: str) -> list[Flowable]:
    """Return every flowable of the report, in page order."""
    story = title_page(bundle, st, lang)
    story += [PageBreak(), *summary(bundle, st, lang)]
    story += [PageBreak(), *maps(bundle, st, lang)]
    story += [PageBreak(), *group_tables(bundle, st, lang)]
    if "councils" in bundle.tables:
        story += [PageBreak(), *council_table(bundle, st, lang)]
    if "urbanisation_l1" in bundle.tables:
        story += [PageBreak(), *class_tables(bundle, st, lang)]
    if "outreach" in bundle.tables:
        story += [PageBreak(), *outreach(bundle, st, lang)]
    story += [PageBreak(), *methods(bundle, st, lang), *sources(bundle, st, lang), *protection(bundle, st, lang)]
    return story


def _p(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(value), style)


def _minutes(value: float, lang: str) -> str:
    return number(value, lang, decimals=0 if float(value).is_integer() else 1)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


# --- title page and summary --------------------------------------------------------------------


def title_page(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the title page: the protection notice first, title, date and parameters."""
    region = bundle.region
    out: list[Flowable] = [_p(bundle.notice(lang), st.notice if bundle.protected else st.warning)]
    out += [Spacer(1, 2.5 * cm), _p(text("report.title", lang), st.title)]
    out += [_p(text("report.subtitle", lang, region=region_name(bundle, lang)), st.subtitle)]
    out += [_p(text("report.prepared", lang, date=bundle.created.isoformat()), st.body), Spacer(1, 1 * cm)]
    out.append(_p(text("report.param.heading", lang), st.h2))
    rows = [
        [
            text("report.param.analyses", lang),
            text("report.param.service", lang),
            text("report.param.mode", lang),
            text("report.param.threshold", lang),
        ]
    ]
    for k, a in enumerate(bundle.analyses, start=1):
        rows.append(
            [
                str(k),
                category_label(bundle, a.category, lang),
                text(f"mode.{a.mode}", lang),
                text("report.param.minutes", lang, minutes=_minutes(a.threshold_min, lang)),
            ]
        )
    out += [_table(rows, st, [3.5, 7.4, 3.5, 3.0], header=1), Spacer(1, 0.4 * cm)]
    everyone = bundle.tables["groups"]
    pop = everyone.loc[everyone["dimension"] == "all", "pop"].iloc[0]
    params = [
        (
            text("report.param.population", lang),
            text(
                "report.param.population_value",
                lang,
                residents=number(pop, lang),
                cells=number(len(bundle.tables["cells"]), lang),
            ),
        ),
        (text("report.param.network", lang), text("report.param.network_value", lang, date=region.osm_date or "–")),
        (
            text("report.param.intervals", lang),
            text("report.param.intervals_value", lang, n=number(bundle.n_boot, lang), seed=bundle.seed),
        ),
        (
            text("report.param.protection", lang),
            text("report.param.protection_on", lang, max=bundle.threshold - 1)
            if bundle.protected
            else text("report.param.protection_off", lang),
        ),
    ]
    out.append(_table([[k, v] for k, v in params], st, [4.5, 12.9], header=0))
    return out


def largest_gaps(bundle: Bundle, n: int = 3) -> list[dict[str, Any]]:
    """Return the `n` largest positive gaps in share beyond the threshold against the reference group.

    Searched over every analysis, group dimension and non-reference group of the
    bundle's groups table. Each item has ``analysis`` (an :class:`Analysis`),
    ``group``, ``reference`` (population columns), ``share``, ``ref_share``,
    ``diff_pp``, ``lo_pp``, ``hi_pp``, ``pop_beyond`` and ``places``: up to three
    ``(council name, residents of the group beyond the threshold)``, largest first.
    """
    g = bundle.tables["groups"]
    cand = g[(g["dimension"] != "all") & ~g["is_reference"].astype(bool) & (g["share_beyond_diff_pp"] > 0)]
    out = []
    by_key = {a.key: a for a in bundle.analyses}
    for _, row in cand.sort_values("share_beyond_diff_pp", ascending=False, kind="stable").head(n).iterrows():
        ref = g[
            (g["analysis"] == row["analysis"]) & (g["dimension"] == row["dimension"]) & g["is_reference"].astype(bool)
        ].iloc[0]
        a = by_key[row["analysis"]]
        out.append(
            {
                "analysis": a,
                "group": row["group"],
                "reference": ref["group"],
                "share": row["share_beyond"],
                "ref_share": ref["share_beyond"],
                "diff_pp": row["share_beyond_diff_pp"],
                "lo_pp": row["share_beyond_diff_pp_lo"],
                "hi_pp": row["share_beyond_diff_pp_hi"],
                "pop_beyond": row["pop_beyond"],
                "places": _top_places(bundle, a.col(f"beyond_{row['group']}")),
            }
        )
    return out


def _top_places(bundle: Bundle, col: str, n: int = 3) -> list[tuple[str, float]]:
    councils = bundle.tables.get("councils")
    if councils is None or col not in councils.columns:
        return []
    real = councils.drop(index=[OUTSIDE, TOTAL], errors="ignore")
    real = real[real[col].notna() & (real[col] > 0)].sort_values(col, ascending=False, kind="stable").head(n)
    names = council_names(bundle)
    return [(names[i], float(v)) for i, v in real[col].items()]


def council_names(bundle: Bundle) -> dict[str, str]:
    """Return each council's display name, with its island when two councils share a name."""
    councils = bundle.tables["councils"].drop(index=[OUTSIDE, TOTAL], errors="ignore")
    names = councils["name"].astype(str)
    dup = names.duplicated(keep=False)
    if "island" in councils.columns:
        names = names.where(~dup, names + " (" + councils["island"].astype(str) + ")")
    return names.to_dict()


def summary(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the one-page summary: the overall share beyond each threshold and the three largest gaps."""
    g = bundle.tables["groups"]
    refs = [group_who(bundle, d.reference, lang) for d in bundle.region.groups]
    refs_text = ", ".join(refs[:-1]) + f" {text('and', lang)} " + refs[-1] if len(refs) > 1 else "".join(refs)
    out: list[Flowable] = [_p(text("report.summary.heading", lang), st.h1)]
    out.append(_p(text("report.summary.intro", lang, refs=refs_text), st.body))
    for a in bundle.analyses:
        row = g[(g["analysis"] == a.key) & (g["dimension"] == "all")].iloc[0]
        out.append(
            _p(
                text(
                    "report.summary.overall",
                    lang,
                    share=percent(row["share_beyond"], lang),
                    count=number(row["pop_beyond"], lang),
                    **_fill(bundle, a, lang),
                ),
                st.bullet,
            )
        )
    out.append(_p(text("report.summary.gaps_heading", lang), st.h2))
    gaps = largest_gaps(bundle)
    if not gaps:
        out.append(_p(text("report.summary.no_gaps", lang), st.body))
    for k, gap in enumerate(gaps, start=1):
        a = gap["analysis"]
        dec = 2 if abs(gap["diff_pp"]) < 1 else 1  # a gap under one point keeps its second decimal
        lines = [
            text(
                "report.summary.gap",
                lang,
                group=group_label(bundle, gap["group"], lang),
                share=percent(gap["share"], lang),
                ref_share=percent(gap["ref_share"], lang),
                ref_who=group_who(bundle, gap["reference"], lang),
                diff=number(gap["diff_pp"], lang, decimals=dec, sign=True),
                lo=number(gap["lo_pp"], lang, decimals=dec, sign=True),
                hi=number(gap["hi_pp"], lang, decimals=dec, sign=True),
                **_fill(bundle, a, lang),
            )
        ]
        if not _missing(gap["lo_pp"]) and gap["lo_pp"] <= 0:
            lines.append(text("report.summary.uncertain", lang))
        if not _missing(gap["pop_beyond"]):
            lines.append(
                text(
                    "report.summary.who",
                    lang,
                    count=number(gap["pop_beyond"], lang),
                    who=group_who(bundle, gap["group"], lang),
                )
            )
        if gap["places"]:
            places = ", ".join(f"{name} ({number(v, lang)})" for name, v in gap["places"])
            lines.append(text("report.summary.where", lang, places=places))
        elif "councils" in bundle.tables:
            lines.append(text("report.summary.where_none", lang))
        out.append(Paragraph(" ".join(escape(s) for s in lines), st.bullet, bulletText=f"{k}."))
    if 0 < len(gaps) < 3:
        out.append(_p(text("report.summary.fewer_gaps", lang), st.body))
    out += [Spacer(1, 0.3 * cm), _p(text("report.summary.reading", lang), st.small)]
    return out


def _fill(bundle: Bundle, a: Analysis, lang: str) -> dict[str, str]:
    return {
        "threshold": _minutes(a.threshold_min, lang),
        "mode": text(f"mode.{a.mode}", lang),
        "what": category_of(bundle, a.category, lang),
    }


# --- maps --------------------------------------------------------------------------------------


def maps(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the maps, two to a page, each with its caption."""
    out: list[Flowable] = [_p(text("report.maps.heading", lang), st.h1), _p(text("report.maps.intro", lang), st.small)]
    width = MAP_WIDTH_CM * cm  # two maps and their captions to a page
    height = width * FIGSIZE_IN[1] / FIGSIZE_IN[0]
    for k, (key, fig) in enumerate(report_maps(bundle, lang=lang)):
        img = Image(io.BytesIO(to_png(fig, dpi=170)), width=width, height=height)
        caption = text(f"report.caption.{key.split(':')[0]}", lang)
        out.append(KeepTogether([img, _p(caption, st.small)]))
        if k % 2 == 0:
            out.append(Spacer(1, 0.3 * cm))
    return out


# --- tables ------------------------------------------------------------------------------------


def _table(
    rows: list[list[Any]],
    st: Styles,
    widths_cm: list[float],
    *,
    header: int = 1,
    numeric_from: int | None = None,
    spans: list[int] | None = None,
    bold_rows: list[int] | None = None,
) -> Table:
    """Return a table with wrapped text cells, `header` heading rows, and right-aligned numbers."""
    cells = []
    spans = spans or []
    for i, row in enumerate(rows):
        style = st.cell_bold if i < header or (bold_rows and i in bold_rows) else st.cell
        right = ParagraphStyle(f"{style.name}-r", parent=style, alignment=TA_RIGHT)
        cells.append(
            [
                v
                if isinstance(v, Flowable)
                else Paragraph(
                    escape(str(v)),
                    right if numeric_from is not None and c >= numeric_from and i not in spans else style,
                )
                for c, v in enumerate(row)
            ]
        )
    t = Table(cells, colWidths=[w * cm for w in widths_cm], repeatRows=header)
    cmds = [
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, header - 1), _HEAD))
    for r in spans:
        cmds += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), _SUB)]
    t.setStyle(TableStyle(cmds))
    return t


def group_tables(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return one table per analysis: every group with its residents, times, share beyond and gap, with intervals."""
    g = bundle.tables["groups"]
    out: list[Flowable] = [
        _p(text("report.groups.heading", lang), st.h1),
        _p(text("report.groups.intro", lang), st.small),
    ]
    head = [
        text(f"report.groups.{k}", lang) for k in ("group", "residents", "mean", "median", "beyond", "gap", "ratio")
    ]
    for a in bundle.analyses:
        rows: list[list[Any]] = [head]
        spans = []
        sub = g[g["analysis"] == a.key]
        for dim in dict.fromkeys(sub["dimension"]):
            if dim != "all":
                spans.append(len(rows))
                rows.append(
                    [text(f"dimension.{dim}", lang) if has(f"dimension.{dim}") else dim, "", "", "", "", "", ""]
                )
            for _, r in sub[sub["dimension"] == dim].iterrows():
                rows.append(_group_row(bundle, r, lang))
        out.append(
            KeepTogether(
                [
                    _p(analysis_title(bundle, a, lang), st.h2),
                    _table(rows, st, [3.9, 1.7, 2.9, 1.6, 3.1, 2.8, 1.4], numeric_from=1, spans=spans),
                ]
            )
        )
    return out


def _group_row(bundle: Bundle, r: pd.Series, lang: str) -> list[str]:
    def ci(name: str, *, scale: float = 1.0, sign: bool = False) -> str:
        lo, hi = r[f"{name}_lo"], r[f"{name}_hi"]
        if _missing(lo) or _missing(hi):
            return ""
        return " " + interval(scale * lo, scale * hi, lang, sign=sign)

    if r["dimension"] == "all" or bool(r["is_reference"]):
        gap = text("report.groups.reference", lang) if bool(r["is_reference"]) else ""
    else:
        gap = number(r["share_beyond_diff_pp"], lang, decimals=1, sign=True) + ci("share_beyond_diff_pp", sign=True)
    ratio = "" if _missing(r["representation_ratio"]) else number(r["representation_ratio"], lang, decimals=2)
    return [
        group_label(bundle, r["group"], lang),
        number(r["pop"], lang),
        number(r["mean_min"], lang, decimals=1) + ci("mean_min"),
        number(r["median_min"], lang, decimals=1),
        percent(r["share_beyond"], lang) + ci("share_beyond", scale=100.0),
        gap,
        ratio,
    ]


def council_table(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the per-council table, sorted by name, with the outside and total rows last."""
    t = bundle.tables["councils"]
    total = bundle.count_columns[0]
    names = council_names(bundle)
    order = sorted(names, key=lambda i: names[i].casefold())
    n_a = len(bundle.analyses)
    each = 8.8 / n_a
    widths = [3.4, 1.5, 1.3, 2.4, *[w for _ in bundle.analyses for w in (each * 0.3, each * 0.3, each * 0.4)]]
    head1 = ["", "", "", "", *[x for a in bundle.analyses for x in (analysis_title(bundle, a, lang), "", "")]]
    head2 = [text(f"report.councils.{k}", lang) for k in ("name", "residents", "foreign", "urban")]
    head2 += [text(f"report.councils.{k}", lang) for _ in bundle.analyses for k in ("mean", "share", "beyond")]
    rows: list[list[Any]] = [head1, head2]
    labels = {OUTSIDE: text("report.councils.outside", lang), TOTAL: text("report.councils.total", lang)}
    for cid in [*order, OUTSIDE, TOTAL]:
        r = t.loc[cid]
        urban = r.get("degurba_l2")
        rows.append(
            [
                names.get(cid, labels.get(cid, cid)),
                number(r[total], lang),
                percent(r.get("foreign_share", math.nan), lang, decimals=0),
                "" if _missing(urban) else text(f"degurba.unit_l2.{int(urban)}", lang),
                *[
                    v
                    for a in bundle.analyses
                    for v in (
                        number(r[a.col("time_nearest_min")], lang, decimals=1),
                        percent(r[a.col("share_beyond")], lang, decimals=0),
                        number(r[a.col(f"beyond_{total}")], lang),
                    )
                ],
            ]
        )
    table = _table(rows, st, widths, header=2, numeric_from=1, bold_rows=[len(rows) - 1])
    table.setStyle(
        TableStyle([("SPAN", (4 + 3 * k, 0), (6 + 3 * k, 0)) for k in range(n_a)] + [("SPAN", (0, 0), (3, 0))])
    )
    return [_p(text("report.councils.heading", lang), st.h1), _p(text("report.councils.intro", lang), st.small), table]


def class_tables(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the residents and shares beyond each threshold by Degree of Urbanisation class (levels 1 and 2)."""
    rounding = CLASS_ROUNDING if bundle.protected else 1
    out: list[Flowable] = [
        _p(text("report.classes.heading", lang), st.h1),
        _p(text("report.classes.intro", lang, rounding=number(rounding, lang)), st.small),
    ]
    head = [text(f"report.classes.{k}", lang) for k in ("class", "cells", "residents", "pop_share")]
    head += [analysis_title(bundle, a, lang) for a in bundle.analyses]
    n_a = len(bundle.analyses)
    widths = [5.0, 1.3, 2.0, 2.0, *[7.1 / n_a] * n_a]
    for level in (1, 2):
        t = bundle.tables[f"urbanisation_l{level}"]
        total = t.attrs.get("total_col", bundle.count_columns[0])
        rows: list[list[Any]] = [head]
        for code, r in t.iterrows():
            name = text("report.councils.total", lang) if code == TOTAL else text(f"degurba.l{level}.{code}", lang)
            rows.append(
                [
                    name,
                    number(r["n_cells"], lang),
                    number(r[total], lang),
                    percent(r["pop_share"], lang),
                    *[percent(r[a.col("share_beyond")], lang) for a in bundle.analyses],
                ]
            )
        out += [
            _p(text(f"report.classes.level{level}", lang), st.h2),
            _table(rows, st, widths, numeric_from=1, bold_rows=[len(rows) - 1]),
        ]
    return out


def outreach(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the outreach targets of `geo.outreach` (first 8 columns, 30 rows)."""
    t = bundle.tables["outreach"]
    cols = list(t.columns)[:8]
    rows = [[str(c) for c in cols]]
    for _, r in t.head(30).iterrows():
        rows.append(
            [
                number(v, lang, decimals=0 if float(v).is_integer() else 2) if isinstance(v, int | float) else str(v)
                for v in r[cols]
            ]
        )
    return [
        _p(text("report.outreach.heading", lang), st.h1),
        _p(text("report.outreach.intro", lang), st.small),
        _table(rows, st, [WIDTH_CM / len(cols)] * len(cols)),
    ]


# --- methods, sources, protection --------------------------------------------------------------


def methods(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the methods section, with the speeds of `geo.settings`, and its limitations."""
    speeds = settings.DRIVE_SPEEDS_KMH
    out: list[Flowable] = [_p(text("report.methods.heading", lang), st.h1)]
    out.append(
        _p(
            text(
                "report.methods.network",
                lang,
                walk=number(settings.WALK_SPEED_KMH, lang, decimals=1),
                bike=number(settings.BIKE_SPEED_KMH, lang),
                residential=number(speeds["residential"], lang),
                primary=number(speeds["primary"], lang),
            ),
            st.body,
        )
    )
    for key in ("population", "indicators", "groups"):
        out.append(_p(text(f"report.methods.{key}", lang), st.body))
    out.append(_p(text("report.methods.bootstrap", lang, n=number(bundle.n_boot, lang)), st.body))
    for key in ("supply", "degurba"):
        out.append(_p(text(f"report.methods.{key}", lang), st.body))
    out.append(_p(text("report.methods.limitations", lang), st.h2))
    for key in ("limit_osm", "limit_snap", "limit_transport", "limit_councils"):
        out.append(Paragraph(escape(text(f"report.methods.{key}", lang)), st.bullet, bulletText="•"))
    return out


def sources(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the data sources and licences, with the region's credits."""
    out: list[Flowable] = [
        _p(text("report.sources.heading", lang), st.h1),
        _p(text("report.sources.intro", lang), st.body),
    ]
    for line in attribution_lines(bundle, lang):
        out.append(Paragraph(escape(line), st.bullet, bulletText="•"))
    for key in ("osm", "eurostat", "software"):
        out.append(_p(text(f"report.sources.{key}", lang), st.body))
    return out


def protection(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return what small-count protection hid, in which table and why (from `SuppressionResult.notes`)."""
    out: list[Flowable] = [_p(text("report.protection.heading", lang), st.h1)]
    if not bundle.protected:
        return [*out, _p(text("report.protection.off", lang), st.warning)]
    head = bundle.header(lang)
    out.append(
        _p(
            text(
                "report.protection.on",
                lang,
                max=bundle.threshold - 1,
                suppressed=number(head["suppressed"], lang),
                primary=number(head["primary"], lang),
                secondary=number(head["secondary"], lang),
                derived=number(head["derived"], lang),
            ),
            st.body,
        )
    )
    rows = [[text(f"report.protection.{k}", lang) for k in ("table", "primary", "secondary", "derived")]]
    for name, result in bundle.results.items():
        notes = result.notes()
        rows.append(
            [
                text(f"report.tablename.{name}", lang) if has(f"report.tablename.{name}") else name,
                number(notes["primary"], lang),
                number(notes["secondary"], lang),
                number(notes["derived"], lang),
            ]
        )
    out += [_table(rows, st, [6.0, 3.0, 3.0, 3.0], numeric_from=1), Spacer(1, 0.3 * cm)]
    out.append(
        _p(
            text(
                "report.protection.rounding",
                lang,
                groups=number(GROUP_ROUNDING, lang),
                classes=number(CLASS_ROUNDING, lang),
            ),
            st.body,
        )
    )
    out.append(_p(text("report.protection.limits", lang), st.body))
    return out
