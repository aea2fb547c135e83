"""The nearest pass of every category on a national-size network: wall time and peak memory.

For each case it starts a child process (so that its peak memory is its own) which
builds the network, places ~22 categories of sites at Malta's densities
(`bench.synthetic.category_sources`), and runs the nearest-service pass
(`equimap.network.routing.nearest_times`, k = 1, every node an origin) for every
category, in `--threads` threads (the kernels release the GIL). The child
reports the time of each step and its peak resident memory (``VmHWM`` of
``/proc/self/status``: numpy and numba allocate outside tracemalloc's sight).

Cases:
- ``grid``: a synthetic street grid of `--nodes` nodes (10M by default), shuffled node order;
  with ``--peers``, scipy's ``dijkstra(min_only=True)`` runs the same pass on the first
  `--peer-categories` categories in the same child, checked for agreement, as the baseline;
- ``malta``: the largest real extract the repository holds (Malta, all three modes, its own
  services snapped to each network), networks from the prepared cache.

With ``EQUIMAP_SCALE_LOG=file``, the child appends a line per category done (time, peak memory).

Run: ``python -m bench.scale`` (``--nodes N``, ``--threads T``, ``--case grid|malta|all``); the
60 s goal is for the 10M-node grid on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bench.compare import verdict

GOAL_S = 60.0


def _status_mb(field: str) -> float:
    """Return a memory figure of this process from /proc/self/status (MB), or NaN off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _nearest_pass(net, sources: dict[str, np.ndarray], threads: int) -> tuple[dict[str, np.ndarray], float]:
    from equimap.network.routing import nearest_times

    origins = np.arange(net.n_nodes, dtype=np.int64)
    _ = net.reverse_csr  # built once, before the clock of the pass

    log = os.environ.get("EQUIMAP_SCALE_LOG")
    t_start = time.perf_counter()

    def one(key):
        out = key, nearest_times(net, origins, sources[key], k=1)[0][:, 0]
        if log:  # progress of a long run, so that a stopped run still tells its rate and memory
            with open(log, "a", encoding="utf-8") as f:
                row = {"key": key, "sites": len(sources[key]), "at_s": time.perf_counter() - t_start}
                f.write(json.dumps(row | {"peak_mb": _status_mb("VmHWM")}) + "\n")
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        out = dict(pool.map(one, list(sources)))
    return out, time.perf_counter() - t0


def _warm() -> None:
    """Compile the kernel on a tiny graph so the pass times no compilation."""
    from bench.synthetic import street_grid
    from equimap.network.routing import nearest_times

    g = street_grid(100)
    nearest_times(g, np.arange(g.n_nodes), np.array([0, 5]), k=1)


