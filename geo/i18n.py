"""Words of the app in every language, read from message catalogues.

A catalogue is one TOML file per language, ``locales/app/<lang>.toml``; nested
tables become dotted keys (``[legend] access = "…"`` is ``legend.access``). The
languages are the files present, so adding ``de.toml`` adds German without
touching code. A key a language lacks falls back to English. Each catalogue
names itself in ``meta.name`` (``"Français"``).

Numbers are written the way each language writes them (:func:`number`,
:func:`percent`): ``12,345.6`` and ``16.0%`` in English, ``12 345,6`` and
``16,0 %`` in French.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from geo import settings
from geo._errors import DataError

#: Folder of the app's catalogues.
CATALOGUE_DIR = settings.ROOT_DIR / "locales" / "app"
#: The fallback language.
FALLBACK = "en"
_NBSP = "\u00a0"
#: Languages whose decimal mark is a comma and thousands separator a space.
_COMMA_DECIMAL = {"fr", "de", "es", "it", "pt", "nl", "mt"}


def languages(folder: Path = CATALOGUE_DIR) -> dict[str, str]:
    """Return the languages with a catalogue, code -> own name, English first."""
    codes = sorted(p.stem for p in folder.glob("*.toml"))
    codes.sort(key=lambda c: c != FALLBACK)
    return {c: catalogue(c, folder).get("meta.name", c) for c in codes}


@cache
def catalogue(lang: str, folder: Path = CATALOGUE_DIR) -> dict[str, str]:
    """Return every text of one language, keyed by dotted key."""
    path = folder / f"{lang}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.toml"))
        msg = f"Language `{lang}` has no catalogue in {folder}; choose one of {known} or add `{lang}.toml`."
        raise DataError(msg)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
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


def has(key: str, lang: str = FALLBACK) -> bool:
    """Return whether `key` has a text in `lang` or in English."""
    return key in catalogue(lang) or key in catalogue(FALLBACK)


def t(key: str, lang: str = FALLBACK, /, default: str | None = None, **fmt: Any) -> str:
    """Return the text of `key` in `lang` (English if `lang` lacks it), filled in with `fmt`.

    `default` is used when no catalogue has the key (e.g. a service category a
    region adds, shown with its manifest label); without it a missing key is a
    programming error and raises KeyError.
    """
    template = catalogue(lang).get(key, catalogue(FALLBACK).get(key, default))
    if template is None:
        msg = f"no text for key `{key}` in locales/app/{FALLBACK}.toml"
        raise KeyError(msg)
    return template.format(**fmt) if fmt else template


def number(value: float | None, lang: str = FALLBACK, *, decimals: int = 0, sign: bool = False) -> str:
    """Return `value` written for `lang`; ``–`` when missing or not finite."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    s = f"{float(value):{'+' if sign else ''},.{decimals}f}"
    if lang in _COMMA_DECIMAL:
        s = s.replace(",", _NBSP).replace(".", ",")
    return s


def percent(share: float | None, lang: str = FALLBACK, *, decimals: int = 1) -> str:
    """Return a share (0..1) as a percentage written for `lang`."""
    if share is None or not math.isfinite(float(share)):
        return "–"
    return number(100.0 * float(share), lang, decimals=decimals) + (f"{_NBSP}%" if lang in _COMMA_DECIMAL else "%")
