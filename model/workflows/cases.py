"""Case files, share links and side-by-side comparison of two cases.

A **case file** is JSON with a versioned schema (``"format": "heavylegs.case"``,
``"version": 2``, or 3 when it holds base rates; version 1, without ``contract_version`` and
``units``, still reads)::

    {
      "format": "heavylegs.case", "version": 3,   # 2 when it holds no base rates
      "contract_version": 2,                    # the interface its answers were written under
      "units": "metric",                        # or "imperial": how the runner reads numbers
      "case_id": "R-0042",                      # optional, free text (a pseudonym)
      "population": "self_assessment",          # or "clinic"
      "created": "2025-03-01", "updated": "2025-03-08",   # ISO dates, optional
      "answers": {"age": 34, "cramps": "yes"},  # contract section 2
      "answered_by": {"cramps": "clinician_verified"},    # default: self_report
      "confidence": {"cramps": 0.7},            # optional, 0.5 (a guess) .. 1.0 (sure)
      "not_sure": ["sleep_hours"],              # optional: asked, answered "not sure"
      "base_rates": {"dvt": 0.05},              # optional (version 3): rates the physio set
      "test_costs": {"test_ferritin": 5},       # optional (version 4): the physio's cost units
      "notes": "free text for the clinician"
    }

The contract's plain ``{"answers": {...}}`` is a valid case (every answer self-reported).
Loading never loses a valid answer: bad answers, sources or confidences are reported one line
each (``LoadedCase.problems``) and set aside (``LoadedCase.rejected``); only a file whose shape
is wrong (not JSON, not an object, wrong field types, too large) raises
:class:`~model.errors.InputError`.

A **share link** carries the answers in the URL query (``?case=<token>``), compressed and
base64url-encoded, with a version prefix; nothing is stored on a server. See
:func:`encode_share` and :func:`decode_share`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import re
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, get_args
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from ..api import Model
from ..errors import InputError, not_utf8
from ..reasoning import Diagnosis, range_words
from ..reasoning.evidence import finite_real, show_value, validate_answers
from ..reasoning.tests_next import check_costs
from .safeio import MAX_PROBLEMS, cap_problems, read_limited, write_text

CASE_FORMAT: Final = "heavylegs.case"
# 2 added contract_version and units, 3 base_rates, 4 test_costs (an older reader says to
# update rather than rejecting the key); a case is written at the lowest version that holds
# it (without base rates or costs: version 2, which every reader since version 2 reads)
CASE_VERSION = 4
BASE_RATES_VERSION: Final = 3
TEST_COSTS_VERSION: Final = 4
CONTRACT_VERSION: Final = 2  # the interface version a case's answers were written under
Units = Literal["metric", "imperial"]  # how the runner reads numbers (km/°C, miles/°F)
UNIT_SYSTEMS: Final = get_args(Units)
# What changed between contract version 1 and 2 for a version-1 case (issue 13): always the
# first; the others only when the case answers their question (V1_NOTE_QUESTIONS).
V1_CHANGES: Final = (
    "written under contract version 1: PAD (pad) now means atherosclerotic arterial disease "
    "only; popliteal artery entrapment and iliac artery flow limitation of young athletes are "
    "separate causes, so a young runner's arterial symptoms may now rank under them",
    "written under contract version 1: the travel question (recent_travel_or_surgery) then "
    "asked about 4 weeks and now about 8; check that the answer still holds for the last 8 "
    "weeks",
    "written under contract version 1: the chest question (chest_pain_or_fainting) then asked "
    "about chest pain, fainting or sudden breathlessness, and now also near-fainting and a "
    "racing or irregular heartbeat with dizziness, breathlessness or chest discomfort; ask "
    "those again before relying on its answer",
)
# the question each note after the first is about (the note shows only when it is answered)
V1_NOTE_QUESTIONS: Final = ("recent_travel_or_surgery", "chest_pain_or_fainting")
MAX_CASE_BYTES = 1_000_000
MAX_NOTES = 20_000
MAX_ID = 200
SELF_REPORT = "self_report"
CLINICIAN = "clinician_verified"
ANSWER_SOURCES = (SELF_REPORT, CLINICIAN)
CONFIDENCE_RANGE = (0.5, 1.0)

SHARE_PARAM = "case"
SHARE_PREFIX = "h1."  # version 1 of the share token
MAX_SHARE_CHARS = 4_000
MAX_SHARE_JSON = 20_000


def _frozen(d: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Case:
    """One runner's answers with who gave each, confidences, notes and dates.

    ``answers`` are clean (validated) answers; ``answered_by`` has an entry for every answer
    (``"self_report"`` or ``"clinician_verified"``); ``confidence`` only for some.
    """

    answers: Mapping[str, Any] = field(default_factory=_frozen)
    answered_by: Mapping[str, str] = field(default_factory=_frozen)
    confidence: Mapping[str, float] = field(default_factory=_frozen)
    notes: str = ""
    population: str = "self_assessment"
    case_id: str | None = None
    created: str | None = None  # ISO date
    updated: str | None = None  # ISO date
    units: str = "metric"  # how the runner reads numbers; answers are always in model units
    contract_version: int = CONTRACT_VERSION
    not_sure: tuple[str, ...] = ()  # questions asked and answered "not sure" (not answers)
    # base rates changed on the physio's page (cause id -> rate, for ``population``): the
    # case's diagnosis uses them, so the file reproduces the screen it came from
    base_rates: Mapping[str, float] = field(default_factory=_frozen)
    # the physio's own cost units for examination and test findings (question id -> units;
    # the priors' cost for the rest): the "which test next" ranking the file came from
    test_costs: Mapping[str, float] = field(default_factory=_frozen)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_rates", _frozen(dict(self.base_rates)))
        object.__setattr__(self, "test_costs", _frozen(dict(self.test_costs)))
        object.__setattr__(self, "answers", _frozen(self.answers))
        by = {q: self.answered_by.get(q, SELF_REPORT) for q in self.answers}
        object.__setattr__(self, "answered_by", _frozen(by))
        conf = {q: float(c) for q, c in self.confidence.items() if q in self.answers}
        object.__setattr__(self, "confidence", _frozen(conf))
        unsure = tuple(dict.fromkeys(q for q in self.not_sure if q not in self.answers))
        object.__setattr__(self, "not_sure", unsure)
        if self.units not in UNIT_SYSTEMS:
            raise InputError([f"units {self.units!r}: use one of {', '.join(UNIT_SYSTEMS)}"])

    def to_dict(self) -> dict[str, Any]:
        """The case file's JSON (schema version 2; 3 when it holds base rates, 4 test costs)."""
        version = (
            TEST_COSTS_VERSION if self.test_costs else BASE_RATES_VERSION if self.base_rates else 2
        )
        d: dict[str, Any] = {"format": CASE_FORMAT, "version": version}
        if self.case_id is not None:
            d["case_id"] = self.case_id
        d["population"] = self.population
        if self.created:
            d["created"] = self.created
        if self.updated:
            d["updated"] = self.updated
        d["contract_version"] = self.contract_version
        d["units"] = self.units
        d["answers"] = dict(self.answers)
        d["answered_by"] = dict(self.answered_by)
        if self.confidence:
            d["confidence"] = dict(self.confidence)
        if self.not_sure:
            d["not_sure"] = list(self.not_sure)
        if self.base_rates:
            d["base_rates"] = dict(self.base_rates)
        if self.test_costs:
            d["test_costs"] = dict(self.test_costs)
        d["notes"] = self.notes
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def with_answers(
        self,
        changes: Mapping[str, Any],
        *,
        by: str = CLINICIAN,
        model: Model | None = None,
        today: str | None = None,
    ) -> Case:
        """A new case with ``changes`` applied (``None`` or ``""`` removes an answer).

        Changed answers are marked ``by`` (clinician-verified by default: the physio page
        calls this with the physio's edits); unchanged answers keep their mark.

        Raises
        ------
        InputError
            If a changed answer is invalid (one line each).
        """
        if by not in ANSWER_SOURCES:
            raise InputError(
                [f"answered_by {by!r} is not a source; use one of {', '.join(ANSWER_SOURCES)}"]
            )
        model = _model(model)
        keep = {
            k: v
            for k, v in changes.items()
            if not (v is None or (isinstance(v, str) and not v.strip()))
        }
        clean, problems = validate_answers(model.question_map, keep)
        if problems:
            raise InputError(problems)
        answers = dict(self.answers)
        by_map = dict(self.answered_by)
        conf = dict(self.confidence)
        for k in changes:
            if k not in keep:
                answers.pop(k, None)
                by_map.pop(k, None)
                conf.pop(k, None)
        for k, v in clean.items():
            if answers.get(k) != v or k not in answers:
                answers[k] = v
                by_map[k] = by
                conf.pop(k, None)
            elif by == CLINICIAN:
                by_map[k] = CLINICIAN  # a clinician confirming an answer verifies it
        return replace(
            self,
            answers=answers,
            answered_by=clinicians_findings(by_map, model.kb.clinician_ids),
            confidence=conf,
            updated=today or _dt.date.today().isoformat(),
        )


