"""Counts of services within each threshold of every origin, by bounded searches on a contracted graph.

`equimap.network.routing.count_within` runs one bounded reverse search per distinct service
node. On a network whose points are inserted into edges (the split network of
`equimap.network.snapping`) about half the nodes have one or two neighbours: origins and
services split into edges, and dead ends. Here those nodes are taken out of the search
("interior" nodes, in chains between two "core" nodes or hanging off one): the search runs
on the core nodes, crossing a chain as one arc whose time is added link by link, and after
each search the time of every interior node that holds origins is read off its chain from
both ends.

The result is bit for bit the same as the plain search. A float Dijkstra gives each node the
least, over all paths from the start, of the path's time summed link by link from the start
(float addition is monotone, so that least fixed point does not depend on the order nodes are
settled in). Crossing a chain adds the same links in the same order, and a node inside a chain
is reached either along the chain from one end or from the other, so its time is the smaller
of the two running sums (a walk that turns back in a chain is never shorter). Parallel links
keep the smaller time, which gives the same sum (``fl(d + min(w)) = min(fl(d + w))``). The
bound ``time <= cutoff`` of the plain search keeps exactly the nodes whose final time is within
it, since running sums never decrease. The counting loop is today's, with the same sums
``(dist + origin time) + service time``.
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True}


@numba.njit(**_JIT)
def _hpush(hk, hv, size, key, val):
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
def _arc_time(indptr, indices, weights, u, v):
    """Return the smallest time of the arcs u -> v (inf when there is none)."""
    best = np.inf
    for e in range(indptr[u], indptr[u + 1]):
        if indices[e] == v and weights[e] < best:
            best = weights[e]
    return best


@numba.njit(**_JIT)
def _neighbours(indptr, indices):
    """Return the undirected neighbour lists (CSR, self-loops left out) and a self-loop flag per node."""
    n = len(indptr) - 1
    deg = np.zeros(n + 1, dtype=np.int64)
    loop = np.zeros(n, dtype=np.bool_)
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if v == u:
                loop[u] = True
            else:
                deg[u + 1] += 1
                deg[v + 1] += 1
    ptr = np.cumsum(deg)
    fill = ptr[:-1].copy()
    nb = np.empty(ptr[-1], dtype=np.int32)
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if v != u:
                nb[fill[u]] = v
                fill[u] += 1
                nb[fill[v]] = u
                fill[v] += 1
    return ptr, nb, loop


@numba.njit(**_JIT)
def contract(indptr, indices, weights, is_start, has_origin):  # noqa: C901 (one pass over the chains)
    """Return the contracted search graph: core arcs (each a sequence of link times) and the chains.

    A node is interior when it has one or two distinct neighbours, no self-loop and is not a
    start; every other node is core. Returns ``(core_ptr, core_to, seq_ptr, seq_w, ch_a, ch_b,
    ch_ptr, ch_node, ch_f, ch_r, end_ptr, end_ch)``: core node u's arcs are ``core_ptr[u]:core_ptr[u+1]``, arc e
    goes to ``core_to[e]`` with link times ``seq_w[seq_ptr[e]:seq_ptr[e+1]]`` added in order.
    Chain c (only those holding origins are kept) runs from core node ``ch_a[c]`` through the
    interior nodes ``ch_node[ch_ptr[c]:ch_ptr[c+1]]`` to ``ch_b[c]`` (-1: a dead end); for its
    i-th node, ``ch_f`` holds the time of the link into it from the `ch_a` side and ``ch_r`` the
    time of the link into it from the `ch_b` side (inf: no such link). ``end_ch[end_ptr[u]:end_ptr[u+1]]``
    lists the kept chains that end at node u.
    """
    n = len(indptr) - 1
    nptr, nb, loop = _neighbours(indptr, indices)
    interior = np.zeros(n, dtype=np.bool_)
    other = np.full((n, 2), -1, dtype=np.int32)
    for u in range(n):
        if is_start[u] or loop[u]:
            continue
        k = 0
        ok = True
        for p in range(nptr[u], nptr[u + 1]):
            v = nb[p]
            if k > 0 and other[u, 0] == v:
                continue
            if k > 1 and other[u, 1] == v:
                continue
            if k == 2:
                ok = False
                break
            other[u, k] = v
            k += 1
        if ok and k >= 1:
            interior[u] = True
    # core arcs: direct arcs between core nodes, then one arc per chain direction
    cap = len(indices) + 16
    arc_from = np.empty(cap, dtype=np.int32)
    arc_to = np.empty(cap, dtype=np.int32)
    arc_sp = np.empty(cap + 1, dtype=np.int64)
    seq = np.empty(len(indices) + 16)
    n_arc = 0
    n_seq = 0
    for u in range(n):
        if interior[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if not interior[v]:
                arc_from[n_arc] = u
                arc_to[n_arc] = v
                arc_sp[n_arc] = n_seq
                seq[n_seq] = weights[e]
                n_seq += 1
                n_arc += 1
    seen = np.zeros(n, dtype=np.bool_)
    path = np.empty(n + 2, dtype=np.int32)
    c_cap = 64
    ch_a = np.empty(c_cap, dtype=np.int32)
    ch_b = np.empty(c_cap, dtype=np.int32)
    ch_ptr = np.zeros(c_cap + 1, dtype=np.int64)
    ch_node = np.empty(n, dtype=np.int32)
    ch_f = np.empty(n)
    ch_r = np.empty(n)
    n_ch = 0
    n_cn = 0
    for a in range(n):
        if interior[a]:
            continue
        for p0 in range(nptr[a], nptr[a + 1]):
            x = nb[p0]
            if not interior[x] or seen[x]:
                continue
            # walk the chain a - x - ... - b
            path[0] = a
            k = 1
            prev = a
            cur = x
            b = -1
            while True:
                if not interior[cur]:
                    b = cur
                    break
                if seen[cur]:  # cannot happen from a core start, kept as a guard
                    break
                seen[cur] = True
                path[k] = cur
                k += 1
                nxt = other[cur, 1] if other[cur, 0] == prev else other[cur, 0]
                if nxt < 0:
                    break
                prev = cur
                cur = nxt
            # path[0] = a, path[1:k] interior, then b (or a dead end)
            if b >= 0:
                path[k] = b
            # chain arcs a -> b and b -> a, when every link exists
            if b >= 0 and b != a:
                for direction in range(2):
                    total_ok = True
                    for i in range(k):
                        s, t = (path[i], path[i + 1]) if direction == 0 else (path[k - i], path[k - i - 1])
                        if _arc_time(indptr, indices, weights, s, t) == np.inf:
                            total_ok = False
                            break
                    if not total_ok:
                        continue
                    if n_arc == len(arc_from):
                        arc_from = np.concatenate((arc_from, np.empty(len(arc_from), dtype=np.int32)))
                        arc_to = np.concatenate((arc_to, np.empty(len(arc_to), dtype=np.int32)))
                        arc_sp = np.concatenate((arc_sp, np.empty(len(arc_sp), dtype=np.int64)))
                    while n_seq + k + 1 > len(seq):
                        seq = np.concatenate((seq, np.empty(len(seq))))
                    arc_from[n_arc] = a if direction == 0 else b
                    arc_to[n_arc] = b if direction == 0 else a
                    arc_sp[n_arc] = n_seq
                    for i in range(k):
                        s, t = (path[i], path[i + 1]) if direction == 0 else (path[k - i], path[k - i - 1])
                        seq[n_seq] = _arc_time(indptr, indices, weights, s, t)
                        n_seq += 1
                    n_arc += 1
            # keep the chain for the read-off when it holds origins
            holds = False
            for i in range(1, k):
                if has_origin[path[i]]:
                    holds = True
                    break
            if not holds:
                continue
            if n_ch == c_cap:
                c_cap *= 2
                ch_a = np.concatenate((ch_a, np.empty(c_cap - n_ch, dtype=np.int32)))
                ch_b = np.concatenate((ch_b, np.empty(c_cap - n_ch, dtype=np.int32)))
                ch_ptr = np.concatenate((ch_ptr, np.zeros(c_cap - n_ch, dtype=np.int64)))
            ch_a[n_ch] = a
            ch_b[n_ch] = b
            for i in range(1, k):
                ch_node[n_cn] = path[i]
                ch_f[n_cn] = _arc_time(indptr, indices, weights, path[i - 1], path[i])
                ch_r[n_cn] = (
                    _arc_time(indptr, indices, weights, path[i + 1], path[i]) if (i + 1 < k or b >= 0) else np.inf
                )
                n_cn += 1
            ch_ptr[n_ch + 1] = n_cn
            n_ch += 1
    arc_sp[n_arc] = n_seq
    # arcs to CSR by their tail (core nodes only have arcs)
    core_ptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(n_arc):
        core_ptr[arc_from[e] + 1] += 1
    core_ptr = np.cumsum(core_ptr)
    fill = core_ptr[:-1].copy()
    core_to = np.empty(n_arc, dtype=np.int32)
    seq_ptr = np.empty(n_arc + 1, dtype=np.int64)
    seq_w = np.empty(n_seq)
    at = 0
    order = np.empty(n_arc, dtype=np.int64)
    for e in range(n_arc):
        order[fill[arc_from[e]]] = e
        fill[arc_from[e]] += 1
    for j in range(n_arc):
        e = order[j]
        core_to[j] = arc_to[e]
        seq_ptr[j] = at
        for q in range(arc_sp[e], arc_sp[e + 1]):
            seq_w[at] = seq[q]
            at += 1
    seq_ptr[n_arc] = at
    # the chains by their end nodes, so a search reads only the chains it reached
    end_ptr = np.zeros(n + 1, dtype=np.int64)
    for c in range(n_ch):
        end_ptr[ch_a[c] + 1] += 1
        if ch_b[c] >= 0 and ch_b[c] != ch_a[c]:
            end_ptr[ch_b[c] + 1] += 1
    end_ptr = np.cumsum(end_ptr)
    fill = end_ptr[:-1].copy()
    end_ch = np.empty(end_ptr[-1], dtype=np.int32)
    for c in range(n_ch):
        end_ch[fill[ch_a[c]]] = c
        fill[ch_a[c]] += 1
        if ch_b[c] >= 0 and ch_b[c] != ch_a[c]:
            end_ch[fill[ch_b[c]]] = c
            fill[ch_b[c]] += 1
    return (
        core_ptr,
        core_to,
        seq_ptr,
        seq_w,
        ch_a[:n_ch].copy(),
        ch_b[:n_ch].copy(),
        ch_ptr[: n_ch + 1].copy(),
        ch_node[:n_cn].copy(),
        ch_f[:n_cn].copy(),
        ch_r[:n_cn].copy(),
        end_ptr,
        end_ch,
    )


@numba.njit(**_JIT)
def _core_search(core_ptr, core_to, seq_ptr, seq_w, start, cutoff, dist, touched, hk, hv):
    """Bounded Dijkstra on the core arcs from `start` (time 0); return (touched count, hk, hv)."""
    dist[start] = 0.0
    touched[0] = start
    nt = 1
    size = _hpush(hk, hv, 0, 0.0, start)
    while size > 0:
        d, u, size = _hpop(hk, hv, size)
        if d > dist[u]:
            continue
        for e in range(core_ptr[u], core_ptr[u + 1]):
            nd = d
            for q in range(seq_ptr[e], seq_ptr[e + 1]):
                nd = nd + seq_w[q]
            v = core_to[e]
            if nd <= cutoff and nd < dist[v]:
                if dist[v] == np.inf:
                    touched[nt] = v
                    nt += 1
                dist[v] = nd
                hk, hv = _grow(hk, hv, size)
                size = _hpush(hk, hv, size, nd, v)
    return nt, hk, hv


@numba.njit(**_JIT)
def _core_search_buckets(core_ptr, core_to, seq_ptr, seq_w, start, cutoff, width, dist, touched, head, pool):
    """Bounded search on the core arcs from `start` (time 0) with a bucket queue; return (touched count, pool).

    Buckets of `width` seconds, each a linked list in `pool` (rows: node, next). A node is
    pushed when its time improves and skipped when popped with a time that is no longer its own;
    one popped from a bucket may later improve within it and is then popped again (label
    correcting). The times found are the least fixed point of ``dist[v] = min(dist[u] + w)``,
    which does not depend on the order: the same times, bit for bit, as a binary-heap Dijkstra.
    """
    n_b = len(head)
    dist[start] = 0.0
    touched[0] = start
    nt = 1
    pool[0, 0] = start
    pool[0, 1] = -1
    head[0] = 0
    used = 1
    for b in range(n_b):
        while head[b] >= 0:
            it = head[b]
            head[b] = pool[it, 1]
            u = pool[it, 0]
            d = dist[u]
            if int(d / width) != b:  # improved since into an earlier bucket: already handled there
                continue
            for e in range(core_ptr[u], core_ptr[u + 1]):
                nd = d
                for q in range(seq_ptr[e], seq_ptr[e + 1]):
                    nd = nd + seq_w[q]
                v = core_to[e]
                if nd <= cutoff and nd < dist[v]:
                    if dist[v] == np.inf:
                        touched[nt] = v
                        nt += 1
                    dist[v] = nd
                    if used == len(pool):
                        grown = np.empty((2 * len(pool), 2), dtype=np.int32)
                        grown[:used] = pool[:used]
                        pool = grown
                    bv = int(nd / width)
                    pool[used, 0] = v
                    pool[used, 1] = head[bv]
                    head[bv] = used
                    used += 1
    return nt, pool


@numba.njit(inline="always", **_JIT)
def _add(counts, d_node, v, o_ptr, o_idx, o_time, a_ptr, a_time, g, cutoffs, top):
    """Count the pairs (origin at node v at time `d_node`, service of group g), today's sums, each at its smallest threshold."""
    m = len(cutoffs)
    for p in range(o_ptr[v], o_ptr[v + 1]):
        o = o_idx[p]
        base = d_node + o_time[o]
        for q in range(a_ptr[g], a_ptr[g + 1]):
            d = base + a_time[q]
            if d > top:
                break
            for j in range(m):
                if d <= cutoffs[j]:  # the first threshold it is within; the rest by a running sum at the end
                    counts[o, j] += 1
                    break


