"""The study area: residents, cells and services outside it are left out of every figure.

The must-show case is built from Malta's real files: the whole census grid of the
Maltese islands (its box overhangs Gozo's coast by the whole of Malta island) and
the 2018 OSM extract, with the study area set to Gozo (Għawdex, the island relation of
the boundary file). Every figure is checked against an independent computation with
geopandas' overlay of the raw grid and the raw Gozo polygon.
"""

from __future__ import annotations

import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from equimap._errors import RegionError
from equimap.analysis.core import Analysis
from equimap.analysis.question import Question
from equimap.network.prepare import prepare_region
from equimap.region.census import load_population
from equimap.region.manifest import load_region
from equimap.region.studyarea import restrict_population
from equimap.report.preparation import preparation_lines
from equimap.settings import BUNDLED_DATA_DIR
from tests import tiny_region

MALTA = BUNDLED_DATA_DIR / "malta"
GOZO = "Għawdex"

GOZO_MANIFEST = """name = "Gozo"
crs = "EPSG:3035"
languages = ["en", "fr"]
country_name = "Malta"
bbox = [14.17, 35.98, 14.42, 36.09]

[area]
boundary = "islands"
filter = { name = "Għawdex" }

[osm]
path = "malta-2018-08-27.osm.pbf"

[population]
path = "census2021_grid_1km_malta.gpkg"
cell_size_m = 1000
id = "GRD_ID"
total = "T"
land_share = "LAND_SURFACE"
confidential_suffix = "_CI"

[population.groups.birth]
label = "Country of birth"
reference = "NAT"
columns = { NAT = "Born in Malta", EU_OTH = "Born in another EU country", OTH = "Born outside the EU" }

[[boundaries]]
key = "councils"
label = "Local councils"
path = "mt_local_councils_osm2018.geojson"
name = "name"
filter = { admin_level = "8" }

[[boundaries]]
key = "islands"
label = "Islands"
path = "mt_local_councils_osm2018.geojson"
name = "name"
filter = { admin_level = "4" }
land = true
"""


