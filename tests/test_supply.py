"""Supply-side access measures against PySAL `access` and hand-worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from access import Access
from access import weights as access_weights

from equimap._errors import DataError
from equimap.indicators.supply import (
    access_by_group,
    enhanced_two_step_fca,
    gravity_access,
    step_weights,
    two_step_fca,
)


def random_inputs(seed: int) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Return a random cost table (some origins with no service at all), demand and supply."""
    rng = np.random.default_rng(seed)
    n_origins, n_services = 60, 9
    services = [f"h{j}" for j in range(n_services)]
    rows = [(i, s) for i in range(n_origins - 5) for s in services if rng.random() < 0.45]
    costs = pd.DataFrame(rows, columns=["origin", "service"])
    costs["time_s"] = rng.uniform(0.0, 2400.0, len(costs))
    demand = pd.Series(rng.uniform(1.0, 500.0, n_origins), index=pd.RangeIndex(n_origins, name="origin"))
    supply = pd.Series(rng.uniform(1.0, 80.0, n_services), index=pd.Index(services, name="service"))
    return costs, demand, supply


def pysal_access(costs: pd.DataFrame, demand: pd.Series, supply: pd.Series) -> Access:
    demand_df = demand.rename("pop").to_frame()
    demand_df.index.name = "geoid"
    supply_df = supply.rename("beds").to_frame()
    supply_df.index.name = "geoid"
    return Access(
        demand_df=demand_df,
        demand_index=True,
        demand_value="pop",
        supply_df=supply_df,
        supply_index=True,
        supply_value="beds",
        cost_df=costs.copy(),
        cost_origin="origin",
        cost_dest="service",
        cost_name="time_s",
    )


def assert_matches_access(ours: pd.Series, theirs: pd.Series, no_service: set[int]) -> None:
    """`access` gives NaN to origins with no service in reach, where we give 0; elsewhere they agree to 1e-9."""
    theirs = theirs.reindex(ours.index)
    assert set(theirs.index[theirs.isna()]) == no_service
    assert (ours.loc[sorted(no_service)] == 0).all()
    defined = theirs.notna()
    np.testing.assert_allclose(ours[defined].to_numpy(), theirs[defined].to_numpy(), rtol=1e-9, atol=0)
    assert defined.sum() > 40  # the comparison is not vacuous


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_step_fca__matches_pysal_access(seed: int) -> None:
    costs, demand, supply = random_inputs(seed)
    theirs = pysal_access(costs, demand, supply).two_stage_fca(name="fca", max_cost=1200.0)["fca_beds"]
    ours = two_step_fca(costs, demand, supply, max_cost_s=1200.0)
    in_reach = set(costs.loc[costs["time_s"] <= 1200.0, "origin"])
    assert_matches_access(ours, theirs, set(demand.index) - in_reach)
    assert ours.name == "access"
    pd.testing.assert_index_equal(ours.index, demand.index)


@pytest.mark.parametrize("steps", [None, [(900.0, 1.0), (1500.0, 0.6), (2100.0, 0.1)]])
def test_enhanced_two_step_fca__matches_pysal_access(steps: list[tuple[float, float]] | None) -> None:
    costs, demand, supply = random_inputs(3)
    table = steps if steps is not None else [(600.0, 1.0), (1200.0, 0.68), (1800.0, 0.22)]
    fn = access_weights.step_fn(dict(table))
    theirs = pysal_access(costs, demand, supply).enhanced_two_stage_fca(name="e", weight_fn=fn)["e_beds"]
    ours = (
        enhanced_two_step_fca(costs, demand, supply)
        if steps is None
        else enhanced_two_step_fca(costs, demand, supply, weights=steps)
    )
    # `access` leaves out origins with no pair at all (NaN); origins whose pairs all weigh 0 it sums to 0, like us.
    assert_matches_access(ours, theirs, set(demand.index) - set(costs["origin"]))
    far = set(costs["origin"]) - set(costs.loc[costs["time_s"] <= table[-1][0], "origin"])
    assert all(ours[o] == 0 for o in far)


