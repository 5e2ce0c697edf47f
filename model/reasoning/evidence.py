"""Answers to evidence: validate answers and confidences against the question vocabulary, map
them to node states (numbers binned) and to likelihood vectors (soft answers as virtual
evidence)."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from decimal import Decimal
from difflib import get_close_matches
from typing import Any

import numpy as np

from ..inference import Engine
from ..kb import HEAVY_LEGS, YES_NO, Question

MAX_TEXT = 200


def _closest(word: str, options: Any, cutoff: float = 0.5) -> str:
    close = get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


# Words for "I do not know" typed as an answer: "maybe" got "did you mean 'yes'?" and
# "dunno" "did you mean 'no'?" on a warning sign (a hostile-input review). They are told how
# to leave a question unknown instead.
UNSURE_WORDS = frozenset(
    {
        "maybe",
        "dunno",
        "not sure",
        "unsure",
        "unknown",
        "idk",
        "?",
        "??",
        "n/a",
        "na",
        "don't know",
        "dont know",
        "do not know",
        "perhaps",
        "possibly",
        "not known",
        "no idea",
        "uncertain",
        "can't say",
        "cannot say",
        "-",
    }
)
# an answer's near miss: only close ones ("yse" -> "yes"; "halfway" -> "all_day" was not)
ANSWER_CUTOFF = 0.6


def show_value(value: Any) -> str:
    """A value as a message names it: its repr, shortened (a huge integer by its size)."""
    if isinstance(value, int) and value.bit_length() > 200:  # repr fails past 4,300 digits
        return f"a whole number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def finite_real(value: Any) -> float | None:
    """``value`` as a float if it is a finite real number (numpy's and ``Decimal`` included:
    ``Fraction(34)`` was an age and ``Decimal("34")`` "not a number"), else None: never a
    bool, and an integer too large for a float (``float`` would raise) is none."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real | Decimal):
        return None
    try:
        x = float(value)
    except (OverflowError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _as_given(value: Any) -> str:
    """A number answer as the user gave it, for a message: text as typed, a number exactly
    (``-100.0001`` is not rounded to ``-100``)."""
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else show_value(value)


# a number written as text: plain ASCII decimals (float() also reads "1_000" and other
# scripts' digits, which no runner means)
NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def _number_hint(value: Any) -> str:
    """What a number written as text needs, where it is clear ("2,5", "1,200", "1 200",
    "68F" were all only "not a number": a hostile-input review)."""
    if not isinstance(value, str):
        return ""
    v = value.strip()
    if re.fullmatch(r"\d+,\d{1,2}", v):
        return f" (with a decimal point: {v.replace(',', '.')})"
    if re.fullmatch(r"\d{1,3}([, ]\d{3})+(\.\d+)?", v):
        return f" (without a thousands separator: {v.replace(',', '').replace(' ', '')})"
    if re.fullmatch(r"[+-]?\d+(\.\d+)?\s*°?\s*[fF]", v):
        return " (in \u00b0C: a case file's answers are metric whatever its units)"
    lead = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)\s*[^\d\s.,+-].*", v)
    if lead:
        return f" (the number alone: {lead.group(1)})"
    return ""


def check_answer(q: Question, value: Any) -> tuple[Any, str | None]:
    """Return (clean value, None) or (None, problem)."""
    given = value
    if q.type == "number":
        if isinstance(value, str) and NUMBER_TEXT.fullmatch(value.strip()):
            value = float(value.strip())
        elif isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
            value = int(value)  # numpy integers too
        elif isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool):
            try:
                value = float(value)  # numpy floats and Decimal too
            except (OverflowError, ValueError):  # a Fraction beyond a float, Decimal("sNaN")
                value = math.inf
        else:
            unit = f" {q.unit}" if q.unit else ""
            return None, (
                f"{q.id}: {show_value(value)} is not a number; give a number "
                f"from {q.min:g} to {q.max:g}{unit}{_number_hint(value)}"
            )
        if isinstance(value, float) and not math.isfinite(value):  # an int is always finite
            return (
                None,
                f"{q.id}: {_as_given(given)} is not a finite number; give a number from "
                f"{q.min:g} to {q.max:g}",
            )
        assert q.min is not None and q.max is not None
        if not q.min <= value <= q.max:  # exact for any int, however large
            unit = f" {q.unit}" if q.unit else ""
            return None, (
                f"{q.id}: {_as_given(given)} is out of range; give a number from {q.min:g} to "
                f"{q.max:g}{unit}"
            )
        return (int(value) if float(value).is_integer() else float(value)), None
    allowed = YES_NO if q.type == "yes_no" else q.options
    if isinstance(value, bool) and q.type == "yes_no":
        return None, f'{q.id}: give "yes" or "no" as text, not {str(value).lower()}'
    if not isinstance(value, str):
        return None, (
            f"{q.id}: {show_value(value)} is not one of the answers; "
            f"choose one of {', '.join(allowed)}"
        )
    v = value.strip()
    if v not in allowed and " ".join(v.lower().replace("\u2019", "'").split()) in UNSURE_WORDS:
        return None, (
            f"{q.id}: {show_value(value[:MAX_TEXT])} is not one of the answers; to leave it "
            "unknown, leave the question out (in a case file, list it under not_sure); "
            f"otherwise choose one of {', '.join(allowed)}"
        )
    if v not in allowed:
        return None, (
            f"{q.id}: {show_value(value[:MAX_TEXT])} is not one of the answers; choose one "
            f"of {', '.join(allowed)}{_closest(v.lower(), allowed, ANSWER_CUTOFF)}"
        )
    return v, None


