"""Shared UI pieces: the cached model, bands, titles and small renderers (answer labels,
what-if factors and groups come from the model, i.e. from priors/).

The model is built once per population with ``st.cache_resource``; it is immutable and its
queries are pure functions of the answers, so sharing it between sessions leaks nothing.
"""

from __future__ import annotations

import gc
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

import streamlit as st

from model import (
    DISCLAIMER,
    LEVELS,
    OPEN_LEVEL_WORDS,
    Advice,
    Diagnosis,
    Model,
    PriorsError,
    abandon,
    background,
    load_model,
    pct,
    range_words,
    running_label,
    unknown_raise_lines,
)

from . import units

NOT_SURE = "Not sure"
TOP_N = 5

LEVEL_ICONS = {
    "self_care": ":material/check_circle:",
    "see_doctor": ":material/stethoscope:",
    "urgent": ":material/warning:",
    "emergency": ":material/emergency:",
}
# titles of the question groups of priors/questions.yaml (a new group shows its id)
GROUP_TITLES = {
    "about_you": "About you",
    "training": "Training",
    "symptoms": "Symptoms",
    "red_flags": "Warning signs",
    "exam": "Examination",
    "test": "Tests",
}


@st.cache_resource(show_spinner=False)
def get_model(population: str = "self_assessment") -> Model:
    """The shared, immutable model for a population (built once per process).

    ``HEAVYLEGS_PRIORS`` names another priors directory (e.g. one written by
    ``python -m model learn``)."""
    model = load_model(population=population, priors_dir=os.environ.get("HEAVYLEGS_PRIORS"))
    # The model, and everything imported so far, lives as long as the server: moved out of
    # the garbage collector's generations, a full collection no longer walks it (one took
    # 90-360 ms, holding the interpreter lock while the server had a page to send). Garbage
    # is collected first, so none is frozen with it. The forced collection after every rerun
    # is off too (.streamlit/config.toml).
    gc.collect()
    gc.freeze()
    return model


# one background worker computes, for the answers the runner may give next, first their
# assessments (the ranking the page draws at once after a click) and then their diagnoses
# (the next question): the model caches both, and a click on one of them waits for it rather
# than computing it again (Model.assess and Model.diagnose are single-flight). Requests are
# per browser session (``owner``): a session's newer request, or its click, drops its own
# jobs not yet started, never another session's; the queue keeps every session's
# assessments before the diagnoses, so each runner's next ranking comes first.
# A daemon thread: quitting the app never waits for a diagnosis nobody asked for.
# (future, model, answers, whole diagnosis?, owner)
_PENDING: list[tuple[Future[Any], Model, dict[str, Any], bool, str]] = []
_WAKE = threading.Condition()
_WORKER: list[threading.Thread] = []
# the worker waits this long after a request before it starts computing: the rerun that asked
# has then sent its page, and the server's event loop (which needs the interpreter lock to
# write the page to the browser) is not competing with a diagnosis. It was 0.25 s; since the
# worker starts with the assessments and keeps to one thread, 0.05 s lets a quick click find
# its ranking ready more often (bench_browser --read 0: median 117-138 ms against 139-157)
# with no loss for a reading runner (--read 4: 111 ms median, worst 170 ms)
SETTLE_S = 0.05
_BATCH = [0]  # requests so far (the worker settles once per new request, not per diagnosis)
# the job the worker is computing: (owner, answers, its threads mode), or empty
_RUNNING: list[tuple[str, dict[str, Any], Any]] = []