@pytest.mark.parametrize("scale_s", [300.0, 900.0])
def test_gravity_access__matches_pysal_gaussian_two_stage(scale_s: float) -> None:
    costs, demand, supply = random_inputs(4)
    fn = access_weights.gaussian(scale_s)
    theirs = pysal_access(costs, demand, supply).two_stage_fca(name="g", weight_fn=fn)["g_beds"]
    ours = gravity_access(costs, demand, supply, decay="gaussian", scale_s=scale_s)
    assert_matches_access(ours, theirs, set(demand.index) - set(costs["origin"]))


def test_gravity_access__no_competition_matches_pysal_weighted_catchment() -> None:
    costs, demand, supply = random_inputs(5)
    fn = access_weights.gaussian(600.0)
    theirs = pysal_access(costs, demand, supply).weighted_catchment(name="w", weight_fn=fn)["w_beds"]
    ours = gravity_access(costs, demand, supply, scale_s=600.0, competition=False)
    assert_matches_access(ours, theirs, set(demand.index) - set(costs["origin"]))


@pytest.fixture
def tiny() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    # a reaches h1 in 5 min and h2 in 15; b reaches h2 in 10 min and h1 in 25; c reaches nothing.
    costs = pd.DataFrame(
        {"origin": ["a", "a", "b", "b"], "service": ["h1", "h2", "h2", "h1"], "time_s": [300.0, 900.0, 600.0, 1500.0]}
    )
    demand = pd.Series([100.0, 300.0, 50.0], index=["a", "b", "c"])
    supply = pd.Series([10.0, 20.0], index=["h1", "h2"])
    return costs, demand, supply


