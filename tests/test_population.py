"""Reading the population layer and placing residents on the network."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from equimap._errors import DataError
from equimap.network.graph import Network
from equimap.network.residents import place_residents
from equimap.region.census import load_population, reconcile_groups
from equimap.region.manifest import load_region
from tests import tiny_region


def _region_with(tmp_path, gdf: gpd.GeoDataFrame | None, *, name="grid.gpkg", raw: bytes | None = None):
    """Return the Malta manifest pointed at another population file."""
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        gdf.to_file(path, driver="GPKG" if name.endswith(".gpkg") else "GeoJSON")
    return dataclasses.replace(load_region("malta"), population_path=path, population_layer=None)


def _grid(**overrides) -> gpd.GeoDataFrame:
    g = tiny_region.grid_frame()
    g["Y_LT15"], g["Y_1564"], g["Y_GE65"] = 0, g["T"], 0
    for k, v in overrides.items():
        g[k] = v
    return g


@pytest.mark.malta
def test_load_population__malta_totals():
    pop = load_population(load_region("malta"))
    assert len(pop) == 311 and pop.index.name == "cell_id"
    assert pop["T"].sum() == 519_562
    assert pop[["NAT", "EU_OTH", "OTH"]].sum().sum() == 519_562
    assert (pop["UNKNOWN_BIRTH"] == 0).all()


def test_load_population__confidential_zero_is_unknown_not_zero(tmp_path):
    g = _grid()
    g.loc[0, "OTH"] = 0  # written as 0 ...
    g["OTH_CI"] = [1, 0, 0]  # ... but flagged confidential: unknown
    g["NAT_CI"] = [1, 0, 0]  # flagged but published non-zero: kept
    pop = load_population(_region_with(tmp_path, g))
    first = pop.iloc[0]
    assert first["NAT"] == 60 and first["OTH"] == 0
    # the 10 residents whose birthplace is unknown are kept, in UNKNOWN_BIRTH
    assert first["UNKNOWN_BIRTH"] == 10
    assert pop[["NAT", "EU_OTH", "OTH", "UNKNOWN_BIRTH"]].sum(axis=1).tolist() == pop["T"].tolist()


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")  # writing the bad fixture itself
def test_load_population__no_crs(tmp_path):
    g = _grid()
    g = g.set_crs(None, allow_override=True)
    with pytest.raises(DataError, match=r"`grid.gpkg` has no CRS; set one"):
        load_population(_region_with(tmp_path, g))


def test_load_population__missing_group_columns(tmp_path):
    g = _grid().drop(columns=["EU_OTH", "OTH"])
    with pytest.raises(DataError, match=r"`grid.gpkg`: columns `EU_OTH`, `OTH` missing"):
        load_population(_region_with(tmp_path, g))


def test_load_population__negative_and_non_numeric(tmp_path):
    g = _grid()
    g["T"] = g["T"].astype(object)
    g.loc[1, "T"] = "forty"
    g.loc[0, "NAT"] = -3
    with pytest.raises(DataError) as err:
        load_population(_region_with(tmp_path, g))
    text = str(err.value)
    assert "column `T` has non-numeric values such as 'forty'" in text
    assert "column `NAT` has negative counts such as -3" in text


def test_load_population__empty_file(tmp_path):
    with pytest.raises(DataError, match=r"`grid.gpkg` is empty; export the layer again"):
        load_population(_region_with(tmp_path, None, raw=b""))


def test_load_population__corrupt_file(tmp_path):
    with pytest.raises(DataError, match=r"`grid.gpkg` could not be read"):
        load_population(_region_with(tmp_path, None, raw=b"not a geopackage at all" * 10))


def test_load_population__geographic_grid_refused(tmp_path):
    g = _grid().to_crs(4326)
    with pytest.raises(DataError, match="geographic CRS"):
        load_population(_region_with(tmp_path, g))


def test_reconcile_groups__largest_remainder_by_hand():
    # T = 10, groups 6 + 3 + 4 = 13: scaled by 10/13 -> 4.615, 2.308, 3.077; floors 4, 2, 3 (9);
    # the one resident left goes to the largest fraction (0.615, the first group) -> 5, 2, 3
    groups = pd.DataFrame({"NAT": [6.0, 5.0], "EU_OTH": [3.0, 2.0], "OTH": [4.0, 1.0]}, index=["a", "b"])
    out, moved = reconcile_groups(groups, pd.Series([10.0, 10.0], index=["a", "b"]))
    assert out.loc["a"].tolist() == [5.0, 2.0, 3.0]
    assert out.loc["b"].tolist() == [5.0, 2.0, 1.0]  # sums to 8 <= 10: unchanged
    assert moved.tolist() == [3.0, 0.0]


def test_reconcile_groups__ties_unknown_and_fractions():
    # T = 3, groups 2 + 2 = 4: 1.5 and 1.5, floors 1 + 1, one left over: the tie goes to the first column
    out, moved = reconcile_groups(pd.DataFrame({"M": [2.0], "F": [2.0]}), pd.Series([3.0]))
    assert out.iloc[0].tolist() == [2.0, 1.0] and moved.tolist() == [1.0]
    # an unknown (NaN) group stays unknown; the known ones are scaled to the total
    out, _ = reconcile_groups(pd.DataFrame({"A": [8.0], "B": [np.nan], "C": [4.0]}), pd.Series([6.0]))
    assert out.iloc[0, 0] == 4.0 and np.isnan(out.iloc[0, 1]) and out.iloc[0, 2] == 2.0
    # counts that are not whole numbers are scaled without rounding
    out, _ = reconcile_groups(pd.DataFrame({"A": [1.5], "B": [1.5]}), pd.Series([2.0]))
    assert out.iloc[0].tolist() == [1.0, 1.0]


def test_load_population__groups_exceed_total_are_scaled_to_it(tmp_path):
    g = _grid()
    g.loc[0, "NAT"] = 95  # cell 0: T = 100, NAT 95 + EU_OTH 30 + OTH 10 = 135 > 100
    pop = load_population(_region_with(tmp_path, g))
    first = pop.iloc[0]
    # 95, 30, 10 times 100/135 = 70.37, 22.22, 7.41 -> floors 70, 22, 7 (99); +1 to the largest fraction (0.41, OTH)
    assert [first["NAT"], first["EU_OTH"], first["OTH"]] == [70.0, 22.0, 8.0]
    assert first["UNKNOWN_BIRTH"] == 0 and first["T"] == 100
    assert pop.attrs["reconciled"]["birth"] == {"cells": 1, "residents": 35.0}
    assert pop.attrs["reconciled"]["sex"] == {"cells": 0, "residents": 0.0}


def _line_net() -> Network:
    """Nodes at x = 100, 300, 500, 700 (y = 500) on one street, plus an isolated pair far away."""
    g = nx.MultiDiGraph(crs="EPSG:3035")
    xs = [100.0, 300.0, 500.0, 700.0]
    for i, x in enumerate(xs):
        g.add_node(i, x=x, y=500.0)
    for i in range(3):
        g.add_edge(i, i + 1, length=200.0, travel_time=150.0)
        g.add_edge(i + 1, i, length=200.0, travel_time=150.0)
    g.add_node(10, x=5500.0, y=500.0)
    g.add_node(11, x=5600.0, y=500.0)
    g.add_edge(10, 11, length=100.0, travel_time=75.0)
    g.add_edge(11, 10, length=100.0, travel_time=75.0)
    return Network.from_graph(g, mode="walk")


def test_place_residents__split_over_homes_and_totals_kept():
    net = _line_net()
    cells = gpd.GeoDataFrame(
        {"T": [90.0, 5.0], "A": [60.0, 5.0]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs="EPSG:3035",
        index=pd.Index(["c1", "c2"], name="cell_id"),
    )
    is_home = np.array([True, False, True, True, False, False])
    out = place_residents(cells, net, count_columns=["T", "A"], is_home=is_home, min_component_nodes=3)
    c1 = out[out["cell_id"] == "c1"]
    # 90 residents over the three home nodes of the big component: 30 each
    assert sorted(net.osmid[c1["node"]].tolist()) == [0, 2, 3]
    np.testing.assert_allclose(c1["T"], 30.0)
    # c2 has no node: its residents go to the nearest node (x=700), 300 m from the cell edge
    c2 = out[out["cell_id"] == "c2"]
    assert len(c2) == 1 and net.osmid[c2["node"].iloc[0]] == 3 and c2["snap_m"].iloc[0] == pytest.approx(300.0)
    assert out[["T", "A"]].sum().tolist() == [95.0, 65.0]


def test_place_residents__no_street_on_its_island_is_reported_not_moved():
    net = _line_net()
    cells = gpd.GeoDataFrame(
        {"T": [7.0]}, geometry=[box(3000, 0, 4000, 1000)], crs="EPSG:3035", index=pd.Index(["sea"], name="cell_id")
    )
    land = gpd.GeoSeries([box(2900, 100, 4100, 900), box(0, 0, 1000, 1000)], crs="EPSG:3035")
    out = place_residents(cells, net, count_columns=["T"], land=land, max_snap_m=5000)
    # the island has no street: the residents stay, with node -1 (unreachable), never snapped across the water
    assert out["node"].tolist() == [-1] and out["T"].tolist() == [7.0]


def test_place_residents__crs_mismatch():
    net = _line_net()
    cells = gpd.GeoDataFrame({"T": [1.0]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    with pytest.raises(DataError, match=r"CRS EPSG:4326 differs from the network CRS EPSG:3035"):
        place_residents(cells, net, count_columns=["T"])


def test_reconciled_groups_are_stated_in_prepare_and_the_methods(tmp_path):
    from equimap.report.preparation import found_lines, preparation_lines

    g = _grid()
    g.loc[0, "NAT"] = 95  # 35 residents too many in one cell
    region = _region_with(tmp_path, g)
    pop = load_population(region)
    summary = {"reconciled": pop.attrs["reconciled"], "study_area": pop.attrs["study_area"]}
    en = preparation_lines(summary, region, "en")
    fr = preparation_lines(summary, region, "fr")
    assert len(en) == len(fr) == 1  # birth only; no study area
    assert en[0].startswith("In 1 census cells the groups of “Country of birth” added up to more than")
    assert pop.attrs["reconciled"]["birth"]["residents"] == 35
    # published like the region totals: to the nearest 10 (and "fewer than 10" below the minimum count)
    assert "moving 40 residents in all" in en[0]
    assert "soit 40 habitants déplacés" in fr[0]
    assert found_lines(summary, region) == en
