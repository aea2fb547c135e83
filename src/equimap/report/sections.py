"""The sections of the PDF report, as reportlab flowables built from a bundle (see :mod:`equimap.report.pdf`).

The title page, the one-page summary, the maps, the methods, the data sources and
the protection notes are here; the tables are in :mod:`equimap.report.tables`.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, Flowable, Image, KeepTogether, PageBreak, Paragraph, Spacer

from equimap.analysis.bundle import CLASS_ROUNDING, GROUP_ROUNDING, OUTSIDE, TOTAL, Bundle
from equimap.analysis.claims import MIN_GAP_PP, dimension_verdicts, gap_findings, gap_verdict
from equimap.i18n import fmt_num, fmt_pct, t
from equimap.network.cache import TravelSettings
from equimap.report.labels import (
    analysis_fill,
    analysis_title,
    attribution_lines,
    category_label,
    dimension_name,
    group_label,
    group_who,
    region_name,
)
from equimap.report.preparation import preparation_lines
from equimap.report.staticmap import FIGSIZE_IN, report_maps, to_png
from equimap.report.style import Styles, grid_table, minutes, missing, para
from equimap.report.tables import class_tables, council_names, council_table, group_tables, outreach

MAP_WIDTH_CM = 15.6
#: Height left on a page below which a new section starts on the next page.
SECTION_ROOM_CM = 9.0


def report_story(bundle: Bundle, st: Styles, *, lang: str) -> list[Flowable]:
    """Return every flowable of the report, in page order."""
    story = title_page(bundle, st, lang)
    story += [PageBreak(), *summary(bundle, st, lang)]
    story += [PageBreak(), *maps(bundle, st, lang)]
    # a section starts on the same page when a third of a page is left (no page left 60 % empty)
    story += [CondPageBreak(SECTION_ROOM_CM * cm), *group_tables(bundle, st, lang)]
    if "councils" in bundle.tables:
        story += [CondPageBreak(SECTION_ROOM_CM * cm), *council_table(bundle, st, lang)]
    if "urbanisation_l1" in bundle.tables:
        story += [CondPageBreak(SECTION_ROOM_CM * cm), *class_tables(bundle, st, lang)]
    if "outreach" in bundle.tables:
        story += [CondPageBreak(SECTION_ROOM_CM * cm), *outreach(bundle, st, lang)]
    story += [CondPageBreak(SECTION_ROOM_CM * cm), *methods(bundle, st, lang)]
    story += [*sources(bundle, st, lang), *protection(bundle, st, lang)]
    return story


# --- title page and summary --------------------------------------------------------------------


def title_page(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the title page: the protection notice first, title, date and parameters."""
    region = bundle.region
    out: list[Flowable] = [para(bundle.notice(lang), st.notice if bundle.protected else st.warning)]
    out += [Spacer(1, 2.5 * cm), para(t("report.title", lang), st.title)]
    out += [para(t("report.subtitle", lang, region=region_name(bundle, lang)), st.subtitle)]
    out += [para(t("report.prepared", lang, date=bundle.created.isoformat()), st.body), Spacer(1, 1 * cm)]
    out.append(para(t("report.param.heading", lang), st.h2))
    rows = [
        [
            t("report.param.analyses", lang),
            t("report.param.service", lang),
            t("report.param.mode", lang),
            t("report.param.threshold", lang),
        ]
    ]
    for k, a in enumerate(bundle.analyses, start=1):
        rows.append(
            [
                str(k),
                category_label(bundle, a.category, lang),
                t(f"mode_by.{a.mode}", lang),
                t("report.param.minutes", lang, minutes=minutes(a.threshold_min, lang)),
            ]
        )
    out += [grid_table(rows, st, [3.5, 7.4, 3.5, 3.0], header=1), Spacer(1, 0.4 * cm)]
    everyone = bundle.tables["groups"]
    pop = everyone.loc[everyone["dimension"] == "all", "pop"].iloc[0]
    params = [
        (
            t("report.param.population", lang),
            t(
                "groups.population_modelled" if region.modelled_population else "report.param.population_value",
                lang,
                residents=fmt_num(pop, lang),
                cells=fmt_num(len(bundle.tables["cells"]), lang),
            ),
        ),
        (t("report.param.network", lang), t("report.param.network_value", lang, date=region.osm_date or "–")),
        (
            t("report.param.intervals", lang),
            t("report.param.intervals_value", lang, n=fmt_num(bundle.n_boot, lang), seed=bundle.seed),
        ),
        (
            t("report.param.protection", lang),
            t("report.param.protection_on", lang, max=bundle.threshold - 1)
            if bundle.protected
            else t("report.param.protection_off", lang),
        ),
    ]
    out.append(grid_table([[k, v] for k, v in params], st, [4.5, 12.9], header=0))
    if region.modelled_population:
        out += [Spacer(1, 0.4 * cm), para(modelled_note(bundle, lang), st.warning)]
    return out


