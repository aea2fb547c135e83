"""Benchmark of the Malta gap report: how long ``python -m equimap report`` takes, as a user runs it.

Each run is a new process (imports, loading the prepared region from the disk
cache, the bundle with 999 bootstrap replicates, the maps and the PDF), so the
figure is what an official waits for in a batch job; the region is prepared once
beforehand, so the cache is warm. Also times the bundle and each writer in this
process.

Run: ``python -m bench.report`` (``--runs N``, default 3).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from equimap.analysis.bundle import build_bundle
from equimap.i18n import languages
from equimap.network.prepare import prepare_region
from equimap.report.files import write_bundle

#: The repository root (commands run from there).
ROOT_DIR = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print a report and return the figures (seconds)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3, help="new-process report runs per language")
    args = ap.parse_args(argv)
    prep = prepare_region("malta")  # warm the cache
    res: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for lang in languages():
            times = []
            for _ in range(args.runs):
                out = Path(tmp) / f"malta-{lang}.pdf"
                t0 = time.perf_counter()
                cmd = [
                    sys.executable,
                    "-m",
                    "equimap",
                    "report",
                    "--region",
                    "malta",
                    "--lang",
                    lang,
                    "--out",
                    str(out),
                ]
                subprocess.run(cmd, cwd=ROOT_DIR, check=True, capture_output=True)
                times.append(time.perf_counter() - t0)
            res[f"report_pdf_{lang}_s"] = statistics.median(times)
            print(f"Malta report ({lang}, PDF, new process, warm cache): median {res[f'report_pdf_{lang}_s']:.1f} s")
        t0 = time.perf_counter()
        bundle = build_bundle(prep)
        res["bundle_s"] = time.perf_counter() - t0
        print(f"bundle (2 analyses, 999 bootstrap replicates, protection): {res['bundle_s']:.1f} s")
        for fmt, suffix in (("pdf", ".pdf"), ("xlsx", ".xlsx"), ("gpkg", ".gpkg"), ("html", ".html"), ("csv", ".zip")):
            t0 = time.perf_counter()
            write_bundle(bundle, Path(tmp) / f"out{suffix}", fmt=fmt)
            res[f"write_{fmt}_s"] = time.perf_counter() - t0
            print(f"write {fmt}: {res[f'write_{fmt}_s']:.1f} s")
    return res


if __name__ == "__main__":
    main(sys.argv[1:])
