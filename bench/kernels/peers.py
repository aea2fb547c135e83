"""The engines of the kernels benchmark: equimap and each peer, as ``build(net, row) -> run``.

Each builder makes its engine's graph from a `Network` (that time is the build time) and
returns ``run()``, the pass alone, which gives ``{category: array per node}``; an engine that
cannot run a row raises `UnsupportedError` with the reason, printed in the row's place.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.kernels.rows import Row, total_sites
from equimap.network.graph import Network
from equimap.network.routing import count_within, nearest_times

PEERS = ("scipy", "networkx", "igraph", "networkit", "pandana")

#: networkx runs a row only when its searches settle at most this many nodes in all (Python: ~1M/s).
NX_MAX_SETTLED = 3_000_000
#: igraph and networkit have no bounded search: counts take a full search per site, run when this small.
FULL_SEARCH_MAX_SETTLED = 30_000_000
#: pandana's search radius (s) for the nearest: no trip in these rows is longer.
PANDANA_MAX_S = 4 * 3600.0
#: pandana's counts are a range search from every node, per category: run when nodes × categories is this small.
PANDANA_MAX_RANGE_SEARCHES = 200_000
#: pandana's contraction hierarchies are built for graphs up to this size (the 5M row skips it).
PANDANA_MAX_NODES = 2_000_000


class UnsupportedError(Exception):
    """An engine cannot run a row (the message says why)."""


def _equimap(net: Network, row: Row) -> Callable[[], dict]:
    nodes = np.arange(net.n_nodes, dtype=np.int64)
    # compile and build the search layout outside the clock (both are once per process / network)
    nearest_times(net, nodes[:2], row.sources[next(iter(row.sources))][:1], k=row.k)
    if row.kind == "count":
        count_within(net, nodes[:2], row.sources[next(iter(row.sources))][:1], thresholds_s=np.array([1.0]))
    thr = np.array([row.threshold_s])
    if row.kind == "count":
        return lambda: {c: count_within(net, nodes, s, thresholds_s=thr)[:, 0] for c, s in row.sources.items()}
    if row.kind == "k":
        return lambda: {c: nearest_times(net, nodes, s, k=row.k)[0] for c, s in row.sources.items()}
    return lambda: {c: nearest_times(net, nodes, s, k=1)[0][:, 0] for c, s in row.sources.items()}


def _scipy(net: Network, row: Row) -> Callable[[], dict]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    if row.kind == "k":
        raise UnsupportedError("no k-nearest-sources search in its API")
    indptr, indices, weights = net.reverse_csr
    rev = csr_matrix((weights, indices, indptr), shape=(net.n_nodes, net.n_nodes))
    if row.kind == "nearest":
        return lambda: {c: dijkstra(rev, indices=s, min_only=True) for c, s in row.sources.items()}
    chunk = max(1, 20_000_000 // net.n_nodes)  # sites per call: a matrix of at most 160 MB

    def counts() -> dict:
        out = {}
        for c, s in row.sources.items():
            n = np.zeros(net.n_nodes, dtype=np.int64)
            for i in range(0, len(s), chunk):
                d = dijkstra(rev, indices=s[i : i + chunk], limit=row.threshold_s)
                n += (d <= row.threshold_s).sum(axis=0)
            out[c] = n
        return out

    return counts


def _reverse_arcs(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the reversed arcs (v -> u), one per node pair, with the smallest time of parallel arcs."""
    order = np.lexsort((net.time_s, net.edge_u, net.edge_v))
    a, b, w = net.edge_v[order], net.edge_u[order], net.time_s[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first].astype(np.int64), b[first].astype(np.int64), w[first].astype(np.float64)


def _networkx(net: Network, row: Row) -> Callable[[], dict]:
    import networkx as nx

    if row.kind == "k":
        raise UnsupportedError("no k-nearest-sources search in its API")
    work = net.n_nodes * (len(row.sources) if row.kind == "nearest" else total_sites(row))
    if work > NX_MAX_SETTLED:
        raise UnsupportedError(
            f"skipped on this size: its pure-Python searches would settle ~{work / 1e6:,.0f}M nodes "
            f"(over {NX_MAX_SETTLED / 1e6:.0f}M, minutes)"
        )
    a, b, w = _reverse_arcs(net)
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    g.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist(), strict=True), weight="t")

    def dense(d: dict) -> np.ndarray:
        arr = np.full(net.n_nodes, np.inf)
        arr[list(d)] = list(d.values())
        return arr

    if row.kind == "nearest":
        return lambda: {
            c: dense(nx.multi_source_dijkstra_path_length(g, set(s.tolist()), weight="t"))
            for c, s in row.sources.items()
        }

    def counts() -> dict:
        out = {}
        for c, s in row.sources.items():
            n = np.zeros(net.n_nodes, dtype=np.int64)
            for src in s.tolist():
                d = nx.single_source_dijkstra_path_length(g, src, cutoff=row.threshold_s, weight="t")
                n[list(d)] += 1
            out[c] = n
        return out

    return counts


