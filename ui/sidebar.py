"""The shared sidebar: language, region, travel mode, service, threshold and population group.

Defined once and drawn by ``app.py`` on every page; the choices live in the
session-state keys of `ui.state.DEFAULTS`, so a choice made on one page holds
on the others (translated selectboxes edit them through `widget_key`).
"""

from __future__ import annotations

from functools import lru_cache

import streamlit as st

from equimap import settings
from equimap.analysis.speeds import speeds_used
from equimap.i18n import fmt_num, language_name, languages, t
from equimap.network.prepare import Prepared
from equimap.network.profile import shipped_profiles
from equimap.region.manifest import list_regions, load_region
from ui import upload
from ui.data import prepared, region_key
from ui.labels import category_label, dimension_label, group_label, mode_label, region_name
from ui.state import Params, params
from ui.urlstate import defaults_for

#: Bootstrap replicates a planner can choose for the gap intervals (the same on screen and in the report).
N_BOOT_OPTIONS = (199, 999, 1999)


@lru_cache(maxsize=16)
def _region_name(key: str) -> str:
    return load_region(key).name


def _keep_valid(key: str, options: list[str]) -> None:
    """Reset a stored choice that the options do not offer (a region or dimension change, a bad link) to its default."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = defaults_for(key, options)


def widget_key(name: str, *context: str) -> str:
    """Return the key of the widget that edits the session value `name` in a context (language, dimension).

    A selectbox keeps showing the text of its current option when only its
    labels change, so a translated selectbox gets a new key per language: the
    choice itself lives under `name` and is copied to and from the widget.
    """
    return "__".join(["w", name, *context])


def _store(key: str, name: str) -> None:
    st.session_state[name] = st.session_state[key]


def _select(label: str, options: list[str], name: str, fmt, *, context: tuple[str, ...], help: str | None = None):  # noqa: A002
    """Draw a sidebar selectbox for the session value `name`, keyed by `context` (see `widget_key`)."""
    key = widget_key(name, *context)
    st.session_state[key] = st.session_state[name]
    return st.sidebar.selectbox(label, options, key=key, format_func=fmt, help=help, on_change=_store, args=(key, name))


def category_options(prep: Prepared) -> list[str]:
    """Return the service keys offered: themes, categories and official lists that have at least one site."""
    present = set(prep.services["category"].astype(str))
    keys = list(dict.fromkeys(prep.category_keys()))
    return [k for k in keys if k in present or k in prep.taxonomy.themes] or keys


def _speed_choice(region: str, lang: str) -> Prepared:
    """Draw the speed profile choice and the walking-speeds-by-age toggle; return the region prepared with them."""
    sb = st.sidebar
    profiles = ["", *shipped_profiles()]
    _keep_valid("profile", profiles)
    sb.selectbox(
        t("sidebar.profile", lang), profiles, key="profile", help=t("sidebar.profile_help", lang),
        format_func=lambda k: k or t("sidebar.profile_region", lang),
    )  # fmt: skip
    base_key = region_key(region, st.session_state["profile"])
    base = prepared(base_key, lang)
    ages = sb.toggle(
        t("sidebar.age_speeds", lang), value=base.travel.profile.age_speeds, key=widget_key("age_speeds", base_key),
        help=t("sidebar.age_speeds_help", lang),
    )  # fmt: skip
    key = region_key(region, st.session_state["profile"], ages if ages != base.travel.profile.age_speeds else None)
    st.session_state["travel_suffix"] = key[len(region) :]
    prep = prepared(key, lang)
    p = prep.travel.profile
    used = speeds_used(prep, "walk")
    speeds = ", ".join(f"{group_label(prep.region, c, lang)} {fmt_num(v, lang, digits=2)}" for c, v in used.items())
    sb.caption(
        t(
            "sidebar.speeds_used",
            lang,
            name=p.name,
            digest=p.digest,
            walk=fmt_num(p.walk_speed_kmh, lang, digits=1),
            ages=speeds or t("sidebar.age_speeds_none", lang),
        )
    )
    return prep


def _group_choice(prep: Prepared, lang: str) -> None:
    """Draw the dimension and group choices; a region without groups gets one sentence instead (no choice)."""
    dims = [d.key for d in prep.region.groups]
    if not dims:  # a total-only region: all residents, and a sentence saying why there is nothing to choose
        st.session_state["dimension"] = None
        st.session_state["group"] = prep.region.total_col
        st.sidebar.caption(t("groups.none", lang, region=region_name(prep.region, lang)))
        if prep.region.modelled_population:  # said on every page: these residents are a model, not a count
            st.sidebar.warning(t("groups.modelled", lang, note=prep.region.population_note or ""))
        return
    _keep_valid("dimension", dims)
    _select(
        t("sidebar.dimension", lang),
        dims,
        "dimension",
        lambda d: dimension_label(prep.region, d, lang),
        context=(lang,),
    )
    groups = [prep.region.total_col, *prep.region.group(st.session_state["dimension"]).columns]
    _keep_valid("group", groups)
    _select(
        t("sidebar.group", lang),
        groups,
        "group",
        lambda g: group_label(prep.region, g, lang),
        context=(lang, st.session_state["dimension"]),
        help=t("sidebar.group_help", lang),
    )


def sidebar() -> tuple[Params, Prepared]:
    """Draw the shared sidebar and return the current choices and the prepared region."""
    sb = st.sidebar
    codes = languages()
    _keep_valid("lang", codes)
    sb.selectbox(t("sidebar.language", st.session_state["lang"]), codes, key="lang", format_func=language_name)
    lang = st.session_state["lang"]
    regions = list_regions()
    _keep_valid("region", regions)
    sb.selectbox(t("sidebar.region", lang), regions, key="region", format_func=_region_name)
    prep = _speed_choice(st.session_state["region"], lang)
    modes = [m for m in settings.MODES if m in prep.networks]
    _keep_valid("mode", modes)
    sb.segmented_control(
        t("sidebar.mode", lang), modes, key="mode", format_func=lambda m: mode_label(m, lang), required=True
    )
    uploaded = upload.sync(prep)  # before the choices: a new upload becomes the selected service
    cats = [*category_options(prep), *upload.options()]
    _keep_valid("category", cats)
    _select(t("sidebar.category", lang), cats, "category", lambda k: category_label(prep, k, lang), context=(lang,))
    upload.draw(uploaded, lang)
    sb.slider(
        t("sidebar.threshold", lang), min_value=5, max_value=60, step=5, key="threshold_min",
        help=t("sidebar.threshold_help", lang),
    )  # fmt: skip
    _group_choice(prep, lang)
    sb.selectbox(
        t("sidebar.n_boot", lang), N_BOOT_OPTIONS, key="n_boot", format_func=lambda n: fmt_num(n, lang),
        help=t("sidebar.n_boot_help", lang),
    )  # fmt: skip
    return params(), prep
