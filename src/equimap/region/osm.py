"""Read an OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2) offline with pyosmium.

One pass over the file collects what the rest of equimap needs: street ways
with their node locations, points of interest that match the service taxonomy,
and where people live (buildings and residential land use).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import shapely
from shapely import wkb

from equimap._errors import DataError

log = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
#: Way tags kept on street ways (what the mode filters and speed rules read).
WAY_TAGS = (
    "highway",
    "access",
    "foot",
    "bicycle",
    "motor_vehicle",
    "motorcar",
    "vehicle",
    "service",
    "area",
    "oneway",
    "junction",
    "maxspeed",
    "name",
    "ref",
    "lanes",
    "bridge",
    "tunnel",
)
#: POI tags kept on features (names and the keys the taxonomy matches).
POI_NAME_TAGS = ("name", "name:en", "operator")


@dataclass(frozen=True)
class OsmExtract:
    """What one pass over an OSM file yields (all coordinates in lon/lat, EPSG:4326).

    Attributes
    ----------
    node_lonlat
        Node id -> (lon, lat) of every node inside the bounding box that a street way uses.
    ways
        Street ways as (way id, node ids, tags); node ids all lie in `node_lonlat`.
    pois
        Features matching the taxonomy: columns `osm_type`, `osm_id`, `tags` (dict), `lon`, `lat`.
    homes
        Points where people live: building centroids, columns `lon`, `lat`.
    residential
        Residential land-use polygons (shapely, lon/lat).
    ferries
        ``route=ferry`` ways whose every node lies inside the bounding box, as (way id,
        node ids, [(lon, lat), ...], tags); a way missing tags takes them from its ferry route
        relation (see `equimap.network.ferries`).
    signal_nodes, crossing_nodes
        Ids of street nodes tagged ``highway=traffic_signals`` (or ``crossing=traffic_signals``),
        and of the other pedestrian crossings (``highway=crossing`` or any ``crossing=*`` but
        ``no``); the speed profile's delays apply at them (`equimap.network.profile`).
    """

    node_lonlat: dict[int, tuple[float, float]]
    ways: list[tuple[int, list[int], dict[str, str]]]
    pois: pd.DataFrame
    homes: pd.DataFrame
    residential: list[shapely.Geometry]
    ferries: list[tuple[int, list[int], list[tuple[float, float]], dict[str, str]]] = field(default_factory=list)
    signal_nodes: frozenset[int] = frozenset()
    crossing_nodes: frozenset[int] = frozenset()


def check_osm_path(path: Path) -> Path:
    """Return `path` if it names a readable OSM file, else raise DataError."""
    path = Path(path)
    if not path.exists():
        msg = f"OSM file `{path}` does not exist; give the path of an .osm.pbf, .osm or .osm.bz2 extract."
        raise DataError(msg)
    if not path.name.lower().endswith(OSM_SUFFIXES):
        msg = f"`{path.name}` is not an OSM extract; expected a file ending in one of {list(OSM_SUFFIXES)}."
        raise DataError(msg)
    if path.stat().st_size == 0:
        msg = f"OSM file `{path.name}` is empty; download the extract again."
        raise DataError(msg)
    return path


class _Reader(osmium.SimpleHandler):
    """Collect street ways, taxonomy features and homes (internal: pyosmium needs a handler class)."""

    def __init__(self, bbox: tuple[float, float, float, float] | None, poi_match: Callable[[Mapping[str, str]], bool]):
        super().__init__()
        self.bbox = bbox
        self.poi_match = poi_match
        self.node_lonlat: dict[int, tuple[float, float]] = {}
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self.pois: list[tuple[str, int, dict[str, str], float, float]] = []
        self.homes: list[tuple[float, float]] = []
        self.residential: list[shapely.Geometry] = []
        self.ferries: list[tuple[int, list[int], dict[str, str]]] = []
        self.ferry_relation_tags: dict[int, dict[str, str]] = {}
        self.signals: set[int] = set()
        self.crossings: set[int] = set()
        self._wkb = osmium.geom.WKBFactory()

    def _inside(self, lon: float, lat: float) -> bool:
        b = self.bbox
        return b is None or (b[0] <= lon <= b[2] and b[1] <= lat <= b[3])

    def node(self, n: osmium.osm.Node) -> None:
        if not n.location.valid():
            return
        lon, lat = n.location.lon, n.location.lat
        if not self._inside(lon, lat):
            return
        self.node_lonlat[n.id] = (lon, lat)
        if not n.tags:
            return
        kind = node_control(n.tags.get("highway"), n.tags.get("crossing"))
        if kind == "signals":
            self.signals.add(n.id)
        elif kind == "crossing":
            self.crossings.add(n.id)
        if self.poi_match(n.tags):
            self.pois.append(("node", n.id, dict(n.tags), lon, lat))

    def way(self, w: osmium.osm.Way) -> None:
        tags = w.tags
        if tags.get("route") == "ferry":
            self.ferries.append((w.id, [r.ref for r in w.nodes], dict(tags)))
        elif "highway" in tags and tags.get("area") != "yes":
            self.ways.append((w.id, [r.ref for r in w.nodes], {k: tags[k] for k in WAY_TAGS if k in tags}))
        elif not w.is_closed() and self.poi_match(tags):
            # A linear feature (rare for services): use its middle node.
            locs = [r.location for r in w.nodes if r.location.valid()]
            if locs:
                mid = locs[len(locs) // 2]
                if self._inside(mid.lon, mid.lat):
                    self.pois.append(("way", w.id, dict(tags), mid.lon, mid.lat))

    def relation(self, r: osmium.osm.Relation) -> None:
        if r.tags.get("route") == "ferry":
            for m in r.members:
                if m.type == "w":
                    self.ferry_relation_tags.setdefault(m.ref, dict(r.tags))

    def area(self, a: osmium.osm.Area) -> None:
        tags = a.tags
        is_poi = self.poi_match(tags)
        is_home = "building" in tags
        is_res = tags.get("landuse") == "residential"
        if not (is_poi or is_home or is_res):
            return
        try:
            geom = wkb.loads(self._wkb.create_multipolygon(a), hex=True)
        except RuntimeError:  # broken ring in the extract: skip the feature
            return
        pt = geom.representative_point() if is_poi else geom.centroid
        if not self._inside(pt.x, pt.y):
            return
        osm_type = "way" if a.from_way() else "relation"
        if is_poi:
            self.pois.append((osm_type, a.orig_id(), dict(tags), pt.x, pt.y))
        if is_home:
            self.homes.append((pt.x, pt.y))
        if is_res:
            self.residential.append(geom)


def read_osm(
    path: Path,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    poi_match: Callable[[Mapping[str, str]], bool] = lambda _tags: False,
) -> OsmExtract:
    """Read street ways, service features and homes from an OSM extract.

    Parameters
    ----------
    path
        An .osm.pbf, .osm or .osm.bz2 file.
    bbox
        (west, south, east, north) in degrees; nodes outside are dropped and ways are
        cut where they leave it (complete relations pull in far-away nodes).
    poi_match
        Returns True for the tags of a feature to keep as a service candidate.

    Raises
    ------
    DataError
        If the file is missing, unreadable or holds no street ways.
    """
    path = check_osm_path(path)
    reader = _Reader(bbox, poi_match)
    try:
        reader.apply_file(str(path), locations=True)
    except RuntimeError as exc:
        msg = f"`{path.name}` could not be read as OpenStreetMap data ({exc}); check the file is a complete extract."
        raise DataError(msg) from None
    ways = _cut_ways(reader.ways, reader.node_lonlat)
    if not ways:
        msg = (
            f"`{path.name}` has no street ways (`highway=*`) inside the region; use an extract that covers its streets."
        )
        raise DataError(msg)
    used = {r for _, refs, _ in ways for r in refs}
    node_lonlat = {n: reader.node_lonlat[n] for n in used}
    pois = pd.DataFrame(reader.pois, columns=["osm_type", "osm_id", "tags", "lon", "lat"])
    homes = pd.DataFrame(np.array(reader.homes, dtype=float).reshape(-1, 2), columns=["lon", "lat"])
    log.info(
        "%s: %d street ways, %d nodes, %d features, %d buildings",
        path.name,
        len(ways),
        len(used),
        len(pois),
        len(homes),
    )
    return OsmExtract(
        node_lonlat=node_lonlat,
        ways=ways,
        pois=pois,
        homes=homes,
        residential=reader.residential,
        signal_nodes=frozenset(reader.signals & used),
        crossing_nodes=frozenset(reader.crossings & used),
        ferries=_ferry_ways(reader.ferries, reader.ferry_relation_tags, reader.node_lonlat),
    )


def _ferry_ways(
    ways: list[tuple[int, list[int], dict[str, str]]],
    relation_tags: Mapping[int, Mapping[str, str]],
    node_lonlat: Mapping[int, tuple[float, float]],
) -> list[tuple[int, list[int], list[tuple[float, float]], dict[str, str]]]:
    """Return the ferry ways lying wholly inside the extract, with coordinates, tags filled from their relation.

    A ferry with a node outside the bounding box leaves the region (Malta - Pozzallo):
    it leads to no site the region counts, so it is dropped.
    """
    out = []
    for wid, refs, tags in ways:
        if len(refs) < 2 or any(r not in node_lonlat for r in refs):
            continue
        out.append((wid, list(refs), [node_lonlat[r] for r in refs], {**relation_tags.get(wid, {}), **tags}))
    return out


def node_control(highway: str | None, crossing: str | None) -> str | None:
    """Return ``"signals"``, ``"crossing"`` or None for a node's ``highway`` and ``crossing`` tags.

    Traffic signals: ``highway=traffic_signals`` or ``crossing=traffic_signals``. A crossing:
    ``highway=crossing`` or any other ``crossing=*`` value except ``no`` (no crossing there).
    """
    if highway == "traffic_signals" or crossing == "traffic_signals":
        return "signals"
    if highway == "crossing" or (crossing is not None and crossing != "no"):
        return "crossing"
    return None


def _cut_ways(
    ways: list[tuple[int, list[int], dict[str, str]]], node_lonlat: Mapping[int, tuple[float, float]]
) -> list[tuple[int, list[int], dict[str, str]]]:
    """Split ways where their nodes leave the extract, so no edge bridges a gap.

    A way cut into pieces keeps its id on the first piece; later pieces get ids
    above every OSM way id (2**40 + counter).
    """
    out = []
    extra = 2**40
    for wid, refs, tags in ways:
        pieces: list[list[int]] = []
        cur: list[int] = []
        for r in refs:
            if r in node_lonlat:
                cur.append(r)
            else:
                if len(cur) >= 2:
                    pieces.append(cur)
                cur = []
        if len(cur) >= 2:
            pieces.append(cur)
        for i, piece in enumerate(pieces):
            if i == 0:
                out.append((wid, piece, tags))
            else:
                extra += 1
                out.append((extra, piece, tags))
    return out
