"""The lean kernels (`nearest1`, `k_nearest_lean`, `count_pairs`) and the Hilbert layout against networkx on hand graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from equimap.network import _dijkstra
from equimap.network.graph import Network
from equimap.network.layout import hilbert_order
from equimap.network.routing import count_within, nearest_times


def _net(edges: list[tuple[int, int, float]], n: int) -> Network:
    u, v, t = (np.array(c) for c in zip(*edges, strict=True))
    rng = np.random.default_rng(0)
    return Network(
        mode="walk",
        crs="EPSG:3035",
        osmid=np.arange(n, dtype=np.int64),
        x=rng.uniform(0, 1000, n),
        y=rng.uniform(0, 1000, n),
        edge_u=u.astype(np.int64),
        edge_v=v.astype(np.int64),
        time_s=t.astype(float),
        length_m=t.astype(float),
    )


# ties (0->1->3 and 0->2->3 both 2), a zero-weight edge (3->4), node 5 unreachable, a one-way 6->0
EDGES = [(0, 1, 1.0), (1, 3, 1.0), (0, 2, 1.0), (2, 3, 1.0), (3, 4, 0.0), (4, 3, 0.0), (1, 0, 1.0), (6, 0, 2.5)]
N = 7


def _nx_k(net: Network, services: np.ndarray, k: int) -> np.ndarray:
    g = net.to_networkx()
    out = np.full((net.n_nodes, k), np.inf)
    for o in range(net.n_nodes):
        d = nx.single_source_dijkstra_path_length(g, o, weight="time_s")
        ts = sorted(d[s] for s in services if s in d)[:k]
        out[o, : len(ts)] = ts
    return out


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("services", [[3], [3, 4], [2, 4, 6], [0, 1, 2, 3, 4, 5, 6]])
def test_k_nearest_equals_networkx(k: int, services: list[int]) -> None:
    net = _net(EDGES, N)
    times, ids = nearest_times(net, np.arange(N), np.array(services), k=k)
    want = _nx_k(net, np.array(services), k)
    assert np.array_equal(np.isfinite(times), np.isfinite(want))
    np.testing.assert_allclose(times[np.isfinite(want)], want[np.isfinite(want)], atol=1e-6)
    assert ((ids >= 0) == np.isfinite(times)).all()
    for o in range(N):  # k > number of sources: distinct ids only
        got = ids[o][ids[o] >= 0]
        assert len(set(got.tolist())) == len(got)


def test_counts_equal_networkx() -> None:
    net = _net(EDGES, N)
    services = np.array([3, 4, 4, 2, 6])
    thr = np.array([0.0, 1.0, 2.0, 3.0])
    got = count_within(net, np.arange(N), services, thresholds_s=thr)
    g = net.to_networkx()
    for o in range(N):
        d = nx.single_source_dijkstra_path_length(g, o, weight="time_s")
        want = [sum(1 for s in services if s in d and d[s] <= t) for t in thr]
        assert got[o].tolist() == want


def test_random_graph_matches_old_kernel() -> None:
    rng = np.random.default_rng(3)
    n, m = 400, 1600
    edges = [
        (int(a), int(b), float(w))
        for a, b, w in zip(rng.integers(0, n, m), rng.integers(0, n, m), rng.uniform(0, 60, m), strict=True)
    ]
    net = _net(edges, n)
    src = rng.choice(n, 30, replace=False)
    ip, ix, w = net.reverse_csr
    old, _ = _dijkstra.k_nearest(ip, ix, w, src, np.zeros(len(src)), 3, np.inf)
    new, _ = nearest_times(net, np.arange(n), src, k=3)
    assert np.array_equal(old, new)
    one, _ = nearest_times(net, np.arange(n), src, k=1)
    assert np.array_equal(one[:, 0], old[:, 0])


def test_hilbert_order_is_a_permutation() -> None:
    x = np.random.default_rng(1).uniform(0, 1, 1000)
    assert sorted(hilbert_order(x, x[::-1]).tolist()) == list(range(1000))


def test_hilbert_order_takes_nodes_without_coordinates():
    from equimap.network.layout import hilbert_order

    x = np.array([0.0, np.nan, 10.0, 5.0])
    y = np.array([0.0, 3.0, np.nan, 5.0])
    order = hilbert_order(x, y)
    assert sorted(order.tolist()) == [0, 1, 2, 3]
    assert sorted(hilbert_order(np.full(3, np.nan), np.full(3, np.nan)).tolist()) == [0, 1, 2]
