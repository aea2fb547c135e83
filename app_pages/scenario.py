"""Scenario page: add a site by clicking on the map, remove one, and see what changes for each group.

The figures are :class:`equimap.scenario.engine.ScenarioAnalysis`'s protected comparison (the same
as the CLI's ``equimap scenario`` and the scenario exports); the page only keeps the list of changes.
"""

from __future__ import annotations

import hashlib
import json

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from equimap.i18n import fmt_num, fmt_pct, t
from equimap.maps.base import base_map, land_layer
from equimap.scenario.changes import Change, Scenario
from equimap.scenario.engine import ScenarioAnalysis
from ui import data, upload
from ui import scenario_data as sd
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
    return ScenarioAnalysis(before, Scenario("app", category, tuple(Change(*c) for c in changes)), n_boot=0).groups()


def _changes() -> tuple:
    return tuple(st.session_state["scenario_changes"])


def _set(changes: tuple) -> None:
    st.session_state["scenario_changes"] = changes


def _map(p: Params) -> None:
    prep = data.prepared(p.region)
    sites = data.services(p.region, p.category)
    removed = {c[1] for c in _changes() if c[0] in ("remove", "move")}
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
        if c[0] in ("add", "move"):
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
        where = (round(float(click["lng"]), 6), round(float(click["lat"]), 6))
        moving = st.session_state["scenario_moving"]
        st.session_state["scenario_moving"] = None
        _set((*_changes(), ("move", moving, *where) if moving else ("add", None, *where)))
        st.rerun()


def _controls(p: Params) -> None:
    sites = data.services(p.region, p.category)
    removed = {c[1] for c in _changes() if c[0] in ("remove", "move")}
    left = sites[~sites["service_id"].isin(removed)]
    labels = dict(zip(left["service_id"], left["name"].astype(str) + " (" + left["service_id"] + ")", strict=True))
    c1, c2, c3, c4 = st.columns([3, 1.2, 1.2, 1.2])
    sid = c1.selectbox(t("scenario.remove_label", p.lang), list(labels), format_func=labels.get, key="scenario_remove")
    if c2.button(t("scenario.remove_button", p.lang), key="scenario_remove_button") and sid:
        _set((*_changes(), ("remove", sid, None, None)))
        st.rerun()
    m1, m2 = st.columns([3, 3.6])
    mid = m1.selectbox(t("scenario.move_label", p.lang), list(labels), format_func=labels.get, key="scenario_move")
    if m2.button(t("scenario.move_button", p.lang), key="scenario_move_button") and mid:
        st.session_state["scenario_moving"] = mid
    if st.session_state["scenario_moving"]:
        st.info(t("scenario.move_hint", p.lang, site=labels.get(st.session_state["scenario_moving"], "")))
    if c3.button(t("scenario.undo", p.lang), key="scenario_undo", disabled=not _changes()):
        _set(_changes()[:-1])
        st.rerun()
    if c4.button(t("scenario.clear", p.lang), key="scenario_clear", disabled=not _changes()):
        _set(())
        st.session_state["scenario_moving"] = None
        st.rerun()


def _table(p: Params) -> None:
    prep = data.prepared(p.region)
    g = comparison(p.region, p.mode, p.category, p.threshold_min, _changes())
    changes = _changes()
    if changes:
        kinds = [c[0] for c in changes]
        st.markdown(
            t(
                "scenario.n_changes_moved",
                p.lang,
                n=len(changes),
                added=kinds.count("add"),
                removed=kinds.count("remove"),
                moved=kinds.count("move"),
            )
        )
        where = [
            f"{c[0]} {c[1]}"
            if c[0] == "remove"
            else f"{c[0]} {c[2]:.6f},{c[3]:.6f}"
            if c[0] == "add"
            else f"{c[0]} {c[1]} → {c[2]:.6f},{c[3]:.6f}"
            for c in changes
        ]
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


def _upload(p: Params) -> None:
    """Upload a scenario file or a list of sites (with its column mapping) and add its changes."""
    st.subheader(t("scenario.upload_heading", p.lang))
    f = st.file_uploader(
        t("scenario.upload_label", p.lang), type=[x.lstrip(".") for x in upload.FORMATS], key="scenario_upload"
    )
    if f is None:
        return
    raw = f.getvalue()
    bad = upload.check_upload(f.name, len(raw))
    if bad:
        st.error(t(bad[0], p.lang, limit_mb=upload.MAX_UPLOAD_MB, **bad[1]))
        return
    digest = hashlib.sha256(raw).hexdigest()
    opts: dict[str, str] = {}
    if not sd.is_scenario_file(f.name, raw):
        csv = f.name.lower().endswith(".csv")
        cols, numeric = (sd.csv_columns(raw, file_name=f.name), ()) if csv else upload.file_columns(digest, f.name, raw)
        none = [""]
        label = {"": t("scenario.upload_none", p.lang)}.get
        c1, c2, c3, c4 = st.columns(4)
        opts["name_col"] = c1.selectbox(
            t("scenario.upload_name", p.lang),
            none + list(cols),
            format_func=lambda c: label(c, c),
            key="scenario_up_name",
        )
        opts["capacity_col"] = c2.selectbox(
            t("scenario.upload_capacity", p.lang),
            none + list(numeric or cols),
            format_func=lambda c: label(c, c),
            key="scenario_up_capacity",
        )
        if csv:
            guess = [c for c in cols if c.lower() in ("lon", "longitude", "lng", "x")] + list(cols)
            opts["lon_col"] = c3.selectbox(
                t("scenario.upload_lon", p.lang), list(cols), index=cols.index(guess[0]), key="scenario_up_lon"
            )
            guess = [c for c in cols if c.lower() in ("lat", "latitude", "y")] + list(cols)
            opts["lat_col"] = c4.selectbox(
                t("scenario.upload_lat", p.lang), list(cols), index=cols.index(guess[0]), key="scenario_up_lat"
            )
    b1, b2 = st.columns(2)
    replace = b1.button(t("scenario.upload_replace", p.lang), key="scenario_upload_replace")
    extend = b2.button(t("scenario.upload_extend", p.lang), key="scenario_upload_extend")
    if replace or extend:
        _, changes = sd.uploaded_changes(digest, f.name, region=p.region, category=p.category, _raw=raw, **opts)
        _set(changes if replace else (*_changes(), *changes))
        st.rerun()


