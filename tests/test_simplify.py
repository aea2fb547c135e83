"""`equimap.network.simplify.simplify_in_place` returns the graph osmnx's ``simplify_graph`` returns.

Compared on hand graphs (bends, one-way to two-way changes, parallel ways, a loop back to its
start, a self-loop, a lone ring), on the tiny region and on a part of Malta: the same nodes and
edges in the same order, with the same keys and attributes (shapes compared exactly), and
`build_network` gives the same arrays with either.
"""

from __future__ import annotations

import networkx as nx
import osmnx as ox
import pytest

from bench.prepare import same_graph
from equimap.network import streets
from equimap.network.graph import build_network
from equimap.network.profile import load_profile
from equimap.network.simplify import simplify_in_place
from equimap.network.streets import SIMPLIFY_AGGS, street_graph
from equimap.region.osm import read_osm
from tests import tiny_region
from tests.conftest import assert_same_network

AGGS = SIMPLIFY_AGGS


def _hand_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="EPSG:4326")
    xy = {i: (float(i % 7), float(i // 7) + 0.1 * (i % 3)) for i in range(40)}
    for n, (x, y) in xy.items():
        g.add_node(n, x=x, y=y)

    def way(nodes, oneway=False, **tags):
        for u, v in zip(nodes[:-1], nodes[1:], strict=True):
            g.add_edge(u, v, oneway=oneway, length=1.0 + u / 10, delay_s=0.5 * (v % 2), **tags)
            if not oneway:
                g.add_edge(v, u, oneway=oneway, length=1.0 + v / 10, delay_s=0.0, **tags)

    way([0, 1, 2, 3, 4], highway="residential", osmid=10)  # a two-way street with three bends
    way([4, 5, 6], highway="primary", osmid=11)  # another way through the bend at 4... 4 joins 3 and 5
    way([2, 7, 8, 9], oneway=True, highway="service", osmid=12)  # a one-way branch
    way([9, 10, 11, 9], oneway=True, highway="service", osmid=13)  # a one-way loop back to its start
    way([12, 13, 14, 15, 12], highway="footway", osmid=14)  # a lone two-way ring: removed
    way([16, 17, 18], oneway=True, highway="residential", osmid=15)
    way([18, 19, 20], highway="residential", osmid=16)  # one-way turning two-way at 18
    way([20, 21, 22], highway="tertiary", osmid=17, name="A")
    way([20, 21, 22], highway="tertiary", osmid=18, name="B")  # a parallel way over the same nodes
    g.add_edge(23, 23, osmid=19, oneway=True, length=3.0, delay_s=0.0)  # a self-loop
    way([23, 24, 25], highway="residential", osmid=20, maxspeed="30")
    way([25, 26, 27], highway="secondary", osmid=21, maxspeed="50")
    way([30, 31, 32, 33, 30], oneway=True, highway="service", osmid=22)  # a lone one-way ring: removed
    way([34, 35], highway="residential", osmid=23)
    return g


def test_hand_graph_equals_osmnx():
    g = _hand_graph()
    want = ox.simplify_graph(g.copy(), edge_attr_aggs=AGGS)
    got = simplify_in_place(g.copy(), edge_attr_aggs=AGGS)
    same_graph(got, want)
    assert 13 not in got and 31 not in got  # the rings are gone
    assert any(isinstance(d.get("highway"), list) for _, _, d in got.edges(data=True))  # ways merged at 4
    assert got.number_of_edges(20, 21) == 2  # the parallel ways stay two edges (21 is an endpoint)
    assert got.number_of_edges() < g.number_of_edges()


def test_already_simplified_is_refused():
    g = simplify_in_place(_hand_graph(), edge_attr_aggs=AGGS)
    with pytest.raises(ValueError, match="already simplified"):
        simplify_in_place(g, edge_attr_aggs=AGGS)


def _unsimplified(extract, mode: str) -> nx.MultiDiGraph:
    return street_graph(extract, mode=mode, profile=load_profile("default"))


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_tiny_region_equals_osmnx_and_builds_the_same_network(tmp_path, monkeypatch, mode):
    extract = read_osm(tiny_region.write_osm(tmp_path / "t.osm"))
    g = _unsimplified(extract, mode)
    same_graph(simplify_in_place(g.copy(), edge_attr_aggs=AGGS), ox.simplify_graph(g, edge_attr_aggs=AGGS))
    new = build_network(extract, mode=mode, crs="EPSG:3035")
    monkeypatch.setattr(
        streets, "simplify_in_place", lambda g, edge_attr_aggs: ox.simplify_graph(g, edge_attr_aggs=edge_attr_aggs)
    )
    old = build_network(extract, mode=mode, crs="EPSG:3035")
    assert_same_network(new, old)


def test_malta_part_equals_osmnx(malta_part_extract):
    extract = malta_part_extract  # Valletta to Birkirkara
    for mode in ("walk", "drive"):
        g = _unsimplified(extract, mode)
        assert g.number_of_nodes() > 10_000 or mode == "drive"
        same_graph(simplify_in_place(g.copy(), edge_attr_aggs=AGGS), ox.simplify_graph(g, edge_attr_aggs=AGGS))
