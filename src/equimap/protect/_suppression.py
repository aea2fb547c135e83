"""Secondary suppression: hide further values until no hidden small count can be worked out.

Internal to `equimap.protect.suppression`. The reader is modelled as an attacker who knows the
published values and the linear relations between counts (group totals, subset
complements, column totals) and that every hidden count is at least 1; a linear
program (scipy HiGHS) bounds each hidden value, and while a small count's bounds
are too tight another value is hidden.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

_TOL = 1e-9
log = logging.getLogger("equimap.protect.suppression")


@dataclass(frozen=True)
class _Relation:
    """``total = sum(members)`` over flat cell ids; ``total=None``: a total the reader knows."""

    total: int | None
    members: tuple[int, ...]

    @property
    def cells(self) -> tuple[int, ...]:
        return self.members if self.total is None else (self.total, *self.members)


@dataclass
class _Context:
    values: np.ndarray  # flat (n_rows * n_cols)
    is_real: np.ndarray  # per column
    n_cols: int
    integer: bool

    def real(self, cell: int) -> bool:
        return bool(self.is_real[cell % self.n_cols])

    def lower(self, cell: int) -> float:
        """Return the lower bound a reader knows for a hidden cell.

        Zeros are shown, so a whole-number count we hid is at least 1; a complement, a
        count unknown in the input, or a fractional count is only known to be >= 0. (A
        zero hidden as a last resort also gets 0, so the true values stay a solution.)
        """
        v = self.values[cell]
        return 1.0 if self.integer and self.real(cell) and v >= 1.0 else 0.0


def _row_relations(templates: list[_Relation], r: int, n_cols: int) -> list[_Relation]:
    base = r * n_cols
    return [
        _Relation(None if t.total is None else base + t.total, tuple(base + m for m in t.members)) for t in templates
    ]


def _protect_row(ctx: _Context, r: int, templates: list[_Relation], hidden: np.ndarray, sensitive: np.ndarray) -> None:
    """Hide more values of row `r` until none of its sensitive values can be worked out."""
    rels = _row_relations(templates, r, ctx.n_cols)
    flat_hidden = hidden.reshape(-1)
    protect = set((r * ctx.n_cols + np.flatnonzero(sensitive[r])).tolist())
    _protect(ctx, rels, flat_hidden, protect, batch=False)


def _protect_columns(
    ctx: _Context,
    t: int,
    templates: list[_Relation],
    hidden: np.ndarray,
    sensitive: np.ndarray,
    ours: np.ndarray,
) -> None:
    """Protect across rows: each real column adds up to the totals row `t`."""
    n_rows = hidden.shape[0]
    n_cols = ctx.n_cols
    rels: list[_Relation] = []
    for r in range(n_rows):
        rels.extend(_row_relations(templates, r, n_cols))
    for c in np.flatnonzero(ctx.is_real):
        members = tuple(r * n_cols + int(c) for r in range(n_rows) if r != t)
        rels.append(_Relation(t * n_cols + int(c), members))
    protect = set(np.flatnonzero((ours | sensitive).reshape(-1)).tolist())
    if protect:
        _protect(ctx, rels, hidden.reshape(-1), protect, batch=True)


def _protect(ctx: _Context, rels: list[_Relation], hidden: np.ndarray, protect: set[int], *, batch: bool) -> None:
    """Hide cells (in place in `hidden`) until no cell in `protect` is determined."""
    incidence: dict[int, list[int]] = {}
    for i, rel in enumerate(rels):
        for cell in rel.cells:
            incidence.setdefault(cell, []).append(i)
    while True:
        exposed = _exposed(ctx, rels, hidden, protect)
        if not exposed:
            return
        touched: set[int] = set()
        progress = False
        for cell in exposed:
            rel_ids = incidence.get(cell, [])
            if touched.intersection(rel_ids):
                continue
            pick = _pick(ctx, cell, rel_ids, rels, incidence, hidden)
            if pick is None:
                continue
            hidden[pick] = True
            touched.update(incidence.get(pick, []))
            progress = True
            if not batch:
                break  # one change at a time keeps a row's extra suppressions few
        if not progress:
            log.warning("small-count protection could not hide %d value(s) from subtraction", len(exposed))
            return


def _exposed(ctx: _Context, rels: list[_Relation], hidden: np.ndarray, protect: set[int]) -> list[int]:
    """Return the protected hidden cells a reader can work out from the visible values.

    The reader knows every relation and that a hidden count is at least 1 (zeros are
    shown; 0 for complements and when counts are not whole numbers). A hidden cell is
    worked out when it takes one value over all solutions: the lower bounds that every
    solution meets (found by linear programming) are added to the relations as
    equations, and the cell is then determined by that linear system.
    """
    # A complement appears in one relation only: alone there, it is worked out but
    # constrains nothing else, so that relation is left out of the system.
    active, lone = [], []
    for rel in rels:
        hid = [c for c in rel.cells if hidden[c]]
        if len(hid) == 1 and not ctx.real(hid[0]):
            lone.append(hid[0])
        elif hid:
            active.append(rel)
    cells = sorted({c for rel in active for c in rel.cells if hidden[c]})
    determined = set(lone)
    if cells:
        pos = {c: i for i, c in enumerate(cells)}
        a = np.zeros((len(active), len(cells)))
        b = np.zeros(len(active))
        vals = ctx.values
        for i, rel in enumerate(active):
            for m in rel.members:
                if hidden[m]:
                    a[i, pos[m]] += 1.0
                else:
                    b[i] -= vals[m]
            if rel.total is None:
                b[i] += sum(vals[m] for m in rel.members)  # the total the reader knows
            elif hidden[rel.total]:
                a[i, pos[rel.total]] -= 1.0
            else:
                b[i] += vals[rel.total]
        lower = np.array([ctx.lower(c) for c in cells])
        null = _null_space(a)
        at_bound = [j for j, c in enumerate(cells) if not vals[c] > lower[j] + _TOL]  # includes unknown (NaN)
        # A null-space direction that raises a cell and lowers none at its bound frees that cell.
        for v in [*null, *(-null)]:
            if at_bound and (v[at_bound] > -1e-9).all():
                at_bound = [j for j in at_bound if v[j] <= 1e-8]
        if at_bound and np.isfinite(b).all():
            tight = _tight_bounds(a, b, lower, at_bound)
            if tight:
                null = _null_space(np.vstack([a, np.eye(len(cells))[tight]]))
        free = np.abs(null).max(axis=0) > 1e-8 if null.size else np.zeros(len(cells), dtype=bool)
        determined.update(c for c, f in zip(cells, free, strict=True) if not f)
    return [c for c in [*cells, *lone] if c in determined and c in protect]


def _null_space(a: np.ndarray) -> np.ndarray:
    """Return an orthonormal basis (one vector per row) of the solutions of ``a x = 0``."""
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9 * max(1.0, s[0] if s.size else 1.0)).sum())
    return vt[rank:]


def _tight_bounds(a: np.ndarray, b: np.ndarray, lower: np.ndarray, candidates: list[int]) -> list[int]:
    """Return the candidates ``j`` whose bound ``x_j >= lower_j`` holds with equality in every solution.

    Solves ``max sum(s_j)`` subject to ``a x = b``, ``x >= lower``, ``0 <= s_j <= x_j - lower_j``,
    ``s_j <= 1``; a candidate with ``s_j > 0`` can leave its bound. Repeats on the rest until
    none can. Returns [] when the relations have no solution (inconsistent input).
    """
    n = a.shape[1]
    remaining = list(candidates)
    while remaining:
        k = len(remaining)
        cost = np.concatenate([np.zeros(n), -np.ones(k)])
        a_eq = np.hstack([a, np.zeros((a.shape[0], k))])
        a_ub = np.zeros((k, n + k))
        a_ub[np.arange(k), remaining] = -1.0
        a_ub[np.arange(k), n + np.arange(k)] = 1.0
        bounds = [(lo, None) for lo in lower] + [(0.0, 1.0)] * k
        res = linprog(cost, A_ub=a_ub, b_ub=-lower[remaining], A_eq=a_eq, b_eq=b, bounds=bounds, method="highs")
        if res.status != 0:
            log.debug("small-count protection: relations have no solution with the assumed bounds")
            return []
        slack = res.x[n:]
        still = [j for j, sj in zip(remaining, slack, strict=True) if sj <= 1e-7]
        if len(still) == len(remaining):
            return still
        remaining = still
    return []


def _pick(
    ctx: _Context,
    cell: int,
    rel_ids: list[int],
    rels: list[_Relation],
    incidence: dict[int, list[int]],
    hidden: np.ndarray,
) -> int | None:
    """Choose a cell to hide so that the exposed `cell` may no longer be worked out.

    Relations are searched outwards from `cell` (through hidden cells, which carry the
    leak): first for the smallest non-zero visible member, then for a non-zero total,
    and as a last resort a zero member. Returns None when nothing is left to hide.
    """
    vals = ctx.values

    def visible(c: int, *, nonzero: bool = True) -> bool:
        v = vals[c]
        return ctx.real(c) and not hidden[c] and not np.isnan(v) and ((v > _TOL) if nonzero else (v <= _TOL))

    layers: list[list[int]] = []
    seen_rels = set(rel_ids)
    seen_cells = {cell}
    layer = sorted(rel_ids, key=lambda i: sum(bool(hidden[c]) for c in rels[i].cells))
    while layer:
        layers.append(layer)
        nxt = []
        for i in layer:
            for c in rels[i].cells:
                if hidden[c] and c not in seen_cells:
                    seen_cells.add(c)
                    nxt.extend(j for j in incidence.get(c, []) if j not in seen_rels)
                    seen_rels.update(incidence.get(c, []))
        layer = nxt
    for layer in layers:
        cand = [m for i in layer for m in rels[i].members if visible(m)]
        if cand:
            return min(cand, key=lambda m: (vals[m], m))
    for layer in layers:
        cand = [t for i in layer if (t := rels[i].total) is not None and visible(t)]
        if cand:
            return min(cand, key=lambda m: (vals[m], m))
    for layer in layers:
        cand = [m for i in layer for m in rels[i].members if visible(m, nonzero=False)]
        if cand:
            return cand[0]
    return None