def _work() -> None:
    seen = 0
    while True:
        with _WAKE:
            while not _PENDING:
                _WAKE.wait()
            fresh, seen = _BATCH[0] != seen, _BATCH[0]
        if fresh:  # a new request: let its page reach the browser first
            time.sleep(SETTLE_S)
        with _WAKE:
            if not _PENDING:  # cancelled meanwhile
                continue
            fut, model, answers, whole, owner = _PENDING.pop(0)
        if not fut.set_running_or_notify_cancel():
            continue
        try:
            with background() as mode:  # on this thread alone: a click's gets the other core
                with _WAKE:
                    _RUNNING[:] = [(owner, answers, mode)]
                if whole:
                    model.diagnose(answers)
                else:
                    model.assess(answers, intervals=True)
        except Exception:  # noqa: BLE001 - the click itself reports any problem; or Stopped
            pass
        finally:
            with _WAKE:
                _RUNNING.clear()
        fut.set_result(None)


def session_owner() -> str:
    """This browser session's token for the prefetch queue (random, kept in the session's
    state only; it names no one)."""
    return str(st.session_state.setdefault("hl_prefetch_owner", uuid.uuid4().hex))


def _drop(owner: str) -> None:
    """Cancel ``owner``'s jobs not yet started (the caller holds ``_WAKE``)."""
    keep = []
    for job in _PENDING:
        if job[4] == owner:
            job[0].cancel()
        else:
            keep.append(job)
    _PENDING[:] = keep


def prefetch(
    model: Model, answer_sets: Sequence[Mapping[str, Any]], owner: str = ""
) -> list[Future[Any]]:
    """Start the assessments (with intervals) and then the diagnoses of ``answer_sets`` in
    the background, in order (most likely first), so the click that gives one of them finds
    its ranking, and then its next question, ready (nothing is stored beyond the model's
    in-memory caches, nothing is logged); returns the diagnoses' futures. ``owner``'s
    requests not yet started are dropped first: only its latest question's answers are
    worth computing ahead. ``HEAVYLEGS_PREFETCH=0`` turns it off."""
    if os.environ.get("HEAVYLEGS_PREFETCH", "1") == "0":
        return []
    with _WAKE:
        _drop(owner)
        ranks = [(Future(), model, dict(a), False, owner) for a in answer_sets]
        wholes = [(Future(), model, dict(a), True, owner) for a in answer_sets]
        first_whole = next((i for i, job in enumerate(_PENDING) if job[3]), len(_PENDING))
        _PENDING[first_whole:first_whole] = ranks  # after the other sessions' assessments
        _PENDING.extend(wholes)
        _BATCH[0] += 1
        if not _WORKER:
            _WORKER.append(threading.Thread(target=_work, name="heavylegs-prefetch",
                                            daemon=True))
            _WORKER[0].start()
        _WAKE.notify()
        return [job[0] for job in wholes]


def drop_prefetch(owner: str = "", given: Mapping[str, Any] | None = None) -> None:
    """Cancel ``owner``'s background work not yet started: the runner has answered, and the
    answer's own diagnosis should not wait behind answers not given. With ``given`` (the
    answers the runner gave), ``owner``'s job already running is stopped at its next batch
    too unless it is for those answers (:func:`model.abandon`: it would hold a core the
    click's own assessment needs); other sessions' jobs stay."""
    with _WAKE:
        _drop(owner)
        if given is not None and _RUNNING:
            who, answers, mode = _RUNNING[0]
            if who == owner and answers != dict(given):
                abandon(mode)


def require_model() -> None:
    """Stop the page with the knowledge-base problems if the priors cannot be loaded: the
    app never runs on a half-built model."""
    try:
        get_model()
    except PriorsError as exc:
        st.error("The knowledge base (priors) is broken, so no result can be given. "
                 "Nothing was loaded. Problems:")
        st.code("\n".join(exc.problems), language=None)
        st.stop()


def get_adjusted_model(population: str, rates: tuple[tuple[str, float], ...]) -> Model:
    """A model with some base rates changed, the population's own model when none are
    (``Model.with_base_rates`` keeps a bounded cache of its variants, so nothing here grows
    with the slider positions)."""
    return get_model(population).with_base_rates(dict(rates))


