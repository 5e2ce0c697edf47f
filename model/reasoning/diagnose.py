"""Reasoning a physio can follow: why, what would change it, why we ask, what-if, sensitivity,
and the unusual-combination warning. Pure functions of (engine, answers); results are frozen.

Definitions (documented in the README):

- **Why** - for cause c and answer a: the change in log-odds of c when that one answer is
  withdrawn, ``logit P(c | all answers) - logit P(c | all answers but a)`` (natural log; the
  likelihood-ratio weight of the answer in context). Positive raised c, negative lowered it.
- **What would change the conclusion** - over every unanswered question and each of its
  answers, the one that lowers the top cause most such that it is no longer first or falls
  below 50%; reported with how likely that answer is.
- **Why we ask** - each unanswered question's exact information gain (mutual information
  with the causes, bits) and, for each possible answer, its probability and the top causes'
  probabilities after it.
- **Stop rule** - stop when a red flag has set triage to urgent or emergency, when the top
  cause reaches ``STOP_TOP_PROBABILITY``, or when no question gains ``STOP_MIN_GAIN`` bits;
  but never while an unanswered question has more than ``STOP_TRIAGE_CHANGE`` chance of
  changing the triage level (its answers weighted by their probability); the triage is then
  shown as "so far", and the questionnaire asks those questions first, the likeliest to
  change it first.
- **What-if** - an intervention do(factor = value) on a modifiable risk factor (a root node,
  so the intervention is graph surgery that sets it) given the runner's other background
  and training answers; reported symptoms describe the present and are not held fixed.
- **Unusual combination** - Hugin's conflict measure ``conf = log(prod_i P(a_i) / P(a))``
  over the answers (each given heavy legs); above ``CONFLICT_THRESHOLD`` the answers fit
  the model poorly together and a professional should look.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..inference import Case, Posterior
from ..inference.network import Network
from ..inference.particles import error_bound
from ..kb import HEAVY_LEGS, Question
from . import texts
from .context import ModelContext
from .evidence import applies, evidence_parts, value_for_state
from .intervals import IntervalDriver, cause_intervals, drivers, logit
from .results import (
    Assessment,
    CauseResult,
    ConclusionChange,
    Conflict,
    Contribution,
    Diagnosis,
    Explanation,
    Inference,
    Outcome,
    QuestionGain,
    StopAdvice,
)
from .triage import LevelLookahead, Triage, escalations, rule_questions, triage
from .whatif import helpful_changes

STOP_TOP_PROBABILITY = 0.80
STOP_MIN_GAIN = 0.02  # bits
# asked right after the follow-ups of a present sign, before the most informative question:
# who the runner is sets every cause's starting point (a heart condition at 76 is another
# matter than at 26) and decides which questions apply (periods, the pill, pregnancy), as
# every clinician and symptom checker asks it first; by information alone age came 37th
BASICS = ("age", "sex")
# then what a clinician asks next, before the fine distinctions: how long it has been going
# on and what changed in training (issue 13; a runner walk answered 18 questions after hip
# pain with a big mileage rise and was never asked about training load: the questions that
# could change the level, nine of them on a typical start, came first)
HISTORY = ("symptom_weeks", "weekly_distance_change_pct")
# nats (about 2x less likely together than apart): above the 99th percentile of the conflict
# of typical cases sampled from the model itself (0.59 over all answers, 0.61 for one answer
# against the rest, 300 cases with 5-19 answers); tests/test_reasoning.py re-checks the rate
CONFLICT_THRESHOLD = 0.7
# an answer whose conflict bound is this far below the threshold is not withdrawn in the
# assessment: beyond the withdrawal sums' own rounding (measured up to 2e-5 nats on exact
# routes), so the diagnosis, which withdraws every answer, cannot flag it either
MARGIN = 1e-3
TRACKED = 3  # causes tracked in the per-answer previews
STOP_TRIAGE_CHANGE = 0.05  # largest chance that the next answer changes the triage level


def stop_advice(
    top_p: float,
    best_gain: float,
    triage_level: str,
    unanswered: int,
    triage_change: float = 0.0,
) -> StopAdvice:
    if triage_level == "emergency":
        return StopAdvice(True, texts.STOP_RED_FLAG)
    if unanswered == 0:
        return StopAdvice(True, texts.STOP_ALL_ANSWERED)
    if triage_change > STOP_TRIAGE_CHANGE:
        return StopAdvice(False, texts.stop_triage_open(triage_change, STOP_TRIAGE_CHANGE))
    if triage_level == "urgent":  # the next answers cannot make it an emergency
        return StopAdvice(True, texts.STOP_URGENT)
    if top_p >= STOP_TOP_PROBABILITY:
        return StopAdvice(True, texts.stop_clear(top_p, STOP_TOP_PROBABILITY))
    if best_gain < STOP_MIN_GAIN:
        return StopAdvice(True, texts.stop_little_left(best_gain, STOP_MIN_GAIN))
    return StopAdvice(False, texts.stop_go_on(best_gain))


def triage_of(
    ctx: ModelContext,
    post: Posterior,
    case: Case,
    clean: Mapping[str, Any],
    causes: Sequence[CauseResult],
    conf_res: Conflict,
    confidence: Mapping[str, float] | None = None,
) -> Triage:
    """The triage of the diagnosis and of the assessment alike: the rules, the causes' point
    probabilities, the conflict and how much no cause of the model explains; an answer given
    with less than full ``confidence`` never completes a work-up."""
    probs = {c.id: c.probability for c in causes}
    return triage(
        ctx.kb,
        clean,
        probs,
        unusual=conf_res.unusual,
        top_cause=causes[0].id,
        unexplained=ctx.engine.none_present(post, case),
        soft=frozenset(q for q, c in (confidence or {}).items() if c < 1.0),
    )


def inference_of(post: Posterior, case: Case | None = None) -> Inference:
    """The route the posterior took, and its error bound when it is a named fallback; how
    the case's extras were computed (sampled for a deep case)."""
    error = 0.0 if post.exact else float(post.std_error)
    sampled = None if case is None else case.extra.get("particles")
    if case is None or sampled is None:
        return Inference(post.route, post.exact, error)
    # the stated error of the fewest effective samples any extra rests on
    fewest = min(sampled.ess, case.extra.get("extras_ess", sampled.ess))
    return Inference(post.route, post.exact, error, "importance-sampling", error_bound(fewest))


