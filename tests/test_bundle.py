"""Tests for equimap.analysis.bundle and equimap.report.files: every table of an analysis, protected, and its files read back.

The Malta figures are checked against answers computed here another way: the
library's own group statistics called directly, a geopandas spatial join for the
councils, the census grid for the cell counts, and an independent attacker (linear
programming over each published row) for the protection.
"""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from pandas.testing import assert_frame_equal, assert_series_equal
from scipy.optimize import linprog

from equimap._errors import DataError
from equimap.analysis.bundle import (
    CLASS_ROUNDING,
    DEFAULT_ANALYSES,
    GROUP_ROUNDING,
    OUTSIDE,
    TOTAL,
    Question,
    build_bundle,
    parse_analysis,
)
from equimap.analysis.equity import gaps_table
from equimap.analysis.outreach import outreach_targets
from equimap.analysis.speeds import group_times
from equimap.i18n import languages
from equimap.indicators.degurba import classify_grid
from equimap.indicators.groups import group_summary
from equimap.protect.suppression import UNPROTECTED_NOTICE
from equimap.protect.tables import controlled_round
from equimap.region.boundaries import load_boundaries
from equimap.report.files import bundle_download, format_for, readme_table, write_bundle

N_BOOT = 99  # as the `malta_bundle` fixture
THRESHOLD = 10


# --- small parts, by hand ------------------------------------------------------------------------


def test_parse_analysis() -> None:
    assert parse_analysis("walk:health:15") == Question("walk", "health", 15.0)
    a = parse_analysis("drive:hospital_official:7.5")
    assert (a.mode, a.category, a.threshold_s) == ("drive", "hospital_official", 450.0)
    assert a.key == "drive_hospital_official_7_5min"
    assert a.col("beyond_T") == "drive_hospital_official_7_5min_beyond_T"


@pytest.mark.parametrize("spec", ["walk:health", "fly:health:15", "walk::15", "walk:health:x", "walk:health:-5"])
def test_parse_analysis__bad(spec: str) -> None:
    with pytest.raises(DataError, match="MODE:CATEGORY:MINUTES"):
        parse_analysis(spec)


def test_format_for() -> None:
    assert format_for("a/report.PDF") == "pdf"
    assert format_for("x.zip") == "csv"
    assert format_for("x.json") == "geojson"
    assert format_for("x.pdf", "html") == "html"
    with pytest.raises(DataError, match="no known suffix"):
        format_for("x.docx")
    with pytest.raises(DataError, match="Format `doc` is unknown"):
        format_for("x.pdf", "doc")


def test_controlled_round_by_hand() -> None:
    values = np.array([[1.4, 2.6, 1.0], [0.5, 0.5, 0.0], [2.2, 2.2, 2.6], [2.5, 2.5, 1.0]])
    total = np.array([5.0, 1.0, 7.0, 6.0])
    # floors, then the missing units to the largest remainders (.6 before .4; a tie goes to the first)
    expected = np.array([[1, 3, 1], [1, 0, 0], [2, 2, 3], [3, 2, 1]], dtype=float)
    np.testing.assert_array_equal(controlled_round(values, total), expected)


def test_controlled_round_keeps_totals_and_caps() -> None:
    rng = np.random.default_rng(3)
    parent = rng.dirichlet([1, 1, 1], size=200) * rng.uniform(0, 40, size=(200, 1))
    child = parent * rng.uniform(0, 1, size=parent.shape)
    p_round = controlled_round(parent, np.round(parent.sum(axis=1)))
    c_round = controlled_round(child, np.minimum(np.round(child.sum(axis=1)), p_round.sum(axis=1)), caps=p_round)
    for frac, whole in ((parent, p_round), (child, c_round)):
        assert (whole == np.round(whole)).all()
        assert np.abs(whole - frac).max() < 1.0 + 1e-9  # cap can push one value down by its remainder
    np.testing.assert_array_equal(p_round.sum(axis=1), np.round(parent.sum(axis=1)))
    assert (c_round <= p_round).all()


def test_controlled_round__empty() -> None:
    out = controlled_round(np.zeros((0, 3)), np.zeros(0))
    assert out.shape == (0, 3)


