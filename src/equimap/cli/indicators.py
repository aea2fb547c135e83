"""The commands of one question's access indicators: ``access``, ``summary``, ``equity``, ``supply``, ``inequality``.

Each prepares the region, computes one table for a mode, category and threshold, and
prints it (``access`` writes it), protected against small counts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from equimap import i18n
from equimap.cli._common import _about, _prepare, _services
from equimap.network.prepare import Prepared


def cmd_access(args: argparse.Namespace) -> int:
    """Write one row per census cell with travel times and residents beyond the threshold, protected."""
    from equimap.report.access_file import write_access

    prep = _prepare(args)
    acc = prep.access(args.mode, args.category, services=_services(args, prep))
    path, result = write_access(
        prep, acc, Path(args.out), threshold_s=args.threshold_min * 60, threshold=args.suppress_below
    )
    if not result.protected:
        print("warning: small-count protection is OFF; do not publish or share this file.", file=sys.stderr)
    print(f"wrote {len(result.table)} cells to {path} ({result.suppressed} values hidden)", file=sys.stderr)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the per-group table for one category, mode and threshold (the report's figures, protected)."""
    from equimap.analysis.core import Analysis
    from equimap.analysis.question import Question

    prep = _prepare(args)
    svc = _services(args, prep)
    question = Question(args.mode, args.category, float(args.threshold_min))
    # no gaps here, so no bootstrap: the counts, times and shares are those of every other surface
    analysis = Analysis(prep, question, n_boot=0, suppress_below=args.suppress_below, services=svc)
    keep = ["dimension", "label", "pop", "mean_min", "median_min", "p90_min", "pop_beyond", "share_beyond"]
    table = analysis.groups(args.group)[[*keep, "pop_unreachable"]]
    if not analysis.protected:
        print("warning: small-count protection is OFF; do not publish or share this output.", file=sys.stderr)
    import pandas as pd

    if args.json:
        print(
            json.dumps(
                json.loads(table.reset_index().to_json(orient="records", double_precision=15)),
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(f"{prep.region.name}: {_about(args, prep)} by {args.mode}, threshold {args.threshold_min:g} min")
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(
                table.round(
                    {
                        "pop": 0,
                        "mean_min": 1,
                        "median_min": 1,
                        "p90_min": 1,
                        "pop_beyond": 0,
                        "share_beyond": 3,
                        "pop_unreachable": 0,
                    }
                )
            )
    return 0


def _no_groups(prep: Prepared) -> int:
    """Say that the region has no data by group (its manifest names only a total); nothing to compare."""
    print(f"{prep.region.name}: {i18n.t('groups.none', 'en', region=prep.region.name)}")
    return 0


def cmd_equity(args: argparse.Namespace) -> int:
    """Print group gaps against the reference group, with bootstrap intervals."""
    import pandas as pd

    from equimap.analysis.equity import gaps_table

    prep = _prepare(args)
    dimension = prep.region.dimension_or_default(args.group)
    if dimension is None:
        return _no_groups(prep)
    t = gaps_table(
        prep,
        mode=args.mode,
        category=args.category,
        dimension=dimension,
        threshold_s=args.threshold_min * 60,
        n_boot=args.n_boot,
        seed=args.seed,
        services=_services(args, prep),
    )
    if args.json:
        print(
            json.dumps(
                json.loads(t.reset_index().to_json(orient="records", double_precision=15)), indent=2, ensure_ascii=False
            )
        )
        return 0
    show = pd.DataFrame(
        {
            "group": t["label"],
            "pop": t["pop"].round(0),
            "mean min [95% CI]": [
                f"{m / 60:.1f} [{lo / 60:.1f}, {hi / 60:.1f}]"
                for m, lo, hi in zip(t["mean_time_s"], t["mean_time_s_lo"], t["mean_time_s_hi"], strict=True)
            ],
            "median min": (t["median_time_s"] / 60).round(1),
            "gap vs ref, min [95% CI]": [
                f"{m / 60:+.2f} [{lo / 60:+.2f}, {hi / 60:+.2f}]"
                for m, lo, hi in zip(t["mean_diff_s"], t["mean_diff_s_lo"], t["mean_diff_s_hi"], strict=True)
            ],
            "% beyond [95% CI]": [
                f"{m:.2%} [{lo:.2%}, {hi:.2%}]"
                for m, lo, hi in zip(t["share_beyond"], t["share_beyond_lo"], t["share_beyond_hi"], strict=True)
            ],
            "repr. ratio [95% CI]": [
                f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
                for m, lo, hi in zip(
                    t["representation_ratio"], t["representation_ratio_lo"], t["representation_ratio_hi"], strict=True
                )
            ],
        }
    )
    print(
        f"{prep.region.name}: {_about(args, prep)} by {args.mode}, threshold {args.threshold_min:g} min, {args.n_boot} bootstrap draws over cells"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(show.to_string(index=False))
    return 0


def cmd_supply(args: argparse.Namespace) -> int:
    """Print capacity per 1,000 residents available to each group (2SFCA, E2SFCA or gravity)."""
    from equimap.analysis.equity import supply_access, supply_by_group

    prep = _prepare(args)
    acc = supply_access(
        prep,
        mode=args.mode,
        category=args.category,
        measure=args.measure,
        max_cost_s=args.catchment_min * 60,
        services=_services(args, prep),
    )
    dimension = prep.region.dimension_or_default(args.group)
    if dimension is None:
        return _no_groups(prep)
    t = supply_by_group(prep, acc, dimension=dimension)
    t["per_1000"] = t["access"] * 1000
    print(
        f"{prep.region.name}: {_about(args, prep)} by {args.mode}, {args.measure}, catchment {args.catchment_min:g} min"
    )
    print(t[["label", "pop", "per_1000", "ratio_to_reference"]].round(4).to_string())
    return 0


def cmd_inequality(args: argparse.Namespace) -> int:
    """Print Gini, Theil T with its group decompositions, and the concentration index."""
    from equimap.analysis.equity import inequality_table

    prep = _prepare(args)
    t = inequality_table(prep, mode=args.mode, category=args.category, services=_services(args, prep))
    print(f"{prep.region.name}: inequality of travel time to {_about(args, prep)} by {args.mode}")
    print(t.round(5).to_string(index=False))
    return 0