def page_url(url_path: str) -> str:
    """The address of one of the app's pages as the browser sees it (for share links)."""
    from urllib.parse import urlsplit

    here = urlsplit(st.context.url or "http://localhost:8501/")
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    path = "/".join(p for p in (base, url_path) if p)
    return f"{here.scheme or 'http'}://{here.netloc or 'localhost:8501'}/{path}"


def get_advice() -> Advice | None:
    """The knowledge base's advice (part of it: checked when the priors load)."""
    return get_model().kb.advice


# Presentation defaults (data, not scattered through the code): large targets (at least 44 px,
# WCAG 2.5.5), no "Press Enter to apply" under the runner's number box (its button saves),
# a visible keyboard focus ring, and captions and the chosen segment of a segmented control
# (units) dark enough for 4.5:1 contrast (WCAG 1.4.3).
CSS = """
<style>
.stButton button, .stDownloadButton button, .stFormSubmitButton button { min-height: 48px; }
[data-testid="stRadio"] label[data-baseweb="radio"],
[data-testid="stRadio"] [data-testid="stRadioOption"] { min-height: 44px; padding: 4px 12px 4px 0;
  align-items: center; }
[data-testid="stCheckbox"] label { min-height: 44px; align-items: center; }
.st-key-rn_rf_continue { position: sticky; bottom: 0; z-index: 10; padding: 8px 0;
  background: var(--background-color, #ffffff); }
[class*="st-key-rn_num_"] [data-testid="InputInstructions"] { display: none; }
button:focus-visible, a:focus-visible, input:focus-visible, [role="tab"]:focus-visible {
  outline: 3px solid #1f4e79 !important; outline-offset: 2px; }
[class*="st-key-rn_prev_"] button { border-width: 3px; }
.st-key-hl_nav a { min-height: 44px; }
button[data-variant="segmented_control"][aria-checked="true"],
button[data-variant="segmented_control"][aria-checked="true"] p { color: #8f1f2c !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] p { color: #4b5058 !important; opacity: 1 !important; }
/* a code block's copy button (share links) shows without hovering, so a phone can tap it */
[data-testid="stCode"] div:has(> [data-testid="stElementToolbarButton"]),
[data-testid="stCode"] div:has(> div > [data-testid="stElementToolbarButton"]) {
  opacity: 1 !important; visibility: visible !important; }
[data-testid="stCode"] button[aria-label="Copy to clipboard"] { min-width: 44px;
  min-height: 44px; }
/* ... and the link wraps beside it, not under it (the button hid part of the link) */
[data-testid="stCode"] pre { padding-right: 64px !important; }
/* the element holding these rules takes no room (its style still applies) */
[data-testid="stElementContainer"]:has([data-testid="stMarkdownContainer"] > style) {
  display: none; }
.st-key-wb_phone_note { display: none; }
.st-key-wb_mini { display: none; }
/* the workbench's result keeps its room while a new one is computed (the note that
   replaces it meanwhile made the why chart and the tables below jump up and back) */
.st-key-wb_result { min-height: 56rem; }
/* the workbench's urgent or emergency level stays in view while the form is scrolled */
[data-testid="stLayoutWrapper"]:has(> .st-key-wb_alert), .st-key-wb_alert { position: sticky;
  top: 3.75rem; z-index: 20; }
/* touch targets of at least 44 px (WCAG 2.5.5): slider handles (12 px by default, with an
   invisible margin that takes the tap), call and link buttons, expander headers, number
   boxes and the units control */
[data-testid="stSlider"] div[style*="translate(-50%, -50%)"] { width: 24px !important;
  height: 24px !important; }
[data-testid="stSlider"] div[style*="translate(-50%, -50%)"]::before { content: "";
  position: absolute; inset: -10px; }
[data-testid^="stBaseLinkButton"] { min-height: 48px; }
[data-testid="stExpander"] summary { min-height: 44px; }
[data-testid="stNumberInput"] input { min-height: 44px; }
button[data-variant="segmented_control"] { min-height: 44px; }
/* keyboard focus scrolls clear of the sticky Continue button of the warning signs */
html, [data-testid="stMain"], [data-testid="stAppViewContainer"] { scroll-padding-bottom: 96px; }
/* a touch screen keeps the "hover" of the last tap on whatever button comes to lie under
   it: the next question's answer looked chosen already */
@media (hover: none) {
  .stButton button[kind="secondary"]:hover { background-color: inherit !important;
    border-color: rgba(49, 51, 63, 0.2) !important; color: inherit !important; }
}
@media (max-width: 1199px) {
  /* the workbench below a wide desktop (a 1024 px tablet): its answers and result columns
     stack, the result first, each the page's width (side by side the posterior table cut
     its interval column and the answer tabs hid Examination and Tests behind an arrow) */
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] .st-key-wb_result) {
    flex-wrap: wrap; }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] .st-key-wb_result)
    > [data-testid="stColumn"] { width: 100% !important; flex: 1 1 100% !important;
    min-width: 100% !important; }
  [data-testid="stColumn"]:has(.st-key-wb_result) { order: -1; }
  /* and the level with the leading causes in one line, in view over the form (the sticky
     alert box holds it) */
  .st-key-wb_mini { display: block; background: var(--background-color, #fff);
    border-bottom: 1px solid rgba(49, 51, 63, 0.2); padding: 0.25rem 0; }
  /* the line says an urgent level in red: the sticky red box over it covered a fifth of a
     768 px screen and the rows below (a physio walk) */
  .st-key-wb_alert [data-testid="stAlert"] { display: none; }
}
@media (max-width: 640px) {
  .st-key-wb_phone_note { display: block; }
}
@media (max-height: 500px) {
  /* a phone held sideways (about 390 px high): the page's top margin (96 px) and the 36 px
     title took a third of the screen before the first question */
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
  [data-testid="stMain"] h2 { font-size: 1.6rem; }
  [data-testid="stMain"] h3 { font-size: 1.3rem; }
  /* the question brought to the top (ui.runner.SCROLL_TOP) clears the page's header */
  .st-key-rn_question { scroll-margin-top: 3.75rem; }
}
</style>
"""


