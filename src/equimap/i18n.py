"""Message catalogues of the app: every label, legend, unit, sentence and error, per language.

A catalogue is one TOML file per language in ``locales/app/`` (``en.toml``,
``fr.toml``, ...). Tables nest keys, so ``[legend] access = "..."`` is the key
``legend.access``. Values are `str.format` templates (``"{n} residents"``).
The languages offered are the files present: adding ``de.toml`` adds German
without touching code. A key missing from a language falls back to English.

Every catalogue also carries ``language.name`` (the language's own name) and
``number.decimal`` / ``number.group`` (decimal mark and thousands separator)
used by :func:`fmt_num`.
"""

from __future__ import annotations

import logging
import math
import string
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from equimap import settings
from equimap._errors import DataError

log = logging.getLogger(__name__)

#: Folder of the app's catalogues.
LOCALES_DIR = settings.LOCALES_DIR / "app"
#: The language every other one falls back to.
FALLBACK = "en"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, f"{key}."))
        else:
            out[key] = str(v)
    return out


@lru_cache(maxsize=64)
def _load(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as f:
            return _flatten(tomllib.load(f))
    except tomllib.TOMLDecodeError as err:
        msg = f"Message catalogue `{path}` is not valid TOML ({err}); fix the file."
        raise DataError(msg) from err


@lru_cache(maxsize=64)
def catalogue(lang: str, *, folder: Path | None = None) -> dict[str, str]:
    """Return the flat catalogue (dotted key -> template) of one language.

    Catalogues are read once per process (restart the app after editing one);
    a language file added later is found by `languages` and read when first used.

    Parameters
    ----------
    lang
        Language code, the catalogue's file name without ``.toml`` (``"fr"``).
    folder
        Folder of the catalogues; `LOCALES_DIR` by default.

    Returns
    -------
    dict
        Keys such as ``"legend.access"``; an empty dict if the language has no file.
    """
    path = (folder or LOCALES_DIR) / f"{lang}.toml"
    return _load(path) if path.exists() else {}


def languages(*, folder: Path | None = None) -> list[str]:
    """Return the language codes that have a catalogue, English first, then alphabetical."""
    codes = sorted(p.stem for p in (folder or LOCALES_DIR).glob("*.toml"))
    return sorted(codes, key=lambda c: (c != FALLBACK, c))


def language_name(lang: str, *, folder: Path | None = None) -> str:
    """Return a language's own name (``language.name`` of its catalogue), or its code."""
    return catalogue(lang, folder=folder).get("language.name", lang)


def has(key: str, lang: str = FALLBACK, *, folder: Path | None = None) -> bool:
    """Return whether `key` exists in `lang` or in the English fallback."""
    return key in catalogue(lang, folder=folder) or key in catalogue(FALLBACK, folder=folder)


def t(key: str, lang: str = FALLBACK, *, default: str | None = None, folder: Path | None = None, **fmt: Any) -> str:
    """Return the text of `key` in `lang`, filled in with `fmt`.

    Parameters
    ----------
    key
        Dotted key, e.g. ``"legend.access"``.
    lang
        Language code; a key it lacks is taken from English.
    default
        Template used when neither `lang` nor English has the key (e.g. a
        service label from the region's manifest); without it the key itself
        is returned and a warning logged.
    folder
        Folder of the catalogues; `LOCALES_DIR` by default.
    **fmt
        Values of the template's ``{placeholders}``.

    Returns
    -------
    str
        The filled-in text.
    """
    text = catalogue(lang, folder=folder).get(key)
    if text is None:
        text = catalogue(FALLBACK, folder=folder).get(key)
    if text is None:
        if default is None:
            log.warning("no message `%s` in any catalogue", key)
            return key
        text = default
    if not fmt:
        return text
    try:
        return text.format(**fmt)
    except (KeyError, IndexError, ValueError) as err:
        msg = f"Message `{key}` ({lang}) cannot be filled in ({err!r}); it expects {sorted(placeholders(text))}."
        raise DataError(msg) from err


def placeholders(text: str) -> set[str]:
    """Return the names of the ``{placeholders}`` of a template (``{n:,.0f}`` gives ``n``)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def fmt_num(value: float | None, lang: str = FALLBACK, *, digits: int = 0, folder: Path | None = None) -> str:
    """Format a number with the language's decimal mark and thousands separator.

    ``fmt_num(12345.678, "en", digits=1)`` gives ``"12,345.7"``; in French
    ``"12 345,7"`` (narrow no-break space). NaN or None gives ``"–"`` and
    infinity ``"∞"``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    cat = catalogue(lang, folder=folder)
    base = catalogue(FALLBACK, folder=folder)
    dec = cat.get("number.decimal", base.get("number.decimal", "."))
    grp = cat.get("number.group", base.get("number.group", ","))
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", dec).replace("\0", grp)


def fmt_pct(share: float | None, lang: str = FALLBACK, *, digits: int = 0, folder: Path | None = None) -> str:
    """Format a share (0..1) as a percentage in the language's style (``"12.5 %"`` needs ``digits=1``)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    return t("number.percent", lang, folder=folder, value=fmt_num(100 * share, lang, digits=digits, folder=folder))
