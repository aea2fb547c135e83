"""The README's worked example of the Python API runs as written, and its figures are the report's."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.malta

ROOT = Path(__file__).resolve().parent.parent


def _example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_runs_and_writes_the_report(tmp_path, monkeypatch, malta) -> None:
    monkeypatch.chdir(tmp_path)  # the example writes its PDF where it runs
    scope: dict = {}
    exec(compile(_example(), "README.md", "exec"), scope)  # noqa: S102 - the README's own code
    groups, councils = scope["groups"], scope["councils"]
    pdf = tmp_path / "pharmacies.pdf"
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes()[:5] == b"%PDF-"
    # the figures are those of the origins, worked out here: residents and residents beyond 15 min
    acc = malta.access("walk", "pharmacy")
    beyond = ~(acc["time_nearest_s"] <= 900.0)
    for col in ("T", "NAT", "EU_OTH", "OTH"):
        assert groups.loc[col, "pop"] == pytest.approx(malta.origins[col].sum(), abs=5)  # rounded to 10
        assert groups.loc[col, "pop_beyond"] == pytest.approx(malta.origins.loc[beyond, col].sum(), abs=5)
    assert list(groups["dimension"]) == ["all", "birth", "birth", "birth"]
    valletta = councils[councils["name"] == "Valletta"]
    assert len(valletta) == 1 and isinstance(councils, pd.DataFrame)
