"""Pages of the Streamlit app; `_ui` holds the shared state, sidebar and cached data."""
