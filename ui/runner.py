"""The runner's self-assessment (default page), phone first, in the manner of Ada and NHS 111
online: one thing per screen with large targets, the answer acted on at once, and the
result's headline at the top of every screen.

Flow: warning signs first (any "yes" -> a triage screen before anything else), then one
question at a time, the most informative next, with "not sure", back (the earlier choice
shown) and progress; the headline (triage and most likely cause) sits above the question and
the page returns to the top after each answer; the runner can stop at any time.

State lives in ``st.session_state`` under ``rn_*`` keys (this browser session only; nothing is
stored on the server). The units (km/°C or miles/°F) are chosen once (``hl_units``) and carried
in share links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from model import (
    BASICS,
    LEVELS,
    STOP_MIN_GAIN,
    Advice,
    AdviceItem,
    Assessment,
    Diagnosis,
    InputError,
    Model,
    advised_causes,
    first_screen_questions,
    flagged_note,
    next_to_ask,
    plain_words,
)

from . import common, explain, share, units, whatif
from .downloads import case_json, pdf_report

TYPICAL_MORE = 10  # the progress bar assumes at most this many more useful questions
STAGES = ("red_flags", "triage", "questions", "result")
UNSURE = "__unsure"  # an earlier "not sure" (Back and Change show it)
# Scroll the page back to its top (the headline and the question) after each answer:
# Streamlit keeps the scroll position across reruns. The step number makes each one new.
SCROLL_TOP = """<script>/* step {step} */
(() => {{ const d = window.parent ? window.parent.document : document;
  for (const s of ['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]'])
    {{ const e = d.querySelector(s); if (e) e.scrollTop = 0; }}
  window.scrollTo(0, 0);
  /* a phone held sideways (under 500 px high): the level and the ranking filled the screen
     above the question, so the question itself comes to the top instead (a runner walk),
     unless the level is urgent or an emergency: that stays in view (a code review) */
  const w = window.parent || window; let placed = !({lift} && w.innerHeight < 500);
  /* a number answer's text box gets a phone's number keyboard (with its decimal key) */
  let tries = 0; const t = setInterval(() => {{
    d.querySelectorAll('[class*="st-key-rn_num_"] input').forEach(
      i => i.setAttribute('inputmode', 'decimal'));
    if (!placed) {{ const q = d.querySelector('.st-key-rn_question');
      if (q) {{ q.scrollIntoView({{block: 'start'}}); placed = true; }} }}
    if (++tries > 20) clearInterval(t); }}, 100); }})();</script>"""


# ----------------------------------------------------------------------------- plain words
def plain_view(d: Any) -> Any:
    """A diagnosis or assessment as the runner reads it: the causes' names, the level's
    reasons and the notes in plain words (:func:`model.plain_words`; a runner walk met
    "exercise ABI, duplex" and "endofibrosis"). Only what is shown changes; the physio's
    page keeps the precise terms."""
    t = d.triage
    out = replace(
        d,
        causes=tuple(replace(c, label=plain_words(c.label)) for c in d.causes),
        triage=replace(t, reasons=tuple(plain_words(r) for r in t.reasons),
                       advice=plain_words(t.advice), running=plain_words(t.running)),
    )
    if getattr(d, "conflict", None) is not None:
        out = replace(out, conflict=replace(d.conflict, message=plain_words(d.conflict.message)))
    if getattr(d, "what_would_change", None) is not None:
        out = replace(out, what_would_change=replace(
            d.what_would_change, text=plain_words(d.what_would_change.text)))
    return out


def plain_advice(advice: Advice | None) -> Advice | None:
    """The advice in plain words (:func:`plain_view`)."""
    if advice is None:
        return None

    def item(i: AdviceItem) -> AdviceItem:
        return replace(i, text=plain_words(i.text))

    return replace(advice, general=tuple(item(i) for i in advice.general), causes={
        k: replace(c, summary=plain_words(c.summary), tips=tuple(item(i) for i in c.tips),
                   see_someone=item(c.see_someone)) for k, c in advice.causes.items()})


def cause_label(model: Model, cause: str) -> str:
    """A cause's name as the runner reads it."""
    return plain_words(model.cause_map[cause].label)


# ----------------------------------------------------------------------------- state
def _init() -> None:
    ss = st.session_state
    ss.setdefault("rn_stage", "red_flags")
    ss.setdefault("rn_answers", {})
    ss.setdefault("rn_history", [])  # question ids in the order they were answered or skipped
    ss.setdefault("rn_unsure", [])  # ids answered "not sure" (left unknown)
    ss.setdefault("rn_force", None)  # a question to ask next (after "back" or "change")
    ss.setdefault("rn_prev", {})  # question id -> the earlier answer (shown when asked again)
    ss.setdefault("hl_units", "metric")


