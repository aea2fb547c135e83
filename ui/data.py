"""Cached data of the app: the prepared region (shared, read-only) and the tables of each choice.

`prepared` keeps one `Prepared` per region for the whole server (every
session shares it and must not change it); the first preparation of a region
shows a progress bar. The tables below are `st.cache_data`, keyed on simple
values (region, mode, category, threshold...), so switching back to an
earlier choice is instant and panning the map never recomputes anything.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from equimap.analysis import tables
from equimap.analysis.core import DEFAULT_N_BOOT
from equimap.analysis.equity import inequality_table, supply_access, supply_by_group
from equimap.analysis.isochrone import isochrone as compute_isochrone
from equimap.analysis.outreach import outreach_targets
from equimap.analysis.question import Question
from equimap.api import Analysis
from equimap.i18n import fmt_pct, t
from equimap.indicators.curves import reached_by_minute
from equimap.network.prepare import Prepared, land_layer, prepare_region
from equimap.protect.policy import min_count
from equimap.protect.suppression import DEFAULT_THRESHOLD
from equimap.region.boundaries import load_boundaries
from equimap.region.land import clip_to_land
from equimap.region.manifest import MAIN_BOUNDARY, load_region
from equimap.report.outreach_file import write_targets
from equimap.report.staticmap import map_figure, to_png
from ui import upload, urlstate


@st.cache_resource(show_spinner=False)
def _shared() -> tuple[dict[str, Prepared], threading.Lock]:
    return {}, threading.Lock()


def region_key(region: str, profile: str = "", age_speeds: bool | None = None) -> str:
    """Return the key the app caches a region under: ``malta``, ``malta~freeflow``, ``malta~default~ages-off``.

    `profile` "" is the region's own profile (its manifest's, else the shipped default);
    `age_speeds` None keeps the profile's choice of walking speeds by age.
    """
    key = region + (f"~{profile}" if profile else "")
    if age_speeds is not None:
        key += "~ages-on" if age_speeds else "~ages-off"
    return key


def _split(key: str) -> tuple[str, str, bool | None]:
    parts = key.split("~")
    age = {"ages-on": True, "ages-off": False}.get(parts[-1]) if len(parts) > 1 else None
    rest = parts[:-1] if age is not None else parts
    return rest[0], (rest[1] if len(rest) > 1 else ""), age


def prepared(region: str, lang: str = "en") -> Prepared:
    """Return the prepared region, preparing it (with a progress bar) the first time on this server.

    `region` is a key of `region_key`; the walking speeds by age only change the profile
    of an already prepared region (no new network), so both choices share its networks.
    """
    store, lock = _shared()
    if region in store:
        return store[region]
    name, profile, age = _split(region)
    if age is not None:
        base = prepared(region_key(name, profile), lang)
        if age != base.travel.profile.age_speeds:
            travel = dataclasses.replace(base.travel, profile=base.travel.profile.with_age_speeds(age))
            base = dataclasses.replace(base, travel=travel, _memo={})
        store[region] = base
        return base
    with lock:
        if region not in store:
            holder, bar = None, None

            def progress(_msg: str, frac: float) -> None:
                nonlocal holder, bar
                if frac >= 1.0 and bar is None:
                    return  # loaded from the disk cache: no bar
                text = t("app.preparing_step", lang, region=region, percent=fmt_pct(frac, lang))
                if bar is None:
                    holder = st.empty()
                    box = holder.container()
                    box.info(t("app.preparing", lang, region=region))
                    bar = box.progress(0.0, text=text)
                bar.progress(min(max(frac, 0.0), 1.0), text=text)

            chosen = {"profile": profile} if profile else {}  # else the region's own (manifest, else default)
            store[region] = prepare_region(name, progress=progress, **chosen)
            if holder is not None:
                holder.empty()
    return store[region]


def _prep(region: str) -> Prepared:
    store, _ = _shared()
    return store[region] if region in store else prepared(region)


@st.cache_data(show_spinner=False, max_entries=8)
def units(region: str, key: str = MAIN_BOUNDARY) -> gpd.GeoDataFrame | None:
    """Return the polygons and names of a boundary layer (the region's main one), or None if it has no such layer."""
    prep = _prep(region)
    return load_boundaries(prep.region, key) if prep.region.boundary(key) is not None else None


@st.cache_data(show_spinner=False, max_entries=8)
def land(region: str) -> gpd.GeoDataFrame | None:
    """Return the region's land masses (the boundary layer marked ``land``), or None."""
    geom = land_layer(_prep(region).region)
    return None if geom is None else gpd.GeoDataFrame(geometry=geom)


@st.cache_data(show_spinner=False, max_entries=8)
def land_cells(region: str) -> gpd.GeoSeries:
    """Return every census cell's square clipped to the coast (`equimap.region.land.clip_to_land`, as the report)."""
    prep = _prep(region)
    return clip_to_land(prep.population.geometry, land_layer(prep.region))


def on_land(region: str, cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of `cells` (indexed by cell id) drawn as their squares clipped to land."""
    squares = land_cells(region).reindex(cells.index)
    return cells.set_geometry(gpd.GeoSeries(squares.to_numpy(), index=cells.index, crs=squares.crs))


#: Operator setting (environment variable) that turns small-count protection on screen off: ``off``.
SCREEN_PROTECTION_ENV = "EQUIMAP_SCREEN_PROTECTION"


def screen_threshold(region: str | None = None) -> int:
    """Return the small-count threshold of every figure on screen: the exports' rule, unless the operator turned it off.

    The operator of the server (not a visitor) turns it off by starting the app with
    ``EQUIMAP_SCREEN_PROTECTION=off`` (``0``, ``false`` and ``no`` work too); any other
    value, or none, keeps protection on with
    :data:`equimap.protect.suppression.DEFAULT_THRESHOLD`, exactly as in the exports.
    Either way the threshold never goes below the installation's minimum
    (:func:`equimap.protect.policy.min_count`, ``EQUIMAP_MIN_COUNT``): "off" shows
    unprotected figures only on an installation that allows them (``EQUIMAP_MIN_COUNT=0``),
    and elsewhere keeps that minimum. A region's own ``[privacy] min_count`` raises it for that
    region's figures, as in its exports (`region`, else the sidebar's region).
    """
    value = os.environ.get(SCREEN_PROTECTION_ENV, "on").strip().lower()
    wanted = 0 if value in ("off", "0", "false", "no") else DEFAULT_THRESHOLD
    if region is None:
        region = st.session_state.get("region") if st.runtime.exists() else None
    return max(wanted, region_min_count(region))


def region_min_count(region: str | None) -> int:
    """Return the smallest count a region's figures may show: the installation's minimum, raised by its manifest.

    `region` is a key of `region_key` (None: the installation's minimum alone).
    """
    if not region:
        return min_count()
    return min_count(load_region(_split(region)[0]).folder)


def screen_note() -> None:
    """Show in the sidebar how the figures on screen are protected (the exports' rule), or that they are not."""
    lang = st.session_state.get("lang", "en")
    threshold = screen_threshold()
    if threshold > 0:
        st.sidebar.caption(t("app.screen_protected", lang, max=threshold - 1))
    else:
        st.sidebar.warning(t("app.screen_unprotected", lang, max=DEFAULT_THRESHOLD - 1))


@st.cache_resource(show_spinner=False, max_entries=32)
def _analysis(region: str, mode: str, category: str, threshold_min: int, n_boot: int, suppress_below: int) -> Analysis:
    question = Question(mode, category, float(threshold_min))
    return Analysis(
        _prep(region), question, n_boot=n_boot, suppress_below=suppress_below, services=upload.services_of(category)
    )


def analysis(region: str, mode: str, category: str, threshold_min: int, n_boot: int = DEFAULT_N_BOOT) -> Analysis:
    """Return the analysis of one question: the one source of every figure the pages show (read-only, shared).

    Its tables are protected against small counts (:func:`screen_threshold`, the
    installation's threshold), exactly as in the report and the exports. An uploaded list
    (`ui.upload`) has a category key of its own, made from the file's digest, so its
    analysis is cached apart.
    """
    return _analysis(region, mode, category, threshold_min, n_boot, screen_threshold(region))


@st.cache_data(show_spinner=False, max_entries=8)
def cell_councils(region: str) -> pd.Series:
    """Return the name of the council where most of each census cell's residents live ("" if none)."""
    prep = _prep(region)
    found = tables.council_units(prep.region, MAIN_BOUNDARY)
    if found is None:
        return pd.Series("", index=prep.population.index)
    names = tables.cell_councils(prep, found).map(found.set_index("council_id")["name"])
    return names.reindex(prep.population.index).fillna("").astype(str)


def cells(region: str, mode: str, category: str, threshold_min: int, n_boot: int = DEFAULT_N_BOOT) -> gpd.GeoDataFrame:
    """Return the protected figures of every census cell (`Analysis.cells`; shared, read-only)."""
    return analysis(region, mode, category, threshold_min, n_boot).cells()


def councils(
    region: str, mode: str, category: str, threshold_min: int, n_boot: int = DEFAULT_N_BOOT
) -> gpd.GeoDataFrame | None:
    """Return the protected figures of every council (`Analysis.councils`; shared, read-only)."""
    return analysis(region, mode, category, threshold_min, n_boot).councils()


def council_gaps(
    region: str, mode: str, category: str, threshold_min: int, group: str, n_boot: int = DEFAULT_N_BOOT
) -> gpd.GeoDataFrame | None:
    """Return each council's gap of `group` against its reference group (`Analysis.council_gaps`), or None."""
    return analysis(region, mode, category, threshold_min, n_boot).council_gaps(group)


@st.cache_data(show_spinner=False, max_entries=16)
def access_png(
    region: str, mode: str, category: str, threshold_min: int, n_boot: int, lang: str, view: str | None = None
) -> bytes:
    """Return the report's travel-time map of a question as PNG bytes (`equimap.report.staticmap`, protected).

    `view` (the URL's ``lat,lon,zoom``, `ui.urlstate.parse_view`) draws the map's current view; None the region.
    """
    a = analysis(region, mode, category, threshold_min, n_boot)
    found = urlstate.parse_view(view)
    extent = None
    if found is not None:
        lonlat = gpd.GeoSeries(shapely.box(*urlstate.view_bounds(found)), crs="EPSG:4326")
        extent = tuple(lonlat.to_crs(a.prepared.region.crs).total_bounds)
    fig = map_figure(a.bundle(), f"access:{a.question.key}", lang=lang, extent=extent)
    try:
        return to_png(fig)
    finally:
        fig.clear()


@st.cache_data(show_spinner=False, max_entries=64)
def services(region: str, category: str) -> gpd.GeoDataFrame:
    """Return the services of a category (or the session's uploaded list, `ui.upload`)."""
    found = upload.services_of(category)
    return _prep(region).services_for(category) if found is None else found


def group_table(
    region: str, mode: str, category: str, threshold_min: int, dimension: str | None, n_boot: int = DEFAULT_N_BOOT
) -> pd.DataFrame:
    """Return the protected figures of all residents and of each group of a dimension (`Analysis.groups`)."""
    return analysis(region, mode, category, threshold_min, n_boot).groups(dimension)


@st.cache_data(show_spinner=False, max_entries=64)
def curves(region: str, mode: str, category: str, dimension: str | None, max_min: int) -> pd.DataFrame:
    """Return the share of each group reached by minute (`equimap.indicators.curves.reached_by_minute`).

    A region without groups (`dimension` None) has one curve: all residents.
    """
    prep = _prep(region)
    groups = prep.region.group(dimension).columns if dimension else {prep.region.total_col: prep.region.total_col}
    time_s = prep.access(mode, category, services=upload.services_of(category))["time_nearest_s"]
    return reached_by_minute(prep.origins, time_s, groups=groups, max_min=max_min)


def gaps(
    region: str, mode: str, category: str, dimension: str, threshold_min: int, n_boot: int = DEFAULT_N_BOOT
) -> pd.DataFrame:
    """Return the groups of a dimension with their gaps and intervals (`Analysis.gaps`, `n_boot` resamples)."""
    return analysis(region, mode, category, threshold_min, n_boot).gaps(dimension)


def capacity_list(region: str) -> str | None:
    """Return the key of the region's first official service list with a capacity column, or None."""
    return next((s.key for s in _prep(region).region.services if s.capacity), None)


@st.cache_data(show_spinner=False, max_entries=64)
def supply(
    region: str, mode: str, threshold_min: int, dimension: str, category: str | None = None
) -> pd.DataFrame | None:
    """Return capacity per 1,000 residents by group (2SFCA, catchment = threshold).

    On the uploaded list when `category` is one with a capacity column (`ui.upload.capacity_column`),
    else on the region's official list with capacities (None if it has none).
    """
    custom = upload.services_of(category) if upload.capacity_column(category) else None
    key = capacity_list(region) if custom is None else category
    if key is None:
        return None
    prep = _prep(region)
    acc = supply_access(
        prep, mode=mode, category=key, measure="2sfca", max_cost_s=60.0 * threshold_min, services=custom
    )
    table = supply_by_group(prep, acc, dimension=dimension)
    table["per_1000"] = table["access"] * 1000.0
    return table


@st.cache_data(show_spinner=False, max_entries=64)
def inequality(region: str, mode: str, category: str) -> pd.DataFrame:
    """Return the inequality indices of travel time (`equimap.analysis.equity.inequality_table`)."""
    return inequality_table(_prep(region), mode=mode, category=category, services=upload.services_of(category))


def targets(
    region: str,
    mode: str,
    category: str,
    threshold_min: int,
    level: str,
    dimension: str | None,
    group: str | None,
    n_boot: int = DEFAULT_N_BOOT,
) -> gpd.GeoDataFrame:
    """Return the ranked outreach targets, protected like the cells or councils (`Analysis.outreach`)."""
    a = analysis(region, mode, category, threshold_min, n_boot)
    return a.outreach(level=level, group=group, dimension=dimension)


@st.cache_data(show_spinner=False, max_entries=64)
def _raw_targets(
    region: str, mode: str, category: str, threshold_min: int, level: str, dimension: str | None, group: str | None
) -> gpd.GeoDataFrame:
    """Return the unprotected targets (`equimap.analysis.outreach.outreach_targets`) that the files protect."""
    return outreach_targets(
        _prep(region),
        mode=mode,
        category=category,
        threshold_s=60.0 * threshold_min,
        level=level,
        dimension=dimension,
        group=group,
        services=upload.services_of(category),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def targets_file(
    region: str,
    mode: str,
    category: str,
    threshold_min: int,
    level: str,
    dimension: str | None,
    group: str | None,
    *,
    suffix: str,
    protected: bool,
    lang: str,
) -> bytes:
    """Return the bytes of the targets written by `equimap.report.outreach_file.write_targets` (protected unless told)."""
    table = _raw_targets(region, mode, category, threshold_min, level, dimension, group)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"outreach{suffix}"
        write_targets(
            table,
            path,
            threshold=max(
                DEFAULT_THRESHOLD if protected else 0, region_min_count(region)
            ),  # never below the installation's
            total_col=_prep(region).region.total_col,
            lang=lang,
        )
        return path.read_bytes()


@st.cache_data(show_spinner=False, max_entries=32)
def isochrone(
    region: str, mode: str, threshold_min: int, lon: float, lat: float
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return the isochrone from (lon, lat) by `mode` within `threshold_min`: its area and its protected residents."""
    point = gpd.GeoSeries.from_xy([lon], [lat], crs="EPSG:4326")
    iso = compute_isochrone(
        _prep(region), point, mode=mode, threshold_min=threshold_min, suppress_below=screen_threshold(region)
    )
    return iso.area, iso.residents
