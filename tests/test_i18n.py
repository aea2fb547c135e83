"""Message catalogues: every language has every English key with the same placeholders; lookups and formats.

One module (`equimap.i18n`) and one file per language serve the app, the reports, the maps and the exports;
a language added as a file shows up everywhere, and numbers follow each catalogue's `[number]` table.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from equimap import i18n
from equimap._errors import DataError
from equimap.i18n import (
    catalogue,
    check_language,
    fmt_interval,
    fmt_num,
    fmt_pct,
    has,
    language_name,
    languages,
    number_style,
    placeholders,
    t,
)

ROOT = Path(__file__).resolve().parent.parent
APP_CODE = [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
ALL_CODE = [*APP_CODE, *(ROOT / "src" / "equimap").rglob("*.py")]


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


def _literal_keys(paths: list[Path]) -> tuple[set[str], set[str]]:
    """Return the keys passed as string literals to `t(...)` in `paths`, and the literal prefixes of f-string keys."""
    keys, prefixes = set(), set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
                elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                    prefixes.add(first.values[0].value)
    return keys, prefixes


def test_app_code__uses_only_keys_that_exist_in_english() -> None:
    keys, _ = _literal_keys(APP_CODE)
    assert len(keys) > 80  # the scan found the app's calls
    assert sorted(k for k in keys if k not in catalogue("en")) == []


def test_library_code__uses_only_keys_that_exist_in_english() -> None:
    keys, prefixes = _literal_keys(sorted((ROOT / "src" / "equimap").rglob("*.py")))
    en = catalogue("en")
    assert len(keys) > 80 and len(prefixes) > 10  # the scan found the report's calls
    assert sorted(k for k in keys if k not in en) == []
    assert sorted(p for p in prefixes if not any(k.startswith(p) for k in en)) == []


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
    with pytest.raises(KeyError, match=r"no message `a\.zz`"):
        t("a.zz", "xx", folder=tmp_path)  # a key no catalogue has is a programming error
    with pytest.raises(DataError, match=r"Language `nope` has no catalogue .*; choose one of: en, xx\."):
        t("a.b", "nope", folder=tmp_path, name="Bo")  # a mistyped language is not silently English
    assert has("a.c", "xx", folder=tmp_path) and not has("a.zz", "xx", folder=tmp_path)
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
    assert fmt_num(12345.678, "fr", digits=1) == "12\u00a0345,7"  # no-break space: a PDF line never splits it
    assert fmt_num(2.04, "en", digits=1, sign=True) == "+2.0"
    assert fmt_num(-1234567.0, "fr", sign=True) == "-1\u00a0234\u00a0567"
    assert fmt_num(0.5, "en") == "0"  # banker's rounding of Python's format, like f"{0.5:.0f}"
    assert fmt_num(float("nan"), "en") == "–"
    assert fmt_num(None, "fr") == "–"
    assert fmt_num(float("inf"), "en") == "∞"
    assert fmt_num(-1234.0, "en") == "-1,234"


def test_fmt_pct__english_and_french() -> None:
    assert fmt_pct(0.1234, "en", digits=1) == "12.3%"
    assert fmt_pct(0.1234, "fr", digits=1) == "12,3\u00a0%"
    assert fmt_pct(float("nan"), "en") == "–"


def test_french_catalogue__uses_narrow_spaces_before_high_punctuation() -> None:
    fr = catalogue("fr")
    bad = {k: v for k, v in fr.items() if re.search(r"[^\s\u202f\u00a0][:;?!]( |$)", v) and "http" not in v}
    assert bad == {}


def test_fmt_interval__english_and_french() -> None:
    assert fmt_interval(8.41, 10.46, "en") == "[8.4, 10.5]"
    assert fmt_interval(-0.31, 1.25, "fr", sign=True) == "[-0,3\u00a0; +1,2]"  # 1.25 is 1.2499... in binary
    assert fmt_interval(1234.5, float("nan"), "fr", digits=0) == "[1\u00a0234\u00a0; –]"


def test_number_style__comes_from_the_catalogue_not_the_code() -> None:
    fr = catalogue("fr")
    style = number_style("fr")
    assert style == {k: fr[f"number.{k}"] for k in ("decimal", "group", "percent", "interval")}
    # every formatted piece is built from those four fields, for every language
    for lang in languages():
        s = number_style(lang)
        value = fmt_num(1234567.5, lang, digits=1)
        assert value == f"1{s['group']}234{s['group']}567{s['decimal']}5"
        assert fmt_pct(0.5, lang) == s["percent"].format(value="50")
        assert fmt_interval(1, 2, lang, digits=0) == s["interval"].format(lo="1", hi="2")


GERMAN = """\
[language]
name = "Deutsch"

[number]
decimal = ","
group = "."
percent = "{value} %"
interval = "[{lo}; {hi}]"

[mode]
walk = "Zu Fuß"

[sidebar]
language = "Sprache"

[col]
pop = "Einwohner der Gruppe"