def style() -> None:
    """The app's few style rules (see ``CSS``), as Markdown: st.html's code loads on demand,
    so on a fresh page its rules arrived 1-2 s after the rest (unstyled targets meanwhile);
    Markdown's are there with the first elements. An empty st.html on every page loads that
    code with the first screen, so the scroll-to-top script after an answer runs at once (it
    ran 1-2 s late on the first question, the page left scrolled down meanwhile)."""
    st.markdown(CSS, unsafe_allow_html=True)
    st.html("<style></style>")


def nav_bar(pages: Sequence[Any], icons: Sequence[str | None] = ()) -> None:
    """The app's pages as one row of links at the top of every page, each with its icon."""
    with st.container(horizontal=True, key="hl_nav", gap="small"):
        for i, page in enumerate(pages):
            st.page_link(page, label=page.title, icon=icons[i] if i < len(icons) else None)


def _set_units(key: str) -> None:
    st.session_state["hl_units"] = st.session_state.get(key) or "metric"


def units_control(key: str) -> None:
    """Km/°C or miles/°F, chosen once for the session (``hl_units``, shared by the runner's
    page and the workbench); ``key`` is this page's widget."""
    st.session_state[key] = st.session_state.get("hl_units", "metric")
    st.segmented_control("Units", list(units.UNIT_SYSTEMS), key=key,
                         format_func=units.UNIT_SYSTEMS.get, on_change=_set_units,
                         args=(key,), required=True)


def chance(c: Any) -> str:
    """A cause's chance with its range, the one way the runner's page says it: "42% (could
    be 21% to 66%)". The range is the model's interval over the uncertainty of its own
    numbers (priors/uncertainty.yaml: 80%; issue 16)."""
    if c.interval is None:
        return pct(c.probability)
    lo, hi = c.interval
    if pct(lo) == pct(hi):
        return pct(c.probability)
    return f"{pct(c.probability)} (could be {range_words(lo, hi)})"


