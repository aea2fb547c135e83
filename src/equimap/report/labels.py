"""Names of regions, groups, categories and analyses in the language of a report, a map or an export."""

from __future__ import annotations

from equimap.analysis.bundle import Bundle, Question
from equimap.i18n import fmt_num, has, t


def minutes_text(value: float, lang: str) -> str:
    return fmt_num(value, lang, digits=0 if float(value).is_integer() else 1)


def group_label(bundle: Bundle, col: str, lang: str) -> str:
    """Return the label of population column `col` (``"Born outside the EU"``) in `lang`."""
    country = country_name(bundle, lang)
    if bundle.region.translated(col) and has(f"group.{col}"):
        return t(f"group.{col}", lang, country=country)
    return bundle.region.label(col)


def dimension_name(bundle: Bundle, key: str, lang: str) -> str:
    """Return the label of a group dimension (``"Country of birth"``) in `lang`."""
    return t(f"dimension.{key}", lang, default=bundle.region.group(key).label)


def group_who(bundle: Bundle, col: str, lang: str) -> str:
    """Return how a sentence names the members of group `col` (``"people born outside the EU"``, ``people.<col>``)."""
    if bundle.region.translated(col) and has(f"people.{col}"):
        return t(f"people.{col}", lang, country=country_name(bundle, lang))
    return group_label(bundle, col, lang)


def country_name(bundle: Bundle, lang: str) -> str:
    """Return the region's country name in `lang` (as written in the manifest when not translated)."""
    name = bundle.region.country_name or bundle.region.name
    return t(f"country.{name}", lang, default=name)


def region_name(bundle: Bundle, lang: str) -> str:
    """Return the region's name in `lang` (``Malte`` in French; as in the manifest when not translated)."""
    name = bundle.region.name
    return t(f"country.{name}", lang, default=name)


def category_label(bundle: Bundle, category: str, lang: str) -> str:
    """Return the label of a service theme, category or list in `lang` (the taxonomy's English label if not translated).

    Themes are ``theme.<key>`` and categories ``category.<key>``, as in the app.
    """
    default = bundle.category_labels.get(category, category)
    key = f"theme.{category}" if has(f"theme.{category}") else f"category.{category}"
    return t(key, lang, default=default)


def reach_phrase(bundle: Bundle, category: str, lang: str, *, form: str = "reach_from") -> str:
    """Return the nearest service of `category` as a sentence names it.

    ``form="reach_from"`` gives "from the nearest pharmacy", ``"reach_to"`` "to the
    nearest pharmacy" and ``"reach"`` "the nearest pharmacy" (the same keys as the
    app's); a category the catalogue does not name uses ``<form>.default``.
    """
    default = t(f"{form}.default", lang, label=category_label(bundle, category, lang))
    return t(f"{form}.{category}", lang, default=default)


def analysis_fill(bundle: Bundle, a: Question, lang: str) -> dict[str, str]:
    """Return the words of an analysis that templates use: ``threshold``, ``mode_by``, ``reach_from``, ``reach_to``."""
    return {
        "threshold": minutes_text(a.threshold_min, lang),
        "mode_by": t(f"mode_by.{a.mode}", lang),
        "reach_from": reach_phrase(bundle, a.category, lang, form="reach_from"),
        "reach_to": reach_phrase(bundle, a.category, lang, form="reach_to"),
    }


def analysis_title(bundle: Bundle, a: Question, lang: str) -> str:
    """Return a short title of an analysis: ``"Health services (all), on foot, 15 min"``."""
    return t(
        "analysis.title",
        lang,
        category=category_label(bundle, a.category, lang),
        mode_by=t(f"mode_by.{a.mode}", lang),
        threshold=minutes_text(a.threshold_min, lang),
    )


def attribution_lines(bundle: Bundle, lang: str) -> list[str]:
    """Return the region's data credits in `lang` (as the manifest words them when not translated)."""
    return [t(f"attribution.{line}", lang, default=line) for line in bundle.region.attribution]
