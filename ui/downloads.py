"""Downloads for a physio: the case as JSON, and the report as PDF or Markdown.

The case JSON is a case file (``model.workflows.cases``; it has the contract's ``"answers"``),
so the workbench and ``python -m model diagnose`` read it back; reports come from
``model.workflows.report`` and show the same diagnosis as the screen (answers, confidences,
population and base rates of ``model``).
Everything is built in memory when the button is clicked; nothing is written to disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model import Case, Model, build_report, new_case, report_markdown, report_pdf


def _case(model: Model, answers: Mapping[str, Any],
          confidence: Mapping[str, float] | None) -> Case:
    return new_case(answers, confidence=confidence, population=model.population, model=model)


def case_json(model: Model, answers: Mapping[str, Any], *,
              confidence: Mapping[str, float] | None = None) -> bytes:
    """The case file (schema of ``model.workflows.cases``) as UTF-8 JSON."""
    return _case(model, answers, confidence).to_json().encode("utf-8")


def pdf_report(model: Model, answers: Mapping[str, Any], *,
               confidence: Mapping[str, float] | None = None) -> bytes:
    """The PDF report of ``model.workflows.report`` for these answers."""
    return report_pdf(build_report(_case(model, answers, confidence), model))


def markdown_report(model: Model, answers: Mapping[str, Any], *,
                    confidence: Mapping[str, float] | None = None) -> bytes:
    """The Markdown report of ``model.workflows.report`` for these answers."""
    return report_markdown(build_report(_case(model, answers, confidence), model)).encode("utf-8")
