"""The command line, run as a user would: ``python -m equimap ...`` in a subprocess and in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest

from equimap import settings
from equimap.analysis.bundle import Question, build_bundle
from equimap.analysis.core import Analysis
from equimap.cli import main
from equimap.i18n import t
from equimap.indicators.gaps import group_gaps
from equimap.indicators.groups import cell_summary, group_summary
from equimap.protect.suppression import PROTECTED_NOTICE_KEY, UNPROTECTED_NOTICE
from equimap.region.services import load_service_file

pytestmark = pytest.mark.malta


#: The repository root (commands run from there).
ROOT_DIR = Path(__file__).resolve().parent.parent


def test_regions_lists_malta(capsys):
    assert main(["regions"]) == 0
    assert "malta\tMalta\tEPSG:3035" in capsys.readouterr().out.splitlines()


def test_summary_json_equals_library(malta, capsys, monkeypatch):
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")  # the unprotected run below needs an installation that allows it
    assert (
        main(
            [
                "summary",
                "--mode",
                "drive",
                "--category",
                "hospital",
                "--threshold-min",
                "20",
                "--group",
                "birth",
                "--json",
            ]
        )
        == 0
    )
    rows = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    acc = malta.access("drive", "hospital")
    lib = group_summary(
        malta.origins, acc["time_nearest_s"], groups={"T": "All", "NAT": "", "EU_OTH": "", "OTH": ""}, threshold_s=1200
    )
    # protected by default, as the report: counts to the nearest 10, shares to 4 decimals
    report = Analysis(malta, Question("drive", "hospital", 20.0)).groups("birth")
    for g in ["T", "NAT", "EU_OTH", "OTH"]:
        assert rows[g]["pop"] == report.loc[g, "pop"] == pytest.approx(lib.loc[g, "pop"], abs=5)
        assert rows[g]["mean_min"] == pytest.approx(lib.loc[g, "mean_min"])
        if rows[g]["share_beyond"] is None:  # hidden with a small count of residents beyond 20 min
            assert np.isnan(report.loc[g, "share_beyond"]) and lib.loc[g, "pop_beyond"] < 10
        else:
            assert rows[g]["share_beyond"] == report.loc[g, "share_beyond"]
            assert rows[g]["share_beyond"] == pytest.approx(lib.loc[g, "share_beyond"], abs=5e-5)
    # without protection, the figures are those of group_summary computed here on the origins
    main(
        [
            "summary",
            "--mode",
            "drive",
            "--category",
            "hospital",
            "--threshold-min",
            "20",
            "--group",
            "birth",
            "--json",
            "--suppress-below",
            "0",
        ]
    )
    raw = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    for g in ["T", "NAT", "EU_OTH", "OTH"]:
        assert raw[g]["pop"] == pytest.approx(round(lib.loc[g, "pop"]))
        assert raw[g]["pop_beyond"] == pytest.approx(round(lib.loc[g, "pop_beyond"]))
        assert raw[g]["p90_min"] == pytest.approx(lib.loc[g, "p90_min"])
    # plausibility: most residents of Malta are within 20 minutes by car of a hospital
    assert rows["T"]["share_beyond"] < 0.05


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".parquet"])
def test_access_writes_one_row_per_populated_cell(malta, tmp_path, suffix):
    out = tmp_path / f"cells{suffix}"
    assert main(["access", "--mode", "walk", "--category", "pharmacy", "--out", str(out)]) == 0
    if suffix == ".csv":
        table = pd.read_csv(out, skiprows=1)
    elif suffix == ".parquet":
        table = pd.read_parquet(out)
    else:
        assert pyogrio.read_info(out, layer="access")["crs"] == "EPSG:3035"
        table = gpd.read_file(out, layer="access")
    assert len(table) == 311 and table["cell_id"].is_unique
    expected = cell_summary(
        malta.origins, malta.access("walk", "pharmacy"), count_columns=malta.count_columns, threshold_s=900
    )
    got = table.set_index("cell_id").loc[expected.index]
    np.testing.assert_allclose(got["time_nearest_min"], expected["time_nearest_min"], rtol=1e-9)
    assert {"NAT", "EU_OTH", "OTH", "n_within_15min", "time_mean3_min"} <= set(table.columns)


def test_access_files_are_protected_like_the_report_cells(malta, tmp_path, capsys):
    out = tmp_path / "cells.csv"
    assert main(["access", "--mode", "walk", "--category", "pharmacy", "--out", str(out)]) == 0
    assert "values hidden" in capsys.readouterr().err
    first = out.read_text(encoding="utf-8").splitlines()[0]
    table = pd.read_csv(out, skiprows=1).set_index("cell_id")
    counts = [c for c in table.columns if c in malta.count_columns or c.startswith("beyond_")]
    assert len(counts) == 2 * len(malta.count_columns)
    values = table[counts]
    assert not (values.gt(0) & values.lt(10)).any().any()  # no small non-zero count left
    assert values.isna().any().any() and (values.fillna(0) % 1 == 0).all().all()  # hidden cells; whole residents
    # the first line says how many values are hidden: counts, and shares of a non-empty cell
    n_hidden = int(values.isna().sum().sum() + (table["share_beyond"].isna() & table["T"].ne(0)).sum())
    assert first == "# " + t(PROTECTED_NOTICE_KEY, "en").format(threshold=10, suppressed=n_hidden)
    # the same protection as the report's cell table for the same question (counts, rounding, hidden cells)
    bundle = build_bundle(malta, [Question("walk", "pharmacy", 15.0)], threshold=10, n_boot=0)
    a = bundle.analyses[0]
    ours = bundle.tables["cells"].loc[table.index]
    for c in counts:
        src = a.col(c) if c.startswith("beyond_") else c
        pd.testing.assert_series_equal(table[c], ours[src], check_names=False, check_dtype=False)
    # shares beyond come from the published counts and are hidden with them
    visible = table["beyond_T"].notna() & table["T"].gt(0)
    np.testing.assert_allclose(
        table.loc[visible, "share_beyond"], table.loc[visible, "beyond_T"] / table.loc[visible, "T"]
    )
    assert table.loc[table["beyond_T"].isna(), "share_beyond"].isna().all()


def test_access_without_protection_says_so_first(malta, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")  # an installation that allows unprotected outputs
    out = tmp_path / "cells.parquet"
    argv = ["access", "--mode", "walk", "--category", "pharmacy", "--out", str(out), "--suppress-below", "0"]
    assert main(argv) == 0
    assert "protection is OFF" in capsys.readouterr().err
    meta = pq.read_schema(out).metadata
    assert meta[b"equimap_notice"].decode("utf-8") == UNPROTECTED_NOTICE
    table = pd.read_parquet(out).set_index("cell_id")
    expected = cell_summary(
        malta.origins, malta.access("walk", "pharmacy"), count_columns=malta.count_columns, threshold_s=900
    )
    assert table["T"].notna().all()
    np.testing.assert_allclose(table["T"], np.round(expected.loc[table.index, "T"]))  # whole residents, none hidden
    gpkg = tmp_path / "cells.gpkg"
    assert (
        main(["access", "--mode", "walk", "--category", "pharmacy", "--out", str(gpkg), "--suppress-below", "0"]) == 0
    )
    assert pyogrio.read_dataframe(gpkg, layer="README")["text"].iloc[0] == UNPROTECTED_NOTICE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.txt"], "must end in .csv, .gpkg or .parquet"),
        (["--out", "x.csv", "--suppress-below", "-1"], "give 0"),
    ],
)
def test_access__bad_output(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["access", "--mode", "walk", "--category", "pharmacy", *args]) == 2
    assert message in capsys.readouterr().err


def test_access_with_custom_services_file(malta, tmp_path):
    svc = tmp_path / "clinic.csv"
    pd.DataFrame({"name": ["Valletta"], "lon": [14.5146], "lat": [35.8989]}).to_csv(svc, index=False)
    out = tmp_path / "c.csv"
    assert main(["access", "--mode", "drive", "--services", str(svc), "--out", str(out)]) == 0
    table = pd.read_csv(out, skiprows=1).set_index("cell_id")
    # one clinic in Valletta: every cell whose residents stand on Malta island's road network reaches it,
    # and no cell of Gozo or Comino does (no ferry, no distance across the sea)
    node, _ = malta.origin_nodes("drive")
    on_malta = malta.networks["drive"].component[np.maximum(node, 0)] == 0
    malta_cells = set(malta.origins.loc[on_malta & (node >= 0), "cell_id"])
    assert set(table.index[table["time_nearest_min"].notna()]) == malta_cells


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "equimap", *args], cwd=ROOT_DIR, capture_output=True, text=True, timeout=300
    )


def test_errors_are_one_sentence_and_exit_2():
    r = _run("summary", "--region", "atlantis")
    assert r.returncode == 2
    assert r.stderr.strip().startswith("error: Region `atlantis` not found")
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_errors__bad_services_file(tmp_path):
    bad = tmp_path / "x.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    r = _run("summary", "--mode", "walk", "--services", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "`x.geojson` could not be read" in r.stderr


def test_errors__unknown_category():
    r = _run("summary", "--category", "spa")
    assert r.returncode == 2 and "['spa'] are unknown" in r.stderr and "Traceback" not in r.stderr


def test_equity_json_has_intervals(capsys):
    assert main(["equity", "--mode", "walk", "--category", "health", "--n-boot", "40", "--json"]) == 0
    rows = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"NAT", "EU_OTH", "OTH"}
    for r in rows.values():
        assert r["mean_time_s_lo"] <= r["mean_time_s"] <= r["mean_time_s_hi"]
    assert rows["NAT"]["mean_diff_s"] == 0 and rows["NAT"]["is_reference"]


def test_supply_and_inequality_print_tables(capsys):
    assert main(["supply", "--mode", "drive", "--category", "hospital_official", "--catchment-min", "30"]) == 0
    out = capsys.readouterr().out
    assert "Born outside the EU" in out and "per_1000" in out
    assert main(["inequality", "--mode", "walk", "--category", "health"]) == 0
    assert "theil_between" in capsys.readouterr().out


def _one_hospital(tmp_path: Path) -> Path:
    """Write Malta's Mater Dei Hospital (1,046 beds), alone, as a GeoJSON file."""
    src = settings.BUNDLED_DATA_DIR / "malta" / "eurostat_healthcare_services_MT.geojson"
    g = gpd.read_file(src)
    one = g[g["hospital_name"] == "Mater Dei Hospital"][["hospital_name", "cap_beds", "geometry"]]
    assert len(one) == 1 and one["cap_beds"].iloc[0] == 1046
    path = tmp_path / "mater_dei.geojson"
    one.to_file(path)
    return path


