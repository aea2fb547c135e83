"""equimap: where public services fail to reach all residents equally.

Run with ``streamlit run app.py`` (``make run``). This file is only the frame:
page config, session state set up once, the shared sidebar, and the router
over the pages in ``app_pages/``.
"""

from __future__ import annotations

import logging

import streamlit as st

from equimap.i18n import t
from ui.data import screen_note
from ui.errors import shown_as_error
from ui.sidebar import sidebar
from ui.state import init_state
from ui.urlstate import read_url, sync_url

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

# No page or nav icons: Streamlit turns Material and emoji icons into favicons fetched from Google/CDN
# servers; the default favicon is served locally.
st.set_page_config(page_title="equimap", layout="wide")
init_state()
read_url()  # a shared link or a reload: the choices in the URL, checked by the sidebar
lang = st.session_state["lang"]

# url_path is fixed so that links and tests do not depend on the language of the titles.
PAGES = [
    st.Page("app_pages/map.py", title=t("nav.map", lang), url_path="map", default=True),
    st.Page("app_pages/equity.py", title=t("nav.equity", lang), url_path="equity"),
    st.Page("app_pages/outreach.py", title=t("nav.outreach", lang), url_path="outreach"),
    st.Page("app_pages/report.py", title=t("nav.report", lang), url_path="report"),
    st.Page("app_pages/scenario.py", title=t("nav.scenario", lang), url_path="scenario"),
]
page = st.navigation(PAGES)
st.sidebar.caption(t("app.tagline", lang))

ready = False
with shown_as_error(lang):
    sidebar()
    sync_url()
    ready = True
if ready:
    screen_note()
    page.run()
