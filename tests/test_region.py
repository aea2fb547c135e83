"""Regions as data: manifests, add-region, and a second region working with no code change."""

from __future__ import annotations

import numpy as np
import pytest

from equimap import RegionError, list_regions, load_region
from equimap._errors import DataError
from equimap.network.prepare import prepare_region
from equimap.region.add import add_region
from tests import tiny_region


def test_malta_manifest_loads():
    r = load_region("malta")
    assert r.name == "Malta" and r.crs == "EPSG:3035"
    assert [g.key for g in r.groups] == ["birth", "age", "sex"]
    assert r.group("birth").columns == {
        "NAT": "Born in Malta",
        "EU_OTH": "Born in another EU country",
        "OTH": "Born outside the EU",
    }
    assert any("OpenStreetMap" in line for line in r.attribution)
    assert any("Eurostat" in line for line in r.attribution)
    assert "malta" in list_regions()


def test_load_region__unknown_names_known_ones():
    with pytest.raises(RegionError, match=r"Region `atlantis` not found.*known regions are \[.*'malta'"):
        load_region("atlantis")


def test_load_region__manifest_problems_listed_once(tmp_path):
    (tmp_path / "region.toml").write_text('name = "X"\n[osm]\npath = "missing.pbf"\n', encoding="utf-8")
    with pytest.raises(RegionError) as err:
        load_region(tmp_path)
    text = str(err.value)
    assert "`crs` is missing" in text and "`population.path` is missing" in text and "missing.pbf" in text


def test_load_region__bad_toml(tmp_path):
    (tmp_path / "region.toml").write_text("name = \n", encoding="utf-8")
    with pytest.raises(RegionError, match="is not valid TOML"):
        load_region(tmp_path)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A second region, added with `add_region` from local files, prepared into its own cache."""
    src = tiny_region.write_region(tmp_path_factory.mktemp("src"))
    data = tmp_path_factory.mktemp("data")
    region = add_region("tiny", osm=src["osm"], population=src["population"], services=src["services"], data_dir=data)
    return prepare_region(region, cache_root=tmp_path_factory.mktemp("cache"))


def test_add_region__writes_a_manifest_that_loads(tiny):
    r = tiny.region
    assert r.key == "tiny" and r.crs == "EPSG:3035"
    assert r.group("birth").columns.keys() == {"NAT", "EU_OTH", "OTH"}
    assert (r.folder / "region.toml").exists()


def test_add_region__existing_key_refused(tiny):
    src = tiny.region.folder
    with pytest.raises(RegionError, match="already exists"):
        add_region("tiny", osm=src / "tiny.osm", population=src / "grid.gpkg", data_dir=src.parent)


def test_add_region__population_without_group_columns(tmp_path):
    src = tiny_region.write_region(tmp_path / "src")
    with pytest.raises(DataError, match="column `NOPE` missing"):
        add_region(
            "x", osm=src["osm"], population=src["population"], groups={"birth": {"NOPE": "?"}}, data_dir=tmp_path
        )


def test_tiny_region__times_by_hand(tiny):
    # the pharmacy is at lattice node (1, 1); walking at 4.8 km/h, a block of ~250 m takes ~187.5 s
    ew_s = tiny_region.block_length_m(east_west=True) / (4.8 / 3.6)
    ns_s = tiny_region.block_length_m(east_west=False) / (4.8 / 3.6)
    acc = tiny.access("walk", "pharmacy")
    o = tiny.origins
    ij = {tiny_region.node_id(i, j): (i, j) for i in range(5) for j in range(5)}
    net = tiny.networks["walk"]
    for origin, row in o.iterrows():
        i, j = ij[int(net.osmid[row["node"]])]
        assert acc.loc[origin, "time_nearest_s"] == pytest.approx(abs(i - 1) * ns_s + abs(j - 1) * ew_s, rel=3e-3), (
            i,
            j,
        )


def test_tiny_region__official_list_selectable(tiny):
    svc = tiny.services_for("official")
    assert list(svc["name"]) == ["Far Clinic"]
    acc = tiny.access("drive", "official")
    assert np.isfinite(acc["time_nearest_s"]).all()


def test_tiny_region__population_conserved(tiny):
    sums = tiny.origins[["T", "NAT", "EU_OTH", "OTH", "M", "F"]].sum()
    assert sums.to_dict() == pytest.approx({"T": 160, "NAT": 85, "EU_OTH": 45, "OTH": 30, "M": 80, "F": 80})
