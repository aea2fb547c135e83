"""Region manifests against the schema: one sentence for each broken manifest, every problem at once."""

from __future__ import annotations

import os
import re
import tomllib

import pytest

from equimap._errors import RegionError
from equimap.cli import main
from equimap.region.manifest import load_region

MALTA = load_region("malta")
TEXT = (MALTA.folder / "region.toml").read_text(encoding="utf-8")


def region_copy(tmp_path, text: str | None = None, *, data: bytes | None = None, name: str = "m"):
    """Return a region folder with Malta's files (hard links) and the manifest `text` (or raw bytes `data`)."""
    folder = tmp_path / name
    folder.mkdir()
    for p in MALTA.folder.iterdir():
        if p.is_file() and p.name != "region.toml":
            os.link(p, folder / p.name)
    (folder / "region.toml").write_bytes(data if data is not None else (text or TEXT).encode("utf-8"))
    return folder


def _sub(pattern: str, repl: str, count: int = 1) -> str:
    out, n = re.subn(pattern, repl, TEXT, count=count, flags=re.M)
    assert n, pattern
    return out


CASES = {
    "columns as a list": (
        _sub(r"^columns = \{ NAT = .*$", 'columns = ["NAT", "EU_OTH", "OTH"]'),
        r"`population\.groups\.birth\.columns` is \['NAT'.*must be a table column -> label",
    ),
    "columns as a string": (
        _sub(r"^columns = \{ M = .*$", 'columns = "M,F"'),
        r"`population\.groups\.sex\.columns` is 'M,F'",
    ),
    "filter as a string": (_sub(r'^filter = \{ admin_level = "8" \}$', 'filter = "admin_level=8"'), r"filter` is"),
    "cell_size_m as a string": (
        _sub(r"^cell_size_m = 1000$", 'cell_size_m = "1000"'),
        r"`population\.cell_size_m` is '1000'; it must be a number",
    ),
    "osm path climbing out": (
        _sub(r'^path = "malta-2018-08-27.osm.pbf"$', 'path = "../../.."'),
        r"`osm\.path` = `\.\./\.\./\.\.` is outside the region folder",
    ),
    "absolute path": (
        _sub(r'^path = "malta-2018-08-27.osm.pbf"$', 'path = "/etc/passwd"'),
        r"outside the region folder",
    ),
    "unknown key": (TEXT.replace("[osm]\n", "[osm]\nfile = 'x'\n", 1), r"`osm\.file` is not a known key"),
    "filter matching nothing": (
        _sub(r'^filter = \{ admin_level = "8" \}$', 'filter = { admin_level = "99" }'),
        r"matches no feature",
    ),
    "bbox wrong": (
        _sub(r"^bbox = .*$", "bbox = [14.18, 35.78]"),
        r"`bbox` is \[14\.18, 35\.78\]; it must be \[west, south, east, north\]",
    ),
    "privacy threshold wrong": (
        TEXT + "\n[privacy]\nmin_count = -3\n",
        r"`privacy\.min_count` is -3; it must be a whole number",
    ),
}


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][1]])
def test_manifest__one_sentence(case, tmp_path):
    text, pattern = CASES[case]
    folder = region_copy(tmp_path, text)
    with pytest.raises(RegionError, match=pattern) as info:
        load_region(folder)
    msg = str(info.value)
    assert "\n" not in msg and msg.endswith(".")


def test_manifest__unknown_capacity_column(tmp_path):
    raw = tomllib.loads(TEXT)
    svc = raw["services"][0]
    text = TEXT.replace(f'capacity = "{svc["capacity"]}"', 'capacity = "no_such_column"', 1)
    assert text != TEXT
    with pytest.raises(RegionError, match=r"`services\[0\]\.capacity` = `no_such_column` is not a column of"):
        load_region(region_copy(tmp_path, text))


def test_manifest__every_problem_at_once(tmp_path):
    text = _sub(r"^cell_size_m = 1000$", 'cell_size_m = "1000"').replace("[osm]\n", "[osm]\nfile = 'x'\n", 1)
    with pytest.raises(RegionError, match=r"`osm\.file` is not a known key.*`population\.cell_size_m` is '1000'"):
        load_region(region_copy(tmp_path, text))


@pytest.mark.parametrize(
    ("encoding", "loads"), [("utf-8-sig", True), ("utf-16", True), ("latin-1", False), ("utf-16-le", False)]
)
def test_manifest__encodings(encoding, loads, tmp_path):
    text = TEXT.replace('name = "Malta"', 'name = "Malta é"', 1)
    folder = region_copy(tmp_path, data=text.encode(encoding))
    if loads:
        assert load_region(folder).name == "Malta é"
    else:
        with pytest.raises(RegionError, match=r"is not UTF-8 .*save the manifest as UTF-8\.$"):
            load_region(folder)


def test_manifest__cli_exit_2(tmp_path, capsys):
    folder = region_copy(tmp_path, CASES["osm path climbing out"][0])
    assert main(["urbanisation", "--region", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and len(err.splitlines()) == 1 and "outside the region folder" in err


def test_manifest__malta_loads_as_before():
    assert MALTA.name == "Malta" and MALTA.cell_size_m == 1000 and len(MALTA.services) == 1
