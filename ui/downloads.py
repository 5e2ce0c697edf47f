"""Downloads for a physio: the case as JSON and a short PDF report.

The case JSON is a case file of ``model.cases`` (it has the contract's ``"answers"``), so
the workbench and ``python -m model diagnose`` read it back. The PDF uses ``model.report`` when it exists
(issue 6) and otherwise a small fpdf2 renderer here. Both are built in memory; nothing is
written to disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from model import DISCLAIMER, Diagnosis, Model
from model.advice import Advice
from model.cases import new_case

from .common import LEVEL_TITLES, answer_label, band

def case_json(model: Model, answers: Mapping[str, Any], *,
              population: str = "self_assessment",
              confidence: Mapping[str, float] | None = None) -> bytes:
    """The case file (``model.cases`` schema, with ``"answers"``) as UTF-8 JSON.

    The physio workbench and ``python -m model diagnose`` read it back.
    """
    case = new_case(answers, confidence=confidence, population=population, model=model)
    return case.to_json().encode("utf-8")


def _latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1; replace what they cannot show."""
    table = {"\u2013": "-", "\u2014": "-", "\u2019": "'", "\u2018": "'", "\u201c": '"',
             "\u201d": '"', "\u2192": "->", "\u2191": "up", "\u2193": "down", "\u00b7": "-",
             "\u2264": "<=", "\u2265": ">=", "\u2026": "..."}
    out = "".join(table.get(ch, ch) for ch in text)
    return out.encode("latin-1", "replace").decode("latin-1")


def report_pdf(model: Model, diagnosis: Diagnosis, advice: Advice | None = None) -> bytes:
    """A short PDF: triage, top causes (prior vs now), advice, the answers, the disclaimer."""
    try:  # issue 6's report module, when it exists
        from model import report as _report  # type: ignore[attr-defined]

        fn = getattr(_report, "pdf_bytes", None) or getattr(_report, "to_pdf", None)
        if callable(fn):
            out = fn(diagnosis)
            if isinstance(out, bytes | bytearray) and bytes(out).startswith(b"%PDF"):
                return bytes(out)
    except Exception:  # noqa: BLE001 - fall back to the local renderer
        pass
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    w = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: int = 10, style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(w, size * 0.5 + 1, _latin1(text))

    para("heavylegs: why do my legs feel heavy when I run?", 15, "B")
    para(f"Report of {date.today().isoformat()} - model {diagnosis.model_version}, "
         f"population {diagnosis.population}", 8)
    pdf.ln(2)
    t = diagnosis.triage
    para(f"{LEVEL_TITLES.get(t.level, t.level)}: {t.advice}", 12, "B")
    for r in t.reasons:
        para(f"- {r}")
    pdf.ln(2)
    para("Most probable causes", 12, "B")
    for c in diagnosis.causes[:8]:
        para(f"{c.label}: {c.probability:.0%} ({band(c.probability)}); "
             f"before the answers {c.prior:.0%}")
        ca = advice.for_cause(c.id) if advice else None
        if ca and c.probability >= 0.15:
            for tip in ca.tips:
                para(f"    - {tip.text} [{', '.join(tip.sources)}]", 9)
            para(f"    When to see someone: {ca.see_someone.text}", 9)
    pdf.ln(2)
    para("Answers", 12, "B")
    if not diagnosis.answers:
        para("(none)")
    for qid, v in diagnosis.answers:
        q = model.question_map[qid]
        para(f"- {q.text} {answer_label(model, qid, v)}", 9)
    pdf.ln(2)
    para(DISCLAIMER, 8, "I")
    return bytes(pdf.output())
