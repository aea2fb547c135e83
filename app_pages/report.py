"""Report page: choose the analyses, then download the gap report (PDF) and every table and layer, protected."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import streamlit as st

from equimap.analysis.bundle import Question, build_bundle
from equimap.i18n import language_name, languages, t
from equimap.protect.suppression import DEFAULT_THRESHOLD
from equimap.report.files import write_bundle
from ui import data
from ui.errors import shown_as_error
from ui.labels import category_label, mode_label
from ui.state import params

#: Most analyses (modes × services) one report holds.
MAX_ANALYSES = 6
MIMES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".gpkg": "application/geopackage+sqlite3",
    ".html": "text/html",
    ".zip": "application/zip",
    ".geojson": "application/geo+json",
}

p = params()
lang = p.lang
st.title(t("report_page.title", lang))
st.markdown(t("report_page.intro", lang))
prep = data.prepared(p.region, lang)

keys = prep.category_keys()
default_cats = [c for c in dict.fromkeys([p.category, "hospital_official"]) if c in keys]
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
    threshold_min = st.slider(t("report_page.threshold", lang), 5, 60, p.threshold_min, step=5)
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
        ["pdf", "xlsx", "gpkg", "html", "geojson", "csv"],
        default=["pdf", "xlsx", "gpkg", "html"],
    )
    off = st.checkbox(t("outreach.unprotect", lang), help=t("outreach.unprotect_help", lang))
    go = st.form_submit_button(t("report_page.build", lang), type="primary")
st.caption(t("report_page.limit", lang, n=MAX_ANALYSES))

if go:
    analyses = [Question(m, c, float(threshold_min)) for m, c in itertools.product(modes, cats)][:MAX_ANALYSES]
    if not analyses or not formats:
        st.warning(t("report_page.choose", lang))
        st.stop()
    bar = st.progress(0.0, text=t("report_page.working", lang))

    def progress(msg: str, frac: float) -> None:
        bar.progress(min(max(0.8 * frac, 0.0), 1.0), text=f"{t('report_page.working', lang)} {msg}")

    folder = Path(tempfile.mkdtemp(prefix="equimap-report-"))
    files: list[Path] = []
    with shown_as_error(lang):
        q = analyses[0]
        shown = data.analysis(p.region, q.mode, q.category, int(q.threshold_min), p.n_boot)
        if len(analyses) == 1 and shown.protected != off:  # the very tables the other pages show, computed once
            bundle = shown.bundle()
        else:
            threshold = 0 if off else DEFAULT_THRESHOLD
            bundle = build_bundle(
                prep, tuple(analyses), threshold=threshold, n_boot=p.n_boot, seed=0, progress=progress
            )
        for i, fmt in enumerate(formats):
            bar.progress(0.8 + 0.2 * i / len(formats), text=f"{t('report_page.working', lang)} {fmt.upper()}")
            suffix = ".zip" if fmt == "csv" else f".{fmt}"
            files += write_bundle(bundle, folder / f"equimap_{p.region}_{out_lang}{suffix}", fmt=fmt, lang=out_lang)
    bar.empty()
    st.session_state["report_files"] = [str(f) for f in files]
    st.session_state["report_protected"] = not off

done = [Path(f) for f in st.session_state.get("report_files", []) if Path(f).exists()]
if done:
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
