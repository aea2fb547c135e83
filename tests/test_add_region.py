"""`add-region` writes a manifest that needs no hand edits, refuses a CRS in degrees, and says what it found.

The real cut: Malta's census grid, 2018 OSM extract and council boundaries, with Gozo
(Għawdex) as the study area; Gozo has 14 local councils and its cells hold 39,284
residents of the grid (the study-area test works this out with a geopandas overlay).
"""

from __future__ import annotations

import pytest

from equimap._errors import RegionError
from equimap.cli import build_parser, main
from equimap.region.add import add_region
from equimap.region.manifest import load_region
from equimap.settings import BUNDLED_DATA_DIR
from tests import tiny_region

MALTA = BUNDLED_DATA_DIR / "malta"


@pytest.mark.malta
def test_add_region__gozo_cut_needs_no_hand_edits_and_says_what_it_found(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EQUIMAP_CACHE_DIR", str(tmp_path / "cache"))
    argv = [
        "--data-dir",
        str(tmp_path / "data"),
        "add-region",
        "gozo",
        "--osm",
        str(MALTA / "malta-2018-08-27.osm.pbf"),
    ]
    argv += ["--population", str(MALTA / "census2021_grid_1km_malta.gpkg"), "--country-name", "Malta"]
    argv += ["--boundaries", str(MALTA / "mt_local_councils_osm2018.geojson"), "--boundary-filter", "admin_level=8"]
    argv += ["--boundary-key", "councils", "--area", "Għawdex"]
    (tmp_path / "data").mkdir()
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "residents: 39,284 in 59 cells" in out
    assert "units: 14 in boundary layer `councils`" in out
    assert "pharmacy 15" in out and "hospital 3" in out
    assert "within the network's coverage: 100.0 % of residents" in out
    assert "480,280 residents of the census grid who live outside it" in out  # published to the nearest 10
    r = load_region(tmp_path / "data" / "gozo")
    assert r.osm_date == "2018-08-27" and r.country_name == "Malta"
    assert r.land_share_col == "LAND_SURFACE" and r.confidential_suffix == "_CI"
    assert r.group("age").reference == "Y_1564" and r.group("birth").columns["NAT"] == "Born in Malta"
    assert r.main_boundary == "councils" and r.area is not None and r.area.filter == {"name": "Għawdex"}
    assert r.bbox is not None and 14.1 < r.bbox[0] < r.bbox[2] < 14.4  # Gozo and 2 km, not the whole extract


def test_add_region__osm_boundaries_keep_relations_only(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    src = tiny_region.write_region(tmp_path / "src")
    x0, y0 = tiny_region.X0, tiny_region.Y0
    units = gpd.GeoDataFrame(
        {"name": ["West", "East", "West"], "osm_type": ["relation", "relation", "way"]},
        geometry=[
            box(x0, y0, x0 + 1000, y0 + 2000),
            box(x0 + 1000, y0, x0 + 2000, y0 + 2000),
            box(x0, y0, x0 + 9, y0 + 9),
        ],
        crs=3035,
    )
    units.to_file(tmp_path / "units.geojson")
    r = add_region(
        "tiny", osm=src["osm"], population=src["population"], boundaries=tmp_path / "units.geojson",
        area="West", data_dir=tmp_path / "data",
    )  # fmt: skip
    spec = r.boundary(r.main_boundary)
    assert spec.filter == {"osm_type": "relation"} and r.main_boundary == "units"
    from equimap.region.boundaries import load_boundaries

    assert list(load_boundaries(r, "units")["name"]) == ["West"]  # East is outside the study area


@pytest.mark.parametrize(
    ("crs", "match"),
    [("EPSG:4326", r'`crs` = "EPSG:4326" is in degrees'), ("EPSG:99999", "is not a CRS pyproj knows")],
)
def test_manifest_crs_must_be_projected_and_metric(tmp_path, crs, match):
    src = tiny_region.write_region(tmp_path / "src")
    r = add_region("tiny", osm=src["osm"], population=src["population"], data_dir=tmp_path / "data")
    manifest = r.folder / "region.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('crs = "EPSG:3035"', f'crs = "{crs}"'), encoding="utf-8"
    )
    with pytest.raises(RegionError, match=match):
        load_region(r.folder)


def test_add_region_crs_in_degrees_refused_in_one_sentence(tmp_path, capsys):
    src = tiny_region.write_region(tmp_path / "src")
    argv = ["--data-dir", str(tmp_path), "add-region", "x", "--osm", str(src["osm"])]
    argv += ["--population", str(src["population"]), "--no-check"]
    assert main([*argv, "--crs", "EPSG:4326"]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: `--crs` = "EPSG:4326" is in degrees; give a projected CRS in metres')
    assert err.count("\n") == 1 and not (tmp_path / "x").exists()
    assert main([*argv, "--crs", "EPSG:99999"]) == 2
    assert "is not a CRS pyproj knows" in capsys.readouterr().err


def test_add_region_every_option_has_help():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    parser = sub.choices["add-region"]
    missing = [a.dest for a in parser._actions if not a.help and a.dest != "help"]
    assert missing == []
