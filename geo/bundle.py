"""Gather every table and map layer of an analysis in one place, protected against small counts.

A *bundle* is what leaves equimap for one region and a set of analyses (a mode, a
service category and a time threshold each): the group gaps, the per-cell and
per-council figures, the Degree of Urbanisation summary and the map layers. Every
export format (:mod:`geo.bundle_files`), the static maps (:mod:`geo.staticmap`),
the HTML map (:mod:`geo.htmlmap`) and the PDF report (:mod:`geo.report`) read the
same bundle, so a figure in the report is the figure in the spreadsheet.

Protection. Resident counts are first rounded to whole numbers (residents are
spread over network nodes, so sums over a council are fractional) in a way that
keeps every group adding up to its total and every "beyond the threshold" count
within its group. Then each table goes through :func:`geo.privacy.suppress_counts`
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
  for the same reason (a class total minus its visible cells).

With ``threshold=0`` nothing is hidden or rounded beyond whole residents, and every
file says it is unprotected.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo._errors import DataError
from geo.boundaries import load_boundaries
from geo.diversity import foreign_born_shares, simpson_index
from geo.gaps import group_gaps
from geo.groups import cell_summary, group_summary
from geo.population import unknown_column
from geo.prepare import Prepared
from geo.privacy import DEFAULT_THRESHOLD, SuppressionResult, protection_header, suppress_counts
from geo.region import Region
from geo.settings import Mode
from geo.urbanisation import L1_LABELS, L2_LABELS, classify_grid, classify_units

log = logging.getLogger(__name__)

#: Row of the councils table holding residents who live in no council.
OUTSIDE = "outside"
#: Row holding the column totals (councils table, urbanisation tables).
TOTAL = "total"
#: The urbanisation tables' counts are rounded to this many residents when protected.
CLASS_ROUNDING = 100
#: The groups table's counts (region totals) are rounded to this many residents when protected.
GROUP_ROUNDING = 10
#: Per-analysis columns of the cells and councils tables, after the analysis key prefix.
TIME_COLUMNS = ("time_nearest_min", "time_mean3_min")
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Analysis:
    """One access question: residents beyond `threshold_min` minutes from `category` by `mode`."""

    mode: Mode
    category: str
    threshold_min: float

    @property
    def key(self) -> str:
        """Return the column prefix of this analysis, e.g. ``"walk_health_15min"``."""
        return f"{self.mode}_{self.category}_{self.threshold_min:g}min".replace(".", "_")

    @property
    def threshold_s(self) -> float:
        """Return the threshold in seconds."""
        return 60.0 * self.threshold_min

    def col(self, name: str) -> str:
        """Return the name of this analysis' column `name` (``"walk_health_15min_beyond_T"``)."""
        return f"{self.key}_{name}"


#: The report's default questions: health services on foot in 15 min, a hospital by car in 20 min.
DEFAULT_ANALYSES: tuple[Analysis, ...] = (
    Analysis("walk", "health", 15.0),
    Analysis("drive", "hospital_official", 20.0),
)


def parse_analysis(spec: str) -> Analysis:
    """Return the analysis written ``MODE:CATEGORY:MINUTES`` (``"walk:health:15"``)."""
    parts = spec.split(":")
    ok = len(parts) == 3 and parts[0] in settings.MODES and parts[1] != ""
    minutes = math.nan
    if ok:
        try:
            minutes = float(parts[2])
        except ValueError:
            ok = False
    if not ok or not (math.isfinite(minutes) and minutes > 0):
        msg = f"Analysis `{spec}` is not MODE:CATEGORY:MINUTES with MODE one of {list(settings.MODES)}; write e.g. `walk:health:15`."
        raise DataError(msg)
    return Analysis(parts[0], parts[1], minutes)  # type: ignore[arg-type]


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
        ``urbanisation_l2`` (index ``class``, with a :data:`TOTAL` row), ``services``
        and, when `geo.outreach` provides it, ``outreach``.
    layers
        Map layers in the region CRS: ``cells`` (census cell squares), ``councils``
        (polygons, without the outside and total rows), ``services`` (points).
    results
        The :class:`~geo.privacy.SuppressionResult` of each protected table.
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
    """

    region: Region
    analyses: tuple[Analysis, ...]
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

    @property
    def protected(self) -> bool:
        """Return whether small-count protection was applied."""
        return self.threshold > 0

    def header(self, lang: str = "en") -> dict[str, object]:
        """Return :func:`geo.privacy.protection_header` over every protected table."""
        return protection_header(list(self.results.values()), lang=lang)

    def notice(self, lang: str = "en") -> str:
        """Return the one-line protection notice that opens every file."""
        return str(self.header(lang)["text"])

    def group_sets(self) -> dict[str, list[str]]:
        """Return each group dimension's additive count columns (its groups and its unknown column)."""
        return {g.key: [*g.columns, unknown_column(g.key)] for g in self.region.groups}


