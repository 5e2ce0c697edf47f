"""What-if sliders for the modifiable factors (uses ``Model.what_if`` when it exists).

Each slider starts at the runner's answer (or a typical value) and shows the chance of heavy
legs and the top causes under that change, as an intervention on the factor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from model import Model

from . import common

MODIFIABLE = ("weekly_distance_change_pct", "rest_days_per_week", "sleep_hours",
              "shoe_distance_km", "warmup", "surface", "drinks_on_long_runs")
TYPICAL = {"weekly_distance_change_pct": 0, "rest_days_per_week": 2, "sleep_hours": 7,
           "shoe_distance_km": 300, "warmup": "brief", "surface": "mixed",
           "drinks_on_long_runs": "yes"}
SLIDER_RANGE = {"weekly_distance_change_pct": (-50, 100, 5), "rest_days_per_week": (0, 7, 1),
                "sleep_hours": (4, 10, 1), "shoe_distance_km": (0, 1500, 50)}


def available(model: Model) -> bool:
    return callable(getattr(model, "what_if", None))


def _widget(model: Model, qid: str, start: Any, key: str) -> Any:
    q = model.question_map[qid]
    if q.type == "number":
        lo, hi, step = SLIDER_RANGE.get(qid, (int(q.min or 0), int(q.max or 100), 1))
        v = int(min(max(float(start), lo), hi))
        return st.slider(q.text, lo, hi, v, step, key=key,
                         format=f"%d {q.unit}" if q.unit else "%d")
    options = list(q.states)
    return st.select_slider(q.text, options, value=start if start in options else options[0],
                            key=key, format_func=common.option_label)


def render(model: Model, answers: Mapping[str, Any], *, key_prefix: str) -> None:
    """An expander with one control per modifiable factor and the result of the change."""
    if not available(model):
        return
    with st.expander("What if you changed your training?", expanded=False):
        st.caption("Move a factor to see how the chance of heavy legs and the causes would "
                   "change if you changed it (your other answers stay as they are).")
        changes: dict[str, Any] = {}
        for qid in MODIFIABLE:
            if qid not in model.question_map:
                continue
            start = answers.get(qid, TYPICAL[qid])
            value = _widget(model, qid, start, f"{key_prefix}_{qid}")
            if value != answers.get(qid):
                changes[qid] = value
        result = model.what_if(dict(answers), changes)  # type: ignore[attr-defined]
        _show(result)


def _show(result: Any) -> None:
    base = getattr(result, "baseline", None)
    p_now = _heavy(base) if base is not None else None
    p_new = _heavy(result)
    if p_new is not None:
        delta = None if p_now is None else f"{(p_new - p_now) * 100:+.0f} points"
        st.metric("Chance of heavy legs", f"{p_new:.0%}", delta=delta, delta_color="inverse")


def _heavy(x: Any) -> float | None:
    for name in ("heavy_legs", "p_heavy_legs", "heavy_legs_probability"):
        v = getattr(x, name, None)
        if isinstance(v, int | float):
            return float(v)
    return None