# the answers given as reasons for and against a cause, on every page and report alike (the
# why chart, the cause's details and the PDF's "For:" listed different answers: a physio walk)
REASON_MIN_LOG_ODDS = 0.1  # the answer moves the cause's odds by a factor of 1.1 or more
REASONS_PER_SIDE = 4


def strongest_answers(
    d: Diagnosis, cause: str
) -> tuple[tuple[Contribution, ...], tuple[Contribution, ...]]:
    """(the answers that raise the cause most, those that lower it most): each moving its
    odds by a factor of 1.1 or more (``REASON_MIN_LOG_ODDS``), strongest first, at most
    ``REASONS_PER_SIDE`` each, from the diagnosis's own leave-one-out explanation."""
    if not d.explanations:
        return (), ()
    cs = d.explanation(cause).contributions
    ups = sorted(
        (c for c in cs if c.delta_log_odds >= REASON_MIN_LOG_ODDS), key=lambda c: -c.delta_log_odds
    )
    downs = sorted(
        (c for c in cs if c.delta_log_odds <= -REASON_MIN_LOG_ODDS), key=lambda c: c.delta_log_odds
    )
    return tuple(ups[:REASONS_PER_SIDE]), tuple(downs[:REASONS_PER_SIDE])


DIRECTION_MARGIN = 1.1  # a likelihood ratio beyond 1.1 (or below 1/1.1) has a direction


