"""Counts of services within each threshold by searches run side by side in lanes, compiled with numba.

`equimap.network._counts` runs one bounded search per service node on the contracted graph.
For a dense category (Malta's 2,074 bus stops by car, each search covering the island) that is
thousands of passes over the same nodes. Here a batch of searches runs at once, one per lane:
each core node holds one time per lane (a row of ``dist[node, lane]``, the core nodes renumbered
so that the rows stay close in memory), and a visit of a node passes all its lanes' times along
each arc in one loop. The service nodes are taken in the search layout's locality order, so a
batch's starts are near one another and their searches reach a node at about the same time: one
visit then serves several lanes (on Malta's bus stops by car, 16 lanes visit a node about 3.3
times, against 16 visits one search at a time).

The queue
---------
A node sits in the bucket of the least time it has gained since it was last visited,
``int(time / width)`` (a later gain in a later bucket leaves it where it is; one in an earlier
bucket moves it). When it is taken from a bucket it passes every lane's time along its arcs;
a lane it has already passed on, or has not been reached in, improves nothing there. Every arc
time is non-negative, so no time gained while bucket b is taken is below ``b * width``, and
buckets are taken in increasing order.

Why the result is exact
-----------------------
Each lane is a label-correcting search of its own start: a lane's time at a node only
decreases, and each decrease is passed on at a later visit. The search stops when no lane can
improve, which for each lane is the least fixed point of ``dist[v] = min(dist[u] + w)`` over its
start's bounded search: the same times, bit for bit, as `_counts`' one search per start (float
addition is monotone, so that fixed point does not depend on the order of the visits; the arcs of
the contracted graph add their link times in the same order, lane by lane). The read-off of the
chains and the counting are `_counts`' own, lane by lane. `tests/test_counts.py` checks the
counts against one search at a time, the plain search and networkx.
"""

from __future__ import annotations

import numba
import numpy as np

from equimap.network._counts import _add, cumulative_total

_JIT = {"cache": True, "nogil": True}


@numba.njit(inline="always", **_JIT)
def _enqueue(v, bv, qb, head, pool, used):
    """Put node v in bucket bv (its older entry, if any, is skipped when popped); return (pool, used)."""
    if used == len(pool):
        grown = np.empty((2 * len(pool), 2), dtype=np.int32)
        grown[:used] = pool[:used]
        pool = grown
    pool[used, 0] = v
    pool[used, 1] = head[bv]
    head[bv] = used
    qb[v] = bv
    return pool, used + 1


@numba.njit(**_JIT)
def _lane_search(  # noqa: C901, PLR0913 (one hot loop)
    core_ptr, core_to, seq_ptr, seq_w, starts, lane_cut, width, dist, qb, touched, head, pool
):
    """Bounded searches from ``starts[l]`` (time 0) in lane l, side by side; return (touched count, pool).

    `dist` (nodes x lanes, all inf) and `qb` (-2: not touched; -1: touched, not queued; else the
    node's bucket) are left set on the touched nodes, `touched[:count]`, for the caller to
    read and reset.
    """
    n_lanes = len(starts)
    here = np.empty(n_lanes)
    there = np.empty(n_lanes)
    nt = 0
    used = 0
    for lane in range(n_lanes):
        s = starts[lane]
        if qb[s] == -2:
            qb[s] = -1
            touched[nt] = s
            nt += 1
        dist[s, lane] = 0.0
        if qb[s] != 0:
            pool, used = _enqueue(s, 0, qb, head, pool, used)
    n_b = len(head)
    for b in range(n_b):
        while head[b] >= 0:
            it = head[b]
            head[b] = pool[it, 1]
            u = pool[it, 0]
            if qb[u] != b:
                continue
            qb[u] = -1
            for lane in range(n_lanes):
                here[lane] = dist[u, lane]
            for e in range(core_ptr[u], core_ptr[u + 1]):
                v = core_to[e]
                # every lane at once: a lane already passed on (or unreached, inf) improves nothing
                for lane in range(n_lanes):
                    there[lane] = here[lane]
                for q in range(seq_ptr[e], seq_ptr[e + 1]):
                    w = seq_w[q]
                    for lane in range(n_lanes):
                        there[lane] = there[lane] + w
                best = np.inf
                for lane in range(n_lanes):
                    nd = there[lane]
                    if nd <= lane_cut[lane] and nd < dist[v, lane]:
                        dist[v, lane] = nd
                        best = min(best, nd)
                if best < np.inf:
                    if qb[v] == -2:
                        qb[v] = -1
                        touched[nt] = v
                        nt += 1
                    bv = int(best / width)
                    if qb[v] < 0 or bv < qb[v]:
                        pool, used = _enqueue(v, bv, qb, head, pool, used)
    return nt, pool


