"""Tests of equimap.indicators.degurba: hand-built grids whose classes are worked out cell by cell.

Every expected class below is derived by hand from the 2021 manual's rules; the
comments give the arithmetic. Arrays are drawn row by row (row 0 = north).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas import GeoDataFrame
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal, assert_series_equal

from equimap import settings
from equimap._errors import DataError
from equimap.indicators.degurba import (
    L1_COLOURS,
    L1_LABELS,
    L2_COLOURS,
    L2_LABELS,
    UNIT_L1_LABELS,
    UNIT_L2_LABELS,
    DegurbaParams,
    classify_grid,
    classify_units,
    population_by_class,
)
from equimap.report.degurba_doc import degurba_markdown

ROOT = Path(__file__).resolve().parent.parent

X0, Y0 = 4_700_000.0, 1_400_000.0


def make_grid(
    pop: np.ndarray | list,
    land: np.ndarray | list | float = 1.0,
    *,
    cell_m: float = 1000.0,
    crs: str | None = "EPSG:3035",
    drop_empty: bool = False,
) -> GeoDataFrame:
    """Return one square cell per array element (row 0 north), with columns `T` and `LAND_SURFACE`."""
    pop = np.asarray(pop, dtype=float)
    n_rows, n_cols = pop.shape
    r, c = np.divmod(np.arange(pop.size), n_cols)
    x, y = X0 + c * cell_m, Y0 + (n_rows - 1 - r) * cell_m
    land = np.broadcast_to(np.asarray(land, dtype=float), pop.shape)
    grid = GeoDataFrame(
        {"T": pop.ravel().astype(np.int64), "LAND_SURFACE": land.ravel()},
        geometry=shapely.box(x, y, x + cell_m, y + cell_m),
        crs=crs,
    )
    return grid[grid["T"] > 0] if drop_empty else grid


def classes(pop: np.ndarray, land: np.ndarray | float = 1.0, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Classify a full grid and return its level-1 and level-2 codes as arrays shaped like `pop`."""
    out = classify_grid(make_grid(pop, land), **kwargs)
    return out["degurba_l1"].to_numpy().reshape(np.shape(pop)), out["degurba_l2"].to_numpy().reshape(np.shape(pop))


def l1_of(l2: np.ndarray) -> np.ndarray:
    """Level 1 is the tens digit of level 2, except water which is rural (1)."""
    return np.asarray(l2) // 10


# ------------------------------------------------------------------------------------------ urban centres


def hole_14_grid() -> np.ndarray:
    """8x8 dense block (2,000 per cell) in an empty margin, with a 14-cell hole.

    The hole is rows 3-6, cols 3-6 minus its corners (3,3) and (6,6), which are
    dense: 64 - 14 = 50 dense cells = 100,000 residents, one 4-connected centre.
    """
    pop = np.zeros((10, 10))
    pop[1:9, 1:9] = 2000
    pop[3:7, 3:7] = 0
    pop[3, 3] = pop[6, 6] = 2000
    return pop


def test_urban_centre__hole_under_15km2_is_filled():
    # Smoothing first adds the hole cells (3,6) and (6,3): each has 5 dense neighbours. Every other hole cell has
    # at most 4 (e.g. (3,4): (2,3) (2,4) (2,5) (3,3)), so smoothing stops with a 12-cell hole; 12 < 15 -> filled.
    l1, l2 = classes(hole_14_grid())
    expected = np.full((10, 10), 11)  # empty margin: no residents, all land -> very low density rural
    expected[1:9, 1:9] = 30
    np.testing.assert_array_equal(l2, expected)
    np.testing.assert_array_equal(l1, l1_of(expected))


def test_urban_centre__gap_fill_threshold_is_strict():
    # Same grid with a 12 km² limit: the 12-cell hole left by smoothing is not under 12 km², so it stays rural.
    _, l2 = classes(hole_14_grid(), params=DegurbaParams(centre_max_gap_km2=12))
    expected = np.full((10, 10), 11)
    expected[1:9, 1:9] = 30
    expected[3:7, 3:7] = 11
    expected[3, 3] = expected[6, 6] = expected[3, 6] = expected[6, 3] = 30
    np.testing.assert_array_equal(l2, expected)


