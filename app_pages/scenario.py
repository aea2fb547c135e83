"""Scenario page: add a site by clicking on the map, remove one, and see what changes for each group.

The figures are :class:`equimap.scenario.engine.ScenarioAnalysis`'s protected comparison (the same
as the CLI's ``equimap scenario`` and the scenario exports); the page only keeps the list of changes.
"""

from __future__ import annotations

import json

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from equimap.i18n import fmt_num, fmt_pct, t
from equimap.maps.base import base_map, land_layer
from equimap.scenario.changes import Change, Scenario
from equimap.scenario.engine import ScenarioAnalysis
from ui import data
from ui.errors import shown_as_error
from ui.labels import category_label, group_label, mode_by
from ui.state import Params, params

MAP_HEIGHT_PX = 520
#: Half the side of the box the map opens on, around the middle of the category's sites (degrees).
VIEW_DEG = 0.012


@st.cache_data(show_spinner=False, max_entries=64)
def comparison(region: str, mode: str, category: str, threshold_min: int, changes: tuple) -> pd.DataFrame:
    """Return the protected groups comparison of the changes (today's groups table when there are none)."""
    before = data.analysis(region, mode, category, threshold_min, 0)
    if not changes:
        g = before.groups()
        return g.assign(**{f"{s}_before": g[s] for s in ("mean_min", "pop_beyond", "share_beyond")})
    scenario = Scenario("app", category, tuple(Change(*c) for c in changes))
    return ScenarioAnalysis(before, scenario, n_boot=0).groups()


def _changes() -> tuple:
    return tuple(st.session_state["scenario_changes"])


def _set(changes: tuple) -> None:
    st.session_state["scenario_changes"] = changes


def _map(p: Params) -> None:
    prep = data.prepared(p.region)
    sites = data.services(p.region, p.category)
    removed = {c[1] for c in _changes() if c[0] == "remove"}
    ll = sites.to_crs(4326)
    lon, lat = float(ll.geometry.x.median()), float(ll.geometry.y.median())
    m = base_map((lon - VIEW_DEG, lat - VIEW_DEG, lon + VIEW_DEG, lat + VIEW_DEG), attribution=prep.region.attribution)
    land = data.land(p.region)
    if land is not None:
        land_layer(land).add_to(m)
    for sid, name, pt in zip(ll["service_id"], ll["name"], ll.geometry, strict=True):
        gone = sid in removed
        folium.CircleMarker(
            [pt.y, pt.x],
            radius=5,
            color="#a50f15" if gone else "#08519c",
            fill=True,
            fill_opacity=0.3 if gone else 0.9,
            tooltip=f"{name} ({sid})",
            class_name="eqm-scenario-site",
        ).add_to(m)
    for c in _changes():
        if c[0] == "add":
            folium.CircleMarker(
                [c[3], c[2]], radius=7, color="#000000", fill=True, fill_color="#1a9641", fill_opacity=1,
                class_name="eqm-scenario-added",
            ).add_to(m)  # fmt: skip
    out = st_folium(
        m, key="scenario_map", height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=["last_clicked"]
    )
    click = (out or {}).get("last_clicked")
    if click and click != st.session_state["scenario_last_click"]:
        st.session_state["scenario_last_click"] = click
        _set((*_changes(), ("add", None, round(float(click["lng"]), 6), round(float(click["lat"]), 6))))
        st.rerun()


def _controls(p: Params) -> None:
    sites = data.services(p.region, p.category)
    removed = {c[1] for c in _changes() if c[0] == "remove"}
    left = sites[~sites["service_id"].isin(removed)]
    labels = dict(zip(left["service_id"], left["name"].astype(str) + " (" + left["service_id"] + ")", strict=True))
    c1, c2, c3, c4 = st.columns([3, 1.2, 1.2, 1.2])
    sid = c1.selectbox(t("scenario.remove_label", p.lang), list(labels), format_func=labels.get, key="scenario_remove")
    if c2.button(t("scenario.remove_button", p.lang), key="scenario_remove_button") and sid:
        _set((*_changes(), ("remove", sid, None, None)))
        st.rerun()
    if c3.button(t("scenario.undo", p.lang), key="scenario_undo", disabled=not _changes()):
        _set(_changes()[:-1])
        st.rerun()
    if c4.button(t("scenario.clear", p.lang), key="scenario_clear", disabled=not _changes()):
        _set(())
        st.rerun()


def _table(p: Params) -> None:
    prep = data.prepared(p.region)
    g = comparison(p.region, p.mode, p.category, p.threshold_min, _changes())
    changes = _changes()
    if changes:
        kinds = [c[0] for c in changes]
        st.markdown(
            t("scenario.n_changes", p.lang, n=len(changes), added=kinds.count("add"), removed=kinds.count("remove"))
        )
        where = [f"{c[0]} {c[1]}" if c[0] == "remove" else f"{c[0]} {c[2]:.6f},{c[3]:.6f}" for c in changes]
        st.caption(" · ".join(where))
    else:
        st.markdown(t("scenario.no_changes", p.lang))
    rows = {}
    for col, r in g.iterrows():
        row = {
            t("scenario.col_share_before", p.lang): fmt_pct(r["share_beyond_before"], p.lang, digits=1),
            t("scenario.col_beyond_before", p.lang): fmt_num(r["pop_beyond_before"], p.lang),
            t("scenario.col_mean_before", p.lang): fmt_num(r["mean_min_before"], p.lang, digits=2),
        }
        if changes:
            row |= {
                t("scenario.col_share_after", p.lang): fmt_pct(r["share_beyond_after"], p.lang, digits=1),
                t("scenario.col_beyond_after", p.lang): fmt_num(r["pop_beyond_after"], p.lang),
                t("scenario.col_mean_after", p.lang): fmt_num(r["mean_min_after"], p.lang, digits=2),
            }
        rows[group_label(prep.region, col, p.lang)] = row
    st.table(pd.DataFrame.from_dict(rows, orient="index").rename_axis(t("scenario.col_label", p.lang)))
    if changes:
        scenario = Scenario("app", p.category, tuple(Change(*c) for c in changes))
        st.download_button(
            t("scenario.download", p.lang),
            json.dumps(scenario.to_geojson(), indent=1, ensure_ascii=False).encode(),
            file_name="scenario.geojson",
            mime="application/geo+json",
            key="scenario_download",
        )


p = params()
prep = data.prepared(p.region, p.lang)
st.title(t("scenario.page_title", p.lang, category=category_label(prep, p.category, p.lang)))
if p.category not in prep.category_keys():
    st.info(t("scenario.custom_list", p.lang))
else:
    st.caption(t("scenario.page_intro", p.lang, threshold=p.threshold_min, mode_by=mode_by(p.mode, p.lang)))
    with shown_as_error(p.lang):
        _map(p)
        _controls(p)
        _table(p)
st.caption(t("app.footer", p.lang))
