"""Map page: services, residents, access, gaps, urbanisation and councils, each a layer to switch."""

from __future__ import annotations

import folium
import numpy as np
import streamlit as st
from streamlit_folium import st_folium

from app_pages import _data, _ui
from geo.i18n import number, percent
from layers import palettes as pal
from layers.basemap import offline_map
from layers.boundaries import boundary_layer
from layers.cells import choropleth
from layers.legend import Legend, LegendSection
from layers.services import service_layer

p = _ui.params()
tr = _ui.tr
st.title(tr("map.title"))

with _ui.guard():
    prep = _ui.prepared(p.region)
    upload = _ui.uploaded_services(prep)
    if upload is None:
        cells = _data.cells(p.region, p.mode, p.category, p.threshold_min)
        units = _data.units(p.region, p.mode, p.category, p.threshold_min)
        svc = _data.services(p.region, p.category)
    else:
        cells = _data.cells(p.region, p.mode, "upload", p.threshold_min, upload[0], upload[1])
        units = _data.units(p.region, p.mode, "upload", p.threshold_min, upload[0], upload[1])
        svc = upload[1]

cat_label = tr("category.upload") if upload else _ui.category_label(prep, p.category)
st.caption(tr("map.caption", category=cat_label, mode=_ui.mode_label(p.mode), threshold=p.threshold_min))
dim = prep.region.group(p.dimension)
total = prep.region.total_col


def popup_rows(t) -> dict[str, list[str]]:
    """Return the popup of each place: residents by group, times, residents beyond the threshold."""
    rows = {tr("popup.residents"): [number(v, p.lang) for v in t[total]]}
    for col in dim.columns:
        rows[_ui.group_label(prep, col)] = [number(v, p.lang) for v in t[col]]
    rows[tr("popup.time_nearest")] = [f"{number(v, p.lang, decimals=1)} min" for v in t["time_nearest_min"]]
    rows[tr("popup.time_mean3")] = [f"{number(v, p.lang, decimals=1)} min" for v in t["time_mean3_min"]]
    rows[tr("popup.beyond", threshold=p.threshold_min)] = [
        f"{number(b, p.lang)} ({percent(s, p.lang)})"
        for b, s in zip(t[f"beyond_{total}"], t["share_beyond"], strict=True)
    ]
    return rows


popup = popup_rows(cells)
if "degurba_l2" in cells:
    popup[tr("popup.degurba")] = [tr(f"degurba.l2.{c}") for c in cells["degurba_l2"]]
bounds = cells.to_crs("EPSG:4326").total_bounds
m = offline_map(bounds, attribution=prep.region.attribution, basemap=p.basemap, basemap_name=tr("layer.basemap"))
legend: list[LegendSection] = []

if units is not None:
    unit_popups = []
    urows = popup_rows(units)
    for i, name in enumerate(units["name"]):
        body = "".join(f"<tr><th>{k}</th><td>{v[i]}</td></tr>" for k, v in urows.items())
        unit_popups.append(f"<b>{name}</b><table>{body}</table>")
    boundary_layer(units, name=tr("layer.councils"), popups=unit_popups).add_to(m)

