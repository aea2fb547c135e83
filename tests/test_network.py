"""Building networks from a real OSM file with osmnx: mode rules, speeds, cut ways, islands."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from equimap._errors import DataError
from equimap.network.graph import Network, build_network
from equimap.network.streets import way_allows
from equimap.region.osm import read_osm
from tests import tiny_region
from tests.conftest import assert_same_network


@pytest.mark.parametrize(
    ("tags", "walk", "bike", "drive"),
    [
        ({"highway": "residential"}, True, True, True),
        ({"highway": "footway"}, True, False, False),
        ({"highway": "footway", "bicycle": "yes"}, True, True, False),
        ({"highway": "motorway"}, False, False, True),
        ({"highway": "steps"}, True, False, False),
        ({"highway": "service", "access": "private"}, False, False, False),
        ({"highway": "service", "service": "parking_aisle"}, True, True, False),
        ({"highway": "primary", "foot": "no"}, False, True, True),
        ({"highway": "construction"}, False, False, False),
        ({"highway": "track", "motor_vehicle": "no"}, True, True, False),
    ],
)
def test_way_allows(tags, walk, bike, drive):
    assert (way_allows(tags, "walk"), way_allows(tags, "bike"), way_allows(tags, "drive")) == (walk, bike, drive)


def _ll(x, y):
    return pyproj.Transformer.from_crs(3035, 4326, always_xy=True).transform(x, y)


def test_build_network__speeds_and_cut_ways(tmp_path):
    # the freeflow profile: a tagged maxspeed as is, class defaults, no delays (equimap before profiles)
    # a primary road with maxspeed=50 across the lattice's top, running to a node outside the box
    lon, lat = _ll(*tiny_region.node_xy(4, 4))
    out_lon, out_lat = lon + 1.0, lat  # far outside the bounding box
    extra = (
        f'<node id="5000" lat="{out_lat:.9f}" lon="{out_lon:.9f}"/>'
        f'<way id="900"><nd ref="{tiny_region.node_id(4, 0)}"/><nd ref="{tiny_region.node_id(4, 4)}"/><nd ref="5000"/>'
        '<tag k="highway" v="primary"/><tag k="maxspeed" v="50"/></way>'
        f'<way id="901"><nd ref="{tiny_region.node_id(0, 0)}"/><nd ref="{tiny_region.node_id(0, 4)}"/>'
        '<tag k="highway" v="footway"/></way>'
    )
    osm = tiny_region.write_osm(tmp_path / "t.osm", extra_ways=extra)
    w, s = _ll(tiny_region.X0, tiny_region.Y0)
    e, n = _ll(tiny_region.X0 + 2000, tiny_region.Y0 + 2000)
    ex = read_osm(osm, bbox=(w, s, e, n))
    assert 5000 not in ex.node_lonlat  # the far node is cut away, and no edge leads to it
    drive = build_network(ex, mode="drive", crs="EPSG:3035", profile="freeflow")
    walk = build_network(ex, mode="walk", crs="EPSG:3035", profile="freeflow")
    assert drive.x.max() < tiny_region.X0 + 2000
    # the 1 km primary road (4 blocks) at 50 km/h: its edge takes length / (50 / 3.6) s
    a, b = (int(np.flatnonzero(drive.osmid == tiny_region.node_id(4, j))[0]) for j in (0, 4))
    fast = ((drive.edge_u == a) & (drive.edge_v == b)) | ((drive.edge_u == b) & (drive.edge_v == a))
    assert fast.any()
    assert drive.time_s[fast].min() == pytest.approx(drive.length_m[fast].min() / (50 / 3.6), rel=1e-6)
    # residential streets have no maxspeed: they take the highway-class default (30 km/h)
    res = ~fast
    np.testing.assert_allclose(drive.time_s[res], drive.length_m[res] / (30 / 3.6), rtol=1e-6)
    # walking uses 4.8 km/h on every edge, footway included; driving does not use the footway
    np.testing.assert_allclose(walk.time_s, walk.length_m / (4.8 / 3.6), rtol=1e-9)
    assert walk.n_edges > drive.n_edges


def test_build_network__islands_stay_apart(tmp_path):
    # a second street far east, not connected: two components, no edge between them
    lon1, lat1 = _ll(tiny_region.X0 + 1500, tiny_region.Y0 + 9000)
    lon2, lat2 = _ll(tiny_region.X0 + 1900, tiny_region.Y0 + 9000)
    extra = (
        f'<node id="7001" lat="{lat1:.9f}" lon="{lon1:.9f}"/><node id="7002" lat="{lat2:.9f}" lon="{lon2:.9f}"/>'
        '<way id="950"><nd ref="7001"/><nd ref="7002"/><tag k="highway" v="residential"/></way>'
    )
    ex = read_osm(tiny_region.write_osm(tmp_path / "t.osm", extra_ways=extra))
    net = build_network(ex, mode="walk", crs="EPSG:3035")
    assert net.component.max() == 1
    island = np.flatnonzero(net.component == 1)
    assert set(net.osmid[island].tolist()) == {7001, 7002}


def test_read_osm__no_roads(tmp_path):
    p = tmp_path / "empty.osm"
    p.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="35.9" lon="14.5"/></osm>', encoding="utf-8")
    with pytest.raises(DataError, match=r"`empty.osm` has no street ways \(`highway=\*`\)"):
        read_osm(p)


def test_read_osm__missing_and_wrong_type(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_osm(tmp_path / "nope.osm.pbf")
    p = tmp_path / "roads.csv"
    p.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="is not an OSM extract"):
        read_osm(p)


def test_read_osm__corrupt_pbf(tmp_path):
    p = tmp_path / "broken.osm.pbf"
    p.write_bytes(b"\x00\x01garbage" * 50)
    with pytest.raises(DataError, match="could not be read as OpenStreetMap data"):
        read_osm(p)


def test_network_save_load_roundtrip(tmp_path, grid_net):
    grid_net.save(tmp_path / "n.npz")
    back = Network.load(tmp_path / "n.npz")
    for f in ("osmid", "x", "y", "edge_u", "edge_v", "time_s", "length_m"):
        np.testing.assert_array_equal(getattr(back, f), getattr(grid_net, f))
    assert back.mode == "walk" and back.crs == grid_net.crs


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_build_network__projection_equals_osmnx_project_graph(tmp_path, monkeypatch, mode):
    # `streets._projected` replaces osmnx's project_graph: the same arrays, bit for bit and in the same order
    import osmnx as ox

    from equimap.network import streets

    extra = (
        f'<node id="6001" lat="{_ll(tiny_region.X0 + 130, tiny_region.Y0 + 70)[1]:.9f}" '
        f'lon="{_ll(tiny_region.X0 + 130, tiny_region.Y0 + 70)[0]:.9f}"/>'
        f'<way id="902"><nd ref="{tiny_region.node_id(0, 0)}"/><nd ref="6001"/><nd ref="{tiny_region.node_id(1, 1)}"/>'
        '<tag k="highway" v="residential"/></way>'
    )
    osm = tiny_region.write_osm(tmp_path / "t.osm", extra_ways=extra)
    ex = read_osm(osm)
    new = build_network(ex, mode=mode, crs="EPSG:3035")
    monkeypatch.setattr(streets, "_projected", lambda g, crs: ox.project_graph(g, to_crs=crs))
    old = build_network(ex, mode=mode, crs="EPSG:3035")
    assert new.geom_ptr is not None and np.diff(new.geom_ptr).max() > 2  # a bent edge is projected too
    assert_same_network(new, old)


def test_network_file_is_memory_mapped_read_only_and_searches_the_same(tmp_path):
    import networkx as nx

    from equimap.network.routing import nearest_times
    from tests.conftest import grid_graph

    grid_net = Network.from_graph(grid_graph(30), mode="walk")  # 900 nodes: arrays over a page
    path = tmp_path / "n.npz"
    grid_net.save(path)
    back = Network.load(path)
    for f in ("osmid", "x", "y", "edge_u", "edge_v", "time_s", "length_m"):
        arr = getattr(back, f)
        np.testing.assert_array_equal(arr, getattr(grid_net, f))
        assert isinstance(arr, np.memmap) and not arr.flags.writeable, f
    nodes = np.arange(grid_net.n_nodes)
    sites = np.array([0, grid_net.n_nodes - 1])
    got, _ = nearest_times(back, nodes, sites, k=1)
    want, _ = nearest_times(grid_net, nodes, sites, k=1)
    assert np.array_equal(got, want)
    d = nx.multi_source_dijkstra_path_length(
        back.to_networkx().reverse(copy=False), set(sites.tolist()), weight="time_s"
    )
    np.testing.assert_allclose(got[:, 0], [d.get(n, np.inf) for n in nodes], atol=1e-6)
    # a file cut short says what to do, never a traceback
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="is damaged.*delete its cache folder"):
        Network.load(path)
