"""Travel-time engine on hand-built graphs whose answers are worked out by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from equimap.network.graph import Network
from equimap.network.indicators import access_table
from equimap.network.routing import count_within, nearest_times, od_pairs, snap_points
from tests.conftest import grid_graph


def test_nearest_times__grid_by_hand(grid_net):
    # services at corner (0,0)=node 0 and at (3,3)=node 15; origin at node 5 = (1,1)
    times, ids = nearest_times(grid_net, np.array([5, 0, 10]), np.array([0, 15]), k=2)
    # node 5 is 2 blocks from node 0 and 4 from node 15; node 10 = (2,2) is 4 and 2
    np.testing.assert_allclose(times, [[200, 400], [0, 600], [200, 400]])
    np.testing.assert_array_equal(ids, [[0, 1], [0, 1], [1, 0]])


def test_nearest_times__offsets_added_at_both_ends(grid_net):
    times, _ = nearest_times(
        grid_net,
        np.array([5]),
        np.array([0, 15]),
        origin_time_s=np.array([7.0]),
        service_time_s=np.array([30.0, 0.0]),
        k=2,
    )
    np.testing.assert_allclose(times, [[237.0, 407.0]])


def test_nearest_times__k_distinct_services_on_one_node(grid_net):
    # two services on the same node count as two services (AN3 counts facilities, not places)
    times, ids = nearest_times(grid_net, np.array([3]), np.array([0, 0, 15]), k=3)
    np.testing.assert_allclose(times, [[300, 300, 300]])
    assert sorted(ids[0].tolist()) == [0, 1, 2]


def test_nearest_times__unreachable_is_inf_not_dropped():
    g = grid_graph(2)
    g.add_node(99, x=5000.0, y=5000.0)  # an island with no edge
    net = Network.from_graph(g, mode="walk")
    island = int(np.flatnonzero(net.osmid == 99)[0])
    times, ids = nearest_times(net, np.array([island, 0, -1]), np.array([0]), k=1)
    assert times.shape == (3, 1)
    assert np.isinf(times[0, 0]) and times[1, 0] == 0 and np.isinf(times[2, 0])
    assert ids[0, 0] == -1 and ids[2, 0] == -1


def test_nearest_times__one_way_street_respected():
    # 0 -> 1 only (one-way), 1 <-> 2 both ways; service at 0
    g = nx.MultiDiGraph(crs="EPSG:3035")
    for i in range(3):
        g.add_node(i, x=float(i), y=0.0)
    g.add_edge(0, 1, length=10.0, travel_time=10.0)
    g.add_edge(1, 2, length=10.0, travel_time=10.0)
    g.add_edge(2, 1, length=10.0, travel_time=10.0)
    g.add_edge(2, 0, length=50.0, travel_time=50.0)
    net = Network.from_graph(g, mode="drive")
    times, _ = nearest_times(net, np.array([0, 1, 2]), np.array([0]), k=1)
    # from 1: 1->2->0 = 60 (cannot go back against the one-way); from 2: 50
    np.testing.assert_allclose(times[:, 0], [0, 60, 50])


def test_from_graph__parallel_edges_keep_fastest():
    g = nx.MultiDiGraph(crs="EPSG:3035")
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=1.0, y=0.0)
    g.add_edge(1, 2, length=100.0, travel_time=20.0)
    g.add_edge(1, 2, length=80.0, travel_time=30.0)
    net = Network.from_graph(g, mode="drive")
    assert net.n_edges == 1 and net.time_s[0] == 20.0 and net.length_m[0] == 100.0


def test_count_within__grid_by_hand(grid_net):
    # services at all four corners; origin at node 5 = (1,1): corners (0,0), (0,3), (3,0), (3,3)
    # are 2, 3, 3 and 4 blocks away
    svc = np.array([0, 3, 12, 15])
    counts = count_within(grid_net, np.array([5]), svc, thresholds_s=np.array([200.0, 299.0, 300.0, 400.0]))
    np.testing.assert_array_equal(counts, [[1, 1, 3, 4]])


def test_count_within__origin_offset(grid_net):
    counts = count_within(
        grid_net,
        np.array([5, 5]),
        np.array([0, 15]),
        thresholds_s=np.array([250.0]),
        origin_time_s=np.array([0.0, 60.0]),
    )
    np.testing.assert_array_equal(counts[:, 0], [1, 0])


def test_od_pairs__matches_networkx(grid_net):
    rng = np.random.default_rng(3)
    origins = rng.integers(0, 16, size=12)
    services = np.array([0, 6, 15])
    table = od_pairs(grid_net, origins, services, cutoff_s=350.0)
    g = grid_net.to_networkx()
    expected = []
    for o, node in enumerate(origins):
        d = nx.single_source_dijkstra_path_length(g, int(node), weight="time_s")
        for s, sn in enumerate(services):
            if d.get(int(sn), np.inf) <= 350.0:
                expected.append((o, s, d[int(sn)]))
    exp = pd.DataFrame(expected, columns=["origin", "service", "time_s"]).sort_values(
        ["origin", "service"], ignore_index=True
    )
    pd.testing.assert_frame_equal(table, exp, check_dtype=False)


def test_access_table__columns_and_mean3(grid_net):
    idx = pd.Index([10, 11], name="origin")
    out = access_table(grid_net, np.array([5, 0]), np.array([0, 3, 15]), index=idx, thresholds_min=(5.0,))
    # node 5 (1,1): services at 2, 3 (node 3 = (0,3): 1+2), 4 blocks -> mean 300 s
    assert out.index.equals(idx)
    np.testing.assert_allclose(out["time_nearest_s"], [200, 0])
    np.testing.assert_allclose(out["time_mean3_s"], [300, (0 + 300 + 600) / 3])
    np.testing.assert_array_equal(out["n_within_5min"], [2, 2])  # 300 s = 5 min counts as within


def test_access_table__fewer_services_than_k(grid_net):
    out = access_table(grid_net, np.array([5]), np.array([0]))
    assert out["n_reached_k"].iloc[0] == 1
    assert out["time_mean3_s"].iloc[0] == out["time_nearest_s"].iloc[0] == 200


def test_access_table__no_services(grid_net):
    out = access_table(grid_net, np.array([5, 6]), np.array([], dtype=np.int64))
    assert np.isinf(out["time_nearest_s"]).all() and (out["n_within_30min"] == 0).all()


def test_snap_points__far_points_are_off_network(grid_net):
    node, t = snap_points(
        grid_net, np.array([1.0, 5000.0]), np.array([0.0, 0.0]), max_snap_m=500.0, min_component_nodes=0
    )
    assert node[0] == 0 and node[1] == -1
    assert t[0] == pytest.approx(1.0 / (4.8 / 3.6)) and np.isinf(t[1])
