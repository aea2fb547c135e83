"""The unsimplified street graph of OSM ways, built in memory: the graph osmnx reads from OSM XML.

`graph_from_ways` returns the `nx.MultiDiGraph` that writing the ways and their nodes to an OSM XML
file and reading it back with osmnx 2's ``graph_from_xml(..., simplify=False, retain_all=True)``
returns, without the file: the same nodes and edges in the same order, with the same keys,
attributes (in the same order, of the same types) and graph attributes, but for the time of
creation (`created_date`). The round trip wrote coordinates with 7 decimals, so the nodes keep that
rounding. Malta's three modes took 46 % of its cold preparation through the file (docs/scaling.md).

What osmnx does, and is done here the same way:

- nodes are the ways' nodes, by increasing id, each with ``y`` (latitude) then ``x`` (longitude);
- each way becomes a path: its consecutive repeated nodes merged, its `osmid` (the way id), the
  tags of ``osmnx.settings.useful_tags_way`` in that list's order, then `oneway` (a bool, in the
  tag's place when the way has one) and `reversed`;
- a way is one-way when ``oneway`` is ``yes``, ``true``, ``1``, ``-1``, ``reverse``, ``T`` or
  ``F``, or when ``junction=roundabout``, unless the graph is `bidirectional` (walking);
  ``-1``, ``reverse`` and ``T`` run against the node order, so the path is reversed;
- each path adds its edges u -> v (``reversed=False``), then, unless one-way, every edge again v -> u
  (``reversed=True``); parallel edges take keys 0, 1, ...;
- each edge's `length` (m, a numpy float) is the great-circle distance between its nodes
  (``osmnx.distance.great_circle``, the same haversine on the same arrays, bit for bit);
- a later way with the id of an earlier one replaces it, in the earlier one's place (its nodes stay);
- ``osmnx.settings.all_oneway`` and ``default_crs`` are read when the graph is built.

Two differences, where the round trip failed: no ways give an empty graph (osmnx raises
``InsufficientResponseError``), and a tag value with a character XML 1.0 cannot hold (a control
character) is kept as it is (the file could not be read back).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import version
from itertools import groupby, pairwise
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox

from equimap._errors import DataError

#: ``oneway`` values osmnx reads as one-way, and those of them that run against the node order.
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})

#: Way: (way id, node ids, tags), as `equimap.region.osm.OsmExtract.ways` holds them.
Way = tuple[int, list[int], Mapping[str, str]]


def graph_from_ways(
    ways: Iterable[Way], node_lonlat: Mapping[int, tuple[float, float]], *, bidirectional: bool
) -> nx.MultiDiGraph:
    """Return the unsimplified osmnx graph of `ways`, as osmnx reads it from OSM XML.

    Parameters
    ----------
    ways
        Street ways as (way id, node ids, tags).
    node_lonlat
        Node id -> (lon, lat) in degrees (EPSG:4326) of every node the ways use.
    bidirectional
        True for a network where every way runs both ways (osmnx's walking networks): no way is one-way.

    Returns
    -------
    nx.MultiDiGraph
        The graph ``osmnx.graph_from_xml(xml, bidirectional=bidirectional, simplify=False,
        retain_all=True)`` returns for the ways written as OSM XML (coordinates with 7 decimals).
        Its graph attributes are osmnx's: `created_date` (the current local time, to the second,
        set as osmnx sets it, so two graphs built apart differ in it alone), `created_with`
        (``"OSMnx <version>"``) and `crs` (``osmnx.settings.default_crs``).

    Raises
    ------
    DataError
        If a way uses a node missing from `node_lonlat`.
    """
    with _collector_paused():
        return _build(list(ways), node_lonlat, bidirectional=bidirectional)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, then restore it as it was.

    The build makes a dict for every node and edge and none of them forms a reference cycle, so the
    collector's passes over them (and over the caller's objects, again and again) free nothing; on
    Malta they took a third of the build (December 2026). Reference counting still frees memory.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(ways: list[Way], node_lonlat: Mapping[int, tuple[float, float]], *, bidirectional: bool) -> nx.MultiDiGraph:
    """Return the graph of `graph_from_ways`."""
    paths = _paths(ways)
    used = sorted({int(n) for _, refs, _ in ways for n in refs})  # a replaced way's nodes too, as in the XML
    missing = [n for n in used if n not in node_lonlat]
    if missing:
        msg = (
            f"{len(missing)} node(s) used by the ways have no location, e.g. {missing[:5]}; "
            "give `node_lonlat` every node of the ways (`equimap.region.osm.read_osm` does)."
        )
        raise DataError(msg)

    graph = nx.MultiDiGraph(
        created_date=f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S}",
        created_with=f"OSMnx {version('osmnx')}",
        crs=ox.settings.default_crs,
    )
    lon, lat = np.array([node_lonlat[n] for n in used], dtype=float).reshape(-1, 2).T
    # the XML held f"{lat:.7f}", read back with float(): the nearest double to the 7-decimal text
    ys, xs = [float(f"{v:.7f}") for v in lat.tolist()], [float(f"{v:.7f}") for v in lon.tolist()]
    graph.add_nodes_from((n, {"y": y, "x": x}) for n, y, x in zip(used, ys, xs, strict=True))

    succ, pred = _edges(paths, used, bidirectional=bidirectional)
    # networkx's documented dict-of-dicts structure, filled directly rather than edge by edge by add_edges_from
    graph._succ.update(succ)  # the same dict as graph._adj
    graph._pred.update(pred)
    _add_lengths(succ, used, np.array(xs), np.array(ys))
    return graph


def _paths(ways: Iterable[Way]) -> dict[int, tuple[list[int], dict[str, Any]]]:
    """Return way id -> (nodes with consecutive repeats merged, edge attributes before `oneway`)."""
    useful = list(ox.settings.useful_tags_way)
    paths: dict[int, tuple[list[int], dict[str, Any]]] = {}
    for wid, refs, tags in ways:
        attrs: dict[str, Any] = {"osmid": int(wid)}
        attrs.update((k, tags[k]) for k in useful if k in tags)
        paths[int(wid)] = ([int(n) for n, _ in groupby(refs)], attrs)
    return paths


def _is_one_way(attrs: Mapping[str, Any], *, bidirectional: bool) -> bool:
    """Return True if a path runs one way only (osmnx's rules, in its order)."""
    if ox.settings.all_oneway:
        return True
    if bidirectional:
        return False
    return attrs.get("oneway") in ONEWAY_VALUES or attrs.get("junction") == "roundabout"


def _edges(
    paths: Mapping[int, tuple[list[int], dict[str, Any]]], used: list[int], *, bidirectional: bool
) -> tuple[dict[int, dict[int, dict[int, dict]]], dict[int, dict[int, dict[int, dict]]]]:
    """Return the successor and predecessor dicts (u -> v -> key -> attributes) of the paths' edges.

    The order ``add_edges_from`` gives: each path's edges, then its reversed edges; a node's
    neighbours by their first edge; parallel edges keyed 0, 1, ... (keys only grow here).
    """
    succ: dict[int, dict[int, dict[int, dict]]] = {n: {} for n in used}
    pred: dict[int, dict[int, dict[int, dict]]] = {n: {} for n in used}

    def add(pairs: list[tuple[int, int]], attrs: dict[str, Any]) -> None:
        for u, v in pairs:
            keyed = succ[u].get(v)
            if keyed is None:
                keyed = succ[u][v] = pred[v][u] = {}
            keyed[len(keyed)] = attrs.copy()

    for nodes, base in paths.values():
        one_way = _is_one_way(base, bidirectional=bidirectional)
        attrs = dict(base)
        if one_way and attrs.get("oneway") in REVERSED_VALUES:
            nodes = nodes[::-1]
        if not ox.settings.all_oneway:
            attrs["oneway"] = one_way  # in the tag's place when tagged
        pairs = list(pairwise(nodes))
        attrs["reversed"] = False
        add(pairs, attrs)
        if not one_way:
            attrs["reversed"] = True
            add([(v, u) for u, v in pairs], attrs)
    return succ, pred


def _add_lengths(
    succ: Mapping[int, Mapping[int, Mapping[int, dict]]], used: list[int], xs: np.ndarray, ys: np.ndarray
) -> None:
    """Set each edge's `length`: osmnx's great-circle distance (m), in its edge order and array layout."""
    index = {n: i for i, n in enumerate(used)}
    datas: list[dict] = []
    pair_u, pair_v, n_keys = [], [], []  # one entry per (u, v) with its number of parallel edges
    for u, nbrs in succ.items():
        iu = index[u]
        for v, keyed in nbrs.items():
            datas.extend(keyed.values())
            pair_u.append(iu)
            pair_v.append(index[v])
            n_keys.append(len(keyed))
    if not datas:
        return
    u, v = np.repeat(pair_u, n_keys), np.repeat(pair_v, n_keys)
    c = np.column_stack([ys[u], xs[u], ys[v], xs[v]])  # one (E, 4) array, as osmnx's: y0, x0, y1, x1
    dists = ox.distance.great_circle(c[:, 0], c[:, 1], c[:, 2], c[:, 3])
    dists[np.isnan(dists)] = 0
    for d, length in zip(datas, dists, strict=True):
        d["length"] = length
