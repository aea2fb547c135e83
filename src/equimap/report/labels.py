"""Names of regions, groups, categories and analyses in the language of a report, a map or an export."""

from __future__ import annotations

from equimap.analysis.bundle import Bundle, Question
from equimap.report.text import has, number, text


def minutes_text(value: float, lang: str) -> str:
    return number(value, lang, decimals=0 if float(value).is_integer() else 1)


def group_label(bundle: Bundle, col: str, lang: str) -> str:
    """Return the label of population column `col` (``"Born outside the EU"``) in `lang`."""
    country = country_name(bundle, lang)
    if has(f"group.{col}"):
        return text(f"group.{col}", lang, country=country)
    for g in bundle.region.groups:
        if col in g.columns:
            return g.columns[col]
    return col


def group_who(bundle: Bundle, col: str, lang: str) -> str:
    """Return how a sentence names the members of group `col` (``"residents born outside the EU"``)."""
    if has(f"group_who.{col}"):
        return text(f"group_who.{col}", lang, country=country_name(bundle, lang))
    return group_label(bundle, col, lang)


def country_name(bundle: Bundle, lang: str) -> str:
    """Return the region's country name in `lang` (as written in the manifest when not translated)."""
    name = bundle.region.country_name or bundle.region.name
    return text(f"country.{name}", lang) if has(f"country.{name}") else name


def region_name(bundle: Bundle, lang: str) -> str:
    """Return the region's name in `lang` (``Malte`` in French; as in the manifest when not translated)."""
    name = bundle.region.name
    return text(f"country.{name}", lang) if has(f"country.{name}") else name


def category_label(bundle: Bundle, category: str, lang: str) -> str:
    """Return the label of a service category in `lang` (the taxonomy's English label if not translated)."""
    key = f"category.{category}"
    return text(key, lang) if has(key) else bundle.category_labels.get(category, category)


def category_of(bundle: Bundle, category: str, lang: str) -> str:
    """Return how a sentence names a category after "from" (``"health services"``)."""
    key = f"category_of.{category}"
    if has(key):
        return text(key, lang)
    return text("category_of_fallback", lang, label=category_label(bundle, category, lang))


def analysis_title(bundle: Bundle, a: Question, lang: str) -> str:
    """Return a short title of an analysis: ``"Health services, on foot, 15 min"``."""
    return text(
        "analysis.title",
        lang,
        category=category_label(bundle, a.category, lang),
        mode=text(f"mode.{a.mode}", lang),
        threshold=minutes_text(a.threshold_min, lang),
    )


def attribution_lines(bundle: Bundle, lang: str) -> list[str]:
    """Return the region's data credits in `lang` (as the manifest words them when not translated)."""
    return [
        text(f"attribution.{line}", lang) if has(f"attribution.{line}") else line for line in bundle.region.attribution
    ]
