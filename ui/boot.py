"""Make every script run go through app.py, even the first one on a fresh server.

Streamlit treats an app with a ``pages/`` folder as an old-style multipage app until the
main script has called ``st.navigation`` once in this server process
(``PagesManager.uses_pages_directory``). Until then a visit runs the requested file of
``pages/`` directly, without app.py: the sidebar lists the file names and the session has no
defaults (no bundled sample). That happens to the first visitor of a freshly started or
restarted server, on the home page when the CPU is busy and always on a deep link or a
reload of another page. :func:`through_app` ends that mode and reruns, so the run that
follows goes through app.py's ``st.navigation`` to the same page.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """First call of app.py and of every page: when this run did not come through app.py's
    ``st.navigation`` (old-style pages mode), switch that mode off and rerun."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