def range_note(model: Model) -> str:
    """What the range after each chance means, in plain words."""
    cov = model.kb.uncertainty.interval
    return ("The range after each chance shows how sure the model is of it: its numbers come "
            f"from studies and careful estimates, and the range covers {cov:.0%} of what those "
            "numbers allow. It cannot cover what the model leaves out.")


def question_groups(model: Model) -> tuple[str, ...]:
    """The question groups in the order the workbench shows them (known ones first)."""
    present = {q.group for q in model.questions}
    known = [g for g in GROUP_TITLES if g in present]
    return (*known, *sorted(present - set(known)))


def answer_label(model: Model, qid: str, value: Any) -> str:
    """How an answer is shown (labels from priors/questions.yaml)."""
    return model.question_map[qid].answer_label(value)


def sources_text(model: Model, keys: Sequence[str]) -> str:
    """Short 'Author year' list for reference keys (plain text, no HTML)."""
    out = []
    for k in keys:
        ref = model.kb.references.get(k)
        if ref is None:
            out.append(k)
            continue
        who = ref.authors.split(",")[0].strip()
        if not who or who.lower().startswith("unknown"):  # authors not known: a short title instead
            title = ref.title.split(" (")[0].split(": ")[0].strip()
            if len(title) > 60:
                title = title[:57].rsplit(" ", 1)[0] + "…"
            out.append(f"“{title}” {ref.year}" if ref.year else f"“{title}”")
            continue
        out.append(f"{who} {ref.year}" if ref.year else who)
    return "; ".join(out)


ACT_FIRST_NOTE = ("Training advice, what-ifs and habits are left out until a doctor has seen "
                  "you: get the check above first.")
# where to go, by level (the runner's country is not known: the common numbers are named)
# (number, button label, where it serves)
EMERGENCY_NUMBERS = (("112", "Call 112", "Europe, and most mobile phones"),
                     ("999", "Call 999", "UK"), ("911", "Call 911", "US and Canada"),
                     ("000", "Call 000", "Australia"))
# same-day help by phone where the runner's country has one number for it; named with its
# country on the button ("Call 111" alone: 111 is New Zealand's emergency number)
URGENT_NUMBERS = (("111", "Call NHS 111 (UK)",
                   "NHS 111 (England, Scotland and Wales): urgent advice, day and night"),)
WHERE = {
    "emergency": "Call your local emergency number now (112 in Europe and from most mobile "
                 "phones, 999 in the UK, 911 in the US and Canada, 000 in Australia), or have "
                 "someone take you to the emergency department. Do not drive yourself.",
    "urgent": "Today: a same-day appointment with your GP, an urgent-care or walk-in centre, "
              "or your out-of-hours service (NHS 111 in England, Scotland and Wales). If none "
              "is open, go to the emergency department.",
}
WORSE = {
    "emergency": "stop, sit or lie down, keep someone with you, and if you are alone unlock "
                 "the door.",
    # "or that you can no longer stand on": a hip stress fracture's worsening (it can
    # displace) was missing from the same-day screen (a runner walk)
    "urgent": "before you are seen, chest pain, breathlessness, fainting, confusion, or a "
              "leg that turns cold, pale, numb or very painful, or that you can no longer "
              "stand on: call your emergency number "
              "(112 in Europe, 999 in the UK, 911 in the US and Canada, 000 in Australia).",
}


def render_reasons(d: Diagnosis, every: bool = False) -> None:
    """The rules and suspicions that set the triage level, one line each: those shown to a
    runner (``Triage.reasons_shown``), or with ``every`` all of them (the physio's)."""
    for r in d.triage.reasons if every else d.triage.reasons_shown:
        st.markdown(f"- {r}")
    for note in d.triage.worked_up_notes:  # a cause a sign points to, excluded by tests
        st.markdown(f"- {note}")


CHANGE_SIGNS_HINT = "'Change warning signs' under your answers"


