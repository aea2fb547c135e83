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
from equimap._errors import DataError
from equimap.network import _buckets, _counts, _dijkstra, _lanes
from equimap.network.graph import Network
from equimap.network.layout import search_layout

TIME_COLUMNS = ["time_nearest_s", "time_mean3_s"]
#: Bucket width (s) of the counts' search queue: any width gives the same times, this one is fast on Malta.
COUNT_BUCKET_S = 4.0
#: Searches the counts run side by side (`equimap.network._lanes`; 8, 16 and 32 were within 1.3x
#: of one another on Malta's bus stops by car, December 2026).
COUNT_LANES = 16
#: The counts' methods: searches side by side (the default), one search at a time on the same
#: contracted graph, or one at a time on the whole network (both kept to check it).
COUNT_METHODS = ("lanes", "contracted", "plain")
#: What ``method=None`` means for the counts (a benchmark sets "contracted" to measure what lanes replaced).
DEFAULT_COUNT_METHOD = "lanes"
#: The nearest searches' kernels: a bucket queue (the default) or the binary heap (kept to check it).
NEAREST_METHODS = ("buckets", "heap")
#: What ``method=None`` means (a benchmark sets "heap" to measure the kernels it replaced).
DEFAULT_NEAREST_METHOD = "buckets"


def _check_method(method: str | None) -> str:
    method = DEFAULT_NEAREST_METHOD if method is None else method
    if method not in NEAREST_METHODS:
        msg = f"Unknown nearest method `{method}`; choose one of {list(NEAREST_METHODS)}."
        raise ValueError(msg)
    return method


def _bucket_width(net: Network, weights: np.ndarray) -> tuple[float, float]:
    """Return the bucket width and largest arc time of `net`'s search layout (computed once)."""
    if "bucket_width" not in net._cache:
        net._cache["bucket_width"] = _buckets.bucket_width_s(weights)
    return net._cache["bucket_width"]


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
    method: str | None = None,
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
    method
        ``"buckets"`` (a bucket queue, `equimap.network._buckets`) or ``"heap"`` (a binary-heap
        Dijkstra): the same times bit for bit; on an exact tie the bucket queue names the service
        listed first. None: `DEFAULT_NEAREST_METHOD`.

    Returns
    -------
    (times, services)
        Arrays of shape (n_origins, k), sorted by time; ``inf`` and -1 where
        fewer than k services are in reach.
    """
    method = _check_method(method)
    origin_node = np.asarray(origin_node, dtype=np.int64)
    service_node = np.asarray(service_node, dtype=np.int64)
    o_t = np.zeros(len(origin_node)) if origin_time_s is None else np.asarray(origin_time_s, float)
    s_t = np.zeros(len(service_node)) if service_time_s is None else np.asarray(service_time_s, float)
    ok = service_node >= 0
    src = np.flatnonzero(ok)
    if len(src) == 0 or len(origin_node) == 0:
        return np.full((len(origin_node), k), np.inf), np.full((len(origin_node), k), -1, dtype=np.int64)
    lay = search_layout(net)
    args = (lay.rev_indptr, lay.rev_indices, lay.rev_weights, lay.to_new(service_node[src]), s_t[src])
    width = _bucket_width(net, lay.rev_weights)
    if k == 1:
        if method == "buckets":
            d1, l1 = _buckets.nearest1(*args, float(cutoff_s), *width)
        else:
            d1, l1 = _dijkstra.nearest1(*args, float(cutoff_s))
        dist, lab = d1[:, None], l1[:, None]
    elif method == "buckets":
        dist, lab = _buckets.k_nearest(*args, k, float(cutoff_s), *width)
    else:
        dist, lab = _dijkstra.k_nearest_lean(*args, k, float(cutoff_s))
    return _per_origin(dist, lab, lay.rank, origin_node, o_t, src, float(cutoff_s))


@numba.njit(cache=True, nogil=True)
def _per_origin(dist, lab, rank, origin_node, o_t, src, cutoff_s):  # noqa: ANN001, ANN202 (numba)
    """Return each origin's (times, services): its node's labels plus its own time, cut at `cutoff_s`, in one pass."""
    n, k = len(origin_node), dist.shape[1]
    times = np.full((n, k), np.inf)
    ids = np.full((n, k), -1, dtype=np.int64)
    for i in range(n):
        if origin_node[i] < 0:
            continue
        v = rank[origin_node[i]]
        for j in range(k):
            t = dist[v, j] + o_t[i]
            if t > cutoff_s:
                t = np.inf
            times[i, j] = t  # a NaN time stays NaN, named by no service
            if np.isfinite(t) and lab[v, j] >= 0:
                ids[i, j] = src[lab[v, j]]
    return times, ids


def nearest_times_many(
    net: Network,
    origin_node: np.ndarray,
    service_nodes: list[np.ndarray],
    *,
    origin_time_s: np.ndarray | None = None,
    service_times_s: list[np.ndarray | None] | None = None,
    k: int = settings.N_NEAREST,
    cutoff_s: float = np.inf,
    method: str | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return `nearest_times` for several sets of services on one network, the sets searched in parallel.

    One call runs every set's search (for instance every category of a mode) on numba's
    threads, one whole search per thread at a time; each set's result is exactly what
    `nearest_times` returns for it alone.

    Parameters
    ----------
    net
        The network to travel on.
    origin_node
        Node index of each origin (-1: off the network).
    service_nodes
        One array of service nodes per set (-1: off the network).
    origin_time_s
        Extra time at the origins' end; 0 when None.
    service_times_s
        One array of extra times per set (or None for 0), or None for 0 everywhere.
    k
        How many nearest distinct services to keep.
    cutoff_s
        Ignore services further than this.
    method
        As `nearest_times`.

    Returns
    -------
    list of (times, services)
        Per set, as `nearest_times`: arrays of shape (n_origins, k), sorted by time, ``inf``
        and -1 where fewer than k services are in reach; `services` are positions within the set.
    """
    method = _check_method(method)
    origin_node = np.asarray(origin_node, dtype=np.int64)
    o_t = np.zeros(len(origin_node)) if origin_time_s is None else np.asarray(origin_time_s, float)
    if service_times_s is None:
        service_times_s = [None] * len(service_nodes)
    if len(service_times_s) != len(service_nodes):
        msg = "Pass one array of service times per set of service nodes (or None for all of them)."
        raise DataError(msg)
    lay = search_layout(net)
    srcs, s_new, s_time = [], [], []
    for nodes, times in zip(service_nodes, service_times_s, strict=True):
        nodes = np.asarray(nodes, dtype=np.int64)
        t = np.zeros(len(nodes)) if times is None else np.asarray(times, float)
        src = np.flatnonzero(nodes >= 0)
        srcs.append(src)
        s_new.append(lay.to_new(nodes[src]))
        s_time.append(t[src])
    grp_ptr = np.zeros(len(srcs) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in srcs], out=grp_ptr[1:])
    out = []
    if len(origin_node) == 0 or grp_ptr[-1] == 0:
        for _ in srcs:
            out.append((np.full((len(origin_node), k), np.inf), np.full((len(origin_node), k), -1, dtype=np.int64)))
        return out
    args = (
        lay.rev_indptr,
        lay.rev_indices,
        lay.rev_weights,
        grp_ptr,
        np.concatenate(s_new).astype(np.int32),
        np.concatenate(s_time).astype(float),
    )
    width = _bucket_width(net, lay.rev_weights)
    if k == 1:
        if method == "buckets":
            d1, l1 = _buckets.nearest1_many(*args, float(cutoff_s), *width)
        else:
            d1, l1 = _dijkstra.nearest1_many(*args, float(cutoff_s))
        dist, lab = d1[:, :, None], l1[:, :, None]
    elif method == "buckets":
        dist, lab = _buckets.k_nearest_many(*args, k, float(cutoff_s), *width)
    else:
        dist, lab = _dijkstra.k_nearest_many(*args, k, float(cutoff_s))
    # a set with no service on the network has no labels: every time inf, every service -1
    return [
        _per_origin(dist[g], lab[g], lay.rank, origin_node, o_t, src, float(cutoff_s)) for g, src in enumerate(srcs)
    ]


