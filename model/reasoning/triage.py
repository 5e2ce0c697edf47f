"""Triage: red-flag rules first (they decide whatever the probabilities say), then the amber
rules and the medical-cause rule for ``see_doctor``. Rules are data in priors/triage.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..kb import KnowledgeBase, Rule
from . import texts

LEVELS = ("self_care", "see_doctor", "urgent", "emergency")


@dataclass(frozen=True)
class Triage:
    level: str
    reasons: tuple[str, ...]
    red_flags: tuple[str, ...]  # ids of the red-flag rules that fired
    ruled_out: tuple[str, ...]  # ids of red-flag rules the answers already exclude
    advice: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "reasons": list(self.reasons),
            "red_flags": list(self.red_flags),
            "ruled_out": list(self.ruled_out),
            "advice": self.advice,
        }


def _holds(cond: Any, value: Any) -> bool:
    if isinstance(cond, str):
        return bool(value == cond)
    if isinstance(cond, list):
        return value in cond
    ok = True
    if "at_least" in cond:
        ok = ok and value >= cond["at_least"]
    if "below" in cond:
        ok = ok and value < cond["below"]
    return ok


def _clause(clause: Mapping[str, Any], answers: Mapping[str, Any]) -> bool | None:
    """True/False when decided by the answers, None while a needed answer is missing."""
    undecided = False
    for qid, cond in clause.items():
        if qid not in answers:
            undecided = True
        elif not _holds(cond, answers[qid]):
            return False
    return None if undecided else True


def rule_status(rule: Rule, answers: Mapping[str, Any]) -> bool | None:
    """True (fires), False (ruled out by the answers) or None (not yet decided)."""
    first = _clause(rule.all, answers)
    if first is False:
        return False
    if not rule.any:
        return first
    alts = [_clause(c, answers) for c in rule.any]
    if any(a is True for a in alts):
        return first
    if all(a is False for a in alts):
        return False
    return None


def triage(
    kb: KnowledgeBase, answers: Mapping[str, Any], probabilities: Mapping[str, float]
) -> Triage:
    """The triage level for clean answers and the causes' posterior probabilities."""
    level = 0
    reasons: list[str] = []
    fired: list[str] = []
    ruled_out: list[str] = []
    for rule in kb.red_flags:
        status = rule_status(rule, answers)
        if status:
            fired.append(rule.id)
            reasons.append(rule.reason)
            level = max(level, LEVELS.index(rule.level))
        elif status is False:
            ruled_out.append(rule.id)
    for rule in kb.amber_flags:
        if rule_status(rule, answers):
            reasons.append(rule.reason)
            level = max(level, LEVELS.index(rule.level))
    labels = {c.id: c.label for c in kb.causes}
    medical = [c.id for c in kb.causes if c.group == "medical"]
    likely = sorted(
        (c for c in medical if probabilities[c] >= kb.medical_threshold),
        key=lambda c: -probabilities[c],
    )
    for c in likely:
        reasons.append(kb.medical_reason.format(label=labels[c], probability=probabilities[c]))
        level = max(level, LEVELS.index("see_doctor"))
    if level == 0:
        reasons.append(texts.no_flags_reason(kb.medical_threshold))
    name = LEVELS[level]
    return Triage(name, tuple(reasons), tuple(fired), tuple(ruled_out), kb.level_texts[name])
