"""The app's session state, set up in one place, and the parameters every page reads from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from equimap import settings
from equimap.analysis.core import DEFAULT_N_BOOT
from equimap.i18n import FALLBACK

#: Every session-state key the app uses, with its default. Widgets use these keys.
DEFAULTS: dict[str, Any] = {
    "lang": FALLBACK,
    "region": settings.DEFAULT_REGION,
    "mode": "walk",
    "category": "pharmacy",
    "threshold_min": 15,
    "dimension": None,  # the first group dimension of the region's manifest (None: a region without groups)
    "group": "T",
    "n_boot": DEFAULT_N_BOOT,
    "profile": "",  # speed profile: "" the region's own (manifest, else default), or a shipped name
    "travel_suffix": "",  # profile and age-speed choice appended to the region key (ui.data.region_key)
    "basemap": False,
    # the Map page's isochrone (app_pages/map.py, ui/isoclick.py): the mode switch, its start (lon, lat) and the clicks seen
    "map_isochrone": False,
    "iso_point": None,
    "iso_seen": (None, None),
    "outreach_level": "cell",
    "outreach_unprotected": False,
    # the uploaded service list (ui.upload; the uploader itself is the widget "upload"):
    "uploaded": None,  # ui.upload.Upload of this session, or None
    "upload_name": "",  # its name column ("" for none)
    "upload_capacity": "",  # its capacity column ("" for none)
    # the Scenario page (app_pages/scenario.py): its changes, (kind, service_id, lon, lat) each, and the last map click
    "scenario_changes": (),
    "scenario_last_click": None,
    "scenario_moving": None,  # the site a map click moves (its service_id), or None: a click adds a site
    "scenario_kept": (),  # scenarios kept to compare, (name, changes) each (at most 4)
}


@dataclass(frozen=True)
class Params:
    """The choices of the shared sidebar (simple values, usable as cache keys)."""

    lang: str
    region: str
    mode: str
    category: str
    threshold_min: int
    dimension: str | None  # None for a region without groups (a total-only population)
    group: str
    n_boot: int = DEFAULT_N_BOOT

    @property
    def threshold_s(self) -> float:
        """The threshold in seconds."""
        return 60.0 * self.threshold_min


def init_state() -> None:
    """Give every key of `DEFAULTS` its default, once per session."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def params() -> Params:
    """Return the current choices."""
    s = st.session_state
    return Params(
        lang=s["lang"],
        region=s["region"] + s["travel_suffix"],
        mode=s["mode"],
        category=s["category"],
        threshold_min=int(s["threshold_min"]),
        dimension=s["dimension"],
        group=s["group"],
        n_boot=int(s["n_boot"]),
    )
