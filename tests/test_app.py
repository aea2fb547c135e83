"""One Streamlit AppTest per page: it runs without exception, its widgets are there, French changes the labels."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from equimap.i18n import fmt_num, fmt_pct
from equimap.indicators.groups import group_summary
from equimap.region.services import load_service_file
from ui.labels import group_label
from ui.sidebar import widget_key

APP = str(Path(__file__).resolve().parent.parent / "app.py")
#: The first run prepares Malta (≈45 s on a cold cache, a few seconds from the disk cache).
TIMEOUT_S = 300

pytestmark = pytest.mark.malta

SIDEBAR_CHOICES = ["lang", "region", "category", "dimension", "group"]


def select(at: AppTest, name: str):
    """Return the sidebar selectbox that edits the session value `name` (its key depends on the language)."""
    if name in ("lang", "region"):
        return at.selectbox(key=name)
    lang = at.session_state["lang"]
    context = (lang, at.session_state["dimension"]) if name == "group" else (lang,)
    return at.selectbox(key=widget_key(name, *context))


@pytest.fixture
def app(malta) -> AppTest:  # noqa: ARG001 - the fixture prepares the region once for the session
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception
    return at


def _sidebar_present(at: AppTest) -> None:
    for name in SIDEBAR_CHOICES:
        assert select(at, name).value == at.session_state[name]
    assert at.sidebar.slider(key="threshold_min").value == 15
    assert at.sidebar.segmented_control(key="mode").value == "walk"


def _switch_to_french(at: AppTest) -> AppTest:
    at.selectbox(key="lang").set_value("fr").run()
    assert not at.exception
    assert at.selectbox(key="lang").label == "Langue"
    assert select(at, "category").label == "Service"
    assert select(at, "dimension").label == "Comparer les groupes selon"
    assert select(at, "dimension").value == "birth"  # the choice survives the switch
    assert select(at, "dimension").options == ["Pays de naissance", "Âge", "Sexe"]
    assert select(at, "group").options[0] == "Tous les habitants"
    return at


def test_map_page(app: AppTest) -> None:
    _sidebar_present(app)
    assert app.title[0].value == "Map: who is far from Pharmacies"
    assert app.toggle(key="basemap").value is False
    assert "live more than 15 min on foot from the nearest pharmacy" in app.markdown[0].value
    _switch_to_french(app)
    assert app.title[0].value == "Carte : qui est loin des services « Pharmacies »"
    assert "de la pharmacie la plus proche" in app.markdown[0].value
    assert app.toggle(key="basemap").label.startswith("Fond de carte")


def test_map_page__category_and_threshold_change_the_summary(app: AppTest) -> None:
    select(app, "category").set_value("hospital").run()
    app.slider(key="threshold_min").set_value(30).run()
    assert not app.exception
    assert app.title[0].value == "Map: who is far from Hospitals"
    assert "more than 30 min on foot from the nearest hospital" in app.markdown[0].value
    _switch_to_french(app)  # the choices hold across the language switch
    assert app.title[0].value == "Carte : qui est loin des services « Hôpitaux »"
    assert "à plus de 30 min à pied de l'hôpital le plus proche" in app.markdown[0].value


def _number(text: str) -> float:
    """Return the first number of an English cell ("-0.45 [-1.0 ; 0.1]" -> -0.45)."""
    return float(re.match(r"-?[\d,]+(?:\.\d+)?", text).group(0).replace(",", ""))


def test_equity_page(app: AppTest, malta) -> None:
    app.switch_page("app_pages/equity.py").run()
    assert not app.exception
    _sidebar_present(app)
    assert app.title[0].value == "Equity: who waits longer"
    headers = [h.value for h in app.subheader]
    assert headers == [
        "Travel time by group",
        "Share of each group reached, minute by minute",
        "Summary over every group dimension",
        "In plain words",
        "Gaps against the reference group, with 95% intervals",
        "Hospital beds within reach, per 1,000 residents",
        "Inequality of travel times",
        "Diverse and underserved places",
    ]
    sentences = "\n".join(m.value for m in app.markdown)
    assert "People born outside the EU wait on average" in sentences
    assert "than people born in Malta to reach the nearest pharmacy on foot" in sentences
    assert any("999 bootstrap resamples" in c.value for c in app.caption)  # the sidebar setting, as in the report
    assert len(app.dataframe) == 5
    # the figures (pharmacies on foot, by country of birth), worked out here with numpy on the origins
    time_s = malta.access("walk", "pharmacy")["time_nearest_s"].to_numpy()
    fin = np.isfinite(time_s)
    mean_min = {}
    for col in ("NAT", "EU_OTH", "OTH"):
        w = malta.origins[col].to_numpy()[fin]
        mean_min[col] = (w * time_s[fin]).sum() / w.sum() / 60
    gaps = app.dataframe[1].value.set_index("Group")
    labels = {"NAT": "Born in Malta", "EU_OTH": "Born in another EU country", "OTH": "Born outside the EU"}
    assert list(gaps.index) == list(labels.values())
    for col, label in labels.items():
        assert _number(gaps.loc[label, "Mean (min)"]) == pytest.approx(mean_min[col], abs=0.05)
        diff = _number(gaps.loc[label, "Mean difference (min)"])
        assert diff == pytest.approx(mean_min[col] - mean_min["NAT"], abs=0.005)
    # Gini of travel time over every reachable resident: 1 - twice the area under the Lorenz curve
    x, w = time_s[fin], malta.origins["T"].to_numpy()[fin]
    order = np.argsort(x)
    lorenz = np.concatenate([[0.0], np.cumsum((w * x)[order]) / (w * x).sum()])
    gini = 1 - ((w[order] / w.sum()) * (lorenz[1:] + lorenz[:-1])).sum()
    inequality = app.dataframe[3].value
    assert inequality.iloc[0, 0].startswith("Gini")
    assert _number(inequality.iloc[0, 1]) == pytest.approx(gini, abs=5e-5)
    _switch_to_french(app)
    assert app.title[0].value == "Équité : qui attend plus longtemps"
    sentences = "\n".join(m.value for m in app.markdown)
    assert "Les personnes nées hors de l'UE mettent en moyenne" in sentences


def test_equity_summary_uses_the_rule_of_the_pdf(app: AppTest) -> None:
    """The Equity page's summary and the PDF's say the same per dimension: one function, one rule."""
    from equimap.report.sections import dimension_lines
    from ui import data

    app.switch_page("app_pages/equity.py").run()
    assert not app.exception
    p = app.session_state
    analysis = data.analysis(p["region"], p["mode"], p["category"], p["threshold_min"], p["n_boot"])
    (pdf_line,) = dimension_lines(analysis.bundle(), "en")
    screen = next(m.value for m in app.markdown if "Country of birth:" in m.value)
    parts = [line.removeprefix("- ") for line in screen.splitlines()]
    assert [part.split(":")[0] for part in parts] == ["Country of birth", "Age", "Sex"]
    assert pdf_line.endswith(": " + "; ".join(parts) + ".")


def test_equity_page__age_groups(app: AppTest) -> None:
    app.switch_page("app_pages/equity.py").run()
    select(app, "dimension").set_value("age").run()
    assert not app.exception
    assert select(app, "group").options == ["All residents", "Under 15", "15 to 64", "65 and over"]
    assert "Children under 15" in "\n".join(m.value for m in app.markdown)


def test_outreach_page(app: AppTest, monkeypatch) -> None:
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")  # an installation that allows unprotected files (else: disabled)
    app.switch_page("app_pages/outreach.py").run()
    assert not app.exception
    _sidebar_present(app)
    assert app.title[0].value == "Outreach: where to go first"
    assert app.radio(key="outreach_level").value == "cell"
    assert app.checkbox(key="outreach_unprotected").value is False  # protection is on unless turned off
    assert [b.label for b in app.get("download_button")] == ["Download CSV", "Download GeoPackage"]
    app.radio(key="outreach_level").set_value("council").run()
    assert not app.exception
    assert len(app.dataframe) == 1
    app.checkbox(key="outreach_unprotected").check().run()
    assert app.warning[0].value.startswith("Protection is OFF")
    _switch_to_french(app)
    assert app.title[0].value == "Aller vers : où aller en premier"
    assert [b.label for b in app.get("download_button")] == ["Télécharger en CSV", "Télécharger en GeoPackage"]


def test_report_page(app: AppTest) -> None:
    app.switch_page("app_pages/report.py").run()
    assert not app.exception
    _sidebar_present(app)
    assert app.title[0].value == "Gap report and exports"
    assert app.multiselect[0].value == [app.session_state["category"], "hospital_official"]
    assert len(app.main.slider) == 0  # one threshold control: the sidebar's
    assert "Threshold: 15 min, the sidebar's setting" in " ".join(c.value for c in app.main.caption)
    assert app.multiselect[2].options[:2] == ["PDF report", "Excel workbook (XLSX)"]  # formats in words
    app.multiselect[2].set_value(["xlsx"])  # formats: a quick one
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    (status,) = app.status
    assert status.label == "Files ready: download them below"
    buttons = app.get("download_button")
    assert len(buttons) == 1 and buttons[0].label.endswith(".xlsx")
    assert app.success[0].value.startswith("Files ready")
    _switch_to_french(app)
    assert app.title[0].value == "Rapport sur les écarts et exports"


def test_a_language_added_as_a_file_is_offered_by_the_app(malta, tmp_path, monkeypatch) -> None:
    del malta  # prepared once for the session
    import shutil

    from equimap import i18n

    for lang in i18n.languages():
        shutil.copy(i18n.LOCALES_DIR / f"{lang}.toml", tmp_path)
    german = '[language]\nname = "Deutsch"\n[sidebar]\nlanguage = "Sprache"\n[number]\ndecimal = ","\ngroup = "."\n'
    (tmp_path / "de.toml").write_text(german, encoding="utf-8")
    monkeypatch.setenv(i18n.LOCALES_ENV, str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception
    assert at.selectbox(key="lang").options == ["English", "Deutsch", "Français"]
    english = at.markdown[0].value
    at.selectbox(key="lang").set_value("de").run()
    assert not at.exception
    assert at.selectbox(key="lang").label == "Sprache"
    assert at.title[0].value == "Map: who is far from Pharmacies"  # untranslated keys fall back to English
    # the same summary, its numbers written with German's own marks ("1.234,5")
    swap = str.maketrans({",": ".", ".": ","})
    assert re.search(r"\d,\d{3}", english)
    assert at.markdown[0].value == re.sub(r"\d[\d,.]*\d", lambda m: m.group().translate(swap), english)


def test_library_errors_show_as_one_sentence_not_a_traceback() -> None:
    def page() -> None:
        from equimap._errors import DataError
        from ui.errors import shown_as_error

        with shown_as_error("fr"):
            raise DataError("`threshold_s` is -1 but must be above 0.")

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception
    assert at.error[0].value == "Affichage impossible : `threshold_s` is -1 but must be above 0."


def test_first_preparation_reports_progress_then_clears_it(monkeypatch) -> None:
    import ui.data

    seen = []

    def fake_prepare(region, *, progress):
        progress("Building the walk network", 0.3)
        progress("Ready", 1.0)
        seen.append(region)
        return f"prepared {region}"

    monkeypatch.setattr(ui.data, "prepare_region", fake_prepare)

    def page() -> None:
        import streamlit as st

        from ui import data

        st.text(data.prepared("not-a-real-region"))
        st.text(data.prepared("not-a-real-region"))  # the second call is served from memory

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception
    assert seen == ["not-a-real-region"]
    assert [x.value for x in at.text] == ["prepared not-a-real-region"] * 2
    assert len(at.get("progress")) == 0  # the bar is gone once the region is ready


# --- A service list uploaded in the sidebar (ui/upload.py) ----------------------------------------------------------

#: Made-up sites in Malta and Gozo: name, lon, lat, beds.
SITES = [
    ("Valletta clinic", 14.5146, 35.8989, 12),
    ("Mosta clinic", 14.4256, 35.9092, 30),
    ("Victoria clinic", 14.2393, 36.0444, 8),
    ("Birzebbuga clinic", 14.5270, 35.8256, 20),
]


def _geojson(sites) -> bytes:
    features = [
        {"type": "Feature", "properties": {"name": n, "beds": b}, "geometry": {"type": "Point", "coordinates": [x, y]}}
        for n, x, y, b in sites
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _csv(sites) -> bytes:
    return ("name,lon,lat,beds\n" + "".join(f"{n},{x},{y},{b}\n" for n, x, y, b in sites)).encode()


def _upload(at: AppTest, path: Path) -> AppTest:
    mime = "text/csv" if path.suffix == ".csv" else "application/octet-stream"
    at.sidebar.file_uploader(key="upload").set_value((path.name, path.read_bytes(), mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _column_select(at: AppTest, name: str):
    """Return the sidebar selectbox of the upload's `name` column choice (``upload_name``/``upload_capacity``)."""
    return next(s for s in at.sidebar.selectbox if (s.key or "").startswith(f"w__{name}__"))