def hole_25_grid() -> np.ndarray:
    """9x9 dense block with a 5x5 empty hole: 56 cells x 2,000 = 112,000 residents."""
    pop = np.zeros((11, 11))
    pop[1:10, 1:10] = 2000
    pop[3:8, 3:8] = 0
    return pop


@pytest.mark.parametrize(("max_gap_km2", "filled"), [(15, False), (21, False), (21.5, True)])
def test_urban_centre__hole_of_15km2_or_more_is_not_filled(max_gap_km2, filled):
    # Smoothing adds the 4 corners of the hole (5 dense neighbours each); the next cells in have 4, so 21 hole
    # cells are left. 21 >= 15 (and >= 21): not filled; under a 21.5 km² limit: filled.
    _, l2 = classes(hole_25_grid(), params=DegurbaParams(centre_max_gap_km2=max_gap_km2))
    expected = np.full((11, 11), 11)
    expected[1:10, 1:10] = 30
    if not filled:
        expected[3:8, 3:8] = 11
        expected[3, 3] = expected[3, 7] = expected[7, 3] = expected[7, 7] = 30
    np.testing.assert_array_equal(l2, expected)


def test_urban_centre__hole_open_at_a_diagonal_is_not_a_gap():
    # A one-cell-thick ring (19 x 3,000 = 57,000) around a 4x4 interior, its corner (1,1) left out: the interior
    # reaches the outside only through the corner-to-corner step (2,2)-(1,1). A 4-connected centre does not close
    # such a step, so the interior is not enclosed. Smoothing adds the interior corners (2,5), (5,2), (5,5) (5 ring
    # neighbours each; (2,2) has 4); the other 13 interior cells stay rural although 13 < 15.
    pop = np.zeros((8, 8))
    pop[1:7, 1:7] = 3000
    pop[2:6, 2:6] = 0
    pop[1, 1] = 0
    _, l2 = classes(pop)
    expected = np.where(pop > 0, 30, 11)
    expected[2, 5] = expected[5, 2] = expected[5, 5] = 30
    np.testing.assert_array_equal(l2, expected)


def test_urban_cluster__includes_the_centre_and_its_fringe():
    # A 50,000 centre (25 x 2,000 in a row) and one 400 inh/km² cell next to it: the cell is grouped with the centre
    # (whose residents count), so it belongs to an urban cluster of 50,400 although it holds only 400 -> suburban.
    pop = np.zeros((3, 26))
    pop[1, :25] = 2000
    pop[1, 25] = 400
    l1, l2 = classes(pop)
    expected = np.full((3, 26), 11)
    expected[1, :25] = 30
    expected[1, 25] = 21
    np.testing.assert_array_equal(l2, expected)
    np.testing.assert_array_equal(l1, l1_of(expected))


def test_classify_grid__absent_cells_count_as_empty():
    # Census grids list populated cells only: dropping the empty cells changes no class of the others.
    full = classify_grid(make_grid(hole_25_grid()))
    sparse = classify_grid(make_grid(hole_25_grid(), drop_empty=True))
    assert len(sparse) == 56
    assert_frame_equal(
        pd.DataFrame(sparse[["degurba_l1", "degurba_l2"]]),
        pd.DataFrame(full.loc[sparse.index, ["degurba_l1", "degurba_l2"]]),
    )


def test_urban_centre__smoothing_adds_a_cell_with_5_of_8_neighbours():
    # An L of dense cells (27 x 2,000 = 54,000) around a 3x3 block of 100-resident cells. The concave corner (4,4)
    # has 5 dense neighbours (3,3) (3,4) (3,5) (4,3) (5,3) and joins; then (4,5) and (5,4) have only 4, (5,5) 1.
    pop = np.zeros((8, 8))
    pop[1:7, 1:7] = 2000
    pop[4:7, 4:7] = 100
    l1, l2 = classes(pop)
    expected = np.full((8, 8), 11)
    expected[1:7, 1:7] = 30
    expected[4:7, 4:7] = 12  # 100 inh/km²: low density rural (>= 50, < 300)
    expected[4, 4] = 30
    np.testing.assert_array_equal(l2, expected)
    np.testing.assert_array_equal(l1, l1_of(expected))


