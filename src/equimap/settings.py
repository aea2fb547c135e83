"""Typed, documented defaults for equimap.

Per-run choices are passed to functions as arguments; nothing here is meant to
be changed at run time (a Streamlit server shares module globals across users).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Literal

Mode = Literal["walk", "bike", "drive"]
MODES: tuple[Mode, ...] = ("walk", "bike", "drive")

#: The installed package; its resources (taxonomy, message catalogues, the bundled regions) live under it.
PACKAGE_DIR = Path(str(resources.files("equimap")))
#: The regions shipped with equimap (Malta).
BUNDLED_DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_REGION = "malta"
#: The service taxonomy: OSM tags -> categories -> themes.
TAXONOMY_PATH = PACKAGE_DIR / "resources" / "taxonomy.toml"
#: Message catalogues, one TOML file per language.
LOCALES_DIR = PACKAGE_DIR / "locales"
#: Leaflet and its plugins, copied from npm by ``scripts/vendor.py`` (inlined in the standalone HTML map).
VENDOR_DIR = PACKAGE_DIR / "static" / "vendor"


def data_dir() -> Path:
    """Return the folder where regions are looked up by key.

    ``EQUIMAP_DATA_DIR`` overrides the bundled :data:`BUNDLED_DATA_DIR`; a command's
    ``--data-dir`` or a function's ``data_dir=`` argument overrides both.
    """
    env = os.environ.get("EQUIMAP_DATA_DIR")
    return Path(env).expanduser() if env else BUNDLED_DATA_DIR


def cache_dir() -> Path:
    """Return the folder for prepared networks and travel times.

    ``EQUIMAP_CACHE_DIR`` overrides the default, ``$XDG_CACHE_HOME/equimap``
    (``~/.cache/equimap``).
    """
    env = os.environ.get("EQUIMAP_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "equimap"


#: Walking speed, 4.8 km/h: the usual planning value (osmnx, GOAT and r5 use 4.8–5 km/h).
WALK_SPEED_KMH = 4.8
#: Cycling speed, 15 km/h: a typical urban average for a conventional bike.
BIKE_SPEED_KMH = 15.0
#: Driving speeds (km/h) by highway class where a way has no usable `maxspeed`.
#: Values follow common urban/rural defaults in southern Europe.
DRIVE_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 70.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 15.0,
    "road": 30.0,
}
#: Speed used for a drivable way whose class is not listed above.
DRIVE_FALLBACK_KMH = 30.0

#: Thresholds (minutes) for "number of services within" counts.
COUNT_THRESHOLDS_MIN: tuple[int, ...] = (5, 10, 15, 30)
#: How many nearest services enter the mean time (Eurostat's AN3 uses 3).
N_NEAREST = 3

#: A network component smaller than this many nodes is not used to place residents
#: or services when a larger component lies in the same cell (it is usually a
#: private yard or a mapping error).
MIN_COMPONENT_NODES = 50
#: A resident or service further than this from any usable network node is
#: reported unreachable instead of being snapped across water or fields.
MAX_SNAP_M = 1000.0

#: Warn when more than this share of a region's residents live in cells with no street of the OSM
#: extract inside ("outside the network's coverage"); a manifest's ``[coverage] warn_share`` replaces it.
COVERAGE_WARN_SHARE = 0.05
#: A network node within this distance of a building counts as a place where people live.
BUILDING_BUFFER_M = 50.0

#: Ferries (OSM ``route=ferry`` ways) join the networks; see `equimap.network.ferries`. The three ferry
#: values below are the fallbacks of `add_ferries` called directly; a prepared region takes them from
#: its speed profile's ``[ferry]`` table (the shipped default has the same values).
FERRIES = True
#: Crossing speed where a ferry way has no ``duration`` tag: 13 km/h berth to berth. The Gozo
#: Channel crossing Ċirkewwa–Mġarr (5.3 km along its OSM way 176522568) takes about 25 minutes
#: (Gozo Channel's published crossing time, e.g. fittex.mt/gozo-channel-schedule), i.e. 12.7 km/h;
#: the Sliema–Valletta ferry's tagged 5 minutes for 1.1 km is 13 km/h.
FERRY_SPEED_KMH = 13.0
#: Waiting time at the quay where a ferry way has no ``interval`` tag (else half the interval):
#: half the mean daytime headway of the Gozo Channel, whose timetable has 8 departures each way
#: between 12:00 and 15:00 (MaltaToday, 19 December 2024: the Christmas-day cancellations), a
#: headway of 22.5 minutes. Harbour ferries running every 30 minutes wait 15 minutes on average.
FERRY_WAIT_MIN = 11.25
#: A ferry's end node is joined to the nearest street node of the mode within this distance,
#: walked in a straight line (berths sit on quays and piers, often a few hundred metres from
#: the nearest mapped street); an end with no street this close joins only other ferry ways.
FERRY_CONNECTOR_MAX_M = 500.0
#: How points (residents, services) join the network: ``"edge"`` (the nearest point of the
#: nearest street, then along it to both of its ends as the street's directions allow) or
#: ``"node"`` (a straight line to the nearest node, the rule before issue 10).
SNAP = "edge"