# --- the Malta bundle (marked `malta` by conftest through its fixtures) ------------------------


@pytest.fixture(scope="module")
def bundle(malta_bundle):
    return malta_bundle


@pytest.fixture(scope="module")
def open_bundle(malta):
    return build_bundle(malta, DEFAULT_ANALYSES[:1], threshold=0, n_boot=0)


def _count_columns(bundle, table: str) -> list[str]:
    """Return the columns of a table that count residents."""
    if table == "groups":
        return ["pop", "pop_beyond", "pop_unreachable"]
    counts = set(bundle.count_columns)
    cols = bundle.tables[table].columns
    return [c for c in cols if c in counts or "_beyond_" in c or (c.startswith("beyond_") and "share" not in c)]


def test_build_bundle_does_not_change_the_prepared_region(malta) -> None:
    before = pd.util.hash_pandas_object(malta.origins).sum()
    build_bundle(malta, DEFAULT_ANALYSES[:1], n_boot=0)
    assert pd.util.hash_pandas_object(malta.origins).sum() == before


def test_groups_table_equals_the_library(bundle, malta) -> None:
    g = bundle.tables["groups"]
    for a in bundle.analyses:
        time_s = malta.access(a.mode, a.category)["time_nearest_s"]
        for dim in malta.region.groups:
            lib = gaps_table(
                malta,
                mode=a.mode,
                category=a.category,
                dimension=dim.key,
                threshold_s=a.threshold_s,
                n_boot=N_BOOT,
                seed=0,
            )
            # on foot, age groups count by their own walking speed (tested by hand in tests/test_speeds.py)
            own = group_times(malta, a.mode, a.category, columns=list(dim.columns))
            summ = group_summary(malta.origins, time_s, groups=dim.columns, threshold_s=a.threshold_s, group_time_s=own)
            ours = g[(g["analysis"] == a.key) & (g["dimension"] == dim.key)].set_index("group")
            assert list(ours.index) == list(dim.columns)
            np.testing.assert_allclose(ours["pop"], np.round(lib["pop"] / GROUP_ROUNDING) * GROUP_ROUNDING)
            # the groups table holds whole residents (analysis.tables), which protection rounds to the nearest 10:
            # 42,565.3 residents beyond give 42,565, then 42,560 (half to even), not 42,570
            whole = np.round(summ["pop_beyond"])
            shown = ours["pop_beyond"].notna().to_numpy()
            np.testing.assert_allclose(
                ours["pop_beyond"][shown], (np.round(whole / GROUP_ROUNDING) * GROUP_ROUNDING)[shown]
            )
            # a hidden count is a small one (1..threshold-1), or hidden with one in its dimension
            small = (whole > 0) & (whole < bundle.threshold)
            assert shown.all() or small.any(), (a.key, dim.key)
            for ours_col, lib_col, scale in (
                ("mean_min", "mean_time_s", 60),
                ("median_min", "median_time_s", 60),
                ("mean_diff_min", "mean_diff_s", 60),
            ):
                for s in ("", "_lo", "_hi"):
                    np.testing.assert_allclose(ours[ours_col + s], lib[lib_col + s] / scale, rtol=1e-12)
            for col in ("share_beyond", "share_beyond_lo", "share_beyond_hi", "representation_ratio"):
                # a share of a hidden count is hidden with it
                keep = ours[col].notna().to_numpy()
                assert (keep | ~shown).all(), (a.key, dim.key, col)
                np.testing.assert_allclose(ours[col][keep], lib[col].round(4)[keep])
            keep = ours["share_beyond_diff_pp"].notna().to_numpy()
            assert (keep | ~shown).all()
            np.testing.assert_allclose(ours["share_beyond_diff_pp"][keep], lib["share_beyond_diff_pp"].round(2)[keep])
            np.testing.assert_allclose(ours["p90_min"], summ["p90_min"], rtol=1e-12)
            assert (ours["is_reference"] == (ours.index == dim.reference)).all()


