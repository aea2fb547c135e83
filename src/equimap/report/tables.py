"""The table sections of the PDF report: by group, by council, by Degree of Urbanisation, outreach targets."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from reportlab.platypus import Flowable, KeepTogether, TableStyle

from equimap.analysis.bundle import CLASS_ROUNDING, OUTSIDE, TOTAL, Bundle
from equimap.i18n import fmt_interval, fmt_num, fmt_pct, t
from equimap.report.labels import analysis_title, dimension_name, group_label
from equimap.report.style import Styles, grid_table, missing, para


def council_names(bundle: Bundle) -> dict[str, str]:
    """Return each council's display name, with its island when two councils share a name."""
    councils = bundle.tables["councils"].drop(index=[OUTSIDE, TOTAL], errors="ignore")
    names = councils["name"].astype(str)
    dup = names.duplicated(keep=False)
    if "island" in councils.columns:
        names = names.where(~dup, names + " (" + councils["island"].astype(str) + ")")
    return names.to_dict()


def group_tables(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return one table per analysis: every group with its residents, times, share beyond and gap, with intervals."""
    g = bundle.tables["groups"]
    out: list[Flowable] = [
        para(t("report.groups.heading", lang), st.h1),
        para(t("report.groups.intro", lang), st.small),
    ]
    if not bundle.region.groups:  # a total-only region: all residents only, and why
        name = t(f"country.{bundle.region.name}", lang, default=bundle.region.name)
        out.append(para(t("groups.none", lang, region=name), st.body))
    head = [t(f"report.groups.{k}", lang) for k in ("group", "residents", "mean", "median", "beyond", "gap", "ratio")]
    for a in bundle.analyses:
        rows: list[list[Any]] = [head]
        spans = []
        sub = g[g["analysis"] == a.key]
        for dim in dict.fromkeys(sub["dimension"]):
            if dim != "all":
                spans.append(len(rows))
                rows.append([dimension_name(bundle, dim, lang), "", "", "", "", "", ""])
            for _, r in sub[sub["dimension"] == dim].iterrows():
                rows.append(_group_row(bundle, r, lang))
        out.append(
            KeepTogether(
                [
                    para(analysis_title(bundle, a, lang), st.h2),
                    grid_table(rows, st, [3.9, 1.7, 2.9, 1.6, 3.1, 2.8, 1.4], numeric_from=1, spans=spans),
                ]
            )
        )
    return out


def _group_row(bundle: Bundle, r: pd.Series, lang: str) -> list[str]:
    def ci(name: str, *, scale: float = 1.0, sign: bool = False) -> str:
        lo, hi = r[f"{name}_lo"], r[f"{name}_hi"]
        if missing(lo) or missing(hi):
            return ""
        return " " + fmt_interval(scale * lo, scale * hi, lang, sign=sign)

    if r["dimension"] == "all" or bool(r["is_reference"]):
        gap = t("report.groups.reference", lang) if bool(r["is_reference"]) else ""
    else:
        gap = fmt_num(r["share_beyond_diff_pp"], lang, digits=1, sign=True) + ci("share_beyond_diff_pp", sign=True)
    ratio = "" if missing(r["representation_ratio"]) else fmt_num(r["representation_ratio"], lang, digits=2)
    return [
        group_label(bundle, r["group"], lang),
        fmt_num(r["pop"], lang),
        fmt_num(r["mean_min"], lang, digits=1) + ci("mean_min"),
        fmt_num(r["median_min"], lang, digits=1),
        fmt_pct(r["share_beyond"], lang, digits=1) + ci("share_beyond", scale=100.0),
        gap,
        ratio,
    ]


def council_table(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the per-council table, sorted by name, with the outside and total rows last."""
    tab = bundle.tables["councils"]
    total = bundle.count_columns[0]
    names = council_names(bundle)
    order = sorted(names, key=lambda i: str(names[i]).casefold())
    n_a = len(bundle.analyses)
    each = 8.8 / n_a
    widths = [3.4, 1.5, 1.3, 2.4, *[w for _ in bundle.analyses for w in (each * 0.3, each * 0.3, each * 0.4)]]
    head1 = ["", "", "", "", *[x for a in bundle.analyses for x in (analysis_title(bundle, a, lang), "", "")]]
    head2 = [t(f"report.councils.{k}", lang) for k in ("name", "residents", "foreign", "urban")]
    head2 += [t(f"report.councils.{k}", lang) for _ in bundle.analyses for k in ("mean", "share", "beyond")]
    rows: list[list[Any]] = [head1, head2]
    labels = {OUTSIDE: t("report.councils.outside", lang), TOTAL: t("report.councils.total", lang)}
    for cid in [*order, OUTSIDE, TOTAL]:
        r = tab.loc[cid]
        urban = r.get("degurba_l2")
        rows.append(
            [
                names.get(cid, labels.get(cid, cid)),
                fmt_num(r[total], lang),
                fmt_pct(r.get("foreign_share", math.nan), lang, digits=0),
                "" if missing(urban) else t(f"degurba.unit_l2.{int(urban)}", lang),
                *[
                    v
                    for a in bundle.analyses
                    for v in (
                        fmt_num(r[a.col("time_nearest_min")], lang, digits=1),
                        fmt_pct(r[a.col("share_beyond")], lang, digits=0),
                        fmt_num(r[a.col(f"beyond_{total}")], lang),
                    )
                ],
            ]
        )
    table = grid_table(rows, st, widths, header=2, numeric_from=1, bold_rows=[len(rows) - 1])
    table.setStyle(
        TableStyle([("SPAN", (4 + 3 * k, 0), (6 + 3 * k, 0)) for k in range(n_a)] + [("SPAN", (0, 0), (3, 0))])
    )
    return [
        para(t("report.councils.heading", lang), st.h1),
        para(t("report.councils.intro", lang), st.small),
        table,
    ]


def class_tables(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the residents and shares beyond each threshold by Degree of Urbanisation class (levels 1 and 2)."""
    rounding = CLASS_ROUNDING if bundle.protected else 1
    out: list[Flowable] = [
        para(t("report.classes.heading", lang), st.h1),
        para(t("report.classes.intro", lang, rounding=fmt_num(rounding, lang)), st.small),
    ]
    head = [t(f"report.classes.{k}", lang) for k in ("class", "cells", "residents", "pop_share")]
    head += [analysis_title(bundle, a, lang) for a in bundle.analyses]
    n_a = len(bundle.analyses)
    widths = [5.0, 1.3, 2.0, 2.0, *[7.1 / n_a] * n_a]
    for level in (1, 2):
        tab = bundle.tables[f"urbanisation_l{level}"]
        total = tab.attrs.get("total_col", bundle.count_columns[0])
        rows: list[list[Any]] = [head]
        for code, r in tab.iterrows():
            name = t("report.councils.total", lang) if code == TOTAL else t(f"degurba.l{level}.{code}", lang)
            rows.append(
                [
                    name,
                    fmt_num(r["n_cells"], lang),
                    fmt_num(r[total], lang),
                    fmt_pct(r["pop_share"], lang, digits=1),
                    *[fmt_pct(r[a.col("share_beyond")], lang, digits=1) for a in bundle.analyses],
                ]
            )
        out += [
            para(t(f"report.classes.level{level}", lang), st.h2),
            grid_table(rows, st, widths, numeric_from=1, bold_rows=[len(rows) - 1]),
        ]
    return out


#: Outreach targets listed per analysis in the report (the exports hold them all).
OUTREACH_ROWS = 10


def outreach(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the first :data:`OUTREACH_ROWS` outreach targets of each analysis, as one table each."""
    tab = bundle.tables["outreach"]
    total = bundle.count_columns[0]
    places = cell_places(bundle)
    head = [t(f"report.outreach.{k}", lang) for k in ("rank", "place", "urban", "residents", "beyond")]
    foreign = [c for c in ("EU_OTH", "OTH") if f"beyond_{c}" in tab.columns]
    if foreign:
        head.append(t("report.outreach.group_share", lang))
    head += [t("report.outreach.excess", lang), t("report.outreach.score", lang)]
    widths = [1.0, 4.4 if foreign else 6.0, 4.0, 1.6, 1.6, *([1.6] if foreign else []), 1.6, 1.6]  # 17.4 cm
    out: list[Flowable] = [
        para(t("report.outreach.heading", lang), st.h1),
        para(t("report.outreach.intro", lang), st.small),
    ]
    for a in bundle.analyses:
        sub = tab[tab["analysis"] == a.key].sort_values("rank").head(OUTREACH_ROWS)
        if sub.empty:
            out += [para(analysis_title(bundle, a, lang), st.h2), para(t("report.outreach.none", lang), st.body)]
            continue
        rows: list[list[Any]] = [head]
        for _, r in sub.iterrows():
            share = math.nan
            if foreign and r[f"beyond_{total}"] > 0:
                share = sum(r[f"beyond_{c}"] for c in foreign) / r[f"beyond_{total}"]  # NaN when one is hidden
            rows.append(
                [
                    str(int(r["rank"])),
                    places.get(r["cell_id"], r["cell_id"]),
                    t(f"degurba.l2.{int(r['degurba_l2'])}", lang),
                    fmt_num(r[total], lang),
                    fmt_num(r[f"beyond_{total}"], lang),
                    *([fmt_pct(share, lang, digits=0)] if foreign else []),
                    fmt_num(r["mean_excess_min"], lang, digits=1),
                    fmt_num(r["score"], lang),
                ]
            )
        out.append(
            KeepTogether([para(analysis_title(bundle, a, lang), st.h2), grid_table(rows, st, widths, numeric_from=3)])
        )
    return out


def cell_places(bundle: Bundle) -> dict[str, str]:
    """Return a short name of each outreach cell: its position in km and its council.

    A cell's council is the one where most of its residents live (the cells table's
    ``council_id``, :func:`equimap.analysis.tables.cell_councils`), as in the app.
    """
    layer = bundle.layers.get("outreach")
    if layer is None:
        return {}
    cells = layer.drop_duplicates("cell_id").set_index("cell_id")
    names = {}
    table = bundle.tables["cells"]
    if "councils" in bundle.tables and "council_id" in table.columns:
        display = council_names(bundle)
        for cid, council in table["council_id"].reindex(cells.index).items():
            if isinstance(council, str) and council in display:
                names[cid] = display[council]
    out = {}
    for cid, geom in cells.geometry.items():
        x0, y0 = geom.bounds[:2]
        where = f"{y0 / 1000:.0f} N {x0 / 1000:.0f} E"
        out[cid] = f"{names[cid]} ({where})" if cid in names else where
    return out
