"""The public API: one way in, and its report of several questions holds each question's own figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import equimap as eq

pytestmark = pytest.mark.malta


def test_categories__every_key_a_question_can_name(malta) -> None:
    study = eq.Study(malta)
    cats = study.categories()
    assert list(cats.index) == malta.category_keys()
    assert cats.loc["health", "kind"] == "theme" and cats.loc["pharmacy", "kind"] == "category"
    assert cats.loc["hospital_official", "kind"] == "official list"


def test_write_report__each_question_as_its_own_analysis(malta, tmp_path) -> None:
    study = eq.Study(malta)
    [path] = study.write_report(tmp_path / "r.xlsx", analyses=["walk:pharmacy:15", "drive:hospital:20"], n_boot=0)
    groups = pd.read_excel(path, sheet_name="groups")
    for mode, category, minutes in (("walk", "pharmacy", 15), ("drive", "hospital", 20)):
        own = study.analysis(mode=mode, category=category, threshold_min=minutes, n_boot=0).groups()
        rows = groups[groups["analysis"] == f"{mode}_{category}_{minutes}min"].set_index("group")
        for col in ("pop", "pop_beyond", "mean_min", "median_min", "share_beyond"):
            np.testing.assert_allclose(rows[col].to_numpy(float), own.loc[rows.index, col].to_numpy(float))


def test_analysis__unknown_dimension_is_one_sentence(malta) -> None:
    a = eq.Study(malta).analysis(mode="walk", category="pharmacy", threshold_min=15)
    with pytest.raises(eq.RegionError, match="has no group dimension `religion`"):
        a.groups(by="religion")