def test_urban_centre__smoothing_repeats_until_nothing_changes():
    # A slot 2 cells deep in the top edge of a 6x7 dense block (40 x 2,000 = 80,000). Pass 1: the inner slot cell
    # (2,4) has 7 dense neighbours and joins; the outer one (1,4) has 4 ((1,3) (1,5) (2,3) (2,5)). Pass 2: 5 -> joins.
    pop = np.zeros((8, 9))
    pop[1:7, 1:8] = 2000
    pop[1:3, 4] = 0
    _, l2 = classes(pop)
    expected = np.full((8, 9), 11)
    expected[1:7, 1:8] = 30
    np.testing.assert_array_equal(l2, expected)


@pytest.mark.parametrize(("last_cell", "expected_code"), [(2000, 30), (1999, 23)])
def test_urban_centre__population_threshold_is_inclusive(last_cell, expected_code):
    # 25 dense cells in a row: 24 x 2,000 + 2,000 = 50,000 -> urban centre; with 1,999 -> 49,999, a dense cluster.
    pop = np.full((1, 25), 2000)
    pop[0, -1] = last_cell
    _, l2 = classes(pop)
    np.testing.assert_array_equal(l2, np.full((1, 25), expected_code))


def test_diagonal_cells__form_an_urban_cluster_but_no_urban_centre():
    pop = np.zeros((9, 16))
    # A: five cells touching only at corners, 12,000 each = 60,000. 4-connected they are five groups of 12,000
    # (no centre: each < 50,000); 8-connected one urban cluster of 60,000; each 4-connected group of >= 1,500
    # inh/km² with 5,000-49,999 residents is a dense urban cluster.
    for k in range(1, 6):
        pop[k, k] = 12_000
    # B: four diagonal cells of 1,250 = 5,000 -> an urban cluster (8-conn), not dense (< 1,500 inh/km²), 6+ cells
    # from A -> semi-dense.
    for k, c in zip(range(1, 5), (14, 13, 12, 11), strict=True):
        pop[k, c] = 1250
    # C: three diagonal cells of 1,250 = 3,750 -> a rural cluster (8-conn, 500-4,999); 3+ cells from B, so separate.
    for k, c in zip(range(6, 9), (14, 13, 12), strict=True):
        pop[k, c] = 1250
    l1, l2 = classes(pop)
    expected = np.full((9, 16), 11)
    expected[pop == 12_000] = 23
    expected[:5][pop[:5] == 1250] = 22
    expected[6:][pop[6:] == 1250] = 13
    np.testing.assert_array_equal(l2, expected)
    np.testing.assert_array_equal(l1, l1_of(expected))
    assert not (l1 == 3).any()


# ------------------------------------------------------------------------------------------ density


def test_density__uses_land_share():
    grid = make_grid([[800, 100, 100, 300]], [[0.5, 0.0, np.nan, 0.25]])
    out = classify_grid(grid)
    # 800 / 0.5 km² = 1,600; land share 0 or unknown -> whole cell: 100; 300 / 0.25 km² = 1,200
    assert_series_equal(
        out["density_km2"], pd.Series([1600.0, 100.0, 100.0, 1200.0], index=grid.index, name="density_km2")
    )


def test_density__uses_cell_size():
    grid = make_grid([[100, 100]], [[1.0, 0.5]], cell_m=500.0)
    out = classify_grid(grid, cell_size_m=500.0)
    # 100 residents on 0.25 km² = 400; on half of it = 800
    assert_series_equal(out["density_km2"], pd.Series([400.0, 800.0], index=grid.index, name="density_km2"))


def test_density__land_share_changes_the_class():
    # Three adjacent cells of 200 residents on half-land cells: 400 inh/km² each, 600 together -> a rural cluster.
    # Without land shares they are 200 inh/km²: low density rural cells.
    pop, land = [[200, 200, 200]], [[0.5, 0.5, 0.5]]
    assert classify_grid(make_grid(pop, land))["degurba_l2"].tolist() == [13, 13, 13]
    assert classify_grid(make_grid(pop, land), land_share_col=None)["degurba_l2"].tolist() == [12, 12, 12]