@numba.njit(inline="always", **_JIT)
def _count_chain(counts, c, dist, n_l, lane_cut, grp, fwd, run, graph, b_ptr, b_idx, b_time, a_ptr, a_time, cutoffs):  # noqa: PLR0913
    """Count the pairs on chain c's interior nodes: each the smaller running sum from either end, lane by lane."""
    ch_a, ch_b, ch_ptr, ch_node, ch_f, ch_r = graph[4], graph[5], graph[6], graph[7], graph[8], graph[9]
    top = cutoffs[len(cutoffs) - 1]
    lo_c, hi_c = ch_ptr[c], ch_ptr[c + 1]
    a, b = ch_a[c], ch_b[c]
    for lane in range(n_l):
        run[lane] = dist[a, lane]
    for i in range(lo_c, hi_c):
        f = ch_f[i]
        for lane in range(n_l):
            run[lane] = run[lane] + f
            fwd[i - lo_c, lane] = run[lane]
    for lane in range(n_l):
        run[lane] = dist[b, lane] if b >= 0 else np.inf
    for i in range(hi_c - 1, lo_c - 1, -1):
        r = ch_r[i]
        for lane in range(n_l):
            run[lane] = run[lane] + r
        v = ch_node[i]
        if b_ptr[v + 1] == b_ptr[v]:
            continue
        for lane in range(n_l):
            d = fwd[i - lo_c, lane] if fwd[i - lo_c, lane] < run[lane] else run[lane]
            if d <= lane_cut[lane]:
                _add(counts, d, v, b_ptr, b_idx, b_time, a_ptr, a_time, grp[lane], cutoffs, top)


@numba.njit(**_JIT)
def _count_lanes_chunk(  # noqa: C901, PLR0913 (one loop over the batches)
    graph, orig, a_node, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n_out, lo, hi, lanes, width
):
    core_ptr, core_to, seq_ptr, seq_w, ch_a, _b, ch_ptr, _nodes, _f, _r, end_ptr, end_ch = graph
    n = len(orig)
    m = len(cutoffs)
    counts = np.zeros((n_out, m), dtype=np.int32)
    dist = np.full((n, lanes), np.inf)
    qb = np.full(n, -2, dtype=np.int32)
    touched = np.empty(n, dtype=np.int32)
    longest = 1
    for c in range(len(ch_a)):
        longest = max(longest, ch_ptr[c + 1] - ch_ptr[c])
    fwd = np.empty((longest, lanes))
    run = np.empty(lanes)
    stamp = np.full(len(ch_a), -1, dtype=np.int64)
    top = cutoffs[m - 1]
    head = np.full(int(top / width) + 1, -1, dtype=np.int32)
    pool = np.empty((1024, 2), dtype=np.int32)
    grp = np.empty(lanes, dtype=np.int64)
    g = lo
    batch = 0
    while g < hi:
        n_l = 0  # the next groups whose first service is within the largest threshold, one per lane
        while g < hi and n_l < lanes:
            if a_time[a_ptr[g]] <= top:
                grp[n_l] = g
                n_l += 1
            g += 1
        if n_l == 0:
            break
        starts = np.empty(n_l, dtype=np.int64)
        lane_cut = np.empty(n_l)
        for lane in range(n_l):
            starts[lane] = a_node[grp[lane]]
            lane_cut[lane] = top - a_time[a_ptr[grp[lane]]]
        nt, pool = _lane_search(
            core_ptr,
            core_to,
            seq_ptr,
            seq_w,
            starts,
            lane_cut,
            width,
            dist,
            qb,
            touched,
            head,
            pool,
        )
        for i in range(nt):
            v = touched[i]
            ov = orig[v]
            if b_ptr[ov + 1] > b_ptr[ov]:
                for lane in range(n_l):
                    if dist[v, lane] < np.inf:
                        _add(counts, dist[v, lane], ov, b_ptr, b_idx, b_time, a_ptr, a_time, grp[lane], cutoffs, top)
        # interior nodes holding origins, read off the chains that end at a touched node, once each
        for i0 in range(nt):
            for pc in range(end_ptr[touched[i0]], end_ptr[touched[i0] + 1]):
                c = end_ch[pc]
                if stamp[c] == batch:
                    continue
                stamp[c] = batch
                _count_chain(
                    counts, c, dist, n_l, lane_cut, grp, fwd, run, graph, b_ptr, b_idx, b_time, a_ptr, a_time, cutoffs
                )
        for i in range(nt):
            v = touched[i]
            for lane in range(n_l):
                dist[v, lane] = np.inf
            qb[v] = -2
        batch += 1
    return counts