def unknown_signs_note(t: Any, where: str = CHANGE_SIGNS_HINT) -> str:
    """One line for warning signs left unanswered (the questions pages: said, not listed);
    ``where``: the control that changes them on this page (the disposition screen has
    "Change my answers", not "Change warning signs": a runner walk)."""
    n = len(t.unknown_warning_signs)
    which = "1 warning sign was" if n == 1 else f"{n} warning signs were"
    return f"{which} not answered: unknown, not ruled out ({where})."


def render_unknown_signs_note(t: Any, where: str = CHANGE_SIGNS_HINT,
                              listed: bool = True) -> None:
    """The grey line on warning signs left unanswered, unless the red lines above already
    count every one of them (the question must stay in view on a phone); on a question page
    (not ``listed``), unless the one line above says them (a second count beside it did not
    agree with the first: a runner walk)."""
    if not t.unknown_warning_signs or len(t.unknown_serious) >= len(t.unknown_warning_signs):
        return
    if listed or not unknown_raise_lines(get_model().kb, t, False):
        st.caption(unknown_signs_note(t, where))


def so_far_note(t: Any) -> str:
    """The "so far" label of a level the next answers could still change. At urgent or
    emergency, "could change this" beside "get medical help today" read as "this might go
    away" (a runner walk): a level a warning sign holds can only rise with more answers,
    and a suspicion's level is still to be acted on now."""
    if not t.act_first:
        return " (so far: a few more answers could change this)"
    held = any(kind in ("red_flag", "amber") and lv == t.level
               for kind, lv in zip(t.reason_kinds, t.reason_levels, strict=False))
    return (" (so far: more answers could make this more urgent)" if held
            else " (so far: act on it now, even though more answers could change it)")


def render_unknown_raises(t: Any, listed: bool = True, serious: bool = True,
                          short: bool = False) -> None:
    """The warning signs left unanswered whose answer would raise the level, each with what
    it would mean (a "not sure" to palpitations, then dizziness: a yes to both is an
    emergency, and a caption saying "1 warning sign was not answered" hid it: a runner
    walk). Shown in full wherever the level is, never folded (``short``: each sign by its
    short label)."""
    kb = get_model().kb
    lines = unknown_raise_lines(kb, t, listed, short) if serious else unknown_raise_lines(
        kb, replace(t, unknown_serious=()), listed, short)
    for level, text in lines:
        # red above the level's own box at urgent or emergency: in the level's yellow, below
        # "two weeks ... easy running is fine", it was read second (a re-walk)
        show = st.error if level in ("urgent", "emergency") else st.warning
        show(f"**Still unknown:** {text}", icon=LEVEL_ICONS[level])


