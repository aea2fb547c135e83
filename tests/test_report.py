"""Tests for equimap.report.pdf, the report texts of equimap.i18n, equimap.report.staticmap and the `report` command: the PDF read back with pypdf.

The group figures printed in the report are checked against the library's own
statistics computed here (``equimap.analysis.equity.gaps_table``, ``equimap.indicators.groups.group_summary``)
and rounded the way the bundle publishes them; the two languages are checked
against each other's catalogue.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from equimap._errors import DataError
from equimap.analysis.bundle import DEFAULT_ANALYSES, GROUP_ROUNDING, build_bundle
from equimap.analysis.equity import gaps_table
from equimap.analysis.outreach import outreach_targets
from equimap.cli import main
from equimap.i18n import catalogue, fmt_interval, fmt_num, fmt_pct, languages, t
from equimap.protect.suppression import PROTECTED_NOTICE_KEY, UNPROTECTED_NOTICE_KEY
from equimap.report.labels import analysis_title
from equimap.report.pdf import build_report
from equimap.report.sections import dimension_lines, largest_gaps
from equimap.report.staticmap import report_maps

N_BOOT = 99  # as the `malta_bundle` fixture
#: Place names that are the same word in every language's text (Ir-Rabat (Malta) names its island).
PROPER_NOUNS = {"Malta"}


# --- the catalogue, by hand ----------------------------------------------------------------------


def _placeholders(value: str) -> set[str]:
    return set(re.findall(r"\{(\w+)[^}]*\}", value))


def test_every_key_exists_in_both_languages_with_the_same_placeholders() -> None:
    en, fr = catalogue("en"), catalogue("fr")
    assert set(en) == set(fr)
    assert len(en) > 250
    bad = [k for k in en if _placeholders(en[k]) != _placeholders(fr[k])]
    assert bad == []


def test_text_fills_and_falls_back() -> None:
    assert t("report.page", "fr", n=3) == "Page 3"
    assert t("group.NAT", "fr", country="Malte") == "Nés à Malte"
    with pytest.raises(KeyError, match="no message"):
        t("no.such.key", "en")
    with pytest.raises(DataError, match="Language `de` has no catalogue"):
        t("report.title", "de")
    assert languages() == ["en", "fr"]


def test_numbers_are_written_per_language() -> None:
    assert fmt_num(12345.678, "en", digits=1) == "12,345.7"
    assert fmt_num(12345.678, "fr", digits=1) == "12\u00a0345,7"
    assert fmt_num(2.04, "en", digits=1, sign=True) == "+2.0"
    assert fmt_num(float("nan"), "en") == "–"
    assert fmt_pct(0.16035, "en", digits=1) == "16.0%"
    assert fmt_pct(0.16035, "fr", digits=1) == "16,0\u00a0%"
    assert fmt_interval(-0.31, 1.25, "fr", sign=True) == "[-0,3\u00a0; +1,2]"  # 1.25 is 1.2499... in binary
    assert fmt_interval(8.41, 10.46, "en") == "[8.4, 10.5]"


def test_french_numbers_and_percent_signs_stay_on_one_pdf_line() -> None:
    """The French thousands separator and the space before % are U+00A0, which reportlab never breaks at."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import SimpleDocTemplate

    from equimap.report.pdf import register_fonts
    from equimap.report.style import Styles, para

    font, bold = register_fonts()
    assert 0xA0 in pdfmetrics.getFont(font).face.charToGlyph  # DejaVu Sans draws the no-break space
    st = Styles.make(font, bold)
    number, share = fmt_num(12345678, "fr"), fmt_pct(0.955, "fr", digits=1)
    assert (number, share) == ("12\u00a0345\u00a0678", "95,5\u00a0%")
    for n in range(40):  # move the two through every position of a narrow line
        buf = io.BytesIO()
        words = "a" * n + " mot mot mot mot mot mot mot mot " + f"{number} et {share} fin"
        SimpleDocTemplate(buf, pagesize=(220, 400), leftMargin=10, rightMargin=10).build([para(words, st.body)])
        lines = [_norm(line) for line in PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text().splitlines()]
        assert any("12 345 678" in line for line in lines), (n, lines)
        assert any("95,5 %" in line for line in lines), (n, lines)


# --- the Malta report (every test using the `malta` fixtures is marked `malta` by conftest) ----------


@pytest.fixture(scope="module")
def bundle(malta_bundle):
    return malta_bundle


@pytest.fixture(scope="module")
def pdf_text(bundle) -> dict[str, list[str]]:
    """Normalised text of every page of the report, per language."""
    return {lang: _pages(build_report(bundle, lang=lang)) for lang in languages()}


