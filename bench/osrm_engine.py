"""Drive OSRM, the independent routing engine equimap's times are checked against.

OSRM comes from PyPI's ``osrm-bindings`` wheel, which ships the engine's own
static command-line tools (``osrm-extract``, ``osrm-contract``, ``osrm-routed``)
and its Lua profiles (``car.lua``, ``foot.lua``). Its Python module needs
CPython >= 3.12 (stable ABI 3.12), so on an older interpreter the wheel is
fetched with ``pip download`` for CPython 3.12 and only the tools are used; they
link to nothing but the C and C++ runtimes. ``python -m bench.osrm_engine install``
(run by ``make engine``) does that, at install time; nothing here downloads while
a test or benchmark runs.

The engine is a check, not a dependency of equimap: this module lives in
``bench/`` and is used by ``bench/engines.py`` and ``tests/test_engine_check.py``.

Routing data is built once per (PBF content, engine version, profile) under
``<equimap cache>/engines/osrm-<version>/<sha256 of the PBF>-<profile>/`` and
queried through ``osrm-routed`` bound to 127.0.0.1 on a free port.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from equimap import settings

#: The PyPI package and version the engine comes from.
OSRM_PACKAGE = "osrm-bindings"
OSRM_VERSION = "26.10.0"
#: sha256 of the wheel per machine, checked after ``pip download``.
WHEEL_SHA256 = {"x86_64": "840d6f82812eb9f9e17c71eb9083dfa15f3be2bfec4965c32aefa48b00d3a951"}
#: OSRM's profile for each equimap mode compared.
PROFILES = {"drive": "car", "walk": "foot"}
_TOOLS = ("osrm-extract", "osrm-contract", "osrm-routed")


class EngineMissingError(RuntimeError):
    """OSRM's tools are not installed here."""


def install_dir() -> Path:
    """Return where ``install`` unpacks the wheel: ``<venv>/opt/osrm-bindings-<version>``."""
    return Path(sys.prefix) / "opt" / f"{OSRM_PACKAGE}-{OSRM_VERSION}"


def _has_tools(folder: Path) -> bool:
    return all(os.access(folder / t, os.X_OK) for t in _TOOLS)


def find_osrm() -> Path:
    """Return the folder that holds ``osrm-extract``, ``osrm-contract`` and ``osrm-routed``.

    Looked for, in order: ``$EQUIMAP_OSRM_DIR``; the unpacked wheel of `install`;
    an ``osrm`` Python package (``pip install osrm-bindings`` on CPython >= 3.12).

    Raises
    ------
    EngineMissingError
        With how to install the engine.
    """
    candidates = []
    if os.environ.get("EQUIMAP_OSRM_DIR"):
        candidates.append(Path(os.environ["EQUIMAP_OSRM_DIR"]))
    candidates.append(install_dir() / "osrm" / "bin")
    with contextlib.suppress(ImportError, ValueError):
        spec = importlib.util.find_spec("osrm")
        if spec is not None and spec.origin:
            candidates.append(Path(spec.origin).parent / "bin")
    for folder in candidates:
        if _has_tools(folder):
            return folder
    msg = f"OSRM is not installed; run `make engine` (or `python -m bench.osrm_engine install`) to unpack {OSRM_PACKAGE}=={OSRM_VERSION} from PyPI."
    raise EngineMissingError(msg)


def profile_path(name: str, *, bin_dir: Path | None = None) -> Path:
    """Return the path of one of OSRM's shipped Lua profiles (``car``, ``foot``)."""
    bin_dir = bin_dir or find_osrm()
    return bin_dir.parent / "share" / "profiles" / f"{name}.lua"


