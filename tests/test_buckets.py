"""The bucket-queue kernels (`equimap.network._buckets`) against networkx, scipy and the heap kernels."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from equimap.network import _buckets, _dijkstra
from equimap.network.graph import Network
from equimap.network.layout import search_layout
from equimap.network.routing import nearest_times, nearest_times_many
from tests.conftest import hand_network as _net


def _random_net(seed: int, n: int = 300, m: int = 1200, max_w: float = 60.0, zero_share: float = 0.05) -> Network:
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, max_w, m)
    w[rng.random(m) < zero_share] = 0.0  # split points on a node, ferries' zero-time ramps
    w[rng.random(m) < 0.01] *= 500.0  # a few very long arcs (a ferry), which widen the ring
    edges = list(zip(rng.integers(0, n, m).tolist(), rng.integers(0, n, m).tolist(), w.tolist(), strict=True))
    return _net(edges, n, seed)


def _per_source(net: Network, src: np.ndarray, src_t: np.ndarray) -> np.ndarray:
    """Return the (n_sources × n_nodes) times from each source (its own start time added), by scipy."""
    indptr, indices, weights = net.reverse_csr
    g = csr_matrix((weights + 0.0, indices, indptr), shape=(net.n_nodes, net.n_nodes))
    # scipy drops explicit zeros of a csr matrix: give zero arcs a tiny time and compare to 1e-6
    g.data[g.data == 0] = 1e-12
    return dijkstra(g, indices=src) + src_t[:, None]


def test_ties_go_to_the_service_listed_first() -> None:
    # from node 0, the services at nodes 1 and 2 are both 1 s away, and those at 3 and 4 both 2 s
    # (two paths to 3, and a zero arc 3 -> 4): the first listed is named, in either order
    edges = [(0, 1, 1.0), (1, 3, 1.0), (0, 2, 1.0), (2, 3, 1.0), (3, 4, 0.0), (4, 3, 0.0)]
    net = _net(edges, 5)
    for services, t in (([1, 2], 1.0), ([2, 1], 1.0), ([3, 4], 2.0), ([4, 3], 2.0)):
        for method in ("buckets", "heap"):
            times, ids = nearest_times(net, np.array([0]), np.array(services), k=1, method=method)
            assert times[0, 0] == t
        assert ids[0, 0] in (0, 1)
        times, ids = nearest_times(net, np.array([0]), np.array(services), k=1)
        assert ids[0, 0] == 0
        times, ids = nearest_times(net, np.array([0]), np.array(services), k=2)
        assert times[0].tolist() == [t, t] and ids[0].tolist() == [0, 1]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cutoff", [np.inf, 90.0])
def test_nearest_equals_scipy_and_the_heap_bit_for_bit(seed: int, cutoff: float) -> None:
    net = _random_net(seed)
    rng = np.random.default_rng(100 + seed)
    src = rng.choice(net.n_nodes, 12, replace=False)
    src_t = rng.uniform(0, 30, len(src))
    got_t, got_i = nearest_times(net, np.arange(net.n_nodes), src, service_time_s=src_t, k=1, cutoff_s=cutoff)
    heap_t, _ = nearest_times(
        net, np.arange(net.n_nodes), src, service_time_s=src_t, k=1, cutoff_s=cutoff, method="heap"
    )
    assert np.array_equal(got_t, heap_t)
    per = _per_source(net, src, src_t)
    want = per.min(axis=0)
    want[want > cutoff] = np.inf
    assert np.array_equal(np.isfinite(got_t[:, 0]), np.isfinite(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got_t[fin, 0], want[fin], atol=1e-6)
    # the service named is one at that time
    hit = got_i[:, 0] >= 0
    np.testing.assert_allclose(per[got_i[hit, 0], np.flatnonzero(hit)], got_t[hit, 0], atol=1e-6)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [2, 3, 5])
def test_k_nearest_equals_the_k_least_per_source_times(seed: int, k: int) -> None:
    net = _random_net(seed)
    rng = np.random.default_rng(200 + seed)
    src = rng.choice(net.n_nodes, 9, replace=False)
    src_t = rng.uniform(0, 30, len(src))
    got_t, got_i = nearest_times(net, np.arange(net.n_nodes), src, service_time_s=src_t, k=k)
    heap_t, _ = nearest_times(net, np.arange(net.n_nodes), src, service_time_s=src_t, k=k, method="heap")
    assert np.array_equal(got_t, heap_t)
    want = np.sort(_per_source(net, src, src_t), axis=0)[:k].T
    assert np.array_equal(np.isfinite(got_t), np.isfinite(want))
    np.testing.assert_allclose(got_t[np.isfinite(want)], want[np.isfinite(want)], atol=1e-6)
    for o in range(net.n_nodes):
        ids = got_i[o][got_i[o] >= 0]
        assert len(set(ids.tolist())) == len(ids)


@pytest.mark.parametrize("width", [1e-3, 0.7, 25.0, 1e4])
def test_any_bucket_width_gives_the_same_times(width: float) -> None:
    net = _random_net(9)
    lay = search_layout(net)
    src = lay.to_new(np.arange(0, net.n_nodes, 37))
    st = np.linspace(0, 20, len(src))
    ref, _ = _dijkstra.nearest1(lay.rev_indptr, lay.rev_indices, lay.rev_weights, src, st, np.inf)
    max_w = float(lay.rev_weights.max())
    d, _ = _buckets.nearest1(lay.rev_indptr, lay.rev_indices, lay.rev_weights, src, st, np.inf, width, max_w)
    assert np.array_equal(d, ref)
    ref3, _ = _dijkstra.k_nearest_lean(lay.rev_indptr, lay.rev_indices, lay.rev_weights, src, st, 3, np.inf)
    d3, _ = _buckets.k_nearest(lay.rev_indptr, lay.rev_indices, lay.rev_weights, src, st, 3, np.inf, width, max_w)
    assert np.array_equal(d3, ref3)


def test_sources_beyond_the_cutoff_or_without_a_time_reach_nothing() -> None:
    net = _net([(0, 1, 5.0), (1, 2, 5.0)], 3)
    lay = search_layout(net)
    args = (lay.rev_indptr, lay.rev_indices, lay.rev_weights)
    src = lay.to_new(np.array([2, 0]))
    d, lab = _buckets.nearest1(*args, src, np.array([50.0, np.nan]), 10.0, 2.0, 5.0)
    assert np.isinf(d).all() and (lab == -1).all()
    d, lab = _buckets.nearest1(*args, src[:0], np.empty(0), np.inf, 2.0, 5.0)
    assert np.isinf(d).all()
    # one source in reach, one not: times counted from the first only
    t, ids = nearest_times(net, np.arange(3), np.array([2, 0]), service_time_s=np.array([1.0, 99.0]), cutoff_s=20.0)
    assert t[:, 0].tolist() == [11.0, 6.0, 1.0] and ids[:, 0].tolist() == [0, 0, 0]


def test_bucket_width_is_bounded_by_the_ring() -> None:
    width, max_w = _buckets.bucket_width_s(np.array([1.0, 2.0, 3.0, 1e7]))
    assert max_w == 1e7
    assert _buckets._ring_size(max_w, width) <= _buckets.MAX_RING
    assert _buckets.bucket_width_s(np.zeros(4))[0] > 0
    assert _buckets.bucket_width_s(np.array([2.0, 4.0, 6.0]))[0] == 8.0


def test_many_sets_equal_one_call_each_and_networkx() -> None:
    net = _random_net(4)
    rng = np.random.default_rng(5)
    sets = [rng.choice(net.n_nodes, s, replace=False) for s in (1, 7, 30)]
    times = [rng.uniform(0, 10, len(s)) for s in sets]
    for k in (1, 3):
        many = nearest_times_many(net, np.arange(net.n_nodes), sets, service_times_s=times, k=k)
        for s, t, (mt, mi) in zip(sets, times, many, strict=True):
            one_t, one_i = nearest_times(net, np.arange(net.n_nodes), s, service_time_s=t, k=k)
            assert np.array_equal(mt, one_t) and np.array_equal(mi, one_i)
    g = net.to_networkx()
    ((t1, _),) = nearest_times_many(net, np.arange(net.n_nodes), [sets[1]], k=1)
    for o in range(0, net.n_nodes, 17):
        d = nx.single_source_dijkstra_path_length(g, o, weight="time_s")
        want = min((d[s] for s in sets[1] if s in d), default=np.inf)
        assert t1[o, 0] == pytest.approx(want, abs=1e-6) if np.isfinite(want) else np.isinf(t1[o, 0])


@pytest.mark.malta
@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_malta_bucket_queue_equals_the_heap_and_networkx(malta, mode: str) -> None:
    prep = malta
    svc = prep.services_for("health")
    net, o_node, o_t, s_node, s_t = prep.routing_inputs(mode, svc)
    kw = {"origin_time_s": o_t, "service_time_s": s_t}
    for k in (1, 3):
        got, ids = nearest_times(net, o_node, s_node, k=k, **kw)
        heap, heap_ids = nearest_times(net, o_node, s_node, k=k, method="heap", **kw)
        assert np.array_equal(got, heap)
        assert (ids != heap_ids).mean() < 1e-3  # only exact ties may name another site
    g = net.to_networkx()
    rev = g.reverse(copy=False)
    ok = s_node >= 0
    d = nx.multi_source_dijkstra_path_length(rev, set(s_node[ok].tolist()), weight="time_s")
    # networkx has no start times: check the origins whose nearest service has no walk to its node
    got, ids = nearest_times(net, o_node, s_node, k=1, origin_time_s=o_t, service_time_s=np.zeros(len(s_node)))
    has = o_node >= 0
    want = np.array([d.get(int(v), np.inf) for v in o_node[has]]) + o_t[has]
    np.testing.assert_allclose(got[has, 0], want, atol=1e-6)


def _csr(edges: list[tuple[int, int, float]], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (indptr, indices, weights) of the arcs u -> v as the kernels scan them."""
    u, v, w = (np.array(c) for c in zip(*edges, strict=True))
    order = np.argsort(u, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return indptr, v[order].astype(np.int32), w[order].astype(float)


def _k_least_by_source(csr, src: np.ndarray, st: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return each node's k least (time, source) over the sources searched one at a time, padded with (inf, -1)."""
    max_w = float(csr[2].max())
    per = np.array(
        [_buckets.nearest1(*csr, src[i : i + 1], st[i : i + 1], np.inf, 1.0, max_w)[0] for i in range(len(src))]
    )
    n = per.shape[1]
    dist, lab = np.full((n, k), np.inf), np.full((n, k), -1, dtype=np.int32)
    for v in range(n):
        labels = sorted((per[i, v], i) for i in range(len(src)) if np.isfinite(per[i, v]))[:k]
        for j, (t, i) in enumerate(labels):
            dist[v, j], lab[v, j] = t, i
    return dist, lab


def _assert_k_nearest(csr, src, st, k: int, widths=(1e-3, 1.0, 1e4)) -> None:
    want = _k_least_by_source(csr, np.asarray(src), np.asarray(st, float), k)
    max_w = float(csr[2].max())
    for width in widths:
        got = _buckets.k_nearest(*csr, np.asarray(src), np.asarray(st, float), k, np.inf, width, max_w)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]), width


