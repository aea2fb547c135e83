"""Message catalogues: every language has every English key with the same placeholders; lookups and formats."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from equimap import i18n
from equimap._errors import DataError
from equimap.i18n import catalogue, fmt_num, fmt_pct, language_name, languages, placeholders, t

ROOT = Path(__file__).resolve().parent.parent
APP_CODE = [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]


def test_languages__discovered_from_files() -> None:
    codes = languages()
    assert codes[0] == "en"
    assert "fr" in codes
    assert codes == ["en", *sorted(p.stem for p in i18n.LOCALES_DIR.glob("*.toml") if p.stem != "en")]


@pytest.mark.parametrize("lang", [c for c in languages() if c != "en"])
def test_catalogue__has_every_english_key_with_the_same_placeholders(lang: str) -> None:
    en, other = catalogue("en"), catalogue(lang)
    missing = sorted(set(en) - set(other))
    assert missing == []
    extra = sorted(set(other) - set(en))
    assert extra == []
    wrong = {
        k: (placeholders(en[k]), placeholders(other[k])) for k in en if placeholders(en[k]) != placeholders(other[k])
    }
    assert wrong == {}


def _literal_keys() -> set[str]:
    """Return every key passed as a string literal to `t(...)` in the app's code."""
    keys = set()
    for path in APP_CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
    return keys


def test_app_code__uses_only_keys_that_exist_in_english() -> None:
    keys = _literal_keys()
    assert len(keys) > 80  # the scan found the app's calls
    assert sorted(k for k in keys if k not in catalogue("en")) == []


def test_app_code__templated_key_families_exist() -> None:
    en = catalogue("en")
    for family in ("mode", "mode_by", "dimension", "group", "people", "category", "theme", "degurba"):
        assert any(k.startswith(family + ".") for k in en), family
    for form in ("reach", "reach_from", "reach_to"):
        assert {"default", "hospital", "pharmacy", "hospital_official"} <= {
            k.split(".", 1)[1] for k in en if k.startswith(form + ".")
        }


def test_t__falls_back_to_english_then_default_then_key(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('[a]\nb = "Hello {name}"\nc = "Only English"\n')
    (tmp_path / "xx.toml").write_text('[language]\nname = "Xish"\n[a]\nb = "Hallo {name}"\n')
    assert t("a.b", "xx", folder=tmp_path, name="Ann") == "Hallo Ann"
    assert t("a.c", "xx", folder=tmp_path) == "Only English"
    assert t("a.zz", "xx", folder=tmp_path, default="From {name}", name="manifest") == "From manifest"
    assert t("a.zz", "xx", folder=tmp_path) == "a.zz"
    assert t("a.b", "nope", folder=tmp_path, name="Bo") == "Hello Bo"  # unknown language: English
    assert languages(folder=tmp_path) == ["en", "xx"]
    assert language_name("xx", folder=tmp_path) == "Xish"
    assert language_name("en", folder=tmp_path) == "en"


def test_t__adding_a_file_adds_a_language(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('[x]\ny = "Map"\n')
    assert languages(folder=tmp_path) == ["en"]
    (tmp_path / "de.toml").write_text('[language]\nname = "Deutsch"\n[x]\ny = "Karte"\n')
    assert languages(folder=tmp_path) == ["en", "de"]
    assert t("x.y", "de", folder=tmp_path) == "Karte"


def test_t__missing_placeholder_value__raises(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('[a]\nb = "{n} residents"\n')
    with pytest.raises(DataError, match=r"`a\.b`.*\['n'\]"):
        t("a.b", "en", folder=tmp_path, m=3)


def test_catalogue__bad_toml__raises(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text("[a\nb = 1\n")
    with pytest.raises(DataError, match="not valid TOML"):
        catalogue("en", folder=tmp_path)


def test_placeholders() -> None:
    assert placeholders("{a} and {b:,.1f} of {c[0]} {{literal}}") == {"a", "b", "c"}
    assert placeholders("none") == set()


def test_fmt_num__english_and_french() -> None:
    assert fmt_num(12345.678, "en", digits=1) == "12,345.7"
    assert fmt_num(12345.678, "fr", digits=1) == "12\u202f345,7"
    assert fmt_num(0.5, "en") == "0"  # banker's rounding of Python's format, like f"{0.5:.0f}"
    assert fmt_num(float("nan"), "en") == "–"
    assert fmt_num(None, "fr") == "–"
    assert fmt_num(float("inf"), "en") == "∞"
    assert fmt_num(-1234.0, "en") == "-1,234"


def test_fmt_pct__english_and_french() -> None:
    assert fmt_pct(0.1234, "en", digits=1) == "12.3%"
    assert fmt_pct(0.1234, "fr", digits=1) == "12,3\u202f%"
    assert fmt_pct(float("nan"), "en") == "–"


def test_french_catalogue__uses_narrow_spaces_before_high_punctuation() -> None:
    fr = catalogue("fr")
    bad = {k: v for k, v in fr.items() if re.search(r"[^\s\u202f\u00a0][:;?!]( |$)", v) and "http" not in v}
    assert bad == {}
