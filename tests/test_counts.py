"""The counts in lanes (`equimap.network._lanes`) and on the contracted graph (`equimap.network._counts`)
equal the plain searches exactly, and networkx on hand graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from bench.synthetic import category_sources, street_grid
from equimap.network import _counts, routing
from equimap.network.graph import Network
from equimap.network.layout import search_layout
from equimap.network.routing import count_within, snap_points
from tests.conftest import hand_network as _net

MALTA_THRESHOLDS_S = np.array([5.0, 10.0, 15.0, 30.0]) * 60


# A core square 0-1-2-3 with a chain 1-4-5-2 (one-way 5 -> 2 inside it), a dead-end chain 3-6-7,
# a zero-weight link 4-8-... (8 a leaf), a loop chain 0-9-10-0, a pair of parallel links 2 -> 11
# (3 and 5 s) and 11 -> 2, a self-loop at 12 (12 - 13 one-way), and 14-15 a component of its own.
EDGES = [
    (0, 1, 2.0),
    (1, 0, 2.0),
    (1, 2, 3.0),
    (2, 1, 3.0),
    (2, 3, 1.0),
    (3, 2, 1.0),
    (3, 0, 4.0),
    (0, 3, 4.0),
    (1, 4, 1.0),
    (4, 1, 1.0),
    (4, 5, 1.5),
    (5, 4, 1.5),
    (5, 2, 0.5),
    (3, 6, 2.0),
    (6, 3, 2.0),
    (6, 7, 1.0),
    (7, 6, 1.0),
    (4, 8, 0.0),
    (8, 4, 0.0),
    (0, 9, 1.0),
    (9, 10, 1.0),
    (10, 0, 1.0),
    (2, 11, 3.0),
    (2, 11, 5.0),
    (11, 2, 2.0),
    (12, 12, 1.0),
    (11, 12, 1.0),
    (12, 13, 2.0),
    (14, 15, 1.0),
    (15, 14, 1.0),
]
N = 16


def _nx_counts(net, origin, o_t, service, s_t, thr):
    """Count pairs with networkx's forward times (exact here: the link times are multiples of 0.5 s)."""
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    for u, v, t in zip(net.edge_u, net.edge_v, net.time_s, strict=True):
        if not g.has_edge(u, v) or g[u][v]["w"] > t:
            g.add_edge(int(u), int(v), w=float(t))
    out = np.zeros((len(origin), len(thr)), dtype=np.int32)
    for i, o in enumerate(origin):
        if o < 0:
            continue
        d = nx.single_source_dijkstra_path_length(g, int(o), weight="w")
        for s, st in zip(service, s_t, strict=True):
            if s >= 0 and s in d:
                out[i] += (d[s] + o_t[i]) + st <= thr
    return out


def _both(net, origin, service, thr, o_t=None, s_t=None):
    kw = {"thresholds_s": thr, "origin_time_s": o_t, "service_time_s": s_t}
    plain = count_within(net, origin, service, method="plain", **kw)
    one = count_within(net, origin, service, method="contracted", **kw)
    got = count_within(net, origin, service, **kw)  # lanes
    np.testing.assert_array_equal(one, plain)
    np.testing.assert_array_equal(got, plain)
    assert got.dtype == plain.dtype == one.dtype
    return got


@pytest.mark.parametrize(
    "service",
    [[3], [4, 4, 4], [8, 5, 11, 13], [0, 7, 10, -1, 15], list(range(N))],
)
def test_hand_graph_equals_plain_and_networkx(service):
    net = _net(EDGES, N)
    service = np.array(service)
    origin = np.array([*range(N), -1, 5, 5, 8])  # one off the network, several on a node
    o_t = np.array([0.0, 0.5, 1.0, 0.0, 0.5] * 4)[: len(origin)]
    s_t = np.resize([0.0, 0.5, 1.5], len(service))
    thr = np.array([0.0, 1.0, 2.5, 3.0, 4.5, 6.0])  # many pairs exactly at a threshold
    got = _both(net, origin, service, thr, o_t, s_t)
    np.testing.assert_array_equal(got, _nx_counts(net, origin, o_t, service, s_t, thr))
    assert (got[origin == -1] == 0).all()


