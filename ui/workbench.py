"""The physio's workbench, in the manner of GeNIe: a stable wide layout (answers on the left,
the key numbers on the right), compact confidence entry, evidence impact as a sorted chart of
odds ratios, the next best questions, base rates as percentages with the prior they give, a
tornado chart, and an interactive network (click a node: its numbers and sources; set or
clear its answer).

State lives in ``st.session_state`` under ``wb_*`` keys (one widget key per question:
``wb_q_<id>``, confidence ``wb_c_<id>``; changed base rates ``wb_rates``); a number in km or
°C has its value in the model's unit under ``wb_v_<id>`` and a box per unit system
(``wb_q_<id>_<system>``), so the physio reads and types the runner's units (kept in case
files and share links); nothing is stored on the server. A share link
(``/physio?case=...&view=...``, ``ui/share.py``) reproduces the screen: answers, confidences,
population, base rates, "not sure" items and units.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from model import (
    CLINICIAN,
    LEVEL_TITLES,
    MAX_NOTES,
    POPULATION_TITLES,
    SELF_REPORT,
    Comparison,
    Diagnosis,
    InputError,
    Model,
    Question,
    TestValue,
    cause_name,
    compare_cases,
    escape_markdown,
    inline_label,
    load_case,
)

from . import common, explain, share, units
from .downloads import case_json, markdown_report, pdf_report, screen_case
from .network_graph import entry_words, network_chart, node_name, node_table, value_words

URL_PATH = "physio"
N_NEXT = 5
N_TESTS = 6  # rows of "which test next"
N_TORNADO = 12
CONFIDENCES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)


def flagged_words(model: Model, d: Diagnosis) -> str:
    """The banner's words on the causes the warning signs present point to: to be checked
    whatever the chances say, or, for those the clinician findings entered exclude
    (:attr:`Triage.worked_up`), excluded, the level standing for a runner not yet assessed
    (a physio walk: "to be checked" after a negative D-dimer and scan with a Wells score 0)."""
    def names(ids: Sequence[str], last: str = " or ") -> str:
        n = [inline_label(model.cause_map[c].label) for c in ids]
        return ", ".join(n[:-1]) + last + n[-1] if len(n) > 1 else "".join(n)

    t = d.triage
    open_ = t.to_check
    out = (f" The warning signs answered point to {names(open_)}: to be checked whatever the "
           "chances in the table say." if open_ else "")
    if t.worked_up:
        out += (f" The tests entered exclude {names(t.worked_up, ' and ')}, "
                "the check its warning sign asks for: the level stands for a runner not yet "
                "assessed.")
    return out


def mini_result(d: Diagnosis) -> str:
    """The level and the three leading causes in one line, kept in view over the form where
    the result and the answers stack (a physio walk at 1024 px: the answers began 5,000 px
    below the result, and every change was made blind)."""
    if not d.answers:  # the empty bench has no verdict (a re-walk: "Self-care" at 1024 px)
        return "**No answers yet**"
    causes = " · ".join(f"{cause_name(c.label)} {common.pct(c.probability)}"
                        for c in d.causes[:3])
    level = f"**{LEVEL_TITLES[d.triage.level]}**"
    if d.triage.act_first:  # in red: it stands for the red box, hidden there (common.CSS),
        # with the causes the warning signs point to, whatever the chances after it say
        model = common.get_model()
        open_ = d.triage.to_check
        signs = " or ".join(inline_label(cause_name(model.cause_map[c].label)) for c in open_)
        done = " and ".join(inline_label(cause_name(model.cause_map[c].label))
                            for c in d.triage.worked_up)
        # a cause the tests entered exclude is said excluded, not "check for" (a physio walk)
        said = (f": check for {signs}" if signs else "") + (
            f"{'; ' if signs else ': '}{done} excluded by the tests entered" if done else "")
        level = f":red[:material/warning: {level}{said}]"
    return f"{level} · {causes}"


def _confidence_words(c: float) -> str:
    return "sure" if c >= 1.0 else f"{c:.0%} sure"


# ----------------------------------------------------------------------------- state
def _converts(q: Question) -> bool:
    """A number the page can show in miles or °F (its value is kept in km or °C)."""
    return q.type == "number" and units.converts(q, "imperial")


def _number_value(q: Question) -> float | None:
    """A number answer in the model's unit."""
    key = f"wb_v_{q.id}" if _converts(q) else f"wb_q_{q.id}"
    v = st.session_state.get(key)
    return None if v is None else float(v)


def _store_number(qid: str, system: str) -> None:
    """A number typed in the page's units, kept in the model's unit."""
    q = common.get_model().question_map[qid]
    v = st.session_state.get(f"wb_q_{qid}_{system}")
    st.session_state[f"wb_v_{qid}"] = None if v is None else units.stored(q, float(v), system)


# A number box takes any number and checks it here: with Streamlit's own min and max the box
# kept a number out of range on screen (a small red mark its only sign) while the result
# went on with the number before it (a physio walk: age 150). A number out of range puts the
# box back to the number in use and says so under it, as the runner's page says it.
NUM_PROBLEMS = "wb_num_problems"  # slot -> (the box's key, the message, refused or not)
NUM_IN_USE = "wb_num_in_use"  # a box's key -> the number it showed when last drawn


def range_problem(typed: float, lo: float, hi: float, unit: str | None,
                  in_use: float | None) -> str:
    """What a number out of its box's range is told: what was typed, the range, the number
    in use and the fix."""
    def said(v: float) -> str:
        return f"{v:g}" + ("" if not unit else unit if unit == "%" else f" {unit}")

    kept = (f"The result still uses {said(in_use)} (back in the box)" if in_use is not None
            else "The result still has no answer here (the box is back to unknown)")
    return (f"{said(typed)} is outside the range this box takes ({lo:g} to {said(hi)}). "
            f"{kept}: write a number from {lo:g} to {hi:g} to change it.")


def _check_number(slot: str, key: str, lo: float, hi: float, unit: str | None,
                  then: Any = None, args: tuple[Any, ...] = ()) -> None:
    """A number box's callback: a number within [lo, hi] (or none) is taken (``then(*args)``
    runs); one outside it is not, and the box shows the number in use again."""
    ss = st.session_state
    problems = ss.setdefault(NUM_PROBLEMS, {})
    v = ss.get(key)
    in_use = ss.get(NUM_IN_USE, {}).get(key)
    if v is not None and not lo <= float(v) <= hi:
        ss[key] = in_use
        problems[slot] = (key, range_problem(float(v), lo, hi, unit, in_use), True)
        return
    problems.pop(slot, None)
    if v is None and in_use is not None:  # emptied, or letters the box could not read: said
        # (a physio walk: "abc" over an age of 55 left the answer unknown without a word)
        shown = f"{in_use:g}" + ("" if not unit else unit if unit == "%" else f" {unit}")
        problems[slot] = (key, f"{shown} was cleared: this answer is unknown now (the box "
                               "takes digits only). Type a number to answer it again.", False)
    if then is not None:
        then(*args)


def _number_box(label: str, key: str, lo: float, hi: float, unit: str | None, *,
                slot: str | None = None, then: Any = None, args: tuple[Any, ...] = (),
                where: Any = None, **kwargs: Any) -> float | None:
    """A number box checked by ``_check_number`` (``slot``: where its message is kept, the
    key unless given; ``where``: the column to draw it in). Returns the number it shows."""
    box = st if where is None else where
    value = box.number_input(label, key=key, on_change=_check_number,
                             args=(slot or key, key, lo, hi, unit, then, args), **kwargs)
    st.session_state.setdefault(NUM_IN_USE, {})[key] = value
    return value


def _number_problem(slot: str, key: str, where: Any = None) -> None:
    """The message of a number box refused (under it), while the box is on screen."""
    problem = st.session_state.get(NUM_PROBLEMS, {}).get(slot)
    if problem is not None and problem[0] == key:
        box = st if where is None else where
        if problem[2]:
            box.error(escape_markdown(problem[1]), icon=":material/error:")
        else:  # an answer cleared: said, not an error
            box.info(escape_markdown(problem[1]), icon=":material/backspace:")


