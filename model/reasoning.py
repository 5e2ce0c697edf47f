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
  cause reaches ``STOP_TOP_PROBABILITY``, or when no question gains ``STOP_MIN_GAIN`` bits.
- **What-if** - an intervention do(factor = value) on a modifiable risk factor (a root node,
  so the intervention is graph surgery that sets it) given the runner's other background
  and training answers; reported symptoms describe the present and are not held fixed.
- **Unusual combination** - Hugin's conflict measure ``conf = log(prod_i P(a_i) / P(a))``
  over the answers (each given heavy legs); above ``CONFLICT_THRESHOLD`` the answers fit
  the model poorly together and a professional should look.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

STOP_TOP_PROBABILITY = 0.80
STOP_MIN_GAIN = 0.02  # bits
# nats (about 2x less likely together than apart): above the 99th percentile of the conflict
# of typical cases sampled from the model itself (0.59 over all answers, 0.61 for one answer
# against the rest, 300 cases with 5-19 answers); tests/test_reasoning.py re-checks the rate
CONFLICT_THRESHOLD = 0.7
TRACKED = 3  # causes tracked in the per-answer previews
MIN_HELPFUL = 0.005  # smallest drop in the chance of heavy legs listed as a helpful change


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


def logit(p: float | np.ndarray) -> Any:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.log(p / (1 - p))


def contribution_text(label: str, question_text: str, answer_label: str, delta: float) -> str:
    """Plain words for a runner; the number (odds ratio) for a physio."""
    ratio = math.exp(delta)
    if abs(delta) < 0.05:
        effect = "made little difference to"
    elif delta > 0:
        effect = "made it more likely" if ratio < 3 else "made it much more likely"
    else:
        effect = "made it less likely" if ratio > 1 / 3 else "made it much less likely"
    if effect.startswith("made little"):
        return (
            f"Your answer \u201c{answer_label}\u201d to \u201c{question_text}\u201d {effect} "
            f"{label.lower()} (odds \u00d7{ratio:.2f})."
        )
    return (
        f"Your answer \u201c{answer_label}\u201d to \u201c{question_text}\u201d {effect} that "
        f"this is {label.lower()} (odds \u00d7{ratio:.2f})."
    )


def stop_advice(top_p: float, best_gain: float, triage_level: str, unanswered: int) -> StopAdvice:
    if triage_level in ("urgent", "emergency"):
        return StopAdvice(True, "A red flag has decided the triage: act on it now.")
    if unanswered == 0:
        return StopAdvice(True, "Every question is answered.")
    if top_p >= STOP_TOP_PROBABILITY:
        return StopAdvice(
            True, f"The top cause is clear ({top_p:.0%} \u2265 {STOP_TOP_PROBABILITY:.0%})."
        )
    if best_gain < STOP_MIN_GAIN:
        return StopAdvice(
            True,
            f"No remaining question would tell much more "
            f"(best gain {best_gain:.3f} < {STOP_MIN_GAIN} bits).",
        )
    return StopAdvice(False, f"More answers would help (best question gains {best_gain:.2f} bits).")


def conflict(
    log_joint: float, singles: Mapping[str, float], local: Mapping[str, float] | None = None
) -> Conflict:
    """Hugin-style conflict over all answers, and each answer against the rest.

    ``conf = log prod_i P(a_i) - log P(a)``; ``local[i] = log P(a_i) P(rest) / P(a)``. The
    answers are flagged as unusual when either exceeds ``CONFLICT_THRESHOLD``.
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
    factor = math.exp(min(max(score, worst[0][0] if worst else score), 50))
    which = (" The answer(s) that fit least: " + ", ".join(culprits) + ".") if culprits else ""
    msg = (
        "These answers are an unusual combination: they fit the model poorly together "
        f"(about {factor:.0f}\u00d7 less likely together than apart). The ranking may be "
        "unreliable; a professional should look at this case." + which
    )
    return Conflict(score, True, msg, culprits)
