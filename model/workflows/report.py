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
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api import Model
from ..errors import InputError
from ..kb.types import unit_words
from ..reasoning import (
    DISCLAIMER,
    LEVEL_TITLES,
    POPULATION_TITLES,
    Diagnosis,
    advised_causes,
    answer_direction,
    flagged_note,
    pct,
    plain,
    range_words,
    running_label,
    unknown_raise_lines,
)
from ..reasoning.diagnose import strongest_answers
from ..reasoning.triage import first_screen_questions, signs_absent
from .cases import CLINICIAN, Case, case_model, diagnose_case

TOP_CAUSES = 8  # causes with reasons and advice; the rest are listed with their numbers


UNKNOWN_TITLE = "Left unknown (answered “not sure”, or “prefer not to say”):"


@dataclass(frozen=True)
class ReportAnswer:
    id: str
    text: str
    value: Any
    answered_by: str
    confidence: float | None
    shown: str  # the answer in the app's words (labels, units)


def interval_note(coverage: float) -> str:
    """What the interval column means, for a report with this coverage."""
    return (
        f"The {coverage:.0%} interval is how sure the model is of each probability: its range"
        " over the uncertainty of the model's own numbers (each set by what it rests on: a"
        " study's figure, an anchored estimate or an unsourced one), not over how the model is"
        " built. Triage uses the probability itself."
    )


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
    # its probability from the runner's answers alone, when the case has examination or test
    # findings (which conclusions rest on them: issue 19); None without such findings
    without_clinician: float | None = None
    interval: tuple[float, float] | None = None  # uncertainty.yaml's interval (issue 16)

    @property
    def interval_text(self) -> str:
        """ "21% to 66%", one value where both ends read the same (not "under 1% to under
        1%"), or "" without an interval."""
        if self.interval is None:
            return ""
        return range_words(*self.interval)

    @property
    def interval_spans(self) -> bool:
        """Whether the interval's ends read differently (else it adds nothing beside the
        probability)."""
        return self.interval is not None and pct(self.interval[0]) != pct(self.interval[1])


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
    # (cause label, rate, the priors' default) changed for this case
    base_rates: tuple[tuple[str, float, float], ...] = ()
    disclaimer: str = DISCLAIMER
    coverage: float = 0.8  # of the intervals (priors/uncertainty.yaml)
    running: str = ""  # whether running on is fine until seen
    unknown_signs: tuple[str, ...] = ()  # warning-sign questions not answered (unknown)
    # the unanswered signs whose answer would raise the level, with what it would mean: said
    # under the level (a re-walk found the line after 14 "no" answers, where a doctor skims)
    unknown_raises: tuple[str, ...] = ()
    act_first: bool = False  # urgent or emergency: no training advice, nothing reassuring
    # self-care while a sign whose yes would mean urgent or emergency care is open: the
    # level's title says it holds only if none applies (the app's neutral box; a runner walk
    # read "Triage: Self-care" atop the PDF as all clear)
    conditional: bool = False
    not_sure: tuple[str, ...] = ()  # questions answered "not sure" (left unknown)
    flagged: str = ""  # the warning signs' causes, checked whatever their probabilities


def _show_value(v: Any) -> str:
    return str(v).replace("_", " ")


def _population(r: Report) -> str:
    """The population in words ("runners self-assessing"); its id only if it has none."""
    title = POPULATION_TITLES.get(r.population)
    return title.lower() if title else r.population


_MD_ALWAYS = re.compile(r"([\\`*_\[\]<>&|!~$:@])")  # links, images, HTML, emphasis, LaTeX...
_MD_LINE_START = re.compile(r"^(\s*)([-+=#>]|\d+(?=[.)]))")  # lists, headings, quotes
_MD_WWW = re.compile(r"(?i)(www)\.")  # GFM's bare-link form
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _escape_line(line: str) -> str:
    line = _MD_WWW.sub(r"\1\\.", _MD_ALWAYS.sub(r"\\\1", line))
    m = _MD_LINE_START.match(line)
    if m:
        lead, mark = m.group(1), m.group(2)
        rest = line[m.end() :]
        if mark[0].isdigit():  # "1." -> "1\."
            return f"{lead}{mark}\\{rest}"
        return f"{lead}\\{mark}{rest}"
    return line


