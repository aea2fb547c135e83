"""Gather every table and map layer of an analysis in one place, protected against small counts.

A *bundle* is what leaves equimap for one region and a set of analyses (a mode, a
service category and a time threshold each): the group gaps, the per-cell and
per-council figures, the Degree of Urbanisation summary and the map layers. Every
export format (:mod:`equimap.report.files`), the static maps (:mod:`equimap.report.staticmap`),
the HTML map (:mod:`equimap.report.htmlmap`) and the PDF report (:mod:`equimap.report.pdf`) read the
same bundle, so a figure in the report is the figure in the spreadsheet.

Protection. Resident counts are first rounded to whole numbers (residents are
spread over network nodes, so sums over a council are fractional) in a way that
keeps every group adding up to its total and every "beyond the threshold" count
within its group. Then each table goes through :func:`equimap.protect.suppression.suppress_counts`
with the same threshold, the group dimensions as additive groups and each
``beyond_<col>`` as a subset of ``<col>``:

* cells: row by row (the region totals they add up to are published only rounded,
  see below, so there is no exact totals row to subtract from);
* councils: with their own totals row, which the table publishes;
* groups: the region totals per group, each ``pop_beyond`` and ``pop_unreachable``
  a subset of ``pop``; visible counts are then rounded to the nearest
  :data:`GROUP_ROUNDING` and shares to 4 decimals, so that a reader cannot subtract
  the visible cells from them to recover the hidden ones;
* urbanisation classes: counts rounded to the nearest :data:`CLASS_ROUNDING` first,
  for the same reason (a class total minus its visible cells);
* outreach targets: they repeat cells' counts, which are hidden exactly where the
  cells table hides them (:func:`equimap.protect.tables.protect_like`).

The tables are built in :mod:`equimap.analysis.tables` and protected with the functions
of :mod:`equimap.protect.tables`.

With ``threshold=0`` nothing is hidden or rounded beyond whole residents, and every
file says it is unprotected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap.analysis import tables as tb
from equimap.analysis.question import DEFAULT_ANALYSES, Question, parse_analysis, region_analyses
from equimap.analysis.speeds import sensitivity_table, speeds_used, with_group_times
from equimap.analysis.tables import OUTSIDE, TIME_COLUMNS, TOTAL
from equimap.network.cache import TravelSettings
from equimap.network.prepare import Prepared
from equimap.network.profile import Profile
from equimap.protect import tables as bp
from equimap.protect.suppression import DEFAULT_THRESHOLD, SuppressionResult, protection_header
from equimap.protect.tables import CLASS_ROUNDING, GROUP_ROUNDING
from equimap.region.boundaries import load_boundaries
from equimap.region.census import unknown_column
from equimap.region.manifest import MAIN_BOUNDARY, Region

__all__ = [
    "CLASS_ROUNDING",
    "DEFAULT_ANALYSES",
    "GROUP_ROUNDING",
    "OUTSIDE",
    "TIME_COLUMNS",
    "TOTAL",
    "Question",
    "Bundle",
    "build_bundle",
    "parse_analysis",
]

Progress = Callable[[str, float], None]


@dataclass(frozen=True, eq=False)
class Bundle:
    """Every protected table and layer of one report or export.

    Attributes
    ----------
    region
        The region analysed.
    analyses
        The analyses, in order; their `key` prefixes the per-analysis columns.
    tables
        Protected tables: ``groups`` (one row per analysis, dimension and group),
        ``cells`` (index ``cell_id``), ``councils`` (index ``council_id``, with
        :data:`OUTSIDE` and :data:`TOTAL` rows), ``urbanisation_l1`` and
        ``urbanisation_l2`` (index ``class``, with a :data:`TOTAL` row) and
        ``outreach`` (ranked cells of each analysis, see
        :func:`equimap.analysis.tables.outreach_table`) when the population is a grid,
        ``services``, ``profile`` (the speed profile: name, digest and key speeds, one
        ``item``/``value`` row each) and ``sensitivity`` (each analysis' share of residents
        beyond its threshold with every speed x 0.8 and x 1.2, `equimap.analysis.speeds`).
    layers
        Map layers in the region CRS: ``cells`` (census cell squares), ``councils``
        (polygons, without the outside and total rows), ``outreach`` (cell squares)
        and ``services`` (points).
    results
        The :class:`~equimap.protect.suppression.SuppressionResult` of each protected table.
    threshold
        Counts ``0 < v < threshold`` were hidden; 0 means protection was off.
    created
        Date the bundle was made.
    category_labels
        English label of each analysis' category (used when no translation exists).
    land
        Land polygons (the region's islands or councils), for drawing maps only.
    n_boot, seed
        Bootstrap replicates and seed of the intervals in ``groups``.
    travel
        The travel settings the times were computed with (the methods section prints them).
    profile
        The speed profile the times were computed with.
    preparation
        What preparing the region found (`equimap.network.prepare.Prepared.summary`): the study
        area's counts left out, census groups reconciled, residents outside the network's coverage.
    """

    region: Region
    analyses: tuple[Question, ...]
    tables: dict[str, pd.DataFrame]
    layers: dict[str, gpd.GeoDataFrame]
    results: dict[str, SuppressionResult]
    threshold: int
    created: dt.date
    category_labels: dict[str, str]
    land: gpd.GeoDataFrame | None = None
    n_boot: int = 999
    seed: int = 0
    count_columns: tuple[str, ...] = field(default=())
    preparation: dict = field(default_factory=dict)
    travel: TravelSettings | None = None
    profile: Profile | None = None

    @property
    def protected(self) -> bool:
        """Return whether small-count protection was applied."""
        return self.threshold > 0

    def header(self, lang: str = "en") -> dict[str, object]:
        """Return :func:`equimap.protect.suppression.protection_header` over every protected table."""
        return protection_header(list(self.results.values()), lang=lang)

    def notice(self, lang: str = "en") -> str:
        """Return the one-line protection notice that opens every file."""
        return str(self.header(lang)["text"])

    def group_sets(self) -> dict[str, list[str]]:
        """Return each group dimension's additive count columns (its groups and its unknown column)."""
        return {g.key: [*g.columns, unknown_column(g.key)] for g in self.region.groups}


def build_bundle(
    prep: Prepared,
    analyses: Sequence[Question] | None = None,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    councils: str | None = MAIN_BOUNDARY,
    n_boot: int = 999,
    seed: int = 0,
    progress: Progress | None = None,
) -> Bundle:
    """Compute and protect every table and layer of `analyses` on a prepared region.

    Parameters
    ----------
    prep
        A prepared region (:func:`equimap.network.prepare.prepare_region`); not changed.
    analyses
        The questions to answer, at least one, no two the same; by default the region's
        (`equimap.analysis.question.region_analyses`).
    threshold
        Small-count threshold: counts ``0 < v < threshold`` are hidden, with every
        value that would reveal them. 0 turns protection off (files then say so).
    councils
        Key of the region's boundary layer to aggregate by; None or a missing layer
        leaves the councils table out.
    n_boot, seed
        Cluster-bootstrap replicates and seed for the intervals of the group gaps.
    progress
        Called with a message and the fraction done.

    Returns
    -------
    Bundle

    Raises
    ------
    DataError, CategoryError
        When an analysis is repeated or names an unknown mode or category, or the
        threshold is not a whole number 0 or more.
    """
    say = progress or (lambda _m, _f: None)
    analyses = tuple(analyses) if analyses is not None else region_analyses(prep.region)
    check_analyses(prep, analyses, threshold)
    region = prep.region
    access = {a.key: with_group_times(prep, a.mode, a.category, prep.access(a.mode, a.category)) for a in analyses}
    say("Group gaps with bootstrap intervals", 0.1)
    results = {"groups": groups_result(prep, analyses, access, threshold=threshold, n_boot=n_boot, seed=seed)}
    say("Figures per census cell", 0.35)
    grid = tb.classify(prep)
    units = tb.council_units(region, councils)
    cells, results["cells"] = cells_result(prep, analyses, access, threshold=threshold, grid=grid, units=units)
    if units is not None:
        say("Figures per council", 0.45)
        results["councils"] = councils_result(
            prep, analyses, access, threshold=threshold, grid=grid, units=units, units_key=str(councils)
        )
    if grid is not None:
        say("Small-count protection", 0.55)
        for level in (1, 2):
            results[f"urbanisation_l{level}"] = classes_result(prep, analyses, cells, threshold=threshold, level=level)
        say("Outreach targets", 0.6)
        results["outreach"] = outreach_result(prep, analyses, cells, results["cells"])
    say("Map layers", 0.65)
    return assemble_bundle(prep, analyses, results, units=units, threshold=threshold, n_boot=n_boot, seed=seed)


def assemble_bundle(
    prep: Prepared,
    analyses: Sequence[Question],
    results: Mapping[str, SuppressionResult],
    *,
    units: gpd.GeoDataFrame | None,
    threshold: int,
    n_boot: int,
    seed: int,
    custom_services: gpd.GeoDataFrame | None = None,
) -> Bundle:
    """Return the bundle of protected tables already computed (the final rounding of groups, services, layers)."""
    analyses = tuple(analyses)
    tables = {name: r.table for name, r in results.items()}
    if threshold > 0:
        tables["groups"] = bp.round_groups(tables["groups"])
    services = tb.service_points(prep, analyses)
    tables["services"] = tb.services_table(services)
    tables["profile"] = profile_table(prep, analyses)
    tables["sensitivity"] = sensitivity_table(prep, analyses, services=custom_services)
    layers = _layers(prep, tables, units, services)
    return Bundle(
        region=prep.region,
        analyses=analyses,
        tables=tables,
        layers=layers,
        results=dict(results),
        threshold=int(threshold),
        created=dt.date.today(),
        category_labels={a.category: prep.category_label(a.category) for a in analyses},
        land=_land(prep.region, units),
        n_boot=n_boot,
        seed=seed,
        count_columns=tuple(prep.count_columns),
        preparation=dict(prep.summary),
        travel=prep.travel,
        profile=prep.travel.profile,
    )


def profile_table(prep: Prepared, analyses: Sequence[Question]) -> pd.DataFrame:
    """Return the speed profile the figures were computed with, one ``item``/``value`` row per figure.

    Items: ``speed_profile`` (its name), ``speed_profile_digest``, ``speed_profile_description``, the key speeds of `Profile.key_speeds`
    and, per walking analysis with walking speeds by age, ``walk_speed_kmh:<column>``.
    """
    p = prep.travel.profile
    rows = [("speed_profile", p.name), ("speed_profile_digest", p.digest), ("speed_profile_description", p.description)]
    rows += list(p.key_speeds().items())
    walk = [a for a in analyses if a.mode == "walk"]
    if walk:
        rows += [(f"walk_speed_kmh:{col}", f"{v:g}") for col, v in speeds_used(prep, "walk").items()]
    return pd.DataFrame(rows, columns=["item", "value"])


# --- the protected tables, one function each (the app's `Question` calls them too) ------------


def _sets(region: Region) -> dict[str, list[str]]:
    return {g.key: [*g.columns, unknown_column(g.key)] for g in region.groups}


def protect_options(prep: Prepared, analyses: Sequence[Question], threshold: int) -> dict:
    sets = _sets(prep.region)
    birth = sets.get("birth", [])
    return {
        "total": prep.region.total_col,
        "sets": sets,
        "prefixes": tb.prefixes(analyses),
        "threshold": threshold,
        "birth": birth,
    }


def groups_result(
    prep: Prepared,
    analyses: Sequence[Question],
    access: Mapping[str, pd.DataFrame],
    *,
    threshold: int,
    n_boot: int,
    seed: int,
    services: gpd.GeoDataFrame | None = None,
) -> SuppressionResult:
    """Return the protected groups table (before the final rounding of :func:`round_groups`)."""
    groups = tb.groups_table(prep, analyses, access, n_boot=n_boot, seed=seed, services=services)
    return bp.protect_groups(groups, threshold, stat_columns=tb.GROUP_STAT_COLUMNS)


def cells_result(
    prep: Prepared,
    analyses: Sequence[Question],
    access: Mapping[str, pd.DataFrame],
    *,
    threshold: int,
    grid: gpd.GeoDataFrame | None,
    units: gpd.GeoDataFrame | None,
) -> tuple[pd.DataFrame, SuppressionResult]:
    """Return the cells table in whole residents, and its protected version."""
    cells = tb.cells_table(prep, analyses, access, _sets(prep.region), grid, units=units)
    return cells, bp.protect_areas(cells, **protect_options(prep, analyses, threshold))


def councils_result(
    prep: Prepared,
    analyses: Sequence[Question],
    access: Mapping[str, pd.DataFrame],
    *,
    threshold: int,
    grid: gpd.GeoDataFrame | None,
    units: gpd.GeoDataFrame,
    units_key: str,
) -> SuppressionResult:
    """Return the protected councils table (with its :data:`OUTSIDE` and :data:`TOTAL` rows)."""
    table = tb.councils_table(prep, analyses, access, _sets(prep.region), units, grid, units_key=units_key)
    return bp.protect_areas(table, totals_row=TOTAL, **protect_options(prep, analyses, threshold))


def classes_result(
    prep: Prepared, analyses: Sequence[Question], cells: pd.DataFrame, *, threshold: int, level: int
) -> SuppressionResult:
    """Return the protected Degree of Urbanisation table of one level, from the whole-resident cells table."""
    total = prep.region.total_col
    rounding = CLASS_ROUNDING if threshold > 0 else 1
    raw = tb.class_table(cells, analyses, total=total, level=level, rounding=rounding)
    return bp.protect_classes(raw, total=total, prefixes=tb.prefixes(analyses), threshold=threshold)


def outreach_result(
    prep: Prepared,
    analyses: Sequence[Question],
    cells: pd.DataFrame,
    cells_protected: SuppressionResult,
    *,
    services: gpd.GeoDataFrame | None = None,
) -> SuppressionResult:
    """Return the outreach targets of every analysis, hidden exactly where the cells table hides their counts."""
    parts = []
    for a in analyses:
        raw, source, derived = tb.outreach_table(prep, a, cells, services=services)
        parts.append(
            bp.protect_like(raw, cells_protected, rows=pd.Index(raw["cell_id"]), columns=source, derived=derived)
        )
    return bp.concat_results(parts)


def _layers(
    prep: Prepared, tables: dict[str, pd.DataFrame], units: gpd.GeoDataFrame | None, services: gpd.GeoDataFrame
) -> dict[str, gpd.GeoDataFrame]:
    """Return the map layers: the protected tables with their cells, councils and service points."""
    squares = prep.population[["geometry"]]
    crs = prep.population.crs
    layers = {"cells": gpd.GeoDataFrame(tables["cells"].join(squares), geometry="geometry", crs=crs)}
    if units is not None and "councils" in tables:
        real = tables["councils"].drop(index=[OUTSIDE, TOTAL])
        polygons = units.set_index("council_id")[["geometry"]]
        layers["councils"] = gpd.GeoDataFrame(real.join(polygons), geometry="geometry", crs=units.crs)
    if "outreach" in tables:
        geom = squares.geometry.reindex(tables["outreach"]["cell_id"]).to_numpy()
        layers["outreach"] = gpd.GeoDataFrame(tables["outreach"], geometry=geom, crs=crs)
    if len(services):
        layers["services"] = services
    return layers


def _land(region: Region, units: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    spec = next((b for b in region.boundaries if b.land), None)
    if spec is not None:
        return load_boundaries(region, spec.key)
    return None if units is None else units[["geometry"]]


# --- checks ------------------------------------------------------------------------------------


def check_analyses(prep: Prepared, analyses: tuple[Question, ...], threshold: object, *, custom: bool = False) -> None:
    problems = []
    if not analyses:
        problems.append("`analyses` is empty; give at least one MODE:CATEGORY:MINUTES")
    keys = [a.key for a in analyses]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        problems.append(f"analyses {dupes} are repeated; give each once")
    known = prep.category_keys()
    bad = [] if custom else sorted({a.category for a in analyses if a.category not in known})
    if bad:
        problems.append(f"categories {bad} are unknown; choose from {known}")
    bad_modes = sorted({a.mode for a in analyses if a.mode not in prep.networks})
    if bad_modes:
        problems.append(f"modes {bad_modes} have no network; choose from {list(prep.networks)}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 0:
        problems.append(f"`threshold` must be a whole number 0 or more (0 turns protection off), not {threshold!r}")
    if problems:
        msg = "; ".join(problems) + "."
        raise DataError(msg[0].upper() + msg[1:])