@numba.njit(**_JIT)
def _count_chunk(graph, a_node, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n, n_out, lo, hi, width):
    core_ptr, core_to, seq_ptr, seq_w, ch_a, ch_b, ch_ptr, ch_node, ch_f, ch_r, end_ptr, end_ch = graph
    m = len(cutoffs)
    counts = np.zeros((n_out, m), dtype=np.int32)
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int32)
    fwd = np.empty(len(ch_node) + 1)
    stamp = np.full(len(ch_a), -1, dtype=np.int64)
    top = cutoffs[m - 1]
    head = np.full(int(top / width) + 1, -1, dtype=np.int32)
    pool = np.empty((1024, 2), dtype=np.int32)
    for g in range(lo, hi):
        t0 = a_time[a_ptr[g]]
        if t0 > top:
            continue
        cutoff = top - t0
        nt, pool = _core_search_buckets(
            core_ptr, core_to, seq_ptr, seq_w, a_node[g], cutoff, width, dist, touched, head, pool
        )
        for i in range(nt):
            v = touched[i]
            if b_ptr[v + 1] > b_ptr[v]:
                _add(counts, dist[v], v, b_ptr, b_idx, b_time, a_ptr, a_time, g, cutoffs, top)
        # interior nodes holding origins: the smaller running sum from either end of their chain
        for i0 in range(nt):
            for pc in range(end_ptr[touched[i0]], end_ptr[touched[i0] + 1]):
                c = end_ch[pc]
                if stamp[c] == g:
                    continue
                stamp[c] = g
                da = dist[ch_a[c]]
                db = dist[ch_b[c]] if ch_b[c] >= 0 else np.inf
                if da == np.inf and db == np.inf:
                    continue
                lo_c, hi_c = ch_ptr[c], ch_ptr[c + 1]
                run = da
                for i in range(lo_c, hi_c):
                    run = run + ch_f[i]
                    fwd[i] = run
                run = db
                for i in range(hi_c - 1, lo_c - 1, -1):
                    run = run + ch_r[i]
                    d = fwd[i] if fwd[i] < run else run
                    v = ch_node[i]
                    if d <= cutoff and b_ptr[v + 1] > b_ptr[v]:
                        _add(counts, d, v, b_ptr, b_idx, b_time, a_ptr, a_time, g, cutoffs, top)
        for i in range(nt):
            dist[touched[i]] = np.inf
    return counts


