"""Write protected tables and map layers to CSV, Excel, GeoPackage and GeoJSON.

These writers take tables that have already been through
:func:`equimap.protect.suppression.suppress_counts` and a one-line notice (the ``text`` of
:func:`equimap.protect.suppression.protection_header`). Each puts the notice where a reader meets it
first: the first line of a CSV, the first row of an Excel file's first sheet, a
``README`` table and every layer's description in a GeoPackage, and the top-level
``description`` member of a GeoJSON file.

A named index (``GRD_ID``, a council name) is written as the first column(s); an
unnamed index is not written. Every writer replaces an existing file at `path`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from equimap._errors import DataError

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: Name of the notice sheet (Excel) and table (GeoPackage).
README = "README"
#: Columns of the ``readme`` table given to :func:`to_xlsx`.
README_COLUMNS = ("sheet", "column", "description", "unit")
_SHEET_MAX = 31
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


#: Excel number format of each kind of column (see :func:`column_kind`).
NUMBER_FORMATS = {"count": "#,##0", "share": "0.0%", "minutes": "0.0", "points": "0.00"}
_NOT_COUNT = re.compile(r"share|ratio|_pp|simpson|_min($|_)|density|lon$|lat$|_diff|score|_rel_")


def column_kind(name: str, values: pd.Series) -> str | None:
    """Return the kind of a column by its name and values: ``count``, ``share``, ``minutes``, ``points`` or None.

    A share (0..1) has ``share`` in its name; minutes end in ``_min`` (or ``_min_lo``,
    ``_min_hi``); percentage points have ``_pp``; a count is a column of whole numbers
    (integers, or floats that are all whole) that is none of these nor a ratio, index,
    density, coordinate or score. Other columns have no kind.
    """
    name = str(name)
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    if "_pp" in name:
        return "points"
    if "share" in name:
        return "share"
    if re.search(r"_min($|_)", name):
        return "minutes"
    if _NOT_COUNT.search(name):
        return None
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    v = v[~np.isnan(v)]
    return "count" if np.isfinite(v).all() and (v == np.round(v)).all() else None


def whole_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with its count columns (:func:`column_kind`) as nullable integers (``Int64``; hidden = <NA>)."""
    out = frame.copy()
    for c in out.columns:
        if column_kind(c, out[c]) == "count" and not pd.api.types.is_integer_dtype(out[c]):
            out[c] = pd.array(np.round(out[c].to_numpy(dtype="float64", na_value=np.nan)), dtype="Int64")
    return out


def to_csv(table: pd.DataFrame, path: str | os.PathLike[str], *, notice: str) -> Path:
    """Write `table` as UTF-8 CSV whose first line is the comment ``# <notice>``.

    Counts (:func:`column_kind`) are written as whole numbers (``3752``, not ``3752.0``).

    Parameters
    ----------
    table
        A protected table; hidden values (NaN) are written as empty fields. A
        GeoDataFrame's geometry is written as WKT.
    path
        File to write.
    notice
        One line of text, e.g. ``protection_header(result)["text"]``.

    Returns
    -------
    Path
        The file written. Read it back with ``pandas.read_csv(path, skiprows=1)``.
    """
    _raise(_check_notice(notice) + _check_table(table, "`table`"))
    frame = whole_counts(_plain(table))
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(f"# {notice}\n")
        frame.to_csv(f, index=False, lineterminator="\n")
    return path


def to_xlsx(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    readme: pd.DataFrame,
    notice: str,
) -> Path:
    """Write an Excel workbook: a ``README`` sheet, then one sheet per table.

    The README sheet holds the notice in cell A1, then a table of column descriptions
    (``sheet``, ``column``, ``description``, ``unit``). Sheet names are made valid for
    Excel (at most 31 characters, none of ``[]:*?/\\``, unique); the README lists the
    names used. Text that starts with ``=`` is stored as text, never as a formula.
    Geometry columns are left out; use :func:`to_gpkg` for maps.

    Parameters
    ----------
    tables
        Sheet name -> protected table, in sheet order.
    path
        File to write (``.xlsx``).
    readme
        Columns ``sheet`` (a key of `tables`), ``column`` (one of its columns, or empty
        for the whole sheet), ``description`` and ``unit``.
    notice
        One line of text, e.g. ``protection_header(results)["text"]``.

    Returns
    -------
    Path
        The file written.
    """
    problems = _check_notice(notice) + _check_tables(tables)
    problems += _check_readme(readme, {k: _plain(v, geometry=False) for k, v in tables.items()} if not problems else {})
    _raise(problems)
    names = excel_sheet_names(list(tables))
    wb = Workbook(write_only=True)
    _write_readme_sheet(wb, readme, names, notice)
    for key, frame in tables.items():
        _write_sheet(wb, names[key], _plain(frame, geometry=False))
    path = Path(path)
    wb.save(path)
    return path


