"""The argument parser of ``equimap`` and its entry point, `main`.

`build_parser` declares every command and its options and points each at its function
(`equimap.cli.regions`, `indicators`, `report`, `planning`, `add_region`); `main` parses,
checks the small-count threshold, runs the command and turns the library's errors into
one sentence and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys

from equimap import i18n, settings
from equimap._errors import EquimapError
from equimap.cli._common import _data_dir
from equimap.cli.indicators import cmd_access, cmd_equity, cmd_inequality, cmd_summary, cmd_supply
from equimap.cli.planning import cmd_optimise, cmd_outreach, cmd_scenario
from equimap.cli.regions import cmd_prepare, cmd_regions, cmd_urbanisation
from equimap.cli.report import cmd_report
from equimap.network.profile import shipped_profiles
from equimap.region.manifest import load_region

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


SUPPRESS_HELP = (
    "hide counts below N (default 10); N may not be below the installation's minimum "
    "(EQUIMAP_MIN_COUNT, default 10, raised by the region's [privacy] min_count); 0 turns protection off where that is 0"
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

    from equimap.cli.add_region import add_parser as add_region_parser

    add_region_parser(sub)
    for sp in sub.choices.values():  # `--data-dir` also after the command; SUPPRESS keeps one given before it
        sp.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=DATA_DIR_HELP)
        sp.add_argument("--no-ferries", action="store_true", default=argparse.SUPPRESS, help=NO_FERRIES_HELP)
        sp.add_argument("--profile", metavar="NAME|FILE", default=argparse.SUPPRESS, help=PROFILE_HELP)
        sp.add_argument("--age-speeds", choices=["on", "off"], default=argparse.SUPPRESS, help=AGE_SPEEDS_HELP)
    return p


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
