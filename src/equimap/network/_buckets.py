"""Nearest-source kernels with a bucket queue (Dial's algorithm, label correcting), compiled with numba.

These are what `equimap.network.routing.nearest_times` runs by default; the binary-heap kernels
of `equimap.network._dijkstra` are kept to check them (``method="heap"``).

The queue
---------
A node's tentative time ``d`` puts it in bucket ``int(d / width)``. Buckets are taken in
increasing order, and within a bucket last in, first out. Every arc leaves a node for a time no
smaller than the node's, so a bucket, once passed, never receives anything again. Each push
follows a strict improvement of a node's label; a node's older entries are skipped when popped
(each node keeps the pool index of its one live entry). A node popped from a bucket may be
improved later within the same bucket (an arc shorter than the width) and is then scanned again:
label correcting. The buckets sit on a ring of at least ``max arc time / width + 3`` slots: at
any moment every live entry is within one arc time of the bucket being taken, so no two live
buckets share a slot. Sources enter in time order, each when its bucket comes up.

Why the result is exact
-----------------------
A node's final label is the least, in the order (time, source index), over all paths from any
source, of the path's time summed arc by arc from the source (float addition is monotone, so
this least fixed point does not depend on the order in which nodes are scanned), and a label is
replaced only by a smaller one. Scanning stops when no label can improve, which is that fixed
point: the same times, bit for bit, as the heap Dijkstra; on exact ties the smaller source index
wins (the heap kernel keeps whichever was settled first).

For the k nearest, each node keeps its k least labels (time, source), at most one per source.
A label evicted from a node's k least is never needed by a neighbour: the k labels that evicted
it only get smaller, so through that node they beat it at every neighbour too.
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True}
#: Ring slots are a power of two; the width is widened so that the ring has at most this many.
MAX_RING = 1 << 16
#: A time's bucket number is clipped here (so a huge time never overflows the integer).
_MAX_BUCKET = float(1 << 62)


@numba.njit(**_JIT)
def _ring_size(max_w, width):
    need = int(max_w / width) + 3
    r = 2
    while r < need:
        r *= 2
    return r


@numba.njit(**_JIT)
def _bucket(t, inv):
    x = t * inv
    if x > _MAX_BUCKET:
        return np.int64(_MAX_BUCKET)
    return np.int64(x)


@numba.njit(**_JIT)
def _push(head, pval, pnext, free, used, slot, val):
    """Put `val` at the head of ring slot `slot`; return (entry index, free, used, pval, pnext)."""
    if free >= 0:
        it = free
        free = pnext[it]
    else:
        if used == len(pval):
            nv = np.empty(2 * len(pval), dtype=np.int32)
            nn = np.empty(2 * len(pnext), dtype=np.int32)
            nv[:used] = pval[:used]
            nn[:used] = pnext[:used]
            pval, pnext = nv, nn
        it = used
        used += 1
    pval[it] = val
    pnext[it] = head[slot]
    head[slot] = it
    return it, free, used, pval, pnext


@numba.njit(**_JIT)
def nearest1(indptr, indices, weights, src_node, src_time, cutoff, width, max_w):  # noqa: C901 (one hot loop)
    """Return every node's time to its nearest source and which source it is (int32, -1: none).

    Each source s starts at node `src_node[s]` with time `src_time[s]`; times beyond `cutoff`
    are not kept. `width` is the bucket width (s) and `max_w` the largest arc time.
    """
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    lab = np.full(n, -1, dtype=np.int32)
    last = np.full(n, -1, dtype=np.int32)
    order = np.argsort(src_time, kind="mergesort")
    inv = 1.0 / width
    ring = _ring_size(max_w, width)
    mask = ring - 1
    head = np.full(ring, -1, dtype=np.int32)
    pval = np.empty(1024 + len(src_node), dtype=np.int32)
    pnext = np.empty(len(pval), dtype=np.int32)
    free, used, pending, p = -1, 0, 0, 0
    ns = len(order)
    # sources beyond the cutoff (or NaN) sort last
    if ns == 0 or not src_time[order[0]] <= cutoff:
        return dist, lab
    cur = _bucket(src_time[order[0]], inv)
    while True:
        while p < ns:
            s = order[p]
            t = src_time[s]
            if not t <= cutoff:
                p = ns
                break
            if _bucket(t, inv) > cur:
                break
            p += 1
            u = src_node[s]
            if t < dist[u] or (t == dist[u] and s < lab[u]):
                dist[u] = t
                lab[u] = s
                it, free, used, pval, pnext = _push(head, pval, pnext, free, used, cur & mask, u)
                last[u] = it
                pending += 1
        slot = cur & mask
        while head[slot] >= 0:
            it = head[slot]
            head[slot] = pnext[it]
            u = pval[it]
            pnext[it] = free
            free = it
            pending -= 1
            if last[u] != it:
                continue
            last[u] = -1
            d = dist[u]
            lu = lab[u]
            for e in range(indptr[u], indptr[u + 1]):
                nd = d + weights[e]
                if nd > cutoff:
                    continue
                v = indices[e]
                dv = dist[v]
                if nd < dv or (nd == dv and lu < lab[v]):
                    dist[v] = nd
                    lab[v] = lu
                    it2, free, used, pval, pnext = _push(head, pval, pnext, free, used, _bucket(nd, inv) & mask, v)
                    last[v] = it2
                    pending += 1
        if pending == 0:
            if p >= ns:
                break
            cur = _bucket(src_time[order[p]], inv)
        else:
            cur += 1
    return dist, lab


@numba.njit(**_JIT)
def _slot_for(dist, lab, v, s, k):
    """Return (slot holding source s at node v or -1, the slot of v's largest label)."""
    worst = 0
    for i in range(k):
        if lab[v, i] == s:
            return i, -1
        if dist[v, i] > dist[v, worst] or (dist[v, i] == dist[v, worst] and lab[v, i] > lab[v, worst]):
            worst = i
    return -1, worst


@numba.njit(**_JIT)
def _offer(dist, lab, v, s, t, k):
    """Return the slot of node v that label (t, s) should take, or -1 if it is not among v's k least."""
    slot, worst = _slot_for(dist, lab, v, s, k)
    if slot >= 0:
        return slot if t < dist[v, slot] else -1
    if t < dist[v, worst] or (t == dist[v, worst] and s < lab[v, worst]):
        return worst
    return -1


@numba.njit(**_JIT)
def _sort_labels(dist, lab):
    """Sort each node's k labels by (time, source), in place (insertion sort on k entries)."""
    n, k = dist.shape
    for v in range(n):
        for a in range(1, k):
            dk = dist[v, a]
            lk = lab[v, a]
            b = a - 1
            while b >= 0 and (dist[v, b] > dk or (dist[v, b] == dk and lab[v, b] > lk >= 0)):
                dist[v, b + 1] = dist[v, b]
                lab[v, b + 1] = lab[v, b]
                b -= 1
            dist[v, b + 1] = dk
            lab[v, b + 1] = lk


@numba.njit(**_JIT)
def k_nearest(indptr, indices, weights, src_node, src_time, k, cutoff, width, max_w):  # noqa: C901 (one hot loop)
    """Return, for every node, the times to its `k` nearest distinct sources and their ids, sorted.

    One search keeps each node's k least labels (time, source); an entry is the code
    ``node * k + slot``. Arguments as `nearest1`.
    """
    n = len(indptr) - 1
    dist = np.full((n, k), np.inf)
    lab = np.full((n, k), -1, dtype=np.int32)
    last = np.full(n * k, -1, dtype=np.int32)
    order = np.argsort(src_time, kind="mergesort")
    inv = 1.0 / width
    ring = _ring_size(max_w, width)
    mask = ring - 1
    head = np.full(ring, -1, dtype=np.int32)
    pval = np.empty(1024 + len(src_node), dtype=np.int32)
    pnext = np.empty(len(pval), dtype=np.int32)
    free, used, pending, p = -1, 0, 0, 0
    ns = len(order)
    if ns == 0 or not src_time[order[0]] <= cutoff:
        return dist, lab
    cur = _bucket(src_time[order[0]], inv)
    while True:
        while p < ns:
            s = order[p]
            t = src_time[s]
            if not t <= cutoff:
                p = ns
                break
            if _bucket(t, inv) > cur:
                break
            p += 1
            v = src_node[s]
            slot = _offer(dist, lab, v, s, t, k)
            if slot >= 0:
                dist[v, slot] = t
                lab[v, slot] = s
                it, free, used, pval, pnext = _push(head, pval, pnext, free, used, cur & mask, v * k + slot)
                last[v * k + slot] = it
                pending += 1
        ring_slot = cur & mask
        while head[ring_slot] >= 0:
            it = head[ring_slot]
            head[ring_slot] = pnext[it]
            code = pval[it]
            pnext[it] = free
            free = it
            pending -= 1
            if last[code] != it:
                continue
            last[code] = -1
            u = code // k
            j = code - u * k
            d = dist[u, j]
            s = lab[u, j]
            for e in range(indptr[u], indptr[u + 1]):
                nd = d + weights[e]
                if nd > cutoff:
                    continue
                v = indices[e]
                slot = _offer(dist, lab, v, s, nd, k)
                if slot < 0:
                    continue
                dist[v, slot] = nd
                lab[v, slot] = s
                it2, free, used, pval, pnext = _push(
                    head, pval, pnext, free, used, _bucket(nd, inv) & mask, v * k + slot
                )
                last[v * k + slot] = it2
                pending += 1
        if pending == 0:
            if p >= ns:
                break
            cur = _bucket(src_time[order[p]], inv)
        else:
            cur += 1
    _sort_labels(dist, lab)
    return dist, lab


@numba.njit(parallel=True, cache=True)
def nearest1_many(indptr, indices, weights, grp_ptr, src_node, src_time, cutoff, width, max_w):
    """Return `nearest1` for several source sets at once (one per row), the sets shared among the threads.

    Set g is ``src_node[grp_ptr[g]:grp_ptr[g+1]]`` with its times; labels are positions within
    the set. Each row equals a serial call exactly.
    """
    n = len(indptr) - 1
    m = len(grp_ptr) - 1
    dist = np.empty((m, n))
    lab = np.empty((m, n), dtype=np.int32)
    for g in numba.prange(m):
        a, b = grp_ptr[g], grp_ptr[g + 1]
        d, lb = nearest1(indptr, indices, weights, src_node[a:b], src_time[a:b], cutoff, width, max_w)
        dist[g] = d
        lab[g] = lb
    return dist, lab


@numba.njit(parallel=True, cache=True)
def k_nearest_many(indptr, indices, weights, grp_ptr, src_node, src_time, k, cutoff, width, max_w):
    """Return `k_nearest` for several source sets at once (one per leading index), in parallel."""
    n = len(indptr) - 1
    m = len(grp_ptr) - 1
    dist = np.empty((m, n, k))
    lab = np.empty((m, n, k), dtype=np.int32)
    for g in numba.prange(m):
        a, b = grp_ptr[g], grp_ptr[g + 1]
        d, lb = k_nearest(indptr, indices, weights, src_node[a:b], src_time[a:b], k, cutoff, width, max_w)
        dist[g] = d
        lab[g] = lb
    return dist, lab


def bucket_width_s(weights: np.ndarray, *, factor: float = 2.0) -> tuple[float, float]:
    """Return the bucket width (s) for arcs of times `weights`, and the largest arc time.

    The width is `factor` times the median positive arc time (fastest on Malta's networks and
    on street grids, `bench.kernels`), widened where needed so that the ring has at most
    `MAX_RING` slots. Any positive width gives the same times.
    """
    w = np.asarray(weights, float)
    max_w = float(w.max()) if len(w) else 0.0
    pos = w[w > 0]
    width = factor * float(np.median(pos)) if len(pos) else 1.0
    width = max(width, max_w / (MAX_RING - 3), 1e-9)
    return width, max_w