def _pages(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [_norm(p.extract_text() or "") for p in reader.pages]


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ")).strip()


def test_report_names_region_and_parameters(pdf_text) -> None:
    en = " ".join(pdf_text["en"])
    first = pdf_text["en"][0]
    assert "a report on Malta" in first
    for s in ("Health services", "Hospitals (official list)", "on foot", "by car", "15 min", "20 min", "seed 0"):
        assert s in first
    assert "99 cluster-bootstrap replicates" in first
    assert "519,560 residents in 311 census cells" in first
    fr = " ".join(pdf_text["fr"])
    assert "rapport sur Malte" in fr and "Services de santé" in fr and "à pied" in fr
    for name in ("Ħal Qormi", "Iż-Żejtun", "San Ġwann", "Ta' Kerċem", "Ir-Rabat (Għawdex)", "Ir-Rabat (Malta)"):
        assert name in en and name in fr  # DejaVu Sans carries the Maltese letters


def test_report_prints_the_library_group_figures(pdf_text, malta, malta_bundle) -> None:
    en = " ".join(pdf_text["en"])
    fr = " ".join(pdf_text["fr"])
    checked = 0
    for a in DEFAULT_ANALYSES:
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
            for _, r in lib.iterrows():
                pop = f"{round(r['pop'] / GROUP_ROUNDING) * GROUP_ROUNDING:,.0f}"
                mean = f"{r['mean_time_s'] / 60:.1f} [{r['mean_time_s_lo'] / 60:.1f}, {r['mean_time_s_hi'] / 60:.1f}]"
                # a share of fewer than `threshold` residents (other than 0) is hidden, its interval shown
                small = 0 < round(r["share_beyond"] * r["pop"]) < malta_bundle.threshold
                point = "–" if small else f"{100 * round(r['share_beyond'], 4):.1f}%"
                share = (
                    f"{point} [{100 * round(r['share_beyond_lo'], 4):.1f}, {100 * round(r['share_beyond_hi'], 4):.1f}]"
                )
                row = f"{pop} {mean} {r['median_time_s'] / 60:.1f} {share}"
                assert row in en, row
                # French: decimal comma, space between thousands and before %, "; " between bounds
                fr_row = row.replace(", ", " ; ").replace(",", " ").replace(".", ",").replace("%", " %")
                assert fr_row in fr, fr_row
                checked += 1
    assert checked == 16


def test_summary_names_the_three_largest_clear_gaps(bundle, malta, pdf_text) -> None:
    """Only gaps whose interval excludes zero and that reach one point are listed (worked out from the library)."""
    found, every = [], []
    for a in DEFAULT_ANALYSES:
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
            for g, r in lib[~lib["is_reference"]].iterrows():
                diff, lo = round(r["share_beyond_diff_pp"], 2), round(r["share_beyond_diff_pp_lo"], 2)
                every.append((diff, a.key, g))
                if lo > 0 and diff >= 1.0:  # the documented rule, by hand: excludes zero, at least one point
                    found.append((diff, a.key, g))
    top = sorted(found, key=lambda f: -f[0])[:3]
    assert any(d > 0 for d, _, _ in every if (d, _, _) not in found)  # some positive gaps are left out
    assert [(g["analysis"].key, g["group"]) for g in largest_gaps(bundle)] == [(k, g) for _, k, g in top]
    summary = pdf_text["en"][1]
    assert "The three largest gaps" in summary
    assert "may be due to chance" not in summary
    # the largest gap, in words, with the library's share (walking speeds by age on: residents aged 65+)
    _, key, group = top[0]
    assert key == "walk_health_15min"
    dim = next(d for d in malta.region.groups if group in d.columns)
    lib = gaps_table(malta, mode="walk", category="health", dimension=dim.key, threshold_s=900, n_boot=0)
    share = f"{100 * lib.loc[group, 'share_beyond']:.1f}%"
    label = dim.columns[group]
    assert f"{label}: {share} live more than 15 min on foot from the nearest health service" in summary


def test_summary_covers_every_dimension(bundle, pdf_text) -> None:
    """Each analysis has one sentence naming country of birth, age and sex, with a clear gap or "no clear gap"."""
    summary = pdf_text["en"][1]
    assert "Gaps by country of birth, age and sex" in summary
    lines = dimension_lines(bundle, "en")
    assert len(lines) == len(bundle.analyses)
    for a, line in zip(bundle.analyses, lines, strict=True):
        assert line.startswith(analysis_title(bundle, a, "en") + ":")
        for name in ("Country of birth:", "Age:", "Sex:"):
            assert name in line, (name, line)
        assert _norm(line) in summary, line
    assert any("no clear gap" in line for line in lines) and any("clear gap for" in line for line in lines)
    assert "pas d'écart net" in pdf_text["fr"][1] or "écart net pour" in pdf_text["fr"][1]
    assert "Pays de naissance" in pdf_text["fr"][1]


def test_report_lists_the_outreach_targets_of_the_library(pdf_text, malta) -> None:
    en, fr = " ".join(pdf_text["en"]), " ".join(pdf_text["fr"])
    assert "Outreach targets" in en and "Lieux prioritaires pour l'aller-vers" in fr
    for a in DEFAULT_ANALYSES:
        lib = outreach_targets(malta, mode=a.mode, category=a.category, threshold_s=a.threshold_s)
        cid = lib.index[0]
        north, east = re.fullmatch(r"CRS3035RES1000mN(\d+)000E(\d+)000", cid).groups()
        assert f"({north} N {east} E)" in en  # the first target, located by its grid identifier
        census = malta.population.at[cid, "T"]
        if census >= 10:
            top = lib.iloc[0]
            shown = f"{census:,.0f} {round(top['beyond_T']):,}"
            assert shown in en, shown
            assert f"{top['mean_excess_min']:.1f} {top['score']:,.0f}" in en


def _fragments(value: str) -> list[str]:
    return [f.strip(" .,:;()–-") for f in re.split(r"\{[^}]*\}", value)]


def _foreign_hits(page_text: str, src: dict[str, str], dst: dict[str, str]) -> list[tuple[str, str]]:
    """Return (key, words) of `src` texts, not shared with `dst`, that appear in `page_text`."""
    dst_all = _norm(" | ".join(dst.values()))
    hits = []
    for key, value in src.items():
        if value == dst[key]:
            continue
        for frag in map(_norm, _fragments(value)):
            if len(frag) < 4 or not re.search(r"[^\W\d_]", frag) or frag in PROPER_NOUNS:
                continue
            pattern = rf"(?<!\w){re.escape(frag)}(?!\w)"
            if re.search(pattern, dst_all):
                continue  # the same word in both languages (a name, an acronym)
            if re.search(pattern, page_text):
                hits.append((key, frag))
    return hits


def test_french_report_has_no_english_and_english_report_no_french(pdf_text) -> None:
    en_cat, fr_cat = catalogue("en"), catalogue("fr")
    fr_text, en_text = " ".join(pdf_text["fr"]), " ".join(pdf_text["en"])
    assert _foreign_hits(fr_text, en_cat, fr_cat) == []
    assert _foreign_hits(en_text, fr_cat, en_cat) == []
    # the check does catch English: the English report is full of it
    assert len(_foreign_hits(en_text, en_cat, fr_cat)) > 100


def test_french_maps_have_no_english(bundle) -> None:
    en_cat, fr_cat = catalogue("en"), catalogue("fr")
    for key, fig in report_maps(bundle, lang="fr"):
        words = [o.get_text() for o in fig.findobj(lambda o: hasattr(o, "get_text"))]
        page = _norm(" | ".join(w for w in words if isinstance(w, str)))
        assert _foreign_hits(page, en_cat, fr_cat) == [], key
        assert "Limite de commune" in page


def test_protected_report_opens_with_the_notice(bundle, pdf_text) -> None:
    assert pdf_text["en"][0].startswith(_norm(bundle.notice("en")))
    assert pdf_text["fr"][0].startswith(_norm(bundle.notice("fr")))
    assert bundle.header()["key"] == PROTECTED_NOTICE_KEY
    assert "Small-count protection" in pdf_text["en"][-1]


def test_unprotected_report_says_so_on_its_first_page(malta) -> None:
    bundle = build_bundle(malta, DEFAULT_ANALYSES[:1], threshold=0, n_boot=0)
    for lang in languages():
        pages = _pages(build_report(bundle, lang=lang))
        notice = _norm(t(UNPROTECTED_NOTICE_KEY, lang))
        assert pages[0].startswith(notice)
        assert all(notice[:60] in p for p in pages[1:])  # and at the top of every other page


# --- the command ---------------------------------------------------------------------------------


def test_cli_report_writes_each_format(tmp_path, capsys, malta, monkeypatch) -> None:
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")  # an installation that allows the unprotected export below
    del malta  # prepared (and cached) once for the session; how long the report takes is measured in bench/
    assert main(["report", "--region", "malta", "--lang", "fr", "--out", str(tmp_path / "r.pdf")]) == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    err = capsys.readouterr().err
    assert "Group gaps" in err and "wrote" in err
    code = main(
        [
            "report",
            "--out",
            str(tmp_path / "t.xlsx"),
            "--analysis",
            "bike:library:10",
            "--n-boot",
            "0",
            "--suppress-below",
            "0",
        ]
    )
    assert code == 0
    assert "protection is OFF" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.docx"], "no known suffix"),
        (["--out", "x.pdf", "--analysis", "walk:health"], "MODE:CATEGORY:MINUTES"),
        (["--out", "x.pdf", "--suppress-below", "-1"], "give 0"),
        (["--out", "no/such/folder/x.pdf"], "does not exist"),
    ],
)
def test_cli_report__bad_input(args: list[str], message: str, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


# --- layout details -------------------------------------------------------------------------------


def test_fit_widths__no_word_is_split_and_the_total_is_kept() -> None:
    """A 0.8 cm column cannot hold "Residents" in bold 7 pt: it widens, the roomy column gives the width back."""
    from reportlab.lib.units import cm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from equimap.report.pdf import register_fonts
    from equimap.report.style import Styles, fit_widths

    font, bold = register_fonts()
    st = Styles.make(font, bold)
    rows = [["Council", "Residents", "IC à 95\u00a0%"], ["Ħal Qormi", "16,000", "[1,0 ; 2,0]"]]
    widths = fit_widths(rows, st, [6.0, 0.8, 0.9], header=1)
    for word, col in (("Residents", 1), ("95\u00a0%", 2)):
        assert widths[col] >= stringWidth(word, bold, 7) + 6, (word, widths)
    assert sum(widths) == pytest.approx((6.0 + 0.8 + 0.9) * cm)
    assert fit_widths(rows, st, [6.0, 3.0, 3.0]) == pytest.approx([6.0 * cm, 3.0 * cm, 3.0 * cm])  # room: unchanged


def test_fitting_labels__an_overlapping_label_is_left_out() -> None:
    from equimap.report.staticmap import fitting_labels

    # 1 data unit per point: "Qormi" (5 letters, 6.5 pt) is about 23 wide and 11 high
    points = [(0.0, 0.0), (10.0, 3.0), (100.0, 0.0), (0.0, 12.0)]
    names = ["Qormi", "Marsa", "Żejtun", "Ħamrun"]
    assert fitting_labels(points, names, fontsize_pt=6.5, per_pt=1.0) == [0, 2, 3]


def test_range_labels__the_unit_goes_with_the_number() -> None:
    from equimap.maps.breaks import TIME_BREAKS_MIN
    from equimap.report.staticmap import _range_labels

    en = _range_labels(TIME_BREAKS_MIN, lambda v: fmt_num(v, "en"), "en", unit=" min")
    assert en[0] == "under 5 min" and en[-1] == "30 min and over" and en[1] == "5–10 min"
    fr = _range_labels(TIME_BREAKS_MIN, lambda v: fmt_num(v, "fr"), "fr", unit=" min")
    assert fr[-1] == "30 min et plus"


def test_negative_zero_is_written_as_zero() -> None:
    assert fmt_num(-0.04, "en", digits=1) == "0.0"
    assert fmt_num(-0.0, "fr") == "0"
    assert fmt_num(-0.04, "en", digits=1, sign=True) == "+0.0"
    assert fmt_num(-0.06, "en", digits=1) == "-0.1"


def test_report_pages_are_filled_and_no_word_or_percent_is_split(pdf_text, bundle) -> None:
    """Every page but the title, the summary and the last is at least 60 % full (text reaches its lower part)."""
    for lang in ("en", "fr"):
        reader = PdfReader(io.BytesIO(build_report(bundle, lang=lang)))
        for i, page in enumerate(reader.pages[2:-1], start=2):
            ys: list[float] = []

            def seen(text, cm, tm, _font, _size, ys=ys) -> None:  # noqa: ANN001
                if text.strip():
                    ys.append(tm[5] * cm[3] + cm[5] if cm[3] else tm[5])  # the text's height on the page

            raw = page.extract_text(visitor_text=seen)
            body = [y for y in ys if y > 60]  # above the footer
            assert body and 1 - min(body) / float(page.mediabox.height) >= 0.6, (lang, i)
            assert "Resident s" not in raw and not re.search(r"95\s*\n\s*%", raw), (lang, i)
    for lang, pages in pdf_text.items():
        assert not re.search(r"(?<![\d\w])-0[.,]0\b", " ".join(pages)), lang
