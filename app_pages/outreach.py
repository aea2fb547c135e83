"""Outreach page: peri-urban and rural places ranked for outreach, on a map, with protected downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from equimap.i18n import fmt_num, fmt_pct, t
from ui import data
from ui.errors import shown_as_error
from ui.labels import degurba_labels, group_label, mode_by, people_phrase, reach_phrase
from ui.mapview import build_targets_map
from ui.state import Params, params

MAP_HEIGHT_PX = 520


def _table(p: Params, targets: pd.DataFrame, level: str) -> None:
    L = p.lang  # noqa: N806
    total = data.prepared(p.region).region.total_col
    classes = degurba_labels(L)
    names = data.cell_councils(p.region) if level == "cell" else None
    rows = [
        {
            t("outreach.col_rank", L): int(r["rank"]),
            t("outreach.col_place", L): r["name"] if level == "council" else f"{names.get(pid, '')} · {pid}",
            t("outreach.col_class", L): classes.get(int(r["degurba_l2"]), ""),
            t("outreach.col_residents", L): fmt_num(r[total], L),
            t("outreach.col_beyond", L): fmt_num(r[f"beyond_{total}"], L),
            t("outreach.col_share", L): fmt_pct(r["share_beyond"], L),
            t("outreach.col_excess", L): fmt_num(r["mean_excess_min"], L, digits=1),
            t("outreach.col_score", L): fmt_num(r["score"], L),
        }
        for pid, r in targets.iterrows()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=360)


def _downloads(p: Params, level: str, group: str | None) -> None:
    L = p.lang  # noqa: N806
    st.subheader(t("outreach.download_title", L))
    allowed = (
        data.region_min_count(p.region) == 0
    )  # unprotected files only on an installation that allows them (EQUIMAP_MIN_COUNT=0)
    unprotected = st.checkbox(
        t("outreach.unprotect", L),
        key="outreach_unprotected",
        help=t("outreach.unprotect_help", L)
        if allowed
        else t("report_page.min_count", L, n=data.region_min_count(p.region)),
        disabled=not allowed,
    )
    unprotected = unprotected and allowed
    if unprotected:
        st.warning(t("outreach.unprotected", L))
    else:
        st.caption(t("outreach.protected", L))
    args = (p.region, p.mode, p.category, p.threshold_min, level, p.dimension, group)
    stem = f"equimap_outreach_{p.region}_{p.category}_{p.mode}_{p.threshold_min}min_{level}"
    if unprotected:
        stem += "_UNPROTECTED"
    left, right = st.columns(2)
    for col, suffix, label, mime in (
        (left, ".csv", "outreach.download_csv", "text/csv"),
        (right, ".gpkg", "outreach.download_gpkg", "application/geopackage+sqlite3"),
    ):
        payload = data.targets_file(*args, suffix=suffix, protected=not unprotected, lang=L)
        col.download_button(t(label, L), payload, file_name=stem + suffix, mime=mime, key=f"download{suffix}")


p = params()
prep = data.prepared(p.region, p.lang)
L = p.lang
st.title(t("outreach.title", L))
st.markdown(
    t(
        "outreach.intro",
        L,
        threshold=p.threshold_min,
        mode_by=mode_by(p.mode, L),
        reach_from=reach_phrase(prep, p.category, L, form="reach_from"),
    )
)
with shown_as_error(L):
    levels = ["cell", "council"] if data.units(p.region) is not None else ["cell"]
    if st.session_state.get("outreach_level") not in levels:
        st.session_state["outreach_level"] = levels[0]
    level = st.radio(
        t("outreach.level", L),
        levels,
        key="outreach_level",
        horizontal=True,
        format_func=lambda v: t(f"outreach.level_{v}", L),
    )
    group = None if p.group == prep.region.total_col else p.group
    weighted = t("outreach.score_weighted", L, group=people_phrase(prep.region, group, L)) if group else ""
    st.caption(t("outreach.score_expl", L, weighted=weighted))
    if group is None:
        st.caption(t("outreach.score_all", L))
    else:
        st.caption(t("outreach.score_group", L, group=group_label(prep.region, group, L)))
    targets = data.targets(p.region, p.mode, p.category, p.threshold_min, level, p.dimension, group, p.n_boot)
    if targets.empty:
        st.info(t("outreach.none", L))
    else:
        total = prep.region.total_col
        st.markdown(
            t("outreach.top", L, n=fmt_num(len(targets), L), beyond=fmt_num(targets[f"beyond_{total}"].sum(), L))
        )
        _table(p, targets, level)
        st.subheader(t("outreach.map_title", L))
        m = build_targets_map(
            prep, targets, units=data.units(p.region), land=data.land(p.region), lang=L, dimension=p.dimension
        )
        st_folium(m, key="outreach_map", height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=[])
        _downloads(p, level, group)