def _ten(count: float) -> float:
    """Round a region total to the nearest 10 residents, as the protected groups table does."""
    return 10.0 * round(count / 10.0)


def _summary_line(malta, time_s, *, lang: str = "en") -> str:
    """The Map page's summary, computed here from the travel times (15 min on foot).

    The screen shows the published figures: region totals rounded to the nearest 10, as in the report.
    """
    row = group_summary(malta.origins, time_s, groups={"T": "all"}, threshold_s=900.0).iloc[0]
    beyond, total, share = (
        fmt_num(_ten(row["pop_beyond"]), lang),
        fmt_num(_ten(row["pop"]), lang),
        fmt_pct(row["share_beyond"], lang),
    )
    return f"{beyond} of {total} residents ({share}) live more than 15 min on foot from the nearest of your services."


def test_upload__geojson_becomes_the_service_of_map_equity_and_outreach(app: AppTest, malta, tmp_path: Path) -> None:
    from equimap.analysis.outreach import outreach_targets

    path = tmp_path / "clinics.geojson"
    path.write_bytes(_geojson(SITES))
    before = app.markdown[0].value
    _upload(app, path)
    key = app.session_state["category"]
    assert key.startswith("upload-")  # the new list is the selected service at once
    assert select(app, "category").value == key
    assert app.title[0].value == "Map: who is far from Uploaded services"
    assert "clinics.geojson: 4 sites." in [c.value for c in app.sidebar.caption]
    assert _column_select(app, "upload_name").value == "name"  # the obvious name column is taken
    # the figures, computed directly from the file
    svc = load_service_file(path, category="mine", name_col="name", crs=malta.region.crs)
    acc = malta.access("walk", "mine", services=svc)
    expected = _summary_line(malta, acc["time_nearest_s"])
    assert app.markdown[0].value == expected != before

    app.switch_page("app_pages/equity.py").run()
    assert not app.exception
    assert "Service: Uploaded services; travel on foot" in app.markdown[0].value
    dim = malta.region.group("birth")
    table = group_summary(malta.origins, acc["time_nearest_s"], groups={"T": "all", **dim.columns}, threshold_s=900.0)
    shown = app.dataframe[0].value.set_index("Group")
    assert shown.loc["All residents", "Mean (min)"] == fmt_num(table.loc["T", "mean_min"], "en", digits=1)
    assert shown.loc["Born outside the EU", "Beyond threshold"] == fmt_num(_ten(table.loc["OTH", "pop_beyond"]), "en")
    sentences = "\n".join(m.value for m in app.markdown)
    assert "to reach the nearest of your services on foot" in sentences

    app.switch_page("app_pages/outreach.py").run()
    assert not app.exception
    targets = outreach_targets(malta, mode="walk", category="mine", threshold_s=900.0, services=svc)
    assert f"{fmt_num(len(targets), 'en')} places ranked" in "\n".join(m.value for m in app.markdown)

    select(app, "category").set_value("pharmacy").run()  # back to a region service: the upload stays on offer
    assert app.title[0].value == "Outreach: where to go first"
    assert "Uploaded services" in select(app, "category").options
    assert "from the nearest pharmacy" in app.markdown[0].value


