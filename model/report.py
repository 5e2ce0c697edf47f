"""Reports for a case: Markdown and PDF (fpdf2).

A report holds the answers (with who gave each and any confidence), the ranked causes with
the answers that speak for and against each, the triage with the red flags that fired and
those the answers rule out, the advice of ``priors/advice.yaml`` (when the knowledge base has
one), the model version and population, the date and the disclaimer.

:func:`build_report` computes a frozen :class:`Report`; :func:`report_markdown` and
:func:`report_pdf` only render it.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cases import CLINICIAN, Case
from .diagnosis import DISCLAIMER
from .errors import InputError, PriorsError

TOP_CAUSES = 8  # causes with reasons and advice; the rest are listed with their numbers
REASONS_PER_SIDE = 3
MIN_LOG_RATIO = math.log(1.1)  # an answer "speaks for" a cause if it moves it by >= 10 %


@dataclass(frozen=True)
class ReportAnswer:
    id: str
    text: str
    value: Any
    answered_by: str
    confidence: float | None


@dataclass(frozen=True)
class ReportCause:
    id: str
    label: str
    group: str
    probability: float
    prior: float
    reasons_for: tuple[str, ...]  # answers that raise the probability most
    reasons_against: tuple[str, ...]  # answers that lower it most
    advice: tuple[str, ...]  # summary and tips from advice.yaml (empty without it)
    see_someone: str | None


@dataclass(frozen=True)
class Report:
    """Everything a report shows; rendered by :func:`report_markdown` and :func:`report_pdf`."""

    date: str
    case_id: str | None
    population: str
    model_version: str
    answers: tuple[ReportAnswer, ...]
    causes: tuple[ReportCause, ...]  # every cause, highest probability first
    triage_level: str
    triage_reasons: tuple[str, ...]
    triage_advice: str
    red_flags: tuple[str, ...]  # plain reasons of the red flags that fired
    ruled_out: tuple[str, ...]  # plain descriptions of red flags the answers exclude
    general_advice: tuple[str, ...]
    notes: str
    disclaimer: str = DISCLAIMER


def _show_value(v: Any) -> str:
    return str(v).replace("_", " ")


def _answer_phrase(model: Any, qid: str, value: Any) -> str:
    q = model.question_map[qid]
    if q.type == "yes_no":
        return f"{q.text.rstrip('?')}: {value}"
    unit = f" {q.unit}" if getattr(q, "unit", None) else ""
    return f"{q.text.rstrip('?')}: {_show_value(value)}{unit}"


def _reasons(
    model: Any, answers: Mapping[str, Any], probs: Mapping[str, float], causes: list[str]
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """For each cause, the answers whose removal changes its probability most (log ratio)."""
    effects: dict[str, list[tuple[float, str]]] = {c: [] for c in causes}
    idx = {c: i for i, c in enumerate(model.engine.cause_ids)}
    for qid in answers:
        rest = {k: v for k, v in answers.items() if k != qid}
        without = model.posterior(rest).marginals
        for c in causes:
            p0, p1 = float(without[idx[c]]), probs[c]
            if p0 <= 0 or p1 <= 0:
                continue
            effects[c].append((math.log(p1 / p0), qid))
    out = {}
    for c in causes:
        ups = sorted((e for e in effects[c] if e[0] >= MIN_LOG_RATIO), reverse=True)
        downs = sorted(e for e in effects[c] if e[0] <= -MIN_LOG_RATIO)
        out[c] = (
            tuple(_answer_phrase(model, q, answers[q]) for _, q in ups[:REASONS_PER_SIDE]),
            tuple(_answer_phrase(model, q, answers[q]) for _, q in downs[:REASONS_PER_SIDE]),
        )
    return out


def _advice(model: Any) -> Any:
    """The knowledge base's advice, or None when it has no (valid) advice.yaml."""
    try:
        from .advice import ADVICE_FILE, load_advice
    except ImportError:  # pragma: no cover - advice.py ships with the package
        return None
    if not (Path(model.kb.directory) / ADVICE_FILE).is_file():
        return None
    try:
        return load_advice(model.kb)
    except PriorsError:
        return None


