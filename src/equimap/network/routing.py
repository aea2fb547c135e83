"""Travel times from every resident to the services of a category.

One multi-source search per category and mode over the network's reversed
CSR arrays (numba kernels in `equimap.network._dijkstra`) gives, for each origin, the time
to the nearest service, the mean time to the `k` nearest (Eurostat's AN3 with
k = 3) and the number of services within each threshold. There is no Python
loop per origin.

Times include the walk between a point and its network node at
`settings.WALK_SPEED_KMH` (origin to node, and node to service), passed in as
`origin_time_s` and `service_time_s`. `snap_points` gives the nearest-node rule;
`equimap.network.snapping` inserts points into their nearest edge instead (the
default of `Prepared.routing_inputs`), and these functions run unchanged on that network.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

from equimap import settings
from equimap.network import _counts, _dijkstra
from equimap.network.graph import Network
from equimap.network.layout import search_layout

TIME_COLUMNS = ["time_nearest_s", "time_mean3_s"]
#: Bucket width (s) of the counts' search queue: any width gives the same times, this one is fast on Malta.
COUNT_BUCKET_S = 4.0


def count_column(threshold_min: float) -> str:
    """Return the name of the "services within N minutes" column."""
    return f"n_within_{threshold_min:g}min"


def snap_points(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_snap_m: float = settings.MAX_SNAP_M,
    min_component_nodes: int = settings.MIN_COMPONENT_NODES,
    walk_speed_kmh: float = settings.WALK_SPEED_KMH,
) -> tuple[np.ndarray, np.ndarray]:
    """Return each point's network node and the time (s) to walk there in a straight line.

    Points further than `max_snap_m` from a node of a large component get node
    -1 and time inf: they are off the network, not silently moved.
    """
    node, dist = net.snap(x, y, min_component_nodes=min_component_nodes)
    far = dist > max_snap_m
    node = np.where(far, -1, node)
    return node.astype(np.int64), np.where(far, np.inf, dist / (walk_speed_kmh / 3.6))


def _origin_csr(n_nodes: int, origin_node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.flatnonzero(origin_node >= 0)
    order = ok[np.argsort(origin_node[ok], kind="stable")]
    ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(origin_node[ok], minlength=n_nodes), out=ptr[1:])
    return ptr, order.astype(np.int64)


def nearest_times(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
    k: int = settings.N_NEAREST,
    cutoff_s: float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the times to the `k` nearest services of each origin, and which services they are.

    Parameters
    ----------
    net
        The network to travel on.
    origin_node, service_node
        Node index of each origin and service (-1: off the network, never reached).
    origin_time_s, service_time_s
        Extra time at each end (walking to/from the node); 0 when None.
    k
        How many nearest distinct services to keep.
    cutoff_s
        Ignore services further than this.

    Returns
    -------
    (times, services)
        Arrays of shape (n_origins, k), sorted by time; ``inf`` and -1 where
        fewer than k services are in reach.
    """
    origin_node = np.asarray(origin_node, dtype=np.int64)
    service_node = np.asarray(service_node, dtype=np.int64)
    o_t = np.zeros(len(origin_node)) if origin_time_s is None else np.asarray(origin_time_s, float)
    s_t = np.zeros(len(service_node)) if service_time_s is None else np.asarray(service_time_s, float)
    ok = service_node >= 0
    src = np.flatnonzero(ok)
    times = np.full((len(origin_node), k), np.inf)
    ids = np.full((len(origin_node), k), -1, dtype=np.int64)
    if len(src) == 0 or len(origin_node) == 0:
        return times, ids
    lay = search_layout(net)
    args = (lay.rev_indptr, lay.rev_indices, lay.rev_weights, lay.to_new(service_node[src]), s_t[src])
    if k == 1:
        d1, l1 = _dijkstra.nearest1(*args, float(cutoff_s))
        dist, lab = d1[:, None], l1[:, None]
    else:
        dist, lab = _dijkstra.k_nearest_lean(*args, k, float(cutoff_s))
    has = origin_node >= 0
    on = lay.to_new(origin_node[has])
    times[has] = dist[on] + o_t[has, None]
    lab_o = lab[on]
    ids[has] = np.where(lab_o >= 0, src[np.maximum(lab_o, 0)], -1)
    times[times > cutoff_s] = np.inf
    ids[~np.isfinite(times)] = -1
    return times, ids


