"""What a prepared region's cache is keyed on, so that nothing stale is ever read.

The cache folder's name holds a hash of everything the prepared files depend on
(`cache_key`, also written to ``key.json`` in the folder):

- the sha256 of the content of every data file the manifest names (OSM extract,
  population layer, boundary layers, official service lists, study area;
  `equimap.region.manifest.Region.file_digests`), never sizes or times;
- what the manifest says that shapes the prepared files (`manifest_content`: paths,
  columns, filters, CRS, box, study area), never its labels, names or attribution
  lines, so that editing a label rebuilds nothing;
- the content of the service taxonomy (`equimap.region.services.Taxonomy.digest`);
- the travel settings that shape the networks and the residents
  (`TravelSettings`: every number of the speed profile, snapping limits, the building buffer);
- the installed equimap version and `CACHE_VERSION`.

Each access file inside it is keyed on the services it was computed for (ids and
coordinates) and on the settings that shape only it (`TravelSettings.ACCESS_FIELDS`).
Changing any of these gives a new folder or file; nothing stale is read. Old folders
are left on disk (delete the cache folder to reclaim the space).

The networks (the slowest part) sit in a folder of their own under ``networks/``,
keyed only on what shapes them (`network_key`: the OSM extract, the profile and
network settings, the CRS, box and study area, and the census grid whose density
gives the urban speeds), so that a new boundary layer or official list reuses them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from equimap import settings
from equimap._errors import DataError
from equimap.network.profile import DEFAULT_PROFILE, Profile, load_profile
from equimap.region.manifest import Region
from equimap.region.services import Taxonomy, load_taxonomy

#: How points may join the network (`equimap.network.snapping`).
SNAP_RULES = ("edge", "node")

#: Bump when the prepared files change meaning, so old caches are not reused.
CACHE_VERSION = 5


@dataclass(frozen=True)
class TravelSettings:
    """The travel settings a region is prepared and queried with: a speed profile and `equimap.settings`.

    `prepare_region` takes one snapshot (`from_settings`, read when it is called)
    and every network, resident placement, snap and access table of the
    `Prepared` it returns uses those values, so the cache key names exactly the
    numbers used. Pass another one (``TravelSettings.from_settings(profile="freeflow")``, or
    ``dataclasses.replace(...)``) to prepare with other values; it gets its own cache.

    Attributes
    ----------
    profile
        The speed profile (`equimap.network.profile.Profile`): speeds by mode and highway class,
        urban and rural, delays at signals, crossings and junctions, walking speeds by age.
        Every number that shapes a network keys the cache folder (`Profile.network_content`);
        the walking speeds by age shape no cached file (they are applied in memory).
    min_component_nodes, max_snap_m
        Network components residents and services may be snapped to, and how far (see
        `equimap.network.routing.snap_points`).
    building_buffer_m
        A walking node this close to a building is a place where people live.
    n_nearest, count_thresholds_min
        The k of the mean time to the k nearest services, and the thresholds of the
        "services within" counts; they shape only the access tables.
    ferries, ferry_speed_kmh, ferry_wait_min, ferry_connector_max_m
        Whether ferry ways join the networks, their speed where no ``duration`` is tagged,
        the wait where no ``interval`` is tagged (`from_settings` takes these three from the
        profile's ``[ferry]`` table; ``--no-ferries`` replaces `ferries`), and how far a ferry's
        end may lie from a street (see `equimap.network.ferries`).
    snap
        ``"edge"`` or ``"node"``: how points join the network (see `equimap.network.snapping`);
        it shapes only the access tables.
    """

    profile: Profile
    min_component_nodes: int
    max_snap_m: float
    building_buffer_m: float
    n_nearest: int
    count_thresholds_min: tuple[float, ...]
    ferries: bool = settings.FERRIES
    ferry_speed_kmh: float = settings.FERRY_SPEED_KMH
    ferry_wait_min: float = settings.FERRY_WAIT_MIN
    ferry_connector_max_m: float = settings.FERRY_CONNECTOR_MAX_M
    snap: str = settings.SNAP

    #: Fields that shape only `Prepared.access` (they key each access file, not the folder).
    ACCESS_FIELDS: ClassVar[tuple[str, ...]] = ("n_nearest", "count_thresholds_min", "snap")

    def __post_init__(self) -> None:
        if self.snap not in SNAP_RULES:
            msg = f"Unknown snapping rule `{self.snap}`; choose one of {list(SNAP_RULES)}."
            raise DataError(msg)

    @classmethod
    def from_settings(cls, *, profile: Profile | str | Path | None = None, base: Path | None = None) -> TravelSettings:
        """Return the values of `equimap.settings` as they are now, with a speed profile.

        `profile` is a `Profile`, a shipped profile name or a file (relative to `base`);
        the shipped ``default`` profile when None.
        """
        prof = load_profile(profile if profile is not None else DEFAULT_PROFILE, base=base)
        return cls(
            profile=prof,
            min_component_nodes=int(settings.MIN_COMPONENT_NODES),
            max_snap_m=float(settings.MAX_SNAP_M),
            building_buffer_m=float(settings.BUILDING_BUFFER_M),
            n_nearest=int(settings.N_NEAREST),
            count_thresholds_min=tuple(float(t) for t in settings.COUNT_THRESHOLDS_MIN),
            ferries=bool(prof.ferry_enabled),
            ferry_speed_kmh=float(prof.ferry_speed_kmh),
            ferry_wait_min=float(prof.ferry_wait_min),
            ferry_connector_max_m=float(settings.FERRY_CONNECTOR_MAX_M),
            snap=str(settings.SNAP),
        )

    @property
    def walk_speed_kmh(self) -> float:
        """Return the profile's walking speed (also the connector between a point and its network node)."""
        return self.profile.walk_speed_kmh

    @property
    def bike_speed_kmh(self) -> float:
        """Return the profile's cycling speed."""
        return self.profile.bike_speed_kmh

    def prepare_part(self) -> dict[str, Any]:
        """Return the settings that shape the networks and the residents (part of the folder key)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in self.ACCESS_FIELDS:
                continue
            value = getattr(self, f.name)
            out[f.name] = value.network_content() if isinstance(value, Profile) else value
        return out

    def access_part(self) -> dict[str, Any]:
        """Return the settings that shape only the access tables (part of each access file's key)."""
        return {k: getattr(self, k) for k in self.ACCESS_FIELDS}


def json_digest(obj: Any) -> str:
    """Return the sha256 of a JSON-ready object, written canonically."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@functools.cache
def _code_version() -> str:
    try:
        return metadata.version("equimap")
    except metadata.PackageNotFoundError:
        return "unknown"


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file under a temporary name, then move it in place (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    write(tmp)
    tmp.replace(path)


#: Manifest keys that shape no prepared file (labels, sentences, what the report shows), left out of the key.
_LABEL_KEYS = frozenset(
    {"name", "label", "country_name", "languages", "attribution", "date", "reference", "main_boundary"}
    | {"default_analyses", "coverage", "privacy", "ages"}
)


def _strip_labels(raw: Any, depth: int = 0) -> Any:
    if isinstance(raw, dict):
        out = {}
        for k, v in raw.items():
            if k in _LABEL_KEYS and not (k == "name" and depth > 0):
                continue  # a layer's `name` is its name column: it shapes the services
            out[k] = sorted(v) if k == "columns" and isinstance(v, dict) else _strip_labels(v, depth + 1)
        return out
    if isinstance(raw, list):
        return [_strip_labels(v, depth + 1) for v in raw]
    return raw


def manifest_content(region: Region) -> dict[str, Any]:
    """Return what a region's manifest says that shapes its prepared files: everything but its labels.

    Left out: the region's name, every ``label``, the group columns' labels (their
    column names stay), ``country_name``, ``languages``, ``attribution``, ``osm.date``,
    the reference groups, ``main_boundary``, ``default_analyses``, ``[coverage]`` and
    ``[privacy]`` (read when the figures are made, never cached). A layer's ``name``
    (its name column) stays.
    """
    import tomllib

    from equimap.region.manifest import MANIFEST
    from equimap.region.manifest_schema import read_manifest_text

    raw = tomllib.loads(read_manifest_text(region.folder / MANIFEST))
    return _strip_labels(raw)


def _data_digests(region: Region) -> dict[str, str]:
    from equimap.region.manifest import MANIFEST

    return {k: v for k, v in region.file_digests().items() if k != MANIFEST}


def network_key(region: Region, *, travel: TravelSettings | None = None) -> dict[str, Any]:
    """Return what a region's networks depend on, as a JSON-ready dict (written to the network folder's ``key.json``).

    The OSM extract's content, the census layer's (its density sets urban and rural
    speeds) and the study area file's, the CRS, box, population and study-area
    tables of the manifest, `TravelSettings.prepare_part`, the equimap version and
    `CACHE_VERSION`: never a label, a boundary layer other than the study area's, or
    an official list.
    """
    travel = travel or TravelSettings.from_settings()
    digests = _data_digests(region)
    content = manifest_content(region)
    files = {_rel(region, region.osm_path), _rel(region, region.population_path)}
    if region.area is not None:
        if region.area.path is not None:
            files.add(_rel(region, region.area.path))
        elif (layer := region.boundary(region.area.boundary or "")) is not None:
            files.add(_rel(region, layer.path))
    return {
        "region": region.key,
        "files": {k: v for k, v in digests.items() if k in files},
        "manifest": {k: content.get(k) for k in ("crs", "bbox", "osm", "population", "area")},
        "area_layer": [
            b for b in content.get("boundaries", []) if region.area and b.get("key") == region.area.boundary
        ],
        "land_layers": [b for b in content.get("boundaries", []) if b.get("land")],
        "travel": travel.prepare_part(),
        "equimap": _code_version(),
        "cache_version": CACHE_VERSION,
    }


def _rel(region: Region, path: Path) -> str:
    try:
        return path.relative_to(region.folder).as_posix()
    except ValueError:
        return path.as_posix()


def network_folder(region: Region, *, root: Path | None = None, key: dict[str, Any]) -> Path:
    """Return the folder of a region's networks: ``networks/<region>-<hash of network_key>-v<CACHE_VERSION>``."""
    return (root or settings.cache_dir()) / "networks" / f"{region.key}-{json_digest(key)[:16]}-v{CACHE_VERSION}"


def cache_key(
    region: Region, *, taxonomy: Taxonomy | None = None, travel: TravelSettings | None = None
) -> dict[str, Any]:
    """Return what a region's prepared files depend on, as a JSON-ready dict (written to ``key.json``).

    Keys: ``files`` (sha256 of every data file, `Region.file_digests` without the manifest),
    ``manifest`` (`manifest_content`: the manifest without its labels), ``taxonomy``
    (`Taxonomy.digest`; the shipped taxonomy by default), ``travel``
    (`TravelSettings.prepare_part`; `equimap.settings` as it is now by default),
    ``equimap`` (the installed version) and ``cache_version`` (`CACHE_VERSION`).
    Hashing the files reads them in full, once (about 10 ms for Malta).
    """
    taxonomy = taxonomy or load_taxonomy()
    travel = travel or TravelSettings.from_settings()
    return {
        "region": region.key,
        "files": _data_digests(region),
        "manifest": manifest_content(region),
        "taxonomy": taxonomy.digest(),
        "travel": travel.prepare_part(),
        "equimap": _code_version(),
        "cache_version": CACHE_VERSION,
    }


def cache_folder(
    region: Region,
    *,
    root: Path | None = None,
    taxonomy: Taxonomy | None = None,
    travel: TravelSettings | None = None,
    key: dict[str, Any] | None = None,
) -> Path:
    """Return the cache folder of a region: ``<region>-<hash of cache_key>-v<CACHE_VERSION>`` under `root`.

    `key` is a `cache_key` already computed (then `taxonomy` and `travel` are not used).
    """
    key = key or cache_key(region, taxonomy=taxonomy, travel=travel)
    return (root or settings.cache_dir()) / f"{region.key}-{json_digest(key)[:16]}-v{CACHE_VERSION}"
