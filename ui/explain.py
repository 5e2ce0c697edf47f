"""Explanations in the UI: "why we ask" (what each answer would do), and per cause: why
(answers for and against), what to do, when to see someone; what would change the conclusion,
conflicting answers and helpful changes. The model computes all of it (``Diagnosis``); this
module only puts it in words (runner) or a chart (physio).

Runners read plain English: a chance is a whole percentage, answers are shown with the words
of ``priors/questions.yaml``, never as codes, odds or bits.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import altair as alt
import pandas as pd
import streamlit as st

from model import (
    BASICS,
    HISTORY,
    Advice,
    Diagnosis,
    Model,
    answer_direction,
    cause_name,
    inline_label,
    plain_words,
    short_name,
    strongest_answers,
)

from . import common, units

STRONG = 1.0  # ... to be called strong (odds ×2.7)
CHART_MIN = 0.01  # answers that move a cause less than this are left out of the why chart
COLOURS = {"raises": "#b2182b", "lowers": "#2166ac"}  # red / blue, both 4.5:1 on white


def linked(model: Model, qid: str, cause: str) -> bool:
    """Whether the question's node is a parent or a child of the cause in the network."""
    nodes = {n.id: n for n in model.network.nodes}
    q, c = nodes.get(qid), nodes.get(cause)
    return bool((q is not None and cause in q.parents) or (c is not None and qid in c.parents))


def direct_effect(model: Model, qid: str, answer: object, cause: str) -> int:
    """Which way an answer points for the cause on its own (:func:`model.answer_direction`;
    +1, -1, or 0 when not a noisy finding of the cause)."""
    state = model.evidence_for({qid: answer}).get(qid)
    return 0 if state is None else answer_direction(model.network, qid, state, cause)


def answer_words(model: Model, qid: str, answer: object, system: str = "metric") -> str:
    q = model.question_map[qid]
    return units.label(q, answer, system)


def outcome_lines(model: Model, d: Diagnosis, qid: str, *, physio: bool = False) -> list[str]:
    """One line per possible answer: where the top causes would go (with the answer's own
    chance for a physio)."""
    gain = next((g for g in d.next_questions if g.id == qid), None)
    if gain is None:
        return []
    # the runner's lines in plain words ("narrowed or kinked artery in the pelvis"; a code
    # review found "radiculopathy" here after the result page had lost it)
    labels = {c.id: c.label if physio else plain_words(c.label) for c in model.causes}
    now = {c.id: c.probability for c in d.causes}
    lines = []
    for o in gain.outcomes:
        # the physio's table: short names (the long ones came up to four times a row)
        moves = ", ".join(f"{cause_name(labels[c]) if physio else labels[c]} {common.pct(p)}"
                          for c, p in o.causes if physio or abs(p - now[c]) >= 0.005)
        if physio:
            lines.append(f"{o.label} ({common.pct(o.probability)}): {moves}")
        else:
            lines.append(f"If you answer “{o.label.capitalize()}”: "
                         + (moves if moves else "the top causes stay about the same"))
    return lines


def why_text(model: Model, d: Diagnosis, qid: str, skip: Collection[str] = ()) -> str:
    """Why this question comes now, truthfully: a sign given earlier (a follow-up), who the
    runner is (age and sex, asked of everyone first), an answer that could change the
    advice (``triage.change_questions``, asked first), the most informative question left
    (``skip``: those answered "not sure"), or, for any other (asked again through Back or
    Change), what it helps tell apart."""
    if qid == "sex" and qid in d.triage.follow_up:  # it decides the pill and pregnancy
        return ("We ask this because of your earlier answers: the next questions (the pill, "
                "pregnancy) apply only to women and can change how soon you should be seen. "
                "What each answer would do:")
    if qid in d.triage.follow_up:
        return ("We ask this because of your earlier answers: it can change how soon you "
                "should be seen. What each answer would do:")
    if qid == "age":
        return ("We ask everyone this first: age changes how likely each cause is to begin "
                "with (heart rhythm problems and narrowed arteries, for example, become "
                "commoner with age). What each answer would do:")
    if qid == "sex":
        return ("We ask everyone this first: some causes are commoner in women or in men, "
                "and some questions (periods, the pill, pregnancy) apply only to women. What "
                "each answer would do:")
    if qid in HISTORY:
        return ("We ask everyone this early, as a clinician would: how long it has been going "
                "on and what changed in training tell the training causes from the others. "
                "What each answer would do:")
    best = next((g.id for g in d.next_questions
                 if g.id not in skip and g.id not in BASICS and g.id not in HISTORY), None)
    if qid in d.triage.change_questions and qid != best:  # before the most informative
        return ("We ask this now because your answer could change how soon you should be "
                "seen. What each answer would do:")
    gain = next(g for g in d.next_questions if g.id == qid)
    labels = {c.id: plain_words(c.label) for c in model.causes}  # the runner's words
    spread = {c: max(p for o in gain.outcomes for cc, p in o.causes if cc == c)
              - min(p for o in gain.outcomes for cc, p in o.causes if cc == c)
              for c, _ in gain.outcomes[0].causes}
    pair = sorted(spread, key=lambda c: -spread[c])[:2]
    names = " and ".join(f"**{inline_label(labels[c])}**" for c in pair)  # mid-sentence
    lead = "Of the questions left, this one helps most" if qid == best else "This question helps"
    return (f"{lead} to tell whether {names} could be behind your heavy legs. What each "
            "answer would do:")


