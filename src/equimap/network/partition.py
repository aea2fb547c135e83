"""The nearest and counts passes split into map tiles, for a network too large for one machine.

Each tile is a square of the node coordinates. Its task searches only the subnetwork of the
nodes within a buffer of the tile, and answers only for the tile's own nodes. The tasks share
nothing, so they can run on Dask's distributed scheduler (``client=`` a `dask.distributed.Client`),
on the workers of a cluster, or here one after another (no client).

Why a tile's answers equal the whole network's
----------------------------------------------
Let ``r`` be the network's smallest time per straight-line metre over its arcs,
``min(time_s / chord)`` (`seconds_per_m`: 1 / the fastest speed, counting the arc's chord, so a bent
street only makes it safer). Every path then takes at least ``r`` times the straight-line
distance between its ends. A node outside a tile's buffer of ``b`` metres lies more than ``b``
from every node of the tile, so reaching it takes more than ``r·b`` seconds.

- **Counts within T** (`partitioned_counts`): with ``b = T_max / r`` every path of at most ``T_max``
  seconds from a tile node stays inside the buffer, so every service within ``T_max`` is found,
  at its exact time. One round, exact.
- **Nearest** (`partitioned_nearest`): a node's time on the subnetwork, ``d_sub``, is exact when
  ``d_sub <= r·b`` (a faster route would have to leave the buffer, which costs more than
  ``r·b``); for the k nearest, the rule holds for the k-th time. Nodes that fail the rule go to
  a second round with a buffer twice as wide, and so on; whatever is left after the last buffer
  is searched on the whole network. No answer is ever taken from a buffer too small for it.

The times are the same floating-point numbers as the single-process run, not just close:
Dijkstra's label of a node is the minimum of ``label(u) + time(u, v)`` over its neighbours, and
every neighbour that matters lies inside the buffer, so the same sums are formed
(`tests/test_partition.py` checks equality with ``==``, on a synthetic grid and on Malta).

Who needs it: nobody with one region on one computer (Malta's full pass takes under a second,
a 10M-node network fits in a few GB, see docs/scaling.md); a national or continental network
whose arrays do not fit in one machine's memory, or a study of many scenarios, does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from equimap._errors import DataError
from equimap.network.graph import Network
from equimap.network.routing import count_within, nearest_times


def seconds_per_m(net: Network) -> float:
    """Return the smallest travel time per straight-line metre over the arcs of `net` (s/m).

    Arcs whose ends share a position do not move anyone and are left out. 0 when an arc of
    positive length takes no time (then no buffer is ever wide enough).
    """
    chord = np.hypot(net.x[net.edge_u] - net.x[net.edge_v], net.y[net.edge_u] - net.y[net.edge_v])
    moving = chord > 0
    if not moving.any():
        return float("inf")
    return float(np.min(net.time_s[moving] / chord[moving]))


def tile_of(net: Network, tile_m: float) -> np.ndarray:
    """Return the tile number of every node: squares of `tile_m` metres from the lower-left node."""
    if not tile_m > 0:
        msg = f"`tile_m` must be > 0 metres, got {tile_m}."
        raise DataError(msg)
    tx = np.floor((net.x - net.x.min()) / tile_m).astype(np.int64)
    ty = np.floor((net.y - net.y.min()) / tile_m).astype(np.int64)
    return ty * (int(tx.max()) + 1) + tx


def _near_tile(net: Network, members: np.ndarray, buffer_m: float) -> np.ndarray:
    """Return the nodes within `buffer_m` of the bounding box of `members` (members included)."""
    x0, x1 = net.x[members].min(), net.x[members].max()
    y0, y1 = net.y[members].min(), net.y[members].max()
    dx = np.maximum(np.maximum(x0 - net.x, net.x - x1), 0.0)
    dy = np.maximum(np.maximum(y0 - net.y, net.y - y1), 0.0)
    return np.flatnonzero(np.hypot(dx, dy) <= buffer_m)


def subnetwork(net: Network, nodes: np.ndarray) -> tuple[Network, np.ndarray]:
    """Return the network induced by `nodes` (sorted node indices) and the map node -> new index (-1 outside)."""
    local = np.full(net.n_nodes, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    keep = (local[net.edge_u] >= 0) & (local[net.edge_v] >= 0)
    sub = Network(
        mode=net.mode,
        crs=net.crs,
        osmid=net.osmid[nodes],
        x=net.x[nodes],
        y=net.y[nodes],
        edge_u=local[net.edge_u[keep]],
        edge_v=local[net.edge_v[keep]],
        time_s=net.time_s[keep],
        length_m=net.length_m[keep],
    )
    return sub, local


def _nearest_task(sub: Network, origin: np.ndarray, source: np.ndarray, source_time_s: np.ndarray, k: int):
    """One tile's k nearest times (and services, as positions in `source`) for its nodes `origin`."""
    return nearest_times(sub, origin, source, service_time_s=source_time_s, k=k)


def _count_task(sub: Network, origin: np.ndarray, origin_time_s, source: np.ndarray, source_time_s, thr: np.ndarray):
    """One tile's counts within each threshold for its origins."""
    return count_within(
        sub, origin, source, thresholds_s=thr, origin_time_s=origin_time_s, service_time_s=source_time_s
    )