def build_report(
    case: Case | Mapping[str, Any], model: Any = None, *, today: str | None = None
) -> Report:
    """Diagnose a case and collect everything its report shows.

    Raises
    ------
    InputError
        If an answer is invalid.
    """
    if model is None:
        from .api import load_model

        model = load_model(case.population if isinstance(case, Case) else "self_assessment")
    if not isinstance(case, Case):
        clean, problems = model.validate(case)
        if problems:
            raise InputError(problems)
        case = Case(answers=clean, population=model.population)
    answers = dict(case.answers)
    d = model.diagnose(answers)
    probs = {c.id: c.probability for c in d.causes}
    top = [c.id for c in d.causes[:TOP_CAUSES]]
    reasons = _reasons(model, answers, probs, top)
    advice = _advice(model)
    causes = []
    for c in d.causes:
        fr, ag = reasons.get(c.id, ((), ()))
        tips: tuple[str, ...] = ()
        see: str | None = None
        if advice is not None and c.id in top:
            ca = advice.for_cause(c.id)
            if ca is not None:
                tips = (ca.summary, *(t.text for t in ca.tips))
                see = ca.see_someone.text
        causes.append(
            ReportCause(c.id, c.label, c.group, c.probability, c.prior, fr, ag, tips, see)
        )
    rules = {r.id: r for r in model.kb.red_flags}
    ruled_out = tuple(f"{r.replace('_', ' ')}: {rules[r].reason}" for r in d.triage.ruled_out)
    fired = tuple(rules[r].reason for r in d.triage.red_flags)
    report_answers = tuple(
        ReportAnswer(
            q.id,
            q.text,
            answers[q.id],
            case.answered_by.get(q.id, "self_report"),
            case.confidence.get(q.id),
        )
        for q in model.questions
        if q.id in answers
    )
    return Report(
        date=today or _dt.date.today().isoformat(),
        case_id=case.case_id,
        population=model.population,
        model_version=model.version,
        answers=report_answers,
        causes=tuple(causes),
        triage_level=d.triage.level,
        triage_reasons=tuple(d.triage.reasons),
        triage_advice=d.triage.advice,
        red_flags=fired,
        ruled_out=ruled_out,
        general_advice=tuple(g.text for g in advice.general) if advice is not None else (),
        notes=case.notes,
    )


# ----------------------------------------------------------------------------- Markdown
def _by(a: ReportAnswer) -> str:
    who = "clinician-verified" if a.answered_by == CLINICIAN else "self-reported"
    conf = f", confidence {a.confidence:.0%}" if a.confidence is not None else ""
    return who + conf


def report_markdown(report: Report) -> str:
    """The report as Markdown."""
    r = report
    out = ["# heavylegs report: why do my legs feel heavy when I run?", ""]
    out.append(f"Date: {r.date}  ")
    if r.case_id:
        out.append(f"Case: {r.case_id}  ")
    out += [
        f"Population: {r.population}  ",
        f"Model version: {r.model_version}",
        "",
        f"> {r.disclaimer}",
        "",
        "## Triage",
        "",
        f"**{r.triage_level.replace('_', ' ')}**: {r.triage_advice}",
        "",
    ]
    out += [f"- {x}" for x in r.triage_reasons]
    if r.red_flags:
        out += ["", "Red flags present:", ""] + [f"- {x}" for x in r.red_flags]
    out += ["", "Red flags ruled out by the answers:", ""]
    out += [f"- {x}" for x in r.ruled_out] or ["- none yet (answer the red-flag questions)"]
    out += [
        "",
        "## Causes, most likely first",
        "",
        "| cause | group | probability | before any answer |",
        "| --- | --- | ---: | ---: |",
    ]
    out += [f"| {c.label} | {c.group} | {c.probability:.1%} | {c.prior:.1%} |" for c in r.causes]
    for c in r.causes:
        if not (c.reasons_for or c.reasons_against or c.advice):
            continue
        out += ["", f"### {c.label} ({c.probability:.1%})", ""]
        if c.reasons_for:
            out.append("For: " + "; ".join(c.reasons_for) + ".  ")
        if c.reasons_against:
            out.append("Against: " + "; ".join(c.reasons_against) + ".  ")
        if c.advice:
            out += ["", "What to do:", ""] + [f"- {t}" for t in c.advice]
        if c.see_someone:
            out += [f"- When to see someone: {c.see_someone}"]
    if r.general_advice:
        out += ["", "## General advice", ""] + [f"- {t}" for t in r.general_advice]
    out += ["", "## Answers", "", "| question | answer | given by |", "| --- | --- | --- |"]
    out += [f"| {a.text} | {_show_value(a.value)} | {_by(a)} |" for a in r.answers]
    if not r.answers:
        out.append("| (no answers) | | |")
    if r.notes.strip():
        out += ["", "## Notes", "", r.notes.strip()]
    out += ["", "---", "", r.disclaimer, ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------- PDF
_PDF_REPLACE = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2192": "->",
    "\u2022": "-",
    "\u00a0": " ",
}


