"""Speed profiles: validation, and travel times on a hand-built street graph worked out by hand.

The hand graph (EPSG:3035 metres; lengths are great-circle, the formula osmnx uses)::

    A ---- B ---- C ---- D ---- H        A-B-C primary (untagged), B traffic signals
                  |      |              C-D primary, maxspeed=50
                  F      G              D-H primary (untagged)
                  |                     C-F-E residential, F a zebra crossing
                  E                     D-G residential

Edges whose midpoint has x < X0 + 450 m are urban (only the merged edge A-C, midpoint B).
"""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pyproj
import pytest

from equimap._errors import DataError
from equimap.network.graph import build_network
from equimap.network.profile import load_profile, parse_profile, shipped_profiles
from equimap.region.osm import node_control, read_osm

X0, Y0 = 4_700_000.0, 1_440_000.0
XY = {
    "A": (0, 0),
    "B": (300, 0),
    "C": (600, 0),
    "D": (900, 0),
    "H": (1200, 0),
    "F": (600, 150),
    "E": (600, 300),
    "G": (900, 300),
}
#: equimap writes node coordinates with 7 decimals (~1 cm) before osmnx reads them.
REL = 1e-5
IDS = {k: 100 + i for i, k in enumerate(XY)}
_TO_LL = pyproj.Transformer.from_crs(3035, 4326, always_xy=True)


def _ll(name: str) -> tuple[float, float]:
    dx, dy = XY[name]
    return _TO_LL.transform(X0 + dx, Y0 + dy)


def _len(a: str, b: str) -> float:
    """Return the great-circle length (haversine, mean Earth radius 6,371,009 m: osmnx's edge length)."""
    (lon1, lat1), (lon2, lat2) = (np.radians(_ll(k)) for k in (a, b))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return float(2 * 6_371_009 * np.arcsin(np.sqrt(h)))


