"""Run every benchmark: ``python -m bench`` (``make bench`` builds what they need first).

Modules, in order: foundation (preparation, nearest pass against scipy/networkx/pandana, the
full pass), kernels (when the module exists), prepare (cold and warm preparation), reuse (the whole indicator pass, step by step), engines (the OSRM check), report, analysis layer,
scenarios, optimiser, scale (10M-node grid and Malta), app in Chromium. Each runs even when
an earlier one failed; the run ends with a list of the failures and exit code 1 if any.

``--quick`` runs each with its smallest settings (no cold preparation, 100 OSRM pairs, one run
each, a 1M-node grid): a check that every module works on this machine, in a few minutes.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
import traceback

#: (module, full arguments, --quick arguments)
MODULES: list[tuple[str, list[str], list[str]]] = [
    ("foundation", [], ["--quick"]),
    ("kernels", [], ["--quick"]),
    ("prepare", [], ["--quick"]),
    ("reuse", [], ["--rounds", "1"]),
    ("engines", [], ["--pairs", "100"]),
    ("report", [], ["--runs", "1"]),
    ("analysis", [], ["--runs", "1"]),
    ("scenario", [], ["--runs", "1"]),
    ("optimise", [], ["--runs", "1"]),
    ("scale", [], ["--nodes", "1000000"]),
    ("app", [], ["--runs", "1"]),
]


def main(argv: list[str]) -> int:
    """Run the modules; return the exit code (1 if any failed)."""
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--quick", action="store_true", help="smallest settings: check that every module runs")
    ap.add_argument("--only", nargs="*", help="run only these modules")
    args = ap.parse_args(argv)
    failed = []
    for name, full, quick in MODULES:
        if args.only and name not in args.only:
            continue
        if importlib.util.find_spec(f"bench.{name}") is None:
            print(f"\n=== bench.{name}: not in this checkout, skipped")
            continue
        print(f"\n=== bench.{name}", flush=True)
        t0 = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main(quick if args.quick else full)
        except (Exception, SystemExit):  # noqa: BLE001 - one module's failure must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
        print(f"=== bench.{name}: {time.perf_counter() - t0:.0f} s", flush=True)
    if failed:
        print(f"\nbenchmarks that failed: {', '.join(failed)}")
        return 1
    print("\nevery benchmark ran")
    return 0


sys.exit(main(sys.argv[1:]))