def _drop_number_problems(prefix: str = "") -> None:
    """The messages of refused numbers whose slot starts with ``prefix`` go (every one with
    no prefix): the numbers they name have been replaced."""
    problems = st.session_state.get(NUM_PROBLEMS, {})
    for slot in [s for s in problems if s.startswith(prefix)]:
        del problems[slot]


def _fill(model: Model, screen: share.Screen, link: bool = False) -> list[str]:
    """Set every widget from a case or link (unanswered questions cleared); a ``link``, or
    a case file with test costs, also sets the test costs (the sender's, the priors' for the
    rest; a case file without them leaves the physio's own). Returns notes on what could not
    be set as given."""
    notes: list[str] = []
    ss = st.session_state
    _drop_number_problems()  # the numbers they name are replaced
    for q in model.questions:
        v = screen.answers.get(q.id)
        if q.type == "number" and v is not None:
            v = float(v)
        if _converts(q):
            ss[f"wb_v_{q.id}"] = v
            for system in units.UNIT_SYSTEMS:  # redrawn from the value in the model's unit
                ss.pop(f"wb_q_{q.id}_{system}", None)
        else:
            ss[f"wb_q_{q.id}"] = v
        ss[f"wb_c_{q.id}"] = float(screen.confidence.get(q.id, 1.0))
    ss["wb_population"] = screen.population
    ss["wb_rates"] = {screen.population: dict(screen.base_rates)}
    if screen.base_rates:  # a case's changed rates are shown open
        ss["wb_br_open"] = True
    ss["wb_unsure"] = list(screen.unsure)
    ss["hl_units"] = screen.units
    source = "link" if link else "file"
    for q in model.questions if link or screen.costs else ():  # the sender's, else the priors'
        if q.asked_by == "clinician":
            cost = float(screen.costs.get(q.id, q.cost_units or 1.0))
            kept = min(max(cost, COST_BOX[0]), COST_BOX[1])  # the box's range
            if kept != cost:
                notes.append(f"the {source}'s cost {cost:g} for '{q.label or q.text}' is outside "
                             f"the page's range ({COST_BOX[0]:g} to {COST_BOX[1]:g}); "
                             f"{kept:g} is used")
            ss[f"wb_cost_{q.id}"] = kept
    if screen.why is not None:  # the cause the sender had set the why chart to
        ss["wb_why"], ss["wb_why_pinned"] = screen.why, True
    else:
        ss["wb_why_reset"] = True  # the why chart follows the new top cause
    return notes


def _apply_share_link(model: Model) -> list[str]:
    """A share link fills the page once per session (before any widget is drawn)."""
    qp = st.query_params
    every = {k: qp.get_all(k) for k in qp}
    ss = st.session_state
    done = (tuple(every.get("case", ())), tuple(every.get(share.VIEW_PARAM, ())))
    if not every.get("case") or ss.get("wb_share_done") == done:
        return []
    ss["wb_share_done"] = done
    try:  # a case or view part given twice (two links run together) is refused, not the last
        screen, problems = share.read_link(share.one_each(every), model)
    except InputError as exc:
        return [f"Share link: {p}" for p in exc.problems]
    problems += _fill(model, screen, link=True)
    return [f"Share link: {p}" for p in problems]


def _on_upload() -> None:
    """Read an uploaded case (a callback: it runs before any widget is drawn, so it can set
    them all, population included)."""
    ss = st.session_state
    up = ss.get(_upload_key())
    ss["wb_load_problems"], ss["wb_load_note"], ss["wb_load_changes"] = [], "", []
    if up is None:  # the file was removed from the box
        ss.pop("wb_undo", None)
        ss.pop("wb_case", None)
        return
    model = common.get_model()
    try:
        loaded = load_case(up.getvalue(), model)
    except InputError as exc:
        ss["wb_load_problems"] = [f"Could not load {up.name}: {p}" for p in exc.problems] + [
            "The case on screen is unchanged (it is not this file's)."]
        return
    undo = _screen_now(up.name)  # read before the file replaces the screen
    ss.pop("wb_case", None)
    c = loaded.case
    changed = sum(len(r) for r in ss.get("wb_rates", {}).values())
    before = ss.get("wb_population")
    ss["wb_undo"] = undo  # a file replaces the screen: it can be undone
    fill_notes = _fill(common.get_model(c.population),
                       share.Screen(dict(c.answers), dict(c.confidence), c.population,
                                    dict(c.base_rates), unsure=c.not_sure,
                                    costs=dict(c.test_costs)))
    ss["wb_case"] = c  # its notes, case id and who answered what go into the downloads
    ss["wb_notes"] = c.notes[:MAX_NOTES]  # shown, and editable, above the downloads
    ss["hl_units"] = c.units  # the runner's units, as the case remembers them
    ss["wb_load_problems"] = [f"Set aside: {physio_words(model, p)}" for p in loaded.problems]
    # a file's cost outside the page's boxes is changed: said (a code review found it silent)
    ss["wb_load_problems"] += [f"In {up.name}: {n}." for n in fill_notes]
    ss["wb_load_changes"] = list(loaded.changes)
    n = len(c.answers)
    ss["wb_load_note"] = f"Loaded {n} answer{'' if n == 1 else 's'} from {up.name}."
    if before is not None and before != c.population:  # the radio moved: say so
        title = POPULATION_TITLES.get(c.population, c.population)
        ss["wb_load_changes"].append(
            f"{POPULATION_NOTE}, {title} (the page was on "
            f"{POPULATION_TITLES.get(before, before)})")
    if changed and not c.base_rates:  # the case's screen has the priors' own rates
        which = "the base rate you had changed was" if changed == 1 else (
            f"the {changed} base rates you had changed were")
        ss["wb_load_changes"].append(
            f"{RATES_NOTE}: {which} reset (this case file holds none)"
        )
    if c.base_rates:
        ss["wb_load_changes"].append(
            f"{FILE_RATES_NOTE}: {len(c.base_rates)} of them")


# the notes of a loaded case that the population radio makes stale
POPULATION_NOTE = "opened in its own population"
RATES_NOTE = "opened with the priors' base rates"
FILE_RATES_NOTE = "opened with the base rates changed in the file"
ELSEWHERE_NOTE = "saved with base rates changed for"


def _population_changed() -> None:
    """The population radio moved: the loaded case's notes about its population and base
    rates no longer describe the page (a physio walk read "opened in its own population,
    clinic" and "2 base rates changed" under the other population, none changed); a case
    whose base rates stay with its population says so."""
    ss = st.session_state
    stale = (POPULATION_NOTE, RATES_NOTE, FILE_RATES_NOTE, ELSEWHERE_NOTE)
    ss["wb_load_changes"] = [c for c in ss.get("wb_load_changes", [])
                             if not c.startswith(stale)]
    case = ss.get("wb_case")
    if case is not None and case.base_rates and case.population != ss.get("wb_population"):
        title = POPULATION_TITLES.get(case.population, case.population)
        ss["wb_load_changes"].append(
            f"{ELSEWHERE_NOTE} {title}: they apply there, not in this population (switch "
            "back to use them)")


_CLI_HINT = re.compile(r";? *\(?(see|use an id of) `python -m model questions`\)?")


def physio_words(model: Model, line: str) -> str:
    """A case file's problem as the workbench says it: without the command-line hint, and
    a known question named by its words, not its id (an unknown key stays as the file has
    it, so it can be found there)."""
    line = _CLI_HINT.sub("", line)

    def name(m: re.Match[str]) -> str:
        q = model.question_map.get(m.group(1))
        return f"\u201c{q.label or q.text}\u201d" if q else m.group(0)

    return re.sub(r"'([a-z][a-z0-9_]*)'", name, line)


def _load_upload() -> None:
    st.file_uploader("Load a case file (JSON)", type=["json"], key=_upload_key(),
                     on_change=_on_upload,
                     help="A case the runner downloaded, or one from the CLI.")


def _screen_now(name: str) -> tuple[str, share.Screen, Any, str] | None:
    """The case on screen before a file replaces it (None when nothing was entered): its
    answers, confidences, population, base rates, "not sure", units, test costs and why
    cause, with the case it came from."""
    ss = st.session_state
    model = common.get_model(ss.get("wb_population") or "self_assessment")
    answers, conf = _answers(model)
    screen = _page_screen(model, answers, conf, _rates(model.population))
    if not (answers or screen.unsure or ss.get("wb_notes") or screen.base_rates
            or screen.costs):
        return None  # nothing on the page to go back to
    return name, screen, ss.get("wb_case"), ss.get("wb_notes", "")


