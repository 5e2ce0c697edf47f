"""What-if sliders for the modifiable factors (``Model.what_if``: an intervention on the
factor, the runner's other answers kept).

Each control starts at the runner's answer (or a typical value; widget key
``<prefix>_<question>_<start>``); the chance of heavy legs and
the top causes under the change are shown below, next to the current values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from model import Model

from . import common

FACTORS = ("weekly_distance_change_pct", "rest_days_per_week", "sleep_hours",
           "shoe_distance_km", "warmup", "surface", "drinks_on_long_runs")
TYPICAL = {"weekly_distance_change_pct": 0, "rest_days_per_week": 2, "sleep_hours": 7,
           "shoe_distance_km": 300, "warmup": "brief", "surface": "mixed",
           "drinks_on_long_runs": "yes"}
SLIDER_RANGE = {"weekly_distance_change_pct": (-50, 100, 5), "rest_days_per_week": (0, 7, 1),
                "sleep_hours": (4, 10, 1), "shoe_distance_km": (0, 1500, 50)}


def _widget(model: Model, qid: str, start: Any, key: str) -> Any:
    q = model.question_map[qid]
    label = q.label or q.text
    if q.type == "number":
        lo, hi, step = SLIDER_RANGE.get(qid, (int(q.min or 0), int(q.max or 100), 1))
        v = int(min(max(float(start), lo), hi))
        return st.slider(label, lo, hi, v, step, key=key,
                         format=f"%d {q.unit}" if q.unit else "%d")
    options = list(q.states)
    return st.select_slider(label, options, value=start if start in options else options[0],
                            key=key, format_func=common.option_label)


def render(model: Model, answers: Mapping[str, Any], *, key_prefix: str) -> None:
    """An expander with one control per modifiable factor and the result of the change."""
    factors = [f for f in FACTORS if f in model.modifiable]
    with st.expander("What if you changed your training?", expanded=False):
        st.caption("Move a factor to see what would happen if you changed it; your other "
                   "answers stay as they are.")
        changes: dict[str, Any] = {}
        for qid in factors:
            start = answers.get(qid, TYPICAL[qid])
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
