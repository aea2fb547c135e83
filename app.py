"""equimap's Streamlit app: a thin frame over the `geo` library and the `layers` map builders.

Run with ``make run`` (or ``streamlit run app.py``); everything is served from 127.0.0.1.
"""

import streamlit as st

from app_pages import _ui

st.set_page_config(page_title="equimap", layout="wide")
_ui.init_state()
lang = _ui.language_picker()

pages = [
    st.Page("app_pages/map.py", title=_ui.tr("nav.map"), default=True, url_path="map"),
    st.Page("app_pages/equity.py", title=_ui.tr("nav.equity"), url_path="equity"),
    st.Page("app_pages/outreach.py", title=_ui.tr("nav.outreach"), url_path="outreach"),
]
if _ui.has_page("report"):
    pages.append(st.Page("app_pages/report.py", title=_ui.tr("nav.report"), url_path="report"))
page = st.navigation(pages)
_ui.sidebar_controls()
page.run()
