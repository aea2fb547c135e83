"""Street networks for walking, cycling and driving, built offline with osmnx.

A `Network` is the prepared, read-only form the router works on: node
coordinates in the region's metric CRS and one directed edge list with travel
times, stored as flat arrays (and cached as .npz). `build_network` makes one
from an OSM extract: the streets a mode may use, as an osmnx graph with travel
times, come from `equimap.network.streets` (speeds and node delays:
`equimap.network.edge_speeds`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from equimap._errors import DataError
from equimap.network.edge_speeds import UrbanTest
from equimap.network.npzfile import mapped_npz
from equimap.network.profile import DEFAULT_PROFILE, Profile, load_profile
from equimap.network.streets import timed_street_graph
from equimap.region.osm import OsmExtract
from equimap.settings import Mode

__all__ = ["Network", "UrbanTest", "build_network"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Network:
    """A directed street network with travel times, as flat arrays.

    Attributes
    ----------
    mode
        ``"walk"``, ``"bike"`` or ``"drive"``.
    crs
        The metric CRS of `x` and `y`.
    osmid
        OSM node id of each node (``int64``).
    x, y
        Node coordinates in `crs` (metres).
    edge_u, edge_v
        Edge endpoints as node indices (0..n-1); an edge is travelled from u to v.
    time_s, length_m
        Travel time and length of each edge.
    edge_ferry
        True for a ferry edge (crossing, boarding or alighting; `equimap.network.ferries`);
        None when the network has none. Points are never snapped to ferry edges.
    geom_ptr, geom_x, geom_y
        Each edge's shape from u to v: vertices ``geom_ptr[e]:geom_ptr[e+1]`` of
        `geom_x`/`geom_y` (in `crs`); None when every edge is a straight line.
    delay_s
        The part of `time_s` spent waiting at nodes (signals, crossings, junctions of the speed
        profile; zeros when none), kept apart so that speeds can be changed with delays fixed (`scaled`).
    """

    mode: str
    crs: str
    osmid: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    time_s: np.ndarray
    length_m: np.ndarray
    edge_ferry: np.ndarray | None = None
    geom_ptr: np.ndarray | None = None
    geom_x: np.ndarray | None = None
    geom_y: np.ndarray | None = None
    delay_s: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def edge_delay_s(self) -> np.ndarray:
        """Return `delay_s`, or zeros when the network has none."""
        return np.zeros(self.n_edges) if self.delay_s is None else self.delay_s

    def scaled(self, speed_factor: float) -> Network:
        """Return the network with every speed times `speed_factor` and the node delays unchanged.

        Each edge's moving time ``time_s - delay_s`` is divided by the factor; the delay is kept.
        """
        f = float(speed_factor)
        if not f > 0:
            msg = f"`speed_factor` must be > 0, got {speed_factor}."
            raise DataError(msg)
        if f == 1.0:
            return self
        delay = self.edge_delay_s
        return dataclasses.replace(self, time_s=(self.time_s - delay) / f + delay, delay_s=delay, _cache={})

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.osmid)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    @cached_property
    def component(self) -> np.ndarray:
        """Strongly connected component of each node, numbered by size (0 = largest).

        Strong, not weak: a one-way trap (a few nodes you can enter but not
        leave) is its own small component, so nothing is placed on it.
        """
        n = self.n_nodes
        g = sp.coo_matrix((np.ones(self.n_edges), (self.edge_u, self.edge_v)), shape=(n, n)).tocsr()
        _, labels = connected_components(g, directed=True, connection="strong")
        sizes = np.bincount(labels)
        order = np.argsort(-sizes, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        return rank[labels]

    @cached_property
    def component_size(self) -> np.ndarray:
        """Number of nodes in each node's component."""
        return np.bincount(self.component)[self.component]

    @cached_property
    def reverse_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (indptr, indices, weights) of the reversed graph: edge v -> u with time_s.

        Searching from services over the reversed graph gives each node's time *to* them.
        """
        # by v, then u, then input position: lexsort's order, from one stable radix sort of an int64 key
        # (2.1× faster than np.lexsort on the 3M arcs of a 1M-node grid: 2.0 s against 4.2 s, busy machine)
        order = np.argsort(self.edge_v.astype(np.int64) * self.n_nodes + self.edge_u, kind="stable")
        src = self.edge_v[order]
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=self.n_nodes), out=indptr[1:])
        return indptr, self.edge_u[order].astype(np.int64), self.time_s[order].astype(np.float64)

    @cached_property
    def kdtree(self) -> cKDTree:
        """KD-tree of node coordinates for snapping points to the network."""
        return cKDTree(np.column_stack([self.x, self.y]))

    def to_networkx(self) -> nx.DiGraph:
        """Return a networkx DiGraph with `time_s` and `length_m` edge attributes (node = index)."""
        g = nx.DiGraph()
        g.add_nodes_from(range(self.n_nodes))
        g.add_weighted_edges_from(
            zip(self.edge_u.tolist(), self.edge_v.tolist(), self.time_s.tolist(), strict=True), weight="time_s"
        )
        return g

    def save(self, path: Path) -> None:
        """Write the network to an uncompressed .npz file, whose arrays `load` maps into memory."""
        optional = {k: getattr(self, k) for k in _OPTIONAL_ARRAYS if getattr(self, k) is not None}
        np.savez(
            path,
            mode=self.mode,
            crs=self.crs,
            osmid=self.osmid,
            x=self.x,
            y=self.y,
            edge_u=self.edge_u,
            edge_v=self.edge_v,
            time_s=self.time_s,
            length_m=self.length_m,
            **optional,
        )

    @classmethod
    def load(cls, path: Path) -> Network:
        """Read a network written by `save`, its arrays read-only memory maps of the file.

        A process then reads only the pages it uses, and processes opening the same network
        share them. A file whose arrays are compressed (written before) is read into memory.
        """
        arrays = mapped_npz(Path(path))
        return cls(
            mode=str(arrays["mode"]),
            crs=str(arrays["crs"]),
            osmid=arrays["osmid"],
            x=arrays["x"],
            y=arrays["y"],
            edge_u=arrays["edge_u"],
            edge_v=arrays["edge_v"],
            time_s=arrays["time_s"],
            length_m=arrays["length_m"],
            **{k: arrays[k] for k in _OPTIONAL_ARRAYS if k in arrays},
        )

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph, *, mode: Mode, crs: str | None = None) -> Network:
        """Build a network from an osmnx-style graph.

        Parameters
        ----------
        graph
            Nodes with `x`, `y`; edges with `length` (m), `travel_time` (s) and optionally
            `delay_s` (the part of `travel_time` spent at nodes). Parallel edges keep the fastest. Coordinates are taken to be in
            `crs` (default: the graph's ``graph["crs"]``).
        mode
            The travel mode the times are for.
        crs
            The CRS of the node coordinates, if the graph does not say.
        """
        crs = crs or graph.graph.get("crs")
        if crs is None:
            msg = "The graph has no CRS: set graph.graph['crs'] or pass `crs=`."
            raise DataError(msg)
        nodes = np.array(sorted(graph.nodes), dtype=np.int64)
        index = {n: i for i, n in enumerate(nodes.tolist())}
        xs = np.array([graph.nodes[n]["x"] for n in nodes.tolist()], dtype=float)
        ys = np.array([graph.nodes[n]["y"] for n in nodes.tolist()], dtype=float)
        best: dict[tuple[int, int], tuple[float, float, float]] = {}
        shape: dict[tuple[int, int], np.ndarray] = {}
        for u, v, d in graph.edges(data=True):
            if u == v:
                continue
            key = (index[u], index[v])
            t = float(d["travel_time"])
            if key not in best or t < best[key][0]:
                best[key] = (t, float(d["length"]), float(d.get("delay_s", 0.0)))
                shape[key] = _edge_shape(d, graph.nodes[u], graph.nodes[v])
        if not best:
            msg = f"The {mode} network has no edges; the extract has no streets usable on {mode}."
            raise DataError(msg)
        uv = np.array(list(best), dtype=np.int64)
        tl = np.array(list(best.values()), dtype=float)
        coords = [shape[k] for k in best]
        ptr = np.zeros(len(coords) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in coords], out=ptr[1:])
        flat = np.concatenate(coords)
        return cls(
            mode=mode,
            crs=str(pyproj.CRS(crs).to_string()),
            osmid=nodes,
            x=xs,
            y=ys,
            edge_u=uv[:, 0],
            edge_v=uv[:, 1],
            time_s=tl[:, 0],
            length_m=tl[:, 1],
            geom_ptr=ptr,
            geom_x=flat[:, 0],
            geom_y=flat[:, 1],
            delay_s=tl[:, 2],
        )

    def snap(self, x: np.ndarray, y: np.ndarray, *, min_component_nodes: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Return the nearest node index and its distance (m) for each point.

        With `min_component_nodes`, only nodes of components at least that large are candidates.
        """
        pts = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
        if len(pts) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        if min_component_nodes > 0:
            key = ("snap", min_component_nodes)
            if key not in self._cache:
                keep = np.flatnonzero(self.component_size >= min_component_nodes)
                if len(keep) == 0:
                    keep = np.arange(self.n_nodes)
                self._cache[key] = (keep, cKDTree(np.column_stack([self.x[keep], self.y[keep]])))
            keep, tree = self._cache[key]
            dist, j = tree.query(pts)
            return keep[j].astype(np.int64), dist
        dist, j = self.kdtree.query(pts)
        return j.astype(np.int64), dist


#: Arrays a network may lack (older caches, hand-built graphs); `save` and `load` keep them when present.
_OPTIONAL_ARRAYS = ("edge_ferry", "geom_ptr", "geom_x", "geom_y", "delay_s")


def _edge_shape(data: Mapping, u: Mapping, v: Mapping) -> np.ndarray:
    """Return an edge's vertices from u to v: its `geometry` when osmnx kept one, else the straight line."""
    geom = data.get("geometry")
    if geom is None:
        return np.array([[u["x"], u["y"]], [v["x"], v["y"]]], dtype=float)
    return np.asarray(geom.coords, dtype=float)[:, :2]


def build_network(
    extract: OsmExtract,
    *,
    mode: Mode,
    crs: str,
    profile: Profile | str | None = None,
    urban: UrbanTest | None = None,
) -> Network:
    """Build the `mode` network of an OSM extract with osmnx, with travel times from a speed profile.

    Walking and cycling move at the profile's constant speed. Cars move at a way's tagged
    `maxspeed` times the profile's ``maxspeed_factor`` where one is tagged (parsed by osmnx
    `add_edge_speeds`), else at the profile's speed for the highway class, urban or rural
    (`urban` says which edges are urban; all are rural without it). Every mode then pays
    the profile's delay on entering a node with traffic signals, a crossing, or more than
    two neighbours (one delay per node: signals, else crossing, else junction), counted on
    the unsimplified graph and summed along each simplified edge, so that no signal is lost
    when osmnx merges the nodes between junctions. Every component is kept (islands stay
    separate: no edge crosses the sea).

    Parameters
    ----------
    extract
        Street ways, node locations and signal/crossing nodes from `equimap.region.osm.read_osm`.
    mode
        ``"walk"``, ``"bike"`` or ``"drive"``.
    crs
        Metric CRS to project node coordinates to.
    profile
        A `Profile` or the name/path of one (`load_profile`); the shipped default by default.
    urban
        Called with edge midpoints (x, y arrays in `crs`), returns True where the edge is urban
        (`equimap.network.urban.urban_test`); None: every edge is rural.
    """
    profile = load_profile(profile or DEFAULT_PROFILE)
    graph = timed_street_graph(extract, mode=mode, crs=crs, profile=profile, urban=urban)
    net = Network.from_graph(graph, mode=mode, crs=crs)
    log.info("%s network (%s profile): %d nodes, %d edges", mode, profile.name, net.n_nodes, net.n_edges)
    return net