def red_flag_questions(model: Model) -> list[str]:
    """The first screen's warning signs (``model.first_screen_questions``): the signs that
    act on their own; the questions that matter only with a sign are asked after it."""
    return list(first_screen_questions(model.kb))


def _answer(qid: str, value: Any) -> None:
    ss = st.session_state
    ss.pop(f"rn_numerr_{qid}", None)  # a number box's problem is answered by "not sure" too
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
    ss["rn_prev"] = {k: v for k, v in ss["rn_prev"].items() if k != qid}
    if ss.pop("rn_return", False):  # changed from the result: back to it, updated
        _set_stage("result")


def _answer_number(qid: str) -> None:
    """Save the number typed (a text box: the number box read "2,5" as 25), or keep the
    question on screen with what is wrong with it (shown under the box)."""
    ss = st.session_state
    q = common.get_model().question_map[qid]
    value, problem = units.parse_number(str(ss.get(f"rn_num_{qid}") or ""), q, ss["hl_units"])
    if value is None:
        ss[f"rn_numerr_{qid}"] = problem
        return
    _answer(qid, units.stored(q, value, ss["hl_units"]))  # (which clears the problem)


def _ask_again(qid: str, to_result: bool = False) -> None:
    """Take an answer back and ask its question again, the earlier answer shown (and no
    number box's old problem: "abc", Back, and the same answer again showed it still);
    ``to_result``: "Change" on the result page, which the answer returns to (a runner walk:
    it went on to "Question 24" instead of the updated result)."""
    ss = st.session_state
    ss["rn_return"] = to_result
    for k in [k for k in ss if str(k).startswith("rn_numerr_")]:
        del ss[k]
    answers = dict(ss["rn_answers"])
    ss["rn_prev"] = {**ss["rn_prev"], qid: answers.pop(qid, UNSURE)}
    ss["rn_answers"] = answers
    ss["rn_unsure"] = [u for u in ss["rn_unsure"] if u != qid]
    ss["rn_history"] = [h for h in ss["rn_history"] if h != qid]
    ss["rn_force"] = qid
    ss["rn_stage"] = "questions"


def _back() -> None:
    ss = st.session_state
    if ss["rn_history"]:
        _ask_again(ss["rn_history"][-1])


def _set_stage(stage: str) -> None:
    st.session_state["rn_stage"] = stage
    if stage != "result":  # coming back to a result scrolls to its top again
        st.session_state.pop("rn_result_scrolled", None)
    else:  # "Answer more questions" lasts until the result: a later "Change" goes back there
        st.session_state.pop("rn_extra", None)
        # a "Change" not answered before "See my result" no longer sends a later answer back
        # to the result (a code review: "Answer more questions" then bounced at once)
        st.session_state.pop("rn_return", None)
    if stage == "red_flags":
        _scroll_warning_signs()


def _change_signs(to_result: bool) -> None:
    """Back to the warning signs; from the result, Continue returns to it (a re-walk: it
    went on to "Question 5" though nothing was changed)."""
    st.session_state["rn_return"] = to_result
    _set_stage("red_flags")


def _scroll_warning_signs() -> None:
    """The warning signs open at their top when the runner comes back to them ("Start
    again", "Change warning signs"): they opened scrolled to their end (a runner walk).
    Not on the reruns of answering them. The count, outside the ``rn_`` keys that starting
    again clears, makes each arrival's script new."""
    ss = st.session_state
    ss["hl_rf_arrivals"] = ss.get("hl_rf_arrivals", 0) + 1
    ss["rn_rf_scroll"] = True


def _restart() -> None:
    for k in [k for k in st.session_state if str(k).startswith("rn_")]:
        del st.session_state[k]
    _scroll_warning_signs()


def _ask_restart(ask: bool) -> None:
    st.session_state["rn_restart_ask"] = ask


def _answer_signs_button() -> None:
    """On the result, under the level: back to the warning signs, returning to the result."""
    st.button("Answer the warning signs", key="rn_rf_answer", on_click=_change_signs,
              args=(True,), icon=":material/edit:")


def _result_buttons(d: Diagnosis) -> None:
    """"Answer more questions" (while any is left) and "Start again"; starting again asks
    first (a runner walk: it sat under the other button and wiped every answer with no way
    back)."""
    if st.session_state.get("rn_restart_ask"):
        st.warning("Start again clears all your answers. Download the report first if you "
                   "want to keep them.", icon=":material/restart_alt:")
        c1, c2 = st.columns(2)
        c1.button("Yes, clear my answers", key="rn_restart_yes", on_click=_restart,
                  width="stretch")
        c2.button("Keep my answers", key="rn_restart_no", on_click=_ask_restart,
                  args=(False,), width="stretch", type="primary")
        return
    c1, c2 = st.columns(2)
    left = len(_left_to_ask(d))
    if left:
        c1.button(f"Answer more questions ({left} left)", key="rn_more", on_click=_more,
                  width="stretch")
    c2.button("Start again", key="rn_restart", on_click=_ask_restart, args=(True,),
              width="stretch")


