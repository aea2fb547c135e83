"""`equimap.network.osm_graph.graph_from_ways` returns the graph osmnx reads from the ways as OSM XML.

The reference is the way equimap built its street graphs before: the ways written to an OSM XML
file and read back by osmnx's ``graph_from_xml`` (`bench.prepare.osmnx_xml_graph`). Compared on
hand-made ways (every one-way rule, two-way, a ring, repeated nodes, a replaced way id), on the tiny
region and on a part of Malta, walking (bidirectional) and driving: the same nodes and edges in the
same order, with the same keys, attributes and types (`bench.prepare.same_graph`), the same
predecessor order, and the same graph attributes but the creation time. `build_network` gives the
same arrays either way.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from bench.prepare import osmnx_xml_graph, same_graph
from equimap._errors import DataError
from equimap.network import streets
from equimap.network.graph import build_network
from equimap.network.osm_graph import graph_from_ways
from equimap.network.profile import load_profile
from equimap.network.streets import way_allows
from equimap.region.osm import read_osm
from tests import tiny_region
from tests.conftest import assert_same_network


def _assert_same(ways, lonlat, *, bidirectional: bool) -> nx.MultiDiGraph:
    got = graph_from_ways(ways, lonlat, bidirectional=bidirectional)
    want = osmnx_xml_graph(ways, lonlat, bidirectional=bidirectional)
    same_graph(got, want, created_apart=True)
    assert [list(got.pred[n].items()) for n in got] == [list(want.pred[n].items()) for n in want]
    assert list(got.edges(keys=True)) == list(want.edges(keys=True))
    return got


def _hand_ways() -> tuple[list, dict[int, tuple[float, float]]]:
    rng = np.random.default_rng(3)
    # coordinates with more than 7 decimals, so the rounding the XML did shows; ids not in order
    lonlat = {n: (14.5 + rng.uniform(0, 0.01), 35.9 + rng.uniform(0, 0.01)) for n in range(100, 140)}
    ways = [
        (7, [120, 101, 102, 103], {"highway": "residential", "name": "Triq A & <B> \"C\" 'D'"}),  # two-way
        (3, [103, 104, 105], {"highway": "primary", "oneway": "yes", "maxspeed": "50", "lanes": "2"}),
        (9, [105, 106, 107], {"highway": "secondary", "oneway": "-1"}),  # against the node order
        (11, [107, 108], {"highway": "tertiary", "oneway": "reversible"}),  # not a one-way value: two-way
        (12, [108, 109], {"highway": "tertiary", "oneway": "true"}),
        (13, [109, 110], {"highway": "tertiary", "oneway": "1"}),
        (14, [110, 111, 112, 113, 110], {"highway": "primary", "junction": "roundabout"}),  # a one-way ring
        (15, [114, 115, 116, 114], {"highway": "footway", "foot": "yes", "area": "no"}),  # a two-way ring
        (16, [117, 117, 118, 118, 118, 119], {"highway": "service", "service": "alley"}),  # repeated nodes
        (17, [119, 120, 119, 121], {"highway": "service", "oneway": "no", "bridge": "yes"}),  # back and forth
        (18, [101, 102], {"highway": "unclassified", "tunnel": "yes"}),  # parallel to way 7
        (19, [122, 122], {"highway": "path"}),  # one node: no edge, the node stays
        (20, [123, 124], {"highway": "residential", "oneway": "reverse", "ref": "R1\n2\t3"}),
        (21, [125, 126], {"highway": "residential", "oneway": "T", "width": "3", "est_width": "2"}),
        (22, [126, 127], {"highway": "residential", "oneway": "F", "access": "yes", "landuse": "x"}),
        (23, [127, 128], {"highway": "residential", "oneway": "no"}),
        (24, [128, 129], {"oneway": "yes", "foot": "no"}),  # no highway tag: still a way to osmnx
        (7, [130, 131], {"highway": "living_street"}),  # an id seen before: replaces way 7, in its place
    ]
    return ways, lonlat


@pytest.mark.parametrize("bidirectional", [False, True])
def test_hand_ways_equal_osmnx(bidirectional):
    ways, lonlat = _hand_ways()
    g = _assert_same(ways, lonlat, bidirectional=bidirectional)
    assert 122 in g and g.degree(122) == 0
    assert not g.has_edge(120, 101)  # way 7's first version was replaced
    assert g.has_edge(104, 103) == bidirectional  # a one-way street runs both ways on foot
    assert g.number_of_edges(119, 120) == 2 and g.number_of_edges(120, 119) == 2  # there and back, both ways
    for _, _, d in g.edges(data=True):
        assert type(d["osmid"]) is int and type(d["oneway"]) is bool and type(d["length"]) is np.float64
    assert all(list(d) == ["y", "x"] for _, d in g.nodes(data=True))


def test_hand_ways__one_way_rules():
    ways, lonlat = _hand_ways()
    g = graph_from_ways(ways, lonlat, bidirectional=False)
    assert g.has_edge(103, 104) and not g.has_edge(104, 103)  # yes
    assert g.has_edge(106, 105) and not g.has_edge(105, 106)  # -1: against the node order
    assert g.has_edge(107, 108) and g.has_edge(108, 107)  # reversible: both ways
    assert not g.has_edge(109, 108) and not g.has_edge(110, 109)  # true, 1
    assert g.has_edge(110, 111) and not g.has_edge(111, 110)  # a roundabout
    assert g.edges[110, 111, 0]["oneway"] is True and g.edges[114, 115, 0]["oneway"] is False
    assert g.has_edge(124, 123) and g.has_edge(126, 125) and g.has_edge(126, 127)  # reverse, T, F
    assert not g.has_edge(127, 126)
    assert list(g.edges[103, 104, 0]) == ["osmid", "highway", "lanes", "maxspeed", "oneway", "reversed", "length"]


def test_hand_ways__empty_and_missing_node():
    g = graph_from_ways([], {}, bidirectional=False)
    assert g.number_of_nodes() == 0 and set(g.graph) == {"created_date", "created_with", "crs"}
    with pytest.raises(DataError, match=r"no location.*\[2\]"):
        graph_from_ways([(1, [1, 2], {"highway": "path"})], {1: (14.5, 35.9)}, bidirectional=True)


def _mode_ways(extract, mode: str) -> list:
    rural = load_profile("default").drive_speeds(urban=False)
    return [w for w in extract.ways if way_allows(w[2], mode, drive_highways=rural)]


def _osmnx_street_graph(monkeypatch) -> None:
    """Make `street_graph` build through the OSM XML file and osmnx again, as it did before."""
    monkeypatch.setattr(
        streets,
        "graph_from_ways",
        lambda ways, lonlat, *, bidirectional: osmnx_xml_graph(ways, lonlat, bidirectional=bidirectional),
    )


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_tiny_region_equals_osmnx_and_builds_the_same_network(tmp_path, monkeypatch, mode):
    extract = read_osm(tiny_region.write_osm(tmp_path / "t.osm"))
    _assert_same(_mode_ways(extract, mode), extract.node_lonlat, bidirectional=(mode == "walk"))
    new = build_network(extract, mode=mode, crs="EPSG:3035")
    _osmnx_street_graph(monkeypatch)
    old = build_network(extract, mode=mode, crs="EPSG:3035")
    assert_same_network(new, old)


def test_malta_part_equals_osmnx(malta_part_extract):
    extract = malta_part_extract  # Valletta to Birkirkara
    for mode in ("walk", "drive"):
        g = _assert_same(_mode_ways(extract, mode), extract.node_lonlat, bidirectional=(mode == "walk"))
        assert g.number_of_nodes() > 10_000
        assert any(d["oneway"] for _, _, d in g.edges(data=True)) == (mode == "drive")


def test_hand_ways__a_control_character_is_kept():
    ways = [(1, [1, 2], {"highway": "path", "name": "a\x01b"})]
    lonlat = {1: (14.5, 35.9), 2: (14.51, 35.91)}
    assert graph_from_ways(ways, lonlat, bidirectional=True).edges[1, 2, 0]["name"] == "a\x01b"
    with pytest.raises(Exception, match="not well-formed"):  # XML 1.0 cannot hold it: the old round trip failed
        osmnx_xml_graph(ways, lonlat, bidirectional=True)
