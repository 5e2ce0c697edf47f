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
page = st.navigation(pages, position="top")
# One page config per run, decided before anything is drawn: the workbench is wide, the rest
# centred (a second call from inside a page made the width flip between reruns).
st.set_page_config(page_title="heavylegs", page_icon=":material/directions_run:",
                   layout="wide" if page.url_path == workbench.URL_PATH else "centered")
common.require_model()
common.style()
page.run()