def _run(client, fn, jobs: list[tuple]) -> list:
    """Run `fn(*job)` for every job, on the Dask `client` if given, else here in order."""
    if client is None:
        return [fn(*job) for job in jobs]
    futures = [client.submit(fn, *job, pure=False) for job in jobs]
    return client.gather(futures)


def partitioned_nearest(
    net: Network,
    service_node: np.ndarray,
    *,
    tile_m: float,
    buffers_m: Sequence[float],
    service_time_s: np.ndarray | None = None,
    k: int = 1,
    client=None,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Return every node's times to its `k` nearest services, computed tile by tile.

    Parameters
    ----------
    net
        The network.
    service_node
        Node of each service (-1: off the network).
    tile_m
        Side of the square tiles (m).
    buffers_m
        Buffers (m) of the successive rounds, increasing; nodes the rule of the module docstring
        cannot vouch for after the last one are searched on the whole network.
    service_time_s
        Time from each service's node to the service (s); 0 when None.
    k
        How many nearest services.
    client
        A `dask.distributed.Client` to run the tiles on; None runs them here.

    Returns
    -------
    (times, services, stats)
        ``times`` and ``services`` as `equimap.network.routing.nearest_times` gives them for
        ``origin_node = arange(n_nodes)``; ``stats`` counts the tiles and the nodes settled per round.
    """
    service_node = np.asarray(service_node, dtype=np.int64)
    s_t = np.zeros(len(service_node)) if service_time_s is None else np.asarray(service_time_s, float)
    n = net.n_nodes
    times = np.full((n, k), np.inf)
    ids = np.full((n, k), -1, dtype=np.int64)
    r = seconds_per_m(net)
    tile = tile_of(net, tile_m)
    todo = np.ones(n, dtype=bool)
    stats: dict = {"seconds_per_m": r, "rounds": []}
    for b in sorted(buffers_m):
        bound_s = r * b
        jobs, owners = [], []
        for t in np.unique(tile[todo]):
            members = np.flatnonzero(todo & (tile == t))
            nodes = _near_tile(net, members, b)
            sub, local = subnetwork(net, nodes)
            svc = local[np.where(service_node >= 0, service_node, 0)]
            svc = np.where(service_node >= 0, svc, -1)
            jobs.append((sub, local[members], svc, s_t, k))
            owners.append(members)
        done = 0
        for members, (t_k, i_k) in zip(owners, _run(client, _nearest_task, jobs), strict=True):
            sure = t_k[:, k - 1] <= bound_s
            times[members[sure]] = t_k[sure]
            ids[members[sure]] = i_k[sure]
            todo[members[sure]] = False
            done += int(sure.sum())
        stats["rounds"].append({"buffer_m": float(b), "tiles": len(jobs), "nodes_settled": done})
        if not todo.any():
            break
    rest = np.flatnonzero(todo)
    if len(rest):
        t_k, i_k = _run(client, _nearest_task, [(net, rest, service_node, s_t, k)])[0]
        times[rest], ids[rest] = t_k, i_k
    stats["whole_network_nodes"] = len(rest)
    return times, ids, stats


def partitioned_counts(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    thresholds_s: np.ndarray,
    tile_m: float,
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
    client=None,
) -> tuple[np.ndarray, dict]:
    """Return, per origin, how many services lie within each threshold, computed tile by tile.

    The same array as `equimap.network.routing.count_within`; each tile searches the nodes within
    ``max(thresholds_s) / seconds_per_m(net)`` metres of it (module docstring), so no count changes.
    ``stats`` gives the buffer and the tile count.
    """
    origin_node = np.asarray(origin_node, dtype=np.int64)
    service_node = np.asarray(service_node, dtype=np.int64)
    thr = np.sort(np.asarray(thresholds_s, float))
    o_t = np.zeros(len(origin_node)) if origin_time_s is None else np.asarray(origin_time_s, float)
    s_t = np.zeros(len(service_node)) if service_time_s is None else np.asarray(service_time_s, float)
    r = seconds_per_m(net)
    counts = np.zeros((len(origin_node), len(thr)), dtype=np.int32)
    buffer_m = float(thr[-1]) / r if r > 0 else np.inf
    stats = {"seconds_per_m": r, "buffer_m": buffer_m}
    if not np.isfinite(buffer_m):
        counts[:] = _count_task(net, origin_node, o_t, service_node, s_t, thr)
        stats["tiles"] = 1
        return counts, stats
    tile = tile_of(net, tile_m)
    placed = np.flatnonzero(origin_node >= 0)
    o_tile = tile[origin_node[placed]]
    jobs, owners = [], []
    for t in np.unique(o_tile):
        mine = placed[o_tile == t]
        nodes = _near_tile(net, np.unique(origin_node[mine]), buffer_m)
        sub, local = subnetwork(net, nodes)
        svc = np.where(service_node >= 0, local[np.maximum(service_node, 0)], -1)
        jobs.append((sub, local[origin_node[mine]], o_t[mine], svc, s_t, thr))
        owners.append(mine)
    for mine, c in zip(owners, _run(client, _count_task, jobs), strict=True):
        counts[mine] = c
    stats["tiles"] = len(jobs)
    return counts, stats