def answer_direction(net: Network, qid: str, state: str, cause: str) -> int:
    """Which way one answer state of a finding points for a cause on its own: +1 toward
    it, -1 away, 0 when the question is not a noisy finding of the cause (a risk factor, a
    table, or a middle state of several, whose pull can turn with another cause present).
    Compares P(state | only the cause present) with P(state | none of the causes), a
    likelihood ratio beyond ``DIRECTION_MARGIN`` either way:
    a "no" to frequent colds points away from iron deficiency, although with its rivals
    lowered more it can raise it in the end (its leave-one-out weight), which the reasons
    then say ("by making other causes less likely")."""
    node = net.node_map.get(qid)
    if node is None or node.noisy is None or cause not in node.parents:
        return 0
    if state not in node.states:
        return 0
    y = list(node.states).index(state)
    if 0 < y < len(node.states) - 1:
        # a middle state: with another cause present its pull can turn (a code review
        # counted 1,541 such turns), so no direction is claimed
        return 0
    leak, link = node.noisy
    i = list(node.parents).index(cause)
    alone = leak[y] * link[i, y] - (leak[y - 1] * link[i, y - 1] if y else 0.0)
    base = leak[y] - (leak[y - 1] if y else 0.0)
    if alone > base * DIRECTION_MARGIN:
        return 1
    if alone * DIRECTION_MARGIN < base:
        return -1
    return 0


def next_to_ask(d: Diagnosis, skip: Collection[str] | str | None = ()) -> str | None:
    """The question the runner's questionnaire asks next (the app's policy): a follow-up of
    a sign already present first (:func:`~model.reasoning.triage.follow_up_questions`), then
    the ``BASICS`` (age, sex) and the ``HISTORY`` (how long, what changed in training)
    while unanswered, then a question whose answer has more than ``STOP_TRIAGE_CHANGE``
    chance of changing the triage level (the likeliest first: what keeps the stop rule from
    saying "stable" is asked, not left behind more informative questions a runner may stop
    before), else the most informative question worth asking
    (gain >= ``STOP_MIN_GAIN``); ``skip``: the questions answered "not sure". None when
    nothing is worth asking."""
    skip = {skip} if isinstance(skip, str) else set(skip or ())  # one id, or none
    for qid in d.triage.follow_up:
        if qid not in skip:
            return qid
    open_ = {g.id for g in d.next_questions}
    # the basics and the history only where they apply (a question that does not apply is
    # listed last, with no outcomes, and never asked)
    applying = {g.id for g in d.next_questions if g.outcomes}
    for qid in (*BASICS, *HISTORY):
        if qid in applying and qid not in skip:
            return qid
    # a question that could change the level, unless it applies only by an answer the runner
    # declined (periods after "prefer not to say" to sex: the chance still holds the stop
    # rule back, and it may come as an informative question)
    needs = dict(d.triage.change_depends)
    for qid in d.triage.change_questions:
        if qid in open_ and qid not in skip and not set(needs.get(qid, ())) & skip:
            return qid
    for g in d.next_questions:
        if g.id not in skip and g.expected_information_gain >= STOP_MIN_GAIN:
            return g.id
    return None


def conflict(
    log_joint: float,
    singles: Mapping[str, float],
    local: Mapping[str, float] | None = None,
    names: Mapping[str, str] | None = None,
) -> Conflict:
    """Hugin-style conflict over all answers, and each answer against the rest.

    ``conf = log prod_i P(a_i) - log P(a)``; ``local[i] = log P(a_i) P(rest) / P(a)``. The
    answers are flagged as unusual when either exceeds ``CONFLICT_THRESHOLD``. ``names``:
    how the message names each question (its label; the culprits stay ids).
    """
    if len(singles) < 2:
        return Conflict(0.0, False, "", ())
    score = float(sum(singles.values()) - log_joint)
    local = dict(local or {})
    worst = sorted(((v, k) for k, v in local.items() if v > CONFLICT_THRESHOLD), reverse=True)
    unusual = score > CONFLICT_THRESHOLD or bool(worst)
    culprits = tuple(k for _, k in worst)
    if not unusual:
        return Conflict(score, False, "", ())
    shown = tuple((names or {}).get(k, k) for k in culprits)
    msg = texts.conflict_message(score, worst[0][0] if worst else None, shown, CONFLICT_THRESHOLD)
    return Conflict(score, True, msg, culprits)


