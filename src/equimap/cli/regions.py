"""The commands about regions themselves: ``regions``, ``prepare`` and ``urbanisation``."""

from __future__ import annotations

import argparse
import sys

from equimap.cli._common import _data_dir, _profile, _progress, _travel
from equimap.network.prepare import prepare_region
from equimap.region.manifest import list_regions, load_region, regions_folder


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
