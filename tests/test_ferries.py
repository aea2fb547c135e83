"""Ferries: tag rules, crossing and waiting times worked out by hand, the toggle, and Gozo on the real Malta data."""

from __future__ import annotations

import dataclasses
import json

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest

from equimap import cli
from equimap.network.cache import TravelSettings
from equimap.network.ferries import add_ferries, ferry_allows, is_excursion, parse_duration_s
from equimap.network.graph import Network
from equimap.network.prepare import land_layer, prepare_region
from equimap.network.routing import nearest_times
from tests import tiny_region
from tests.test_cache import _tiny

# EPSG:3035's natural origin (10°E, 52°N): here its metres are true metres to about 1e-6.
X, Y = 4_321_000.0, 3_210_000.0
TO_LL = pyproj.Transformer.from_crs(3035, 4326, always_xy=True)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45", 2700.0),
        ("1:45", 6300.0),
        ("00:05:00", 300.0),
        ("01:02:03", 3723.0),
        ("PT1H45M", 6300.0),
        ("PT25M", 1500.0),
        (" 25 ", 1500.0),
        ("about an hour", None),
        ("", None),
        (None, None),
        ("1:2:3:4", None),
    ],
)
def test_parse_duration_s__every_osm_format(text, seconds):
    assert parse_duration_s(text) == seconds


def test_excursions_and_modes__the_malta_tags():
    gozo = {"motorcar": "yes", "motor_vehicle": "yes", "foot": "yes", "bicycle": "yes", "name": "Malta-Gozo"}
    sliema = {"bicycle": "yes", "foot": "yes", "motorcar": "no", "motor_vehicle": "no", "duration": "00:05:00"}
    three_cities = {"bicycle": "no", "foot": "yes", "motorcar": "no", "motor_vehicle": "no"}
    comino = {"motorcar": "no", "foot": "yes", "bicycle": "yes", "motor_vehicle": "no"}  # way + its relation
    assert not any(is_excursion(t, [1, 2]) for t in (gozo, sliema, three_cities, comino))
    assert is_excursion({"ferry": "tourist", "foot": "yes", "name": "Harbour Cruise"}, [1, 2, 1])
    assert is_excursion({"foot": "yes", "name": "Round Malta"}, [1, 2])
    assert is_excursion({"access": "no", "foot": "yes", "name": "Sliema-St. Paul's Bay-Camino Blue Lagoon"}, [1, 2])
    assert is_excursion({"foot": "yes"}, [7, 8, 9, 7])  # a closed way is a round trip
    assert not is_excursion({"name": "Roundstone Ferry"}, [1, 2])  # a word, not a substring
    assert [ferry_allows(gozo, m) for m in ("walk", "bike", "drive")] == [True, True, True]
    assert [ferry_allows(sliema, m) for m in ("walk", "bike", "drive")] == [True, True, False]
    assert [ferry_allows(three_cities, m) for m in ("walk", "bike", "drive")] == [True, False, False]
    assert not ferry_allows({}, "drive")  # a car ferry says so


def _two_islands() -> Network:
    """Island A: nodes 1 -(100 m)- 2; island B: 3 -(100 m)- 4, 900 m of sea between 2 and 3; 1 m/s on foot."""
    g = nx.MultiDiGraph(crs="EPSG:3035")
    for nid, dx in ((1, 0.0), (2, 100.0), (3, 1000.0), (4, 1100.0)):
        g.add_node(nid, x=X + dx, y=Y)
    for u, v in ((1, 2), (3, 4)):
        g.add_edge(u, v, length=100.0, travel_time=100.0)
        g.add_edge(v, u, length=100.0, travel_time=100.0)
    return Network.from_graph(g, mode="walk")


def _ferry(tags: dict[str, str], *, way_id: int = 7) -> tuple:
    """A ferry way from a berth 50 m east of node 2, via a point at sea, to a berth 50 m west of node 3."""
    xy = [(X + 150, Y), (X + 550, Y + 100), (X + 950, Y)]
    return way_id, [101, 102, 103], [TO_LL.transform(x, y) for x, y in xy], tags


