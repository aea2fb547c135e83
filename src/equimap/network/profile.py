"""Speed profiles: how fast each mode moves and what it loses at signals, crossings and junctions, as data.

A profile is a TOML file (the shipped ones live in ``equimap/resources/profiles/``:
``default.toml``, the documented model, and ``freeflow.toml``, the constant speeds
equimap used before profiles existed). `load_profile` reads and validates one into a
frozen, hashable `Profile`; the profile is part of
`equimap.network.cache.TravelSettings`, so it keys the prepared cache: changing one
number in a profile gives new networks on the next run.

What a profile sets (see ``docs/profiles.md`` for the model and every source):

- ``[walk]``, ``[bike]``: a constant speed, and delays (s) paid on entering a node with
  traffic signals, a pedestrian crossing, or a junction (a node with more than two
  neighbours). One delay per node: signals before crossing before junction.
- ``[walk.ages]``: walking speed by age band, used for the age groups' own walking times
  when ``age_speeds = true`` (`equimap.analysis.speeds`).
- ``[drive]``: per highway class, the speed in an urban and in a rural setting (an edge is
  urban when its midpoint lies in an urban centre or urban cluster grid cell of the Degree
  of Urbanisation, `equimap.network.urban`), a factor applied to a tagged ``maxspeed``, the
  same three node delays.
- ``[ferry]``: whether ferries are used, their speed when a ferry has no ``duration``
  tag, and the wait at the quay. Parsed and exposed here; the ferry graph reads them.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from equimap import settings
from equimap._errors import DataError

#: Folder of the shipped profiles.
PROFILES_DIR = settings.PACKAGE_DIR / "resources" / "profiles"
#: The profile used when nobody chooses one.
DEFAULT_PROFILE = "default"

_TOP_KEYS = {"name", "description", "urban", "walk", "bike", "drive", "ferry"}
_DELAY_KEYS = ("signal_delay_s", "crossing_delay_s", "junction_delay_s")
_WALK_KEYS = {"speed_kmh", *_DELAY_KEYS, "age_speeds", "ages"}
_BIKE_KEYS = {"speed_kmh", *_DELAY_KEYS}
_DRIVE_KEYS = {"maxspeed_factor", "fallback_kmh", "speeds_kmh", *_DELAY_KEYS}
_FERRY_KEYS = {"enabled", "speed_kmh", "wait_min"}
_URBAN_RULES = ("degurba", "none")


@dataclass(frozen=True)
class Profile:
    """A validated speed profile (read-only, hashable; `content` is what keys the cache).

    Attributes
    ----------
    name
        The profile's name (the shipped file's stem, or its ``name`` key).
    description
        One line saying what the profile is.
    urban_rule
        ``"degurba"`` (urban edges lie in urban centre or urban cluster cells) or ``"none"``
        (every edge is rural).
    walk_speed_kmh, bike_speed_kmh
        Constant speeds on foot (also the connector between a point and the network) and by bike.
    delays_s
        ``(mode, signal_s, crossing_s, junction_s)`` for walk, bike and drive.
    drive_speeds_kmh
        ``(highway class, urban km/h, rural km/h)``, sorted; cars use only these classes.
    drive_fallback_kmh
        ``(urban, rural)`` speed of a drivable way whose class is not listed.
    maxspeed_factor
        A tagged ``maxspeed`` times this is the car's speed on the way.
    age_speeds
        Whether age groups walk at their own speed.
    age_speeds_kmh
        ``(min_age, max_age, km/h)`` walking speed by age band (ages inclusive).
    ferry_enabled, ferry_speed_kmh, ferry_wait_min
        Ferries on or off, their speed without a ``duration`` tag, the wait at the quay.
    """

    name: str
    description: str
    urban_rule: str
    walk_speed_kmh: float
    bike_speed_kmh: float
    delays_s: tuple[tuple[str, float, float, float], ...]
    drive_speeds_kmh: tuple[tuple[str, float, float], ...]
    drive_fallback_kmh: tuple[float, float]
    maxspeed_factor: float
    age_speeds: bool
    age_speeds_kmh: tuple[tuple[int, int, float], ...]
    ferry_enabled: bool
    ferry_speed_kmh: float
    ferry_wait_min: float

    def delays(self, mode: str) -> tuple[float, float, float]:
        """Return the (signal, crossing, junction) delays of `mode` in seconds."""
        for m, sig, cross, junc in self.delays_s:
            if m == mode:
                return sig, cross, junc
        msg = f"Unknown travel mode `{mode}`; choose one of {list(settings.MODES)}."
        raise DataError(msg)

    def drive_speeds(self, *, urban: bool) -> dict[str, float]:
        """Return the car speed (km/h) of each drivable highway class, urban or rural."""
        return {hw: (u if urban else r) for hw, u, r in self.drive_speeds_kmh}

    def has_delays(self) -> bool:
        """Return True if any mode pays a delay at some node."""
        return any(any(d > 0 for d in row[1:]) for row in self.delays_s)

    def age_speed_kmh(self, min_age: int, max_age: int) -> float:
        """Return the walking speed of residents aged `min_age` to `max_age` (the band that covers them).

        Raises DataError when no band of the profile covers the whole range.
        """
        for lo, hi, speed in self.age_speeds_kmh:
            if lo <= min_age and max_age <= hi:
                return speed
        bands = [f"{lo}-{hi}" for lo, hi, _ in self.age_speeds_kmh]
        msg = (
            f"Profile `{self.name}`: no `[[walk.ages]]` band covers ages {min_age}-{max_age} (bands {bands}); "
            "add a band that covers them or change the region's `ages`."
        )
        raise DataError(msg)

    def content(self) -> dict[str, Any]:
        """Return every number of the profile as a JSON-ready dict (its name left out): what keys the cache."""
        return {
            "urban_rule": self.urban_rule,
            "walk_speed_kmh": self.walk_speed_kmh,
            "bike_speed_kmh": self.bike_speed_kmh,
            "delays_s": [list(r) for r in self.delays_s],
            "drive_speeds_kmh": [list(r) for r in self.drive_speeds_kmh],
            "drive_fallback_kmh": list(self.drive_fallback_kmh),
            "maxspeed_factor": self.maxspeed_factor,
            "age_speeds": self.age_speeds,
            "age_speeds_kmh": [list(r) for r in self.age_speeds_kmh],
            "ferry_enabled": self.ferry_enabled,
            "ferry_speed_kmh": self.ferry_speed_kmh,
            "ferry_wait_min": self.ferry_wait_min,
        }

    def network_content(self) -> dict[str, Any]:
        """Return the numbers that shape the prepared networks: `content` without the walking speeds by age.

        The speeds by age are applied to the stored walking times when the group tables are
        computed (`equimap.analysis.speeds`), so switching them on or off needs no new network.
        """
        out = self.content()
        del out["age_speeds"], out["age_speeds_kmh"]
        return out

    def with_age_speeds(self, on: bool) -> Profile:
        """Return the profile with the walking speeds by age switched on or off."""
        return replace(self, age_speeds=bool(on))

    @property
    def digest(self) -> str:
        """Return the first 12 hex digits of the sha256 of `content` (printed in reports and exports)."""
        text = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def scaled(self, factor: float) -> Profile:
        """Return the profile with every speed (and the maxspeed factor) times `factor`, delays unchanged."""
        f = float(factor)
        return replace(
            self,
            name=f"{self.name}×{f:g}",
            walk_speed_kmh=self.walk_speed_kmh * f,
            bike_speed_kmh=self.bike_speed_kmh * f,
            drive_speeds_kmh=tuple((hw, u * f, r * f) for hw, u, r in self.drive_speeds_kmh),
            drive_fallback_kmh=(self.drive_fallback_kmh[0] * f, self.drive_fallback_kmh[1] * f),
            maxspeed_factor=self.maxspeed_factor * f,
            age_speeds_kmh=tuple((lo, hi, s * f) for lo, hi, s in self.age_speeds_kmh),
        )

    def key_speeds(self) -> dict[str, str]:
        """Return the profile's key figures as short texts (for the report's methods and export metadata)."""
        sig, _, junc = self.delays("drive")
        wsig, wcross, _ = self.delays("walk")
        drive = self.drive_speeds(urban=True), self.drive_speeds(urban=False)
        cls = [c for c in ("primary", "secondary", "residential") if c in drive[0]]
        out = {
            "walk_kmh": f"{self.walk_speed_kmh:g}",
            "bike_kmh": f"{self.bike_speed_kmh:g}",
            "drive_kmh": ", ".join(f"{c} {drive[0][c]:g}/{drive[1][c]:g}" for c in cls) + " (urban/rural)",
            "maxspeed_factor": f"{self.maxspeed_factor:g}",
            "drive_delays_s": f"signals {sig:g}, junction {junc:g}",
            "walk_delays_s": f"signals {wsig:g}, crossing {wcross:g}",
            "age_speeds": (
                ", ".join(f"{lo}-{hi}: {s:g}" for lo, hi, s in self.age_speeds_kmh) if self.age_speeds else "off"
            ),
        }
        return out


def shipped_profiles() -> list[str]:
    """Return the names of the shipped profiles (``default`` first)."""
    names = sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))
    return sorted(names, key=lambda n: n != DEFAULT_PROFILE)


def profile_path(spec: str | Path, *, base: Path | None = None) -> Path:
    """Return the file of a profile given by shipped name or by path (relative to `base` if given)."""
    text = str(spec)
    if text in shipped_profiles():
        return PROFILES_DIR / f"{text}.toml"
    path = Path(text).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    if not path.exists():
        msg = (
            f"Speed profile `{text}` is neither a shipped profile {shipped_profiles()} nor an existing file; "
            "give a shipped name or the path of a .toml profile."
        )
        raise DataError(msg)
    return path


def load_profile(spec: str | Path | Profile = DEFAULT_PROFILE, *, base: Path | None = None) -> Profile:
    """Read and validate a speed profile.

    Parameters
    ----------
    spec
        A shipped profile name (``"default"``, ``"freeflow"``), the path of a TOML file, or a
        `Profile` (returned as is).
    base
        Folder a relative path is taken from (a region's folder for its manifest's profile).

    Raises
    ------
    DataError
        If the file is missing or not TOML, or any key is unknown, missing or out of range;
        one message names every problem and how to fix it.
    """
    if isinstance(spec, Profile):
        return spec
    path = profile_path(spec, base=base)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"Speed profile `{path.name}` is not valid TOML ({exc}); fix the file's syntax."
        raise DataError(msg) from None
    default_name = path.stem
    return parse_profile(data, source=path.name, default_name=default_name)


def parse_profile(data: dict[str, Any], *, source: str = "profile", default_name: str = "custom") -> Profile:
    """Validate the content of a profile file (a dict as `tomllib` reads it) into a `Profile`."""
    v = _Validator(source)
    v.unknown(data, _TOP_KEYS, "")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        v.problem("`name` must be a non-empty string")
        name = default_name
    description = data.get("description", "")
    if not isinstance(description, str):
        v.problem("`description` must be a string")
        description = ""
    urban = data.get("urban", "degurba")
    if urban not in _URBAN_RULES:
        v.problem(f"`urban` is {urban!r}; use one of {list(_URBAN_RULES)}")
        urban = "none"
    walk = v.table(data, "walk", _WALK_KEYS)
    bike = v.table(data, "bike", _BIKE_KEYS)
    drive = v.table(data, "drive", _DRIVE_KEYS)
    ferry = v.table(data, "ferry", _FERRY_KEYS)
    walk_kmh = v.speed(walk, "walk.speed_kmh")
    bike_kmh = v.speed(bike, "bike.speed_kmh")
    delays = tuple(
        (m, *(v.delay(t, f"{m}.{k}") for k in _DELAY_KEYS))
        for m, t in (("walk", walk), ("bike", bike), ("drive", drive))
    )
    factor = v.number(drive, "drive.maxspeed_factor", lo=0.0, lo_open=True, hi=2.0)
    fb = drive.get("fallback_kmh")
    if not isinstance(fb, dict):
        v.problem("`drive.fallback_kmh` is missing; give it as `{ urban = 30, rural = 30 }`")
        fb = {}
    v.unknown(fb, {"urban", "rural"}, "drive.fallback_kmh.")
    fallback = (v.speed(fb, "drive.fallback_kmh.urban"), v.speed(fb, "drive.fallback_kmh.rural"))
    classes = drive.get("speeds_kmh")
    rows: list[tuple[str, float, float]] = []
    if not isinstance(classes, dict) or not classes:
        v.problem(
            "`[drive.speeds_kmh]` is missing; give each drivable highway class as `primary = { urban = 40, rural = 65 }`"
        )
        classes = {}
    for hw, val in classes.items():
        key = f"drive.speeds_kmh.{hw}"
        if not isinstance(val, dict):
            v.problem(f"`{key}` must be a table `{{ urban = ..., rural = ... }}`")
            continue
        v.unknown(val, {"urban", "rural"}, f"{key}.")
        rows.append((str(hw), v.speed(val, f"{key}.urban"), v.speed(val, f"{key}.rural")))
    age_on = walk.get("age_speeds", False)
    if not isinstance(age_on, bool):
        v.problem("`walk.age_speeds` must be true or false")
        age_on = False
    ages = _ages(v, walk.get("ages", []), required=age_on)
    enabled = ferry.get("enabled", False)
    if not isinstance(enabled, bool):
        v.problem("`ferry.enabled` must be true or false")
        enabled = False
    ferry_kmh = v.speed(ferry, "ferry.speed_kmh")
    wait = v.number(ferry, "ferry.wait_min", lo=0.0, hi=24 * 60)
    v.raise_if_any()
    return Profile(
        name=name.strip(),
        description=description.strip(),
        urban_rule=urban,
        walk_speed_kmh=walk_kmh,
        bike_speed_kmh=bike_kmh,
        delays_s=delays,  # type: ignore[arg-type]
        drive_speeds_kmh=tuple(sorted(rows)),
        drive_fallback_kmh=fallback,
        maxspeed_factor=factor,
        age_speeds=age_on,
        age_speeds_kmh=ages,
        ferry_enabled=enabled,
        ferry_speed_kmh=ferry_kmh,
        ferry_wait_min=wait,
    )


def _ages(v: _Validator, bands: object, *, required: bool) -> tuple[tuple[int, int, float], ...]:
    if not isinstance(bands, list):
        v.problem("`walk.ages` must be a list of `[[walk.ages]]` tables with `min_age`, `max_age`, `speed_kmh`")
        return ()
    if required and not bands:
        v.problem("`walk.age_speeds = true` needs `[[walk.ages]]` bands; add them or set `age_speeds = false`")
    out = []
    for i, band in enumerate(bands):
        key = f"walk.ages[{i}]"
        if not isinstance(band, dict):
            v.problem(f"`{key}` must be a table with `min_age`, `max_age`, `speed_kmh`")
            continue
        v.unknown(band, {"min_age", "max_age", "speed_kmh"}, f"{key}.")
        lo, hi = band.get("min_age"), band.get("max_age")
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi) or isinstance(lo, bool):
            v.problem(f"`{key}`: `min_age` and `max_age` must be whole ages with 0 <= min_age <= max_age")
            continue
        out.append((lo, hi, v.speed(band, f"{key}.speed_kmh")))
    out.sort()
    for (_, hi1, _), (lo2, _, _) in zip(out, out[1:], strict=False):
        if lo2 <= hi1:
            v.problem(f"`walk.ages` bands overlap at age {lo2}; make each age fall in one band")
    return tuple(out)


class _Validator:
    """Collect every problem of a profile, then raise them as one DataError (internal)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def unknown(self, table: dict, allowed: set[str], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                self.problem(f"unknown key `{prefix}{key}`; remove it or use one of {sorted(allowed)}")

    def table(self, data: dict, key: str, allowed: set[str]) -> dict:
        t = data.get(key)
        if not isinstance(t, dict):
            self.problem(f"`[{key}]` is missing; add the table (see the shipped default.toml)")
            return {}
        self.unknown(t, allowed, f"{key}.")
        return t

    def number(self, table: dict, key: str, *, lo: float, hi: float, lo_open: bool = False) -> float:
        leaf = key.rsplit(".", 1)[-1]
        val = table.get(leaf)
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
            self.problem(f"`{key}` is {'missing' if val is None else repr(val)}; give a number")
            return lo if not lo_open else 1.0
        bad_lo = val <= lo if lo_open else val < lo
        if bad_lo or val > hi:
            op = ">" if lo_open else ">="
            self.problem(f"`{key}` = {val} is out of range; give a number {op} {lo:g} and <= {hi:g}")
        return float(val)

    def speed(self, table: dict, key: str) -> float:
        return self.number(table, key, lo=0.0, lo_open=True, hi=300.0)

    def delay(self, table: dict, key: str) -> float:
        return self.number(table, key, lo=0.0, hi=600.0)

    def raise_if_any(self) -> None:
        if self.problems:
            msg = f"Speed profile `{self.source}`: " + "; ".join(self.problems) + "."
            raise DataError(msg)
