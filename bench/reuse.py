"""Benchmark of "do no work twice": the whole Malta indicator pass, themes derived vs searched again.

The pass is what the app, the report and the indicator CLI ask of a prepared region:
`Prepared.access` for every key of `Prepared.category_keys` (themes, categories, official
lists) by every mode, from an empty access cache. Measured in one process, alternated:

- ``before``: each key searched on its own sites (the code before themes were derived:
  a file already there under the key's own name is read, anything else searched);
- ``after``: `Prepared.access` as it is (a theme from its categories, keys with the same
  sites once).

Both write the same tables; the check at the end says they agree. Run:
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

from equimap.network.cache import write_atomic
from equimap.network.prepare import Prepared, prepare_region
from equimap.network.routing import access_table

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
    """Return every (mode, key) table from `Prepared.access` as it is now."""
    return {(mode, key): prep.access(mode, key) for mode in MODES for key in prep.category_keys()}


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
    times: dict[str, list[float]] = {"before": [], "after": []}
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    results = {}
    for _ in range(args.rounds):
        for name, run in (("before", before_pass), ("after", after_pass)):
            with tempfile.TemporaryDirectory() as tmp:
                prep = dataclasses.replace(base, folder=Path(tmp), _memo=dict(shared))
                t0, c0 = time.perf_counter(), time.process_time()
                results[name] = run(prep)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
            print(f"  {name:6s} {times[name][-1]:7.1f} s wall, {cpu[name][-1]:7.1f} s CPU (all threads)", flush=True)
    worst = 0.0
    for key, want in results["before"].items():
        got = results["after"][key]
        pd.testing.assert_frame_equal(got.drop(columns="nearest_service"), want.drop(columns="nearest_service"))
        worst = max(worst, float((got["time_mean3_s"] - want["time_mean3_s"]).abs().fillna(0).max()))
        same = (got["nearest_service"] == want["nearest_service"]) | want["nearest_service"].isna()
        assert same.all(), key
    b, a = statistics.median(times["before"]), statistics.median(times["after"])
    bc, ac = statistics.median(cpu["before"]), statistics.median(cpu["after"])
    n = len(base.category_keys())
    print(
        f"whole indicator pass, {len(base.origins)} origins x {n} keys x 3 modes, medians of {args.rounds}: "
        f"before {b:.1f} s, after {a:.1f} s wall: after is {b / a:.2f}x faster; "
        f"CPU {bc:.1f} s against {ac:.1f} s: {bc / ac:.2f}x less work "
        f"(tables agree; largest time difference {worst:.1e} s)"
    )
    return {"before_s": b, "after_s": a, "ratio": b / a, "before_cpu_s": bc, "after_cpu_s": ac}


if __name__ == "__main__":
    main(sys.argv[1:])
