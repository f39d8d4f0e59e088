"""Entry point of the dashboard: `streamlit run dashboards/streamlit_app.py` (or `ejournal dashboard`).

Nobody sees anything before signing in; each role gets only its pages.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Imported here, before any page runs: plotly looks pandas up in sys.modules when it checks a
# value, and a page in another session's thread could otherwise see pandas half-imported
# ("no attribute 'Series'"). The entry point runs first in every session.
import pandas  # noqa: F401
import plotly.express  # noqa: F401
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards.auth import current_session, sign_in_pages, sign_out
from dashboards.cookie_session import SIGN_OUT_PATH, cookies_in_use
from dashboards.navigation import pages_for
from dashboards.text import as_text
from ejournal.files import secure_start
from ejournal.settings import environment


@st.cache_resource
def _secure_files_once() -> bool:
    """The umask and crash sweep of ejournal/files.py, once per server process."""
    env = environment()
    secure_start(env.home, env.db_path, env.access_db, env.file_mode)
    return True


_secure_files_once()

# The icon is the app's own file: a material icon name would make the browser fetch it from an
# outside font server, which a closed school network does not reach.
ICON = Path(__file__).resolve().parent / "static" / "favicon.png"
st.set_page_config(page_title="Электронный журнал: аналитика", page_icon=str(ICON), layout="wide")
# Tables' own toolbar would offer an unaudited CSV download of pupil data: every download goes
# through the pages' audited, formula-safe XLSX buttons instead.
st.html('<style>[data-testid="stElementToolbar"] { display: none !important; }</style>')

# On a narrow screen (Streamlit's own limit: under 768 px) the menu lies over the page. Streamlit
# closes it after a page is chosen only when the browser calls itself a phone; a tablet, a small
# laptop window or a phone asking for the desktop site kept it open over the content.
CLOSE_MENU_ON_NARROW_SCREENS = """<script>
(() => {
  const root = window.parent && window.parent.document ? window.parent : window;
  if (root.__ejournalMenuCloser) return;
  root.__ejournalMenuCloser = true;
  root.document.addEventListener("click", (event) => {
    if (!(event.target instanceof root.Element) || !event.target.closest('[data-testid="stSidebarNavLink"]')) return;
    if (root.innerWidth >= 768) return;
    root.setTimeout(() => {
      const sidebar = root.document.querySelector('[data-testid="stSidebar"]');
      const close = root.document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (sidebar && close && sidebar.getAttribute("data-collapsed") === "false") close.click();
    }, 50);
  }, true);
})();
</script>"""

session = current_session()
if session is None:
    st.navigation(sign_in_pages()).run()
    st.stop()

viewer = session.viewer
with st.sidebar:
    st.html(CLOSE_MENU_ON_NARROW_SCREENS, unsafe_allow_javascript=True)
    st.markdown(f"**{as_text(viewer.login)}** — {viewer.role.title}")
    if cookies_in_use():  # the server revokes the session, clears the cookie and shows the sign-in form
        st.html(f'<form method="post" action="{SIGN_OUT_PATH}"><button type="submit">Выйти</button></form>')
    elif st.button("Выйти", key="auth_sign_out"):
        sign_out()
        st.rerun()

if session.must_change_password:
    st.navigation([st.Page("app_pages/account.py", title="Смена пароля", url_path="account")]).run()
else:
    st.navigation(pages_for(viewer), expanded=True).run()
