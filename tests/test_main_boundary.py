"""No command assumes Malta's names: the main boundary layer and the default questions come from the manifest.

The tiny region (`tests/tiny_region.py`) gets a boundary layer keyed ``units`` (not
``councils``) with two units, one without a name, and an official list keyed ``official``
(not ``hospital_official``).
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from equimap.analysis.question import Question, region_analyses
from equimap.cli import main
from equimap.region.add import add_region
from equimap.region.boundaries import load_boundaries
from equimap.region.manifest import load_region
from tests import tiny_region


@pytest.fixture
def units_region(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUIMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")
    src = tiny_region.write_region(tmp_path / "src")
    x0, y0 = tiny_region.X0, tiny_region.Y0
    units = gpd.GeoDataFrame(
        {"name": ["West", None]},
        geometry=[box(x0, y0, x0 + 1000, y0 + 2000), box(x0 + 1000, y0, x0 + 2000, y0 + 2000)],
        crs=3035,
    )
    units.to_file(tmp_path / "units.geojson")
    return add_region(
        "tiny", osm=src["osm"], population=src["population"], services=src["services"],
        boundaries=tmp_path / "units.geojson", data_dir=tmp_path / "data",
    )  # fmt: skip


def test_unnamed_units_get_a_name_never_nan(units_region):
    names = list(load_boundaries(units_region, units_region.main_boundary)["name"])
    assert names == ["West", "Local units: unnamed 1"]


def test_default_questions_and_main_layer_from_what_exists(units_region):
    assert units_region.main_boundary == "units"
    assert region_analyses(units_region) == (Question("walk", "health", 15.0), Question("drive", "official", 20.0))
    manifest = units_region.folder / "region.toml"
    text = manifest.read_text(encoding="utf-8").replace("crs =", 'default_analyses = ["walk:pharmacy:10"]\ncrs =')
    manifest.write_text(text, encoding="utf-8")
    assert region_analyses(load_region(units_region.folder)) == (Question("walk", "pharmacy", 10.0),)


def test_malta_keeps_its_defaults():
    malta = load_region("malta")
    assert malta.main_boundary == "councils"
    assert region_analyses(malta) == (Question("walk", "health", 15.0), Question("drive", "hospital_official", 20.0))


def test_commands_use_the_main_layer_and_default_questions(units_region, tmp_path, capsys):
    data = ["--data-dir", str(units_region.folder.parent)]
    assert main([*data, "urbanisation", "--region", "tiny", "--councils"]) == 0
    out = capsys.readouterr().out
    assert "West" in out and "Local units: unnamed 1" in out
    argv = [*data, "outreach", "--region", "tiny", "--level", "council", "--category", "pharmacy"]
    assert main([*argv, "--suppress-below", "0"]) == 0
    for lang in ("fr", "en"):
        pdf = tmp_path / f"report_{lang}.pdf"
        argv = [*data, "report", "--region", "tiny", "--out", str(pdf), "--lang", lang, "--n-boot", "19"]
        assert main([*argv, "--suppress-below", "0"]) == 0, capsys.readouterr().err
        assert pdf.stat().st_size > 10_000