def why_we_ask(model: Model, d: Diagnosis, qid: str, skip: Collection[str] = ()) -> None:
    """An expander: what this question helps tell apart, and what each answer would do."""
    gain = next((g for g in d.next_questions if g.id == qid), None)
    with st.expander("Why we ask this"):
        if gain is None or not gain.outcomes:
            st.write("Your answer helps us narrow down the possible causes.")
            return
        st.write(why_text(model, d, qid, skip))
        for line in outcome_lines(model, d, qid):
            st.markdown(f"- {line}")


def reasons(model: Model, d: Diagnosis, cause: str,
            system: str = "metric", physio: bool = False) -> tuple[list[str], list[str]]:
    """Plain sentences for the answers that raised (for) and lowered (against) a cause: the
    report's too (``model.strongest_answers``); ``physio``: on the workbench, in the third
    person ("The runner answered", "the runner's heavy legs": a physio walk read "You
    answered" about the runner's history)."""
    pro: list[str] = []
    con: list[str] = []
    ups, downs = strongest_answers(d, cause)
    for c in (*ups, *downs):
        q = model.question_map[c.question]
        words = answer_words(model, c.question, c.answer, system)
        if q.asked_by == "clinician":  # an examination or test finding, not the runner's
            said = f"The finding “{q.label or q.text}: {words}”"
        else:
            said = f"{'The runner' if physio else 'You'} answered “{words}” to “{q.text}”"
        much = "much " if abs(c.delta_log_odds) >= STRONG else ""
        up = c.delta_log_odds > 0
        # linked, and the answer points the same way on its own as in the end
        if linked(model, c.question, cause) and direct_effect(
                model, c.question, c.answer, cause) in (0, 1 if up else -1):
            line = f"{said}: this makes it {much}{'more' if c.delta_log_odds > 0 else 'less'} " \
                   "likely."
        elif c.delta_log_odds > 0:
            line = f"{said}: this makes other causes less likely, so this one becomes " \
                   f"{much}more likely by comparison."
        else:
            whose = "the runner's" if physio else "your"
            line = f"{said}: this points to another cause that would explain {whose} heavy " \
                   f"legs, so this one becomes {much}less likely."
        (pro if c.delta_log_odds > 0 else con).append(line)
    return pro, con


def cause_details(model: Model, d: Diagnosis, cause: str, advice: Advice | None, *,
                  key: str, system: str = "metric", physio: bool = False) -> None:
    """Why (answers for and against), what to do, when to see someone, and sources
    (``physio``: the reasons in the third person, :func:`reasons`)."""
    c = next(x for x in d.causes if x.id == cause)
    ca = advice.for_cause(cause) if advice is not None else None
    if ca:
        st.markdown(f"*{ca.summary}*")
    st.markdown(f"**Chance:** {common.chance(c)}.")
    pro, con = reasons(model, d, cause, system, physio)
    if pro or con:
        st.markdown("**Why**")
        for line in pro:
            st.markdown(f"- :material/arrow_upward: {line}")
        for line in con:
            st.markdown(f"- :material/arrow_downward: {line}")
    elif d.answers:
        st.caption(f"None of {'the' if physio else 'your'} answers moved this cause much.")
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


def why_chart_data(model: Model, d: Diagnosis, cause: str,
                   system: str = "metric") -> pd.DataFrame:
    """Each answer's odds ratio on a cause (``exp`` of its change in log-odds), strongest
    first, each answer in the page's units; answers that hardly move it are left out."""
    rows = []
    if d.explanations:
        for c in d.explanation(cause).contributions:
            if abs(c.delta_log_odds) < CHART_MIN:
                continue
            q = model.question_map[c.question]
            # the question cut short, the answer whole: a long question's label pushed its
            # answer past the chart's width (a physio walk)
            rows.append({"answer": f"{short_name(q.label or q.text, QUESTION_CHARS)} → "
                                   f"{units.label(q, c.answer, system)}",
                         "odds ratio": math.exp(c.delta_log_odds),
                         "effect": "raises" if c.delta_log_odds > 0 else "lowers",
                         "strength": abs(c.delta_log_odds)})
    df = pd.DataFrame(rows, columns=["answer", "odds ratio", "effect", "strength"])
    return df.sort_values("strength", ascending=False, kind="stable").reset_index(drop=True)


