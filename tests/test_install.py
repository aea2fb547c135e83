"""equimap as a user installs it: a wheel of the checkout, installed apart and run from another folder; data folders.

The wheel is built from a copy of the checkout's ``pyproject.toml``, ``README.md``
and ``src/`` (setuptools builds in the source tree, and the checkout stays
clean), with the build tools already installed (``--no-build-isolation``) and no
package index. It is installed with ``pip install --target`` into a folder that
is then the only place on ``PYTHONPATH``, and run from a temporary folder with
the venv's interpreter; the figures it prints are checked against the census
file read with geopandas. The data-folder tests copy a region under a new name
and find it by ``--data-dir`` and ``EQUIMAP_DATA_DIR``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata, util
from pathlib import Path

import geopandas as gpd
import pytest

from equimap.cli import main
from tests import tiny_region

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "equimap"
MALTA = PKG / "data" / "malta"
#: Census 2021 residents of Malta (NSO / Eurostat 1 km grid, the bundled region's README).
MALTA_RESIDENTS = 519_562


def _census_total(region_folder: Path, layer: str | None = None) -> float:
    """Return the residents of a region's population file, read with geopandas (not with equimap)."""
    (path,) = [p for p in region_folder.iterdir() if p.suffix == ".gpkg"]
    return float(gpd.read_file(path, layer=layer)["T"].sum())


def _wheel_builder_missing() -> str | None:
    """Return why the installed setuptools cannot build a wheel offline, or None if it can."""
    try:
        version = metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        return "setuptools is not installed"
    major, minor = (int(x) for x in version.split(".")[:2])
    if (major, minor) >= (70, 1) or util.find_spec("wheel") is not None:
        return None  # setuptools >= 70.1 has bdist_wheel; older ones need the `wheel` package
    return f"setuptools {version} cannot build wheels without the `wheel` package"


