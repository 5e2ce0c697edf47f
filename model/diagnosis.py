"""Result types. Frozen dataclasses; ``to_dict`` gives the contract's JSON (section 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .reasoning import (
    ConclusionChange,
    Conflict,
    Explanation,
    HelpfulChange,
    Outcome,
    StopAdvice,
)
from .triage import Triage


@dataclass(frozen=True)
class CauseResult:
    id: str
    group: str
    label: str
    probability: float
    prior: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "group": self.group,
            "label": self.label,
            "probability": self.probability,
            "prior": self.prior,
        }


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
            "disclaimer": DISCLAIMER,
        }


DISCLAIMER = (
    "Decision support, not a diagnosis. heavylegs ranks possible causes from your answers; "
    "it cannot examine you. Red flags override the probabilities: if one applies, seek care as "
    "advised."
)