def build_bundle(
    prep: Prepared,
    analyses: Sequence[Analysis] = DEFAULT_ANALYSES,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    councils: str | None = "councils",
    n_boot: int = 999,
    seed: int = 0,
    progress: Progress | None = None,
) -> Bundle:
    """Compute and protect every table and layer of `analyses` on a prepared region.

    Parameters
    ----------
    prep
        A prepared region (:func:`geo.prepare.prepare_region`); not changed.
    analyses
        The questions to answer, at least one, no two the same.
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
    analyses = tuple(analyses)
    _check_analyses(prep, analyses, threshold)
    region = prep.region
    sets = {g.key: [*g.columns, unknown_column(g.key)] for g in region.groups}
    counts = list(prep.count_columns)
    access = {a.key: prep.access(a.mode, a.category) for a in analyses}

    say("Group gaps with bootstrap intervals", 0.1)
    groups = _groups_table(prep, analyses, access, n_boot=n_boot, seed=seed)
    say("Figures per census cell", 0.35)
    cells = _cells_table(prep, analyses, access, sets)
    grid = _classify(prep)
    if grid is not None:
        cells = cells.join(grid[["density_km2", "degurba_l1", "degurba_l1_label", "degurba_l2", "degurba_l2_label"]])
    units = _council_units(prep.region, councils)
    council_table = None
    if units is not None:
        say("Figures per council", 0.45)
        council_table = _councils_table(prep, analyses, access, sets, units, grid)

    say("Small-count protection", 0.55)
    results = {"groups": _protect_groups(groups, threshold)}
    results["cells"] = _protect_areas(cells, analyses, sets, counts, threshold, totals_row=None)
    if council_table is not None:
        results["councils"] = _protect_areas(council_table, analyses, sets, counts, threshold, totals_row=TOTAL)
    if grid is not None:
        for level in (1, 2):
            raw = _class_table(cells, analyses, level=level, rounding=CLASS_ROUNDING if threshold > 0 else 1)
            results[f"urbanisation_l{level}"] = _protect_classes(raw, analyses, threshold)

    tables = {name: r.table for name, r in results.items()}
    if threshold > 0:
        tables["groups"] = _round_groups(tables["groups"])
    services = _services(prep, analyses)
    tables["services"] = _services_table(services)
    outreach = _outreach(prep, analyses)
    if outreach is not None:
        tables["outreach"] = outreach

    layers = {
        "cells": gpd.GeoDataFrame(
            tables["cells"].join(prep.population[["geometry"]]), geometry="geometry", crs=prep.population.crs
        ),
    }
    if council_table is not None:
        real = tables["councils"].drop(index=[OUTSIDE, TOTAL])
        layers["councils"] = gpd.GeoDataFrame(
            real.join(units.set_index("council_id")[["geometry"]]), geometry="geometry", crs=units.crs
        )
    if len(services):
        layers["services"] = services
    say("Tables ready", 0.6)
    return Bundle(
        region=region,
        analyses=analyses,
        tables=tables,
        layers=layers,
        results=results,
        threshold=int(threshold),
        created=dt.date.today(),
        category_labels={a.category: prep.category_label(a.category) for a in analyses},
        land=_land(region, units),
        n_boot=n_boot,
        seed=seed,
        count_columns=tuple(counts),
    )


# --- checks ------------------------------------------------------------------------------------


def _check_analyses(prep: Prepared, analyses: tuple[Analysis, ...], threshold: object) -> None:
    problems = []
    if not analyses:
        problems.append("`analyses` is empty; give at least one MODE:CATEGORY:MINUTES")
    keys = [a.key for a in analyses]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        problems.append(f"analyses {dupes} are repeated; give each once")
    known = prep.category_keys()
    bad = sorted({a.category for a in analyses if a.category not in known})
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


# --- tables ------------------------------------------------------------------------------------

_GAP_STATS = {  # group_gaps column -> (bundle column, scale)
    "mean_time_s": ("mean_min", 1 / 60),
    "median_time_s": ("median_min", 1 / 60),
    "share_beyond": ("share_beyond", 1.0),
    "mean_diff_s": ("mean_diff_min", 1 / 60),
    "mean_rel_diff": ("mean_rel_diff", 1.0),
    "median_diff_s": ("median_diff_min", 1 / 60),
    "median_rel_diff": ("median_rel_diff", 1.0),
    "share_beyond_diff_pp": ("share_beyond_diff_pp", 1.0),
    "representation_ratio": ("representation_ratio", 1.0),
}
#: Columns of the groups table that describe a statistic (hidden with their group's count).
GROUP_STAT_COLUMNS: tuple[str, ...] = (
    "share_unreachable",
    *[f"{name}{s}" for name, _ in _GAP_STATS.values() for s in ("", "_lo", "_hi")],
    "p90_min",
)


def _groups_table(
    prep: Prepared, analyses: tuple[Analysis, ...], access: dict[str, pd.DataFrame], *, n_boot: int, seed: int
) -> pd.DataFrame:
    """Return one row per analysis, dimension and group: counts, times and gaps with intervals."""
    region = prep.region
    rows = []
    for a in analyses:
        time_s = access[a.key]["time_nearest_s"]
        total = {region.total_col: "All residents"}
        dims = [("all", total, region.total_col), *[(d.key, d.columns, d.reference) for d in region.groups]]
        for dim_key, cols, ref in dims:
            summ = group_summary(prep.origins, time_s, groups=cols, threshold_s=a.threshold_s)
            gaps = group_gaps(
                prep.origins,
                time_s,
                groups=cols,
                reference=ref,
                threshold_s=a.threshold_s,
                total=region.total_col,
                n_boot=n_boot if dim_key != "all" else 0,
                seed=seed,
            )
            frame = pd.DataFrame(
                {
                    "analysis": a.key,
                    "mode": a.mode,
                    "category": a.category,
                    "threshold_min": a.threshold_min,
                    "dimension": dim_key,
                    "group": list(cols),
                    "label": list(cols.values()),
                    "is_reference": gaps["is_reference"].to_numpy() if dim_key != "all" else False,
                    "pop": np.round(summ["pop"].to_numpy()),
                    "pop_beyond": np.round(summ["pop_beyond"].to_numpy()),
                    "pop_unreachable": np.round(summ["pop_unreachable"].to_numpy()),
                    "share_unreachable": gaps["share_unreachable"].to_numpy(),
                }
            )
            for src, (name, scale) in _GAP_STATS.items():
                for s in ("", "_lo", "_hi"):
                    frame[f"{name}{s}"] = gaps[f"{src}{s}"].to_numpy() * scale
            frame["p90_min"] = summ["p90_min"].to_numpy()
            if dim_key == "all":
                diff_cols = [c for c in frame.columns if "diff" in c or c.startswith("representation")]
                frame[diff_cols] = np.nan
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def _cells_table(
    prep: Prepared, analyses: tuple[Analysis, ...], access: dict[str, pd.DataFrame], sets: dict[str, list[str]]
) -> pd.DataFrame:
    """Return one row per census cell: residents by group, diversity, and each analysis' figures."""
    counts = list(prep.count_columns)
    out: pd.DataFrame | None = None
    for a in analyses:
        s = cell_summary(prep.origins, access[a.key], count_columns=counts, threshold_s=a.threshold_s)
        if out is None:
            out = s[counts].copy()
        keep = [*TIME_COLUMNS, *[c for c in s.columns if c.startswith("n_within_")]]
        keep += [f"beyond_{c}" for c in counts]
        out = out.join(s[keep].rename(columns=a.col))
    assert out is not None
    out = out.reindex(prep.population.index).fillna({c: 0.0 for c in out.columns if not c.endswith("_min")})
    out.index.name = "cell_id"
    return _finish_area_table(_round_counts(out, prep.region.total_col, sets, analyses), prep.region, analyses)