def _page_screen(model: Model, answers: dict[str, Any], conf: dict[str, float],
                 rates: dict[str, float]) -> share.Screen:
    """What the page shows, as a share link carries it: the answers, confidences,
    population, base rates, "not sure", units, test costs and the cause the why chart is
    pinned to (the share link and the undo of a load)."""
    ss = st.session_state
    why = ss.get("wb_why") if ss.get("wb_why_pinned") else None
    return share.Screen(answers, conf, model.population, rates,
                        tuple(ss.get("wb_unsure", ())), ss.get("hl_units", "metric"),
                        own_costs(model), why)


def _upload_key() -> str:
    """The upload box's key: a new one after an undo, so the box no longer shows the file
    that was undone (a re-walk; Streamlit cannot empty a file box through its state)."""
    n = st.session_state.get("wb_upload_n", 0)
    return "wb_upload" if n == 0 else f"wb_upload_{n}"


def _undo_load() -> None:
    """Back to the case on screen before the file was loaded (a physio walk: a file with
    two bad values replaced a worked case, and only a file that was not JSON kept it)."""
    ss = st.session_state
    undo = ss.pop("wb_undo", None)
    if undo is None:
        return
    name, screen, case, notes = undo
    ss["wb_upload_n"] = ss.get("wb_upload_n", 0) + 1  # an empty box in its place
    ss["wb_upload_renewed"] = True  # the note below goes with it (_drop_stale_messages)
    _fill(common.get_model(screen.population), screen, link=True)
    if case is None:
        ss.pop("wb_case", None)
    else:
        ss["wb_case"] = case
    ss["wb_notes"] = notes
    ss["wb_load_problems"], ss["wb_load_changes"] = [], []
    ss["wb_load_note"] = ("Back to the case you had before the new case." if name == "the new case"
                          else f"Back to the case you had before loading {name}.")


NEW_CASE_NOTE = ("A new, empty case: the answers, notes, changed base rates and test costs are "
                 "cleared (the population and the units stay).")


def _new_case() -> None:
    """An empty bench for the next runner (a physio walk: no way to start afresh but a
    reload, which lost everything without a word, and the last case's test costs carried
    into the next case's file): answers, confidences, "not sure", notes, base rates and test
    costs back to the priors', the population and units kept; undone as a load is."""
    ss = st.session_state
    undo = _screen_now("the new case")
    if undo is None:
        return  # nothing on the page: it is a new case already
    model = common.get_model(ss.get("wb_population") or "self_assessment")
    _fill(model, share.Screen(population=model.population,
                              units=ss.get("hl_units", "metric")), link=True)
    ss.pop("wb_case", None)
    ss["wb_notes"] = ""
    ss["wb_undo"] = undo
    ss["wb_upload_n"] = ss.get("wb_upload_n", 0) + 1  # an empty file box: the file is gone
    ss["wb_upload_renewed"] = True
    ss["wb_load_problems"], ss["wb_load_changes"] = [], []
    ss["wb_load_note"] = NEW_CASE_NOTE


def _drop_stale_messages() -> None:
    """What loading a case and a refused number said belongs to the visit it was said in.
    Another page's run drops the workbench's widgets, the case file's box among them: back
    on the page the box was empty and "Loaded 2 answers from c.json" or "Could not load
    bad.json" still stood above it (a physio walk, after a visit to About). The box missing
    from the session before it is drawn is a new visit (or the first run), unless an undo
    has just put a new box in its place; its messages go. Removing or replacing the file
    already resets them (``_on_upload``); the undo offer stays (the screen is still the
    file's)."""
    ss = st.session_state
    renewed = ss.pop("wb_upload_renewed", False)
    if _upload_key() in ss or renewed:
        return
    ss["wb_load_problems"], ss["wb_load_note"], ss["wb_load_changes"] = [], "", []
    _drop_number_problems()


def _load_messages() -> None:
    """What loading a case said, under the top row across the page (inside the uploader's
    column they pushed the population and the share button down), and a way back."""
    ss = st.session_state
    if ss.get("wb_load_note"):
        st.success(escape_markdown(ss["wb_load_note"]))  # user text is shown literally
    if ss.get("wb_undo"):
        name = ss["wb_undo"][0]
        what = "Undo the new case" if name == "the new case" else f"Undo loading {name}"
        st.button(escape_markdown(f"{what}: back to the case you had"),
                  key="wb_undo_load", on_click=_undo_load, icon=":material/undo:")
    for line in ss.get("wb_load_changes", []):
        st.info(escape_markdown(f"Note: this case was {line}."))
    for line in ss.get("wb_load_problems", []):
        st.warning(escape_markdown(line))


def _answers(model: Model) -> tuple[dict[str, Any], dict[str, float]]:
    ss = st.session_state
    answers: dict[str, Any] = {}
    conf: dict[str, float] = {}
    for q in model.questions:
        v = _number_value(q) if q.type == "number" else ss.get(f"wb_q_{q.id}")
        if v is None:
            continue
        if q.type == "number":
            v = int(v) if float(v).is_integer() else float(v)
        answers[q.id] = v
        c = ss.get(f"wb_c_{q.id}", 1.0)
        if c is not None and c < 1.0:
            conf[q.id] = float(c)
    return answers, conf


def _rates(population: str) -> dict[str, float]:
    return dict(st.session_state.setdefault("wb_rates", {}).get(population, {}))


def _set_rate(population: str, cause: str, default: float) -> None:
    ss = st.session_state
    v = ss.get(f"wb_br_{population}_{cause}")
    rates = _rates(population)
    # the box shows two decimals: the default typed back as it shows ("0.50" for 0.4955 %)
    # is the default, not a change listed in the reports (a physio walk)
    if v is None or round(float(v), 2) == round(100 * default, 2):
        rates.pop(cause, None)
    else:
        rates[cause] = float(v) / 100
    ss["wb_rates"] = {**ss["wb_rates"], population: rates}


def _reset_rates(population: str) -> None:
    _drop_number_problems("wb_br_")  # the rate it names is reset
    ss = st.session_state
    ss["wb_rates"] = {**ss.get("wb_rates", {}), population: {}}


# ----------------------------------------------------------------------------- tables
def posterior_table(d: Diagnosis) -> pd.DataFrame:
    """Prior, posterior and change per cause in percent (highest posterior first; index =
    cause id, hidden on screen)."""
    return pd.DataFrame({
        "cause": [cause_name(c.label) for c in d.causes],
        "prior": [100 * c.prior for c in d.causes],
        "posterior": [100 * c.probability for c in d.causes],
        "interval": [_interval_text(c.interval) for c in d.causes],
        "change": [100 * (c.probability - c.prior) for c in d.causes],
    }, index=[c.id for c in d.causes])


def _interval_text(iv: tuple[float, float] | None) -> str:
    return "" if iv is None else f"{100 * iv[0]:.1f}–{100 * iv[1]:.1f}%"


def next_table(model: Model, d: Diagnosis, n: int = N_NEXT) -> pd.DataFrame:
    """The next best questions: information gain and what each answer would do."""
    rows = d.next_questions[:n]
    return pd.DataFrame({
        "gain (bits)": [f"{g.expected_information_gain:.3f}" for g in rows],
        "what each answer would do (its chance: top causes after)": [
            " · ".join(explain.outcome_lines(model, d, g.id, physio=True)) for g in rows],
    }, index=pd.Index([g.text for g in rows], name="question"))


@st.cache_data(max_entries=64, show_spinner=False)
def _sensitivity(population: str, rates: tuple[tuple[str, float], ...],
                 answers: tuple[tuple[str, Any], ...],
                 conf: tuple[tuple[str, float], ...],
                 cause: str | None = None) -> list[tuple[str, float, float, float, float, str]]:
    model = common.get_adjusted_model(population, rates)
    rows = model.sensitivity(dict(answers), confidence=dict(conf) or None,
                             causes=(cause,) if cause else None)
    return [(r.text, r.effects[0][1], r.effects[0][2], r.effects[0][3], r.swing,
             r.effects[0][0]) for r in rows]


