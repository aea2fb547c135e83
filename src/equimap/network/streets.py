"""The streets of an OSM extract as an osmnx graph for one mode, with travel times.

`way_allows` says which ways a mode may use (OSM's access semantics); `street_graph` builds
the unsimplified graph of those ways with each edge's node delay; `timed_street_graph`
simplifies it, sets every edge's travel time from the speed profile and projects it to the
region's CRS: the graph `equimap.network.graph.build_network` turns into a `Network`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import geopandas as gpd
import networkx as nx

from equimap import settings
from equimap._errors import DataError
from equimap.network.edge_speeds import UrbanTest, add_drive_speeds, add_node_delays
from equimap.network.osm_graph import graph_from_ways
from equimap.network.profile import Profile
from equimap.network.simplify import simplify_in_place
from equimap.region.osm import OsmExtract
from equimap.settings import Mode

# Highway values no mode may use (not built, closed, or not a way for travel).
_NEVER = {"proposed", "construction", "abandoned", "planned", "razed", "disused", "raceway", "platform", "bus_guideway"}
_NO = {"no", "private"}
_WALK_EXCLUDED = {"motorway", "motorway_link", "escape", "busway"}
_BIKE_EXCLUDED = {
    "motorway",
    "motorway_link",
    "steps",
    "footway",
    "corridor",
    "elevator",
    "escalator",
    "busway",
    "escape",
}


def way_allows(tags: Mapping[str, str], mode: Mode, *, drive_highways: Collection[str] | None = None) -> bool:
    """Return True if a street way with these OSM tags can be used by `mode`.

    The rules follow OSM's access semantics: the highway class sets what a mode
    may use, and `access`, `foot`, `bicycle`, `motor_vehicle`/`motorcar` can
    forbid it (``no``/``private``) or, for walking and cycling, explicitly allow it.
    Cars may use the highway classes in `drive_highways` (by default those of
    `settings.DRIVE_SPEEDS_KMH`).
    """
    hw = tags.get("highway")
    if hw is None or hw in _NEVER:
        return False
    if mode == "walk":
        if tags.get("foot") in _NO:
            return False
        if tags.get("foot") in {"yes", "designated", "permissive"}:
            return True
        return hw not in _WALK_EXCLUDED and tags.get("access") not in _NO
    if mode == "bike":
        if tags.get("bicycle") in _NO:
            return False
        if tags.get("bicycle") in {"yes", "designated", "permissive"}:
            return True
        return hw not in _BIKE_EXCLUDED and tags.get("access") not in _NO
    if mode == "drive":
        if hw not in (settings.DRIVE_SPEEDS_KMH if drive_highways is None else drive_highways):
            return False
        if tags.get("service") in {"parking_aisle", "driveway", "emergency_access", "private"}:
            return False
        return all(tags.get(key) not in _NO for key in ("access", "vehicle", "motor_vehicle", "motorcar"))
    msg = f"Unknown travel mode `{mode}`; choose one of {list(settings.MODES)}."
    raise DataError(msg)


#: How `build_network` merges the attributes of a simplified chain of edges (osmnx's `edge_attr_aggs`).
SIMPLIFY_AGGS = {"length": sum, "delay_s": sum}


def street_graph(extract: OsmExtract, *, mode: Mode, profile: Profile) -> nx.MultiDiGraph:
    """Return the unsimplified osmnx graph of the extract's `mode` streets, each edge's `delay_s` set.

    The first step of `build_network`: the ways `mode` may use, as the graph osmnx's ``graph_from_xml``
    reads from them (every component kept; `equimap.network.osm_graph.graph_from_ways` builds it in memory,
    without the OSM XML file), and the profile's delay of the node each edge enters (`add_node_delays`).
    """
    rural_kmh = profile.drive_speeds(urban=False)
    ways = [w for w in extract.ways if way_allows(w[2], mode, drive_highways=rural_kmh)]
    if not ways:
        msg = f"The OSM extract has no streets usable on {mode}; check the extract covers the region's roads."
        raise DataError(msg)
    graph = graph_from_ways(ways, extract.node_lonlat, bidirectional=(mode == "walk"))
    add_node_delays(graph, profile.delays(mode), extract.signal_nodes, extract.crossing_nodes)
    return graph


def _projected(graph: nx.MultiDiGraph, crs: str) -> nx.MultiDiGraph:
    """Return the graph with node `x`/`y` and edge `geometry` projected to `crs`.

    The same coordinates (GeoPandas ``to_crs`` on the node points and on the edge geometries, bit for
    bit) and the same node and edge order as osmnx's ``project_graph``, which rebuilds the graph edge
    by edge from GeoDataFrames; this skips the GeoDataFrames, a quarter of Malta's cold preparation
    (pyinstrument, December 2026). `build_network`'s arrays are unchanged (tests/test_network.py).
    """
    nodes = list(graph.nodes)
    pts = gpd.GeoSeries(
        gpd.points_from_xy([graph.nodes[n]["x"] for n in nodes], [graph.nodes[n]["y"] for n in nodes]),
        crs=graph.graph["crs"],
    ).to_crs(crs)
    edges = list(graph.edges(keys=True, data=True))
    with_geom = [i for i, (_, _, _, d) in enumerate(edges) if "geometry" in d]
    geoms = gpd.GeoSeries([edges[i][3]["geometry"] for i in with_geom], crs=graph.graph["crs"]).to_crs(crs)
    new_geom = dict(zip(with_geom, geoms.to_numpy().tolist(), strict=True))
    out = nx.MultiDiGraph(**{**graph.graph, "crs": pts.crs})
    for i, (u, v, k, d) in enumerate(edges):
        out.add_edge(u, v, key=k, **({**d, "geometry": new_geom[i]} if i in new_geom else d))
    out.add_nodes_from(n for n in nodes if n not in out)
    for n, x, y in zip(nodes, pts.x.to_numpy().tolist(), pts.y.to_numpy().tolist(), strict=True):
        out.nodes[n].update({**graph.nodes[n], "x": x, "y": y})
    return out


def timed_street_graph(
    extract: OsmExtract, *, mode: Mode, crs: str, profile: Profile, urban: UrbanTest | None
) -> nx.MultiDiGraph:
    """Return the simplified graph of the extract's `mode` streets, each edge's `travel_time` set, projected to `crs`.

    The steps of `equimap.network.graph.build_network` before the arrays (its docstring says how times are made).
    """
    graph = street_graph(extract, mode=mode, profile=profile)
    graph = simplify_in_place(graph, edge_attr_aggs=SIMPLIFY_AGGS)  # osmnx's simplify_graph, faster
    if mode == "drive":
        add_drive_speeds(graph, profile, crs=crs, urban=urban)
        for _, _, d in graph.edges(data=True):
            # osmnx's add_edge_travel_times, same arithmetic, without its round trip through GeoDataFrames
            d["travel_time"] = (d["length"] / 1000) / (d["speed_kph"] / (60 * 60))
    else:
        speed_ms = (profile.walk_speed_kmh if mode == "walk" else profile.bike_speed_kmh) / 3.6
        for _, _, d in graph.edges(data=True):
            d["travel_time"] = d["length"] / speed_ms
    for _, _, d in graph.edges(data=True):
        if d["delay_s"] > 0:
            d["travel_time"] = d["travel_time"] + d["delay_s"]
    return _projected(graph, crs)
