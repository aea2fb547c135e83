"""Every text of equimap, per language: the app, the PDF report, the static and HTML maps, the exports.

One TOML file per language in ``locales/`` (``en.toml``, ``fr.toml``, ...) holds
every label, legend, unit, sentence and notice. Tables nest keys, so
``[legend] access = "..."`` is the key ``legend.access``. Values are `str.format`
templates (``"{n} residents"``). The same concept has one key wherever it is
shown, so the screen and the paper use the same words.

The languages are the files present: adding ``de.toml`` adds German to the
app's language selector, the report, the exports and the CLI's ``--lang``
without touching code. A key missing from a language falls back to English.
``EQUIMAP_LOCALES_DIR`` names another folder of catalogues (it replaces the
bundled one, so copy ``en.toml`` there too); a function's ``folder=`` overrides both.

Numbers are written by :func:`fmt_num`, :func:`fmt_pct` and :func:`fmt_interval`
from each catalogue's ``[number]`` table: ``decimal`` (decimal mark), ``group``
(thousands separator), ``percent`` (``"{value}%"``) and ``interval``
(``"[{lo}, {hi}]"``). French uses the no-break space U+00A0 (not the narrow
U+202F, which reportlab treats as a breakable space and would let a PDF line
break inside ``12 345`` or before ``%``).
"""

from __future__ import annotations

import logging
import math
import os
import string
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from equimap import settings
from equimap._errors import DataError

log = logging.getLogger(__name__)

#: Folder of the bundled catalogues.
LOCALES_DIR = settings.LOCALES_DIR
#: Environment variable naming another folder of catalogues.
LOCALES_ENV = "EQUIMAP_LOCALES_DIR"
#: The language every other one falls back to.
FALLBACK = "en"
#: Number style used when neither a language nor English says otherwise.
_NUMBER_DEFAULTS = {"decimal": ".", "group": ",", "percent": "{value}%", "interval": "[{lo}, {hi}]"}


def locales_dir(folder: Path | str | None = None) -> Path:
    """Return the folder of the catalogues: `folder`, else ``EQUIMAP_LOCALES_DIR``, else the bundled one."""
    if folder is not None:
        return Path(folder)
    env = os.environ.get(LOCALES_ENV)
    return Path(env).expanduser() if env else LOCALES_DIR


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
def _catalogue(where: Path, lang: str) -> dict[str, str]:
    """Return the flat catalogue of `lang` in folder `where`, read once per process."""
    check_language(lang, folder=where)
    path = where / f"{lang}.toml"
    try:
        with path.open("rb") as f:
            return _flatten(tomllib.load(f))
    except tomllib.TOMLDecodeError as err:
        msg = f"Message catalogue `{path}` is not valid TOML ({err}); fix the file."
        raise DataError(msg) from err


@lru_cache(maxsize=64)
def _fallback(where: Path) -> dict[str, str]:
    """Return the English catalogue of folder `where` (empty if it has none)."""
    return _catalogue(where, FALLBACK) if (where / f"{FALLBACK}.toml").is_file() else {}


def languages(*, folder: Path | str | None = None) -> list[str]:
    """Return the language codes that have a catalogue, English first, then alphabetical."""
    codes = sorted(p.stem for p in locales_dir(folder).glob("*.toml"))
    return sorted(codes, key=lambda c: (c != FALLBACK, c))


def check_language(lang: str, *, folder: Path | str | None = None) -> str:
    """Return `lang` if it has a catalogue; raise `DataError` naming the languages that do.

    The CLI and the library's entry points call this so that a mistyped language
    is an error rather than silently English.
    """
    where = locales_dir(folder)
    if not isinstance(lang, str) or Path(lang).name != lang or not (where / f"{lang}.toml").is_file():
        codes = ", ".join(languages(folder=where)) or "none"
        msg = f"Language `{lang}` has no catalogue in `{where}`; choose one of: {codes}."
        raise DataError(msg)
    return lang


def catalogue(lang: str, *, folder: Path | str | None = None) -> dict[str, str]:
    """Return the flat catalogue (dotted key -> template) of one language.

    Catalogues are read once per process (restart the app after editing one);
    a language file added later is found by `languages` and read when first used.

    Parameters
    ----------
    lang
        Language code, the catalogue's file name without ``.toml`` (``"fr"``).
    folder
        Folder of the catalogues; see `locales_dir`.

    Returns
    -------
    dict
        Keys such as ``"legend.access"``.

    Raises
    ------
    DataError
        When `lang` has no catalogue, or its file is not valid TOML.
    """
    return _catalogue(locales_dir(folder), lang)