def _council_units(region: Region, key: str | None) -> gpd.GeoDataFrame | None:
    """Return the council polygons with a string ``council_id``, ``name`` and ``island``, or None."""
    if key is None or key not in {b.key for b in region.boundaries}:
        return None
    units = load_boundaries(region, key).reset_index()
    units["council_id"] = units["unit_id"].astype(str)
    land_spec = next((b for b in region.boundaries if b.land and b.key != key), None)
    if land_spec is not None:
        islands = load_boundaries(region, land_spec.key)
        ui, ii = islands.sindex.query(units.geometry, predicate="intersects")
        area = shapely.area(shapely.intersection(units.geometry.to_numpy()[ui], islands.geometry.to_numpy()[ii]))
        best = pd.DataFrame({"u": ui, "i": ii, "a": area}).sort_values(["a", "i"]).drop_duplicates("u", keep="last")
        units["island"] = pd.Series(islands["name"].to_numpy()[best["i"]], index=best["u"].to_numpy())
    return units


def _councils_table(
    prep: Prepared,
    analyses: tuple[Analysis, ...],
    access: dict[str, pd.DataFrame],
    sets: dict[str, list[str]],
    units: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Return one row per council, one for residents outside every council, and a totals row."""
    o = prep.origins
    counts = list(prep.count_columns)
    inside, which = units.sindex.query(shapely.points(o["x"].to_numpy(), o["y"].to_numpy()), predicate="within")
    first = pd.Series(which, index=inside).groupby(level=0).min()  # overlapping polygons: the first wins
    where = np.full(len(o), OUTSIDE, dtype=object)
    where[first.index.to_numpy()] = units["council_id"].to_numpy()[first.to_numpy()]
    w = o[prep.region.total_col].to_numpy(float)
    frame = {"council_id": where, **{c: o[c].to_numpy(float) for c in counts}}
    for a in analyses:
        acc = access[a.key]
        beyond = ~(acc["time_nearest_s"].to_numpy(float) <= a.threshold_s)
        for c in counts:
            frame[a.col(f"beyond_{c}")] = np.where(beyond, o[c].to_numpy(float), 0.0)
        for col, name in (("time_nearest_s", "time_nearest_min"), ("time_mean3_s", "time_mean3_min")):
            t = acc[col].to_numpy(float)
            fin = np.isfinite(t)
            frame[f"_wt_{a.key}_{name}"] = np.where(fin, t * w, 0.0)
            frame[f"_w_{a.key}_{name}"] = np.where(fin, w, 0.0)
    g = pd.DataFrame(frame).groupby("council_id", sort=False).sum()
    g = g.reindex([*units["council_id"], OUTSIDE], fill_value=0.0)
    table = g[[c for c in g.columns if not c.startswith("_w")]].copy()
    for a in analyses:
        for name in TIME_COLUMNS:
            den = g[f"_w_{a.key}_{name}"]
            table[a.col(name)] = (g[f"_wt_{a.key}_{name}"] / den).where(den > 0) / 60.0
    table = _round_counts(table, prep.region.total_col, sets, analyses)
    table = _with_total(table, counts, analyses)
    for a in analyses:  # the totals row gets the mean over every resident who can reach a service
        for name in TIME_COLUMNS:
            den = g[f"_w_{a.key}_{name}"].sum()
            table.loc[TOTAL, a.col(name)] = g[f"_wt_{a.key}_{name}"].sum() / den / 60.0 if den > 0 else np.nan
    table = _finish_area_table(table, prep.region, analyses)
    info = units.set_index("council_id")
    table.insert(0, "name", info["name"].reindex(table.index))
    if "island" in info:
        table.insert(1, "island", info["island"].reindex(table.index))
    if grid is not None:
        land = "land_share" if "land_share" in grid.columns else None
        res = classify_units(
            units[["council_id", "geometry"]],
            grid,
            unit_id_col="council_id",
            pop_col=prep.region.total_col,
            land_share_col=land,
        )
        res = res.set_index("council_id")
        for c in ("degurba_l1", "degurba_l1_label", "degurba_l2", "degurba_l2_label"):
            table[c] = res[c].reindex(table.index)
        table["degurba_l1"] = table["degurba_l1"].astype("Int64")
        table["degurba_l2"] = table["degurba_l2"].astype("Int64")
    table.index.name = "council_id"
    return table


def _with_total(table: pd.DataFrame, counts: list[str], analyses: tuple[Analysis, ...]) -> pd.DataFrame:
    """Return `table` with a :data:`TOTAL` row summing every count column (other columns empty)."""
    cols = [*counts, *[a.col(f"beyond_{c}") for a in analyses for c in counts]]
    total = table[cols].sum().to_frame(TOTAL).T
    return pd.concat([table, total.reindex(columns=table.columns)])


def _finish_area_table(table: pd.DataFrame, region: Region, analyses: tuple[Analysis, ...]) -> pd.DataFrame:
    """Add each analysis' share beyond and the birth diversity columns, from the rounded counts."""
    out = table.copy()
    total = region.total_col
    for a in analyses:
        out[a.col("share_beyond")] = (out[a.col(f"beyond_{total}")] / out[total]).where(out[total] > 0)
    birth = next((d for d in region.groups if d.key == "birth"), None)
    if birth is not None and len(birth.columns) == 3:
        native, eu, non_eu = birth.columns
        shares = foreign_born_shares(out.fillna(dict.fromkeys(birth.columns, 0.0)), native=native, eu=eu, non_eu=non_eu)
        out = out.join(shares)
        out["simpson"] = simpson_index(out[list(birth.columns)].fillna(0.0))
    return out


def _classify(prep: Prepared) -> gpd.GeoDataFrame | None:
    """Return the Degree of Urbanisation of each census cell, or None when the population is not a grid."""
    region = prep.region
    if region.population_kind != "grid" or not region.cell_size_m:
        return None
    pop = prep.population
    land = "land_share" if "land_share" in pop.columns else None
    return classify_grid(pop, pop_col=region.total_col, land_share_col=land, cell_size_m=float(region.cell_size_m))


def _class_table(cells: pd.DataFrame, analyses: tuple[Analysis, ...], *, level: int, rounding: int) -> pd.DataFrame:
    """Return residents and residents beyond each threshold per grid class of one level, rounded."""
    col = f"degurba_l{level}"
    labels = L1_LABELS if level == 1 else L2_LABELS
    total = "T" if "T" in cells.columns else cells.columns[0]
    beyond = [a.col(f"beyond_{total}") for a in analyses]
    real = cells.drop(index=TOTAL, errors="ignore")
    grouped = real.groupby(col)[[total, *beyond]].sum()
    n_cells = real.groupby(col).size()
    codes = list(labels)
    out = pd.DataFrame(index=pd.Index([str(c) for c in codes], name="class"))
    out["label"] = [labels[c] for c in codes]
    out["n_cells"] = n_cells.reindex(codes, fill_value=0).to_numpy(dtype=np.int64)
    for c in [total, *beyond]:
        out[c] = _round_to(grouped[c].reindex(codes, fill_value=0.0).to_numpy(float), rounding)
    row = {"label": "Total", "n_cells": int(out["n_cells"].sum())}
    for c in [total, *beyond]:  # the total is rounded on its own, so it need not equal the sum of rounded rows
        row[c] = float(_round_to(np.array([real[c].sum()]), rounding)[0])
    out.loc[TOTAL] = pd.Series(row)
    out["pop_share"] = (out[total] / out.at[TOTAL, total]) if out.at[TOTAL, total] > 0 else np.nan
    for a in analyses:
        b = a.col(f"beyond_{total}")
        out[a.col("share_beyond")] = (out[b] / out[total]).where(out[total] > 0)
    out.attrs["total_col"] = total
    return out


def _round_to(values: np.ndarray, base: int) -> np.ndarray:
    return np.round(values / base) * base


def _services(prep: Prepared, analyses: tuple[Analysis, ...]) -> gpd.GeoDataFrame:
    """Return the services of every analysis' category, one row per (category, site)."""
    parts = []
    for cat in dict.fromkeys(a.category for a in analyses):
        s = prep.services_for(cat)
        parts.append(
            gpd.GeoDataFrame(
                {
                    "selection": cat,
                    "service_id": s["service_id"].astype(str).to_numpy(),
                    "type": s["category"].to_numpy(),
                    "name": s["name"].to_numpy(),
                    "capacity": s["capacity"].to_numpy(float),
                },
                geometry=s.geometry.to_numpy(),
                crs=prep.services.crs,
            )
        )
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=prep.services.crs)