def modelled_note(bundle: Bundle, lang: str) -> str:
    """Return the sentence saying that residents are modelled from buildings, with the manifest's note on the total."""
    return t("groups.modelled", lang, note=bundle.region.population_note or "")


def largest_gaps(bundle: Bundle, n: int = 3) -> list[dict[str, Any]]:
    """Return the `n` largest clear gaps in share beyond the threshold where a group is further than its reference.

    Searched over every analysis, group dimension and non-reference group of the
    bundle's groups table; only gaps that :func:`equimap.analysis.claims.gap_verdict`
    calls ``"clear"`` (the interval excludes zero and the gap is at least
    :data:`~equimap.analysis.claims.MIN_GAP_PP` points) are listed. Each item has
    ``analysis`` (an :class:`Question`), ``group``, ``reference`` (population columns),
    ``share``, ``ref_share``, ``diff_pp``, ``lo_pp``, ``hi_pp``, ``pop_beyond`` and
    ``places``: up to three ``(council name, residents of the group beyond the
    threshold)``, largest first.
    """
    g = bundle.tables["groups"]
    clear = _clear_rows(bundle)
    cand = g[clear & (g["share_beyond_diff_pp"] > 0)]
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


def _clear_rows(bundle: Bundle) -> pd.Series:
    """Return, for each row of the bundle's groups table, whether its share gap is a clear gap (one rule)."""
    g = bundle.tables["groups"]
    verdicts = [
        gap_verdict(d, lo, hi, min_size=MIN_GAP_PP)
        for d, lo, hi in zip(
            g["share_beyond_diff_pp"], g["share_beyond_diff_pp_lo"], g["share_beyond_diff_pp_hi"], strict=True
        )
    ]
    real = (g["dimension"] != "all") & ~g["is_reference"].astype(bool)
    return real & pd.Series([v == "clear" for v in verdicts], index=g.index)


def dimension_lines(bundle: Bundle, lang: str) -> list[str]:
    """Return one sentence per analysis naming, for every group dimension, its clear gaps or "no clear gap"."""
    g = bundle.tables["groups"]
    dims = [d.key for d in bundle.region.groups]
    lines = []
    for a in bundle.analyses:
        found = dimension_verdicts(gap_findings(g[g["analysis"] == a.key], measure="share"), dims)
        parts = []
        for dim in dims:
            name = dimension_name(bundle, dim, lang)
            if found[dim]:
                gaps = ", ".join(
                    f"{group_label(bundle, f['group'], lang)} ({fmt_num(f['diff'], lang, digits=1, sign=True)})"
                    for f in found[dim]
                )
                parts.append(t("claims.dimension_clear", lang, dimension=name, gaps=gaps))
            else:
                parts.append(t("claims.dimension_none", lang, dimension=name))
        lines.append(t("claims.by_dimension", lang, analysis=analysis_title(bundle, a, lang), parts="; ".join(parts)))
    return lines


def _top_places(bundle: Bundle, col: str, n: int = 3) -> list[tuple[str, float]]:
    councils = bundle.tables.get("councils")
    if councils is None or col not in councils.columns:
        return []
    real = councils.drop(index=[OUTSIDE, TOTAL], errors="ignore")
    real = real[real[col].notna() & (real[col] > 0)].sort_values(col, ascending=False, kind="stable").head(n)
    names = council_names(bundle)
    return [(names[i], float(v)) for i, v in real[col].items()]