def test_two_step_fca__by_hand(tiny: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    costs, demand, supply = tiny
    # 16.7-minute catchments: h1 serves a (100 residents) -> 0.1 beds each; h2 serves a and b (400) -> 0.05.
    expected = pd.Series([0.1 + 0.05, 0.05, 0.0], index=["a", "b", "c"], name="access")
    pd.testing.assert_series_equal(two_step_fca(costs, demand, supply, max_cost_s=1000.0), expected)


def test_two_step_fca__catchment_without_residents_contributes_zero(
    tiny: tuple[pd.DataFrame, pd.Series, pd.Series],
) -> None:
    costs, demand, supply = tiny
    demand = demand.copy()
    demand["a"] = 0.0  # h1's only resident origin is now empty: h1 serves nobody
    expected = pd.Series([20.0 / 300.0, 20.0 / 300.0, 0.0], index=["a", "b", "c"], name="access")
    pd.testing.assert_series_equal(two_step_fca(costs, demand, supply, max_cost_s=1000.0), expected)


def test_gravity_access__exponential_by_hand(tiny: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    costs, demand, supply = tiny
    f = {t: math.exp(-t / 600.0) for t in (300.0, 900.0, 600.0, 1500.0)}
    potential = pd.Series(
        [10 * f[300.0] + 20 * f[900.0], 20 * f[600.0] + 10 * f[1500.0], 0.0], index=["a", "b", "c"], name="access"
    )
    got = gravity_access(costs, demand, supply, decay="exponential", scale_s=600.0, competition=False)
    pd.testing.assert_series_equal(got, potential)
    r1 = 10 / (100 * f[300.0] + 300 * f[1500.0])
    r2 = 20 / (100 * f[900.0] + 300 * f[600.0])
    shared = pd.Series([f[300.0] * r1 + f[900.0] * r2, f[1500.0] * r1 + f[600.0] * r2, 0.0], index=["a", "b", "c"])
    got = gravity_access(costs, demand, supply, decay="exponential", scale_s=600.0)
    pd.testing.assert_series_equal(got, shared.rename("access"), rtol=1e-12)


def test_gravity_access__max_cost_cuts_pairs(tiny: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    costs, demand, supply = tiny
    got = gravity_access(costs, demand, supply, scale_s=600.0, max_cost_s=1000.0, competition=False)
    g = {t: math.exp(-t * t / (2 * 600.0**2)) for t in (300.0, 900.0, 600.0)}
    expected = pd.Series([10 * g[300.0] + 20 * g[900.0], 20 * g[600.0], 0.0], index=["a", "b", "c"], name="access")
    pd.testing.assert_series_equal(got, expected)


def test_step_weights__bounds_inclusive() -> None:
    got = step_weights(
        np.array([0.0, 600.0, 601.0, 1200.0, 1800.0, 1801.0, np.inf]), [(1200, 0.5), (600, 1), (1800, 0.2)]
    )
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.5, 0.5, 0.2, 0.0, 0.0])


def test_supply__inputs_unchanged(tiny: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    costs, demand, supply = tiny
    before = (costs.copy(), demand.copy(), supply.copy())
    enhanced_two_step_fca(costs, demand, supply)
    gravity_access(costs, demand, supply, scale_s=600.0)
    pd.testing.assert_frame_equal(costs, before[0])
    pd.testing.assert_series_equal(demand, before[1])
    pd.testing.assert_series_equal(supply, before[2])


def test_two_step_fca__empty_costs(tiny: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    _, demand, supply = tiny
    empty = pd.DataFrame({"origin": pd.Series([], dtype=object), "service": pd.Series([], dtype=object), "time_s": []})
    expected = pd.Series(0.0, index=demand.index, name="access")
    pd.testing.assert_series_equal(two_step_fca(empty, demand, supply, max_cost_s=900.0), expected)


def test_access_by_group__by_hand(tiny: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    costs, demand, supply = tiny
    access = two_step_fca(costs, demand, supply, max_cost_s=1000.0)  # a 0.15, b 0.05, c 0
    origins = pd.DataFrame({"X": [60.0, 100.0, 0.0], "Y": [40.0, 200.0, 50.0], "Z": 0.0}, index=["a", "b", "c"])
    got = access_by_group(access, origins, groups={"X": "Group X", "Y": "Group Y", "Z": "Nobody"})
    x = (60 * 0.15 + 100 * 0.05) / 160
    y = (40 * 0.15 + 200 * 0.05 + 50 * 0.0) / 290
    expected = pd.DataFrame(
        {
            "label": ["Group X", "Group Y", "Nobody"],
            "pop": [160.0, 290.0, 0.0],
            "access": [x, y, np.nan],
            "ratio_to_reference": [1.0, y / x, np.nan],
        },
        index=pd.Index(["X", "Y", "Z"], name="group"),
    )
    pd.testing.assert_frame_equal(got, expected, rtol=1e-12)


def test_supply__bad_inputs(tiny: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    costs, demand, supply = tiny
    with pytest.raises(DataError, match="`costs` has no column `time_s`"):
        two_step_fca(costs.drop(columns="time_s"), demand, supply, max_cost_s=600.0)
    bad = demand.copy()
    bad["b"] = -1.0
    with pytest.raises(DataError, match="`demand` column `demand` has negative"):
        two_step_fca(costs, bad, supply, max_cost_s=600.0)
    with pytest.raises(DataError, match="services that are not in the index of `supply`"):
        two_step_fca(costs, demand, supply.drop("h2"), max_cost_s=600.0)
    with pytest.raises(DataError, match="origins that are not in the index of `demand`"):
        two_step_fca(costs, demand.drop("a"), supply, max_cost_s=600.0)
    with pytest.raises(DataError, match="repeated \\(origin, service\\) pairs"):
        two_step_fca(pd.concat([costs, costs.iloc[:1]]), demand, supply, max_cost_s=600.0)
    with pytest.raises(DataError, match="`costs` column `time_s` must be seconds"):
        two_step_fca(costs.assign(time_s=[1.0, np.nan, 2.0, 3.0]), demand, supply, max_cost_s=600.0)
    with pytest.raises(DataError, match="`scale_s` must be a positive"):
        gravity_access(costs, demand, supply, scale_s=0.0)
    with pytest.raises(DataError, match="`weights` repeats an upper bound"):
        enhanced_two_step_fca(costs, demand, supply, weights=[(600, 1.0), (600, 0.5)])
    origins = pd.DataFrame({"X": [1.0, 2.0, 3.0]}, index=["a", "b", "c"])
    with pytest.raises(DataError, match="`access` is not indexed like `origins`"):
        access_by_group(pd.Series([1.0, 2.0, 3.0], index=["a", "b", "d"]), origins, groups={"X": "x"})
    with pytest.raises(DataError, match="`origins` has no column `Y`"):
        access_by_group(pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"]), origins, groups={"X": "x", "Y": "y"})
