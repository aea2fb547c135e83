"""Reading a user file within time and memory limits (`equimap.region.boundedread`), and no scratch path in errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from geopandas.testing import assert_geodataframe_equal

from equimap._errors import DataError
from equimap.region.userfile import read_checked_layer, read_user_layer
from equimap.settings import BUNDLED_DATA_DIR

MALTA = BUNDLED_DATA_DIR / "malta"


def _big_geojson(path: Path, n: int) -> Path:
    feats = [
        {"type": "Feature", "properties": {"name": f"s{i}"}, "geometry": {"type": "Point", "coordinates": [14.4, 35.9]}}
        for i in range(n)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name",
    ["eurostat_healthcare_services_MT.geojson", "mt_local_councils_osm2018.geojson", "census2021_grid_1km_malta.gpkg"],
)
def test_bounded_read__valid_files_load_identically(name):
    bounded = read_checked_layer(MALTA / name)
    direct = read_checked_layer(MALTA / name, bounded=False)
    assert_geodataframe_equal(bounded, direct)


def test_bounded_read__timeout_stops_a_slow_read(tmp_path, monkeypatch):
    path = _big_geojson(tmp_path / "slow.geojson", 60_000)
    monkeypatch.setenv("EQUIMAP_READ_TIMEOUT_S", "0.01")
    with pytest.raises(DataError, match=r"^`slow.geojson` took more than 0.01 s to read .*EQUIMAP_READ_TIMEOUT_S") as e:
        read_user_layer(path)
    assert "\n" not in str(e.value)


def test_bounded_read__memory_cap_stops_a_greedy_read(tmp_path, monkeypatch):
    path = _big_geojson(tmp_path / "greedy.geojson", 250_000)  # 29 MB of GeoJSON
    # in a new process: a test process that has already freed much memory can lend it to the child
    # (the cap is on what the read adds to the address space), so the check runs from a clean start
    code = (
        "import sys\n"
        "from equimap._errors import DataError\n"
        "from equimap.region.userfile import read_user_layer\n"
        "try:\n"
        f"    read_user_layer(__import__('pathlib').Path({str(path)!r}))\n"
        "except DataError as exc:\n"
        "    print(exc); sys.exit(2)\n"
    )
    env = {**os.environ, "EQUIMAP_READ_MEMORY_MB": "20", "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 2, run.stderr[-500:]
    assert re.match(r"^`greedy.geojson` .*(needed more than 20 MB|EQUIMAP_READ_MEMORY_MB)", run.stdout)
    assert run.stdout.count("\n") == 1 and "Traceback" not in run.stderr
    monkeypatch.delenv("EQUIMAP_READ_MEMORY_MB", raising=False)
    assert len(read_user_layer(path)) == 250_000  # control: the same file loads within the default limit


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_bounded_read__bad_setting(value, monkeypatch):
    monkeypatch.setenv("EQUIMAP_READ_TIMEOUT_S", value)
    with pytest.raises(DataError, match="EQUIMAP_READ_TIMEOUT_S is"):
        read_checked_layer(MALTA / "eurostat_healthcare_services_MT.geojson")


def test_bounded_read__cli_exit_2(tmp_path, monkeypatch, capsys):
    from equimap.cli import main

    path = _big_geojson(tmp_path / "slow.geojson", 60_000)
    monkeypatch.setenv("EQUIMAP_READ_TIMEOUT_S", "0.01")
    code = main(["access", "--category", "pharmacy", "--services", str(path), "--out", str(tmp_path / "a.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "Traceback" not in "\n".join(err)
    assert "took more than 0.01 s" in err[-1]


def test_gpkg_error_shows_no_scratch_path(tmp_path):
    scratch = tmp_path / "equimap-upload-abc123"
    scratch.mkdir()
    path = scratch / "clinics.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x01" * 4000)  # a damaged GeoPackage
    with pytest.raises(DataError) as e:
        read_user_layer(path)
    msg = str(e.value)
    assert "`clinics.gpkg`" in msg
    assert str(scratch) not in msg and "equimap-upload" not in msg and str(tmp_path) not in msg
