"""Travel times between given node pairs, with the length of each fastest path.

`equimap.network.routing` answers "how far is the nearest service" from every
origin; this module answers "how long from this node to that one" for a list
of pairs, and how long (in metres) the fastest path is. The second figure does
not depend on any speed model, which makes it the fair ground on which to compare
two routers built on the same streets (see ``bench/engines.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from equimap._errors import DataError
from equimap.network.graph import Network

#: Origins searched at once (the distance and predecessor rows cost 12 bytes per node each).
_CHUNK = 64


def _edge_lookup(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Return the sorted keys ``u * n + v`` of the node pairs joined by an edge, and the fastest such edge of each."""
    if "od_edge_lookup" not in net._cache:
        net._cache["od_edge_lookup"] = _build_edge_lookup(net)
    return net._cache["od_edge_lookup"]


def _build_edge_lookup(net: Network) -> tuple[np.ndarray, np.ndarray]:
    key = net.edge_u.astype(np.int64) * net.n_nodes + net.edge_v.astype(np.int64)
    order = np.lexsort((net.time_s, key))
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return key[first], order[first]


def _graph(net: Network, pos: np.ndarray) -> csr_matrix:
    """Return the time-weighted adjacency matrix, one (fastest) edge per node pair; zero times stay edges."""
    n = net.n_nodes
    return csr_matrix((net.time_s[pos], (net.edge_u[pos], net.edge_v[pos])), shape=(n, n))


def pair_times(net: Network, origin_node: np.ndarray, dest_node: np.ndarray) -> pd.DataFrame:
    """Return the fastest travel time and that path's length for each (origin, destination) pair.

    Parameters
    ----------
    net
        The network to route on (its `time_s` is the weight).
    origin_node, dest_node
        Node indices (0..n-1) of the same length; pair ``i`` goes from
        ``origin_node[i]`` to ``dest_node[i]``.

    Returns
    -------
    pandas.DataFrame
        One row per pair, in input order (``RangeIndex``): ``time_s`` (inf when
        the destination cannot be reached) and ``length_m`` (the length of the
        fastest path; inf when unreachable, 0 when origin = destination).
        Among paths of equal time the one scipy's Dijkstra settles first is
        measured; of parallel edges the fastest is used.

    Raises
    ------
    DataError
        If the arrays differ in length or hold an index outside the network.
    """
    o = np.asarray(origin_node, dtype=np.int64)
    d = np.asarray(dest_node, dtype=np.int64)
    if o.shape != d.shape or o.ndim != 1:
        msg = f"origin_node and dest_node must be 1-d and of one length; got shapes {o.shape} and {d.shape}."
        raise DataError(msg)
    bad = (o < 0) | (o >= net.n_nodes) | (d < 0) | (d >= net.n_nodes)
    if bad.any():
        msg = (
            f"{int(bad.sum())} pair(s) name a node outside 0..{net.n_nodes - 1}; snap the points to the network first."
        )
        raise DataError(msg)
    time_s = np.full(len(o), np.inf)
    length_m = np.full(len(o), np.inf)
    if len(o):
        keys, pos = _edge_lookup(net)
        graph = _graph(net, pos)
        sources, inverse = np.unique(o, return_inverse=True)
        for start in range(0, len(sources), _CHUNK):
            chunk = sources[start : start + _CHUNK]
            dist, pred = dijkstra(graph, directed=True, indices=chunk, return_predecessors=True)
            rows = np.flatnonzero((inverse >= start) & (inverse < start + len(chunk)))
            r = inverse[rows] - start
            time_s[rows] = dist[r, d[rows]]
            length_m[rows] = _path_lengths(net, keys, pos, pred, r, d[rows], reached=np.isfinite(time_s[rows]))
    return pd.DataFrame({"time_s": time_s, "length_m": length_m})


def _path_lengths(
    net: Network,
    keys: np.ndarray,
    pos: np.ndarray,
    pred: np.ndarray,
    row: np.ndarray,
    dest: np.ndarray,
    *,
    reached: np.ndarray,
) -> np.ndarray:
    """Sum edge lengths back along the predecessor rows, all pairs at once."""
    out = np.where(reached, 0.0, np.inf)
    cur = dest.copy()
    active = reached.copy()
    while True:
        p = np.where(active, pred[row, cur], -9999)
        active &= p >= 0
        if not active.any():
            return out
        k = p[active].astype(np.int64) * net.n_nodes + cur[active]
        out[active] += net.length_m[pos[np.searchsorted(keys, k)]]
        cur[active] = p[active]


def path_nodes(net: Network, origin: int, dest: int) -> np.ndarray:
    """Return the node indices of the fastest path from `origin` to `dest` (empty if unreachable)."""
    dist, pred = dijkstra(
        _graph(net, _edge_lookup(net)[1]), directed=True, indices=int(origin), return_predecessors=True
    )
    if not np.isfinite(dist[dest]):
        return np.empty(0, dtype=np.int64)
    path = [int(dest)]
    while path[-1] != origin:
        path.append(int(pred[path[-1]]))
    return np.array(path[::-1], dtype=np.int64)


def path_time_s(net: Network, nodes: np.ndarray) -> tuple[float, float]:
    """Return the time (s) and length (m) of walking a node sequence edge by edge; inf if an edge is missing."""
    nodes = np.asarray(nodes, dtype=np.int64)
    if len(nodes) < 2:
        return 0.0, 0.0
    keys, pos = _edge_lookup(net)
    k = nodes[:-1] * net.n_nodes + nodes[1:]
    i = np.searchsorted(keys, k)
    i = np.minimum(i, len(keys) - 1)
    if not np.array_equal(keys[i], k):
        return float("inf"), float("inf")
    return float(net.time_s[pos[i]].sum()), float(net.length_m[pos[i]].sum())