def escape_markdown(text: Any, *, one_line: bool = True) -> str:
    """User text made literal in Markdown (Streamlit's included).

    The characters that form links, images, HTML, emphasis, code, tables, LaTeX and
    Streamlit's ``:directives:`` are backslash-escaped (CommonMark's escape) everywhere,
    list, heading and quote marks at the start of a line, and the dot of ``www.``, so a
    bare address is not linked either; control characters are dropped. Other text (``R-42``,
    ``3.5``) is left as written. ``one_line`` turns line breaks into spaces (messages);
    otherwise they become Markdown line breaks."""
    text = _CONTROL.sub("", str(text))
    lines = [_escape_line(x) for x in text.replace("\r\n", "\n").split("\n")]
    if one_line:
        return " ".join(lines)
    return "  \n".join(lines)


def _answer_phrase(model: Model, qid: str, value: Any) -> str:
    q = model.question_map[qid]
    if q.type != "number":
        return f"{q.text.rstrip('?')}: {q.answer_label(value)}"
    return f"{q.text.rstrip('?')}: {_show_value(value)}{unit_words(q.unit, value)}"


def _reasons(model: Model, d: Diagnosis, cause: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The answers that speak most for and against a cause: those the screen gives too
    (:func:`~model.reasoning.diagnose.strongest_answers`, each moving its odds by a factor
    of 1.1 or more: the report had its own rule, a 10 % change in probability, which at
    98 % kept one answer of eight)."""
    answers = dict(d.answers)
    # the answer's state whatever its confidence (d.evidence leaves out the unsure ones)
    states = model.evidence_for(answers)
    ups, downs = strongest_answers(d, cause)

    nodes = model.network.node_map
    own = nodes[cause].parents if cause in nodes else ()

    def linked(qid: str) -> bool:
        return qid in own or (qid in nodes and cause in nodes[qid].parents)

    def phrase(qid: str, up: bool) -> str:
        said = _answer_phrase(model, qid, answers[qid])
        # an answer that points the other way on its own, or is not linked to the cause at
        # all, acts through the other causes (a "no" to colds "for" iron deficiency read as
        # a mistake, and "medication: none" for it: runner walks); the screen says so too
        if not linked(qid) or answer_direction(model.network, qid, states.get(qid, ""), cause) == (
            -1 if up else 1
        ):
            return said + (
                " (by making other causes less likely)"
                if up
                else " (by making another cause likelier)"
            )
        return said

    return (
        tuple(phrase(c.question, True) for c in ups),
        tuple(phrase(c.question, False) for c in downs),
    )


def _history_alone(model: Model, d: Diagnosis) -> dict[str, float] | None:
    """Each cause's probability without the examination and test findings (None when the
    case has none), from the diagnosis's own answers and confidences."""
    clin = model.kb.clinician_ids
    answers = dict(d.answers)
    if not clin & set(answers):
        return None
    rest = {k: v for k, v in answers.items() if k not in clin}
    conf = {k: v for k, v in d.confidence if k in rest}
    return {c.id: c.probability for c in model.assess(rest, conf or None).causes}


def _report_causes(model: Model, d: Diagnosis) -> tuple[ReportCause, ...]:
    # urgent or emergency: no self-care tips (they would read as reassurance)
    advice = None if d.triage.act_first else model.kb.advice
    top = {c.id for c in d.causes[:TOP_CAUSES]}
    advised = {c.id for c in advised_causes(d)}  # as the result page: none below 5 %
    alone = _history_alone(model, d)
    causes = []
    for c in d.causes:
        fr, ag = _reasons(model, d, c.id) if c.id in top else ((), ())
        tips: tuple[str, ...] = ()
        see: str | None = None
        ca = advice.for_cause(c.id) if advice is not None and c.id in advised else None
        if ca is not None:
            tips = (ca.summary, *(t.text for t in ca.tips))
            see = ca.see_someone.text
        without = alone[c.id] if alone is not None and c.id in top else None
        causes.append(
            ReportCause(
                c.id,
                c.label,
                c.group,
                c.probability,
                c.prior,
                fr,
                ag,
                tips,
                see,
                without,
                c.interval,
            )
        )
    return tuple(causes)