def _latin1(text: str) -> str:
    """Text the PDF core fonts can show (they are Latin-1)."""
    for a, b in _PDF_REPLACE.items():
        text = text.replace(a, b)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def report_pdf(report: Report) -> bytes:
    """The report as a PDF (A4, core fonts; the text can be selected and read back)."""
    from fpdf import FPDF

    r = report
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title("heavylegs report")
    pdf.set_creator("heavylegs")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: float = 10, style: str = "", h: float = 5) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(width, h, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(2)
        para(text, size=13, style="B", h=7)

    para("heavylegs report: why do my legs feel heavy when I run?", size=15, style="B", h=8)
    meta = f"Date: {r.date}   Population: {r.population}   Model version: {r.model_version}"
    if r.case_id:
        meta = f"Case: {r.case_id}   " + meta
    para(meta, size=9)
    para(r.disclaimer, size=9, style="I")
    heading(f"Triage: {r.triage_level.replace('_', ' ')}")
    para(r.triage_advice, style="B")
    for x in r.triage_reasons:
        para(f"- {x}")
    if r.red_flags:
        para("Red flags present:", style="B")
        for x in r.red_flags:
            para(f"- {x}")
    para("Red flags ruled out by the answers:", style="B")
    for x in r.ruled_out or ("none yet (answer the red-flag questions)",):
        para(f"- {x}", size=9)
    heading("Causes, most likely first")
    for c in r.causes:
        para(
            f"{c.label}: {c.probability:.1%} (before any answer {c.prior:.1%})",
            style="B" if c.reasons_for or c.advice else "",
        )
        if c.reasons_for:
            para("For: " + "; ".join(c.reasons_for), size=9)
        if c.reasons_against:
            para("Against: " + "; ".join(c.reasons_against), size=9)
        for t in c.advice:
            para(f"- {t}", size=9)
        if c.see_someone:
            para(f"- When to see someone: {c.see_someone}", size=9)
    if r.general_advice:
        heading("General advice")
        for t in r.general_advice:
            para(f"- {t}", size=9)
    heading("Answers")
    for a in r.answers:
        para(f"{a.text} {_show_value(a.value)} ({_by(a)})", size=9)
    if not r.answers:
        para("(no answers)", size=9)
    if r.notes.strip():
        heading("Notes")
        para(r.notes.strip(), size=9)
    return bytes(pdf.output())


def write_report(report: Report, path: str | Path) -> Path:
    """Write ``.pdf`` or ``.md`` by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".md", ".markdown"):
        raise InputError(
            [f"{path}: unknown report type {suffix or '(none)'!r}; end the name with .pdf or .md"]
        )
    if path.parent and not path.parent.exists():
        raise InputError([f"{path}: folder {path.parent} does not exist; create it first"])
    if suffix == ".pdf":
        path.write_bytes(report_pdf(report))
    else:
        path.write_text(report_markdown(report), encoding="utf-8")
    return path


__all__ = [
    "Report",
    "ReportAnswer",
    "ReportCause",
    "build_report",
    "report_markdown",
    "report_pdf",
    "write_report",
]
