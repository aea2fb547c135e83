"""The commands that plan where to act: ``outreach``, ``optimise`` and ``scenario``.

Places to reach out to, new sites suggested by location-allocation, and what added,
removed or moved sites would change per group; every output protected against small counts.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import geopandas as gpd

from equimap.cli._common import _about, _prepare, _services


def cmd_outreach(args: argparse.Namespace) -> int:
    """Rank peri-urban and rural places by residents beyond the threshold; print the top 10, optionally write them."""
    from equimap.analysis.outreach import outreach_targets

    prep = _prepare(args)
    t = outreach_targets(
        prep,
        mode=args.mode,
        category=args.category,
        threshold_s=args.threshold_min * 60,
        level=args.level,
        group=args.group,
        services=_services(args, prep),
    )
    print(
        f"{prep.region.name}: outreach targets ({args.level}s) for {_about(args, prep)} by "
        f"{args.mode}, threshold {args.threshold_min:g} min, group {args.group or 'none'}; {len(t)} places ranked"
    )
    print(_top_targets(t, total_col=prep.region.total_col, n=10, threshold=args.suppress_below))
    if args.suppress_below == 0:
        print("warning: small-count protection is OFF; do not publish or share this output.", file=sys.stderr)
    if args.out:
        from equimap.report.outreach_file import write_targets

        path = write_targets(t, Path(args.out), threshold=args.suppress_below, total_col=prep.region.total_col)
        print(f"wrote {len(t)} places to {path}", file=sys.stderr)
    return 0


def _top_targets(t: gpd.GeoDataFrame, *, total_col: str, n: int, threshold: int) -> str:
    """Return the first `n` targets as printed: the protected values of the exported table (hidden: ``-``)."""
    import pandas as pd

    from equimap.report.outreach_file import protected_targets

    table = protected_targets(t, threshold=threshold, total_col=total_col).table
    beyond = [c for c in t.columns if c.startswith("beyond_") and not c.startswith("beyond_share_")]
    cols = ["rank", *(["name"] if "name" in t else []), "degurba_l2_label", total_col, *beyond]
    show = pd.DataFrame(table[cols]).head(n)
    show["mean_excess_min"] = table["mean_excess_min"].head(n).round(1)
    show["score"] = table["score"].head(n).round(1)
    with pd.option_context("display.width", 220, "display.max_columns", 30):
        return show.to_string(na_rep="-")


def cmd_optimise(args: argparse.Namespace) -> int:
    """Suggest where K new sites of a category should go (coverage or p-median), optionally by group; protected."""
    import pandas as pd

    from equimap.scenario import optimise as op

    prep = _prepare(args)
    weights, only = op.parse_group_weights(args.weight_group)
    cands = op.candidates_from_file(prep, Path(args.candidates), mode=args.mode) if args.candidates else None
    s = op.suggest_sites(
        prep,
        mode=args.mode,
        category=args.category,
        threshold_min=float(args.threshold_min),
        k=args.new,
        objective=args.objective,
        weights=weights,
        only_group=only,
        candidates=cands,
        services=_services(args, prep),
    )
    if args.suppress_below == 0:
        print("warning: small-count protection is OFF; do not publish or share this output.", file=sys.stderr)
    rec = op.suggestion_record(s, threshold=args.suppress_below)
    if args.json:
        print(json.dumps(rec, indent=2, ensure_ascii=False))
    else:
        who = f", covering {only} only" if only else ""
        who += f", weights {', '.join(f'{g}={w:g}' for g, w in weights.items())}" if weights else ""
        print(
            f"{prep.region.name}: {args.new} new sites for {_about(args, prep)} by {args.mode}, "
            f"threshold {args.threshold_min:g} min, objective {args.objective}{who}"
        )
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(pd.DataFrame(rec["sites"]).set_index("service_id").to_string())
            print("\nResidents newly within the threshold, by group (all sites together):")
            print(pd.DataFrame(rec["gains"]).set_index("group").to_string())
    t = s.timings_s
    print(f"cost table {t['cost_table']:.2f} s, solve {t['solve']:.2f} s", file=sys.stderr)
    if args.out:
        path = op.write_suggestion(Path(args.out), s, threshold=args.suppress_below)
        print(f"wrote {len(s.sites)} suggested sites to {path}", file=sys.stderr)
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    """Print what added, removed or moved sites change per group (protected), and write the scenario or its report."""
    from equimap.analysis.core import Analysis
    from equimap.analysis.question import Question
    from equimap.scenario import changes as ch
    from equimap.scenario.engine import ScenarioAnalysis, compare_scenarios

    prep = _prepare(args)
    region = prep.region
    scenarios = [ch.read_scenario(f, region=region) for f in args.file or []]
    changes = {"add": args.add or [], "remove": args.remove or [], "move": args.move or []}
    own = None
    if any(changes.values()):
        own = ch.parse_changes(name=args.name or "scenario", category=args.category, **changes)
        ch.check_locations(own, region, where="the command line")
    if args.sites:
        sites = ch.scenario_from_sites(
            Path(args.sites),
            category=args.category,
            region=region,
            name=args.name,
            name_col=args.sites_name,
            capacity_col=args.sites_capacity,
        )
        own = sites if own is None else ch.merge_scenarios(own, sites)
    if own is not None:
        scenarios.append(own)
    if not scenarios:
        print("error: give changes with --add, --remove, --move, --sites or --file.", file=sys.stderr)
        return 2
    if args.name and len(scenarios) == 1:
        scenarios = [replace(scenarios[0], name=args.name)]
    if args.out and len(scenarios) != 1:
        print("error: --out writes one scenario; give the changes of one scenario only.", file=sys.stderr)
        return 2
    question = Question(args.mode, args.category, float(args.threshold_min))
    before = Analysis(prep, question, n_boot=0, suppress_below=args.suppress_below)
    runs = [ScenarioAnalysis(before, s) for s in scenarios]
    if args.out:
        ch.write_scenario(runs[0].located_scenario(), args.out)
    if not before.protected:
        print("warning: small-count protection is OFF; do not publish or share this output.", file=sys.stderr)
    if args.report:
        from equimap.report.scenario_file import write_scenarios

        write_scenarios(runs, args.report, lang=args.lang)
    table = runs[0].groups() if len(runs) == 1 else compare_scenarios(before, runs)
    if args.json:
        out = {
            "region": region.key,
            "mode": args.mode,
            "category": args.category,
            "threshold_min": float(args.threshold_min),
            "protected": before.protected,
            "scenarios": [r.scenario.to_geojson() for r in runs],
            "groups": json.loads(table.reset_index().to_json(orient="records", double_precision=15)),
        }
        classes = runs[0].classes() if len(runs) == 1 else compare_scenarios(before, runs, table="classes_l2")
        if classes is not None:
            out["classes"] = json.loads(classes.reset_index().to_json(orient="records", double_precision=15))
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    import pandas as pd

    print(f"{region.name}: {prep.category_label(args.category)} by {args.mode}, threshold {args.threshold_min:g} min")
    for r in runs:
        kinds = [c.kind for c in r.scenario.changes]
        print(
            f"scenario `{r.name}`: {kinds.count('add')} added, {kinds.count('remove')} removed, {kinds.count('move')} moved"
        )
    shown = table.drop(columns=[c for c in ("dimension", "pop") if c in table.columns])
    with pd.option_context("display.width", 200, "display.max_columns", 40):
        print(shown.round(4).to_string())
    return 0
