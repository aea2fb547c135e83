"""The preparation of a region, cold and warm: where its time goes, and the steps equimap took over from osmnx.

Rows, in one run on this machine:

1. the unsimplified street graph of each mode: equimap's in-memory build
   (`equimap.network.osm_graph.graph_from_ways`) against osmnx reading the ways written as OSM XML
   (`osmnx_xml_graph`, how equimap built it before; median of ``--runs``), the two checked equal;
2. simplification of each mode's street graph: equimap's `simplify_in_place` against osmnx's
   ``simplify_graph`` on the same unsimplified graph (median of ``--runs``; osmnx's time includes
   the copy it makes, which equimap does not need), the two results checked equal (nodes, edges,
   keys and attributes in the same order);
3. the cold preparation (PBF -> networks, services, residents) in an empty cache folder, once;
4. the warm start of the networks: opening the saved networks (memory-mapped, `Network.load`)
   against building their search layouts (`equimap.network.layout.build_layout`), which each
   process still does once, in memory.

Run: ``python -m bench.prepare`` (Malta; ``--region helsinki`` or a region folder;
``--quick``: the small Helsinki example, one run).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np

from bench.compare import median_time, verdict
from equimap.network.graph import Network
from equimap.network.layout import build_layout, hilbert_order


def same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph, *, created_apart: bool = False) -> None:
    """Assert that two graphs have the same nodes and edges, in the same order, with the same attributes.

    With `created_apart`, the graph attribute `created_date` (the time osmnx stamps a new graph with,
    to the second) may differ; both graphs must still have one, and every other graph attribute must be equal.
    """
    assert list(a.nodes(data=True)) == list(b.nodes(data=True)), "the nodes differ"
    ea, eb = list(a.edges(keys=True, data=True)), list(b.edges(keys=True, data=True))
    assert [e[:3] for e in ea] == [e[:3] for e in eb], "the edges differ"
    for (u, v, k, da), (_, _, _, db) in zip(ea, eb, strict=True):
        assert list(da) == list(db), f"edge {(u, v, k)}: attributes {list(da)} against {list(db)}"
        for name, x in da.items():
            y = db[name]
            if name == "geometry":
                same = x.geom_type == y.geom_type and np.array_equal(np.asarray(x.coords), np.asarray(y.coords))
            else:
                same = x == y and type(x) is type(y)
            assert same, f"edge {(u, v, k)}: {name} {x!r} against {y!r}"
    if created_apart:
        assert "created_date" in a.graph and "created_date" in b.graph, "a graph has no `created_date`"
        a_graph = {k: x for k, x in a.graph.items() if k != "created_date"}
        b_graph = {k: x for k, x in b.graph.items() if k != "created_date"}
        assert a_graph == b_graph, "the graph attributes differ"
    else:
        assert a.graph == b.graph, "the graph attributes differ"


def osmnx_xml_graph(
    ways: list[tuple[int, list[int], dict[str, str]]],
    node_lonlat: Mapping[int, tuple[float, float]],
    *,
    bidirectional: bool,
) -> nx.MultiDiGraph:
    """Return osmnx's unsimplified graph of the ways: written to OSM XML, read back by ``graph_from_xml``.

    The way equimap built its street graphs before `equimap.network.osm_graph` (the reference it is
    checked against): every node with 7-decimal coordinates and no tags, every way with its tags.
    """
    import osmnx as ox

    used = sorted({r for _, refs, _ in ways for r in refs})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ways.osm"
        with path.open("w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="equimap">\n')
            for nid in used:
                lon, lat = node_lonlat[nid]
                f.write(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
            for wid, refs, tags in ways:
                nds = "".join(f'<nd ref="{r}"/>' for r in refs)
                tg = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
                f.write(f'<way id="{wid}">{nds}{tg}</way>\n')
            f.write("</osm>\n")
        return ox.graph_from_xml(path, bidirectional=bidirectional, simplify=False, retain_all=True)


def _build_rows(extract, profile, runs: int) -> dict[str, dict[str, float]]:
    from equimap.network.osm_graph import graph_from_ways
    from equimap.network.streets import way_allows

    rural_kmh = profile.drive_speeds(urban=False)
    out = {}
    for mode in ("walk", "bike", "drive"):
        ways = [w for w in extract.ways if way_allows(w[2], mode, drive_highways=rural_kmh)]
        kw = {"bidirectional": mode == "walk"}
        ours_s, ours = median_time(lambda w=ways, kw=kw: graph_from_ways(w, extract.node_lonlat, **kw), runs)
        theirs_s, theirs = median_time(lambda w=ways, kw=kw: osmnx_xml_graph(w, extract.node_lonlat, **kw), runs)
        same_graph(ours, theirs, created_apart=True)  # an AssertionError ends the run: the graphs must be equal
        out[mode] = {"equimap_s": ours_s, "osmnx_s": theirs_s, "edges": ours.number_of_edges()}
        print(
            f"build    {mode:5s} ({ours.number_of_edges():,} edges): equimap {ours_s:.2f} s, osmnx XML {theirs_s:.2f} s"
            f" -- {verdict(ours_s, theirs_s, 'osmnx XML')}; the same graph"
        )
    return out


def _simplify_rows(extract, profile, runs: int) -> dict[str, dict[str, float]]:
    import osmnx as ox

    from equimap.network.simplify import simplify_in_place
    from equimap.network.streets import SIMPLIFY_AGGS, street_graph

    out = {}
    for mode in ("walk", "bike", "drive"):
        g = street_graph(extract, mode=mode, profile=profile)
        copies = iter([g.copy() for _ in range(runs)])  # equimap's works in place: each run on a copy made before
        ours_s, ours = median_time(lambda c=copies: simplify_in_place(next(c), edge_attr_aggs=SIMPLIFY_AGGS), runs)
        theirs_s, theirs = median_time(lambda g=g: ox.simplify_graph(g, edge_attr_aggs=SIMPLIFY_AGGS), runs)
        same_graph(ours, theirs)  # an AssertionError ends the run: the results must be equal
        out[mode] = {"equimap_s": ours_s, "osmnx_s": theirs_s, "nodes": g.number_of_nodes()}
        print(
            f"simplify {mode:5s} ({g.number_of_nodes():,} nodes): equimap {ours_s:.2f} s, osmnx {theirs_s:.2f} s"
            f" -- {verdict(ours_s, theirs_s, 'osmnx')}; the same graph"
        )
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run the rows, print them and return the figures (seconds)."""
    from equimap.network.prepare import prepare_region
    from equimap.network.profile import load_profile
    from equimap.region.manifest import load_region
    from equimap.region.osm import read_osm

    ap = argparse.ArgumentParser(prog="python -m bench.prepare")
    ap.add_argument("--region", default=None, help="region key or folder (Malta; Helsinki with --quick)")
    ap.add_argument("--runs", type=int, default=None, help="runs per timing (median); 3, or 1 with --quick")
    ap.add_argument("--quick", action="store_true", help="the small Helsinki example, one run")
    args = ap.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    key = args.region or ("helsinki" if args.quick else "malta")
    region = load_region(Path(key) if Path(key).is_dir() else key)
    extract = read_osm(region.osm_path, bbox=region.bbox)
    profile = load_profile(region.profile or "default", base=region.folder)
    res: dict = {"build": _build_rows(extract, profile, runs), "simplify": _simplify_rows(extract, profile, runs)}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        prep = prepare_region(region, cache_root=Path(tmp))
        res["cold_prepare_s"] = time.perf_counter() - t0
        print(f"cold preparation of {region.key} (PBF -> networks, services, residents): {res['cold_prepare_s']:.1f} s")
        folders = {m: prep.networks_folder / f"network_{m}.npz" for m in prep.networks}
        load_s, nets = median_time(lambda: {m: Network.load(f) for m, f in folders.items()}, runs)
        hilbert_order(np.zeros(2), np.ones(2))  # numba's compiled keys loaded outside the clock, once per process
        build_s, _ = median_time(lambda: [build_layout(n) for n in nets.values()], runs)
    res["warm_load_s"], res["layout_build_s"] = load_s, build_s
    print(
        f"warm start of the {len(folders)} networks: opening them mapped {1000 * load_s:.1f} ms; "
        f"building their search layouts {1000 * build_s:.1f} ms"
    )
    return res


if __name__ == "__main__":
    main()
