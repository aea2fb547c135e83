"""Tests for equimap.protect.suppression: small-count suppression and the file notice.

Protection is checked by an independent attacker written here: from the exported
values alone it sets up every additive relation as a linear programme and asks
scipy's HiGHS solver for the smallest and largest value each hidden count can take.
A hidden small count is disclosed when the two coincide.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from scipy.optimize import linprog

from equimap import i18n, settings
from equimap._errors import DataError
from equimap.protect.suppression import (
    PROTECTED_NOTICE_KEY,
    UNPROTECTED_NOTICE,
    UNPROTECTED_NOTICE_KEY,
    SuppressionResult,
    protection_header,
    suppress_counts,
)

BIRTH = ["NAT", "EU_OTH", "OTH"]
AGE = ["Y_LT15", "Y_1564", "Y_GE65"]
SEX = ["M", "F"]
GROUPS = {"birth": BIRTH, "age": AGE, "sex": SEX}
NAN = np.nan


# --- an independent attacker --------------------------------------------------------------


def attack_ranges(
    out: pd.DataFrame,
    truth: pd.DataFrame,
    relations: list[tuple[str, list[str]]],
    *,
    parents: dict[str, str] | None = None,
    totals_row: object | None = None,
) -> list[tuple[object, str, float, float, float]]:
    """Return (row, column, true value, min, max) for every hidden small count and small complement.

    Unknowns: every hidden count (at least 1, since zeros are shown) and every
    complement ``parent - child``, written ``~child`` (at least 0). Equations: each
    relation ``total = sum(members)`` in each row, ``parent = child + complement``, and,
    with a totals row, each column adding up to it.
    """
    parents = parents or {}
    var = {(r, c): 0 for r in out.index for c in out.columns if pd.isna(out.at[r, c])}
    var.update({(r, "~" + child): 0 for r in out.index for child in parents})
    var = {key: j for j, key in enumerate(var)}
    equations = []
    for r in out.index:
        equations += [[((r, total), -1.0)] + [((r, m), 1.0) for m in members] for total, members in relations]
        equations += [[((r, p), -1.0), ((r, c), 1.0), ((r, "~" + c), 1.0)] for c, p in parents.items()]
    if totals_row is not None:
        others = [r for r in out.index if r != totals_row]
        equations += [[((totals_row, c), -1.0)] + [((r, c), 1.0) for r in others] for c in out.columns]
    a_eq, b_eq = linear_system(equations, var, out)
    bounds = [(0.0, None) if key[1].startswith("~") else (1.0, None) for key in var]

    def true_value(r: object, c: str) -> float:
        if c.startswith("~"):
            return float(truth.at[r, parents[c[1:]]] - truth.at[r, c[1:]])
        return float(truth.at[r, c])

    found = []
    for (r, c), j in var.items():
        v = true_value(r, c)
        if 0 < v < 10:
            lo, hi = solve_range(a_eq, b_eq, bounds, j)
            found.append((r, c, v, lo, hi))
    return found


def linear_system(
    equations: list[list[tuple[tuple[object, str], float]]], var: dict[tuple[object, str], int], out: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``A x = b`` over the unknowns `var`, with visible values moved to the right."""
    a_eq = np.zeros((len(equations), len(var)))
    b_eq = np.zeros(len(equations))
    for i, terms in enumerate(equations):
        for key, sign in terms:
            if key in var:
                a_eq[i, var[key]] += sign
            else:
                b_eq[i] -= sign * out.at[key]
    return a_eq, b_eq


def solve_range(a_eq: np.ndarray, b_eq: np.ndarray, bounds: list, j: int) -> tuple[float, float]:
    """Return the smallest and largest value unknown `j` can take (inf when unbounded)."""
    c = np.zeros(a_eq.shape[1])
    c[j] = 1.0
    lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert lo.status == 0, "the attacker's system must hold for the true values"
    return lo.fun, (-hi.fun if hi.status == 0 else np.inf)