def render_triage(d: Diagnosis, *, compact: bool = False, why: bool = False,
                  signs: bool = False, so_far: bool = True,
                  change: str = CHANGE_SIGNS_HINT, serious: bool = True,
                  listed: bool | None = None,
                  answer_signs: Callable[[], None] | None = None) -> None:
    """The triage box: level, what to do and why; whether to run on until seen; warning
    signs left unanswered are named as unknown (never "no red flags"); a level the next
    answers could still change is labelled "so far". ``compact``: the reasons folded away
    under "Why this advice" when ``why`` (else the page lists them itself), and with
    ``signs`` the unknown signs in one line; ``so_far``: the runner's "so far" label on a
    level the next answers could change (the workbench names those answers instead).
    ``answer_signs`` (the runner's full result): the open signs counted in one line above
    the level, and under its box a folded list of them in short words with this control to
    answer them (a runner walk: eight emergency signs in full filled the first phone screen
    above the level)."""
    t = d.triage
    note = so_far_note(t) if t.so_far and so_far else ""
    body = f"**{t.advice}**{note}"
    show = {"emergency": st.error, "urgent": st.error, "see_doctor": st.warning,
            "self_care": st.success}[t.level]
    # first: what a "not sure" could mean; the open signs named (``listed``, by default on
    # a full page) or counted (a question page, where the question must stay in view)
    listed = not compact if listed is None else listed
    folded = answer_signs is not None and bool(t.unknown_warning_signs or t.unknown_raises)
    render_unknown_raises(t, listed and not folded, serious, short=folded)
    if serious and t.self_care_if_none_applies:
        # not the green tick: under "a yes to 5 of them would mean an emergency" a green
        # "Self-care" read as all clear (a runner walk); self-care holds only if none applies
        # (the workbench, ``serious=False``, says the open signs in its own line)
        st.info(f"{body} This holds only if none of the open warning signs applies.",
                icon=":material/help:")
    else:
        show(body, icon=LEVEL_ICONS[t.level])
    if folded:
        assert answer_signs is not None
        render_open_signs(t, answer_signs)
    # on a question page the level's own words on running go under "Why this advice" with
    # the reasons (a runner walk: the box took 600 px of a phone, the answers below the
    # screen); a rule's own words (stop running until seen) stay in view
    fold = compact and why and t.reasons_shown and t.level != "self_care"
    if not compact:
        render_reasons(d)
    elif fold:
        with st.expander("Why this advice"):
            render_reasons(d)
            if t.running and t.running_is_default:
                st.markdown(f"**{running_label(t.level)}:** {t.running}")
    if t.running and not (fold and t.running_is_default):
        st.markdown(f"**{running_label(t.level)}:** {t.running}")
    if compact and signs:
        render_unknown_signs_note(t, change, listed)
    if t.unknown_warning_signs and not compact and not folded:
        qmap = get_model().question_map
        shown = [q for q in t.unknown_warning_signs if q in qmap]
        which = "1 warning sign" if len(shown) == 1 else f"{len(shown)} warning signs"
        # a list folded away: on a phone the questions in full run to a screen or more
        with st.expander(f"{which} not answered, so unknown rather than ruled out"):
            for q in shown:
                st.markdown(f"- {qmap[q].text}")


def open_sign_lines(t: Any) -> list[tuple[str, str]]:
    """(question, line): the open warning signs in short words, those whose yes would mean
    the most first, each with what a yes would mean where it raises the level
    (``Triage.unknown_raises`` and ``unknown_serious``, which may hold other open questions
    too), then the others; none left out, none said as "no"."""
    qmap = get_model().question_map
    raise_ = {q: (a, lv) for q, a, lv in (*t.unknown_serious, *t.unknown_raises)}
    ids = [q for q in dict.fromkeys([*t.unknown_warning_signs, *raise_]) if q in qmap]
    ids.sort(key=lambda q: -LEVELS.index(raise_[q][1]) if q in raise_ else 1)
    out = []
    for q in ids:
        a, lv = raise_.get(q, ("yes", None))
        yes = "a yes" if a == "yes" else f"“{qmap[q].answer_label(a)}”"
        out.append((q, qmap[q].short.rstrip("?")
                    + (f": {yes} would mean {OPEN_LEVEL_WORDS[lv]}" if lv else "")))
    return out


def render_open_signs(t: Any, answer: Callable[[], None]) -> None:
    """Under the level's box: the open signs' count, their list folded away, and the
    control that answers them (``answer``, the runner's button)."""
    lines = open_sign_lines(t)
    signs = sum(q in t.unknown_warning_signs for q, _ in lines)
    # counted as the red line above counts them: a walk read "11 warning signs were not
    # answered and 2 more questions are open" above "13 warning signs not answered"
    which = [f"{signs} warning sign{'' if signs == 1 else 's'}"] if signs else []
    more = len(lines) - signs
    which += [f"{more} {'more ' if signs else ''}question{'' if more == 1 else 's'}"] if more \
        else []
    with st.expander(f"{' and '.join(which)} not answered: unknown, not ruled out"):
        for _, line in lines:
            st.markdown(f"- {line}")
    answer()


def render_disclaimer() -> None:
    st.caption(DISCLAIMER + " Nothing you enter is stored on the server.")
