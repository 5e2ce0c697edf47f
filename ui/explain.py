"""Explanations in the UI: "why we ask", and per cause: why, what to do, when to see someone.

The reasoning features (issue 4: per-cause explanations, per-answer previews) are used when
the model offers them (detected with ``hasattr``); otherwise these show what the core gives:
information gain, prior vs now, advice and sources.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from model import Diagnosis, Model
from model.advice import Advice

from . import common


def _gain_words(bits: float) -> str:
    if bits >= 0.3:
        return "should narrow things down a lot"
    if bits >= 0.1:
        return "should help tell the causes apart"
    return "may help a little"


def why_we_ask(model: Model, d: Diagnosis, qid: str) -> None:
    """An expander: why this question now, and what each answer would do (when available)."""
    gain = next((g.expected_information_gain for g in d.next_questions if g.id == qid), 0.0)
    with st.expander("Why we ask this"):
        st.write(f"Of the questions left, this one {_gain_words(gain)} "
                 f"(expected information gain {gain:.2f} bits).")
        preview = getattr(model, "question_preview", None) or getattr(model, "preview", None)
        if callable(preview):
            try:
                outcomes = preview(dict(d.answers), qid)
            except Exception:  # noqa: BLE001 - a preview is optional help text
                outcomes = None
            for o in _as_list(outcomes):
                st.markdown(f"- {_preview_line(o)}")


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, dict):
        return list(x.items())
    return list(getattr(x, "outcomes", x))


def _preview_line(o: Any) -> str:
    if isinstance(o, tuple) and len(o) == 2:
        value, what = o
        return f"“{common.option_label(str(value))}”: {what}"
    text = getattr(o, "text", None) or getattr(o, "summary", None)
    return str(text if text else o)


def cause_sources(model: Model, cause: str) -> list[str]:
    """Reference keys behind a cause's numbers (base rates, odds ratios)."""
    cdef = next(c for c in model.kb.causes if c.id == cause)
    keys: list[str] = []
    for cited in cdef.sources.values():
        for k in cited.source_keys:
            if k not in keys:
                keys.append(k)
    return keys


def cause_details(model: Model, d: Diagnosis, cause: str, advice: Advice, *, key: str) -> None:
    """Why (answers for and against, when available), what to do, when to see someone."""
    c = next(x for x in d.causes if x.id == cause)
    ca = advice.for_cause(cause)
    if ca:
        st.markdown(f"*{ca.summary}*")
    st.markdown(f"**Chance:** {c.probability:.0%} now, {c.prior:.0%} before your answers "
                f"({common.band(c.probability)}).")
    explain = getattr(model, "explain", None)
    if callable(explain):
        try:
            ex = explain(dict(d.answers), cause)
        except Exception:  # noqa: BLE001 - explanations are optional
            ex = None
        if ex is not None:
            _render_explanation(model, ex)
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


def _render_explanation(model: Model, ex: Any) -> None:
    items = getattr(ex, "contributions", None) or getattr(ex, "items", None)
    if callable(items):
        items = None
    if not items:
        return
    pro = [i for i in items if getattr(i, "log_odds", getattr(i, "delta", 0.0)) > 0]
    con = [i for i in items if getattr(i, "log_odds", getattr(i, "delta", 0.0)) < 0]
    st.markdown("**Why**")
    for title, group in (("For", pro), ("Against", con)):
        if group:
            names = ", ".join(_contrib_text(model, i) for i in group[:4])
            st.markdown(f"- {title}: {names}")


def _contrib_text(model: Model, item: Any) -> str:
    qid = getattr(item, "question", None) or getattr(item, "id", "")
    value = getattr(item, "value", None)
    q = model.question_map.get(qid)
    if q is None:
        return str(qid)
    return f"{q.text} {common.answer_label(model, qid, value)}" if value is not None else q.text
