"""The command line, run as a user would: ``python -m geo ...`` in a subprocess and in-process."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.cli import main
from geo.groups import cell_summary, group_summary
from geo.settings import ROOT_DIR

pytestmark = pytest.mark.malta


def test_regions_lists_malta(capsys):
    assert main(["regions"]) == 0
    assert capsys.readouterr().out.startswith("malta\tMalta\tEPSG:3035")


def test_summary_json_equals_library(malta, capsys):
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
    for g in ["T", "NAT", "EU_OTH", "OTH"]:
        assert rows[g]["pop"] == pytest.approx(lib.loc[g, "pop"])
        assert rows[g]["mean_min"] == pytest.approx(lib.loc[g, "mean_min"])
        assert rows[g]["share_beyond"] == pytest.approx(lib.loc[g, "share_beyond"])
    # plausibility: most residents of Malta are within 20 minutes by car of a hospital
    assert rows["T"]["share_beyond"] < 0.05


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".parquet"])
def test_access_writes_one_row_per_populated_cell(malta, tmp_path, suffix):
    out = tmp_path / f"cells{suffix}"
    assert main(["access", "--mode", "walk", "--category", "pharmacy", "--out", str(out)]) == 0
    if suffix == ".csv":
        table = pd.read_csv(out)
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


def test_access_with_custom_services_file(malta, tmp_path):
    svc = tmp_path / "clinic.csv"
    pd.DataFrame({"name": ["Valletta"], "lon": [14.5146], "lat": [35.8989]}).to_csv(svc, index=False)
    out = tmp_path / "c.csv"
    assert main(["access", "--mode", "drive", "--services", str(svc), "--out", str(out)]) == 0
    table = pd.read_csv(out).set_index("cell_id")
    # one clinic in Valletta: every cell whose residents stand on Malta island's road network reaches it,
    # and no cell of Gozo or Comino does (no ferry, no distance across the sea)
    node, _ = malta.origin_nodes("drive")
    on_malta = malta.networks["drive"].component[np.maximum(node, 0)] == 0
    malta_cells = set(malta.origins.loc[on_malta & (node >= 0), "cell_id"])
    assert set(table.index[table["time_nearest_min"].notna()]) == malta_cells


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "geo", *args], cwd=ROOT_DIR, capture_output=True, text=True, timeout=300
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
    assert r.returncode == 2 and "Unknown service category `spa`" in r.stderr and "Traceback" not in r.stderr


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