def to_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike[str],
    *,
    notice: str,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write map layers to one GeoPackage, with the notice in a ``README`` table.

    Each layer keeps its CRS. The notice is also each layer's description (shown by
    QGIS in the layer's properties) and the file's ``NOTICE`` metadata item. The README
    table has columns ``item`` and ``text``: the notice first, then one row per layer.
    (GDAL lists non-spatial tables after the map layers, whatever the writing order.)

    Parameters
    ----------
    layers
        Layer name -> protected GeoDataFrame with a CRS and at least one row.
    path
        File to write (``.gpkg``); an existing file is replaced.
    notice
        One line of text, e.g. ``protection_header(results)["text"]``.
    metadata
        More ``item -> text`` rows for the README table (after the notice), also written as
        the file's metadata items (upper-cased), e.g. the speed profile's name and digest.

    Returns
    -------
    Path
        The file written. ``pyogrio.list_layers(path)`` lists the layers and ``README``.
    """
    problems = _check_notice(notice)
    if not isinstance(layers, Mapping) or not layers:
        problems.append("`layers` is empty; pass at least one named layer")
    else:
        for name, gdf in layers.items():
            problems += _check_layer(gdf, f"layer `{name}`")
        lowered = [str(n).strip().lower() for n in layers]
        if any(not n for n in lowered):
            problems.append("layer names must not be empty")
        if README.lower() in lowered:
            problems.append(f"layer name `{README}` is reserved for the notice; rename that layer")
        if len(set(lowered)) != len(lowered):
            problems.append("layer names must differ other than in upper/lower case")
    _raise(problems)
    path = Path(path)
    path.unlink(missing_ok=True)
    extra = {str(k): str(v) for k, v in (metadata or {}).items()}
    rows = [("notice", notice), *extra.items()]
    rows += [("layer", f"{n}: {len(g)} features, CRS {g.crs.to_string()}") for n, g in layers.items()]
    readme = pd.DataFrame(rows, columns=["item", "text"])
    items = {"NOTICE": notice, **{k.upper().replace(":", "_"): v for k, v in extra.items()}}
    pyogrio.write_dataframe(readme, path, layer=README, driver="GPKG", dataset_metadata=items)
    for name, gdf in layers.items():
        frame = _with_index(gdf)
        pyogrio.write_dataframe(frame, path, layer=str(name), driver="GPKG", layer_options={"DESCRIPTION": notice})
    return path


def to_geojson(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str], *, notice: str) -> Path:
    """Write one layer as RFC 7946 GeoJSON (EPSG:4326, longitude first), with the notice.

    The layer is reprojected to EPSG:4326 as RFC 7946 requires; coordinates keep 7
    decimals (about 1 cm). The notice goes in the top-level ``description`` member.
    RFC 7946 lets readers ignore such members, and most do (QGIS, geopandas, web
    maps), so give people a README or a CSV alongside when the notice must be seen.

    Parameters
    ----------
    gdf
        A protected GeoDataFrame with a CRS and at least one row.
    path
        File to write (``.geojson``); an existing file is replaced.
    notice
        One line of text, e.g. ``protection_header(result)["text"]``.

    Returns
    -------
    Path
        The file written.
    """
    _raise(_check_notice(notice) + _check_layer(gdf, "`gdf`"))
    path = Path(path)
    path.unlink(missing_ok=True)
    frame = _with_index(gdf).to_crs("EPSG:4326")
    pyogrio.write_dataframe(frame, path, driver="GeoJSON", layer_options={"RFC7946": "YES", "DESCRIPTION": notice})
    return path


def excel_sheet_names(names: Sequence[str]) -> dict[str, str]:
    """Return a valid, unique Excel sheet name for each name, keeping its order.

    Characters Excel forbids (``[]:*?/\\``) become ``_``, names are cut to 31
    characters, ``README`` and ``History`` are reserved, and clashes (Excel ignores
    case) get a ``~2``, ``~3``... suffix.
    """
    used = {README.lower(), "history"}
    out: dict[str, str] = {}
    for name in names:
        base = _SHEET_BAD.sub("_", str(name)).strip().strip("'") or "Sheet"
        candidate, k = base[:_SHEET_MAX], 1
        while candidate.lower() in used:
            k += 1
            suffix = f"~{k}"
            candidate = base[: _SHEET_MAX - len(suffix)] + suffix
        used.add(candidate.lower())
        out[name] = candidate
    return out


# --- helpers -----------------------------------------------------------------------------------


def _raise(problems: list[str]) -> None:
    if problems:
        msg = "; ".join(problems) + "."
        raise DataError(msg[0].upper() + msg[1:])


def _check_notice(notice: object) -> list[str]:
    if not isinstance(notice, str) or not notice.strip():
        return ["`notice` must be non-empty text (use `protection_header(...)['text']`)"]
    if "\n" in notice or "\r" in notice:
        return ["`notice` must be one line; remove its line breaks"]
    return []


def _check_table(table: object, what: str) -> list[str]:
    if not isinstance(table, pd.DataFrame):
        return [f"{what} must be a pandas DataFrame, not {type(table).__name__}"]
    if table.empty:
        return [f"{what} is empty; export at least one row and one column"]
    return []


def _check_tables(tables: object) -> list[str]:
    if not isinstance(tables, Mapping) or not tables:
        return ["`tables` is empty; pass at least one named table"]
    problems = []
    for name, table in tables.items():
        problems += _check_table(table, f"table `{name}`")
    return problems


def _check_layer(gdf: object, what: str) -> list[str]:
    if not isinstance(gdf, gpd.GeoDataFrame):
        return [f"{what} must be a GeoDataFrame, not {type(gdf).__name__}"]
    problems = []
    if gdf.empty:
        problems.append(f"{what} is empty; export at least one feature")
    if gdf.crs is None:
        problems.append(f"{what} has no CRS; set it with `gdf.set_crs(...)`")
    return problems


def _check_readme(readme: object, frames: Mapping[str, pd.DataFrame]) -> list[str]:
    if not isinstance(readme, pd.DataFrame):
        return [f"`readme` must be a DataFrame with columns {list(README_COLUMNS)}"]
    missing = [c for c in README_COLUMNS if c not in readme.columns]
    if missing:
        return [f"`readme` lacks columns {missing}; give it {list(README_COLUMNS)}"]
    if not frames:
        return []
    problems = []
    keys = {str(k): v for k, v in frames.items()}
    bad_sheets = sorted({str(s) for s in readme["sheet"] if str(s) not in keys})
    if bad_sheets:
        problems.append(f"`readme` names sheets {bad_sheets} that are not keys of `tables`")
    bad_cols = sorted(
        {
            f"{s}.{c}"
            for s, c in zip(readme["sheet"], readme["column"], strict=True)
            if str(s) in keys and not _blank(c) and c not in keys[str(s)].columns
        }
    )
    if bad_cols:
        problems.append(f"`readme` describes columns {bad_cols} that its tables do not have")
    return problems


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value == ""


def _with_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with a named index moved into columns (a new object)."""
    if any(n is not None for n in frame.index.names):
        return frame.reset_index()
    return frame.reset_index(drop=True)


