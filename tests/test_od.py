"""Times and path lengths between node pairs (`equimap.network.od`) on hand-built graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from equimap._errors import DataError
from equimap.network.graph import Network
from equimap.network.od import pair_times, path_nodes, path_time_s
from tests.conftest import grid_graph


def test_pair_times__grid_by_hand():
    # 4 x 4 grid, 100 m blocks at 1 m/s: time = 100 s x Manhattan distance, length = 100 m x the same
    net = Network.from_graph(grid_graph(4), mode="walk")
    o = np.array([0, 0, 5, 15, 3])
    d = np.array([15, 0, 6, 0, 12])
    got = pair_times(net, o, d)
    blocks = np.array([6, 0, 1, 6, 6], dtype=float)
    expected = pd.DataFrame({"time_s": 100 * blocks, "length_m": 100 * blocks})
    pd.testing.assert_frame_equal(got, expected)


def test_pair_times__fastest_not_shortest_and_parallel_edges():
    # a -> b directly: 100 m at 2 m/s = 50 s (and a slower parallel edge); a -> c -> b: 60 m in 30 s
    g = nx.MultiDiGraph(crs="EPSG:3035")
    for n, x in ((0, 0.0), (1, 100.0), (2, 50.0)):
        g.add_node(n, x=x, y=0.0)
    g.add_edge(0, 1, length=100.0, travel_time=50.0)
    g.add_edge(0, 1, length=100.0, travel_time=80.0)
    g.add_edge(0, 2, length=30.0, travel_time=15.0)
    g.add_edge(2, 1, length=30.0, travel_time=15.0)
    net = Network.from_graph(g, mode="drive")
    got = pair_times(net, np.array([0, 1]), np.array([1, 0]))
    assert got["time_s"].tolist() == [30.0, np.inf]  # no edge back: unreachable
    assert got["length_m"].tolist() == [60.0, np.inf]
    assert path_nodes(net, 0, 1).tolist() == [0, 2, 1]
    assert path_time_s(net, np.array([0, 1])) == (50.0, 100.0)
    assert path_time_s(net, np.array([1, 0])) == (np.inf, np.inf)


def test_pair_times__equals_networkx_on_a_random_graph():
    rng = np.random.default_rng(0)
    g = nx.gnm_random_graph(300, 1200, seed=1, directed=True)
    mg = nx.MultiDiGraph(crs="EPSG:3035")
    for n in g.nodes:
        mg.add_node(n, x=float(n), y=0.0)
    for u, v in g.edges:
        mg.add_edge(u, v, length=float(rng.uniform(10, 500)), travel_time=float(rng.uniform(1, 60)))
    net = Network.from_graph(mg, mode="drive")
    o, d = rng.integers(0, 300, 200), rng.integers(0, 300, 200)
    got = pair_times(net, o, d)
    ref = nx.DiGraph((u, v, {"t": t}) for u, v, t in zip(net.edge_u, net.edge_v, net.time_s, strict=True))
    ref.add_nodes_from(range(net.n_nodes))
    for i, (a, b) in enumerate(zip(o.tolist(), d.tolist(), strict=True)):
        try:
            t = nx.shortest_path_length(ref, a, b, weight="t")
        except nx.NetworkXNoPath:
            t = np.inf
        assert got["time_s"][i] == pytest.approx(t, abs=1e-9)
        if np.isfinite(t):
            assert path_time_s(net, path_nodes(net, a, b)) == pytest.approx((t, got["length_m"][i]), abs=1e-9)


def test_pair_times__bad_input():
    net = Network.from_graph(grid_graph(2), mode="walk")
    with pytest.raises(DataError, match="outside 0..3"):
        pair_times(net, np.array([0]), np.array([4]))
    with pytest.raises(DataError, match="of one length"):
        pair_times(net, np.array([0, 1]), np.array([1]))
