"""What the commands share: the global options turned into the library's arguments.

The region's data folder (``--data-dir``), speed profile (``--profile``, ``--age-speeds``),
travel settings (``--no-ferries``), the prepared region, an own facility list
(``--services``) and the progress lines printed on standard error.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import geopandas as gpd

from equimap import settings
from equimap.network.cache import TravelSettings
from equimap.network.prepare import Prepared, prepare_region
from equimap.network.profile import DEFAULT_PROFILE, Profile, load_profile
from equimap.region.manifest import load_region
from equimap.region.services import load_service_file


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
