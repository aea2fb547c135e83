"""Command line for analysts and batch jobs: ``equimap COMMAND`` or ``python -m equimap COMMAND``.

Every command prints one clear sentence and exits with code 2 on bad input.
Regions are looked up by key in the data folder: ``--data-dir DIR`` (before or
after the command), else the ``EQUIMAP_DATA_DIR`` environment variable, else
the regions bundled with equimap.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

import geopandas as gpd

from equimap import i18n, settings
from equimap._errors import EquimapError
from equimap.network.cache import TravelSettings
from equimap.network.prepare import Prepared, prepare_region
from equimap.network.profile import DEFAULT_PROFILE, Profile, load_profile, shipped_profiles
from equimap.region.manifest import list_regions, load_region, regions_folder
from equimap.region.services import load_service_file

log = logging.getLogger("geo")


def _progress(msg: str, frac: float) -> None:
    print(f"[{frac:4.0%}] {msg}", file=sys.stderr, flush=True)


def _data_dir(args: argparse.Namespace) -> Path | None:
    """Return the ``--data-dir`` folder, or None for `settings.data_dir()`."""
    return Path(args.data_dir).expanduser() if getattr(args, "data_dir", None) else None


def _profile(args: argparse.Namespace) -> Profile | str | None:
    """Return the speed profile of ``--profile`` and ``--age-speeds``, or None for the region's own.

    Without ``--profile``, ``--age-speeds`` switches the walking speeds by age of the region's
    profile (its manifest's ``[travel] profile``, else the shipped default).
    """
    spec = getattr(args, "profile", None)
    age = getattr(args, "age_speeds", None)
    if age is None:
        return spec
    if spec is None:
        region = load_region(getattr(args, "region", settings.DEFAULT_REGION), data_dir=_data_dir(args))
        profile = load_profile(region.profile or DEFAULT_PROFILE, base=region.folder)
    else:
        profile = load_profile(spec)
    return profile.with_age_speeds(age == "on")


def _travel(args: argparse.Namespace) -> TravelSettings | None:
    """Return the travel settings of ``--no-ferries`` (the profile's, with ferries off), or None to let the profile decide."""
    if not getattr(args, "no_ferries", False):
        return None
    profile, base = _profile(args), None
    if profile is None:
        region = load_region(getattr(args, "region", settings.DEFAULT_REGION), data_dir=_data_dir(args))
        profile, base = region.profile or DEFAULT_PROFILE, region.folder
    return dataclasses.replace(TravelSettings.from_settings(profile=profile, base=base), ferries=False)


def _prepare(args: argparse.Namespace) -> Prepared:
    return prepare_region(
        args.region,
        modes=(args.mode,) if getattr(args, "mode", None) else settings.MODES,
        profile=_profile(args),
        data_dir=_data_dir(args),
        travel=_travel(args),
        progress=_progress,
    )


def _services(args: argparse.Namespace, prep: Prepared) -> gpd.GeoDataFrame | None:
    """Return the sites of ``--services`` as a category named after the file's stem, or None without the option.

    Sites are named from ``--services-name``, else from the file's one ``name``
    column (in any case), else ``<file stem> 1..n``.
    """
    if not args.services:
        return None
    from equimap.region.services import read_service_layer

    path = Path(args.services)
    name_col = args.services_name
    if name_col is None:
        names = [c for c in read_service_layer(path).columns if str(c).lower() == "name"]
        name_col = names[0] if len(names) == 1 else None
    return load_service_file(
        path,
        category=path.stem,
        name_col=name_col,
        capacity_col=args.services_capacity,
        crs=prep.region.crs,
        bbox=prep.region.bbox,
    )


def _about(args: argparse.Namespace, prep: Prepared) -> str:
    """Return what an output is about, for its title: the ``--services`` file's name, else the category's label."""
    return Path(args.services).name if args.services else prep.category_label(args.category)


def cmd_regions(args: argparse.Namespace) -> int:
    """List the regions of the data folder: key, name and CRS, one per line."""
    folder = regions_folder(_data_dir(args))
    keys = list_regions(folder)
    for key in keys:
        r = load_region(key, data_dir=folder)
        print(f"{key}\t{r.name}\t{r.crs}")
    if not keys:
        print(f"no region in {folder}; add one with `equimap add-region`.", file=sys.stderr)
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Build and cache the networks, services and residents of a region."""
    prep = prepare_region(
        args.region, profile=_profile(args), data_dir=_data_dir(args), travel=_travel(args), progress=_progress
    )
    p = prep.travel.profile
    print(f"speed profile: {p.name} ({p.digest})")
    for m, net in prep.networks.items():
        print(f"{m}: {net.n_nodes} nodes, {net.n_edges} edges")
    print(f"services: {len(prep.services)}; origins: {len(prep.origins)}; cache: {prep.folder}")
    from equimap.report.preparation import found_lines

    for line in found_lines(prep.summary, prep.region):
        print(line)
    return 0


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


def cmd_inequality(args: argparse.Namespace) -> int:
    """Print Gini, Theil T with its group decompositions, and the concentration index."""
    from equimap.analysis.equity import inequality_table

    prep = _prepare(args)
    t = inequality_table(prep, mode=args.mode, category=args.category, services=_services(args, prep))
    print(f"{prep.region.name}: inequality of travel time to {_about(args, prep)} by {args.mode}")
    print(t.round(5).to_string(index=False))
    return 0


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


def cmd_urbanisation(args: argparse.Namespace) -> int:
    """Print residents and cells per Degree of Urbanisation class; with --councils, each council's class."""
    from equimap.analysis.classes import grid_classes, unit_classes
    from equimap.indicators.degurba import population_by_class
    from equimap.region.census import load_population

    region = load_region(args.region, data_dir=_data_dir(args))
    grid = grid_classes(load_population(region), region=region)
    t = population_by_class(grid, pop_col=region.total_col, level=args.level)
    print(f"{region.name}: Degree of Urbanisation, grid level {args.level}")
    print(t.assign(pop=t["pop"].round(0), pop_share=t["pop_share"].round(4)).to_string())
    if args.councils:
        units = unit_classes(region, grid)
        cols = ["name", "pop", "share_l1_3", f"degurba_l{args.level}", f"degurba_l{args.level}_label"]
        print(f"\nLocal units (class by the share of their residents in each class of cell), level {args.level}")
        print(units[cols].sort_values(["name", "pop"]).round({"pop": 0, "share_l1_3": 3}).to_string())
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


#: Help of ``--data-dir``, a global option accepted before or after the command.
DATA_DIR_HELP = "folder of region folders (default: $EQUIMAP_DATA_DIR, else the regions bundled with equimap)"
#: Help of ``--profile`` and ``--age-speeds``, global options accepted before or after the command.
PROFILE_HELP = (
    "speed profile: a shipped name (" + ", ".join(shipped_profiles()) + ") or a .toml file "
    "(default: the region manifest's [travel] profile, else default)"
)
AGE_SPEEDS_HELP = "walking speeds by age group on or off (default: as the profile says)"


#: Help of ``--no-ferries``, a global option accepted before or after the command.
NO_FERRIES_HELP = (
    "leave ferries out of the networks (default: OSM ferry routes are crossings; see docs/travel-model.md)"
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m equimap``."""
    p = argparse.ArgumentParser(prog="equimap", description="equimap: access to public services, by group.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    p.add_argument("--data-dir", metavar="DIR", help=DATA_DIR_HELP)
    p.add_argument("--no-ferries", action="store_true", help=NO_FERRIES_HELP)
    p.add_argument("--profile", metavar="NAME|FILE", help=PROFILE_HELP)
    p.add_argument("--age-speeds", choices=["on", "off"], help=AGE_SPEEDS_HELP)
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("regions", help="list the regions").set_defaults(func=cmd_regions)

    sp = sub.add_parser("prepare", help="build and cache networks, services and residents")
    sp.add_argument("--region", default=settings.DEFAULT_REGION)
    sp.set_defaults(func=cmd_prepare)

    def common(sp: argparse.ArgumentParser, *, threshold: float) -> None:
        sp.add_argument("--region", default=settings.DEFAULT_REGION)
        sp.add_argument("--mode", choices=settings.MODES, default="walk")
        sp.add_argument("--category", default="health", help="a theme, category or official list key")
        sp.add_argument("--threshold-min", type=float, default=threshold)
        sp.add_argument(
            "--services",
            help="use this facility list (GeoJSON/GPKG/CSV) instead of the region's; outputs are titled with its name",
        )
        sp.add_argument(
            "--services-name", help="name column of --services (default: its `name` column, else `<file stem> N`)"
        )
        sp.add_argument("--services-capacity", help="capacity column of --services")

    sp = sub.add_parser("access", help="travel times per populated cell")
    common(sp, threshold=15)
    sp.add_argument("--out", required=True, help="output file: .csv, .gpkg or .parquet")
    sp.add_argument("--suppress-below", type=int, default=10, help=SUPPRESS_HELP)
    sp.set_defaults(func=cmd_access)

    sp = sub.add_parser("summary", help="per-group table")
    common(sp, threshold=15)
    sp.add_argument(
        "--group", help="one group dimension of the region's manifest (e.g. birth, age, sex); all by default"
    )
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--suppress-below", type=int, default=10, help=SUPPRESS_HELP)
    sp.set_defaults(func=cmd_summary)

    sp = sub.add_parser("equity", help="group gaps vs the reference group, with bootstrap intervals")
    common(sp, threshold=15)
    sp.add_argument("--group", help="group dimension of the region's manifest (default: its first)")
    sp.add_argument("--n-boot", type=int, default=999)
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_equity)

    sp = sub.add_parser("supply", help="capacity per resident by group (floating catchments)")
    common(sp, threshold=15)
    sp.add_argument("--group", help="group dimension of the region's manifest (default: its first)")
    sp.add_argument("--measure", choices=["2sfca", "e2sfca", "gravity"], default="2sfca")
    sp.add_argument("--catchment-min", type=float, default=30)
    sp.set_defaults(func=cmd_supply)

    sp = sub.add_parser("report", help="gap report (PDF) or protected exports (xlsx, gpkg, geojson, html, csv)")
    sp.add_argument("--region", default=settings.DEFAULT_REGION)
    sp.add_argument("--out", required=True, help="output file; its suffix picks the format unless --format is given")
    sp.add_argument("--format", choices=["pdf", "xlsx", "gpkg", "geojson", "html", "csv"])
    sp.add_argument(
        "--lang",
        default=i18n.FALLBACK,
        help=f"language of the texts: a catalogue of locales/ ({', '.join(i18n.languages())}; default en)",
    )
    sp.add_argument(
        "--analysis",
        action="append",
        metavar="MODE:CATEGORY:MIN",
        help="repeatable; default the manifest's `default_analyses`, else walk:health:15 and drive:<first official list, else hospital>:20",
    )
    sp.add_argument("--suppress-below", type=int, default=10, help=SUPPRESS_HELP)
    sp.add_argument("--n-boot", type=int, default=999, help="bootstrap replicates for the intervals")
    sp.add_argument("--seed", type=int, default=0)
    sp.set_defaults(func=cmd_report)

    sp = sub.add_parser("inequality", help="Gini, Theil T (decomposed by group) and concentration index")
    common(sp, threshold=15)
    sp.set_defaults(func=cmd_inequality)

    sp = sub.add_parser("outreach", help="rank peri-urban and rural places for outreach teams")
    common(sp, threshold=20)
    sp.add_argument(
        "--level",
        choices=["cell", "council"],
        default="cell",
        help="rank census cells, or the units of the region's main boundary layer (`main_boundary`)",
    )
    sp.add_argument("--group", help="group column whose share among the unserved enters the score (e.g. OTH)")
    sp.add_argument("--out", help="also write the ranking: .csv or .gpkg")
    sp.add_argument("--suppress-below", type=int, default=10, help=SUPPRESS_HELP)
    sp.set_defaults(func=cmd_outreach)

    sp = sub.add_parser("optimise", help="suggest where K new sites should go (location-allocation)")
    common(sp, threshold=15)
    sp.add_argument("--new", type=int, required=True, metavar="K", help="how many new sites")
    sp.add_argument("--objective", choices=["coverage", "median"], default="coverage")
    sp.add_argument(
        "--weight-group",
        action="append",
        metavar="GROUP[=W]",
        help="weigh a group's residents W times (OTH=2; repeatable), or GROUP alone to cover only that group",
    )
    sp.add_argument(
        "--candidates", help="candidate sites (GeoJSON/GPKG/CSV with lon/lat); one per populated cell by default"
    )
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--out", help="also write the suggestion as a scenario file (.geojson)")
    sp.add_argument("--suppress-below", type=int, default=10, help=SUPPRESS_HELP)
    sp.set_defaults(func=cmd_optimise)

    sp = sub.add_parser("urbanisation", help="residents and cells per Degree of Urbanisation class")
    sp.add_argument("--region", default=settings.DEFAULT_REGION)
    sp.add_argument("--level", type=int, choices=[1, 2], default=1)
    sp.add_argument(
        "--councils", action="store_true", help="also print the class of each unit of the main boundary layer"
    )
    sp.set_defaults(func=cmd_urbanisation)

    sp = sub.add_parser("scenario", help="what added, removed or moved sites change, per group (protected)")
    sp.add_argument("--region", default=settings.DEFAULT_REGION)
    sp.add_argument("--mode", choices=settings.MODES, default="walk")
    sp.add_argument("--category", default="health", help="the theme, category or official list the changes apply to")
    sp.add_argument("--threshold-min", type=float, default=15)
    sp.add_argument("--add", action="append", metavar="LON,LAT", help="repeatable: a new site (degrees)")
    sp.add_argument("--remove", action="append", metavar="SITE_ID", help="repeatable: a site that closes")
    sp.add_argument("--move", action="append", metavar="SITE_ID=LON,LAT", help="repeatable: a site that moves")
    sp.add_argument("--sites", help="add every site of this list (GeoJSON, GPKG, zipped Shapefile, CSV with lon/lat)")
    sp.add_argument("--sites-name", help="name column of --sites")
    sp.add_argument("--sites-capacity", help="capacity column of --sites")
    sp.add_argument("--file", action="append", help="repeatable: a scenario file; up to 4 are compared side by side")
    sp.add_argument("--name", help="name of the scenario given by --add/--remove/--move/--sites")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--out", help="write the scenario file (GeoJSON)")
    sp.add_argument("--report", help="write the comparison: .pdf, .xlsx or .gpkg")
    sp.add_argument("--lang", default=i18n.FALLBACK, help="language of the report's texts")
    sp.add_argument("--suppress-below", type=int, default=10, help="hide counts below N (default 10; 0 turns it off)")
    sp.set_defaults(func=cmd_scenario)

    from equimap.cli_region import add_parser as add_region_parser

    add_region_parser(sub)
    for sp in sub.choices.values():  # `--data-dir` also after the command; SUPPRESS keeps one given before it
        sp.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=DATA_DIR_HELP)
        sp.add_argument("--no-ferries", action="store_true", default=argparse.SUPPRESS, help=NO_FERRIES_HELP)
        sp.add_argument("--profile", metavar="NAME|FILE", default=argparse.SUPPRESS, help=PROFILE_HELP)
        sp.add_argument("--age-speeds", choices=["on", "off"], default=argparse.SUPPRESS, help=AGE_SPEEDS_HELP)
    return p


SUPPRESS_HELP = (
    "hide counts below N (default 10); N may not be below the installation's minimum "
    "(EQUIMAP_MIN_COUNT, default 10, raised by the region's [privacy] min_count); 0 turns protection off where that is 0"
)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        if getattr(args, "suppress_below", None) is not None:
            from equimap.protect.policy import check_threshold

            region = load_region(args.region, data_dir=_data_dir(args)) if getattr(args, "region", None) else None
            check_threshold(args.suppress_below, region_folder=region.folder if region else None)
        return args.func(args)
    except EquimapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
