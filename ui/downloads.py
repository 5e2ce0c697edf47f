"""Downloads for a physio: the case as JSON, and the report as PDF or Markdown.

The case JSON is a case file (``model.workflows.cases``; it has the contract's ``"answers"``),
so the workbench and ``python -m model diagnose`` read it back; reports come from
``model.workflows.report`` and show the same diagnosis as the screen (answers, confidences,
population and base rates of ``model``; an uploaded case keeps its notes, case id and who
answered what).
Everything is built in memory when the button is clicked; nothing is written to disk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from model import Case, Model, build_report, new_case, report_markdown, report_pdf


def _case(model: Model, answers: Mapping[str, Any], confidence: Mapping[str, float] | None,
          base: Case | None = None, units: str = "metric", not_sure: Sequence[str] = (),
          notes: str | None = None) -> Case:
    """The case on screen, with the units the screen shows and the questions answered "not
    sure" (both kept in the file). With ``base`` (an uploaded case) its notes, case id, dates
    and who answered what are kept; answers changed on screen are marked clinician-verified,
    as are the examination and test findings of a case built on the page."""
    if base is None:  # new_case marks the examination and test findings the physio's
        case = new_case(answers, confidence=confidence, population=model.population,
                        model=model, units=units)
    else:
        changes = {q: answers.get(q) for q in set(base.answers) | set(answers)
                   if base.answers.get(q) != answers.get(q)}
        case = base.with_answers(changes, model=model) if changes else base
        case = replace(case, confidence=dict(confidence or {}), population=model.population,
                       units=units)
    if notes is not None:  # the physio's notes on the page (an uploaded case's, edited)
        case = replace(case, notes=notes)
    # the base rates changed on the page go into the file: it reopens the same screen
    return replace(case, not_sure=tuple(not_sure), base_rates=dict(model.base_rates))


def screen_case(model: Model, answers: Mapping[str, Any],
                confidence: Mapping[str, float] | None = None, base: Case | None = None,
                units: str = "metric", not_sure: Sequence[str] = (),
                costs: Mapping[str, float] | None = None, notes: str | None = None) -> Case:
    """The case on screen as a :class:`~model.Case` (what the downloads write), with the
    physio's own test costs (``costs``: those that differ from the priors')."""
    case = _case(model, answers, confidence, base, units, not_sure, notes)
    return replace(case, test_costs=dict(costs or {}))


def case_json(model: Model, answers: Mapping[str, Any], *,
              confidence: Mapping[str, float] | None = None,
              base: Case | None = None, units: str = "metric",
              not_sure: Sequence[str] = (), costs: Mapping[str, float] | None = None,
              notes: str | None = None) -> bytes:
    """The case file (schema of ``model.workflows.cases``) as UTF-8 JSON."""
    case = screen_case(model, answers, confidence, base, units, not_sure, costs, notes)
    return case.to_json().encode("utf-8")


def pdf_report(model: Model, answers: Mapping[str, Any], *,
               confidence: Mapping[str, float] | None = None,
               base: Case | None = None, not_sure: Sequence[str] = (),
               notes: str | None = None, every_reason: bool = False) -> bytes:
    """The PDF report of ``model.workflows.report`` for these answers (``not_sure``: the
    questions answered "not sure", listed as unknown; ``every_reason``: the physio's, every
    reason for the level as the workbench lists them)."""
    case = _case(model, answers, confidence, base, not_sure=not_sure, notes=notes)
    return report_pdf(build_report(case, model, every_reason=every_reason))


def markdown_report(model: Model, answers: Mapping[str, Any], *,
                    confidence: Mapping[str, float] | None = None,
                    base: Case | None = None, not_sure: Sequence[str] = (),
                    notes: str | None = None, every_reason: bool = False) -> bytes:
    """The Markdown report of ``model.workflows.report`` for these answers
    (``every_reason``: as :func:`pdf_report`)."""
    case = _case(model, answers, confidence, base, not_sure=not_sure, notes=notes)
    report = build_report(case, model, every_reason=every_reason)
    return report_markdown(report).encode("utf-8")
