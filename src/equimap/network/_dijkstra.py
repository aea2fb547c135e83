"""Shortest-path kernels over CSR arrays, compiled with numba.

These are internal: `equimap.network.routing` calls them on a network's reversed CSR so
that a search from the services gives every node its time *to* them.
All kernels are exact Dijkstra with a binary heap; `inf` marks "not reached".
"""

from __future__ import annotations

import numba
import numpy as np

from equimap.network._buckets import _sort_labels

_JIT = {"cache": True, "nogil": True}


@numba.njit(**_JIT)
def _push(hk, hn, hs, size, key, node, src):
    i = size
    hk[i] = key
    hn[i] = node
    hs[i] = src
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= hk[i]:
            break
        hk[p], hk[i] = hk[i], hk[p]
        hn[p], hn[i] = hn[i], hn[p]
        hs[p], hs[i] = hs[i], hs[p]
        i = p
    return size + 1


@numba.njit(**_JIT)
def _pop(hk, hn, hs, size):
    key, node, src = hk[0], hn[0], hs[0]
    size -= 1
    hk[0], hn[0], hs[0] = hk[size], hn[size], hs[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        if left + 1 < size and hk[left + 1] < hk[left]:
            c = left + 1
        if hk[i] <= hk[c]:
            break
        hk[c], hk[i] = hk[i], hk[c]
        hn[c], hn[i] = hn[i], hn[c]
        hs[c], hs[i] = hs[i], hs[c]
        i = c
    return key, node, src, size


@numba.njit(**_JIT)
def k_nearest(indptr, indices, weights, src_node, src_time, k, cutoff):
    """Return, for every node, the times to its `k` nearest distinct sources and their ids.

    Each source s starts at node `src_node[s]` with time `src_time[s]`. A node
    keeps at most k labels, one per source, settled in time order (the
    classic k-nearest-sources Dijkstra); labels beyond `cutoff` are not kept.
    """
    n = len(indptr) - 1
    dist = np.full((n, k), np.inf)
    lab = np.full((n, k), -1, dtype=np.int64)
    cnt = np.zeros(n, dtype=np.int64)
    cap = k * len(indices) + len(src_node) + 1
    hk = np.empty(cap)
    hn = np.empty(cap, dtype=np.int64)
    hs = np.empty(cap, dtype=np.int64)
    size = 0
    for s in range(len(src_node)):
        if src_time[s] <= cutoff:
            size = _push(hk, hn, hs, size, src_time[s], src_node[s], s)
    while size > 0:
        d, u, s, size = _pop(hk, hn, hs, size)
        c = cnt[u]
        if c >= k:
            continue
        seen = False
        for j in range(c):
            if lab[u, j] == s:
                seen = True
                break
        if seen:
            continue
        dist[u, c] = d
        lab[u, c] = s
        cnt[u] = c + 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd > cutoff or cnt[v] >= k:
                continue
            dup = False
            for j in range(cnt[v]):
                if lab[v, j] == s:
                    dup = True
                    break
            if not dup:
                size = _push(hk, hn, hs, size, nd, v, s)
    return dist, lab


@numba.njit(**_JIT)
def _bounded(indptr, indices, weights, start, t0, cutoff, dist, touched, hk, hn, hs):
    """Bounded Dijkstra from one start node; fills `dist` and returns how many nodes it touched."""
    nt = 0
    size = _push(hk, hn, hs, 0, t0, start, 0)
    dist[start] = t0
    touched[nt] = start
    nt += 1
    while size > 0:
        d, u, _s, size = _pop(hk, hn, hs, size)
        if d > dist[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd <= cutoff and nd < dist[v]:
                if dist[v] == np.inf:
                    touched[nt] = v
                    nt += 1
                dist[v] = nd
                size = _push(hk, hn, hs, size, nd, v, 0)
    return nt


@numba.njit(**_JIT)
def _count_chunk(indptr, indices, weights, grp_node, grp_ptr, src_time, cutoffs, org_ptr, org_idx, org_time, lo, hi):
    """Count sources within each cutoff for the source groups lo..hi (one thread's share)."""
    n = len(indptr) - 1
    m = len(cutoffs)
    counts = np.zeros((len(org_time), m), dtype=np.int32)
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    cap = len(indices) + 2
    hk = np.empty(cap)
    hn = np.empty(cap, dtype=np.int64)
    hs = np.empty(cap, dtype=np.int64)
    top = cutoffs[m - 1]
    for g in range(lo, hi):
        t0 = src_time[grp_ptr[g]]  # members are sorted by time: the first is the smallest
        if t0 > top:
            continue
        nt = _bounded(indptr, indices, weights, grp_node[g], 0.0, top - t0, dist, touched, hk, hn, hs)
        for i in range(nt):
            v = touched[i]
            for p in range(org_ptr[v], org_ptr[v + 1]):
                o = org_idx[p]
                base = dist[v] + org_time[o]
                for q in range(grp_ptr[g], grp_ptr[g + 1]):
                    d = base + src_time[q]
                    for j in range(m):
                        if d <= cutoffs[j]:
                            counts[o, j] += 1
            dist[v] = np.inf
    return counts


@numba.njit(parallel=True, cache=True)
def count_within(indptr, indices, weights, grp_node, grp_ptr, src_time, cutoffs, org_ptr, org_idx, org_time, n_chunks):
    """Return, for every origin, how many sources lie within each cutoff (sorted ascending).

    Sources are grouped by start node (`grp_node[g]`, members
    ``grp_ptr[g]:grp_ptr[g+1]`` of `src_time`, sorted by time), so one bounded
    search serves every source on a node. Origins sit at nodes: `org_ptr`/`org_idx`
    list, CSR-style, the origins at each node, and `org_time[o]` is origin o's
    own time to its node. The groups are split into `n_chunks` parallel chunks,
    each with its own search arrays; only touched nodes are reset.
    """
    n_grp = len(grp_node)
    m = len(cutoffs)
    parts = np.zeros((n_chunks, len(org_time), m), dtype=np.int32)
    for c in numba.prange(n_chunks):
        lo = c * n_grp // n_chunks
        hi = (c + 1) * n_grp // n_chunks
        parts[c] = _count_chunk(
            indptr, indices, weights, grp_node, grp_ptr, src_time, cutoffs, org_ptr, org_idx, org_time, lo, hi
        )
    return parts.sum(axis=0).astype(np.int32)


@numba.njit(**_JIT)
def pairs_within(indptr, indices, weights, src_node, src_time, cutoff, targets):
    """Return (source, target index, time) for every target node within `cutoff` of each source.

    `targets` maps node -> target index (-1 for nodes that are not targets); a
    node that is several targets should be passed as one and expanded by the caller.
    """
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    cap = len(indices) + 2
    hk = np.empty(cap)
    hn = np.empty(cap, dtype=np.int64)
    hs = np.empty(cap, dtype=np.int64)
    size_out = 0
    out_s = np.empty(1024, dtype=np.int64)
    out_t = np.empty(1024, dtype=np.int64)
    out_d = np.empty(1024)
    for s in range(len(src_node)):
        if src_time[s] > cutoff:
            continue
        nt = _bounded(indptr, indices, weights, src_node[s], src_time[s], cutoff, dist, touched, hk, hn, hs)
        for i in range(nt):
            v = touched[i]
            if targets[v] >= 0:
                if size_out == len(out_s):
                    out_s = np.concatenate((out_s, np.empty(len(out_s), dtype=np.int64)))
                    out_t = np.concatenate((out_t, np.empty(len(out_t), dtype=np.int64)))
                    out_d = np.concatenate((out_d, np.empty(len(out_d))))
                out_s[size_out] = s
                out_t[size_out] = targets[v]
                out_d[size_out] = dist[v]
                size_out += 1
            dist[v] = np.inf
    return out_s[:size_out].copy(), out_t[:size_out].copy(), out_d[:size_out].copy()


# ---------------------------------------------------------------------------------------------
# Lean kernels: 32-bit node ids and labels, a heap entry pushed only when a label improves.
# Times stay float64 (the graph's own weights, unquantised), so they equal networkx on the
# same weights; the gain comes from fewer, smaller heap entries and (in `routing`) a graph in
# Hilbert order.
# ---------------------------------------------------------------------------------------------


@numba.njit(**_JIT)
def _hpush(hk, hv, size, key, val):
    """Push (key, val) on a binary min-heap held in arrays `hk` (float64) and `hv` (int32)."""
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        i = p
    hk[i] = key
    hv[i] = val
    return size + 1


@numba.njit(**_JIT)
def _hpop(hk, hv, size):
    """Pop the smallest entry; return (key, val, new size)."""
    key, val = hk[0], hv[0]
    size -= 1
    lk, lv = hk[size], hv[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if lk <= hk[c]:
            break
        hk[i] = hk[c]
        hv[i] = hv[c]
        i = c
    hk[i] = lk
    hv[i] = lv
    return key, val, size


@numba.njit(**_JIT)
def _grow(hk, hv, size):
    if size < len(hk):
        return hk, hv
    nk = np.empty(2 * len(hk), dtype=hk.dtype)
    nv = np.empty(2 * len(hv), dtype=hv.dtype)
    nk[:size] = hk[:size]
    nv[:size] = hv[:size]
    return nk, nv


@numba.njit(**_JIT)
def nearest1(indptr, indices, weights, src_node, src_time, cutoff):
    """Return every node's time to its nearest source and which source it is (int32, -1: none).

    Multi-source Dijkstra: a node is pushed only when its time improves. Each push follows
    a source or the relaxation of one arc from a settled node, so the heap never holds more
    than ``len(indices) + len(src_node)`` entries: its arrays are allocated once at that size
    (growing them inside the loop, which rebinds arrays on every push, cost about 20 %).
    """
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    lab = np.full(n, -1, dtype=np.int32)
    cap = len(indices) + len(src_node) + 1
    hk = np.empty(cap)
    hv = np.empty(cap, dtype=np.int32)
    size = 0
    for s in range(len(src_node)):
        t = src_time[s]
        u = src_node[s]
        if t <= cutoff and t < dist[u]:
            dist[u] = t
            lab[u] = s
            size = _hpush(hk, hv, size, t, u)
    while size > 0:
        d, u, size = _hpop(hk, hv, size)
        if d > dist[u]:
            continue
        lu = lab[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd < dist[v] and nd <= cutoff:
                dist[v] = nd
                lab[v] = lu
                size = _hpush(hk, hv, size, nd, v)
    return dist, lab


@numba.njit(parallel=True, cache=True)
def nearest1_many(indptr, indices, weights, grp_ptr, src_node, src_time, cutoff):
    """Return `nearest1` for several source sets at once (one per row), the sets in parallel.

    Set g is ``src_node[grp_ptr[g]:grp_ptr[g+1]]`` with times ``src_time[grp_ptr[g]:grp_ptr[g+1]]``;
    labels are positions within the set. Each set runs the serial `nearest1` on its own
    arrays, so every row equals a serial call exactly; the sets are shared among the threads.
    """
    n = len(indptr) - 1
    m = len(grp_ptr) - 1
    dist = np.empty((m, n))
    lab = np.empty((m, n), dtype=np.int32)
    for g in numba.prange(m):
        a, b = grp_ptr[g], grp_ptr[g + 1]
        d, lb = nearest1(indptr, indices, weights, src_node[a:b], src_time[a:b], cutoff)
        dist[g] = d
        lab[g] = lb
    return dist, lab


@numba.njit(**_JIT)
def k_nearest_lean(indptr, indices, weights, src_node, src_time, k, cutoff):  # noqa: C901 (one hot loop)
    """Return, for every node, the times to its `k` nearest distinct sources and their ids, sorted.

    One search keeps k tentative labels (time, source) per node; a label is pushed only when
    it enters a node's k best (a new source better than the node's worst, or a better time
    for a source it holds); a popped entry that no longer matches its label is skipped. A
    label evicted from a node's k best can never return to them, so the result is exact.
    Heap entries are (time, node * k + slot) in 4 bytes of payload.
    """
    n = len(indptr) - 1
    dist = np.full((n, k), np.inf)
    lab = np.full((n, k), -1, dtype=np.int32)
    done = np.zeros((n, k), dtype=np.bool_)
    n_done = np.zeros(n, dtype=np.int32)
    # each push is a source or one arc relaxed from one of at most k settled labels per node
    cap = k * len(indices) + len(src_node) + 1
    hk = np.empty(cap)
    hv = np.empty(cap, dtype=np.int32)
    size = 0
    for s in range(len(src_node)):
        t = src_time[s]
        if t > cutoff:
            continue
        v = src_node[s]
        worst = 0
        for j in range(1, k):
            if dist[v, j] > dist[v, worst]:
                worst = j
        if t < dist[v, worst]:
            dist[v, worst] = t
            lab[v, worst] = s
            size = _hpush(hk, hv, size, t, v * k + worst)
    while size > 0:
        d, code, size = _hpop(hk, hv, size)
        u = code // k
        j = code - u * k
        if done[u, j] or dist[u, j] != d:
            continue
        done[u, j] = True
        n_done[u] += 1
        s = lab[u, j]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if n_done[v] >= k:
                continue
            nd = d + weights[e]
            if nd > cutoff:
                continue
            slot = -1
            worst = 0
            for i in range(k):
                if lab[v, i] == s:
                    slot = i
                    break
                if dist[v, i] > dist[v, worst]:
                    worst = i
            if slot >= 0:
                if done[v, slot] or nd >= dist[v, slot]:
                    continue
            else:
                for i in range(worst + 1, k):
                    if dist[v, i] > dist[v, worst]:
                        worst = i
                if nd >= dist[v, worst]:
                    continue
                slot = worst
            dist[v, slot] = nd
            lab[v, slot] = s
            size = _hpush(hk, hv, size, nd, v * k + slot)
    _sort_labels(dist, lab)
    return dist, lab


@numba.njit(parallel=True, cache=True)
def k_nearest_many(indptr, indices, weights, grp_ptr, src_node, src_time, k, cutoff):
    """Return `k_nearest_lean` for several source sets at once (one per leading index), the sets in parallel.

    Set g is ``src_node[grp_ptr[g]:grp_ptr[g+1]]``; labels are positions within the set. Every
    set runs the serial kernel on its own arrays, so each result equals a serial call exactly.
    """
    n = len(indptr) - 1
    m = len(grp_ptr) - 1
    dist = np.empty((m, n, k))
    lab = np.empty((m, n, k), dtype=np.int32)
    for g in numba.prange(m):
        a, b = grp_ptr[g], grp_ptr[g + 1]
        d, lb = k_nearest_lean(indptr, indices, weights, src_node[a:b], src_time[a:b], k, cutoff)
        dist[g] = d
        lab[g] = lb
    return dist, lab


@numba.njit(**_JIT)
def _bounded32(indptr, indices, weights, start, cutoff, dist, touched, hk, hv):
    """Bounded Dijkstra from `start` (time 0), push on improvement; return (touched count, hk, hv)."""
    nt = 0
    dist[start] = 0.0
    touched[0] = start
    nt = 1
    size = _hpush(hk, hv, 0, 0.0, start)
    while size > 0:
        d, u, size = _hpop(hk, hv, size)
        if d > dist[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + weights[e]
            if nd <= cutoff and nd < dist[v]:
                if dist[v] == np.inf:
                    touched[nt] = v
                    nt += 1
                dist[v] = nd
                hk, hv = _grow(hk, hv, size)
                size = _hpush(hk, hv, size, nd, v)
    return nt, hk, hv


@numba.njit(**_JIT)
def _count_chunk32(indptr, indices, weights, a_node, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n_out, lo, hi, by_a):
    """Count pairs within each cutoff for the start groups lo..hi (one thread's share).

    A start group g is a node `a_node[g]` with members ``a_ptr[g]:a_ptr[g+1]`` (their own times
    `a_time`, sorted); the far side sits at nodes (CSR `b_ptr`/`b_idx`, times `b_time`). The
    time of a pair is ``(dist + b_time) + a_time`` — the order of today's sums. Counts go to
    the members of the start group when `by_a`, else to the far side.
    """
    n = len(indptr) - 1
    m = len(cutoffs)
    counts = np.zeros((n_out, m), dtype=np.int32)
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int32)
    hk = np.empty(1024)
    hv = np.empty(1024, dtype=np.int32)
    top = cutoffs[m - 1]
    for g in range(lo, hi):
        t0 = a_time[a_ptr[g]]
        if t0 > top:
            continue
        nt, hk, hv = _bounded32(indptr, indices, weights, a_node[g], top - t0, dist, touched, hk, hv)
        for i in range(nt):
            v = touched[i]
            for p in range(b_ptr[v], b_ptr[v + 1]):
                o = b_idx[p]
                base = dist[v] + b_time[o]
                for q in range(a_ptr[g], a_ptr[g + 1]):
                    d = base + a_time[q]
                    if d > top:
                        break
                    for j in range(m):
                        if d <= cutoffs[j]:
                            if by_a:
                                counts[q, j] += 1
                            else:
                                counts[o, j] += 1
            dist[v] = np.inf
    return counts


@numba.njit(parallel=True, cache=True)
def count_pairs(indptr, indices, weights, a_node, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n_out, n_chunks, by_a):
    """Return how many pairs lie within each cutoff (sorted ascending), per far-side or start-side point.

    One bounded search from each start group (see `_count_chunk32`), the groups split into
    `n_chunks` parallel chunks with their own search arrays; only touched nodes are reset.
    """
    n_grp = len(a_node)
    m = len(cutoffs)
    parts = np.zeros((n_chunks, n_out, m), dtype=np.int32)
    for c in numba.prange(n_chunks):
        lo = c * n_grp // n_chunks
        hi = (c + 1) * n_grp // n_chunks
        parts[c] = _count_chunk32(
            indptr, indices, weights, a_node, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n_out, lo, hi, by_a
        )
    out = np.zeros((n_out, m), dtype=np.int32)
    for c in range(n_chunks):
        out += parts[c]
    return out
