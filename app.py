"""heavylegs: the Streamlit app. Thin: page setup and navigation only (UI code in ui/)."""

from pathlib import Path

import streamlit as st

from ui import about, common, runner, workbench

ICON = "ui/assets/icon.png"

pages = [
    # the default page lives at "/" whatever its url_path; "/self-check" (the page's name) is
    # the alias below, so a link or bookmark to it opens the same page, not "Page not found"
    st.Page(runner.render, title="Self-check", url_path="start", default=True),
    st.Page(workbench.render, title="Physio workbench", url_path=workbench.URL_PATH),
    st.Page(about.render, title="About", url_path="about"),
]
ALIASES = [st.Page(runner.render, title="Self-check", url_path="self-check")]
# the links' icons, drawn from the font Streamlit ships; given to st.Page, the first one also
# became the browser tab's icon, fetched from Google's font server before the page config
ICONS = (":material/directions_run:", ":material/stethoscope:", ":material/info:")
# The pages' links are drawn as one row on every page (common.nav_bar): Streamlit's own menu
# becomes a drawer on a phone that stayed open over the page after choosing one.
page = st.navigation([*pages, *ALIASES], position="hidden")
# One page config per run, decided before anything is drawn: the workbench is wide, the rest
# centred (a second call from inside a page made the width flip between reruns).
# The tab's icon is a local file: a Material icon name made the browser fetch it from Google's
# font server (no network at run time).
st.set_page_config(page_title="heavylegs", page_icon=str(Path(__file__).parent / ICON),
                   layout="wide" if page.url_path == workbench.URL_PATH else "centered")
common.require_model()
common.style()
common.nav_bar(pages, ICONS)
page.run()
