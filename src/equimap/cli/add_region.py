"""The ``add-region`` command: write a region folder and manifest, then say what it holds.

`equimap.cli.parser.build_parser` adds it to the other commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from equimap.region.manifest import Region

ADD_REGION_HELP = {
    "key": "folder name of the new region under the data folder (letters, digits, - and _)",
    "osm": "OpenStreetMap extract covering the region (.osm.pbf, .osm or .osm.bz2)",
    "population": "population grid or zones (GeoPackage, GeoJSON, Shapefile...) with a CRS, an id and a total column",
    "name": "the region's name as shown in titles (default: KEY)",
    "country_name": 'the country\'s name in sentences such as "people born in COUNTRY"',
    "id_col": "id column of the population layer (default GRD_ID, the Eurostat grid's)",
    "total_col": "total residents column of the population layer (default T)",
    "crs": "projected CRS in metres for the analysis, e.g. EPSG:3035 (default: the layer's, or its UTM zone)",
    "land_share": "column with the share of each cell that is land, 0..1 (default LAND_SURFACE when present)",
    "confidential_suffix": "suffix of the confidentiality flag columns; flagged zeros are unknown (default _CI when present)",
    "boundaries": "boundary layer of local units (councils, municipalities), e.g. exported from the OSM extract",
    "boundary_name": "name column of --boundaries (default name)",
    "boundary_key": "key of the boundary layer in the manifest (default units); it is the region's main layer",
    "boundary_label": 'label of the boundary layer (default "Local units")',
    "boundary_filter": "keep only the boundary features with COL=VALUE (repeatable; default osm_type=relation for OSM layers)",
    "area": "study area: a polygon file, or the name of one feature of --boundaries; what lies outside is left out",
    "services": "an official list of sites (GeoJSON, GeoPackage or CSV with lon/lat)",
    "overwrite": "replace the manifest of an existing region of that key",
    "no_check": "do not prepare the walking network to report residents, services and network coverage",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``add-region`` command to the subparsers `sub`."""
    h = ADD_REGION_HELP
    sp = sub.add_parser("add-region", help="write a region folder and manifest from local files")
    sp.add_argument("key", help=h["key"])
    sp.add_argument("--osm", required=True, help=h["osm"])
    sp.add_argument("--population", required=True, help=h["population"])
    sp.add_argument("--name", help=h["name"])
    sp.add_argument("--country-name", help=h["country_name"])
    sp.add_argument("--id-col", default="GRD_ID", help=h["id_col"])
    sp.add_argument("--total-col", default="T", help=h["total_col"])
    sp.add_argument("--crs", help=h["crs"])
    sp.add_argument("--land-share", help=h["land_share"])
    sp.add_argument("--confidential-suffix", help=h["confidential_suffix"])
    sp.add_argument("--boundaries", help=h["boundaries"])
    sp.add_argument("--boundary-name", default="name", help=h["boundary_name"])
    sp.add_argument("--boundary-key", default="units", help=h["boundary_key"])
    sp.add_argument("--boundary-label", default="Local units", help=h["boundary_label"])
    sp.add_argument("--boundary-filter", action="append", metavar="COL=VALUE", help=h["boundary_filter"])
    sp.add_argument("--area", metavar="FILE|NAME", help=h["area"])
    sp.add_argument("--services", help=h["services"])
    sp.add_argument("--overwrite", action="store_true", help=h["overwrite"])
    sp.add_argument("--no-check", action="store_true", help=h["no_check"])
    sp.set_defaults(func=cmd_add_region)


def _filters(specs: list[str] | None) -> dict[str, str] | None:
    from equimap._errors import RegionError

    if not specs:
        return None
    out = {}
    for spec in specs:
        col, sep, val = spec.partition("=")
        if not sep or not col:
            msg = f"--boundary-filter `{spec}` is not COL=VALUE; write e.g. `--boundary-filter admin_level=8`."
            raise RegionError(msg)
        out[col.strip()] = val.strip()
    return out


def cmd_add_region(args: argparse.Namespace) -> int:
    """Write a new region folder and manifest from local files, then print what it holds."""
    from equimap.region.add import add_region

    data_dir = Path(args.data_dir).expanduser() if getattr(args, "data_dir", None) else None
    r = add_region(
        args.key,
        osm=Path(args.osm),
        population=Path(args.population),
        name=args.name,
        id_col=args.id_col,
        total_col=args.total_col,
        crs=args.crs,
        land_share_col=args.land_share,
        confidential_suffix=args.confidential_suffix,
        boundaries=Path(args.boundaries) if args.boundaries else None,
        boundary_name_col=args.boundary_name,
        boundary_key=args.boundary_key,
        boundary_label=args.boundary_label,
        boundary_filter=_filters(args.boundary_filter),
        area=args.area,
        country_name=args.country_name,
        services=Path(args.services) if args.services else None,
        data_dir=data_dir,
        overwrite=args.overwrite,
    )
    print(f"region `{r.key}` written to {r.folder / 'region.toml'}")
    if not args.no_check:
        for line in found_in_region(r):
            print(line)
    return 0


def found_in_region(region: Region) -> list[str]:
    """Return what a new region holds: residents, units, services per category, residents within the network's coverage.

    The walking network is prepared (and cached) to find it; the other modes are built by
    ``equimap prepare`` and reuse the rest.
    """
    from equimap.network.prepare import prepare_region
    from equimap.region.boundaries import load_boundaries
    from equimap.report.preparation import found_lines

    prep = prepare_region(region, modes=("walk",), progress=lambda m, f: print(f"[{f:4.0%}] {m}", file=sys.stderr))
    s = prep.summary
    out = [f"residents: {round(prep.origins[region.total_col].sum()):,} in {len(prep.population)} cells"]
    main = region.main_boundary
    if main is not None:
        out.append(f"units: {len(load_boundaries(region, main))} in boundary layer `{main}` (the main layer)")
    counts = prep.services.groupby("category").size().sort_values(ascending=False)
    out.append("services: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
    share = 1.0 - s["coverage"].get("share_no_street", 0.0)
    out.append(f"within the network's coverage: {100 * share:.1f} % of residents")
    out += found_lines(s, region)
    return out