def tornado_data(population: str, rates: dict[str, float], answers: dict[str, Any],
                 conf: dict[str, float], n: int = N_TORNADO,
                 cause: str | None = None) -> tuple[str, pd.DataFrame]:
    """The cause studied (``cause``, else the top cause) and, per parameter, its probability
    (%) at the low and high end (largest swing first), from ``Model.sensitivity``."""
    rows = _sensitivity(population, tuple(sorted(rates.items())), tuple(sorted(answers.items())),
                        tuple(sorted(conf.items())), cause)[:n]
    cause = rows[0][5] if rows else ""
    return cause, pd.DataFrame({
        "parameter": [r[0] for r in rows],
        "low": [100 * r[1] for r in rows],
        "now": [100 * r[2] for r in rows],
        "high": [100 * r[3] for r in rows],
    })


TITLE_CHARS = 36  # an axis title's line, so that it fits a phone's chart (about 340 px)


def tornado_chart(df: pd.DataFrame, cause_label: str) -> alt.LayerChart:
    """One bar per number from the top cause's probability with it ×0.5 (open circle) to
    ×1.5 (filled), the present probability dashed. The axis title is short lines: one long
    line made the plot a strip 30 px wide on a phone (Vega keeps a title within the chart)."""
    order = list(df["parameter"])
    base = alt.Chart(df).encode(y=alt.Y("parameter:N", sort=order, title=None, axis=None))
    tips = [alt.Tooltip("parameter:N"), alt.Tooltip("low:Q", title="×0.5", format=".1f"),
            alt.Tooltip("now:Q", title="now", format=".1f"),
            alt.Tooltip("high:Q", title="×1.5", format=".1f")]
    title = [*textwrap.wrap(f"P({inline_label(cause_label)}) in %", TITLE_CHARS),
             "○ the number ×0.5   ● ×1.5"]
    # the axis spans the bars, not 0-100 % (a top cause at 98.6 % put every bar in the last
    # few pixels: a physio walk)
    bars = base.mark_bar(color="#5b7fa3", size=12, yOffset=9).encode(
        x=alt.X("low:Q", title=title, axis=alt.Axis(titleLimit=0),
                scale=alt.Scale(zero=False, nice=True)), x2="high:Q", tooltip=tips)
    ends = [
        base.mark_point(shape="circle", size=60, yOffset=9, filled=filled, color="#1b1b1b",
                        opacity=1).encode(x=f"{field}:Q", tooltip=tips)
        for field, filled in (("low", False), ("high", True))
    ]
    now = alt.Chart(df.head(1)).mark_rule(color="#111", strokeDash=[4, 3]).encode(x="now:Q")
    # each parameter's label above its bar (explain.bar_labels), whole on a phone too
    return alt.layer(bars, *ends, now, explain.bar_labels(base, "parameter")).properties(
        height=30 + explain.STEP_PX * max(len(df), 1))


# ----------------------------------------------------------------------------- sections
def _converted_number(q: Question) -> None:
    """A km or °C question in the page's units (the box of that unit system)."""
    system = st.session_state.get("hl_units", "metric")
    key = f"wb_q_{q.id}_{system}"
    now = st.session_state.get(f"wb_v_{q.id}")
    if key not in st.session_state:
        st.session_state[key] = None if now is None else units.shown(q, now, system)
    lo, hi = units.shown_range(q, system)
    unit = units.unit(q, system)
    _number_box(f"{q.text} ({unit}, {lo:g} to {hi:g})", key, lo, hi, unit, slot=f"wb_q_{q.id}",
                then=_store_number, args=(q.id, system), step=1.0, format="%g",
                placeholder="unknown")


def _not_for(model: Model, q: Question) -> str | None:
    """Why a question does not apply to the answers on the page (periods or the pill once
    the sex is male), or None: such an answer is kept but carries no evidence."""
    given = {o: st.session_state.get(f"wb_q_{o}") for o, _ in q.applies_to}
    other = q.excluded_by({o: v for o, v in given.items() if v is not None})
    if other is None:
        return None
    o = model.question_map[other]
    return f"not used: {o.answer_label(given[other]).lower()} answered to “{o.text}”"


def _question_row(model: Model, qid: str) -> None:
    q = model.question_map[qid]
    key = f"wb_q_{qid}"
    off = _not_for(model, q)
    a, b = st.columns([3, 1], vertical_alignment="bottom")  # room for "80% sure"
    with a:
        if q.type == "number" and _converts(q):
            _converted_number(q)
        elif q.type == "number":  # its range in the label, as on the runner's page
            lo, hi = units.shown_range(q, "metric")
            _number_box(f"{q.text} ({q.unit + ', ' if q.unit else ''}{lo:g} to {hi:g})", key,
                        lo, hi, q.unit, value=None, step=1.0, format="%g",
                        placeholder="unknown")
        else:
            st.selectbox(q.text + (f" ({off})" if off else ""), list(q.states), index=None,
                         key=key, placeholder="unknown", format_func=q.answer_label,
                         disabled=off is not None)
    if q.type == "number":  # under the row: the confidence box stays beside the number
        _number_problem(key, f"wb_q_{qid}_{st.session_state.get('hl_units', 'metric')}"
                        if _converts(q) else key)
    if (_number_value(q) if q.type == "number" else st.session_state.get(key)) is None:
        return  # no answer, no confidence box: a tab draws half the boxes (each costs a rerun)
    with b:
        st.session_state.setdefault(f"wb_c_{qid}", 1.0)
        st.selectbox(f"Confidence in the answer to: {q.text}", CONFIDENCES,
                     key=f"wb_c_{qid}", format_func=_confidence_words,
                     label_visibility="collapsed",
                     help="How sure the answer is: sure = hard evidence; 50% = a guess")


def _answers_panel(model: Model) -> None:
    st.subheader("Answers")
    st.caption("Leave a question on “unknown” when it was not asked; the small box beside an "
               "answer is how sure it is.")
    common.units_control("wb_units_pick")
    if st.session_state.get("wb_unsure"):
        st.info("The runner was not sure about: " + "; ".join(
            model.question_map[q].text for q in st.session_state["wb_unsure"]))
    groups = common.question_groups(model)
    # only the open tab's rows are drawn (a rerun then draws a fifth of the 200 boxes); the
    # other tabs' answers stay in the session (kept at the top of render)
    tabs = st.tabs([common.GROUP_TITLES.get(g, g) for g in groups], key="wb_tabs",
                   on_change="rerun")
    for g, tab in zip(groups, tabs, strict=True):
        if not tab.open:
            continue
        with tab:
            for q in model.questions:
                if q.group == g:
                    _question_row(model, q.id)


