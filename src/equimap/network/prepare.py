"""Prepare a region once: networks, services and residents, cached on disk.

`prepare_region` reads the OSM extract and the population layer, builds the
three networks, extracts the services and places residents, and writes all of
it under the cache folder (:mod:`equimap.network.cache` says what that folder is
keyed on). A second call (or the app's start) only reads the cache.
It returns a `equimap.network.prepared.Prepared` (importable from here too), whose
`Prepared.access` then gives, per origin, the access indicators for one mode and service
category, also cached; a theme's are derived from its categories', never searched again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap import settings
from equimap.network.cache import (
    TravelSettings,
    cache_folder,
    cache_key,
    network_folder,
    network_key,
    write_atomic,
)
from equimap.network.ferries import add_ferries
from equimap.network.graph import Network, build_network
from equimap.network.prepared import Prepared
from equimap.network.profile import Profile
from equimap.network.residents import home_nodes, place_residents
from equimap.network.urban import urban_cells, urban_test
from equimap.region.census import load_population, population_columns
from equimap.region.manifest import Region, load_region
from equimap.region.osm import OsmExtract, read_osm
from equimap.region.services import (
    Taxonomy,
    load_taxonomy,
    official_services,
    osm_services,
    tag_matcher,
)
from equimap.region.studyarea import load_study_area, restrict_services
from equimap.settings import Mode

log = logging.getLogger(__name__)

__all__ = ["Prepared", "land_layer", "preparation_summary", "prepare_region"]
Progress = Callable[[str, float], None]


def _no_progress(_msg: str, _frac: float) -> None:
    return None


def prepare_region(
    region: Region | str | Path = settings.DEFAULT_REGION,
    *,
    modes: Sequence[Mode] = settings.MODES,
    taxonomy: Taxonomy | None = None,
    travel: TravelSettings | None = None,
    profile: Profile | str | Path | None = None,
    cache_root: Path | None = None,
    data_dir: Path | None = None,
    progress: Progress = _no_progress,
) -> Prepared:
    """Return a region ready for analysis, building what the cache does not hold yet.

    Parameters
    ----------
    region
        A `Region`, or a region key / folder for `load_region`.
    modes
        Which networks to build.
    taxonomy
        Service taxonomy; the shipped ``resources/taxonomy.toml`` by default.
    travel
        Travel settings; by default `equimap.settings` as it is at this call with the speed
        profile `profile`.
    profile
        Speed profile (a `Profile`, a shipped name, or a file); used only when `travel` is None.
        By default the manifest's ``[travel] profile`` (a file relative to the region folder),
        else the shipped ``default``.
    cache_root
        Where cache folders go; `settings.cache_dir()` by default.
    data_dir
        Where a region given by key is looked up (`load_region`); ignored for a `Region`.
    progress
        Called with a message and a fraction done (0..1) on long work.

    Notes
    -----
    Files are reused only from the folder of `cache_key` (content of every input
    file, taxonomy, travel settings, code version); see the module docstring.
    """
    region = region if isinstance(region, Region) else load_region(region, data_dir=data_dir)
    taxonomy = taxonomy or load_taxonomy()
    if travel is None:
        if profile is None and region.profile is not None:
            travel = TravelSettings.from_settings(profile=region.profile, base=region.folder)
        else:
            travel = TravelSettings.from_settings(profile=profile)
    key = cache_key(region, taxonomy=taxonomy, travel=travel)
    folder = cache_folder(region, root=cache_root, key=key)
    folder.mkdir(parents=True, exist_ok=True)
    key_path = folder / "key.json"
    if not key_path.exists():
        write_atomic(key_path, lambda p: p.write_text(json.dumps(key, indent=2, sort_keys=True), encoding="utf-8"))
    population = load_population(region)
    net_key = network_key(region, travel=travel)
    net_folder = network_folder(region, root=cache_root, key=net_key)
    net_folder.mkdir(parents=True, exist_ok=True)
    if not (net_folder / "key.json").exists():
        text = json.dumps(net_key, indent=2, sort_keys=True)
        write_atomic(net_folder / "key.json", lambda p: p.write_text(text, encoding="utf-8"))
    paths = {m: net_folder / f"network_{m}.npz" for m in modes}
    found_path = folder / "found.json"
    found = json.loads(found_path.read_text(encoding="utf-8")) if found_path.exists() else {}
    svc_path, org_path = folder / "services.parquet", folder / "origins.parquet"
    need_osm = not (
        all(p.exists() for p in paths.values()) and svc_path.exists() and org_path.exists() and found_path.exists()
    )
    extract = None
    if need_osm:
        progress("Reading the OpenStreetMap extract", 0.02)
        extract = read_osm(region.osm_path, bbox=region.bbox, poi_match=tag_matcher(taxonomy))
    profile = travel.profile
    networks: dict[str, Network] = {}
    streets: dict[str, Network] = {}  # without ferries: residents are placed on streets only
    for i, m in enumerate(modes):
        if paths[m].exists():
            networks[m] = Network.load(paths[m])
        else:
            progress(f"Building the {m} network", 0.1 + 0.25 * i)
            urban = urban_test(urban_cells(population, region=region)) if m == "drive" else None
            streets[m] = build_network(extract, mode=m, crs=region.crs, profile=profile, urban=urban)
            networks[m] = _with_ferries(streets[m], extract, travel)
            write_atomic(paths[m], networks[m].save)
    if svc_path.exists() and found_path.exists():
        services = gpd.read_parquet(svc_path)
    else:
        progress("Extracting services", 0.85)
        parts = [osm_services(extract, taxonomy, crs=region.crs)]
        parts += [official_services(s, crs=region.crs) for s in region.services]
        services = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=region.crs)
        services, found["services_out"] = restrict_services(services, load_study_area(region))
        write_atomic(svc_path, services.to_parquet)
    if org_path.exists() and found_path.exists():
        origins = pd.read_parquet(org_path)
    else:
        progress("Placing residents on the street network", 0.9)
        walk = streets.get("walk") or build_network(extract, mode="walk", crs=region.crs, profile=profile)
        homes = gpd.GeoSeries.from_xy(extract.homes["lon"], extract.homes["lat"], crs="EPSG:4326").to_crs(region.crs)
        res = gpd.GeoSeries(extract.residential, crs="EPSG:4326").to_crs(region.crs)
        is_home = home_nodes(walk, np.column_stack([homes.x, homes.y]), res, buffer_m=travel.building_buffer_m)
        origins = place_residents(
            population,
            walk,
            count_columns=population_columns(region),
            is_home=is_home,
            land=land_layer(region),
            min_component_nodes=travel.min_component_nodes,
            max_snap_m=travel.max_snap_m,
        )
        found["coverage"] = origins.attrs.pop("coverage")
        write_atomic(org_path, origins.to_parquet)
        text = json.dumps(found, indent=2, sort_keys=True)
        write_atomic(found_path, lambda p: p.write_text(text, encoding="utf-8"))
    summary = preparation_summary(population, found, region=region)
    if summary["coverage"]["share_no_street"] > region.coverage_warn_share:
        c = summary["coverage"]
        log.warning(
            "%s: %.0f of %.0f residents (%.1f %%) live in cells with no street of the OSM extract "
            "(outside the network's coverage); check that the extract covers the study area",
            region.key,
            c["residents_no_street"],
            c["residents"],
            100 * c["share_no_street"],
        )
    progress("Ready", 1.0)
    return Prepared(
        region=region,
        networks=networks,
        services=services,
        origins=origins,
        population=population,
        taxonomy=taxonomy,
        folder=folder,
        travel=travel,
        summary=summary,
        networks_folder=net_folder,
    )


def preparation_summary(population: gpd.GeoDataFrame, found: dict, *, region: Region) -> dict:
    """Return what preparing a region found, as the CLI, the report's methods and `Prepared.summary` give it.

    Keys: ``study_area`` (`equimap.region.studyarea.restrict_population`'s counts, plus
    ``services_out``), ``reconciled`` (per group dimension, the cells and residents moved by
    `equimap.region.census.reconcile_groups`), ``coverage``
    (`equimap.network.residents.coverage_summary`, plus ``warn_share`` and ``warn``).
    """
    area = dict(population.attrs.get("study_area", {}))
    area["services_out"] = int(found.get("services_out", 0))
    area["active"] = region.area is not None
    coverage = dict(found.get("coverage", {}))
    coverage["warn_share"] = region.coverage_warn_share
    coverage["warn"] = bool(coverage.get("share_no_street", 0.0) > region.coverage_warn_share)
    return {"study_area": area, "reconciled": dict(population.attrs.get("reconciled", {})), "coverage": coverage}


def _with_ferries(net: Network, extract: OsmExtract, travel: TravelSettings) -> Network:
    """Return `net` with the extract's ferries (`equimap.network.ferries`) when `travel.ferries` is on."""
    if not travel.ferries:
        return net
    return add_ferries(
        net,
        extract.ferries,
        speed_kmh=travel.ferry_speed_kmh,
        wait_min=travel.ferry_wait_min,
        connector_max_m=travel.ferry_connector_max_m,
        walk_speed_kmh=travel.walk_speed_kmh,
        min_component_nodes=travel.min_component_nodes,
    )


def land_layer(region: Region) -> gpd.GeoSeries | None:
    """Return the region's land-mass polygons (boundary layers marked ``land = true``), or None."""
    from equimap.region.boundaries import load_boundaries

    for b in region.boundaries:
        if b.land:
            return load_boundaries(region, b.key).geometry
    return None
