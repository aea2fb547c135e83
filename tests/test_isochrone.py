"""Isochrones: the reach of one search from a point, checked against networkx and by hand."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from equimap._errors import DataError
from equimap.analysis.isochrone import isochrone
from equimap.network.graph import Network
from equimap.network.isochrone import REACH_CELL_M, reach_area, reach_times
from tests.conftest import grid_graph


def test_reach_times_on_a_grid_equal_networkx_and_the_hand_count() -> None:
    net = Network.from_graph(grid_graph(4), mode="walk")
    times = reach_times(net, 0, cutoff_s=250.0, start_s=10.0)
    # by hand: a block is 100 s, so from corner 0 with 10 s already walked, 2 blocks (210 s) are within 250 s
    assert set(np.flatnonzero(np.isfinite(times)).tolist()) == {0, 1, 2, 4, 5, 8}
    ref = nx.single_source_dijkstra_path_length(net.to_networkx(), 0, cutoff=240.0, weight="time_s")
    assert {n: 10.0 + d for n, d in ref.items()} == {int(n): float(times[n]) for n in np.flatnonzero(times < np.inf)}


def test_reach_times__off_the_network_reaches_nothing() -> None:
    net = Network.from_graph(grid_graph(3), mode="walk")
    assert np.isinf(reach_times(net, -1, cutoff_s=1e6)).all()


def test_reach_area_covers_the_reached_streets_and_not_the_far_corner() -> None:
    net = Network.from_graph(grid_graph(4), mode="walk")
    times = reach_times(net, 0, cutoff_s=250.0)
    area = reach_area(net, times, cutoff_s=250.0)
    reached_street = shapely.LineString([(0, 0), (200, 0)])
    assert area.buffer(1e-6).covers(reached_street.buffer(REACH_CELL_M - 1))  # everything within one square is in
    far = Point(300, 300)  # 4 blocks away, 283 m from the nearest reached node
    assert not area.contains(far)
    assert area.distance(far) > 0


def test_isochrone_residents_on_malta_equal_a_networkx_search(malta) -> None:
    pt = gpd.GeoSeries([Point(14.5146, 35.8989)], crs=4326)  # Valletta
    iso = isochrone(malta, pt, mode="walk", threshold_min=10, suppress_below=0)
    net, o_node, o_t, s_node, s_t = malta.routing_inputs("walk", gpd.GeoDataFrame(geometry=pt.to_crs(malta.region.crs)))
    cutoff = 600.0
    g = net.to_networkx()
    d = nx.single_source_dijkstra_path_length(g, int(s_node[0]), cutoff=cutoff - float(s_t[0]), weight="time_s")
    t_node = np.full(net.n_nodes, np.inf)
    t_node[list(d)] = np.array(list(d.values())) + float(s_t[0])
    o_time = np.where(o_node >= 0, t_node[np.maximum(o_node, 0)] + o_t, np.inf)
    inside = o_time <= cutoff
    expected = malta.origins.loc[inside, malta.count_columns].sum(axis=0)
    assert inside.sum() > 0
    np.testing.assert_allclose(iso.residents["pop"].to_numpy(), expected.to_numpy(float), rtol=1e-9)
    np.testing.assert_array_equal(np.isfinite(iso.origin_time_s.to_numpy()), inside)
    # protected by default: no visible count between 1 and 9, and the big total is shown
    prot = isochrone(malta, pt, mode="walk", threshold_min=10).residents["pop"]
    visible = prot.dropna()
    assert not ((visible > 0) & (visible < 10)).any()
    assert prot[malta.region.total_col] == pytest.approx(expected[malta.region.total_col])


def test_isochrone__a_point_at_sea_says_so(malta) -> None:
    pt = gpd.GeoSeries([Point(14.2, 36.2)], crs=4326)
    with pytest.raises(DataError, match="from the walk network; click nearer to a street"):
        isochrone(malta, pt, mode="walk", threshold_min=10)
