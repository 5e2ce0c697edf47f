"""About: the model card, the disclaimer, how to read the result, and every source."""

from __future__ import annotations

import streamlit as st

from model import DISCLAIMER, LEVEL_TITLES, plain

from . import common


def render() -> None:
    """Render the about page."""
    model = common.get_model()
    kb = model.kb
    st.title("About heavylegs")
    st.warning(DISCLAIMER, icon=":material/info:")
    st.markdown(
        "heavylegs is an open Bayesian network of why a runner's legs feel heavy: "
        f"{len(kb.causes)} possible causes, {len(kb.questions)} questions, "
        f"{len(model.network.nodes)} nodes. Every number in it comes from a cited source or is "
        "marked as an estimate with its reason. The probabilities are computed exactly "
        "(for very unusual answer sets, by a named fallback with its error bound); when many "
        "symptoms are reported at once, the choice of the next question (and, with even "
        "more, the reasons, the ranges and the physio's sensitivity tools) are estimated from "
        "weighted samples, which the result names.")
    st.subheader("How to read the result")
    st.markdown(
        f"- **Probability**: the chance the cause is present, for a runner with heavy legs and "
        f"your answers. Several causes can be present at once, so they do not add up to 100%.\n"
        f"- **Range** (\"could be 37% to 91%\"): how sure the model is of the chance. Each "
        "number in the model has an uncertainty set by what it rests on (a study's figure, an "
        "estimate anchored on one, or an estimate without a direct source); the range is the "
        f"{kb.uncertainty.interval:.0%} interval of the chance over those uncertainties.\n"
        "- **Triage**: warning signs decide what to do whatever the probabilities say; "
        f"otherwise a medical cause at {kb.medical_threshold:.0%} or more suggests a "
        "doctor's check.")
    st.subheader("Warning signs")
    for rule in kb.red_flags:
        st.markdown(f"- **{LEVEL_TITLES.get(rule.level, rule.level)}**: {plain(rule.reason)}")
    st.subheader("Model card")
    st.markdown(
        f"- Model version: `{model.version}`\n"
        + "\n".join(f"- Population `{k}`: {v}" for k, v in kb.populations.items())
        + "\n- Privacy: answers stay in your browser session; nothing is stored on the server, "
        "no usage statistics are sent.\n"
        "- Limits: the probabilities rest partly on expert estimates; the model has not been "
        "validated on patients.")
    with st.expander(f"Sources ({len(kb.references)})"):
        for key, ref in kb.references.items():
            year = ref.year if ref.year else "n.d."
            who = "Authors not known" if ref.authors.strip().lower() == "unknown" else ref.authors
            st.markdown(f"- **{key}**: {who} ({year}). *{ref.title}*."
                        + (f" {ref.published}." if ref.published else ""))