def test_upload__csv_capacity_column_feeds_the_equity_capacity_section(app: AppTest, malta, tmp_path: Path) -> None:
    path = tmp_path / "one_clinic.csv"
    path.write_bytes(_csv(SITES[:1]))  # one site: its 2SFCA value is beds / residents in reach, for everyone in reach
    _upload(app, path)
    _column_select(app, "upload_capacity").set_value("beds").run()
    assert not app.exception
    assert app.session_state["category"].startswith("upload-")  # still the upload, under its new key
    app.switch_page("app_pages/equity.py").run()
    assert not app.exception
    assert "Capacity of your services within reach, per 1,000 residents" in [h.value for h in app.subheader]
    # by hand: one site with 12 beds shared by the R residents within 15 min of it
    svc = load_service_file(path, category="one", crs=malta.region.crs)
    reached = malta.access("walk", "one", services=svc)["time_nearest_s"] <= 900.0
    r = malta.origins.loc[reached, "T"].sum()
    shown = next(d.value for d in app.dataframe if "Capacity per 1,000 residents" in d.value.columns)
    shown = shown.set_index("Group")["Capacity per 1,000 residents"]
    for col, label in malta.region.group("birth").columns.items():
        members = malta.origins[col]
        expected = 1000.0 * 12 / r * members[reached].sum() / members.sum()
        assert shown[group_label(malta.region, col, "en")] == fmt_num(expected, "en", digits=2), label