def _super_source_arcs(net: Network, row: Row) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Reversed arcs plus one super-source per category, joined to its sites by zero-time arcs."""
    a, b, w = _reverse_arcs(net)
    supers, sa, sb = {}, [a], [b]
    for i, (c, s) in enumerate(row.sources.items()):
        supers[c] = net.n_nodes + i
        sa.append(np.full(len(s), net.n_nodes + i, dtype=np.int64))
        sb.append(np.asarray(s, dtype=np.int64))
    sw = np.concatenate([w, np.zeros(total_sites(row))])
    return np.concatenate(sa), np.concatenate(sb), sw, supers


def _full_search_check(net: Network, row: Row) -> None:
    if row.kind == "k":
        raise UnsupportedError("no k-nearest-sources search in its API")
    if row.kind == "count" and total_sites(row) * net.n_nodes > FULL_SEARCH_MAX_SETTLED:
        raise UnsupportedError(
            f"skipped: no bounded search in its API, so counts need a full search per site "
            f"(~{total_sites(row) * net.n_nodes / 1e6:,.0f}M settled nodes)"
        )


def _igraph(net: Network, row: Row) -> Callable[[], dict]:
    import igraph as ig

    _full_search_check(net, row)
    n = net.n_nodes
    if row.kind == "nearest":
        a, b, w, supers = _super_source_arcs(net, row)
        g = ig.Graph(n=n + len(supers), edges=np.column_stack([a, b]).tolist(), directed=True)
        g.es["t"] = w.tolist()
        return lambda: {
            c: np.asarray(g.distances(source=[v], weights="t", mode="out")[0][:n]) for c, v in supers.items()
        }
    a, b, w = _reverse_arcs(net)
    g = ig.Graph(n=n, edges=np.column_stack([a, b]).tolist(), directed=True)
    g.es["t"] = w.tolist()

    def counts() -> dict:
        out = {}
        for c, s in row.sources.items():
            cnt = np.zeros(n, dtype=np.int64)
            for i in range(0, len(s), 64):
                d = np.asarray(g.distances(source=s[i : i + 64].tolist(), weights="t", mode="out"))
                cnt += (d <= row.threshold_s).sum(axis=0)
            out[c] = cnt
        return out

    return counts


def _networkit(net: Network, row: Row) -> Callable[[], dict]:
    import networkit as nk

    _full_search_check(net, row)
    n = net.n_nodes
    if row.kind == "nearest":
        a, b, w, supers = _super_source_arcs(net, row)
    else:
        (a, b, w), supers = _reverse_arcs(net), {}
    g = nk.Graph(n + len(supers), weighted=True, directed=True)
    g.addEdges((w, (a, b)))

    def search(src: int) -> np.ndarray:
        dj = nk.distance.Dijkstra(g, src, storePaths=False)
        dj.run()
        d = np.asarray(dj.getDistances())[:n]
        return np.where(d > 1e300, np.inf, d)  # unreached: the largest double

    if row.kind == "nearest":
        return lambda: {c: search(v) for c, v in supers.items()}
    return lambda: {
        c: np.sum([search(v) <= row.threshold_s for v in s.tolist()], axis=0) for c, s in row.sources.items()
    }


def _pandana(net: Network, row: Row) -> Callable[[], dict]:
    import pandana
    import pandas as pd

    if net.n_nodes > PANDANA_MAX_NODES:
        raise UnsupportedError(
            f"skipped over {PANDANA_MAX_NODES / 1e6:.0f}M nodes (its contraction hierarchies take minutes)"
        )
    searches = net.n_nodes * len(row.sources)
    if row.kind == "count" and searches > PANDANA_MAX_RANGE_SEARCHES:
        raise UnsupportedError(
            f"skipped: its counts are a 15-min range search from every node for each category "
            f"({searches:,} searches; on Malta's drive network they ran over 3 min without ending)"
        )
    # pandana searches forward from each node, to the sites: the forward arcs, as equimap's times
    pn = pandana.Network(
        pd.Series(net.x),
        pd.Series(net.y),
        pd.Series(net.edge_u),
        pd.Series(net.edge_v),
        pd.DataFrame({"t": net.time_s}),
        twoway=False,
    )
    if row.kind == "count":
        for c, s in row.sources.items():
            pn.set(pd.Series(s), variable=pd.Series(np.ones(len(s))), name=c)
        return lambda: {
            c: pn.aggregate(row.threshold_s, type="count", decay="flat", name=c).to_numpy().round().astype(np.int64)
            for c in row.sources
        }
    k = row.k if row.kind == "k" else 1
    for c, s in row.sources.items():
        _pandana_pois(pn, c, k, s)

    def nearest() -> dict:
        out = {}
        for c in row.sources:
            d = pn.nearest_pois(PANDANA_MAX_S, c, num_pois=k).to_numpy(dtype=float)
            d = np.where(d >= PANDANA_MAX_S, np.inf, d)
            out[c] = d if row.kind == "k" else d[:, 0]
        return out

    return nearest


def _pandana_pois(pn, category: str, k: int, nodes: np.ndarray) -> None:
    """Place a category's sites on their own nodes, as ``Network.set_pois`` does after placing them by x/y.

    Placing by coordinates moves a site to another node where two nodes share a place (one on
    Malta's drive network), so the sites go in by node id, through the calls `set_pois` makes.
    """
    import pandas as pd

    try:
        if category not in pn.poi_category_names:
            pn.poi_category_names.append(category)
        pn.max_pois = k
        ids = pd.Series(np.asarray(nodes, dtype=np.int64))
        pn.poi_category_indexes[category] = ids.index
        idx = pn._node_indexes(ids).to_numpy(dtype=np.int64)  # noqa: SLF001 - set_pois's own step
        pn.net.initialize_category(PANDANA_MAX_S, k, category.encode("utf-8"), idx)
    except AttributeError as e:  # another pandana version: its internals moved
        msg = f"this pandana version places sites differently ({e}); update bench.kernels.peers._pandana_pois"
        raise UnsupportedError(msg) from e


BUILDERS: dict[str, Callable[[Network, Row], Callable[[], dict]]] = {
    "equimap": _equimap,
    "scipy": _scipy,
    "networkx": _networkx,
    "igraph": _igraph,
    "networkit": _networkit,
    "pandana": _pandana,
}
