"""Outreach page: peri-urban and rural places ranked for outreach teams, on a map, with protected downloads."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _data, _ui
from geo.i18n import number, percent
from geo.outreach_export import write_targets
from layers import palettes as pal
from layers.basemap import offline_map
from layers.cells import choropleth
from layers.legend import Legend, LegendSection

p = _ui.params()
tr = _ui.tr
st.title(tr("outreach.title"))

with _ui.guard():
    prep = _ui.prepared(p.region)
st.caption(
    tr(
        "map.caption",
        category=_ui.category_label(prep, p.category),
        mode=_ui.mode_label(p.mode),
        threshold=p.threshold_min,
    )
)
st.markdown(tr("outreach.intro"))

dim = prep.region.group("birth") if any(d.key == "birth" for d in prep.region.groups) else prep.region.groups[0]
c1, c2 = st.columns(2)
level = c1.radio(
    tr("outreach.level"),
    ["cell", "council"],
    format_func=lambda k: tr(f"outreach.level_{k}"),
    horizontal=True,
    key="outreach_level",
)
group = c2.selectbox(
    tr("outreach.group"), [None, *dim.columns], format_func=lambda c: tr("outreach.no_group") if c is None else _ui.group_label(prep, c), key="outreach_group"
)  # fmt: skip

with _ui.guard():
    t = _data.targets(p.region, p.mode, p.category, p.threshold_min, level, group)

total = prep.region.total_col
if t.empty:
    st.info(tr("outreach.none", threshold=p.threshold_min))
    st.stop()

table = pd.DataFrame(
    {
        tr("col.rank"): t["rank"].to_numpy(),
        tr("col.place"): t["name"].to_numpy() if "name" in t else t.index.to_numpy(),
        tr("col.class"): [tr(f"degurba.l2.{c}", default=str(c)) for c in t["degurba_l2"]] if "degurba_l2" in t else "",
        tr("col.residents"): [number(v, p.lang) for v in t[total]],
        tr("col.beyond", threshold=p.threshold_min): [number(v, p.lang) for v in t[f"beyond_{total}"]],
        **{
            tr("col.among_unserved", group=_ui.group_label(prep, c)): [
                percent(v, p.lang) for v in t[f"beyond_share_{c}"]
            ]
            for c in dim.columns
            if f"beyond_share_{c}" in t
        },
        tr("col.excess_min"): [number(v, p.lang, decimals=1) for v in t["mean_excess_min"]],
        tr("col.score"): [number(v, p.lang) for v in t["score"]],
    }
)
st.dataframe(table, hide_index=True, width="stretch", height=360)
st.caption(tr("explain.score"))

top = t.head(20)
colours = [pal.GAP_COLOURS[4 - min(4, k // 4)] for k in range(len(top))]
popup = {
    tr("col.rank"): [str(r) for r in top["rank"]],
    tr("col.place"): [str(n) for n in (top.get("name", top.index))],
    tr("col.beyond", threshold=p.threshold_min): [number(v, p.lang) for v in top[f"beyond_{total}"]],
    tr("col.score"): [number(v, p.lang) for v in top["score"]],
}
m = offline_map(t.to_crs("EPSG:4326").total_bounds, attribution=prep.region.attribution, basemap=p.basemap)
choropleth(top, name=tr("layer.targets"), colours=colours, popup=popup, opacity=0.8).add_to(m)
Legend(
    [
        LegendSection(
            tr("layer.targets"), ((pal.GAP_COLOURS[4], tr("legend.top", n=4)), (pal.GAP_COLOURS[0], tr("legend.later")))
        )
    ]
).add_to(m)
folium.LayerControl(collapsed=False).add_to(m)
st_folium(m, height=480, use_container_width=True, returned_objects=[], key="outreach_map")

st.subheader(tr("download.title"))
off = st.checkbox(tr("download.protection_off"), key="protection_off", help=tr("download.protection_help"))
threshold = 0 if off else 10
if off:
    st.warning(tr("download.off_warning"))
else:
    st.caption(tr("download.protected", threshold=threshold))
folder = _ui.temp_dir()
stem = f"outreach_{p.region}_{p.mode}_{p.category}_{p.threshold_min}min_{level}"
d1, d2 = st.columns(2)
with _ui.guard():
    csv = write_targets(
        t, folder / f"{stem}.csv", threshold=threshold, total_col=total, lang=p.lang if p.lang in ("en", "fr") else "en"
    )
    gpkg = write_targets(
        t,
        folder / f"{stem}.gpkg",
        threshold=threshold,
        total_col=total,
        lang=p.lang if p.lang in ("en", "fr") else "en",
    )
with d1:
    _ui.download_file(tr("download.csv"), csv, mime="text/csv", key="dl_csv")
with d2:
    _ui.download_file(tr("download.gpkg"), gpkg, mime="application/geopackage+sqlite3", key="dl_gpkg")
