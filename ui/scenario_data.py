"""The Scenario page's calls into the library, cached on simple values (the page keeps only the changes).

A change is kept in session state as a tuple ``(kind, service_id, lon, lat[, name, capacity])``
(the fields of :class:`equimap.scenario.changes.Change`); a kept scenario as ``(name, changes)``.
Every figure is the library's: :class:`~equimap.scenario.engine.ScenarioAnalysis`,
:func:`~equimap.scenario.engine.compare_scenarios`, :func:`~equimap.scenario.optimise.suggest_sites`
and :func:`~equimap.report.scenario_file.write_scenarios`.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from equimap import DataError
from equimap.report.scenario_file import write_scenarios
from equimap.scenario.changes import Change, Scenario, read_scenario, scenario_from_sites
from equimap.scenario.engine import ScenarioAnalysis, compare_scenarios
from equimap.scenario.optimise import suggest_sites, write_suggestion
from ui import data

#: Most scenarios kept side by side (as :data:`equimap.scenario.engine.MAX_SCENARIOS`).
MAX_KEPT = 4
#: Most new sites the page suggests at once.
MAX_NEW_SITES = 10
#: Column names `load_service_file` reads as a CSV's longitude and latitude.
_CSV_COORDS = ("lon", "lat", "longitude", "latitude", "lng", "x", "y")


def as_tuples(scenario: Scenario) -> tuple:
    """Return the changes of `scenario` as the page keeps them."""
    return tuple((c.kind, c.service_id, c.lon, c.lat, c.name, c.capacity) for c in scenario.changes)


def as_scenario(name: str, category: str, changes: tuple) -> Scenario:
    """Return the scenario of the page's changes."""
    return Scenario(name, category, tuple(Change(*c) for c in changes))


@st.cache_resource(show_spinner=False, max_entries=32)
def _scenario(region: str, mode: str, category: str, threshold_min: int, name: str, changes: tuple) -> ScenarioAnalysis:
    before = data.analysis(region, mode, category, threshold_min, 0)
    return ScenarioAnalysis(before, as_scenario(name, category, changes), n_boot=0)


@st.cache_data(show_spinner=False, max_entries=16)
def compared(region: str, mode: str, category: str, threshold_min: int, kept: tuple) -> pd.DataFrame:
    """Return the protected groups table of the kept scenarios side by side with today's (`compare_scenarios`)."""
    before = data.analysis(region, mode, category, threshold_min, 0)
    items = [_scenario(region, mode, category, threshold_min, n, c) for n, c in kept]
    return compare_scenarios(before, items)


@st.cache_data(show_spinner=False, max_entries=16)
def export(region: str, mode: str, category: str, threshold_min: int, kept: tuple, fmt: str, lang: str) -> bytes:
    """Return the file (``pdf``, ``xlsx`` or ``gpkg``) of the scenarios `kept` written by `write_scenarios`."""
    items = [_scenario(region, mode, category, threshold_min, n, c) for n, c in kept]
    with tempfile.TemporaryDirectory(prefix="equimap-scenario-") as tmp:
        path = write_scenarios(items, Path(tmp) / f"scenario.{fmt}", fmt=fmt, lang=lang)
        return path.read_bytes()


@st.cache_data(show_spinner=False, max_entries=16)
def suggestion(region: str, mode: str, category: str, threshold_min: int, k: int, only_group: str | None) -> tuple:
    """Return the `k` suggested new sites (coverage objective) as the page's changes."""
    prep = data.prepared(region)
    sug = suggest_sites(prep, mode=mode, category=category, threshold_min=threshold_min, k=k, only_group=only_group)
    with tempfile.TemporaryDirectory(prefix="equimap-suggest-") as tmp:
        path = write_suggestion(Path(tmp) / "suggestion.geojson", sug)
        return as_tuples(read_scenario(path, region=prep.region))


def is_scenario_file(file_name: str, raw: bytes) -> bool:
    """Return whether an uploaded file is a scenario file (GeoJSON with an ``equimap_scenario`` member)."""
    if Path(file_name).suffix.lower() not in (".geojson", ".json"):
        return False
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(doc, dict) and "equimap_scenario" in doc


def _read_csv(raw: bytes, *, file_name: str, **kw) -> pd.DataFrame:
    """Return an uploaded CSV as read by pandas; raise one sentence (DataError) if it cannot be read."""
    try:
        return pd.read_csv(io.BytesIO(raw), encoding="utf-8", **kw)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"`{file_name}` is not a readable CSV; save it as UTF-8 text with a header row of column names."
        raise DataError(msg) from exc


def csv_columns(raw: bytes, *, file_name: str = "the file") -> tuple[str, ...]:
    """Return the columns of an uploaded CSV (its header); raise one sentence (DataError) if it cannot be read."""
    return tuple(map(str, _read_csv(raw, file_name=file_name, nrows=0).columns))


def _with_lonlat(raw: bytes, lon_col: str, lat_col: str, *, file_name: str = "the file") -> bytes:
    """Return a CSV's bytes with the chosen coordinate columns named ``lon`` and ``lat`` (others of those names dropped)."""
    df = _read_csv(raw, file_name=file_name, dtype=str, keep_default_na=False)
    lon, lat = df[lon_col], df[lat_col]
    df = df.drop(columns=[c for c in df.columns if str(c).lower() in _CSV_COORDS])
    df["lon"], df["lat"] = lon, lat
    return df.to_csv(index=False).encode()


@st.cache_data(show_spinner=False, max_entries=16)
def uploaded_changes(
    digest: str,  # noqa: ARG001 - the cache key of `_raw`
    file_name: str,
    *,
    region: str,
    category: str,
    name_col: str = "",
    capacity_col: str = "",
    lon_col: str = "",
    lat_col: str = "",
    _raw: bytes,
) -> tuple[str, tuple]:
    """Return the name and changes of an uploaded scenario file or list of sites (checked as by the CLI)."""
    prep = data.prepared(region)
    if Path(file_name).suffix.lower() == ".csv" and lon_col and lat_col:
        _raw = _with_lonlat(_raw, lon_col, lat_col, file_name=Path(file_name).name)
    with tempfile.TemporaryDirectory(prefix="equimap-upload-") as tmp:
        path = Path(tmp) / Path(file_name).name
        path.write_bytes(_raw)
        if is_scenario_file(file_name, _raw):
            sc = read_scenario(path, region=prep.region)
        else:
            sc = scenario_from_sites(
                path,
                category=category,
                region=prep.region,
                name_col=name_col or None,
                capacity_col=capacity_col or None,
            )
    return sc.name, as_tuples(sc.with_category(category))
