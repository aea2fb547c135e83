"""Map layers: classes by hand, colours and popups in the rendered map, and no CDN anywhere."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from layers import palettes as pal
from layers.basemap import offline_map
from layers.boundaries import boundary_layer
from layers.cells import choropleth, css_class
from layers.legend import Legend, LegendSection, legend_html
from layers.services import CLUSTER_ABOVE, service_layer


def test_classify__breaks_belong_to_the_class_above() -> None:
    got = pal.classify([0, 4.99, 5, 9.9, 10, 15, 29.9, 30, 120, np.inf, np.nan], pal.TIME_BREAKS_MIN)
    assert got.tolist() == [0, 0, 1, 1, 2, 3, 3, 4, 4, 4, -1]


def test_class_labels() -> None:
    assert pal.class_labels((5, 10, 15, 30), unit="min", start=0) == [
        "0–5 min", "5–10 min", "10–15 min", "15–30 min", "30+ min",
    ]  # fmt: skip
    assert pal.class_labels((300, 1500), unit="per km²", fmt="{:,.0f}") == [
        "< 300 per km²",
        "300–1,500 per km²",
        "1,500+ per km²",
    ]
    assert pal.colour_of(np.array([0, -1, 2]), ["a", "b", "c"], missing="m") == ["a", "m", "c"]


@pytest.fixture
def places() -> gpd.GeoDataFrame:
    cells = [box(4_700_000 + 1000 * i, 1_430_000, 4_701_000 + 1000 * i, 1_431_000) for i in range(3)]
    return gpd.GeoDataFrame({"v": [1.0, 12.0, 40.0]}, geometry=cells, crs="EPSG:3035", index=["c/1", "c2", "c3"])


def render(m: folium.Map) -> str:
    return m.get_root().render()


def test_choropleth__one_colour_class_and_popup_per_place(places: gpd.GeoDataFrame) -> None:
    codes = pal.classify(places["v"], pal.TIME_BREAKS_MIN)
    colours = pal.colour_of(codes, pal.TIME_COLOURS)
    m = offline_map([14.0, 35.0, 15.0, 36.0], attribution=["© OSM"])
    choropleth(places, name="Access", colours=colours, popup={"Time": ["1 min", "12 min", "40 min"]}).add_to(m)
    html = render(m)
    assert colours == [pal.TIME_COLOURS[0], pal.TIME_COLOURS[2], pal.TIME_COLOURS[4]]
    for c in colours:
        assert html.count(f'"_fill": "{c}"') == 1
    for cls in ("place-c_1", "place-c2", "place-c3"):
        assert f'"_class": "{cls}"' in html
    assert '"f0": "12 min"' in html and "Time" in html
    assert css_class("CRS3035RES1000mN1433000E4720000") == "place-CRS3035RES1000mN1433000E4720000"
    with pytest.raises(ValueError, match="one colour per place"):
        choropleth(places, name="x", colours=["#000"])


def test_offline_map__assets_are_local_and_credits_shown(places: gpd.GeoDataFrame) -> None:
    m = offline_map([14.0, 35.0, 15.0, 36.0], attribution=["Streets © OpenStreetMap contributors", "© Eurostat"])
    pts = gpd.GeoDataFrame(
        {"name": [f"s{i}" for i in range(CLUSTER_ABOVE + 1)], "category": "hospital"},
        geometry=[Point(4_700_000 + i, 1_430_000) for i in range(CLUSTER_ABOVE + 1)],
        crs="EPSG:3035",
    )
    service_layer(pts, name="Hospitals", type_labels={"hospital": "Hôpitaux"}, unnamed="-").add_to(m)
    boundary_layer(
        places.assign(name=["A", "B", "C"]), name="Councils", popups=["<b>A</b>", "<b>B</b>", "<b>C</b>"]
    ).add_to(m)
    Legend([LegendSection("Access", (("#1a9850", "0–5 min"),))]).add_to(m)
    html = render(m)
    assert all(u.startswith("/app/static/vendor/") for _, u in m.default_js + m.default_css)
    assert not re.search(r"https?://(cdn|code|cdnjs|unpkg|d3js)", html)
    assert "addAttribution" in html and "OpenStreetMap contributors | " in html and "Eurostat" in html
    assert "markerClusterGroup" in html and html.count("L.circleMarker") == CLUSTER_ABOVE + 1
    assert "Hôpitaux" in html and "eq-legend" in html
    assert "tile.openstreetmap.org" not in html
    assert "tile.openstreetmap.org" in render(offline_map([14, 35, 15, 36], attribution=[], basemap=True))


def test_legend_html__escapes_labels() -> None:
    out = legend_html([LegendSection("Time <min>", (("#fff", "a & b"),))])
    assert "Time &lt;min&gt;" in out and "a &amp; b" in out and "background:#fff" in out
