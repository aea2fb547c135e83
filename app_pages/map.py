"""Map page: services, residents, travel times, gaps, councils, urbanisation, diverse and underserved cells."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from equimap.i18n import fmt_num, fmt_pct, t
from ui import data
from ui.errors import shown_as_error
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


@st.fragment
def _map(p: Params) -> None:
    """Draw the map; the basemap toggle reruns only this fragment, and the map itself never reruns the page."""
    st.toggle(t("map.basemap", p.lang), key="basemap", help=t("map.basemap_help", p.lang))
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
    )
    st_folium(m, key="map", height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=[])
    st.download_button(
        t("map.png", p.lang),
        data=lambda: data.access_png(p.region, p.mode, p.category, p.threshold_min, p.n_boot, p.lang),
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
