"""Popup figures of a place: formatted from `equimap.analysis.places` columns, in the reader's language."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ui.figures import format_column, popup_layout, popup_values


def test_format_column__by_kind_of_figure() -> None:
    f = pd.DataFrame(
        {
            "T": [1234.4, 0.0],
            "beyond_T": [123.4, 0.0],
            "time_nearest_min": [12.345, np.nan],
            "n_within_15min": [2.25, 0.0],
            "foreign_share": [0.1234, np.nan],
            "simpson": [0.4567, np.nan],
            "degurba_l2": [21.0, np.nan],
        }
    )
    assert format_column(f, "T", lang="en") == ["1,234", "0"]
    assert format_column(f, "beyond_T", lang="en") == ["123 (10%)", "0 (–)"]
    assert format_column(f, "time_nearest_min", lang="en") == ["12.3", "none reachable"]
    assert format_column(f, "time_nearest_min", lang="fr") == ["12,3", "aucun accessible"]
    assert format_column(f, "n_within_15min", lang="en") == ["2.2", "0.0"]
    assert format_column(f, "foreign_share", lang="fr") == ["12\u00a0%", "–"]
    assert format_column(f, "simpson", lang="en") == ["0.46", "–"]
    assert format_column(f, "degurba_l2", lang="fr") == ["Périurbain", "–"]  # the class in words, not its code


def test_popup_values__title_then_values_in_layout_order() -> None:
    f = pd.DataFrame({"name": ["Rabat"], "T": [10.0], "beyond_T": [5.0]}, index=pd.Index([4], name="unit_id"))
    layout = [("Residents", [("All", "T")]), ("Beyond", [("All", "beyond_T")])]
    assert popup_values(f, layout, kind="council", lang="en") == {"4": ["Rabat", "10", "5 (50%)"]}
    cells = f.drop(columns="name").set_axis(pd.Index(["CRS1"], name="cell_id"))
    assert popup_values(cells, layout, kind="cell", lang="en") == {"CRS1": ["1 km census square", "10", "5 (50%)"]}
    named = cells.assign(council=["Rabat"])
    assert popup_values(named, layout, kind="cell", lang="fr")["CRS1"][0] == "Carreau de 1 km à Rabat"


def test_cell_popup__answers_how_far_for_whom_first(malta) -> None:
    """A hand-made cell of Malta: the popup's rows, in order, as a reader sees them (no ids, no codes)."""
    cols = {
        "council": ["Il-Belt Valletta"],
        "T": [120.0], "NAT": [100.0], "EU_OTH": [np.nan], "OTH": [15.0],
        "Y_LT15": [20.0], "Y_1564": [70.0], "Y_GE65": [30.0], "M": [60.0], "F": [60.0],
        "beyond_T": [40.0], "beyond_NAT": [30.0], "beyond_EU_OTH": [np.nan], "beyond_OTH": [10.0],
        "time_nearest_min": [17.25], "time_mean3_min": [21.0], "n_within_15min": [0.25],
        "degurba_l2": [30.0], "density_km2": [1234.0], "simpson": [0.3],
    }  # fmt: skip
    figures = pd.DataFrame(cols, index=pd.Index(["CRS3035RES1000mN1000E2000"], name="cell_id"))
    layout = popup_layout(
        malta, figures.columns, lang="en", mode="walk", category="pharmacy", threshold_min=15, dimension="birth"
    )
    values = popup_values(figures, layout, kind="cell", lang="en")["CRS3035RES1000mN1000E2000"]
    rows = [(section, label) for section, entries in layout for label, _ in entries]
    shown = list(zip(rows, values[1:], strict=True))
    assert values[0] == "1 km square in Il-Belt Valletta"
    assert shown[:7] == [
        (("Travel on foot to the nearest pharmacy", "Nearest service (min)"), "17.2"),
        (("Travel on foot to the nearest pharmacy", "Mean of the 3 nearest (min)"), "21.0"),
        (("Travel on foot to the nearest pharmacy", "Services within 15 min (average per resident)"), "0.2"),
        (("Beyond 15 min (Country of birth)", "All residents"), "40 (33%)"),
        (("Beyond 15 min (Country of birth)", "Born in Malta"), "30 (30%)"),
        (("Beyond 15 min (Country of birth)", "Born in another EU country"), "– (–)"),
        (("Beyond 15 min (Country of birth)", "Born outside the EU"), "10 (67%)"),
    ]
    context = {label: v for (section, label), v in shown if section == "Place"}
    assert context["Degree of urbanisation"] == "Urban centre"
    assert not any("CRS3035" in v for v in values)  # no raw cell id shown
