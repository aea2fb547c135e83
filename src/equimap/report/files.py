"""Write a :class:`~equimap.analysis.bundle.Bundle` to files: CSV, Excel, GeoPackage, GeoJSON, HTML map or PDF report.

Every file opens with the bundle's protection notice (first line, first sheet, first
page, layer description) and every table and column is described in the chosen
language: the ``README`` sheet of the workbook, the ``README`` CSV, the GeoPackage's
``README`` table. Column names stay the same in every language, so scripts keep
working on a French or an English export.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from equimap._errors import DataError
from equimap.analysis.bundle import OUTSIDE, TOTAL, Bundle, Progress, Question, build_bundle
from equimap.i18n import has, languages, t
from equimap.network.profile import Profile
from equimap.protect.suppression import DEFAULT_THRESHOLD
from equimap.report.formats import to_csv, to_geojson, to_gpkg, to_xlsx
from equimap.report.labels import analysis_fill, group_label, group_who

#: Output formats and the file suffixes that select them.
FORMATS: dict[str, tuple[str, ...]] = {
    "pdf": (".pdf",),
    "xlsx": (".xlsx",),
    "gpkg": (".gpkg",),
    "geojson": (".geojson", ".json"),
    "html": (".html", ".htm"),
    "csv": (".csv", ".zip"),
}


def format_for(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Return the output format: `fmt` if given, else the one named by `path`'s suffix."""
    if fmt is not None:
        if fmt not in FORMATS:
            msg = f"Format `{fmt}` is unknown; choose one of {list(FORMATS)}."
            raise DataError(msg)
        return fmt
    suffix = Path(path).suffix.lower()
    for name, suffixes in FORMATS.items():
        if suffix in suffixes:
            return name
    known = [s for v in FORMATS.values() for s in v]
    msg = f"Output `{Path(path).name}` has no known suffix; end it in one of {known} or pass a format."
    raise DataError(msg)


def write_bundle(
    bundle: Bundle, path: str | os.PathLike[str], *, fmt: str | None = None, lang: str = "en"
) -> list[Path]:
    """Write `bundle` to `path` in `fmt` (default: from the suffix); return the files written."""
    fmt = format_for(path, fmt)
    path = Path(path)
    if fmt == "pdf":
        from equimap.report.pdf import write_report

        return [write_report(bundle, path, lang=lang)]
    if fmt == "html":
        from equimap.report.htmlmap import write_html

        return [write_html(bundle, path, lang=lang)]
    writers = {"xlsx": write_xlsx, "gpkg": write_gpkg, "geojson": write_geojson, "csv": write_csv}
    out = writers[fmt](bundle, path, lang=lang)
    return out if isinstance(out, list) else [out]


#: MIME type of the file each format downloads as (CSV and GeoJSON come as a zip of files).
MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/zip",
    "html": "text/html",
    "csv": "application/zip",
}


def bundle_download(bundle: Bundle, *, fmt: str, lang: str = "en", stem: str = "equimap") -> tuple[str, bytes, str]:
    """Return a file name, the bytes and the MIME type of `bundle` written in `fmt`, for a download button.

    Formats that write several files (``csv``, ``geojson``) come as one zip archive.
    """
    fmt = format_for("x", fmt)
    with tempfile.TemporaryDirectory() as tmp:
        suffix = ".zip" if fmt == "csv" else FORMATS[fmt][0]
        paths = write_bundle(bundle, Path(tmp) / f"{stem}{suffix}", fmt=fmt, lang=lang)
        if len(paths) == 1:
            return paths[0].name, paths[0].read_bytes(), MIME_TYPES[fmt]
        archive = Path(tmp) / f"{stem}_{fmt}.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for p in paths:
                zf.write(p, arcname=p.name)
        return archive.name, archive.read_bytes(), MIME_TYPES[fmt]


