"""The Streamlit side of the app: session state, the shared sidebar, cached data, page helpers.

`ui.labels`, `ui.figures` and `ui.mapview` do not import streamlit (the
benchmark and tests use them directly); the other modules do.
"""
