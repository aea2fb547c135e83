"""The lean kernels (`nearest1`, `k_nearest_lean`, `count_pairs`) and the Hilbert layout against networkx on hand graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from equimap.network import _dijkstra
from equimap.network.graph import Network
from equimap.network.layout import hilbert_order
from equimap.network.routing import count_within, nearest_times
from tests.conftest import hand_network as _net

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


def _nx_nearest(net: Network, services: np.ndarray, service_time_s: np.ndarray, cutoff_s: float) -> np.ndarray:
    """Every node's time to its nearest service by networkx: a super-source on the reversed graph."""
    out = np.full(net.n_nodes, np.inf)
    if len(services) == 0:
        return out
    g = net.to_networkx().reverse(copy=True)
    for s, t in zip(services.tolist(), service_time_s.tolist(), strict=True):
        if g.has_edge("src", s):
            t = min(t, g["src"][s]["time_s"])
        g.add_edge("src", s, time_s=t)
    d = nx.single_source_dijkstra_path_length(g, "src", cutoff=cutoff_s, weight="time_s")
    for v, t in d.items():
        if v != "src":
            out[v] = t
    return out


# the service sets of the parallel kernels: a tie (3 and 4 joined by zero-weight arcs), a source
# repeated with two times, an unreachable node (5), an empty set, and sources with their own times
SETS = [
    (np.array([3]), np.array([0.0])),
    (np.array([3, 4]), np.array([0.5, 0.0])),
    (np.array([2, 4, 6, 2]), np.array([0.0, 1.0, 0.25, 0.75])),
    (np.array([5]), np.array([0.0])),
    (np.array([], dtype=np.int64), np.array([])),
    (np.arange(N), np.linspace(0, 3, N)),
]


@pytest.mark.parametrize("cutoff", [np.inf, 1.5, 0.0])
def test_nearest1_many_equals_networkx_and_serial(cutoff: float) -> None:
    net = _net(EDGES, N)
    ip, ix, w = net.reverse_csr
    ptr = np.cumsum([0] + [len(s) for s, _ in SETS])
    nodes = np.concatenate([s for s, _ in SETS]).astype(np.int32)
    times = np.concatenate([t for _, t in SETS])
    dist, lab = _dijkstra.nearest1_many(ip, ix.astype(np.int32), w, ptr, nodes, times, cutoff)
    for g, (s, t) in enumerate(SETS):
        want = _nx_nearest(net, s, t, cutoff)
        assert np.array_equal(np.isfinite(dist[g]), np.isfinite(want))
        np.testing.assert_allclose(dist[g][np.isfinite(want)], want[np.isfinite(want)], atol=1e-6)
        one_d, one_l = _dijkstra.nearest1(ip, ix.astype(np.int32), w, s.astype(np.int32), t, cutoff)
        assert np.array_equal(dist[g], one_d) and np.array_equal(lab[g], one_l)
        reached = np.isfinite(dist[g])
        assert ((lab[g] >= 0) == reached).all()
        # each label names a source from which the node's time is reached
        for v in np.flatnonzero(reached):
            j = lab[g][v]
            assert _nx_nearest(net, s[j : j + 1], t[j : j + 1], np.inf)[v] == pytest.approx(dist[g][v], abs=1e-6)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("cutoff", [np.inf, 1.5])
def test_nearest_times_many_equals_serial(k: int, cutoff: float) -> None:
    from equimap.network.routing import nearest_times_many

    net = _net(EDGES, N)
    origins = np.array([0, 1, 2, 3, 4, 5, 6, -1, 3])
    o_t = np.linspace(0, 0.5, len(origins))
    many = nearest_times_many(
        net,
        origins,
        [s for s, _ in SETS],
        origin_time_s=o_t,
        service_times_s=[t for _, t in SETS],
        k=k,
        cutoff_s=cutoff,
    )
    for (s, t), (times, ids) in zip(SETS, many, strict=True):
        want_t, want_i = nearest_times(net, origins, s, origin_time_s=o_t, service_time_s=t, k=k, cutoff_s=cutoff)
        assert np.array_equal(times, want_t) and np.array_equal(ids, want_i)


def test_k_nearest_many_equals_networkx() -> None:
    net = _net(EDGES, N)
    ip, ix, w = net.reverse_csr
    sets = [np.array([3]), np.array([3, 4]), np.array([2, 4, 6]), np.arange(N)]
    ptr = np.cumsum([0] + [len(s) for s in sets])
    nodes = np.concatenate(sets).astype(np.int32)
    dist, _ = _dijkstra.k_nearest_many(ip, ix.astype(np.int32), w, ptr, nodes, np.zeros(len(nodes)), 3, np.inf)
    for g, s in enumerate(sets):
        want = _nx_k(net, s, 3)
        assert np.array_equal(np.isfinite(dist[g]), np.isfinite(want))
        np.testing.assert_allclose(dist[g][np.isfinite(want)], want[np.isfinite(want)], atol=1e-6)