def write_region(
    region: str,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    lang: str = "en",
    analyses: Sequence[Question] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    n_boot: int = 999,
    seed: int = 0,
    data_dir: Path | None = None,
    profile: Profile | str | Path | None = None,
    progress: Progress | None = None,
) -> tuple[list[Path], Bundle]:
    """Prepare `region`, build its bundle and write it: the batch run behind ``python -m equimap report``.

    Every argument is checked before the region is prepared, so bad input fails at
    once. `data_dir` is where a region key is looked up (`load_region`); `profile` is the
    speed profile (`prepare_region`; the region's own by default). Returns the
    files written and the bundle they were written from. Without `analyses`, the region's
    default questions (`equimap.analysis.question.region_analyses`).
    """
    path = Path(path)
    fmt = format_for(path, fmt)
    problems = []
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        problems.append(f"the threshold is {threshold!r}; give 0 (protection off) or a positive whole number")
    if not path.parent.is_dir():
        problems.append(f"folder `{path.parent}` does not exist; create it or write elsewhere")
    if lang not in languages():
        problems.append(f"language `{lang}` has no catalogue; choose one of: {', '.join(languages())}")
    if problems:
        msg = "; ".join(problems) + "."
        raise DataError(msg[0].upper() + msg[1:])
    from equimap.network.prepare import prepare_region

    say = progress or (lambda _m, _f: None)
    prep = prepare_region(region, data_dir=data_dir, profile=profile, progress=say)
    if analyses is None:
        from equimap.analysis.question import region_analyses

        analyses = region_analyses(prep.region)
    bundle = build_bundle(prep, analyses, threshold=threshold, n_boot=n_boot, seed=seed, progress=progress)
    say(f"Writing {fmt}", 0.7)
    try:
        paths = write_bundle(bundle, path, fmt=fmt, lang=lang)
    except OSError as exc:
        msg = f"Cannot write `{path}` ({exc.strerror or exc}); choose another path."
        raise DataError(msg) from None
    say("Done", 1.0)
    return paths, bundle


def localised_tables(bundle: Bundle, lang: str) -> dict[str, pd.DataFrame]:
    """Return the bundle's tables with their label columns in `lang` (the column names stay the same).

    Group labels (``label`` of the groups table), Degree of Urbanisation class names
    (``degurba_l1_label``, ``degurba_l2_label``; the unit classes for councils) and the class
    names of the urbanisation tables are the catalogue's, by their codes. English keeps the
    library's own labels.
    """
    if lang == "en":
        return dict(bundle.tables)
    out = {}
    for name, table in bundle.tables.items():
        table = table.copy()
        family = "unit_" if name == "councils" else ""
        if name == "groups" and "label" in table:
            table["label"] = [group_label(bundle, g, lang) for g in table["group"]]
        for level in ("l1", "l2"):
            col = f"degurba_{level}_label"
            if col in table and f"degurba_{level}" in table:
                table[col] = [
                    _class_name(f"degurba.{family}{level}", code, lang, default)
                    for code, default in zip(table[f"degurba_{level}"], table[col], strict=True)
                ]
        if name.startswith("urbanisation_l") and "label" in table:
            level = f"l{name[-1]}"
            table["label"] = [
                t("claims.total", lang) if str(code) == TOTAL else _class_name(f"degurba.{level}", code, lang, default)
                for code, default in zip(table.index, table["label"], strict=True)
            ]
        out[name] = table
    return out


def _class_name(family: str, code: object, lang: str, default: str) -> str:
    if code is None or code is pd.NA or (isinstance(code, float) and code != code):
        return default
    key = f"{family}.{int(code)}"
    return t(key, lang) if has(key) else default


def write_xlsx(bundle: Bundle, path: str | os.PathLike[str], *, lang: str = "en") -> Path:
    """Write one sheet per table after a ``README`` sheet describing every column and unit (labels in `lang`)."""
    tables = localised_tables(bundle, lang)
    return to_xlsx(tables, path, readme=readme_table(bundle, lang=lang), notice=bundle.notice(lang))


def write_gpkg(bundle: Bundle, path: str | os.PathLike[str], *, lang: str = "en") -> Path:
    """Write one GeoPackage layer per map layer (CRS kept) and the notice in a ``README`` table."""
    meta = dict(zip(bundle.tables["profile"]["item"], bundle.tables["profile"]["value"], strict=True))
    return to_gpkg(bundle.layers, path, notice=bundle.notice(lang), metadata=meta)


def write_geojson(bundle: Bundle, path: str | os.PathLike[str], *, lang: str = "en") -> list[Path]:
    """Write each map layer to ``<stem>_<layer>.geojson`` beside `path` (EPSG:4326, RFC 7946)."""
    path = Path(path)
    notice = bundle.notice(lang)
    return [
        to_geojson(gdf, path.with_name(f"{path.stem}_{name}.geojson"), notice=notice)
        for name, gdf in bundle.layers.items()
    ]