def engine_version(bin_dir: Path | None = None) -> str:
    """Return the version the engine's tools report (``v26.10.0`` -> ``26.10.0``)."""
    bin_dir = bin_dir or find_osrm()
    out = subprocess.run([str(bin_dir / "osrm-extract"), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip().lstrip("v")


def install(dest: Path | None = None) -> Path:
    """Fetch the ``osrm-bindings`` wheel from PyPI with pip and unpack it; return the tools' folder.

    Does nothing when the tools are already there. The wheel is the CPython 3.12
    stable-ABI build for this machine; its sha256 is checked where it is known.
    """
    dest = dest or install_dir()
    if _has_tools(dest / "osrm" / "bin"):
        return dest / "osrm" / "bin"
    arch = platform.machine()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            "3.12",
            "--platform",
            f"manylinux_2_28_{arch}",
            "-d",
            tmp,
            f"{OSRM_PACKAGE}=={OSRM_VERSION}",
        ]
        subprocess.run(cmd, check=True)
        (wheel,) = Path(tmp).glob("*.whl")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if arch in WHEEL_SHA256 and digest != WHEEL_SHA256[arch]:
            msg = f"{wheel.name}: sha256 {digest} is not the pinned {WHEEL_SHA256[arch]}; the wheel on PyPI changed."
            raise RuntimeError(msg)
        part = dest.with_name(dest.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        with zipfile.ZipFile(wheel) as z:
            z.extractall(part, members=[m for m in z.namelist() if m.startswith("osrm/")])
        for tool in (part / "osrm" / "bin").iterdir():
            tool.chmod(0o755)
        shutil.rmtree(dest, ignore_errors=True)
        part.rename(dest)
    return dest / "osrm" / "bin"


def file_sha256(path: Path) -> str:
    """Return the sha256 of a file's content."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Dataset:
    """OSRM routing data built from one PBF with one profile.

    Attributes
    ----------
    base
        The ``.osrm`` base path that ``osrm-routed`` loads.
    profile
        OSRM profile name (``car``, ``foot``).
    build_s
        Wall time of ``osrm-extract`` + ``osrm-contract`` when it was built.
    built_now
        True if this call built it (False: read from the cache).
    """

    base: Path
    profile: str
    build_s: float
    built_now: bool


def build(pbf: Path, *, profile: str, root: Path | None = None, threads: int = 2) -> Dataset:
    """Return OSRM's routing data for `pbf` with `profile`, building it once (extract + contract).

    The folder is ``<root>/engines/osrm-<version>/<sha256 of pbf>-<profile>`` with
    `root` the equimap cache folder by default; it is written under a temporary
    name and renamed when complete, so a half-built folder is never used.
    """
    bin_dir = find_osrm()
    version = engine_version(bin_dir)
    root = settings.cache_dir() if root is None else root
    folder = root / "engines" / f"osrm-{version}" / f"{file_sha256(pbf)}-{profile}"
    base = folder / "map.osrm"
    meta = folder / "build.json"
    if meta.exists():
        return Dataset(base=base, profile=profile, build_s=json.loads(meta.read_text())["build_s"], built_now=False)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        work = Path(tmp)
        shutil.copyfile(pbf, work / "map.osm.pbf")
        t0 = time.perf_counter()
        for cmd in (
            [str(bin_dir / "osrm-extract"), "-p", str(profile_path(profile, bin_dir=bin_dir)), "-t", str(threads)],
            [str(bin_dir / "osrm-contract"), "-t", str(threads)],
        ):
            target = "map.osm.pbf" if cmd[0].endswith("extract") else "map.osrm"
            run = subprocess.run([*cmd, str(work / target)], capture_output=True, text=True, check=False)
            if run.returncode != 0:
                msg = f"{Path(cmd[0]).name} failed on {pbf.name} ({profile}): {run.stderr.strip() or run.stdout[-500:]}"
                raise RuntimeError(msg)
        build_s = time.perf_counter() - t0
        (work / "map.osm.pbf").unlink()
        info = {"build_s": build_s, "pbf": pbf.name, "profile": profile, "osrm_version": version}
        (work / "build.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
        with contextlib.suppress(OSError):
            work.rename(folder)  # another process may have finished first: its copy is as good
    return Dataset(base=base, profile=profile, build_s=build_s, built_now=True)


@dataclass(frozen=True)
class Router:
    """A running ``osrm-routed`` on 127.0.0.1."""

    url: str
    profile: str

    def route(self, a_lonlat: tuple[float, float], b_lonlat: tuple[float, float]) -> dict | None:
        """Return OSRM's fastest route from a to b, None if there is none.

        Keys: ``duration_s``, ``turn_s`` (the part of it spent on turn and signal
        costs), ``distance_m``, ``nodes`` (OSM node ids), ``snap_m`` (distance from
        each given point to where OSRM placed it), ``ferry``, ``names`` (street names),
        ``seg_m`` / ``seg_s`` (length and time between consecutive `nodes`).
        """
        coords = f"{a_lonlat[0]:.7f},{a_lonlat[1]:.7f};{b_lonlat[0]:.7f},{b_lonlat[1]:.7f}"
        query = "overview=false&steps=true&annotations=nodes,duration,distance&generate_hints=false"
        try:
            with urllib.request.urlopen(f"{self.url}/route/v1/{self.profile}/{coords}?{query}", timeout=30) as r:
                body = json.loads(r.read())
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read())
        if body.get("code") != "Ok":
            return None
        route = body["routes"][0]
        nodes: list[int] = []
        seg_m: list[float] = []
        seg_s: list[float] = []
        for leg in route["legs"]:
            nodes += leg["annotation"]["nodes"]
            seg_m += leg["annotation"]["distance"]
            seg_s += leg["annotation"]["duration"]
        segment_s = sum(seg_s)
        steps = [s for leg in route["legs"] for s in leg["steps"]]
        return {
            "duration_s": float(route["duration"]),
            # OSRM's annotation durations leave out turn costs (turn angle, u-turns, signals)
            "turn_s": float(route["duration"]) - segment_s,
            "distance_m": float(route["distance"]),
            "nodes": nodes,
            "snap_m": [float(w["distance"]) for w in body["waypoints"]],
            "ferry": any(s.get("mode") == "ferry" for s in steps),
            "names": [s["name"] for s in steps if s.get("name")],
            "seg_m": seg_m,
            "seg_s": seg_s,
        }


def _die_with_parent() -> None:
    """Ask Linux to stop the child when the process that started it dies (no orphaned server)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(dataset: Dataset, *, timeout_s: float = 60.0) -> Iterator[Router]:
    """Run ``osrm-routed`` on `dataset`, bound to 127.0.0.1, for the duration of the block."""
    bin_dir = find_osrm()
    port = _free_port()
    cmd = [str(bin_dir / "osrm-routed"), "--ip", "127.0.0.1", "--port", str(port), "-t", "1", "-a", "CH"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(  # noqa: PLW1509 - prctl only, before exec
            [*cmd, str(dataset.base)], stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_die_with_parent
        )
        router = Router(url=f"http://127.0.0.1:{port}", profile=dataset.profile)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    msg = f"osrm-routed stopped: {log.read().decode(errors='replace')[-500:]}"
                    raise RuntimeError(msg)
                try:
                    with urllib.request.urlopen(f"{router.url}/nearest/v1/{dataset.profile}/0,0", timeout=2):
                        break
                except urllib.error.HTTPError:
                    break  # it answers (with an error for this point): it is up
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield router
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.osrm_engine install``: unpack the engine; ``where``: print its folder."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["install"]:
        print(install())
    elif argv[:1] == ["where"]:
        print(find_osrm())
    else:
        print("usage: python -m bench.osrm_engine install|where")


if __name__ == "__main__":
    main()