def _times(net: Network, origin_osm: int, service_osm: int) -> float:
    o = int(np.flatnonzero(net.osmid == origin_osm)[0])
    s = int(np.flatnonzero(net.osmid == service_osm)[0])
    return float(nearest_times(net, np.array([o]), np.array([s]), k=1)[0][0, 0])


def test_add_ferries__duration_and_half_interval_by_hand():
    streets = _two_islands()
    net = add_ferries(
        streets, [_ferry({"duration": "00:10", "interval": "30"})], walk_speed_kmh=3.6, min_component_nodes=0
    )
    # 1 -> 2 (100 s), walk 50 m to the berth (50 s), wait half of 30 min (900 s), cross 10 min (600 s),
    # walk 50 m to node 3 (50 s), 3 -> 4 (100 s)
    assert _times(net, 1, 4) == pytest.approx(100 + 50 + 900 + 600 + 50 + 100, abs=1e-3)
    assert _times(net, 4, 1) == pytest.approx(1800.0, abs=1e-3)
    assert _times(net, 1, 2) == pytest.approx(100.0)  # the ferry changes nothing on the island
    # street nodes and edges first and unchanged; two berths; crossing both ways + two connectors each way
    assert np.array_equal(net.osmid[: streets.n_nodes], streets.osmid) and net.n_nodes == streets.n_nodes + 2
    assert np.array_equal(net.edge_u[: streets.n_edges], streets.edge_u)
    assert net.edge_ferry.sum() == 2 + 4 and not net.edge_ferry[: streets.n_edges].any()
    # the same as networkx on the same edges
    g = net.to_networkx()
    expected = nx.shortest_path_length(g, 0, int(np.flatnonzero(net.osmid == 4)[0]), weight="time_s")
    assert _times(net, 1, 4) == pytest.approx(expected, abs=1e-9)
    # without the ferry the far island cannot be reached
    assert np.isinf(_times(streets, 1, 4))


def test_add_ferries__length_at_the_ferry_speed_and_the_default_wait():
    net = add_ferries(
        _two_islands(), [_ferry({})], speed_kmh=36.0, wait_min=2.0, walk_speed_kmh=3.6, min_component_nodes=0
    )
    sea_m = 2 * np.hypot(400.0, 100.0)  # 824.6 m at 10 m/s
    assert _times(net, 1, 4) == pytest.approx(100 + 50 + 120 + sea_m / 10 + 50 + 100, rel=1e-5)


def test_add_ferries__oneway_modes_and_excursions():
    one_way = add_ferries(
        _two_islands(),
        [_ferry({"oneway": "yes", "duration": "5"})],
        wait_min=0,
        walk_speed_kmh=3.6,
        min_component_nodes=0,
    )
    assert _times(one_way, 1, 4) == pytest.approx(100 + 50 + 300 + 50 + 100, abs=1e-3)
    assert np.isinf(_times(one_way, 4, 1))
    streets = _two_islands()
    assert add_ferries(streets, [_ferry({"ferry": "tourist"})], min_component_nodes=0) is streets
    drive = dataclasses.replace(streets, mode="drive", _cache={})
    assert add_ferries(drive, [_ferry({"foot": "yes"})], min_component_nodes=0) is drive
    far = add_ferries(streets, [_ferry({})], connector_max_m=40.0, min_component_nodes=0)  # berths 50 m away
    assert np.isinf(_times(far, 1, 4))


# --- the tiny region: a ferry to an island outside the census grid, on which the only clinic stands ---

I1 = (tiny_region.X0 + 2300, tiny_region.Y0 + 750)  # island street 2300 m east, north-south
I2 = (tiny_region.X0 + 2300, tiny_region.Y0 + 1000)
BERTH_A = (tiny_region.X0 + 1350, tiny_region.Y0 + 750)  # 100 m east of lattice node (2, 4)
BERTH_B = (tiny_region.X0 + 2200, tiny_region.Y0 + 750)  # 100 m west of I1


