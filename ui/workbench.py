"""The physio's workbench: every question at once, case upload, posterior table, next best
questions, population and base-rate sensitivity, and the network.

State lives in ``st.session_state`` under ``wb_*`` keys (one widget key per question:
``wb_q_<id>``, confidence ``wb_c_<id>``); nothing is stored on the server.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model import Diagnosis, InputError, Model, decode_share, load_case

from . import common, explain
from .downloads import case_json, markdown_report, pdf_report
from .network_graph import network_dot

POPULATION_TITLES = {"self_assessment": "Runners self-assessing", "clinic": "Physio clinic"}
N_NEXT = 10


def _fill_from_case(model: Model, answers: dict[str, Any], confidence: dict[str, float]) -> None:
    """Set every question widget from a case (unanswered ones cleared)."""
    ss = st.session_state
    for q in model.questions:
        v = answers.get(q.id)
        if q.type == "number" and v is not None:
            v = float(v)
        ss[f"wb_q_{q.id}"] = v
        ss[f"wb_c_{q.id}"] = float(confidence.get(q.id, 1.0))


def _load_upload(model: Model) -> None:
    up = st.file_uploader("Load a case file (JSON)", type=["json"], key="wb_upload",
                          help="A case the runner downloaded, or one from the CLI.")
    ss = st.session_state
    if up is None:
        ss.pop("wb_loaded", None)
        return
    if ss.get("wb_loaded") == up.file_id:
        for line in ss.get("wb_load_problems", []):
            st.warning(line)
        return
    ss["wb_loaded"] = up.file_id
    ss["wb_load_problems"] = []
    try:
        loaded = load_case(up.getvalue(), model)
    except InputError as exc:
        ss["wb_load_problems"] = [f"Could not load {up.name}: {p}" for p in exc.problems]
    else:
        _fill_from_case(model, dict(loaded.case.answers), dict(loaded.case.confidence))
        ss["wb_load_problems"] = [f"Set aside: {p}" for p in loaded.problems]
        st.success(f"Loaded {len(loaded.case.answers)} answers from {up.name}.")
    for line in ss["wb_load_problems"]:
        st.warning(line)


def _load_share_link(model: Model) -> None:
    """A share link (``?case=...``) fills the form once per session."""
    token = st.query_params.get("case")
    ss = st.session_state
    if not token or ss.get("wb_share_done") == token:
        return
    ss["wb_share_done"] = token
    try:
        loaded = decode_share(str(token), model)
    except InputError as exc:
        for p in exc.problems:
            st.warning(f"Share link: {p}")
        return
    _fill_from_case(model, dict(loaded.case.answers), dict(loaded.case.confidence))
    for p in loaded.problems:
        st.warning(f"Share link: {p}")


def _question_widget(model: Model, qid: str) -> None:
    q = model.question_map[qid]
    key = f"wb_q_{qid}"
    if q.type == "number":
        lo = float(q.min) if q.min is not None else None
        hi = float(q.max) if q.max is not None else None
        st.number_input(f"{q.text}" + (f" ({q.unit})" if q.unit else ""), min_value=lo,
                        max_value=hi, value=None, step=1.0, key=key, placeholder="unknown")
    else:
        st.selectbox(q.text, list(q.states), index=None, key=key, placeholder="unknown",
                     format_func=q.answer_label)
    if st.session_state.get(key) is not None:
        st.slider("Confidence", 0.5, 1.0, 1.0, 0.05, key=f"wb_c_{qid}",
                  help="1.0 = sure (hard evidence); 0.5 = a guess")


def _answers(model: Model) -> tuple[dict[str, Any], dict[str, float]]:
    ss = st.session_state
    answers: dict[str, Any] = {}
    conf: dict[str, float] = {}
    for q in model.questions:
        v = ss.get(f"wb_q_{q.id}")
        if v is None:
            continue
        if q.type == "number":
            v = int(v) if float(v).is_integer() else float(v)
        answers[q.id] = v
        c = ss.get(f"wb_c_{q.id}", 1.0)
        if c is not None and c < 1.0:
            conf[q.id] = float(c)
    return answers, conf


def _base_rate_model(population: str) -> Model:
    base = common.get_model(population)
    with st.expander("Base rates (sensitivity)"):
        st.caption("P(cause present) for a runner with reference risk factors in this "
                   "population. Move one to see how much the ranking depends on it.")
        changed: dict[str, float] = {}
        for c in base.kb.causes:
            if population not in c.base_rates:  # a cause set by a table (e.g. medication)
                continue
            start = float(c.base_rates[population])
            v = st.slider(c.label, 0.0, 1.0, start, 0.01, key=f"wb_br_{population}_{c.id}")
            if abs(v - start) > 1e-9:
                changed[c.id] = float(v)
    if not changed:
        return base
    return common.get_adjusted_model(population, tuple(sorted(changed.items())))


def posterior_table(d: Diagnosis) -> pd.DataFrame:
    """Prior, posterior and change per cause (highest posterior first)."""
    return pd.DataFrame({
        "cause": [c.label for c in d.causes],
        "group": [c.group for c in d.causes],
        "prior": [c.prior for c in d.causes],
        "posterior": [c.probability for c in d.causes],
        "change": [c.probability - c.prior for c in d.causes],
        "band": [common.band(c.probability) for c in d.causes],
    }, index=[c.id for c in d.causes])


def next_table(model: Model, d: Diagnosis, n: int = N_NEXT) -> pd.DataFrame:
    """The next best questions: information gain and what each answer would do."""
    rows = d.next_questions[:n]
    return pd.DataFrame({
        "question": [g.text for g in rows],
        "gain (bits)": [g.expected_information_gain for g in rows],
        "what each answer would do": [" | ".join(explain.outcome_lines(model, d, g.id))
                                      for g in rows],
    }, index=[g.id for g in rows])


def tornado_data(model: Model, answers: dict[str, Any], conf: dict[str, float],
                 n: int = 12) -> tuple[str, pd.DataFrame]:
    """Top cause and, per parameter, its probability at the low and high end (largest swing
    first), from ``Model.sensitivity``."""
    rows = model.sensitivity(answers, confidence=conf or None)[:n]
    cause = rows[0].effects[0][0] if rows else ""
    return cause, pd.DataFrame({
        "parameter": [r.text for r in rows],
        "low": [r.effects[0][1] for r in rows],
        "now": [r.effects[0][2] for r in rows],
        "high": [r.effects[0][3] for r in rows],
    })


def _node_sources(model: Model) -> None:
    ids = [c.id for c in model.kb.causes] + [f.id for f in model.kb.findings]
    labels = {c.id: c.label for c in model.kb.causes}
    pick = st.selectbox("Numbers and sources for a node", ids, index=0, key="wb_node",
                        format_func=lambda i: labels.get(i, i.replace("_", " ")))
    node = next((x for x in (*model.kb.causes, *model.kb.findings) if x.id == pick), None)
    if node is None:
        return
    rows = []
    for where, cited in node.sources.items():
        value = getattr(cited, "p", None)
        if value is None:
            value = getattr(cited, "value", None)
        rows.append({"entry": where, "value": value,
                     "source": common.sources_text(model, cited.source_keys) or "estimate",
                     "rationale": cited.estimate or cited.note or ""})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def render() -> None:
    """Render the physio workbench."""
    st.set_page_config(layout="wide")
    st.title("Physio workbench")
    populations = list(common.get_model().kb.populations)  # from priors/causes.yaml
    pop = st.radio("Population", populations, key="wb_population", horizontal=True,
                   format_func=lambda p: POPULATION_TITLES.get(p, p.replace("_", " ")))
    base = common.get_model(pop)
    _load_share_link(base)
    _load_upload(base)
    model = _base_rate_model(pop)

    left, right = st.columns([5, 6], gap="large")
    with left:
        st.subheader("Answers")
        groups = common.question_groups(model)
        tabs = st.tabs([common.GROUP_TITLES.get(g, g) for g in groups])
        for g, tab in zip(groups, tabs, strict=True):
            with tab:
                for q in model.questions:
                    if q.group == g:
                        _question_widget(model, q.id)
    answers, conf = _answers(model)
    d = model.diagnose(answers, confidence=conf or None)
    with right:
        st.subheader("Result")
        common.render_triage(d)
        st.dataframe(
            posterior_table(d), key="wb_table", width="stretch",
            column_config={
                "prior": st.column_config.NumberColumn(format="percent"),
                "posterior": st.column_config.ProgressColumn(format="percent", min_value=0.0,
                                                             max_value=1.0),
                "change": st.column_config.NumberColumn(format="percent"),
            })
        explain.notes(d)
        labels = {c.id: c.label for c in d.causes}
        why = st.selectbox("Why: answers for and against", [c.id for c in d.causes],
                           key="wb_why", format_func=labels.get)
        chart = explain.why_chart_data(d, why)
        if len(chart):
            st.bar_chart(chart, horizontal=True, height=40 + 28 * len(chart))
        with st.expander(f"{labels[why]}: details, advice and sources"):
            explain.cause_details(model, d, why, common.get_advice(), key="wb_cd")
        st.markdown("**Next best questions**")
        st.dataframe(next_table(model, d), width="stretch",
                     column_config={"gain (bits)": st.column_config.NumberColumn(format="%.3f")})
        c1, c2, c3 = st.columns(3)
        c1.download_button("Report (PDF)", data=lambda: pdf_report(model, answers, confidence=conf),
                           file_name="heavylegs-report.pdf", mime="application/pdf",
                           key="wb_dl_pdf", on_click="ignore", width="stretch")
        c2.download_button("Report (Markdown)",
                           data=lambda: markdown_report(model, answers, confidence=conf),
                           file_name="heavylegs-report.md", mime="text/markdown",
                           key="wb_dl_md", on_click="ignore", width="stretch")
        c3.download_button("Case (JSON)", data=lambda: case_json(model, answers, confidence=conf),
                           file_name="heavylegs-case.json", mime="application/json",
                           key="wb_dl_json", on_click="ignore", width="stretch")

    st.subheader("Sensitivity of the top cause (tornado)")
    if st.toggle("Compute (about a second)", key="wb_tornado"):
        cause, tdf = tornado_data(model, answers, conf)
        st.caption(f"{labels.get(cause, cause)}: probability when each parameter is scaled "
                   "by ×0.5 (low) and ×1.5 (high).")
        st.dataframe(tdf, hide_index=True, width="stretch", key="wb_tornado_table",
                     column_config={
                         k: st.column_config.NumberColumn(format="percent")
                         for k in ("low", "now", "high")})

    st.subheader("The network")
    only = st.toggle("Only causes and answered questions", value=True, key="wb_net_only")
    st.graphviz_chart(network_dot(model, {c.id: c.probability for c in d.causes},
                                  list(answers), only_relevant=only), width="stretch")
    st.caption("Causes are coloured by their probability now (white 0% to red 100%); "
               "answered questions are marked (answered) with a dark border.")
    _node_sources(model)
    common.render_disclaimer()
