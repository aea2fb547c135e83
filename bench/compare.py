"""Say plainly which engine is faster: ``equimap 1.8× slower than scipy``, never a bare ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Return the median wall time (s) of `repeat` calls of `fn`, and its last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def verdict(ours_s: float, theirs_s: float, name: str) -> str:
    """Return ``"equimap N× faster than NAME"`` or ``"equimap N× slower than NAME"`` from two times (s)."""
    if not (ours_s > 0 and theirs_s > 0):
        return f"equimap and {name} not compared (a time is zero)"
    if abs(ours_s - theirs_s) <= 0.005 * max(ours_s, theirs_s):
        return f"equimap as fast as {name}"
    if ours_s < theirs_s:
        return f"equimap {theirs_s / ours_s:.1f}× faster than {name}"
    return f"equimap {ours_s / theirs_s:.1f}× slower than {name}"


def against(time_s: float, base_s: float, base: str = "the baseline", *, what: str = "it") -> str:
    """Return ``"it 2.3× faster than the baseline"`` (or slower) for a time against a baseline time (s)."""
    if not (time_s > 0 and base_s > 0):
        return f"{what} not compared with {base} (a time is zero)"
    if abs(time_s - base_s) <= 0.005 * max(time_s, base_s):
        return f"{what} as fast as {base}"
    if time_s < base_s:
        return f"{what} {base_s / time_s:.1f}× faster than {base}"
    return f"{what} {time_s / base_s:.1f}× slower than {base}"
