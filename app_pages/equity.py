"""Equity page: travel times by group, cumulative curves, gaps with intervals, capacity, inequality, diverse places."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from equimap.analysis.claims import (
    MIN_GAP_MIN,
    MIN_GAP_PP,
    UNDERSERVED_MIN_SHARE,
    dimension_verdicts,
    gap_findings,
    gap_verdict,
)
from equimap.i18n import fmt_interval, fmt_num, fmt_pct, t
from equimap.indicators.gaps import gap_sentence
from ui import data, upload
from ui.errors import shown_as_error
from ui.labels import (
    capitalise,
    category_label,
    dimension_label,
    group_label,
    mode_by,
    people_phrase,
    reach_phrase,
    region_name,
)
from ui.state import Params, params


def _table_by_group(p: Params) -> None:
    prep = data.prepared(p.region)
    table = data.group_table(p.region, p.mode, p.category, p.threshold_min, p.dimension, p.n_boot)
    L = p.lang  # noqa: N806
    rows = [
        {
            t("equity.col_group", L): group_label(prep.region, g, L),
            t("equity.col_pop", L): fmt_num(r["pop"], L),
            t("equity.col_mean", L): fmt_num(r["mean_min"], L, digits=1),
            t("equity.col_median", L): fmt_num(r["median_min"], L, digits=1),
            t("equity.col_p90", L): fmt_num(r["p90_min"], L, digits=1),
            t("equity.col_beyond", L): fmt_num(r["pop_beyond"], L),
            t("equity.col_share_beyond", L): fmt_pct(r["share_beyond"], L, digits=1),
        }
        for g, r in table.iterrows()
    ]
    st.subheader(t("equity.table_title", L))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t("equity.table_expl", L))


def _curves(p: Params) -> None:
    prep = data.prepared(p.region)
    L = p.lang  # noqa: N806
    max_min = max(60, 2 * p.threshold_min)
    curves = data.curves(p.region, p.mode, p.category, p.dimension, max_min)
    long = curves.reset_index().melt(id_vars="minute", var_name="group", value_name="share")
    long["label"] = [group_label(prep.region, g, L) for g in long["group"]]
    x_title = t("equity.curves_x", L, mode_by=mode_by(p.mode, L))
    y_title = t("equity.curves_y", L)
    lines = (
        alt.Chart(long)
        .mark_line(interpolate="step-after", strokeWidth=2.5)
        .encode(
            x=alt.X("minute:Q", title=x_title, scale=alt.Scale(domain=[0, max_min])),
            y=alt.Y("share:Q", title=y_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("label:N", title=t("equity.col_group", L), sort=list(dict.fromkeys(long["label"]))),
            tooltip=[
                alt.Tooltip("label:N", title=t("equity.col_group", L)),
                alt.Tooltip("minute:Q", title=x_title),
                alt.Tooltip("share:Q", title=y_title, format=".1%"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"minute": [p.threshold_min]}))
        .mark_rule(strokeDash=[5, 4], color="#555")
        .encode(x="minute:Q")
    )
    st.subheader(t("equity.curves_title", L))
    st.altair_chart((lines + rule).properties(height=360), width="stretch")
    st.caption(t("equity.curves_expl", L, reach=reach_phrase(prep, p.category, L)))


def _sentences(p: Params, gaps: pd.DataFrame) -> None:
    prep = data.prepared(p.region)
    L = p.lang  # noqa: N806
    dim = prep.region.group(p.dimension)
    reference = people_phrase(prep.region, dim.reference, L)
    reach, by = reach_phrase(prep, p.category, L), mode_by(p.mode, L)
    st.subheader(t("equity.sentences_title", L))
    lines = []
    for g, row in gaps.iterrows():
        if g == dim.reference:
            continue
        v = gap_sentence(
            _sentence_row(row),
            reference_label=reference,
            category_label=category_label(prep, p.category, L),
            mode_label=by,
        )
        group = people_phrase(prep.region, g, L)
        fields = {
            "group": group,
            "reference": reference,
            "reach": reach,
            "mode_by": by,
            "diff": fmt_num(v["mean_diff_abs_min"], L, digits=1),
            "mean": fmt_num(v["mean_time_min"], L, digits=1),
            "ref_mean": fmt_num(v["ref_mean_time_min"], L, digits=1),
        }
        text = capitalise(t(f"equity.gap_{v['direction']}", L, **fields))
        if v["ci_excludes_zero"] is not None:
            verdict = gap_verdict(
                v["mean_diff_min"], v["mean_diff_lo_min"], v["mean_diff_hi_min"], min_size=MIN_GAP_MIN
            )
            text += " " + t(
                f"claims.ci_{verdict}",
                L,
                lo=fmt_num(v["mean_diff_lo_min"], L, digits=1),
                hi=fmt_num(v["mean_diff_hi_min"], L, digits=1),
                min=fmt_num(MIN_GAP_MIN, L),
            )
        share = t(
            "equity.beyond_sentence",
            L,
            share=fmt_pct(v["share_beyond_pct"] / 100, L, digits=1),
            group=group,
            threshold=p.threshold_min,
            mode_by=by,
            reach_from=reach_phrase(prep, p.category, L, form="reach_from"),
            ref_share=fmt_pct(v["ref_share_beyond_pct"] / 100, L, digits=1),
            reference=reference,
        )
        lines.append(f"- {text} {capitalise(share)}")
    st.markdown("\n".join(lines))


def _summary(p: Params) -> None:
    """Show, for every group dimension, its clear gaps in share beyond the threshold or "no clear gap" (the PDF's rule)."""
    prep = data.prepared(p.region)
    L = p.lang  # noqa: N806
    groups = data.analysis(p.region, p.mode, p.category, p.threshold_min, p.n_boot).groups()
    dims = [d.key for d in prep.region.groups]
    found = dimension_verdicts(gap_findings(groups, measure="share"), dims)
    st.subheader(t("claims.summary_title", L))
    lines = []
    for dim in dims:
        name = dimension_label(prep.region, dim, L)
        if found[dim]:
            gaps = ", ".join(
                f"{group_label(prep.region, f['group'], L)} ({fmt_num(f['diff'], L, digits=1, sign=True)})"
                for f in found[dim]
            )
            lines.append("- " + t("claims.dimension_clear", L, dimension=name, gaps=gaps))
        else:
            lines.append("- " + t("claims.dimension_none", L, dimension=name))
    st.markdown("\n".join(lines))
    st.caption(t("claims.summary_expl", L, min=fmt_num(MIN_GAP_PP, L)))


def _sentence_row(row: pd.Series) -> pd.Series:
    """Return a row of `Analysis.gaps` (minutes) in the seconds `gap_sentence` reads."""
    sec = {
        "threshold_s": row["threshold_min"],
        "mean_time_s": row["mean_min"],
        "mean_diff_s": row["mean_diff_min"],
        "mean_diff_s_lo": row["mean_diff_min_lo"],
        "mean_diff_s_hi": row["mean_diff_min_hi"],
        "median_diff_s": row["median_diff_min"],
    }
    same = ("label", "pop", "share_beyond", "share_beyond_diff_pp", "representation_ratio")
    values = {k: 60.0 * float(v) for k, v in sec.items()} | {k: row[k] for k in same}
    return pd.Series(values, name=row.name)


def _gaps(p: Params, gaps: pd.DataFrame) -> None:
    prep = data.prepared(p.region)
    L = p.lang  # noqa: N806
    dim = prep.region.group(p.dimension)

    def interval(lo: float, hi: float, digits: int = 1, scale: float = 1.0) -> str:
        return fmt_interval(lo * scale, hi * scale, L, digits=digits)

    rows = []
    for g, r in gaps.iterrows():
        rows.append(
            {
                t("equity.col_group", L): group_label(prep.region, g, L),
                t("equity.col_mean", L): fmt_num(r["mean_min"], L, digits=1),
                t("equity.col_mean_diff", L): fmt_num(r["mean_diff_min"], L, digits=2),
                t("equity.col_ci", L): interval(r["mean_diff_min_lo"], r["mean_diff_min_hi"], 2),
                t("equity.col_share_diff", L): fmt_num(r["share_beyond_diff_pp"], L, digits=1)
                + " "
                + interval(r["share_beyond_diff_pp_lo"], r["share_beyond_diff_pp_hi"]),
                t("equity.col_ratio", L): fmt_num(r["representation_ratio"], L, digits=2)
                + " "
                + interval(r["representation_ratio_lo"], r["representation_ratio_hi"], 2),
            }
        )
    st.subheader(t("equity.gaps_title", L))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    reference = people_phrase(prep.region, dim.reference, L)
    st.caption(t("equity.gaps_expl", L, reference=reference, n_boot=fmt_num(p.n_boot, L)))
    st.caption(t("equity.ratio_expl", L))


def _supply(p: Params) -> None:
    prep = data.prepared(p.region)
    L = p.lang  # noqa: N806
    column = upload.capacity_column(p.category)  # the uploaded list's capacity, if it has one
    k = "upload" if column else "equity"  # the texts of the section
    st.subheader(t(f"{k}.supply_title", L))
    table = data.supply(p.region, p.mode, p.threshold_min, p.dimension, category=p.category)
    if table is None:
        st.info(t("equity.supply_none", L))
        return
    dim = prep.region.group(p.dimension)
    reference = people_phrase(prep.region, dim.reference, L)
    rows = [
        {
            t("equity.col_group", L): group_label(prep.region, g, L),
            t(f"{k}.col_beds", L): fmt_num(r["per_1000"], L, digits=2),
            t("equity.col_ratio_ref", L, reference=reference): fmt_num(r["ratio_to_reference"], L, digits=2),
        }
        for g, r in table.iterrows()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t(f"{k}.supply_expl", L, threshold=p.threshold_min, mode_by=mode_by(p.mode, L), column=column))
    lines = [
        "- "
        + capitalise(
            t(
                f"{k}.supply_sentence",
                L,
                group=people_phrase(prep.region, g, L),
                beds=fmt_num(r["per_1000"], L, digits=2),
                ratio=fmt_num(r["ratio_to_reference"], L, digits=2),
                reference=reference,
            )
        )
        for g, r in table.iterrows()
        if g != dim.reference
    ]
    st.markdown("\n".join(lines))


def _inequality(p: Params) -> None:
    prep = data.prepared(p.region)
    L = p.lang  # noqa: N806
    table = data.inequality(p.region, p.mode, p.category)
    names = {
        "gini": "gini",
        "theil_t": "theil_t",
        "theil_between": "theil_between",
        "theil_within": "theil_within",
        "concentration_foreign_born": "concentration",
    }
    rows = []
    for _, r in table.iterrows():
        if r["grouping"] and r["index"] in ("theil_between", "theil_within") and r["grouping"] != p.dimension:
            continue
        key = names.get(r["index"], r["index"])
        dim = (
            dimension_label(prep.region, r["grouping"], L)
            if r["grouping"] in [d.key for d in prep.region.groups]
            else ""
        )
        rows.append(
            {
                t("equity.col_index", L): t(f"equity.{key}", L, dimension=dim),
                t("equity.col_value", L): fmt_num(r["value"], L, digits=4),
                t("equity.col_meaning", L): t(f"equity.{key}_expl", L),
            }
        )
    st.subheader(t("equity.inequality_title", L))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t("equity.inequality_expl", L, reach_to=reach_phrase(prep, p.category, L, form="reach_to")))


