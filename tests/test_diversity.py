"""Diversity indices and bivariate classes against hand values and scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy

from equimap._errors import DataError
from equimap.indicators.diversity import bivariate_classes, foreign_born_shares, shannon_index, simpson_index


@pytest.fixture
def places() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "NAT": [50.0, 100.0, 10.0, 0.0, 1.0],
            "EU_OTH": [0.0, 0.0, 10.0, 0.0, 1.0],
            "OTH": [50.0, 0.0, 10.0, 0.0, 2.0],
        },
        index=pd.Index(["half", "one", "thirds", "empty", "quarters"], name="cell_id"),
    )


def test_foreign_born_shares__by_hand(places: pd.DataFrame) -> None:
    got = foreign_born_shares(places, native="NAT", eu="EU_OTH", non_eu="OTH")
    expected = pd.DataFrame(
        {
            "eu_share": [0.0, 0.0, 1 / 3, np.nan, 0.25],
            "non_eu_share": [0.5, 0.0, 1 / 3, np.nan, 0.5],
            "foreign_share": [0.5, 0.0, 2 / 3, np.nan, 0.75],
        },
        index=places.index,
    )
    pd.testing.assert_frame_equal(got, expected)


def test_simpson_index__by_hand(places: pd.DataFrame) -> None:
    # two residents drawn with replacement: 1 - sum p^2; quarters: 1 - (1/16 + 1/16 + 1/4) = 0.625
    expected = pd.Series([0.5, 0.0, 2 / 3, np.nan, 0.625], index=places.index, name="simpson")
    pd.testing.assert_series_equal(simpson_index(places), expected)
    # normalised by 1 - 1/3: equal thirds give 1
    pd.testing.assert_series_equal(simpson_index(places, normalised=True), expected / (2 / 3))
    two = pd.DataFrame({"a": [5.0], "b": [5.0]})
    assert simpson_index(two).iloc[0] == 0.5
    assert simpson_index(two, normalised=True).iloc[0] == 1.0


def test_shannon_index__by_hand_and_scipy(places: pd.DataFrame) -> None:
    got = shannon_index(places, normalised=False)
    assert got["half"] == pytest.approx(math.log(2))
    assert got["one"] == 0.0
    assert got["quarters"] == pytest.approx(1.5 * math.log(2))
    assert np.isnan(got["empty"])
    norm = shannon_index(places)
    assert norm["thirds"] == pytest.approx(1.0)
    assert norm["half"] == pytest.approx(math.log(2) / math.log(3))
    two = pd.DataFrame({"a": [5.0], "b": [5.0]})
    assert shannon_index(two).iloc[0] == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.exponential(5.0, (30, 4)) * (rng.random((30, 4)) < 0.8), columns=list("abcd"))
    counts = counts[counts.sum(axis=1) > 0]
    expected = pd.Series(entropy(counts.to_numpy(), axis=1) / math.log(4), index=counts.index, name="shannon")
    pd.testing.assert_series_equal(shannon_index(counts), expected, rtol=1e-12)


def test_diversity__bad_inputs(places: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="`df` has no column `OTHER`"):
        foreign_born_shares(places, native="NAT", eu="EU_OTH", non_eu="OTHER")
    with pytest.raises(DataError, match="`counts` column `OTH` has negative populations"):
        simpson_index(places.assign(OTH=-1.0))
    with pytest.raises(DataError, match="at least two group columns"):
        shannon_index(places[["NAT"]])


def test_bivariate_classes__plain_terciles() -> None:
    idx = list("abcdefghij")
    diversity = pd.Series([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, np.nan], index=idx)
    time = pd.Series([900.0, 800.0, 700.0, 600.0, 500.0, 400.0, np.inf, 200.0, 1000.0, 50.0], index=idx)
    got = bivariate_classes(diversity, time)
    # diversity: 9 defined places, breaks at the 3rd (0.3) and 6th (0.6) values; j has none.
    # time: 10 places sorted 50, 200, 400, 500 | 600, 700, 800 | 900, 1000, inf. The breaks are the first values
    # whose running share reaches 1/3 (4/10: 500) and 2/3 (7/10: 800); the unreachable place is in the worst class.
    expected = pd.DataFrame(
        {
            "diversity_class": pd.array([1, 1, 1, 2, 2, 2, 3, 3, 3, None], dtype="Int64"),
            "access_class": pd.array([3, 2, 2, 2, 1, 1, 3, 1, 3, 1], dtype="Int64"),
            "diverse_underserved": [False, False, False, False, False, False, True, False, True, False],
        },
        index=idx,
    )
    pd.testing.assert_frame_equal(got, expected)


def test_bivariate_classes__population_weighted() -> None:
    idx = ["a", "b", "c", "d"]
    diversity = pd.Series([0.1, 0.2, 0.3, 0.4], index=idx)
    time = pd.Series([100.0, 200.0, 300.0, 400.0], index=idx)
    pop = pd.Series([60.0, 20.0, 10.0, 10.0], index=idx)
    got = bivariate_classes(diversity, time, n=2, pop=pop)
    # a alone holds 60% of residents, so the population median is a's value: a is class 1, the rest class 2.
    assert got["diversity_class"].tolist() == [1, 2, 2, 2]
    assert got["access_class"].tolist() == [1, 2, 2, 2]
    assert got["diverse_underserved"].tolist() == [False, True, True, True]
    plain = bivariate_classes(diversity, time, n=2)
    assert plain["diversity_class"].tolist() == [1, 1, 2, 2]


def test_bivariate_classes__empty() -> None:
    empty = pd.Series([], dtype=float)
    got = bivariate_classes(empty, empty)
    assert got.empty and list(got.columns) == ["diversity_class", "access_class", "diverse_underserved"]


def test_bivariate_classes__bad_inputs() -> None:
    d = pd.Series([0.1, 0.2], index=["a", "b"])
    with pytest.raises(DataError, match="`access_time` is not indexed like `diversity`"):
        bivariate_classes(d, pd.Series([1.0, 2.0], index=["a", "c"]))
    with pytest.raises(DataError, match="`n` must be a whole number"):
        bivariate_classes(d, d, n=1)


@pytest.mark.malta
def test_foreign_born_shares__malta_census_grid() -> None:
    import geopandas as gpd

    from equimap import settings

    grid = gpd.read_file(
        settings.BUNDLED_DATA_DIR / "malta" / "census2021_grid_1km_malta.gpkg", layer="census2021_grid_1km"
    )
    country = grid[["NAT", "EU_OTH", "OTH"]].sum().to_frame().T
    got = foreign_born_shares(country, native="NAT", eu="EU_OTH", non_eu="OTH")
    # Census 2021: 519,562 residents, about 25.7% of them foreign-born (data/malta provenance notes).
    assert country.sum(axis=1).iloc[0] == 519_562
    assert got["foreign_share"].iloc[0] == pytest.approx(0.257, abs=0.001)
    cells = foreign_born_shares(grid, native="NAT", eu="EU_OTH", non_eu="OTH")
    pd.testing.assert_index_equal(cells.index, grid.index)
    populous = grid["T"] >= 500  # the share varies from under 7% to over 60% among well-populated cells
    assert cells.loc[populous, "foreign_share"].min() < 0.07
    assert cells.loc[populous, "foreign_share"].max() > 0.60