def _result_panel(model: Model, d: Diagnosis) -> None:
    st.subheader("Result")
    # "so far" stood on every case, an empty one included (a physio walk): the physio is
    # told which answers could still change the level instead
    if not d.answers:  # an empty bench said "Self-care ... running on is fine" (a physio walk)
        st.info(EMPTY_NOTE, icon=":material/edit_note:")
    else:  # the signs left open in the physio's words, as a line (below)
        common.render_triage(d, compact=True, so_far=False, serious=False, listed=True)
        if d.triage.unknown_serious:
            st.caption(open_signs_note(d))
    opening = [model.question_map[q] for q in d.triage.change_questions[:3]]
    if opening:
        st.caption("Could still change the level (likeliest first): " + "; ".join(
            f"“{(q.label or q.text).rstrip('?')}”" for q in opening) + ".")
    given = dict(d.answers)
    tested = [q for q in model.questions if q.asked_by == "clinician" and q.id in given]
    if tested and d.triage.act_first:
        # a physio walk: a negative duplex never stood the clot's "today" down, and its
        # reason still asked for the scan just entered; the repeat-scan advice only where a
        # clot is in question and not excluded (a re-walk found it on a statin case)
        clot = "dvt" in d.triage.to_check
        st.caption(TESTS_AND_LEVEL_NOTE + (" " + CLOT_REPEAT_NOTE if clot else ""))
    with st.expander("Why this level", key="wb_why_level"):
        common.render_reasons(d, every=True)  # lower levels' too (the runner's: shown)
    st.dataframe(
        posterior_table(d), key="wb_table", width="stretch", hide_index=True,
        height=36 + 35 * len(d.causes),
        # the chance now beside the cause: a phone shows the first two columns only
        column_order=("cause", "posterior", "prior", "change", "interval"),
        column_config={
            "cause": st.column_config.TextColumn("cause", width=300),
            # three significant digits: a rare cause's 0.0883% is not "0.1%"
            "prior": st.column_config.NumberColumn("prior", format="%.3g%%", width=70),
            "posterior": st.column_config.ProgressColumn("now", format="%.1f%%", min_value=0.0,
                                                         max_value=100.0, width=120),
            "interval": st.column_config.TextColumn(
                f"{model.kb.uncertainty.interval:.0%} interval", width=110,
                help="How sure the model is: the interval over the uncertainty of the model's "
                     "numbers (set by what each rests on: a study, an anchored estimate or a "
                     "plain estimate)"),
            "change": st.column_config.NumberColumn("change", format="%+.1f pts", width=90),
        })
    how = explain.computation_note(d)
    if how:
        st.caption(how)
    # at a same-day or emergency level, "DVT would fall from 55% to 10%" read as reassurance;
    # on the empty bench there is no conclusion to change
    explain.notes(d, physio=True, changes=bool(d.answers) and not d.triage.act_first)


EMPTY_NOTE = ("No answers yet: the level, the ranking and the reasons follow the answers you "
              "enter (or a case file you load).")


def open_signs_note(d: Diagnosis) -> str:
    """The first-screen warning signs not answered yet that would on their own ask for
    urgent or emergency care, in a physio's words (a red box in the runner's voice, "you
    did not answer", stood on the empty bench twice)."""
    n = {lv: sum(x == lv for _, _, x in d.triage.unknown_serious) for lv in ("emergency",
                                                                            "urgent")}
    parts = [f"{n['emergency']} would on their own call for an emergency"] if n[
        "emergency"] else []
    parts += [f"{n['urgent']} for same-day care"] if n["urgent"] else []
    return (f"Warning signs not asked yet: {' and '.join(parts)}. Ask them before relying "
            "on this level.")


# said with a same-day or emergency level once an examination or test is entered
TESTS_AND_LEVEL_NOTE = (
    "The level follows the runner's warning signs, which no finding entered here lowers, and "
    "the model's suspicion, which your findings do move (a suspicion's own wording may still "
    "name a test you have done). After a negative test, the next step is your clinical "
    "judgement.")
CLOT_REPEAT_NOTE = ("For a suspected clot with a positive D-dimer and a negative proximal "
                    "scan, NICE NG158 advises a repeat scan 6-8 days later.")
# a training cause's advice under a same-day or emergency level
WB_HELD_NOTE = ("Its training advice is left out while the level is same-day or emergency: "
                "the check the triage asks for comes first.")


def _pin_why() -> None:
    st.session_state["wb_why_pinned"] = True


def _why_panel(model: Model, d: Diagnosis) -> None:
    labels = {c.id: c.label for c in d.causes}
    ss, top = st.session_state, d.causes[0].id
    # the chart follows the top cause until the physio picks a cause (a case built answer
    # by answer kept the empty case's muscle fatigue while another cause led); a case or
    # link loaded follows its top cause again
    if ss.pop("wb_why_reset", False):
        ss["wb_why_pinned"] = False
    if not ss.get("wb_why_pinned") or ss.get("wb_why") not in labels:
        ss["wb_why"] = top
    why = st.selectbox("Why: what each answer does to", [c.id for c in d.causes],
                       key="wb_why", format_func=labels.get, on_change=_pin_why)
    chart = explain.why_chart_data(model, d, why, st.session_state.get("hl_units", "metric"))
    if len(chart):
        st.altair_chart(explain.why_chart(chart), width="stretch")
    else:
        st.caption("No answer moves this cause yet.")
    # at a same-day or emergency level a training or lifestyle cause's tips ("a 5-10 %
    # higher step rate") stood beside "stop running until you have been seen today" (a
    # physio walk): held back, as on the runner's pages; a medical cause's advice is kept
    held = d.triage.act_first and model.cause_map[why].group != "medical"
    with st.expander(f"{labels[why]}: details, advice and sources"):
        explain.cause_details(model, d, why, None if held else common.get_advice(),
                              key="wb_cd", physio=True)
        if held:
            st.caption(WB_HELD_NOTE)


def _next_panel(model: Model, d: Diagnosis) -> None:
    st.markdown("**Next best questions**")
    st.table(next_table(model, d))


def tests_table(model: Model, tests: tuple[TestValue, ...], n: int = N_TESTS) -> pd.DataFrame:
    """Which test next: gain, cost, gain per cost and what each result would do."""
    rows = tests[:n]
    labels = {c.id: c.label for c in model.causes}

    def results(t: TestValue) -> str:
        parts = []
        for o, level in zip(t.outcomes, t.levels, strict=True):
            top, p = max(o.causes, key=lambda x: x[1])
            parts.append(f"{o.label} ({common.pct(o.probability)}): {cause_name(labels[top])} "
                         f"{common.pct(p)}, {LEVEL_TITLES[level].lower()}")
        return " · ".join(parts)

    return pd.DataFrame({
        "gain (bits)": [f"{t.expected_information_gain:.3f}" for t in rows],
        "cost units": [f"{t.cost_units:g}" for t in rows],
        "gain per cost": [f"{t.gain_per_cost:.4f}" for t in rows],
        "each result (its chance): leading cause after, triage": [results(t) for t in rows],
    }, index=pd.Index([t.text for t in rows], name="examination or test"))


MOST_INFORMATIVE_MIN = 0.05  # bits


def most_informative_note(tests: tuple[TestValue, ...]) -> str | None:
    """The test that would tell most whatever its cost, when the ranking per cost puts
    others first (a physio walk: a hop test at 0.028 bits ranked above the compartment
    pressure at 0.321 bits that separated the two leading causes)."""
    best = max(tests, key=lambda t: t.expected_information_gain)
    gain = best.expected_information_gain
    # worth saying when it tells much (a twentieth of a bit or more) and twice the first's
    if best is tests[0] or gain < max(MOST_INFORMATIVE_MIN,
                                      2 * tests[0].expected_information_gain):
        return None
    return (f"Most informative whatever its cost: {best.text} "
            f"({best.expected_information_gain:.3f} bits, {best.cost_units:g} cost units; "
            f"ranked {tests.index(best) + 1} per cost).")


COST_BOX = (0.1, 1000.0)  # a test's cost units on the page


def own_costs(model: Model, state: Mapping[str, Any] | None = None) -> dict[str, float]:
    """The cost units the physio changed from the priors' (kept in the session, or
    ``state``; the share link and the case file carry them)."""
    ss = st.session_state if state is None else state
    out: dict[str, float] = {}
    for q in model.questions:
        v = ss.get(f"wb_cost_{q.id}")
        if q.asked_by == "clinician" and v is not None and float(v) != (q.cost_units or 1.0):
            out[q.id] = float(v)
    return out


def _tests_panel(model: Model, answers: dict[str, Any], conf: dict[str, float]) -> None:
    st.markdown("**Which test next**")
    st.caption("Examination and test findings not yet entered, ranked by expected information "
               "gain per cost unit (1 = a 2-minute bedside test, 10 = a blood test, 60 = "
               "compartment pressure). Change a cost below to match your clinic.")
    clinician = [q for q in model.questions if q.asked_by == "clinician"]
    with st.expander("Costs (units)"):
        cols = st.columns(2)
        for i, q in enumerate(clinician):
            key = f"wb_cost_{q.id}"
            if key not in st.session_state:
                st.session_state[key] = float(q.cost_units or 1.0)
            _number_box(q.text[:70] + ("…" if len(q.text) > 70 else ""), key, *COST_BOX,
                        None, where=cols[i % 2], step=1.0)
            _number_problem(key, key, where=cols[i % 2])
    costs = own_costs(model)
    tests = model.which_test_next(answers, conf or None, costs or None)
    if tests:
        st.table(tests_table(model, tests))
        if note := most_informative_note(tests):
            st.caption(note)
    else:
        st.caption("Every examination and test finding has been entered.")