time_codes = pal.classify(cells["time_nearest_min"].fillna(np.inf), pal.TIME_BREAKS_MIN)
time_labels = pal.class_labels(pal.TIME_BREAKS_MIN, unit="min", start=0)
layers = [
    ("layer.density", pal.classify(cells["density_km2"], pal.DENSITY_BREAKS), pal.SEQUENTIAL,
     pal.class_labels(pal.DENSITY_BREAKS, unit=tr("unit.per_km2"), fmt="{:,.0f}"), False),
    ("layer.access", time_codes, pal.TIME_COLOURS, time_labels, True),
    ("layer.gaps", pal.classify(cells[f"beyond_{total}"].where(cells[f"beyond_{total}"] >= 0.5), pal.GAP_BREAKS),
     pal.GAP_COLOURS, pal.class_labels(pal.GAP_BREAKS, unit=tr("unit.residents"), start=1), False),
]  # fmt: skip
if "foreign_share" in cells:
    share_labels = [lbl.replace("0.", "").strip() for lbl in pal.class_labels([10, 20, 30, 40], unit="%")]
    layers.insert(
        1,
        ("layer.foreign", pal.classify(cells["foreign_share"], pal.SHARE_BREAKS), pal.SEQUENTIAL, share_labels, False),
    )
    layers.insert(2, ("layer.diversity", pal.classify(cells["simpson"], pal.DIVERSITY_BREAKS), pal.SEQUENTIAL,
                      pal.class_labels(pal.DIVERSITY_BREAKS, unit=""), False))  # fmt: skip
#: Layers whose popup holds every figure of the cell; the others show residents and travel time only (a lighter page).
FULL_POPUP = {"layer.access", "layer.gaps"}
short_popup = {k: v for k, v in popup.items() if k in (tr("popup.residents"), tr("popup.time_nearest"))}
for key, codes, colours, labels, show in layers:
    colour = pal.colour_of(codes, colours)
    choropleth(
        cells, name=tr(key), colours=colour, popup=popup if key in FULL_POPUP else short_popup, show=show
    ).add_to(m)
    legend.append(LegendSection(tr(key), tuple(zip(colours, labels, strict=True))))

if "degurba_l2" in cells:
    colours = [pal.DEGURBA_COLOURS.get(int(c), pal.MISSING_COLOUR) for c in cells["degurba_l2"]]
    degurba_popup = {**short_popup, tr("popup.degurba"): popup[tr("popup.degurba")]}
    choropleth(cells, name=tr("layer.degurba"), colours=colours, popup=degurba_popup, show=False).add_to(m)
    legend.append(
        LegendSection(
            tr("layer.degurba"), tuple((c, tr(f"degurba.l2.{k}")) for k, c in pal.DEGURBA_COLOURS.items() if k != 10)
        )
    )
if "diverse_underserved" in cells:
    pairs = zip(
        cells["diversity_class"].fillna(0).astype(int), cells["access_class"].fillna(0).astype(int), strict=True
    )
    colours = [pal.BIVARIATE_COLOURS.get(k, pal.MISSING_COLOUR) for k in pairs]
    choropleth(cells, name=tr("layer.bivariate"), colours=colours, popup=short_popup, show=False).add_to(m)
    legend.append(
        LegendSection(
            tr("layer.bivariate"),
            ((pal.BIVARIATE_COLOURS[(3, 3)], tr("bivariate.high_high")), (pal.BIVARIATE_COLOURS[(1, 1)], tr("bivariate.low_low")),
             (pal.BIVARIATE_COLOURS[(3, 1)], tr("bivariate.diverse_served")), (pal.BIVARIATE_COLOURS[(1, 3)], tr("bivariate.underserved"))),
        )
    )  # fmt: skip

type_labels = {k: _ui.category_label(prep, k) for k in svc["category"].unique()}
service_layer(
    svc, name=tr("layer.services", category=cat_label), type_labels=type_labels, unnamed=tr("popup.unnamed")
).add_to(m)
Legend(legend).add_to(m)
folium.LayerControl(collapsed=False, position="topright").add_to(m)

beyond = cells[f"beyond_{total}"].sum()
c1, c2, c3 = st.columns(3)
c1.metric(tr("metric.residents"), number(cells[total].sum(), p.lang))
c2.metric(
    tr("metric.beyond", threshold=p.threshold_min),
    number(beyond, p.lang),
    percent(beyond / cells[total].sum(), p.lang),
    delta_color="off",
)
c3.metric(tr("metric.services"), number(len(svc), p.lang))
st_folium(m, height=640, use_container_width=True, returned_objects=[], key="main_map")
st.caption(tr("map.help"))