# ------------------------------------------------------------------------------------------ level 2


def anchor_and_candidate(anchor: str, gap_cells: int) -> tuple[np.ndarray, tuple[int, slice]]:
    """A centre (5x5 x 2,500 = 62,500) or a dense cluster (2x2 x 1,500 = 6,000) whose east edge is column 5, and
    a row of five 1,000-resident cells (5,000, < 1,500 inh/km²) starting `gap_cells` empty columns further east."""
    pop = np.zeros((7, 20))
    if anchor == "centre":
        pop[1:6, 1:6] = 2500
    else:
        pop[2:4, 4:6] = 1500
    start = 6 + gap_cells
    pop[3, start : start + 5] = 1000
    return pop, (3, slice(start, start + 5))


@pytest.mark.parametrize(
    ("anchor", "gap_cells", "candidate_code"),
    [
        ("centre", 0, 21),  # touching: part of the centre's urban cluster
        ("centre", 2, 21),  # 2 km away: inside the 3-cell buffer -> suburban or peri-urban
        ("centre", 3, 22),  # 3 km away: outside the buffer -> semi-dense urban cluster
        ("dense", 2, 21),
        ("dense", 3, 22),
    ],
)
def test_semi_dense_cluster__needs_3_cells_from_centres_and_dense_clusters(anchor, gap_cells, candidate_code):
    pop, candidate = anchor_and_candidate(anchor, gap_cells)
    l1, l2 = classes(pop)
    expected = np.full(pop.shape, 11)
    expected[pop == (2500 if anchor == "centre" else 1500)] = 30 if anchor == "centre" else 23
    expected[candidate] = candidate_code
    np.testing.assert_array_equal(l2, expected)
    np.testing.assert_array_equal(l1, l1_of(expected))


def test_semi_dense_cluster__flexurba_parameters():
    # Two urban clusters far from any centre: five cells of 1,000 (5,000) and seven of 800 (5,600). With the 2021
    # rule (>= 300 inh/km², >= 5,000) both are semi-dense; with flexurba's (>= 900 inh/km², >= 2,500, 4-connected)
    # the 800 inh/km² cells are not, so they stay suburban or peri-urban.
    flex = DegurbaParams(semi_dense_min_density_km2=900, semi_dense_min_pop=2500, semi_dense_connectivity=4)
    pop = np.zeros((3, 20))
    pop[1, 1:6] = 1000
    pop[1, 10:17] = 800  # 7 x 800 = 5,600: an urban cluster
    _, l2_flex = classes(pop, params=flex)
    _, l2_2021 = classes(pop)
    assert l2_flex[1, 1:6].tolist() == [22] * 5 and l2_flex[1, 10:17].tolist() == [21] * 7
    assert l2_2021[1, 1:6].tolist() == [22] * 5 and l2_2021[1, 10:17].tolist() == [22] * 7


def test_rural_classes__thresholds():
    # One row, groups separated by empty cells. Residents (land share) -> density -> class:
    cells = [
        (20, 1.0, 11),  # 20 inh/km² < 50: very low density
        (0, 1.0, 11),
        (50, 1.0, 12),  # exactly 50: low density
        (0, 1.0, 11),
        (49, 1.0, 11),
        (0, 1.0, 11),
        (350, 1.0, 12),  # >= 300 but a group of 350 < 500: low density
        (0, 1.0, 11),
        (250, 0.5, 13),  # 500 inh/km² twice, 500 residents together: rural cluster (500 is inclusive)
        (250, 0.5, 13),
        (0, 1.0, 11),
        (0, 0.3, 10),  # no residents, 30% land: water
        (0, 1.0, 11),
        (0, 0.5, 11),  # no residents, 50% land: not water
        (0, 1.0, 11),
        (1000, 1.0, 13),  # 4 x 1,000 + 999 = 4,999: rural cluster
        (1000, 1.0, 13),
        (1000, 1.0, 13),
        (1000, 1.0, 13),
        (999, 1.0, 13),
        (0, 1.0, 11),
        (1000, 1.0, 22),  # 5 x 1,000 = 5,000: urban cluster, < 1,500 inh/km², far from anything: semi-dense
        (1000, 1.0, 22),
        (1000, 1.0, 22),
        (1000, 1.0, 22),
        (1000, 1.0, 22),
    ]
    pop, land, expected = (np.array([[c[k] for c in cells]]) for k in range(3))
    l1, l2 = classes(pop, land)
    np.testing.assert_array_equal(l2, expected)
    np.testing.assert_array_equal(l1, l1_of(expected))


