"""Ferries: OSM ``route=ferry`` ways as edges of the walking, cycling and driving networks.

The model
---------
- **Which ferries.** Every ``route=ferry`` way that lies wholly inside the region's
  bounding box (`equimap.region.osm.read_osm` drops one that leaves it, such as
  Malta - Pozzallo: its far end has no street network and no site the region counts),
  minus excursions: a way tagged ``ferry=tourist``, ``access=no``/``private`` (even with
  ``foot=yes``: Captain Morgan's lines are tagged so), a closed way (a round trip), or a
  way whose name holds the word "cruise" or "round" ("Harbour Cruise", "Round Malta").
  A way missing a tag takes it from its ferry route relation.
- **Which modes** (`ferry_allows`). On foot unless ``foot`` is ``no``/``private``; by bike
  unless ``bicycle`` or ``vehicle`` is ``no``/``private``; by car only when ``motorcar``,
  ``motor_vehicle`` or ``vehicle`` says ``yes``/``designated``/``permissive`` (most ferries
  carry passengers only, and a car ferry is tagged so). ``oneway=yes`` ferries run one way.
- **Crossing time.** The ``duration`` tag (``mm``, ``hh:mm``, ``hh:mm:ss``, or ISO 8601
  ``PT1H45M``; `parse_duration_s`), else the way's length at `ferry_speed_kmh`.
- **Waiting time.** Half the ``interval`` tag (the headway) when present, else `wait_min`
  (`equimap.settings.FERRY_WAIT_MIN`): paid once, when boarding.
- **Joining the streets.** Each end node of a ferry way becomes a network node (appended
  after the street nodes, so street node indices do not change) and is joined to the
  nearest street node of the mode in a component of at least `min_component_nodes` nodes,
  within `connector_max_m`, by a straight-line walk at `walk_speed_kmh` (whatever the mode:
  the connector is the quay, walked or driven at walking pace). Boarding (street to berth)
  costs the walk plus the wait; alighting (berth to street) the walk. An end with no
  street that close (a junction of ferry ways at sea) joins only other ferry ways.

What this does not do: timetables (no first or last sailing, no night service), check-in
times, or capacity (a full car deck).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pyproj

from equimap import settings
from equimap.network.graph import Network

log = logging.getLogger(__name__)

_NO = {"no", "private"}
_YES = {"yes", "designated", "permissive"}
_EXCURSION_NAME = re.compile(r"\b(cruise|round)\b", re.IGNORECASE)
_ISO = re.compile(r"^P(?:T)?(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$", re.IGNORECASE)

FerryWay = tuple[int, Sequence[int], Sequence[tuple[float, float]], Mapping[str, str]]


def parse_duration_s(value: str | None) -> float | None:
    """Return an OSM ``duration`` (or ``interval``) value in seconds, or None if it is missing or unreadable.

    Formats: ``mm``, ``hh:mm``, ``hh:mm:ss`` (OSM wiki, Key:duration) and ISO 8601 ``PT1H45M``.
    """
    if value is None:
        return None
    text = value.strip()
    parts = text.split(":")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        m = _ISO.match(text)
        if not m or not any(m.groups()):
            return None
        h, mi, sec = (float(g) if g else 0.0 for g in m.groups())
        return h * 3600 + mi * 60 + sec
    if any(n < 0 for n in nums) or len(nums) > 3:
        return None
    if len(nums) == 1:
        return nums[0] * 60
    if len(nums) == 2:
        return nums[0] * 3600 + nums[1] * 60
    return nums[0] * 3600 + nums[1] * 60 + nums[2]


def is_excursion(tags: Mapping[str, str], node_ids: Sequence[int]) -> bool:
    """Return True for a cruise or tourist round trip, which no resident takes to reach a service."""
    if tags.get("ferry") == "tourist" or tags.get("access") in _NO:
        return True
    if len(node_ids) > 1 and node_ids[0] == node_ids[-1]:
        return True
    return bool(_EXCURSION_NAME.search(tags.get("name", "")))


def ferry_allows(tags: Mapping[str, str], mode: str) -> bool:
    """Return True if a (non-excursion) ferry way with these tags carries `mode` (rules in the module docstring)."""
    if mode == "walk":
        return tags.get("foot") not in _NO
    if mode == "bike":
        return tags.get("bicycle") not in _NO and tags.get("vehicle") not in _NO
    if mode == "drive":
        return any(tags.get(k) in _YES for k in ("motorcar", "motor_vehicle", "vehicle"))
    return False


def _length_m(lonlat: Sequence[tuple[float, float]]) -> float:
    lon, lat = np.asarray(lonlat, float).T
    _, _, d = pyproj.Geod(ellps="WGS84").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return float(np.sum(d))


def add_ferries(
    net: Network,
    ferries: Sequence[FerryWay],
    *,
    speed_kmh: float = settings.FERRY_SPEED_KMH,
    wait_min: float = settings.FERRY_WAIT_MIN,
    connector_max_m: float = settings.FERRY_CONNECTOR_MAX_M,
    walk_speed_kmh: float = settings.WALK_SPEED_KMH,
    min_component_nodes: int = settings.MIN_COMPONENT_NODES,
) -> Network:
    """Return `net` with the ferries its mode may use: new berth nodes, crossing and connector edges.

    Parameters
    ----------
    net
        A street network (its `mode` picks the ferries, `ferry_allows`).
    ferries
        Ferry ways as (way id, node ids, [(lon, lat), ...], tags), as in `OsmExtract.ferries`.
    speed_kmh, wait_min
        Crossing speed without a ``duration`` tag; wait without an ``interval`` tag.
    connector_max_m, walk_speed_kmh, min_component_nodes
        How far a berth may be from the street node it joins, the walking pace on that
        connector, and the smallest street component a berth may join.

    Returns
    -------
    Network
        Street nodes and edges unchanged and first; berth nodes after them; ferry edges
        (flagged in `edge_ferry`) after the street edges. `net` itself when no ferry applies.
    """
    used = [f for f in ferries if not is_excursion(f[3], f[1]) and ferry_allows(f[3], net.mode)]
    if not used:
        return net
    to_crs = pyproj.Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)
    berth: dict[int, int] = {}
    bx: list[float] = []
    by: list[float] = []
    eu: list[int] = []
    ev: list[int] = []
    et: list[float] = []
    ed: list[float] = []  # the part of each new edge's time that is not travel (see `Network.delay_s`)
    el: list[float] = []
    for _wid, refs, lonlat, tags in used:
        ends = []
        for ref, (lon, lat) in ((refs[0], lonlat[0]), (refs[-1], lonlat[-1])):
            if ref not in berth:
                x, y = to_crs.transform(lon, lat)
                berth[ref] = net.n_nodes + len(bx)
                bx.append(float(x))
                by.append(float(y))
            ends.append(berth[ref])
        length = _length_m(lonlat)
        crossing_s = parse_duration_s(tags.get("duration"))
        if crossing_s is None:
            crossing_s = length / (speed_kmh / 3.6)
        oneway = tags.get("oneway")
        pairs = [(ends[1], ends[0])] if oneway == "-1" else [(ends[0], ends[1])]
        if oneway not in {"yes", "true", "1", "-1"}:
            pairs.append((ends[1], ends[0]))
        for u, v in pairs:
            eu.append(u)
            ev.append(v)
            et.append(crossing_s)
            ed.append(crossing_s)  # a timetable: no speed factor changes it
            el.append(length)
    # connectors: berth <-> nearest street node of a large component
    bxy = np.column_stack([bx, by])
    street, dist = net.snap(bxy[:, 0], bxy[:, 1], min_component_nodes=min_component_nodes)
    waits = _waits(used, berth, wait_min)
    walk_ms = walk_speed_kmh / 3.6
    for i in np.flatnonzero(dist <= connector_max_m):
        b = net.n_nodes + int(i)
        walk_s = float(dist[i]) / walk_ms
        eu += [int(street[i]), b]
        ev += [b, int(street[i])]
        et += [walk_s + waits[b], walk_s]
        ed += [waits[b], 0.0]  # the wait is fixed; the walk scales with speed
        el += [float(dist[i])] * 2
    n_new = len(eu)
    joined = int((dist <= connector_max_m).sum())
    log.info("%s network: %d ferry ways, %d berths (%d joined to streets)", net.mode, len(used), len(bx), joined)
    return Network(
        mode=net.mode,
        crs=net.crs,
        osmid=np.concatenate([net.osmid, np.array(list(berth), dtype=np.int64)]),
        x=np.concatenate([net.x, bxy[:, 0]]),
        y=np.concatenate([net.y, bxy[:, 1]]),
        edge_u=np.concatenate([net.edge_u, np.array(eu, dtype=np.int64)]),
        edge_v=np.concatenate([net.edge_v, np.array(ev, dtype=np.int64)]),
        time_s=np.concatenate([net.time_s, np.array(et, dtype=float)]),
        length_m=np.concatenate([net.length_m, np.array(el, dtype=float)]),
        edge_ferry=np.concatenate(
            [np.zeros(net.n_edges, bool) if net.edge_ferry is None else net.edge_ferry, np.ones(n_new, bool)]
        ),
        delay_s=np.concatenate([net.edge_delay_s, np.array(ed, dtype=float)]),
        **_straight_shapes(net, eu, ev, bxy),
    )


def _waits(used: Sequence[FerryWay], berth: Mapping[int, int], wait_min: float) -> dict[int, float]:
    """Return the wait (s) when boarding at each berth: half the shortest ``interval`` of its ferries, else the default."""
    out: dict[int, float] = {}
    for _wid, refs, _lonlat, tags in used:
        interval_s = parse_duration_s(tags.get("interval"))
        wait_s = interval_s / 2 if interval_s else wait_min * 60
        for ref in (refs[0], refs[-1]):
            b = berth[ref]
            out[b] = min(out.get(b, np.inf), wait_s)
    return out


def _straight_shapes(net: Network, eu: list[int], ev: list[int], bxy: np.ndarray) -> dict[str, np.ndarray | None]:
    """Return the shape arrays with a straight two-vertex shape for every new edge (or None if `net` has none)."""
    if net.geom_ptr is None:
        return {"geom_ptr": None, "geom_x": None, "geom_y": None}
    xs = np.concatenate([net.x, bxy[:, 0]])
    ys = np.concatenate([net.y, bxy[:, 1]])
    u, v = np.array(eu, dtype=np.int64), np.array(ev, dtype=np.int64)
    new_x = np.column_stack([xs[u], xs[v]]).ravel()
    new_y = np.column_stack([ys[u], ys[v]]).ravel()
    ptr = np.concatenate([net.geom_ptr, net.geom_ptr[-1] + 2 * np.arange(1, len(u) + 1)])
    return {
        "geom_ptr": ptr,
        "geom_x": np.concatenate([net.geom_x, new_x]),
        "geom_y": np.concatenate([net.geom_y, new_y]),
    }


def without_ferries(net: Network) -> Network:
    """Return `net` with its ferry edges removed: the street network `add_ferries` started from, plus idle berths.

    Berth nodes stay (they touch nothing then), so node indices, and the residents on them, are unchanged.
    """
    if net.edge_ferry is None or not net.edge_ferry.any():
        return net
    n = int(np.argmax(net.edge_ferry))
    if net.edge_ferry[:n].any() or not net.edge_ferry[n:].all():
        msg = "ferry edges must follow the street edges, as `add_ferries` appends them"
        raise ValueError(msg)
    shapes = {}
    if net.geom_ptr is not None:
        m = int(net.geom_ptr[n])
        shapes = {"geom_ptr": net.geom_ptr[: n + 1], "geom_x": net.geom_x[:m], "geom_y": net.geom_y[:m]}
    return dataclasses.replace(
        net,
        edge_u=net.edge_u[:n],
        edge_v=net.edge_v[:n],
        time_s=net.time_s[:n],
        length_m=net.length_m[:n],
        edge_ferry=None,
        delay_s=None if net.delay_s is None else net.delay_s[:n],
        _cache={},
        **shapes,
    )