def _submit_red_flags(ids: list[str]) -> None:
    ss = st.session_state
    answers = dict(ss["rn_answers"])
    unsure = [u for u in ss["rn_unsure"] if u not in ids]
    for qid in ids:
        v = ss.get(f"rn_rf_{qid}")
        if v is None or v == common.NOT_SURE:
            answers.pop(qid, None)
            if v == common.NOT_SURE:  # not asked again as a follow-up: the runner said so
                unsure.append(qid)
        else:
            answers[qid] = v
    ss["rn_answers"] = answers
    ss["rn_unsure"] = unsure
    # render() shows the disposition first if the level asks; from the result, back to it
    ss["rn_stage"] = "result" if ss.pop("rn_return", False) else "questions"
    ss["rn_seen_level"] = 0


# ----------------------------------------------------------------------------- screens
def _red_flag_screen(model: Model) -> None:
    st.subheader("First, a few warning signs")
    st.write("Do any of these apply to you? Each question says when. "
             "If you are not sure, choose “Not sure”.")
    ids = red_flag_questions(model)
    answers = st.session_state["rn_answers"]
    for qid in ids:
        q = model.question_map[qid]
        options = [*q.states, common.NOT_SURE] if q.type != "number" else [common.NOT_SURE]
        key = f"rn_rf_{qid}"
        if key not in st.session_state and qid in answers:
            st.session_state[key] = answers[qid]
        elif key not in st.session_state and qid in st.session_state["rn_unsure"]:
            # an earlier "not sure" comes back as it was (a runner walk: the radios came back
            # blank, and Continue turned 13 "not sure" signs into unanswered ones)
            st.session_state[key] = common.NOT_SURE
        st.radio(q.text, options, index=None, key=key, horizontal=True, help=q.help,
                 format_func=lambda v, q=q: v if v == common.NOT_SURE else q.answer_label(v))
    done = sum(st.session_state.get(f"rn_rf_{qid}") is not None for qid in ids)
    label = "Continue" if done == len(ids) else f"Continue ({done} of {len(ids)} answered)"
    # The button stays in view at the bottom of a phone screen (common.CSS: sticky)
    st.button(label, key="rn_rf_continue", type="primary", on_click=_submit_red_flags,
              args=(ids,), width="stretch")
    st.caption("Unanswered signs count as unknown, never as “no”: they are listed with your "
               "result and in the report.")


def _triage_screen(model: Model, d: Diagnosis) -> None:
    """One disposition screen for an urgent or emergency level (a red flag, an amber rule
    or the model's suspicion): what to do, where, a call button, running, what to do if it
    gets worse, and nothing that reads as reassurance."""
    d = plain_view(d)  # the runner's words
    t = d.triage
    st.session_state["rn_seen_level"] = LEVELS.index(t.level)
    st.subheader("Please act on this first")
    # the open signs named: "1 warning sign you left open" did not say which (a re-walk)
    common.render_triage(d, compact=True, signs=True, change="'Change my answers' below",
                         listed=True)
    level = t.level if t.level in common.WHERE else "urgent"
    with st.container(key="rn_disposition"):
        _where(level)
        st.markdown("**Why:**")
        for r in t.reasons_shown:
            st.markdown(f"- {r}")
        _if_worse(level)
        if level != "emergency":  # not a download to think of while calling an ambulance
            st.markdown("**Meanwhile:** take the report below with you; it lists your answers "
                        "for the doctor.")
    if level != "emergency":  # (the report waits on the result, after the call)
        _downloads(model, with_link=False)
    c1, c2 = st.columns(2)
    c1.button("Change my answers", key="rn_tri_change", on_click=_set_stage,
              args=("red_flags",), width="stretch")
    c2.button("Answer more questions for the report", key="rn_tri_continue",
              on_click=_set_stage, args=("questions",), width="stretch")


def _where(level: str) -> None:
    """Where to go, with a call button: the emergency numbers, or the same-day one."""
    st.markdown(f"**Where:** {common.WHERE[level]}")
    if level == "emergency":
        _call_buttons()
    else:  # same day: the out-of-hours number named above, as a button (a runner walk)
        _call_buttons(common.URGENT_NUMBERS, primary=False)


def _if_worse(level: str) -> None:
    label = "While you wait" if level == "emergency" else "If it gets worse"
    st.markdown(f"**{label}:** {common.WORSE[level]}")