def _by_hand_shares() -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Return the raw grid with each cell's share inside Gozo, worked out with geopandas' overlay; and Gozo."""
    grid = gpd.read_file(MALTA / "census2021_grid_1km_malta.gpkg")
    units = gpd.read_file(MALTA / "mt_local_councils_osm2018.geojson")
    gozo = units[(units["admin_level"] == "4") & (units["name"] == GOZO)].to_crs(3035)
    assert len(gozo) == 1
    cut = gpd.overlay(grid[["GRD_ID", "geometry"]], gozo[["geometry"]], how="intersection", keep_geom_type=True)
    inside_m2 = cut.assign(a=cut.area).groupby("GRD_ID")["a"].sum()
    land = pd.to_numeric(grid["LAND_SURFACE"], errors="coerce")
    land_m2 = grid.area * land.where(land > 0, 1.0).fillna(1.0)
    grid["inside_m2"] = grid["GRD_ID"].map(inside_m2).fillna(0.0)
    # residents are spread evenly over the cell's land: the share inside is the land inside over the land
    grid["share"] = np.minimum(1.0, grid["inside_m2"] / land_m2)
    return grid, gozo


@pytest.fixture(scope="module")
def gozo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data") / "gozo"
    folder.mkdir()
    for name in ("malta-2018-08-27.osm.pbf", "census2021_grid_1km_malta.gpkg", "mt_local_councils_osm2018.geojson"):
        shutil.copy(MALTA / name, folder / name)
    (folder / "region.toml").write_text(GOZO_MANIFEST, encoding="utf-8")
    return prepare_region(folder, modes=("walk",), cache_root=tmp_path_factory.mktemp("cache"))


@pytest.mark.malta
def test_gozo_study_area__every_figure_on_the_study_area_only(gozo):
    grid, gozo_poly = _by_hand_shares()
    inside = grid[grid["share"] > 1e-9]
    expected_t = float((inside["T"] * inside["share"]).sum())
    # the grid box overhangs the study area: Malta island's residents are in the grid, not in the figures
    assert grid["T"].sum() == 519_562 and 35_000 < expected_t < 45_000
    assert (inside["share"] < 1).sum() >= 1  # some cells are cut by the border

    # cells: exactly the cells inside, each with its share of residents
    pop = gozo.population
    assert set(pop.index) == set(inside["GRD_ID"])
    by_hand = inside.set_index("GRD_ID")
    for col in ("T", "NAT", "EU_OTH", "OTH"):
        assert pop[col].to_numpy() == pytest.approx((by_hand[col] * by_hand["share"]).reindex(pop.index).to_numpy())
    assert gozo.origins["T"].sum() == pytest.approx(expected_t)

    # what was left out is said once, in the preparation summary
    left = gozo.summary["study_area"]
    assert left["residents_out"] == pytest.approx(519_562 - expected_t)
    assert left["cells_out"] == len(grid) - len(inside)
    assert left["cells_cut"] == int((inside["share"] < 1 - 1e-9).sum())
    assert left["services_out"] > 0
    # every service kept lies in Gozo
    pts = gozo.services.geometry
    assert pts.intersects(gozo_poly.geometry.iloc[0]).all()

    # the analysis tables read the same restricted data
    a = Analysis(gozo, Question("walk", "health", 15.0), suppress_below=0, n_boot=19)
    groups = a.groups(protect=False)
    assert groups.loc["T", "pop"] == pytest.approx(expected_t, abs=1)
    for col in ("NAT", "EU_OTH", "OTH"):
        assert groups.loc[col, "pop"] == pytest.approx((inside[col] * inside["share"]).sum(), abs=1)
    cells = a.cells(protect=False)
    assert set(cells.index) <= set(inside["GRD_ID"])
    assert cells["T"].sum() == pytest.approx(expected_t, abs=len(cells))

    # councils: those of Gozo only (at least half their area inside), by an overlay of the raw councils
    raw = gpd.read_file(MALTA / "mt_local_councils_osm2018.geojson")
    councils = raw[raw["admin_level"] == "8"].to_crs(3035)
    part = gpd.overlay(councils[["name", "geometry"]], gozo_poly[["geometry"]], how="intersection")
    share_in = part.assign(a=part.area).groupby("name")["a"].sum() / councils.set_index("name").area
    expected_names = set(share_in[share_in >= 0.5].index)
    assert len(expected_names) == 14  # Gozo's 14 local councils
    table = a.councils(protect=False, totals=True)
    assert set(table.drop(index=["outside", "total"], errors="ignore")["name"]) == expected_names
    assert table["T"].iloc[-1] == pytest.approx(expected_t, abs=len(table))  # each row rounded to whole residents

    # the report's methods say it once, in English and French
    en = preparation_lines(gozo.summary, gozo.region, "en")
    fr = preparation_lines(gozo.summary, gozo.region, "fr")
    assert any("Islands (Għawdex)" in line and "left out" in line for line in en)
    assert any("zone d'étude" in line for line in fr)


def test_restrict_population__cut_cell_keeps_its_share_by_land_area():
    # two 1 km cells; the area covers the left cell whole and the right one's left quarter
    cells = gpd.GeoDataFrame(
        {"T": [100.0, 80.0], "NAT": [60.0, 40.0], "land_share": [1.0, 0.5]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs="EPSG:3035",
        index=pd.Index(["a", "b"], name="cell_id"),
    )
    area = box(-10, -10, 1250, 1010)
    out, left = restrict_population(cells, area, count_columns=["T", "NAT"])
    # cell b: 250 000 m² inside of 500 000 m² of land -> half its residents
    assert out.loc["b", "T"] == pytest.approx(40.0) and out.loc["b", "NAT"] == pytest.approx(20.0)
    assert out.loc["b", "land_share"] == pytest.approx(0.25)  # same density: 40 residents on 0.25 km²
    assert out.loc["a", "T"] == 100.0 and out.loc["a", "area_share"] == 1.0
    assert left == {"cells_out": 0, "cells_cut": 1, "residents_out": pytest.approx(40.0), "residents_in": 140.0}
    out, left = restrict_population(cells, box(-10, -10, 990, 1010), count_columns=["T", "NAT"])
    assert list(out.index) == ["a"] and left["cells_out"] == 1


def test_area_from_a_polygon_file_and_bad_filters(tmp_path):
    src = tiny_region.write_region(tmp_path / "src")
    from equimap.region.add import add_region

    region = add_region("tiny", osm=src["osm"], population=src["population"], data_dir=tmp_path / "data")
    # the left 1 km column of the 2 x 2 km grid: cells (0, 0) and (0, 1); the tiny grid's cells hold 100, 40, 20
    poly = gpd.GeoDataFrame(
        geometry=[box(tiny_region.X0, tiny_region.Y0, tiny_region.X0 + 1000, tiny_region.Y0 + 2000)], crs=3035
    )
    poly.to_file(region.folder / "area.geojson")
    manifest = region.folder / "region.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + '\n[area]\npath = "area.geojson"\n', encoding="utf-8")
    pop = load_population(load_region(region.folder))
    raw = gpd.read_file(src["population"]).to_crs(3035)
    expected = raw[raw.geometry.centroid.x < tiny_region.X0 + 1000]["T"].sum()
    assert pop["T"].sum() == expected
    assert pop.attrs["study_area"]["residents_out"] == raw["T"].sum() - expected
    text = manifest.read_text(encoding="utf-8").replace('path = "area.geojson"', 'boundary = "nope"')
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(RegionError, match=r"`area.boundary` = `nope` is not the key"):
        load_region(region.folder)


@pytest.mark.malta
def test_gozo_study_area__the_cli_reads_the_same_figures(gozo, capsys, monkeypatch):
    import json

    from equimap.cli import main

    monkeypatch.setenv("EQUIMAP_CACHE_DIR", str(gozo.folder.parent))
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")
    argv = ["summary", "--region", str(gozo.region.folder), "--mode", "walk", "--category", "health"]
    assert main([*argv, "--group", "birth", "--json", "--suppress-below", "0"]) == 0
    rows = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    a = Analysis(gozo, Question("walk", "health", 15.0), suppress_below=0, n_boot=19)
    groups = a.groups(protect=False)
    for g in ("T", "NAT", "EU_OTH", "OTH"):
        assert rows[g]["pop"] == pytest.approx(groups.loc[g, "pop"])