def test_classify_grid__labels_and_index():
    grid = make_grid(hole_25_grid(), drop_empty=True)
    grid.index = [f"cell-{i}" for i in range(len(grid))][::-1]
    before = grid.copy()
    shuffled = grid.sample(frac=1.0, random_state=1)
    out = classify_grid(shuffled)
    assert_geodataframe_equal(grid, before)  # input untouched
    assert out.index.equals(shuffled.index)
    assert_frame_equal(out.loc[grid.index], classify_grid(grid))  # the order of the rows does not matter
    assert (out["degurba_l1_label"] == out["degurba_l1"].map(L1_LABELS)).all()
    assert (out["degurba_l2_label"] == out["degurba_l2"].map(L2_LABELS)).all()
    assert list(out.columns[-5:]) == ["density_km2", "degurba_l1", "degurba_l1_label", "degurba_l2", "degurba_l2_label"]


def test_classify_grid__empty():
    grid = make_grid(np.zeros((1, 1)), drop_empty=True)
    out = classify_grid(grid)
    assert len(out) == 0
    assert list(out.columns) == [
        *grid.columns,
        "density_km2",
        "degurba_l1",
        "degurba_l1_label",
        "degurba_l2",
        "degurba_l2_label",
    ]


def test_legend_constants_cover_every_class():
    assert list(L2_LABELS) == list(L2_COLOURS) == [30, 23, 22, 21, 13, 12, 11, 10]
    assert list(L1_LABELS) == list(L1_COLOURS) == [3, 2, 1]
    assert L2_COLOURS[30] == "#FF0000" and L2_COLOURS[10] == "#7AB6F5"  # GHSL legend


def test_population_by_class():
    # The row of `test_rural_classes__thresholds`: level 2 residents 30: 0, 23: 0, 22: 5,000 (5 cells), 21: 0,
    # 13: 500 + 4,999 (7 cells), 12: 50 + 350 (2 cells), 11: 20 + 49 (+ 9 empty land cells = 11 cells), 10: 1 cell.
    test_pop = [20, 0, 50, 0, 49, 0, 350, 0, 250, 250, 0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 999, 0] + [1000] * 5
    test_land = [1.0] * 8 + [0.5, 0.5, 1.0, 0.3, 1.0, 0.5] + [1.0] * 12
    out = classify_grid(make_grid([test_pop], [test_land]))
    total = 5000 + 5499 + 400 + 69
    t2 = population_by_class(out, level=2)
    expected2 = pd.DataFrame(
        {
            "label": list(L2_LABELS.values()),
            "pop": [0, 0, 5000, 0, 5499, 400, 69, 0],
            "pop_share": np.array([0, 0, 5000, 0, 5499, 400, 69, 0]) / total,
            "n_cells": [0, 0, 5, 0, 7, 2, 11, 1],
        },
        index=pd.Index(list(L2_LABELS), name="degurba_l2"),
    )
    assert_frame_equal(t2, expected2)
    t1 = population_by_class(out, level=1)
    assert t1["pop"].tolist() == [0, 5000, 5968] and t1["n_cells"].tolist() == [0, 5, 21]


# ------------------------------------------------------------------------------------------ spatial units


UNIT_CELLS = [  # (grid code, residents) of a row of 1 km cells, grouped by unit
    ("city60", [(30, 600), (11, 400)]),
    ("city50", [(30, 500), (12, 500)]),
    ("dense", [(30, 400), (23, 300), (22, 200), (12, 100)]),
    ("dense_vs_suburb", [(21, 450), (23, 300), (22, 250)]),
    ("semi", [(22, 600), (23, 100), (21, 300)]),
    ("suburb", [(21, 600), (22, 400)]),
    ("rural_half", [(21, 500), (12, 500)]),
    ("village", [(13, 300), (12, 200), (11, 100), (21, 100)]),
    ("dispersed", [(12, 600), (11, 400)]),
    ("uninhabited", [(11, 1000), (10, 0)]),
    ("empty_city", [(30, 0)]),
    ("pop_not_cells", [(30, 3000), (12, 100), (12, 100), (11, 100)]),
]