def _answer_order(model: Model) -> list[Any]:
    """The questions in the order a reader meets them: the warning signs of the first screen
    together, as the runner answered them, then the others in the questionnaire's order."""
    signs = list(first_screen_questions(model.kb))
    rank = {q: i for i, q in enumerate(signs)}
    return sorted(model.questions, key=lambda q: (q.id not in rank, rank.get(q.id, 0)))


def _signs_absent(model: Model, d: Diagnosis) -> tuple[str, ...]:
    """The warning signs checked and absent, in plain words (the question and its answer),
    those about the leading cause too: a runner walk's PAD report left out "pain at rest:
    no" and "a cold foot: no", which a vascular referral needs (they are the runner's
    answers, not a rule said to be ruled out)."""
    answers = dict(d.answers)
    return tuple(
        _answer_phrase(model, q, answers[q]) for q in signs_absent(model.kb, answers, None)
    )


def report_of(
    d: Diagnosis,
    case: Case,
    model: Model,
    *,
    today: str | None = None,
    not_sure: Sequence[str] = (),
    every_reason: bool = False,
) -> Report:
    """The report of a diagnosis (made by ``model`` for ``case``): every number in it is the
    diagnosis's, so the report equals the screen that shows the same diagnosis. The level's
    reasons are those a runner is shown (:attr:`Triage.reasons_shown`), with
    ``every_reason`` all of them (the physio's "Why this level"; a physio walk found the
    statin caution on screen and not in the report), and the work-ups that exclude a cause a
    sign points to (:attr:`Triage.worked_up_notes`)."""
    answers = dict(d.answers)
    confidence = dict(d.confidence)
    rules = {r.id: r for r in model.kb.red_flags}
    act_first = d.triage.act_first
    ruled_out = () if act_first else _signs_absent(model, d)
    # as on screen: a sign a more specific one says better is not listed twice
    fired = tuple(plain(rules[r].reason) for r in d.triage.red_flags if r not in d.triage.subsumed)
    report_answers = tuple(
        ReportAnswer(
            q.id,
            q.text,
            answers[q.id],
            case.answered_by.get(q.id, "self_report"),
            confidence.get(q.id),
            q.answer_label(answers[q.id]),
        )
        for q in _answer_order(model)
        if q.id in answers
    )
    advice = model.kb.advice
    return Report(
        date=today or _dt.date.today().isoformat(),
        case_id=case.case_id,
        population=d.population,
        model_version=d.model_version,
        answers=report_answers,
        causes=_report_causes(model, d),
        triage_level=d.triage.level,
        triage_reasons=(d.triage.reasons if every_reason else d.triage.reasons_shown)
        + d.triage.worked_up_notes,
        triage_advice=d.triage.advice,
        red_flags=fired,
        ruled_out=ruled_out,
        general_advice=(
            tuple(g.text for g in advice.general) if advice is not None and not act_first else ()
        ),
        notes=case.notes,
        base_rates=tuple(
            (model.cause_map[c].label, r, model.cause_map[c].base_rates[model.population])
            for c, r in d.base_rates
        ),
        coverage=model.kb.uncertainty.interval,
        running=d.triage.running,
        unknown_signs=tuple(model.question_map[q].text for q in d.triage.unknown_warning_signs),
        unknown_raises=tuple(
            f"Still unknown: {text}"
            for _, text in unknown_raise_lines(model.kb, d.triage, physio=every_reason)
        ),
        act_first=act_first,
        conditional=d.triage.self_care_if_none_applies,
        not_sure=tuple(model.question_map[q].text for q in not_sure if q in model.question_map),
        # a cause the tests entered exclude is not "to be checked" (its note says so)
        flagged=flagged_note([model.cause_map[c].label for c in d.triage.to_check]),
    )