def clinicians_findings(
    answered_by: Mapping[str, str], clinician_ids: Collection[str]
) -> dict[str, str]:
    """``answered_by`` with every examination and test finding (``clinician_ids``: the
    knowledge base's) marked clinician-verified: only a clinician examines (the runner's page
    never asks one), whatever a file or ``--by`` says (`case new` marked a pulse test
    "self-reported" in the physio's report: a physio walk)."""
    return {q: CLINICIAN if q in clinician_ids else src for q, src in answered_by.items()}


@dataclass(frozen=True)
class LoadedCase:
    """A case read from a file, text or share link, with what had to be set aside."""

    case: Case
    problems: tuple[str, ...] = ()  # one line per rejected answer, source or confidence
    rejected: Mapping[str, Any] = field(default_factory=_frozen)  # raw answers not accepted
    changes: tuple[str, ...] = ()  # what changed since the contract version it was written under

    @property
    def ok(self) -> bool:
        return not self.problems


# ----------------------------------------------------------------------------- schema
class CaseSchema(BaseModel):
    """Shape of a case file (versions 1 to 4). Entries are checked one by one afterwards so that a
    bad answer never costs the good ones."""

    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["heavylegs.case"] = CASE_FORMAT
    version: int = CASE_VERSION
    case_id: str | None = None
    population: str | None = None
    created: str | None = None
    updated: str | None = None
    contract_version: int | None = None  # absent: the current contract
    units: Units | None = None
    answers: dict[str, Any]
    answered_by: dict[str, Any] = {}
    confidence: dict[str, Any] = {}
    not_sure: Any = []  # checked entry by entry (_not_sure): a bad one never costs the case
    base_rates: Any = {}  # cause id -> base rate changed on the physio's page (entry by entry)
    test_costs: Any = {}  # clinician finding id -> the physio's cost units (entry by entry)
    notes: str = ""


_FIELDS = tuple(CaseSchema.model_fields)
_TYPE_FIX = {
    "string_type": "write text in quotes",
    "int_type": "write a whole number",
    "dict_type": "write an object {...}",
    "list_type": "write a list [...] of question ids",
    "literal_error": "write one of the values named, or leave the key out",
    "missing": 'add it: a case file is at least {"answers": {...}}',
}


def _model(model: Model | None) -> Model:
    if model is None:
        from ..api import load_model

        return load_model()
    return model


