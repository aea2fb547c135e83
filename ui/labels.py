"""Translated labels of the things a region defines: services, groups, modes, urbanisation classes.

No streamlit here: pages, the map builder and tests share these. A label the
catalogues lack falls back to the English one of the taxonomy or manifest.
"""

from __future__ import annotations

from equimap.i18n import t
from equimap.indicators.degurba import L2_LABELS
from equimap.network.prepare import Prepared
from equimap.region.manifest import Region


def country_name(region: Region, lang: str) -> str:
    """Return the region's country name in `lang` (``country.<name>``), e.g. "Malte"."""
    name = region.country_name or region.name
    return t(f"country.{name}", lang, default=name)


def region_name(region: Region, lang: str) -> str:
    """Return the region's name in `lang` (``country.<name>``; the manifest's name when not translated)."""
    return t(f"country.{region.name}", lang, default=region.name)


#: Service keys of lists uploaded in the app start with this (see `ui.upload`).
UPLOAD_PREFIX = "upload-"


def is_upload(key: str) -> bool:
    """Return whether a service key names a list uploaded in this session."""
    return key.startswith(UPLOAD_PREFIX)


def category_label(prep: Prepared, key: str, lang: str) -> str:
    """Return the label of a theme, category, official list or uploaded list."""
    if is_upload(key):
        return t("category.upload", lang)
    section = "theme" if key in prep.taxonomy.themes else "category"
    return t(f"{section}.{key}", lang, default=prep.category_label(key))


def reach_phrase(prep: Prepared, key: str, lang: str, *, form: str = "reach") -> str:
    """Return the nearest service as it reads in a sentence.

    ``form="reach"`` gives "the nearest pharmacy" ("to reach …"), ``"reach_from"``
    "from the nearest pharmacy" and ``"reach_to"`` "to the nearest pharmacy"
    (French needs the three: "la pharmacie…", "de la…", "jusqu'à la…"). A
    service the catalogue does not name uses ``<form>.default`` with its label.
    """
    default = t(f"{form}.default", lang, label=category_label(prep, key, lang))
    return t(f"{form}.{'upload' if is_upload(key) else key}", lang, default=default)


def group_label(region: Region, col: str, lang: str) -> str:
    """Return the label of a population column ("Born outside the EU"); ``T`` is all residents."""
    if not region.translated(col):  # a column of the region's own (a nationality, an age band): the manifest's label
        return region.label(col)
    return t(f"group.{col}", lang, default=region.label(col), country=country_name(region, lang))


def people_phrase(region: Region, col: str, lang: str) -> str:
    """Return a group as it reads inside a sentence ("people born outside the EU")."""
    if not region.translated(col):  # the manifest's own label, as written ("EU citizens")
        return region.label(col)
    default = group_label(region, col, lang).lower()
    return t(f"people.{col}", lang, default=default, country=country_name(region, lang))


def dimension_label(region: Region, key: str, lang: str) -> str:
    """Return the label of a group dimension ("Country of birth")."""
    return t(f"dimension.{key}", lang, default=region.group(key).label)


def mode_label(mode: str, lang: str) -> str:
    """Return the name of a travel mode ("Walking")."""
    return t(f"mode.{mode}", lang, default=mode)


def mode_by(mode: str, lang: str) -> str:
    """Return how one travels, inside a sentence ("on foot", "by car")."""
    return t(f"mode_by.{mode}", lang, default=mode)


def degurba_labels(lang: str) -> dict[int, str]:
    """Return the level-2 Degree of Urbanisation labels by code."""
    return {code: t(f"degurba.l2.{code}", lang, default=label) for code, label in L2_LABELS.items()}


def capitalise(text: str) -> str:
    """Return `text` with its first letter upper-case (the rest unchanged)."""
    return text[:1].upper() + text[1:]
