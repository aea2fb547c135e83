"""The network's coverage: residents in cells with no street of the extract, reported apart from the unreachable.

The tiny region's 2 × 2 km grid (`tests/tiny_region.py`) gets two more cells east of the
extract: one 750 m from the nearest street (joined to it, within the 1 km snapping limit)
and one 3.75 km away (not placed: unreachable). Counts worked out by hand.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from equimap.cli import main
from equimap.network.prepare import prepare_region
from equimap.region.add import add_region
from tests import tiny_region


def _beyond_the_extract(tmp_path):
    src = tiny_region.write_region(tmp_path / "src")
    grid = gpd.read_file(src["population"], layer="grid")
    extra = []
    for k, (dx, t) in enumerate(((2000, 30), (5000, 50))):  # nodes reach x0 + 1250: 750 m and 3750 m away
        x, y = tiny_region.X0 + dx, tiny_region.Y0
        row = {"GRD_ID": f"EXTRA{k}", "T": t, "NAT": t, "EU_OTH": 0, "OTH": 0, "M": t // 2, "F": t - t // 2}
        extra.append({**row, "LAND_SURFACE": 1.0, "geometry": box(x, y, x + 1000, y + 1000)})
    grid = pd.concat([grid, gpd.GeoDataFrame(extra, crs=grid.crs)], ignore_index=True)
    grid.to_file(src["population"], layer="grid", driver="GPKG")
    return add_region("cov", osm=src["osm"], population=src["population"], data_dir=tmp_path / "data")


def test_coverage__residents_without_a_street_reported_apart(tmp_path, caplog):
    region = _beyond_the_extract(tmp_path)
    with caplog.at_level("WARNING"):
        prep = prepare_region(region, modes=("walk",), cache_root=tmp_path / "cache")
    cov = prep.summary["coverage"]
    assert cov["cells"] == 5 and cov["residents"] == 240
    assert cov["cells_no_street"] == 2 and cov["residents_no_street"] == 80
    assert cov["cells_not_placed"] == 1 and cov["residents_not_placed"] == 50
    assert cov["share_no_street"] == pytest.approx(80 / 240) and cov["warn"]
    assert "outside the network's coverage" in caplog.text
    # the far cell's residents are unreachable; the near one's are placed 750 m from their street
    o = prep.origins.set_index("cell_id")
    assert o.loc["EXTRA1", "node"] < 0 and o.loc["EXTRA0", "node"] >= 0
    assert o.loc["EXTRA0", "snap_m"] == pytest.approx(750, abs=1)
    # a second run reads the same summary from the cache
    again = prepare_region(region, modes=("walk",), cache_root=tmp_path / "cache")
    assert again.summary == prep.summary


def test_prepare_prints_what_it_found_without_verbose(tmp_path, capsys, monkeypatch):
    region = _beyond_the_extract(tmp_path)
    monkeypatch.setenv("EQUIMAP_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["--data-dir", str(region.folder.parent), "prepare", "--region", "cov"]) == 0
    out = capsys.readouterr()
    assert (
        "coverage: 2 of 5 populated cells had no street inside (80 residents, 33.3 % outside the network's coverage); "
        "1 of them could not be placed on the network (50 residents, counted as unreachable)" in out.out
    )
    assert "80 residents (33.3%) live in 2 cells with no street" in out.out
    assert "Warning: this is more than 5%" in out.out


def test_coverage_warn_share_from_the_manifest(tmp_path):
    region = _beyond_the_extract(tmp_path)
    manifest = region.folder / "region.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n[coverage]\nwarn_share = 0.5\n", encoding="utf-8")
    prep = prepare_region(region.folder, modes=("walk",), cache_root=tmp_path / "cache")
    assert prep.summary["coverage"]["warn_share"] == 0.5 and not prep.summary["coverage"]["warn"]


def test_preparation_sentences_protect_small_counts():
    # one resident in one cell with no street (Malta's case): the sentence must not publish "1"
    from types import SimpleNamespace

    from equimap.report.preparation import found_lines, preparation_lines

    region = SimpleNamespace(folder=None, area=None, groups=[])
    summary = {
        "coverage": {
            "cells": 311,
            "cells_no_street": 1,
            "residents_no_street": 1.0,
            "share_no_street": 1 / 519562,
            "cells_not_placed": 0,
            "residents_not_placed": 0.0,
            "warn": False,
        }
    }
    en = " ".join(preparation_lines(summary, region, "en"))
    fr = " ".join(preparation_lines(summary, region, "fr"))
    assert en.startswith("Fewer than 10 residents") and fr.startswith("Moins de 10")
    assert (
        " 1 residents" not in " ".join(found_lines(summary, region))
        and "fewer than 10" in found_lines(summary, region)[0]
    )
    summary["coverage"]["residents_no_street"] = 1234.0
    assert preparation_lines(summary, region, "en")[0].startswith("1,230 residents")
