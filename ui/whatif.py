"""What-if sliders for the modifiable factors (``Model.what_if``: an intervention on the
factor, the runner's other answers kept).

The factors, where each control starts when unanswered, and the sliders' ranges come from
``priors/questions.yaml`` (``modifiable``, ``what_if``), so a new modifiable factor appears here
with no change to the UI. Each control starts at the runner's answer (or the typical value;
widget key ``<prefix>_<question>_<start>``); the chance of heavy legs and the top causes under
the change are shown below, next to the current values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from model import Model


def _widget(model: Model, qid: str, start: Any, key: str) -> Any:
    q = model.question_map[qid]
    label = q.label or q.text
    if q.type == "number":
        lo, hi, step = (int(x) for x in q.slider or (q.min or 0, q.max or 100, 1))
        v = int(min(max(float(start), lo), hi))
        return st.slider(label, lo, hi, v, step, key=key,
                         format=f"%d {q.unit}" if q.unit else "%d")
    options = list(q.states)
    return st.select_slider(label, options, value=start if start in options else options[0],
                            key=key, format_func=q.answer_label)


def render(model: Model, answers: Mapping[str, Any], *, key_prefix: str) -> None:
    """An expander with one control per modifiable factor and the result of the change."""
    factors = model.modifiable  # every modifiable factor of priors/questions.yaml
    with st.expander("What if you changed your training?", expanded=False):
        st.caption("Move a factor to see what would happen if you changed it; your other "
                   "answers stay as they are.")
        changes: dict[str, Any] = {}
        for qid in factors:
            start = answers.get(qid, model.question_map[qid].typical)
            # the key carries the start so that a control follows a changed answer
            value = _widget(model, qid, start, f"{key_prefix}_{qid}_{start}")
            if value != start:  # only factors the runner moved count as a change
                changes[qid] = value
        w = model.what_if(dict(answers), changes)
        delta = w.p_heavy_legs - w.baseline_p_heavy_legs
        st.metric("Chance of heavy legs", f"{w.p_heavy_legs:.0%}",
                  delta=f"{delta * 100:+.0f} points" if abs(delta) >= 0.005 else None,
                  delta_color="inverse")
        labels = {c.id: c.label for c in model.causes}
        for cid, after, before in w.causes[:3]:
            st.markdown(f"- {labels[cid]}: {after:.0%} (now {before:.0%})")
