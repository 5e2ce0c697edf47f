"""Explanations in the UI: "why we ask" (with what each answer would do), and per cause: why
(answers for and against), what to do, when to see someone; what would change the conclusion,
conflicting answers and helpful changes. The model computes all of it (``Diagnosis``); this
module only renders it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from model import Advice, Diagnosis, Model

from . import common

MAX_REASONS = 4


def _gain_words(bits: float) -> str:
    if bits >= 0.3:
        return "should narrow things down a lot"
    if bits >= 0.1:
        return "should help tell the causes apart"
    return "may help a little"


def outcome_lines(model: Model, d: Diagnosis, qid: str) -> list[str]:
    """One line per possible answer: how likely it is and where the top causes would go."""
    gain = next((g for g in d.next_questions if g.id == qid), None)
    if gain is None:
        return []
    labels = {c.id: c.label for c in model.causes}
    q = model.question_map[qid]
    lines = []
    for o in gain.outcomes:
        moves = ", ".join(f"{labels[c]} {p:.0%}" for c, p in o.causes)
        lines.append(f"If “{q.answer_label(o.answer)}” ({o.probability:.0%} likely): "
                     f"{moves}")
    return lines


def why_we_ask(model: Model, d: Diagnosis, qid: str) -> None:
    """An expander: why this question now, and what each answer would do."""
    gain = next((g.expected_information_gain for g in d.next_questions if g.id == qid), 0.0)
    with st.expander("Why we ask this"):
        st.write(f"Of the questions left, this one {_gain_words(gain)} "
                 f"(expected information gain {gain:.2f} bits). What each answer would do:")
        for line in outcome_lines(model, d, qid):
            st.markdown(f"- {line}")


def reasons(d: Diagnosis, cause: str) -> tuple[list[str], list[str]]:
    """Plain sentences for the answers that raised (for) and lowered (against) a cause."""
    if not d.explanations:
        return [], []
    ex = d.explanation(cause)
    pro = [c.text for c in ex.contributions if c.delta_log_odds > 0.05][:MAX_REASONS]
    con = [c.text for c in ex.contributions if c.delta_log_odds < -0.05][:MAX_REASONS]
    return pro, con


def cause_details(model: Model, d: Diagnosis, cause: str, advice: Advice | None, *,
                  key: str) -> None:
    """Why (answers for and against), what to do, when to see someone, and sources."""
    c = next(x for x in d.causes if x.id == cause)
    ca = advice.for_cause(cause) if advice is not None else None
    if ca:
        st.markdown(f"*{ca.summary}*")
    st.markdown(f"**Chance:** {c.probability:.0%} now, {c.prior:.0%} before your answers "
                f"({common.band(c.probability)}).")
    pro, con = reasons(d, cause)
    if pro or con:
        st.markdown("**Why**")
        for line in pro:
            st.markdown(f"- :material/arrow_upward: {line}")
        for line in con:
            st.markdown(f"- :material/arrow_downward: {line}")
    elif d.answers:
        st.caption("None of your answers moved this cause much.")
    if ca:
        st.markdown("**What to do**")
        for tip in ca.tips:
            st.markdown(f"- {tip.text}")
            st.caption(f"Sources: {common.sources_text(model, tip.sources)}")
        st.markdown(f"**When to see someone:** {ca.see_someone.text}")
        st.caption(f"Sources: {common.sources_text(model, ca.see_someone.sources)}")
    keys = cause_sources(model, cause)
    if keys:
        st.caption("Numbers for this cause from: " + common.sources_text(model, keys))


def why_chart_data(d: Diagnosis, cause: str) -> pd.DataFrame:
    """Change in log-odds of a cause from each answer (for the workbench's chart)."""
    if not d.explanations:
        return pd.DataFrame({"log-odds change": []})
    ex = d.explanation(cause)
    return pd.DataFrame({"log-odds change": [c.delta_log_odds for c in ex.contributions]},
                        index=[c.question for c in ex.contributions])


def cause_sources(model: Model, cause: str) -> list[str]:
    """Reference keys behind a cause's numbers (base rates, odds ratios)."""
    cdef = next(c for c in model.kb.causes if c.id == cause)
    keys: list[str] = []
    for cited in cdef.sources.values():
        for k in cited.source_keys:
            if k not in keys:
                keys.append(k)
    return keys


def notes(d: Diagnosis) -> None:
    """Conflicting answers, and what single answer would change the conclusion."""
    if d.conflict is not None and d.conflict.unusual:
        st.warning(d.conflict.message, icon=":material/report:")
    if d.what_would_change is not None:
        st.info(f"What would change the conclusion: {d.what_would_change.text}",
                icon=":material/swap_vert:")


def helpful_changes(d: Diagnosis) -> None:
    """The modifiable factors whose change would lower the chance of heavy legs most."""
    if not d.helpful_changes:
        return
    st.markdown("**Changes that could help most**")
    for h in d.helpful_changes[:4]:
        st.markdown(f"- {h.text}")
