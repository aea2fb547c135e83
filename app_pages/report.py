"""Report page: choose the analyses, then download the gap report (PDF) and every table and layer, protected."""

from __future__ import annotations

import itertools
from pathlib import Path

import streamlit as st

from app_pages import _ui
from geo.bundle import Analysis, build_bundle
from geo.bundle_files import write_bundle

p = _ui.params()
tr = _ui.tr
st.title(tr("report.title"))
st.markdown(tr("report.intro"))

with _ui.guard():
    prep = _ui.prepared(p.region)

keys = prep.category_keys()
default_cats = [c for c in dict.fromkeys([p.category, "hospital_official"]) if c in keys]
with st.form("report_form"):
    cats = st.multiselect(
        tr("report.categories"), keys, default=default_cats, format_func=lambda k: _ui.category_label(prep, k)
    )
    modes = st.multiselect(tr("param.mode"), list(_ui.MODES), default=[p.mode], format_func=_ui.mode_label)
    threshold_min = st.slider(tr("param.threshold"), 5, 60, p.threshold_min, step=5)
    lang = st.radio(
        tr("report.language"),
        ["en", "fr"],
        index=1 if p.lang == "fr" else 0,
        format_func=lambda c: {"en": "English", "fr": "Français"}[c],
        horizontal=True,
    )
    formats = st.multiselect(
        tr("report.formats"), ["pdf", "xlsx", "gpkg", "html", "geojson", "csv"], default=["pdf", "xlsx", "gpkg", "html"]
    )
    off = st.checkbox(tr("download.protection_off"), help=tr("download.protection_help"))
    min_count = st.number_input(tr("report.min_count"), min_value=1, max_value=100, value=10, step=1, disabled=off)
    go = st.form_submit_button(tr("report.build"), type="primary")
st.caption(tr("report.limit"))

if go:
    analyses = [Analysis(m, c, float(threshold_min)) for m, c in itertools.product(modes, cats)][:6]
    if not analyses or not formats:
        st.warning(tr("report.choose"))
        st.stop()
    bar = st.progress(0.0, text=tr("report.working"))

    def progress(msg: str, frac: float) -> None:
        bar.progress(min(max(0.8 * frac, 0.0), 1.0), text=f"{tr('report.working')} {msg}")

    folder = _ui.temp_dir()
    files = []
    with _ui.guard():
        bundle = build_bundle(
            prep, tuple(analyses), threshold=0 if off else int(min_count), n_boot=999, seed=0, progress=progress
        )
        for i, fmt in enumerate(formats):
            bar.progress(0.8 + 0.2 * i / len(formats), text=f"{tr('report.working')} {fmt.upper()}")
            suffix = {"csv": ".zip"}.get(fmt, f".{fmt}")
            files += write_bundle(bundle, folder / f"equimap_{p.region}_{lang}{suffix}", fmt=fmt, lang=lang)
    bar.empty()
    st.session_state["report_files"] = [str(f) for f in files]
    st.session_state["report_protected"] = not off

files = st.session_state.get("report_files", [])
if files:
    if st.session_state.get("report_protected", True):
        st.success(tr("report.ready"))
    else:
        st.warning(tr("download.off_warning"))
    mimes = {
        ".pdf": "application/pdf",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".html": "text/html",
        ".zip": "application/zip",
    }
    for i, f in enumerate(files):
        path = Path(f)
        if path.exists():
            _ui.download_file(
                f"{tr('report.download')} {path.name}",
                path,
                mime=mimes.get(path.suffix, "application/octet-stream"),
                key=f"dl_report_{i}",
            )
