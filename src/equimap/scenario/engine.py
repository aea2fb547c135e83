"""What a scenario changes, for whom: before, after and change per group, urbanisation class, cell and council.

:class:`ScenarioAnalysis` answers one access question (an :class:`~equimap.analysis.core.Analysis`
of the region's sites, "before") for the sites after a scenario ("after", the same
analysis with the changed sites, its access table updated by :mod:`equimap.scenario.fast`).
Every figure before and after is a figure of a protected analysis table; a change is
after minus before, of those protected values.

Protection of changes
---------------------
Two protected tables can still reveal a small count by their difference: the residents
of a group who come within the threshold thanks to one new site are a small area's
count. So for every row (group, class, cell, council) the engine also counts, in whole
residents, those who come within the threshold (``gaining``), those who fall beyond it
(``losing``) and those whose time changes at all (``changing``), and protects these
counts like any table (:func:`equimap.protect.suppression.suppress_counts`: primary
suppression of ``0 < v < suppress_below`` and secondary suppression within each group
dimension and against totals). Where ``gaining`` or ``losing`` is hidden, the row's
residents beyond and share beyond *after* and their change are hidden; where
``changing`` is hidden, its mean time after and its change are. With several
scenarios side by side the rule is applied to every pair of situations, so no two
visible columns differ by a hidden count. Cell and council times are shown as their
protected tables show them (a time is not a count); their counts follow the rule.

What this does not do: it does not protect against a reader who runs many scenarios
and combines them (the figures of each are protected; their combinations are not checked).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap.analysis import tables as tb
from equimap.analysis.core import Analysis
from equimap.protect.suppression import suppress_counts
from equimap.protect.tables import CLASS_ROUNDING, GROUP_ROUNDING, controlled_round, round_to
from equimap.region.census import unknown_column
from equimap.scenario.changes import Scenario, apply_changes
from equimap.scenario.fast import access_after, base_access

log = logging.getLogger(__name__)

__all__ = ["FLOWS", "MAX_SCENARIOS", "STATS", "ScenarioAnalysis", "compare_scenarios"]

#: Scenarios shown side by side against the current situation at most.
MAX_SCENARIOS = 4
#: The figures compared (columns of the groups table).
STATS = ("mean_min", "pop_beyond", "share_beyond")
#: Residents counted per row: newly within the threshold, newly beyond it, with another time.
FLOWS = ("gaining", "losing", "changing")


class ScenarioAnalysis:
    """One scenario of one access question: the analyses before and after, and their protected comparison.

    Parameters
    ----------
    before
        The analysis of the region's own sites (no ``services=``); its options
        (bootstrap, protection, councils) are the after analysis' too.
    scenario
        The changes (:mod:`equimap.scenario.changes`); its category must be the question's or None.
    n_boot
        Bootstrap replicates of the after analysis' gap intervals (`before`'s by default);
        the comparison does not use intervals, so an interactive view can give 0.

    Raises
    ------
    DataError
        One sentence for a removed or moved site that does not exist, or a new point
        further than the snapping limit from the mode's network.
    """

    def __init__(self, before: Analysis, scenario: Scenario, *, n_boot: int | None = None) -> None:
        if before.custom_services is not None:
            msg = "A scenario changes the region's own sites; start from an analysis without `services=`."
            raise DataError(msg)
        prep, q = before.prepared, before.question
        self.before = before
        self.scenario = scenario.with_category(q.category)
        base = base_access(prep, q.mode, q.category)
        self.services = apply_changes(base.services, self.scenario)
        check_reach(before, self.services)
        access = access_after(prep, base, self.services)
        self.after = Analysis(
            prep,
            q,
            n_boot=before.n_boot if n_boot is None else n_boot,
            seed=before.seed,
            suppress_below=before.suppress_below,
            councils=before.councils_key,
            services=self.services,
            access=access,
        )
        self._memo: dict[Any, Any] = {}

    def __repr__(self) -> str:
        return f"ScenarioAnalysis({self.scenario.name!r}, {self.before!r})"

    def located_scenario(self) -> Scenario:
        """Return the scenario with its removed sites at their places (what a scenario file holds)."""
        return self.scenario.located(self.before.services())

    @property
    def name(self) -> str:
        """Return the scenario's name."""
        return self.scenario.name

    def groups(self) -> pd.DataFrame:
        """Return, per group (all residents first), the mean time, residents beyond and share beyond before, after, change.

        Index: the group's population column (``T``, ``NAT``...). Columns ``dimension``,
        ``label``, ``pop``, ``<stat>_before``, ``<stat>_after``, ``<stat>_change`` for
        :data:`STATS`, and ``gaining`` / ``losing`` (residents newly within / beyond the
        threshold, to the nearest 10).
        """
        if "groups" not in self._memo:
            self._memo["groups"] = compare_scenarios(self.before, [self], table="groups", flat=False)[1][0]
        return self._memo["groups"]

    def classes(self, level: int = 2) -> pd.DataFrame | None:
        """Return the same comparison per Degree of Urbanisation class (None without a grid)."""
        key = ("classes", level)
        if key not in self._memo:
            out = compare_scenarios(self.before, [self], table=f"classes_l{level}", flat=False)
            self._memo[key] = None if out is None else out[1][0]
        return self._memo[key]

    def cells(self) -> gpd.GeoDataFrame:
        """Return every census cell with its time and residents beyond before, after and change (cell polygons)."""
        if "cells" not in self._memo:
            self._memo["cells"] = compare_scenarios(self.before, [self], table="cells", flat=False)[1][0]
        return self._memo["cells"]

    def councils(self) -> gpd.GeoDataFrame | None:
        """Return the same per council (None when the region has no councils)."""
        if "councils" not in self._memo:
            out = compare_scenarios(self.before, [self], table="councils", flat=False)
            self._memo["councils"] = None if out is None else out[1][0]
        return self._memo["councils"]

    def places(self, kind: str = "cells", *, n: int = 10) -> pd.DataFrame:
        """Return the `n` places (cells or councils) that gain most and the `n` that lose most.

        Ranked by the change in residents beyond the threshold (hidden changes are left
        out), then by the change in time. Column ``direction`` is ``gain`` or ``loss``.
        """
        table = self.cells() if kind == "cells" else self.councils()
        if table is None:
            return pd.DataFrame()
        t = pd.DataFrame(table.drop(columns="geometry"))
        t = t[t["beyond_T_change"].notna() & ((t["beyond_T_change"] != 0) | (t["time_min_change"].fillna(0) != 0))]
        gain = t[(t["beyond_T_change"] < 0) | ((t["beyond_T_change"] == 0) & (t["time_min_change"] < 0))]
        loss = t[(t["beyond_T_change"] > 0) | ((t["beyond_T_change"] == 0) & (t["time_min_change"] > 0))]
        gain = gain.sort_values(["beyond_T_change", "time_min_change"]).head(n).assign(direction="gain")
        loss = (
            loss.sort_values(["beyond_T_change", "time_min_change"], ascending=False).head(n).assign(direction="loss")
        )
        return pd.concat([gain, loss])