[export.notice]
protected = "Schutz kleiner Zahlen AN: Zahlen unter {threshold} sind verborgen; {suppressed} Werte verborgen."
"""


@pytest.fixture
def german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A locales folder with the bundled catalogues and a small German one, named by ``EQUIMAP_LOCALES_DIR``."""
    folder = tmp_path / "locales"
    folder.mkdir()
    for lang in languages():
        shutil.copy(i18n.LOCALES_DIR / f"{lang}.toml", folder)
    (folder / "de.toml").write_text(GERMAN, encoding="utf-8")
    monkeypatch.setenv(i18n.LOCALES_ENV, str(folder))
    return folder


@pytest.mark.usefixtures("german")
def test_a_language_added_as_a_file__is_offered_and_formats_its_own_numbers() -> None:
    assert languages() == ["en", "de", "fr"]
    assert language_name("de") == "Deutsch"
    assert fmt_num(1234567.891, "de", digits=2) == "1.234.567,89"
    assert fmt_pct(0.125, "de", digits=1) == "12,5 %"
    assert fmt_interval(-0.25, 1.5, "de", digits=2, sign=True) == "[-0,25; +1,50]"
    assert t("mode.walk", "de") == "Zu Fuß"
    assert t("mode.bike", "de") == "Cycling"  # missing from German: English
    assert check_language("de") == "de"
    with pytest.raises(DataError, match=r"Language `it` has no catalogue .*; choose one of: en, de, fr\."):
        check_language("it")


def test_a_language_added_as_a_file__is_accepted_by_the_cli(german: Path, malta, tmp_path: Path, capsys) -> None:
    del german, malta  # the German catalogue is in place; Malta is prepared (and cached)
    from openpyxl import load_workbook

    from equimap.cli import main

    out = tmp_path / "r.xlsx"
    args = ["report", "--region", "malta", "--out", str(out), "--analysis", "walk:pharmacy:15", "--n-boot", "0"]
    assert main([*args, "--lang", "de"]) == 0
    rows = [[c.value for c in row] for row in load_workbook(out, read_only=True)["README"].iter_rows()]
    assert rows[0][0].startswith("Schutz kleiner Zahlen AN: Zahlen unter 10 sind verborgen;")  # German notice
    described = {(r[0], r[1]): r[2] for r in rows if len(r) > 2}
    assert described[("groups", "pop")] == "Einwohner der Gruppe"  # German where the file says it
    assert described[("groups", "median_min")] == catalogue("en")["col.median_min"]  # English for the rest
    capsys.readouterr()
    assert main([*args, "--lang", "it"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: Language `it` has no catalogue; choose one of: en, de, fr."


@pytest.mark.parametrize("lang", [c for c in languages() if c != "en"])
def test_a_language_file__missing_keys_fall_back_to_english(lang: str) -> None:
    en = catalogue("en")
    assert all(t(k, lang) == catalogue(lang).get(k, en[k]) for k in en if not placeholders(en[k]))


def test_one_number_formatter__app_and_report_use_the_same_functions() -> None:
    import importlib

    mods = ["ui.figures", "ui.mapview", "ui.data"]
    mods += ["equimap.report.sections", "equimap.report.tables", "equimap.report.staticmap"]
    mods += ["equimap.report.labels", "equimap.report.style"]
    for name in mods:
        mod = importlib.import_module(name)
        for fn in ("fmt_num", "fmt_pct", "fmt_interval", "t"):
            if hasattr(mod, fn):
                assert getattr(mod, fn) is getattr(i18n, fn), (name, fn)
    assert not (ROOT / "src" / "equimap" / "report" / "text.py").exists()


def test_code__hard_codes_no_language_but_the_english_fallback() -> None:
    others = {c for c in languages() if c != "en"} | {"de", "es", "it", "mt"}
    hits = []
    for path in ALL_CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in others:
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert hits == []


def test_french_catalogue__keeps_numbers_and_percent_signs_together() -> None:
    fr = catalogue("fr")
    # a plain space before % or inside a number would let a PDF line break there
    bad = {k: v for k, v in fr.items() if re.search(r" %|\d \d{3}(?!\d)", v)}
    assert bad == {}
    assert "95\u00a0%" in fr["report.summary.reading"] and "1\u00a0500" in fr["report.methods.degurba"]


def test_vocabulary__one_french_term_for_grid_cells_and_for_councils() -> None:
    fr = " ".join(catalogue("fr").values()).lower()
    assert "maille" not in fr and "cellule" not in fr  # 1 km grid cells are "carreaux"
    assert re.search(r"\bconseils?\b", fr.replace("conseil local", "").replace("séance du conseil", "")) is None
    assert "carreau" in fr and "commune" in fr


def test_maps_show_a_metric_scale_only() -> None:
    """The Leaflet scale bar of the app's maps is metric (folium's default adds miles)."""
    from equimap.maps.base import base_map

    html = base_map((14.2, 35.8, 14.6, 36.1), attribution=["x"]).get_root().render()
    assert "L.control.scale({ imperial: false })" in html
    assert "L.control.scale()" not in html and '"imperial": true' not in html.replace(" ", "")