def unit_fixture() -> tuple[GeoDataFrame, GeoDataFrame]:
    """Grid classes set by hand (one row of cells) and units covering them; see `UNIT_CELLS`.

    After those cells come c31 (30, 2,000), c32 (12, 1,000) and a half-land cell c33 (30, 800, land 0.5).
    "half_east" covers the east half of c31 and all of c32, "half_west" the west half of c31, "coast" the
    west half of c33; "nowhere" lies 10 km north of every cell.
    """
    codes, pops, units, ids = [], [], [], []
    for uid, cells in UNIT_CELLS:
        start = len(codes)
        for code, pop in cells:
            codes.append(code)
            pops.append(pop)
        ids.append(uid)
        units.append(shapely.box(X0 + start * 1000, Y0, X0 + len(codes) * 1000, Y0 + 1000))
    c31 = len(codes)
    codes += [30, 12, 30]
    pops += [2000, 1000, 800]
    land = [1.0] * (len(codes) - 1) + [0.5]
    x31 = X0 + c31 * 1000
    for uid, geom in [
        ("half_east", shapely.box(x31 + 500, Y0, x31 + 2000, Y0 + 1000)),
        ("half_west", shapely.box(x31, Y0, x31 + 500, Y0 + 1000)),
        ("coast", shapely.box(x31 + 2000, Y0, x31 + 2500, Y0 + 1000)),
        ("nowhere", shapely.box(X0, Y0 + 10_000, X0 + 1000, Y0 + 11_000)),
    ]:
        ids.append(uid)
        units.append(geom)
    x = X0 + np.arange(len(codes)) * 1000.0
    grid = GeoDataFrame(
        {"T": pops, "LAND_SURFACE": land, "degurba_l2": codes},
        geometry=shapely.box(x, Y0, x + 1000, Y0 + 1000),
        crs="EPSG:3035",
    )
    units_gdf = GeoDataFrame({"unit": ids}, geometry=units, crs="EPSG:3035", index=[f"u{i}" for i in range(len(ids))])
    return units_gdf, grid


def expected_row(uid: str, pop: float, shares: dict[int, float], basis: str, l1: int, l2: int) -> dict:
    row: dict = {"unit": uid, "pop": float(pop)}
    s = {c: shares.get(c, 0.0 if basis != "none" else np.nan) for c in L2_LABELS}
    row["share_l1_3"] = s[30]
    row["share_l1_2"] = s[23] + s[22] + s[21]
    row["share_l1_1"] = s[13] + s[12] + s[11] + s[10]
    row |= {f"share_l2_{c}": s[c] for c in L2_LABELS}
    row |= {"basis": basis, "degurba_l1": l1, "degurba_l1_label": UNIT_L1_LABELS[l1]}
    row |= {"degurba_l2": l2, "degurba_l2_label": UNIT_L2_LABELS[l2]}
    return row


