"""New-site planning: the solvers against brute force and spopt, group weights, and the gain against a full recomputation.

The small instances run on the hand grid of `conftest.grid_graph` (100 s a block); their
objectives are worked out independently with networkx shortest paths over every K-subset.
On Malta, the coverage gain is checked against `Prepared.access` recomputed with the new sites.
"""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import grid_graph

from equimap._errors import DataError
from equimap.network.graph import Network
from equimap.network.routing import od_pairs
from equimap.scenario import optimise as op
from equimap.scenario import solvers

N = 5  # 5 × 5 grid, node id i * N + j
RNG = np.random.default_rng(7)
ORIGINS = np.arange(N * N)  # one demand point per node
WEIGHT = RNG.integers(1, 20, size=N * N).astype(float)
EXISTING = [0]  # one site in a corner
CANDIDATES = [4, 6, 12, 18, 20, 22, 24]


def _node_pos(net: Network, node_id: int) -> int:
    return int(np.flatnonzero(net.osmid == node_id)[0])


def _nx_times(graph: nx.MultiDiGraph, sources: list[int]) -> dict[int, dict[int, float]]:
    """Return networkx times from every node to each of `sources` (the grid is symmetric)."""
    return {s: nx.single_source_dijkstra_path_length(graph, s, weight="travel_time") for s in sources}


@pytest.fixture(scope="module")
def instance():
    graph = grid_graph(N)
    net = Network.from_graph(graph, mode="walk")
    origin_node = np.array([_node_pos(net, o) for o in ORIGINS])
    cand_node = np.array([_node_pos(net, c) for c in CANDIDATES])
    times = _nx_times(graph, EXISTING + CANDIDATES)
    current = np.array([min(times[e][o] for e in EXISTING) for o in ORIGINS], float)
    return graph, net, origin_node, cand_node, times, current


def _brute_coverage(times, current, weight, k, threshold_s):
    best = {}
    for subset in itertools.combinations(CANDIDATES, k):
        new = [
            i
            for i, o in enumerate(ORIGINS)
            if current[i] > threshold_s and min(times[c][o] for c in subset) <= threshold_s
        ]
        best[subset] = weight[new].sum()
    return best


def _brute_median(times, current, weight, k, bound_s):
    out = {}
    for subset in itertools.combinations(CANDIDATES, k):
        t = [min(current[i], bound_s, *(times[c][o] for c in subset)) for i, o in enumerate(ORIGINS)]
        out[subset] = float((weight * np.array(t)).sum())
    return out


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("threshold_s", [150.0, 250.0])
def test_coverage__equals_brute_force(instance, k, threshold_s):
    _, net, origin_node, cand_node, times, current = instance
    pairs = od_pairs(net, origin_node, cand_node, cutoff_s=threshold_s)
    chosen, value, _ = op.solve_coverage(
        pairs, weight=WEIGHT, current_s=current, threshold_s=threshold_s, k=k, n_candidates=len(CANDIDATES)
    )
    brute = _brute_coverage(times, current, WEIGHT, k, threshold_s)
    subset = tuple(CANDIDATES[j] for j in chosen)
    assert len(subset) == k
    assert brute[subset] == pytest.approx(max(brute.values()))
    assert value == pytest.approx(max(brute.values()))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_median__equals_brute_force(instance, k):
    _, net, origin_node, cand_node, times, current = instance
    bound_s = 500.0
    pairs = od_pairs(net, origin_node, cand_node, cutoff_s=bound_s)
    chosen, value, _ = op.solve_median(
        pairs, weight=WEIGHT, current_s=current, bound_s=bound_s, k=k, n_candidates=len(CANDIDATES)
    )
    brute = _brute_median(times, current, WEIGHT, k, bound_s)
    subset = tuple(CANDIDATES[j] for j in chosen)
    assert brute[subset] == pytest.approx(min(brute.values()))
    assert value == pytest.approx(min(brute.values()))