# ------------------------------------------------------------------ the diagnosis, composed
def rank_causes(
    ctx: ModelContext, post: Posterior, intervals: np.ndarray | None = None
) -> tuple[CauseResult, ...]:
    """Every cause with its probability, prior and (if given: rows in the engine's cause
    order) interval, highest probability first."""
    probs = dict(zip(ctx.engine.cause_ids, post.marginals.tolist(), strict=True))
    ival: dict[str, tuple[float, float] | None] = {c: None for c in ctx.engine.cause_ids}
    if intervals is not None:
        ival = {
            c: (float(intervals[i, 0]), float(intervals[i, 1]))
            for i, c in enumerate(ctx.engine.cause_ids)
        }
    rows = (
        CauseResult(c.id, c.group, c.label, float(probs[c.id]), ctx.priors[c.id], ival[c.id])
        for c in ctx.kb.causes
    )
    return tuple(sorted(rows, key=lambda r: (-r.probability, r.id)))


def _flip(
    ctx: ModelContext,
    q: Question,
    state: str,
    p_state: float,
    after: Mapping[str, float],
    top: CauseResult,
    top_ids: Sequence[str],
) -> tuple[float, ConclusionChange] | None:
    """The conclusion change of one answer, with how far the top cause drops (None if the
    answer does not change the conclusion)."""
    if p_state <= 1e-9 or len(top_ids) < 2:
        return None
    p_old = after[top.id]
    # the ranking's order: highest first, ties by id (as rank_causes sorts)
    rival = min((c for c in after if c != top.id), key=lambda c: (-after[c], c))
    if not (after[rival] > p_old or top.probability >= 0.5 > p_old):
        return None
    new_top = rival if after[rival] > p_old else top.id
    lead = (ctx.cause_map[new_top].label, after[new_top]) if new_top != top.id else None
    label = q.state_label(state)
    text = texts.conclusion_text(
        label,
        q.text,
        p_state,
        top.label,
        top.probability,
        p_old,
        lead,
        finding=q.asked_by == "clinician",
    )
    change = ConclusionChange(
        q.id, state, label, p_state, top.id, top.probability, new_top, p_old, text
    )
    return top.probability - p_old, change


def _serious_axes(ctx: ModelContext) -> list[int]:
    """The causes whose probability can raise the triage level (the escalations')."""
    return sorted({ctx.engine.axis[e.cause] for e in escalations(ctx.kb)})


def question_gains(
    ctx: ModelContext,
    post: Posterior,
    case: Case,
    clean: Mapping[str, Any],
    causes: Sequence[CauseResult],
) -> tuple[tuple[QuestionGain, ...], ConclusionChange | None, dict[str, Any]]:
    """Why we ask: every unanswered question's exact gain and what each answer would do,
    most informative first; the answer that would change the conclusion most; and the
    previews by question, tracking the top causes and every cause that can raise the triage
    (so the triage lookahead reuses them instead of computing them again)."""
    eng = ctx.engine
    top_ids = [c.id for c in causes[:TRACKED]]
    # every cause is tracked (the previews' joints hold them all anyway): the answer that
    # changes the conclusion names the cause that would really lead, wherever it ranks now
    tracked_axes = list(range(eng.n))
    tracked_ids = list(eng.cause_ids)
    # the runner's questions that apply; the clinician's exam and test findings are ranked by
    # the physio's "which test next", never offered here
    open_qs = [
        q
        for q in ctx.kb.questions
        if q.id not in clean and q.asked_by == "runner" and applies(q, clean)
    ]
    previews = eng.previews(post, case, [q.id for q in open_qs], tracked_axes)
    gains: list[QuestionGain] = []
    best: tuple[float, ConclusionChange] | None = None
    for q, pv in zip(open_qs, previews, strict=True):
        outcomes = []
        for s, state in enumerate(eng.states[q.id]):
            after = dict(zip(tracked_ids, pv.tracked[s].tolist(), strict=True))
            p_state = float(pv.p_state[s])
            causes_after = tuple((c, after[c]) for c in top_ids)
            outcomes.append(Outcome(state, q.state_label(state), p_state, causes_after))
            flip = _flip(ctx, q, state, p_state, after, causes[0], top_ids)
            if flip and (best is None or flip[0] > best[0]):
                best = flip
        gains.append(QuestionGain(q.id, pv.gain, q.text, q.group, tuple(outcomes)))
    gains.sort(key=lambda g: (-g.expected_information_gain, g.id))
    by_id = {q.id: (pv, tracked_ids) for q, pv in zip(open_qs, previews, strict=True)}
    return tuple(gains), best[1] if best else None, by_id


