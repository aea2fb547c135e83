"""Edge snapping: times from points along an edge, by hand and against networkx with the points inserted as nodes."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from equimap.network.graph import Network
from equimap.network.indicators import access_table
from equimap.network.routing import nearest_times
from equimap.network.snapping import join_points, snap_to_edges, split_at_points, twin_edges

WALK_1MS = 3.6  # km/h: connectors walked at 1 m/s, so a metre is a second


def _net(*, one_way: bool = False, bend: bool = False) -> Network:
    """A (0,0) -1000 m- B (1000,0) -500 m- C (1000,500) -1118 m- A; 1 m/s; AB one-way A->B when `one_way`.

    With `bend`, AB is not straight: it runs via (0, -300) and (1000, -300), 1600 m.
    """
    g = nx.MultiDiGraph(crs="EPSG:3035")
    g.add_node(0, x=0.0, y=0.0)
    g.add_node(1, x=1000.0, y=0.0)
    g.add_node(2, x=1000.0, y=500.0)
    ab = LineString([(0, 0), (0, -300), (1000, -300), (1000, 0)]) if bend else None
    ab_m = 1600.0 if bend else 1000.0
    extra = {"geometry": ab} if bend else {}
    g.add_edge(0, 1, length=ab_m, travel_time=ab_m, **extra)
    if not one_way:
        back = {"geometry": LineString(ab.coords[::-1])} if bend else {}
        g.add_edge(1, 0, length=ab_m, travel_time=ab_m, **back)
    ca = float(np.hypot(1000, 500))
    for u, v, m in ((1, 2, 500.0), (2, 1, 500.0), (2, 0, ca), (0, 2, ca)):
        g.add_edge(u, v, length=m, travel_time=m)
    return Network.from_graph(g, mode="drive")


def _times(net, origin_xy, service_xy, *, k=1):
    o = snap_to_edges(net, *np.asarray(origin_xy, float).T, min_component_nodes=0)
    s = snap_to_edges(net, *np.asarray(service_xy, float).T, min_component_nodes=0)
    split, [(s_node, s_t), (o_node, o_t)] = join_points(net, [s, o], walk_speed_kmh=WALK_1MS)
    return nearest_times(split, o_node, s_node, origin_time_s=o_t, service_time_s=s_t, k=k)


def test_snap_to_edges__middle_of_a_long_edge_by_hand():
    net = _net()
    edge, frac, dist = snap_to_edges(net, np.array([300.0]), np.array([40.0]), min_component_nodes=0)
    assert (net.edge_u[edge[0]], net.edge_v[edge[0]]) in {(0, 1), (1, 0)}
    f_from_a = frac[0] if net.edge_u[edge[0]] == 0 else 1 - frac[0]
    assert f_from_a == pytest.approx(0.3) and dist[0] == pytest.approx(40.0)
    # the point 40 m off AB, 300 m from A, to a service at C: 40 s + 700 s to B + 500 s to C
    times, _ = _times(net, [(300.0, 40.0)], [(1000.0, 500.0)])
    assert times[0, 0] == pytest.approx(40 + 700 + 500)
    # to a service at A: 40 + 300 (back along the two-way street)
    assert _times(net, [(300.0, 40.0)], [(0.0, 0.0)])[0][0, 0] == pytest.approx(340.0)
    # networkx on the graph drawn with the point as a node P on AB, and the door D 40 m from it
    g = nx.DiGraph()
    ca = float(np.hypot(1000, 500))
    for a, b, t in (("A", "P", 300), ("P", "B", 700), ("B", "C", 500), ("C", "A", ca), ("D", "P", 40)):
        g.add_edge(a, b, time_s=t)
        g.add_edge(b, a, time_s=t)
    assert times[0, 0] == pytest.approx(nx.shortest_path_length(g, "D", "C", weight="time_s"), abs=1e-9)


def test_snap_to_edges__follows_the_edge_shape_not_the_chord():
    net = _net(bend=True)
    # 10 m below the bottom of the bend, 500 m along it from (0,-300): 300 + 500 = 800 m from A of 1600 m
    edge, frac, dist = snap_to_edges(net, np.array([500.0]), np.array([-310.0]), min_component_nodes=0)
    f_from_a = frac[0] if net.edge_u[edge[0]] == 0 else 1 - frac[0]
    assert f_from_a == pytest.approx(0.5) and dist[0] == pytest.approx(10.0)
    assert _times(net, [(500.0, -310.0)], [(0.0, 0.0)])[0][0, 0] == pytest.approx(10 + 800)


def test_one_way_edge__entered_only_from_its_start():
    net = _net(one_way=True)
    assert (twin_edges(net) >= 0).sum() == 4  # BC and CA both ways; AB has no twin
    # from the point, only B lies ahead: to A it goes 700 + 500 + 1118.03
    t_a = _times(net, [(300.0, 40.0)], [(0.0, 0.0)])[0][0, 0]
    assert t_a == pytest.approx(40 + 700 + 500 + np.hypot(1000, 500))
    # a service on the one-way edge is reached from A only: from B it is 500 + 1118.03 + 300
    t_b = _times(net, [(1000.0, 0.0)], [(300.0, 40.0)])[0][0, 0]
    assert t_b == pytest.approx(500 + np.hypot(1000, 500) + 300 + 40)


def test_two_points_on_one_edge__reach_each_other_along_it():
    two_way, one_way = _net(), _net(one_way=True)
    # origin 200 m from A, service 600 m from A: 400 m along AB, 10 + 20 m connectors
    assert _times(two_way, [(200.0, 10.0)], [(600.0, -20.0)])[0][0, 0] == pytest.approx(430.0)
    assert _times(two_way, [(600.0, -20.0)], [(200.0, 10.0)])[0][0, 0] == pytest.approx(430.0)
    assert _times(one_way, [(200.0, 10.0)], [(600.0, -20.0)])[0][0, 0] == pytest.approx(430.0)
    # against the one-way: 400 to B, round by C to A, then 200 along AB
    back = 400 + 500 + np.hypot(1000, 500) + 200 + 30
    assert _times(one_way, [(600.0, -20.0)], [(200.0, 10.0)])[0][0, 0] == pytest.approx(back)
    # two services at the same place each reach the other at 0 s
    t, ids = _times(two_way, [(500.0, 0.0)], [(500.0, 0.0), (500.0, 0.0)], k=2)
    assert t[0] == pytest.approx([0.0, 0.0]) and sorted(ids[0]) == [0, 1]


def test_service_on_an_edge__counted_once_within_and_in_the_k_nearest():
    net = _net()
    s = snap_to_edges(net, np.array([500.0]), np.array([0.0]), min_component_nodes=0)
    o = snap_to_edges(net, np.array([0.0, 1000.0]), np.array([0.0, 500.0]), min_component_nodes=0)
    split, [(s_node, s_t), (o_node, o_t)] = join_points(net, [s, o], walk_speed_kmh=WALK_1MS)
    table = access_table(split, o_node, s_node, origin_time_s=o_t, service_time_s=s_t, thresholds_min=(30.0,))
    # from A: 500 s; from C: 500 + 500 s; both ends of the edge are within 30 minutes, the service counts once
    assert table["time_nearest_s"].to_numpy() == pytest.approx([500.0, 1000.0])
    assert table["n_within_30min"].tolist() == [1, 1]
    assert table["n_reached_k"].tolist() == [1, 1]
    assert table["time_mean3_s"].to_numpy() == pytest.approx([500.0, 1000.0])


def test_split_at_points__pieces_add_up_and_street_edges_are_kept():
    net = _net(one_way=True)
    edge, frac, _ = snap_to_edges(
        net, np.array([250.0, 750.0, -5000.0]), np.array([0.0, 0.0, 0.0]), min_component_nodes=0, max_snap_m=100.0
    )
    split, node = split_at_points(net, edge, frac)
    assert node.tolist() == [3, 4, -1]  # the third point is too far: off the network
    assert split.n_nodes == net.n_nodes + 3 and split.n_edges == net.n_edges - 1 + 3
    assert split.time_s.sum() == pytest.approx(net.time_s.sum())
    g = split.to_networkx()
    assert nx.shortest_path_length(g, 0, 3, weight="time_s") == pytest.approx(250.0)
    assert nx.shortest_path_length(g, 3, 4, weight="time_s") == pytest.approx(500.0)
    assert not g.has_edge(4, 3)


def test_snap_to_edges__never_onto_a_ferry_edge():
    net = _net()
    ferry = np.zeros(net.n_edges, bool)
    ferry[(net.edge_u == 1) & (net.edge_v == 2) | (net.edge_u == 2) & (net.edge_v == 1)] = True
    flagged = dataclasses.replace(net, edge_ferry=ferry, _cache={})
    edge, _, dist = snap_to_edges(flagged, np.array([1010.0]), np.array([250.0]), min_component_nodes=0)
    assert not ferry[edge[0]] and dist[0] > 10


# --- the real Malta networks ---


def _nx_with_points(net, snaps_xy):
    """Insert snapped points into a networkx copy by hand: split each edge (and its reverse) at the point."""
    g = net.to_networkx()
    edge, frac, dist = snaps_xy
    by_edge: dict[tuple[int, int], list[tuple[float, object]]] = {}
    for i, (e, f) in enumerate(zip(edge, frac, strict=True)):
        if e < 0:
            continue
        u, v = int(net.edge_u[e]), int(net.edge_v[e])
        by_edge.setdefault((u, v), []).append((float(f), ("p", i)))
        rev = np.flatnonzero((net.edge_u == v) & (net.edge_v == u))
        if len(rev) and abs(net.length_m[rev[0]] - net.length_m[e]) <= 0.01:
            by_edge.setdefault((v, u), []).append((1 - float(f), ("p", i)))
    for (u, v), pts in by_edge.items():
        t = g[u][v]["time_s"]
        g.remove_edge(u, v)
        chain = [(0.0, u), *sorted(pts, key=lambda p: p[0]), (1.0, v)]
        for (f0, a), (f1, b) in zip(chain[:-1], chain[1:], strict=True):
            g.add_edge(a, b, time_s=(f1 - f0) * t)
    return g


@pytest.mark.malta
def test_malta__edge_snapped_times_equal_networkx_with_inserted_points(malta):
    net = malta.networks["drive"]
    svc = malta.services_for("hospital_official")
    split, o_node, o_t, s_node, s_t = malta.routing_inputs("drive", svc)
    rng = np.random.default_rng(10)
    pick = rng.choice(np.flatnonzero(o_node >= 0), size=25, replace=False)
    got, _ = nearest_times(split, o_node[pick], s_node, origin_time_s=o_t[pick], service_time_s=s_t, k=1)
    walk_ms = malta.travel.walk_speed_kmh / 3.6
    s_snap = snap_to_edges(
        net,
        svc.geometry.x.to_numpy(),
        svc.geometry.y.to_numpy(),
        max_snap_m=malta.travel.max_snap_m,
        min_component_nodes=malta.travel.min_component_nodes,
    )
    o = malta.origins.iloc[pick]
    o_snap = snap_to_edges(
        net,
        o["x"].to_numpy(),
        o["y"].to_numpy(),
        max_snap_m=malta.travel.max_snap_m,
        min_component_nodes=malta.travel.min_component_nodes,
    )
    g = _nx_with_points(net, (np.r_[s_snap[0], o_snap[0]], np.r_[s_snap[1], o_snap[1]], None))
    g = g.reverse(copy=True)
    for i, d in enumerate(s_snap[2]):
        if s_snap[0][i] >= 0:
            g.add_edge("super", ("p", i), time_s=float(d) / walk_ms)
    dist = nx.single_source_dijkstra_path_length(g, "super", weight="time_s")
    n_s = len(svc)
    expected = [dist.get(("p", n_s + j), np.inf) + o_snap[2][j] / walk_ms for j in range(len(pick))]
    np.testing.assert_allclose(got[:, 0], expected, rtol=0, atol=1e-6)


@pytest.mark.malta
def test_malta__edge_shapes_run_from_u_to_v(malta):
    for mode, net in malta.networks.items():
        start, end = net.geom_ptr[:-1], net.geom_ptr[1:] - 1
        assert np.hypot(net.geom_x[start] - net.x[net.edge_u], net.geom_y[start] - net.y[net.edge_u]).max() < 1e-6, mode
        assert np.hypot(net.geom_x[end] - net.x[net.edge_v], net.geom_y[end] - net.y[net.edge_v]).max() < 1e-6, mode


def test_travel_settings__unknown_snap_rule_is_one_sentence():
    from equimap._errors import DataError
    from equimap.network.cache import TravelSettings

    with pytest.raises(DataError, match=r"Unknown snapping rule `edges`; choose one of \['edge', 'node'\]\."):
        dataclasses.replace(TravelSettings.from_settings(), snap="edges")


def test_join_points__positions_given_once_give_the_same_split():
    """Origins' positions kept with their snap (as `Prepared` does) give the very network computed afresh."""
    from equimap.network.snapping import point_positions

    net = _net(bend=True)
    o = snap_to_edges(net, np.array([300.0, 900.0, 5e6]), np.array([-320.0, 40.0, 0.0]), min_component_nodes=0)
    s = snap_to_edges(net, np.array([1000.0, 500.0]), np.array([250.0, -310.0]), min_component_nodes=0)
    kept = (*o, *point_positions(net, o[0], o[1]))
    a, [(sa, ta), (oa, toa)] = join_points(net, [s, o])
    b, [(sb, tb), (ob, tob)] = join_points(net, [s, kept])
    for f in dataclasses.fields(Network):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)
    for x, y in ((sa, sb), (ta, tb), (oa, ob), (toa, tob)):
        np.testing.assert_array_equal(x, y)
    # on the bent edge, the point sits on the shape (y = -300), not on the straight line between its ends
    px, py = point_positions(net, o[0], o[1])
    assert py[0] == pytest.approx(-300.0) and np.isnan(px[2]) == (o[0][2] < 0)
