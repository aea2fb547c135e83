"""Equity analyses wired to the real Malta region, checked against PySAL access, hand values and numpy.

The numpy answers are written here from the formulas in the docstrings (weighted
means over the origins, Gini from the Lorenz curve, the concentration index as a
double sum over census cells), not by calling the library's statistics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equimap.analysis.equity import cost_table, gaps_table, per_cell, supply_access, supply_by_group
from equimap.indicators.groups import group_summary
from equimap.network.routing import snap_points

pytestmark = pytest.mark.malta


def test_2sfca_with_a_whole_island_catchment_equals_beds_per_resident(malta):
    """With a 3-hour catchment each island's residents share its hospitals' beds: A = beds / residents."""
    acc = supply_access(malta, mode="drive", category="hospital_official", measure="2sfca", max_cost_s=3 * 3600)
    net = malta.networks["drive"]
    node, _ = malta.origin_nodes("drive")
    comp = np.where(node >= 0, net.component[np.maximum(node, 0)], -1)
    svc = malta.services_for("hospital_official")
    s_node, _ = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
    s_comp = net.component[s_node]
    beds = svc["capacity"].to_numpy()  # unknown capacities count 1 per site
    pop = malta.origins["T"].to_numpy()
    for c in np.unique(s_comp):
        expected = beds[s_comp == c].sum() / pop[comp == c].sum()
        np.testing.assert_allclose(acc.to_numpy()[comp == c], expected, rtol=1e-12)
    # the Gozo Channel carries cars: one component holds Malta's 1046 + 274 + 138 + 85 beds and 4 sites
    # without a bed count (1 each), and Gozo's 270 beds
    assert sorted(np.unique(s_comp)) == [0]
    assert beds[s_comp == 0].sum() == 1547 + 270
    # residents on no road with a hospital (44 origins, 2 residents in all) get 0
    cut_off = ~np.isin(comp, s_comp)
    assert cut_off.sum() == 44
    assert (acc.to_numpy()[cut_off] == 0).all()
    assert pop[cut_off].sum() == pytest.approx(2.0)


# access 1.1.10 calls set_index(inplace=True), deprecated in pandas 3.1: not ours to fix
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.set_index:pandas.errors.Pandas4Warning")
def test_2sfca_on_malta_costs_equals_pysal_access(malta):
    from access import Access

    costs, supply = cost_table(malta, mode="drive", category="hospital_official", max_cost_s=900)
    ours = supply_access(malta, mode="drive", category="hospital_official", measure="2sfca", max_cost_s=900)
    demand = malta.origins[["T"]].rename_axis("origin").reset_index()
    sup = supply.rename_axis("service").reset_index()
    a = Access(
        demand_df=demand,
        demand_index="origin",
        demand_value="T",
        supply_df=sup,
        supply_index="service",
        supply_value="capacity",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="service",
        cost_name="time_s",
    )
    theirs = a.two_stage_fca(name="fca", max_cost=900, normalize=False).iloc[:, 0]
    theirs = theirs.reindex(ours.index)
    reached = theirs.notna()  # access gives NaN where nothing is in reach; equimap gives 0
    np.testing.assert_allclose(ours[reached].to_numpy(), theirs[reached].to_numpy(), rtol=1e-9)
    assert (ours[~reached] == 0).all()


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Return the first sorted value where the cumulative weight reaches half (inverted CDF)."""
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) / w.sum()
    return float(x[order][np.searchsorted(cdf, 0.5)])


def test_gaps_point_estimates_equal_numpy_on_the_origins(malta):
    t = gaps_table(malta, mode="walk", category="health", dimension="birth", threshold_s=900, n_boot=50, seed=1)
    time_s = malta.access("walk", "health")["time_nearest_s"].to_numpy()
    fin = np.isfinite(time_s)
    everyone = malta.origins["T"].to_numpy()
    share_all = everyone[~(time_s <= 900)].sum() / everyone.sum()
    mean, share = {}, {}
    for g in ("NAT", "EU_OTH", "OTH"):
        w = malta.origins[g].to_numpy()
        mean[g] = (w[fin] * time_s[fin]).sum() / w[fin].sum()
        share[g] = w[~(time_s <= 900)].sum() / w.sum()  # unreachable residents count as beyond
        assert t.loc[g, "pop"] == pytest.approx(w.sum(), rel=1e-12)
        assert t.loc[g, "mean_time_s"] == pytest.approx(mean[g], rel=1e-12)
        assert t.loc[g, "median_time_s"] == pytest.approx(_weighted_median(time_s[fin], w[fin]), rel=1e-12)
        assert t.loc[g, "share_beyond"] == pytest.approx(share[g], rel=1e-12)
        assert t.loc[g, "representation_ratio"] == pytest.approx(share[g] / share_all, rel=1e-12)
    for g in ("EU_OTH", "OTH"):  # born in Malta is the reference group
        assert t.loc[g, "mean_diff_s"] == pytest.approx(mean[g] - mean["NAT"], rel=1e-9)
        assert t.loc[g, "share_beyond_diff_pp"] == pytest.approx(100 * (share[g] - share["NAT"]), rel=1e-9)
    # the group table of the app and the report says the same
    s = group_summary(malta.origins, pd.Series(time_s, index=malta.origins.index), groups={"OTH": ""}, threshold_s=900)
    assert s.loc["OTH", "mean_min"] == pytest.approx(mean["OTH"] / 60, rel=1e-12)
    assert (t["mean_time_s_lo"] <= t["mean_time_s"]).all() and (t["mean_time_s"] <= t["mean_time_s_hi"]).all()
    again = gaps_table(malta, mode="walk", category="health", dimension="birth", threshold_s=900, n_boot=50, seed=1)
    pd.testing.assert_frame_equal(t, again)


