"""Map layers: rendered folium HTML checked for features, colours, classes, legends and offline assets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from equimap.indicators.degurba import L2_COLOURS
from equimap.maps._choropleth import GeometryStore, StoredGeoJson
from equimap.maps.access import ACCESS_COLOURS, UNREACHABLE_COLOUR, access_classes, access_layer
from equimap.maps.base import STATIC_URL, base_map, land_layer, layer_control, to_wgs84
from equimap.maps.bivariate import BIVARIATE_COLOURS, bivariate_index, bivariate_layer
from equimap.maps.boundaries import boundaries_layer
from equimap.maps.breaks import classify
from equimap.maps.gaps import GAP_COLOURS, gap_classes, gaps_layer
from equimap.maps.legend import Legend, legend_html, range_labels
from equimap.maps.outreach import RANK_COLOURS, rank_classes, rank_ranges, targets_layer
from equimap.maps.popups import PopupStore, bind_popups
from equimap.maps.residents import DENSITY_COLOURS, density_layer, share_layer
from equimap.maps.services import PALETTE, services_layer
from equimap.maps.urbanisation import urbanisation_layer

# Four 1 km cells in EPSG:3035 over Malta.
X0, Y0 = 4_730_000.0, 1_440_000.0


def cells(**cols) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values())))
    geoms = [box(X0 + 1000 * i, Y0, X0 + 1000 * (i + 1), Y0 + 1000) for i in range(n)]
    return gpd.GeoDataFrame(cols, geometry=geoms, index=pd.Index([f"c{i}" for i in range(n)], name="cell_id"), crs=3035)


def render(*layers: folium.Element) -> str:
    m = base_map((14.3, 35.8, 14.6, 36.1), attribution=["Data © Someone & Co <2024>"])
    for layer in layers:
        layer.add_to(m)
    layer_control(m)
    return m.get_root().render()


def geojson_of(group: folium.FeatureGroup) -> folium.GeoJson:
    def walk(el):
        for child in el._children.values():
            if isinstance(child, folium.GeoJson):
                yield child
            yield from walk(child)

    return next(walk(group))


def fills(group: folium.FeatureGroup) -> dict[str, str]:
    """Return the fill colour of every drawn feature, by place id (embedded or stored polygons)."""
    stored = [c for c in group._children.values() if isinstance(c, StoredGeoJson)]
    if stored:
        return {pid: stored[0].styles[k]["fillColor"] for pid, k in stored[0].classes.items()}
    gj = geojson_of(group)
    return {f["properties"]["id"]: gj.style_function(f)["fillColor"] for f in gj.data["features"]}


# --------------------------------------------------------------------------- classes and legends


def test_classify__upper_bounds_are_inclusive() -> None:
    got = classify([0, 5, 5.01, 10, 30, 31, np.nan, np.inf], [5, 10, 15, 30])
    assert got.tolist() == [0, 0, 1, 1, 3, 4, -1, 4]


def test_classify__breaks_must_increase() -> None:
    with pytest.raises(ValueError, match="increase strictly"):
        classify([1], [5, 5])


def test_range_labels() -> None:
    assert range_labels([5, 10, 15, 30], str, unit="min") == [
        "0–5 min",
        "5–10 min",
        "10–15 min",
        "15–30 min",
        "30+ min",
    ]
    assert range_labels([10, 50], lambda v: f"{v:,.0f}", low=None) == ["≤ 10", "10–50", "50+"]


def test_legend_html__escapes_and_lists_entries() -> None:
    html = legend_html("Title <b>", [("#123456", "a & b")], note="n<")
    assert html == (
        '<div class="eqm-title">Title &lt;b&gt;</div>'
        '<div class="eqm-row"><span class="eqm-swatch" style="background:#123456"></span><span>a &amp; b</span></div>'
        '<div class="eqm-note">n&lt;</div>'
    )


def test_legend__follows_its_layer() -> None:
    fg = folium.FeatureGroup(name="L")
    fg.add_child(Legend("<b>x</b>", layer_name="L"))
    page = render(fg)
    assert f"var layer = {fg.get_name()};" in page
    assert "layer.on('add'" in page and "layer.on('remove'" in page
    assert '"\\u003cb\\u003ex\\u003c/b\\u003e"' in page


# --------------------------------------------------------------------------- base map


def test_base_map__offline_assets_credits_and_no_tiles() -> None:
    page = render()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sorted(urls) == [f"{STATIC_URL}/leaflet/leaflet.css", f"{STATIC_URL}/leaflet/leaflet.js"]
    assert re.findall(r"https?://", page) == []  # no CDN, no tiles
    assert '["Data © Someone \\u0026amp; Co \\u0026lt;2024\\u0026gt;"]' in page  # HTML-escaped, then script-safe
    assert '"maxZoom": 18' in page
    assert "L.tileLayer" not in page


def test_base_map__optional_tiles() -> None:
    m = base_map((14.3, 35.8, 14.6, 36.1), attribution=[], tiles_url="https://tile.example/{z}/{x}/{y}.png")
    page = m.get_root().render()
    assert "https://tile.example/{z}/{x}/{y}.png" in page


def test_to_wgs84__projects_and_rounds() -> None:
    gdf = gpd.GeoDataFrame(geometry=[Point(4_730_000.123, 1_440_000.456)], crs=3035)
    out = to_wgs84(gdf, grid_deg=1e-5)
    expected = gdf.to_crs(4326).geometry.iloc[0]
    assert out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].x == pytest.approx(expected.x, abs=5e-6)
    assert out.geometry.iloc[0].x == pytest.approx(round(expected.x, 5), abs=1e-12)


def test_land_layer__is_not_interactive() -> None:
    page = render(land_layer(cells(a=[1])))
    assert '"interactive": false' in page
    assert '"pane": "eqm-land"' in page


# --------------------------------------------------------------------------- choropleths


def test_access_layer__classes_colours_and_legend() -> None:
    gdf = cells(time_nearest_min=[3.0, 12.0, np.nan, np.nan, 45.0], T=[5.0, 2.0, 7.0, 0.0, 1.0])
    assert access_classes(gdf["time_nearest_min"], gdf["T"]).tolist() == [0, 2, 5, -1, 4]
    labels = ["0–5 min", "5–10 min", "10–15 min", "15–30 min", "30+ min"]
    layer = access_layer(gdf, name="Access", title="Minutes", class_labels=labels, unreachable_label="None")
    # c3 has no residents: not drawn; c2 has residents but no reachable service: grey.
    assert fills(layer) == {
        "c0": ACCESS_COLOURS[0],
        "c1": ACCESS_COLOURS[2],
        "c2": UNREACHABLE_COLOUR,
        "c4": ACCESS_COLOURS[4],
    }
    page = render(layer)
    for lab in [*labels, "None"]:
        assert lab in page
    assert "eqm-cell-" in page  # popups bound through the cell store
    assert '"pane": "eqm-cells"' in page


def test_access_layer__needs_five_labels() -> None:
    with pytest.raises(ValueError, match="needs 5 labels"):
        access_layer(
            cells(time_nearest_min=[1.0], T=[1.0]), name="A", title="A", class_labels=["x"], unreachable_label="u"
        )


def test_access_layer__stored_polygons_give_the_same_colours_and_a_smaller_page() -> None:
    gdf = cells(time_nearest_min=[3.0, 12.0, np.nan, np.nan, 45.0], T=[5.0, 2.0, 7.0, 0.0, 1.0])
    labels = ["a", "b", "c", "d", "e"]
    embedded = access_layer(gdf, name="A", title="t", class_labels=labels, unreachable_label="u")
    store = GeometryStore("cell", gdf)
    stored = access_layer(gdf, name="A", title="t", class_labels=labels, unreachable_label="u", geometry_store=store)
    assert fills(stored) == fills(embedded)
    page = render(store, stored)
    assert page.count('"coordinates"') == 5  # the five polygons once, in the store
    assert 'window.eqmGeo["cell"]' in page and 'L.geoJson(window.eqmGeo["cell"]' in page
    other = GeometryStore("cell", gdf.iloc[:2])
    with pytest.raises(ValueError, match=r"Places \['c2', 'c4'\] are not in the geometry store"):
        access_layer(gdf, name="A", title="t", class_labels=labels, unreachable_label="u", geometry_store=other)


def test_gaps_layer__only_cells_with_residents_beyond() -> None:
    gdf = cells(beyond_T=[0.0, 5.0, 10.0, 11.0, 5000.0])
    assert gap_classes(gdf["beyond_T"]).tolist() == [-1, 0, 0, 1, 4]
    layer = gaps_layer(gdf, "beyond_T", name="Gaps", title="t", class_labels=list("abcde"))
    assert fills(layer) == {"c1": GAP_COLOURS[0], "c2": GAP_COLOURS[0], "c3": GAP_COLOURS[1], "c4": GAP_COLOURS[4]}


def test_density_and_share_layers() -> None:
    gdf = cells(density_km2=[300.0, 1500.1, 20000.0], eu_share=[0.04, 0.06, 0.5])
    # breaks 300, 1,500, 5,000, 10,000 (equimap.maps.breaks): 300 is the first class, just over 1,500 the third
    assert fills(density_layer(gdf, name="D", title="D", fmt=str)) == {
        "c0": DENSITY_COLOURS[0],
        "c1": DENSITY_COLOURS[2],
        "c2": DENSITY_COLOURS[4],
    }
    share = share_layer(gdf, "eu_share", name="EU", title="EU", fmt=lambda v: f"{v:.0f}")
    assert list(fills(share).values()) == ["#edf8e9", "#bae4b3", "#006d2c"]  # 4 %, 6 %, 50 %
    assert "0–5 %" in render(share) and "40+ %" in render(share)


def test_urbanisation_layer__ghsl_colours_and_no_water() -> None:
    gdf = cells(degurba_l2=[30, 21, 11, 10])
    labels = {30: "Urban centre", 23: "a", 22: "b", 21: "Suburban", 13: "c", 12: "d", 11: "Very low"}
    layer = urbanisation_layer(gdf, name="U", title="DEGURBA", class_labels=labels)
    assert fills(layer) == {"c0": "#FF0000", "c1": "#FFFF00", "c2": "#CDF57A"}
    assert {L2_COLOURS[c] for c in (30, 21, 11)} == {"#FF0000", "#FFFF00", "#CDF57A"}
    page = render(layer)
    assert "30 Urban centre" in page and "11 Very low" in page


def test_urbanisation_layer__needs_every_label() -> None:
    with pytest.raises(ValueError, match=r"lacks the level-2 codes \[23"):
        urbanisation_layer(cells(degurba_l2=[30]), name="U", title="U", class_labels={30: "x"})


def test_bivariate_layer__colours_and_outline() -> None:
    gdf = cells(
        diversity_class=pd.array([1, 3, 3, pd.NA], dtype="Int64"),
        access_class=pd.array([1, 1, 3, 2], dtype="Int64"),
        diverse_underserved=[False, False, True, False],
    )
    assert bivariate_index(np.array([1, 3, 3, np.nan]), np.array([1, 1, 3, 2])).tolist() == [0, 2, 8, -1]
    layer = bivariate_layer(gdf, name="B", title="B", diversity_axis="div", access_axis="time", flagged="both")
    assert fills(layer) == {"c0": BIVARIATE_COLOURS[0][0], "c1": BIVARIATE_COLOURS[0][2], "c2": BIVARIATE_COLOURS[2][2]}
    gj = geojson_of(layer)
    flagged = next(f for f in gj.data["features"] if f["properties"]["id"] == "c2")
    assert gj.style_function(flagged)["weight"] == 2.0
    assert gj.style_function(flagged)["color"] == "#000000"


def test_targets_layer__rank_classes() -> None:
    assert rank_classes([1, 5, 6, 10, 11, 25, 26]).tolist() == [0, 0, 1, 1, 2, 2, 3]
    assert rank_ranges(12) == [(1, 5), (6, 10), (11, 12)]
    assert rank_ranges(3) == [(1, 3)]
    gdf = cells(rank=list(range(1, 13)))
    layer = targets_layer(gdf, name="T", title="Rank", class_labels=["1–5", "6–10", "11–12"])
    got = fills(layer)
    assert [got[f"c{i}"] for i in (0, 4, 5, 9, 10, 11)] == [RANK_COLOURS[k] for k in (0, 0, 1, 1, 2, 2)]
    with pytest.raises(ValueError, match="needs 3 labels for 12 ranked places"):
        targets_layer(gdf, name="T", title="Rank", class_labels=["1–5"])


# --------------------------------------------------------------------------- points, lines, popups


def test_services_layer__popups_colours_cluster_offline() -> None:
    pts = gpd.GeoDataFrame(
        {"name": ["<b>St Luke</b>", None, "Mater Dei"], "category": ["hospital", "clinic", "hospital"]},
        geometry=[Point(4_730_500, 1_440_500), Point(4_731_500, 1_440_500), Point(4_732_500, 1_440_500)],
        crs=3035,
    )
    layer = services_layer(
        pts,
        name="S",
        type_labels={"hospital": "Hospitals"},
        title="Hospitals (3)",
        type_heading="Type",
        unnamed="(none)",
    )
    gj = geojson_of(layer)
    props = [f["properties"] for f in gj.data["features"]]
    assert [p["colour"] for p in props] == [PALETTE[0], PALETTE[1], PALETTE[0]]
    assert "&lt;b&gt;St Luke&lt;/b&gt;" in props[0]["popup"] and "<b>St Luke" not in props[0]["popup"]
    assert "(none)" in props[1]["popup"] and "Type: clinic" in props[1]["popup"]
    page = render(layer)
    assert f"{STATIC_URL}/markercluster/leaflet.markercluster.js" in page
    assert re.findall(r"https?://", page) == []
    assert "L.markerClusterGroup" in page


def test_boundaries_layer__outlines_labels_and_popups() -> None:
    units = gpd.GeoDataFrame(
        {"name": ["Ħamrun", "Rabat"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        index=pd.Index([0, 1], name="unit_id"),
        crs=3035,
    )
    layer = boundaries_layer(units, name="Councils", title="Boundaries")
    page = render(layer)
    assert '"fill": false' in page
    assert page.count("L.divIcon") == 1  # one point-to-layer function for the labels
    assert "eqm-council-" in page
    assert "Ħamrun" in page or "\\u0126amrun" in page


def test_popup_store__layout_and_values() -> None:
    store = PopupStore("cell", [("Residents", [("All", "T")]), ("", [("Time", "t")])], {"c0": ["Cell c0", "12", "3.5"]})
    page = render(store)
    payload = re.search(r'window\.eqmPopups\["cell"\] = (\{.*\});', page).group(1)
    layout = json.loads(payload.split(", values: ")[0].removeprefix("{layout: "))
    assert layout == [["Residents", [["All", "T"]]], ["", [["Time", "t"]]]]
    assert '"c0": ["Cell c0", "12", "3.5"]' in payload
    with pytest.raises(ValueError, match="do not have a title and 2 values"):
        PopupStore("cell", [("R", [("All", "T"), ("x", "y")])], {"c0": ["t", "1"]})


def test_bind_popups__tags_paths_with_the_place_id() -> None:
    js = bind_popups("cell").js_code
    assert "'eqm-place eqm-cell-'" in js
    assert 'window.eqmBuildPopup("cell", id)' in js


@pytest.mark.slow  # imports every module in a new interpreter
def test_library_layers_and_map_builder_never_import_streamlit() -> None:
    import subprocess
    import sys

    code = (
        "import importlib, pkgutil, sys\n"
        "import equimap\n"
        "for m in pkgutil.walk_packages(equimap.__path__, 'equimap.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "import ui.mapview, ui.figures, ui.labels\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