def _plain(frame: pd.DataFrame, *, geometry: bool = True) -> pd.DataFrame:
    """Return a non-spatial copy: geometry as WKT (or dropped), named index as columns."""
    frame = _with_index(frame)
    geo_cols = [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    if not geo_cols:
        return frame
    if not geometry:
        return pd.DataFrame(frame.drop(columns=geo_cols))
    out = pd.DataFrame(frame.drop(columns=geo_cols))
    for c in geo_cols:
        out[c] = gpd.GeoSeries(frame[c]).to_wkt()
    return out[list(frame.columns)]


def _cell(
    ws: WriteOnlyWorksheet, value: object, *, bold: bool = False, number_format: str | None = None
) -> WriteOnlyCell:
    """Return an openpyxl write-only cell; missing values are empty, ``=...`` stays text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        value = None
    elif isinstance(value, pd.Timestamp):
        value = value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    elif not isinstance(value, str | int | float | bool):
        value = str(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    if number_format is not None and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = number_format
    return cell


def _write_rows(ws: WriteOnlyWorksheet, rows: Iterable[Iterable[object]]) -> None:
    for row in rows:
        ws.append([_cell(ws, v) for v in row])


def _write_readme_sheet(wb: Workbook, readme: pd.DataFrame, names: Mapping[str, str], notice: str) -> None:
    ws = wb.create_sheet(README)
    for letter, width in zip("ABCD", (24, 24, 80, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append([_cell(ws, notice, bold=True)])
    ws.append([])
    ws.append([_cell(ws, h, bold=True) for h in README_COLUMNS])
    by_key = {str(k): v for k, v in names.items()}
    rows = (
        [by_key.get(str(s), s), None if _blank(c) else c, d, u]
        for s, c, d, u in readme.loc[:, list(README_COLUMNS)].itertuples(index=False, name=None)
    )
    _write_rows(ws, rows)


def _write_sheet(wb: Workbook, name: str, frame: pd.DataFrame) -> None:
    ws = wb.create_sheet(name)
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, str(c), bold=True) for c in frame.columns])
    frame = whole_counts(frame)
    kinds = [column_kind(c, frame[c]) for c in frame.columns]
    fmts = [NUMBER_FORMATS.get(k) if k else None for k in kinds]
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(ws, v, number_format=f) for v, f in zip(row, fmts, strict=True)])
