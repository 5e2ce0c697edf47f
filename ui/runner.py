"""The runner's self-assessment (default page), phone first.

Flow: warning signs first (any "yes" -> a triage screen before anything else), then one
question at a time, the most informative next, with "not sure", back and progress; the result
updates live below the question and the runner can stop at any time.

State lives in ``st.session_state`` under ``rn_*`` keys (this browser session only; nothing is
stored on the server).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from model import STOP_MIN_GAIN, Diagnosis, Model

from . import common, explain, whatif
from .downloads import case_json, pdf_report

RED_FLAG_GROUP = "red_flags"
TYPICAL_MORE = 10  # the progress bar assumes at most this many more useful questions
STAGES = ("red_flags", "triage", "questions", "result")


# ----------------------------------------------------------------------------- state
def _init() -> None:
    ss = st.session_state
    ss.setdefault("rn_stage", "red_flags")
    ss.setdefault("rn_answers", {})
    ss.setdefault("rn_history", [])  # question ids in the order they were answered or skipped
    ss.setdefault("rn_unsure", [])  # ids answered "not sure" (left unknown)
    ss.setdefault("rn_force", None)  # a question to ask next (after "back")


def red_flag_questions(model: Model) -> list[str]:
    """The warning-sign questions: the red_flags group plus any question a red-flag rule uses."""
    ids = [q.id for q in model.questions if q.group == RED_FLAG_GROUP]
    for rule in model.kb.red_flags:
        for qid in rule.all:
            if qid not in ids:
                ids.append(qid)
    return ids


def _answer(qid: str, value: Any) -> None:
    ss = st.session_state
    answers = dict(ss["rn_answers"])
    unsure = [u for u in ss["rn_unsure"] if u != qid]
    if value is None:
        answers.pop(qid, None)
        unsure.append(qid)
    else:
        answers[qid] = value
    ss["rn_answers"] = answers
    ss["rn_unsure"] = unsure
    ss["rn_history"] = [*[h for h in ss["rn_history"] if h != qid], qid]
    ss["rn_force"] = None


def _answer_number(qid: str) -> None:
    value = st.session_state.get(f"rn_num_{qid}")
    if value is not None:
        _answer(qid, float(value) if not float(value).is_integer() else int(value))


def _back() -> None:
    ss = st.session_state
    if not ss["rn_history"]:
        return
    qid = ss["rn_history"][-1]
    ss["rn_history"] = ss["rn_history"][:-1]
    answers = dict(ss["rn_answers"])
    answers.pop(qid, None)
    ss["rn_answers"] = answers
    ss["rn_unsure"] = [u for u in ss["rn_unsure"] if u != qid]
    ss["rn_force"] = qid
    ss["rn_stage"] = "questions"


def _remove(qid: str) -> None:
    ss = st.session_state
    answers = dict(ss["rn_answers"])
    answers.pop(qid, None)
    ss["rn_answers"] = answers
    ss["rn_unsure"] = [u for u in ss["rn_unsure"] if u != qid]
    ss["rn_history"] = [h for h in ss["rn_history"] if h != qid]


def _set_stage(stage: str) -> None:
    st.session_state["rn_stage"] = stage


def _restart() -> None:
    for k in [k for k in st.session_state if str(k).startswith("rn_")]:
        del st.session_state[k]


def _submit_red_flags(ids: list[str]) -> None:
    ss = st.session_state
    answers = dict(ss["rn_answers"])
    for qid in ids:
        v = ss.get(f"rn_rf_{qid}")
        if v is None or v == common.NOT_SURE:
            answers.pop(qid, None)
        else:
            answers[qid] = v
    ss["rn_answers"] = answers
    d = common.get_model().diagnose(answers)
    ss["rn_stage"] = "triage" if d.triage.red_flags else "questions"


# ----------------------------------------------------------------------------- screens
def _red_flag_screen(model: Model) -> None:
    st.subheader("First, a few warning signs")
    st.write("Do any of these apply to you now or since your last run? "
             "If you are not sure, choose “Not sure”.")
    ids = red_flag_questions(model)
    answers = st.session_state["rn_answers"]
    for qid in ids:
        q = model.question_map[qid]
        options = [*q.states, common.NOT_SURE] if q.type != "number" else [common.NOT_SURE]
        key = f"rn_rf_{qid}"
        if key not in st.session_state and qid in answers:
            st.session_state[key] = answers[qid]
        st.radio(q.text, options, index=None, key=key, horizontal=True,
                 format_func=lambda v, q=q: v if v == common.NOT_SURE else q.answer_label(v))
    st.button("Continue", key="rn_rf_continue", type="primary", on_click=_submit_red_flags,
              args=(ids,), width="stretch")
    st.caption("None of these? Answer “No” or just continue: unanswered signs count as "
               "unknown, never as “no”.")


def _triage_screen(model: Model, d: Diagnosis) -> None:
    t = d.triage
    st.subheader("Please act on this first")
    common.render_triage(d, compact=True)
    st.markdown("**Why:**")
    for r in t.reasons:
        st.markdown(f"- {r}")
    st.markdown(f"**How soon:** {t.advice}")
    st.caption("These warning signs decide what to do, whatever else you might answer.")
    c1, c2 = st.columns(2)
    c1.button("Change my answers", key="rn_tri_change", on_click=_set_stage,
              args=("red_flags",), width="stretch")
    c2.button("Continue to the questions", key="rn_tri_continue", on_click=_set_stage,
              args=("questions",), width="stretch")


def next_question(model: Model, d: Diagnosis) -> str | None:
    """The question to ask now: a forced one (after back), else the most informative one."""
    ss = st.session_state
    forced = ss.get("rn_force")
    if forced and forced not in ss["rn_answers"]:
        return str(forced)
    skip = set(ss["rn_unsure"])
    for g in d.next_questions:
        if g.id not in skip and g.expected_information_gain >= STOP_MIN_GAIN:
            return g.id
    return None


def _useful_remaining(d: Diagnosis) -> int:
    skip = set(st.session_state["rn_unsure"])
    return sum(1 for g in d.next_questions
               if g.id not in skip and g.expected_information_gain >= STOP_MIN_GAIN)


def _question_card(model: Model, d: Diagnosis, qid: str) -> None:
    q = model.question_map[qid]
    n_done = len(st.session_state["rn_history"])
    remaining = min(_useful_remaining(d), TYPICAL_MORE)
    st.progress(n_done / max(n_done + remaining, 1),
                text=f"Question {n_done + 1} · stop whenever you like")
    stop = getattr(d, "stop", None)
    if stop is not None and getattr(stop, "stop", False):
        st.info(f"You can stop now: {stop.reason}", icon=":material/flag:")
    st.markdown(f"#### {q.text}")
    if q.help:
        st.caption(q.help)
    if q.type == "number":
        lo, hi = q.min if q.min is not None else 0.0, q.max if q.max is not None else 1e6
        st.number_input(f"Your answer ({q.unit})" if q.unit else "Your answer",
                        min_value=float(lo), max_value=float(hi), value=None, step=1.0,
                        key=f"rn_num_{qid}")
        c1, c2 = st.columns(2)
        c1.button("Save answer", key=f"rn_save_{qid}", type="primary", on_click=_answer_number,
                  args=(qid,), width="stretch")
        c2.button(common.NOT_SURE, key=f"rn_opt_{qid}__unsure", on_click=_answer,
                  args=(qid, None), width="stretch")
    else:
        options = list(q.states)
        cols = st.columns(len(options) + 1) if len(options) <= 2 else None
        for i, opt in enumerate(options):
            target = cols[i] if cols else st
            target.button(q.answer_label(opt), key=f"rn_opt_{qid}_{opt}", on_click=_answer,
                          args=(qid, opt), width="stretch")
        target = cols[-1] if cols else st
        target.button(common.NOT_SURE, key=f"rn_opt_{qid}__unsure", on_click=_answer,
                      args=(qid, None), width="stretch")
    explain.why_we_ask(model, d, qid)
    c1, c2 = st.columns(2)
    c1.button("← Back", key="rn_back", on_click=_back,
              disabled=not st.session_state["rn_history"], width="stretch")
    c2.button("Stop and see my result", key="rn_stop", on_click=_set_stage, args=("result",),
              width="stretch")


def _answers_list(model: Model) -> None:
    ss = st.session_state
    answers: dict[str, Any] = ss["rn_answers"]
    label = f"Your answers ({len(answers)})"
    with st.expander(label, expanded=False):
        if not answers and not ss["rn_unsure"]:
            st.write("No answers yet.")
        for qid, v in answers.items():
            c1, c2 = st.columns([4, 1])
            c1.markdown(f"{model.question_map[qid].text} **{common.answer_label(model, qid, v)}**")
            c2.button("Change", key=f"rn_rm_{qid}", on_click=_remove, args=(qid,),
                      help="Remove this answer; the question comes back")
        if ss["rn_unsure"]:
            st.caption("Not sure: " + "; ".join(model.question_map[u].text
                                                for u in ss["rn_unsure"]))


def _result(model: Model, d: Diagnosis, *, full: bool) -> None:
    st.subheader("Your result so far" if not full else "Your result")
    common.render_triage(d)
    st.markdown("**Most probable causes**")
    common.render_cause_bars(d)
    explain.notes(d)
    st.caption(f"Bands: likely ≥ {common.LIKELY:.0%}, possible {common.POSSIBLE:.0%}-"
               f"{common.LIKELY:.0%}, unlikely < {common.POSSIBLE:.0%}. Several causes can be "
               "present at once, so the chances do not add up to 100%.")
    advice = common.get_advice()
    for i, c in enumerate(d.causes[:3]):
        with st.expander(f"{c.label}: why, what to do, when to see someone",
                         expanded=full and i == 0):
            explain.cause_details(model, d, c.id, advice, key=f"rn_cd_{c.id}")
    explain.helpful_changes(d)
    whatif.render(model, st.session_state["rn_answers"], key_prefix="rn_wi")
    with st.expander("Good habits against heavy legs"):
        for item in advice.general if advice is not None else ():
            st.markdown(f"- {item.text}")
            st.caption(f"Sources: {common.sources_text(model, item.sources)}")
    _downloads(model, d)


def _downloads(model: Model, d: Diagnosis) -> None:
    answers = dict(st.session_state["rn_answers"])
    c1, c2 = st.columns(2)
    c1.download_button("Report (PDF)", data=lambda: pdf_report(model, answers),
                       file_name="heavylegs-report.pdf", mime="application/pdf",
                       key="rn_dl_pdf", width="stretch", on_click="ignore")
    c2.download_button("Case for a physio (JSON)", data=lambda: case_json(model, answers),
                       file_name="heavylegs-case.json", mime="application/json",
                       key="rn_dl_json", width="stretch", on_click="ignore")


def render() -> None:
    """Render the runner page."""
    _init()
    model = common.get_model()
    st.header("Why do my legs feel heavy?")
    ss = st.session_state
    answers: dict[str, Any] = ss["rn_answers"]
    d = model.diagnose(answers)
    stage = ss["rn_stage"]
    if stage == "red_flags":
        _red_flag_screen(model)
    elif stage == "triage":
        _triage_screen(model, d)
    elif stage == "questions":
        qid = next_question(model, d)
        if qid is None:
            st.success("That is enough: more answers would hardly change the result.")
            _set_stage("result")
            stage = "result"
        else:
            _question_card(model, d, qid)
            st.divider()
            _result(model, d, full=False)
    if stage == "result":
        _result(model, d, full=True)
        c1, c2 = st.columns(2)
        c1.button("Answer more questions", key="rn_more", on_click=_set_stage,
                  args=("questions",), width="stretch")
        c2.button("Start again", key="rn_restart", on_click=_restart, width="stretch")
    if stage in ("questions", "result"):
        _answers_list(model)
    common.render_disclaimer()