def child_grid(n_nodes: int, threads: int, peers: bool, peer_categories: int) -> dict:
    """Run the grid case in this process and return its figures."""
    from bench.synthetic import category_sources, street_grid

    res: dict = {"case": "grid", "threads": threads}
    _warm()
    t0 = time.perf_counter()
    net = street_grid(n_nodes)
    res["build_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _ = net.reverse_csr
    res["csr_s"] = time.perf_counter() - t0
    res["n_nodes"], res["n_arcs"] = net.n_nodes, net.n_edges
    res["rss_graph_mb"] = _status_mb("VmRSS")
    sources = category_sources(net.n_nodes)
    res["n_categories"] = len(sources)
    res["n_sites"] = int(sum(len(s) for s in sources.values()))
    ours, res["pass_s"] = _nearest_pass(net, sources, threads)
    res["peak_mb"] = _status_mb("VmHWM")
    res["settled_per_s"] = len(sources) * net.n_nodes / res["pass_s"]
    if peers:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        keys = list(sources)[:peer_categories]
        indptr, indices, weights = net.reverse_csr
        rev = csr_matrix((weights, indices, indptr), shape=(net.n_nodes, net.n_nodes))
        t_ours = time.perf_counter()
        _nearest_pass(net, {k: sources[k] for k in keys}, 1)
        res["ours_sub_s"] = time.perf_counter() - t_ours
        t0 = time.perf_counter()
        for k in keys:
            theirs = dijkstra(rev, indices=sources[k], min_only=True)
            np.testing.assert_allclose(ours[k], theirs, atol=1e-6)
        res["scipy_sub_s"] = time.perf_counter() - t0
        res["peer_keys"] = keys
    return res


def child_malta(threads: int) -> dict:
    """Run the Malta case (every mode, every category) in this process and return its figures."""
    from equimap.network.prepare import prepare_region
    from equimap.network.routing import snap_points

    _warm()
    prep = prepare_region("malta")
    res: dict = {"case": "malta", "threads": threads, "modes": {}}
    total = 0.0
    for mode, net in prep.networks.items():
        sources = {}
        for k in prep.category_keys():
            svc = prep.services_for(k)
            node, _ = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
            if (node >= 0).any():
                sources[k] = np.unique(node[node >= 0])
        _, dt = _nearest_pass(net, sources, threads)
        total += dt
        res["modes"][mode] = {"n_nodes": net.n_nodes, "n_arcs": net.n_edges, "n_categories": len(sources), "s": dt}
    res["pass_s"] = total
    res["peak_mb"] = _status_mb("VmHWM")
    return res


def _run_child(args: list[str]) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in ("src", ".", env.get("PYTHONPATH", "")) if p)
    out = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--child", *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        msg = f"the benchmark's child process failed:\n{out.stderr[-2000:]}"
        raise RuntimeError(msg)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _print_grid(r: dict) -> None:
    goal = "within" if r["pass_s"] <= GOAL_S else "over"
    print(
        f"synthetic street grid: {r['n_nodes']:,} nodes, {r['n_arcs']:,} arcs; built in {r['build_s']:.1f} s, "
        f"reversed arrays in {r['csr_s']:.1f} s; resident after building {r['rss_graph_mb']:,.0f} MB"
    )
    print(
        f"  nearest pass, {r['n_categories']} categories ({r['n_sites']:,} sites), every node, "
        f"{r['threads']} thread(s): {r['pass_s']:.1f} s ({goal} the {GOAL_S:.0f} s goal), "
        f"{r['settled_per_s'] / 1e6:.2f}M node labels/s; peak memory (VmHWM) {r['peak_mb']:,.0f} MB"
    )
    if "scipy_sub_s" in r:
        a, b = r["ours_sub_s"], r["scipy_sub_s"]
        who = verdict(a, b, "scipy")
        print(
            f"  same pass on {len(r['peer_keys'])} categories ({', '.join(r['peer_keys'])}), one thread: "
            f"equimap {a:.1f} s, scipy dijkstra(min_only) {b:.1f} s: {who} (agree to 1e-6)"
        )


def _print_malta(r: dict) -> None:
    parts = ", ".join(
        f"{m} {v['n_nodes']:,} nodes {v['n_categories']} categories {v['s'] * 1000:.0f} ms"
        for m, v in r["modes"].items()
    )
    print(
        f"Malta (largest real extract held), nearest pass every category and node, {r['threads']} thread(s): "
        f"{r['pass_s'] * 1000:.0f} ms in all ({parts}); peak memory {r['peak_mb']:,.0f} MB"
    )


def main(argv: list[str] | None = None) -> dict:
    """Run the cases in child processes, print the figures and return them."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=10_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--case", choices=("grid", "malta", "all"), default="all")
    ap.add_argument("--peers", action="store_true", help="time scipy on the first categories as the baseline")
    ap.add_argument("--peer-categories", type=int, default=2)
    ap.add_argument("--child", choices=("grid", "malta"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child == "grid":
        print(json.dumps(child_grid(args.nodes, args.threads, args.peers, args.peer_categories)))
        return {}
    if args.child == "malta":
        print(json.dumps(child_malta(args.threads)))
        return {}
    out = {}
    if args.case in ("malta", "all"):
        out["malta"] = _run_child(["malta", "--threads", str(args.threads)])
        _print_malta(out["malta"])
    if args.case in ("grid", "all"):
        extra = ["--peers", "--peer-categories", str(args.peer_categories)] if args.peers else []
        out["grid"] = _run_child(["grid", "--nodes", str(args.nodes), "--threads", str(args.threads), *extra])
        _print_grid(out["grid"])
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