def _services_table(services: gpd.GeoDataFrame) -> pd.DataFrame:
    lonlat = services.geometry.to_crs("EPSG:4326")
    out = pd.DataFrame(services.drop(columns="geometry"))
    out["lon"] = lonlat.x.round(6).to_numpy()
    out["lat"] = lonlat.y.round(6).to_numpy()
    return out


def _land(region: Region, units: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    spec = next((b for b in region.boundaries if b.land), None)
    if spec is not None:
        return load_boundaries(region, spec.key)
    return None if units is None else units[["geometry"]]


def _outreach(prep: Prepared, analyses: tuple[Analysis, ...]) -> pd.DataFrame | None:
    """Return outreach targets from `geo.outreach.outreach_targets` when that module exists, else None.

    The function is called as ``outreach_targets(prep, mode=..., category=..., threshold_s=...)``
    for the first analysis; a module without it, or with another signature, is skipped.
    """
    try:
        from geo import outreach  # being written in parallel; the section is skipped without it
    except ImportError:
        return None
    fn = getattr(outreach, "outreach_targets", None)
    if fn is None:
        return None
    params = inspect.signature(fn).parameters
    if not {"mode", "category", "threshold_s"} <= set(params):
        log.warning("geo.outreach.outreach_targets has an unexpected signature; outreach section skipped")
        return None
    a = analyses[0]
    out = fn(prep, mode=a.mode, category=a.category, threshold_s=a.threshold_s)
    return pd.DataFrame(out) if out is not None and len(out) else None


# --- rounding and protection -------------------------------------------------------------------


def _controlled_round(values: np.ndarray, total: np.ndarray, caps: np.ndarray | None = None) -> np.ndarray:
    """Round each row of `values` (n, k) to whole numbers adding up to `total` (whole), each at most `caps`.

    Largest remainders go up first (Hamilton's method), so every value moves by less
    than 1 when the row's values add up to its total before rounding.
    """
    fl = np.floor(values + 1e-9)
    if caps is not None:
        fl = np.minimum(fl, caps)
    out = fl.copy()
    rem = values - fl
    need = np.round(total - fl.sum(axis=1)).astype(np.int64)
    for i in np.flatnonzero(need != 0):
        room = np.ones(values.shape[1], dtype=bool) if caps is None else out[i] < caps[i]
        if need[i] > 0:
            order = [j for j in np.argsort(-rem[i], kind="stable") if room[j]]
            for j in order[: need[i]]:
                out[i, j] += 1
        else:
            order = [j for j in np.argsort(rem[i], kind="stable") if out[i, j] > 0]
            for j in order[: -need[i]]:
                out[i, j] -= 1
    return out


def _round_counts(
    table: pd.DataFrame, total: str, sets: dict[str, list[str]], analyses: tuple[Analysis, ...]
) -> pd.DataFrame:
    """Return `table` with counts rounded to whole residents, keeping every group and subset relation."""
    out = table.copy()
    t = np.round(table[total].to_numpy(float))
    out[total] = t
    for members in sets.values():
        out[members] = _controlled_round(table[members].to_numpy(float), t)
    for a in analyses:
        bt = np.minimum(np.round(table[a.col(f"beyond_{total}")].to_numpy(float)), t)
        out[a.col(f"beyond_{total}")] = bt
        for members in sets.values():
            sub = [a.col(f"beyond_{m}") for m in members]
            out[sub] = _controlled_round(table[sub].to_numpy(float), bt, caps=out[members].to_numpy(float))
    return out


def _protect_groups(groups: pd.DataFrame, threshold: int) -> SuppressionResult:
    shares = {c: ["pop"] for c in GROUP_STAT_COLUMNS}
    shares["share_beyond"] = ["pop_beyond", "pop"]
    shares["share_unreachable"] = ["pop_unreachable", "pop"]
    return suppress_counts(
        groups,
        count_groups={"pop": ["pop"]},
        total_col=None,
        threshold=threshold,
        share_cols=shares,
        parents={"pop_beyond": "pop", "pop_unreachable": "pop"},
    )


def _protect_areas(
    table: pd.DataFrame,
    analyses: tuple[Analysis, ...],
    sets: dict[str, list[str]],
    counts: list[str],
    threshold: int,
    *,
    totals_row: str | None,
) -> SuppressionResult:
    """Protect a cells or councils table (with its totals row, if it has one)."""
    total = counts[0]
    groups: dict[str, list[str]] = {k: list(v) for k, v in sets.items()}
    group_totals: dict[str, str] = {}
    parents: dict[str, str] = {}
    shares: dict[str, list[str]] = {}
    for a in analyses:
        for k, members in sets.items():
            groups[f"{a.key}:{k}"] = [a.col(f"beyond_{m}") for m in members]
            group_totals[f"{a.key}:{k}"] = a.col(f"beyond_{total}")
        for c in counts:
            parents[a.col(f"beyond_{c}")] = c
        shares[a.col("share_beyond")] = [a.col(f"beyond_{total}"), total]
    birth = sets.get("birth", [])
    for c in ("eu_share", "non_eu_share", "foreign_share", "simpson"):
        if c in table.columns:
            shares[c] = [total, *birth]
    if "density_km2" in table.columns:
        shares["density_km2"] = [total]
    return suppress_counts(
        table,
        count_groups=groups,
        total_col=total,
        threshold=threshold,
        share_cols=shares,
        group_totals=group_totals,
        parents=parents,
        totals_row=totals_row,
    )


def _round_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """Return the protected groups table with counts to the nearest :data:`GROUP_ROUNDING` and shares to 4 decimals.

    The groups' counts are the column totals of the cells table; rounded, a reader
    cannot subtract the visible cells from them to recover hidden ones.
    """
    out = groups.copy()
    for c in ("pop", "pop_beyond", "pop_unreachable"):
        out[c] = _round_to(out[c].to_numpy(float), GROUP_ROUNDING)
    for c in out.columns:
        if c.startswith("share_beyond_diff_pp"):  # percentage points: as precise as a share to 4 decimals
            out[c] = out[c].round(2)
        elif c.startswith(("share_", "representation_ratio", "mean_rel", "median_rel")):
            out[c] = out[c].round(4)
    return out


def _protect_classes(table: pd.DataFrame, analyses: tuple[Analysis, ...], threshold: int) -> SuppressionResult:
    """Protect an urbanisation table (already rounded; its rounded total is not an exact sum, so no totals row)."""
    total = table.attrs.get("total_col", "T")
    shares = {a.col("share_beyond"): [a.col(f"beyond_{total}"), total] for a in analyses}
    shares["pop_share"] = [total]
    return suppress_counts(
        table,
        count_groups={"pop": [total]},
        total_col=None,
        threshold=threshold,
        share_cols=shares,
        parents={a.col(f"beyond_{total}"): total for a in analyses},
    )
