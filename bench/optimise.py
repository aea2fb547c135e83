"""New-site planning on Malta (walk, pharmacy, 15 min): the optimiser's cost table and solve, K = 3 and K = 10.

``python -m bench.optimise`` times, in one process with the networks cached:

* baseline: one full recomputation of the access table with the current sites
  (``Prepared.access(..., services=...)``, in memory, as a scenario's "after" would be);
* per objective (coverage = MCLP with spopt + CBC; median = p-median with PuLP + CBC) and
  K in (3, 10): ``suggest_sites``'s cost table (demand points, snapping, the bounded
  ``od_pairs`` searches from the 311 candidates) and its solve (building and solving the model),
  each the median of ``--runs`` runs (median objective: ``--median-runs``).

A first call (numba compilation of the pair search, importing spopt) is run and reported apart.
Ratios are against the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.compare import against
from equimap.network.prepare import prepare_region
from equimap.scenario.optimise import suggest_sites

QUESTION = {"mode": "walk", "category": "pharmacy", "threshold_min": 15.0}


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--median-runs", type=int, default=1)
    args = ap.parse_args(argv)
    prep = prepare_region("malta")
    existing = prep.services_for(QUESTION["category"])
    t0 = time.perf_counter()
    first = suggest_sites(prep, **QUESTION, k=3)
    res = {"first_call_s": time.perf_counter() - t0}
    base = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        prep.access(QUESTION["mode"], QUESTION["category"], services=existing)
        base.append(time.perf_counter() - t0)
    res["baseline_access_s"] = statistics.median(base)
    print(
        f"Malta, walk, pharmacy, 15 min; {first.sizes['candidates']} candidates, {first.sizes['demand_points']} demand points"
    )
    print(f"first call (compiling the pair search, importing spopt): {res['first_call_s']:.2f} s")
    print(f"baseline: full access recomputation with the current sites: {res['baseline_access_s']:.2f} s")
    for objective, runs in (("coverage", args.runs), ("median", args.median_runs)):
        for k in (3, 10):
            out = [suggest_sites(prep, **QUESTION, k=k, objective=objective) for _ in range(runs)]
            cost = statistics.median(s.timings_s["cost_table"] for s in out)
            solve = statistics.median(s.timings_s["solve"] for s in out)
            res[f"{objective}_k{k}_cost_table_s"], res[f"{objective}_k{k}_solve_s"] = cost, solve
            sz = out[0].sizes
            print(
                f"{objective:8s} K={k:2d}: cost table {cost:.2f} s ({against(cost, res['baseline_access_s'], 'the baseline access table')}; "
                f"{sz['pairs']} pairs), solve {solve:.2f} s ({against(solve, res['baseline_access_s'], 'that baseline')}; model "
                f"{sz['model_rows']} rows x {sz['model_columns']} candidates), median of {runs}"
            )
    return res


if __name__ == "__main__":
    main()
