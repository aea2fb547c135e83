"""The part of a network reachable from one point within a time: its travel times and its area.

`reach_times` is one bounded Dijkstra search from a start node outward (the
forward direction: from the point to everywhere, as a planner standing at the
point would travel), with the numba kernel of `equimap.network._dijkstra`.
`reach_area` turns the reached part of the network into a polygon.

The area is kept simple and is documented as what it is: a buffer of one
grid square around the reached streets, on a grid of `REACH_CELL_M` squares
aligned on the CRS origin. Every square that a reached street (an edge whose
two ends are both reached, drawn as the straight line between them) or a
reached node passes through is in, with its eight neighbours; so every point
within `REACH_CELL_M` of a reached street is in, and nothing further than
``2 * sqrt(2) * REACH_CELL_M`` (≈ 141 m for 50 m squares) is. Squares on a grid
union exactly and fast (a union of round buffers of a whole island's streets
takes tens of seconds). It
is a picture of where the streets reached run, not a boundary of who is in:
who is in is decided by travel time (see `equimap.analysis.isochrone`). An
edge half travelled at the cut-off is left out (its reached end still shows).
"""

from __future__ import annotations

import numpy as np
import shapely

from equimap.network import _dijkstra
from equimap.network.graph import Network

#: Side (m) of the grid squares the drawn area is made of (see the module docstring).
REACH_CELL_M = 50.0


def forward_csr(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (indptr, indices, weights) of `net` as travelled: edge u -> v with `time_s`."""
    key = "forward_csr"
    if key not in net._cache:
        order = np.lexsort((net.edge_v, net.edge_u))
        indptr = np.zeros(net.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(net.edge_u, minlength=net.n_nodes), out=indptr[1:])
        net._cache[key] = (indptr, net.edge_v[order].astype(np.int64), net.time_s[order].astype(np.float64))
    return net._cache[key]


def reach_times(net: Network, node: int, *, cutoff_s: float, start_s: float = 0.0) -> np.ndarray:
    """Return every node's travel time (s) from `node`, ``inf`` beyond `cutoff_s`.

    Parameters
    ----------
    net
        The network to travel on.
    node
        Start node index (-1: off the network; nothing is reached).
    cutoff_s
        Times above this are not searched (``inf``).
    start_s
        Time already spent before the start node (the walk from a point to it).
    """
    n = net.n_nodes
    if node < 0 or not np.isfinite(start_s) or start_s > cutoff_s:
        return np.full(n, np.inf)
    indptr, indices, weights = forward_csr(net)
    dist, _lab = _dijkstra.k_nearest(
        indptr, indices, weights, np.array([node], dtype=np.int64), np.array([float(start_s)]), 1, float(cutoff_s)
    )
    return dist[:, 0]


def reach_area(net: Network, times_s: np.ndarray, *, cutoff_s: float, cell_m: float = REACH_CELL_M) -> shapely.Geometry:
    """Return the area around the streets reached within `cutoff_s` (module docstring), in `net.crs`.

    An empty polygon when nothing is reached.
    """
    reached = np.asarray(times_s) <= cutoff_s
    if not reached.any():
        return shapely.Polygon()
    both = reached[net.edge_u] & reached[net.edge_v]
    u, v = net.edge_u[both], net.edge_v[both]
    # points along every reached street, at most half a grid square apart, and the reached nodes
    n_pts = np.ceil(np.hypot(net.x[v] - net.x[u], net.y[v] - net.y[u]) / (cell_m / 2)).astype(np.int64) + 1
    edge = np.repeat(np.arange(len(u)), n_pts)
    start = np.cumsum(n_pts) - n_pts
    frac = (np.arange(len(edge)) - start[edge]) / np.maximum(n_pts[edge] - 1, 1)
    idx = np.flatnonzero(reached)
    px = np.concatenate([net.x[u][edge] + frac * (net.x[v] - net.x[u])[edge], net.x[idx]])
    py = np.concatenate([net.y[u][edge] + frac * (net.y[v] - net.y[u])[edge], net.y[idx]])
    cells = np.unique(np.column_stack([np.floor(px / cell_m), np.floor(py / cell_m)]).astype(np.int64), axis=0)
    ring = np.array([(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)], dtype=np.int64)
    cells = np.unique((cells[:, None, :] + ring[None, :, :]).reshape(-1, 2), axis=0)
    x0, y0 = cells[:, 0] * cell_m, cells[:, 1] * cell_m
    squares = shapely.box(x0, y0, x0 + cell_m, y0 + cell_m)
    return shapely.coverage_union_all(squares)