def explanations(
    ctx: ModelContext,
    post: Posterior,
    case: Case,
    clean: Mapping[str, Any],
    ev_states: Mapping[str, str],
) -> tuple[tuple[Explanation, ...], np.ndarray]:
    """Why: for each cause, each answer's change of log-odds when it alone is withdrawn; and
    log P(evidence without that answer) per answer (for the conflict)."""
    eng = ctx.engine
    answered = list(clean)
    if not answered:
        return tuple(Explanation(c.id, ()) for c in ctx.kb.causes), np.empty(0)
    without, log_z_without = eng.withdrawn(post, case, answered)
    lo_all = logit(post.marginals)
    lo_without = logit(without)
    out = []
    for c in ctx.kb.causes:
        i = eng.axis[c.id]
        contribs = []
        for k, qid in enumerate(answered):
            d = float(lo_all[i] - lo_without[k, i])
            q = ctx.question_map[qid]
            lab = q.state_label(ev_states[qid]) if q.type != "number" else str(clean[qid])
            text = texts.contribution_text(c.label, q.text, lab, d)
            contribs.append(Contribution(qid, clean[qid], d, text))
        contribs.sort(key=lambda x: (-abs(x.delta_log_odds), x.question))
        out.append(Explanation(c.id, tuple(contribs)))
    return tuple(out), log_z_without


def _singles(ctx: ModelContext, ev: Mapping[str, np.ndarray]) -> dict[str, float]:
    """log P(a_i | heavy legs) of each answer on its own."""
    return {
        node: float(np.log(np.exp(ctx.single_answer_logp[node]) @ lik))
        for node, lik in ev.items()
        if node != HEAVY_LEGS
    }


def local_conflict_bound(
    ctx: ModelContext, node: str, lik: np.ndarray, single: float, post: Posterior | None = None
) -> float:
    """An upper bound on answer ``node``'s conflict with the rest, ``log P(a_i) - log P(a_i |
    rest)``, all given heavy legs (infinity for a risk factor: no bound). A finding depends on
    the causes alone, with L(c) = sum_y lik_y P(y | c) for a cause set c:

    - whatever the rest says, P(a_i | rest) = E[L(c) | rest] >= min_c L(c). Under noisy-MAX,
      P(lowest state | c) = F_leak(0) prod_{j in c} F_j(0) lies between its value with
      every linked cause present and with none, and L(c) >= lik_0 P(0 | c) + m (1 - P(0 |
      c)), m the smallest likelihood of the other states: linear in P(0 | c), so its
      smaller end bounds it;
    - for an answer at the lowest state, from the exact posterior of all the answers:
      P(rest) / P(all) = E[1 / L(c) | all] with 1 / L(c) = prod_{j in c} (1 + d_j) /
      F_leak(0), d_j = 1 / F_j(0) - 1. Expanding the product over the sets S of present
      causes and bounding P(S present | all) by the smallest marginal in S, with the causes
      in increasing posterior order: E <= 1 + sum_k p_k d_k prod_{l > k} (1 + d_l).
    """
    eng = ctx.engine
    noisy = eng.net.node_map[node].noisy if eng.kind[node] == "finding" else None
    if noisy is None:
        return math.inf
    leak_cdf, link = np.asarray(noisy[0], dtype=float), np.asarray(noisy[1], dtype=float)
    p0_max = float(leak_cdf[0])
    p0_min = p0_max * float(np.prod(link[:, 0]))
    lik = np.asarray(lik, dtype=float)
    m = float(lik[1:].min())
    low = min(m + (float(lik[0]) - m) * p for p in (p0_min, p0_max))
    bound = single - math.log(low) if low > 0 else math.inf
    if post is None or not post.exact or lik[0] != 1.0 or m != 0.0 or p0_min <= 0:
        return bound
    # marginals rounded up (a relative 1e-6 and 1e-9 beyond the exact routes' error)
    p = np.minimum(post.marginals[list(eng.finding_axes[node])] * (1 + 1e-6) + 1e-9, 1.0)
    d = 1.0 / link[:, 0] - 1.0
    order = np.argsort(p)
    p, d = p[order], d[order]
    after = np.append(np.cumprod((1.0 + d)[::-1])[::-1][1:], 1.0)  # prod over l > k
    e = 1.0 + float(np.sum(p * d * after))
    return min(bound, single - math.log(p0_max) + math.log(e))