def _check_date(value: str | None, key: str, where: str) -> str | None:
    if value is None or not value.strip():
        return None
    try:  # a date (2025-03-01) or a date and time (2025-03-01T10:00); nothing else after it
        return _dt.datetime.fromisoformat(value.strip()).date().isoformat()
    except ValueError:
        raise InputError(
            [f"{where}: {key}: {value[:40]!r} is not a date; write it as YYYY-MM-DD"]
        ) from None


def _check_shape(data: Any, where: str, questions: Collection[str] = ()) -> None:
    """A JSON object with known keys and an ``answers`` object; else InputError. Bare
    answers (question ids where the case file's keys go, no ``answers``) are told how to
    wrap them, first and once, instead of one "unknown key" line per answer that pushed the
    fix past the cap (a hostile-input review)."""
    if not isinstance(data, dict):
        raise InputError(
            [
                f"{where}: a case file is a JSON object like "
                '{"answers": {"age": 34}}, not a ' + type(data).__name__
            ]
        )
    problems: list[str] = []
    bare = [key for key in data if key in questions and key not in _FIELDS]
    if bare and "answers" not in data:
        shown = ", ".join(str(k) for k in bare[:3]) + (", ..." if len(bare) > 3 else "")
        n = "1 answer" if len(bare) == 1 else f"{len(bare)} answers"
        problems.append(
            f"{where}: these look like bare answers ({n}: {shown}); a case file puts them "
            'under "answers": {"answers": {"age": 34, ...}}; wrap them and run again'
        )
    unknown = [key for key in data if key not in _FIELDS and key not in bare]
    for key in unknown[:MAX_PROBLEMS]:
        close = get_close_matches(str(key), _FIELDS, n=1)
        if close or len(unknown) == 1:
            hint = f"did you mean {close[0]!r}?" if close else f"keys are {', '.join(_FIELDS)}"
            problems.append(f"{where}: unknown key {str(key)[:60]!r}; {hint}")
        else:  # the keys listed once, below, not once per key
            problems.append(f"{where}: unknown key {str(key)[:60]!r}")
    if len(unknown) > MAX_PROBLEMS:
        problems.append(f"{where}: ... and {len(unknown) - MAX_PROBLEMS:,} more unknown keys")
    if len(unknown) > 1:
        problems.append(f"{where}: a case file has only the keys {', '.join(_FIELDS)}")
    if "answers" not in data and not bare:
        problems.append(
            f'{where}: answers: Field required; add it (no "answers" key): a case file is '
            'at least {"answers": {...}}'
        )
    elif "answers" in data and not isinstance(data["answers"], dict):
        problems.append(
            f"{where}: answers: Input should be a valid dictionary; "
            f'"answers" must be an object of question id to answer, '
            f"not {type(data['answers']).__name__}"
        )
    if problems:
        raise InputError(problems)
    version = data.get("version", CASE_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > CASE_VERSION:
        raise InputError(
            [
                f"{where}: case file version {version} is newer than this heavylegs "
                f"reads (version {CASE_VERSION}); update heavylegs"
            ]
        )


def _schema(data: Any, where: str) -> CaseSchema:
    try:
        raw = CaseSchema.model_validate(data)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
            fix = _TYPE_FIX.get(e["type"], "")
            lines.append(f"{where}: {loc}: {e['msg']}" + (f"; {fix}" if fix else ""))
        raise InputError(lines) from None
    cv = raw.contract_version
    if cv is not None and not 1 <= cv <= CONTRACT_VERSION:
        raise InputError(
            [
                f"{where}: contract_version {cv} is not one this heavylegs reads (1 to "
                f"{CONTRACT_VERSION}); write {CONTRACT_VERSION}, or update heavylegs"
            ]
        )
    if raw.version < 1:
        raise InputError(
            [f"{where}: version {raw.version} is not a case file version; write {CASE_VERSION}"]
        )
    if len(raw.notes) > MAX_NOTES:
        raise InputError(
            [f"{where}: notes are {len(raw.notes)} characters; keep them under {MAX_NOTES}"]
        )
    if raw.case_id is not None and len(raw.case_id) > MAX_ID:
        raise InputError([f"{where}: case_id is longer than {MAX_ID} characters; shorten it"])
    bad = [k for k in ("notes", "case_id") if not_unicode(getattr(raw, k))]
    if bad:
        raise InputError(
            [
                f"{where}: {k} holds characters that are not valid Unicode (a lone "
                "surrogate, often a byte that was not UTF-8); remove them"
                for k in bad
            ]
        )
    return raw


def not_unicode(text: str | None) -> bool:
    """Whether ``text`` holds a lone surrogate (it cannot be written as UTF-8)."""
    return text is not None and any("\ud800" <= ch <= "\udfff" for ch in text)


def _population(raw: CaseSchema, where: str, model: Model, problems: list[str]) -> str:
    """The case's population; an unknown one is a problem (the case is then refused, with
    every other problem of the file listed beside it, not alone)."""
    population = raw.population or "self_assessment"
    pops = model.kb.populations
    if population not in pops:
        close = get_close_matches(population, list(pops), n=1)
        problems.append(
            f"{where}: population {population!r} is unknown; use one of "
            f"{', '.join(sorted(pops))}" + (f" (did you mean {close[0]!r}?)" if close else "")
        )
        return "self_assessment"  # only to check the rest; the case is refused
    return population


def _answered_by(
    raw: CaseSchema, clean: Mapping[str, Any], where: str, problems: list[str]
) -> dict[str, str]:
    by: dict[str, str] = {}
    for qid, src in raw.answered_by.items():
        if qid not in raw.answers:
            problems.append(
                f"{where}: answered_by.{qid}: no answer {qid!r} in answers; "
                "remove the entry or add the answer"
            )
        elif src not in ANSWER_SOURCES:
            problems.append(
                f"{where}: answered_by.{qid}: {str(src)[:40]!r} is not a source; "
                f"use one of {', '.join(ANSWER_SOURCES)} (kept as the default: "
                f"{SELF_REPORT}, {CLINICIAN} for an examination or test)"
            )
        elif qid in clean:
            by[qid] = src
    return by


def _confidence(
    raw: CaseSchema, clean: Mapping[str, Any], where: str, problems: list[str]
) -> dict[str, float]:
    conf: dict[str, float] = {}
    lo, hi = CONFIDENCE_RANGE
    for qid, c in raw.confidence.items():
        if qid not in raw.answers:
            problems.append(
                f"{where}: confidence.{qid}: no answer {qid!r} in answers; "
                "remove the entry or add the answer"
            )
        elif qid not in clean:
            continue  # the answer itself is rejected (reported above)
        elif (x := finite_real(c)) is None or not lo <= x <= hi:
            text = " (written as text: leave out the quotes)" if isinstance(c, str) else ""
            problems.append(
                f"{where}: confidence.{qid}: {show_value(c)} must be a number from "
                f"{lo} (a guess) to {hi} (sure){text}"
            )
        else:
            conf[qid] = x
    return conf


def case_from_data(data: Any, where: str = "case", model: Model | None = None) -> LoadedCase:
    """Validate parsed JSON as a case: the one parser of case files (the CLI, the app and
    the reports all read cases through it).

    Raises
    ------
    InputError
        If the shape is wrong (each line names the key and the fix). Bad answers do not
        raise: they are listed in ``LoadedCase.problems``.
    """
    model = _model(model)
    _check_shape(data, where, model.question_map)
    raw = _schema(data, where)
    early: list[str] = []
    population = _population(raw, where, model, early)
    created = _check_date(raw.created, "created", where)
    updated = _check_date(raw.updated, "updated", where)
    unknown = [k for k in raw.answers if k not in model.question_map]
    extra = set(unknown[MAX_PROBLEMS:])  # not checked one by one (each is a spelling search)
    checked = {k: v for k, v in raw.answers.items() if k not in extra}
    clean, bad = validate_answers(model.question_map, checked)
    problems = early + [f"{where}: {p}" for p in cap_problems(bad)]
    if extra:
        problems.append(
            f"{where}: ... and {len(extra):,} more answers to questions that do not exist; "
            "see `python -m model questions`"
        )
    rejected = {
        k: v
        for k, v in raw.answers.items()
        if k not in clean and not (v is None or (isinstance(v, str) and not v.strip()))
    }
    by = _answered_by(raw, clean, where, problems)
    by = clinicians_findings({q: by.get(q, SELF_REPORT) for q in clean}, model.kb.clinician_ids)
    conf = _confidence(raw, clean, where, problems)
    unsure = _not_sure(raw, clean, where, problems, model)
    rates = _base_rates(raw, where, problems, model)
    costs = _test_costs(raw, where, problems, model)
    case = Case(
        answers=clean,
        answered_by=by,
        confidence=conf,
        notes=raw.notes,
        population=population,
        case_id=raw.case_id,
        created=created,
        updated=updated,
        units=raw.units or "metric",
        not_sure=unsure,
        base_rates=rates,
        test_costs=costs,
    )
    if early:  # an unknown population: no case is made (nothing may run under another),
        # but the file's other problems are named with it
        raise InputError(problems)
    # a finding the file gave as self-reported is said to be read as the clinician's (a code
    # review: `case check -o` rewrote it without a word)
    relabelled = sorted(
        q for q in clean if raw.answered_by.get(q) == SELF_REPORT and by[q] == CLINICIAN
    )
    marked = (
        (
            "read with its examination and test findings as the clinician's "
            f"({', '.join(relabelled)}: the file said self_report)",
        )
        if relabelled
        else ()
    )
    changes = version_changes(raw, clean) + marked
    return LoadedCase(case, tuple(problems), _frozen(rejected), changes)


def _base_rates(raw: CaseSchema, where: str, problems: list[str], model: Model) -> dict[str, float]:
    """The base rates a physio changed, each checked as the page checks it."""

    def wrong(cid: str, rate: Any) -> list[str]:
        return [
            f"{b.removeprefix('base rate: ')} (left out)"
            for b in model.base_rate_problems({cid: rate})
        ]

    return _checked_map(
        raw.base_rates, "base_rates", '{"cause_id": 0.05, ...}', where, problems, wrong
    )


def _test_costs(raw: CaseSchema, where: str, problems: list[str], model: Model) -> dict[str, float]:
    """The physio's cost units, each checked as ``next-test --cost`` checks it (a bad one
    left out: the priors' cost is used for it)."""

    def wrong(qid: str, units: Any) -> list[str]:
        try:
            check_costs(model.question_map, {qid: units})
        except InputError as exc:
            return [f"{p} (left out: the priors' cost is used)" for p in exc.problems]
        return []

    return _checked_map(
        raw.test_costs, "test_costs", '{"test_ferritin": 5, ...}', where, problems, wrong
    )


def _checked_map(
    value: Any,
    key: str,
    example: str,
    where: str,
    problems: list[str],
    wrong: Callable[[str, Any], list[str]],
) -> dict[str, float]:
    """A case file's mapping checked entry by entry (``wrong``: an entry's problems): a bad
    entry is named and left out, the others kept."""
    if not isinstance(value, dict):
        problems.append(
            f"{where}: {key}: {show_value(value)} is not a mapping; write {example} (left out)"
        )
        return {}
    out: dict[str, float] = {}
    bad: list[str] = []
    for k, v in value.items():
        said = wrong(k, v)
        if said:
            bad.extend(said)
        else:
            out[k] = float(v)
    problems.extend(f"{where}: {key}: {b}" for b in cap_problems(bad))
    return out


def _not_sure(
    raw: CaseSchema, clean: Mapping[str, Any], where: str, problems: list[str], model: Model
) -> tuple[str, ...]:
    """The questions answered "not sure": ids of questions not answered in the same file
    (an id that is no question, or that has an answer, is named and left out)."""
    out: list[str] = []
    if not isinstance(raw.not_sure, list):
        problems.append(
            f"{where}: not_sure: {show_value(raw.not_sure)} is not a list; write a list "
            '["question_id", ...] (left out)'
        )
        return ()
    for q in raw.not_sure:
        if not isinstance(q, str):
            problems.append(f"{where}: not_sure: {show_value(q)} is not a question id; remove it")
        elif q not in model.question_map:
            problems.append(f"{where}: not_sure: {q!r} is not a question; remove it")
        elif q in clean:
            problems.append(f"{where}: not_sure: {q} also has an answer; the answer is kept")
        else:
            out.append(q)
    return tuple(out)


def without_answers(data: Mapping[str, Any], keys: Any) -> dict[str, Any]:
    """A case file's parsed JSON with the answers ``keys`` (and their sources and
    confidences) taken out: for an edit that replaces or removes rejected answers."""
    drop = set(keys)
    out = dict(data)
    for name in ("answers", "answered_by", "confidence"):
        part = out.get(name)
        if isinstance(part, dict):
            out[name] = {k: v for k, v in part.items() if k not in drop}
    return out


def version_changes(raw: CaseSchema, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The notes a case written under an older contract opens with (``V1_CHANGES``); the
    case is read as it is, and saving it again records the current contract version."""
    if raw.contract_version != 1:
        return ()
    asked = zip(V1_NOTE_QUESTIONS, V1_CHANGES[1:], strict=True)
    return V1_CHANGES[:1] + tuple(note for q, note in asked if q in answers)


def diagnose_case(case: Case, model: Model) -> Diagnosis:
    """The diagnosis of a case: its answers with their confidences (reports, ``diagnose``
    and ``case compare`` all go through here)."""
    return case_model(case, model).diagnose(dict(case.answers), dict(case.confidence) or None)


def case_model(case: Case, model: Model) -> Model:
    """``model`` with the base rates the physio had changed in the case, as on the page
    (they are the case's population's: another population keeps its own)."""
    if case.base_rates and model.population == case.population:
        return model.with_base_rates(dict(case.base_rates))
    return model


def parse_case_text(text: str, where: str = "case", model: Model | None = None) -> LoadedCase:
    """Parse the JSON text of a case file (see :func:`case_from_data`)."""
    if len(text.encode("utf-8", errors="replace")) > MAX_CASE_BYTES:
        raise InputError(
            [
                f"{where}: larger than {MAX_CASE_BYTES // 1000} kB; a case file holds "
                "one runner's answers"
            ]
        )
    if not text.strip():
        raise InputError([f'{where}: the file is empty; a case file is {{"answers": {{...}}}}'])
    data = load_json_text(text, where)
    return case_from_data(data, where, model)


def load_json_text(text: str, where: str) -> Any:
    """Parse JSON text; every failure becomes an InputError naming line, column and fix."""
    try:
        return json.loads(text, parse_constant=reject_constant, object_pairs_hook=refuse_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(
            [
                f"{where}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
                f"{exc.msg}; fix the syntax there"
            ]
        ) from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # Python's 4,300-digit limit
            raise InputError(
                [f"{where}: a number with thousands of digits; no answer needs more than a few"]
            ) from None
        raise InputError([f"{where}: {exc}"]) from None
    except RecursionError:
        raise InputError(
            [f'{where}: JSON nested too deeply; a case is {{"answers": {{...}}}}']
        ) from None


def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (JSON keeps the last one silently)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(
                f"key {k[:60]!r} appears twice in one object; keep one (which answer is meant?)"
            )
        out[k] = v
    return out


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON; give a finite number")


def load_case(
    source: str | Path | bytes | Mapping[str, Any], model: Model | None = None
) -> LoadedCase:
    """Read a case file from a path (or the raw bytes of an upload, or a case already
    parsed: a mapping, which ``case_from_data`` reads).

    Raises
    ------
    InputError
        Missing file, too large, not UTF-8, not JSON, or the wrong shape.
    """
    if isinstance(source, Mapping):  # a dict gave "TypeError: expected str, bytes or
        return case_from_data(dict(source), "case", model)  # os.PathLike" (a review)
    if isinstance(source, str) and source.lstrip().startswith("{") and len(source) > 1:
        raise InputError(  # JSON text read as a path: "no such file" (a review)
            [
                "load_case: the text given is JSON, not a path; pass the parsed object "
                "(json.loads(text)) or use parse_case_text(text)"
            ]
        )
    if not isinstance(source, str | Path | bytes | bytearray):
        raise InputError(
            [f"load_case: give a path, bytes or a mapping, not {type(source).__name__}"]
        )
    if isinstance(source, bytes | bytearray):
        data, where = bytes(source), "uploaded case"
    else:
        data, where = read_limited(source, MAX_CASE_BYTES, "case file")
    if len(data) > MAX_CASE_BYTES:
        raise InputError(
            [
                f"{where}: larger than {MAX_CASE_BYTES // 1000} kB; a case file holds "
                "one runner's answers"
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([f"{where}: {not_utf8(exc, 'JSON')}"]) from None
    return parse_case_text(text, where, model)


def save_case(case: Case, path: str | Path) -> Path:
    """Write a case file (UTF-8 JSON, schema version 2), atomically (:mod:`.safeio`): a
    failed write leaves the old file."""
    return write_text(path, case.to_json())


def new_case(
    answers: Mapping[str, Any],
    *,
    by: str = SELF_REPORT,
    confidence: Mapping[str, float] | None = None,
    notes: str = "",
    population: str = "self_assessment",
    case_id: str | None = None,
    model: Model | None = None,
    today: str | None = None,
    units: str = "metric",
) -> Case:
    """A case from answers (marked ``by``, except the examination and test findings, which
    only a clinician makes: marked clinician-verified whatever ``by`` says), validated;
    dated today unless ``today``; ``units``: how the runner reads numbers (``metric`` or
    ``imperial``), kept in the file.

    Raises
    ------
    InputError
        One line per bad answer or confidence.
    """
    data: dict[str, Any] = {
        "answers": dict(answers),
        "population": population,
        "answered_by": dict.fromkeys(answers, by),  # the findings: clinicians_findings
        "confidence": dict(confidence or {}),
        "notes": notes,
        "case_id": case_id,
        "units": units,
    }
    loaded = case_from_data(data, "answers", model)
    if loaded.problems:
        raise InputError(loaded.problems)
    day = today or _dt.date.today().isoformat()
    return replace(loaded.case, created=day, updated=day)


# ----------------------------------------------------------------------------- share links
def encode_share(
    answers: Mapping[str, Any] | Case,
    *,
    base_url: str | None = None,
    population: str | None = None,
    model: Model | None = None,
) -> str:
    """Encode answers as a share token or link; nothing is stored anywhere.

    The token is ``"h1." + base64url(zlib(JSON))`` (URL-safe, no padding; ``h1`` is the
    version). With ``base_url`` (e.g. the physio page's address) the result is the full link
    ``base_url?case=<token>``; without it, the token alone (put it in ``?case=``).

    Parameters
    ----------
    answers
        Answers (contract section 2) or a :class:`Case` (its answers and population).
    population
        Carried in the link when not the default.

    Raises
    ------
    InputError
        If an answer is invalid, or the link would be longer than ``MAX_SHARE_CHARS``.
    """
    if isinstance(answers, Case):
        population = population or answers.population
        answers = dict(answers.answers)
    model = _model(model)
    clean, problems = validate_answers(model.question_map, answers)
    if problems:
        raise InputError(problems)
    payload: dict[str, Any] = {"a": clean}
    if population and population != "self_assessment":
        payload["p"] = population
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    token = zip_token(SHARE_PREFIX, raw.encode("utf-8"))
    if len(token) > MAX_SHARE_CHARS:
        raise InputError(
            [
                f"share link would be {len(token)} characters (limit "
                f"{MAX_SHARE_CHARS}); download the case file instead"
            ]
        )
    if base_url is None:
        return token
    return with_query(base_url, {SHARE_PARAM: token}, drop=("view",))  # not this case's view


def zip_token(prefix: str, raw: bytes) -> str:
    """A share link's token: ``prefix`` + base64url(zlib(raw)), without padding (URL-safe).
    Both parts of a link (the case here, the view in ``share.py``) are made this way."""
    return prefix + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def unzip_token(body: str, limit: int) -> bytes:
    """The bytes of a token's body (:func:`zip_token` without its prefix), at most ``limit``
    of them. Raises ValueError if truncated or longer (and binascii or zlib errors if the
    text is not such a token)."""
    dec = zlib.decompressobj()
    raw = dec.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), limit)
    if dec.unconsumed_tail or not dec.eof or dec.unused_data:  # or something appended
        raise ValueError("truncated, oversized or with text after its end")
    return raw


def with_query(url: str, params: Mapping[str, str], drop: Sequence[str] = ()) -> str:
    """``url`` with ``params`` in its query (replacing any of the same names, and removing
    those in ``drop``), before any ``#fragment``: a token appended after the fragment never
    reaches the server."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(
            [
                f"base URL {url[:60]!r}: give the app page's web address, starting with "
                "http:// or https:// (e.g. http://localhost:8501/physio)"
            ]
        )
    gone = {*params, *drop}
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in gone]
    return urlunsplit(parts._replace(query=urlencode([*kept, *params.items()], safe=".")))


def link_params(link: str) -> dict[str, str]:
    """A link's query parameters (a full URL, a ``case=...&view=...`` query, or the case
    token alone, read as ``{"case": token}``); the first value of each."""
    link = link.strip()
    if not any(ch in link for ch in "=/?&"):  # the token alone (base64url has none of these)
        return {SHARE_PARAM: link}
    query = urlsplit(link).query if ("?" in link or "://" in link) else link.lstrip("?")
    return one_each(parse_qs(query))


def one_each(params: Mapping[str, Sequence[str] | str]) -> dict[str, str]:
    """A link's parameters as given with every value (``parse_qs``, or a web page's query
    parameters), the first of each; a case or view part given twice is refused.

    Raises
    ------
    InputError
        If ``case=`` or ``view=`` appears more than once: two runners' cases run together,
        neither is taken silently.
    """
    # a plain mapping of one value each (a page's parameters as a dict) is one value each
    params = {k: [v] if isinstance(v, str) else v for k, v in params.items()}
    twice = [k for k in (SHARE_PARAM, "view") if len(params.get(k, ())) > 1]
    if twice:
        raise InputError(
            [
                f"share link holds {k}= more than once (two links run together?); copy "
                "one whole link again"
                for k in twice
            ]
        )
    return {k: str(v[0]).strip() for k, v in params.items() if v}


def _unwrapped(link: str) -> str:
    """A link as pasted from a mail or chat: percent-encoded ("https%3A%2F%2F...") or inside
    a wrapper's redirect (Outlook Safe Links: "...?url=<the link>&data=..."), unwrapped to the
    heavylegs link (a hostile-input review: both said "update heavylegs")."""
    for _ in range(2):
        if re.search(r"%(3[aAfFdD]|2[fF])", link):
            link = unquote(link)
    inner = re.search(r"[?&](?:url|u|target)=(https?://.+)", link)
    if inner and f"{SHARE_PARAM}=" in inner.group(1):
        link = inner.group(1)
    return link


def _token_of(link: str) -> str:
    token = link_params(_unwrapped(link)).get(SHARE_PARAM)
    if not token:
        raise InputError([f"share link has no {SHARE_PARAM}= parameter; copy the whole link"])
    return token


def decode_share(link: str, model: Model | None = None) -> LoadedCase:
    """Decode a share link (full URL, ``case=...`` query, or the token alone) into a case.

    Every answer is marked ``self_report`` (the runner gave it), but an examination or test
    finding ``clinician_verified`` (only the workbench enters one); the physio page then
    applies the physio's edits with :meth:`Case.with_answers` (marked ``clinician_verified``).
    Invalid answers are listed in ``problems``; the valid ones survive.

    Raises
    ------
    InputError
        If the link is too long, of an unknown version, damaged, or not a heavylegs link.
    """
    if not isinstance(link, str):
        raise InputError([f"share link must be text, not {type(link).__name__}"])
    if len(link) > MAX_SHARE_CHARS + 2_000:
        raise InputError(
            [
                f"share link is {len(link)} characters (limit {MAX_SHARE_CHARS}); "
                "ask for the case file instead"
            ]
        )
    token = _token_of(link)
    if token.rstrip(".") == SHARE_PREFIX.rstrip("."):  # "h1" or "h1.": the version alone
        raise InputError(  # "h1" said "version 'h1' is not one this heavylegs reads (h1)"
            ["share link is cut short: it has its version but no case; copy the whole link"]
        )
    if "." not in token and len(token) > 16:  # the case without its "h1." start
        raise InputError(
            [f"share link's case part has lost its {SHARE_PREFIX!r} start; copy the whole link"]
        )
    if not token.startswith(SHARE_PREFIX):
        version = token.split(".", 1)[0] if "." in token else token[:8]
        raise InputError(
            [
                f"share link version {version!r} is not one this heavylegs reads "
                f"({SHARE_PREFIX.rstrip('.')}); update heavylegs or ask for the "
                "case file"
            ]
        )
    body = token[len(SHARE_PREFIX) :]
    if len(token) > MAX_SHARE_CHARS:
        raise InputError(
            [
                f"share link is {len(token)} characters (limit {MAX_SHARE_CHARS}); "
                "ask for the case file instead"
            ]
        )
    try:
        raw = unzip_token(body, MAX_SHARE_JSON)
        payload = json.loads(
            raw.decode("utf-8"),
            parse_constant=reject_constant,
            object_pairs_hook=refuse_duplicates,
        )
    except (binascii.Error, zlib.error, ValueError, UnicodeDecodeError, RecursionError):
        raise InputError(
            [
                "share link is damaged (it does not decode); copy the whole link "
                "again or ask for the case file"
            ]
        ) from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("a"), dict)
        or not set(payload) <= {"a", "p"}
    ):
        raise InputError(["share link does not hold heavylegs answers; ask for the case file"])
    data: dict[str, Any] = {"answers": payload["a"]}
    if "p" in payload:
        data["population"] = payload["p"]
    # an examination or test finding is the physio's: case_from_data marks it (a workbench
    # link's findings were read back as the runner's own)
    return case_from_data(data, "share link", model)