@numba.njit(parallel=True, cache=True)
def count_pairs_contracted(graph, a_node, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n, n_out, n_chunks, width):
    """Return, per origin, how many services lie within each cutoff (sorted ascending).

    Same inputs and result as ``_dijkstra.count_pairs(..., by_a=False)``, with the search graph
    given as `contract`'s output (`graph`); the start nodes `a_node` must be core nodes there.
    The searches use a bucket queue of `width` seconds (`_core_search_buckets`; the largest
    cutoff must be finite).
    """
    n_grp = len(a_node)
    m = len(cutoffs)
    parts = np.zeros((n_chunks, n_out, m), dtype=np.int32)
    for c in numba.prange(n_chunks):
        lo = c * n_grp // n_chunks
        hi = (c + 1) * n_grp // n_chunks
        parts[c] = _count_chunk(graph, a_node, a_ptr, a_time, cutoffs, b_ptr, b_idx, b_time, n, n_out, lo, hi, width)
    return cumulative_total(parts)


@numba.njit(**_JIT)
def cumulative_total(parts):
    """Return the chunks' counts (chunk x origin x threshold) added up, then summed over the thresholds.

    Each pair was counted at its smallest threshold only, so a running sum gives each threshold's count.
    """
    out = np.zeros(parts.shape[1:], dtype=np.int32)
    for c in range(parts.shape[0]):
        out += parts[c]
    for j in range(1, out.shape[1]):
        out[:, j] += out[:, j - 1]
    return out