def test_median__equals_spopt_pmedian_with_existing_fixed(instance):
    """spopt's dense PMedian, with the existing site as a predefined facility and p = K + 1, finds the same optimum."""
    import pulp
    from spopt.locate import PMedian

    _, net, origin_node, cand_node, times, current = instance
    bound_s, k = 500.0, 2
    cost = np.array([[min(times[c][o], bound_s) for c in CANDIDATES] for o in ORIGINS])
    cost = np.column_stack([np.minimum(current, bound_s), cost])
    fixed = np.zeros(cost.shape[1], dtype=int)
    fixed[0] = 1
    pm = PMedian.from_cost_matrix(cost, WEIGHT, p_facilities=k + 1, predefined_facilities_arr=fixed)
    pm.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    spopt_total = pulp.value(pm.problem.objective)
    pairs = od_pairs(net, origin_node, cand_node, cutoff_s=bound_s)
    _, value, _ = op.solve_median(
        pairs, weight=WEIGHT, current_s=current, bound_s=bound_s, k=k, n_candidates=len(CANDIDATES)
    )
    assert value == pytest.approx(spopt_total)


def test_undominated__keeps_one_of_equal_columns_and_drops_subsets():
    cover = np.array([[1, 1, 0, 1], [0, 1, 0, 1], [0, 0, 1, 0]], dtype=bool)
    # column 0 ⊂ column 1 = column 3; column 2 alone
    assert solvers._undominated(cover).tolist() == [False, True, True, False]


def test_group_weight__picks_a_different_site():
    """Site A (node 3) brings 10 residents born in Malta, site B (node 12) 6 born outside the EU.

    Unweighted, A wins (10 > 6); with OTH weighing 2, B wins (12 > 10); covering OTH alone, B wins.
    """
    n = 4
    graph = grid_graph(n)
    net = Network.from_graph(graph, mode="walk")
    origin_ids = [3, 12]  # far corners from the existing site at node 0 (300 s away)
    demand = pd.DataFrame({"T": [10.0, 6.0], "NAT": [10.0, 0.0], "OTH": [0.0, 6.0]})
    current = np.array([300.0, 300.0])
    cands = [3, 12]
    pairs = od_pairs(
        net,
        np.array([_node_pos(net, o) for o in origin_ids]),
        np.array([_node_pos(net, c) for c in cands]),
        cutoff_s=100,
    )

    def pick(**kw) -> int:
        w = op.resident_weights(demand, total_col="T", group_cols=["NAT", "OTH"], **kw)
        chosen, _, _ = op.solve_coverage(pairs, weight=w, current_s=current, threshold_s=100, k=1, n_candidates=2)
        return cands[int(chosen[0])]

    assert pick() == 3
    assert pick(weights={"OTH": 2}) == 12
    assert pick(only_group="OTH") == 12


def test_resident_weights__unknown_group():
    demand = pd.DataFrame({"T": [1.0], "OTH": [1.0]})
    with pytest.raises(DataError, match=r"Unknown population group `XYZ`; choose among OTH"):
        op.resident_weights(demand, total_col="T", group_cols=["OTH"], weights={"XYZ": 2})


# ---------------------------------------------------------------- Malta


@pytest.fixture(scope="module")
def malta_coverage(malta):
    return op.suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=3)


def _within(acc: pd.DataFrame, origins: pd.DataFrame, col: str, threshold_s: float) -> float:
    return float((origins[col] * (acc["time_nearest_s"] <= threshold_s)).sum())