def test_cells_table_counts_are_the_census_and_beyond_is_recomputed(bundle, malta) -> None:
    cells = bundle.tables["cells"]
    census = malta.population.reindex(cells.index)
    visible = cells["T"].notna()
    assert visible.sum() > 200
    np.testing.assert_allclose(cells.loc[visible, "T"], census.loc[visible, "T"])
    a = bundle.analyses[0]
    t = malta.access(a.mode, a.category)["time_nearest_s"]
    far = malta.origins["T"].where(~(t <= a.threshold_s), 0.0)
    expected = far.groupby(malta.origins["cell_id"]).sum().reindex(cells.index)
    shown = cells[a.col("beyond_T")].notna()
    np.testing.assert_allclose(cells.loc[shown, a.col("beyond_T")], np.round(expected[shown]))
    both = shown & visible & (cells["T"] > 0)
    np.testing.assert_allclose(
        cells.loc[both, a.col("share_beyond")], cells.loc[both, a.col("beyond_T")] / cells.loc[both, "T"]
    )


def test_cells_table_diversity_and_urbanisation(bundle, malta) -> None:
    cells = bundle.tables["cells"]
    ok = cells[["NAT", "EU_OTH", "OTH"]].notna().all(axis=1) & cells["foreign_share"].notna()
    births = cells.loc[ok, ["NAT", "EU_OTH", "OTH"]]
    share = (births["EU_OTH"] + births["OTH"]) / births.sum(axis=1)
    assert_series_equal(cells.loc[ok, "foreign_share"], share, check_names=False)
    p = births.div(births.sum(axis=1), axis=0)
    # normalised Gini-Simpson, the one definition of every surface: 1 - sum p^2 over its maximum 1 - 1/K (K = 3)
    assert_series_equal(cells.loc[ok, "simpson"], (1 - (p**2).sum(axis=1)) / (1 - 1 / 3), check_names=False)
    grid = classify_grid(malta.population, pop_col="T", land_share_col="land_share", cell_size_m=1000)
    assert_series_equal(cells["degurba_l2"], grid["degurba_l2"].reindex(cells.index).astype(np.int64))


def test_councils_table_equals_a_spatial_join(bundle, malta) -> None:
    councils = bundle.tables["councils"]
    units = load_boundaries(malta.region, "councils")
    o = malta.origins
    pts = gpd.GeoDataFrame(o[["T"]], geometry=gpd.points_from_xy(o["x"], o["y"]), crs=malta.region.crs)
    # one rule for a point on a border: it belongs to the first council of the file that it touches
    order = pd.Series(range(len(units)), index=units.index)
    joined = gpd.sjoin(pts, units[["geometry"]], predicate="intersects", how="left")
    joined["order"] = joined["unit_id"].map(order)
    joined = joined.sort_values("order", kind="stable")
    joined = joined[~joined.index.duplicated(keep="first")].reindex(o.index)
    key = joined["unit_id"].map(lambda v: OUTSIDE if pd.isna(v) else str(int(v)))
    expected = o["T"].groupby(key).sum()
    shown = councils["T"].drop(index=TOTAL).dropna()
    assert len(shown) > 60
    np.testing.assert_allclose(shown, np.round(expected.reindex(shown.index)), atol=0)
    assert expected[OUTSIDE] > 0  # residents outside every council are kept, not dropped
    np.testing.assert_allclose(councils.at[TOTAL, "T"], councils["T"].drop(index=TOTAL).sum())
    assert abs(councils.at[TOTAL, "T"] - o["T"].sum()) < 5
    # a cell's council is the one where most of its residents live (ties: the first in the file)
    inside = key != OUTSIDE
    per = pd.DataFrame({"cell": o["cell_id"], "council": key, "T": o["T"], "order": joined["order"]})[inside]
    per = per.groupby(["cell", "council"]).agg(T=("T", "sum"), order=("order", "first")).reset_index()
    best = per.sort_values(["cell", "T", "order"], ascending=[True, False, True]).drop_duplicates("cell")
    cells = bundle.tables["cells"]
    pd.testing.assert_series_equal(
        cells["council_id"].dropna().sort_index(), best.set_index("cell")["council"].sort_index(), check_names=False
    )