def _write(path):
    node_tags = {"B": '<tag k="highway" v="traffic_signals"/>', "F": '<tag k="highway" v="crossing"/>'}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for k in XY:
        lon, lat = _ll(k)
        lines.append(f'<node id="{IDS[k]}" lat="{lat:.9f}" lon="{lon:.9f}">{node_tags.get(k, "")}</node>')
    ways = [
        ("ABC", '<tag k="highway" v="primary"/>'),
        ("CD", '<tag k="highway" v="primary"/><tag k="maxspeed" v="50"/>'),
        ("DH", '<tag k="highway" v="primary"/>'),
        ("CFE", '<tag k="highway" v="residential"/>'),
        ("DG", '<tag k="highway" v="residential"/>'),
    ]
    for w, (refs, tags) in enumerate(ways, start=1):
        nds = "".join(f'<nd ref="{IDS[r]}"/>' for r in refs)
        lines.append(f'<way id="{w}">{nds}{tags}</way>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _profile_dict() -> dict:
    """Round numbers: urban primary 36 km/h = 10 m/s, rural 72 = 20 m/s, residential 18 = 5 m/s, walk 1 m/s."""
    speeds = {hw: {"urban": 18.0, "rural": 18.0} for hw in ("residential", "service", "unclassified")}
    speeds["primary"] = {"urban": 36.0, "rural": 72.0}
    return {
        "name": "hand",
        "urban": "degurba",
        "walk": {"speed_kmh": 3.6, "signal_delay_s": 7.0, "crossing_delay_s": 5.0, "junction_delay_s": 1.0},
        "bike": {"speed_kmh": 18.0, "signal_delay_s": 0.0, "crossing_delay_s": 0.0, "junction_delay_s": 0.0},
        "drive": {
            "maxspeed_factor": 0.8,
            "signal_delay_s": 10.0,
            "crossing_delay_s": 4.0,
            "junction_delay_s": 3.0,
            "fallback_kmh": {"urban": 10.0, "rural": 10.0},
            "speeds_kmh": speeds,
        },
        "ferry": {"enabled": False, "speed_kmh": 5.0, "wait_min": 0.0},
    }


def _urban(x, y):  # noqa: ARG001 - the rule only needs x here
    return np.asarray(x) < X0 + 450


def _time(net, a: str, b: str) -> float:
    g = net.to_networkx()
    idx = {int(o): i for i, o in enumerate(net.osmid)}
    return nx.shortest_path_length(g, idx[IDS[a]], idx[IDS[b]], weight="time_s")


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    osm = _write(tmp_path_factory.mktemp("hand") / "hand.osm")
    return read_osm(osm)


def test_read_osm_keeps_signal_and_crossing_nodes(hand):
    assert hand.signal_nodes == {IDS["B"]} and hand.crossing_nodes == {IDS["F"]}
    assert node_control("traffic_signals", None) == "signals"
    assert node_control(None, "traffic_signals") == "signals"
    assert node_control("crossing", None) == node_control(None, "zebra") == "crossing"
    assert node_control(None, "no") is None and node_control("bus_stop", None) is None


def test_drive_times__urban_rural_maxspeed_and_delays_by_hand(hand):
    profile = parse_profile(_profile_dict())
    net = build_network(hand, mode="drive", crs="EPSG:3035", profile=profile, urban=_urban)
    # B (signals) and F (crossing) have two neighbours: osmnx merges them away, their delays stay on the edge
    assert IDS["B"] not in set(net.osmid.tolist()) and IDS["F"] not in set(net.osmid.tolist())
    l_ac = _len("A", "B") + _len("B", "C")
    # A-C urban primary 10 m/s, + 10 s at B + 3 s at junction C; C-D maxspeed 50 x 0.8 = 40 km/h;
    # + 3 s at junction D; D-H rural primary 20 m/s; H is a dead end (no delay)
    a_to_h = l_ac / 10 + 10 + 3 + _len("C", "D") / (40 / 3.6) + 3 + _len("D", "H") / 20
    assert _time(net, "A", "H") == pytest.approx(a_to_h, rel=REL)
    # the other way: + 3 at D, + 3 at C, + 10 at B, A a dead end: the same total
    assert _time(net, "H", "A") == pytest.approx(a_to_h, rel=REL)
    # A to E: the urban primary, then the residential street at 5 m/s with 4 s at the crossing F
    a_to_e = l_ac / 10 + 10 + 3 + _len("C", "F") / 5 + 4 + _len("F", "E") / 5
    assert _time(net, "A", "E") == pytest.approx(a_to_e, rel=REL)
    # E to G: 4 s at F, 3 at C, 3 at D, G a dead end
    e_to_g = (_len("E", "F") + _len("F", "C")) / 5 + 4 + 3 + _len("C", "D") / (40 / 3.6) + 3 + _len("D", "G") / 5
    assert _time(net, "E", "G") == pytest.approx(e_to_g, rel=REL)


def test_walk_times__constant_speed_and_delays_by_hand(hand):
    net = build_network(hand, mode="walk", crs="EPSG:3035", profile=parse_profile(_profile_dict()))
    l_ac = _len("A", "B") + _len("B", "C")
    # 1 m/s; 7 s at the signals B, 1 s at junction C, 5 s at the crossing F
    assert _time(net, "A", "E") == pytest.approx(l_ac + 7 + 1 + _len("C", "F") + 5 + _len("F", "E"), rel=REL)
    assert _time(net, "E", "A") == pytest.approx(_len("E", "F") + 5 + _len("F", "C") + 1 + 7 + l_ac, rel=REL)
    # the delays are kept apart from the moving time
    moving = net.time_s - net.edge_delay_s
    np.testing.assert_allclose(moving, net.length_m / 1.0, rtol=1e-9)


def test_scaled_network_equals_a_network_built_with_scaled_speeds(hand):
    """Speeds x s with delays fixed (the sensitivity rule) = building again with every speed x s."""
    profile = parse_profile(_profile_dict())
    for mode in ("drive", "walk"):
        base = build_network(hand, mode=mode, crs="EPSG:3035", profile=profile, urban=_urban)
        for s in (0.8, 1.2):
            again = build_network(hand, mode=mode, crs="EPSG:3035", profile=profile.scaled(s), urban=_urban)
            np.testing.assert_allclose(base.scaled(s).time_s, again.time_s, rtol=1e-9)
    # by hand, drive A -> H at 0.8 x every speed: moving time / 0.8, the 16 s of delays unchanged
    drive = build_network(hand, mode="drive", crs="EPSG:3035", profile=profile, urban=_urban)
    moving = (_len("A", "B") + _len("B", "C")) / 10 + _len("C", "D") / (40 / 3.6) + _len("D", "H") / 20
    assert _time(drive.scaled(0.8), "A", "H") == pytest.approx(moving / 0.8 + 16, rel=REL)


def test_freeflow_profile_has_no_delays_and_one_speed(hand):
    net = build_network(hand, mode="drive", crs="EPSG:3035", profile="freeflow", urban=_urban)
    assert not net.edge_delay_s.any()
    l_ac = _len("A", "B") + _len("B", "C")
    # freeflow: primary 60 km/h everywhere, maxspeed 50 as is
    a_to_h = l_ac / (60 / 3.6) + _len("C", "D") / (50 / 3.6) + _len("D", "H") / (60 / 3.6)
    assert _time(net, "A", "H") == pytest.approx(a_to_h, rel=REL)


def test_shipped_profiles_load_and_differ():
    assert shipped_profiles()[0] == "default" and "freeflow" in shipped_profiles()
    default, free = load_profile("default"), load_profile("freeflow")
    assert default.digest != free.digest
    assert hash(default) == hash(load_profile("default"))  # frozen and hashable: a cache key
    assert default.age_speeds and default.age_speed_kmh(65, 120) < default.walk_speed_kmh


def test_profile__unknown_key_and_bad_values_in_one_message():
    bad = _profile_dict()
    bad["walk"]["speed_kmh"] = -1
    bad["drive"]["maxpseed_factor"] = 0.8  # a typo
    bad["colour"] = "red"
    with pytest.raises(DataError, match=r"`walk.speed_kmh` = -1 is out of range.*") as err:
        parse_profile(bad, source="mine.toml")
    text = str(err.value)
    assert "unknown key `drive.maxpseed_factor`" in text and "unknown key `colour`" in text
    assert text.startswith("Speed profile `mine.toml`:") and text.count(".") >= 1


def test_profile__missing_table_and_missing_file(tmp_path):
    bad = _profile_dict()
    del bad["drive"]
    with pytest.raises(DataError, match=r"`\[drive\]` is missing"):
        parse_profile(bad)
    with pytest.raises(DataError, match="neither a shipped profile"):
        load_profile(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("walk = [", encoding="utf-8")
    with pytest.raises(DataError, match="not valid TOML"):
        load_profile(broken)


def test_profile__age_bands_must_cover_and_not_overlap():
    p = _profile_dict()
    p["walk"]["age_speeds"] = True
    p["walk"]["ages"] = [
        {"min_age": 0, "max_age": 64, "speed_kmh": 4.8},
        {"min_age": 60, "max_age": 99, "speed_kmh": 3},
    ]
    with pytest.raises(DataError, match="overlap at age 60"):
        parse_profile(p)
    p["walk"]["ages"][1]["min_age"] = 65
    prof = parse_profile(p)
    assert prof.age_speed_kmh(65, 99) == 3.0
    with pytest.raises(DataError, match="no `\\[\\[walk.ages\\]\\]` band covers ages 60-70"):
        prof.age_speed_kmh(60, 70)
    assert dataclasses.replace(prof, age_speeds=False).content() != prof.content()