def assert_not_disclosed(ranges: list[tuple[object, str, float, float, float]]) -> None:
    pinned = [(r, c, v) for r, c, v, lo, hi in ranges if hi - lo < 0.5]
    assert pinned == []
    assert all(lo - 1e-6 <= v <= hi + 1e-6 for _, _, v, lo, hi in ranges)


def random_census(seed: int, n: int = 50) -> pd.DataFrame:
    """Return `n` areas whose group counts add up to the total, many of them small."""
    rng = np.random.default_rng(seed)
    total = np.where(rng.random(n) < 0.3, rng.integers(0, 25, n), rng.integers(25, 400, n))
    rows = []
    for t in total:
        birth = rng.multinomial(t, rng.dirichlet([6.0, 0.6, 0.6]))
        age = rng.multinomial(t, rng.dirichlet([1.0, 4.0, 1.0]))
        men = rng.binomial(t, 0.5)
        rows.append([t, *birth, *age, men, t - men])
    return pd.DataFrame(rows, columns=["T", *BIRTH, *AGE, *SEX], index=[f"c{i}" for i in range(n)])


def relations_of(total: str, groups: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    return [(total, members) for members in groups.values()]


# --- the rules, on worked examples ---------------------------------------------------------


def test_primary_alone_leaks_and_secondary_stops_it() -> None:
    table = pd.DataFrame({"T": [100], "NAT": [60], "EU_OTH": [35], "OTH": [5]}, index=["a"])
    # Hiding only the small count leaks it: 100 - 60 - 35 = 5.
    primary_only = table.astype(float).mask(table.gt(0) & table.lt(10))
    assert primary_only.at["a", "OTH"] != primary_only.at["a", "OTH"]  # NaN: hidden
    leaked = primary_only.at["a", "T"] - primary_only.at["a", "NAT"] - primary_only.at["a", "EU_OTH"]
    assert leaked == table.at["a", "OTH"]

    result = suppress_counts(table, count_groups=[BIRTH], total_col="T")
    # The next-smallest member (EU_OTH, 35 < 60) is hidden too.
    expected = pd.DataFrame({"T": [100.0], "NAT": [60.0], "EU_OTH": [NAN], "OTH": [NAN]}, index=["a"])
    assert_frame_equal(result.table, expected)
    reason = pd.DataFrame({"T": [""], "NAT": [""], "EU_OTH": ["secondary"], "OTH": ["primary"]}, index=["a"])
    assert_frame_equal(result.reason, reason, check_dtype=False)
    assert_frame_equal(result.mask, reason != "")
    assert (result.primary, result.secondary, result.derived, result.threshold) == (1, 1, 0, 10)
    assert_not_disclosed(attack_ranges(result.table, table, [("T", BIRTH)]))


def test_two_small_members_need_no_secondary() -> None:
    table = pd.DataFrame({"T": [100], "NAT": [93], "EU_OTH": [5], "OTH": [2]}, index=["a"])
    result = suppress_counts(table, count_groups={"birth": BIRTH}, total_col="T")
    expected = pd.DataFrame({"T": [100.0], "NAT": [93.0], "EU_OTH": [NAN], "OTH": [NAN]}, index=["a"])
    assert_frame_equal(result.table, expected)
    assert (result.primary, result.secondary) == (2, 0)


def test_hidden_ones_pinned_by_their_sum_are_protected() -> None:
    # EU_OTH and OTH are hidden and add up to 100 - 98 = 2; both must be >= 1, so both are 1.
    table = pd.DataFrame({"T": [100], "NAT": [98], "EU_OTH": [1], "OTH": [1]}, index=["a"])
    result = suppress_counts(table, count_groups=[BIRTH], total_col="T")
    expected = pd.DataFrame({"T": [100.0], "NAT": [NAN], "EU_OTH": [NAN], "OTH": [NAN]}, index=["a"])
    assert_frame_equal(result.table, expected)
    assert_not_disclosed(attack_ranges(result.table, table, [("T", BIRTH)]))


def test_small_total_hides_the_whole_area_but_zeros() -> None:
    table = pd.DataFrame({"T": [7], "NAT": [7], "EU_OTH": [0], "OTH": [0], "M": [3], "F": [4]}, index=["a"])
    result = suppress_counts(table, count_groups=[BIRTH, SEX], total_col="T")
    expected = pd.DataFrame(
        {"T": [NAN], "NAT": [NAN], "EU_OTH": [0.0], "OTH": [0.0], "M": [NAN], "F": [NAN]}, index=["a"]
    )
    assert_frame_equal(result.table, expected)
    assert (result.primary, result.secondary) == (4, 0)
    assert_not_disclosed(attack_ranges(result.table, table, [("T", BIRTH), ("T", SEX)]))


def test_shares_from_hidden_counts_are_hidden() -> None:
    table = pd.DataFrame(
        {
            "T": [100, 200],
            "NAT": [60, 150],
            "EU_OTH": [35, 30],
            "OTH": [5, 20],
            "share_OTH": [0.05, 0.10],
            "share_EU_OTH": [0.35, 0.15],
            "mean_time_s_NAT": [300.0, 420.0],
            "name": ["Qormi", "Ħamrun"],
        },
        index=pd.Index(["a", "b"], name="area"),
    )
    result = suppress_counts(
        table,
        count_groups=[BIRTH],
        total_col="T",
        share_cols={"share_OTH": ["OTH", "T"], "share_EU_OTH": ["EU_OTH", "T"], "mean_time_s_NAT": "NAT"},
    )
    expected = table.astype(dict.fromkeys(["T", "NAT", "EU_OTH", "OTH"], float))
    expected.loc["a", ["EU_OTH", "OTH", "share_OTH", "share_EU_OTH"]] = NAN
    assert_frame_equal(result.table, expected)
    assert (result.primary, result.secondary, result.derived) == (1, 1, 2)
    assert result.reason.loc["a", "share_EU_OTH"] == "derived"
    assert not result.mask.loc["b"].any()


def test_threshold_is_configurable() -> None:
    table = pd.DataFrame({"T": [100], "NAT": [87], "EU_OTH": [8], "OTH": [5]}, index=["a"])
    low = suppress_counts(table, count_groups=[BIRTH], total_col="T", threshold=6)
    # 5 < 6 is hidden alone, so 8 (the smaller other member) goes too.
    assert_frame_equal(
        low.table, pd.DataFrame({"T": [100.0], "NAT": [87.0], "EU_OTH": [NAN], "OTH": [NAN]}, index=["a"])
    )
    lower = suppress_counts(table, count_groups=[BIRTH], total_col="T", threshold=5)
    assert_frame_equal(lower.table, table.astype(float))
    assert (lower.threshold, lower.primary, lower.secondary) == (5, 0, 0)


def test_unknown_input_counts_stay_unknown_and_protect() -> None:
    # EU_OTH is unknown (a publisher's confidential cell): OTH = 100 - 90 - EU_OTH cannot be solved.
    table = pd.DataFrame({"T": [100.0], "NAT": [90.0], "EU_OTH": [NAN], "OTH": [5.0]}, index=["a"])
    result = suppress_counts(table, count_groups=[BIRTH], total_col="T")
    expected = pd.DataFrame({"T": [100.0], "NAT": [90.0], "EU_OTH": [NAN], "OTH": [NAN]}, index=["a"])
    assert_frame_equal(result.table, expected)
    assert (result.primary, result.secondary) == (1, 0)
    assert not result.mask.at["a", "EU_OTH"]


def test_groups_without_total_column_assume_a_known_total() -> None:
    table = pd.DataFrame({"NAT": [60, 0], "EU_OTH": [35, 0], "OTH": [5, 5]}, index=["a", "b"])
    result = suppress_counts(table, count_groups=[BIRTH], total_col=None)
    # Row b: the only non-zero member equals the known total, so a zero is hidden as a last resort.
    expected = pd.DataFrame({"NAT": [60.0, NAN], "EU_OTH": [NAN, 0.0], "OTH": [NAN, NAN]}, index=["a", "b"])
    assert_frame_equal(result.table, expected)
    assert (result.primary, result.secondary) == (2, 2)


def test_complement_of_a_subset_count_is_protected() -> None:
    # 95 of 100 people born in the country live beyond the threshold: 5 live within it.
    table = pd.DataFrame(
        {
            "T": [200],
            "NAT": [100],
            "EU_OTH": [60],
            "OTH": [40],
            "beyond_T": [145],
            "beyond_NAT": [95],
            "beyond_EU_OTH": [30],
            "beyond_OTH": [20],
        },
        index=["a"],
    )
    beyond = ["beyond_NAT", "beyond_EU_OTH", "beyond_OTH"]
    parents = {"beyond_T": "T", "beyond_NAT": "NAT", "beyond_EU_OTH": "EU_OTH", "beyond_OTH": "OTH"}
    result = suppress_counts(
        table,
        count_groups={"birth": BIRTH, "beyond": beyond},
        total_col="T",
        group_totals={"beyond": "beyond_T"},
        parents=parents,
    )
    expected = table.astype(float)
    expected.loc["a", ["beyond_NAT", "beyond_OTH"]] = NAN  # beyond_OTH (20) is the smaller partner
    assert_frame_equal(result.table, expected)
    assert (result.primary, result.secondary) == (0, 2)
    relations = [("T", BIRTH), ("beyond_T", beyond)]
    ranges = attack_ranges(result.table, table, relations, parents=parents)
    assert [(r, c) for r, c, *_ in ranges] == [("a", "~beyond_NAT")]
    assert_not_disclosed(ranges)


def test_totals_row_is_protected_across_rows() -> None:
    table = pd.DataFrame(
        {"T": [100, 120, 150, 370], "NAT": [60, 70, 90, 220], "EU_OTH": [35, 10, 10, 55], "OTH": [5, 40, 50, 95]},
        index=["a", "b", "c", "total"],
    )
    rows_only = suppress_counts(table, count_groups=[BIRTH], total_col="T")
    # Without the totals rule, a's OTH = 95 - 40 - 50 = 5 is recovered from the column.
    col = rows_only.table["OTH"]
    assert col["total"] - col["b"] - col["c"] == table.at["a", "OTH"]

    result = suppress_counts(table, count_groups=[BIRTH], total_col="T", totals_row="total")
    out = result.table
    assert out["OTH"].isna().sum() >= 2 and out["EU_OTH"].isna().sum() >= 2
    ranges = attack_ranges(out, table, [("T", BIRTH)], totals_row="total")
    assert [(r, c) for r, c, *_ in ranges] == [("a", "OTH")]
    assert_not_disclosed(ranges)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_tables_leak_no_small_count(seed: int) -> None:
    table = random_census(seed)
    result = suppress_counts(table, count_groups=GROUPS, total_col="T")
    out = result.table
    counts = ["T", *BIRTH, *AGE, *SEX]
    visible = out[counts]
    assert not (visible.gt(0) & visible.lt(10)).any().any()
    hidden = out[counts].isna()
    assert_frame_equal(hidden, result.mask[counts])
    assert (table[counts][hidden] > 0).where(hidden, True).all().all()  # zeros are never hidden here
    assert result.primary == int((table[counts].gt(0) & table[counts].lt(10)).sum().sum())
    assert result.primary + result.secondary == int(hidden.sum().sum())
    # every visible value is the input's
    assert_frame_equal(out[counts].where(~hidden), table[counts].astype(float).where(~hidden))
    assert_not_disclosed(attack_ranges(out[counts], table, relations_of("T", GROUPS)))


@pytest.mark.parametrize("seed", [11, 12])
def test_random_tables_with_subsets_and_totals_row_leak_nothing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = random_census(seed, n=12)[["T", *BIRTH]]
    for c in BIRTH:
        table["beyond_" + c] = rng.binomial(table[c].to_numpy(), rng.uniform(0.1, 0.9))
    beyond = ["beyond_" + c for c in BIRTH]
    table["beyond_T"] = table[beyond].sum(axis=1)
    table.loc["total"] = table.sum()
    parents = {"beyond_" + c: c for c in ["T", *BIRTH]}
    result = suppress_counts(
        table,
        count_groups={"birth": BIRTH, "beyond": beyond},
        total_col="T",
        group_totals={"beyond": "beyond_T"},
        parents=parents,
        totals_row="total",
    )
    out = result.table
    assert not (out.gt(0) & out.lt(10)).any().any()
    relations = [("T", BIRTH), ("beyond_T", beyond)]
    ranges = attack_ranges(out, table, relations, parents=parents, totals_row="total")
    assert ranges  # the fixture has small counts to protect
    assert_not_disclosed(ranges)


@pytest.mark.malta
def test_real_malta_grid_is_protected() -> None:
    import geopandas as gpd

    grid = gpd.read_file(settings.BUNDLED_DATA_DIR / "malta" / "census2021_grid_1km_malta.gpkg").set_index("GRD_ID")
    counts = ["T", *BIRTH, *AGE, *SEX]
    flagged = grid[[c + "_CI" for c in counts]].to_numpy() == 1
    grid[counts] = grid[counts].astype(float).mask(flagged)  # confidential values are unknown, not 0
    result = suppress_counts(grid, count_groups=GROUPS, total_col="T")
    assert isinstance(result.table, gpd.GeoDataFrame)
    assert result.table.crs == grid.crs
    assert result.table.index.equals(grid.index)
    visible = result.table[counts]
    assert not (visible.gt(0) & visible.lt(10)).any().any()
    assert result.primary == int((grid[counts].gt(0) & grid[counts].lt(10)).sum().sum())
    assert result.suppressed > 0
    assert_not_disclosed(attack_ranges(result.table[counts], grid, relations_of("T", GROUPS)))


def test_inputs_are_not_changed() -> None:
    table = random_census(7, n=20)
    table["share_OTH"] = table["OTH"] / table["T"]
    groups = {"birth": list(BIRTH), "sex": list(SEX)}
    shares = {"share_OTH": ["OTH", "T"]}
    before = (table.copy(deep=True), copy.deepcopy(groups), copy.deepcopy(shares))
    result = suppress_counts(table, count_groups=groups, total_col="T", share_cols=shares)
    assert result.suppressed > 0
    assert_frame_equal(table, before[0])
    assert (groups, shares) == before[1:]
    assert result.table is not table


# --- protection off and the notice ----------------------------------------------------------


def test_protection_off_hides_nothing_and_says_so() -> None:
    table = pd.DataFrame({"T": [100], "NAT": [60], "EU_OTH": [35], "OTH": [5]}, index=["a"])
    result = suppress_counts(table, count_groups=[BIRTH], total_col="T", threshold=0)
    assert_frame_equal(result.table, table.astype(float))
    assert not result.mask.any().any()
    assert not result.protected
    header = protection_header(result)
    assert header == {
        "protected": False,
        "threshold": 0,
        "suppressed": 0,
        "primary": 0,
        "secondary": 0,
        "derived": 0,
        "key": UNPROTECTED_NOTICE_KEY,
        "text": UNPROTECTED_NOTICE,
    }
    assert "OFF" in UNPROTECTED_NOTICE
    assert protection_header(result, lang="fr")["text"] == i18n.t(UNPROTECTED_NOTICE_KEY, "fr")
    # one unprotected table makes the whole file unprotected
    protected = suppress_counts(table, count_groups=[BIRTH], total_col="T")
    assert protection_header([protected, result])["key"] == UNPROTECTED_NOTICE_KEY


def test_protection_header_counts_and_text() -> None:
    table = pd.DataFrame({"T": [100, 100], "NAT": [60, 93], "EU_OTH": [35, 5], "OTH": [5, 2]}, index=["a", "b"])
    result = suppress_counts(table, count_groups=[BIRTH], total_col="T")
    header = protection_header([result, result])
    assert header["protected"] is True
    assert (header["threshold"], header["suppressed"], header["primary"], header["secondary"]) == (10, 8, 6, 2)
    assert header["key"] == PROTECTED_NOTICE_KEY
    assert header["text"] == i18n.t(PROTECTED_NOTICE_KEY, "en").format(threshold=10, suppressed=8)
    assert "fewer than 10 people" in header["text"] and "8 values hidden" in header["text"]
    custom = protection_header(result, texts={PROTECTED_NOTICE_KEY: "{suppressed} hidden below {threshold}"})
    assert custom["text"] == "4 hidden below 10"


def test_notes_are_plain_data() -> None:
    import json

    table = pd.DataFrame({"T": [100], "NAT": [60], "EU_OTH": [35], "OTH": [5], "s": [0.05]}, index=["a"])
    notes = suppress_counts(table, count_groups=[BIRTH], total_col="T", share_cols={"s": ["OTH"]}).notes()
    assert json.loads(json.dumps(notes)) == notes
    assert notes["columns"] == [
        {"column": "EU_OTH", "primary": 0, "secondary": 1, "derived": 0},
        {"column": "OTH", "primary": 1, "secondary": 0, "derived": 0},
        {"column": "s", "primary": 0, "secondary": 0, "derived": 1},
    ]
    assert (notes["suppressed"], notes["threshold"], notes["protected"]) == (3, 10, True)


def test_protection_header__different_thresholds() -> None:
    table = pd.DataFrame({"T": [100], "NAT": [60], "EU_OTH": [35], "OTH": [5]}, index=["a"])
    a = suppress_counts(table, count_groups=[BIRTH], total_col="T", threshold=10)
    b = suppress_counts(table, count_groups=[BIRTH], total_col="T", threshold=5)
    with pytest.raises(DataError, match="different thresholds"):
        protection_header([a, b])
    with pytest.raises(DataError, match="`lang` 'mt'"):
        protection_header(a, lang="mt")


# --- edge cases and bad input ------------------------------------------------------------------


def test_suppress_counts__empty() -> None:
    table = pd.DataFrame({"T": pd.Series([], dtype="int64"), "NAT": pd.Series([], dtype="int64")})
    result = suppress_counts(table, count_groups=[["NAT"]], total_col="T")
    assert isinstance(result, SuppressionResult)
    assert_frame_equal(result.table, table.astype(float))
    assert (result.primary, result.secondary, result.suppressed) == (0, 0, 0)


def test_suppress_counts__missing_columns_and_bad_values_reported_together() -> None:
    table = pd.DataFrame({"T": [10], "NAT": [-1], "EU_OTH": ["x"]})
    with pytest.raises(DataError, match=r"\['OTH'\] are not count columns.*`NAT` has negative") as err:
        suppress_counts(table, count_groups=[BIRTH], total_col="T")
    assert "`EU_OTH` is not numeric" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"count_groups": BIRTH}, "non-empty lists of column names"),
        ({"count_groups": [BIRTH], "threshold": -1}, "`threshold` must be a whole number"),
        ({"count_groups": [BIRTH], "threshold": 2.5}, "`threshold` must be a whole number"),
        ({"count_groups": [BIRTH], "parents": {"NAT": "OTH"}}, "`NAT` exceeds its parent `OTH`"),
        ({"count_groups": [BIRTH], "totals_row": "zz"}, "`totals_row` 'zz'"),
        ({"count_groups": [BIRTH], "share_cols": {"NAT": ["T"]}}, "`share_cols` names count columns"),
        ({"count_groups": [BIRTH], "group_totals": {"x": "T"}}, "`group_totals` names groups"),
    ],
)
def test_suppress_counts__bad_options(kwargs: dict, match: str) -> None:
    table = pd.DataFrame({"T": [100], "NAT": [60], "EU_OTH": [35], "OTH": [5]})
    with pytest.raises(DataError, match=match):
        suppress_counts(table, total_col="T", **kwargs)