def _suggest(p: Params) -> None:
    """Suggest K new sites (coverage) and make them the page's changes."""
    prep = data.prepared(p.region)
    st.subheader(t("scenario.suggest_heading", p.lang))
    c1, c2, c3 = st.columns([1.2, 3, 2])
    k = c1.number_input(t("scenario.suggest_k", p.lang), 1, sd.MAX_NEW_SITES, 3, key="scenario_k")
    groups = [None, *prep.region.group_columns]
    group = c2.selectbox(
        t("scenario.suggest_group", p.lang),
        groups,
        format_func=lambda g: t("scenario.suggest_all", p.lang) if g is None else group_label(prep.region, g, p.lang),
        key="scenario_suggest_group",
    )
    if c3.button(t("scenario.suggest_button", p.lang), key="scenario_suggest_button"):
        with st.spinner(t("scenario.suggest_wait", p.lang)):
            _set(sd.suggestion(p.region, p.mode, p.category, p.threshold_min, int(k), group))
        st.rerun()


def _keep(p: Params) -> None:
    """Keep the current changes under a name; show the kept scenarios side by side with today's figures."""
    prep = data.prepared(p.region)
    kept = st.session_state["scenario_kept"]
    st.subheader(t("scenario.compare_heading", p.lang))
    c1, c2, c3 = st.columns([3, 2, 2])
    name = c1.text_input(
        t("scenario.keep_name", p.lang),
        value=f"{t('scenario.heading', p.lang)} {len(kept) + 1}",
        key="scenario_keep_name",
    )
    full = len(kept) >= sd.MAX_KEPT
    if c2.button(t("scenario.keep_button", p.lang), key="scenario_keep_button", disabled=not _changes() or full):
        name = name.strip() or f"{t('scenario.heading', p.lang)} {len(kept) + 1}"
        if name in {n for n, _ in kept}:
            st.error(t("scenario.keep_twice", p.lang, name=name))
        else:
            st.session_state["scenario_kept"] = (*kept, (name, _changes()))
            st.rerun()
    if c3.button(t("scenario.keep_clear", p.lang), key="scenario_keep_clear", disabled=not kept):
        st.session_state["scenario_kept"] = ()
        st.rerun()
    if full:
        st.caption(t("scenario.keep_full", p.lang, n=sd.MAX_KEPT))
    if not kept:
        st.caption(t("scenario.keep_none", p.lang))
        return
    g = sd.compared(p.region, p.mode, p.category, p.threshold_min, kept)
    rows = {}
    for col, r in g.iterrows():
        row = {
            t("scenario.col_share_before", p.lang): fmt_pct(r["share_beyond_before"], p.lang, digits=1),
            t("scenario.col_beyond_before", p.lang): fmt_num(r["pop_beyond_before"], p.lang),
        }
        for n, _ in kept:
            row[f"{n}: {t('scenario.col_share_after', p.lang)}"] = fmt_pct(
                r[f"{n}: share_beyond_after"], p.lang, digits=1
            )
            row[f"{n}: {t('scenario.col_beyond_after', p.lang)}"] = fmt_num(r[f"{n}: pop_beyond_after"], p.lang)
        rows[group_label(prep.region, col, p.lang)] = row
    st.table(pd.DataFrame.from_dict(rows, orient="index").rename_axis(t("scenario.col_label", p.lang)))


def _export(p: Params) -> None:
    """Offer the kept scenarios (or the current one) as PDF, XLSX and GeoPackage files."""
    kept = st.session_state["scenario_kept"] or ((t("scenario.heading", p.lang), _changes()),)
    if not kept[0][1]:
        return
    st.subheader(t("scenario.export_heading", p.lang, n=len(kept)))
    if not st.button(t("scenario.export_prepare", p.lang), key="scenario_export"):
        return
    cols = st.columns(3)
    mimes = {
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "gpkg": "application/geopackage+sqlite3",
    }
    for col, (fmt, mime) in zip(cols, mimes.items(), strict=True):
        col.download_button(
            t(f"report_page.format_{fmt}", p.lang),
            sd.export(p.region, p.mode, p.category, p.threshold_min, kept, fmt, p.lang),
            file_name=f"scenario.{fmt}",
            mime=mime,
            key=f"scenario_export_{fmt}",
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
        _upload(p)
        _suggest(p)
        _keep(p)
        _export(p)
st.caption(t("app.footer", p.lang))
