"""bench.kernels's agreement check: every installed engine equals equimap on a tiny street grid.

The check is the one the benchmark runs (`bench.kernels.run_row`), on each kind of row (nearest,
k = 3 nearest, counts within 15 min); an engine not installed is skipped by the benchmark itself.
A deliberately wrong result must be caught.
"""

import importlib.util

import numpy as np
import pytest

from bench.kernels import PEERS, Row, disagreement, run_row
from bench.synthetic import street_grid


@pytest.fixture(scope="module")
def grid():
    net = street_grid(900, seed=3)
    rng = np.random.default_rng(0)
    sites = {"a": np.sort(rng.choice(net.n_nodes, 12, replace=False)), "b": np.array([0, 7, 450])}
    return net, sites


@pytest.mark.parametrize("kind", ["nearest", "k", "count"])
def test_every_installed_engine_agrees_with_equimap(grid, kind):
    net, sites = grid
    row = Row(f"tiny {kind}", net, sites, kind, threshold_s=120.0, k=3 if kind == "k" else 1)
    res = run_row(row, runs=1)
    assert "equimap" in res
    for engine, fig in res.items():
        if engine != "equimap":
            assert fig["excess"] == 0, engine
            if engine != "pandana":  # exact engines: the same times to 1e-6 s, the same counts
                assert fig["diff"] <= (0 if kind == "count" else 1e-6), engine
    # every installed engine that has the search runs it on this size (igraph and networkit count
    # by a full search per site, small here); only pandana has a k-nearest search
    can = {"nearest": set(PEERS), "count": set(PEERS), "k": {"pandana"}}[kind]
    installed = {e for e in PEERS if importlib.util.find_spec(e) is not None}
    assert can & installed <= set(res)


def test_a_wrong_result_is_a_disagreement(grid):
    net, sites = grid
    row = Row("tiny", net, sites, "nearest")
    from equimap.network.routing import nearest_times

    ours = {c: nearest_times(net, np.arange(net.n_nodes), s, k=1)[0][:, 0] for c, s in sites.items()}
    theirs = {c: v.copy() for c, v in ours.items()}
    assert disagreement(row, ours, theirs, "scipy") == (0.0, 0.0)
    theirs["a"][np.flatnonzero(np.isfinite(theirs["a"]))[0]] += 1e-3
    diff, excess = disagreement(row, ours, theirs, "scipy")
    assert diff == pytest.approx(1e-3) and excess > 0
    assert disagreement(row, ours, theirs, "pandana")[1] == 0  # within 32-bit rounding
    theirs["b"][np.flatnonzero(np.isfinite(theirs["b"]))[0]] = np.inf
    assert disagreement(row, ours, theirs, "scipy") == (np.inf, np.inf)
