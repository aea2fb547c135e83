"""Map page: services, residents, travel times, gaps, councils, urbanisation, diverse and underserved cells."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from equimap import EquimapError
from equimap.i18n import fmt_num, fmt_pct, t
from equimap.maps.isochrone import isochrone_layer
from ui import data
from ui.errors import shown_as_error
from ui.isoclick import CLICK_OBJECTS, new_click, residents_rows
from ui.labels import category_label, group_label, mode_by, reach_phrase
from ui.mapview import MapData, build_map
from ui.state import Params, params

MAP_HEIGHT_PX = 640


def _summary(p: Params) -> None:
    prep = data.prepared(p.region)
    table = data.group_table(p.region, p.mode, p.category, p.threshold_min, p.dimension, p.n_boot)
    if len(data.services(p.region, p.category)) == 0:
        st.warning(t("map.no_services", p.lang, category=category_label(prep, p.category, p.lang)))
    row = table.iloc[0]
    st.markdown(
        t(
            "map.summary",
            p.lang,
            beyond=fmt_num(row["pop_beyond"], p.lang),
            total=fmt_num(row["pop"], p.lang),
            share=fmt_pct(row["share_beyond"], p.lang),
            threshold=p.threshold_min,
            mode_by=mode_by(p.mode, p.lang),
            reach_from=reach_phrase(prep, p.category, p.lang, form="reach_from"),
        )
    )
    if p.group != prep.region.total_col and p.group in table.index:
        g = table.loc[p.group]
        st.caption(
            t(
                "map.summary_group",
                p.lang,
                group=group_label(prep.region, p.group, p.lang),
                beyond=fmt_num(g["pop_beyond"], p.lang),
                total=fmt_num(g["pop"], p.lang),
                share=fmt_pct(g["share_beyond"], p.lang),
                threshold=p.threshold_min,
            )
        )


def _isochrone_start() -> tuple[float, float] | None:
    """Return the start (lon, lat) of the isochrone: a new click on the map, else the one drawn before."""
    s = st.session_state
    point, s["iso_seen"] = new_click(s.get("map"), s["iso_seen"])
    if point is not None:
        s["iso_point"] = point
    return s["iso_point"]


def _isochrone(p: Params, start: tuple[float, float]) -> tuple[object | None, pd.DataFrame | None]:
    """Return the isochrone's map layer and its residents table, or (None, None) with a warning (e.g. a click at sea)."""
    try:
        area, residents = data.isochrone(p.region, p.mode, p.threshold_min, *start)
    except EquimapError as exc:
        st.warning(t("app.error", p.lang, message=str(exc)))
        return None, None
    name = t("layer.isochrone", p.lang, threshold=p.threshold_min, mode_by=mode_by(p.mode, p.lang))
    return isochrone_layer(area, start, name=name), residents


def _residents_table(p: Params, start: tuple[float, float], residents: pd.DataFrame) -> None:
    region = data.prepared(p.region).region
    st.markdown(
        "**" + t("map.isochrone_title", p.lang, threshold=p.threshold_min, mode_by=mode_by(p.mode, p.lang)) + "**"
    )
    st.caption(
        t(
            "map.isochrone_point",
            p.lang,
            lat=fmt_num(start[1], p.lang, digits=5),
            lon=fmt_num(start[0], p.lang, digits=5),
        )
    )
    rows = residents_rows(residents, region, dimension=p.dimension, lang=p.lang)
    table = pd.DataFrame(rows, columns=[t("map.isochrone_group", p.lang), t("map.isochrone_pop", p.lang)])
    st.table(table.set_index(table.columns[0]))


@st.fragment
def _map(p: Params) -> None:
    """Draw the map; the toggles and an isochrone click rerun only this fragment, and panning never reruns anything."""
    c1, c2 = st.columns(2)
    c1.toggle(t("map.basemap", p.lang), key="basemap", help=t("map.basemap_help", p.lang))
    iso_on = c2.toggle(t("map.isochrone", p.lang), key="map_isochrone", help=t("map.isochrone_help", p.lang))
    start = _isochrone_start() if iso_on else None
    layer, residents = _isochrone(p, start) if start is not None else (None, None)
    prep = data.prepared(p.region)
    units = data.units(p.region)
    # the protected figures of every cell, drawn as their squares clipped to the coast (as in the report)
    cells = data.on_land(p.region, data.cells(p.region, p.mode, p.category, p.threshold_min, p.n_boot))
    map_data = MapData(
        cells=cells,
        councils=data.councils(p.region, p.mode, p.category, p.threshold_min, p.n_boot) if units is not None else None,
        units=units,
        services=data.services(p.region, p.category),
        land=data.land(p.region),
        council_gaps=data.council_gaps(p.region, p.mode, p.category, p.threshold_min, p.group, p.n_boot),
    )
    m = build_map(
        prep,
        map_data,
        lang=p.lang,
        mode=p.mode,
        category=p.category,
        threshold_min=p.threshold_min,
        dimension=p.dimension,
        group=p.group,
        basemap=bool(st.session_state["basemap"]),
        click_to_start=iso_on,
    )
    # the isochrone goes in as a layer added to the drawn map (no new frame, the view stays); in isochrone
    # mode the map sends back its clicks only, so panning and zooming still send nothing
    st_folium(
        m,
        key="map",
        height=MAP_HEIGHT_PX,
        use_container_width=True,
        returned_objects=list(CLICK_OBJECTS) if iso_on else [],
        feature_group_to_add=layer,
    )
    if iso_on and residents is not None:
        _residents_table(p, start, residents)
    elif iso_on:
        st.caption(t("map.isochrone_hint", p.lang))
    view = st.query_params.get("view")  # the map's view, as the map last wrote it into the URL
    st.download_button(
        t("map.png", p.lang),
        data=lambda: data.access_png(p.region, p.mode, p.category, p.threshold_min, p.n_boot, p.lang, view),
        file_name=f"equimap-{p.region}-{p.mode}-{p.category}-{p.threshold_min}min.png",
        mime="image/png",
        key="map_png",
        on_click="ignore",
        help=t("map.png_help", p.lang),
    )


p = params()
prep = data.prepared(p.region, p.lang)
st.title(t("map.title", p.lang, category=category_label(prep, p.category, p.lang)))
with shown_as_error(p.lang):
    _summary(p)
    st.caption(t("map.intro", p.lang))
    _map(p)
st.caption(t("app.footer", p.lang))