RATE_BOX = (0.01, 99.0)  # a base rate on the page, in %


def _base_rate_panel(population: str) -> Model:
    base = common.get_model(population)
    rates = _rates(population)
    # keyed, with its open state kept in the session across the reruns its own inputs cause;
    # its label and initial state never change (both are part of the panel's identity: a
    # count of the changed rates in the label, or "expanded" once a rate was changed, made
    # a new panel, and the base-rate box lost the keyboard focus: a physio walk). A loaded
    # case with changed rates opens it through its state (_fill)
    with st.expander("Base rates", key="wb_br_open", on_change="rerun"):
        st.caption("A base rate is P(cause present) for a runner with reference risk factors "
                   "in this population; the prior beside it is P(cause | heavy legs) with no "
                   "answers, what the result starts from. "
                   + (f"**{len(rates)} changed** from the defaults (listed below)." if rates
                      else "None changed from the defaults."))
        causes = [c for c in base.kb.causes if population in c.base_rates]
        labels = {c.id: c.label for c in causes}
        tables = [c for c in base.kb.causes if population not in c.base_rates]
        if tables:  # a physio walk looked for the medicine cause in vain
            st.caption("Not listed: " + ", ".join(inline_label(cause_name(c.label))
                                                  for c in tables)
                       + ", whose chance is set per answer (per medicine) rather than by one "
                       "base rate (the network panel shows those numbers).")
        a, b, c = st.columns([3, 2, 2], vertical_alignment="bottom")
        pick = a.selectbox("Cause", [x.id for x in causes], key="wb_br_cause",
                           format_func=labels.get)
        default = float(next(x for x in causes if x.id == pick).base_rates[population])
        key = f"wb_br_{population}_{pick}"
        st.session_state[key] = 100 * rates.get(pick, default)
        _number_box("Base rate (%)", key, *RATE_BOX, "%", slot="wb_br_", where=b,
                    then=_set_rate, args=(population, pick, default), step=0.1,
                    format="%.2f")
        adjusted = common.get_adjusted_model(population, tuple(sorted(rates.items())))
        c.metric("Prior it gives", f"{100 * adjusted.priors[pick]:.1f}%",
                 help=f"Default base rate {100 * default:.2f}%")
        _number_problem("wb_br_", key)
        if rates:
            # a static table that wraps: the grid cut "prior now" in the panel's width at
            # 1366 px (a physio walk)
            with st.container(key="wb_br_table"):
                st.table(pd.DataFrame({
                    "cause": [cause_name(labels[k]) for k in rates],
                    "default base rate": [
                        f"{100 * float(base.cause_map[k].base_rates[population]):.2f}%"
                        for k in rates],
                    "base rate now": [f"{100 * v:.2f}%" for v in rates.values()],
                    "prior now": [f"{100 * adjusted.priors[k]:.2f}%" for k in rates],
                }).set_index("cause"))
            st.button("Reset base rates", key="wb_br_reset", on_click=_reset_rates,
                      args=(population,))
    return adjusted


def sampled_note(d: Diagnosis, what: str) -> str | None:
    """Said under the tornado or the drivers when the case's extras are sampled: their rows
    reweight the same samples as the intervals, with the same stated error."""
    inf = d.inference
    if inf is None or inf.extras != "importance-sampling":
        return None
    return (f"On this case {what} are estimated from the same weighted samples as the "
            f"intervals (error up to about {100 * inf.extras_error:.1f} points).")


@st.fragment
def _tornado_panel(population: str, rates: dict[str, float], answers: dict[str, Any],
                   conf: dict[str, float], labels: dict[str, str],
                   d: Diagnosis | None = None) -> None:
    st.subheader("Sensitivity (tornado)")
    # the cause the why box is set to: it follows the top cause until the physio picks one
    # (a re-walk: with a clot's warning sign the tornado studied muscle fatigue, first by
    # two points, and the clot could not be chosen)
    chosen = st.session_state.get("wb_why") if d is None or st.session_state.get(
        "wb_why") in {c.id for c in d.causes} else None
    if not st.toggle("Show the tornado", key="wb_tornado"):
        st.caption("Moves every base rate by ±50% and the odds of every link of the answered "
                   "questions by the same factors, and shows how the probability of the cause "
                   "the Why box is set to moves.")
        return
    cause, tdf = tornado_data(population, rates, answers, conf, cause=chosen)
    if not len(tdf):
        st.caption("Nothing to vary.")
        return
    with st.container(key="wb_tornado_box"):
        st.altair_chart(tornado_chart(tdf, labels.get(cause, cause)), width="stretch",
                        key="wb_tornado_chart")
    if d is not None and (note := sampled_note(d, "the tornado's rows")):
        st.caption(note)
    with st.expander("The numbers"):
        # "low" and "high" are the number ×0.5 and ×1.5, and the cause can move either way
        st.dataframe(tdf, hide_index=True, width="stretch", key="wb_tornado_table",
                     column_config={
                         "parameter": st.column_config.TextColumn("number", width=620),
                         "low": st.column_config.NumberColumn(
                             "cause with the number ×0.5", format="%.1f%%"),
                         "now": st.column_config.NumberColumn("cause now", format="%.1f%%"),
                         "high": st.column_config.NumberColumn(
                             "cause with the number ×1.5", format="%.1f%%")})


@st.cache_data(max_entries=64, show_spinner=False)
def _drivers(population: str, rates: tuple[tuple[str, float], ...],
             answers: tuple[tuple[str, Any], ...], conf: tuple[tuple[str, float], ...],
             causes: tuple[str, ...]) -> list[tuple[str, str, str, float, str, float, float]]:
    model = common.get_adjusted_model(population, rates)
    out = []
    for cid, rows in model.interval_drivers(dict(answers), dict(conf) or None,
                                            causes=causes).items():
        for r in rows:
            out.append((cid, r.param.key, r.param.basis, r.param.value, f"±{r.param.sd:.2f}",
                        100 * r.share, 100 * r.probability_up))
    return out


def _key_parts(key: str) -> tuple[str, str]:
    """(node, entry) of a number's key in priors/ ("findings.yaml: cramps.links.dvt" ->
    ("cramps", "links.dvt"))."""
    node, _, where = key.split(": ", 1)[-1].partition(".")
    return node, where


def driver_words(model: Model, key: str) -> str:
    """A number of priors/ in the physio's words ("findings.yaml: cramps.links.dvt" ->
    "Cramps: link to deep vein thrombosis (if only it is present)")."""
    node, where = _key_parts(key)
    words = entry_words(model, where, node)
    return f"{node_name(model, node)}: {words[:1].lower()}{words[1:]}"


def drivers_data(model: Model, d: Diagnosis, population: str, rates: dict[str, float],
                 answers: dict[str, Any], conf: dict[str, float]) -> pd.DataFrame:
    """The three numbers that widen each leading cause's interval most."""
    labels = {c.id: c.label for c in d.causes}
    rows = _drivers(population, tuple(sorted(rates.items())), tuple(sorted(answers.items())),
                    tuple(sorted(conf.items())), tuple(c.id for c in d.causes[:3]))
    return pd.DataFrame({
        "cause": [cause_name(labels[r[0]]) for r in rows],
        "number": [driver_words(model, r[1]) for r in rows],
        "value": [value_words(_key_parts(r[1])[1], r[3]) for r in rows],
        "rests on": [r[2] for r in rows],
        "sd (log odds)": [r[4] for r in rows],
        "share of the spread": [r[5] for r in rows],
        "cause if 1 sd up": [r[6] for r in rows],
        "number (file: key)": [r[1] for r in rows],  # last: the words above say it
    })


