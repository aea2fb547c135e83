"""Outreach targets and access by Degree of Urbanisation: a hand-built region, then the real Malta region.

The hand region is a row of 1 km census cells (EPSG:3035), columns 0 to 8 from
the west, with land share 1, so density = residents per km²:

====  ======  ==========  ===================================================
cell  column  residents   class (worked out from the 2021 manual's rules)
====  ======  ==========  ===================================================
A     0       60,000      urban centre (30): dense and >= 50,000
B     1       450         suburban or peri-urban (21): >= 300/km², in the
                          urban cluster with A, not dense, alone < 5,000
C     3       800         rural cluster (13): >= 300/km², 500 to 4,999
D     5       100         low density rural (12): 50 to 299/km²
E     6       30          very low density rural (11)
F     8       20          very low density rural (11)
====  ======  ==========  ===================================================

Councils: Alpha covers A (a city), Beta covers B (a suburban or peri-urban
area), Gamma covers columns 3 to 6, i.e. C, D and E (a village: most of its
rural residents live in the rural cluster). F lies outside every council.

Origins and their travel times (threshold 20 min = 1,200 s):

=======  ====  ======  ===  ======  ===  ========  ==========================
origin   cell  T       NAT  EU_OTH  OTH  time (s)  beyond? excess (min)
=======  ====  ======  ===  ======  ===  ========  ==========================
0        A     59,000  49k  6,000   4k   300       no
1        A     1,000   800  100     100  1,500     yes, 5 (but A is urban)
2        B     250     200  20      30   1,500     yes, 5
3        B     150     100  10      40   1,320     yes, 2
4        B     50      50   0       0    600       no
5        C     800     600  100     100  1,800     yes, 10
6        D     100     40   10      50   inf       yes, unreachable: cap 60
7        E     30      30   0       0    900       no
8        F     20      10   0       10   2,400     yes, 20
=======  ====  ======  ===  ======  ===  ========  ==========================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal, assert_series_equal
from shapely.geometry import box

from equimap._errors import DataError
from equimap.analysis.classes import grid_classes, summary_by_class, unit_classes, urbanisation_of_origins
from equimap.analysis.outreach import OutreachWeights, _rank, outreach_targets
from equimap.cli import main
from equimap.i18n import t as message
from equimap.indicators.degurba import population_by_class
from equimap.indicators.groups import cell_summary, group_summary
from equimap.protect.suppression import PROTECTED_NOTICE_KEY, UNPROTECTED_NOTICE
from equimap.region.add import add_region
from equimap.region.census import load_population
from equimap.region.manifest import Region
from equimap.report.outreach_file import LAYER, export_table, protection_spec, write_targets
from tests import tiny_region

X0, Y0 = tiny_region.X0, tiny_region.Y0
CELLS = {  # id: (column, T, NAT, EU_OTH, OTH)
    "A": (0, 60_000, 49_800, 6_100, 4_100),
    "B": (1, 450, 350, 30, 70),
    "C": (3, 800, 600, 100, 100),
    "D": (5, 100, 40, 10, 50),
    "E": (6, 30, 30, 0, 0),
    "F": (8, 20, 10, 0, 10),
}
ORIGINS = [  # cell, T, NAT, EU_OTH, OTH, time_s
    ("A", 59_000, 49_000, 6_000, 4_000, 300.0),
    ("A", 1_000, 800, 100, 100, 1_500.0),
    ("B", 250, 200, 20, 30, 1_500.0),
    ("B", 150, 100, 10, 40, 1_320.0),
    ("B", 50, 50, 0, 0, 600.0),
    ("C", 800, 600, 100, 100, 1_800.0),
    ("D", 100, 40, 10, 50, np.inf),
    ("E", 30, 30, 0, 0, 900.0),
    ("F", 20, 10, 0, 10, 2_400.0),
]


def cell_box(col: int):
    return box(X0 + 1000 * col, Y0, X0 + 1000 * (col + 1), Y0 + 1000)


@dataclass(frozen=True)
class HandPrepared:
    """Stands in for `equimap.network.prepare.Prepared`: a real region and population, hand-placed origins and times."""

    region: Region
    population: gpd.GeoDataFrame
    origins: pd.DataFrame
    time_s: pd.Series

    def access(self, mode, category, *, services=None):  # noqa: ARG002 - same signature as Prepared.access
        return pd.DataFrame({"time_nearest_s": self.time_s})


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> HandPrepared:
    src = tmp_path_factory.mktemp("hand")
    osm = tiny_region.write_osm(src / "hand.osm")
    grid = gpd.GeoDataFrame(
        [
            {"GRD_ID": k, "T": t, "NAT": n, "EU_OTH": e, "OTH": o, "geometry": cell_box(c)}
            for k, (c, t, n, e, o) in CELLS.items()
        ],
        crs="EPSG:3035",
    )
    grid.to_file(src / "grid.gpkg", layer="grid", driver="GPKG")
    councils = gpd.GeoDataFrame(
        {"name": ["Alpha", "Beta", "Gamma"]},
        geometry=[cell_box(0), cell_box(1), box(X0 + 3000, Y0, X0 + 7000, Y0 + 1000)],
        crs="EPSG:3035",
    )
    councils.to_file(src / "councils.gpkg", driver="GPKG")
    region = add_region(
        "hand",
        osm=osm,
        population=src / "grid.gpkg",
        boundaries=src / "councils.gpkg",
        data_dir=tmp_path_factory.mktemp("data"),
    )
    rows = []
    for k, (cell, t, n, e, o, _) in enumerate(ORIGINS):
        col = CELLS[cell][0]
        rows.append(
            {
                "cell_id": cell,
                "node": k,
                "x": X0 + 1000 * col + 100 + 80 * k,
                "y": Y0 + 500.0,
                "snap_m": 0.0,
                "T": float(t),
                "NAT": float(n),
                "EU_OTH": float(e),
                "OTH": float(o),
                "UNKNOWN_BIRTH": 0.0,
            }
        )
    origins = pd.DataFrame(rows, index=pd.RangeIndex(len(rows), name="origin"))
    time_s = pd.Series([r[-1] for r in ORIGINS], index=origins.index, name="time_nearest_s")
    return HandPrepared(region=region, population=load_population(region), origins=origins, time_s=time_s)


def targets(prep, **kw):
    opts = {"mode": "walk", "category": "social", "threshold_s": 1200.0, "units_key": "units"}
    return outreach_targets(prep, **{**opts, **kw})


def expected_cells(rows: dict[str, tuple]) -> gpd.GeoDataFrame:
    """Build the expected cell ranking from hand figures: id -> (class, label, residents, unserved, unreachable, excess)."""
    out = []
    for rank, (cell, (code, label, pop, beyond, unreach, excess, score)) in enumerate(rows.items(), start=1):
        row = {"rank": rank, "degurba_l2": code, "degurba_l2_label": label}
        row |= dict(zip(["T", "NAT", "EU_OTH", "OTH", "UNKNOWN_BIRTH"], map(float, [*pop, 0]), strict=True))
        row |= dict(
            zip(
                ["beyond_T", "beyond_NAT", "beyond_EU_OTH", "beyond_OTH", "beyond_UNKNOWN_BIRTH"],
                map(float, [*beyond, 0]),
                strict=True,
            )
        )
        row["pop_unreachable"] = float(unreach)
        row["share_beyond"] = beyond[0] / pop[0]
        for g, b in zip(["NAT", "EU_OTH", "OTH"], beyond[1:], strict=True):
            row[f"beyond_share_{g}"] = b / beyond[0]
        row["beyond_share_UNKNOWN_BIRTH"] = 0.0
        row["mean_excess_min"] = excess
        row["score"] = score
        row["geometry"] = cell_box(CELLS[cell][0])
        row["cell_id"] = cell
        out.append(row)
    return gpd.GeoDataFrame(out, crs="EPSG:3035").set_index("cell_id")


# ------------------------------------------------------------------------------------------ hand region


def test_urbanisation_of_origins__by_hand(hand):
    got = urbanisation_of_origins(hand)
    l2 = {"A": 30, "B": 21, "C": 13, "D": 12, "E": 11, "F": 11}
    cells = [o[0] for o in ORIGINS]
    expected = pd.DataFrame(
        {
            "cell_id": cells,
            "degurba_l1": [l2[c] // 10 for c in cells],
            "degurba_l1_label": [
                {3: "Urban centre", 2: "Urban cluster", 1: "Rural grid cell"}[l2[c] // 10] for c in cells
            ],
            "degurba_l2": [l2[c] for c in cells],
        },
        index=hand.origins.index,
    )
    assert_frame_equal(got[expected.columns], expected, check_dtype=False)
    assert got.loc[2, "degurba_l2_label"] == "Suburban or peri-urban grid cell"  # origin 2 is in B


def test_outreach_targets__cells_ranked_by_hand(hand):
    got = targets(hand)
    # C: 800 unserved x 10 min = 8000; D: 100 unreachable x 60 (cap) = 6000;
    # B: 400 unserved, mean excess (250*5 + 150*2)/400 = 3.875 -> 1550; F: 20 x 20 = 400.
    # A is urban (class 30) and E has nobody beyond the threshold: neither ranks.
    exp = expected_cells(
        {
            "C": (13, "Rural cluster", (800, 600, 100, 100), (800, 600, 100, 100), 0, 10.0, 8000.0),
            "D": (12, "Low density rural grid cell", (100, 40, 10, 50), (100, 40, 10, 50), 100, 60.0, 6000.0),
            "B": (21, "Suburban or peri-urban grid cell", (450, 350, 30, 70), (400, 300, 30, 70), 0, 3.875, 1550.0),
            "F": (11, "Very low density rural grid cell", (20, 10, 0, 10), (20, 10, 0, 10), 0, 20.0, 400.0),
        }
    )
    assert_geodataframe_equal(got, exp, check_dtype=False)
    assert got.attrs["pop_total"] == 61_400 and got.attrs["beyond_total"] == 2_320
    assert got.attrs["n_places_in_classes"] == 5  # B, C, D, E, F
    assert got.attrs["beyond_in_classes"] == 1_320 and got.attrs["n_origins_outside"] == 0


def test_outreach_targets__group_changes_the_order(hand):
    got = targets(hand, group="OTH")
    # share of OTH among the unserved, + 0.05: C 100/800, D 50/100, B 70/400, F 10/20
    expected = pd.Series(
        {"D": 6000 * 0.55, "C": 8000 * 0.175, "B": 1550 * 0.225, "F": 400 * 0.55}, name="score"
    ).rename_axis("cell_id")
    assert_series_equal(got["score"], expected)
    assert got["rank"].tolist() == [1, 2, 3, 4]


def test_outreach_score__formula_by_hand(hand):
    w = OutreachWeights(unserved_exp=0.5, group_exp=2.0, excess_exp=1.5, epsilon=0.1, max_excess_min=15.0)
    got = targets(hand, group="OTH", weights=w)
    # excess is capped at 15 min: F's 20 min and D's unreachable residents count 15
    by_hand = {
        "C": 800**0.5 * (100 / 800 + 0.1) ** 2 * 10**1.5,
        "D": 100**0.5 * (50 / 100 + 0.1) ** 2 * 15**1.5,
        "B": 400**0.5 * (70 / 400 + 0.1) ** 2 * 3.875**1.5,
        "F": 20**0.5 * (10 / 20 + 0.1) ** 2 * 15**1.5,
    }
    assert got["score"].to_dict() == pytest.approx(by_hand, rel=1e-12)
    assert got["mean_excess_min"].to_dict() == pytest.approx({"C": 10.0, "D": 15.0, "B": 3.875, "F": 15.0})
    # D 209.1 > F 93.5 > C 45.3 > B 11.5
    assert got.index.tolist() == ["D", "F", "C", "B"]


def test_outreach_targets__ties_by_unserved_then_id(hand):
    flat = OutreachWeights(unserved_exp=0.0, excess_exp=0.0)  # every score is 1
    got = targets(hand, weights=flat)
    assert (got["score"] == 1.0).all()
    assert got.index.tolist() == ["C", "B", "D", "F"]  # 800, 400, 100, 20 unserved
    table = pd.DataFrame({"score": [2.0, 2.0, 2.0, 5.0], "n": [3.0, 3.0, 4.0, 1.0]}, index=["z", "a", "m", "q"])
    assert _rank(table, unserved="n").index.tolist() == ["q", "m", "a", "z"]


def test_outreach_targets__no_one_beyond_never_ranks(hand):
    got = targets(hand, threshold_s=2000.0)
    # only D (unreachable) and F (2,400 s) have residents beyond 2,000 s
    # D: 100 unreachable x 60 min = 6000; F: 20 x (2400 - 2000) / 60 min = 133.3
    assert got.index.tolist() == ["D", "F"]
    assert got["score"].tolist() == pytest.approx([6000.0, 20 * 400 / 60])
    assert (got["beyond_T"] > 0).all()


def test_outreach_targets__empty(hand):
    got = targets(hand, threshold_s=3000.0, classes=(11,))
    assert got.empty and got["rank"].dtype == np.int64
    assert list(got.columns) == list(targets(hand).columns)
    assert got.attrs["n_places_in_classes"] == 2


def test_outreach_targets__reproducible(hand):
    a, b = targets(hand, group="EU_OTH", level="council"), targets(hand, group="EU_OTH", level="council")
    assert_geodataframe_equal(a, b)
    assert a.attrs == b.attrs


def test_outreach_targets__councils_by_hand(hand):
    got = targets(hand, level="council")
    # Gamma holds C, D and E: 930 residents, 900 unserved (C 800 x 10 min, D 100 x 60 min) -> score 14000.
    # Beta holds B -> 1550. Alpha is a city: not ranked. F lies outside every council.
    assert got.index.tolist() == [2, 1]
    assert got["name"].tolist() == ["Gamma", "Beta"]
    assert got["degurba_l2_label"].tolist() == ["Village", "Suburban or peri-urban area"]
    gamma = got.loc[2]
    assert gamma[["T", "NAT", "EU_OTH", "OTH"]].tolist() == [930, 670, 110, 150]
    assert gamma[["beyond_T", "beyond_NAT", "beyond_EU_OTH", "beyond_OTH"]].tolist() == [900, 640, 110, 150]
    assert gamma["pop_unreachable"] == 100
    assert gamma["mean_excess_min"] == pytest.approx(14000 / 900)
    assert gamma["score"] == pytest.approx(14000)
    assert gamma["share_beyond"] == pytest.approx(900 / 930)
    assert got.loc[1, "score"] == pytest.approx(1550)
    assert got.geometry.iloc[0].equals(box(X0 + 3000, Y0, X0 + 7000, Y0 + 1000))
    a = got.attrs
    assert (a["n_origins_outside"], a["pop_outside"], a["beyond_outside"]) == (1, 20.0, 20.0)
    assert a["pop_total"] == 61_400 and a["n_places_in_classes"] == 2


def test_unit_classes__by_hand(hand):
    units = unit_classes(hand.region, grid_classes(hand.population, region=hand.region), units_key="units")
    assert units["name"].tolist() == ["Alpha", "Beta", "Gamma"]
    assert units["degurba_l2"].tolist() == [30, 21, 13]
    assert units["pop"].tolist() == pytest.approx([60_000, 450, 930])


def test_outreach_targets__bad_options_listed_once(hand):
    with pytest.raises(DataError, match=r"`threshold_s`.*`level`.*`group` is 'XYZ'.*`classes` \[99\]"):
        targets(hand, threshold_s=-1.0, level="town", group="XYZ", classes=(99,))


def test_outreach_weights__invalid():
    with pytest.raises(DataError, match=r"`unserved_exp` is -1.*`epsilon` is 0 but must be above 0"):
        OutreachWeights(unserved_exp=-1.0, epsilon=0.0)


def test_summary_by_class__by_hand(hand):
    got = summary_by_class(hand, mode="walk", category="social", threshold_s=1200.0, level=2)
    assert got.index.names == ["degurba_l2", "group"]
    assert got.index.get_level_values(0).unique().tolist() == [30, 23, 22, 21, 13, 12, 11, 10]
    # suburban or peri-urban (B): origins 2, 3, 4 at 25, 22 and 10 minutes
    labels = ["All residents", "Born in the country", "Born in another EU country", "Born outside the EU"]
    expected = pd.DataFrame(
        {
            "class_label": "Suburban or peri-urban grid cell",
            "label": labels,
            "pop": [450.0, 350.0, 30.0, 70.0],
            "mean_min": [10050 / 450, 7700 / 350, 720 / 30, 1630 / 70],
            # weighted medians: cumulative shares at 10, 22, 25 min are 50/450, 200/450, 1 (all residents);
            # 50/350, 150/350, 1 (NAT); -, 10/30, 1 (EU_OTH); -, 40/70, 1 (OTH)
            "median_min": [25.0, 25.0, 25.0, 22.0],
            "p90_min": [25.0, 25.0, 25.0, 25.0],
            "pop_beyond": [400.0, 300.0, 30.0, 70.0],
            "share_beyond": [400 / 450, 300 / 350, 1.0, 1.0],
            "pop_unreachable": [0.0, 0.0, 0.0, 0.0],
            "pop_share": [450 / 61_400, 350 / 50_830, 30 / 6_240, 70 / 4_330],
        },
        index=pd.Index(["T", "NAT", "EU_OTH", "OTH"], name="group"),
    )
    assert_frame_equal(got.xs(21, level="degurba_l2"), expected)
    # low density rural (D): all 100 unreachable; no mean time
    d = got.loc[(12, "T")]
    assert (d["pop"], d["pop_beyond"], d["pop_unreachable"], d["share_beyond"]) == (100, 100, 100, 1.0)
    assert np.isnan(d["mean_min"])
    # very low density rural (E at 15 min, F at 40 min)
    e = got.loc[(11, "T")]
    assert (e["pop"], e["mean_min"], e["median_min"], e["p90_min"], e["share_beyond"]) == (50, 25.0, 15.0, 40.0, 0.4)
    # no cell is semi-dense: zero residents, no share
    empty = got.loc[(22, "OTH")]
    assert empty["pop"] == 0 and empty["pop_beyond"] == 0 and np.isnan(empty["share_beyond"])


def test_summary_by_class__level_1_by_hand(hand):
    got = summary_by_class(hand, mode="walk", category="social", threshold_s=1200.0, level=1)
    assert got.index.get_level_values(0).unique().tolist() == [3, 2, 1]
    pops = got.xs("T", level="group")[["pop", "pop_beyond", "pop_unreachable"]]
    expected = pd.DataFrame(
        {"pop": [60_000.0, 450.0, 950.0], "pop_beyond": [1_000.0, 400.0, 920.0], "pop_unreachable": [0.0, 0.0, 100.0]},
        index=pd.Index([3, 2, 1], name="degurba_l1"),
    )
    assert_frame_equal(pops, expected)


def test_summary_by_class__bad_level(hand):
    with pytest.raises(DataError, match="`level` is 3; use 1 or 2"):
        summary_by_class(hand, mode="walk", category="social", threshold_s=1200.0, level=3)


# ------------------------------------------------------------------------------------------ export


def test_export_table__controlled_rounding_by_hand():
    t = gpd.GeoDataFrame(
        {
            "T": [4.0, 10.0],
            "NAT": [2.6, 10.0],
            "OTH": [1.3, 0.0],
            "UNKNOWN_BIRTH": [0.1, 0.0],
            "beyond_T": [2.1, 0.4],
            "beyond_NAT": [1.6, 0.4],
            "beyond_OTH": [0.4, 0.0],
            "beyond_UNKNOWN_BIRTH": [0.1, 0.0],
            "pop_unreachable": [0.6, 0.4],
            "share_beyond": [2.1 / 4, 0.04],
            "beyond_share_NAT": [1.6 / 2.1, 1.0],
            "score": [7.0, 1.0],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:3035",
        index=pd.Index(["p", "q"], name="cell_id"),
    )
    got = export_table(t)
    # row p: beyond (1.6, 0.4, 0.1) and within (1.0, 0.9, 0.0) floor to (1, 0, 0) + (1, 0, 0) = 2; the total
    # 4 needs 2 more units, which go to the largest remainders: within_OTH 0.9 and beyond_NAT 0.6.
    # row q: beyond_NAT 0.4 and within_NAT 9.6 -> 0 and 10.
    expected = pd.DataFrame(
        {
            "T": [4, 10],
            "NAT": [3, 10],
            "OTH": [1, 0],
            "UNKNOWN_BIRTH": [0, 0],
            "beyond_T": [2, 0],
            "beyond_NAT": [2, 0],
            "beyond_OTH": [0, 0],
            "beyond_UNKNOWN_BIRTH": [0, 0],
            "pop_unreachable": [1, 0],
            "share_beyond": [0.5, 0.0],
            "beyond_share_NAT": [1.0, np.nan],
            "score": [7.0, 1.0],
        },
        index=t.index,
    )
    assert_frame_equal(got, expected)
    assert isinstance(got, pd.DataFrame) and not isinstance(got, gpd.GeoDataFrame)


def test_write_targets__csv_protected(hand, tmp_path):
    t = targets(hand, group="OTH")
    counts = ["T", "NAT", "EU_OTH", "OTH", "beyond_T", "beyond_NAT", "beyond_EU_OTH", "beyond_OTH"]
    path = write_targets(t, tmp_path / "t.csv", threshold=40)
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and "40" in first
    back = pd.read_csv(path, skiprows=1).set_index("cell_id")
    assert back.index.tolist() == ["D", "C", "B", "F"] and back["rank"].tolist() == [1, 2, 3, 4]
    assert "geometry" not in back.columns
    values = back[counts].to_numpy(float)
    assert not ((values > 0) & (values < 40)).any()
    # D's 10 and B's 30 residents born in the EU, and F's 20 residents, are hidden (primary suppression)
    for cell, col in [("D", "EU_OTH"), ("D", "beyond_EU_OTH"), ("B", "EU_OTH"), ("F", "T"), ("F", "beyond_T")]:
        assert np.isnan(back.loc[cell, col]), (cell, col)
    # ... and C, all of whose counts are large, is published exactly
    assert back.loc["C", counts].tolist() == [800, 600, 100, 100, 800, 600, 100, 100]
    # a hidden group count cannot be recovered from the visible total and the other groups
    for cell in back.index:
        birth = back.loc[cell, ["NAT", "EU_OTH", "OTH"]]
        assert birth.isna().sum() != 1, cell


def test_write_targets__gpkg_layer_and_crs(hand, tmp_path):
    t = targets(hand, level="council")
    path = write_targets(t, tmp_path / "t.gpkg", threshold=0)
    assert pyogrio.list_layers(path)[:, 0].tolist() == [LAYER, "README"]
    info = pyogrio.read_info(path, layer=LAYER)
    assert info["crs"] == "EPSG:3035" and info["features"] == 2
    back = gpd.read_file(path, layer=LAYER)
    assert back["name"].tolist() == ["Gamma", "Beta"] and back["beyond_T"].tolist() == [900, 400]


def test_write_targets__bad_input(hand, tmp_path):
    t = targets(hand)
    with pytest.raises(DataError, match=r"`t.xlsx` must end in .csv or .gpkg"):
        write_targets(t, tmp_path / "t.xlsx")
    with pytest.raises(DataError, match=r"`threshold` is -1; give 0"):
        write_targets(t, tmp_path / "t.csv", threshold=-1)


def test_protection_spec__names_the_table_columns(hand):
    t = targets(hand, group="OTH")
    spec = protection_spec(t)
    named = {spec["total_col"], *spec["group_totals"].values(), *spec["parents"], *spec["parents"].values()}
    named |= {c for cols in spec["count_groups"].values() for c in cols}
    named |= {c for k, cols in spec["share_cols"].items() for c in [k, *cols]}
    assert named <= set(t.columns)
    assert spec["count_groups"]["beyond"] == ["beyond_NAT", "beyond_EU_OTH", "beyond_OTH", "beyond_UNKNOWN_BIRTH"]
    assert spec["share_cols"]["score"] == ["beyond_T", "beyond_OTH"]


# ------------------------------------------------------------------------------------------ Malta

THRESHOLD_S = 20 * 60


@pytest.mark.malta
@pytest.mark.parametrize("level", [1, 2])
def test_summary_by_class__malta_adds_up(malta, level):
    got = summary_by_class(malta, mode="walk", category="health", threshold_s=900.0, level=level)
    grid = grid_classes(malta.population, region=malta.region)
    by_class = population_by_class(grid, pop_col="T", level=level)
    assert_series_equal(got.xs("T", level="group")["pop"], by_class["pop"], check_names=False)
    groups = {"T": "", "NAT": "", "EU_OTH": "", "OTH": ""}
    whole = group_summary(
        malta.origins, malta.access("walk", "health")["time_nearest_s"], groups=groups, threshold_s=900
    )
    sums = got.groupby(level="group")[["pop", "pop_beyond", "pop_unreachable", "pop_share"]].sum()
    for g in groups:
        assert sums.loc[g, "pop"] == pytest.approx(whole.loc[g, "pop"], rel=1e-12)
        assert sums.loc[g, "pop_beyond"] == pytest.approx(whole.loc[g, "pop_beyond"], rel=1e-12)
        assert sums.loc[g, "pop_unreachable"] == pytest.approx(whole.loc[g, "pop_unreachable"], abs=1e-9)
        assert sums.loc[g, "pop_share"] == pytest.approx(1.0)
    # groups add up to all residents within each class (nobody's country of birth is unknown in Malta)
    parts = got.drop(index="T", level="group")["pop"].groupby(level=0, sort=False).sum()
    assert_series_equal(parts, got.xs("T", level="group")["pop"], check_names=False)


@pytest.mark.malta
def test_outreach_targets__malta_cells_agree_with_cell_summary(malta):
    got = outreach_targets(malta, mode="walk", category="social", threshold_s=THRESHOLD_S)
    cells = cell_summary(
        malta.origins, malta.access("walk", "social"), count_columns=malta.count_columns, threshold_s=THRESHOLD_S
    )
    classes = grid_classes(malta.population, region=malta.region)["degurba_l2"]
    in_classes = cells[classes.reindex(cells.index).isin([21, 13, 12, 11]).to_numpy()]
    ranked_by_hand = in_classes[in_classes["beyond_T"] > 0]
    assert set(got.index) == set(ranked_by_hand.index)
    cols = ["T", "NAT", "EU_OTH", "OTH", "beyond_T", "beyond_NAT", "beyond_EU_OTH", "beyond_OTH"]
    assert_frame_equal(got[cols].sort_index(), ranked_by_hand[cols].sort_index(), check_names=False)
    assert got["rank"].tolist() == list(range(1, len(got) + 1))
    assert got["score"].is_monotonic_decreasing
    assert got.attrs["beyond_in_classes"] == pytest.approx(got["beyond_T"].sum())
    assert got.attrs["pop_total"] == pytest.approx(519_562)


@pytest.mark.malta
def test_outreach_targets__malta_councils_agree_with_sjoin(malta):
    got = outreach_targets(malta, mode="walk", category="social", threshold_s=THRESHOLD_S, level="council")
    again = outreach_targets(malta, mode="walk", category="social", threshold_s=THRESHOLD_S, level="council")
    assert_geodataframe_equal(got, again)
    units = unit_classes(malta.region, grid_classes(malta.population, region=malta.region))
    o = malta.origins
    pts = gpd.GeoDataFrame(o[["T"]], geometry=gpd.points_from_xy(o["x"], o["y"]), crs=malta.region.crs)
    beyond = ~(malta.access("walk", "social")["time_nearest_s"] <= THRESHOLD_S)
    pts["beyond_T"] = np.where(beyond, o["T"], 0.0)
    # origins on a shared border (OSM council borders often run along streets) go to the smaller unit_id
    joined = gpd.sjoin(pts, units[["geometry"]], predicate="intersects", how="left").reset_index()
    joined = joined.sort_values(["origin", "unit_id"]).drop_duplicates("origin").set_index("origin")
    outside = joined["unit_id"].isna()
    assert got.attrs["n_origins_outside"] == int(outside.sum())
    assert got.attrs["pop_outside"] == pytest.approx(joined.loc[outside, "T"].sum())
    sums = joined[~outside].groupby("unit_id")[["T", "beyond_T"]].sum()
    sums.index = sums.index.astype(np.int64)
    assert_frame_equal(got[["T", "beyond_T"]].sort_index(), sums.loc[sorted(got.index)], check_names=False, rtol=1e-9)
    # every ranked council is peri-urban, a village, dispersed rural or mostly uninhabited, with someone unserved
    assert set(got["degurba_l2"]) <= {21, 13, 12, 11} and (got["beyond_T"] > 0).all()


@pytest.mark.malta
def test_cli_outreach_writes_gpkg_and_csv(malta, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")  # an installation that allows unprotected outputs
    args = ["outreach", "--mode", "walk", "--category", "social", "--threshold-min", "20"]
    assert main([*args, "--out", str(tmp_path / "t.gpkg"), "--suppress-below", "0"]) == 0
    out = capsys.readouterr().out
    lib = outreach_targets(malta, mode="walk", category="social", threshold_s=THRESHOLD_S)
    assert f"{len(lib)} places ranked" in out
    assert lib.index[0] in out and lib.index[9] in out and lib.index[10] not in out
    assert pyogrio.list_layers(tmp_path / "t.gpkg")[:, 0].tolist() == [LAYER, "README"]
    notice = gpd.read_file(tmp_path / "t.gpkg", layer="README")["text"].iloc[0]
    assert notice == UNPROTECTED_NOTICE
    info = pyogrio.read_info(tmp_path / "t.gpkg", layer=LAYER)
    assert info["crs"] == "EPSG:3035" and info["features"] == len(lib)
    back = gpd.read_file(tmp_path / "t.gpkg", layer=LAYER)
    assert back["cell_id"].tolist() == lib.index.tolist()
    assert (back[["NAT", "EU_OTH", "OTH", "UNKNOWN_BIRTH"]].sum(axis=1) == back["T"]).all()
    assert (
        back[["beyond_NAT", "beyond_EU_OTH", "beyond_OTH", "beyond_UNKNOWN_BIRTH"]].sum(axis=1) == back["beyond_T"]
    ).all()

    # default: protected, no small count left, the notice on the first line
    assert main([*args, "--level", "council", "--group", "OTH", "--out", str(tmp_path / "t.csv")]) == 0
    lib = outreach_targets(malta, mode="walk", category="social", threshold_s=THRESHOLD_S, level="council", group="OTH")
    first = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[0]
    protected = message(PROTECTED_NOTICE_KEY, "en", threshold=10, suppressed=987654)
    assert re.fullmatch("# " + re.escape(protected).replace("987654", r"[1-9]\d*"), first), first
    back = pd.read_csv(tmp_path / "t.csv", skiprows=1)
    assert back["unit_id"].tolist() == lib.index.tolist() and back["name"].tolist() == lib["name"].tolist()
    assert (back["T"] - lib["T"].to_numpy()).abs().max() < 2
    counts = back[["NAT", "EU_OTH", "OTH", "beyond_NAT", "beyond_EU_OTH", "beyond_OTH"]].to_numpy(float)
    assert not ((counts > 0) & (counts < 10)).any()
    assert np.isnan(counts).any()  # some small counts were hidden
    assert main([*args, "--out", str(tmp_path / "t.txt")]) == 2


@pytest.mark.malta
def test_cli_urbanisation_prints_the_class_table(malta, capsys):
    assert main(["urbanisation", "--level", "2", "--councils"]) == 0
    out = capsys.readouterr().out
    table = population_by_class(grid_classes(malta.population, region=malta.region), level=2)
    for code, row in table.iterrows():
        assert f"{row['pop']:.1f}" in out or f"{row['pop']:.0f}" in out, code
    assert "Suburban or peri-urban grid cell" in out and "Ħad-Dingli" in out
    assert out.count("Village") == 4  # four councils are villages (docs/degurba_malta.md)
