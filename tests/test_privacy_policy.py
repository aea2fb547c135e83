"""The installation's minimum small-count threshold, and an attacker that combines every output of runs.

The attacker reads everything the CLI gives back (standard output, standard
error and every file written) across runs, solves the additive relations of
the outreach table (groups add up to the total, unserved groups to the unserved
total) and is checked against the raw, unprotected table: no count of 1 to 9
may be known to them.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from equimap._errors import DataError
from equimap.analysis.outreach import outreach_targets
from equimap.cli import main
from equimap.protect.policy import ENV_VAR, check_threshold, min_count
from equimap.report.outreach_file import export_table

GROUPS = ["NAT", "EU_OTH", "OTH", "UNKNOWN_BIRTH"]


def _write_manifest_privacy(folder, value):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "region.toml").write_text(f'name = "x"\n[privacy]\nmin_count = {value}\n', encoding="utf-8")


def test_min_count__environment_and_manifest(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert min_count() == 10
    monkeypatch.setenv(ENV_VAR, "3")
    assert min_count() == 3
    _write_manifest_privacy(tmp_path / "r", 20)
    assert min_count(tmp_path / "r") == 20  # the region can raise it
    _write_manifest_privacy(tmp_path / "s", 1)
    assert min_count(tmp_path / "s") == 3  # but not lower it
    assert check_threshold(25, region_folder=tmp_path / "r") == 25
    with pytest.raises(DataError, match=r"below this installation's minimum of 20"):
        check_threshold(19, region_folder=tmp_path / "r")
    monkeypatch.setenv(ENV_VAR, "ten")
    with pytest.raises(DataError, match=ENV_VAR):
        min_count()


def test_cli_refuses_a_lower_threshold(malta, tmp_path, capsys, monkeypatch):
    del malta  # prepared once for the session
    monkeypatch.delenv(ENV_VAR, raising=False)
    out = tmp_path / "t.csv"
    code = main(
        ["outreach", "--category", "social", "--threshold-min", "20", "--out", str(out), "--suppress-below", "5"]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert err.startswith("error: --suppress-below 5 is below this installation's minimum of 10")
    assert err.count(". ") == 0 and len(err.splitlines()) == 1  # one sentence
    monkeypatch.setenv(ENV_VAR, "0")  # an installation that allows unprotected outputs
    assert main(["outreach", "--category", "social", "--threshold-min", "20", "--suppress-below", "0"]) == 0


def _parse_stdout(text: str) -> dict[tuple[str, str], float]:
    """Return every (place, column) -> value printed in the outreach top 10 (``-`` = hidden)."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:1] == ["rank"])
    names = lines[head].split()
    numeric = names[names.index("degurba_l2_label") + 1 :]
    known = {}
    for line in lines[head + 2 :]:
        tokens = line.split()
        if len(tokens) < len(numeric) + 2:
            continue
        place = tokens[0]
        for col, tok in zip(numeric, tokens[-len(numeric) :], strict=True):
            if tok != "-":
                known[(place, col)] = float(tok)
    return known


def _parse_csv(path) -> dict[tuple[str, str], float]:
    text = path.read_text(encoding="utf-8")
    table = pd.read_csv(io.StringIO(text), comment=None, skiprows=1, index_col=0)
    known = {}
    for place, row in table.iterrows():
        for col, v in row.items():
            if isinstance(v, (int, float, np.number)) and not (isinstance(v, float) and math.isnan(v)):
                known[(str(place), str(col))] = float(v)
    return known


def _solve(known: dict[tuple[str, str], float], places: list[str]) -> dict[tuple[str, str], float]:
    """Close `known` under the table's additive relations (one unknown in a sum gives it away)."""
    relations = [("T", GROUPS), ("beyond_T", [f"beyond_{g}" for g in GROUPS])]
    relations += [(g, [f"beyond_{g}", f"served_{g}"]) for g in GROUPS]
    known = dict(known)
    changed = True
    while changed:
        changed = False
        for p in places:
            for total, parts in relations:
                cells = [(p, total)] + [(p, c) for c in parts]
                unknown = [c for c in cells if c not in known]
                if len(unknown) != 1:
                    continue
                rest = sum(known[(p, c)] for c in parts if (p, c) in known)
                if unknown[0] == (p, total):
                    known[unknown[0]] = rest
                else:
                    known[unknown[0]] = known[(p, total)] - rest
                changed = True
    return known


@pytest.mark.parametrize("level", ["council", "cell"])
def test_attacker_combining_every_output_finds_no_hidden_count(malta, tmp_path, capsys, monkeypatch, level):
    monkeypatch.delenv(ENV_VAR, raising=False)
    args = ["outreach", "--mode", "walk", "--category", "social", "--threshold-min", "20", "--group", "OTH"]
    args += ["--level", level]
    known: dict[tuple[str, str], float] = {}
    runs = 0
    for threshold in (10, 12, 20, 5, 0):  # 5 and 0 are refused: nothing is written, nothing printed but the error
        out = tmp_path / f"t{threshold}.csv"
        code = main([*args, "--out", str(out), "--suppress-below", str(threshold)])
        captured = capsys.readouterr()
        if threshold < 10:
            assert code == 2 and not out.exists() and captured.out == ""
            continue
        assert code == 0
        runs += 1
        known.update(_parse_stdout(captured.out))
        known.update(_parse_csv(out))
    assert runs == 3
    targets = outreach_targets(malta, mode="walk", category="social", threshold_s=20 * 60, level=level, group="OTH")
    raw = export_table(targets, total_col="T")  # whole residents, nothing hidden
    for g in GROUPS:
        raw[f"served_{g}"] = raw[g] - raw[f"beyond_{g}"]
    places = [str(p) for p in raw.index]
    solved = _solve(known, places)
    counts = ["T", "beyond_T", "pop_unreachable", *GROUPS, *[f"beyond_{g}" for g in GROUPS]]
    counts += [f"served_{g}" for g in GROUPS]
    small = [(str(p), c) for p in raw.index for c in counts if 0 < raw.at[p, c] < 10]
    assert small, "the fixture must hold small counts for the attack to mean anything"
    leaked = [(p, c, raw.at[type(raw.index[0])(p), c]) for p, c in small if (p, c) in solved]
    assert leaked == []
    # what the attacker knows is right (the outputs are the table, not noise)
    for (p, c), v in solved.items():
        if c in raw.columns and c in counts:
            assert v == pytest.approx(float(raw.at[type(raw.index[0])(p), c]), abs=1e-6)


def test_screen_uses_the_region_minimum(tmp_path, monkeypatch):
    # a region's `[privacy] min_count` raises the screen's threshold like its exports'; control: without it, 10
    from test_any_region import write_tiny

    from ui.data import region_min_count, screen_threshold

    write_tiny(tmp_path / "tiny", kind="total")
    monkeypatch.setenv("EQUIMAP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("EQUIMAP_SCREEN_PROTECTION", raising=False)
    assert region_min_count("tiny") == 10 and screen_threshold("tiny") == 10
    manifest = tmp_path / "tiny" / "region.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n[privacy]\nmin_count = 20\n", encoding="utf-8")
    assert region_min_count("tiny") == 20 and screen_threshold("tiny") == 20
    monkeypatch.setenv("EQUIMAP_SCREEN_PROTECTION", "off")  # the operator's "off" cannot go below the region's minimum
    assert screen_threshold("tiny") == 20
