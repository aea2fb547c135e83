"""Scenarios: a named set of changes (sites added, removed, moved) to one service category.

A scenario is a small GeoJSON file (RFC 7946, longitude/latitude WGS 84) that can be
saved, shared and put under version control::

    {"type": "FeatureCollection", "equimap_scenario": 1, "name": "New pharmacy in Qormi",
     "category": "pharmacy",
     "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [14.47, 35.87]},
                   "properties": {"change": "add", "name": "Qormi", "capacity": 1}}]}

Each feature is a Point with the property ``change`` (``add``, ``remove`` or ``move``);
``service_id`` names the existing site that is removed or moved (as in
``Prepared.services_for(category)["service_id"]``) and may name an added one; ``name`` and
``capacity`` are optional. A move's point is the site's new place. The location–allocation
optimiser writes the same format.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from equimap._errors import DataError
from equimap.region.manifest import Region
from equimap.region.services import load_service_file

__all__ = [
    "CHANGE_KINDS",
    "FORMAT_VERSION",
    "Change",
    "Scenario",
    "apply_changes",
    "check_locations",
    "merge_scenarios",
    "parse_changes",
    "read_scenario",
    "scenario_from_sites",
    "write_scenario",
]

#: The value of the file's ``equimap_scenario`` member.
FORMAT_VERSION = 1
#: The kinds of change a feature can carry.
CHANGE_KINDS = ("add", "remove", "move")
#: Source of the sites a scenario adds (the ``source`` column of the services).
SCENARIO_SOURCE = "scenario"


@dataclass(frozen=True)
class Change:
    """One change: a site added at (lon, lat), removed, or moved to (lon, lat)."""

    kind: str
    service_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    name: str | None = None
    capacity: float | None = None


@dataclass(frozen=True)
class Scenario:
    """A named set of changes to the sites of one service category (read-only)."""

    name: str
    category: str | None = None
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def added(self) -> tuple[Change, ...]:
        """Return the changes that add a site."""
        return tuple(c for c in self.changes if c.kind == "add")

    @property
    def removed_ids(self) -> tuple[str, ...]:
        """Return the ids of the sites removed or moved (a move takes the site away from its old place)."""
        return tuple(str(c.service_id) for c in self.changes if c.kind in ("remove", "move"))

    def with_category(self, category: str) -> Scenario:
        """Return the scenario for `category` (an error if the file names another one)."""
        if self.category not in (None, category):
            msg = f"Scenario `{self.name}` changes `{self.category}`, not `{category}`; choose category `{self.category}` or another file."
            raise DataError(msg)
        return replace(self, category=category)

    def located(self, services: gpd.GeoDataFrame) -> Scenario:
        """Return the scenario with each removed site at its place in `services` (for the file; ignored on reading)."""
        where = services.set_index(services["service_id"].astype(str)).geometry.to_crs("EPSG:4326")
        out = []
        for c in self.changes:
            p = where.get(c.service_id) if c.kind == "remove" and c.lon is None else None
            out.append(c if p is None else replace(c, lon=float(p.x), lat=float(p.y)))
        return replace(self, changes=tuple(out))

    def to_geojson(self) -> dict:
        """Return the scenario as a GeoJSON FeatureCollection (the file format of the module docstring)."""
        feats = []
        for c in self.changes:
            props: dict[str, object] = {"change": c.kind}
            for key in ("service_id", "name", "capacity"):
                if getattr(c, key) is not None:
                    props[key] = getattr(c, key)
            geom = None if c.lon is None else {"type": "Point", "coordinates": [round(c.lon, 7), round(c.lat, 7)]}
            feats.append({"type": "Feature", "geometry": geom, "properties": props})
        out: dict[str, object] = {"type": "FeatureCollection", "equimap_scenario": FORMAT_VERSION, "name": self.name}
        if self.category is not None:
            out["category"] = self.category
        out["features"] = feats
        return out


def merge_scenarios(first: Scenario, second: Scenario, *, region: Region | None = None) -> Scenario:
    """Return one scenario with the changes of both (named after the first), checked as one."""
    category = first.category or second.category
    if first.category and second.category and first.category != second.category:
        msg = f"Scenarios `{first.name}` and `{second.name}` change different categories; merge scenarios of one category."
        raise DataError(msg)
    out = _checked(Scenario(first.name, category, first.changes + second.changes), where=f"scenario `{first.name}`")
    if region is not None:
        check_locations(second, region, where="the changes")
    return out


def parse_changes(
    *,
    name: str,
    category: str | None = None,
    add: tuple[str, ...] | list[str] = (),
    remove: tuple[str, ...] | list[str] = (),
    move: tuple[str, ...] | list[str] = (),
    where: str = "the command line",
) -> Scenario:
    """Return the scenario given on a command line: ``--add LON,LAT``, ``--remove ID``, ``--move ID=LON,LAT``."""
    problems: list[str] = []
    changes: list[Change] = []
    for text in add:
        lonlat = _lonlat(text, f"--add {text}", problems)
        if lonlat:
            changes.append(Change("add", lon=lonlat[0], lat=lonlat[1]))
    changes += [Change("remove", service_id=str(s)) for s in remove]
    for text in move:
        sid, sep, where = str(text).rpartition("=")
        if not sep or not sid:
            problems.append(f"`--move {text}` is not SITE_ID=LON,LAT")
            continue
        lonlat = _lonlat(where, f"--move {text}", problems)
        if lonlat:
            changes.append(Change("move", service_id=sid, lon=lonlat[0], lat=lonlat[1]))
    _raise(problems, "give points as longitude,latitude in degrees (e.g. 14.45,35.88)")
    return _checked(Scenario(name=name, category=category, changes=tuple(changes)), where=where)


def _lonlat(text: str, where: str, problems: list[str]) -> tuple[float, float] | None:
    parts = str(text).split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        problems.append(f"`{where}` is not LON,LAT")
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        problems.append(f"`{where}` is not a longitude,latitude in degrees")
        return None
    return lon, lat


def _raise(problems: list[str], fix: str) -> None:
    if problems:
        msg = "; ".join(problems) + f"; {fix}."
        raise DataError(msg[0].upper() + msg[1:])


def _checked(scenario: Scenario, *, where: str) -> Scenario:
    """Return `scenario` after checking that no site is removed or moved twice and no id is added twice."""
    problems = []
    touched = list(scenario.removed_ids)
    twice = sorted({s for s in touched if touched.count(s) > 1})
    if twice:
        problems.append(f"{where} removes or moves the sites {twice} more than once")
    added = [c.service_id for c in scenario.added if c.service_id is not None]
    dupes = sorted({s for s in added if added.count(s) > 1})
    if dupes:
        problems.append(f"{where} adds the sites {dupes} more than once")
    if not scenario.changes:
        problems.append(f"{where} has no changes")
    _raise(problems, "give each site once and at least one change")
    return scenario


def read_scenario(path: str | os.PathLike[str], *, region: Region | None = None) -> Scenario:
    """Read and check a scenario file (the format of the module docstring).

    Parameters
    ----------
    path
        A GeoJSON scenario file.
    region
        When given, every point must lie in the region (:func:`check_locations`).

    Raises
    ------
    DataError
        One sentence for a file that is not a scenario, an unknown change kind, a
        missing ``service_id`` or point, or (with `region`) a point outside the region or in the sea.
    """
    path = Path(path)
    name = path.name
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"Scenario file `{path}` does not exist; check the path."
        raise DataError(msg) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        msg = f"`{name}` is not a scenario file (not JSON); save the scenario from equimap or write it as GeoJSON."
        raise DataError(msg) from None
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection" or "equimap_scenario" not in raw:
        msg = (
            f"`{name}` is not a scenario file (no `equimap_scenario` member in a GeoJSON FeatureCollection); "
            "load a plain list of sites with --sites instead."
        )
        raise DataError(msg)
    if raw["equimap_scenario"] != FORMAT_VERSION:
        msg = (
            f"`{name}` is a scenario of format {raw['equimap_scenario']!r}; this equimap reads format {FORMAT_VERSION}."
        )
        raise DataError(msg)
    changes, problems = [], []
    for i, feat in enumerate(raw.get("features") or []):
        change = _feature_change(feat, i, problems)
        if change is not None:
            changes.append(change)
    _raise([f"`{name}`: {p}" for p in problems[:1]] + problems[1:], "fix those features")
    category = raw.get("category")
    scenario = Scenario(
        name=str(raw.get("name") or path.stem),
        category=None if category is None else str(category),
        changes=tuple(changes),
    )
    scenario = _checked(scenario, where=f"`{name}`")
    if region is not None:
        check_locations(scenario, region, where=f"`{name}`")
    return scenario


def _feature_change(feat: object, i: int, problems: list[str]) -> Change | None:
    props = (feat or {}).get("properties") or {} if isinstance(feat, dict) else {}
    kind = props.get("change")
    if kind not in CHANGE_KINDS:
        problems.append(f"feature {i} has change {kind!r}, not one of {list(CHANGE_KINDS)}")
        return None
    sid = props.get("service_id")
    if kind in ("remove", "move") and sid in (None, ""):
        problems.append(f"feature {i} ({kind}) has no `service_id`")
        return None
    geom = feat.get("geometry") if isinstance(feat, dict) else None
    lon = lat = None
    coords = geom.get("coordinates") if isinstance(geom, dict) and geom.get("type") == "Point" else None
    try:
        lon, lat = (float(v) for v in coords[:2])
    except (TypeError, ValueError):
        if kind in ("add", "move"):
            problems.append(f"feature {i} ({kind}) has no Point geometry")
            return None
    cap = props.get("capacity")
    if cap is not None and (not isinstance(cap, int | float) or isinstance(cap, bool) or cap < 0):
        problems.append(f"feature {i} has capacity {cap!r}, not a number 0 or more")
        return None
    name = props.get("name")
    return Change(
        kind,
        service_id=None if sid is None else str(sid),
        lon=lon,
        lat=lat,
        name=None if name is None else str(name),
        capacity=None if cap is None else float(cap),
    )


def write_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Write `scenario` as a GeoJSON scenario file and return its path."""
    path = Path(path)
    path.write_text(json.dumps(scenario.to_geojson(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def scenario_from_sites(
    path: str | os.PathLike[str],
    *,
    category: str,
    region: Region,
    name: str | None = None,
    name_col: str | None = None,
    capacity_col: str | None = None,
) -> Scenario:
    """Return a scenario that adds every site of a plain list (GeoJSON, GeoPackage, zipped Shapefile, CSV lon/lat).

    The file is read by :func:`equimap.region.services.load_service_file`, with its checks and messages
    (the region's extent included, as for ``--services``).
    """
    sites = load_service_file(
        Path(path),
        category=category,
        name_col=name_col,
        capacity_col=capacity_col,
        crs="EPSG:4326",
        bbox=region.bbox,
    )
    changes = tuple(
        Change(
            "add",
            lon=float(p.x),
            lat=float(p.y),
            name=str(n) if name_col else None,
            capacity=float(c) if capacity_col else None,
        )
        for p, n, c in zip(sites.geometry, sites["name"], sites["capacity"], strict=True)
    )
    scenario = Scenario(name=name or Path(path).stem, category=category, changes=changes)
    check_locations(scenario, region, where=f"`{Path(path).name}`")
    return scenario


def check_locations(
    scenario: Scenario, region: Region, *, where: str = "the scenario", land_margin_m: float = 50.0
) -> None:
    """Raise one sentence if a point of `scenario` lies outside the region's box or (when it has one) off its land.

    A point within `land_margin_m` of the land layer (``land = true`` in the manifest) counts
    as on land, so a site on the shore is kept.
    """
    from equimap.network.prepare import land_layer

    pts = [(i, c) for i, c in enumerate(scenario.changes) if c.lon is not None and c.kind != "remove"]
    if not pts:
        return
    west, south, east, north = region.bbox or _population_box(region)
    outside = [i for i, c in pts if not (west <= c.lon <= east and south <= c.lat <= north)]
    problems = []
    if outside:
        problems.append(f"{where}: {_points(scenario, outside)} outside {region.name}")
    land = land_layer(region)
    inside = [(i, c) for i, c in pts if i not in outside]
    if land is not None and inside:
        geo = gpd.GeoSeries.from_xy([c.lon for _, c in inside], [c.lat for _, c in inside], crs="EPSG:4326")
        geo = geo.to_crs(land.crs)
        shore = shapely.union_all(land.geometry.to_numpy()).buffer(land_margin_m)
        sea = [i for (i, _), ok in zip(inside, shapely.intersects(shore, geo.to_numpy()), strict=True) if not ok]
        if sea:
            problems.append(f"{where}: {_points(scenario, sea)} in the sea")
    if problems:
        msg = "; ".join(problems) + "; move those points onto land in the region."
        raise DataError(msg)


def _points(scenario: Scenario, idx: list[int]) -> str:
    def one(i: int) -> str:
        c = scenario.changes[i]
        label = f" {c.service_id}" if c.service_id else ""
        return f"{c.kind}{label} at {c.lon:g},{c.lat:g}"

    shown = ", ".join(one(i) for i in idx[:3]) + (f" and {len(idx) - 3} more" if len(idx) > 3 else "")
    return ("the point " if len(idx) == 1 else "the points ") + shown + (" is" if len(idx) == 1 else " are")


def apply_changes(services: gpd.GeoDataFrame, scenario: Scenario) -> gpd.GeoDataFrame:
    """Return the sites after the scenario: removed ones dropped, moved ones at their new place, added ones last.

    Parameters
    ----------
    services
        The sites of the category (``Prepared.services_for(category)``): points in a metric
        CRS with the columns of `equimap.region.services.SERVICE_COLUMNS`; not changed.
    scenario
        The changes; a removed or moved `service_id` must be one of `services`.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept sites in their order (a moved site keeps its row, with its new point), then
        the added sites (``source`` ``"scenario"``, capacity 1 unless given, id
        ``scenario/<n>`` unless given), in the CRS of `services`.
    """
    ids = services["service_id"].astype(str)
    known = set(ids)
    missing = [s for s in scenario.removed_ids if s not in known]
    clash = [c.service_id for c in scenario.added if c.service_id is not None and c.service_id in known]
    problems = []
    if missing:
        shown = ", ".join(f"`{s}`" for s in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        problems.append(
            f"scenario `{scenario.name}` removes or moves {shown}, which "
            f"{'is not a site' if len(missing) == 1 else 'are not sites'} of `{scenario.category or 'the category'}`"
        )
    if clash:
        problems.append(f"scenario `{scenario.name}` adds sites with the existing ids {sorted(clash)}")
    _raise(problems, "use the ids in the `service_id` column of the sites (equimap summary --json lists them)")
    removed = {c.service_id for c in scenario.changes if c.kind == "remove"}
    moves = {c.service_id: c for c in scenario.changes if c.kind == "move"}
    out = services[~ids.isin(removed).to_numpy()].copy()
    if moves:
        moved = out["service_id"].astype(str).isin(list(moves)).to_numpy()
        new = [moves[s] for s in out.loc[moved, "service_id"].astype(str)]
        pts = gpd.GeoSeries.from_xy([c.lon for c in new], [c.lat for c in new], crs="EPSG:4326").to_crs(services.crs)
        geom = out.geometry.to_numpy().copy()
        geom[moved] = pts.to_numpy()
        out = out.set_geometry(geom, crs=services.crs)
    adds = scenario.added
    if adds:
        category = scenario.category or (str(services["category"].iloc[0]) if len(services) else "scenario")
        theme = str(services["theme"].iloc[0]) if len(services) and "theme" in services else category
        new_ids = _new_ids(adds, known)
        pts = gpd.GeoSeries.from_xy([c.lon for c in adds], [c.lat for c in adds], crs="EPSG:4326").to_crs(services.crs)
        extra = gpd.GeoDataFrame(
            {
                "service_id": new_ids,
                "category": category,
                "theme": theme,
                "name": [c.name or f"{scenario.name} {i + 1}" for i, c in enumerate(adds)],
                "source": SCENARIO_SOURCE,
                "capacity": [1.0 if c.capacity is None else c.capacity for c in adds],
            },
            geometry=pts.to_numpy(),
            crs=services.crs,
        )
        extra = extra[[c for c in out.columns if c in extra.columns]]
        out = pd.concat([out, extra], ignore_index=True)
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=services.crs)
    else:
        out = out.reset_index(drop=True)
    return out


def _new_ids(adds: tuple[Change, ...], known: set[str]) -> list[str]:
    taken = known | {c.service_id for c in adds if c.service_id}
    out, n = [], 0
    for c in adds:
        if c.service_id:
            out.append(c.service_id)
            continue
        n += 1
        while f"scenario/{n}" in taken:
            n += 1
        out.append(f"scenario/{n}")
    return out


def _population_box(region: Region) -> tuple[float, float, float, float]:
    """Return the lon/lat box of the region's population layer (for a manifest without `bbox`)."""
    from equimap.region.census import load_population

    w, s, e, n = load_population(region).to_crs("EPSG:4326").total_bounds
    return float(w), float(s), float(e), float(n)
