"""Popup figures of a place: formatted from `equimap.analysis.places` columns, in the reader's language."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ui.figures import format_column, popup_values


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
    assert format_column(f, "degurba_l2", lang="fr") == ["21 Périurbain", "–"]


def test_popup_values__title_then_values_in_layout_order() -> None:
    f = pd.DataFrame({"name": ["Rabat"], "T": [10.0], "beyond_T": [5.0]}, index=pd.Index([4], name="unit_id"))
    layout = [("Residents", [("All", "T")]), ("Beyond", [("All", "beyond_T")])]
    assert popup_values(f, layout, kind="council", lang="en") == {"4": ["Rabat", "10", "5 (50%)"]}
    cells = f.drop(columns="name").set_axis(pd.Index(["CRS1"], name="cell_id"))
    assert popup_values(cells, layout, kind="cell", lang="en") == {"CRS1": ["1 km census cell CRS1", "10", "5 (50%)"]}