def build_report(
    case: Case | Mapping[str, Any],
    model: Model | None = None,
    *,
    today: str | None = None,
    not_sure: Sequence[str] = (),
    every_reason: bool = False,
) -> Report:
    """Diagnose a case (its answers and confidences, with ``model``: its population and any
    changed base rates) and collect everything its report shows (``not_sure``: the questions
    answered "not sure", by default the case's own; ``every_reason``: :func:`report_of`).

    Raises
    ------
    InputError
        If an answer or a confidence is invalid.
    """
    if model is None:
        from ..api import load_model

        model = load_model(case.population if isinstance(case, Case) else "self_assessment")
    if not isinstance(case, Case):
        clean, problems = model.validate(case)
        if problems:
            raise InputError(problems)
        case = Case(answers=clean, population=model.population)
    model = case_model(case, model)  # the case's changed base rates, for every figure
    d = diagnose_case(case, model)
    return report_of(
        d, case, model, today=today, not_sure=not_sure or case.not_sure, every_reason=every_reason
    )


# ----------------------------------------------------------------------------- Markdown
def _by(a: ReportAnswer) -> str:
    who = "clinician-verified" if a.answered_by == CLINICIAN else "self-reported"
    conf = f", confidence {a.confidence:.0%}" if a.confidence is not None else ""
    return who + conf


def _base_rates_text(r: Report) -> str:
    # with the default beside each (a physio walk: "12%" alone did not say it was 6.1%)
    return "Base rates changed for this case: " + ", ".join(
        f"{label} {100 * rate:.3g}% (default {100 * default:.3g}%)"
        for label, rate, default in r.base_rates
    )


def _base_rate_lines(r: Report) -> list[str]:
    return ["", _base_rates_text(r)] if r.base_rates else []


def _exam_text(c: ReportCause) -> str:
    """How much of a cause's probability rests on the examination and test findings."""
    alone = c.without_clinician if c.without_clinician is not None else float("nan")
    return (
        f"From the runner's answers alone: {pct(alone)}; with the examination "
        f"and test findings: {pct(c.probability)}."
    )


ACT_FIRST = "Training advice is left out of this report: get the check above first."


def _checked_lines(r: Report) -> list[str]:
    """The warning signs checked (absent) and those not answered (unknown, not absent)."""
    out = []
    if r.ruled_out:
        out += ["", "Warning signs checked and absent:", ""] + [f"- {x}" for x in r.ruled_out]
    if r.unknown_signs:
        out += ["", "Warning signs not answered (unknown, not ruled out):", ""]
        out += [f"- {x}" for x in r.unknown_signs]
    return out


