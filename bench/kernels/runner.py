"""Running the kernels benchmark: each row on every engine, its printed lines, and the command line.

`run_row` times each installed engine on one row (the median of ``--runs``), checks its
result against equimap's and prints the row's lines; `main` is ``python -m bench.kernels``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable

from bench.compare import verdict
from bench.kernels.agreement import disagreement, settled, tolerance_text
from bench.kernels.peers import BUILDERS, PEERS, UnsupportedError
from bench.kernels.rows import Row, grid_rows, malta_rows, total_sites

#: A pass longer than this (s) is run once, whatever ``--runs`` says.
LONG_RUN_S = 20.0


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


def run_row(row: Row, runs: int, engines: tuple[str, ...] = ("equimap", *PEERS)) -> dict[str, dict]:
    """Run one row on every engine, print its lines and return ``{engine: figures}``.

    Raises
    ------
    AssertionError
        When an engine's result differs from equimap's by more than its tolerance.
    """
    print(f"\n{row.title}: {row.net.n_nodes:,} nodes, {row.net.n_edges:,} arcs, {total_sites(row):,} sites", flush=True)
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
            fig["settled"] = settled(row, out)
            line = ""
        else:
            diff, excess = disagreement(row, ours, out, engine)
            fig["diff"], fig["excess"] = diff, excess
            ok = excess == 0
            unit = "sites" if row.kind == "count" else "s"
            line = f"; max |diff| vs equimap {diff:.3g} {unit} ({tolerance_text(row, engine)}): " + (
                "agree" if ok else "DISAGREE"
            )
            if not ok:
                bad.append(engine)
        fig["settled_per_s"] = settled(row, ours) / t if t > 0 else float("nan")
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
        rows += malta_rows(args.quick)
    if "grid" in args.rows:
        rows += grid_rows(args.quick, big)
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