def _pip(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", *args, "--no-index", "--disable-pip-version-check", "-q"]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"pip {args[0]} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel of the checkout (a copy of it) and return its path."""
    missing = _wheel_builder_missing()
    if missing:
        pytest.skip(f"{missing}; `make venv` installs the setuptools of requirements.txt")
    assert (PKG / "static" / "vendor" / "leaflet" / "leaflet.js").exists(), "Leaflet is not vendored: run `make vendor`"
    src = tmp_path_factory.mktemp("checkout")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc", "*.egg-info")
    shutil.copytree(ROOT / "src", src / "src", ignore=skip)
    dist = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src), cwd=src)
    (found,) = dist.glob("equimap-*.whl")
    return found


@pytest.fixture(scope="module")
def target(wheel, tmp_path_factory) -> Path:
    """Install the wheel (without its dependencies: the venv has them) into a folder of its own."""
    folder = tmp_path_factory.mktemp("target")
    _pip("install", "--no-deps", "--target", str(folder), str(wheel), cwd=folder)
    return folder


def _run_installed(target: Path, cwd: Path, *cmd: str) -> subprocess.CompletedProcess:
    """Run `cmd` in `cwd` with only the installed package (and the venv's site-packages) importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EQUIMAP_DATA_DIR")}
    env["PYTHONPATH"] = str(target)
    env["EQUIMAP_CACHE_DIR"] = os.environ["EQUIMAP_CACHE_DIR"]  # the shared cache (conftest): no preparation
    env["EQUIMAP_MIN_COUNT"] = "0"  # an installation that allows the unprotected summary below
    return subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.install
def test_wheel_holds_the_package_data(wheel) -> None:
    with zipfile.ZipFile(wheel) as zf:
        sizes = {i.filename: i.file_size for i in zf.infolist()}
        entry_points = zf.read("equimap-0.2.0.dist-info/entry_points.txt").decode()
    expected = [
        PKG / "py.typed",
        PKG / "resources" / "taxonomy.toml",
        *PKG.glob("locales/*.toml"),
        *MALTA.iterdir(),  # the manifest and every data file it names
        PKG / "static" / "vendor" / "leaflet" / "leaflet.js",
        PKG / "static" / "vendor" / "leaflet" / "leaflet.css",
        *PKG.rglob("*.py"),
    ]
    assert len(list(PKG.glob("locales/*.toml"))) >= 2  # en and fr at least
    assert MALTA / "region.toml" in expected and MALTA / "census2021_grid_1km_malta.gpkg" in expected
    for path in expected:
        if "__pycache__" in path.parts:
            continue
        name = path.relative_to(PKG.parent).as_posix()
        assert name in sizes, f"{name} is missing from the wheel"
        assert sizes[name] == path.stat().st_size, f"{name} differs in the wheel"
    assert not [n for n in sizes if "__pycache__" in n or n.endswith((".pyc", ".nbi"))]
    assert "equimap = equimap.cli:main" in entry_points


@pytest.mark.install
@pytest.mark.malta
def test_installed_package_runs_from_another_folder(target, tmp_path) -> None:
    here = tmp_path / "work"
    here.mkdir()
    assert not here.resolve().is_relative_to(ROOT)
    code = "import equimap, equimap.settings as s; print(equimap.__file__); print(s.BUNDLED_DATA_DIR)"
    r = _run_installed(target, here, sys.executable, "-c", code)
    assert r.returncode == 0, r.stderr
    module, data = (Path(line) for line in r.stdout.splitlines())
    assert module == target / "equimap" / "__init__.py"  # the installed copy, not the checkout's src/
    assert data == target / "equimap" / "data"

    r = _run_installed(target, here, sys.executable, "-m", "equimap", "regions")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["helsinki\tHelsinki centre (example)\tEPSG:3067", "malta\tMalta\tEPSG:3035"]

    script = target / "bin" / "equimap"
    assert script.exists()
    # unprotected (`--suppress-below 0`), so that the totals are whole residents, comparable with the census
    args = ["summary", "--region", "malta", "--mode", "walk", "--category", "health", "--threshold-min", "15"]
    args += ["--suppress-below", "0"]
    r = _run_installed(target, here, str(script), *args, "--json")
    assert r.returncode == 0, r.stderr[-3000:]
    rows = json.loads(r.stdout)
    everyone = [row for row in rows if row["group"] == "T"]
    assert [row["dimension"] for row in everyone] == ["all"]  # one "all residents" row, then each dimension's groups
    assert {row["dimension"] for row in rows} == {"all", "birth", "age", "sex"}
    census = _census_total(MALTA, layer="census2021_grid_1km")
    assert census == MALTA_RESIDENTS
    for row in everyone:
        assert row["pop"] == pytest.approx(census, abs=1e-6)
        assert 0 < row["pop_beyond"] < row["pop"] and row["share_beyond"] == pytest.approx(
            row["pop_beyond"] / census, abs=1 / census
        )  # count whole
    r = _run_installed(target, here, str(script), *args)  # the table a person reads
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.splitlines()
    assert lines[0] == "Malta: Health by walk, threshold 15 min"
    assert len([line for line in lines if "All residents" in line and f" {MALTA_RESIDENTS}.0 " in line]) == 1
    assert list(here.iterdir()) == []  # nothing written where it ran


# --- data folders ----------------------------------------------------------------------------------


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.fixture
def hamlet(tmp_path, monkeypatch, capsys) -> Path:
    """A data folder holding the tiny region (added by the CLI as `tiny`) copied under the name `hamlet`."""
    monkeypatch.setenv("EQUIMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("EQUIMAP_DATA_DIR", raising=False)
    src = tiny_region.write_region(tmp_path / "src")
    first = tmp_path / "first"
    argv = ["add-region", "tiny", "--osm", str(src["osm"]), "--population", str(src["population"])]
    assert main([*argv, "--services", str(src["services"]), "--data-dir", str(first)]) == 0  # after the command
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"region `tiny` written to {first / 'tiny' / 'region.toml'}"
    assert "residents: 160 in 3 cells" in out  # then what it found
    data = tmp_path / "regions"
    shutil.copytree(first / "tiny", data / "hamlet")
    return data


def test_data_dir__a_copied_region_is_found_under_its_new_name(hamlet, capsys, monkeypatch) -> None:
    assert main(["--data-dir", str(hamlet), "regions"]) == 0  # before the command
    assert capsys.readouterr().out.splitlines() == ["hamlet\ttiny\tEPSG:3035"]
    summary = ["summary", "--region", "hamlet", "--category", "pharmacy", "--group", "birth", "--json"]
    assert main(["--data-dir", str(hamlet), *summary]) == 0
    rows = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    residents = _census_total(hamlet / "hamlet")
    assert residents == 160  # tiny_region.grid_frame
    assert rows["T"]["pop"] == pytest.approx(residents)
    assert rows["OTH"]["pop"] == pytest.approx(30)

    monkeypatch.setenv("EQUIMAP_DATA_DIR", str(hamlet))  # the same through the environment
    assert main(["regions"]) == 0
    assert capsys.readouterr().out.splitlines() == ["hamlet\ttiny\tEPSG:3035"]
    assert main(summary) == 0
    assert {r["group"]: r for r in json.loads(capsys.readouterr().out)} == rows
    # the bundled regions are not in this folder
    assert main(["summary", "--region", "malta"]) == 2
    err = _one_error(capsys)
    assert "Region `malta` not found" in err and "known regions are ['hamlet']" in err


def test_data_dir__option_overrides_the_environment(hamlet, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("EQUIMAP_DATA_DIR", str(tmp_path / "gone"))
    assert main(["regions"]) == 2
    err = _one_error(capsys)
    assert f"Data folder `{tmp_path / 'gone'}` (from EQUIMAP_DATA_DIR) does not exist" in err
    assert main(["regions", "--data-dir", str(hamlet)]) == 0
    assert capsys.readouterr().out.startswith("hamlet\t")


@pytest.mark.parametrize(
    "argv",
    [
        ["--data-dir", "{missing}", "regions"],
        ["summary", "--region", "malta", "--data-dir", "{missing}"],
        ["--data-dir", "{missing}", "prepare", "--region", "malta"],
        ["urbanisation", "--data-dir", "{missing}"],
        ["report", "--out", "{tmp}/r.pdf", "--data-dir", "{missing}"],
    ],
)
def test_data_dir__missing_folder_is_one_sentence(argv, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("EQUIMAP_DATA_DIR", raising=False)
    missing = tmp_path / "no" / "such"
    assert main([a.format(missing=missing, tmp=tmp_path) for a in argv]) == 2
    assert _one_error(capsys) == (
        f"error: Data folder `{missing}` does not exist or is not a folder; "
        "give a folder that holds region folders (each with a region.toml)."
    )


@pytest.mark.malta
def test_data_dir__copy_of_malta_gives_the_same_figures(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("EQUIMAP_DATA_DIR", raising=False)
    data = tmp_path / "regions"
    shutil.copytree(MALTA, data / "isles")
    (tmp_path / "malta").mkdir()  # a folder of that name where the command runs does not hide the region
    monkeypatch.chdir(tmp_path)
    assert main(["urbanisation", "--region", "malta", "--councils"]) == 0
    bundled = capsys.readouterr().out
    assert main(["urbanisation", "--region", "isles", "--councils", "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out == bundled
    assert main(["--data-dir", str(data), "regions"]) == 0
    assert capsys.readouterr().out == "isles\tMalta\tEPSG:3035\n"
