"""Which test next (issue 19): the clinician's unanswered examination and test findings ranked
by expected information gain per cost unit, with what each result would do to the leading
causes and to the triage level. A pure function of (model context, answers, confidences,
costs), like the diagnosis.

The gain is the engine's own measure, the same as for the runner's questions (the mutual
information of the finding with the causes given the answers: the joint one on networks of
at most 20 causes, the sum over the causes of I(C_i; finding) beyond). The chance of each
result and the causes after it are the engine's exact previews; the triage after a result is
the triage of the answers with that result, on the point probabilities of the tracked causes
(every cause that can raise the level is tracked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from ..inference import Posterior
from .context import ModelContext
from .diagnose import TRACKED, assess_parts
from .evidence import applies, evidence_parts, finite_real, show_value, value_for_state
from .results import Assessment, Diagnosis, Outcome, TestValue
from .triage import escalations, triage

# a cost's range: the gain per cost of a cost near zero is infinite (not JSON), and one far
# above the shipped 1-20 units ranks nothing
MIN_COST, MAX_COST = 1e-9, 1e6


def check_costs(
    question_map: Mapping[str, Any], costs: Mapping[str, Any] | None
) -> dict[str, float]:
    """The physio's own cost units per finding, validated (InputError names each problem)."""
    out: dict[str, float] = {}
    problems = []
    for qid, v in (costs or {}).items():
        q = question_map.get(qid) if isinstance(qid, str) else None
        if q is None or q.asked_by != "clinician":
            problems.append(
                f"cost for {show_value(qid)}: not an examination or test finding; see "
                "`python -m model questions --group exam` and `--group test`"
            )
            continue
        x = finite_real(v)  # numpy's numbers too; a huge int is not one
        if x is None or not MIN_COST <= x <= MAX_COST:
            problems.append(
                f"cost for {show_value(qid)}: {show_value(v)} is not valid; give a number "
                f"from {MIN_COST:g} to {MAX_COST:g} (the shipped costs are 1-20 units)"
            )
            continue
        out[qid] = x
    if problems:
        raise InputError(problems)
    return out


def which_test_next(
    ctx: ModelContext,
    answers: tuple[tuple[str, Any], ...],
    confidence: tuple[tuple[str, float], ...] = (),
    costs: Mapping[str, float] | None = None,
    known: tuple[Posterior, Diagnosis] | None = None,
) -> tuple[TestValue, ...]:
    """Every unanswered clinician finding that applies, highest gain per cost unit first
    (ties: higher gain, then id). ``known``: the answers' posterior and diagnosis, if made
    (their causes and conflict; only the previews are computed then)."""
    own = dict(costs or {})
    # the current causes, conflict and triage, and the case and posterior they came from
    base: Assessment | Diagnosis
    if known is None:
        base, clean, case, post = assess_parts(ctx, answers, confidence)
    else:
        post, base = known
        _, clean, ev = evidence_parts(ctx.engine, ctx.question_map, dict(answers), dict(confidence))
        case = ctx.engine.case(ev)
    eng = ctx.engine
    tests = [
        q
        for q in ctx.kb.questions
        if q.asked_by == "clinician" and q.id not in clean and applies(q, clean)
    ]
    top_ids = [c.id for c in base.causes[:TRACKED]]
    serious = {e.cause for e in escalations(ctx.kb)}
    axes = sorted({eng.axis[c] for c in [*top_ids, *serious]})
    ids = [eng.cause_ids[a] for a in axes]
    probs = {c.id: c.probability for c in base.causes}
    unusual = base.conflict is not None and base.conflict.unusual
    out = []
    for q, pv in zip(tests, eng.previews(post, case, [q.id for q in tests], axes), strict=True):
        outcomes, levels = [], []
        for s, state in enumerate(eng.states[q.id]):
            after = {**probs, **dict(zip(ids, pv.tracked[s].tolist(), strict=True))}
            p_state = float(pv.p_state[s])
            outcomes.append(
                Outcome(state, q.state_label(state), p_state, tuple((c, after[c]) for c in top_ids))
            )
            top = max(after, key=lambda c: (after[c], c))
            with_result = {**clean, q.id: value_for_state(q, state)}
            tri = triage(ctx.kb, with_result, after, unusual=unusual, top_cause=top)
            levels.append(tri.level)
        units = own.get(q.id, q.cost_units or 1.0)
        out.append(
            TestValue(q.id, q.text, q.group, pv.gain, units, q.cost, tuple(outcomes), tuple(levels))
        )
    out.sort(key=lambda t: (-t.gain_per_cost, -t.expected_information_gain, t.id))
    return tuple(out)
