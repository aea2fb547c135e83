"""Benchmark of the whole Malta indicator pass: each step of issue 16 against the one before, in one process.

The pass is what the app, the report and the indicator CLI ask of a prepared region:
`Prepared.access` for every key of `Prepared.category_keys` (themes, categories, official
lists) by every mode, from an empty access cache. Passes, alternated in each round:

- ``searched``: each key searched on its own sites, with the binary-heap kernels (the code
  before themes were derived; a file already there under the key's own name is read);
- ``derived``: `Prepared.access` one key at a time, themes derived from their categories, heap
  kernels (as at the end of session 4);
- ``buckets``: the same with the bucket-queue nearest kernels (`equimap.network._buckets`);
- ``threads``: `equimap.network.access_pass.access_many`, the categories' routing inputs and
  nearest searches on worker threads beside the counts, one count search at a time
  (``count_within(method="contracted")``, as at the end of session 6);
- ``lanes``: the same with the counts' searches run side by side (`equimap.network._lanes`),
  still in the calling thread (as at the end of session 7);
- ``workers``: `access_many` as it is: the counts on the worker threads too (where numba's
  threading layer allows it), the themes from the categories' results held in memory.

All write the same tables; the check at the end says they agree. Run:
``nice python -m bench.reuse [--rounds 2]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.compare import against
from equimap.network import access_pass, routing
from equimap.network.access_pass import access_many
from equimap.network.cache import write_atomic
from equimap.network.indicators import access_table
from equimap.network.prepare import Prepared, prepare_region

MODES = ("walk", "bike", "drive")


def before_pass(prep: Prepared) -> dict[tuple[str, str], pd.DataFrame]:
    """Return every (mode, key) table as `Prepared.access` computed it before: one search per key."""
    out = {}
    for mode in MODES:
        for key in prep.category_keys():
            path = prep.access_file(mode, key)
            if path.exists():
                out[mode, key] = pd.read_parquet(path)
                continue
            svc = prep.services_for(key)
            net, o_node, o_t, s_node, s_t = prep.routing_inputs(mode, svc)
            table = access_table(
                net,
                o_node,
                s_node,
                origin_time_s=o_t,
                service_time_s=s_t,
                service_ids=svc["service_id"].to_numpy(),
                k=prep.travel.n_nearest,
                thresholds_min=prep.travel.count_thresholds_min,
                index=prep.origins.index,
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, table.to_parquet)
            out[mode, key] = table
    return out


def after_pass(prep: Prepared) -> dict[tuple[str, str], pd.DataFrame]:
    """Return every (mode, key) table from `Prepared.access`, one key at a time."""
    return {(mode, key): prep.access(mode, key) for mode in MODES for key in prep.category_keys()}


def threads_pass(prep: Prepared) -> dict[tuple[str, str], pd.DataFrame]:
    """Return every (mode, key) table from `access_many`."""
    return {(mode, key): t for mode in MODES for key, t in access_many(prep, mode).items()}


def _with_method(method: str, run, counts: str = "contracted", *, on_workers: bool = False):  # noqa: ANN001, ANN202 - a pass run with the given kernels
    def go(prep: Prepared) -> dict[tuple[str, str], pd.DataFrame]:
        old = routing.DEFAULT_NEAREST_METHOD, routing.DEFAULT_COUNT_METHOD, access_pass.counts_on_workers
        routing.DEFAULT_NEAREST_METHOD, routing.DEFAULT_COUNT_METHOD = method, counts
        if not on_workers:
            access_pass.counts_on_workers = lambda: False
        try:
            return run(prep)
        finally:
            routing.DEFAULT_NEAREST_METHOD, routing.DEFAULT_COUNT_METHOD, access_pass.counts_on_workers = old

    return go


PASSES = {
    "searched": _with_method("heap", before_pass),
    "derived": _with_method("heap", after_pass),
    "buckets": _with_method("buckets", after_pass),
    "threads": _with_method("buckets", threads_pass),
    "lanes": _with_method("buckets", threads_pass, counts="lanes"),
    "workers": _with_method("buckets", threads_pass, counts="lanes", on_workers=True),
}


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the alternated passes, print the medians and the ratio, and return them (seconds)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    base = prepare_region("malta")
    for mode in MODES:  # the origins' snaps are shared by both passes, as in a running app
        base.origin_nodes(mode)
        base.routing_inputs(mode, base.services_for("employment_office"))
    shared = {k: v for k, v in base._memo.items() if k[0] in ("origin_nodes", "origin_edges")}
    with tempfile.TemporaryDirectory() as tmp:  # compile the kernels once
        after_pass_one = dataclasses.replace(base, folder=Path(tmp), _memo=dict(shared))
        after_pass_one.access("walk", "health")
    times: dict[str, list[float]] = {name: [] for name in PASSES}
    cpu: dict[str, list[float]] = {name: [] for name in PASSES}
    results = {}
    for _ in range(args.rounds):
        for name, run in PASSES.items():
            with tempfile.TemporaryDirectory() as tmp:
                prep = dataclasses.replace(base, folder=Path(tmp), _memo=dict(shared))
                t0, c0 = time.perf_counter(), time.process_time()
                results[name] = run(prep)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
            print(f"  {name:8s} {times[name][-1]:7.1f} s wall, {cpu[name][-1]:7.1f} s CPU (all threads)", flush=True)
    worst = 0.0
    want_all = results["searched"]
    for name in PASSES:
        for key, want in want_all.items():
            got = results[name][key]
            pd.testing.assert_frame_equal(got.drop(columns="nearest_service"), want.drop(columns="nearest_service"))
            worst = max(worst, float((got["time_mean3_s"] - want["time_mean3_s"]).abs().fillna(0).max()))
            if name in (
                "buckets",
                "threads",
                "lanes",
                "workers",
            ):  # the same kernels: the same sites named, ties included
                pd.testing.assert_series_equal(got["nearest_service"], results["buckets"][key]["nearest_service"])
    wall = {name: statistics.median(v) for name, v in times.items()}
    work = {name: statistics.median(v) for name, v in cpu.items()}
    n = len(base.category_keys())
    print(
        f"whole indicator pass, {len(base.origins)} origins x {n} keys x 3 modes, medians of {args.rounds} "
        f"(tables agree; largest time difference {worst:.1e} s):"
    )
    prev = None
    for name in PASSES:
        line = f"  {name:8s} {wall[name]:6.1f} s wall, {work[name]:6.1f} s CPU"
        if prev is not None:
            line += f"; {against(wall[name], wall[prev], prev, what='wall')}, {against(work[name], work[prev], prev, what='CPU')}"
        print(line)
        prev = name
    first, last = next(iter(PASSES)), list(PASSES)[-1]
    print(f"  {against(wall[last], wall[first], first, what=last)} (wall)")
    return {**{f"{k}_s": v for k, v in wall.items()}, **{f"{k}_cpu_s": v for k, v in work.items()}}


if __name__ == "__main__":
    main(sys.argv[1:])
