"""The first and last metres: how a point (a resident, a service) joins the network.

Two rules (`equimap.settings.SNAP`, `TravelSettings.snap`):

- ``"edge"`` (the default): the point is projected onto the nearest street (the nearest
  point of the nearest edge's shape, `snap_to_edges`), the connector from the point to
  there is walked in a straight line at the walking speed (for every mode: the connector
  is the path from a door to the kerb, and a car is left or taken at the kerb), and the
  edge is split there (`split_at_points`): the point becomes a node, the part of the
  edge before it costs ``fraction × edge time`` and the part after it ``(1 - fraction) ×
  edge time``. A two-way street (its reverse edge has the same shape) is split in both
  directions; a one-way street only in its own, so the point is reached from its start
  and left towards its end. Several points on one edge split it in order along it, so
  two points on the same edge reach each other along it without passing a node.
- ``"node"``: a straight-line walk to the nearest node (`equimap.network.routing.snap_points`).

Points are snapped only to street edges whose two ends lie in components of at least
`min_component_nodes` nodes (never to a ferry edge), within `max_snap_m`; a point further
away is off the network (node -1, time inf), as with node snapping.

Splitting adds one node per point and one edge per point and direction, so the exact
Dijkstra kernels run unchanged on the split network: a service is one source at one
node (counted once, whichever end of its edge is nearer), and an origin's time is the
best over both ends of its edge, by construction.
"""

from __future__ import annotations

import numpy as np
import shapely

from equimap import settings
from equimap.network.graph import Network


def _all_lines(net: Network) -> np.ndarray:
    """Return every edge's shape as a LineString, in edge order (memoised on the network)."""
    if "edge_lines" not in net._cache:
        if net.geom_ptr is None:
            u, v = net.edge_u, net.edge_v
            coords = np.stack([np.column_stack([net.x[u], net.y[u]]), np.column_stack([net.x[v], net.y[v]])], axis=1)
            lines = shapely.linestrings(coords)
        else:
            counts = np.diff(net.geom_ptr)
            xy = np.column_stack([net.geom_x, net.geom_y])
            lines = shapely.linestrings(xy, indices=np.repeat(np.arange(net.n_edges), counts))
        net._cache["edge_lines"] = lines
    return net._cache["edge_lines"]


def _candidates(net: Network, min_component_nodes: int) -> tuple[np.ndarray, np.ndarray, shapely.STRtree]:
    """Return (candidate edge ids, their LineStrings, an STRtree of them), memoised on the network."""
    key = ("snap_edges", min_component_nodes)
    if key not in net._cache:
        ok = np.ones(net.n_edges, dtype=bool) if net.edge_ferry is None else ~net.edge_ferry
        if min_component_nodes > 0:
            big = net.component_size >= min_component_nodes
            strong = ok & big[net.edge_u] & big[net.edge_v]
            ok = strong if strong.any() else ok
        cand = np.flatnonzero(ok)
        lines = _all_lines(net)[cand]
        net._cache[key] = (cand, lines, shapely.STRtree(lines))
    return net._cache[key]