def summary(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the one-page summary: the overall share beyond each threshold and the three largest gaps."""
    g = bundle.tables["groups"]
    refs = _and_list([group_who(bundle, d.reference, lang) for d in bundle.region.groups], lang)
    out: list[Flowable] = [para(t("report.summary.heading", lang), st.h1)]
    if bundle.region.groups:
        out.append(para(t("report.summary.intro", lang, refs=refs), st.body))
    else:
        out.append(para(t("groups.summary_intro", lang), st.body))
    if bundle.region.modelled_population:
        out.append(para(modelled_note(bundle, lang), st.body))
    for a in bundle.analyses:
        row = g[(g["analysis"] == a.key) & (g["dimension"] == "all")].iloc[0]
        out.append(
            para(
                t(
                    "report.summary.overall",
                    lang,
                    share=fmt_pct(row["share_beyond"], lang, digits=1),
                    count=fmt_num(row["pop_beyond"], lang),
                    **analysis_fill(bundle, a, lang),
                ),
                st.bullet,
            )
        )
    if not bundle.region.groups:  # a total-only region: one sentence instead of every comparison of groups
        out.append(para(t("groups.none", lang, region=region_name(bundle, lang)), st.body))
        out += [Spacer(1, 0.3 * cm), para(t("report.summary.reading", lang), st.small)]
        return out
    names = [dimension_name(bundle, d.key, lang) for d in bundle.region.groups]
    heading = t("claims.dimensions_heading", lang, dimensions=_and_list([n[:1].lower() + n[1:] for n in names], lang))
    out.append(para(heading, st.h2))
    for line in dimension_lines(bundle, lang):
        out.append(Paragraph(escape(line), st.bullet, bulletText="•"))
    out.append(para(t("report.summary.gaps_heading", lang), st.h2))
    gaps = largest_gaps(bundle)
    if not gaps:
        out.append(para(t("claims.no_clear_gap", lang, min=fmt_num(MIN_GAP_PP, lang)), st.body))
    for k, gap in enumerate(gaps, start=1):
        a = gap["analysis"]
        dec = 2 if abs(gap["diff_pp"]) < 1 else 1  # a gap under one point keeps its second decimal
        lines = [
            t(
                "report.summary.gap",
                lang,
                group=group_label(bundle, gap["group"], lang),
                share=fmt_pct(gap["share"], lang, digits=1),
                ref_share=fmt_pct(gap["ref_share"], lang, digits=1),
                ref_who=group_who(bundle, gap["reference"], lang),
                diff=fmt_num(gap["diff_pp"], lang, digits=dec, sign=True),
                lo=fmt_num(gap["lo_pp"], lang, digits=dec, sign=True),
                hi=fmt_num(gap["hi_pp"], lang, digits=dec, sign=True),
                **analysis_fill(bundle, a, lang),
            )
        ]
        if not missing(gap["pop_beyond"]):
            lines.append(
                t(
                    "report.summary.who",
                    lang,
                    count=fmt_num(gap["pop_beyond"], lang),
                    who=group_who(bundle, gap["group"], lang),
                )
            )
        if gap["places"]:
            places = ", ".join(f"{name} ({fmt_num(v, lang)})" for name, v in gap["places"])
            lines.append(t("report.summary.where", lang, places=places))
        elif "councils" in bundle.tables:
            lines.append(t("report.summary.where_none", lang))
        out.append(Paragraph(" ".join(escape(s) for s in lines), st.bullet, bulletText=f"{k}."))
    if 0 < len(gaps) < 3:
        out.append(para(t("claims.fewer_clear_gaps", lang, min=fmt_num(MIN_GAP_PP, lang)), st.body))
    out.append(para(t("claims.rule", lang, min=fmt_num(MIN_GAP_PP, lang)), st.small))
    out += [Spacer(1, 0.3 * cm), para(t("report.summary.reading", lang), st.small)]
    return out


def _and_list(items: list[str], lang: str) -> str:
    """Return `items` joined as a sentence lists them ("a, b and c")."""
    return ", ".join(items[:-1]) + f" {t('and', lang)} " + items[-1] if len(items) > 1 else "".join(items)


# --- maps --------------------------------------------------------------------------------------


def maps(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the maps, two to a page, each with its caption."""
    out: list[Flowable] = [
        para(t("report.maps.heading", lang), st.h1),
        para(t("report.maps.intro", lang), st.small),
    ]
    width = MAP_WIDTH_CM * cm  # two maps and their captions to a page
    height = width * FIGSIZE_IN[1] / FIGSIZE_IN[0]
    for k, (key, fig) in enumerate(report_maps(bundle, lang=lang)):
        img = Image(io.BytesIO(to_png(fig, dpi=170)), width=width, height=height)
        caption = t(f"report.caption.{key.split(':')[0]}", lang)
        out.append(KeepTogether([img, para(caption, st.small)]))
        if k % 2 == 0:
            out.append(Spacer(1, 0.3 * cm))
    return out


# --- methods, sources, protection --------------------------------------------------------------


def methods(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the methods section: the speed profile, the speeds by age, the sensitivity to speeds, the limitations."""
    out: list[Flowable] = [para(t("report.methods.heading", lang), st.h1)]
    out += speed_paragraphs(bundle, st, lang)
    travel = bundle.travel or TravelSettings.from_settings()
    if travel.ferries:
        speed, wait = fmt_num(travel.ferry_speed_kmh, lang), fmt_num(travel.ferry_wait_min, lang, digits=2)
        out.append(para(t("report.methods.ferries", lang, speed=speed, wait=wait), st.body))
    else:
        out.append(para(t("report.methods.ferries_off", lang), st.body))
    if bundle.region.modelled_population:
        out.append(para(modelled_note(bundle, lang), st.body))
    for key in ("population", "indicators", "groups"):
        out.append(para(t(f"report.methods.{key}", lang), st.body))
    for line in preparation_lines(bundle.preparation, bundle.region, lang):
        out.append(para(line, st.body))
    if travel.snap == "edge":
        walk = fmt_num(travel.walk_speed_kmh, lang, digits=1)
        out.append(para(t("report.methods.snap_edge", lang, walk=walk), st.body))
    out.append(para(t("report.methods.bootstrap", lang, n=fmt_num(bundle.n_boot, lang)), st.body))
    for key in ("supply", "degurba"):
        out.append(para(t(f"report.methods.{key}", lang), st.body))
    out.append(para(t("report.methods.limitations", lang), st.h2))
    date = bundle.region.osm_date
    limits = [t("report.methods.limit_osm", lang, date=date) if date else t("report.methods.limit_osm_undated", lang)]
    snap_key = "limit_snap_edge" if travel.snap == "edge" else "limit_snap"
    limits += [t(f"report.methods.{key}", lang) for key in (snap_key, "limit_transport", "limit_councils")]
    for line in limits:
        out.append(Paragraph(escape(line), st.bullet, bulletText="•"))
    return out


def speed_paragraphs(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the paragraphs on the speed profile, the walking speeds by age and the sensitivity to speeds.

    Every number comes from the bundle's ``profile`` and ``sensitivity`` tables (the exports' too).
    """
    items = dict(zip(bundle.tables["profile"]["item"], bundle.tables["profile"]["value"], strict=True))
    p = bundle.profile
    out: list[Flowable] = []
    if p is None:
        return out
    drive = p.drive_speeds(urban=False)
    cls = [c for c in ("residential", "primary") if c in drive]
    urban = p.drive_speeds(urban=True)
    drive_text = ", ".join(f"{c} {fmt_num(urban[c], lang)}/{fmt_num(drive[c], lang)}" for c in cls)
    sig, _, junc = p.delays("drive")
    wsig, wcross, _ = p.delays("walk")
    out.append(
        para(
            t(
                "report.methods.profile",
                lang,
                name=p.name,
                digest=items["speed_profile_digest"],
                description=p.description,
                walk=fmt_num(p.walk_speed_kmh, lang, digits=1),
                bike=fmt_num(p.bike_speed_kmh, lang),
                drive=drive_text,
                factor=fmt_num(p.maxspeed_factor, lang, digits=1),
                drive_delays=f"{fmt_num(sig, lang)} / {fmt_num(junc, lang)}",
                walk_delays=f"{fmt_num(wsig, lang)} / {fmt_num(wcross, lang)}",
            ),
            st.body,
        )
    )
    ages = {k.split(":", 1)[1]: v for k, v in items.items() if k.startswith("walk_speed_kmh:")}
    if ages:
        speeds = ", ".join(
            f"{group_label(bundle, col, lang)} {fmt_num(float(v), lang, digits=2)}" for col, v in ages.items()
        )
        out.append(
            para(
                t("report.methods.age_speeds", lang, speeds=speeds, walk=fmt_num(p.walk_speed_kmh, lang, digits=1)),
                st.body,
            )
        )
    elif any(a.mode == "walk" for a in bundle.analyses):
        out.append(para(t("report.methods.age_speeds_off", lang), st.body))
    sens = bundle.tables["sensitivity"]
    out.append(para(t("report.methods.sensitivity", lang), st.body))
    by_key = {a.key: a for a in bundle.analyses}
    for _, row in sens.iterrows():
        a = by_key[row["analysis"]]
        line = t(
            "report.methods.sensitivity_row",
            lang,
            analysis=analysis_title(bundle, a, lang),
            base=fmt_pct(row["share_beyond"], lang, digits=1),
            low=fmt_pct(row["share_beyond_x80"], lang, digits=1),
            high=fmt_pct(row["share_beyond_x120"], lang, digits=1),
        )
        out.append(Paragraph(escape(line), st.bullet, bulletText="•"))
    return out


def sources(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return the data sources and licences, with the region's credits."""
    out: list[Flowable] = [
        para(t("report.sources.heading", lang), st.h1),
        para(t("report.sources.intro", lang), st.body),
    ]
    for line in attribution_lines(bundle, lang):
        out.append(Paragraph(escape(line), st.bullet, bulletText="•"))
    eurostat = any("eurostat" in line.casefold() for line in bundle.region.attribution)
    for key in ("osm", *(["eurostat"] if eurostat else []), "software"):
        out.append(para(t(f"report.sources.{key}", lang), st.body))
    return out


def protection(bundle: Bundle, st: Styles, lang: str) -> list[Flowable]:
    """Return what small-count protection hid, in which table and why (from `SuppressionResult.notes`)."""
    out: list[Flowable] = [para(t("report.protection.heading", lang), st.h1)]
    if not bundle.protected:
        return [*out, para(t("report.protection.off", lang), st.warning)]
    head = bundle.header(lang)
    out.append(
        para(
            t(
                "report.protection.on",
                lang,
                max=bundle.threshold - 1,
                suppressed=fmt_num(head["suppressed"], lang),
                primary=fmt_num(head["primary"], lang),
                secondary=fmt_num(head["secondary"], lang),
                derived=fmt_num(head["derived"], lang),
            ),
            st.body,
        )
    )
    rows = [[t(f"report.protection.{k}", lang) for k in ("table", "primary", "secondary", "derived")]]
    for name, result in bundle.results.items():
        notes = result.notes()
        rows.append(
            [
                t(f"report.tablename.{name}", lang, default=name),
                fmt_num(notes["primary"], lang),
                fmt_num(notes["secondary"], lang),
                fmt_num(notes["derived"], lang),
            ]
        )
    out += [grid_table(rows, st, [6.0, 3.0, 3.0, 3.0], numeric_from=1), Spacer(1, 0.3 * cm)]
    out.append(
        para(
            t(
                "report.protection.rounding",
                lang,
                groups=fmt_num(GROUP_ROUNDING, lang),
                classes=fmt_num(CLASS_ROUNDING, lang),
            ),
            st.body,
        )
    )
    out.append(para(t("report.protection.limits", lang), st.body))
    return out
