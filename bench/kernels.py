"""The shortest-path passes of issue 16, equimap against every installed peer, checked for agreement.

Rows (the table of issue 16):

1. nearest service of every node, Malta drive network, its 22 categories;
2. services within 15 min of every node, Malta drive, 22 categories;
3. nearest of 2,000 sources, 1M-node street-like grid (`bench.synthetic.street_grid`);
4. the same on 5M nodes (``--big``; on by default, off under ``--quick``);
5. mean of the 3 nearest (k = 3), 1M nodes, 2,000 sources;
6. sources within 15 min of every node, 1M nodes, 200 sources.

Engines, each only when importable ("not installed" otherwise): equimap's public routing
functions (`equimap.network.routing.nearest_times` and `count_within`, so a faster kernel
behind them is measured as it lands), scipy's ``csgraph.dijkstra`` (``min_only=True`` for the
nearest; ``limit=`` for counts), networkx (``multi_source_dijkstra_path_length``; bounded
searches for counts; only on graphs where it ends in reasonable time), igraph and networkit
(one single-source search from a super-source joined to every site by zero-time arcs; neither
has a bounded search, so counts take a full search per site and run only when that is small),
pandana (contraction hierarchies: ``nearest_pois``, ``aggregate(type="count")``).

Every engine's figure is the median over ``--runs`` runs of the pass alone (graph building is
timed apart and printed); settled nodes per second are the (node, category) labels found
(counts: the (site, node) pairs within the bound) over the time. Each peer's result is compared
with equimap's: the largest absolute difference of times (counts: of counts) is printed and must
be 0 within 1e-6 s (counts: exactly equal); a disagreement ends the run with an error. pandana
stores times in 32-bit floats, so it is held to 0.01 s + 1e-4 × the time, and its counts to lie between
equimap's counts at the threshold minus and plus that (0.1 s at 15 min); this is printed with its row.

Run: ``python -m bench.kernels`` (``--quick``: small graphs and one run; ``--no-big``: skip the
5M-node row). Malta's rows read the prepared networks (``make prepare``; ``EQUIMAP_CACHE_DIR``).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bench.compare import verdict
from bench.synthetic import street_grid
from equimap.network.graph import Network
from equimap.network.routing import count_within, nearest_times

PEERS = ("scipy", "networkx", "igraph", "networkit", "pandana")
#: The agreement every exact engine must reach (s), and pandana's (its times are 32-bit floats).
EXACT_TOL_S = 1e-6
FLOAT32_ABS_S = 0.01
FLOAT32_REL = 1e-4
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
#: A pass longer than this (s) is run once, whatever ``--runs`` says.
LONG_RUN_S = 20.0
#: Under ``--quick``, Malta's counts row keeps the categories with fewer sites than this (not the bus stops).
QUICK_MAX_SITES = 500


class UnsupportedError(Exception):
    """An engine cannot run a row (the message says why)."""


@dataclass
class Row:
    """One pass: a network, its sites per category, and what to compute (``nearest``, ``count`` or ``k``)."""

    title: str
    net: Network
    sources: dict[str, np.ndarray]
    kind: str
    threshold_s: float = 900.0
    k: int = 1
    skip: dict[str, str] = field(default_factory=dict)


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _median_time(fn: Callable[[], dict], runs: int) -> tuple[float, dict, int]:
    """Return the median time of `runs` runs (one only when a run takes over `LONG_RUN_S`), the result, the runs."""
    times, out = [], {}
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if times[0] > LONG_RUN_S:
            break
    return statistics.median(times), out, len(times)


# ---------------------------------------------------------------------------------------------
# engines: build(net, row) -> (build_s, run) where run() returns {category: array per node}
# ---------------------------------------------------------------------------------------------


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


def _total_sites(row: Row) -> int:
    return int(sum(len(s) for s in row.sources.values()))


def _networkx(net: Network, row: Row) -> Callable[[], dict]:
    import networkx as nx

    if row.kind == "k":
        raise UnsupportedError("no k-nearest-sources search in its API")
    work = net.n_nodes * (len(row.sources) if row.kind == "nearest" else _total_sites(row))
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
    sw = np.concatenate([w, np.zeros(_total_sites(row))])
    return np.concatenate(sa), np.concatenate(sb), sw, supers


def _full_search_check(net: Network, row: Row) -> None:
    if row.kind == "k":
        raise UnsupportedError("no k-nearest-sources search in its API")
    if row.kind == "count" and _total_sites(row) * net.n_nodes > FULL_SEARCH_MAX_SETTLED:
        raise UnsupportedError(
            f"skipped: no bounded search in its API, so counts need a full search per site "
            f"(~{_total_sites(row) * net.n_nodes / 1e6:,.0f}M settled nodes)"
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
        msg = f"this pandana version places sites differently ({e}); update bench.kernels._pandana_pois"
        raise UnsupportedError(msg) from e


BUILDERS: dict[str, Callable[[Network, Row], Callable[[], dict]]] = {
    "equimap": _equimap,
    "scipy": _scipy,
    "networkx": _networkx,
    "igraph": _igraph,
    "networkit": _networkit,
    "pandana": _pandana,
}


# ---------------------------------------------------------------------------------------------
# agreement and the row's report
# ---------------------------------------------------------------------------------------------


def _allowance_s(engine: str, t_s: np.ndarray | float) -> np.ndarray | float:
    """Return the difference from equimap's time `t_s` an engine may show: 1e-6 s, pandana 32-bit rounding."""
    if engine == "pandana":
        return FLOAT32_ABS_S + FLOAT32_REL * np.abs(t_s)
    return EXACT_TOL_S


