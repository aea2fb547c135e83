"""The one loader's checks of a user's facility file, before any computation.

Every user file (``--services``, ``--candidates``, an upload in the app, a
scenario file, an official list of a region) goes through :func:`read_user_layer`,
and, when the region is known, :func:`check_extent`. Each problem is one
sentence (:class:`~equimap.DataError`) saying what is wrong and how to fix it.

Rules (documented settings, environment overrides in brackets):

- The file exists, is a regular file (not a symlink), is readable, not empty and
  at most ``EQUIMAP_MAX_FILE_MB`` (default 200) MB.
- A zip archive: no member path that is absolute or climbs out (``..``), no
  symlink, no archive inside, at most :data:`MAX_ZIP_MEMBERS` members and
  ``EQUIMAP_MAX_UNZIPPED_MB`` (default 500) MB uncompressed, no member packed
  more than :data:`MAX_ZIP_RATIO` times (a zip bomb). A Shapefile in it needs its
  ``.shp``, ``.shx`` and ``.dbf``; the error names what is missing.
- Text files (GeoJSON, CSV) are UTF-8 (a UTF-8 byte-order mark is fine); UTF-16
  or Latin-1 are refused with one sentence.
- Geometry: a Point is one site; a MultiPoint of one point is that point; a
  MultiPoint of several points is refused (each site must be its own row, so
  that its name and capacity are its own); a Polygon or MultiPolygon of at most
  :data:`MAX_SITE_AREA_M2` (1 km²) becomes one site at a point inside it
  (``representative_point``); a larger one, lines and geometry collections are
  refused. Broken geometry (an unclosed ring) is refused.
- CRS: present; degrees only where the CRS is geographic, metres only where it is
  projected ("metres labelled as degrees" says so).
- Extent: every site within the region's ``bbox`` plus :data:`EXTENT_MARGIN_M`
  (5 km); else the error says how many lie outside and shows one, and says so
  when the coordinates look swapped (lat/lon or x/y). (0, 0) lies outside.

What this does not do: a text file (CSV, GeoJSON sequence) cut after a whole row,
or inside the last number of its last row, is a valid shorter file that no check
can tell from the real one. The read itself runs within ``EQUIMAP_READ_TIMEOUT_S``
and ``EQUIMAP_READ_MEMORY_MB`` (`equimap.region.boundedread`), on top of the size,
member and ratio caps.
"""

from __future__ import annotations

import math
import os
import stat
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from equimap._errors import DataError
from equimap._validate import read_vector
from equimap.region.boundedread import bounded_call

#: Largest user file (MB) unless ``EQUIMAP_MAX_FILE_MB`` says otherwise.
MAX_FILE_MB = 200
#: Largest uncompressed content of a zip (MB) unless ``EQUIMAP_MAX_UNZIPPED_MB`` says otherwise.
MAX_UNZIPPED_MB = 500
#: Most members a zip may hold.
MAX_ZIP_MEMBERS = 100
#: Largest ratio of uncompressed to compressed size of a zip member.
MAX_ZIP_RATIO = 200
#: Largest polygon (m²) that becomes one site at a point inside it.
MAX_SITE_AREA_M2 = 1_000_000.0
#: How far outside the region's bbox a site may lie (m).
EXTENT_MARGIN_M = 5_000.0
_ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".kmz")
_TEXT = (".geojson", ".json", ".csv")
_SHP_PARTS = (".shp", ".shx", ".dbf")


def _limit_mb(env: str, default: float) -> float:
    raw = os.environ.get(env)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        msg = f"{env} is {raw!r}; set it to a size in MB greater than 0 (default {default:g})."
        raise DataError(msg)
    return value


