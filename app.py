"""heavylegs: the Streamlit app. Thin: page setup and navigation only (UI code in ui/)."""

import streamlit as st

from ui import about, common, runner, workbench

st.set_page_config(page_title="heavylegs", page_icon=":material/directions_run:", layout="centered")
common.require_model()

pages = [
    st.Page(runner.render, title="Self-check", icon=":material/directions_run:",
            url_path="self-check", default=True),
    st.Page(workbench.render, title="Physio workbench", icon=":material/stethoscope:",
            url_path="workbench"),
    st.Page(about.render, title="About", icon=":material/info:", url_path="about"),
]
st.navigation(pages, position="top").run()