def _island_region(tmp_path):
    region = _tiny(tmp_path)
    pts = {"9101": I1, "9102": I2, "9201": BERTH_A, "9202": BERTH_B}
    nodes = []
    for nid, (x, y) in pts.items():
        lon, lat = TO_LL.transform(x, y)
        nodes.append(f'<node id="{nid}" lat="{lat:.9f}" lon="{lon:.9f}"/>')
    ways = [
        '<way id="91"><nd ref="9101"/><nd ref="9102"/><tag k="highway" v="residential"/></way>',
        '<way id="92"><nd ref="9201"/><nd ref="9202"/><tag k="route" v="ferry"/><tag k="duration" v="3"/>'
        '<tag k="interval" v="00:20"/><tag k="foot" v="yes"/></way>',
    ]
    tiny_region.write_osm(region.osm_path, extra_ways="\n".join(nodes + ways))
    clinics = region.services[0].path
    lon, lat = TO_LL.transform(*I2)
    pd.DataFrame({"name": ["Island Clinic"], "beds": [12], "lon": [lon], "lat": [lat]}).to_csv(clinics, index=False)
    from equimap.region.manifest import load_region

    return load_region(region.folder)


def test_tiny_region__ferry_times_by_hand_and_the_toggle(tmp_path):
    region = _island_region(tmp_path)
    key = region.services[0].key
    cache = tmp_path / "cache"
    prep = prepare_region(region, cache_root=cache, modes=("walk",))
    acc = prep.access("walk", key)
    v = 4.8 / 3.6
    ew, ns = tiny_region.block_length_m(east_west=True), tiny_region.block_length_m(east_west=False)
    island_m = ns * 1000 / 1000  # I1 -> I2 is one 250 m north-south block, like the lattice's
    net = prep.networks["walk"]
    ij = {tiny_region.node_id(i, j): (i, j) for i in range(tiny_region.N) for j in range(tiny_region.N)}
    cells = [ij[int(net.osmid[n])] for n in prep.origins["node"]]
    # to lattice node (2, 4), 100 m to the berth, wait 10 min (half of 20), cross 3 min, 100 m, then I1 -> I2
    by_hand = [(abs(i - 2) * ns + abs(j - 4) * ew + 100 + 100 + island_m) / v + 600 + 180 for i, j in cells]
    assert acc["time_nearest_s"].to_numpy() == pytest.approx(by_hand, rel=2e-3)
    assert (acc["n_reached_k"] == 1).all()
    # the toggle: a new cache folder, and the island is out of reach again
    off = prepare_region(
        region, cache_root=cache, modes=("walk",), travel=dataclasses.replace(prep.travel, ferries=False)
    )
    assert off.folder != prep.folder
    gone = off.access("walk", key)
    assert np.isinf(gone["time_nearest_s"]).all() and (gone["n_reached_k"] == 0).all()
    assert np.array_equal(off.origins["node"], prep.origins["node"])  # residents stay on the same street nodes


def test_cli_no_ferries__far_island_unreachable(tmp_path, capsys, monkeypatch):
    region = _island_region(tmp_path)
    monkeypatch.setenv("EQUIMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")
    args = ["summary", "--region", "tiny", "--mode", "walk", "--category", region.services[0].key, "--json"]
    args += ["--suppress-below", "0", "--data-dir", str(region.folder.parent)]

    def unreachable(extra: list[str]) -> float:
        assert cli.main(args + extra) == 0
        rows = pd.DataFrame(json.loads(capsys.readouterr().out))
        return float(rows["pop_unreachable"].max())

    assert unreachable([]) == 0
    assert unreachable(["--no-ferries"]) == 160  # every resident of the tiny region
    assert cli.main(["--no-ferries", *args]) == 0  # also before the command
    capsys.readouterr()