def test_upload__bad_files_show_one_sentence_and_the_app_keeps_working(app: AppTest, tmp_path: Path) -> None:
    from ui.upload import MAX_UPLOAD_MB

    good = tmp_path / "clinics.geojson"
    good.write_bytes(_geojson(SITES))
    big = b"lon,lat\n" + b"14.5,35.9\n" * (MAX_UPLOAD_MB * 1024 * 1024 // 10 + 1)
    cases = [
        ("empty.geojson", b"", "“empty.geojson” is empty; choose the file that holds your sites."),
        (
            "notes.txt",
            b"clinic at the harbour",
            "“notes.txt” is not a file equimap can read; use GeoJSON (.geojson, .json), GeoPackage (.gpkg), "
            "a zipped Shapefile (.zip) or CSV with lon/lat columns (.csv).",
        ),
        (
            "sites.csv",
            b"name,easting,northing\nA,1,2\n",
            "Cannot use this file: `sites.csv` has no coordinate columns; add `lon` and `lat` columns in degrees "
            "(EPSG:4326).",
        ),
        (
            "broken.geojson",
            b'{"type": "FeatureCollection", "features": [',
            "Cannot use this file: `broken.geojson` could not be read",
        ),
        (
            "huge.csv",
            big,
            f"“huge.csv” is {len(big) / 1024 / 1024:.1f} MB, over the {MAX_UPLOAD_MB} MB limit; keep only the sites "
            "of the region, or save them as CSV.",
        ),
    ]
    for name, data, sentence in cases:
        _upload(app, good)  # a good list first: the bad file must replace it cleanly
        assert app.session_state["category"].startswith("upload-")
        app.sidebar.file_uploader(key="upload").set_value((name, data, "application/octet-stream")).run()
        assert not app.exception, name
        assert len(app.error) == 1 and app.error[0].value.startswith(sentence), (name, app.error[0].value)
        assert app.session_state["uploaded"] is None and app.session_state["category"] == "pharmacy"
        assert app.title[0].value == "Map: who is far from Pharmacies"  # the app goes on with its own services
        assert "from the nearest pharmacy" in app.markdown[0].value
    app.selectbox(key="lang").set_value("fr").run()  # the sentence is translated
    assert app.error[0].value.startswith("« huge.csv » pèse ")
    app.sidebar.file_uploader(key="upload").set_value(None).run()  # removing the file clears the sentence
    assert not app.exception and len(app.error) == 0


def test_upload__stays_in_the_session_and_out_of_the_shared_region(app: AppTest, tmp_path: Path) -> None:
    from ui.data import prepared

    prep = prepared("malta")  # the app's shared Prepared (the same object every session gets)
    n_services, folder = len(prep.services), prep.folder / "access"
    files_before = set(folder.glob("*")) if folder.exists() else set()
    path = tmp_path / "clinics.geojson"
    path.write_bytes(_geojson(SITES))
    _upload(app, path)
    for page in ("app_pages/equity.py", "app_pages/outreach.py"):
        app.switch_page(page).run()
        assert not app.exception
    assert len(prep.services) == n_services and not prep.services["category"].str.startswith("upload-").any()
    assert (set(folder.glob("*")) if folder.exists() else set()) == files_before  # nothing written to the disk cache
    other = AppTest.from_file(APP, default_timeout=TIMEOUT_S)  # a second session does not see the upload
    other.run()
    assert not other.exception
    assert other.session_state["uploaded"] is None
    assert "Uploaded services" not in select(other, "category").options