def write_csv(bundle: Bundle, path: str | os.PathLike[str], *, lang: str = "en") -> list[Path]:
    """Write one CSV per table plus ``README`` (each opening with the notice line).

    A ``.zip`` path gets one archive holding ``<table>.csv`` files; any other path
    ``<stem>_<table>.csv`` files beside it.
    """
    path = Path(path)
    notice = bundle.notice(lang)
    frames = {**localised_tables(bundle, lang), "README": readme_table(bundle, lang=lang)}
    if path.suffix.lower() != ".zip":
        return [to_csv(f, path.with_name(f"{path.stem}_{name}.csv"), notice=notice) for name, f in frames.items()]
    with tempfile.TemporaryDirectory() as tmp:
        path.unlink(missing_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, frame in frames.items():
                f = to_csv(frame, Path(tmp) / f"{name}.csv", notice=notice)
                zf.write(f, arcname=f.name)
    return [path]


# --- README: every table and column, in words ----------------------------------------------------


def readme_table(bundle: Bundle, *, lang: str = "en") -> pd.DataFrame:
    """Return one row per table (``column`` empty) and per column: ``sheet``, ``column``, ``description``, ``unit``."""
    rows = []
    for name, table in bundle.tables.items():
        rows.append((name, "", _table_text(name, lang, bundle), ""))
        names = [n for n in table.index.names if n is not None]
        for col in [*names, *table.columns]:
            desc, unit = describe_column(bundle, name, str(col), lang)
            rows.append((name, str(col), desc, unit))
    return pd.DataFrame(rows, columns=["sheet", "column", "description", "unit"])


def _table_text(name: str, lang: str, bundle: Bundle) -> str:
    fill = {"outside": OUTSIDE, "total": TOTAL, "threshold": bundle.threshold}
    return t(f"table.{name}", lang, default=name, **fill)


def describe_column(bundle: Bundle, table: str, col: str, lang: str = "en") -> tuple[str, str]:
    """Return the description and unit of column `col` of table `table`, in `lang`."""
    for a in bundle.analyses:
        prefix = a.key + "_"
        if col.startswith(prefix):
            return _describe_analysis_column(bundle, a, col[len(prefix) :], lang)
    if col in bundle.count_columns:
        return t("col.count", lang, who=group_label(bundle, col, lang)), t("unit.residents", lang)
    if table == "outreach" and col.startswith("beyond_"):
        share = col.startswith("beyond_share_")
        who = col.removeprefix("beyond_share_" if share else "beyond_")
        if share:
            return t("col.outreach.beyond_share", lang, who=group_who(bundle, who, lang)), t("unit.share", lang)
        return t("col.outreach.beyond", lang, who=group_label(bundle, who, lang)), t("unit.residents", lang)
    key = f"col.{table}.{col}" if has(f"col.{table}.{col}") else f"col.{col}"
    base = col
    suffix = ""
    if not has(key) and col.endswith(("_lo", "_hi")):
        base, suffix = col[:-3], col[-2:]
        key = f"col.{base}"
    if not has(key):
        return "", ""
    desc = t(key, lang)
    if suffix:
        desc = t(f"col.bound_{suffix}", lang, what=desc)
    unit_key = f"unit.col.{base}"
    return desc, t(unit_key, lang) if has(unit_key) else ""


def _describe_analysis_column(bundle: Bundle, a: Question, rest: str, lang: str) -> tuple[str, str]:
    fill = analysis_fill(bundle, a, lang)
    if rest.startswith("beyond_"):
        who = group_label(bundle, rest[len("beyond_") :], lang)
        return t("col.beyond", lang, who=who, **fill), t("unit.residents", lang)
    if rest.startswith("n_within_"):
        minutes = rest[len("n_within_") :].removesuffix("min")
        return t("col.n_within", lang, minutes=minutes, **fill), t("unit.services", lang)
    if has(f"col.per_analysis.{rest}"):
        unit = f"unit.col.{rest}"
        return t(f"col.per_analysis.{rest}", lang, **fill), t(unit, lang) if has(unit) else ""
    return "", ""