def check_reach(before: Analysis, services: gpd.GeoDataFrame) -> None:
    """Raise one sentence if a scenario's new point is further than the snapping limit from the mode's network."""
    prep = before.prepared
    new = services["source"].eq("scenario").to_numpy()
    base = prep.services_for(before.category).set_index("service_id").geometry
    ids = services["service_id"].astype(str)
    old = base.reindex(ids)
    moved = old.notna().to_numpy() & ~np.asarray(old.geom_equals(services.geometry.set_axis(ids)), bool)
    check = new | moved
    if not check.any():
        return
    pts = services[check]
    node, _ = prep.snap(before.mode, pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    far = pts[node < 0]
    if len(far):
        lonlat = far.geometry.to_crs("EPSG:4326")
        shown = ", ".join(f"{s} at {p.x:.5f},{p.y:.5f}" for s, p in zip(far["service_id"], lonlat, strict=True))
        msg = (
            f"The sites {shown} are more than {prep.travel.max_snap_m:g} m from the {before.mode} network "
            "(in the sea or outside the region); move them next to a street."
        )
        raise DataError(msg)


# --- the comparison ------------------------------------------------------------------------------


def compare_scenarios(
    before: Analysis, scenarios: Sequence[ScenarioAnalysis], *, table: str = "groups", flat: bool = True
) -> Any:
    """Return one comparison table of up to :data:`MAX_SCENARIOS` scenarios against the current situation.

    Parameters
    ----------
    before
        The analysis of the current situation (every scenario's `before`).
    scenarios
        The scenarios, in the order of their columns.
    table
        ``"groups"``, ``"classes_l1"``, ``"classes_l2"``, ``"cells"`` or ``"councils"``.
    flat
        One table side by side (columns ``<stat>_before``, then ``<scenario>: <stat>_after``
        and ``<scenario>: <stat>_change``) when True; otherwise (before table, [one table
        per scenario]).

    Returns
    -------
    pandas.DataFrame or tuple, or None when the region has no such table.
    """
    if not 1 <= len(scenarios) <= MAX_SCENARIOS:
        msg = f"Compare 1 to {MAX_SCENARIOS} scenarios at once, not {len(scenarios)}; drop some."
        raise DataError(msg)
    if any(s.before is not before for s in scenarios):
        msg = "Every scenario compared must start from the same analysis; build them from one `before`."
        raise DataError(msg)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        msg = f"Scenario names {names} repeat; give each scenario its own name."
        raise DataError(msg)
    states = [before, *(s.after for s in scenarios)]
    figures = _figures(states, table)
    if figures is None:
        return None
    hidden = _hidden(before, states, table)
    parts = [_one(figures[0], figures[j], hidden[j]) for j in range(1, len(states))]
    if not flat:
        return figures[0], parts
    out = parts[0][[c for c in parts[0].columns if not c.endswith(("_after", "_change")) and c not in FLOWS]].copy()
    for name, part in zip(names, parts, strict=True):
        for c in part.columns:
            if c.endswith(("_after", "_change")) or c in FLOWS:
                out[f"{name}: {c}"] = part[c]
    return out


def _figures(states: list[Analysis], table: str) -> list[pd.DataFrame] | None:
    """Return each state's protected figures of `table` with common column names (``<stat>``)."""
    out = []
    for a in states:
        if table == "groups":
            g = a.groups()
            f = g[["dimension", "label", "pop", *STATS]].copy()
        elif table.startswith("classes_l"):
            c = a.classes(int(table[-1]))
            if c is None:
                return None
            f = c[["label", "T", "beyond_T", "share_beyond"]].copy()
            f.insert(2, "time_min", _class_means(a, int(table[-1])).reindex(f.index))
            f.loc[f["T"].isna(), "time_min"] = np.nan
        elif table == "cells":
            c = a.cells()
            f = c[["council", "degurba_l2", "T", "time_nearest_min", "beyond_T", "share_beyond", "geometry"]]
            f = f.rename(columns={"time_nearest_min": "time_min"})
        elif table == "councils":
            c = a.councils()
            if c is None:
                return None
            f = c[["name", "T", "time_nearest_min", "beyond_T", "share_beyond", "geometry"]]
            f = f.rename(columns={"time_nearest_min": "time_min"})
        else:
            raise KeyError(table)
        out.append(f)
    return out


def _compared(table: str) -> tuple[list[str], list[str], str]:
    """Return (count-like columns, time columns, the count of the row's residents) of `table`."""
    if table == "groups":
        return ["pop_beyond", "share_beyond"], ["mean_min"], "pop"
    return ["beyond_T", "share_beyond"], ["time_min"], "T"


def _one(before: pd.DataFrame, after: pd.DataFrame, hidden: pd.DataFrame) -> pd.DataFrame:
    """Return before, after and change of one scenario, with after and change hidden where `hidden` says."""
    stats = [c for c in before.columns if c in (*STATS, "time_min", "beyond_T", "share_beyond")]
    keep = [c for c in before.columns if c not in stats]
    out = before[keep].copy()
    for s in stats:
        a = after[s].reindex(before.index).astype(float)
        col = "counts" if s in ("pop_beyond", "share_beyond", "beyond_T") else "times"
        if col == "times" and "geometry" in before.columns:  # cell and council times: as their tables show them
            col = None
        if col is not None:
            a = a.where(~hidden[col].reindex(before.index).fillna(False).to_numpy(bool))
        out[f"{s}_before"] = before[s].astype(float)
        out[f"{s}_after"] = a
        out[f"{s}_change"] = a - before[s].astype(float)
    for f in ("gaining", "losing"):
        out[f] = hidden[f].reindex(before.index)
    if "geometry" in out.columns:
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=before.crs)
        out = out[[c for c in out.columns if c != "geometry"] + ["geometry"]]
    return out