def test_supply_by_group_is_population_weighted(malta):
    acc = supply_access(malta, mode="drive", category="hospital_official", measure="gravity", max_cost_s=1800)
    t = supply_by_group(malta, acc, dimension="birth")
    oth = malta.origins["OTH"]
    assert t.loc["OTH", "access"] == pytest.approx((acc * oth).sum() / oth.sum(), rel=1e-12)
    cells = per_cell(malta, acc)
    assert len(cells) == 311 and cells.notna().all()
    # each cell's value is the resident-weighted mean of its origins: the most populous cell by hand ...
    big = malta.origins.groupby("cell_id")["T"].sum().idxmax()
    mine = malta.origins["cell_id"] == big
    w = malta.origins.loc[mine, "T"].to_numpy()
    assert cells[big] == pytest.approx((acc[mine].to_numpy() * w).sum() / w.sum(), rel=1e-12)
    # ... and weighting the cells by their residents gives back the mean over every resident
    cell_pop = malta.origins.groupby("cell_id")["T"].sum().reindex(cells.index)
    everyone = malta.origins["T"]
    assert (cells * cell_pop).sum() / cell_pop.sum() == pytest.approx((acc * everyone).sum() / everyone.sum())


def test_inequality_table_equals_numpy_on_the_origins(malta):
    from equimap.analysis.equity import inequality_table

    t = inequality_table(malta, mode="walk", category="health")
    value = {(r["index"], r["grouping"]): r["value"] for _, r in t.iterrows()}
    time_s = malta.access("walk", "health")["time_nearest_s"].to_numpy()
    fin = np.isfinite(time_s)  # unreachable residents are left out
    x, w = time_s[fin], malta.origins["T"].to_numpy()[fin]
    mu = (w * x).sum() / w.sum()
    # Gini = 1 - twice the area under the Lorenz curve (trapezoids over the residents sorted by time)
    order = np.argsort(x)
    lorenz = np.concatenate([[0.0], np.cumsum((w * x)[order]) / (w * x).sum()])
    gini = 1 - ((w[order] / w.sum()) * (lorenz[1:] + lorenz[:-1])).sum()
    assert value[("gini", "")] == pytest.approx(gini, rel=1e-9)
    r = x / mu
    theil = (w * np.where(r > 0, r * np.log(np.where(r > 0, r, 1)), 0)).sum() / w.sum()
    assert value[("theil_t", "")] == pytest.approx(theil, rel=1e-9)
    for dim in malta.region.groups:
        pops = malta.origins[list(dim.columns)].to_numpy()[fin]
        w_g = pops.sum(axis=0)
        mu_g = (pops * x[:, None]).sum(axis=0) / w_g
        between = ((w_g * mu_g) / (w_g * mu_g).sum() * np.log(mu_g / mu)).sum()
        assert value[("theil_between", dim.key)] == pytest.approx(between, rel=1e-9)
        # the decomposition is exact: between + within = total
        assert value[("theil_between", dim.key)] + value[("theil_within", dim.key)] == pytest.approx(theil, rel=1e-9)
    # concentration index: the double sum of w_i w_j (x_i - x_j) sign(r_i - r_j) / (2 W^2 mu), with r the foreign-born
    # share of the resident's cell; residents of one cell share r, so the sum runs over pairs of cells
    cells = malta.population
    foreign = (cells["EU_OTH"] + cells["OTH"]) / cells["T"]
    frame = pd.DataFrame({"cell": malta.origins["cell_id"].to_numpy()[fin], "w": w, "wx": w * x})
    by_cell = frame.groupby("cell")[["w", "wx"]].sum()
    rank = foreign.reindex(by_cell.index).to_numpy()
    cw, cwx = by_cell["w"].to_numpy(), by_cell["wx"].to_numpy()
    pair = np.sign(rank[:, None] - rank[None, :]) * (cwx[:, None] * cw[None, :] - cw[:, None] * cwx[None, :])
    concentration = pair.sum() / (2 * w.sum() ** 2 * mu)
    assert value[("concentration_foreign_born", "birth")] == pytest.approx(concentration, rel=1e-9)
