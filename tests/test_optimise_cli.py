"""`equimap optimise` and `Study.optimise`: the same numbers as the library, protected, and one sentence on bad input."""

from __future__ import annotations

import json

import pytest

from equimap.api import Study
from equimap.cli import main
from equimap.scenario import optimise as op

pytestmark = pytest.mark.malta

ARGS = ["optimise", "--region", "malta", "--mode", "walk", "--category", "pharmacy", "--threshold-min", "15"]


def test_cli_json__equals_library(malta, capsys, tmp_path):
    out = tmp_path / "oth.geojson"
    assert main([*ARGS, "--new", "3", "--weight-group", "OTH", "--json", "--out", str(out)]) == 0
    rec = json.loads(capsys.readouterr().out)
    lib = op.suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=3, only_group="OTH")
    want = op.suggestion_record(lib, threshold=10)
    assert rec["sites"] == want["sites"]
    assert rec["gains"] == want["gains"]
    assert rec["protected"] is True and rec["only_group"] == "OTH"
    # protected: every shown count a multiple of 10
    assert all(g["pop_gained"] % 10 == 0 for g in rec["gains"] if g["pop_gained"] is not None)
    doc = json.loads(out.read_text())
    assert [f["properties"]["service_id"] for f in doc["features"]] == [s["service_id"] for s in want["sites"]]


def test_api__equals_library(malta):
    s = Study(malta).optimise(mode="walk", category="pharmacy", threshold_min=15, new=3, weights={"OTH": 2})
    lib = op.suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=3, weights={"OTH": 2})
    assert s.sites["candidate_id"].tolist() == lib.sites["candidate_id"].tolist()
    assert s.gains.equals(lib.gains)


@pytest.mark.parametrize(
    ("extra", "sentence"),
    [
        (["--new", "0"], "The number of new sites must be a whole number of at least 1, not 0."),
        (["--new", "400"], "Asked for 400 new sites but there are only 311 candidate sites; ask for at most 311."),
        (["--new", "3", "--weight-group", "XYZ=2"], "Unknown population group `XYZ`; choose among NAT, EU_OTH, OTH,"),
        (["--new", "3", "--weight-group", "OTH=lots"], "`OTH=lots` is not a group weight; write GROUP=NUMBER"),
        (["--new", "3", "--weight-group", "OTH", "--weight-group", "NAT=2"], "Give either group weights"),
    ],
)
def test_cli__bad_input_one_sentence(capsys, extra, sentence):
    assert main([*ARGS, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: " + sentence)
    assert err.count(". ") == 0 and err.endswith(".")


def test_cli__candidates_outside_region(capsys, tmp_path):
    path = tmp_path / "cands.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": {"type": "Point", "coordinates": c}, "properties": {}}
                    for c in ([14.5146, 35.8989], [14.45, 35.70])
                ],
            }
        )
    )
    assert main([*ARGS, "--new", "1", "--candidates", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: `cands.geojson`: 1 of 2 candidate sites lie outside Malta or further than")
    assert err.endswith("(rows 2); move or remove them.")
