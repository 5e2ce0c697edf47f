"""What-if controls for the modifiable factors.

The factors and the sliders' ranges come from ``priors/questions.yaml`` (``modifiable``,
``what_if``), so a new modifiable factor appears here with no change to the UI. Each control
starts at the runner's own answer; factors the runner did not answer are offered apart, from a
typical value, and say so. Below: the chance of heavy legs under the change
(``Model.what_if``, an intervention on the factor) and the ranking's top causes, now (the very
numbers of the ranking above) and with the changed factor (``Model.diagnose`` with the factor
set: risk factors are root nodes, so setting one is the intervention do(factor = value), the
runner's other answers kept).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from model import Diagnosis, Model, Question, inline_label

from . import common, units


def slider_format(unit: str | None) -> str:
    """printf-style format of a number slider; a literal ``%`` is written ``%%`` (a bare one
    made the slider fail with "[sprintf] unexpected placeholder")."""
    return f"%d {unit.replace('%', '%%')}" if unit else "%d"


def _nice(x: float) -> int:
    """A whole step a runner would choose near ``x``: 1, 2, 5, 10, 20, 25, 50, ... (50 km is
    31.07 miles, which made the shoe slider go 186, 217, 248 miles)."""
    if x <= 1:
        return 1
    k = 10 ** math.floor(math.log10(x))
    steps = [k, 2 * k, 5 * k, 10 * k] + ([25 * k // 10] if k >= 10 else [])
    return int(min(steps, key=lambda c: abs(math.log(c / x))))


def _range(q: Question, system: str) -> tuple[int, int, int]:
    lo, hi, step = q.slider or (q.min or 0, q.max or 100, 1)
    if not units.converts(q, system):
        return int(lo), int(hi), int(step)
    s = _nice(units.shown(q, lo + step, system) - units.shown(q, lo, system))
    # the ends on that step's grid, inside the converted range
    a = math.ceil(units.shown(q, lo, system) / s) * s
    b = math.floor(units.shown(q, hi, system) / s) * s
    return int(a), int(b), s


def _widget(model: Model, qid: str, start: Any, key: str, system: str) -> Any:
    """One control; returns its value in the model's units."""
    q = model.question_map[qid]
    label = q.label or q.text
    if q.type == "number":
        lo, hi, step = _range(q, system)
        # the runner's own answer beyond the slider's usual range widens it (a slider at
        # "200 %" under "from 500 %" contradicted the answer), on the step's grid
        own = units.shown(q, start, system)
        lo = min(lo, math.floor(own / step) * step)
        hi = max(hi, math.ceil(own / step) * step)
        v = int(min(max(round(own), lo), hi))
        unit = units.unit(q, system)
        if unit and unit.lower() in label.lower():  # "Rest days per week": "2", not "2 days"
            unit = None
        moved = st.slider(label, lo, hi, v, step, key=key, format=slider_format(unit))
        return start if moved == v else units.stored(q, moved, system)
    options = list(q.states)
    return st.select_slider(label, options, value=start if start in options else options[0],
                            key=key, format_func=q.answer_label)


def _controls(model: Model, answers: Mapping[str, Any], key_prefix: str,
              system: str) -> dict[str, Any]:
    answered = [q for q in model.modifiable if q in answers]
    others = [q for q in model.modifiable if q not in answers]
    changes: dict[str, Any] = {}
    for qid in answered:
        start = answers[qid]
        # the key carries the start so that a control follows a changed answer
        value = _widget(model, qid, start, f"{key_prefix}_{qid}_{start}", system)
        if value != start:
            changes[qid] = value
    if not answered:
        st.caption("None of these factors was among your answers: they start at a typical "
                   "value.")
    more = (f"Also try the {len(others)} factors you did not answer "
            "(they start at a typical value)")
    if others and st.toggle(more, value=not answered, key=f"{key_prefix}__more"):
        for qid in others:
            q = model.question_map[qid]
            start = _typical(q)
            value = _widget(model, qid, start, f"{key_prefix}_{qid}_{start}", system)
            if value != start:
                changes[qid] = value
    return changes


