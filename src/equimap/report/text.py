"""Words of the reports, maps and exports in English and French.

A tiny catalogue loader: ``text("report.title", "fr")`` reads
``locales/report/<lang>.toml`` (nested tables become dotted keys) and falls back to
English for a key a language lacks. It will be folded into the app's own
translations later, so it stays minimal. Numbers are written the way each language
writes them (:func:`number`, :func:`percent`).
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from typing import Any

from equimap import settings
from equimap._errors import DataError

#: Languages with a catalogue; the first is the fallback.
LANGS: tuple[str, ...] = ("en", "fr")
CATALOGUE_DIR = settings.LOCALES_DIR / "report"
_NBSP = "\u00a0"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Return every text of one language, keyed by dotted key (``"report.title"``)."""
    if lang not in LANGS:
        msg = f"Language `{lang}` has no report texts; choose one of {list(LANGS)}."
        raise DataError(msg)
    raw = tomllib.loads((CATALOGUE_DIR / f"{lang}.toml").read_text(encoding="utf-8"))
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict):
                walk(key, v)
            else:
                flat[key] = str(v)

    walk("", raw)
    return flat


def has(key: str, lang: str = "en") -> bool:
    """Return whether `key` has a text in `lang` or in English."""
    return key in catalogue(lang) or key in catalogue(LANGS[0])


def text(key: str, lang: str = "en", /, **fmt: Any) -> str:
    """Return the text of `key` in `lang` (English if `lang` lacks it), filled in with `fmt`.

    Raises
    ------
    KeyError
        When no catalogue has `key` (a programming error, not bad input).
    """
    cat = catalogue(lang)
    template = cat.get(key, catalogue(LANGS[0]).get(key))
    if template is None:
        msg = f"no report text for key `{key}`"
        raise KeyError(msg)
    return template.format(**fmt) if fmt else template


def number(value: float | None, lang: str = "en", *, decimals: int = 0, sign: bool = False) -> str:
    """Return `value` written for `lang`: ``12,345.6`` (en) or ``12 345,6`` (fr); ``–`` when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    s = f"{value:{'+' if sign else ''},.{decimals}f}"
    if lang == "fr":
        s = s.replace(",", _NBSP).replace(".", ",")
    return s


def percent(share: float | None, lang: str = "en", *, decimals: int = 1) -> str:
    """Return a share (0..1) as a percentage: ``16.0%`` (en) or ``16,0 %`` (fr)."""
    if share is None or (isinstance(share, float) and not math.isfinite(share)):
        return "–"
    return number(100.0 * share, lang, decimals=decimals) + (f"{_NBSP}%" if lang == "fr" else "%")


def interval(lo: float, hi: float, lang: str = "en", *, decimals: int = 1, sign: bool = False) -> str:
    """Return ``[lo, hi]`` (en) or ``[lo ; hi]`` (fr), the separator that does not clash with decimals."""
    sep = f"{_NBSP}; " if lang == "fr" else ", "
    return f"[{number(lo, lang, decimals=decimals, sign=sign)}{sep}{number(hi, lang, decimals=decimals, sign=sign)}]"