def test_malta__gain_equals_full_recomputation(malta, malta_coverage):
    s = malta_coverage
    existing = malta.services_for("pharmacy")
    new = gpd.GeoDataFrame(
        {
            "service_id": s.sites["site_id"],
            "category": "pharmacy",
            "theme": "health",
            "name": s.sites["name"],
            "source": "test",
            "capacity": 1.0,
        },
        geometry=s.sites.geometry,
        crs=malta.region.crs,
    )
    both = gpd.GeoDataFrame(pd.concat([existing, new], ignore_index=True), crs=malta.region.crs)
    before = malta.access("walk", "pharmacy", services=existing)
    after = malta.access("walk", "pharmacy", services=both)
    for col in s.gains.index:
        gained = _within(after, malta.origins, col, 900) - _within(before, malta.origins, col, 900)
        assert s.gains.loc[col, "pop_gained"] == pytest.approx(gained, rel=1e-9, abs=1e-6), col
    assert s.objective_value == pytest.approx(s.gains.loc["T", "pop_gained"])
    # each site alone, recomputed too
    for i, row in s.sites.iterrows():
        one = gpd.GeoDataFrame(pd.concat([existing, new.iloc[[i]]], ignore_index=True), crs=malta.region.crs)
        alone = _within(malta.access("walk", "pharmacy", services=one), malta.origins, "T", 900)
        assert row["gain_alone"] == pytest.approx(alone - _within(before, malta.origins, "T", 900))


def test_malta__oth_objective_gains_more_oth(malta, malta_coverage):
    oth = op.suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=3, only_group="OTH")
    assert oth.gains.loc["OTH", "pop_gained"] >= malta_coverage.gains.loc["OTH", "pop_gained"] - 1e-9
    assert malta_coverage.gains.loc["T", "pop_gained"] >= oth.gains.loc["T", "pop_gained"] - 1e-9


def test_malta__protected_gains_and_scenario_file(malta_coverage, tmp_path):
    res = op.protect_gains(malta_coverage, threshold=10)
    t = res.table
    shown = t["pop_gained"].dropna()
    assert (shown % 10 == 0).all()
    raw = malta_coverage.gains["pop_gained"]
    assert (np.abs(shown - raw[shown.index]) <= 5).all()
    path = op.write_suggestion(tmp_path / "s.geojson", malta_coverage)
    doc = json.loads(path.read_text())
    assert doc["equimap_scenario"] == 1 and doc["category"] == "pharmacy" and doc["name"]
    assert [f["properties"]["change"] for f in doc["features"]] == ["add"] * 3
    assert [f["properties"]["service_id"] for f in doc["features"]] == ["new-1", "new-2", "new-3"]
    back = gpd.read_file(path).to_crs(malta_coverage.sites.crs)
    assert np.allclose(back.geometry.x, malta_coverage.sites.geometry.x, atol=0.5)
    for f, g in zip(doc["features"], malta_coverage.sites["gain_alone"], strict=True):
        assert f["properties"]["residents_gained"] == round(g / 10) * 10


def test_malta__bad_k(malta):
    with pytest.raises(DataError, match=r"only 311 candidate sites; ask for at most 311"):
        op.suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=400)
    with pytest.raises(DataError, match=r"at least 1, not 0"):
        op.suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=0)


def test_malta__candidates_file_outside_region(malta, tmp_path):
    path = tmp_path / "cands.csv"
    path.write_text("name,lon,lat\ninland,14.5146,35.8989\nsea,14.30,35.60\nfar,2.35,48.85\n")
    with pytest.raises(DataError, match=r"`cands.csv`: 2 of 3 candidate sites lie outside Malta .*\(rows 2, 3\)"):
        op.candidates_from_file(malta, path, mode="walk")


def test_malta__candidates_file(malta, tmp_path):
    path = tmp_path / "cands.csv"
    path.write_text("name,lon,lat\na,14.5146,35.8989\nb,14.4200,35.9180\nc,14.2500,36.0400\n")
    cands = op.candidates_from_file(malta, path, mode="walk", name_col="name")
    s = op.suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=2, candidates=cands)
    assert len(s.sites) == 2 and s.sizes["candidates"] == 3
    with pytest.raises(DataError, match=r"only 3 candidate sites"):
        op.suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=4, candidates=cands)


MALTA_CANDIDATES = [
    (14.482507, 35.862619),
    (14.567255, 35.859318),
    (14.440244, 35.892251),
    (14.485016, 35.899898),
    (14.487359, 35.926158),
]