def snap_to_edges(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_snap_m: float = settings.MAX_SNAP_M,
    min_component_nodes: int = settings.MIN_COMPONENT_NODES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each point's nearest edge, the fraction of the edge's shape before its nearest point, and the distance (m).

    Points (in `net.crs`) further than `max_snap_m` from every candidate edge get edge -1,
    fraction nan and distance inf. The fraction runs from the edge's u (0) to its v (1).
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    edge = np.full(n, -1, dtype=np.int64)
    frac = np.full(n, np.nan)
    dist = np.full(n, np.inf)
    if n == 0:
        return edge, frac, dist
    cand, lines, tree = _candidates(net, min_component_nodes)
    pts = shapely.points(x, y)
    (i_pt, i_line), d = tree.query_nearest(pts, max_distance=max_snap_m, return_distance=True, all_matches=False)
    edge[i_pt] = cand[i_line]
    dist[i_pt] = d
    frac[i_pt] = shapely.line_locate_point(lines[i_line], pts[i_pt], normalized=True)
    frac = np.where(np.isfinite(frac), np.clip(frac, 0.0, 1.0), np.nan)
    return edge, frac, dist


def twin_edges(net: Network) -> np.ndarray:
    """Return, per edge u->v, the index of the reverse street edge v->u of the same length (the same street), else -1."""
    if "twins" not in net._cache:
        n = np.int64(net.n_nodes)
        key = net.edge_u.astype(np.int64) * n + net.edge_v
        order = np.argsort(key, kind="stable")
        rev = net.edge_v.astype(np.int64) * n + net.edge_u
        pos = np.minimum(np.searchsorted(key[order], rev), len(order) - 1)
        cand = order[pos]
        same = (key[cand] == rev) & (np.abs(net.length_m[cand] - net.length_m) <= 0.01)
        if net.edge_ferry is not None:
            same &= ~net.edge_ferry & ~net.edge_ferry[cand]
        net._cache["twins"] = np.where(same, cand, -1).astype(np.int64)
    return net._cache["twins"]


def split_at_points(
    net: Network, edge: np.ndarray, frac: np.ndarray, *, xy: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[Network, np.ndarray]:
    """Return the network with each point inserted as a node on its edge, and each point's node (-1 if off).

    Point i (with ``edge[i] >= 0``) becomes node ``net.n_nodes + i`` at the position
    `frac` along its edge's shape (`point_positions`, or `xy` when given: the points' x and y
    from it, computed once for points that are inserted again and again). The edge, and its
    twin in the other direction (`twin_edges`), are replaced by pieces between consecutive
    points whose times and lengths are the edge's, in proportion to the fraction of the shape
    they cover. The result is a transient network for one query (no shapes, not meant to be saved).
    """
    edge = np.asarray(edge, dtype=np.int64)
    frac = np.asarray(frac, dtype=float)
    on = np.flatnonzero(edge >= 0)
    node = np.full(len(edge), -1, dtype=np.int64)
    node[on] = net.n_nodes + on
    if len(on) == 0:
        return net, node
    twin = twin_edges(net)
    tw = on[twin[edge[on]] >= 0]
    e = np.concatenate([edge[on], twin[edge[tw]]])
    f = np.concatenate([frac[on], 1.0 - frac[tw]])
    p = np.concatenate([node[on], node[tw]])
    # points at the same place are chained in opposite orders in the two directions, so each reaches the other at 0 s
    tie = np.concatenate([node[on], -node[tw]])
    order = np.lexsort((tie, f, e))
    e, f, p = e[order], f[order], p[order]
    first = np.r_[True, e[1:] != e[:-1]]
    last = np.r_[e[1:] != e[:-1], True]
    prev_node = np.where(first, net.edge_u[e], np.r_[-1, p[:-1]])
    prev_f = np.where(first, 0.0, np.r_[0.0, f[:-1]])
    share = np.concatenate([f - prev_f, 1.0 - f[last]])
    piece_e = np.concatenate([e, e[last]])
    piece_u = np.concatenate([prev_node, p[last]])
    piece_v = np.concatenate([p, net.edge_v[e[last]]])
    keep = np.ones(net.n_edges, dtype=bool)
    keep[np.unique(e)] = False
    px, py = point_positions(net, edge, frac) if xy is None else xy
    ferry = None if net.edge_ferry is None else np.concatenate([net.edge_ferry[keep], np.zeros(len(piece_e), bool)])
    n_pts = len(edge)
    split = Network(
        mode=net.mode,
        crs=net.crs,
        osmid=np.concatenate([net.osmid, np.full(n_pts, -1, dtype=np.int64)]),
        x=np.concatenate([net.x, px]),
        y=np.concatenate([net.y, py]),
        edge_u=np.concatenate([net.edge_u[keep], piece_u]).astype(np.int64),
        edge_v=np.concatenate([net.edge_v[keep], piece_v]).astype(np.int64),
        time_s=np.concatenate([net.time_s[keep], share * net.time_s[piece_e]]),
        length_m=np.concatenate([net.length_m[keep], share * net.length_m[piece_e]]),
        edge_ferry=ferry,
        delay_s=None if net.delay_s is None else np.concatenate([net.delay_s[keep], share * net.delay_s[piece_e]]),
    )
    return split, node


def point_positions(net: Network, edge: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the x and y of the points at `frac` along the shapes of edges `edge` (NaN where ``edge < 0``)."""
    edge = np.asarray(edge, dtype=np.int64)
    on = np.flatnonzero(edge >= 0)
    px = np.full(len(edge), np.nan)
    py = np.full(len(edge), np.nan)
    if len(on):
        px[on], py[on] = _positions(net, edge[on], np.asarray(frac, dtype=float)[on])
    return px, py


def _positions(net: Network, edge: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the coordinates of the points at `frac` along each edge's shape."""
    if net.geom_ptr is None:
        u, v = net.edge_u[edge], net.edge_v[edge]
        return net.x[u] + frac * (net.x[v] - net.x[u]), net.y[u] + frac * (net.y[v] - net.y[u])
    pts = shapely.line_interpolate_point(_all_lines(net)[edge], frac, normalized=True)
    return shapely.get_x(pts), shapely.get_y(pts)


def join_points(
    net: Network,
    snaps: list[tuple[np.ndarray, ...]],
    *,
    walk_speed_kmh: float = settings.WALK_SPEED_KMH,
) -> tuple[Network, list[tuple[np.ndarray, np.ndarray]]]:
    """Return the network split at every snapped point, and each point set's nodes and connector times (s).

    `snaps` holds one `snap_to_edges` result (edge, fraction, distance) per point set
    (e.g. services, origins), optionally followed by the points' x and y on their edges
    (`point_positions`, kept by a caller that inserts the same points again and again); they
    are split into one network so that a point of one set reaches a point of another on the
    same edge directly. A point off the network has node -1 and time inf.
    """
    sizes = [len(s[0]) for s in snaps]
    edge = np.concatenate([np.asarray(s[0], dtype=np.int64) for s in snaps]) if snaps else np.empty(0, np.int64)
    frac = np.concatenate([np.asarray(s[1], dtype=float) for s in snaps]) if snaps else np.empty(0)
    dist = np.concatenate([np.asarray(s[2], dtype=float) for s in snaps]) if snaps else np.empty(0)
    xy = [s[3:5] if len(s) >= 5 else point_positions(net, s[0], s[1]) for s in snaps]
    px = np.concatenate([p[0] for p in xy]) if snaps else np.empty(0)
    py = np.concatenate([p[1] for p in xy]) if snaps else np.empty(0)
    split, node = split_at_points(net, edge, frac, xy=(px, py))
    time_s = np.where(node >= 0, dist / (walk_speed_kmh / 3.6), np.inf)
    bounds = np.cumsum([0, *sizes])
    return split, [(node[a:b], time_s[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