def count_within(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    thresholds_s: np.ndarray,
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
    method: str | None = None,
) -> np.ndarray:
    """Return, per origin, how many services are within each threshold (array n_origins × n_thresholds).

    One bounded search per distinct service node, to the largest threshold. With `method`
    ``"lanes"`` (the default, `DEFAULT_COUNT_METHOD`) the searches run `COUNT_LANES` at a time, side by side
    (`equimap.network._lanes`), on the network with its nodes of one or two neighbours taken
    out; ``"contracted"`` runs them one at a time on that graph (`equimap.network._counts`), and
    ``"plain"`` one at a time on every node. All three give the same counts, bit for bit; the
    last two are kept to check the first.
    """
    method = DEFAULT_COUNT_METHOD if method is None else method
    if method not in COUNT_METHODS:
        msg = f"Unknown count method `{method}`; choose one of {list(COUNT_METHODS)}."
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
    threads = numba.get_num_threads()
    n_chunks = max(1, min(threads * 4, len(g_node)))
    if method != "plain" and np.isfinite(thr[-1]):
        is_start = np.zeros(net.n_nodes, dtype=np.bool_)
        is_start[g_node] = True
        graph = _counts.contract(lay.rev_indptr, lay.rev_indices, lay.rev_weights, is_start, ptr[1:] > ptr[:-1])
        args = (
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
        )
        width = max(COUNT_BUCKET_S, float(thr[-1]) / 2**20)
        if method == "contracted":
            return _counts.count_pairs_contracted(*args, n_chunks, width)
        # chunks of consecutive start nodes (near one another in the layout's order), each in
        # batches of up to COUNT_LANES, and at least one chunk per thread
        n_chunks = max(min(threads, len(g_node)), min(threads * 4, -(-len(g_node) // COUNT_LANES)))
        return _lanes.count_pairs_lanes(*args, n_chunks, COUNT_LANES, width)
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