def test_travel_settings__ferries_key_the_folder():
    now = TravelSettings.from_settings()
    off = dataclasses.replace(now, ferries=False)
    slow = dataclasses.replace(now, ferry_wait_min=30.0)
    assert len({json.dumps(t.prepare_part(), sort_keys=True) for t in (now, off, slow)}) == 3


# --- the real Malta data ---


def _gozo_origins(malta) -> np.ndarray:
    """Return the positions of the origins on Gozo (the second-largest island of the `islands` layer)."""
    import shapely

    land = land_layer(malta.region)
    gozo = land.iloc[int(np.argsort(-land.area.to_numpy())[1])]
    o = malta.origins
    return np.flatnonzero(shapely.contains_xy(gozo, o["x"].to_numpy(), o["y"].to_numpy()) & (o["node"] >= 0))


@pytest.mark.malta
def test_malta__gozo_an3_to_hospitals_crosses_to_malta(malta):
    gozo = _gozo_origins(malta)
    assert len(gozo) > 500
    acc = malta.access("drive", "hospital_official")
    svc = malta.services_for("hospital_official")
    land = land_layer(malta.region)
    import shapely

    gozo_shape = land.iloc[int(np.argsort(-land.area.to_numpy())[1])]
    on_gozo = set(svc["service_id"][shapely.contains_xy(gozo_shape, svc.geometry.x, svc.geometry.y)])
    assert len(on_gozo) < 3  # so AN3 on Gozo needs the ferry
    assert (acc["n_reached_k"].iloc[gozo] == 3).all()
    assert np.isfinite(acc["time_mean3_s"].iloc[gozo]).all()
    net, o_node, o_t, s_node, s_t = malta.routing_inputs("drive", svc)
    times, ids = nearest_times(net, o_node[gozo], s_node, origin_time_s=o_t[gozo], service_time_s=s_t, k=3)
    labels = svc["service_id"].to_numpy()
    for row in ids:
        assert set(labels[row]) - on_gozo  # at least one of the three is on Malta
    assert acc["time_mean3_s"].iloc[gozo].to_numpy() == pytest.approx(times.mean(axis=1), abs=1e-6)
    # the crossing takes at least the wait plus the crossing of the Gozo Channel way (5.3 km at 13 km/h)
    malta_ids = np.isin(labels[ids], list(on_gozo), invert=True)
    assert (times[malta_ids] >= malta.travel.ferry_wait_min * 60 + 5200 / (13 / 3.6)).all()


@pytest.mark.malta
def test_malta__ferries_read_and_kept_by_the_documented_rules(malta):
    from equimap.region.osm import read_osm

    ferries = read_osm(malta.region.osm_path, bbox=malta.region.bbox).ferries
    ids = {f[0] for f in ferries}
    assert 216267459 not in ids  # Malta - Pozzallo leaves the region's box
    assert {176522568, 47419374, 255841598} <= ids
    kept = {f[0] for f in ferries if not is_excursion(f[3], f[1])}
    assert not kept & {38991822, 38991823, 591132569, 591133301}  # cruises and Captain Morgan's lines
    comino = next(f for f in ferries if f[0] == 134884874)
    assert comino[3]["foot"] == "yes"  # taken from its route relation
    drive = {f[0] for f in ferries if f[0] in kept and ferry_allows(f[3], "drive")}
    assert drive == {176522568}
    assert malta.networks["drive"].edge_ferry is not None and malta.networks["drive"].edge_ferry.sum() >= 6


def test_default_profile_ferry_values_are_the_settings_fallbacks() -> None:
    """One set of ferry values: the shipped default profile's ``[ferry]`` table and `add_ferries`' fallbacks agree."""
    from equimap import settings
    from equimap.network.cache import TravelSettings

    travel = TravelSettings.from_settings()
    assert travel.ferries is settings.FERRIES is True
    assert travel.ferry_speed_kmh == settings.FERRY_SPEED_KMH
    assert travel.ferry_wait_min == settings.FERRY_WAIT_MIN
    off = TravelSettings.from_settings(profile="freeflow")
    assert off.ferries is False  # the free-flow profile reproduces the networks before ferries
