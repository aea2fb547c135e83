"""The ``report`` command: the gap report (PDF) or an export of every table and layer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from equimap.cli._common import _data_dir, _profile, _progress


def cmd_report(args: argparse.Namespace) -> int:
    """Write the gap report (PDF) or an export of every table and layer, protected against small counts."""
    import time

    from equimap.analysis.bundle import parse_analysis
    from equimap.report.files import write_region

    start = time.perf_counter()
    analyses = [parse_analysis(s) for s in args.analysis] if args.analysis else None
    paths, bundle = write_region(
        args.region,
        Path(args.out),
        fmt=args.format,
        lang=args.lang,
        analyses=analyses,
        threshold=args.suppress_below,
        n_boot=args.n_boot,
        seed=args.seed,
        data_dir=_data_dir(args),
        profile=_profile(args),
        progress=_progress,
    )
    if not bundle.protected:
        print("warning: small-count protection is OFF; do not publish or share these files.", file=sys.stderr)
    names = ", ".join(str(p) for p in paths)
    print(f"wrote {names} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0
