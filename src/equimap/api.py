"""The public Python API: open a region, ask an access question, read its tables, write its report.

>>> import equimap as eq
>>> study = eq.open_region("malta")                      # doctest: +SKIP
>>> a = study.analysis(mode="walk", category="pharmacy", threshold_min=15)   # doctest: +SKIP
>>> a.groups(by="birth")                                 # doctest: +SKIP
>>> a.write("report.pdf", lang="fr")                     # doctest: +SKIP

Every table comes from :class:`equimap.analysis.core.Analysis`, the one place the app,
the reports, the exports and the command line read their figures from.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from equimap.analysis import core
from equimap.analysis.bundle import build_bundle
from equimap.analysis.question import DEFAULT_ANALYSES, Question, parse_analysis
from equimap.network.prepare import Prepared, prepare_region
from equimap.network.profile import DEFAULT_PROFILE, Profile, load_profile
from equimap.protect.suppression import DEFAULT_THRESHOLD
from equimap.region.manifest import Region, load_region
from equimap.report.files import write_bundle
from equimap.settings import Mode

__all__ = ["Analysis", "Study", "open_region"]

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
        """Write a report of several questions (default: the report's two) and return the files written.

        `analyses` holds questions or ``"MODE:CATEGORY:MINUTES"`` strings (``"walk:health:15"``).
        """
        questions = [parse_analysis(q) if isinstance(q, str) else q for q in analyses or DEFAULT_ANALYSES]
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