def conflict_candidates(
    ctx: ModelContext,
    ev: Mapping[str, np.ndarray],
    answered: Sequence[str],
    post: Posterior | None = None,
) -> list[str]:
    """The answers whose conflict with the rest can pass ``CONFLICT_THRESHOLD`` (by
    :func:`local_conflict_bound`, from ``post``, the posterior of all the answers, where
    given): only theirs needs the answers withdrawn one at a time (the others cannot be
    flagged, so the check gives the same result without them)."""
    singles = _singles(ctx, ev)
    return [
        q
        for q in answered
        if local_conflict_bound(ctx, q, ev[q], singles[q], post) > CONFLICT_THRESHOLD - MARGIN
    ]


def answer_conflict(
    ctx: ModelContext,
    ev: Mapping[str, np.ndarray],
    post: Posterior,
    answered: Sequence[str],
    log_z_without: np.ndarray,
) -> Conflict:
    """The unusual-combination check of the answers (given heavy legs); ``log_z_without``
    holds log P(rest) for each of ``answered``, NaN for an answer not withdrawn (the
    assessment's: one whose conflict cannot pass the threshold, :func:`conflict_candidates`)."""
    singles = _singles(ctx, ev)
    log_joint = post.log_evidence - ctx.prior.log_evidence
    # conflict of each answer with the rest: log P(a_i) P(rest) / P(all), given heavy legs
    local = {
        qid: singles[qid] + float(log_z_without[k]) - post.log_evidence
        for k, qid in enumerate(answered)
        if not np.isnan(log_z_without[k])
    }
    names = {
        k: f"\u201c{q.label or q.text}\u201d" for k, q in ctx.question_map.items() if k in local
    }
    return conflict(log_joint, singles, local, names)


def triage_change_chance(
    ctx: ModelContext,
    post: Posterior,
    case: Case,
    clean: Mapping[str, Any],
    tri: Triage,
    gains: Sequence[QuestionGain],
    unusual: bool,
    known: Mapping[str, Any] | None = None,
) -> tuple[float, tuple[str, ...]]:
    """For every unanswered question the runner could be asked (``gains``) and the
    follow-up questions of a sign already present (the pill after one swollen leg:
    :func:`follow_up_questions`), the chance that answering it changes the triage level: the
    sum over its answers of P(answer) [level after != level now]. Returns the largest chance
    and the questions above ``STOP_TRIAGE_CHANGE``, most likely first. Exact for the rules
    and the escalations (the previews track every cause that can raise the level), with the
    conflict check and the unexplained share held at their present values and a number
    question's bin read at its middle value. ``known``: previews already computed
    (:func:`question_gains`: question -> (preview, the cause ids it tracks)); the others are
    computed here."""
    eng = ctx.engine
    look = [g.id for g in gains]
    look += [q for q in tri.follow_up if q in eng.states and q not in look]
    known = dict(known or {})
    missing = [q for q in look if q not in known]
    if missing:
        serious = _serious_axes(ctx)
        ids = [eng.cause_ids[a] for a in serious]
        for qid, pv in zip(missing, eng.previews(post, case, missing, serious), strict=True):
            known[qid] = (pv, ids)
    named = rule_questions(ctx.kb)
    qmap = ctx.question_map
    now = {k: v for k, v in clean.items() if applies(qmap[k], clean)}
    ahead = LevelLookahead(ctx.kb, now, eng.cause_ids, unusual=unusual, unexplained=tri.unexplained)
    bands_now = ahead.bands(post.marginals)
    chances: dict[str, float] = {}
    for qid in look:
        pv, ids = known[qid]
        q = ctx.question_map[qid]
        after = np.tile(post.marginals, (len(eng.states[qid]), 1))
        after[:, [eng.axis[c] for c in ids]] = pv.tracked
        chance = 0.0
        for s, state in enumerate(eng.states[qid]):
            p_state = float(pv.p_state[s])
            # an answer no rule names changes the level only if a probability crosses a
            # threshold: otherwise the rules and the escalations decide as now
            if p_state <= 1e-9 or (qid not in named and _same_bands(ahead, after[s], bands_now)):
                continue
            given = {**clean, qid: value_for_state(q, state)}
            # the answers that still apply (the pill after "male": not one of them)
            answers = {k: v for k, v in given.items() if applies(qmap[k], given)}
            chance += p_state * (ahead.level(answers, after[s]) != tri.level)
        chances[qid] = chance
    opening = sorted(
        (q for q, c in chances.items() if c > STOP_TRIAGE_CHANGE),
        key=lambda q: (-chances[q], look.index(q)),
    )
    return max(chances.values(), default=0.0), tuple(opening)