# ----------------------------------------------------------------------------- compare
@dataclass(frozen=True)
class CauseChange:
    """One cause's probability in two cases."""

    id: str
    label: str
    group: str
    before: float
    after: float
    # the intervals of the two probabilities (issue 16); None where not computed
    before_interval: tuple[float, float] | None = None
    after_interval: tuple[float, float] | None = None

    @property
    def change(self) -> float:
        return self.after - self.before

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "group": self.group,
            "before": self.before,
            "after": self.after,
            "change": self.change,
        }
        if self.before_interval is not None and self.after_interval is not None:
            d["before_interval"] = list(self.before_interval)
            d["after_interval"] = list(self.after_interval)
        return d


@dataclass(frozen=True)
class AnswerChange:
    """A question answered differently (``None`` = unanswered) in the two cases."""

    id: str
    before: Any
    after: Any
    before_by: str | None
    after_by: str | None
    # how sure the answer is (the physio's confidence; None: certain): the same answer held
    # at 60 % in one case is a difference (a physio walk: "the same answers" stood over a
    # 5-point change that came from confidences alone)
    before_confidence: float | None = None
    after_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "before": self.before,
            "after": self.after,
            "before_by": self.before_by,
            "after_by": self.after_by,
            "before_confidence": self.before_confidence,
            "after_confidence": self.after_confidence,
        }