def test_classify_units__by_population_share():
    units, grid = unit_fixture()
    out = classify_units(units, grid, unit_id_col="unit")
    rows = [
        expected_row("city60", 1000, {30: 0.6, 11: 0.4}, "population", 3, 30),  # 60% in the centre
        expected_row("city50", 1000, {30: 0.5, 12: 0.5}, "population", 3, 30),  # 50% is enough
        # 40% centre, 10% rural: town; dense 30% >= semi-dense 20%, clusters 50% > suburban 0% -> dense town
        expected_row("dense", 1000, {30: 0.4, 23: 0.3, 22: 0.2, 12: 0.1}, "population", 2, 23),
        # suburban 45% < dense + semi-dense 55%, dense 30% >= semi 25% -> dense town
        expected_row("dense_vs_suburb", 1000, {21: 0.45, 23: 0.3, 22: 0.25}, "population", 2, 23),
        expected_row("semi", 1000, {22: 0.6, 23: 0.1, 21: 0.3}, "population", 2, 22),
        expected_row("suburb", 1000, {21: 0.6, 22: 0.4}, "population", 2, 21),
        # rural 50% is not more than 50%: a town, whose cluster residents are all suburban
        expected_row("rural_half", 1000, {21: 0.5, 12: 0.5}, "population", 2, 21),
        # rural 600/700 > 50%; of the rural-cell residents most live in a rural cluster -> village
        expected_row("village", 700, {13: 3 / 7, 12: 2 / 7, 11: 1 / 7, 21: 1 / 7}, "population", 1, 13),
        expected_row("dispersed", 1000, {12: 0.6, 11: 0.4}, "population", 1, 12),
        expected_row("uninhabited", 1000, {11: 1.0}, "population", 1, 11),
        expected_row("empty_city", 0, {30: 1.0}, "area", 3, 30),  # no residents: by area, all in a centre cell
        # 1 of 4 cells is urban centre, but 3,000 of 3,300 residents live in it -> city
        expected_row("pop_not_cells", 3300, {30: 3000 / 3300, 12: 200 / 3300, 11: 100 / 3300}, "population", 3, 30),
        # half of c31 (1,000) + c32 (1,000): 50% in the centre -> city
        expected_row("half_east", 2000, {30: 0.5, 12: 0.5}, "population", 3, 30),
        expected_row("half_west", 1000, {30: 1.0}, "population", 3, 30),
        # half of a cell that is half land: that half holds all its 0.5 km² of land -> all 800 residents
        expected_row("coast", 800, {30: 1.0}, "population", 3, 30),
        expected_row("nowhere", 0, {}, "none", 1, 11),
    ]
    expected = pd.DataFrame(rows, index=units.index)
    assert_frame_equal(out, expected)


def test_classify_units__without_land_share_splits_by_cell_area():
    units, grid = unit_fixture()
    out = classify_units(units, grid, unit_id_col="unit", land_share_col=None)
    assert out.loc[units["unit"] == "coast", "pop"].tolist() == [400.0]  # half the cell area -> half of 800


def test_classify_units__tie_breaks():
    # Equal dense and semi-dense shares -> dense town; equal rural classes -> the denser one (village).
    units, grid = unit_fixture()
    grid = grid.iloc[:2].copy()
    grid["T"] = [500, 500]
    grid["degurba_l2"] = [23, 22]
    out = classify_units(units.iloc[[0]], grid, unit_id_col="unit")
    assert out["degurba_l2"].tolist() == [23]
    grid["degurba_l2"] = [13, 12]
    out = classify_units(units.iloc[[0]], grid, unit_id_col="unit")
    assert out["degurba_l2"].tolist() == [13]


def test_classify_units__empty():
    units, grid = unit_fixture()
    out = classify_units(units.iloc[:0], grid, unit_id_col="unit")
    assert len(out) == 0 and "degurba_l2_label" in out.columns


# ------------------------------------------------------------------------------------------ bad input


def test_classify_grid__rejects_no_crs_and_missing_column_at_once():
    grid = make_grid([[100]], crs=None).drop(columns=["LAND_SURFACE"])
    with pytest.raises(DataError, match=r"`grid` has no CRS.*column `LAND_SURFACE` \(land share\) is missing"):
        classify_grid(grid)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g.to_crs(4326), r"geographic CRS EPSG:4326"),
        (
            lambda g: g.drop(columns=["T", "LAND_SURFACE"]),
            r"column `T` \(residents\) is missing; name the right one with `pop_col`; column `LAND_SURFACE`",
        ),
        (lambda g: g.assign(T=g["T"].astype(str)), r"column `T` \(residents\) is not numeric"),
        (lambda g: g.assign(T=-g["T"]), r"column `T` \(residents\) has 2 negative values"),
        (lambda g: g.assign(T=[np.nan, 1.0]), r"column `T` \(residents\) has 1 missing values"),
        (lambda g: g.assign(LAND_SURFACE=[1.5, 1.0]), r"`LAND_SURFACE` \(land share\) has values outside 0\.\.1"),
        (lambda g: pd.concat([g, g.iloc[[0]]]), r"1 cells repeat the position of another cell"),
        (lambda g: g.assign(geometry=g.geometry.scale(0.5, 0.5)), r"2 cells are not 1000 m squares"),
        (
            lambda g: g.set_geometry(shapely.box([X0, X0 + 1300], Y0, [X0 + 1000, X0 + 2300], Y0 + 1000), crs=g.crs),
            r"do not lie on one lattice",
        ),
    ],
)
def test_classify_grid__bad_input(change, message):
    with pytest.raises(DataError, match=message):
        classify_grid(change(make_grid([[100, 200]])))