def _diverse(p: Params) -> None:
    prep = data.prepared(p.region)
    L = p.lang  # noqa: N806
    cells = data.cells(p.region, p.mode, p.category, p.threshold_min, p.n_boot)
    flagged = cells[cells["diverse_underserved"]].sort_values(prep.region.total_col, ascending=False)
    st.subheader(t("equity.diverse_title", L))
    st.caption(
        t(
            "equity.diverse_expl",
            L,
            n=fmt_num(len(flagged), L),
            pop=fmt_num(flagged[prep.region.total_col].sum(), L),
            min_share=fmt_pct(UNDERSERVED_MIN_SHARE, L),
        )
    )
    st.caption(t("claims.diverse_rule", L, min_share=fmt_pct(UNDERSERVED_MIN_SHARE, L)))
    if flagged.empty:
        return
    names = data.cell_councils(p.region)
    rows = [
        {
            t("equity.col_cell", L): cid,
            t("equity.col_council", L): names[cid],
            t("equity.col_pop", L): fmt_num(r[prep.region.total_col], L),
            t("equity.col_diversity", L): fmt_num(r["simpson"], L, digits=2),
            t("equity.col_foreign", L): fmt_pct(r.get("foreign_share"), L),
            t("equity.col_time", L): fmt_num(r["time_nearest_min"], L, digits=1),
        }
        for cid, r in flagged.iterrows()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


p = params()
prep = data.prepared(p.region, p.lang)
st.title(t("equity.title", p.lang))
if p.dimension is None:  # a region without groups: its figures for all residents, and one sentence for the rest
    st.markdown(t("groups.none", p.lang, region=region_name(prep.region, p.lang)))
    with shown_as_error(p.lang):
        _table_by_group(p)
        _curves(p)
        _inequality(p)
else:
    st.markdown(
        t(
            "equity.intro",
            p.lang,
            category=category_label(prep, p.category, p.lang),
            mode_by=mode_by(p.mode, p.lang),
            threshold=p.threshold_min,
            dimension=dimension_label(prep.region, p.dimension, p.lang).lower(),
        )
    )
    with shown_as_error(p.lang):
        gaps = data.gaps(p.region, p.mode, p.category, p.dimension, p.threshold_min, p.n_boot)
        _table_by_group(p)
        _curves(p)
        _summary(p)
        _sentences(p, gaps)
        _gaps(p, gaps)
        _supply(p)
        _inequality(p)
        if "diverse_underserved" in data.cells(p.region, p.mode, p.category, p.threshold_min, p.n_boot).columns:
            _diverse(p)
