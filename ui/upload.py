"""A service list uploaded in the sidebar, used as the selected service of this session.

The planner uploads a GeoJSON, GeoPackage, zipped Shapefile or CSV with
lon/lat columns (read and checked by `equimap.region.services.load_service_file`)
and picks its name and capacity columns. The list then becomes the service key
``upload-<digest>`` (`ui.labels.UPLOAD_PREFIX`), which the Map, Equity and
Outreach pages use like any other key: `ui.data` asks `services_of` for its
sites and passes them to the library as ``services=``.

Where the upload lives:

- the file's bytes are read from a temporary folder that is deleted at once;
- the current upload (`Upload`) is kept in this session's state only;
- tables computed from it are ``st.cache_data`` entries keyed by a digest
  (sha256 of the file bytes, the chosen columns and the region), so another
  session reaches them only by uploading the very same file;
- the shared `Prepared` region is never changed, and travel times to an
  uploaded list are never written to its disk cache (see `Prepared.access`).

A bad file (unknown format, empty, over `MAX_UPLOAD_MB`, missing coordinate or
capacity values...) shows one translated sentence with ``st.error`` and leaves
the app on its other services.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from equimap import DataError, EquimapError, settings
from equimap.i18n import fmt_num, t
from equimap.network.prepare import Prepared
from equimap.region.services import load_service_file, read_service_layer
from ui.labels import UPLOAD_PREFIX, is_upload
from ui.state import DEFAULTS

#: Largest service list accepted (MB); a bigger file is refused with a sentence, before it is read.
MAX_UPLOAD_MB = 20
#: File endings read (a zip holds a Shapefile's .shp, .shx, .dbf and .prj).
FORMATS = (".geojson", ".json", ".gpkg", ".zip", ".csv")
#: Key of the file uploader. It is not in `ui.state.DEFAULTS`: Streamlit forbids setting an uploader's value.
WIDGET = "upload"
#: Columns taken for the site names when the file has one (case does not matter).
NAME_GUESSES = ("name", "nom", "name_en", "title", "label")
_COORDINATES = ("lon", "lat", "longitude", "latitude", "lng", "x", "y")


@dataclass(frozen=True)
class Upload:
    """The service list this session uploaded, ready for the pages."""

    key: str  # service key, UPLOAD_PREFIX + digest of the bytes, columns and region
    digest: str  # sha256 of the file bytes
    file_name: str
    services: gpd.GeoDataFrame = field(repr=False)  # SERVICE_COLUMNS, points in the region CRS
    name_col: str  # "" for none
    capacity_col: str  # "" for none (1 per site)
    n_outside: int  # sites too far from the region's residents to be reached


@dataclass(frozen=True)
class Status:
    """What `sync` found in the uploader, for `draw`: the file's columns, or the message of its problem."""

    columns: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    error: tuple[str, dict] | None = None  # message key and its fields


def current() -> Upload | None:
    """Return this session's upload, or None."""
    return st.session_state.get("uploaded")


def options() -> list[str]:
    """Return the service keys the upload adds to the sidebar's choices (none or one)."""
    up = current()
    return [] if up is None else [up.key]


def services_of(category: str) -> gpd.GeoDataFrame | None:
    """Return the sites of an uploaded list, or None for the region's own services."""
    if not is_upload(category):
        return None
    up = current()
    if up is None or up.key != category:
        msg = "the uploaded service list is no longer loaded; upload the file again."
        raise DataError(msg)
    return up.services


def capacity_column(category: str | None) -> str | None:
    """Return the capacity column of an uploaded list that has one, else None (then the official list is used)."""
    if category is None or not is_upload(category):
        return None
    up = current()
    if up is None or up.key != category:
        return None
    return up.capacity_col or None


def check_upload(file_name: str, size_bytes: int) -> tuple[str, dict] | None:
    """Return the message key and fields of what makes a file unusable before reading it, or None."""
    if Path(file_name).suffix.lower() not in FORMATS:
        return "upload.format", {"file": file_name}
    if size_bytes == 0:
        return "upload.empty", {"file": file_name}
    if size_bytes > MAX_UPLOAD_MB * 1024 * 1024:
        return "upload.too_big", {"file": file_name, "size_mb": round(size_bytes / 1024 / 1024, 1)}
    return None


def _scratch_copy(folder: str, file_name: str, data: bytes) -> Path:
    path = Path(folder) / Path(file_name).name
    path.write_bytes(data)
    return path