# --- small-count protection of the flows between situations -----------------------------------------


def _hidden(before: Analysis, states: list[Analysis], table: str) -> list[pd.DataFrame | None]:
    """Return, per state after the first, which rows hide their counts and times, and the visible flows.

    Columns ``counts`` and ``times`` (bool) and ``gaining``, ``losing`` (rounded, NaN where
    hidden or where the state is hidden against an earlier one).
    """
    prep = before.prepared
    thr_s = before.question.threshold_s
    times = [a.access()["time_nearest_s"].to_numpy(float) for a in states]
    units, sets, total = _units(before, table)
    out: list[pd.DataFrame | None] = [None]
    for j in range(1, len(states)):
        counts = pd.Series(False, index=units.index_labels)
        tms = pd.Series(False, index=units.index_labels)
        shown = {}
        for i in range(j):
            flows = _flow_masks(times[i], times[j], thr_s)
            hid = {f: _protected_flow(prep, flows[f], units, sets, total, before.suppress_below) for f in FLOWS}
            counts |= hid["gaining"][0] | hid["losing"][0]
            tms |= hid["changing"][0]
            if i == 0:
                shown = {f: hid[f][1] for f in ("gaining", "losing")}
        frame = pd.DataFrame({"counts": counts, "times": tms})
        for f in ("gaining", "losing"):
            vals = shown[f].where(~counts)
            frame[f] = round_to(vals.to_numpy(float), CLASS_ROUNDING) if table.startswith("classes") else vals
        out.append(frame)
    return out