def count_within(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    thresholds_s: np.ndarray,
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
    method: str = "contracted",
) -> np.ndarray:
    """Return, per origin, how many services are within each threshold (array n_origins × n_thresholds).

    One bounded search per distinct service node, to the largest threshold. With `method`
    ``"contracted"`` (the default) the searches run on the network with its nodes of one or two
    neighbours taken out (`equimap.network._counts`), with the same result, bit for bit, as
    ``"plain"`` (every node searched), which is kept to check it.
    """
    if method not in ("contracted", "plain"):
        msg = f"Unknown count method `{method}`; choose 'contracted' or 'plain'."
        raise ValueError(msg)
    origin_node = np.asarray(origin_node, dtype=np.int64)
    service_node = np.asarray(service_node, dtype=np.int64)
    thr = np.sort(np.asarray(thresholds_s, float))
    o_t = np.zeros(len(origin_node)) if origin_time_s is None else np.asarray(origin_time_s, float)
    s_t = np.zeros(len(service_node)) if service_time_s is None else np.asarray(service_time_s, float)
    src = np.flatnonzero(service_node >= 0)
    if len(src) == 0 or len(origin_node) == 0:
        return np.zeros((len(origin_node), len(thr)), dtype=np.int32)
    lay = search_layout(net)
    s_new = lay.to_new(service_node)
    o_new = lay.to_new(origin_node).astype(np.int64)
    ptr, idx = _origin_csr(net.n_nodes, o_new)
    # one search per distinct service node; its services sorted by their own walking time
    order = np.lexsort((s_t[src], s_new[src]))
    g_node, g_start = np.unique(s_new[src][order], return_index=True)
    g_ptr = np.append(g_start, len(order)).astype(np.int64)
    n_chunks = max(1, min(numba.get_num_threads() * 4, len(g_node)))
    if method == "contracted" and np.isfinite(thr[-1]):
        is_start = np.zeros(net.n_nodes, dtype=np.bool_)
        is_start[g_node] = True
        graph = _counts.contract(lay.rev_indptr, lay.rev_indices, lay.rev_weights, is_start, ptr[1:] > ptr[:-1])
        return _counts.count_pairs_contracted(
            graph,
            g_node.astype(np.int32),
            g_ptr,
            s_t[src][order],
            thr,
            ptr,
            idx,
            o_t,
            net.n_nodes,
            len(origin_node),
            n_chunks,
            max(COUNT_BUCKET_S, float(thr[-1]) / 2**20),
        )
    return _dijkstra.count_pairs(
        lay.rev_indptr,
        lay.rev_indices,
        lay.rev_weights,
        g_node.astype(np.int32),
        g_ptr,
        s_t[src][order],
        thr,
        ptr,
        idx,
        o_t,
        len(origin_node),
        n_chunks,
        False,
    )


def od_pairs(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    cutoff_s: float,
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return the long-form cost table (`origin`, `service`, `time_s`) of every pair within `cutoff_s`.

    `origin` and `service` are positions in the input arrays. This is the input
    of the floating-catchment measures.
    """
    origin_node = np.asarray(origin_node, dtype=np.int64)
    service_node = np.asarray(service_node, dtype=np.int64)
    o_t = np.zeros(len(origin_node)) if origin_time_s is None else np.asarray(origin_time_s, float)
    s_t = np.zeros(len(service_node)) if service_time_s is None else np.asarray(service_time_s, float)
    src = np.flatnonzero(service_node >= 0)
    empty = pd.DataFrame({"origin": np.empty(0, np.int64), "service": np.empty(0, np.int64), "time_s": np.empty(0)})
    if len(src) == 0 or len(origin_node) == 0:
        return empty
    indptr, indices, weights = net.reverse_csr
    targets = np.full(net.n_nodes, -1, dtype=np.int64)
    used = np.unique(origin_node[origin_node >= 0])
    targets[used] = np.arange(len(used))
    s, t, d = _dijkstra.pairs_within(indptr, indices, weights, service_node[src], s_t[src], float(cutoff_s), targets)
    # expand each reached node to the origins standing on it
    ptr, idx = _origin_csr(net.n_nodes, origin_node)
    node = used[t]
    reps = ptr[node + 1] - ptr[node]
    rows = np.repeat(np.arange(len(node)), reps)
    starts = np.repeat(ptr[node], reps)
    offs = np.arange(len(rows)) - np.repeat(np.cumsum(reps) - reps, reps)
    origin = idx[starts + offs]
    time = d[rows] + o_t[origin]
    keep = time <= cutoff_s
    out = pd.DataFrame({"origin": origin[keep], "service": src[s[rows]][keep], "time_s": time[keep]})
    return out.sort_values(["origin", "service"], ignore_index=True)


def access_table(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
    service_ids: np.ndarray | None = None,
    k: int = settings.N_NEAREST,
    thresholds_min: tuple[float, ...] = settings.COUNT_THRESHOLDS_MIN,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """Return the access indicators of every origin for one set of services.

    Columns: ``time_nearest_s`` (inf if none in reach), ``time_mean3_s`` (mean
    over the `k` nearest; over those in reach when fewer exist, inf if none),
    ``n_reached_k`` (how many of the k were in reach), ``nearest_service``
    (id from `service_ids`, or position), and ``n_within_<T>min`` per threshold.
    """
    times, ids = nearest_times(
        net, origin_node, service_node, origin_time_s=origin_time_s, service_time_s=service_time_s, k=k
    )
    fin = np.isfinite(times)
    n_k = fin.sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean_k = np.where(n_k > 0, np.where(fin, times, 0.0).sum(axis=1) / np.maximum(n_k, 1), np.inf)
    counts = count_within(
        net,
        origin_node,
        service_node,
        thresholds_s=np.array(thresholds_min, float) * 60,
        origin_time_s=origin_time_s,
        service_time_s=service_time_s,
    )
    labels = np.asarray(service_ids if service_ids is not None else np.arange(len(service_node)), dtype=object)
    nearest = np.full(len(ids), None, dtype=object)
    hit = ids[:, 0] >= 0
    nearest[hit] = labels[ids[hit, 0]]
    out = pd.DataFrame(
        {"time_nearest_s": times[:, 0], "time_mean3_s": mean_k, "n_reached_k": n_k, "nearest_service": nearest},
        index=index,
    )
    for j, t in enumerate(sorted(thresholds_min)):
        out[count_column(t)] = counts[:, j]
    return out