def _same_bands(ahead: LevelLookahead, p: np.ndarray, now: np.ndarray) -> bool:
    """Whether the escalations' bands after an answer (``p``) are those of now: then an
    answer no rule names leaves the level as it is (the lookahead's shortcut)."""
    return bool(np.array_equal(ahead.bands(p), now))


def assess(
    ctx: ModelContext,
    answers: tuple[tuple[str, Any], ...],
    confidence: tuple[tuple[str, float], ...] = (),
    with_intervals: bool = False,
) -> Assessment:
    """The ranking, conflict and triage of :func:`diagnose`, computed the same way, without
    the question ranking, explanations and what-ifs (a third of the work or less); the
    intervals only if asked for (they cost about as much as the rest)."""
    return assess_parts(ctx, answers, confidence, with_intervals)[0]


def _head(
    ctx: ModelContext, ev: Mapping[str, np.ndarray], with_intervals: bool
) -> tuple[Case, Posterior, tuple[CauseResult, ...]]:
    """The work an assessment and a diagnosis share: the engine's case and posterior of the
    evidence, and the causes ranked (with their intervals if asked for)."""
    case = ctx.engine.case(ev)
    post = ctx.engine.posterior(case)
    return (
        case,
        post,
        rank_causes(
            ctx, post, cause_intervals(ctx, ev, post, case=case) if with_intervals else None
        ),
    )


def assess_parts(
    ctx: ModelContext,
    answers: tuple[tuple[str, Any], ...],
    confidence: tuple[tuple[str, float], ...] = (),
    with_intervals: bool = False,
) -> tuple[Assessment, dict[str, Any], Case, Posterior]:
    """:func:`assess` with what it was computed from (the answers that apply, the engine's
    case and posterior), for callers that query the same case further."""
    _, clean, ev = evidence_parts(ctx.engine, ctx.question_map, dict(answers), dict(confidence))
    case, post, causes = _head(ctx, ev, with_intervals)
    # only the answers whose conflict with the rest could be flagged are withdrawn where the
    # withdrawals are term sums (on a long questionnaire most are "no" to signs with weak
    # links, which cannot be flagged); the samples' withdrawals are all made, as diagnose's
    answered = list(clean)
    can = set(conflict_candidates(ctx, ev, answered, post))
    log_z_without = (
        ctx.engine.withdrawn(
            post, case, answered, marginals=False, optional=[q for q in answered if q not in can]
        )[1]
        if answered
        else np.empty(0)
    )
    conf_res = answer_conflict(ctx, ev, post, answered, log_z_without)
    tri = triage_of(ctx, post, case, clean, causes, conf_res, dict(confidence))
    return (
        Assessment(causes, tri, conf_res, post.log_evidence, inference_of(post, case)),
        clean,
        case,
        post,
    )