def state_of(q: Question, value: Any) -> str:
    """The node state for a clean answer (numbers are binned)."""
    if q.type != "number":
        return str(value)
    for state, below in q.bins:
        if below is None or value < below:
            return state
    raise AssertionError("unreachable: the last bin is open")


def validate_answers(
    questions: Mapping[str, Question], answers: Any, *, skip: tuple[str, ...] = ()
) -> tuple[dict[str, Any], list[str]]:
    """Check every answer; return (the valid answers, one problem line per invalid answer).

    Unanswered means absent, ``None`` or an empty string; it is never "no".
    """
    if not isinstance(answers, Mapping):
        return {}, [
            f"answers must be a mapping of question id to answer, not "
            f'{type(answers).__name__}; write {{"age": 34, ...}}'
        ]
    clean: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in answers.items():
        if not isinstance(key, str):
            problems.append(
                f"{show_value(key)}: question ids are text; "
                "use an id of `python -m model questions`"
            )
            continue
        if key in skip:
            continue
        if key not in questions:
            problems.append(
                f"{key[:MAX_TEXT]!r} is not a question{_closest(key, questions)}"
                " (see `python -m model questions`)"
            )
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        v, problem = check_answer(questions[key], value)
        if problem:
            problems.append(problem)
        else:
            clean[key] = v
    return clean, problems


MIN_CONFIDENCE = 0.5


def _confidence_problem(
    qid: str, c: Any, questions: Mapping[str, Question], answers: Any
) -> str | None:
    if qid not in questions:
        return f"confidence: {show_value(qid)} is not a question"
    if qid not in answers:
        return (
            f"confidence: {qid}: its answer is missing or was rejected (see above), so there "
            "is nothing to be sure of; give a valid answer or drop the confidence"
        )
    x = finite_real(c)  # numpy's numbers too; a huge int is not one
    if x is None or not MIN_CONFIDENCE <= x <= 1:
        return f"confidence: {qid}: {show_value(c)} must be a number from 0.5 (a guess) to 1 (sure)"
    return None


def validate_confidence(
    questions: Mapping[str, Question], confidence: Any, answers: Mapping[str, Any]
) -> tuple[dict[str, float], list[str]]:
    """Confidences 0.5-1 for answered questions: (the ones below 1, problems)."""
    if confidence is None:
        return {}, []
    if not isinstance(confidence, Mapping):
        return {}, ["confidence must map question ids to numbers from 0.5 to 1"]
    ok: dict[str, float] = {}
    problems: list[str] = []
    for qid, c in confidence.items():
        problem = _confidence_problem(qid, c, questions, answers)
        if problem:
            problems.append(problem)
        elif c < 1:
            ok[qid] = float(c)
    return ok, problems


def applies(q: Question, answers: Mapping[str, Any]) -> bool:
    """Whether ``q`` applies given the answers so far: a question for one sex (periods, the
    pill, pregnancy) does not apply once another sex is answered; until then it may."""
    return q.excluded_by(answers) is None


def evidence_for(questions: Mapping[str, Question], answers: Mapping[str, Any]) -> dict[str, str]:
    """Hard evidence on network nodes for clean answers, with ``heavy_legs = yes``. An answer
    to a question that does not apply (see :func:`applies`) carries no evidence."""
    ev = {
        qid: state_of(questions[qid], v)
        for qid, v in answers.items()
        if applies(questions[qid], answers)
    }
    ev[HEAVY_LEGS] = "yes"
    return dict(sorted(ev.items()))


def likelihoods(
    engine: Engine,
    questions: Mapping[str, Question],
    answers: Mapping[str, Any],
    confidence: Mapping[str, float],
) -> dict[str, np.ndarray]:
    """Evidence as likelihood vectors: one-hot for sure answers, virtual evidence for soft
    ones: a confidence ``c`` (0.5 a guess, 1 sure) mixes the one-hot answer with no evidence
    at all, ``w = 2c - 1``: ``w * one_hot + (1 - w) / k`` over ``k`` states. With two states
    that is ``c`` on the answer and ``1 - c`` on the other; with more, "a guess" is no
    evidence too (spreading ``1 - c`` over the others made "50 % sure" of one of three
    answers count 2:1 for it, and "80 % sure" of "reduced after exercise" favour "reduced at
    rest" over "normal": a physio walk)."""
    out: dict[str, np.ndarray] = {}
    for node, state in evidence_for(questions, answers).items():
        v = engine.one_hot(node, state)
        c = confidence.get(node)
        if c is not None:
            w = 2.0 * c - 1.0
            v = w * v + (1.0 - w) / len(v)
        out[node] = v
    return out


def value_for_state(q: Question, state: str) -> Any:
    """An answer that maps to ``state``: the midpoint of a number bin, else the state."""
    if q.type != "number":
        return state
    names = [s for s, _ in q.bins]
    i = names.index(state)
    lo = q.bins[i - 1][1] if i > 0 else q.min
    hi = q.bins[i][1] if q.bins[i][1] is not None else q.max
    assert lo is not None and hi is not None
    value = (
        max(lo, q.min if q.min is not None else lo) + min(hi, q.max if q.max is not None else hi)
    ) / 2
    if state_of(q, value) != state:  # a bin narrower than the range rounding: use its lower end
        value = lo
    return value


def evidence_parts(
    engine: Engine,
    questions: Mapping[str, Question],
    given: Mapping[str, Any],
    confidence: Mapping[str, float],
) -> tuple[dict[str, str], dict[str, Any], dict[str, np.ndarray]]:
    """(hard evidence states, the answers that apply, likelihood vectors) of clean answers:
    an answer to a question that does not apply (periods for a man) carries no evidence."""
    ev_states = evidence_for(questions, given)
    clean = {k: v for k, v in given.items() if k in ev_states}
    return ev_states, clean, likelihoods(engine, questions, clean, confidence)