@st.cache_data(show_spinner=False, max_entries=16)
def file_columns(
    digest: str,  # noqa: ARG001 - the cache key of `_data`
    file_name: str,
    _data: bytes,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the attribute columns of an uploaded file, and those that hold numbers (capacity candidates).

    A CSV's coordinate columns are left out of both.
    """
    with tempfile.TemporaryDirectory(prefix="equimap-upload-") as tmp:
        gdf = read_service_layer(_scratch_copy(tmp, file_name, _data))
    csv = Path(file_name).suffix.lower() == ".csv"
    cols = [c for c in gdf.columns if c != gdf.geometry.name and not (csv and str(c).lower() in _COORDINATES)]
    numeric = []
    for c in cols:
        raw = gdf[c]
        if pd.api.types.is_bool_dtype(raw) or raw.notna().sum() == 0:
            continue
        if pd.to_numeric(raw, errors="coerce").notna().sum() == raw.notna().sum():
            numeric.append(c)
    return tuple(map(str, cols)), tuple(map(str, numeric))


@st.cache_data(show_spinner=False, max_entries=16)
def read_upload(
    digest: str,  # noqa: ARG001 - the cache key of `_data`
    file_name: str,
    *,
    name_col: str,
    capacity_col: str,
    crs: str,
    key: str,
    bbox: tuple[float, float, float, float] | None,
    _data: bytes,
) -> gpd.GeoDataFrame:
    """Return the sites of an uploaded file (`load_service_file`, category `key`), points in `crs`.

    `bbox` is the region's extent, checked exactly as by the CLI's ``--services``: a file
    with sites outside it (or with swapped coordinates, metres labelled as degrees...) is refused.

    Without a name column the sites are named after the file: "clinics 1", "clinics 2"...
    """
    with tempfile.TemporaryDirectory(prefix="equimap-upload-") as tmp:
        svc = load_service_file(
            _scratch_copy(tmp, file_name, _data),
            category=key,
            name_col=name_col or None,
            capacity_col=capacity_col or None,
            crs=crs,
            bbox=bbox,
        )
    if not name_col:
        svc["name"] = [f"{Path(file_name).stem} {i + 1}" for i in range(len(svc))]
    return svc


def _n_outside(prep: Prepared, services: gpd.GeoDataFrame) -> int:
    """Return how many sites lie beyond the residents' extent plus the largest snapping distance."""
    x0, y0, x1, y1 = prep.population.total_bounds
    pad = settings.MAX_SNAP_M
    x, y = services.geometry.x, services.geometry.y
    return int((~(x.between(x0 - pad, x1 + pad) & y.between(y0 - pad, y1 + pad))).sum())


def _drop() -> None:
    """Forget the upload; a page showing it goes back to the default service."""
    s = st.session_state
    s["uploaded"] = None
    if is_upload(s["category"]):
        s["category"] = DEFAULTS["category"]


def _guess_name(columns: tuple[str, ...]) -> str:
    lower = {c.lower(): c for c in columns}
    return next((lower[g] for g in NAME_GUESSES if g in lower), "")


def sync(prep: Prepared) -> Status:
    """Read the file in the uploader (if it changed) and make it the selected service; call before the choices.

    A new file selects its list at once; changing its name or capacity column
    keeps it selected. Problems are returned (and drawn by `draw`), never raised.
    """
    s = st.session_state
    file = s.get(WIDGET)
    if file is None:
        if current() is not None:
            _drop()
        return Status()
    data = file.getvalue()
    file_name = Path(file.name).name
    problem = check_upload(file_name, len(data))
    if problem is not None:
        _drop()
        return Status(error=problem)
    digest = hashlib.sha256(data).hexdigest()
    try:
        columns, numeric = file_columns(digest, file_name, _data=data)
    except EquimapError as exc:
        _drop()
        return Status(error=("upload.error", {"message": str(exc)}))
    before = current()
    if before is None or before.digest != digest:  # a new file: start from its obvious name column
        s["upload_name"], s["upload_capacity"] = _guess_name(columns), ""
    name_col = s["upload_name"] if s["upload_name"] in columns else ""
    capacity_col = s["upload_capacity"] if s["upload_capacity"] in numeric else ""
    ident = "\0".join([digest, name_col, capacity_col, prep.region.key, prep.region.crs])
    key = UPLOAD_PREFIX + hashlib.sha256(ident.encode()).hexdigest()[:16]
    if before is not None and before.key == key:
        return Status(columns, numeric)
    try:
        svc = read_upload(
            digest,
            file_name,
            name_col=name_col,
            capacity_col=capacity_col,
            crs=prep.region.crs,
            key=key,
            bbox=prep.region.bbox,
            _data=data,
        )
    except EquimapError as exc:
        _drop()
        return Status(columns, numeric, error=("upload.error", {"message": str(exc)}))
    s["uploaded"] = Upload(key, digest, file_name, svc, name_col, capacity_col, _n_outside(prep, svc))
    if before is None or before.digest != digest or s["category"] == before.key:
        s["category"] = key
    return Status(columns, numeric)


def _store(widget: str, name: str) -> None:
    st.session_state[name] = st.session_state[widget]


def _column_select(label: str, columns: tuple[str, ...], name: str, *, lang: str, digest: str, help: str | None = None):  # noqa: A002
    """Draw a selectbox for the session value `name` (a column or "" for none), keyed per language and file."""
    widget = f"w__{name}__{lang}__{digest[:12]}"
    st.session_state[widget] = st.session_state[name] if st.session_state[name] in columns else ""
    st.sidebar.selectbox(
        label,
        ["", *columns],
        key=widget,
        format_func=lambda c: c or t("upload.no_column", lang),
        help=help,
        on_change=_store,
        args=(widget, name),
    )


def draw(status: Status, lang: str) -> None:
    """Draw the uploader, then the problem of its file, or the list's size and its column choices."""
    sb = st.sidebar
    sb.file_uploader(t("upload.label", lang), key=WIDGET, help=t("upload.help", lang, limit_mb=MAX_UPLOAD_MB))
    if status.error is not None:
        key, fields = status.error
        sb.error(t(key, lang, limit_mb=MAX_UPLOAD_MB, **fields))
    up = current()
    if up is None:
        return
    sb.caption(t("upload.loaded", lang, file=up.file_name, n=fmt_num(len(up.services), lang)))
    if up.n_outside:
        sb.warning(t("upload.outside", lang, n=fmt_num(up.n_outside, lang), total=fmt_num(len(up.services), lang)))
    _column_select(t("upload.name_col", lang), status.columns, "upload_name", lang=lang, digest=up.digest)
    _column_select(
        t("upload.capacity_col", lang),
        status.numeric,
        "upload_capacity",
        lang=lang,
        digest=up.digest,
        help=t("upload.capacity_help", lang),
    )
