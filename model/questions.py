"""Parse and validate answers against the question vocabulary; map them to node states."""

from __future__ import annotations

import math
from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from .errors import InputError
from .priors import YES_NO, Question

MAX_TEXT = 200


def _closest(word: str, options: Any) -> str:
    close = get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_answer(q: Question, value: Any) -> tuple[Any, str | None]:
    """Return (clean value, None) or (None, problem)."""
    if q.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            if isinstance(value, str):
                try:
                    value = float(value.strip())
                except ValueError:
                    return None, (
                        f"{q.id}: {_show(value)} is not a number; give a number "
                        f"from {q.min:g} to {q.max:g}"
                    )
            else:
                return None, (
                    f"{q.id}: {_show(value)} is not a number; give a number "
                    f"from {q.min:g} to {q.max:g}"
                )
        if not math.isfinite(value):
            return (
                None,
                f"{q.id}: {value} is not a finite number; give a number from "
                f"{q.min:g} to {q.max:g}",
            )
        assert q.min is not None and q.max is not None
        if not q.min <= value <= q.max:
            unit = f" {q.unit}" if q.unit else ""
            return None, (
                f"{q.id}: {value:g} is out of range; give a number from "
                f"{q.min:g} to {q.max:g}{unit}"
            )
        return (int(value) if float(value).is_integer() else float(value)), None
    allowed = YES_NO if q.type == "yes_no" else q.options
    if isinstance(value, bool) and q.type == "yes_no":
        return None, f'{q.id}: give "yes" or "no" as text, not {str(value).lower()}'
    if not isinstance(value, str):
        return None, (
            f"{q.id}: {_show(value)} is not one of the answers; choose one of {', '.join(allowed)}"
        )
    v = value.strip()
    if v not in allowed:
        return None, (
            f"{q.id}: {_show(value[:MAX_TEXT])} is not one of the answers; choose one "
            f"of {', '.join(allowed)}{_closest(v.lower(), allowed)}"
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
                f"{_show(key)}: question ids are text; use an id of `python -m model questions`"
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


def require_valid(questions: Mapping[str, Question], answers: Any) -> dict[str, Any]:
    clean, problems = validate_answers(questions, answers)
    if problems:
        raise InputError(problems)
    return clean