def report_markdown(report: Report) -> str:
    """The report as Markdown."""
    r = report
    out = ["# heavylegs report: why do my legs feel heavy when I run?", ""]
    out.append(f"Date: {r.date}  ")
    if r.case_id:
        out.append(f"Case: {escape_markdown(r.case_id)}  ")
    out += [
        f"Population: {_population(r)}  ",
        f"Model version: {r.model_version}",
        *_base_rate_lines(r),
        "",
        f"> {r.disclaimer}",
        "",
        "## Triage",
        "",
        f"**{_level_title(r)}**: {r.triage_advice}",
        "",
    ]
    out += [f"**{x}**" for x in r.unknown_raises] + ([""] if r.unknown_raises else [])
    out += [f"- {x}" for x in r.triage_reasons]
    out += ["", f"**{running_label(r.triage_level)}:** {r.running}"] if r.running else []
    if r.red_flags:
        out += ["", "Warning signs present:", ""] + [f"- {x}" for x in r.red_flags]
    out += _checked_lines(r)
    if r.act_first:
        out += ["", ACT_FIRST]
    out += [
        "",
        "## Causes, most likely first",
        "",
        *([f"**{r.flagged}**", ""] if r.flagged else []),
        f"| cause | group | probability | {r.coverage:.0%} interval | before any answer |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    out += [
        f"| {c.label} | {c.group} | {pct(c.probability)} | {c.interval_text} | {pct(c.prior)} |"
        for c in r.causes
    ]
    out += ["", interval_note(r.coverage)]
    for c in r.causes:
        if not (c.reasons_for or c.reasons_against or c.advice):
            continue
        out += ["", f"### {c.label} ({pct(c.probability)})", ""]
        if c.reasons_for:
            out.append("For: " + "; ".join(c.reasons_for) + ".  ")
        if c.reasons_against:
            out.append("Against: " + "; ".join(c.reasons_against) + ".  ")
        if c.without_clinician is not None:
            out.append(_exam_text(c) + "  ")
        if c.advice:
            out += ["", "What to do:", ""] + [f"- {t}" for t in c.advice]
        if c.see_someone:
            out += [f"- When to see someone: {c.see_someone}"]
    if r.general_advice:
        out += ["", "## General advice", ""] + [f"- {t}" for t in r.general_advice]
    out += ["", "## Answers", "", "| question | answer | given by |", "| --- | --- | --- |"]
    out += [f"| {a.text} | {escape_markdown(a.shown)} | {_by(a)} |" for a in r.answers]
    if not r.answers:
        out.append("| (no answers) | | |")
    if r.not_sure:
        out += ["", UNKNOWN_TITLE, ""] + [f"- {t}" for t in r.not_sure]
    if r.notes.strip():
        out += ["", "## Notes", "", escape_markdown(r.notes.strip(), one_line=False)]
    out += ["", "---", "", r.disclaimer, ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------- PDF
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT = "DejaVuSans"  # shipped in model/fonts (DejaVu licence there): Latin, Greek, Cyrillic...
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}


MISSING_GLYPH = "?"


@functools.cache
def _glyphs() -> frozenset[int]:
    """The characters every style of the shipped font can draw (fpdf2 silently leaves out
    any other, so a name or a note in a script the font lacks would vanish from the PDF)."""
    from fontTools.ttLib import TTFont

    maps = [set(TTFont(str(FONT_DIR / name)).getBestCmap()) for name in _FONT_FILES.values()]
    return frozenset(set.intersection(*maps))


def _pdf_text(text: str, replaced: list[int] | None = None) -> str:
    """Text the PDF can hold: control characters dropped, and each character the font cannot
    draw shown as ``?`` (counted in ``replaced``), never silently left out."""
    glyphs = _glyphs()
    out = []
    for ch in _CONTROL.sub("", text.replace("\t", "    ")):  # the font has no tab glyph
        if ch == "\n" or ord(ch) in glyphs:
            out.append(ch)
        else:
            out.append(MISSING_GLYPH)
            if replaced is not None:
                replaced[0] += 1
    return "".join(out)


CONDITIONAL = ", if none of the open warning signs applies"


def _level_title(r: Report) -> str:
    """The level's title, with its condition where open signs could raise it to urgent or
    emergency care (:attr:`Report.conditional`)."""
    return LEVEL_TITLES.get(r.triage_level, r.triage_level) + (CONDITIONAL if r.conditional else "")


def _pdf_triage(r: Report, para: Callable[..., None], heading: Callable[[str], None]) -> None:
    """The PDF's triage section: level, reasons, running, the signs present, checked and
    unknown, and (urgent or emergency) why there is no training advice."""
    heading(f"Triage: {_level_title(r)}")
    para(r.triage_advice, style="B")
    for x in r.unknown_raises:
        para(x, style="B")
    for x in r.triage_reasons:
        para(f"- {x}")
    if r.running:
        para(f"{running_label(r.triage_level)}: {r.running}")
    if r.red_flags:
        para("Warning signs present:", style="B")
        for x in r.red_flags:
            para(f"- {x}")
    for line in _checked_lines(r):
        if line.endswith(":"):
            para(line, style="B")
        elif line:
            para(line, size=9)
    if r.act_first:
        para(ACT_FIRST, style="B")


