"""One set of numbers: what the app shows per cell, per council and per group is what the files say.

For one analysis (pharmacies on foot, 15 min, Malta) the app's figures are taken where the
app makes them: the map's popups (`ui.mapview.place_popups` over the tables the Map page
reads) and the Equity page's table (AppTest). The files are written by the command line in
a new process (`equimap report`), through the report path (`build_bundle`), not through the
app's cached analysis: XLSX read with pandas, GeoPackage with pyogrio, PDF text with pypdf.
Every figure visible in a file must equal the app's, at the precision the app shows it, and
a figure hidden in a file must be hidden on screen too.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader

from equimap.analysis.question import Question
from equimap.api import Analysis
from ui.mapview import place_popups

pytestmark = pytest.mark.malta

ROOT = Path(__file__).resolve().parent.parent
MODE, CATEGORY, MINUTES = "walk", "pharmacy", 15
KEY = f"{MODE}_{CATEGORY}_{MINUTES}min"
#: Popup rows and the digits the popup shows them with.
COUNT_KEYS = ("T", "NAT", "EU_OTH", "OTH", "Y_LT15", "Y_1564", "Y_GE65", "M", "F")
TIME_KEYS = ("time_nearest_min", "time_mean3_min")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The XLSX, GeoPackage and PDF of the analysis, written by the CLI in new processes."""
    out = tmp_path_factory.mktemp("parity")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    paths = {}
    for fmt in ("xlsx", "gpkg", "pdf"):
        path = out / f"report.{fmt}"
        cmd = [sys.executable, "-m", "equimap", "report", "--region", "malta"]
        cmd += ["--analysis", f"{MODE}:{CATEGORY}:{MINUTES}", "--out", str(path)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
        assert done.returncode == 0, done.stderr
        paths[fmt] = path
    return paths


@pytest.fixture(scope="module")
def app(malta) -> Analysis:
    """The analysis the app's pages read (as `ui.data.analysis` builds it)."""
    return Analysis(malta, Question(MODE, CATEGORY, float(MINUTES)))


def _popups(malta, figures, kind: str) -> dict[str, dict[str, str]]:
    """Return, per place, the popup's text of every figure, keyed by its column."""
    layout, values = place_popups(
        malta, figures, kind=kind, lang="en", mode=MODE, category=CATEGORY, threshold_min=MINUTES, dimension="birth"
    )
    keys = [key for _, rows in layout for _, key in rows]
    return {pid: dict(zip(keys, vals[1:], strict=True)) for pid, vals in values.items()}


def _number(text: str) -> float:
    """Return the number an app or report cell shows ("1,234", "12.5", "18.4%"; "–" is hidden: NaN)."""
    text = text.strip()
    if text in ("", "none reachable") or text.startswith("–"):  # hidden, or no time (the file leaves it empty)
        return math.nan
    m = re.match(r"[+-]?[\d,]+(?:\.\d+)?", text)
    assert m is not None, f"no number in {text!r}"
    return float(m.group(0).replace(",", ""))


def _same(shown: str, value: float, digits: int) -> bool:
    """Return whether a figure shown with `digits` decimals is `value` (both hidden counts as the same)."""
    v = _number(shown)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.isnan(v)
    return not math.isnan(v) and v == pytest.approx(round(float(value), digits), abs=10 ** (-digits) / 2 + 1e-9)


def _check_places(popups: dict[str, dict[str, str]], table: pd.DataFrame, *, prefix: str) -> int:
    """Compare every popup figure with the table's; return how many figures were compared."""
    n = 0
    bad = []
    for pid, shown in popups.items():
        row = table.loc[pid]
        for key in COUNT_KEYS:
            n += 1
            if not _same(shown[key], row[key], 0):
                bad.append((pid, key, shown[key], row[key]))
        for key in TIME_KEYS:
            n += 1
            if not _same(shown[key], row[f"{prefix}{key}"], 1):
                bad.append((pid, key, shown[key], row[f"{prefix}{key}"]))
        for group in ("T", "NAT", "EU_OTH", "OTH"):
            n += 1
            value = row[f"{prefix}beyond_{group}"]
            if not _same(shown[f"beyond_{group}"], value, 0):
                bad.append((pid, f"beyond_{group}", shown[f"beyond_{group}"], value))
        if "density_km2" in shown:
            n += 1
            if not _same(shown["density_km2"], row["density_km2"], 0):
                bad.append((pid, "density_km2", shown["density_km2"], row["density_km2"]))
        if "simpson" in shown:
            n += 1
            if not _same(shown["simpson"], row["simpson"], 2):
                bad.append((pid, "simpson", shown["simpson"], row["simpson"]))
    assert bad == [], f"{len(bad)} figures differ, e.g. {bad[:5]}"
    return n


def test_cells__popups_equal_xlsx_and_gpkg(malta, app, files) -> None:
    popups = _popups(malta, app.cells(), "cell")
    xlsx = pd.read_excel(files["xlsx"], sheet_name="cells").set_index("cell_id")
    gpkg = pyogrio.read_dataframe(files["gpkg"], layer="cells").set_index("cell_id")
    assert set(popups) == set(xlsx.index)  # every census cell of the file has its popup
    assert _check_places(popups, xlsx, prefix=f"{KEY}_") > 3000
    assert _check_places(popups, gpkg, prefix=f"{KEY}_") > 3000
    hidden = sum(_number(v["T"]) != _number(v["T"]) for v in popups.values())
    assert hidden > 0  # small cells are hidden on screen as in the files


def test_councils__popups_equal_xlsx_gpkg_and_pdf(malta, app, files) -> None:
    figures = app.councils()
    popups = _popups(malta, figures, "council")
    xlsx = pd.read_excel(files["xlsx"], sheet_name="councils", dtype={"council_id": str}).set_index("council_id")
    gpkg = pyogrio.read_dataframe(files["gpkg"], layer="councils").set_index("council_id")
    gpkg.index = gpkg.index.astype(str)
    assert len(popups) == len(xlsx) - 2  # every council, plus the outside and total rows in the file
    assert _check_places(popups, xlsx, prefix=f"{KEY}_") > 1000
    assert _check_places(popups, gpkg, prefix=f"{KEY}_") > 1000
    # the PDF's council table: residents, mean time and residents beyond, per council name
    lines = [ln.strip() for page in PdfReader(files["pdf"]).pages for ln in page.extract_text().splitlines()]
    names = figures["name"]
    unique = names[~names.duplicated(keep=False)]
    checked = 0
    for cid, name in unique.items():
        at = [i for i, ln in enumerate(lines) if ln == name]
        at = [i for i in at if re.fullmatch(r"[\d,–]+", lines[i + 1])]  # the council table's row, not a map label
        assert len(at) == 1, f"{name} not found once in the PDF's council table"
        i = at[0]
        shown = popups[cid]
        assert _number(lines[i + 1]) == _number(shown["T"]) or (
            math.isnan(_number(lines[i + 1])) and math.isnan(_number(shown["T"]))
        )
        rest = [ln for ln in lines[i + 2 : i + 9] if re.fullmatch(r"[\d,.–]+%?", ln)]
        mean, _share, beyond = rest[1], rest[2], rest[3]  # rest[0] is the foreign-born share
        assert _same(mean, _number(shown["time_nearest_min"]), 1)
        assert _same(beyond, _number(shown["beyond_T"]), 0)
        checked += 1
    assert checked > 50


def test_groups__equity_page_equals_xlsx_and_pdf(files) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["category"] = CATEGORY
    at.run()
    at.switch_page("app_pages/equity.py").run()
    assert not at.exception
    page = at.dataframe[0].value  # "Travel time by group": all residents, then each group of the dimension
    xlsx = pd.read_excel(files["xlsx"], sheet_name="groups")
    ours = xlsx[(xlsx["analysis"] == KEY) & xlsx["dimension"].isin(["all", "birth"])].reset_index(drop=True)
    assert len(page) == len(ours) == 4
    cols = list(page.columns)  # group, residents, mean, median, p90, beyond, share beyond
    for i, row in ours.iterrows():
        shown = page.iloc[i]
        assert _number(shown[cols[1]]) == row["pop"]
        assert _same(shown[cols[2]], row["mean_min"], 1)
        assert _same(shown[cols[3]], row["median_min"], 1)
        assert _same(shown[cols[4]], row["p90_min"], 1)
        assert _number(shown[cols[5]]) == row["pop_beyond"]
        assert _same(shown[cols[6]], 100 * row["share_beyond"], 1)
    # the PDF's group table prints the same residents, mean and share beyond
    lines = [ln.strip() for page_ in PdfReader(files["pdf"]).pages for ln in page_.extract_text().splitlines()]
    for i in range(len(ours)):
        label = page.iloc[i][cols[0]]
        j = lines.index(label)
        assert _number(lines[j + 1]) == _number(page.iloc[i][cols[1]])
        assert _number(lines[j + 2]) == _number(page.iloc[i][cols[2]])
        assert _number(lines[j + 4]) == _number(page.iloc[i][cols[6]])


def test_gaps__equity_page_intervals_equal_the_xlsx(files, app) -> None:
    """The intervals on screen use the same bootstrap setting as the report: identical bounds."""
    xlsx = pd.read_excel(files["xlsx"], sheet_name="groups")
    ours = xlsx[(xlsx["analysis"] == KEY) & (xlsx["dimension"] == "birth")].set_index("group")
    gaps = app.gaps("birth")
    for col in ("mean_diff_min", "mean_diff_min_lo", "mean_diff_min_hi", "share_beyond_diff_pp_lo"):
        np.testing.assert_allclose(gaps[col].to_numpy(float), ours.loc[gaps.index, col].to_numpy(float), rtol=1e-9)


def test_map_classes__app_layers_and_report_maps_agree(app) -> None:
    """A cell is in the same class on the app's map and on the report's static map (one set of breaks)."""
    from equimap.maps.access import access_classes
    from equimap.maps.breaks import DENSITY_BREAKS_KM2, SHARE_BREAKS_PCT, classify
    from equimap.maps.gaps import gap_classes
    from equimap.report.staticmap import map_specs

    cells = app.cells()
    specs = {s.key: s for s in map_specs(app.bundle(), lang="en")}
    shown = cells["T"] > 0
    # access: the same five time classes (the report draws unreachable cells as a sixth class)
    ours = access_classes(cells["time_nearest_min"], cells["T"].fillna(1))
    paper = specs[f"access:{KEY}"].classes.reindex(cells.index).to_numpy()
    reachable = shown.to_numpy() & cells["time_nearest_min"].notna().to_numpy()
    np.testing.assert_array_equal(ours[reachable], paper[reachable])
    # density and foreign-born share: the same breaks (shares in percent on screen)
    visible = cells["density_km2"].notna().to_numpy()
    np.testing.assert_array_equal(
        classify(cells["density_km2"], DENSITY_BREAKS_KM2)[visible],
        specs["density"].classes.reindex(cells.index).to_numpy()[visible],
    )
    visible = cells["foreign_share"].notna().to_numpy()
    np.testing.assert_array_equal(
        classify(100 * cells["foreign_share"], SHARE_BREAKS_PCT)[visible],
        specs["foreign"].classes.reindex(cells.index).to_numpy()[visible],
    )
    # gaps: nobody beyond is not drawn on screen and class 0 on paper; the drawn classes are the same
    beyond = cells["beyond_T"]
    drawn = (beyond > 0).to_numpy()
    np.testing.assert_array_equal(
        gap_classes(beyond)[drawn] + 1, specs[f"gap:{KEY}"].classes.reindex(cells.index).to_numpy()[drawn]
    )
    assert drawn.sum() > 50