def test_additive_relations_hold_in_every_visible_row(bundle) -> None:
    for name in ("cells", "councils"):
        t = bundle.tables[name]
        for members in bundle.group_sets().values():
            full = t[["T", *members]].notna().all(axis=1)
            np.testing.assert_allclose(t.loc[full, members].sum(axis=1), t.loc[full, "T"])
            for a in bundle.analyses:
                beyond = [a.col(f"beyond_{m}") for m in ["T", *members]]
                both = t[beyond + members + ["T"]].notna().all(axis=1)
                np.testing.assert_allclose(t.loc[both, beyond[1:]].sum(axis=1), t.loc[both, beyond[0]])
                for m in ["T", *members]:
                    assert (t.loc[both, a.col(f"beyond_{m}")] <= t.loc[both, m]).all()


def test_no_exported_count_is_small(bundle) -> None:
    names = ("groups", "cells", "councils", "urbanisation_l1", "urbanisation_l2", "outreach")
    assert set(names) == set(bundle.results)
    for name in names:
        cols = _count_columns(bundle, name)
        assert len(cols) >= 3, name
        t = bundle.tables[name][cols]
        small = t.gt(0) & t.lt(THRESHOLD)
        assert not small.any().any(), name
    assert bundle.results["cells"].primary > 0 and bundle.results["outreach"].primary > 0


def test_outreach_targets_are_the_library_ranking_with_the_cells_protection(bundle, malta) -> None:
    t = bundle.tables["outreach"]
    cells = bundle.tables["cells"]
    for a in bundle.analyses:
        lib = outreach_targets(malta, mode=a.mode, category=a.category, threshold_s=a.threshold_s)
        ours = t[t["analysis"] == a.key]
        assert ours["cell_id"].tolist() == lib.index.astype(str).tolist()
        assert ours["rank"].tolist() == list(range(1, len(lib) + 1))
        assert ours["degurba_l2"].tolist() == lib["degurba_l2"].tolist()
        mine = cells.loc[ours["cell_id"]]
        for col in ("T", "NAT", "EU_OTH", "OTH", "UNKNOWN_BIRTH", "beyond_T", "beyond_OTH"):
            src = a.col(col) if col.startswith("beyond_") else col
            # the same value, hidden in the same places, as the cell table
            np.testing.assert_array_equal(ours[col].to_numpy(float), mine[src].to_numpy(float))
        # exact residents beyond, rounded, where shown
        shown = ours["beyond_T"].notna().to_numpy()
        np.testing.assert_allclose(ours.loc[shown, "beyond_T"], np.round(lib.loc[shown, "beyond_T"]), atol=1)
        np.testing.assert_allclose(ours.loc[shown, "score"], lib.loc[shown, "score"], rtol=1e-12)
        # the score and mean excess would give the hidden count back (score / excess): hidden with it
        assert ours.loc[~shown, ["score", "mean_excess_min"]].isna().all().all()
        assert (~shown).any()
        share = ours["beyond_OTH"] / ours["beyond_T"]
        ok = ours["beyond_share_OTH"].notna()
        np.testing.assert_allclose(ours.loc[ok, "beyond_share_OTH"], share[ok])
        assert ours.loc[ours["beyond_OTH"].isna(), "beyond_share_OTH"].isna().all()


def test_urbanisation_tables_are_rounded(bundle) -> None:
    for level in (1, 2):
        t = bundle.tables[f"urbanisation_l{level}"]
        counts = t[["T", *[a.col("beyond_T") for a in bundle.analyses]]]
        np.testing.assert_array_equal(counts % CLASS_ROUNDING, 0)
        cells = bundle.tables["cells"]
        n = cells.groupby(f"degurba_l{level}").size()
        assert t.loc[[str(c) for c in n.index], "n_cells"].tolist() == n.tolist()


def test_hidden_small_counts_cannot_be_worked_out_from_their_row(bundle, malta) -> None:
    """An attacker knows every relation of a row and that hidden counts are at least 1; no small one is pinned."""
    cells = bundle.tables["cells"]
    truth = _true_cells(bundle, malta)
    groups = list(bundle.group_sets().values())
    checked = []
    counts = [c for c in cells.columns if c in bundle.count_columns or "_beyond_" in c]
    for cid in cells.index[cells[counts].isna().any(axis=1)]:
        checked += [(cid, *r) for r in _attack_row(cells.loc[cid], truth.loc[cid], groups, bundle.analyses)]
    assert len(checked) > 500  # hidden small counts and small complements examined
    assert [r for r in checked if r[3]] == []