def _mater_dei(malta, path: Path) -> gpd.GeoDataFrame:
    return load_service_file(
        path, category="mater_dei", name_col="hospital_name", capacity_col="cap_beds", crs=malta.region.crs
    )


def _printed_rows(out: str, *, first: int) -> list[list[str]]:
    """Return the whitespace-split lines of a printed table after its first `first` lines."""
    return [line.split() for line in out.strip().splitlines()[first:]]


def test_supply_uses_the_services_file(malta, tmp_path, capsys):
    path = _one_hospital(tmp_path)
    argv = ["supply", "--mode", "drive", "--category", "hospital_official", "--catchment-min", "15"]
    assert main(argv) == 0
    full = capsys.readouterr().out
    one = ["--services", str(path), "--services-name", "hospital_name", "--services-capacity", "cap_beds"]
    assert main([*argv, *one]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Malta: mater_dei.geojson by drive, 2sfca, catchment 15 min"
    assert full.splitlines()[0].startswith("Malta: Hospitals (official list) by drive")
    # lines: title, header, index name, then one row per group: group, label..., pop, per_1000, ratio
    per_1000 = {r[0]: float(r[-2]) for r in _printed_rows(out, first=3)}
    full_per_1000 = {r[0]: float(r[-2]) for r in _printed_rows(full, first=3)}
    assert set(per_1000) == {"NAT", "EU_OTH", "OTH"}
    # by hand: with one site, every resident within 15 min has beds / (residents within 15 min), others 0;
    # who is within 15 min comes from the nearest-time search, not from the catchment code
    t = malta.access("drive", "hospital_official", services=_mater_dei(malta, path))["time_nearest_s"]
    near = malta.origins[t <= 900]
    assert 0 < len(near) < len(malta.origins)
    for g in per_1000:
        expected = 1000 * 1046 / near["T"].sum() * near[g].sum() / malta.origins[g].sum()
        assert per_1000[g] == pytest.approx(expected, abs=6e-5)
        assert per_1000[g] != pytest.approx(full_per_1000[g], abs=1e-3)


def test_equity_uses_the_services_file(malta, tmp_path, capsys):
    path = _one_hospital(tmp_path)
    argv = ["equity", "--mode", "drive", "--category", "hospital_official", "--threshold-min", "15", "--n-boot", "20"]
    assert main([*argv, "--json"]) == 0
    full = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    assert main([*argv, "--json", "--services", str(path)]) == 0
    rows = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    t = malta.access("drive", "hospital_official", services=_mater_dei(malta, path))["time_nearest_s"]
    dim = malta.region.group("birth")
    lib = group_gaps(
        malta.origins, t, groups=dim.columns, reference=dim.reference, threshold_s=900, total="T", n_boot=20, seed=0
    )
    o = malta.origins
    reach = np.isfinite(t)
    for g in ["NAT", "EU_OTH", "OTH"]:
        for col in ["pop", "mean_time_s", "mean_time_s_lo", "share_beyond", "share_beyond_hi", "mean_diff_s"]:
            assert rows[g][col] == pytest.approx(lib.loc[g, col], rel=1e-12, abs=1e-12), (g, col)
        # by hand: mean over residents who reach it; beyond 15 min includes Gozo and Comino (no road to Mater Dei)
        assert rows[g]["mean_time_s"] == pytest.approx(np.average(t[reach], weights=o.loc[reach, g]))
        assert rows[g]["share_beyond"] == pytest.approx(o.loc[t > 900, g].sum() / o[g].sum())
        assert rows[g]["share_beyond"] > full[g]["share_beyond"]
    assert main([*argv, "--services", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("Malta: mater_dei.geojson by drive, threshold 15 min")


def test_inequality_uses_the_services_file(malta, tmp_path, capsys):
    from equimap.analysis.equity import inequality_table
    from equimap.indicators.inequality import gini

    path = _one_hospital(tmp_path)
    argv = ["inequality", "--mode", "drive", "--category", "hospital_official"]
    assert main(argv) == 0
    full = capsys.readouterr().out
    assert main([*argv, "--services", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Malta: inequality of travel time to mater_dei.geojson by drive"

    def values(text):  # lines: title, header, then index [grouping] value
        return {(r[0], r[1] if len(r) == 3 else ""): float(r[-1]) for r in _printed_rows(text, first=2)}

    got, before = values(out), values(full)
    svc = _mater_dei(malta, path)
    t = malta.access("drive", "hospital_official", services=svc)["time_nearest_s"]
    assert got[("gini", "")] == pytest.approx(gini(t, malta.origins["T"]), abs=6e-6)
    lib = inequality_table(malta, mode="drive", category="hospital_official", services=svc)
    assert got == {(r["index"], r["grouping"]): pytest.approx(r["value"], abs=6e-6) for _, r in lib.iterrows()}
    assert got[("gini", "")] != pytest.approx(before[("gini", "")], abs=1e-3)


def test_services_file_names_its_category_and_sites(malta, tmp_path, capsys):
    from equimap.cli import build_parser
    from equimap.cli._common import _services

    named, unnamed = tmp_path / "north_clinics.csv", tmp_path / "south_clinics.csv"
    pts = {"lon": [14.5146, 14.4025], "lat": [35.8989, 35.9550]}
    pd.DataFrame({"Name": ["Valletta", "Mellieha"], **pts}).to_csv(named, index=False)
    pd.DataFrame(pts).to_csv(unnamed, index=False)
    parse = build_parser().parse_args

    svc = _services(parse(["summary", "--services", str(named)]), malta)
    assert list(svc["name"]) == ["Valletta", "Mellieha"] and set(svc["category"]) == {"north_clinics"}
    svc = _services(parse(["summary", "--services", str(unnamed)]), malta)
    assert list(svc["name"]) == ["south_clinics 1", "south_clinics 2"]
    assert list(svc["service_id"]) == ["south_clinics/0", "south_clinics/1"]
    svc = _services(parse(["summary", "--services", str(named), "--services-name", "lon"]), malta)
    assert list(svc["name"]) == ["14.5146", "14.4025"]  # an explicit column wins
    assert main(["summary", "--mode", "walk", "--group", "birth", "--services", str(unnamed)]) == 0
    title = capsys.readouterr().out.splitlines()[0]
    assert title == "Malta: south_clinics.csv by walk, threshold 15 min"
