"""Report page: choose the analyses, then download the gap report (PDF) and every table and layer, protected.

The threshold is the sidebar's (one control for every page). The build shows its real
steps in a status box right under the button, and the downloads appear in that same
place. The time estimate comes from a measurement (:data:`MEASURED_S`), not a guess.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import streamlit as st

from equimap.analysis.bundle import Question, build_bundle
from equimap.analysis.question import region_analyses
from equimap.i18n import fmt_num, language_name, languages, t
from equimap.protect.suppression import DEFAULT_THRESHOLD
from equimap.report.files import write_bundle
from ui import data
from ui.errors import shown_as_error
from ui.labels import category_label, mode_label
from ui.state import params

#: Most analyses (modes × services) one report holds.
MAX_ANALYSES = 6
FORMATS = ["pdf", "xlsx", "gpkg", "html", "geojson", "csv"]
MIMES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".gpkg": "application/geopackage+sqlite3",
    ".html": "text/html",
    ".zip": "application/zip",
    ".geojson": "application/geo+json",
}
#: Seconds measured on Malta (2 analyses on foot: pharmacies and official hospitals, 999 bootstrap resamples,
#: warm disk cache, a shared 2-core machine under load; 2026-12-02, the timings of ``python -m bench.report``):
#: the tables of one analysis (33 s for two), and writing each format of those two analyses. GeoJSON was
#: not timed; it writes the same layers as the GeoPackage.
MEASURED_S = {"analysis": 17.0, "pdf": 25.0, "xlsx": 54.0, "gpkg": 6.0, "html": 13.0, "geojson": 6.0, "csv": 9.0}


def estimate_s(n_analyses: int, formats: list[str]) -> float:
    """Return the measured seconds of a report: the analyses' tables plus every format written."""
    return n_analyses * MEASURED_S["analysis"] + sum(MEASURED_S[f] for f in formats)


def _build(p, analyses: list[Question], formats: list[str], out_lang: str, off: bool) -> list[Path]:
    """Build the bundle and write every format, showing each real step in a status box; return the files."""
    lang = p.lang
    seconds = fmt_num(estimate_s(len(analyses), formats), lang)
    label = t("report_page.status", lang, n=len(analyses), files=len(formats), seconds=seconds)
    folder = Path(tempfile.mkdtemp(prefix="equimap-report-"))
    files: list[Path] = []
    with st.status(label, expanded=True) as status:
        bar = st.progress(0.0)
        st.write(t("report_page.step_tables", lang, n=len(analyses)))

        def progress(_msg: str, frac: float) -> None:
            bar.progress(min(max(0.7 * frac, 0.0), 0.7))

        q = analyses[0]
        shown = data.analysis(p.region, q.mode, q.category, int(q.threshold_min), p.n_boot)
        if len(analyses) == 1 and shown.protected != off:  # the very tables the other pages show, computed once
            bundle = shown.bundle()
        else:
            threshold = max(
                0 if off else DEFAULT_THRESHOLD, data.region_min_count(p.region)
            )  # never below the installation's minimum
            prep = data.prepared(p.region, lang)
            bundle = build_bundle(
                prep, tuple(analyses), threshold=threshold, n_boot=p.n_boot, seed=0, progress=progress
            )
        for i, fmt in enumerate(formats):
            bar.progress(0.7 + 0.3 * i / len(formats))
            st.write(t("report_page.step_write", lang, format=t(f"report_page.format_{fmt}", lang)))
            suffix = ".zip" if fmt == "csv" else f".{fmt}"
            files += write_bundle(bundle, folder / f"equimap_{p.region}_{out_lang}{suffix}", fmt=fmt, lang=out_lang)
        bar.progress(1.0)
        status.update(label=t("report_page.done", lang), state="complete", expanded=True)
    return files


def _downloads(lang: str) -> None:
    done = [Path(f) for f in st.session_state.get("report_files", []) if Path(f).exists()]
    if not done:
        return
    if st.session_state.get("report_protected", True):
        st.success(t("report_page.ready", lang))
    else:
        st.warning(t("outreach.unprotected", lang))
    for i, path in enumerate(done):
        st.download_button(
            f"{t('report_page.download', lang)} {path.name}",
            data=path.read_bytes(),
            file_name=path.name,
            mime=MIMES.get(path.suffix, "application/octet-stream"),
            key=f"dl_report_{i}",
        )


p = params()
lang = p.lang
st.title(t("report_page.title", lang))
st.markdown(t("report_page.intro", lang))
prep = data.prepared(p.region, lang)

keys = prep.category_keys()
# the sidebar's category and the region's last default question's (Malta: its hospital list)
default_cats = [c for c in dict.fromkeys([p.category, region_analyses(prep.region)[-1].category]) if c in keys]
with st.form("report_form"):
    cats = st.multiselect(
        t("report_page.categories", lang),
        keys,
        default=default_cats,
        format_func=lambda k: category_label(prep, k, lang),
    )
    modes = st.multiselect(
        t("report_page.modes", lang),
        ["walk", "bike", "drive"],
        default=[p.mode],
        format_func=lambda m: mode_label(m, lang),
    )
    st.caption(t("report_page.threshold_sidebar", lang, threshold=p.threshold_min))
    codes = languages()
    out_lang = st.radio(
        t("report_page.language", lang),
        codes,
        index=codes.index(lang) if lang in codes else 0,
        format_func=language_name,
        horizontal=True,
    )
    formats = st.multiselect(
        t("report_page.formats", lang),
        FORMATS,
        default=["pdf", "xlsx", "gpkg", "html"],
        format_func=lambda f: t(f"report_page.format_{f}", lang),
    )
    allowed = (
        data.region_min_count(p.region) == 0
    )  # unprotected files only on an installation that allows them (EQUIMAP_MIN_COUNT=0)
    off = st.checkbox(
        t("outreach.unprotect", lang),
        help=t("outreach.unprotect_help", lang)
        if allowed
        else t("report_page.min_count", lang, n=data.region_min_count(p.region)),
        disabled=not allowed,
    )
    off = off and allowed
    go = st.form_submit_button(t("report_page.build", lang), type="primary")
place = st.container()  # the progress and the downloads: right under the button
st.caption(
    t(
        "report_page.estimate",
        lang,
        n=MAX_ANALYSES,
        analysis=fmt_num(MEASURED_S["analysis"], lang),
        pdf=fmt_num(MEASURED_S["pdf"], lang),
        xlsx=fmt_num(MEASURED_S["xlsx"], lang),
    )
)

with place:
    if go:
        analyses = [Question(m, c, float(p.threshold_min)) for m, c in itertools.product(modes, cats)][:MAX_ANALYSES]
        if not analyses or not formats:
            st.warning(t("report_page.choose", lang))
            st.stop()
        with shown_as_error(lang):
            files = _build(p, analyses, formats, out_lang, off)
            st.session_state["report_files"] = [str(f) for f in files]
            st.session_state["report_protected"] = not off
    _downloads(lang)