def _true_cells(bundle, malta) -> pd.DataFrame:
    unprotected = build_bundle(malta, bundle.analyses, threshold=0, n_boot=0)
    return unprotected.tables["cells"]


def _attack_row(row: pd.Series, truth: pd.Series, groups: list[list[str]], analyses) -> list[tuple[str, float, bool]]:
    """Return each small hidden count (and small complement ``~child``) of a row, and whether it is pinned down."""
    members = [c for m in groups for c in m]
    relations = [("T", m) for m in groups]
    parents = {}
    for a in analyses:
        relations += [(a.col("beyond_T"), [a.col(f"beyond_{c}") for c in m]) for m in groups]
        parents.update({a.col(f"beyond_{c}"): c for c in ["T", *members]})
    relations += [(p, [c, f"~{c}"]) for c, p in parents.items()]
    counts = ["T", *members, *parents]
    unknowns = [c for c in counts if pd.isna(row[c])] + [f"~{c}" for c in parents]
    pos = {u: i for i, u in enumerate(unknowns)}
    a_eq = np.zeros((len(relations), len(unknowns)))
    b_eq = np.zeros(len(relations))
    for i, (total, parts) in enumerate(relations):
        for col, sign in [(total, -1.0), *[(m, 1.0) for m in parts]]:
            if col in pos:
                a_eq[i, pos[col]] += sign
            else:
                b_eq[i] -= sign * float(row[col])

    def true(u: str) -> float:
        return float(truth[parents[u[1:]]] - truth[u[1:]]) if u.startswith("~") else float(truth[u])

    bounds = [(0.0, None) if u.startswith("~") or true(u) < 1 else (1.0, None) for u in unknowns]
    found = []
    for u in unknowns:
        v = true(u)
        if 0 < v < THRESHOLD:
            c = np.zeros(len(unknowns))
            c[pos[u]] = 1.0
            lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            assert lo.status == 0, "the true values must solve the attacker's system"
            found.append((u, v, hi.status == 0 and -hi.fun - lo.fun < 0.5))
    return found


# --- files ---------------------------------------------------------------------------------------


def test_xlsx_sheets_match_the_tables(bundle, tmp_path) -> None:
    (path,) = write_bundle(bundle, tmp_path / "out.xlsx")
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["README", *bundle.tables]
    assert wb["README"]["A1"].value == bundle.notice()
    for name, table in bundle.tables.items():
        back = pd.read_excel(path, sheet_name=name)
        expected = table.reset_index() if table.index.name else table.reset_index(drop=True)
        assert list(back.columns) == list(expected.columns)
        for col in expected.columns:
            if pd.api.types.is_numeric_dtype(expected[col]) and not pd.api.types.is_bool_dtype(expected[col]):
                np.testing.assert_allclose(back[col].to_numpy(float), expected[col].to_numpy(float), rtol=1e-12)
            else:
                assert _texts(back[col]) == _texts(expected[col])
        assert not ((back.select_dtypes("number") > 0) & (back.select_dtypes("number") < 0)).any().any()
    readme = pd.read_excel(path, sheet_name="README", skiprows=2)
    described = set(zip(readme["sheet"], readme["column"].fillna(""), strict=True))
    for name, table in bundle.tables.items():
        for col in [*[n for n in table.index.names if n], *table.columns]:
            assert (name, col) in described
    assert readme["description"].notna().all()


def _texts(s: pd.Series) -> list[str]:
    """Return values as text, with missing and empty the same (Excel reads empty text back as missing)."""
    return ["" if pd.isna(v) else str(v) for v in s]


def test_readme_describes_every_column_in_both_languages(bundle) -> None:
    for lang in languages():
        readme = readme_table(bundle, lang=lang)
        empty = readme[(readme["description"] == "")]
        assert empty.empty, empty
    en, fr = readme_table(bundle, lang="en"), readme_table(bundle, lang="fr")
    assert (en["description"] != fr["description"]).mean() > 0.9