@pytest.mark.parametrize("lanes", [1, 2, 3, 7, 64, 200])
def test_any_number_of_lanes_gives_the_same_counts(monkeypatch, lanes):
    """One lane, a few, more lanes than services: the same counts (ties at thresholds, several services on a node)."""
    monkeypatch.setattr(routing, "COUNT_LANES", lanes)
    monkeypatch.setattr(routing, "COUNT_BUCKET_S", 0.5)  # many buckets on this small graph
    net = _net(EDGES, N)
    origin = np.array([*range(N), -1, 5, 5, 8])
    o_t = np.array([0.0, 0.5, 1.0, 0.0, 0.5] * 4)[: len(origin)]
    service = np.array([*range(N), 3, 4, 8, 8])
    s_t = np.resize([0.0, 0.5, 1.5, 7.0], len(service))  # one service beyond the largest threshold
    thr = np.array([0.0, 1.0, 2.5, 3.0, 4.5, 6.0])
    got = _both(net, origin, service, thr, o_t, s_t)
    np.testing.assert_array_equal(got, _nx_counts(net, origin, o_t, service, s_t, thr))


def test_unknown_count_method_is_refused():
    net = _net(EDGES, N)
    with pytest.raises(ValueError, match="Unknown count method `fast`; choose one of"):
        count_within(net, np.array([0]), np.array([1]), thresholds_s=np.array([1.0]), method="fast")


def test_contraction_takes_out_the_chains():
    net = _net(EDGES, N)
    lay = search_layout(net)
    is_start = np.zeros(N, dtype=np.bool_)
    is_start[lay.to_new(np.array([0]))] = True
    has_origin = np.ones(N, dtype=np.bool_)
    core_ptr, *_, ch_node, _f, _r, _ep, _ec = _counts.contract(
        lay.rev_indptr, lay.rev_indices, lay.rev_weights, is_start, has_origin
    )
    back = np.argsort(lay.rank)
    interior = set(back[ch_node].tolist())
    # chain and leaf nodes are read off their chains; 14-15 (no core node) is never reached
    assert interior == {5, 6, 7, 8, 9, 10, 11, 13}
    assert (np.diff(core_ptr)[lay.rank[list(interior)]] == 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_one_way_grid_equals_plain(seed):
    grid = street_grid(2_500, seed=seed)
    rng = np.random.default_rng(seed)
    keep = rng.random(grid.n_edges) > 0.15  # drop some directions: one-way streets
    t = grid.time_s[keep] * rng.choice([0.0, 1.0, 1.0, 1.0], keep.sum())  # zero-time links
    net = Network(
        mode="drive",
        crs=grid.crs,
        osmid=grid.osmid,
        x=grid.x,
        y=grid.y,
        edge_u=grid.edge_u[keep],
        edge_v=grid.edge_v[keep],
        time_s=t,
        length_m=grid.length_m[keep],
    )
    origin = np.where(rng.random(4_000) < 0.05, -1, rng.integers(0, net.n_nodes, 4_000))
    o_t = rng.uniform(0, 40, len(origin))
    for key in ("bus_stop", "pharmacy"):
        src = category_sources(net.n_nodes, seed=seed)[key]
        src = np.concatenate([src, src[:5]])  # several services on one node
        s_t = rng.uniform(0, 20, len(src))
        got = _both(net, origin, src, np.array([30.0, 60.0, 90.0, 180.0]), o_t, s_t)
        assert got[:, -1].sum() > 0


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_malta_dense_and_sparse_categories_equal_plain(malta, mode):
    for key in ("transport", "bus_stop", "pharmacy"):
        net, o_node, o_t, s_node, s_t = malta.routing_inputs(mode, malta.services_for(key))
        got = _both(net, o_node, s_node, MALTA_THRESHOLDS_S, o_t, s_t)
        assert got[:, -1].sum() > 0
    # the nearest-node rule (no split network): origins and services on the network's own nodes
    net = malta.networks[mode]
    svc = malta.services_for("bus_stop")
    node, s_t = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
    o_node, o_t = malta.origin_nodes(mode)
    _both(net, o_node, node, MALTA_THRESHOLDS_S, o_t, s_t)
