"""Benchmark of the travel-time engine on the real Malta networks.

Measures, in one run on this machine:
1. cold preparation (PBF -> cached networks, services and residents);
2. the nearest-service pass on the walking network for every category, with
   equimap's kernel against scipy's ``dijkstra(min_only=True)``, networkx's
   ``multi_source_dijkstra_path_length`` and, if it is installed, pandana's
   ``nearest_pois``, all checked for agreement;
3. the full indicators (nearest, mean of 3, counts within 5/10/15/30 min) for
   all origins × all categories × 3 modes, networks cached.

Run: ``python -m bench.foundation`` (``--quick`` skips the cold preparation).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from bench.compare import median_time as _time
from bench.compare import verdict
from equimap.network.indicators import access_table
from equimap.network.prepare import prepare_region
from equimap.network.routing import nearest_times, snap_points


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print a report and return the figures (seconds)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the cold preparation")
    args = ap.parse_args(argv)
    res: dict[str, float] = {}
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            prepare_region("malta", cache_root=Path(tmp))
            res["cold_prepare_s"] = time.perf_counter() - t0
        print(f"cold preparation (PBF -> networks, services, residents): {res['cold_prepare_s']:.1f} s")
    prep = prepare_region("malta")
    keys = prep.category_keys()
    net = prep.networks["walk"]
    nodes_by_key = {}
    for k in keys:
        svc = prep.services_for(k)
        node, _ = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
        nodes_by_key[k] = np.unique(node[node >= 0])
    keys = [k for k in keys if len(nodes_by_key[k])]
    print(f"walk network: {net.n_nodes} nodes, {net.n_edges} edges; {len(keys)} categories with services")
    all_nodes = np.arange(net.n_nodes)
    nearest_times(net, all_nodes[:10], nodes_by_key[keys[0]], k=1)  # compile the kernel once

    def ours():
        return {k: nearest_times(net, all_nodes, nodes_by_key[k], k=1)[0][:, 0] for k in keys}

    indptr, indices, weights = net.reverse_csr
    rev = csr_matrix((weights, indices, indptr), shape=(net.n_nodes, net.n_nodes))

    def scipy_pass():
        return {k: dijkstra(rev, indices=nodes_by_key[k], min_only=True) for k in keys}

    g_rev = net.to_networkx().reverse(copy=True)

    def nx_pass():
        out = {}
        for k in keys:
            d = nx.multi_source_dijkstra_path_length(g_rev, set(nodes_by_key[k].tolist()), weight="time_s")
            arr = np.full(net.n_nodes, np.inf)
            arr[list(d)] = list(d.values())
            out[k] = arr
        return out

    res["ours_s"], a = _time(ours)
    res["scipy_s"], b = _time(scipy_pass)
    res["networkx_s"], c = _time(nx_pass, repeat=1)
    for k in keys:
        np.testing.assert_allclose(a[k], b[k], atol=1e-6)
        np.testing.assert_allclose(a[k], c[k], atol=1e-6)
    print(f"nearest-service pass, walk, all {len(keys)} categories, every node (agree to 1e-6):")
    print(f"  equimap numba kernel       {res['ours_s'] * 1000:8.0f} ms")
    print(
        f"  scipy dijkstra(min_only)   {res['scipy_s'] * 1000:8.0f} ms   {verdict(res['ours_s'], res['scipy_s'], 'scipy')}"
    )
    print(
        f"  networkx multi-source      {res['networkx_s'] * 1000:8.0f} ms   "
        f"{verdict(res['ours_s'], res['networkx_s'], 'networkx')}"
    )
    if importlib.util.find_spec("pandana") is not None:
        res.update(_pandana(net, keys, nodes_by_key, a))
        print(
            f"  pandana nearest_pois       {res['pandana_s'] * 1000:8.0f} ms   "
            f"{verdict(res['ours_s'], res['pandana_s'], 'pandana')}"
            f", plus {res['pandana_build_s']:.1f} s to build its network"
        )
    else:
        print("  pandana: not installed (pip install pandana to include it)")

    def full():
        for mode in ("walk", "bike", "drive"):
            n = prep.networks[mode]
            o_node, o_t = prep.origin_nodes(mode)
            for k in prep.category_keys():
                svc = prep.services_for(k)
                s_node, s_t = snap_points(n, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
                access_table(n, o_node, s_node, origin_time_s=o_t, service_time_s=s_t)

    res["full_s"], _ = _time(full, repeat=1)
    n_cat = len(prep.category_keys())
    print(
        f"all {len(prep.origins)} origins x {n_cat} categories x 3 modes (nearest, mean of 3, counts): {res['full_s']:.1f} s"
    )
    return res


def _pandana(net, keys, nodes_by_key, ours) -> dict[str, float]:
    import pandana
    import pandas as pd

    t0 = time.perf_counter()
    nodes = pd.DataFrame({"x": net.x, "y": net.y}, index=np.arange(net.n_nodes))
    edges = pd.DataFrame({"from": net.edge_u, "to": net.edge_v, "time_s": net.time_s})
    pn = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["time_s"]], twoway=False)
    build = time.perf_counter() - t0
    max_s = 3 * 3600.0

    def run():
        out = {}
        for k in keys:
            pn.set_pois(k, max_s, 1, net.x[nodes_by_key[k]], net.y[nodes_by_key[k]])
            out[k] = pn.nearest_pois(max_s, k, num_pois=1)[1].to_numpy()
        return out

    t, got = _time(run, repeat=1)
    # pandana searches forward from each node; walking edges run both ways, so the times compare
    agree = total = 0
    for k in keys:
        theirs = np.where(got[k] >= max_s, np.inf, got[k].astype(float))
        both = np.isfinite(ours[k]) & np.isfinite(theirs)
        agree += int((np.abs(theirs[both] - ours[k][both]) <= 1.0).sum()) + int(
            (~np.isfinite(ours[k]) & ~np.isfinite(theirs)).sum()
        )
        total += len(theirs)
    print(
        f"  pandana agrees with ours within 1 s on {agree / total:.1%} of node x category pairs (float32, x/y placement)"
    )
    return {"pandana_s": t, "pandana_build_s": build}


if __name__ == "__main__":
    main(sys.argv[1:])