def _drivers_panel(model: Model, d: Diagnosis, population: str, rates: dict[str, float],
                   answers: dict[str, Any], conf: dict[str, float]) -> None:
    st.subheader("What widens the intervals")
    if not st.toggle("Show the numbers behind each interval", key="wb_drivers",
                     on_change=_drivers_asked):
        st.caption("For the three leading causes: the three numbers of the model whose "
                   "uncertainty widens each interval most (each moved by one standard "
                   "deviation on its own).")
        return
    # computed on request: on a rich case they take seconds, and with the panel open every
    # answer change had waited for them (a physio walk: 12 s); a case computed once in this
    # session is shown at once
    ss = st.session_state
    sig = repr((population, sorted(rates.items()), sorted(answers.items()),
                sorted(conf.items())))
    done = ss.setdefault("wb_drivers_done", [])
    asked = ss.pop("wb_drivers_now", False)
    if sig not in done and not asked:
        st.info("The case has changed since these numbers were computed.",
                icon=":material/refresh:")
        st.button("Compute them for this case", key="wb_drivers_go", on_click=_drivers_asked)
        return
    if sig not in done:
        done.append(sig)
        del done[:-64]  # as many as the cache keeps
    df = drivers_data(model, d, population, rates, answers, conf)
    if note := sampled_note(d, "these numbers' effects"):
        st.caption(note)
    with st.container(key="wb_drivers_box"):
        st.dataframe(df, hide_index=True, width="stretch", key="wb_drivers_table",
                     # widths that fit a 1366 px screen without scrolling (two columns
                     # were off-screen, then the file key: 1,200 px of 1,170 in a physio
                     # walk); the file key, which the words repeat, comes last
                     column_config={
                         "cause": st.column_config.TextColumn(width=230),
                         "number": st.column_config.TextColumn(width=380),
                         "value": st.column_config.TextColumn(width=70),
                         "rests on": st.column_config.TextColumn(width=100),
                         "sd (log odds)": st.column_config.TextColumn("sd", width=60,
                                                                      help="log odds"),
                         "share of the spread": st.column_config.NumberColumn(
                             "share", format="%.0f%%", width=70,
                             help="This number's share of the interval's spread"),
                         "cause if 1 sd up": st.column_config.NumberColumn(
                             "cause if 1 sd up", format="%.1f%%", width=110),
                         "number (file: key)": st.column_config.TextColumn(width=150),
                     })


def _drivers_asked() -> None:
    st.session_state["wb_drivers_now"] = True


def _set_node_answer(qid: str, value: Any) -> None:
    q = common.get_model().question_map[qid]
    if _converts(q):
        st.session_state[f"wb_v_{qid}"] = None if value is None else float(value)
        for system in units.UNIT_SYSTEMS:
            st.session_state.pop(f"wb_q_{qid}_{system}", None)
    else:
        st.session_state[f"wb_q_{qid}"] = value


def _network_panel(model: Model, d: Diagnosis, answers: dict[str, Any]) -> None:
    st.subheader("The network")
    only = st.toggle("Only causes and answered questions", value=False, key="wb_net_only")
    chart = network_chart(model, {c.id: c.probability for c in d.causes}, answers,
                          only_relevant=only, system=st.session_state.get("hl_units", "metric"))
    event = st.altair_chart(chart, on_select="rerun", selection_mode="node", key="wb_net",
                            width="stretch")
    st.caption("Click a node: its numbers and sources appear below and, for a question, you "
               "can set or clear its answer. Causes are coloured by their probability now "
               "(white 0% to red 100%); answered questions have a dark ring and show the "
               "answer.")
    picked = [p.get("id") for p in (event.selection.get("node") or []) if p.get("id")] \
        if event is not None and hasattr(event, "selection") else []
    ids = [n.id for n in model.network.nodes]
    if picked and picked[0] in ids:
        st.session_state["wb_node"] = picked[0]
    node = st.selectbox("Node", ids, key="wb_node",
                        format_func=lambda i: node_name(model, i))
    _node_panel(model, d, node, answers)


def _node_panel(model: Model, d: Diagnosis, node: str, answers: dict[str, Any]) -> None:
    with st.container(border=True, key="wb_node_panel"):
        if node in model.cause_map:
            c = next(x for x in d.causes if x.id == node)
            st.markdown(f"**{c.label}**: {100 * c.probability:.1f}% now, prior "
                        f"{100 * c.prior:.1f}%")
        q = model.question_map.get(node)
        if q is not None:
            now = answers.get(node)
            st.markdown(f"**{q.text}** — answer: "
                        + (f"**{q.answer_label(now)}**" if now is not None else "unknown"))
            if q.type != "number":
                cols = st.columns(len(q.states) + 1)
                for col, s in zip(cols, q.states, strict=False):
                    col.button(f"Set “{q.answer_label(s)}”", key=f"wb_node_set_{node}_{s}",
                               on_click=_set_node_answer, args=(node, s), width="stretch",
                               type="primary" if now == s else "secondary")
                cols[-1].button("Clear", key=f"wb_node_clear_{node}", width="stretch",
                                on_click=_set_node_answer, args=(node, None),
                                disabled=now is None)
            else:
                st.caption("A number: enter it in the Answers panel.")
        table = node_table(model, node)
        if len(table):
            # a static table that wraps its cells: a grid cut a three-state value, a changed
            # base rate and every reason at 1366 and 1024 px whatever the widths (physio
            # walks); a node has a handful of rows
            st.caption("A link: the chance of this finding when only that cause is present. "
                       "The leak: with none of the model's causes present.")
            with st.container(key="wb_node_table"):
                st.table(table.set_index("entry"))


def _share_panel(model: Model, answers: dict[str, Any], conf: dict[str, float],
                 rates: dict[str, float]) -> None:
    screen = _page_screen(model, answers, conf, rates)
    with st.popover("Copy share link", icon=":material/link:", width="stretch", key="wb_share"):
        try:
            link = share.share_link(model, screen, common.page_url(URL_PATH))
        except InputError as exc:
            st.warning(escape_markdown("No share link: " + "; ".join(exc.problems)))
            return
        st.caption("Copy with the button at the right of the link. It opens this screen: "
                   "answers, confidences, population, base rates, your test costs and the "
                   "cause the why chart is set to (no notes, nothing stored on a server).")
        st.code(link, language=None, wrap_lines=True)


def _downloads(model: Model, answers: dict[str, Any], conf: dict[str, float]) -> None:
    base = st.session_state.get("wb_case")  # an uploaded case: notes, case id, sources
    ss_units = st.session_state.get("hl_units", "metric")
    unsure = tuple(st.session_state.get("wb_unsure", ()))
    # read now: the files are made after the click, outside this run, where the session's
    # costs were not seen and the case file lost them (a physio walk)
    costs = own_costs(model)
    # the case's notes, shown and editable (a physio walk: a loaded case's notes went into
    # the downloads unseen, and a case built here could have none)
    notes = st.text_area("Notes (go into the reports and the case file)", key="wb_notes",
                         max_chars=MAX_NOTES, height=90,
                         placeholder="History, findings in your words, the plan...")
    c1, c2, c3 = st.columns(3)
    c1.download_button("Report (PDF)",
                       data=lambda: pdf_report(model, answers, confidence=conf, base=base,
                                               not_sure=unsure, notes=notes, every_reason=True),
                       file_name="heavylegs-report.pdf", mime="application/pdf",
                       key="wb_dl_pdf", on_click="ignore", width="stretch")
    c2.download_button("Report (Markdown)",
                       data=lambda: markdown_report(model, answers, confidence=conf, base=base,
                                                    not_sure=unsure, notes=notes,
                                                    every_reason=True),
                       file_name="heavylegs-report.md", mime="text/markdown",
                       key="wb_dl_md", on_click="ignore", width="stretch")
    if model.base_rates:  # changed on this page (the model is their variant)
        st.caption("The case file, the reports and the share link all carry the changed base "
                   "rates: each reopens these numbers.")
    c3.download_button("Case (JSON)",
                       data=lambda: case_json(model, answers, confidence=conf, base=base,
                                              units=ss_units, not_sure=unsure,
                                              costs=costs, notes=notes),
                       file_name="heavylegs-case.json", mime="application/json",
                       key="wb_dl_json", on_click="ignore", width="stretch")