def render(model: Model, d: Diagnosis, answers: Mapping[str, Any], *, key_prefix: str,
           system: str = "metric", expanded: bool = False) -> None:
    """An expander with one control per modifiable factor and the result of the change."""
    with st.expander("What if you changed your training?", expanded=expanded):
        st.caption("Move one of your answers to see what would happen if you changed it; "
                   "moves add up, and your other answers stay as they are.")
        box = st.container(key=f"{key_prefix}__result")  # the result above the controls
        changes = _controls(model, answers, key_prefix, system)
        w = model.what_if(dict(answers), changes)
        after = model.diagnose({**answers, **changes}) if changes else d
        box.markdown(f"**How often runners with your habits get heavy legs:** "
                    f"{common.pct(w.baseline_p_heavy_legs)}"
                    + (f" → **{common.pct(w.p_heavy_legs)}**" if changes else ""),
                    help="How often runners who answer as you did get heavy legs on their runs, "
                         "now and with the change: a measure of prevention (the causes below "
                         "are about your own heavy legs).")
        lines = []
        for c in d.causes[:3]:
            now = c.probability
            new = after.probability(c.id)
            lines.append(f"- {c.label}: {common.pct(now)}"
                         + (f" → **{common.pct(new)}**" if changes else ""))
        if len(changes) > 1:  # moves add up: said (a runner walk moved two, silently)
            box.caption("Changed together: " + "; ".join(
                f"{model.question_map[q].label or model.question_map[q].text}: "
                f"{_said(model, q, answers.get(q), system)} \u2192 {_said(model, q, v, system)}"
                for q, v in changes.items()))
        box.markdown(("**If your legs still felt heavy after the change, the likely reasons**"
                      if changes else "**Why your legs feel heavy: the likely reasons**")
                     + "\n" + "\n".join(lines))
        if changes and all(common.pct(c.probability) == common.pct(after.probability(c.id))
                           for c in d.causes[:3]):
            box.caption("This change makes no visible difference to your top causes: "
                        "with your other answers, it is not what drives them.")
        elif changes and (indirect := [
                c for c in d.causes[:3] if after.probability(c.id) > c.probability + 0.005
                and not set(model.cause_map[c.id].parents) & set(changes)]):
            # a runner walk: fewer hard sessions "raised" iron deficiency 63 % -> 74 %; a
            # cause the changed factor itself drives (hard sessions, overreaching) is not
            # explained this way (a later walk)
            names = " and ".join(inline_label(c.label) for c in indirect)
            box.caption(f"{names[:1].upper()}{names[1:]} can rise here although the change "
                        "does nothing to it: with another reason less likely, it would "
                        "explain more of any heaviness left.")
        _toast(d, after, changes, w.baseline_p_heavy_legs, w.p_heavy_legs, key_prefix)


def _said(model: Model, qid: str, value: Any, system: str) -> str:
    """A factor's value in words; for one the runner did not answer, the typical value its
    control starts at (a re-walk read "not answered -> 1 day" from a slider at 2)."""
    q = model.question_map[qid]
    if value is None:
        return f"{units.label(q, _typical(q), system)} (typical)"
    return units.label(q, value, system)


def _typical(q: Question) -> Any:
    """Where the control of a factor the runner did not answer starts."""
    return q.typical if q.typical is not None else q.states[0]


def _toast(d: Diagnosis, after: Diagnosis, changes: Mapping[str, Any], before_p: float,
           after_p: float, key_prefix: str) -> None:
    """The change's effect as a toast, once per new change: on a phone the result box is
    scrolled out of sight while a slider further down is moved."""
    ss = st.session_state
    sig = tuple(sorted((k, str(v)) for k, v in changes.items()))
    if changes and ss.get(f"{key_prefix}__toasted") != sig:
        top = d.causes[0]
        st.toast(f"With the change: runners with your habits get heavy legs "
                 f"{common.pct(before_p)} → {common.pct(after_p)}; if yours still did, "
                 f"{top.label} {common.pct(top.probability)} → "
                 f"{common.pct(after.probability(top.id))}")
    ss[f"{key_prefix}__toasted"] = sig
