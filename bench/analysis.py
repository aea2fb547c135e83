"""The analysis layer on Malta: what a new question costs on screen, and what the report then reuses.

``python -m bench.analysis`` times, in one process with the networks cached, for one question
(walk, pharmacy, 15 min):

* baseline: ``build_bundle`` for that question (the report path: every table, 999 bootstrap draws);
* the Map page's tables from a new ``Analysis`` (cells and councils, protected);
* the Equity page's groups and gaps (the bootstrap);
* the Report page's bundle from the same ``Analysis`` (tables already computed: assembly only).

Each figure is the median of several runs, each on a new ``Analysis``; ratios are against the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.compare import against
from equimap.analysis.bundle import build_bundle
from equimap.analysis.core import Analysis
from equimap.analysis.question import Question
from equimap.network.prepare import prepare_region


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
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
    prep.access(q.mode, q.category)  # travel times cached, as in the app after the first view
    res = {"bundle_s": _median(lambda: build_bundle(prep, (q,), threshold=10, n_boot=999), args.runs)}

    def screen() -> tuple[float, float, float]:
        a = Analysis(prep, q)
        t0 = time.perf_counter()
        a.cells(), a.councils()
        t1 = time.perf_counter()
        a.groups(), a.gaps("birth")
        t2 = time.perf_counter()
        a.bundle()
        return t1 - t0, t2 - t1, time.perf_counter() - t2

    parts = [screen() for _ in range(args.runs)]
    res["map_tables_s"] = statistics.median(p[0] for p in parts)
    res["equity_tables_s"] = statistics.median(p[1] for p in parts)
    res["report_bundle_after_screen_s"] = statistics.median(p[2] for p in parts)
    base = res["bundle_s"]
    print(f"baseline build_bundle (1 question, 999 draws): {base:.2f} s")
    for key, label in (
        ("map_tables_s", "Map page tables (cells + councils)"),
        ("equity_tables_s", "Equity page tables (groups + gaps)"),
        ("report_bundle_after_screen_s", "Report bundle after the pages"),
    ):
        print(f"{label}: {res[key]:.2f} s, {against(res[key], base)}")
    return res


if __name__ == "__main__":
    main()