def comparison_tables(model: Model, cmp: Comparison) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every cause in the two cases, the answers that differ), in words and percent."""
    causes = pd.DataFrame({
        "cause": [cause_name(c.label) for c in cmp.causes],
        "other case": [100 * c.before for c in cmp.causes],
        "this case": [100 * c.after for c in cmp.causes],
        "change": [100 * c.change for c in cmp.causes],
    })
    qmap = model.question_map

    def said(qid: str, v: Any, by: str | None, conf: float | None) -> str:
        if v is None:
            return "unanswered"
        notes = [{CLINICIAN: "physio", SELF_REPORT: "runner"}.get(by or "", ""),
                 "" if conf is None else f"confidence {conf:.0%}"]
        shown = ", ".join(n for n in notes if n)
        return qmap[qid].answer_label(v) + (f" ({shown})" if shown else "")

    # who gave an answer is shown: the same answer confirmed by the physio is a difference
    # compare_cases counts, and "Yes | Yes" alone read as none
    answers = pd.DataFrame({
        "question": [qmap[a.id].label or qmap[a.id].text for a in cmp.answers],
        "other case": [said(a.id, a.before, a.before_by, a.before_confidence)
                       for a in cmp.answers],
        "this case": [said(a.id, a.after, a.after_by, a.after_confidence) for a in cmp.answers],
    })
    return causes, answers


def _compare_panel(model: Model, answers: dict[str, Any], conf: dict[str, float]) -> None:
    """This case beside another case file: every cause, both triage levels, the answers
    that differ and the base rates each changed (``model.compare_cases``, the CLI's ``case
    compare``)."""
    with st.expander("Compare with another case", key="wb_compare_open", on_change="rerun"):
        up = st.file_uploader("The other case file (JSON)", type=["json"], key="wb_compare_up",
                              help="Its answers, confidences and base rates are its own; this "
                                   "case is the one on screen.")
        if up is None:
            st.caption("Load a case file to put it beside the case on screen.")
            return
        try:
            other = load_case(up.getvalue(), model)
        except InputError as exc:
            for line in exc.problems:
                st.warning(escape_markdown(
                    f"Could not load {up.name}: {physio_words(model, line)}"))
            return
        for line in other.problems:
            st.warning(escape_markdown(f"Set aside in {up.name}: {physio_words(model, line)}"))
        base = common.get_model(model.population)  # each case keeps its own base rates
        ss = st.session_state
        mine = screen_case(model, answers, conf, ss.get("wb_case"),
                           ss.get("hl_units", "metric"), tuple(ss.get("wb_unsure", ())))
        oc = other.case
        if oc.population != model.population:  # one model for both: this page's
            st.caption(f"The other case was saved for "
                       f"{POPULATION_TITLES.get(oc.population, oc.population).lower()}: it is "
                       "compared in this page's population, without base rates of its own.")
            oc = replace(oc, population=model.population, base_rates={})
        cmp = compare_cases(oc, mine, base)
        st.markdown(f"**Triage:** other case {LEVEL_TITLES[cmp.triage_before].lower()}, this "
                    f"case {LEVEL_TITLES[cmp.triage_after].lower()}")
        causes, changed = comparison_tables(model, cmp)
        st.dataframe(causes, hide_index=True, width="stretch", key="wb_compare_causes",
                     column_config={
                         "cause": st.column_config.TextColumn(width=270),
                         "other case": st.column_config.NumberColumn(format="%.1f%%"),
                         "this case": st.column_config.NumberColumn(format="%.1f%%"),
                         "change": st.column_config.NumberColumn(format="%+.1f pts")})
        if len(changed):
            st.markdown("**Answers that differ**")
            # a static table that wraps: the grid cut the question at 1366 px (a physio walk)
            with st.container(key="wb_compare_answers"):
                st.table(changed.set_index("question"))
        else:
            st.caption("The two cases have the same answers, given by the same people with "
                       "the same confidences.")
        for name, rates in (("the other case", cmp.base_rates_before),
                            ("this case", cmp.base_rates_after)):
            if rates:
                st.caption(f"Base rates changed in {name}: " + ", ".join(
                    f"{inline_label(model.cause_map[k].label)} {100 * v:.2g}%"
                    for k, v in rates.items()))


def _keep_answers() -> None:
    """Keep every answer, confidence and the notes in the session while their tab is closed
    (a widget not drawn in a run loses its value unless set again at the top of the page)
    and while another page is shown: a run of another page drops the values of the widgets
    it does not draw, so a copy outside the widgets (``wb_kept``) puts them back (a code
    review: the open tab's answers and the notes were lost after a visit to About; a physio
    walk: the population went back to the self-assessment one)."""
    ss = st.session_state
    kept = ss.setdefault("wb_kept", {})
    for k, v in kept.items():  # what another page's run dropped
        if k not in ss:
            ss[k] = v
    boxes = tuple(f"_{system}" for system in units.UNIT_SYSTEMS)  # km/°C boxes: see below
    for k in [k for k in ss if isinstance(k, str) and (
            k.startswith(("wb_q_", "wb_c_")) or k in ("wb_notes", "wb_population"))]:
        if not k.endswith(boxes):  # a unit box is drawn afresh from wb_v_ (the value kept)
            ss[k] = kept[k] = ss[k]


COMPUTING = ("Computing the result for these answers… A case with many findings above their "
             "lowest state takes longer (up to a minute); the result replaces this note.")


def render() -> None:
    """Render the physio workbench."""
    _drop_stale_messages()  # first: the upload box's state says whether this is a new visit
    _keep_answers()
    notes = _apply_share_link(common.get_model())
    st.title("Physio workbench")
    with st.container(key="wb_phone_note"):  # shown on narrow screens only (common.CSS)
        st.info("The workbench is made for a tablet or a desktop: on a phone, turn it sideways "
                "for the tables and charts. The result is shown first, your answers below it.",
                icon=":material/screen_rotation:")
    for line in notes:
        st.warning(escape_markdown(line))
    alert = st.container(key="wb_alert")  # kept in view (common.CSS): filled below
    populations = list(common.get_model().kb.populations)  # from priors/causes.yaml
    top = st.columns([3, 3, 2], vertical_alignment="center")
    with top[0]:
        pop = st.radio("Population", populations, key="wb_population", horizontal=True,
                       on_change=_population_changed,
                       format_func=lambda p: POPULATION_TITLES.get(p, p.replace("_", " ")))
    with top[1]:
        _load_upload()
        st.button("New case", key="wb_new_case", on_click=_new_case, icon=":material/note_add:",
                  help="Clear the answers, notes, changed base rates and test costs for the "
                       "next runner (undo offered).")
    _load_messages()
    left, right = st.columns([4, 6], gap="medium")
    with right:
        result_box, why_box = st.container(key="wb_result"), st.container()
        rates_box = st.container(key="wb_rates_box")
    with rates_box:  # drawn under the result, computed first: the result depends on it
        model = _base_rate_panel(pop)
    answers, conf = _answers(model)
    holder = result_box.empty()
    d = model.ready(answers, confidence=conf or None)
    if d is None:  # not computed yet: say so where the result goes, instead of leaving the
        # previous case's result (greyed, but readable: "self-care") there meanwhile
        holder.info(COMPUTING, icon=":material/hourglass_top:")
        d = model.diagnose(answers, confidence=conf or None)
    with holder.container():  # sent first: the key numbers reach the browser before the form
        _result_panel(model, d)
    with alert, st.container(key="wb_mini"):  # below a wide desktop only (common.CSS)
        st.markdown(mini_result(d))
    if d.triage.act_first:  # in view wherever the physio is in the form (a walk found a
        # warning sign's emergency only at the top of the result column, scrolled away)
        with alert:
            which = flagged_words(model, d)
            st.error(f"**{d.triage.advice}**{which}", icon=common.LEVEL_ICONS[d.triage.level])
    with top[2]:
        _share_panel(model, answers, conf, _rates(pop))
    with left:
        _answers_panel(model)
    with why_box:
        _why_panel(model, d)
        _next_panel(model, d)
        _tests_panel(model, answers, conf)
        _downloads(model, answers, conf)
    labels = {c.id: c.label for c in d.causes}
    _compare_panel(model, answers, conf)
    _tornado_panel(pop, _rates(pop), answers, conf, labels, d)
    _drivers_panel(model, d, pop, _rates(pop), answers, conf)
    _network_panel(model, d, answers)
    common.render_disclaimer()