def _pdf_answers(r: Report, para: Callable[..., None], heading: Callable[[str], None]) -> None:
    """The PDF's answers: each with who gave it, then those answered "not sure"."""
    heading("Answers")
    for a in r.answers:
        # a question ends with "?"; an examination finding's words need a colon before
        # the result ("... brings on the symptoms Reduced after exercise" ran together)
        sep = " " if a.text.rstrip().endswith("?") else ": "
        para(f"{a.text.rstrip()}{sep}{a.shown} ({_by(a)})", size=9)
    if not r.answers:
        para("(no answers)", size=9)
    if r.not_sure:
        para(UNKNOWN_TITLE, style="B")
        for t in r.not_sure:
            para(f"- {t}", size=9)


def report_pdf(report: Report) -> bytes:
    """The report as a PDF (A4, the DejaVu Sans font shipped in ``model/fonts``, so text in
    any language it covers is shown as written; the text can be selected and read back)."""
    from fpdf import FPDF

    r = report
    pdf = FPDF(format="A4")
    for style, name in _FONT_FILES.items():
        pdf.add_font(FONT, style=style, fname=str(FONT_DIR / name))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title("heavylegs report")
    pdf.set_creator("heavylegs")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    replaced = [0]  # characters the font cannot draw, shown as "?"

    def para(text: str, size: float = 10, style: str = "", h: float = 5) -> None:
        pdf.set_font(FONT, style=style, size=size)
        pdf.multi_cell(width, h, _pdf_text(text, replaced), new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(2)
        para(text, size=13, style="B", h=7)

    para("heavylegs report: why do my legs feel heavy when I run?", size=15, style="B", h=8)
    meta = f"Date: {r.date}   Population: {_population(r)}   Model version: {r.model_version}"
    if r.case_id:
        meta = f"Case: {r.case_id}   " + meta
    para(meta, size=9)
    if r.base_rates:
        para(_base_rates_text(r), size=9)
    para(r.disclaimer, size=9, style="I")
    _pdf_triage(r, para, heading)
    heading("Causes, most likely first")
    if r.flagged:
        para(r.flagged, style="B")
    para(interval_note(r.coverage), size=9)
    for c in r.causes:
        para(
            f"{c.label}: {pct(c.probability)}"
            + (f" ({r.coverage:.0%} interval {c.interval_text})" if c.interval_spans else "")
            + f"; before any answer {pct(c.prior)}",
            style="B" if c.reasons_for or c.advice else "",
        )
        if c.reasons_for:
            para("For: " + "; ".join(c.reasons_for), size=9)
        if c.reasons_against:
            para("Against: " + "; ".join(c.reasons_against), size=9)
        if c.without_clinician is not None:
            para(_exam_text(c), size=9)
        for t in c.advice:
            para(f"- {t}", size=9)
        if c.see_someone:
            para(f"- When to see someone: {c.see_someone}", size=9)
    if r.general_advice:
        heading("General advice")
        for t in r.general_advice:
            para(f"- {t}", size=9)
    _pdf_answers(r, para, heading)
    if r.notes.strip():
        heading("Notes")
        para(r.notes.strip(), size=9)
    if replaced[0]:
        pdf.ln(2)
        para(
            f"{replaced[0]} character(s) this PDF's font cannot show are printed as "
            f"'{MISSING_GLYPH}'; the Markdown report and the case file keep them as written.",
            size=8,
            style="I",
        )
    return bytes(pdf.output())


def write_report(report: Report, path: str | Path) -> Path:
    """Write ``.pdf`` or ``.md`` by the file's suffix, atomically (:mod:`.safeio`): a failed
    or interrupted write leaves the old file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".md", ".markdown"):
        raise InputError(
            [f"{path}: unknown report type {suffix or '(none)'!r}; end the name with .pdf or .md"]
        )
    from .safeio import write_bytes, write_text

    if suffix == ".pdf":
        return write_bytes(path, report_pdf(report))
    return write_text(path, report_markdown(report))


__all__ = [
    "Report",
    "escape_markdown",
    "ReportAnswer",
    "ReportCause",
    "build_report",
    "report_markdown",
    "report_pdf",
    "write_report",
]