def test_classify_grid__bad_params():
    with pytest.raises(DataError, match=r"`centre_connectivity` is 6 but must be 4 or 8"):
        DegurbaParams(centre_connectivity=6)
    with pytest.raises(DataError, match=r"`cluster_min_pop` is -1"):
        DegurbaParams(cluster_min_pop=-1)


def test_classify_units__rejects_crs_mismatch_naming_both():
    units, grid = unit_fixture()
    with pytest.raises(DataError, match=r"`units` is in EPSG:4326 but `grid_classes` in EPSG:3035"):
        classify_units(units.to_crs(4326), grid, unit_id_col="unit")


def test_classify_units__bad_input():
    units, grid = unit_fixture()
    with pytest.raises(DataError, match=r"`units` has no column `id`"):
        classify_units(units, grid, unit_id_col="id")
    with pytest.raises(DataError, match=r"missing or repeated ids"):
        classify_units(units.assign(unit="same"), grid, unit_id_col="unit")
    with pytest.raises(DataError, match=r"lacks column\(s\) \['degurba_l2'\]"):
        classify_units(units, grid.drop(columns=["degurba_l2"]), unit_id_col="unit")
    with pytest.raises(DataError, match=r"codes outside"):
        classify_units(units, grid.assign(degurba_l2=3), unit_id_col="unit")


def test_population_by_class__bad_level():
    with pytest.raises(DataError, match=r"`level` is 3; use 1 or 2"):
        population_by_class(pd.DataFrame({"T": [1], "degurba_l1": [1]}), level=3)


# ------------------------------------------------------------------------------------------ Malta


@pytest.fixture(scope="module")
def malta() -> tuple[GeoDataFrame, GeoDataFrame]:
    data = settings.BUNDLED_DATA_DIR / "malta"
    grid = gpd.read_file(data / "census2021_grid_1km_malta.gpkg", layer="census2021_grid_1km")
    councils = gpd.read_file(data / "mt_local_councils_osm2018.geojson")
    return grid, councils[councils["admin_level"] == "8"].to_crs(grid.crs)


def test_malta__totals_and_one_urban_centre(malta):
    grid, councils = malta
    out = classify_grid(grid)
    # the official census total and number of populated cells (data/malta README)
    for level in (1, 2):
        t = population_by_class(out, level=level)
        assert t["pop"].sum() == 519_562 and t["n_cells"].sum() == 311
    # one urban centre, around the Grand Harbour: Valletta's cell (x 4,733,xxx, y 1,436,xxx in EPSG:3035) is in it
    valletta = shapely.Point(14.5146, 35.8989)
    cell = out[out.to_crs(4326).contains(valletta)]
    assert cell["degurba_l1"].tolist() == [3]
    centre = out[out["degurba_l1"] == 3]
    assert len(centre.dissolve().explode()) == 1  # one connected piece

    res = classify_units(councils, out, unit_id_col="osm_id")
    assert len(res) == 67 and res["degurba_l1"].isin([1, 2, 3]).all() and res["degurba_l2"].isin(UNIT_L2_LABELS).all()
    assert res.loc[councils["name"] == "Valletta", "degurba_l1"].tolist() == [3]
    # every resident is assigned except those of land no council covers (Ħal Tarxien is missing from the OSM file)
    assert 0.98 * 519_562 < res["pop"].sum() <= 519_562


@pytest.mark.malta
def test_malta__deterministic_report():
    first = degurba_markdown("malta")
    assert first == degurba_markdown("malta")
    doc = ROOT / "docs" / "degurba_malta.md"
    assert doc.read_text(encoding="utf-8") == first, (
        "docs/degurba_malta.md is stale: run python -m equimap.report.degurba_doc"
    )
