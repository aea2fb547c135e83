"""Equity page: who waits longer, by group, with intervals, capacity per resident and inequality indices."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _data, _ui
from geo.gaps import gap_sentence
from geo.i18n import number, percent

p = _ui.params()
tr = _ui.tr
st.title(tr("equity.title"))

with _ui.guard():
    prep = _ui.prepared(p.region)
    dim = prep.region.group(p.dimension)
    table = _data.groups(p.region, p.mode, p.category, p.threshold_min, p.dimension)
    curve = _data.curves(p.region, p.mode, p.category, p.dimension)
    gaps = _data.gaps(p.region, p.mode, p.category, p.threshold_min, p.dimension)

cat_label = _ui.category_label(prep, p.category)
mode_label = _ui.mode_label(p.mode)
st.caption(tr("map.caption", category=cat_label, mode=mode_label, threshold=p.threshold_min))


def label(col: str) -> str:
    return tr("group.all") if col == prep.region.total_col else _ui.group_label(prep, col)


# --- per-group table -------------------------------------------------------------------------
st.subheader(tr("equity.groups_title", dimension=tr(f"dimension.{p.dimension}", default=dim.label)))
shown = pd.DataFrame(
    {
        tr("col.group"): [label(c) for c in table.index],
        tr("col.residents"): [number(v, p.lang) for v in table["pop"]],
        tr("col.mean_min"): [number(v, p.lang, decimals=1) for v in table["mean_min"]],
        tr("col.median_min"): [number(v, p.lang, decimals=1) for v in table["median_min"]],
        tr("col.p90_min"): [number(v, p.lang, decimals=1) for v in table["p90_min"]],
        tr("col.beyond", threshold=p.threshold_min): [number(v, p.lang) for v in table["pop_beyond"]],
        tr("col.share_beyond"): [percent(v, p.lang) for v in table["share_beyond"]],
    }
)
st.dataframe(shown, hide_index=True, width="stretch")
st.caption(tr("explain.groups"))

# --- cumulative curves ------------------------------------------------------------------------
st.subheader(tr("equity.curve_title"))
chart = (curve * 100).rename(columns=label)
chart.index.name = tr("axis.minutes")
st.line_chart(chart, x_label=tr("axis.minutes"), y_label=tr("axis.share_reached"), height=320)
st.caption(tr("explain.curve", threshold=p.threshold_min))

# --- plain-language sentences ------------------------------------------------------------------
ref = dim.reference
template = tr("sentence.gap")
for col, row in gaps.iterrows():
    if col == ref or not row["pop"] > 0:
        continue
    v = gap_sentence(row, reference_label=label(ref), category_label=cat_label.lower(), mode_label=mode_label)
    if v["direction"] == "unknown":
        continue
    words = {
        "group": label(col),
        "reference": label(ref),
        "minutes": number(v["mean_diff_abs_min"], p.lang, decimals=1),
        "direction": tr(f"sentence.{v['direction']}"),
        "category": cat_label.lower(),
        "mode": mode_label,
        "lo": number(v["mean_diff_lo_min"], p.lang, decimals=1, sign=True),
        "hi": number(v["mean_diff_hi_min"], p.lang, decimals=1, sign=True),
        "share": percent(row["share_beyond"], p.lang),
        "ref_share": percent(v["ref_share_beyond_pct"] / 100, p.lang),
        "threshold": p.threshold_min,
    }
    text = tr("sentence.gap_same" if v["direction"] == "same" else "sentence.gap", **words)
    text += " " + tr("sentence.beyond", **words)
    sure = v["ci_excludes_zero"]
    text += " " + tr("sentence.significant" if sure else "sentence.not_significant", **words)
    st.markdown(f"- {text}")

# --- gaps with intervals ------------------------------------------------------------------------
st.subheader(tr("equity.gaps_title", reference=label(ref)))


def ci(m: float, lo: float, hi: float, *, scale: float = 1.0, decimals: int = 1, sign: bool = False) -> str:
    fmt = {"decimals": decimals, "sign": sign}
    return (
        f"{number(m * scale, p.lang, **fmt)} [{number(lo * scale, p.lang, **fmt)}; {number(hi * scale, p.lang, **fmt)}]"
    )


gap_rows = pd.DataFrame(
    {
        tr("col.group"): [label(c) for c in gaps.index],
        tr("col.mean_ci"): [
            ci(*r, scale=1 / 60) for r in gaps[["mean_time_s", "mean_time_s_lo", "mean_time_s_hi"]].to_numpy()
        ],
        tr("col.gap_ci"): [
            ci(*r, scale=1 / 60, decimals=2, sign=True)
            for r in gaps[["mean_diff_s", "mean_diff_s_lo", "mean_diff_s_hi"]].to_numpy()
        ],
        tr("col.share_ci"): [
            ci(*r, scale=100) for r in gaps[["share_beyond", "share_beyond_lo", "share_beyond_hi"]].to_numpy()
        ],
        tr("col.rr_ci"): [
            ci(*r, decimals=2)
            for r in gaps[["representation_ratio", "representation_ratio_lo", "representation_ratio_hi"]].to_numpy()
        ],
    }
)
st.dataframe(gap_rows, hide_index=True, width="stretch")
st.caption(tr("explain.gaps", n_boot=_data.APP_N_BOOT))

# --- capacity per resident (2SFCA) ---------------------------------------------------------------
st.subheader(tr("equity.supply_title"))
with _ui.guard():
    sup = _data.supply(p.region, p.mode, p.category, p.dimension, p.threshold_min)
st.dataframe(
    pd.DataFrame(
        {
            tr("col.group"): [label(c) for c in sup.index],
            tr("col.per_1000"): [number(v * 1000, p.lang, decimals=2) for v in sup["access"]],
            tr("col.ratio_ref"): [number(v, p.lang, decimals=3) for v in sup["ratio_to_reference"]],
        }
    ),
    hide_index=True,
    width="stretch",
)
st.caption(tr("explain.supply", threshold=p.threshold_min))

# --- inequality ---------------------------------------------------------------------------------
st.subheader(tr("equity.inequality_title"))
with _ui.guard():
    ineq = _data.inequality(p.region, p.mode, p.category)
st.dataframe(
    pd.DataFrame(
        {
            tr("col.index"): [tr(f"index.{i}") for i in ineq["index"]],
            tr("col.grouping"): [tr(f"dimension.{g}", default=g) if g else "" for g in ineq["grouping"]],
            tr("col.value"): [number(v, p.lang, decimals=4) for v in ineq["value"]],
            tr("col.meaning"): [tr(f"explain.index.{i}") for i in ineq["index"]],
        }
    ),
    hide_index=True,
    width="stretch",
)

# --- diverse and underserved places -------------------------------------------------------------
st.subheader(tr("equity.bivariate_title"))
with _ui.guard():
    cells = _data.cells(p.region, p.mode, p.category, p.threshold_min)
if "diverse_underserved" in cells:
    flagged = cells[cells["diverse_underserved"].fillna(False).astype(bool)].sort_values(
        prep.region.total_col, ascending=False
    )
    st.dataframe(
        pd.DataFrame(
            {
                tr("col.cell"): flagged.index,
                tr("col.residents"): [number(v, p.lang) for v in flagged[prep.region.total_col]],
                tr("col.foreign_share"): [percent(v, p.lang) for v in flagged["foreign_share"]],
                tr("col.diversity"): [number(v, p.lang, decimals=2) for v in flagged["simpson"]],
                tr("col.mean_min"): [number(v, p.lang, decimals=1) for v in flagged["time_nearest_min"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(tr("explain.bivariate", n=len(flagged), residents=number(flagged[prep.region.total_col].sum(), p.lang)))
