"""The agreement check of the kernels benchmark: how far a peer's result may be from equimap's.

Exact engines must equal equimap's times within `EXACT_TOL_S` and its counts exactly;
pandana stores times in 32-bit floats and is held to `FLOAT32_ABS_S` + `FLOAT32_REL` × the
time. `settled` counts the labels a pass found, for the settled-per-second figure.
"""

from __future__ import annotations

import numpy as np

from bench.kernels.rows import Row
from equimap.network.routing import count_within

#: The agreement every exact engine must reach (s), and pandana's (its times are 32-bit floats).
EXACT_TOL_S = 1e-6
FLOAT32_ABS_S = 0.01
FLOAT32_REL = 1e-4


def _allowance_s(engine: str, t_s: np.ndarray | float) -> np.ndarray | float:
    """Return the difference from equimap's time `t_s` an engine may show: 1e-6 s, pandana 32-bit rounding."""
    if engine == "pandana":
        return FLOAT32_ABS_S + FLOAT32_REL * np.abs(t_s)
    return EXACT_TOL_S


def disagreement(row: Row, ours: dict, theirs: dict, engine: str) -> tuple[float, float]:
    """Return (largest difference from equimap's result, largest excess over the engine's allowance).

    Times in s (counts: sites). A node reached by one engine and not the other is a difference of
    ``inf``. Exact engines may differ by `EXACT_TOL_S` and not at all on counts; pandana (32-bit times)
    by `FLOAT32_ABS_S` + `FLOAT32_REL` × the time, and its counts must lie between equimap's at the
    threshold minus and plus that allowance. The engine agrees when the excess is 0.
    """
    worst = excess = 0.0
    for c, a in ours.items():
        b = np.asarray(theirs[c])
        if row.kind == "count":
            a, b = np.asarray(a, np.int64), b.astype(np.int64)
            diff = float(np.abs(a - b).max(initial=0))
            worst = max(worst, diff)
            if engine == "pandana":
                nodes = np.arange(row.net.n_nodes)
                slack = _allowance_s(engine, row.threshold_s)
                band = count_within(
                    row.net, nodes, row.sources[c], thresholds_s=row.threshold_s + np.array([-slack, slack])
                )
                out = np.maximum(band[:, 0] - b, 0) + np.maximum(b - band[:, 1], 0)
                excess = max(excess, float(out.max(initial=0)))
            else:
                excess = max(excess, diff)
            continue
        fa, fb = np.isfinite(a), np.isfinite(b)
        if (fa != fb).any():
            return np.inf, np.inf
        if fa.any():
            d = np.abs(a[fa] - b[fb])
            worst = max(worst, float(d.max()))
            excess = max(excess, float(np.maximum(d - _allowance_s(engine, a[fa]), 0).max()))
    return worst, excess


def tolerance_text(row: Row, engine: str) -> str:
    if engine == "pandana":
        what = "counts between equimap's at the threshold ∓ that" if row.kind == "count" else "32-bit times"
        return f"allowed {FLOAT32_ABS_S:g} s + {FLOAT32_REL:g} × time, {what}"
    return "allowed 0" if row.kind == "count" else f"allowed {EXACT_TOL_S:g} s"


def settled(row: Row, ours: dict) -> int:
    """Labels found by the pass: reached (node, category) pairs; counts: (site, node) pairs within the bound."""
    if row.kind == "count":
        return int(sum(int(np.asarray(v).sum()) for v in ours.values()))
    return int(sum(int(np.isfinite(v).sum()) for v in ours.values()))