def _flow_masks(t_from: np.ndarray, t_to: np.ndarray, thr_s: float) -> dict[str, np.ndarray]:
    beyond_from, beyond_to = ~(t_from <= thr_s), ~(t_to <= thr_s)
    same = (t_from == t_to) | (np.isinf(t_from) & np.isinf(t_to))
    return {"gaining": beyond_from & ~beyond_to, "losing": ~beyond_from & beyond_to, "changing": ~same}


class _Units:
    """Which row of a comparison table each origin belongs to (internal)."""

    def __init__(self, labels: np.ndarray | None, index_labels: pd.Index, *, total_row: object | None) -> None:
        self.labels = labels  # None: one row per group (the groups table)
        self.index_labels = index_labels
        self.total_row = total_row


def _units(before: Analysis, table: str) -> tuple[_Units, dict[str, list[str]], str]:
    prep = before.prepared
    region = prep.region
    total = region.total_col
    sets = {g.key: [*g.columns, unknown_column(g.key)] for g in region.groups}
    if table == "groups":
        return _Units(None, before.groups().index, total_row=None), sets, total
    if table.startswith("classes_l"):
        level = int(table[-1])
        grid = tb.memo(prep, ("grid",), lambda: tb.classify(prep))
        cls = grid[f"degurba_l{level}"].astype(str).reindex(prep.origins["cell_id"]).to_numpy()
        idx = before.classes(level).index
        return _Units(cls, idx, total_row="total"), {}, total
    if table == "cells":
        cells = prep.origins["cell_id"].astype(str).to_numpy()
        return _Units(cells, before.cells().index.astype(str), total_row=None), {}, total
    units = tb.memo(prep, ("units", before.councils_key), lambda: tb.council_units(region, before.councils_key))
    where = tb.origin_councils(prep, units).astype(object).to_numpy()
    return _Units(where, before.councils().index, total_row=None), {}, total