def disagreement(row: Row, ours: dict, theirs: dict, engine: str) -> tuple[float, float]:
    """Return (largest difference from equimap's result, largest excess over the engine's allowance).

    Times in s (counts: sites). A node reached by one engine and not the other is a difference of
    ``inf``. Exact engines may differ by `EXACT_TOL_S` and not at all on counts; pandana (32-bit times)
    by `FLOAT32_ABS_S` + `FLOAT32_REL` × the time, and its counts must lie between equimap's at the
    threshold minus and plus that allowance. The engine agrees when the excess is 0.
    """
    worst = excess = 0.0
    for c, a in ours.items():
        b = np.asarray(theirs[c])
        if row.kind == "count":
            a, b = np.asarray(a, np.int64), b.astype(np.int64)
            diff = float(np.abs(a - b).max(initial=0))
            worst = max(worst, diff)
            if engine == "pandana":
                nodes = np.arange(row.net.n_nodes)
                slack = _allowance_s(engine, row.threshold_s)
                band = count_within(
                    row.net, nodes, row.sources[c], thresholds_s=row.threshold_s + np.array([-slack, slack])
                )
                out = np.maximum(band[:, 0] - b, 0) + np.maximum(b - band[:, 1], 0)
                excess = max(excess, float(out.max(initial=0)))
            else:
                excess = max(excess, diff)
            continue
        fa, fb = np.isfinite(a), np.isfinite(b)
        if (fa != fb).any():
            return np.inf, np.inf
        if fa.any():
            d = np.abs(a[fa] - b[fb])
            worst = max(worst, float(d.max()))
            excess = max(excess, float(np.maximum(d - _allowance_s(engine, a[fa]), 0).max()))
    return worst, excess


def _tolerance_text(row: Row, engine: str) -> str:
    if engine == "pandana":
        what = "counts between equimap's at the threshold ∓ that" if row.kind == "count" else "32-bit times"
        return f"allowed {FLOAT32_ABS_S:g} s + {FLOAT32_REL:g} × time, {what}"
    return "allowed 0" if row.kind == "count" else f"allowed {EXACT_TOL_S:g} s"


def _settled(row: Row, ours: dict) -> int:
    """Labels found by the pass: reached (node, category) pairs; counts: (site, node) pairs within the bound."""
    if row.kind == "count":
        return int(sum(int(np.asarray(v).sum()) for v in ours.values()))
    return int(sum(int(np.isfinite(v).sum()) for v in ours.values()))


def run_row(row: Row, runs: int, engines: tuple[str, ...] = ("equimap", *PEERS)) -> dict[str, dict]:
    """Run one row on every engine, print its lines and return ``{engine: figures}``.

    Raises
    ------
    AssertionError
        When an engine's result differs from equimap's by more than its tolerance.
    """
    print(
        f"\n{row.title}: {row.net.n_nodes:,} nodes, {row.net.n_edges:,} arcs, {_total_sites(row):,} sites", flush=True
    )
    res: dict[str, dict] = {}
    ours: dict = {}
    bad = []
    for engine in engines:
        module = "equimap" if engine == "equimap" else engine
        if engine != "equimap" and not _installed(module):
            print(f"  {engine:<10} not installed (pip install -e '.[bench]')")
            continue
        if engine in row.skip:
            print(f"  {engine:<10} {row.skip[engine]}")
            continue
        t0 = time.perf_counter()
        try:
            fn = BUILDERS[engine](row.net, row)
        except UnsupportedError as e:
            print(f"  {engine:<10} {e}")
            continue
        build_s = time.perf_counter() - t0
        t, out, n_runs = _median_time(fn, runs)
        fig = {"s": t, "build_s": build_s, "runs": n_runs}
        if engine == "equimap":
            ours = out
            fig["settled"] = _settled(row, out)
            line = ""
        else:
            diff, excess = disagreement(row, ours, out, engine)
            fig["diff"], fig["excess"] = diff, excess
            ok = excess == 0
            unit = "sites" if row.kind == "count" else "s"
            line = f"; max |diff| vs equimap {diff:.3g} {unit} ({_tolerance_text(row, engine)}): " + (
                "agree" if ok else "DISAGREE"
            )
            if not ok:
                bad.append(engine)
        fig["settled_per_s"] = _settled(row, ours) / t if t > 0 else float("nan")
        res[engine] = fig
        print(
            f"  {engine:<10} {t * 1000:9.0f} ms  {fig['settled_per_s'] / 1e6:6.2f}M settled/s"
            f"  ({n_runs} run{'s' if n_runs > 1 else ''}; built in {build_s:.1f} s){line}",
            flush=True,
        )
    peers = {e: f["s"] for e, f in res.items() if e != "equimap"}
    if "equimap" in res and peers:
        best = min(peers, key=peers.get)
        print(f"  => {verdict(res['equimap']['s'], peers[best], best)} (the fastest peer in this row)")
    elif "equimap" in res:
        print("  => no peer ran this row")
    if bad:
        msg = f"{row.title}: {', '.join(bad)} disagree with equimap"
        raise AssertionError(msg)
    return res


