"""What-if: the chance of heavy legs and of each cause under an intervention do(factor =
value) on modifiable risk factors (root nodes, so the intervention is graph surgery that sets
them), given the runner's other background and training answers; and the single changes
that would help most."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import InputError
from ..inference import Case
from . import texts
from .context import ModelContext
from .evidence import check_answer, likelihoods, state_of
from .results import HelpfulChange, WhatIf

MIN_HELPFUL = 0.005  # smallest drop in the chance of heavy legs listed as a helpful change


def _change_states(ctx: ModelContext, changes: Any) -> dict[str, str]:
    """The node state of each change; InputError for a factor that is not modifiable or a
    bad value."""
    if not isinstance(changes, Mapping):
        raise InputError(["changes must map modifiable question ids to values"])
    problems = []
    states: dict[str, str] = {}
    for qid, value in changes.items():
        if qid not in ctx.modifiable:
            problems.append(
                f"what-if: {str(qid)[:60]!r} is not a modifiable factor; use one "
                f"of {', '.join(ctx.modifiable)}"
            )
            continue
        v, problem = check_answer(ctx.question_map[qid], value)
        if problem:
            problems.append(f"what-if: {problem}")
        else:
            states[qid] = state_of(ctx.question_map[qid], v)
    if problems:
        raise InputError(problems)
    return states


def what_if(
    ctx: ModelContext,
    clean: Mapping[str, Any],
    conf: Mapping[str, float],
    changes: Mapping[str, Any],
) -> WhatIf:
    """Chance of heavy legs and of each cause under do(changes), clean answers given."""
    eng = ctx.engine
    states = _change_states(ctx, changes)
    lik = likelihoods(eng, ctx.question_map, clean, conf)
    base_ev = {k: v for k, v in lik.items() if k in eng.risk_ids}
    p0, m0 = eng.intervene(base_ev)
    ev: dict[str, np.ndarray] = dict(base_ev)
    for qid, s in states.items():
        ev[qid] = eng.one_hot(qid, s)
    p1, m1 = eng.intervene(ev)
    causes = tuple(
        sorted(
            ((c, float(m1[i]), float(m0[i])) for i, c in enumerate(eng.cause_ids)),
            key=lambda t: -t[1],
        )
    )
    return WhatIf(tuple(sorted(changes.items())), p1, p0, causes)


def helpful_changes(
    ctx: ModelContext, clean: Mapping[str, Any], case: Case
) -> tuple[HelpfulChange, ...]:
    """For each modifiable factor, the other answer that would lower the chance of heavy legs
    most (if by at least ``MIN_HELPFUL``), biggest drop first."""
    # interventions need the risk-factor answers only; the case's components are built from
    # those alone, so the diagnosis's case serves them too
    eng = ctx.engine
    p0, _ = eng.intervene(case)
    every = eng.intervene_each(case, ctx.modifiable)
    out = []
    for qid in ctx.modifiable:
        q = ctx.question_map[qid]
        current = state_of(q, clean[qid]) if qid in clean else None
        options = [
            (p1, s)
            for s, p1 in zip(eng.states[qid], every[qid].tolist(), strict=True)
            if s != current
        ]
        best = min(options, key=lambda o: o[0], default=None)
        if best and p0 - best[0] >= MIN_HELPFUL:
            label = q.state_label(best[1])
            text = texts.helpful_change_text(q.label or q.id, label, p0, best[0])
            out.append(HelpfulChange(qid, best[1], label, p0, best[0], text))
    out.sort(key=lambda h: (h.p_heavy_legs_after - h.p_heavy_legs_now, h.question))
    return tuple(out)
