"""heavylegs: the Streamlit app. Thin: page setup and navigation only (UI code in ui/)."""

import streamlit as st

from ui import about, common, runner, workbench

pages = [
    st.Page(runner.render, title="Self-check", icon=":material/directions_run:",
            url_path="self-check", default=True),
    st.Page(workbench.render, title="Physio workbench", icon=":material/stethoscope:",
            url_path=workbench.URL_PATH),
    st.Page(about.render, title="About", icon=":material/info:", url_path="about"),
]
# The pages' links are drawn as one row on every page (common.nav_bar): Streamlit's own menu
# becomes a drawer on a phone that stayed open over the page after choosing one.
page = st.navigation(pages, position="hidden")
# One page config per run, decided before anything is drawn: the workbench is wide, the rest
# centred (a second call from inside a page made the width flip between reruns).
st.set_page_config(page_title="heavylegs", page_icon=":material/directions_run:",
                   layout="wide" if page.url_path == workbench.URL_PATH else "centered")
common.require_model()
common.style()
common.nav_bar(pages)
page.run()