def test_k_nearest__a_node_whose_labels_span_several_buckets() -> None:
    # node 0 holds three sources at 0, 10 and 20 s, then a path 0 -> 1 -> 2 -> 3 with a shortcut 0 -> 3
    csr = _csr([(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (0, 3, 2.5)], 4)
    _assert_k_nearest(csr, [0, 0, 0], [0.0, 10.0, 20.0], 3)
    _assert_k_nearest(csr, [0, 0, 0], [20.0, 10.0, 0.0], 2)


def test_k_nearest__a_label_evicted_before_it_is_offered() -> None:
    # sources 0..4 at nodes 0..4, all one arc from node 5 (one bucket at the widest width, taken
    # last in first out: the worst label comes first and is pushed out while still dirty), then 5 -> 6
    edges = [(i, 5, 1.0) for i in range(5)] + [(5, 6, 1.0), (6, 5, 1.0)]
    csr = _csr(edges, 7)
    _assert_k_nearest(csr, np.arange(5), [4.0, 3.0, 2.0, 1.0, 0.0], 2)
    _assert_k_nearest(csr, np.arange(5), [0.0, 1.0, 2.0, 3.0, 4.0], 2)


def test_k_nearest__many_sources_on_one_node_with_ties() -> None:
    csr = _csr([(0, 1, 2.0), (1, 2, 0.0), (2, 1, 0.0), (1, 0, 2.0)], 3)
    st = [5.0, 1.0, 1.0, 3.0, 0.5, 1.0, 9.0, 0.5]
    for k in (1, 2, 3, 5):
        _assert_k_nearest(csr, [0] * len(st), st, k)


def test_k_nearest__more_slots_than_sources() -> None:
    csr = _csr([(0, 1, 3.0), (1, 2, 3.0), (2, 0, 3.0)], 4)  # node 3 is never reached
    _assert_k_nearest(csr, [0, 2], [0.0, 1.0], 5)
    dist, lab = _buckets.k_nearest(*csr, np.array([0]), np.array([np.inf]), 2, np.inf, 1.0, 3.0)
    assert np.isinf(dist).all() and (lab == -1).all()  # a source with no time reaches nothing


@pytest.mark.parametrize("seed", range(3))
def test_k_nearest__random_graphs_against_one_search_per_source(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 60, 240
    w = rng.integers(0, 8, m).astype(float)  # whole seconds: many exact ties
    edges = list(zip(rng.integers(0, n, m).tolist(), rng.integers(0, n, m).tolist(), w.tolist(), strict=True))
    csr = _csr(edges, n)
    src = rng.integers(0, n, 12)  # some nodes hold several sources
    st = rng.integers(0, 5, 12).astype(float)
    for k in (2, 3, 6, 20):
        _assert_k_nearest(csr, src, st, k, widths=(0.3, 2.0, 50.0))