def next_question(model: Model, d: Diagnosis) -> str | None:
    """The question to ask now: a forced one (after back), else the app's policy
    (:func:`model.next_to_ask`); after "Answer more questions" on a result, also the
    questions below the worth-asking threshold, most informative first (a runner walk: the
    button led back to the same result, and a vegetarian diet or a mileage rise the runner
    wanted to report was never asked)."""
    ss = st.session_state
    forced = ss.get("rn_force")
    if forced and forced not in ss["rn_answers"]:
        return str(forced)
    qid = next_to_ask(d, skip=set(ss["rn_unsure"]))
    if qid is None and ss.get("rn_extra"):
        qid = next(iter(_left_to_ask(d)), None)
    return qid


def _left_to_ask(d: Diagnosis) -> list[str]:
    """Every question that applies and is still open (not answered, not "not sure"), most
    informative first."""
    skip = set(st.session_state["rn_unsure"])
    return [g.id for g in d.next_questions if g.outcomes and g.id not in skip]


def _more() -> None:
    st.session_state["rn_extra"] = True
    _set_stage("questions")


def next_answers(
    model: Model, d: Diagnosis, qid: str, answers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The answer sets one click on question ``qid`` can give, most likely first (a number
    question's value cannot be guessed; "not sure" adds nothing to compute)."""
    q = model.question_map[qid]
    if q.type == "number":
        return []
    gain = next((g for g in d.next_questions if g.id == qid), None)
    chance = {o.answer: o.probability for o in gain.outcomes} if gain else {}
    states = sorted(q.states, key=lambda s: -chance.get(s, 0.0))
    return [{**answers, qid: s} for s in states]


# questions about who the runner is (the BASICS asked first): skipping them is a choice,
# not uncertainty
PRIVATE = frozenset(BASICS)
PRIVATE_SKIP = "Prefer not to say"


def skip_label(qid: str) -> str:
    """The words of the button that leaves a question unanswered."""
    return PRIVATE_SKIP if qid in PRIVATE else common.NOT_SURE


def stop_message(d: Diagnosis) -> str:
    """What the runner reads when nothing more is worth asking: "enough" only when the advice
    is settled; while it could still change (``triage.so_far``: an answer we do not have,
    often one the runner was not sure about), it says so instead of inviting them to stop."""
    unknown = len(d.triage.unknown_warning_signs)
    if unknown:  # a sign left unanswered on the first screen is never asked again
        which = "1 warning sign was" if unknown == 1 else f"{unknown} warning signs were"
        return (f"No more questions worth asking here, but {which} left unanswered: if any "
                "applies to you, the advice changes. Answer them with \"Change warning "
                "signs\" under your answers.")
    if d.triage.so_far:
        return ("No more questions worth asking. The advice could still change with answers "
                "we do not have, so it says \"so far\".")
    return "That is enough: more answers would hardly change the result."


def _useful_remaining(d: Diagnosis) -> int:
    skip = set(st.session_state["rn_unsure"])
    return sum(1 for g in d.next_questions
               if g.id not in skip and g.expected_information_gain >= STOP_MIN_GAIN)


def _headline(d: Diagnosis | Assessment, *, triage: bool = True) -> Any:
    """The result's headline: what to do and the most likely cause, at the top of the page.
    Returns its slot, which :func:`_headline_body` can fill again later in the same run."""
    with st.container(border=True, key="rn_headline"):
        slot = st.empty()
    _headline_body(slot, d, triage=triage)
    return slot


def _headline_body(slot: Any, d: Diagnosis | Assessment, *, triage: bool = True) -> None:
    """The level (unless self-care) and the most likely cause; at an urgent or emergency
    level the cause a warning sign points to (or the advice) instead of the most likely
    one, which would read as reassurance under "call an ambulance", and the call buttons
    again for an emergency."""
    d = plain_view(d)  # the runner's words
    top = d.causes[0]
    with slot.container():
        if triage and d.triage.level != "self_care":
            # at an act-first level the runner has just read the reasons on the disposition
            # screen: the question pages keep to the advice, the call buttons and the sign
            common.render_triage(d, compact=True, why=not d.triage.act_first, signs=True)
        elif triage and (d.triage.unknown_warning_signs or d.triage.unknown_raises):
            common.render_unknown_raises(d.triage, False)  # skipped signs: on every page
            common.render_unknown_signs_note(d.triage, listed=False)
        if triage and d.triage.act_first:
            if d.triage.level == "emergency":
                _call_buttons()
            model = common.get_model()
            labels = [cause_label(model, c) for c in d.triage.flagged]
            st.markdown(flagged_note(labels) if labels else ACT_FIRST_HEADLINE)
            return
        lead = "Most likely so far" if triage else "Most likely"  # the result page's own
        st.markdown(f"{lead}: **{top.label}** · **{common.chance(top)}**")


ACT_FIRST_HEADLINE = ("**Act on the advice above first.** The chances below come from all your "
                      "answers together and are no reason to wait.")


def _call_buttons(numbers: tuple[tuple[str, str, str], ...] = common.EMERGENCY_NUMBERS,
                  primary: bool = True) -> None:
    """One button per number (``tel:`` links; the emergency numbers unless ``numbers``),
    the place each serves as help, in a row that wraps (as columns they stacked into four
    full-width buttons on a phone and pushed the question below the screen)."""
    with st.container(horizontal=True, gap="small"):
        for number, label, where in numbers:
            st.link_button(label, f"tel:{number}",
                           type="primary" if primary else "secondary",
                           help=where, width="content", icon=":material/call:")


def _question_card(model: Model, d: Diagnosis, qid: str) -> None:
    ss = st.session_state
    q = model.question_map[qid]
    system = ss["hl_units"]
    n_done = len(ss["rn_history"])
    remaining = min(_useful_remaining(d), TYPICAL_MORE)
    # never "stop whenever you like" under "call an ambulance"
    first = "act on the advice above first; " if d.triage.act_first else ""
    hint = (f"{first}a few more answers could change our advice" if d.triage.so_far
            else "act on the advice above first: these answers are for your report"
            if first else "stop whenever you like")
    # an earlier answer asked again ("Change", Back) is not "Question 31" (a re-walk)
    step = ("An earlier answer, to change" if ss.get("rn_force") == qid
            else f"Question {n_done + 1}")
    with st.container(key="rn_question"):  # the question's top (SCROLL_TOP, sideways)
        st.progress(n_done / max(n_done + remaining, 1), text=f"{step} · {hint}")
        st.markdown(f"### {q.text}", help=q.help)
    prev = ss["rn_prev"].get(qid)
    if prev is not None:
        said = skip_label(qid) if prev == UNSURE else units.label(q, prev, system)
        st.caption(f"Your earlier answer: **{said}** (marked below). Choose again.")
    if q.type == "number":
        if q.unit in units.CONVERSIONS:
            common.units_control("rn_units_pick")
        unit = units.unit(q, system)
        lo, hi = units.shown_range(q, system)
        start = units.shown(q, prev, system) if isinstance(prev, int | float) else None
        if start is not None and f"rn_num_{qid}" not in ss:
            ss[f"rn_num_{qid}"] = f"{start:g}"  # the earlier answer as written: 30, not 30.00
        # a form: Enter in the box saves the answer as the button does; a text box read here
        # (units.parse_number), so a decimal comma counts and a problem is said in words
        with st.form(key=f"rn_form_{qid}", border=False, enter_to_submit=True):
            other = units.other_units(unit)  # "6 months" for a number of weeks
            st.text_input(f"Your answer ({unit}, {lo:g} to {hi:g}"
                          + (f"; {other} are fine too, such as “6 months”)" if other else ")")
                          if unit else f"Your answer ({lo:g} to {hi:g})",
                          key=f"rn_num_{qid}", max_chars=20, autocomplete="off")
            problem = ss.get(f"rn_numerr_{qid}")
            if problem:
                st.error(problem, icon=":material/error:")
            st.form_submit_button("Save answer", key=f"rn_save_{qid}", type="primary",
                                  on_click=_answer_number, args=(qid,), width="stretch")
    else:
        for opt in q.states:
            label = q.answer_label(opt)
            earlier = prev == opt
            with st.container(key=f"rn_prev_{qid}_{opt}" if earlier else None):
                st.button(f"{label} ✓" if earlier else label, key=f"rn_opt_{qid}_{opt}",
                          on_click=_answer, args=(qid, opt), width="stretch",
                          type="primary" if earlier else "secondary")
    st.button(skip_label(qid) + (" ✓" if prev == UNSURE else ""), key=f"rn_opt_{qid}__unsure",
              on_click=_answer, args=(qid, None), width="stretch")
    explain.why_we_ask(model, d, qid, skip=set(ss["rn_unsure"]))
    c1, c2 = st.columns(2)
    c1.button("← Back", key="rn_back", on_click=_back, disabled=not ss["rn_history"],
              width="stretch")
    c2.button("See my result", key="rn_stop", on_click=_set_stage, args=("result",),
              width="stretch")
    # back to the top of the page (headline and question) after each answer
    lift = "false" if d.triage.act_first else "true"  # an urgent level stays in view
    st.html(SCROLL_TOP.format(step=f"{n_done}-{qid}", lift=lift), unsafe_allow_javascript=True)


def _answers_list(model: Model) -> None:
    ss = st.session_state
    result = ss["rn_stage"] == "result"  # a change made here returns to the result
    answers: dict[str, Any] = ss["rn_answers"]
    system = ss["hl_units"]
    rf = set(red_flag_questions(model))
    mine = {q: v for q, v in answers.items() if q not in rf}
    unsure = len(ss["rn_unsure"])  # listed too, so counted too
    signs = sum(q in rf for q in answers)  # "Your answers (0)" after 15 signs: a runner walk
    told = "1 warning sign" if signs == 1 else f"{signs} warning signs"
    parts = ([told, f"{len(mine)} more"] if signs else [f"{len(mine)}"]) + (
        [f"{unsure} not sure"] if unsure else [])
    with st.expander(f"Your answers ({', '.join(parts)})", expanded=False):
        if not mine and not ss["rn_unsure"]:
            st.write("No answers yet.")
        for qid, v in mine.items():
            q = model.question_map[qid]
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            c1.markdown(f"{q.text} **{units.label(q, v, system)}**")
            c2.button("Change", key=f"rn_rm_{qid}", on_click=_ask_again, args=(qid, result),
                      help="Ask this question again")
        for qid in ss["rn_unsure"]:
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            c1.markdown(f"{model.question_map[qid].text} **{skip_label(qid)}**")
            c2.button("Answer", key=f"rn_rm_{qid}", on_click=_ask_again, args=(qid, result),
                      help="Ask this question again")
        flags = {q: v for q, v in answers.items() if q in rf}
        if flags:
            st.caption("Warning signs: " + "; ".join(
                f"{model.question_map[q].text} {model.question_map[q].answer_label(v)}"
                for q, v in flags.items()))
        if rf:  # answered signs to change, or signs left open to answer
            st.button("Change warning signs", key="rn_rf_change", on_click=_change_signs,
                      args=(result,))


def _bars(d: Diagnosis | Assessment) -> Any:
    """The top causes' bars; returns their slot, which :func:`_bars_body` can fill again
    later in the same run (with the ranges, once computed)."""
    with st.container(key="rn_bars"):
        slot = st.empty()
    _bars_body(slot, d)
    return slot


def _bars_body(slot: Any, d: Diagnosis | Assessment) -> None:
    """The most probable causes, and after them any cause a warning sign present points to
    that is not among them (a runner sent to a doctor for a clot looked for it in vain)."""
    d = plain_view(d)  # the runner's words
    pinned = flagged_beyond(d, common.TOP_N)
    with slot.container():
        for c in d.causes[:common.TOP_N]:
            st.progress(min(max(c.probability, 0.0), 1.0),
                        text=f"**{c.label}** · {common.chance(c)}")
        for c in pinned:
            st.progress(min(max(c.probability, 0.0), 1.0),
                        text=f"**{c.label}** · {common.chance(c)} · {FLAGGED_BAR}")


FLAGGED_BAR = "your warning sign points to it: to be checked whatever its chance"


def flagged_beyond(d: Diagnosis | Assessment, n: int) -> list[Any]:
    """The causes a warning sign present points to that rank below the first ``n``: shown
    after them whatever their chance (the bars, the result's "why" sections)."""
    return [c for c in d.causes[n:] if c.id in d.triage.flagged]


def _result(model: Model, d: Diagnosis | Assessment, *, full: bool) -> Any:
    """The result (``full``) or the ranking so far; returns the bars' slot."""
    d = plain_view(d)  # the runner's words
    system = st.session_state["hl_units"]
    st.subheader("Your result" if full else "Your result so far")
    if full:
        # the open signs counted above the level, listed in short words under it, with a
        # button to answer them (a runner walk: eight in full filled the phone's screen)
        common.render_triage(d, answer_signs=_answer_signs_button)
        if d.triage.act_first:  # where, the call button and what if it gets worse, as on
            # the disposition screen (a runner walk: after "Answer more questions for the
            # report" the result page had lost them)
            level = d.triage.level if d.triage.level in common.WHERE else "urgent"
            with st.container(key="rn_result_disposition"):
                _where(level)
                _if_worse(level)
    st.markdown("**Most probable causes**")
    if d.triage.flagged:  # a warning sign's cause is checked whatever its chance below
        st.warning(flagged_note([cause_label(model, c) for c in d.triage.flagged]),
                   icon=":material/priority_high:")
    bars = _bars(d)
    st.caption("The chance that each cause is behind your heavy legs. Several causes can be "
               "present at once, so the chances do not add up to 100%. " + common.range_note(model))
    if not full:
        return bars
    assert isinstance(d, Diagnosis)  # the full result is drawn from the whole diagnosis
    if d.triage.act_first:  # nothing that reads as reassurance
        for c in [*d.causes[:3], *flagged_beyond(d, 3)]:
            with st.expander(f"{c.label}: why", expanded=False):
                explain.cause_details(model, d, c.id, None, key=f"rn_cd_{c.id}", system=system)
        st.caption(common.ACT_FIRST_NOTE)
        _downloads(model)
        return bars
    explain.notes(d)
    advice = plain_advice(common.get_advice())
    for i, c in enumerate(advised_causes(d)):
        with st.expander(f"{c.label}: why, what to do, when to see someone", expanded=i == 0):
            explain.cause_details(model, d, c.id, advice, key=f"rn_cd_{c.id}", system=system)
    explain.helpful_changes(model, d, system)
    common.units_control("rn_units_pick")
    whatif.render(model, d, st.session_state["rn_answers"], key_prefix="rn_wi", system=system,
                  expanded=True)
    with st.expander("Good habits against heavy legs"):
        for item in advice.general if advice is not None else ():
            st.markdown(f"- {item.text}")
            st.caption(f"Sources: {common.sources_text(model, item.sources)}")
    _downloads(model)
    return bars


def _downloads(model: Model, *, with_link: bool = True) -> None:
    ss = st.session_state
    answers = dict(ss["rn_answers"])
    st.markdown("**Take it with you**")
    c1, c2 = st.columns(2)
    unsure = tuple(ss["rn_unsure"])
    c1.download_button("Report for your doctor (PDF)",
                       data=lambda: pdf_report(model, answers, not_sure=unsure),
                       file_name="heavylegs-report.pdf", mime="application/pdf",
                       key="rn_dl_pdf", width="stretch", on_click="ignore")
    units_now = st.session_state["hl_units"]
    c2.download_button("Your answers as a file, for a physio",
                       data=lambda: case_json(model, answers, units=units_now, not_sure=unsure),
                       file_name="heavylegs-case.json", mime="application/json",
                       key="rn_dl_json", width="stretch", on_click="ignore")
    if not with_link:
        return
    screen = share.Screen(answers, {}, model.population, {}, tuple(ss["rn_unsure"]),
                          ss["hl_units"])
    try:
        link = share.share_link(model, screen, common.page_url("physio"))
    except InputError as exc:
        st.caption("No share link: " + "; ".join(exc.problems))
        return
    # folded: the link runs to some 25 lines on a phone (a runner walk)
    with st.expander("Share link for a physio"):
        st.caption("Copy it with the button at its top right: it opens your answers on their "
                   "workbench; nothing is stored on a server.")
        st.code(link, language=None, wrap_lines=True)


def render() -> None:
    """Render the runner page. After an answer whose diagnosis is not ready (the prefetch had
    no time for it), the headline and the ranking are drawn first from the assessment
    (:meth:`Model.assess`, the same numbers), and the next question, which needs every
    question's previews, follows in place when the diagnosis is done."""
    _init()
    model = common.get_model()
    ss = st.session_state
    answers: dict[str, Any] = ss["rn_answers"]
    stage = ss["rn_stage"]
    d: Diagnosis | None = None
    if stage != "red_flags":
        d = model.ready(answers)
    quick: Diagnosis | Assessment | None = d
    drawn: list[Any] = []  # the page drawn from the assessment before its ranges
    if stage == "questions" and d is None:
        # this session's other answers' diagnoses would compete with this one
        common.drop_prefetch(common.session_owner(), answers)
        quick = model.assess(answers, intervals=True,
                             early=lambda a: _draw_early(model, a, drawn))
    elif stage in ("triage", "result") and d is None:
        quick = d = model.diagnose(answers)
    ahead: list[dict[str, Any]] | None = None  # the shown question's answer sets
    if (stage in ("questions", "result") and quick is not None and quick.triage.act_first
            and ss.get("rn_seen_level", 0) < LEVELS.index(quick.triage.level)):
        stage = ss["rn_stage"] = "triage"  # the level has just become urgent or worse
    if stage in ("red_flags", "triage"):
        st.header("Why do my legs feel heavy?")
    if stage == "red_flags":
        _red_flag_screen(model)
        if ss.pop("rn_rf_scroll", False):
            st.html(SCROLL_TOP.format(step=f"signs-{ss['hl_rf_arrivals']}", lift="false"),
                    unsafe_allow_javascript=True)
    elif stage == "triage":
        d = d or model.diagnose(answers)
        _triage_screen(model, d)  # from the top: the warning-sign screen was scrolled
        st.html(SCROLL_TOP.format(step=f"triage-{d.triage.level}", lift="false"),
                unsafe_allow_javascript=True)
    elif stage == "questions":
        qid = None if d is None else next_question(model, d)
        if d is not None and qid is None:
            _stop(d)
            stage = "result"
        else:
            ahead = _question_page(model, answers, d, quick, qid, drawn)
    if stage == "result":
        assert d is not None  # diagnosed above: a result stage, or the questions' stop
        note = ss.pop("rn_stop_note", None)
        if note is not None:
            (st.info if note[0] else st.success)(note[1])
        if not d.triage.act_first:  # else the triage box comes first alone
            _headline(d, triage=False)  # the full triage follows at once
        _result(model, d, full=True)
        _result_buttons(d)
        # to the top on arriving at a result, not on every rerun of it: "Start again", "Keep
        # my answers" or a what-if slider moved the element and the page jumped to the top
        # (a re-walk)
        arrived = repr(sorted(answers.items()))
        if ss.get("rn_result_scrolled") != arrived:
            ss["rn_result_scrolled"] = arrived
            st.html(SCROLL_TOP.format(step="result", lift="false"), unsafe_allow_javascript=True)
    if stage in ("questions", "result"):
        _answers_list(model)
    common.render_disclaimer()
    _guard_leaving(bool(answers) or stage != "red_flags")
    if ahead is not None:  # last: the page is drawn before background work competes with it
        common.prefetch(model, ahead, common.session_owner())


# Answers live only in this browser session (nothing is stored on the server): a reload or the
# phone's Back button left the app and wiped them without a word (a runner walk). While there
# are answers, the browser asks before leaving the page.
LEAVE_GUARD = """<script>/* {state} */
(() => {{ const w = window.parent || window;
  w.onbeforeunload = {on} ? (e => {{ e.preventDefault(); e.returnValue = ''; }}) : null; }})();
</script>"""


def _guard_leaving(on: bool) -> None:
    st.html(LEAVE_GUARD.format(state="answers" if on else "none", on="true" if on else "false"),
            unsafe_allow_javascript=True)


def _so_far(a: Diagnosis | Assessment) -> Diagnosis | Assessment:
    """An assessment's triage as shown before the look-ahead is done: "so far"."""
    return replace(a, triage=replace(a.triage, so_far=True))


def _draw_ranking(model: Model, shown: Diagnosis | Assessment,
                  waiting: bool) -> tuple[Any, Any, Any]:
    """Headline, the question's place (``waiting``: a note that it is being chosen) and
    the ranking so far, in that order; returns their slots (headline, card, bars)."""
    head = _headline(shown)
    card = st.empty()
    if waiting:
        card.caption("Choosing your next question…")
    st.divider()
    bars = _result(model, shown, full=False)
    return head, card, bars


def _draw_early(model: Model, a: Assessment, drawn: list[Any]) -> None:
    """The page from the assessment without its ranges (``Model.assess``'s ``early``), drawn
    while they are computed; their slots go to ``drawn``. Nothing when the answer has just
    raised the level to act first: its screen replaces the questions."""
    if a.triage.act_first and st.session_state.get("rn_seen_level", 0) < LEVELS.index(
            a.triage.level):
        return
    drawn.extend(_draw_ranking(model, _so_far(a), True))


def _question_page(model: Model, answers: dict[str, Any], d: Diagnosis | None,
                   quick: Diagnosis | Assessment | None,
                   qid: str | None, drawn: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Headline, question card and the ranking so far, in that order on the page, in the same
    places whether the diagnosis is ready or not (so no piece of the previous page lingers
    between them). Not ready: the headline and ranking are drawn from the assessment
    (``quick``) at once (``drawn``: already drawn without the ranges, which are filled in
    now), and the question follows when the diagnosis, which starts from the assessment's
    work, is done. Returns the answer sets to compute ahead."""
    assert quick is not None
    shown = quick if d is not None else _so_far(quick)  # "so far" until the look-ahead is done
    if drawn:
        head, card, bars = drawn
        _headline_body(head, shown)
        _bars_body(bars, shown)
    else:
        head, card, _ = _draw_ranking(model, shown, d is None)
    if d is None:
        d = model.diagnose(answers)  # starts from the assessment's work
        qid = next_question(model, d)
        if qid is None:
            _stop(d)
            st.rerun()
        _headline_body(head, d)
    assert qid is not None
    with card.container():
        _question_card(model, d, qid)
    return next_answers(model, d, qid, answers)


def _stop(d: Diagnosis) -> None:
    """Nothing more is worth asking: on to the result, which opens with why."""
    st.session_state["rn_stop_note"] = stop_note(d)
    _set_stage("result")


def stop_note(d: Diagnosis) -> tuple[bool, str]:
    """(whether it is shown as plain information rather than in green, its words): green
    only for a settled self-care result; "That is enough" in green beside "see a doctor"
    read as an all-clear (a runner walk)."""
    neutral = d.triage.so_far or bool(d.triage.unknown_warning_signs) or (
        d.triage.level != "self_care")
    return neutral, stop_message(d)