QUESTION_CHARS = 40  # a question's words in a why chart's label (its answer follows whole)
# each labelled bar's height in the charts: a line of label above a 12 px bar
STEP_PX = 42


def why_chart(df: pd.DataFrame) -> alt.LayerChart:
    """A sorted, labelled bar chart of odds ratios on a log scale (1 = no effect). Each
    answer's label sits above its bar across the chart's whole width, so a phone's 390 px
    shows the labels whole and the bars at full length (labels beside the bars took most
    of a phone's width and cut both)."""
    base = alt.Chart(df).encode(y=alt.Y("answer:N", sort=list(df["answer"]), title=None,
                                        axis=None))
    bars = base.mark_bar(size=12, yOffset=9).encode(
        x=alt.X("odds ratio:Q", scale=alt.Scale(type="log"),
                title="Odds ratio (log scale; 1 = no effect)"),
        x2=alt.datum(1.0),
        color=alt.Color("effect:N", scale=alt.Scale(domain=list(COLOURS),
                                                    range=list(COLOURS.values())),
                        legend=alt.Legend(title=None, orient="bottom")),
        tooltip=["answer", alt.Tooltip("odds ratio:Q", format=".2f"), "effect"],
    )
    return (bars + bar_labels(base, "answer")).properties(height=alt.Step(STEP_PX))


def bar_labels(base: alt.Chart, field: str) -> alt.Chart:
    """The labels of a chart's bars, left-aligned above each bar over the chart's width."""
    return base.mark_text(align="left", baseline="middle", x=0, dy=-7, fontSize=12,
                          color="#1b1b1b", limit=alt.expr("width")).encode(
        text=f"{field}:N")


def cause_sources(model: Model, cause: str) -> list[str]:
    """Reference keys behind a cause's numbers (base rates, odds ratios)."""
    cdef = next(c for c in model.kb.causes if c.id == cause)
    keys: list[str] = []
    for cited in cdef.sources.values():
        for k in cited.source_keys:
            if k not in keys:
                keys.append(k)
    return keys


def computation_note(d: Diagnosis) -> str | None:
    """How the numbers were computed, when not all exactly (a deep case's sampled extras, a
    posterior beyond every exact route): one sentence for the physio, None otherwise."""
    inf = d.inference
    if inf is None:
        return None
    parts = []
    if not inf.exact and inf.route == "importance-sampling":
        parts.append("the probabilities are estimated from weighted samples (standard error "
                     f"about {inf.error * 100:.1f} points)")
    elif not inf.exact:
        parts.append(f"the probabilities are exact to within {inf.error:.0e}")
    if inf.extras != "exact":
        parts.append("the question ranking, the reasons and the intervals are estimated from "
                     f"weighted samples (standard error about {inf.extras_error * 100:.1f} "
                     "points)")
    if not parts:
        return None
    return "With this many findings present, " + "; ".join(parts) + "."


def notes(d: Diagnosis, *, physio: bool = False, changes: bool = True) -> None:
    """Conflicting answers, and (with ``changes``) what single answer would change the
    conclusion (on the physio's page of the runner's answers: "If the runner answered", not
    "If you answered", a physio walk)."""
    if d.conflict is not None and d.conflict.unusual:
        st.warning(d.conflict.message, icon=":material/report:")
    if changes and d.what_would_change is not None:
        text = d.what_would_change.text
        if physio:
            text = text.replace("If you answered", "If the runner answered", 1)
        st.info(f"What would change the conclusion: {text}", icon=":material/swap_vert:")


def helpful_lines(model: Model, d: Diagnosis, system: str = "metric") -> list[str]:
    """Changes to the runner's own answers that would lower the chance of heavy legs by at
    least two points (factors never asked are not the runner's to change), one line each."""
    answered = dict(d.answers)
    rows = [h for h in d.helpful_changes if h.question in answered
            and h.p_heavy_legs_now - h.p_heavy_legs_after >= 0.02][:4]
    lines = []
    for h in rows:
        q = model.question_map[h.question]
        was = answer_words(model, q.id, answered[q.id], system)
        # a choice's answer worded as "was" ("No" to "Yes", not "yes"); a number's range
        # as the model names it ("2 days or more")
        to = h.label if q.type == "number" else answer_words(model, q.id, h.state, system)
        lines.append(f"{q.label or q.text}: from “{was}” to “{to}”: chance of heavy legs "
                     f"{common.pct(h.p_heavy_legs_now)} → {common.pct(h.p_heavy_legs_after)}")
    return lines


def helpful_changes(model: Model, d: Diagnosis, system: str = "metric") -> None:
    """:func:`helpful_lines` under their heading, if any."""
    lines = helpful_lines(model, d, system)
    if not lines:
        return
    st.markdown("**Changes that could help most**")
    for line in lines:
        st.markdown(f"- {line}")
