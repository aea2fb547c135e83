"""The tiled nearest and counts passes equal the single-process run exactly, also on a Dask LocalCluster."""

from __future__ import annotations

import numpy as np
import pytest

from bench.synthetic import category_sources, street_grid
from equimap.network.graph import Network
from equimap.network.partition import partitioned_counts, partitioned_nearest, seconds_per_m, subnetwork
from equimap.network.routing import count_within, nearest_times, snap_points

THRESHOLDS_S = np.array([5, 10, 15]) * 60.0
#: On the 8 km grid: a 4 km buffer (80 km/h roads), so a tile is not the whole grid.
GRID_THRESHOLDS_S = np.array([60.0, 120.0, 180.0])


@pytest.fixture(scope="module")
def grid() -> Network:
    return street_grid(6_400, seed=3)


def test_seconds_per_m_is_the_fastest_arc():
    net = Network(
        mode="drive",
        crs="EPSG:3035",
        osmid=np.arange(3),
        x=np.array([0.0, 100.0, 100.0]),
        y=np.array([0.0, 0.0, 0.0]),
        edge_u=np.array([0, 1, 1]),
        edge_v=np.array([1, 0, 2]),
        time_s=np.array([10.0, 4.0, 3.0]),  # 1 -> 2 does not move: left out
        length_m=np.array([100.0, 100.0, 0.0]),
    )
    assert seconds_per_m(net) == 0.04


def test_subnetwork_keeps_the_arcs_inside():
    net = street_grid(100, seed=1)
    sub, local = subnetwork(net, np.arange(10))
    inside = (net.edge_u < 10) & (net.edge_v < 10)
    assert sub.n_nodes == 10 and sub.n_edges == int(inside.sum())
    assert (local[10:] == -1).all()


@pytest.mark.parametrize(("k", "key", "buffers_m"), [(1, "pharmacy", [600, 1_200]), (3, "transport", [300, 600])])
def test_tiled_nearest_equals_the_whole_network(grid, k, key, buffers_m):
    src = category_sources(grid.n_nodes, seed=5)[key]
    s_t = np.linspace(0, 30, len(src))
    want_t, want_i = nearest_times(grid, np.arange(grid.n_nodes), src, service_time_s=s_t, k=k)
    # small buffers: some nodes need the second round, some the whole network
    got_t, got_i, stats = partitioned_nearest(grid, src, tile_m=2_000, buffers_m=buffers_m, service_time_s=s_t, k=k)
    np.testing.assert_array_equal(got_t, want_t)
    unique = np.isfinite(want_t).all(axis=1)
    np.testing.assert_array_equal(got_i[unique], want_i[unique])
    assert stats["rounds"][0]["tiles"] == 16 and len(stats["rounds"]) == 2
    assert sum(r["nodes_settled"] for r in stats["rounds"]) > 0 and stats["whole_network_nodes"] > 0


def test_tiled_counts_equal_the_whole_network(grid):
    rng = np.random.default_rng(0)
    origin = rng.integers(0, grid.n_nodes, 3_000)
    o_t = rng.uniform(0, 60, len(origin))
    src = category_sources(grid.n_nodes, seed=6)["bus_stop"]
    want = count_within(grid, origin, src, thresholds_s=GRID_THRESHOLDS_S, origin_time_s=o_t)
    got, stats = partitioned_counts(grid, origin, src, thresholds_s=GRID_THRESHOLDS_S, tile_m=2_000, origin_time_s=o_t)
    assert want.sum() > 0 and stats["tiles"] == 16
    np.testing.assert_array_equal(got, want)


def test_tiles_on_a_dask_local_cluster_equal_the_single_process_run(grid):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (requirements.txt)")
    src = category_sources(grid.n_nodes, seed=7)["school"]
    want_t, _ = nearest_times(grid, np.arange(grid.n_nodes), src, k=1)
    origin = np.arange(0, grid.n_nodes, 3)
    want_c = count_within(grid, origin, src, thresholds_s=GRID_THRESHOLDS_S)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        got_t, _, _ = partitioned_nearest(grid, src, tile_m=2_000, buffers_m=[1_500], client=client)
        got_c, _ = partitioned_counts(grid, origin, src, thresholds_s=GRID_THRESHOLDS_S, tile_m=4_000, client=client)
    np.testing.assert_array_equal(got_t, want_t)
    np.testing.assert_array_equal(got_c, want_c)


def test_tiled_pass_on_malta_drive_equals_the_whole_network(malta):
    net = malta.networks["drive"]
    for key in ("pharmacy", "school"):
        svc = malta.services_for(key)
        node, s_t = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
        want_t, _ = nearest_times(net, np.arange(net.n_nodes), node, service_time_s=s_t, k=1)
        got_t, _, stats = partitioned_nearest(
            net, node, tile_m=8_000, buffers_m=[4_000, 8_000], service_time_s=s_t, k=1
        )
        np.testing.assert_array_equal(got_t, want_t)
        assert stats["rounds"][0]["nodes_settled"] > 0
        o_node, o_t = malta.origin_nodes("drive")
        want_c = count_within(net, o_node, node, thresholds_s=THRESHOLDS_S, origin_time_s=o_t, service_time_s=s_t)
        got_c, _ = partitioned_counts(
            net, o_node, node, thresholds_s=THRESHOLDS_S, tile_m=8_000, origin_time_s=o_t, service_time_s=s_t
        )
        np.testing.assert_array_equal(got_c, want_c)