def check_user_file(path: Path) -> Path:
    """Return `path` if it passes the file checks of the module docstring, else raise DataError."""
    path = Path(path)
    name = path.name
    if path.is_symlink():
        msg = f"`{name}` is a symbolic link; give the file itself."
        raise DataError(msg)
    if not path.exists():
        msg = f"File `{path}` does not exist; check the path."
        raise DataError(msg)
    if not path.is_file():
        msg = f"`{name}` is not a file; give a GeoJSON, GeoPackage, CSV or zipped Shapefile."
        raise DataError(msg)
    if not os.access(path, os.R_OK):
        msg = f"`{name}` cannot be read (permission denied); make it readable."
        raise DataError(msg)
    size = path.stat().st_size
    if size == 0:
        msg = f"`{name}` is empty; export the layer again."
        raise DataError(msg)
    limit = _limit_mb("EQUIMAP_MAX_FILE_MB", MAX_FILE_MB)
    if size > limit * 1e6:
        msg = f"`{name}` is {size / 1e6:.1f} MB, over the {limit:g} MB limit (EQUIMAP_MAX_FILE_MB); clip it to the region first."
        raise DataError(msg)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        _check_zip(path)
    elif suffix in _TEXT:
        _check_text(path)
    return path


def _check_zip(path: Path) -> None:
    name = path.name
    if not zipfile.is_zipfile(path):
        msg = f"`{name}` is not a valid zip archive; zip the Shapefile's .shp, .shx, .dbf and .prj again."
        raise DataError(msg)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        msg = f"`{name}` is a damaged zip archive ({type(exc).__name__}); zip the files again."
        raise DataError(msg) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        msg = f"`{name}` holds {len(infos)} files, over the limit of {MAX_ZIP_MEMBERS}; zip only the layer's files."
        raise DataError(msg)
    total = 0
    files = []
    for info in infos:
        member = PurePosixPath(info.filename.replace("\\", "/"))
        if member.is_absolute() or ".." in member.parts or (member.parts and member.parts[0].endswith(":")):
            msg = (
                f"`{name}` holds `{info.filename}`, a path outside the archive; zip the layer's files without folders."
            )
            raise DataError(msg)
        if stat.S_ISLNK(info.external_attr >> 16):
            msg = f"`{name}` holds `{info.filename}`, a symbolic link; zip the files themselves."
            raise DataError(msg)
        if info.is_dir():
            continue
        if member.suffix.lower() in _ARCHIVES:
            msg = f"`{name}` holds another archive, `{info.filename}`; unpack it and zip the layer's files once."
            raise DataError(msg)
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) and info.file_size > 1_000_000:
            msg = f"`{name}`: `{info.filename}` unpacks {info.file_size / max(info.compress_size, 1):.0f} times larger than it is packed, which looks like a zip bomb; zip the real files."
            raise DataError(msg)
        total += info.file_size
        files.append(member)
    limit = _limit_mb("EQUIMAP_MAX_UNZIPPED_MB", MAX_UNZIPPED_MB)
    if total > limit * 1e6:
        msg = f"`{name}` unpacks to {total / 1e6:.0f} MB, over the {limit:g} MB limit (EQUIMAP_MAX_UNZIPPED_MB); clip the layer first."
        raise DataError(msg)
    _check_shapefile_parts(name, files)


def _check_shapefile_parts(name: str, files: list[PurePosixPath]) -> None:
    stems: dict[str, set[str]] = {}
    for f in files:
        if f.name.startswith(".") or "__MACOSX" in f.parts:
            continue
        stems.setdefault(str(f.with_suffix("")), set()).add(f.suffix.lower())
    shp_like = {s: sfx for s, sfx in stems.items() if sfx & set(_SHP_PARTS)}
    others = [f for f in files if f.suffix.lower() in (".geojson", ".json", ".gpkg", ".fgb")]
    if not shp_like:
        if others:
            return
        msg = f"`{name}` holds no .shp (nor GeoJSON or GeoPackage); zip the Shapefile's .shp, .shx, .dbf and .prj."
        raise DataError(msg)
    problems = []
    for stem, sfx in sorted(shp_like.items()):
        missing = [p for p in _SHP_PARTS if p not in sfx]
        if missing:
            problems.append(f"`{PurePosixPath(stem).name}` lacks its {', '.join(missing)}")
    if problems:
        msg = f"`{name}`: " + "; ".join(problems) + "; add the missing file(s) of the Shapefile to the zip."
        raise DataError(msg)


def _check_text(path: Path) -> None:
    head = path.read_bytes()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        msg = f"`{path.name}` is encoded in UTF-16; save it as UTF-8."
        raise DataError(msg)
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = (
            f"`{path.name}` is not UTF-8 (byte {exc.start} cannot be read; Latin-1 or Windows-1252?); save it as UTF-8."
        )
        raise DataError(msg) from None
    if b"\x00" in head:
        msg = f"`{path.name}` holds NUL bytes, so it is not a text file; export it again as UTF-8."
        raise DataError(msg)