def _protected_flow(
    prep, mask: np.ndarray, units: _Units, sets: dict[str, list[str]], total: str, threshold: int
) -> tuple[pd.Series, pd.Series]:
    """Return (hidden per row, whole-resident count per row rounded like the table) of the residents in `mask`."""
    cols = [total, *[c for m in sets.values() for c in m]]
    counts = prep.origins[cols].to_numpy(float) * mask[:, None]
    if units.labels is None:  # the groups table: one row, a column per group
        row = pd.DataFrame(counts.sum(axis=0)[None, :], columns=cols, index=["region"])
        row = _whole(row, total, sets)
        vals = pd.Series(round_to(row.iloc[0].to_numpy(float), GROUP_ROUNDING), index=cols).reindex(units.index_labels)
        if not _small(row.to_numpy(float), threshold):  # nothing to hide, nothing to hide it with
            return pd.Series(False, index=units.index_labels), vals
        res = suppress_counts(row, count_groups=sets or {"all": [total]}, total_col=total, threshold=threshold)
        hid = res.mask.iloc[0].reindex(units.index_labels).fillna(False).astype(bool)
        return hid, vals
    sums = pd.DataFrame({total: counts[:, 0]}).groupby(pd.Series(units.labels).fillna("__none__").to_numpy()).sum()
    sums = sums.reindex([u for u in units.index_labels if u != units.total_row], fill_value=0.0)
    sums[total] = np.round(sums[total])
    if units.total_row is not None:
        sums.loc[units.total_row, total] = sums[total].sum()
    if not _small(sums[total].to_numpy(float), threshold):
        return pd.Series(False, index=units.index_labels), sums[total].reindex(units.index_labels)
    res = suppress_counts(
        sums, count_groups={"pop": [total]}, total_col=None, threshold=threshold, totals_row=units.total_row
    )
    hid = res.mask[total].reindex(units.index_labels).fillna(False).astype(bool)
    return hid, sums[total].reindex(units.index_labels)


def _small(values: np.ndarray, threshold: int) -> bool:
    """Return whether any count is small (``0 < v < threshold``): only then does protection hide anything."""
    return bool(((values > 0) & (values < threshold)).any())


def _whole(row: pd.DataFrame, total: str, sets: dict[str, list[str]]) -> pd.DataFrame:
    out = row.copy()
    t = np.round(row[total].to_numpy(float))
    out[total] = t
    for members in sets.values():
        out[members] = controlled_round(row[members].to_numpy(float), t)
    return out


def _class_means(a: Analysis, level: int) -> pd.Series:
    """Return the mean time (min) to the nearest site of the residents of each urbanisation class (and ``total``)."""
    prep = a.prepared
    grid = tb.memo(prep, ("grid",), lambda: tb.classify(prep))
    cls = grid[f"degurba_l{level}"].astype(str).reindex(prep.origins["cell_id"]).to_numpy()
    t = a.access()["time_nearest_s"].to_numpy(float)
    w = prep.origins[prep.region.total_col].to_numpy(float)
    fin = np.isfinite(t)
    frame = pd.DataFrame({"c": cls[fin], "wt": w[fin] * t[fin], "w": w[fin]})
    g = frame.groupby("c")[["wt", "w"]].sum()
    out = (g["wt"] / g["w"]).where(g["w"] > 0) / 60
    out.loc["total"] = float(frame["wt"].sum() / frame["w"].sum()) / 60 if frame["w"].sum() > 0 else np.nan
    return out