def language_name(lang: str, *, folder: Path | str | None = None) -> str:
    """Return a language's own name (``language.name`` of its catalogue), or its code."""
    return catalogue(lang, folder=folder).get("language.name", lang)


def has(key: str, lang: str = FALLBACK, *, folder: Path | str | None = None) -> bool:
    """Return whether `key` exists in `lang` or in the English fallback."""
    where = locales_dir(folder)
    return key in catalogue(lang, folder=where) or key in _fallback(where)


def t(
    key: str, lang: str = FALLBACK, /, *, default: str | None = None, folder: Path | str | None = None, **fmt: Any
) -> str:
    """Return the text of `key` in `lang`, filled in with `fmt`.

    Parameters
    ----------
    key
        Dotted key, e.g. ``"legend.access"``.
    lang
        Language code; a key it lacks is taken from English.
    default
        Template used when neither `lang` nor English has the key (e.g. a
        service label from the region's manifest).
    folder
        Folder of the catalogues; see `locales_dir`.
    **fmt
        Values of the template's ``{placeholders}``.

    Returns
    -------
    str
        The filled-in text.

    Raises
    ------
    DataError
        When `lang` has no catalogue, or the template cannot be filled in with `fmt`.
    KeyError
        When no catalogue has `key` and there is no `default` (a programming error, not bad input).
    """
    where = locales_dir(folder)
    text = catalogue(lang, folder=where).get(key)
    if text is None:
        text = _fallback(where).get(key)
    if text is None:
        if default is None:
            msg = f"no message `{key}` in the `{lang}` or `{FALLBACK}` catalogue"
            raise KeyError(msg)
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


def number_style(lang: str = FALLBACK, *, folder: Path | str | None = None) -> dict[str, str]:
    """Return the ``[number]`` table of `lang`: ``decimal``, ``group``, ``percent`` and ``interval``.

    A field the language lacks comes from English, then from the English defaults.
    The standalone HTML map passes this to its JavaScript.
    """
    return dict(_number_style(locales_dir(folder), lang))


@lru_cache(maxsize=64)
def _number_style(where: Path, lang: str) -> tuple[tuple[str, str], ...]:
    cat, base = _catalogue(where, lang), _fallback(where)
    return tuple((k, cat.get(f"number.{k}", base.get(f"number.{k}", v))) for k, v in _NUMBER_DEFAULTS.items())


def fmt_num(
    value: float | None, lang: str = FALLBACK, *, digits: int = 0, sign: bool = False, folder: Path | str | None = None
) -> str:
    """Format a number with the language's decimal mark and thousands separator.

    ``fmt_num(12345.678, "en", digits=1)`` gives ``"12,345.7"``; in French
    ``"12 345,7"`` (no-break space). `sign` writes ``+`` before positive numbers.
    NaN or None gives ``"–"`` and infinity ``"∞"``. A negative number that rounds to
    zero is written as zero (``-0.04`` -> ``"0.0"``, never ``"-0.0"``).
    """
    if value is None or math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    style = dict(_number_style(locales_dir(folder), lang))
    text = f"{value:{'+' if sign else ''}z,.{digits}f}"
    return text.replace(",", "\0").replace(".", style["decimal"]).replace("\0", style["group"])


def fmt_pct(share: float | None, lang: str = FALLBACK, *, digits: int = 0, folder: Path | str | None = None) -> str:
    """Format a share (0..1) as a percentage in the language's style (``"12.5%"`` needs ``digits=1``)."""
    if share is None or math.isnan(share):
        return "–"
    value = fmt_num(100 * share, lang, digits=digits, folder=folder)
    return number_style(lang, folder=folder)["percent"].format(value=value)


def fmt_interval(
    lo: float | None,
    hi: float | None,
    lang: str = FALLBACK,
    *,
    digits: int = 1,
    sign: bool = False,
    folder: Path | str | None = None,
) -> str:
    """Format an interval in the language's style: ``"[8.4, 10.5]"`` (en), ``"[8,4 ; 10,5]"`` (fr).

    French separates the bounds with a semicolon, since its comma is the decimal mark.
    """
    fill = {
        "lo": fmt_num(lo, lang, digits=digits, sign=sign, folder=folder),
        "hi": fmt_num(hi, lang, digits=digits, sign=sign, folder=folder),
    }
    return number_style(lang, folder=folder)["interval"].format(**fill)
