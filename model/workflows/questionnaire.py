"""How many questions the runner's questionnaire needs (issue 13): the app's own policy
replayed on a case whose answers are known.

The replay answers the first screen's warning signs the case answers, then asks what the app
asks (:func:`~model.reasoning.next_to_ask`: a follow-up of a sign first, then age and sex,
then a question that could change the triage level, else the most informative question
worth asking) until the stop rule says the result is stable
(``Diagnosis.stop``), nothing is worth asking, or ``MAX_ASKED`` questions. The count is the
questions asked after the first screen. A written case answers only some questions, so there
are two readings: ``known_only`` (the runner is asked only what the case says, as if it held
everything they know: the questions a stable result needs) and the literal one (every
question the app picks is asked and counted, answered "not sure" when the case does not say:
an upper bound, since a real runner could answer most of them).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..api import Model
from ..reasoning import first_screen_questions, next_to_ask

MAX_ASKED = 40


@dataclass(frozen=True)
class Replay:
    """One case through the questionnaire."""

    case_id: str
    asked: tuple[str, ...]  # after the first screen, in the order asked
    answered: int  # how many of them the case answers (the others were "not sure")
    stopped: bool  # the stop rule said stable (else nothing worth asking, or the cap)
    top: str  # the top cause where the questionnaire ended
    top_all: str  # the top cause from all of the case's answers a runner gives
    level: str
    level_all: str


def replay(
    model: Model, answers: Mapping[str, Any], case_id: str = "", *, known_only: bool = True
) -> Replay:
    """The app's question policy on ``answers`` (clean answers of one case)."""
    screen = first_screen_questions(model.kb)
    given = {q: answers[q] for q in screen if q in answers}
    unknown = {q.id for q in model.questions if q.id not in answers}
    # the literal reading: a warning sign the case is silent on was answered "not sure" on
    # the first screen, which the app does not ask again
    skip: set[str] = unknown if known_only else {q for q in screen if q not in answers}
    asked: list[str] = []
    stopped = False
    d = model.diagnose(given)
    while len(asked) < MAX_ASKED:
        if d.stop is not None and d.stop.stop:
            stopped = True
            break
        qid = next_to_ask(d, skip)
        if qid is None:
            break
        asked.append(qid)
        if qid in answers:
            given[qid] = answers[qid]
            d = model.diagnose(given)
        else:
            skip.add(qid)
    # the reference: every answer the questionnaire could have asked (not the clinician's)
    full = model.diagnose({q: v for q, v in answers.items() if _asked_by_runner(model, q)})
    return Replay(
        case_id,
        tuple(asked),
        sum(q in answers for q in asked),
        stopped,
        d.causes[0].id,
        full.causes[0].id,
        d.triage.level,
        full.triage.level,
    )


def _asked_by_runner(model: Model, qid: str) -> bool:
    q = model.question_map.get(qid)
    return q is not None and q.asked_by == "runner"


@dataclass(frozen=True)
class QuestionnaireSummary:
    """The replays of a set of cases, summarised for the README and the CLI."""

    replays: tuple[Replay, ...]
    known_only: bool = True

    @property
    def counts(self) -> list[int]:
        return [len(r.asked) for r in self.replays]

    def to_dict(self) -> dict[str, Any]:
        n = len(self.replays)
        c = self.counts
        at_stop = [len(r.asked) for r in self.replays if r.stopped]
        return {
            "cases": n,
            "mean_questions": statistics.fmean(c) if c else 0.0,
            "median_questions": statistics.median(c) if c else 0.0,
            "max_questions": max(c, default=0),
            "stopped": sum(r.stopped for r in self.replays),
            "mean_questions_when_stopped": statistics.fmean(at_stop) if at_stop else 0.0,
            "same_top_as_all_answers": sum(r.top == r.top_all for r in self.replays),
            "same_level_as_all_answers": sum(r.level == r.level_all for r in self.replays),
        }

    def text(self) -> str:
        s = self.to_dict()
        n = s["cases"] or 1
        how = (
            "asking only what each case answers"
            if self.known_only
            else "every question the app picks, 'not sure' where the case is silent"
        )
        return (
            f"questions to a stable result (the app's policy, after the warning-sign screen; "
            f"{how}): "
            f"mean {s['mean_questions']:.1f}, median {s['median_questions']:g}, "
            f"max {s['max_questions']} over {s['cases']} cases; the stop rule was reached in "
            f"{s['stopped']} cases ({s['stopped'] / n:.0%}), after a mean of "
            f"{s['mean_questions_when_stopped']:.1f} questions in those; where the questionnaire "
            f"ended, the top cause equals the one from all the case's own answers in "
            f"{s['same_top_as_all_answers']} "
            f"({s['same_top_as_all_answers'] / n:.0%}), the triage level in "
            f"{s['same_level_as_all_answers']} ({s['same_level_as_all_answers'] / n:.0%})"
        )


def summarise(
    model: Model, cases: Sequence[tuple[str, Mapping[str, Any]]], *, known_only: bool = True
) -> QuestionnaireSummary:
    """Replay every (id, answers) pair."""
    return QuestionnaireSummary(
        tuple(replay(model, a, i, known_only=known_only) for i, a in cases), known_only
    )