@pytest.mark.parametrize("objective", ["coverage", "median"])
def test_malta__file_candidates_equal_brute_force_by_recomputation(malta, tmp_path, objective):
    """Five candidates, K = 2: every pair of sites recomputed with `Prepared.access`; the optimiser picks the best."""
    path = tmp_path / "five.csv"
    path.write_text("lon,lat\n" + "\n".join(f"{x},{y}" for x, y in MALTA_CANDIDATES) + "\n")
    cands = op.candidates_from_file(malta, path, mode="walk")
    s = op.suggest_sites(
        malta, mode="walk", category="pharmacy", threshold_min=15, k=2, objective=objective, candidates=cands
    )
    existing = malta.services_for("pharmacy")
    pts = gpd.GeoSeries.from_xy(*zip(*MALTA_CANDIDATES, strict=True), crs="EPSG:4326").to_crs(malta.region.crs)
    pop = malta.origins["T"].to_numpy(float)
    before = malta.access("walk", "pharmacy", services=existing)["time_nearest_s"].to_numpy()
    score = {}
    for subset in itertools.combinations(range(5), 2):
        new = gpd.GeoDataFrame(
            {"service_id": [f"c{j}" for j in subset], "category": "pharmacy", "theme": "health", "name": "c"},
            geometry=pts.iloc[list(subset)].to_numpy(),
            crs=malta.region.crs,
        )
        svc = gpd.GeoDataFrame(pd.concat([existing, new], ignore_index=True), crs=malta.region.crs)
        after = malta.access("walk", "pharmacy", services=svc)["time_nearest_s"].to_numpy()
        if objective == "coverage":
            score[subset] = float((pop * ((after <= 900) & ~(before <= 900))).sum())
        else:
            score[subset] = -float((pop * np.minimum(after, 3600)).sum())
    picked = tuple(int(c.split("/")[1]) - 1 for c in s.sites["candidate_id"])
    assert score[picked] == pytest.approx(max(score.values()), rel=1e-12)
    if objective == "coverage":
        assert s.gains.loc["T", "pop_gained"] == pytest.approx(score[picked])


def test_protect_gains__small_counts_hidden_and_rounded():
    """By hand: a gain of 3 is hidden (0 < 3 < 10) with its share and what would reveal it; zeros show."""
    gains = pd.DataFrame(
        {
            "dimension": ["all", "birth", "birth", "birth"],
            "label": ["All", "NAT", "OTH", "unknown"],
            "pop": [5000.0, 3990.0, 1000.0, 10.0],
            "pop_gained": [1237.0, 1234.0, 3.0, 0.0],
        },
        index=pd.Index(["T", "NAT", "OTH", "UNKNOWN_BIRTH"], name="group"),
    )
    s = op.Suggestion(
        region="x",
        category="c",
        mode="walk",
        threshold_min=15,
        objective="coverage",
        k=1,
        weights={},
        only_group=None,
        sites=gpd.GeoDataFrame(geometry=[], crs="EPSG:3035"),
        gains=gains,
        objective_value=0.0,
    )
    t = op.protect_gains(s, threshold=10).table
    assert np.isnan(t.loc["OTH", "pop_gained"]) and np.isnan(t.loc["OTH", "share_gained"])
    # OTH = T - NAT - unknown would give it away: one more gain is hidden (the smallest non-zero, NAT)
    assert np.isnan(t.loc["NAT", "pop_gained"]) or np.isnan(t.loc["T", "pop_gained"])
    assert t.loc["UNKNOWN_BIRTH", "pop_gained"] == 0
    raw = op.protect_gains(s, threshold=0).table
    assert raw.loc["OTH", "pop_gained"] == 3.0
    assert [op.protect_count(v) for v in (0.0, 3.0, 9.99, 10.0, 1234.0)] == [0.0, None, None, 10.0, 1230.0]
