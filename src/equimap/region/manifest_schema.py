"""The schema of a region manifest (``region.toml``): types, allowed keys and paths, every problem at once.

:func:`read_manifest_text` decodes the file (UTF-8, with or without a byte-order
mark; UTF-16 with its mark is read too; anything else is one sentence), and
:func:`schema_problems` returns what is wrong with the parsed TOML: an unknown
key, a value of the wrong type (``columns`` must be a table of labels, ``filter``
a table, ``cell_size_m`` a number...), a path that is absolute or leaves the
region folder (``osm.path = "../../.."``), an official list whose name or
capacity column the file does not have, a boundary filter that matches no
feature. `equimap.region.manifest.load_region` raises them together.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyogrio

_STR, _NUM, _BOOL, _INT = "a string", "a number", "true or false", "a whole number"
_LAYER = {
    "key": _STR, "label": _STR, "path": "path", "name": _STR, "filter": "table", "land": _BOOL,
    "parent": _STR, "capacity": _STR, "attribution": _STR,
}  # fmt: skip
SCHEMA: dict[str, Any] = {
    "name": _STR,
    "crs": _STR,
    "languages": "list of strings",
    "country_name": _STR,
    "bbox": "bbox",
    "osm": {"path": "path", "date": _STR},
    "population": {
        "path": "path",
        "layer": _STR,
        "kind": ("grid", "zones", "buildings"),
        "residents": _NUM,
        "residents_note": _STR,
        "cell_size_m": _NUM,
        "id": _STR,
        "total": _STR,
        "land_share": _STR,
        "confidential_suffix": _STR,
        "groups": "groups",
    },  # fmt: skip
    "boundaries": [_LAYER],
    "services": [_LAYER],
    "attribution": {"lines": "list of strings"},
    "privacy": {"min_count": _INT},
    "travel": "any table",  # speed profiles (see the profile settings)
    "area": {"boundary": _STR, "filter": "table", "path": "path"},  # the study area
    "main_boundary": _STR,  # the boundary layer of the unit tables
    "default_analyses": "list of strings",  # MODE:CATEGORY:MIN, the report's default questions
    "coverage": {"warn_share": "share"},  # warn when more residents than this share are outside the network
}
_GROUP = {"label": _STR, "reference": _STR, "columns": "labels", "ages": "any"}


def read_manifest_text(path: Path) -> str:
    """Return the text of a manifest: UTF-8 (a byte-order mark is dropped) or UTF-16 with its mark; else raise ValueError."""
    data = Path(path).read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = (
            f"`{path}` is not UTF-8 (byte {exc.start} cannot be read; Latin-1 or Windows-1252?); "
            "save the manifest as UTF-8."
        )
        raise ValueError(msg) from None


def _type_ok(value: Any, kind: Any) -> bool:
    checks = {
        _STR: lambda v: isinstance(v, str),
        _NUM: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < math.inf,
        _INT: lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        _BOOL: lambda v: isinstance(v, bool),
        "path": lambda v: isinstance(v, str) and v.strip() != "",
        "list of strings": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "bbox": lambda v: (
            isinstance(v, list)
            and len(v) == 4
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
        ),
        "table": lambda v: isinstance(v, dict) and all(isinstance(x, (str, int, float, bool)) for x in v.values()),
        "labels": lambda v: isinstance(v, dict) and len(v) > 0 and all(isinstance(x, str) for x in v.values()),
        "any table": lambda v: isinstance(v, dict),
        "any": lambda v: True,  # noqa: ARG005
        "share": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1,
    }
    if isinstance(kind, tuple):
        return value in kind
    return checks[kind](value)


def _describe(kind: Any) -> str:
    if isinstance(kind, tuple):
        return "one of " + ", ".join(f'"{k}"' for k in kind)
    return {
        "path": "a file name relative to the region folder",
        "bbox": "[west, south, east, north] in degrees",
        "table": 'a table such as { admin_level = "8" }',
        "labels": 'a table column -> label, such as { NAT = "Born in Malta" }',
        "any table": "a table",
        "share": "a number from 0 to 1",
    }.get(kind, kind)


def _shown(value: Any) -> str:
    """Return `value` as a sentence shows it: its repr, cut short (a long list or text stays one short clause)."""
    import reprlib

    r = reprlib.Repr()
    r.maxstring, r.maxother, r.maxlist, r.maxdict, r.maxlevel = 60, 60, 6, 6, 3
    return r.repr(value)


def _walk(raw: Any, schema: Any, where: str, problems: list[str]) -> None:
    if isinstance(schema, dict):
        if not isinstance(raw, dict):
            problems.append(f"`{where}` must be a table")
            return
        for key, value in raw.items():
            at = f"{where}.{key}" if where else key
            if key not in schema:
                problems.append(f"`{at}` is not a known key (known: {', '.join(schema)})")
            else:
                _walk(value, schema[key], at, problems)
    elif isinstance(schema, list):
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            problems.append(f"`{where}` must be a list of tables, written `[[{where}]]`")
            return
        for i, item in enumerate(raw):
            _walk(item, schema[0], f"{where}[{i}]", problems)
    elif schema == "groups":
        if not isinstance(raw, dict):
            problems.append(f"`{where}` must hold tables `[{where}.KEY]`")
            return
        for key, g in raw.items():
            if isinstance(g, dict):
                _walk(g, _GROUP, f"{where}.{key}", problems)
            else:
                problems.append(f"`{where}.{key}` is {_shown(g)}; it must be a table `[{where}.{key}]`")
    elif not _type_ok(raw, schema):
        problems.append(f"`{where}` is {_shown(raw)}; it must be {_describe(schema)}")


def shorten(text: str, n: int = 80) -> str:
    """Return `text` shortened to about `n` characters for a sentence."""
    return text if len(text) <= n else text[: n - 20] + "…" + text[-10:]


def path_problem(folder: Path, rel: str, where: str) -> str | None:
    """Return why `rel` (a manifest's file name) cannot name a file of `folder`, or None.

    Refused: a NUL character, an absolute path or one starting with ``~``, a name the
    system cannot resolve (a loop of symbolic links, too long), and any path that
    leads out of the folder, by ``..`` or through a symbolic link.
    """
    shown = shorten(rel).replace("\0", "\\0")
    if "\0" in rel:
        return f"`{where}` = `{shown}` holds a NUL character; name a file of the region folder"
    outside = f"`{where}` = `{shown}` is outside the region folder; put the file in {folder} and name it there"
    if Path(rel).is_absolute() or rel.startswith("~"):
        return outside
    try:
        root = folder.resolve()
        target = (folder / rel).resolve()
    except (OSError, RuntimeError) as exc:  # a loop of symbolic links, a name too long
        why = getattr(exc, "strerror", None) or "a loop of symbolic links"
        return f"`{where}` = `{shown}` cannot be resolved ({why}); name a file of the region folder"
    if target == root or root not in target.parents:
        return outside
    return None


def is_there(path: Path) -> bool:
    """Return whether `path` exists (a file, or a folder such as a FileGDB), False for a name the system refuses."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def is_file(path: Path) -> bool:
    """Return whether `path` is a file (or a link to one), False for a name the system refuses (too long, NUL, a loop)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def schema_problems(raw: dict[str, Any], folder: Path) -> list[str]:
    """Return every problem of a parsed manifest against :data:`SCHEMA` and its folder (empty when it is fine)."""
    problems: list[str] = []
    _walk(raw, SCHEMA, "", problems)
    paths = [("osm.path", raw.get("osm", {})), ("population.path", raw.get("population", {}))]
    if isinstance(raw.get("area"), dict) and "path" in raw["area"]:
        paths.append(("area.path", raw["area"]))
    for kind in ("boundaries", "services"):
        layers = raw.get(kind, [])
        if isinstance(layers, list):
            paths += [(f"{kind}[{i}].path", d) for i, d in enumerate(layers)]
    travel = raw.get("travel")
    if isinstance(travel, dict) and isinstance(travel.get("profile"), str):
        from equimap.network.profile import shipped_profiles

        if travel["profile"] not in shipped_profiles():  # else a file, which must be in the folder too
            paths.append(("travel.profile", {"path": travel["profile"]}))
    for where, d in paths:
        rel = d.get("path") if isinstance(d, dict) else None
        if isinstance(rel, str) and rel.strip() and (bad := path_problem(folder, rel, where)):
            problems.append(bad)
    if not problems:
        problems += _column_problems(raw, folder)
    return problems


def _fields(path: Path) -> list[str] | None:
    try:
        if path.suffix.lower() == ".csv":
            return path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        return list(pyogrio.read_info(path)["fields"])
    except Exception:  # noqa: BLE001 - an unreadable file is reported by the loader when it is read
        return None


def _column_problems(raw: dict[str, Any], folder: Path) -> list[str]:
    """Return the official lists' and boundary layers' columns the files lack, and filters that match nothing."""
    problems = []
    for kind in ("services", "boundaries"):
        for i, d in enumerate(raw.get(kind, [])):
            path = folder / d.get("path", "")
            if not is_file(path):
                continue
            fields = _fields(path)
            if fields is None:
                continue
            for col_key in ("name", "capacity"):
                col = d.get(col_key)
                if col and col not in fields:
                    problems.append(
                        f"`{kind}[{i}].{col_key}` = `{col}` is not a column of `{path.name}` (it has {fields[:12]})"
                    )
            flt = d.get("filter") or {}
            bad = [c for c in flt if c not in fields]
            if bad:
                problems.append(f"`{kind}[{i}].filter` names {bad}, which are not columns of `{path.name}`")
            elif flt:
                try:
                    table = pyogrio.read_dataframe(path, columns=list(flt), read_geometry=False)
                except Exception:  # noqa: BLE001 - reported by the loader
                    continue
                keep = (table[list(flt)].astype(str) == {k: str(v) for k, v in flt.items()}).all(axis=1)
                if not keep.any():
                    problems.append(f"`{kind}[{i}].filter` {flt} matches no feature of `{path.name}`; check its values")
    return problems
