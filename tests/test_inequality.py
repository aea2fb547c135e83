"""Inequality indices against textbook O(n^2) formulas and hand values."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from equimap._errors import DataError
from equimap.indicators.inequality import concentration_index, gini, stack_groups, theil_decomposition, theil_t


def naive_gini(x: np.ndarray, w: np.ndarray) -> float:
    """Textbook weighted Gini: mean absolute difference over all pairs of residents, over twice the mean."""
    total = w.sum()
    mu = (w * x).sum() / total
    pair = sum(w[i] * w[j] * abs(x[i] - x[j]) for i in range(len(x)) for j in range(len(x)))
    return pair / (2 * total**2 * mu)


def naive_concentration(x: np.ndarray, w: np.ndarray, r: np.ndarray) -> float:
    """Concentration index as a double sum: like the Gini, with the order of each pair set by `r`."""
    total = w.sum()
    mu = (w * x).sum() / total
    pair = sum(w[i] * w[j] * (x[i] - x[j]) * np.sign(r[i] - r[j]) for i in range(len(x)) for j in range(len(x)))
    return pair / (2 * total**2 * mu)


def random_data(seed: int, n: int = 60) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    x = pd.Series(np.round(rng.gamma(2.0, 400.0, n), -1), index=rng.permutation(n) + 100)  # ties included
    w = pd.Series(rng.exponential(20.0, n), index=x.index)
    return x, w


@pytest.mark.parametrize("seed", range(4))
def test_gini__matches_naive(seed: int) -> None:
    x, w = random_data(seed)
    assert gini(x, w) == pytest.approx(naive_gini(x.to_numpy(), w.to_numpy()), rel=1e-12, abs=1e-15)


def test_gini__by_hand() -> None:
    # two residents with 1 and 3: pairs |1-3| twice = 4, over 2 * 2^2 * 2 = 16
    assert gini(pd.Series([1.0, 3.0]), pd.Series([1.0, 1.0])) == pytest.approx(0.25)
    assert gini(pd.Series([5.0, 5.0, 5.0]), pd.Series([1.0, 2.0, 3.0])) == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_concentration_index__matches_naive(seed: int) -> None:
    x, w = random_data(seed)
    rng = np.random.default_rng(seed + 100)
    share = pd.Series(np.round(rng.uniform(0.0, 0.6, len(x)), 1), index=x.index)  # few distinct values: many ties
    expected = naive_concentration(x.to_numpy(), w.to_numpy(), share.to_numpy())
    assert concentration_index(x, w, share) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_concentration_index__ranked_by_itself_is_gini() -> None:
    x, w = random_data(9)
    assert concentration_index(x, w, x) == pytest.approx(gini(x, w), rel=1e-12)
    assert concentration_index(x, w, -x) == pytest.approx(-gini(x, w), rel=1e-12)


def test_concentration_index__zero_weight_places_may_lack_a_rank() -> None:
    x = pd.Series([100.0, 300.0, 50.0])
    w = pd.Series([1.0, 1.0, 0.0])
    rank = pd.Series([0.1, 0.5, np.nan])
    # two residents, the one with the higher share waits 300 vs 100: (2*(300-100)) / (2*4*200) = 0.25
    assert concentration_index(x, w, rank) == pytest.approx(0.25)


def test_theil_t__by_hand() -> None:
    # values 1 and 3, mean 2: T = (0.5 ln 0.5 + 1.5 ln 1.5) / 2
    expected = (0.5 * math.log(0.5) + 1.5 * math.log(1.5)) / 2
    assert theil_t(pd.Series([1.0, 3.0]), pd.Series([4.0, 4.0])) == pytest.approx(expected, rel=1e-12)
    # a zero uses 0 ln 0 = 0: values 0 and 2, mean 1 -> T = (0 + 2 ln 2) / 2 = ln 2
    assert theil_t(pd.Series([0.0, 2.0]), pd.Series([1.0, 1.0])) == pytest.approx(math.log(2), rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_theil_decomposition__between_plus_within_is_total(seed: int) -> None:
    x, w = random_data(seed, n=300)
    rng = np.random.default_rng(seed)
    groups = pd.Series(rng.choice(["NAT", "EU_OTH", "OTH"], len(x)), index=x.index)
    x[rng.random(len(x)) < 0.05] = 0.0
    got = theil_decomposition(x, w, groups)
    assert got.between + got.within == pytest.approx(got.total, abs=1e-12)
    assert got.total == pytest.approx(theil_t(x, w), abs=1e-15)
    assert got.between == pytest.approx(got.groups["between"].sum(), abs=1e-15)
    for label, row in got.groups.iterrows():
        m = groups == label
        assert row["theil"] == pytest.approx(theil_t(x[m], w[m]), rel=1e-12)
        assert row["pop"] == pytest.approx(w[m].sum(), rel=1e-12)
        assert row["x_share"] == pytest.approx((w[m] * x[m]).sum() / (w * x).sum(), rel=1e-12)


def test_theil_decomposition__homogeneous_groups_are_all_between() -> None:
    x = pd.Series([100.0, 100.0, 400.0, 400.0])
    w = pd.Series([1.0, 3.0, 2.0, 2.0])
    got = theil_decomposition(x, w, pd.Series(["a", "a", "b", "b"]))
    assert got.within == pytest.approx(0.0, abs=1e-15)
    assert got.between == pytest.approx(got.total, rel=1e-12)
    # shares of the total: a holds 400 of 2000, b 1600; mean 250
    expected = 0.2 * math.log(100 / 250) + 0.8 * math.log(400 / 250)
    assert got.total == pytest.approx(expected, rel=1e-12)


def test_inequality__unreachable_left_out(caplog: pytest.LogCaptureFixture) -> None:
    x, w = random_data(1)
    with_inf = pd.concat([x, pd.Series([np.inf], index=[-1])])
    w_inf = pd.concat([w, pd.Series([7.0], index=[-1])])
    with caplog.at_level(logging.INFO, logger="equimap.indicators.inequality"):
        assert gini(with_inf, w_inf) == pytest.approx(gini(x, w), rel=1e-14)
    assert "left out 1 unreachable origins (7.0 residents)" in caplog.text
    assert theil_t(with_inf, w_inf) == pytest.approx(theil_t(x, w), rel=1e-14)


def test_inequality__bad_inputs() -> None:
    x = pd.Series([1.0, 2.0, 3.0])
    w = pd.Series([1.0, 1.0, 1.0])
    with pytest.raises(DataError, match="every value of `x` with a positive weight is 0"):
        theil_t(x * 0, w)
    with pytest.raises(DataError, match="no origin has both a positive weight"):
        gini(x, w * 0)
    with pytest.raises(DataError, match="`x` has negative or missing values"):
        gini(-x, w)
    with pytest.raises(DataError, match="`w` has negative"):
        gini(x, -w)
    with pytest.raises(DataError, match="`w` is not indexed like `x`"):
        gini(x, pd.Series([1.0, 1.0, 1.0], index=[1, 2, 3]))
    with pytest.raises(DataError, match="`rank_by` is missing where `w` > 0"):
        concentration_index(x, w, pd.Series([0.1, np.nan, 0.2]))
    with pytest.raises(DataError, match="`groups` has missing labels"):
        theil_decomposition(x, w, pd.Series(["a", None, "b"]))


def test_inequality__empty() -> None:
    with pytest.raises(DataError, match="no origin has both a positive weight"):
        gini(pd.Series([], dtype=float), pd.Series([], dtype=float))


def test_stack_groups() -> None:
    origins = pd.DataFrame({"NAT": [3.0, 0.0], "OTH": [1.0, 2.0]}, index=pd.Index([10, 11], name="origin"))
    time_s = pd.Series([60.0, np.inf], index=origins.index)
    got = stack_groups(origins, time_s, groups={"NAT": "Born here", "OTH": "Born outside the EU"})
    expected = pd.DataFrame(
        {
            "time_s": [60.0, np.inf, 60.0, np.inf],
            "pop": [3.0, 0.0, 1.0, 2.0],
            "group": ["Born here", "Born here", "Born outside the EU", "Born outside the EU"],
        },
        index=pd.MultiIndex.from_tuples(
            [(10, "NAT"), (11, "NAT"), (10, "OTH"), (11, "OTH")], names=["origin", "group_col"]
        ),
    )
    pd.testing.assert_frame_equal(got, expected)
    # one decomposition over (origin, group) observations: the unreachable origin is left out
    dec = theil_decomposition(got["time_s"], got["pop"], got["group"])
    assert dec.total == 0.0 and dec.between == 0.0
