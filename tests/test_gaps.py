"""Group gaps, weighted quantiles and the cluster bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equimap._errors import DataError
from equimap.indicators.gaps import CI_STATS, gap_sentence, group_gaps
from equimap.indicators.groups import weighted_quantile

GROUPS = {"NAT": "Born here", "OTH": "Born outside the EU"}


@pytest.mark.parametrize("seed", range(5))
def test_weighted_quantile__matches_numpy_inverted_cdf(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 40, 200).astype(float) * 30.0  # many ties
    w = rng.exponential(5.0, 200)
    w[rng.random(200) < 0.2] = 0.0  # zero weights are ignored
    q = np.array([0.0, 0.1, 0.25, 0.5, 0.9, 0.99, 1.0])
    expected = np.percentile(x, 100 * q, method="inverted_cdf", weights=w)
    np.testing.assert_array_equal(weighted_quantile(x, w, q), expected)
    assert weighted_quantile(x, w, 0.5) == np.percentile(x, 50, method="inverted_cdf", weights=w)


def test_weighted_quantile__by_hand() -> None:
    # running shares 0.25, 0.5, 1: the median is the first value reaching 0.5, i.e. 20.
    assert weighted_quantile([30.0, 10.0, 20.0], [2.0, 1.0, 1.0], 0.5) == 20.0
    assert weighted_quantile([30.0, 10.0, 20.0], [2.0, 1.0, 1.0], 0.51) == 30.0
    assert np.isnan(weighted_quantile([1.0, 2.0], [0.0, 0.0], 0.5))


def test_weighted_quantile__bad_inputs() -> None:
    with pytest.raises(DataError, match="`q` must lie in"):
        weighted_quantile([1.0], [1.0], 1.5)
    with pytest.raises(DataError, match="`w` has negative"):
        weighted_quantile([1.0, 2.0], [1.0, -1.0], 0.5)


@pytest.fixture
def tiny() -> tuple[pd.DataFrame, pd.Series]:
    origins = pd.DataFrame(
        {
            "cell_id": ["c1", "c1", "c1", "c2", "c2", "c2"],
            "NAT": [10.0, 10.0, 0.0, 5.0, 0.0, 5.0],
            "OTH": [0.0, 5.0, 5.0, 10.0, 10.0, 0.0],
            "T": [20.0, 15.0, 5.0, 15.0, 10.0, 5.0],  # 10 more residents (of neither group) at origin 0
        },
        index=pd.RangeIndex(6, name="origin"),
    )
    time_s = pd.Series([300.0, 600.0, 900.0, 1200.0, np.inf, 1800.0], index=origins.index, name="time_s")
    return origins, time_s


def test_group_gaps__by_hand(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    got = group_gaps(origins, time_s, groups=GROUPS, threshold_s=900.0, n_boot=0)
    # NAT: reachable 300x10, 600x10, 1200x5, 1800x5 -> mean 24000/30 = 800; running shares 1/3, 2/3 -> median 600;
    #      beyond 15 min: 1200x5 + 1800x5 = 10 of 30.
    # OTH: reachable 600x5, 900x5, 1200x10 -> mean 19500/20 = 975; shares 1/4, 1/2 -> median 900 (exactly 900 is
    #      within the threshold); unreachable 10; beyond: 1200x10 + inf x10 = 20 of 30.
    # All residents (NAT + OTH): 30 of 60 beyond -> representation ratios (1/3)/(1/2) and (2/3)/(1/2).
    expected = pd.DataFrame(
        {
            "label": ["Born here", "Born outside the EU"],
            "is_reference": [True, False],
            "threshold_s": 900.0,
            "pop": [30.0, 30.0],
            "pop_unreachable": [0.0, 10.0],
            "share_unreachable": [0.0, 1 / 3],
            "mean_time_s": [800.0, 975.0],
            "median_time_s": [600.0, 900.0],
            "share_beyond": [1 / 3, 2 / 3],
            "mean_diff_s": [0.0, 175.0],
            "mean_rel_diff": [0.0, 175.0 / 800.0],
            "median_diff_s": [0.0, 300.0],
            "median_rel_diff": [0.0, 0.5],
            "share_beyond_diff_pp": [0.0, 100 / 3],
            "representation_ratio": [2 / 3, 4 / 3],
        },
        index=pd.Index(["NAT", "OTH"], name="group"),
    )
    for stat in CI_STATS:
        expected[f"{stat}_lo"] = np.nan
        expected[f"{stat}_hi"] = np.nan
    pd.testing.assert_frame_equal(got[expected.columns], expected, rtol=1e-12)
    assert list(got.columns) == list(expected.columns[:6]) + [c for s in CI_STATS for c in (s, f"{s}_lo", f"{s}_hi")]


def test_group_gaps__representation_ratio_with_total_column(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    got = group_gaps(origins, time_s, groups=GROUPS, threshold_s=900.0, total="T", n_boot=0)
    # T adds 10 residents within 15 min: 30 of 70 beyond. OTH holds 20 of those 30 and 30 of the 70 residents.
    assert got.loc["OTH", "representation_ratio"] == pytest.approx((20 / 30) / (30 / 70), rel=1e-12)
    assert got.loc["NAT", "representation_ratio"] == pytest.approx((10 / 30) / (30 / 70), rel=1e-12)


def test_group_gaps__medians_match_numpy() -> None:
    rng = np.random.default_rng(7)
    n = 500
    origins = pd.DataFrame(
        {
            "cell_id": rng.integers(0, 40, n).astype(str),
            "NAT": rng.exponential(10.0, n),
            "EU_OTH": rng.exponential(2.0, n) * (rng.random(n) < 0.5),
            "OTH": rng.exponential(4.0, n),
        }
    )
    time_s = pd.Series(np.round(rng.uniform(60.0, 3000.0, n), -1), index=origins.index)
    time_s[rng.random(n) < 0.05] = np.inf
    groups = {"NAT": "a", "EU_OTH": "b", "OTH": "c"}
    got = group_gaps(origins, time_s, groups=groups, threshold_s=1200.0, n_boot=0)
    reach = np.isfinite(time_s)
    for col in groups:
        w = origins.loc[reach, col]
        t = time_s[reach]
        assert got.loc[col, "median_time_s"] == np.percentile(t, 50, method="inverted_cdf", weights=w)
        assert got.loc[col, "mean_time_s"] == pytest.approx(np.average(t, weights=w), rel=1e-12)
        beyond = origins.loc[time_s > 1200.0, col].sum() / origins[col].sum()
        assert got.loc[col, "share_beyond"] == pytest.approx(beyond, rel=1e-12)


def test_group_gaps__bootstrap_reproducible(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    a = group_gaps(origins, time_s, groups=GROUPS, threshold_s=900.0, n_boot=199, seed=3)
    b = group_gaps(origins, time_s, groups=GROUPS, threshold_s=900.0, n_boot=199, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a["mean_time_s_lo"].notna().all()
    assert (a["mean_time_s_lo"] <= a["mean_time_s"]).all() and (a["mean_time_s"] <= a["mean_time_s_hi"]).all()
    # the reference group's differences are 0 in every replicate
    assert a.loc["NAT", ["mean_diff_s_lo", "mean_diff_s_hi", "share_beyond_diff_pp_hi"]].tolist() == [0.0, 0.0, 0.0]


def test_group_gaps__one_cluster_has_no_sampling_variation(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    got = group_gaps(origins.assign(cell_id="all"), time_s, groups=GROUPS, threshold_s=900.0, n_boot=50)
    for stat in CI_STATS:
        np.testing.assert_allclose(got[f"{stat}_lo"], got[stat], rtol=1e-12)
        np.testing.assert_allclose(got[f"{stat}_hi"], got[stat], rtol=1e-12)


def simulate(rng: np.random.Generator, n_cells: int = 60, per_cell: int = 8) -> tuple[pd.DataFrame, pd.Series]:
    """Draw one region from a model whose true mean gap is known.

    Half the cells (on average) are rural. Times: 600 s urban, 900 s rural, plus a cell effect
    (sd 100 s) and an origin effect (sd 60 s), both mean 0. Group A has 10 residents per origin on
    average everywhere; group B 10 in urban and 30 in rural cells. Population-weighted mean times:
    A = (10*600 + 10*900) / 20 = 750 s, B = (10*600 + 30*900) / 40 = 825 s, so the true gap is 75 s.
    """
    cell = np.repeat(np.arange(n_cells), per_cell)
    rural = (rng.random(n_cells) < 0.5)[cell]
    time = 600.0 + 300.0 * rural + rng.normal(0.0, 100.0, n_cells)[cell] + rng.normal(0.0, 60.0, cell.size)
    a = rng.exponential(10.0, cell.size)
    b = rng.exponential(np.where(rural, 30.0, 10.0))
    origins = pd.DataFrame({"cell_id": cell.astype(str), "A": a, "B": b})
    return origins, pd.Series(np.abs(time), index=origins.index)


def test_group_gaps__bootstrap_interval_covers_true_gap() -> None:
    rng = np.random.default_rng(2024)
    true_gap = 75.0
    covered = 0
    n_rep = 100
    for k in range(n_rep):
        origins, time_s = simulate(rng)
        got = group_gaps(origins, time_s, groups={"A": "A", "B": "B"}, threshold_s=900.0, n_boot=199, seed=k)
        covered += got.loc["B", "mean_diff_s_lo"] <= true_gap <= got.loc["B", "mean_diff_s_hi"]
    assert 0.90 <= covered / n_rep <= 0.995


def test_group_gaps__empty() -> None:
    origins = pd.DataFrame({"cell_id": pd.Series([], dtype=str), "NAT": [], "OTH": []})
    got = group_gaps(origins, pd.Series([], dtype=float), groups=GROUPS, threshold_s=900.0, n_boot=9)
    assert got["pop"].tolist() == [0.0, 0.0]
    assert got[list(CI_STATS)].isna().all().all()


def test_group_gaps__group_with_zero_population(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    got = group_gaps(
        origins.assign(EU_OTH=0.0), time_s, groups={**GROUPS, "EU_OTH": "EU"}, threshold_s=900.0, n_boot=20
    )
    # no residents: no time, share or ratio is defined for the group, in the estimate or any replicate
    row = got.loc["EU_OTH"]
    assert row["pop"] == 0.0
    assert (
        row[[c for c in got.columns if c.split("_")[0] in ("mean", "median", "share", "representation")]].isna().all()
    )
    assert got.loc["OTH", "mean_diff_s"] == 175.0  # the other groups are unaffected


def test_group_gaps__all_unreachable(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    got = group_gaps(origins, time_s * np.inf, groups=GROUPS, threshold_s=900.0, n_boot=20)
    assert got["mean_time_s"].isna().all() and got["median_time_s"].isna().all()
    assert got["share_unreachable"].tolist() == [1.0, 1.0]
    assert got["share_beyond"].tolist() == [1.0, 1.0]
    assert got["representation_ratio"].tolist() == [1.0, 1.0]
    assert got["share_beyond_diff_pp"].tolist() == [0.0, 0.0]


def test_group_gaps__inputs_unchanged(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    o, t = origins.copy(), time_s.copy()
    group_gaps(origins, time_s, groups=GROUPS, threshold_s=900.0, n_boot=20)
    pd.testing.assert_frame_equal(origins, o)
    pd.testing.assert_series_equal(time_s, t)


def test_group_gaps__bad_inputs(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    with pytest.raises(DataError, match="`origins` has no column `EU_OTH`"):
        group_gaps(origins, time_s, groups={**GROUPS, "EU_OTH": "EU"}, threshold_s=900.0)
    with pytest.raises(DataError, match="`origins` column `OTH` has negative populations"):
        group_gaps(origins.assign(OTH=-1.0), time_s, groups=GROUPS, threshold_s=900.0)
    with pytest.raises(DataError, match="`time_s` is not indexed like `origins`"):
        group_gaps(origins, time_s.iloc[::-1], groups=GROUPS, threshold_s=900.0)
    with pytest.raises(DataError, match="`time_s` has missing values; use `inf`"):
        group_gaps(origins, time_s.where(time_s < 1000), groups=GROUPS, threshold_s=900.0)
    with pytest.raises(DataError, match="`reference` `M` is not one of the groups"):
        group_gaps(origins, time_s, groups=GROUPS, reference="M", threshold_s=900.0)
    with pytest.raises(DataError, match="no cluster column `cell`"):
        group_gaps(origins, time_s, groups=GROUPS, threshold_s=900.0, cluster_col="cell")
    # every problem in one message
    with pytest.raises(DataError, match="negative populations.*`ci` must lie"):
        group_gaps(origins.assign(OTH=-1.0), time_s, groups=GROUPS, threshold_s=900.0, ci=95)


def test_gap_sentence__values(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    gaps = group_gaps(origins, time_s, groups=GROUPS, threshold_s=900.0, n_boot=0)
    template = "{group_label} wait on average {mean_diff_abs_min:.1f} min {direction} than {reference_label}"
    got = gap_sentence(
        gaps.loc["OTH"],
        reference_label="People born here",
        category_label="GPs",
        mode_label="walking",
        template=template,
    )
    assert got["direction"] == "longer"
    assert got["mean_diff_min"] == pytest.approx(175.0 / 60.0)
    assert got["mean_time_min"] == pytest.approx(975.0 / 60.0)
    assert got["ref_mean_time_min"] == pytest.approx(800.0 / 60.0)
    assert got["threshold_min"] == 15.0
    assert got["share_beyond_pct"] == pytest.approx(200 / 3)
    assert got["ref_share_beyond_pct"] == pytest.approx(100 / 3)
    assert got["ci_excludes_zero"] is None  # no bootstrap was run
    assert got["text"] == "Born outside the EU wait on average 2.9 min longer than People born here"
    with pytest.raises(DataError, match="`template` cannot be filled"):
        gap_sentence(gaps.loc["OTH"], reference_label="r", category_label="c", mode_label="m", template="{nope}")
