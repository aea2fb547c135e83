"""Shortest-path kernels over CSR arrays, compiled with numba.

These are internal: `equimap.network.routing` calls them on a network's reversed CSR so
that a search from the services gives every node its time *to* them.
All kernels are exact Dijkstra with a binary heap; `inf` marks "not reached".
"""

from __future__ import annotations

import numba
import numpy as np

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
