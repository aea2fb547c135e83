"""Show the library's own errors as one translated sentence, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from equimap import EquimapError
from equimap.i18n import t


@contextmanager
def shown_as_error(lang: str) -> Iterator[None]:
    """Run the block; an `EquimapError` (bad data or choice) becomes an ``st.error`` with its sentence."""
    try:
        yield
    except EquimapError as exc:
        st.error(t("app.error", lang, message=str(exc)))