def with_intervals(ctx: ModelContext, a: Assessment, case: Case, post: Posterior) -> Assessment:
    """The assessment ``a`` (computed without intervals from ``case`` and ``post``) with each
    cause's interval: equal to :func:`assess_parts` with intervals (tested). Nothing else
    depends on them (triage and conflict use the point probabilities); the way the extras
    were computed may (the draws can rest on a deep case's samples)."""
    causes = rank_causes(ctx, post, cause_intervals(ctx, case.evidence, post, case=case))
    return replace(a, causes=causes, inference=inference_of(post, case))


def diagnose(
    ctx: ModelContext,
    answers: tuple[tuple[str, Any], ...],
    confidence: tuple[tuple[str, float], ...] = (),
    head: tuple[Case, Posterior, tuple[CauseResult, ...]] | None = None,
) -> Diagnosis:
    """The whole diagnosis of clean answers and confidences (sorted item tuples). ``head``:
    the engine's case, posterior and ranked causes (with intervals) of :func:`assess_parts`
    for the same answers, the work the two share, done once."""
    given, conf = dict(answers), dict(confidence)
    ev_states, clean, ev = evidence_parts(ctx.engine, ctx.question_map, given, conf)
    case, post, causes = head if head is not None else _head(ctx, ev, True)
    gains, change, previews = question_gains(ctx, post, case, clean, causes)
    why, log_z_without = explanations(ctx, post, case, clean, ev_states)
    conf_res = answer_conflict(ctx, ev, post, list(clean), log_z_without)
    tri = triage_of(ctx, post, case, clean, causes, conf_res, dict(confidence))
    best_gain = gains[0].expected_information_gain if gains else 0.0
    tri_change: float = 0.0
    opening: tuple[str, ...] = ()
    if tri.level != "emergency" and gains:
        tri_change, opening = triage_change_chance(
            ctx, post, case, clean, tri, gains, conf_res.unusual, previews
        )
    stop = stop_advice(causes[0].probability, best_gain, tri.level, len(gains), tri_change)
    depends = tuple(
        (q, tuple(o for o, _ in ctx.question_map[q].applies_to if o not in clean))
        for q in opening
        if any(o not in clean for o, _ in ctx.question_map[q].applies_to)
    )
    tri = replace(
        tri,
        change_chance=tri_change,
        change_questions=opening,
        change_depends=depends,
        so_far=not stop.stop,
    )
    # the contract lists every unanswered question: those that do not apply (periods for a
    # man) come last, with no gain, and are never asked
    idle = tuple(
        QuestionGain(q.id, 0.0, q.text, q.group)
        for q in ctx.kb.questions
        if q.asked_by == "runner" and q.id not in given and not applies(q, clean)
    )
    return Diagnosis(
        causes=causes,
        triage=tri,
        next_questions=gains + idle,
        evidence=tuple((k, s) for k, s in ev_states.items() if k not in conf),
        answers=answers,
        population=ctx.population,
        model_version=ctx.version,
        log_evidence=post.log_evidence,
        virtual_evidence=tuple(  # a confidence on an answer that does not apply: none
            (k, tuple(float(x) for x in ev[k])) for k in sorted(conf) if k in ev
        ),
        confidence=confidence,
        explanations=why,
        what_would_change=change,
        stop=stop,
        conflict=conf_res,
        helpful_changes=helpful_changes(ctx, clean, case),
        base_rates=tuple(sorted(ctx.base_rates.items())),
        inference=inference_of(post, case),
    )


def interval_drivers(
    ctx: ModelContext,
    answers: Mapping[str, Any],
    confidence: Mapping[str, float],
    causes: Sequence[str],
    top: int = 3,
    post: Posterior | None = None,
) -> dict[str, tuple[IntervalDriver, ...]]:
    """The numbers that widen each cause's interval most, for clean answers (issue 16);
    ``post``: their posterior, if known (the diagnosis's)."""
    _, _, ev = evidence_parts(ctx.engine, ctx.question_map, dict(answers), dict(confidence))
    return drivers(ctx, ev, ctx.engine.posterior(ev) if post is None else post, causes, top)