def _malta_rows(quick: bool) -> list[Row]:
    from equimap.network.prepare import prepare_region
    from equimap.network.routing import snap_points

    prep = prepare_region("malta")
    net = prep.networks["drive"]
    sources = {}
    for c in prep.category_keys():
        svc = prep.services_for(c)
        node, _ = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
        if (node >= 0).any():
            sources[c] = np.unique(node[node >= 0])
    n = len(sources)
    rows = [Row(f"nearest, Malta drive, {n} categories, every node", net, sources, "nearest")]
    title = f"counts within 15 min, Malta drive, {n} categories, every node"
    if quick:  # a check that the row runs: the dense categories (bus stops, transport) take minutes
        sources = {c: s for c, s in sources.items() if len(s) < QUICK_MAX_SITES}
        title += f" (--quick: the {len(sources)} with under {QUICK_MAX_SITES} sites)"
    rows.append(Row(title, net, sources, "count"))
    return rows


def _grid_rows(quick: bool, big: bool) -> list[Row]:
    n1 = 100_000 if quick else 1_000_000
    g1 = street_grid(n1)
    rng = np.random.default_rng(16)
    s2000 = {"sites": np.sort(rng.choice(g1.n_nodes, 2000, replace=False)).astype(np.int64)}
    s200 = {"sites": np.sort(rng.choice(g1.n_nodes, 200, replace=False)).astype(np.int64)}
    label = f"{g1.n_nodes / 1e6:.1f}M-node" if not quick else f"{g1.n_nodes:,}-node"
    rows = [Row(f"nearest, {label} street-like grid, 2,000 sources", g1, s2000, "nearest")]
    rows.append(Row(f"mean of 3 nearest (k = 3), {label} grid, 2,000 sources", g1, s2000, "k", k=3))
    rows.append(Row(f"counts within 15 min, {label} grid, 200 sources", g1, s200, "count"))
    if big:  # last: the longest row
        g5 = street_grid(5_000_000, seed=5)
        s5 = {"sites": np.sort(rng.choice(g5.n_nodes, 2000, replace=False)).astype(np.int64)}
        rows.append(Row("nearest, 5M-node street-like grid, 2,000 sources", g5, s5, "nearest"))
    return rows


def main(argv: list[str] | None = None) -> dict[str, dict]:
    """Run every row, print the table and return the figures (exit with an error on a disagreement)."""
    ap = argparse.ArgumentParser(prog="python -m bench.kernels")
    ap.add_argument("--quick", action="store_true", help="100k-node grid instead of 1M, no 5M row, one run")
    ap.add_argument("--runs", type=int, default=None, help="runs per engine (median); 3, or 1 with --quick")
    ap.add_argument("--big", action=argparse.BooleanOptionalAction, default=None, help="the 5M-node row")
    ap.add_argument("--rows", default="malta,grid", help="which rows: malta, grid or both")
    args = ap.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    big = (not args.quick) if args.big is None else args.big
    print(
        f"equimap against {', '.join(PEERS)} (each when installed); median of {runs} run(s) per engine; "
        "agreement with equimap checked on every row"
    )
    rows: list[Row] = []
    if "malta" in args.rows:
        rows += _malta_rows(args.quick)
    if "grid" in args.rows:
        rows += _grid_rows(args.quick, big)
    out, failed = {}, []
    for row in rows:
        if row.kind == "k":
            k1 = out.get(next((r.title for r in rows if r.kind == "nearest" and r.net is row.net), ""), {})
        try:
            out[row.title] = run_row(row, runs)
        except AssertionError as e:
            print(f"  ERROR: {e}")
            failed.append(row.title)
            continue
        if row.kind == "k" and "equimap" in k1:
            ratio = out[row.title]["equimap"]["s"] / k1["equimap"]["s"]
            print(f"  => equimap's k = {row.k} pass takes {ratio:.1f}× its own k = 1 pass on the same graph")
    if failed:
        msg = f"engines disagree with equimap on: {'; '.join(failed)}"
        raise SystemExit(msg)
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
