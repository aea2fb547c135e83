"""The analysis layer: one access question on one prepared region, each table computed once.

An :class:`Analysis` answers "who lives more than `threshold_min` minutes from the
nearest `category` by `mode`?" and holds every table that answer is told with: the
groups (with the gaps against the reference group and their bootstrap intervals),
the census cells, the councils, the Degree of Urbanisation classes and the outreach
targets. Each table is computed on first use, by the same functions that build a
report's :class:`~equimap.analysis.bundle.Bundle`, rounded to whole residents and
protected against small counts in one way. The app's map, popups and pages, the PDF,
every export and the CLI read these tables; none computes its own copy, so the screen
and the paper cannot disagree.

Tables of one question carry plain column names (``beyond_T``, ``time_nearest_min``,
``share_beyond``); a bundle of several questions prefixes them with each question's
key (``walk_health_15min_beyond_T``).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from equimap._errors import DataError
from equimap.analysis import bundle as bd
from equimap.analysis import tables as tb
from equimap.analysis.bundle import Bundle, assemble_bundle, check_analyses
from equimap.analysis.place_gaps import place_gaps
from equimap.analysis.places import diverse_underserved
from equimap.analysis.question import Question
from equimap.analysis.speeds import with_group_times
from equimap.network.prepare import Prepared
from equimap.protect import tables as bp
from equimap.protect.suppression import DEFAULT_THRESHOLD, SuppressionResult
from equimap.region.manifest import MAIN_BOUNDARY
from equimap.settings import Mode

__all__ = ["DEFAULT_N_BOOT", "Analysis"]

#: Bootstrap replicates of the gap intervals unless the user chooses otherwise (screen and paper alike).
DEFAULT_N_BOOT = 999


class Analysis:
    """One access question answered on one prepared region; every table is computed once and kept.

    Parameters
    ----------
    prepared
        The prepared region (:func:`equimap.network.prepare.prepare_region`); read, never changed.
    question
        Mode, service category and threshold.
    n_boot, seed
        Cluster-bootstrap replicates and seed of the gap intervals.
    suppress_below
        Small-count threshold of the protected tables: counts ``0 < v < suppress_below``
        are hidden with every value that would reveal them. 0 turns protection off.
    councils
        Key of the boundary layer that figures are given by (a missing layer leaves
        the councils out).
    services
        Sites to use instead of the region's services of the category (e.g. a planner's
        uploaded list; points in the region CRS, as `equimap.region.services.load_service_file`
        reads them); `question.category` then names the list.
    access
        The access table of `services`, already computed (e.g. updated from today's by
        :func:`equimap.scenario.fast.access_after`); it must equal
        ``prepared.access(mode, category, services=services)``, which it stands in for.

    Notes
    -----
    The object is read-only once built and safe to share between app sessions: its
    tables are computed under no lock, so two threads asking for the same table at
    once may both compute it (with the same result).
    """

    def __init__(
        self,
        prepared: Prepared,
        question: Question,
        *,
        n_boot: int = DEFAULT_N_BOOT,
        seed: int = 0,
        suppress_below: int = DEFAULT_THRESHOLD,
        councils: str | None = MAIN_BOUNDARY,
        services: gpd.GeoDataFrame | None = None,
        access: pd.DataFrame | None = None,
    ) -> None:
        check_analyses(prepared, (question,), suppress_below, custom=services is not None)
        if access is not None:
            if services is None:
                msg = "An access table is given without the `services` it was computed for; give both."
                raise DataError(msg)
            prepared.keep_access(question.mode, question.category, services=services, table=access)
        self.prepared = prepared
        self.question = question
        self.n_boot = int(n_boot)
        self.seed = int(seed)
        self.suppress_below = int(suppress_below)
        self.councils_key = councils
        self.custom_services = services
        self._memo: dict[Any, Any] = {}

    @classmethod
    def from_prepared(
        cls,
        prepared: Prepared,
        *,
        mode: Mode,
        category: str,
        threshold_min: float,
        n_boot: int = DEFAULT_N_BOOT,
        seed: int = 0,
        suppress_below: int = DEFAULT_THRESHOLD,
    ) -> Analysis:
        """Return the analysis of `category` by `mode` with a threshold of `threshold_min` minutes."""
        return cls(
            prepared,
            Question(mode, category, float(threshold_min)),
            n_boot=n_boot,
            seed=seed,
            suppress_below=suppress_below,
        )

    def __repr__(self) -> str:
        q = self.question
        return f"Analysis({self.prepared.region.key!r}, mode={q.mode!r}, category={q.category!r}, threshold_min={q.threshold_min:g})"

    # --- what the analysis is about ---------------------------------------------------------

    @property
    def mode(self) -> Mode:
        """Return the travel mode."""
        return self.question.mode

    @property
    def category(self) -> str:
        """Return the service theme, category or official list."""
        return self.question.category

    @property
    def threshold_min(self) -> float:
        """Return the time threshold in minutes."""
        return self.question.threshold_min

    @property
    def protected(self) -> bool:
        """Return whether the tables are protected against small counts."""
        return self.suppress_below > 0

    def access(self) -> pd.DataFrame:
        """Return the access indicators of every origin (:meth:`Prepared.access`), indexed like the origins."""
        return self.prepared.access(self.mode, self.category, services=self.custom_services)

    def services(self) -> gpd.GeoDataFrame:
        """Return the services of the category (points in the region CRS)."""
        if self.custom_services is not None:
            return self.custom_services
        return self.prepared.services_for(self.category)

    # --- the tables -------------------------------------------------------------------------

    def groups(self, by: str | None = None, *, protect: bool = True) -> pd.DataFrame:
        """Return the figures of every resident group: residents, times, residents beyond, gaps with intervals.

        Parameters
        ----------
        by
            A group dimension of the region's manifest (e.g. ``"birth"``); None gives
            every dimension (none for a total-only region). The first row is always all residents (dimension ``all``).
        protect
            Hide small counts and round counts to 10 residents (the published figures).

        Returns
        -------
        pandas.DataFrame
            Index: the group's population column (``T``, ``NAT``...); columns as the
            report's groups table (``pop``, ``pop_beyond``, ``share_beyond``, ``mean_min``,
            ``median_min``, ``p90_min``, gaps ``*_diff_*`` with ``_lo``/``_hi`` bounds,
            ``representation_ratio``, ``is_reference``, ``dimension``, ``label``).
        """
        if by is not None:
            self.prepared.region.group(by)  # a clear error for an unknown dimension
        table = self._groups(protect)
        rows = table[(table["dimension"] == "all") | (by is None) | (table["dimension"] == by)]
        return rows.set_index("group")

    def gaps(self, by: str, *, protect: bool = True) -> pd.DataFrame:
        """Return the groups of dimension `by` with their gaps against the reference group (no "all" row)."""
        g = self.groups(by, protect=protect)
        return g[g["dimension"] == by]

    def cells(self, *, protect: bool = True) -> gpd.GeoDataFrame:
        """Return one row per census cell with its figures, its polygon and its council.

        Columns: the count columns (``T``, groups, ``UNKNOWN_*``), ``beyond_<col>``,
        ``time_nearest_min``, ``time_mean3_min``, ``n_within_<n>min``, ``share_beyond``,
        the birth shares and ``simpson``, ``density_km2``, the Degree of Urbanisation
        classes, ``council_id`` and ``council`` (its name), and the bivariate classes
        ``diversity_class``, ``access_class``, ``diverse_underserved`` (computed from the
        visible figures). Index ``cell_id``; geometry the census cell in the region CRS.
        """
        key = ("cells", protect)
        if key not in self._memo:
            table = self._unprefix(self._cells(protect).table)
            total = self.prepared.region.total_col
            units = self._units()
            if units is not None and "council_id" in table.columns:
                names = units.set_index("council_id")["name"]
                table.insert(1, "council", table["council_id"].map(names))
            visible = table.assign(**{total: table[total].fillna(0.0)})  # a hidden count weighs nothing
            if "simpson" in table.columns:  # the diversity of country of birth: only a region with that dimension
                table = table.join(diverse_underserved(visible, total_col=total))
            squares = self.prepared.population.geometry.reindex(table.index)
            self._memo[key] = gpd.GeoDataFrame(table, geometry=squares.to_numpy(), crs=self.prepared.population.crs)
        return self._memo[key]

    def councils(self, *, protect: bool = True, totals: bool = False) -> gpd.GeoDataFrame | None:
        """Return one row per council with its figures and polygon, or None when the region has no councils.

        With ``totals=True`` the rows :data:`~equimap.analysis.tables.OUTSIDE` (residents in
        no council) and :data:`~equimap.analysis.tables.TOTAL` follow, without geometry.
        """
        units = self._units()
        if units is None:
            return None
        key = ("councils", protect)
        if key not in self._memo:
            table = self._unprefix(self._result("councils", protect).table)
            polygons = units.set_index("council_id").geometry.reindex(table.index)
            self._memo[key] = gpd.GeoDataFrame(table, geometry=polygons.to_numpy(), crs=units.crs)
        out = self._memo[key]
        return out if totals else out.drop(index=[tb.OUTSIDE, tb.TOTAL])

    def council_gaps(self, group: str, *, protect: bool = True) -> gpd.GeoDataFrame | None:
        """Return each council's gap of `group` against its dimension's reference group (points), or None.

        None when the region has no councils, or `group` is all residents or a reference
        group itself. Columns ``name``, ``share_group``, ``share_reference``, ``gap_pp``
        (`equimap.analysis.place_gaps.place_gaps` on the protected councils, hidden where
        either group has fewer residents than the small-count threshold) and the polygon.
        """
        dims = [d for d in self.prepared.region.groups if group in d.columns and d.reference != group]
        places = self.councils(protect=protect)
        if not dims or places is None:
            return None
        gaps = place_gaps(places, group=group, reference=dims[0].reference, min_count=self._threshold(protect))
        return gpd.GeoDataFrame(places[["name"]].join(gaps), geometry=places.geometry, crs=places.crs)

    def classes(self, level: int = 2, *, protect: bool = True) -> pd.DataFrame | None:
        """Return residents and residents beyond per Degree of Urbanisation class (None without a grid)."""
        if self._grid() is None:
            return None
        return self._unprefix(self._result(f"urbanisation_l{level}", protect).table)

    def outreach(
        self,
        *,
        protect: bool = True,
        level: str | None = None,
        group: str | None = None,
        dimension: str | None = None,
    ) -> pd.DataFrame | None:
        """Return the ranked outreach targets (peri-urban and rural places) (None without a grid).

        Without options: the report's targets (census cells, no group, one table). With
        `level` (``"cell"`` or ``"council"``), `group` (a group column weighting the score)
        or `dimension` (whose groups' counts are given): the targets the Outreach page shows,
        as a GeoDataFrame indexed by the place id with its polygon. Their counts are
        those of the cells (or councils) table, hidden exactly where it hides them.
        """
        if self._grid() is None:
            return None
        dimension = self.prepared.region.dimension_or_default(dimension)
        if level is None and group is None and dimension == self.prepared.region.default_dimension:
            return self._unprefix(self._result("outreach", protect).table)
        return self._targets(level or "cell", group, dimension, protect)

    def _targets(self, level: str, group: str | None, dimension: str | None, protect: bool) -> gpd.GeoDataFrame:
        key = ("targets", level, group, dimension, protect)
        if key in self._memo:
            return self._memo[key]
        units = self._units()
        if level == "council" and units is None:
            msg = f"region `{self.prepared.region.key}` has no council layer; use level='cell'"
            raise DataError(msg)
        if level == "cell":
            source, raw = self._cells(protect), self._raw_cells()
        else:
            source, raw = self._result("councils", protect), self._result("councils", False).table
        table, columns, derived = tb.outreach_table(
            self.prepared,
            self.question,
            raw,
            dimension=dimension,
            services=self.custom_services,
            level=level,  # type: ignore[arg-type]
            group=group,
            units_key=str(self.councils_key),
        )
        id_col = "cell_id" if level == "cell" else "council_id"
        res = bp.protect_like(table, source, rows=pd.Index(table[id_col]), columns=columns, derived=derived)
        out = self._unprefix(res.table).drop(columns="analysis").set_index(id_col)
        if level == "cell":
            polygons = self.prepared.population.geometry.reindex(out.index)
            crs = self.prepared.population.crs
        else:
            polygons = units.set_index("council_id").geometry.reindex(out.index)
            crs = units.crs
        self._memo[key] = gpd.GeoDataFrame(out, geometry=polygons.to_numpy(), crs=crs)
        return self._memo[key]

    def bundle(self, *, protect: bool = True) -> Bundle:
        """Return the protected tables and layers of this analysis as a report bundle (computed once)."""
        key = ("bundle", protect)
        if key not in self._memo:
            names = ["groups", "cells"]
            names += ["councils"] if self._units() is not None else []
            names += ["urbanisation_l1", "urbanisation_l2", "outreach"] if self._grid() is not None else []
            results = {n: (self._cells(protect) if n == "cells" else self._result(n, protect)) for n in names}
            self._memo[key] = assemble_bundle(
                self.prepared,
                (self.question,),
                results,
                units=self._units(),
                threshold=self._threshold(protect),
                n_boot=self.n_boot,
                seed=self.seed,
                custom_services=self.custom_services,
            )
        return self._memo[key]

    # --- computed once -----------------------------------------------------------------------

    def _threshold(self, protect: bool) -> int:
        return self.suppress_below if protect else 0

    def _acc(self) -> dict[str, pd.DataFrame]:
        if "acc" not in self._memo:
            q = self.question
            acc = with_group_times(self.prepared, q.mode, q.category, self.access(), services=self.custom_services)
            self._memo["acc"] = {q.key: acc}
        return self._memo["acc"]

    def _grid(self) -> gpd.GeoDataFrame | None:
        return tb.memo(self.prepared, ("grid",), lambda: tb.classify(self.prepared))

    def _units(self) -> gpd.GeoDataFrame | None:
        key = ("units", self.councils_key)
        return tb.memo(self.prepared, key, lambda: tb.council_units(self.prepared.region, self.councils_key))

    def _raw_cells(self) -> pd.DataFrame:
        if "raw_cells" not in self._memo:
            self._memo["raw_cells"], self._memo[("cells_result", 0)] = bd.cells_result(
                self.prepared, (self.question,), self._acc(), threshold=0, grid=self._grid(), units=self._units()
            )
        return self._memo["raw_cells"]

    def _cells(self, protect: bool) -> SuppressionResult:
        threshold = self._threshold(protect)
        key = ("cells_result", threshold)
        if key not in self._memo:
            raw = self._raw_cells()
            self._memo[key] = bp.protect_areas(raw, **bd.protect_options(self.prepared, (self.question,), threshold))
        return self._memo[key]

    def _groups(self, protect: bool) -> pd.DataFrame:
        key = ("groups_table", protect)
        if key not in self._memo:
            table = self._result("groups", protect).table
            self._memo[key] = bp.round_groups(table) if self._threshold(protect) > 0 else table
        return self._memo[key]

    def _result(self, name: str, protect: bool) -> SuppressionResult:
        threshold = self._threshold(protect)
        key = (name, threshold)
        if key in self._memo:
            return self._memo[key]
        prep, qs = self.prepared, (self.question,)
        if name == "groups":
            res = bd.groups_result(
                prep,
                qs,
                self._acc(),
                threshold=threshold,
                n_boot=self.n_boot,
                seed=self.seed,
                services=self.custom_services,
            )
        elif name == "councils":
            res = bd.councils_result(
                prep,
                qs,
                self._acc(),
                threshold=threshold,
                grid=self._grid(),
                units=self._units(),
                units_key=str(self.councils_key),
            )
        elif name.startswith("urbanisation_l"):
            res = bd.classes_result(prep, qs, self._raw_cells(), threshold=threshold, level=int(name[-1]))
        elif name == "outreach":
            res = bd.outreach_result(prep, qs, self._raw_cells(), self._cells(protect), services=self.custom_services)
        else:  # pragma: no cover - a programming error
            raise KeyError(name)
        self._memo[key] = res
        return res

    def _unprefix(self, table: pd.DataFrame) -> pd.DataFrame:
        """Return `table` with this question's column prefix removed (``walk_health_15min_beyond_T`` -> ``beyond_T``)."""
        prefix = self.question.key + "_"
        return table.rename(columns=lambda c: c[len(prefix) :] if isinstance(c, str) and c.startswith(prefix) else c)
