"""Result types of the reasoning: frozen dataclasses; ``to_dict`` gives the contract's JSON
(section 5) and the reasoning's own keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .texts import DISCLAIMER
from .triage import Triage


@dataclass(frozen=True)
class Contribution:
    question: str
    answer: Any
    delta_log_odds: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "delta_log_odds": self.delta_log_odds,
            "text": self.text,
        }


@dataclass(frozen=True)
class Explanation:
    cause: str
    contributions: tuple[Contribution, ...]  # strongest first

    def to_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "contributions": [c.to_dict() for c in self.contributions]}


@dataclass(frozen=True)
class Outcome:
    answer: str  # node state
    label: str
    probability: float  # P(this answer | answers so far)
    causes: tuple[tuple[str, float], ...]  # tracked causes' probabilities after this answer

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "label": self.label,
            "probability": self.probability,
            "causes": [{"id": c, "probability": p} for c, p in self.causes],
        }


@dataclass(frozen=True)
class ConclusionChange:
    question: str
    answer: str
    label: str
    probability_of_answer: float
    top_before: str
    p_before: float
    top_after: str
    p_top_before_after: float  # the old top cause's probability after the answer
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "question",
                "answer",
                "label",
                "probability_of_answer",
                "top_before",
                "p_before",
                "top_after",
                "p_top_before_after",
                "text",
            )
        }


@dataclass(frozen=True)
class StopAdvice:
    stop: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"stop": self.stop, "reason": self.reason}


@dataclass(frozen=True)
class Conflict:
    score: float  # nats; > 0 means the answers are less likely together than apart
    unusual: bool
    message: str
    culprits: tuple[str, ...] = ()  # answers that conflict with the rest, worst first

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "unusual": self.unusual,
            "message": self.message,
            "culprits": list(self.culprits),
        }


@dataclass(frozen=True)
class HelpfulChange:
    question: str
    state: str
    label: str
    p_heavy_legs_now: float
    p_heavy_legs_after: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "question",
                "state",
                "label",
                "p_heavy_legs_now",
                "p_heavy_legs_after",
                "text",
            )
        }


@dataclass(frozen=True)
class WhatIf:
    changes: tuple[tuple[str, Any], ...]
    p_heavy_legs: float
    baseline_p_heavy_legs: float
    causes: tuple[tuple[str, float, float], ...]  # (cause, probability after, before)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": dict(self.changes),
            "p_heavy_legs": self.p_heavy_legs,
            "baseline_p_heavy_legs": self.baseline_p_heavy_legs,
            "causes": [{"id": c, "probability": p, "baseline": b} for c, p, b in self.causes],
        }


@dataclass(frozen=True)
class SensitivityRow:
    parameter: str  # e.g. "base_rate:overtraining" or "link:overtraining->performance_declining"
    text: str
    low: float  # parameter value at the low end
    high: float
    effects: tuple[tuple[str, float, float, float], ...]  # (cause, p_low, p_now, p_high)
    swing: float  # |p_high - p_low| of the first tracked cause

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "text": self.text,
            "low": self.low,
            "high": self.high,
            "swing": self.swing,
            "effects": [
                {"cause": c, "p_low": lo, "p_now": now, "p_high": hi}
                for c, lo, now, hi in self.effects
            ],
        }


@dataclass(frozen=True)
class CauseResult:
    id: str
    group: str
    label: str
    probability: float
    prior: float
    # (low, high): the probability's interval over the uncertainty of the numbers in
    # priors/ (uncertainty.yaml's coverage, 80 %); None where it was not computed
    interval: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "group": self.group,
            "label": self.label,
            "probability": self.probability,
            "prior": self.prior,
        }
        if self.interval is not None:
            d["interval"] = [self.interval[0], self.interval[1]]
        return d


@dataclass(frozen=True)
class QuestionGain:
    id: str
    expected_information_gain: float
    text: str
    group: str
    outcomes: tuple[Outcome, ...] = ()  # what each answer would do ("why we ask")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "expected_information_gain": self.expected_information_gain,
            "text": self.text,
            "group": self.group,
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


@dataclass(frozen=True)
class TestValue:
    """One clinician finding (examination or test) ranked by "which test next": its expected
    information gain, its cost, the gain per cost unit, and what each result would do to the
    leading causes and to the triage level."""

    id: str
    text: str
    group: str  # exam or test
    expected_information_gain: float  # bits, the engine's gain measure (as for questions)
    cost_units: float  # the priors' or the physio's own
    cost: tuple[tuple[str, float | bool], ...]  # minutes, money, invasive, referral
    outcomes: tuple[Outcome, ...]  # per result: its chance and the leading causes after it
    levels: tuple[str, ...]  # the triage level after each result (same order as outcomes)

    @property
    def gain_per_cost(self) -> float:
        return self.expected_information_gain / self.cost_units

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "group": self.group,
            "expected_information_gain": self.expected_information_gain,
            "cost_units": self.cost_units,
            "gain_per_cost": self.gain_per_cost,
            "cost": dict(self.cost),
            "outcomes": [
                {**o.to_dict(), "triage": lv}
                for o, lv in zip(self.outcomes, self.levels, strict=True)
            ],
        }


@dataclass(frozen=True)
class Inference:
    """How the posterior was computed: the engine's route, whether it is exact (to about
    1e-9) and otherwise the stated error of the probabilities (a named fallback: the
    extended-precision sum's bound, or importance sampling's standard error)."""

    route: str
    exact: bool = True
    error: float = 0.0  # the fallback's error bound (sampling: its standard error)
    # how the extras around the posterior (the questions' previews and gains, the
    # explanations and conflict check, the interval draws) were computed: "exact", or
    # "importance-sampling" for a deep case (model/inference/particles.py), with the
    # samples' standard error
    extras: str = "exact"
    extras_error: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "exact": self.exact,
            "error": self.error,
            "extras": self.extras,
            "extras_error": self.extras_error,
        }


@dataclass(frozen=True)
class Assessment:
    """The ranking and triage of one set of answers without the question ranking, the
    explanations or the what-ifs: what evaluation, real cases and batch scoring need. Its
    causes and triage level equal those of the full :class:`Diagnosis` of the same answers."""

    causes: tuple[CauseResult, ...]  # every cause, highest probability first
    triage: Triage  # the level of the diagnosis (not its stop-rule "so far" look-ahead)
    conflict: Conflict
    log_evidence: float
    inference: Inference | None = None

    @property
    def top(self) -> CauseResult:
        return self.causes[0]

    def probability(self, cause: str) -> float:
        return next(c.probability for c in self.causes if c.id == cause)


@dataclass(frozen=True)
class Diagnosis:
    """The result for one set of answers."""

    causes: tuple[CauseResult, ...]  # every cause, highest probability first
    triage: Triage
    next_questions: tuple[QuestionGain, ...]  # every unanswered question, most informative first
    evidence: tuple[tuple[str, str], ...]  # hard evidence on network nodes
    answers: tuple[tuple[str, Any], ...]  # the clean answers
    population: str
    model_version: str
    log_evidence: float  # natural log of P(answers, heavy legs) under the model
    virtual_evidence: tuple[tuple[str, tuple[float, ...]], ...] = ()  # soft answers
    confidence: tuple[tuple[str, float], ...] = ()
    explanations: tuple[Explanation, ...] = ()  # per cause, in cause-id order of the model
    what_would_change: ConclusionChange | None = None
    stop: StopAdvice | None = None
    conflict: Conflict | None = None
    helpful_changes: tuple[HelpfulChange, ...] = ()
    base_rates: tuple[tuple[str, float], ...] = ()  # base rates changed from the priors'
    inference: Inference | None = None  # how the posterior was computed (route, exactness)

    def explanation(self, cause: str) -> Explanation:
        return next(e for e in self.explanations if e.cause == cause)

    @property
    def top(self) -> CauseResult:
        return self.causes[0]

    def probability(self, cause: str) -> float:
        return next(c.probability for c in self.causes if c.id == cause)

    def to_dict(self) -> dict[str, Any]:
        return {
            "causes": [c.to_dict() for c in self.causes],
            "triage": self.triage.to_dict(),
            "next_questions": [q.to_dict() for q in self.next_questions],
            "evidence": dict(self.evidence),
            "answers": dict(self.answers),
            "population": self.population,
            "model_version": self.model_version,
            "log_evidence": self.log_evidence,
            "virtual_evidence": {k: list(v) for k, v in self.virtual_evidence},
            "confidence": dict(self.confidence),
            "explanations": {
                e.cause: [c.to_dict() for c in e.contributions] for e in self.explanations
            },
            "what_would_change": (
                self.what_would_change.to_dict() if self.what_would_change else None
            ),
            "stop": self.stop.to_dict() if self.stop else None,
            "conflict": self.conflict.to_dict() if self.conflict else None,
            "helpful_changes": [h.to_dict() for h in self.helpful_changes],
            "base_rates": dict(self.base_rates),
            "inference": self.inference.to_dict() if self.inference else None,
            "disclaimer": DISCLAIMER,
        }


ADVICE_MIN = 0.05  # a cause below this chance gets no "what to do" (the result page, reports)


def advised_causes(d: Diagnosis | Assessment) -> tuple[CauseResult, ...]:
    """The causes whose advice is given: the top three, less any below ``ADVICE_MIN`` (a
    runner walk: a 96 % arterial disease's "walk to near-maximal pain" sat beside a 1 %
    popliteal entrapment's "never walk through the pain"), the leading cause always, and any
    cause a warning sign points to whatever its chance (the runner is sent to have it
    checked: a walk found a pinned DVT with no "why"). The result page and the reports
    alike (a runner walk found the PDF giving every cause's advice)."""
    flagged = set(d.triage.flagged)
    top = d.causes[:3]
    keep = [
        c for i, c in enumerate(top) if i == 0 or c.probability >= ADVICE_MIN or c.id in flagged
    ]
    return tuple(keep) + tuple(c for c in d.causes[3:] if c.id in flagged)
