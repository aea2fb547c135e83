"""The public Python API: open a region, ask an access question, read its tables, write its report.

>>> import equimap as eq
>>> study = eq.open_region("malta")                      # doctest: +SKIP
>>> a = study.analysis(mode="walk", category="pharmacy", threshold_min=15)   # doctest: +SKIP
>>> a.groups(by="birth")                                 # doctest: +SKIP
>>> a.write("report.pdf", lang="fr")                     # doctest: +SKIP
>>> s = a.with_changes(add=["14.45,35.88"], name="Qormi")  # doctest: +SKIP
>>> s.groups()                                           # before, after and change per group  # doctest: +SKIP
>>> s.write("scenario.pdf")                              # doctest: +SKIP

Every table comes from :class:`equimap.analysis.core.Analysis`, the one place the app,
the reports, the exports and the command line read their figures from.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from equimap.analysis import core
from equimap.analysis.bundle import build_bundle
from equimap.analysis.question import Question, parse_analysis, region_analyses
from equimap.network.prepare import Prepared, prepare_region
from equimap.network.profile import DEFAULT_PROFILE, Profile, load_profile
from equimap.protect.suppression import DEFAULT_THRESHOLD
from equimap.region.manifest import Region, load_region
from equimap.report.files import write_bundle
from equimap.scenario import engine
from equimap.scenario.changes import Scenario, parse_changes, read_scenario, write_scenario
from equimap.settings import Mode

if TYPE_CHECKING:
    from equimap.scenario.optimise import Suggestion

__all__ = ["Analysis", "Scenario", "ScenarioAnalysis", "Study", "compare_scenarios", "open_region", "read_scenario"]

Progress = Callable[[str, float], None]


class Analysis(core.Analysis):
    """One access question on one prepared region (see :class:`equimap.analysis.core.Analysis`), with files.

    Built by :meth:`Study.analysis`.
    """

    def write(self, path: str | os.PathLike[str], *, lang: str = "en", fmt: str | None = None) -> list[Path]:
        """Write this analysis' report or export to `path` and return the files written.

        Parameters
        ----------
        path
            The file to write; its suffix chooses the format unless `fmt` is given
            (``.pdf``, ``.xlsx``, ``.gpkg``, ``.geojson``, ``.html``, ``.zip`` for CSV).
        lang
            Language of the texts (a catalogue under ``equimap/locales``).
        fmt
            ``"pdf"``, ``"xlsx"``, ``"gpkg"``, ``"geojson"``, ``"html"`` or ``"csv"``.
        """
        return write_bundle(self.bundle(), path, fmt=fmt, lang=lang)

    def with_changes(
        self,
        scenario: Scenario | str | os.PathLike[str] | None = None,
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        move: Sequence[str] = (),
        name: str = "scenario",
        n_boot: int | None = 0,
    ) -> ScenarioAnalysis:
        """Return what a scenario changes: this analysis before, the same after the changes, and the comparison.

        Parameters
        ----------
        scenario
            A :class:`Scenario`, or the path of a scenario file (:func:`read_scenario`);
            the changes below are added to it.
        add, remove, move
            ``"LON,LAT"`` of new sites, ids of sites removed, ``"ID=LON,LAT"`` of sites moved.
        name
            The scenario's name when it is not read from a file.
        n_boot
            Bootstrap replicates of the after analysis (0 by default: the comparison uses no intervals;
            None: this analysis' own).
        """
        return ScenarioAnalysis(
            self, _scenario(self, scenario, add=add, remove=remove, move=move, name=name), n_boot=n_boot
        )


class ScenarioAnalysis(engine.ScenarioAnalysis):
    """A scenario of one analysis (see :class:`equimap.scenario.engine.ScenarioAnalysis`), with files.

    Built by :meth:`Analysis.with_changes` or :meth:`Study.scenario`.
    """

    def write(self, path: str | os.PathLike[str], *, lang: str = "en", fmt: str | None = None) -> Path:
        """Write this scenario as a PDF (section "Scenario"), XLSX or GeoPackage file and return its path."""
        from equimap.report.scenario_file import write_scenarios

        return write_scenarios(self, path, fmt=fmt, lang=lang)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the scenario's changes as a scenario file (GeoJSON) and return its path."""
        return write_scenario(self.located_scenario(), path)


def compare_scenarios(scenarios: Sequence[engine.ScenarioAnalysis], *, table: str = "groups") -> pd.DataFrame:
    """Return up to four scenarios of one analysis side by side against the current situation.

    `table` is ``"groups"``, ``"classes_l2"``, ``"cells"`` or ``"councils"``
    (see :func:`equimap.scenario.engine.compare_scenarios`).
    """
    if not scenarios:
        return engine.compare_scenarios(None, [], table=table)  # the one-sentence error
    return engine.compare_scenarios(scenarios[0].before, scenarios, table=table)


def _scenario(
    analysis: core.Analysis,
    scenario: Scenario | str | os.PathLike[str] | None,
    *,
    add: Sequence[str],
    remove: Sequence[str],
    move: Sequence[str],
    name: str,
) -> Scenario:
    base = None
    if scenario is not None:
        base = scenario if isinstance(scenario, Scenario) else read_scenario(scenario, region=analysis.prepared.region)
    if not (add or remove or move):
        if base is None:
            return parse_changes(name=name, category=analysis.category, where="the scenario")  # "no changes"
        return base
    extra = parse_changes(name=name, category=analysis.category, add=add, remove=remove, move=move, where="the changes")
    if base is None:
        from equimap.scenario.changes import check_locations

        check_locations(extra, analysis.prepared.region, where="the changes")
        return extra
    from equimap.scenario.changes import merge_scenarios

    return merge_scenarios(base, extra, region=analysis.prepared.region)


class Study:
    """A region prepared for analysis: its networks, services and residents, ready for questions.

    Open one with :func:`open_region`. It is read-only and can be shared.
    """

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared

    def __repr__(self) -> str:
        return f"Study({self.region.key!r}: {self.region.name})"

    @property
    def region(self) -> Region:
        """Return the region's manifest."""
        return self.prepared.region

    def categories(self) -> pd.DataFrame:
        """Return every service key a question can name, with its English label and its kind."""
        prep = self.prepared
        kinds = {**dict.fromkeys(prep.taxonomy.themes, "theme"), **dict.fromkeys(prep.taxonomy.categories, "category")}
        keys = prep.category_keys()
        return pd.DataFrame(
            {
                "label": [prep.category_label(k) for k in keys],
                "kind": [kinds.get(k, "official list") for k in keys],
            },
            index=pd.Index(keys, name="key"),
        )

    def analysis(
        self,
        *,
        mode: Mode,
        category: str,
        threshold_min: float,
        n_boot: int = core.DEFAULT_N_BOOT,
        seed: int = 0,
        suppress_below: int = DEFAULT_THRESHOLD,
    ) -> Analysis:
        """Return the analysis of residents beyond `threshold_min` minutes from `category` by `mode`.

        Parameters
        ----------
        mode
            ``"walk"``, ``"bike"`` or ``"drive"``.
        category
            A theme, category or official list (see :meth:`categories`).
        threshold_min
            Time beyond which a resident counts as underserved, in minutes.
        n_boot, seed
            Bootstrap replicates and seed of the gap intervals.
        suppress_below
            Small-count threshold of the tables (0 turns protection off).
        """
        return Analysis(
            self.prepared,
            Question(mode, category, float(threshold_min)),
            n_boot=n_boot,
            seed=seed,
            suppress_below=suppress_below,
        )

    def scenario(
        self,
        scenario: Scenario | str | os.PathLike[str] | None = None,
        *,
        mode: Mode,
        category: str,
        threshold_min: float,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        move: Sequence[str] = (),
        name: str = "scenario",
        suppress_below: int = DEFAULT_THRESHOLD,
    ) -> ScenarioAnalysis:
        """Return what a scenario changes for one question (see :meth:`Analysis.with_changes`)."""
        a = self.analysis(
            mode=mode, category=category, threshold_min=threshold_min, n_boot=0, suppress_below=suppress_below
        )
        return a.with_changes(scenario, add=add, remove=remove, move=move, name=name)

    def optimise(
        self,
        *,
        mode: Mode,
        category: str,
        threshold_min: float,
        new: int,
        objective: str = "coverage",
        weights: Mapping[str, float] | None = None,
        only_group: str | None = None,
        candidates: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    ) -> Suggestion:
        """Suggest where `new` sites of `category` should go (see :mod:`equimap.scenario.optimise`).

        Parameters
        ----------
        mode, category, threshold_min
            The question; the category's current sites stay open.
        new
            How many new sites.
        objective
            ``"coverage"`` (most residents newly within the threshold) or ``"median"``
            (least total time, capped).
        weights, only_group
            Group weights (``{"OTH": 2}``) or one group to serve alone (``"OTH"``).
        candidates
            A file of candidate points (or a GeoDataFrame from `candidates_from_file`); one
            per populated cell by default.

        Returns
        -------
        Suggestion
            Its ``gains`` are unprotected; publish them through
            :func:`equimap.scenario.optimise.protect_gains`, and write the sites with
            :func:`equimap.scenario.optimise.write_suggestion` (protected).
        """
        from equimap.scenario import optimise as op

        if candidates is not None and not isinstance(candidates, gpd.GeoDataFrame):
            candidates = op.candidates_from_file(self.prepared, Path(candidates), mode=mode)
        return op.suggest_sites(
            self.prepared,
            mode=mode,
            category=category,
            threshold_min=threshold_min,
            k=new,
            objective=objective,
            weights=weights,
            only_group=only_group,
            candidates=candidates,
        )

    def write_report(
        self,
        path: str | os.PathLike[str],
        *,
        analyses: Sequence[Question | str] | None = None,
        lang: str = "en",
        fmt: str | None = None,
        suppress_below: int = DEFAULT_THRESHOLD,
        n_boot: int = core.DEFAULT_N_BOOT,
        seed: int = 0,
    ) -> list[Path]:
        """Write a report of several questions (default: the region's, `region_analyses`) and return the files written.

        `analyses` holds questions or ``"MODE:CATEGORY:MINUTES"`` strings (``"walk:health:15"``).
        """
        chosen = analyses or region_analyses(self.prepared.region)
        questions = [parse_analysis(q) if isinstance(q, str) else q for q in chosen]
        bundle = build_bundle(self.prepared, questions, threshold=suppress_below, n_boot=n_boot, seed=seed)
        return write_bundle(bundle, path, fmt=fmt, lang=lang)


def open_region(
    region: str | os.PathLike[str] = "malta",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    profile: Profile | str | os.PathLike[str] | None = None,
    age_speeds: bool | None = None,
    progress: Progress | None = None,
) -> Study:
    """Open a region for analysis, preparing its networks the first time (then read from the cache).

    Parameters
    ----------
    region
        A region key (``"malta"``), or a folder holding a ``region.toml``.
    data_dir
        Where region folders are looked up by key; ``EQUIMAP_DATA_DIR`` or the bundled
        regions by default.
    profile
        The speed profile: a shipped name (``"default"``, ``"freeflow"``), a .toml file or a
        `Profile`; by default the manifest's ``[travel] profile``, else ``"default"``.
    age_speeds
        Switch the profile's walking speeds by age group on or off (None: as the profile says).
    progress
        Called with a message and the fraction done during a first preparation.
    """
    manifest = load_region(region, data_dir=Path(data_dir) if data_dir is not None else None)
    kwargs: dict = {} if progress is None else {"progress": progress}
    if age_speeds is not None:
        base = profile if profile is not None else manifest.profile or DEFAULT_PROFILE
        folder = manifest.folder if profile is None else None
        profile = load_profile(base if isinstance(base, Profile) else str(base), base=folder).with_age_speeds(
            age_speeds
        )
    if profile is not None:
        kwargs["profile"] = profile if isinstance(profile, Profile) else str(profile)
    return Study(prepare_region(manifest, **kwargs))