def test_gpkg_layers_keep_crs_and_rows(bundle, tmp_path) -> None:
    (path,) = write_bundle(bundle, tmp_path / "out.gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert set(bundle.layers) <= set(layers)
    for name, gdf in bundle.layers.items():
        back = gpd.read_file(path, layer=name)
        assert back.crs.to_epsg() == 3035
        assert len(back) == len(gdf)
        assert pyogrio.read_info(path, layer=name)["features"] == len(gdf)
    cells = gpd.read_file(path, layer="cells").set_index("cell_id")
    counts = cells[list(bundle.count_columns)]
    assert not (counts.gt(0) & counts.lt(THRESHOLD)).any().any()
    assert len(bundle.layers["councils"]) == len(bundle.tables["councils"]) - 2


def test_geojson_and_csv_files(bundle, tmp_path) -> None:
    paths = write_bundle(bundle, tmp_path / "map.geojson")
    assert sorted(p.name for p in paths) == sorted(f"map_{n}.geojson" for n in bundle.layers)
    for name, gdf in bundle.layers.items():
        back = gpd.read_file(tmp_path / f"map_{name}.geojson")
        assert back.crs.to_epsg() == 4326 and len(back) == len(gdf)
    (zpath,) = write_bundle(bundle, tmp_path / "tables.zip")
    with zipfile.ZipFile(zpath) as zf:
        assert sorted(zf.namelist()) == sorted([f"{n}.csv" for n in bundle.tables] + ["README.csv"])
        with zf.open("cells.csv") as f:
            assert f.readline().decode("utf-8").strip() == f"# {bundle.notice()}"
            back = pd.read_csv(f, index_col="cell_id")
    assert_frame_equal(
        back[list(bundle.count_columns)], bundle.tables["cells"][list(bundle.count_columns)], check_dtype=False
    )


def test_bundle_download_gives_each_format_as_one_file(bundle) -> None:
    for fmt, name, magic in (
        ("pdf", "equimap.pdf", b"%PDF"),
        ("xlsx", "equimap.xlsx", b"PK"),
        ("gpkg", "equimap.gpkg", b"SQLite format 3"),
        ("html", "equimap.html", b"<!-- Small-count protection ON"),
        ("csv", "equimap.zip", b"PK"),
        ("geojson", "equimap_geojson.zip", b"PK"),
    ):
        got_name, data, mime = bundle_download(bundle, fmt=fmt)
        assert got_name == name and data.startswith(magic) and mime
    _, data, _ = bundle_download(bundle, fmt="geojson")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == sorted(f"equimap_{n}.geojson" for n in bundle.layers)


def test_unprotected_files_say_so_first(open_bundle, tmp_path) -> None:
    assert open_bundle.results["cells"].suppressed == 0
    assert open_bundle.notice() == UNPROTECTED_NOTICE
    (csv,) = write_bundle(open_bundle, tmp_path / "t.zip")
    with zipfile.ZipFile(csv) as zf:
        for name in zf.namelist():
            assert zf.read(name).decode("utf-8").splitlines()[0] == f"# {UNPROTECTED_NOTICE}"
    (xlsx,) = write_bundle(open_bundle, tmp_path / "t.xlsx")
    assert load_workbook(xlsx, read_only=True)["README"]["A1"].value == UNPROTECTED_NOTICE
    (gpkg,) = write_bundle(open_bundle, tmp_path / "t.gpkg")
    readme = pyogrio.read_dataframe(gpkg, layer="README")
    assert readme["text"].iloc[0] == UNPROTECTED_NOTICE
    (html,) = write_bundle(open_bundle, tmp_path / "t.html")
    assert html.read_text(encoding="utf-8").splitlines()[0] == f"<!-- {UNPROTECTED_NOTICE} -->"


def test_build_bundle__bad_analyses(malta) -> None:
    with pytest.raises(DataError, match=r"repeated.*categories \['nope'\] are unknown"):
        build_bundle(
            malta, [Question("walk", "nope", 15), Question("walk", "health", 15), Question("walk", "health", 15)]
        )
    with pytest.raises(DataError, match="whole number 0 or more"):
        build_bundle(malta, DEFAULT_ANALYSES, threshold=-1)
    with pytest.raises(DataError, match="empty"):
        build_bundle(malta, [])