@dataclass(frozen=True)
class Comparison:
    """Two cases side by side: every cause's change, the answers that differ, both triages.

    ``causes`` is in the order of the ``after`` ranking (highest probability first).
    """

    causes: tuple[CauseChange, ...]
    answers: tuple[AnswerChange, ...]
    triage_before: str
    triage_after: str
    population: str
    model_version: str
    coverage: float = 0.8  # of the intervals (priors/uncertainty.yaml)
    # the base rates each case changed (its diagnosis used them): a change that is not
    # an answer's is said, not hidden in the causes' numbers
    base_rates_before: Mapping[str, float] = field(default_factory=_frozen)
    base_rates_after: Mapping[str, float] = field(default_factory=_frozen)
    # a case from another population than the comparison's, said (its base rates are left
    # out): the API compared a clinic case in the self-assessment population without a word
    notes: tuple[str, ...] = ()

    @property
    def biggest_changes(self) -> tuple[CauseChange, ...]:
        return tuple(sorted(self.causes, key=lambda c: (-abs(c.change), c.id)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "causes": [c.to_dict() for c in self.causes],
            "answers": [a.to_dict() for a in self.answers],
            "triage": {"before": self.triage_before, "after": self.triage_after},
            "population": self.population,
            "model_version": self.model_version,
            "notes": list(self.notes),
            "base_rates": {
                "before": dict(self.base_rates_before),
                "after": dict(self.base_rates_after),
            },
        }

    def to_markdown(self) -> str:
        lines = [
            f"Population: {self.population} (both cases compared in it; model "
            f"{self.model_version})",
            "",
            *(line for n in self.notes for line in (f"Note: {n}.", "")),
            f"Triage: {self.triage_before} -> {self.triage_after}",
            "",
            "| cause | before | after | change |",
            "| --- | ---: | ---: | ---: |",
        ]
        for c in self.causes:
            lines.append(
                f"| {c.label} | {c.before:.1%}{_range(c.before_interval)} |"
                f" {c.after:.1%}{_range(c.after_interval)} | {100 * c.change:+.1f} pts |"
            )
        if any(c.after_interval is not None for c in self.causes):
            lines += [
                "",
                f"(in brackets: the {self.coverage:.0%} interval over the uncertainty of the"
                " model's numbers)",
            ]
        if self.base_rates_before or self.base_rates_after:
            rates = sorted({*self.base_rates_before, *self.base_rates_after})
            lines += ["", "| changed base rate | before | after |", "| --- | --- | --- |"]
            for cid in rates:
                rb, ra = self.base_rates_before.get(cid), self.base_rates_after.get(cid)
                lines.append(
                    f"| {cid} | {'-' if rb is None else f'{rb:.3g}'} |"
                    f" {'-' if ra is None else f'{ra:.3g}'} |"
                )
        if self.answers:
            lines += ["", "| answer | before | after |", "| --- | --- | --- |"]
            for a in self.answers:
                before = _show(a.before, a.before_by, a.before_confidence)
                after = _show(a.after, a.after_by, a.after_confidence)
                lines.append(f"| {a.id} | {before} | {after} |")
        return "\n".join(lines) + "\n"


def _range(iv: tuple[float, float] | None) -> str:
    """The interval in the one way the app and the reports say it ("0.2% (0%-0%)" read as a
    contradiction: a hostile-input review)."""
    return "" if iv is None else f" ({range_words(*iv)})"


def _show(value: Any, by: str | None, confidence: float | None = None) -> str:
    if value is None:
        return "-"
    notes = [
        n
        for n in (
            "clinician" if by == CLINICIAN else "",
            "" if confidence is None else f"confidence {confidence:.0%}",
        )
        if n
    ]
    return f"{value}" + (f" ({', '.join(notes)})" if notes else "")


def _as_case(x: Case | Mapping[str, Any], model: Model) -> Case:
    if isinstance(x, Case):
        return x
    clean, problems = validate_answers(model.question_map, x)
    if problems:
        raise InputError(problems)
    return Case(answers=clean)


def compare_cases(
    before: Case | Mapping[str, Any], after: Case | Mapping[str, Any], model: Model | None = None
) -> Comparison:
    """Diagnose both cases with one model and put every cause side by side.

    Raises
    ------
    InputError
        If either case has an invalid answer.
    """
    model = _model(model)
    b, a = _as_case(before, model), _as_case(after, model)
    db, da = diagnose_case(b, model), diagnose_case(a, model)
    pb = {c.id: c for c in db.causes}
    causes = tuple(
        CauseChange(
            c.id,
            c.label,
            c.group,
            pb[c.id].probability,
            c.probability,
            pb[c.id].interval,
            c.interval,
        )
        for c in da.causes
    )
    changed = []
    for qid in [q.id for q in model.questions]:
        vb, va = b.answers.get(qid), a.answers.get(qid)
        bb, ba = b.answered_by.get(qid), a.answered_by.get(qid)
        cb = _unsure_of(b, qid) if vb is not None else None
        ca = _unsure_of(a, qid) if va is not None else None
        if vb != va or (vb is not None and (bb != ba or cb != ca)):
            changed.append(AnswerChange(qid, vb, va, bb, ba, cb, ca))
    return Comparison(
        causes,
        tuple(changed),
        db.triage.level,
        da.triage.level,
        model.population,
        model.version,
        model.kb.uncertainty.interval,
        dict(case_model(b, model).base_rates),
        dict(case_model(a, model).base_rates),
        tuple(_population_notes(model, (("before", b), ("after", a)))),
    )


def _unsure_of(case: Case, qid: str) -> float | None:
    """An answer's confidence, None for a certain one (1.0 is "sure", as no confidence)."""
    c = case.confidence.get(qid)
    return None if c is None or c >= 1.0 else c


def _population_notes(model: Model, cases: Sequence[tuple[str, Case]]) -> list[str]:
    out = []
    for name, case in cases:
        if case.population != model.population:
            out.append(
                f"the {name} case is from the {case.population} population, compared in "
                f"{model.population}"
                + (" without its changed base rates" if case.base_rates else "")
            )
    return out


__all__ = [
    "ANSWER_SOURCES",
    "CASE_FORMAT",
    "CASE_VERSION",
    "CLINICIAN",
    "SELF_REPORT",
    "AnswerChange",
    "Case",
    "CauseChange",
    "Comparison",
    "LoadedCase",
    "case_from_data",
    "clinicians_findings",
    "compare_cases",
    "decode_share",
    "diagnose_case",
    "encode_share",
    "load_case",
    "new_case",
    "parse_case_text",
    "save_case",
    "without_answers",
]
