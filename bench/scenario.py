"""Scenarios on Malta: from a click (a site added or removed) to updated group figures.

``python -m bench.scenario`` times, in one process with the networks and today's access cached
(walk, pharmacy, 15 min), for a site added and a site removed:

* baseline (full recomputation): the access table of the changed sites searched from scratch
  (``Prepared.access(..., services=changed)``) and the after analysis' group table built on it;
* the scenario engine: today's access updated (``equimap.scenario.fast.access_after``), the after
  analysis built on it and the protected comparison per group (``ScenarioAnalysis.groups``);
* the access step alone, both ways.

The interactive view uses no bootstrap replicates (the comparison shows no intervals; the protected
counts, times and shares do not depend on them); the group table with the default 999 replicates is
timed too. Each figure is the median of several runs; ratios are against the baseline of the same change.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.compare import against
from equimap.analysis.core import DEFAULT_N_BOOT, Analysis
from equimap.analysis.question import Question
from equimap.network.prepare import prepare_region
from equimap.scenario.changes import apply_changes, parse_changes
from equimap.scenario.engine import ScenarioAnalysis
from equimap.scenario.fast import access_after, base_access


def _forget(prep) -> None:  # noqa: ANN001
    """Drop the access tables kept in memory for given sites, so each run computes its own."""
    for key in [k for k in prep._memo if isinstance(k, tuple) and k and k[0] == "held_access"]:
        prep._memo.pop(key, None)


def _median(fn, runs: int, prep) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        _forget(prep)
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    prep = prepare_region("malta")
    q = Question("walk", "pharmacy", 15.0)
    t0 = time.perf_counter()
    base = base_access(prep, q.mode, q.category)
    warm_s = time.perf_counter() - t0
    before = Analysis(prep, q, n_boot=0)
    before.groups()
    ids = base.services["service_id"].tolist()
    changes = {
        "add": parse_changes(name="add", add=["14.4500,35.8800"]),
        "remove": parse_changes(name="remove", remove=[ids[5]]),
    }
    ScenarioAnalysis(before, changes["add"]).groups()  # compile the kernels once
    res: dict[str, float] = {"base_access_once_s": warm_s}
    print(
        f"today's access with each origin's {base.times_s.shape[1]} nearest sites (once per question): {warm_s:.2f} s"
    )
    for kind, sc in changes.items():
        changed = apply_changes(base.services, sc.with_category(q.category))
        full = _median(lambda changed=changed: Analysis(prep, q, n_boot=0, services=changed).groups(), args.runs, prep)
        fast = _median(lambda sc=sc: ScenarioAnalysis(before, sc).groups(), args.runs, prep)
        full_acc = _median(lambda changed=changed: prep.access(q.mode, q.category, services=changed), args.runs, prep)
        fast_acc = _median(lambda changed=changed: access_after(prep, base, changed), args.runs, prep)
        boot = _median(
            lambda sc=sc: ScenarioAnalysis(before, sc, n_boot=DEFAULT_N_BOOT).after.groups(),
            max(1, args.runs - 2),
            prep,
        )
        res |= {
            f"{kind}_full_s": full,
            f"{kind}_click_s": fast,
            f"{kind}_access_full_s": full_acc,
            f"{kind}_access_update_s": fast_acc,
            f"{kind}_click_999_boot_s": boot,
        }
        print(f"{kind}: baseline (full recomputation, group table): {full:.2f} s")
        print(f"{kind}: click to protected group comparison: {fast:.2f} s, {against(fast, full)}")
        print(
            f"{kind}: access table alone: update {fast_acc:.3f} s vs search {full_acc:.3f} s: {against(fast_acc, full_acc, 'the search', what='the update')}"
        )
        print(
            f"{kind}: after group table with {DEFAULT_N_BOOT} bootstrap replicates: {boot:.2f} s, {against(boot, full)}"
        )
    return res


if __name__ == "__main__":
    main()
