"""A speed profile set on the edges of a street graph: the delays at nodes and the speeds of cars.

`add_node_delays` gives each edge of the unsimplified osmnx graph the profile's delay of
the node it enters (signals, crossings, junctions); `add_drive_speeds` gives each edge of
the simplified drive graph a speed: a tagged ``maxspeed`` times the profile's factor, else
the profile's speed for the highway class, urban or rural (`UrbanTest` says which).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import networkx as nx
import numpy as np
import osmnx as ox
import pyproj

from equimap.network.profile import Profile

#: Tells which points (x, y arrays in the network's CRS) lie in an urban setting.
UrbanTest = Callable[[np.ndarray, np.ndarray], np.ndarray]


def add_node_delays(
    graph: nx.MultiDiGraph,
    delays: tuple[float, float, float],
    signals: Collection[int],
    crossings: Collection[int],
) -> None:
    """Set each edge's `delay_s` to the delay of the node it enters (on the unsimplified graph)."""
    sig, cross, junc = delays
    node_delay: dict[int, float] = {}
    if sig > 0 or cross > 0 or junc > 0:
        for n in graph.nodes:
            if n in signals:
                d = sig
            elif n in crossings:
                d = cross
            elif len(set(graph.successors(n)) | set(graph.predecessors(n))) > 2:
                d = junc
            else:
                continue
            if d > 0:
                node_delay[n] = d
    for _, v, d in graph.edges(data=True):
        d["delay_s"] = node_delay.get(v, 0.0)


#: Highway classes from the most to the least major: a simplified edge merging ways of several classes takes the first.
CLASS_RANK = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
)


def _class_order(hw: str) -> tuple[int, str]:
    return (CLASS_RANK.index(hw) if hw in CLASS_RANK else len(CLASS_RANK), hw)


def add_drive_speeds(graph: nx.MultiDiGraph, profile: Profile, *, crs: str, urban: UrbanTest | None) -> None:
    """Set each edge's `speed_kph`: tagged maxspeed x factor, else the profile's urban or rural class speed.

    A simplified edge that merges ways of several highway classes takes the most major one
    (`CLASS_RANK`). osmnx would take the first of an unordered list, which differs between
    Python processes (string hashing): equimap before profiles gave 37 of Malta's 49,910 drive
    edges a speed that changed from run to run.
    """
    rural_kmh, urban_kmh = profile.drive_speeds(urban=False), profile.drive_speeds(urban=True)
    for _, _, d in graph.edges(data=True):
        if isinstance(d.get("highway"), list):
            d["highway"] = sorted(d["highway"], key=_class_order)
    # osmnx parses `maxspeed` (lists, mph); an edge without a usable tag gets the sentinel -1
    ox.add_edge_speeds(graph, hwy_speeds=dict.fromkeys(rural_kmh, -1.0), fallback=-1.0)
    edges = list(graph.edges(keys=True, data=True))
    is_urban = np.zeros(len(edges), dtype=bool)
    if urban is not None and profile.urban_rule != "none" and urban_kmh != rural_kmh:
        lon, lat = np.empty(len(edges)), np.empty(len(edges))
        for i, (u, v, _, d) in enumerate(edges):
            geom = d.get("geometry")
            if geom is not None:
                p = geom.interpolate(0.5, normalized=True)
                lon[i], lat[i] = p.x, p.y
            else:
                lon[i] = (graph.nodes[u]["x"] + graph.nodes[v]["x"]) / 2
                lat[i] = (graph.nodes[u]["y"] + graph.nodes[v]["y"]) / 2
        to_crs = pyproj.Transformer.from_crs(graph.graph["crs"], crs, always_xy=True)
        x, y = to_crs.transform(lon, lat)
        is_urban = np.asarray(urban(np.asarray(x), np.asarray(y)), dtype=bool)
    fb_urban, fb_rural = profile.drive_fallback_kmh
    for (_, _, _, d), in_town in zip(edges, is_urban, strict=True):
        tagged = float(d["speed_kph"])
        if tagged > 0:
            d["speed_kph"] = tagged * profile.maxspeed_factor
            continue
        hw = d.get("highway")
        hw = hw[0] if isinstance(hw, list) else hw
        table, fb = (urban_kmh, fb_urban) if in_town else (rural_kmh, fb_rural)
        d["speed_kph"] = table.get(hw, fb)
        d["urban"] = bool(in_town)
