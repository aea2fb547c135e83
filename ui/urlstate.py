"""The app's state in the page URL: a link reproduces the view, a reload keeps it.

The sidebar choices are written to the query string under short, stable names
(`URL_KEYS`: ``?region=malta&mode=car&service=school&threshold=30&...``) after
every run, and read back once, when a session starts (a new tab, a shared link,
a reload). A value of the wrong type or out of range is ignored, so the choice
keeps its default; a value of the right type that the region does not offer
(an unknown service or group) is reset to the default by the sidebar
(`ui.sidebar`), never shown as a traceback.

The map view (``view=lat,lon,zoom``) and the overlays switched on
(``layers=access,gaps``) are written by the map itself, in the browser
(`equimap.maps.view.ViewKeeper`): panning or switching a layer never reruns
the page. The parsers of those two values live here too, for tests and for
the map's first draw.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from equimap.i18n import languages
from ui.state import DEFAULTS

#: Query-string name -> session-state key, in the order they are written.
URL_KEYS: dict[str, str] = {
    "region": "region",
    "mode": "mode",
    "service": "category",
    "threshold": "threshold_min",
    "dimension": "dimension",
    "group": "group",
    "lang": "lang",
}
#: Query-string names written by the map in the browser (kept as they are by `sync_url`).
MAP_KEYS: tuple[str, ...] = ("view", "layers")
#: Thresholds the sidebar slider offers (minutes).
THRESHOLDS_MIN: tuple[int, ...] = tuple(range(5, 61, 5))
#: Zoom levels the map accepts.
ZOOM_RANGE: tuple[int, int] = (6, 18)
#: Session-state flag: the URL of this session was read.
_READ = "_url_read"


def _threshold(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value in THRESHOLDS_MIN else None


def parse_query(query: Mapping[str, str]) -> dict[str, Any]:
    """Return the session values set by a query string, leaving out every value that is not usable.

    Parameters
    ----------
    query
        Query-string name -> value (``st.query_params``), e.g. ``{"threshold": "30", "service": "school"}``.

    Returns
    -------
    dict
        Session-state key -> value, only for names of `URL_KEYS` with a well-formed value
        (a threshold of `THRESHOLDS_MIN`, a non-empty text of at most 100 characters otherwise).
        Whether the region offers the value is checked later, by the sidebar.
    """
    out: dict[str, Any] = {}
    for name, key in URL_KEYS.items():
        raw = query.get(name)
        if not isinstance(raw, str):
            continue
        raw = raw.strip()
        if key == "threshold_min":
            value = _threshold(raw)
            if value is not None:
                out[key] = value
        elif 0 < len(raw) <= 100:
            out[key] = raw
    return out


def query_of(state: Mapping[str, Any]) -> dict[str, str]:
    """Return the query-string values of the session choices in `state` (the inverse of `parse_query`)."""
    return {name: str(state[key]) for name, key in URL_KEYS.items() if state.get(key) is not None}


def parse_view(text: str | None) -> tuple[float, float, int] | None:
    """Return ``(lat, lon, zoom)`` from ``"35.9,14.5,14"``, or None when it is not a valid map view."""
    parts = (text or "").split(",")
    if len(parts) != 3:
        return None
    try:
        lat, lon, zoom = float(parts[0]), float(parts[1]), int(float(parts[2]))
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return lat, lon, min(max(zoom, ZOOM_RANGE[0]), ZOOM_RANGE[1])


def parse_layers(text: str | None, known: list[str] | tuple[str, ...]) -> list[str] | None:
    """Return the overlay keys of ``"access,gaps"`` that the map has (in the map's order), or None if absent."""
    if text is None:
        return None
    wanted = {k.strip() for k in text.split(",")}
    return [k for k in known if k in wanted]


def read_url() -> None:
    """Copy the usable choices of the page URL into the session state, once per session (before the sidebar)."""
    s = st.session_state
    if s.get(_READ):
        return
    s[_READ] = True
    found = parse_query(st.query_params.to_dict())
    if found.get("lang") not in languages():  # the frame translates the page titles before the sidebar runs
        found.pop("lang", None)
    for key, value in found.items():
        s[key] = value


def sync_url() -> None:
    """Write the current choices to the page URL, changing only the names whose value changed.

    The map's own names (`MAP_KEYS`) are left as the browser last wrote them.
    """
    current = st.query_params.to_dict()
    wanted = query_of(st.session_state)
    changed = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changed:
        st.query_params.update(changed)


def defaults_for(key: str, options: list[str]) -> str:
    """Return the default of a choice when the options offer it, else the first option."""
    default = DEFAULTS.get(key)
    return default if default in options else options[0]


#: Size (px) the map's view is taken to have when a view is turned into an extent (the Map page's map).
VIEW_SIZE_PX: tuple[int, int] = (1000, 640)


def view_bounds(view: tuple[float, float, int], *, size_px: tuple[int, int] = VIEW_SIZE_PX) -> tuple[float, ...]:
    """Return (lon0, lat0, lon1, lat1) of a map of `size_px` (width, height) showing `view` (lat, lon, zoom).

    Web Mercator, as Leaflet draws: a pixel is ``156543.03 * cos(lat) / 2**zoom`` metres.
    """
    lat, lon, zoom = view
    m_per_px = 156543.03392 * math.cos(math.radians(lat)) / 2**zoom
    half_w_m, half_h_m = size_px[0] / 2 * m_per_px, size_px[1] / 2 * m_per_px
    dlat = math.degrees(half_h_m / 6378137.0)
    dlon = math.degrees(half_w_m / (6378137.0 * math.cos(math.radians(lat))))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat
