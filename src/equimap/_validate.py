"""Checks of user-supplied files and tables, with one-sentence errors that say how to fix them."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from equimap._errors import DataError

#: Largest file a user may load (bytes): bigger uploads are refused before reading.
MAX_FILE_BYTES = 200 * 1024 * 1024
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".fgb", ".csv", ".parquet")
_LON = ("lon", "longitude", "lng", "x")
_LAT = ("lat", "latitude", "y")


def check_file(path: Path, *, max_bytes: int | None = None) -> Path:
    """Return `path` if it exists, is not empty and is not too large (`MAX_FILE_BYTES`); else raise DataError."""
    path = Path(path)
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    if not path.exists():
        msg = f"File `{path}` does not exist; check the path or the region manifest."
        raise DataError(msg)
    size = path.stat().st_size
    if size == 0:
        msg = f"`{path.name}` is empty; export the layer again."
        raise DataError(msg)
    if size > max_bytes:
        msg = f"`{path.name}` is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit; clip it to the region first."
        raise DataError(msg)
    return path


def read_vector(path: Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer (GeoPackage, GeoJSON, zipped Shapefile, FlatGeobuf, GeoParquet, CSV with lon/lat).

    Raises
    ------
    DataError
        If the file is missing, empty, too large, malformed, has no CRS or
        holds broken or empty geometries.
    """
    path = check_file(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        msg = f"`{name}` has an unsupported format; use one of {list(VECTOR_SUFFIXES)}."
        raise DataError(msg)
    if suffix == ".zip" and not zipfile.is_zipfile(path):
        msg = f"`{name}` is not a valid zip archive; zip the Shapefile's .shp, .shx, .dbf and .prj again."
        raise DataError(msg)
    try:
        if suffix == ".csv":
            gdf = _read_csv_points(path)
        elif suffix == ".parquet":
            gdf = gpd.read_parquet(path)
        else:
            gdf = pyogrio.read_dataframe(path, layer=layer)
    except DataError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"`{name}` could not be read ({first}); check it is a complete, valid file."
        raise DataError(msg) from None
    if len(gdf) == 0:
        msg = f"`{name}` has no features; check you exported the right layer."
        raise DataError(msg)
    if gdf.crs is None:
        msg = f"`{name}` has no CRS; set one (e.g. EPSG:4326 for lon/lat) in your GIS and save it again."
        raise DataError(msg)
    return check_geometries(gdf, where=name)


def _read_csv_points(path: Path) -> gpd.GeoDataFrame:
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        msg = f"`{path.name}` is not a readable CSV ({type(exc).__name__}); save it as UTF-8 CSV with a header row."
        raise DataError(msg) from None
    lower = {c.lower(): c for c in df.columns}
    lon = next((lower[c] for c in _LON if c in lower), None)
    lat = next((lower[c] for c in _LAT if c in lower), None)
    if lon is None or lat is None:
        msg = f"`{path.name}` has no coordinate columns; add `lon` and `lat` columns in degrees (EPSG:4326)."
        raise DataError(msg)
    x = pd.to_numeric(df[lon], errors="coerce")
    y = pd.to_numeric(df[lat], errors="coerce")
    bad = x.isna() | y.isna() | ~x.between(-180, 180) | ~y.between(-90, 90)
    if bad.any():
        msg = f"`{path.name}`: {int(bad.sum())} rows have missing or out-of-range `{lon}`/`{lat}` (first at row {int(np.flatnonzero(bad)[0]) + 2}); fix or remove them."
        raise DataError(msg)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def check_geometries(gdf: gpd.GeoDataFrame, *, where: str) -> gpd.GeoDataFrame:
    """Return `gdf` with invalid polygons repaired; raise DataError on missing or empty geometries."""
    geom = gdf.geometry
    missing = geom.isna() | geom.is_empty
    if missing.any():
        msg = f"`{where}`: {int(missing.sum())} features have no geometry (first at row {int(np.flatnonzero(missing)[0])}); remove them or draw their shapes."
        raise DataError(msg)
    invalid = ~geom.is_valid
    if invalid.any():
        fixed = shapely.make_valid(geom.to_numpy())
        gdf = gdf.set_geometry(gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs))
    return gdf


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, where: str) -> None:
    """Raise DataError naming every column of `columns` missing from `df`."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        have = [c for c in df.columns if c != "geometry"][:12]
        msg = f"`{where}`: column{'s' if len(missing) > 1 else ''} {', '.join(f'`{c}`' for c in missing)} missing; the file has {have}."
        raise DataError(msg)


def require_counts(df: pd.DataFrame, columns: Iterable[str], *, where: str) -> pd.DataFrame:
    """Return `columns` of `df` as float counts; raise DataError on non-numeric or negative values."""
    out = {}
    problems = []
    for c in columns:
        raw = df[c]
        num = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & num.isna()
        if bad.any():
            problems.append(f"column `{c}` has non-numeric values such as {raw[bad].iloc[0]!r}")
        elif (num < 0).any():
            problems.append(f"column `{c}` has negative counts such as {num[num < 0].iloc[0]:g}")
        out[c] = num.astype(float)
    if problems:
        msg = f"`{where}`: " + "; ".join(problems) + "; counts must be numbers of residents, 0 or more."
        raise DataError(msg)
    return pd.DataFrame(out, index=df.index)


# Checks shared by the statistics modules (gaps, supply, inequality): each returns
# the problems it finds so that a caller can raise once with all of them.


def _fail(problems: Sequence[str]) -> None:
    """Raise one DataError listing every problem, if there are any."""
    if problems:
        msg = "; ".join(problems) + "."
        raise DataError(msg)


def _population_problems(df: pd.DataFrame, columns: Sequence[str], name: str) -> list[str]:
    """Return what is wrong with the population columns `columns` of `df` (missing, non-numeric, NaN, negative)."""
    problems = []
    missing = [c for c in columns if c not in df.columns]
    if missing:
        problems.append(
            f"`{name}` has no column {', '.join(f'`{c}`' for c in missing)}; pass a table with these columns"
        )
    for c in columns:
        if c in missing:
            continue
        col = df[c]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            problems.append(f"`{name}` column `{c}` is not numeric; convert it to residents (float)")
            continue
        if col.isna().any():
            problems.append(f"`{name}` column `{c}` has missing values; fill them with 0 or drop those rows")
        if (col < 0).any():
            problems.append(f"`{name}` column `{c}` has negative populations; residents must be 0 or more")
        elif not np.isfinite(col.to_numpy(dtype=float)).all():
            problems.append(f"`{name}` column `{c}` has infinite populations; residents must be finite")
    return problems


def _time_problems(time_s: pd.Series, index: pd.Index, *, name: str = "time_s", index_of: str = "origins") -> list[str]:
    """Return what is wrong with a travel-time Series that must be aligned on `index`."""
    problems = []
    if not isinstance(time_s, pd.Series):
        return [f"`{name}` must be a pandas Series indexed like `{index_of}`"]
    if not time_s.index.equals(index):
        problems.append(f"`{name}` is not indexed like `{index_of}`; align it with `{name}.reindex({index_of}.index)`")
    if not pd.api.types.is_numeric_dtype(time_s) or pd.api.types.is_bool_dtype(time_s):
        problems.append(f"`{name}` is not numeric; pass seconds as float")
        return problems
    values = time_s.to_numpy(dtype=float)
    if np.isnan(values).any():
        problems.append(f"`{name}` has missing values; use `inf` for an origin that cannot reach any service")
    if (values < 0).any():
        problems.append(f"`{name}` has negative travel times; times must be 0 or more seconds")
    return problems


def _group_problems(groups: Mapping[str, str], reference: str | None) -> list[str]:
    problems = []
    if len(groups) == 0:
        problems.append("`groups` is empty; pass a mapping column -> label such as {'NAT': 'Born in Malta', ...}")
    elif reference is not None and reference not in groups:
        problems.append(f"`reference` `{reference}` is not one of the groups {list(groups)}; choose one of them")
    return problems


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return a / b, NaN where b is 0 (or either is NaN), without a RuntimeWarning."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    out = np.full(a.shape, np.nan)
    ok = (b != 0) & ~np.isnan(b) & ~np.isnan(a)
    np.divide(a, b, out=out, where=ok)
    return out
