"""Reasoning over the engine's numbers: answers to evidence (:mod:`.evidence`), the diagnosis
composed of small pure functions (:mod:`.diagnose`), triage (:mod:`.triage`), what-if
(:mod:`.whatif`), sensitivity (:mod:`.sensitivity`), every user-facing sentence
(:mod:`.texts`) and the result types (:mod:`.results`)."""

from .diagnose import (
    BASICS,
    CONFLICT_THRESHOLD,
    STOP_MIN_GAIN,
    STOP_TOP_PROBABILITY,
    TRACKED,
    next_to_ask,
)
from .results import (
    Assessment,
    CauseResult,
    ConclusionChange,
    Conflict,
    Contribution,
    Diagnosis,
    Explanation,
    HelpfulChange,
    Outcome,
    QuestionGain,
    SensitivityRow,
    StopAdvice,
    TestValue,
    WhatIf,
)
from .texts import (
    DISCLAIMER,
    LEVEL_TITLES,
    POPULATION_TITLES,
    cause_name,
    flagged_note,
    inline_label,
    pct,
    plain,
    running_label,
    short_name,
)
from .triage import LEVELS, Triage, first_screen_questions

__all__ = [
    "CONFLICT_THRESHOLD",
    "DISCLAIMER",
    "LEVELS",
    "LEVEL_TITLES",
    "POPULATION_TITLES",
    "STOP_MIN_GAIN",
    "STOP_TOP_PROBABILITY",
    "TRACKED",
    "CauseResult",
    "ConclusionChange",
    "Conflict",
    "Contribution",
    "Assessment",
    "Diagnosis",
    "Explanation",
    "HelpfulChange",
    "Outcome",
    "QuestionGain",
    "SensitivityRow",
    "StopAdvice",
    "TestValue",
    "Triage",
    "WhatIf",
    "first_screen_questions",
    "next_to_ask",
    "BASICS",
    "flagged_note",
    "inline_label",
    "pct",
    "plain",
    "running_label",
    "cause_name",
    "short_name",
]
