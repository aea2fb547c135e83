"""Finding and loading regions: the data folder, its region keys, and `load_region`.

A region is found by its folder name under the data folder (`regions_folder`:
``--data-dir``, ``EQUIMAP_DATA_DIR`` or the bundled regions), or as any folder
passed as a path; its manifest is decoded, checked against the schema and parsed.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from equimap import settings
from equimap._errors import RegionError
from equimap.region.manifest.model import MANIFEST, Region
from equimap.region.manifest.parse import parse_manifest


def regions_folder(data_dir: Path | None = None) -> Path:
    """Return the folder where regions are looked up by key, checking that it exists.

    Parameters
    ----------
    data_dir
        A folder of region folders; by default `settings.data_dir()` (``EQUIMAP_DATA_DIR``,
        else the regions bundled with equimap).
    """
    folder = Path(data_dir).expanduser() if data_dir is not None else settings.data_dir()
    if not folder.is_dir():
        origin = "" if data_dir is not None or "EQUIMAP_DATA_DIR" not in os.environ else " (from EQUIMAP_DATA_DIR)"
        msg = (
            f"Data folder `{folder}`{origin} does not exist or is not a folder; "
            "give a folder that holds region folders (each with a region.toml)."
        )
        raise RegionError(msg)
    return folder


def list_regions(data_dir: Path | None = None) -> list[str]:
    """Return the keys of the regions under `data_dir` (see `regions_folder` for the default)."""
    return sorted(p.parent.name for p in regions_folder(data_dir).glob(f"*/{MANIFEST}"))


def load_region(name_or_path: str | Path = settings.DEFAULT_REGION, *, data_dir: Path | None = None) -> Region:
    """Load and check a region manifest.

    Parameters
    ----------
    name_or_path
        A region key under `data_dir` (``"malta"``), or a folder holding a
        ``region.toml``, or the manifest file itself. A folder of the current
        directory without a manifest does not hide the region of that key.
    data_dir
        Where region folders live; by default ``EQUIMAP_DATA_DIR``, else the
        regions bundled with equimap (see `regions_folder`).
    """
    p = Path(name_or_path)
    if p.suffix == ".toml":
        folder = p.parent
    elif (p / MANIFEST).is_file():
        folder = p
    else:
        folder = regions_folder(data_dir) / str(name_or_path)
    manifest = folder / MANIFEST
    if not manifest.exists():
        known = list_regions(data_dir)
        msg = f"Region `{name_or_path}` not found: no {manifest}; known regions are {known}, or run `python -m equimap add-region`."
        raise RegionError(msg)
    from equimap.region.manifest_schema import read_manifest_text, schema_problems

    text = None
    try:
        text = read_manifest_text(manifest)
        raw = tomllib.loads(text)
    except ValueError as exc:  # not UTF-8 (TOMLDecodeError is a ValueError too)
        raise RegionError(_toml_problem(manifest, exc, text)) from None
    problems = schema_problems(raw, folder)
    if problems:
        msg = f"`{manifest}`: " + "; ".join(problems) + "."
        raise RegionError(msg)
    return parse_manifest(raw, folder, manifest)


def _toml_problem(manifest: Path, exc: ValueError, text: str | None) -> str:
    """Return the sentence of a manifest that cannot be decoded or parsed, quoting the line TOML stopped at."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if first.startswith("`"):
        return first
    if text is None:  # a UTF-16 file cut in the middle of a character
        return f"`{manifest}` cannot be decoded ({first}); save the manifest as UTF-8."
    where = ""
    if (m := re.search(r"at line (\d+)", first)) and 0 < int(m[1]) <= len(lines := text.splitlines()):
        line = lines[int(m[1]) - 1].strip()
        shown = line if len(line) <= 80 else line[:60] + "…"
        where = f"; line {m[1]} reads `{shown}`" if shown else ""
    return (
        f"`{manifest}` is not valid TOML ({first}{where}); "
        "fix the manifest or write it again with `python -m equimap add-region`."
    )