@numba.njit(**_JIT)
def _compact(graph, a_node, n):
    """Return the contracted graph with its core nodes numbered 0, 1, ... in their order, the old number of each, and the starts."""
    core_ptr, core_to, seq_ptr, seq_w, ch_a, ch_b, ch_ptr, ch_node, ch_f, ch_r, end_ptr, end_ch = graph
    keep = np.zeros(n, dtype=np.bool_)
    for u in range(n):
        if core_ptr[u + 1] > core_ptr[u] or end_ptr[u + 1] > end_ptr[u]:
            keep[u] = True
    for e in range(len(core_to)):
        keep[core_to[e]] = True
    for g in range(len(a_node)):
        keep[a_node[g]] = True
    cid = np.full(n, -1, dtype=np.int32)
    orig = np.empty(n, dtype=np.int64)
    k = 0
    for u in range(n):
        if keep[u]:
            cid[u] = k
            orig[k] = u
            k += 1
    orig = orig[:k].copy()
    # a node that is not kept has no arcs and ends no chain: the arcs and chains keep their order
    new_ptr = np.empty(k + 1, dtype=np.int64)
    new_end = np.empty(k + 1, dtype=np.int64)
    for i in range(k):
        new_ptr[i] = core_ptr[orig[i]]
        new_end[i] = end_ptr[orig[i]]
    new_ptr[k] = core_ptr[n]
    new_end[k] = end_ptr[n]
    new_to = np.empty(len(core_to), dtype=np.int32)
    for e in range(len(core_to)):
        new_to[e] = cid[core_to[e]]
    new_a = np.empty(len(ch_a), dtype=np.int32)
    new_b = np.empty(len(ch_b), dtype=np.int32)
    for c in range(len(ch_a)):
        new_a[c] = cid[ch_a[c]]
        new_b[c] = cid[ch_b[c]] if ch_b[c] >= 0 else -1
    starts = np.empty(len(a_node), dtype=np.int32)
    for g in range(len(a_node)):
        starts[g] = cid[a_node[g]]
    compact = (new_ptr, new_to, seq_ptr, seq_w, new_a, new_b, ch_ptr, ch_node, ch_f, ch_r, new_end, end_ch)
    return compact, orig, starts


@numba.njit(parallel=True, cache=True)
def count_pairs_lanes(graph, a_node, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n, n_out, n_chunks, lanes, width):  # noqa: PLR0913
    """Return, per origin, how many services lie within each cutoff (sorted ascending).

    Same inputs and result as `equimap.network._counts.count_pairs_contracted`, with the searches
    from `lanes` consecutive start nodes run side by side (`_lane_search`) on the core nodes alone,
    renumbered (`_compact`: the lanes' rows of times stay small).
    """
    compact, orig, starts = _compact(graph, a_node, n)
    n_grp = len(a_node)
    m = len(cutoffs)
    parts = np.zeros((n_chunks, n_out, m), dtype=np.int32)
    for c in numba.prange(n_chunks):
        lo = c * n_grp // n_chunks
        hi = (c + 1) * n_grp // n_chunks
        parts[c] = _count_lanes_chunk(
            compact, orig, starts, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n_out, lo, hi, lanes, width
        )
    return cumulative_total(parts)
