"""Message catalogues: every language complete, English fallback, numbers written per language."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from geo import i18n
from geo._errors import DataError


def placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("lang", [c for c in i18n.languages() if c != "en"])
def test_every_language_has_every_key_with_the_same_placeholders(lang: str) -> None:
    en, other = i18n.catalogue("en"), i18n.catalogue(lang)
    assert set(en) == set(other)
    for key, text in en.items():
        assert placeholders(other[key]) == placeholders(text), key


def test_french_texts_are_not_left_in_english() -> None:
    en, fr = i18n.catalogue("en"), i18n.catalogue("fr")
    same = {k for k in en if en[k] == fr[k] and len(en[k]) > 12 and re.search(r"[a-z]{4}", en[k])}
    assert same == set(), same


def test_languages_come_from_the_files(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('[meta]\nname = "English"\n[a]\nb = "Hello {who}"\nc = "Only English"\n')
    (tmp_path / "de.toml").write_text('[meta]\nname = "Deutsch"\n[a]\nb = "Hallo {who}"\n')
    assert i18n.languages(tmp_path) == {"en": "English", "de": "Deutsch"}
    assert i18n.catalogue("de", tmp_path)["a.b"] == "Hallo {who}"


def test_t__fallback_default_and_missing() -> None:
    assert i18n.t("nav.map", "fr") == "Carte"
    assert i18n.t("mode.drive", "en") == "by car"
    assert i18n.t("popup.beyond", "fr", threshold=20) == "Au-delà de 20 min"
    assert i18n.t("category.not_in_catalogue", "fr", default="Dentists") == "Dentists"
    with pytest.raises(KeyError, match="no text for key"):
        i18n.t("no.such.key", "en")
    with pytest.raises(DataError, match="Language `xx` has no catalogue"):
        i18n.t("nav.map", "xx")


def test_number_and_percent_per_language() -> None:
    nbsp = "\u00a0"
    assert i18n.number(12345.678, "en", decimals=1) == "12,345.7"
    assert i18n.number(12345.678, "fr", decimals=1) == f"12{nbsp}345,7"
    assert i18n.number(-0.5, "en", decimals=2, sign=True) == "-0.50"
    assert i18n.number(float("inf"), "en") == "–" and i18n.number(None, "fr") == "–"
    assert i18n.percent(0.1658, "en") == "16.6%"
    assert i18n.percent(0.1658, "fr") == f"16,6{nbsp}%"
