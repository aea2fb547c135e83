"""Shared app frame: session state, language, sidebar parameters, cached data, error display.

State is set up here, once; pages read the parameters with :func:`params` and the
prepared region with :func:`prepared`. Heavy objects are cached and shared by every
session (read-only); per-parameter tables are cached on simple keys.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo import i18n, settings
from geo._errors import EquimapError
from geo.prepare import Prepared, prepare_region
from geo.region import list_regions, load_region
from geo.services import load_service_file

PAGES_DIR = Path(__file__).resolve().parent
MODES = ("walk", "bike", "drive")
#: Session-state defaults: the only place keys are created.
DEFAULTS = {
    "lang": i18n.FALLBACK,
    "region": settings.DEFAULT_REGION,
    "mode": "walk",
    "category": "health",
    "threshold_min": 15,
    "dimension": "birth",
    "basemap": False,
}


@dataclass(frozen=True)
class Params:
    """The analysis a planner chose in the sidebar."""

    lang: str
    region: str
    mode: str
    category: str
    threshold_min: int
    dimension: str
    basemap: bool

    @property
    def threshold_s(self) -> float:
        """The threshold in seconds."""
        return self.threshold_min * 60.0


def init_state() -> None:
    """Create every session-state key with its default (once per session)."""
    for k, v in DEFAULTS.items():
        st.session_state.setdefault(k, v)


def tr(key: str, /, default: str | None = None, **fmt: object) -> str:
    """Return the text of `key` in the session's language."""
    return i18n.t(key, st.session_state.get("lang", i18n.FALLBACK), default=default, **fmt)


def has_page(name: str) -> bool:
    """Return whether page module `app_pages/<name>.py` exists."""
    return (PAGES_DIR / f"{name}.py").is_file()


def language_picker() -> str:
    """Show the language switch at the top of the sidebar; return the chosen language."""
    langs = i18n.languages()
    st.sidebar.selectbox("Language / Langue", list(langs), format_func=langs.get, key="lang")
    return st.session_state["lang"]


_PREPARED: dict[str, Prepared] = {}
_LOCK = threading.Lock()


def _prepared(region: str, progress: Callable[[str, float], None] | None = None) -> Prepared:
    """Return the prepared region, built once per process and shared (read-only) by every session.

    A plain module-level cache rather than ``st.cache_resource``, so that the
    first build can report progress to the page that asked for it.
    """
    with _LOCK:
        if region not in _PREPARED:
            _PREPARED[region] = prepare_region(region, progress=progress or (lambda _m, _f: None))
        return _PREPARED[region]


def prepared(region: str) -> Prepared:
    """Return the prepared region; shows a progress bar while it is first built."""
    if region in _PREPARED:
        return _PREPARED[region]
    bar = st.progress(0.0, text=tr("status.preparing"))

    def progress(msg: str, frac: float) -> None:
        bar.progress(min(max(frac, 0.0), 1.0), text=f"{tr('status.preparing')} {msg}")

    try:
        return _prepared(region, progress)
    finally:
        bar.empty()


def category_label(prep: Prepared, key: str) -> str:
    """Return the translated label of a service theme, category or official list."""
    return tr(f"category.{key}", default=prep.category_label(key))


def mode_label(mode: str) -> str:
    """Return the translated name of a travel mode ("on foot")."""
    return tr(f"mode.{mode}")


def group_label(prep: Prepared, col: str) -> str:
    """Return the translated label of a population column."""
    default = next((d.columns[col] for d in prep.region.groups if col in d.columns), col)
    country = prep.region.country_name or prep.region.name
    return tr(f"group.{col}", default=default, country=tr(f"country.{country}", default=country))


def sidebar_controls() -> None:
    """Show the analysis parameters in the sidebar (shared by every page)."""
    sb = st.sidebar
    regions = list_regions()
    if st.session_state["region"] not in regions:
        st.session_state["region"] = regions[0]
    sb.selectbox(tr("param.region"), regions, format_func=lambda k: load_region(k).name, key="region")
    with guard():
        prep = prepared(st.session_state["region"])
        sb.radio(tr("param.mode"), MODES, format_func=mode_label, key="mode", horizontal=True)
        keys = prep.category_keys()
        if st.session_state["category"] not in keys:
            st.session_state["category"] = keys[0]
        sb.selectbox(tr("param.category"), keys, format_func=lambda k: category_label(prep, k), key="category")
        sb.slider(tr("param.threshold"), min_value=5, max_value=60, step=5, key="threshold_min")
        dims = [d.key for d in prep.region.groups]
        if st.session_state["dimension"] not in dims:
            st.session_state["dimension"] = dims[0]
        sb.selectbox(
            tr("param.dimension"), dims, format_func=lambda k: tr(f"dimension.{k}", default=k), key="dimension"
        )
        sb.checkbox(tr("param.basemap"), key="basemap", help=tr("param.basemap_help"))
        sb.file_uploader(
            tr("param.upload"),
            type=["geojson", "json", "gpkg", "csv", "zip"],
            key="upload",
            help=tr("param.upload_help"),
        )
    sb.caption(" · ".join(load_region(st.session_state["region"]).attribution))


def params() -> Params:
    """Return the parameters chosen in the sidebar."""
    s = st.session_state
    return Params(
        lang=s["lang"],
        region=s["region"],
        mode=s["mode"],
        category=s["category"],
        threshold_min=int(s["threshold_min"]),
        dimension=s["dimension"],
        basemap=bool(s["basemap"]),
    )


def uploaded_services(prep: Prepared) -> tuple[str, gpd.GeoDataFrame] | None:
    """Return (content hash, services) of the list uploaded in the sidebar, or None; bad files end in st.error."""
    up = st.session_state.get("upload")
    if up is None:
        return None
    data = up.getvalue()
    key = hashlib.sha256(data).hexdigest()[:16]
    cached = st.session_state.get("_upload_cache")
    if cached and cached[0] == key:
        return cached
    folder = temp_dir()
    path = folder / Path(up.name).name
    path.write_bytes(data)
    with guard():
        svc = load_service_file(path, category="upload", crs=prep.region.crs)
    st.session_state["_upload_cache"] = (key, svc)
    return key, svc


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Show the library's own errors as one translated line, never a traceback."""
    try:
        yield
    except EquimapError as exc:
        st.error(f"{tr('error.prefix')} {exc}")
        st.stop()


def download_file(label: str, path: Path, *, mime: str, key: str) -> None:
    """Offer a written file for download."""
    st.download_button(label, data=path.read_bytes(), file_name=path.name, mime=mime, key=key)


def temp_dir() -> Path:
    """Return a fresh temporary folder for files offered for download."""
    return Path(tempfile.mkdtemp(prefix="equimap-"))
