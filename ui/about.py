"""About: the model card, the disclaimer, how to read the result, and every source."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model import DISCLAIMER, LEVELS, Model, escalations, inline_label, plain, referral_threshold

from . import common

# the levels as headings of the warning signs: "Emergency: call an ambulance now" stood above
# reasons that say "go to the emergency department" (a runner walk)
SHORT_LEVELS = {"emergency": "Emergency", "urgent": "Same day", "see_doctor": "See a doctor",
                "self_care": "Self-care"}


def _thresholds_words(model: Model) -> str:
    """The model's suspicion, in words: each medical cause has its own threshold (the About
    page said 30 % for all, while a blood clot counts from 3 %: a runner walk)."""
    esc = sorted(escalations(model.kb), key=referral_threshold)
    names = {c.id: inline_label(c.label) for c in model.causes}
    low, high = esc[0], esc[-1]
    return (f"the model's suspicion of a medical cause sends you to a doctor from a chance set "
            f"for each cause by what missing it would cost: from "
            f"{referral_threshold(low):.0%} for {names[low.cause]} to "
            f"{referral_threshold(high):.0%} for {names[high.cause]}.")


def _condition(model: Model, qid: str, cond: Any) -> str:
    """One condition of a rule in words: the question's short name and the answer(s)."""
    q = model.question_map[qid]
    name = (q.label or q.text).rstrip("?")
    if isinstance(cond, str):
        return f"{name}: {q.answer_label(cond)}"
    if isinstance(cond, list):
        return f"{name}: {' or '.join(q.answer_label(c) for c in cond)}"
    # with the question's unit: "at least 3" for how long the heaviness has lasted read
    # without one (a walk of this page)
    parts = [f"at least {q.answer_label(cond['at_least'])}"] if "at_least" in cond else []
    parts += [f"under {q.answer_label(cond['below'])}"] if "below" in cond else []
    return f"{name}: {' and '.join(parts)}"


def _answers(model: Model, rule: Any) -> str:
    """The answers one rule fires on."""
    every = "; ".join(_condition(model, q, c) for q, c in rule.all.items())
    alternatives = " \u2014 or \u2014 ".join(
        " and ".join(_condition(model, q, c) for q, c in clause.items()) for clause in rule.any)
    if not alternatives:
        return every
    return f"{every}; and one of: {alternatives}" if every else alternatives


def _when(model: Model, rules: list[Any]) -> str:
    """The answers a warning sign fires on: each of its rules' (one sign asked in two ways,
    "new weakness in both legs", is one line with both)."""
    rules = sorted(rules, key=lambda r: len(r.all) + len(r.any))  # the plainest way first
    return "When: " + ". Or: ".join(_answers(model, r) for r in rules)


def warning_signs(model: Model) -> dict[tuple[str, str], list[Any]]:
    """Every rule, the highest level first, by what it says: rules at one level with the
    same words are one warning sign (new weakness in both legs is asked on its own and as
    new weakness in a leg, in both legs: a walk read it listed twice)."""
    kb = model.kb
    out: dict[tuple[str, str], list[Any]] = {}
    for rule in sorted((*kb.red_flags, *kb.amber_flags), key=lambda r: -LEVELS.index(r.level)):
        out.setdefault((rule.level, plain(rule.reason)), []).append(rule)
    return out


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
        f"otherwise {_thresholds_words(model)}")
    st.subheader("Warning signs")
    # every rule, the highest level first: the page listed the red flags only, while a cold
    # foot, palpitations or heaviness for three months also send a runner on (a re-walk)
    for (level, words), rules in warning_signs(model).items():
        st.markdown(f"- **{SHORT_LEVELS.get(level, level)}**: {words}")
        if len(rules) > 1 or len(rules[0].all) + len(rules[0].any) > 1:  # one answer: said
            st.caption(_when(model, rules))
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