def test_nearest_kernels_on_random_graph_with_zero_arcs() -> None:
    rng = np.random.default_rng(5)
    n, m = 300, 1200
    w = np.where(rng.random(m) < 0.2, 0.0, np.round(rng.uniform(0, 30, m), 1))  # zeros and many ties
    best: dict[tuple[int, int], float] = {}  # one arc per pair (the networkx reference is a DiGraph)
    for a, b, c in zip(rng.integers(0, n, m).tolist(), rng.integers(0, n, m).tolist(), w.tolist(), strict=True):
        best[(a, b)] = min(c, best.get((a, b), np.inf))
    net = _net([(a, b, c) for (a, b), c in best.items()], n)
    sets = [rng.choice(n, c, replace=False) for c in (1, 5, 40)]
    from equimap.network.routing import nearest_times_many

    for cutoff in (np.inf, 40.0):
        many = nearest_times_many(net, np.arange(n), sets, k=3, cutoff_s=cutoff)
        for s, (times, _) in zip(sets, many, strict=True):
            want = _nx_nearest(net, s, np.zeros(len(s)), cutoff)
            got = times[:, 0]
            assert np.array_equal(np.isfinite(got), np.isfinite(want))
            np.testing.assert_allclose(got[np.isfinite(want)], want[np.isfinite(want)], atol=1e-6)
            k3 = _nx_k(net, s, 3)
            if cutoff == np.inf:
                np.testing.assert_allclose(times[np.isfinite(k3)], k3[np.isfinite(k3)], atol=1e-6)
                assert np.array_equal(np.isfinite(times), np.isfinite(k3))


def test_nearest_times_many_on_malta(malta) -> None:
    """Malta's walking network: the parallel pass equals networkx and the serial pass, for three categories."""
    from equimap.network.routing import nearest_times_many, snap_points

    net = malta.networks["walk"]
    keys = [k for k in ("pharmacy", "school", "hospital") if k in malta.category_keys()]
    assert keys
    nodes = []
    for key in keys:
        svc = malta.services_for(key)
        node, _ = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
        nodes.append(node)
    every = np.arange(net.n_nodes)
    many1 = nearest_times_many(net, every, nodes, k=1)
    many3 = nearest_times_many(net, every, nodes, k=3)
    for node, (t1, i1), (t3, i3) in zip(nodes, many1, many3, strict=True):
        want = _nx_nearest(net, node[node >= 0], np.zeros(int((node >= 0).sum())), np.inf)
        assert np.array_equal(np.isfinite(t1[:, 0]), np.isfinite(want))
        np.testing.assert_allclose(t1[np.isfinite(want), 0], want[np.isfinite(want)], atol=1e-6)
        np.testing.assert_allclose(t3[np.isfinite(want), 0], want[np.isfinite(want)], atol=1e-6)
        s1 = nearest_times(net, every, node, k=1)
        s3 = nearest_times(net, every, node, k=3)
        assert np.array_equal(t1, s1[0]) and np.array_equal(i1, s1[1])
        assert np.array_equal(t3, s3[0]) and np.array_equal(i3, s3[1])


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
def test_hilbert_order_walks_the_grid_one_cell_at_a_time(bits):
    """On a 2**bits square grid of cells, the Hilbert curve visits every cell once, each next to the one before."""
    side = 2**bits
    x, y = (a.ravel().astype(float) for a in np.meshgrid(np.arange(side), np.arange(side)))
    order = hilbert_order(x, y, bits=bits)
    assert sorted(order.tolist()) == list(range(side * side))
    steps = np.abs(np.diff(x[order])) + np.abs(np.diff(y[order]))
    assert (steps == 1).all()
    assert (x[order[0]], y[order[0]]) == (0.0, 0.0) and (x[order[-1]], y[order[-1]]) == (side - 1.0, 0.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_csr_order_is_the_stable_sort_by_tail_then_head(seed):
    """The counting sorts give numpy's stable argsort of (tail, head), parallel arcs and loops included."""
    from equimap.network.layout import _csr, _csr_order

    rng = np.random.default_rng(seed)
    n, m = 50, 400
    frm = rng.integers(0, n, m)
    to = rng.integers(0, n, m)
    w = rng.uniform(0, 9, m)
    indptr, order = _csr_order(n, frm, to)
    np.testing.assert_array_equal(order, np.argsort(frm * n + to, kind="stable"))
    np.testing.assert_array_equal(indptr, np.concatenate([[0], np.cumsum(np.bincount(frm, minlength=n))]))
    ip, idx, wt = _csr(n, frm, to, w)
    for u in range(n):  # each row holds its arcs' heads and weights, in the order given
        mine = [(int(b), float(c)) for a, b, c in zip(frm, to, w, strict=True) if a == u]
        row = slice(ip[u], ip[u + 1])
        assert sorted(mine, key=lambda e: e[0]) == list(zip(idx[row].tolist(), wt[row].tolist(), strict=True))
    assert _csr_order(3, np.empty(0, np.int64), np.empty(0, np.int64))[0].tolist() == [0, 0, 0, 0]
