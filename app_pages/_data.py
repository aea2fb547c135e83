"""Cached tables of the app, keyed on simple values; each is computed by the library once per key."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from app_pages._ui import _prepared
from geo.equity import gaps_table, inequality_table, supply_access, supply_by_group
from geo.groups import group_summary, reach_curve
from geo.outreach import outreach_targets
from geo.places import cell_figures, unit_figures

#: Bootstrap draws for the intervals shown in the app (the CLI and reports use 999).
APP_N_BOOT = 199
#: Minute marks of the cumulative curves.
CURVE_MINUTES = np.arange(0, 61, 1)


@st.cache_data(show_spinner=False, max_entries=64)
def cells(
    region: str,
    mode: str,
    category: str,
    threshold_min: int,
    upload_key: str | None = None,  # noqa: ARG001 - part of the cache key
    _services: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Return `geo.places.cell_figures` for one analysis (`_services`: an uploaded list, keyed by `upload_key`)."""
    return cell_figures(
        _prepared(region), mode=mode, category=category, threshold_s=threshold_min * 60.0, services=_services
    )


@st.cache_data(show_spinner=False, max_entries=64)
def units(
    region: str,
    mode: str,
    category: str,
    threshold_min: int,
    upload_key: str | None = None,  # noqa: ARG001 - part of the cache key
    _services: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame | None:
    """Return `geo.places.unit_figures` for the region's councils, or None when it has no such layer."""
    prep = _prepared(region)
    if not any(b.key == "councils" for b in prep.region.boundaries):
        return None
    return unit_figures(prep, mode=mode, category=category, threshold_s=threshold_min * 60.0, services=_services)


@st.cache_data(show_spinner=False, max_entries=64)
def services(region: str, category: str) -> gpd.GeoDataFrame:
    """Return the services of a theme, category or official list."""
    return _prepared(region).services_for(category)


@st.cache_data(show_spinner=False, max_entries=64)
def groups(region: str, mode: str, category: str, threshold_min: int, dimension: str) -> pd.DataFrame:
    """Return `geo.groups.group_summary` for all residents and the groups of one dimension."""
    prep = _prepared(region)
    dim = prep.region.group(dimension)
    time_s = prep.access(mode, category)["time_nearest_s"]
    cols = {prep.region.total_col: "all", **dim.columns}
    return group_summary(prep.origins, time_s, groups=cols, threshold_s=threshold_min * 60.0)


@st.cache_data(show_spinner=False, max_entries=64)
def curves(region: str, mode: str, category: str, dimension: str) -> pd.DataFrame:
    """Return the cumulative share of each group reached by minute (columns: group columns)."""
    prep = _prepared(region)
    dim = prep.region.group(dimension)
    time_s = prep.access(mode, category)["time_nearest_s"]
    return reach_curve(prep.origins, time_s, groups={c: c for c in dim.columns}, minutes=CURVE_MINUTES)


@st.cache_data(show_spinner=False, max_entries=32)
def gaps(region: str, mode: str, category: str, threshold_min: int, dimension: str) -> pd.DataFrame:
    """Return the group gaps against the reference group, with bootstrap intervals."""
    return gaps_table(
        _prepared(region),
        mode=mode,
        category=category,
        dimension=dimension,
        threshold_s=threshold_min * 60.0,
        n_boot=APP_N_BOOT,
        seed=0,
    )


@st.cache_data(show_spinner=False, max_entries=32)
def supply(region: str, mode: str, category: str, dimension: str, catchment_min: int) -> pd.DataFrame:
    """Return 2SFCA capacity per resident available to each group."""
    prep = _prepared(region)
    acc = supply_access(prep, mode=mode, category=category, measure="2sfca", max_cost_s=catchment_min * 60.0)
    return supply_by_group(prep, acc, dimension=dimension)


@st.cache_data(show_spinner=False, max_entries=32)
def inequality(region: str, mode: str, category: str) -> pd.DataFrame:
    """Return Gini, Theil T (with group decompositions) and the concentration index."""
    return inequality_table(_prepared(region), mode=mode, category=category)


@st.cache_data(show_spinner=False, max_entries=32)
def targets(
    region: str, mode: str, category: str, threshold_min: int, level: str, group: str | None
) -> gpd.GeoDataFrame:
    """Return the ranked outreach targets."""
    return outreach_targets(
        _prepared(region), mode=mode, category=category, threshold_s=threshold_min * 60.0, level=level, group=group
    )