def _parse(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    """Parse a checked file (run in the bounded child process of `equimap.region.boundedread`)."""
    if path.suffix.lower() == ".csv":
        _check_csv_degrees(path)
    return read_vector(path, layer=layer)


def read_checked_layer(
    path: Path, *, layer: str | None = None, name: str | None = None, bounded: bool = True
) -> gpd.GeoDataFrame:
    """Read a file after the file checks, within the read limits, and check its CRS and coordinates.

    Parameters
    ----------
    path
        Any vector file `equimap._validate.read_vector` reads.
    layer
        The layer of a multi-layer file (GeoPackage), else the first.
    name
        The file name the sentences show (default: `path`'s own name); an upload gives
        the user's file name here, never the server's scratch path.
    bounded
        Read in a child process within ``EQUIMAP_READ_TIMEOUT_S`` and
        ``EQUIMAP_READ_MEMORY_MB`` (`equimap.region.boundedread`); False reads in this process.

    Returns
    -------
    geopandas.GeoDataFrame
        The file's rows as they are, in its own CRS; the index is the row number (0...).
    """
    path = check_user_file(Path(path))
    name = name or path.name
    try:
        if bounded:
            gdf, seen = bounded_call(_parse, path, layer, name=name)
        else:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                gdf = _parse(path, layer)
            seen = [(str(w.message), w.category) for w in caught]
    except DataError as exc:
        raise DataError(_renamed(str(exc), path, name)) from None
    except shapely.errors.GEOSException as exc:
        msg = f"`{name}` has a broken geometry ({str(exc).splitlines()[0][:80]}); close every polygon ring and save it again."
        raise DataError(msg) from None
    except Exception as exc:  # noqa: BLE001 - a reader's failure on a user's file is bad input, never a traceback
        first = _renamed(str(exc).splitlines()[0][:100], path, name) if str(exc) else type(exc).__name__
        msg = f"`{name}` could not be read ({type(exc).__name__}: {first}); check it is a complete, valid file."
        raise DataError(msg) from None
    for text, category in seen:  # GDAL's "Non closed ring detected" is a broken geometry; other warnings pass on
        if "closed ring" in text:
            msg = f"`{name}` has a broken geometry (a polygon ring that is not closed); close every ring and save it again."
            raise DataError(msg)
        warnings.warn(_renamed(text, path, name), category, stacklevel=2)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns or gdf.crs is None:
        msg = f"`{name}` has no geometry or no CRS; save it with point geometries and a CRS (e.g. EPSG:4326)."
        raise DataError(msg)
    gdf = gdf.reset_index(drop=True)
    _check_coordinates(gdf, name)
    return gdf


def _renamed(text: str, path: Path, name: str) -> str:
    """Return `text` with the file's full path (a scratch copy of an upload, say) and its folder shown as `name`."""
    for full in {str(path.resolve()), str(path.absolute()), str(path)}:
        text = text.replace(full, name)
    for folder in {str(path.resolve().parent), str(path.absolute().parent)}:
        if folder not in (os.sep, "."):
            text = text.replace(folder + os.sep, "").replace(folder, "")
    return text


def read_user_layer(
    path: Path, *, metric_crs: str | None = None, name: str | None = None, bounded: bool = True
) -> gpd.GeoDataFrame:
    """Read a user's facility file with every check of the module docstring; return one Point per site.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, CSV with lon/lat columns, or a zipped Shapefile.
    metric_crs
        The region's metric CRS, used to measure polygons (default: the file's own UTM zone).
    name, bounded
        As for :func:`read_checked_layer`.

    Returns
    -------
    geopandas.GeoDataFrame
        The file's rows, in its own CRS, with Point geometries; the index is the row number (0...).
    """
    name = name or Path(path).name
    gdf = read_checked_layer(path, name=name, bounded=bounded)
    return _to_points(gdf, name, metric_crs=metric_crs)


def _check_csv_degrees(path: Path) -> None:
    try:
        df = pd.read_csv(path, nrows=100_000)
    except Exception:  # noqa: BLE001 - the reader says what is wrong with an unreadable CSV
        return
    lower = {str(c).lower(): c for c in df.columns}
    lon = next((lower[c] for c in ("lon", "longitude", "lng", "x") if c in lower), None)
    lat = next((lower[c] for c in ("lat", "latitude", "y") if c in lower), None)
    if lon is None or lat is None:
        return
    x = pd.to_numeric(df[lon], errors="coerce").abs()
    y = pd.to_numeric(df[lat], errors="coerce").abs()
    if (x > 1000).any() or (y > 1000).any():
        i = int(np.flatnonzero(((x > 1000) | (y > 1000)).to_numpy())[0])
        msg = (
            f"`{path.name}`: the coordinates look like metres, not degrees, e.g. ({df[lon].iloc[i]}, {df[lat].iloc[i]}) "
            f"at row {i + 2}; give `{lon}`/`{lat}` in degrees (EPSG:4326), or save the file as GeoJSON/GeoPackage with its CRS."
        )
        raise DataError(msg)


def _check_coordinates(gdf: gpd.GeoDataFrame, name: str) -> None:
    coords = shapely.get_coordinates(gdf.geometry.to_numpy())
    if not np.isfinite(coords).all():
        msg = f"`{name}` has coordinates that are not finite numbers (NaN or infinity); fix or remove those features."
        raise DataError(msg)
    if gdf.crs.is_geographic:
        bad = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
        if bad.any():
            x, y = coords[np.flatnonzero(bad)[0]]
            msg = (
                f"`{name}`: the coordinates look like metres labelled as degrees ({gdf.crs.to_string()}), "
                f"e.g. ({x:.0f}, {y:.0f}); set the file's real projected CRS (such as the region's) and save it again."
            )
            raise DataError(msg)
    elif len(coords) and (np.abs(coords) <= 180).all():
        x, y = coords[0]
        msg = (
            f"`{name}`: the coordinates look like degrees, e.g. ({x:g}, {y:g}), but the CRS "
            f"{gdf.crs.to_string()} is in metres; set the CRS to EPSG:4326 and save it again."
        )
        raise DataError(msg)


def _to_points(gdf: gpd.GeoDataFrame, name: str, *, metric_crs: str | None) -> gpd.GeoDataFrame:
    geom = gdf.geometry
    kinds = geom.geom_type.to_numpy()
    problems = []
    multi = kinds == "MultiPoint"
    parts = shapely.get_num_geometries(geom.to_numpy())
    many = np.flatnonzero(multi & (parts > 1))
    if len(many):
        problems.append(
            f"{len(many)} feature(s) are multipoints of several points (first at row {many[0]}); "
            "give each site its own Point row, with its own name"
        )
    refused = ~np.isin(kinds, ["Point", "MultiPoint", "Polygon", "MultiPolygon"])
    if refused.any():
        i = int(np.flatnonzero(refused)[0])
        problems.append(
            f"{int(refused.sum())} feature(s) are {kinds[i]}s (first at row {i}); give sites as points (or small polygons)"
        )
    poly = np.isin(kinds, ["Polygon", "MultiPolygon"])
    if poly.any() and not problems:
        crs = metric_crs or gdf.estimate_utm_crs()
        area = gdf.geometry[poly].to_crs(crs).area
        big = area[area > MAX_SITE_AREA_M2]
        if len(big):
            problems.append(
                f"{len(big)} polygon(s) are larger than {MAX_SITE_AREA_M2 / 1e6:g} km² (first at row {big.index[0]}, "
                f"{big.iloc[0] / 1e6:.1f} km²), too large to be one site; give sites as points"
            )
    if problems:
        msg = f"`{name}`: " + "; ".join(problems) + "."
        raise DataError(msg)
    points = np.where(multi, shapely.get_geometry(geom.to_numpy(), 0), geom.to_numpy())
    if poly.any():
        points[poly] = shapely.point_on_surface(geom.to_numpy()[poly])
    return gdf.set_geometry(gpd.GeoSeries(points, index=gdf.index, crs=gdf.crs))


def check_extent(points: gpd.GeoDataFrame, *, bbox: tuple[float, float, float, float] | None, where: str) -> None:
    """Raise DataError unless every point lies within `bbox` (west, south, east, north in degrees) plus the margin.

    The error says how many points lie outside and shows one; when every such
    point would lie inside with its two coordinates swapped, it says the
    coordinates look swapped. Nothing is checked when `bbox` is None.
    """
    if bbox is None or len(points) == 0:
        return
    w, s, e, n = (float(v) for v in bbox)
    mid = math.radians((s + n) / 2)
    dlat = EXTENT_MARGIN_M / 111_320.0
    dlon = EXTENT_MARGIN_M / (111_320.0 * max(math.cos(mid), 0.01))
    w, e, s, n = w - dlon, e + dlon, s - dlat, n + dlat
    ll = points.to_crs("EPSG:4326") if points.crs is not None and not points.crs.equals("EPSG:4326") else points
    x = ll.geometry.x.to_numpy()
    y = ll.geometry.y.to_numpy()
    inside = (x >= w) & (x <= e) & (y >= s) & (y <= n)
    if inside.all():
        return
    out = np.flatnonzero(~inside)
    i = int(out[0])
    native = shapely.get_coordinates(points.geometry.to_numpy()[i])[0]
    swapped = (y[out] >= w) & (y[out] <= e) & (x[out] >= s) & (x[out] <= n)
    if points.crs is not None and not points.crs.is_geographic:
        # x/y swapped in a projected CRS: try the swapped pair in that CRS
        pts = points.geometry.to_numpy()[out]
        c = shapely.get_coordinates(pts)
        back = gpd.GeoSeries(gpd.points_from_xy(c[:, 1], c[:, 0]), crs=points.crs).to_crs("EPSG:4326")
        bx, by = back.x.to_numpy(), back.y.to_numpy()
        swapped = swapped | ((bx >= w) & (bx <= e) & (by >= s) & (by <= n))
    region = f"the region's extent ({bbox[0]:g}–{bbox[2]:g}°E, {bbox[1]:g}–{bbox[3]:g}°N, plus {EXTENT_MARGIN_M / 1000:g} km)"
    if swapped.all():
        msg = (
            f"`{where}`: the coordinates look swapped: {len(out)} of {len(points)} sites lie outside {region}, "
            f"e.g. row {i} at ({native[0]:g}, {native[1]:g}), but inside it with the two coordinates exchanged; "
            "swap the longitude/latitude (or x/y) columns."
        )
    else:
        msg = (
            f"`{where}`: {len(out)} of {len(points)} sites lie outside {region}, e.g. row {i} at "
            f"lon {x[i]:.5g}, lat {y[i]:.5g}; remove them or check the file's CRS."
        )
    raise DataError(msg)


#: Geometry types of a region's own area layers: the census grid, population zones, boundaries, the study area.
AREA_TYPES = ("Polygon", "MultiPolygon")


def read_region_layer(path: Path, *, key: str, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one of a region's own area layers with the checks of a user's file, naming its manifest key.

    The region's files are the operator's, read in this process (no child process, and no
    upload size cap: a national census grid can be large), but with the same checks as a
    user's file after reading: features present, a CRS, finite coordinates that fit the CRS
    (no metres labelled as degrees, no degrees labelled as metres), and polygons only.

    Parameters
    ----------
    path
        The file the manifest names.
    key
        The manifest key that names it (``population.path``, ``boundaries.councils``...),
        shown in every sentence so that the operator knows which entry to fix.
    layer
        The layer of a multi-layer file (GeoPackage), else the first.
    """
    path = Path(path)
    try:
        gdf = read_vector(path, layer=layer)
        _check_coordinates(gdf, path.name)
    except DataError as exc:
        msg = f"The region manifest's `{key}`: {exc}"
        raise DataError(msg) from None
    kinds = gdf.geometry.geom_type.to_numpy()
    wrong = ~np.isin(kinds, AREA_TYPES)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        msg = (
            f"The region manifest's `{key}`: `{path.name}` has {int(wrong.sum())} feature(s) that are {kinds[i]}s "
            f"(first at row {i}); this layer must hold polygons (cells, zones or boundaries)."
        )
        raise DataError(msg)
    return gdf
