"""Read and validate the knowledge base in ``priors/`` into immutable typed objects.

One function per file (questions, risk factors, causes, findings, triage, advice), each adding
its problems to a shared list; loading refuses a bad knowledge base whole: every problem is
collected and reported at once, each naming the file, the key and the fix
(:class:`~model.errors.PriorsError`).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ValidationError

from ..errors import PriorsError
from .schema import (
    CausesFile,
    CauseSpec,
    Cited,
    EscalationSpec,
    FindingsFile,
    FindingSpec,
    Link,
    QuestionsFile,
    QuestionSpec,
    ReferencesFile,
    RiskFactorsFile,
    RuleSpec,
    TriageFile,
    UncertaintyFile,
)
from .types import (
    CONTRACT_CAUSES,
    CONTRACT_GROUPS,
    CONTRACT_QUESTIONS,
    CONTRACT_RED_FLAGS,
    DEFAULT_UNCERTAINTY,
    HEAVY_LEGS,
    REQUIRED_POPULATIONS,
    YES_NO,
    CauseDef,
    Escalation,
    FindingDef,
    KnowledgeBase,
    OutsideModel,
    Question,
    Rule,
    Uncertainty,
    WithoutSign,
    WorkedUp,
    rule_status,
)
from .yamlread import load_yaml

CONTRACT_LEVELS = ("self_care", "see_doctor", "urgent", "emergency")  # contract section 3
FILES = (
    "references.yaml",
    "questions.yaml",
    "risk_factors.yaml",
    "causes.yaml",
    "findings.yaml",
    "triage.yaml",
)
ADVICE_FILE = "advice.yaml"
UNCERTAINTY_FILE = "uncertainty.yaml"
# checked when present (advice: model/kb/advice.py); without uncertainty.yaml the defaults of
# model/kb/types.py (DEFAULT_UNCERTAINTY) apply
OPTIONAL_FILES = (ADVICE_FILE, UNCERTAINTY_FILE)
SUM_TOL = 1e-6


def default_priors_dir() -> Path:
    """The packaged priors/ folder (next to the ``model`` package)."""
    package = Path(__file__).resolve().parent.parent  # model/
    for cand in (package.parent / "priors", package / "priors"):
        if cand.is_dir():
            return cand
    return package.parent / "priors"


def _fix_for(err_type: str) -> str:
    return {
        "extra_forbidden": "remove the key or correct its spelling",
        "missing": "add the key",
        "literal_error": "use one of the allowed values",
        "float_parsing": "write a number",
        "float_type": "write a number",
        "int_parsing": "write a whole number",
        "string_type": "write text in quotes",
        "dict_type": "write a mapping (key: value)",
        "model_type": "write a mapping (key: value)",
        "list_type": "write a list",
    }.get(err_type, "")


def _yaml_kind(v: Any) -> str:
    """What YAML made of a value, in the words of the priors files."""
    if isinstance(v, list):
        return "a list"
    if isinstance(v, bool):
        return f"the truth value {str(v).lower()}"
    if isinstance(v, str):
        return f"the text {v[:30]!r}"
    return f"the number {v!r}" if isinstance(v, int | float) else "an empty value"


def schema_problems(name: str, raw: Any, exc: ValidationError) -> list[str]:
    """One line per schema problem of file ``name`` (read as ``raw``), each naming the key
    and the fix, in the words of the file (no internal class names)."""
    if raw is None:
        return [
            f"{name}: the file is empty; restore it from the repository's priors/ (or write "
            "its keys)"
        ]
    problems = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
        if e["type"] == "model_type":  # pydantic names its class: say what was expected
            msg = f"must be a mapping (key: value), not {_yaml_kind(e['input'])}"
        else:
            msg = e["msg"].removeprefix("Value error, ")
        fix = _fix_for(e["type"])
        problems.append(f"{name}: {loc}: {msg}" + (f"; {fix}" if fix else ""))
    return problems


def _not_a_file(path: Path, directory: Path) -> str:
    """Why a priors file cannot be read as one: missing, a folder, or not a regular file."""
    name = path.name
    if path.is_dir():
        return f"{name}: is a folder in {directory}, not a file; put the YAML file there"
    if path.exists() or path.is_symlink():
        return (
            f"{name}: is not a regular file in {directory} (a device, a pipe or a broken "
            "link); put the YAML file there"
        )
    return f"{name}: file is missing from {directory}; restore it from the repository's priors/"


def _present(directory: Path, name: str, problems: list[str]) -> bool:
    """An optional file: False when absent; a folder or a device in its place is a problem
    (it was taken as absent and the defaults used, with "valid" said)."""
    path = directory / name
    if path.is_file():
        return True
    if path.exists() or path.is_symlink():
        problems.append(_not_a_file(path, directory))
    return False


def _read(directory: Path, name: str, schema: type[BaseModel], problems: list[str]) -> Any:
    path = directory / name
    if not path.is_file():
        problems.append(_not_a_file(path, directory))
        return None
    try:
        raw = load_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(
            f"{name}: not valid YAML{where}: {getattr(exc, 'problem', exc)}; fix the syntax there"
        )
        return None
    except ValueError as exc:  # too large, not UTF-8, nested too deeply
        problems.append(f"{name}: {exc}")
        return None
    except OSError as exc:
        problems.append(f"{name}: cannot be read ({exc.strerror or exc}); check the file")
        return None
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        problems.extend(schema_problems(name, raw, exc))
        return None


def _suggest(word: str, options: Any) -> str:
    """A close match among ``options`` (never ``word`` itself), as " (did you mean ...?)"."""
    close = get_close_matches(word, [o for o in options if o != word], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _not_a_cause(cid: str, defined: Any) -> str:
    """Why ``cid`` cannot be used as a cause here: a contract cause that causes.yaml does not
    define (deleted or renamed), or an id close to one it does."""
    if cid in CONTRACT_CAUSES:
        return (
            f"{cid!r} is referenced here but not defined in causes.yaml; define it there (it is"
            " a contract cause) or remove this reference"
        )
    return f"{cid!r} is not a cause{_suggest(cid, defined)}; use a cause id of causes.yaml"


def _check_sources(
    name: str, key: str, cited: Cited, refs: Mapping[str, Any], problems: list[str], used: set[str]
) -> None:
    for k in cited.source_keys:
        if k not in refs:
            problems.append(
                f"{name}: {key}: source {k!r} is not in references.yaml"
                f"{_suggest(k, refs)}; add it there or correct the key"
            )
        used.add(k)


def _unknown_states(
    name: str,
    key: str,
    given: Iterable[str],
    states: Sequence[str],
    problems: list[str],
    owner: str | None = None,
) -> bool:
    """One problem per state in ``given`` that is not in ``states`` (of node ``owner``, if it
    is another node than the one ``key`` names); True if there were any."""
    bad = [s for s in given if s not in states]
    of = f" of {owner}" if owner else ""
    for s in bad:
        problems.append(
            f"{name}: {key}: unknown state {s!r}{of}{_suggest(s, states)}; "
            f"states are {list(states)}"
        )
    return bool(bad)


def _dist(
    name: str, key: str, probs: Mapping[str, float], states: tuple[str, ...], problems: list[str]
) -> np.ndarray | None:
    missing = [s for s in states if s not in probs]
    ok = not _unknown_states(name, key, probs, states, problems)
    if missing:
        problems.append(
            f"{name}: {key}: no probability for state(s) {missing}; give one for every state"
        )
        ok = False
    if not ok:
        return None
    arr = np.array([probs[s] for s in states], dtype=float)
    if abs(arr.sum() - 1.0) > SUM_TOL:
        problems.append(
            f"{name}: {key}: probabilities sum to {arr.sum():.6g}, not 1; "
            "adjust them so they sum to 1"
        )
        return None
    return arr


@dataclass
class _Check:
    """What the per-file loaders share: the problems so far and the references (and which of
    them are cited)."""

    refs: Mapping[str, Any]
    problems: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    cause_ids: Mapping[str, Any] = field(default_factory=dict)  # set once causes are read

    def sources(self, name: str, key: str, cited: Cited) -> None:
        _check_sources(name, key, cited, self.refs, self.problems, self.used)


def _files(directory: Path) -> tuple[Any, ...]:
    """The six schema-checked files; raises with every problem if a file is missing or bad."""
    problems: list[str] = []
    if directory.exists() and not directory.is_dir():
        raise PriorsError(
            [
                f"{directory}: is a file, not a directory; pass the priors folder (the one "
                f"that holds {FILES[0]}, {FILES[1]}, ...; the repository's priors/ is the default)"
            ]
        )
    if not directory.is_dir():
        raise PriorsError(
            [
                f"{directory}: no such priors directory; pass an existing folder "
                "(the repository's priors/ is the default)"
            ]
        )
    known = FILES + OPTIONAL_FILES
    unknown_files = sorted(p.name for p in directory.glob("*.yaml") if p.name not in known)
    for n in unknown_files:
        problems.append(
            f"{n}: unknown file in the priors directory; remove it or rename it "
            f"to one of {list(known)}"
        )
    schemas: tuple[type[BaseModel], ...] = (
        ReferencesFile,
        QuestionsFile,
        RiskFactorsFile,
        CausesFile,
        FindingsFile,
        TriageFile,
    )
    read = tuple(_read(directory, n, s, problems) for n, s in zip(FILES, schemas, strict=True))
    if problems:
        raise PriorsError(problems)
    assert all(read)
    return read


# ----------------------------------------------------------------------------- questions.yaml
def _question_shape(q: QuestionSpec, key: str, problems: list[str]) -> None:
    """Problems with one question's type-specific keys (options, bins, range)."""
    if q.type == "choice":
        if not q.options or len(set(q.options)) != len(q.options):
            problems.append(f"questions.yaml: {key}: a choice needs distinct `options`")
        if q.bins or q.min is not None or q.max is not None:
            problems.append(f"questions.yaml: {key}: a choice takes no bins/min/max; remove them")
    elif q.type == "yes_no":
        if q.options or q.bins or q.min is not None or q.max is not None:
            problems.append(
                f"questions.yaml: {key}: a yes_no question takes no options, "
                "bins, min or max; remove them"
            )
    else:
        if q.min is None or q.max is None or not q.min < q.max:
            problems.append(f"questions.yaml: {key}: a number needs `min` < `max`")
        elif not (math.isfinite(q.min) and math.isfinite(q.max)):  # .inf passed, then crashed
            problems.append(f"questions.yaml: {key}: `min` and `max` must be finite numbers")
        if not q.bins or len(q.bins) < 2:
            problems.append(f"questions.yaml: {key}: a number needs at least two `bins`")
        else:
            bounds = [b.below for b in q.bins]
            if any(b is not None and not math.isfinite(b) for b in bounds):
                # a NaN bound compares false with everything: answers went to the last bin
                problems.append(
                    f"questions.yaml: {key}: every bin's `below` must be a finite number"
                )
            elif bounds[-1] is not None or any(b is None for b in bounds[:-1]):
                problems.append(
                    f"questions.yaml: {key}: every bin but the last needs "
                    "`below`; the last has none"
                )
            elif any(a >= b for a, b in itertools.pairwise(x for x in bounds if x is not None)):
                problems.append(f"questions.yaml: {key}: bin bounds must increase")
            if len({b.state for b in q.bins}) != len(q.bins):
                problems.append(f"questions.yaml: {key}: bin states must be distinct")
        if q.options:
            problems.append(f"questions.yaml: {key}: a number takes no options; remove them")


def _what_if(
    q: QuestionSpec, f: QuestionsFile, problems: list[str]
) -> tuple[float | str | None, tuple[float, float, float] | None]:
    """(typical value, slider) of a modifiable factor from the file's `what_if` section."""
    spec = f.what_if.get(q.id)
    if not q.modifiable:
        return None, None
    states = tuple(q.options or ()) if q.type == "choice" else YES_NO
    if q.type == "number":
        lo, hi = q.min if q.min is not None else 0.0, q.max if q.max is not None else 0.0
        typical: float | str = spec.typical if spec else min(max(0.0, lo), hi)
        slider = (
            spec.min if spec and spec.min is not None else lo,
            spec.max if spec and spec.max is not None else hi,
            spec.step if spec and spec.step is not None else 1.0,
        )
        if isinstance(typical, str) or not (lo <= slider[0] <= typical <= slider[1] <= hi):
            problems.append(
                f"questions.yaml: what_if.{q.id}: need min <= typical <= max within the "
                f"question's range [{lo:g}, {hi:g}]; correct the numbers"
            )
        return typical, slider
    typical = spec.typical if spec else states[0]
    if typical not in states:
        problems.append(
            f"questions.yaml: what_if.{q.id}.typical: {typical!r} is not an answer; "
            f"answers are {list(states)}"
        )
    return typical, None


def _question(q: QuestionSpec, f: QuestionsFile, problems: list[str]) -> Question:
    typical, slider = _what_if(q, f, problems)
    return Question(
        id=q.id,
        type=q.type,
        text=q.text,
        group=q.group,
        options=tuple(q.options or ()),
        min=q.min,
        max=q.max,
        unit=q.unit,
        bins=tuple((b.state, b.below) for b in (q.bins or ())),
        help=q.help,
        modifiable=q.modifiable,
        label=q.label,
        short_label=q.short_label,
        answer_labels=dict(f.answer_labels.get(q.id, {})),
        typical=typical,
        slider=slider,
        applies_to=tuple(
            (k, (v,) if isinstance(v, str) else tuple(v)) for k, v in (q.applies_to or {}).items()
        ),
        asked_by=q.asked_by,
        cost=tuple((q.cost or {}).items()),
        cost_units=float(q.cost_units) if _non_negative(q.cost_units) else None,
    )


COST_FIELDS = {
    "minutes": "a number >= 0",
    "money": "a number >= 0",
    "invasive": "true or false",
    "referral": "true or false",
}


def _non_negative(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


def _check_cost(key: str, q: QuestionSpec, problems: list[str]) -> None:
    """Exam/test questions are the clinician's and carry a cost; runner questions carry none."""
    where = f"questions.yaml: {key}"
    clinical = q.group in ("exam", "test")
    if clinical != (q.asked_by == "clinician"):
        problems.append(
            f"{where}: group {q.group!r} with asked_by {q.asked_by!r}; exam/test questions "
            "take `asked_by: clinician` and only they do"
        )
    if not clinical:
        if q.cost is not None or q.cost_units is not None:
            problems.append(
                f"{where}: only exam/test questions have a cost; remove cost/cost_units"
            )
        return
    if q.cost is None:
        problems.append(
            f"{where}: no cost; add `cost: {{minutes: 2, money: 0, invasive: false, "
            "referral: false}` (see the header of questions.yaml)"
        )
    else:
        for k in q.cost:
            if k not in COST_FIELDS:
                problems.append(f"{where}.cost.{k}: unknown field; use {list(COST_FIELDS)}")
        for k, want in COST_FIELDS.items():
            v = q.cost.get(k)
            if not (isinstance(v, bool) if want.startswith("true") else _non_negative(v)):
                problems.append(f"{where}.cost.{k}: {v!r} is not valid; write {want}")
    u = q.cost_units
    if not _non_negative(u) or u == 0:
        problems.append(
            f"{where}.cost_units: {u!r} is not valid; write a number > 0 "
            "(1 = a 2-minute bedside exam, 10 = a blood test, 30 = a duplex scan)"
        )


def _check_applies_to(questions: list[Question], problems: list[str]) -> None:
    qmap = {q.id: q for q in questions}
    for i, q in enumerate(questions):
        key = f"questions[{i}] ({q.id}).applies_to"
        for other, wanted in q.applies_to:
            if other not in qmap or other == q.id or qmap[other].type == "number":
                problems.append(
                    f"questions.yaml: {key}: {other!r} is not another yes/no or choice "
                    f"question{_suggest(other, qmap)}; name one (e.g. sex)"
                )
            elif not wanted or any(v not in qmap[other].states for v in wanted):
                problems.append(
                    f"questions.yaml: {key}: {list(wanted)} are not all answers of {other!r}; "
                    f"use some of {list(qmap[other].states)}"
                )


def _check_short_labels(questions: Sequence[Question], problems: list[str]) -> None:
    """Two questions with the same short label would read as one sign in a list."""
    first: dict[str, str] = {}
    for q in questions:
        if q.short_label is None:
            continue
        said = q.short_label.casefold()
        if said in first:
            problems.append(
                f"questions.yaml: {q.id}: short_label {q.short_label!r} is also that of"
                f" {first[said]!r}; give each question its own"
            )
        first.setdefault(said, q.id)


def _load_questions(
    f: QuestionsFile, require_contract: bool, problems: list[str]
) -> list[Question]:
    questions: list[Question] = []
    seen: set[str] = set()
    for i, q in enumerate(f.questions):
        key = f"questions[{i}] ({q.id})"
        if q.id in seen:
            problems.append(f"questions.yaml: {key}: duplicate id; keep one")
        seen.add(q.id)
        _question_shape(q, key, problems)
        _check_cost(key, q, problems)
        questions.append(_question(q, f, problems))
    _check_applies_to(questions, problems)
    _check_short_labels(questions, problems)
    qmap = {q.id: q for q in questions}
    for qid, labels in f.answer_labels.items():
        if qid not in qmap:
            problems.append(
                f"questions.yaml: answer_labels.{qid}: not a question"
                f"{_suggest(qid, qmap)}; correct the id or remove the entry"
            )
        else:
            key = f"answer_labels.{qid}"
            _unknown_states("questions.yaml", key, labels, qmap[qid].states, problems)
    for qid in f.what_if:
        if qid not in qmap or not qmap[qid].modifiable:
            problems.append(
                f"questions.yaml: what_if.{qid}: not a modifiable question"
                f"{_suggest(qid, qmap)}; correct the id or remove the entry"
            )
    for cq in CONTRACT_QUESTIONS if require_contract else ():
        if cq not in qmap:
            problems.append(
                f"questions.yaml: contract question {cq!r} is missing; add it "
                "(../shared/spec/interface.md section 2)"
            )
    return questions


# ----------------------------------------------------------------------------- risk_factors.yaml
def _load_risk_factors(
    f: RiskFactorsFile, qmap: Mapping[str, Question], check: _Check
) -> tuple[dict[str, tuple[tuple[str, ...], np.ndarray]], dict[str, Cited]]:
    """Root nodes: (states, prior) per risk factor, and each prior's citation."""
    risk: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    risk_sources: dict[str, Cited] = {}
    for rid, spec in f.risk_factors.items():
        key = f"{rid}.prior"
        if rid not in qmap:
            check.problems.append(
                f"risk_factors.yaml: {rid}: no question with this id"
                f"{_suggest(rid, qmap)}; every node must be a question of "
                "questions.yaml"
            )
            continue
        states = qmap[rid].states
        arr = _dist("risk_factors.yaml", key, spec.prior.probs, states, check.problems)
        check.sources("risk_factors.yaml", key, spec.prior)
        if arr is not None:
            arr.setflags(write=False)
            risk[rid] = (states, arr)
            risk_sources[rid] = spec.prior
    return risk, risk_sources


# ----------------------------------------------------------------------------- causes.yaml
@dataclass(frozen=True)
class _CauseContext:
    risk: Mapping[str, tuple[tuple[str, ...], np.ndarray]]
    declared_risk: Mapping[str, Any]  # every risk factor of the file, failed ones included
    populations: Mapping[str, str]


def _table_cause(cid: str, cs: CauseSpec, ctx: _CauseContext, check: _Check) -> CauseDef | None:
    """A cause given as P(present | its one parent's state) (the medication table)."""
    name = "causes.yaml"
    problems = check.problems
    if cs.base_rate is not None or cs.odds_ratios is not None:
        problems.append(
            f"{name}: {cid}: give either `table` or `base_rate` with `odds_ratios`, not both"
        )
        return None
    assert cs.table is not None
    par = cs.table.parent
    if par not in ctx.risk:
        if par not in ctx.declared_risk:  # one that failed is reported once, above
            problems.append(
                f"{name}: {cid}.table.parent: {par!r} is not a risk factor"
                f"{_suggest(par, ctx.risk)}; use a node of risk_factors.yaml"
            )
        return None
    pstates = ctx.risk[par][0]
    vals = {s: v.p for s, v in cs.table.p_present.items()}
    bad = _unknown_states(name, f"{cid}.table.p_present", vals, pstates, problems, par)
    miss = [s for s in pstates if s not in vals]
    if miss:
        problems.append(
            f"{name}: {cid}.table.p_present: missing state(s) {miss}; "
            "give P(present) for every state"
        )
    sources: dict[str, Cited] = {}
    for s, v in cs.table.p_present.items():
        check.sources(name, f"{cid}.table.p_present.{s}", v)
        sources[f"table.{s}"] = v
    if bad or miss:
        return None
    tbl = np.array([vals[s] for s in pstates])
    tbl.setflags(write=False)
    return CauseDef(cid, cs.group, cs.label, (par,), {}, None, tbl, sources)


def _base_rates(
    cid: str, cs: CauseSpec, ctx: _CauseContext, check: _Check, sources: dict[str, Cited]
) -> dict[str, float]:
    name = "causes.yaml"
    assert cs.base_rate is not None
    rates: dict[str, float] = {}
    pops = ctx.populations
    for pop, pr in cs.base_rate.items():
        if pop not in pops:
            check.problems.append(
                f"{name}: {cid}.base_rate.{pop}: unknown population"
                f"{_suggest(pop, pops)}; populations are {list(pops)}"
            )
            continue
        if not 0.0 < pr.p < 1.0:
            check.problems.append(
                f"{name}: {cid}.base_rate.{pop}: {pr.p} must be strictly "
                "between 0 and 1 for the odds model"
            )
            continue
        check.sources(name, f"{cid}.base_rate.{pop}", pr)
        rates[pop] = pr.p
        sources[f"base_rate.{pop}"] = pr
    for pop in pops:
        if pop not in cs.base_rate:
            check.problems.append(
                f"{name}: {cid}.base_rate: no rate for population {pop!r}; add one"
            )
    return rates


def _odds_cause(cid: str, cs: CauseSpec, ctx: _CauseContext, check: _Check) -> CauseDef | None:
    """A cause in the odds model: a base rate per population and odds ratios per parent."""
    name = "causes.yaml"
    if cs.base_rate is None:
        check.problems.append(f"{name}: {cid}: needs `base_rate` (per population) or `table`")
        return None
    sources: dict[str, Cited] = {}
    rates = _base_rates(cid, cs, ctx, check, sources)
    parents: list[str] = []
    tables: list[np.ndarray] = []
    for par, ors in (cs.odds_ratios or {}).items():
        if par not in ctx.risk:
            if par not in ctx.declared_risk:  # one that failed is reported once, above
                check.problems.append(
                    f"{name}: {cid}.odds_ratios.{par}: not a risk factor"
                    f"{_suggest(par, ctx.risk)}; use a node of risk_factors.yaml"
                )
            continue
        pstates = ctx.risk[par][0]
        lo = np.zeros(len(pstates))
        for s, o in ors.items():
            k = f"{cid}.odds_ratios.{par}.{s}"
            if _unknown_states(name, k, [s], pstates, check.problems, par):
                continue
            check.sources(name, k, o)
            lo[pstates.index(s)] = math.log(o.value)
            sources[f"odds_ratios.{par}.{s}"] = o
        parents.append(par)
        tables.append(lo)
    log_odds = np.zeros(tuple(len(t) for t in tables))
    for i, t in enumerate(tables):
        log_odds = log_odds + t.reshape([-1 if j == i else 1 for j in range(len(tables))])
    log_odds.setflags(write=False)
    return CauseDef(cid, cs.group, cs.label, tuple(parents), rates, log_odds, None, sources)


def _load_causes(
    f: CausesFile, ctx: _CauseContext, require_contract: bool, check: _Check
) -> tuple[list[CauseDef], dict[str, int]]:
    """The causes in contract order, and that order (extra causes after the contract's)."""
    name = "causes.yaml"
    for rp in REQUIRED_POPULATIONS:
        if rp not in ctx.populations:
            check.problems.append(f"{name}: populations: {rp!r} is missing; add it")
    for cid in CONTRACT_CAUSES if require_contract else ():
        if cid not in f.causes:
            check.problems.append(
                f"{name}: contract cause {cid!r} is missing; add it "
                "(../shared/spec/interface.md section 1)"
            )
    causes: list[CauseDef] = []
    missing = [c for c in CONTRACT_CAUSES if c not in f.causes]
    for cid, cs in f.causes.items():
        if require_contract and cid not in CONTRACT_CAUSES and _suggest(cid, missing):
            # the contract's list is a minimum: an extra cause is welcome, unless it looks
            # like a misspelt contract cause that is missing
            check.problems.append(
                f"{name}: {cid}: not a contract cause{_suggest(cid, missing)};"
                " use one of the ids of interface.md section 1"
            )
            continue
        want_group = CONTRACT_GROUPS.get(cid, "medical")
        if require_contract and cid in CONTRACT_CAUSES and cs.group != want_group:
            check.problems.append(
                f"{name}: {cid}.group: {cs.group!r} differs from the contract; use {want_group!r}"
            )
        make = _table_cause if cs.table is not None else _odds_cause
        cause = make(cid, cs, ctx, check)
        if cause is not None:
            causes.append(cause)
    order = {c: i for i, c in enumerate(CONTRACT_CAUSES)}
    for cid in f.causes:
        order.setdefault(cid, len(order))
    causes.sort(key=lambda c: order[c.id])
    return causes, order


# ----------------------------------------------------------------------------- findings.yaml
def _as_dist(
    link: Link, key: str, states: tuple[str, ...], problems: list[str]
) -> np.ndarray | None:
    name = "findings.yaml"
    if link.p is not None:
        if len(states) != 2:
            problems.append(
                f"{name}: {key}: `p` is only for yes/no findings; give `probs` over {list(states)}"
            )
            return None
        return np.array([1.0 - link.p, link.p])
    assert link.probs is not None
    return _dist(name, key, link.probs, states, problems)


def _link_problem(key: str, dist: np.ndarray, leak: np.ndarray) -> str | None:
    """Why a link cannot be a noisy-MAX link (None if it can)."""
    cum_c, cum_l = np.cumsum(dist)[:-1], np.cumsum(leak)[:-1]
    if np.any(cum_c > cum_l + 1e-12):
        return (
            f"findings.yaml: {key}: the cause makes the lower states more likely "
            f"than the leak does (P(<= state) {np.round(cum_c, 4).tolist()}"
            f" > leak {np.round(cum_l, 4).tolist()}); under noisy-OR/MAX a "
            "cause can only push the finding upward: raise the upper states "
            "or remove the link"
        )
    q = np.divide(cum_c, cum_l, out=np.ones_like(cum_c), where=cum_l > 0)
    if np.any(np.diff(q) < -1e-12):
        return (
            f"findings.yaml: {key}: the implied link distribution is not "
            "monotone (noisy-MAX needs P(<= s | cause) / P(<= s | leak) to "
            "grow with s); move probability toward the higher states"
        )
    return None


@dataclass(frozen=True)
class _FindingContext:
    qmap: Mapping[str, Question]
    risk: Mapping[str, Any]
    cause_ids: set[str]
    declared_causes: Mapping[str, Any]  # every cause of the file, failed ones included
    order: Mapping[str, int]


def _finding_states(fid: str, fs: FindingSpec, ctx: _FindingContext, problems: list[str]) -> bool:
    """Whether the finding is a question node (or heavy legs) with the question's states."""
    name = "findings.yaml"
    if fid == HEAVY_LEGS:
        want_states: tuple[str, ...] = YES_NO
    elif fid in ctx.qmap:
        want_states = ctx.qmap[fid].states
    else:
        problems.append(
            f"{name}: {fid}: no question with this id{_suggest(fid, ctx.qmap)}; "
            f"a finding must be a question of questions.yaml or {HEAVY_LEGS!r}"
        )
        return False
    if fid in ctx.risk:
        problems.append(f"{name}: {fid}: is also a risk factor; a node is either one")
        return False
    if sorted(fs.states) != sorted(want_states):
        problems.append(
            f"{name}: {fid}.states: {list(fs.states)} must list exactly the "
            f"question's states {list(want_states)} (in any order)"
        )
        return False
    return True


def _finding(fid: str, fs: FindingSpec, ctx: _FindingContext, check: _Check) -> FindingDef | None:
    name = "findings.yaml"
    problems = check.problems
    if not _finding_states(fid, fs, ctx, problems):
        return None
    states = tuple(fs.states)
    check.sources(name, f"{fid}.leak", fs.leak)
    leak = _as_dist(fs.leak, f"{fid}.leak", states, problems)
    parents: list[str] = []
    given: list[np.ndarray] = []
    srcs: dict[str, Cited] = {"leak": fs.leak}
    for cid, link in fs.links.items():
        key = f"{fid}.links.{cid}"
        if cid not in ctx.cause_ids:
            if cid not in ctx.declared_causes:  # a cause that failed is reported once, above
                problems.append(f"{name}: {key}: {_not_a_cause(cid, ctx.declared_causes)}")
            continue
        check.sources(name, key, link)
        dist = _as_dist(link, key, states, problems)
        if dist is None or leak is None:
            continue
        problem = _link_problem(key, dist, leak)
        if problem:
            problems.append(problem)
            continue
        parents.append(cid)
        given.append(dist)
        srcs[f"links.{cid}"] = link
    if leak is None:
        return None
    order_p = sorted(range(len(parents)), key=lambda i: ctx.order[parents[i]])
    g = np.array([given[i] for i in order_p]).reshape(len(order_p), len(states))
    leak.setflags(write=False)
    g.setflags(write=False)
    return FindingDef(fid, states, tuple(parents[i] for i in order_p), leak, g, srcs)


def _load_findings(f: FindingsFile, ctx: _FindingContext, check: _Check) -> list[FindingDef]:
    findings = [
        x for fid, fs in f.findings.items() if (x := _finding(fid, fs, ctx, check)) is not None
    ]
    if HEAVY_LEGS not in f.findings:
        check.problems.append(
            f"findings.yaml: {HEAVY_LEGS!r} is missing; every runner reports heavy "
            "legs, so the network needs it"
        )
    elif (
        not any(x.id == HEAVY_LEGS for x in findings)
        or set(next(x for x in findings if x.id == HEAVY_LEGS).parents) != ctx.cause_ids
    ):
        if not any(p.startswith("findings.yaml: heavy_legs") for p in check.problems):
            check.problems.append(
                f"findings.yaml: {HEAVY_LEGS}.links: must link every cause; add the missing ones"
            )
    return findings


def _check_every_node_used(
    questions: Sequence[Question],
    files: tuple[RiskFactorsFile, CausesFile, FindingsFile],
    causes: Sequence[CauseDef],
    risk: Mapping[str, Any],
    problems: list[str],
) -> None:
    """Every question is a node; every risk factor is used by a cause."""
    rf_f, ca_f, fi_f = files
    nodes = set(rf_f.risk_factors) | set(fi_f.findings)  # failed ones are reported above
    for q in questions:
        if q.id not in nodes:
            problems.append(
                f"questions.yaml: {q.id}: question is not a node; add it to "
                "risk_factors.yaml (a cause's parent) or findings.yaml (a cause's "
                "child)"
            )
    used_risk = {p for c in causes for p in c.parents}
    for cs in ca_f.causes.values():  # causes that failed still name their parents
        used_risk |= set(cs.odds_ratios or {}) | ({cs.table.parent} if cs.table else set())
    for r in risk:
        if r not in used_risk:
            problems.append(
                f"risk_factors.yaml: {r}: no cause uses this risk factor; link it "
                "in causes.yaml (odds_ratios or table) or remove it"
            )


# ----------------------------------------------------------------------------- triage.yaml
def _rule_conditions(
    key: str, r: RuleSpec, qmap: Mapping[str, Question], problems: list[str]
) -> None:
    # an empty clause holds for every runner (`all: {}` made every case urgent); an empty
    # `any` list for none
    if not r.all and not r.any:
        problems.append(f"triage.yaml: {key}.all: no condition; a rule needs at least one")
    if r.any is not None and (not r.any or not all(r.any)):
        problems.append(
            f"triage.yaml: {key}.any: an empty list or clause; give each alternative a "
            "condition, or leave `any` out"
        )
    _conditions(key, [r.all, *(r.any or [])], qmap, problems)


def _range_condition(
    key: str, qid: str, c: Mapping[str, Any], q: Question, problems: list[str]
) -> None:
    """A number condition that can hold: finite bounds, at_least below `below`, and some
    answer in the question's range meeting it (`at_least: .nan`, `.inf` or 9999 on a
    question that stops at 520 passed and switched a rule off)."""
    values = {k: v for k, v in c.items() if k in ("at_least", "below")}
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values.values()):
        problems.append(f"triage.yaml: {key}: {qid}: at_least/below must be finite numbers")
        return
    lo = values.get("at_least", -math.inf)
    hi = values.get("below", math.inf)
    qlo = q.min if q.min is not None else -math.inf
    qhi = q.max if q.max is not None else math.inf
    if not lo < hi or lo > qhi or hi <= qlo:
        problems.append(
            f"triage.yaml: {key}: {qid}: no answer from {qlo:g} to {qhi:g} can meet "
            f"{dict(values)}; correct the bounds"
        )


def _conditions(
    key: str, clauses: list[dict[str, Any]], qmap: Mapping[str, Question], problems: list[str]
) -> None:
    """Each clause's questions exist and each condition is one of the question's answers."""
    for cond in clauses:
        for qid, c in cond.items():
            if qid not in qmap:
                problems.append(
                    f"triage.yaml: {key}: unknown question {qid!r}{_suggest(qid, qmap)}"
                )
                continue
            q = qmap[qid]
            vals = [c] if isinstance(c, str) else c if isinstance(c, list) else None
            if vals is not None:
                allowed = YES_NO if q.type == "yes_no" else q.options
                if not vals:
                    problems.append(
                        f"triage.yaml: {key}: {qid}: an empty list of answers never holds; "
                        "name at least one"
                    )
                for v in vals:
                    if v not in allowed:
                        problems.append(
                            f"triage.yaml: {key}: {qid}: {v!r} is not an "
                            f"answer; answers are {list(allowed)}"
                        )
            elif q.type != "number" or not set(c) <= {"at_least", "below"} or not c:
                problems.append(
                    f"triage.yaml: {key}: {qid}: use at_least/below only with number questions"
                )
            else:
                _range_condition(key, qid, c, q, problems)


def _rules(
    kind: str,
    specs: list[RuleSpec],
    levels: tuple[str, ...],
    qmap: Mapping[str, Question],
    check: _Check,
) -> tuple[Rule, ...]:
    out = []
    for i, r in enumerate(specs):
        key = f"{kind}[{i}] ({r.id})"
        if r.level not in levels:
            check.problems.append(
                f"triage.yaml: {key}.level: {r.level!r} is not a level; use one of {list(levels)}"
            )
        _rule_conditions(key, r, qmap, check.problems)
        keys = (r.source,) if isinstance(r.source, str) else tuple(r.source)
        for k in keys:
            if k not in check.refs:
                check.problems.append(
                    f"triage.yaml: {key}.source: {k!r} is not in "
                    f"references.yaml{_suggest(k, check.refs)}"
                )
            check.used.add(k)
        about = tuple(r.about or ())
        for c in about:
            if c not in check.cause_ids:
                check.problems.append(
                    f"triage.yaml: {key}.about: {_not_a_cause(c, check.cause_ids)}"
                )
        out.append(
            Rule(
                r.id,
                r.level,
                dict(r.all),
                tuple(r.any or ()),
                r.reason,
                keys,
                about,
                r.running or "",
            )
        )
    return tuple(out)


def _without_sign(
    key: str,
    e: EscalationSpec,
    levels: tuple[str, ...],
    qmap: Mapping[str, Question],
    check: _Check,
) -> WithoutSign | None:
    """An escalation row's ``without_sign``: a level below the row's, and signs that are
    answers to known questions."""
    ws = e.without_sign
    if ws is None:
        return None
    top = levels.index(e.level) if e.level in levels else len(levels)
    if ws.level not in levels[1:top]:
        check.problems.append(
            f"triage.yaml: {key}.without_sign.level: {ws.level!r}; use a level from "
            f"see_doctor up to below {e.level!r} (one of {list(levels[1:top])})"
        )
    if not ws.threshold < e.threshold:
        check.problems.append(
            f"triage.yaml: {key}.without_sign.threshold: {ws.threshold}; use a threshold "
            f"below the row's own ({e.threshold}), or drop without_sign"
        )
    if not ws.signs:
        check.problems.append(
            f"triage.yaml: {key}.without_sign.signs: empty; list at least one sign "
            '(e.g. {palpitations: "yes"})'
        )
    _conditions(f"{key}.without_sign", list(ws.signs), qmap, check.problems)
    return WithoutSign(
        ws.threshold,
        ws.level,
        tuple(dict(c) for c in ws.signs),
        ws.reason,
        ws.costs.miss,
        ws.costs.false_alarm,
    )


def _escalations(
    f: TriageFile, levels: tuple[str, ...], check: _Check, qmap: Mapping[str, Question]
) -> tuple[Escalation, ...]:
    """triage.yaml ``escalation``: one row per serious cause, each at a known level."""
    out: list[Escalation] = []
    seen: set[str] = set()
    for i, e in enumerate(f.escalation or []):
        key = f"escalation[{i}] ({e.cause})"
        if e.cause not in check.cause_ids and e.cause in CONTRACT_CAUSES:
            continue  # a missing contract cause is reported once (or allowed in a small network)
        if e.cause not in check.cause_ids:
            check.problems.append(
                f"triage.yaml: {key}.cause: {e.cause!r} is not a cause"
                f"{_suggest(e.cause, check.cause_ids)}; use a cause id of causes.yaml"
            )
        if e.cause in seen:
            check.problems.append(f"triage.yaml: {key}: a second row for {e.cause!r}; keep one")
        seen.add(e.cause)
        if e.level not in levels or e.level == "self_care":
            check.problems.append(
                f"triage.yaml: {key}.level: {e.level!r}; use see_doctor, urgent or emergency"
            )
        check.sources("triage.yaml", key, e)
        out.append(
            Escalation(
                e.cause,
                e.threshold,
                e.level,
                e.costs.miss,
                e.costs.false_alarm,
                e.reason,
                e.source_keys,
                e.running or "",
                _without_sign(key, e, levels, qmap, check),
            )
        )
    return tuple(out)


def _outside_model(f: TriageFile, levels: tuple[str, ...], check: _Check) -> OutsideModel | None:
    spec = f.outside_model
    if spec is None:
        return None
    if spec.level not in levels:
        check.problems.append(
            f"triage.yaml: outside_model.level: {spec.level!r} is not a level; use one of "
            f"{list(levels)}"
        )
    check.sources("triage.yaml", "outside_model", spec)
    if spec.unexplained is not None and not spec.unexplained_reason:
        check.problems.append(
            "triage.yaml: outside_model.unexplained is set without unexplained_reason; add "
            "the sentence shown when no cause of the model explains the answers"
        )
    return OutsideModel(spec.level, spec.reason, spec.unexplained, spec.unexplained_reason or "")


def _worked_up(
    f: TriageFile, qmap: Mapping[str, Question], causes: Sequence[str], check: _Check
) -> tuple[WorkedUp, ...]:
    """triage.yaml ``worked_up``: each cause known, its clauses on known questions and
    answers (as a rule's), cited."""
    out = []
    for i, w in enumerate(f.worked_up or ()):
        key = f"worked_up[{i}] ({w.cause})"
        if w.cause not in causes:
            check.problems.append(
                f"triage.yaml: {key}.cause: {w.cause!r} is not a cause{_suggest(w.cause, causes)}"
            )
        if not w.any:
            check.problems.append(f"triage.yaml: {key}.any: empty; give at least one clause")
        clauses = [*w.any, *(w.unless or ())]
        _conditions(key, clauses, qmap, check.problems)
        for qid in sorted({q for c in clauses for q in c if q in qmap}):
            if qmap[qid].asked_by != "clinician":  # a runner's answer excludes nothing
                check.problems.append(
                    f"triage.yaml: {key}: {qid} is a runner's question; a work-up rests on "
                    "examination and test findings only (asked_by: clinician)"
                )
        check.sources("triage.yaml", key, w)
        src = (w.source,) if isinstance(w.source, str) else tuple(w.source or ())
        unless = tuple(dict(c) for c in w.unless or ())
        out.append(WorkedUp(w.cause, tuple(dict(c) for c in w.any), w.reason, src, unless))
    return tuple(out)


def _load_triage(
    f: TriageFile, qmap: Mapping[str, Question], check: _Check
) -> tuple[tuple[str, ...], tuple[Rule, ...], tuple[Rule, ...]]:
    """(levels, red-flag rules, amber rules); the escalation rows and the outside-the-model
    rule are read by :func:`_escalations` and :func:`_outside_model`."""
    levels = tuple(f.levels)
    if levels != CONTRACT_LEVELS:
        check.problems.append(
            "triage.yaml: levels: must be [self_care, see_doctor, urgent, emergency]"
            " (contract section 3)"
        )
    for lv in levels:
        if lv not in f.level_texts:
            check.problems.append(f"triage.yaml: level_texts: no text for {lv!r}; add one")
    red = _rules("red_flags", f.red_flags, levels, qmap, check)
    amber = _rules("amber_flags", f.amber_flags, levels, qmap, check)
    ids = [r.id for r in (*red, *amber)]
    for rid in sorted({i for i in ids if ids.count(i) > 1}):
        check.problems.append(f"triage.yaml: rule id {rid!r} is used twice; give each its own")
    if levels == CONTRACT_LEVELS:
        _contract_red_flags((*red, *amber), levels, qmap, check.problems)
    check.sources("triage.yaml", "medical_rule", f.medical_rule)
    return levels, red, amber


def _fires(rule: Rule, answers: Mapping[str, Any]) -> bool:
    """Whether a rule fires on these answers; a condition of the wrong kind (a range on a
    yes/no question, reported by :func:`_conditions`) does not."""
    try:
        return rule_status(rule, answers) is True
    except TypeError:
        return False


def _contract_red_flags(
    rules: tuple[Rule, ...],
    levels: tuple[str, ...],
    qmap: Mapping[str, Question],
    problems: list[str],
) -> None:
    """Each red-flag row of contract section 3 gives at least its level from its answers
    alone (a priors directory without the chest-pain rule validated and gave chest pain
    "urgent" with no red flag)."""
    for row, least in CONTRACT_RED_FLAGS:
        answers = dict(row)
        if any(q not in qmap for q in answers):
            continue  # the question itself is missing: said by the questions check
        fired = [  # (a rule with an unknown level is reported by itself)
            levels.index(r.level) for r in rules if r.level in levels and _fires(r, answers)
        ]
        if max(fired, default=-1) < levels.index(least):
            said = " and ".join(f"{q} = {v}" for q, v in row)
            problems.append(
                f"triage.yaml: contract section 3: {said} must give at least {least!r}; "
                "no red_flags or amber_flags rule does (restore the rule or its level)"
            )


# ----------------------------------------------------------------------------- the whole base
def _version(directory: Path) -> str:
    """A hash of every file the model reads (advice.yaml included when present)."""
    digest = hashlib.sha256()
    for n in FILES + OPTIONAL_FILES:
        if n in OPTIONAL_FILES and not (directory / n).is_file():
            continue
        digest.update(n.encode())
        digest.update((directory / n).read_bytes())
    return digest.hexdigest()[:12]


def _load_uncertainty(directory: Path, problems: list[str]) -> Uncertainty:
    """priors/uncertainty.yaml when present (checked), else the defaults of types.py; what
    the file leaves out takes the default too."""
    if not _present(directory, UNCERTAINTY_FILE, problems):
        return DEFAULT_UNCERTAINTY
    f = _read(directory, UNCERTAINTY_FILE, UncertaintyFile, problems)
    if f is None:
        return DEFAULT_UNCERTAINTY
    return Uncertainty(
        MappingProxyType(dict(f.log_sd)),
        DEFAULT_UNCERTAINTY.interval if f.interval is None else f.interval,
        DEFAULT_UNCERTAINTY.draws if f.draws is None else f.draws,
    )


def _priors_path(directory: Any) -> Path:
    """The priors folder to read: ``directory``, or the packaged priors/ when it is None. An
    empty path is refused (it would silently mean the current directory)."""
    if directory is None:
        return default_priors_dir()
    if not isinstance(directory, str | os.PathLike):
        raise PriorsError(
            [
                f"the priors directory must be a folder's path, not {type(directory).__name__};"
                " leave it out for the repository's priors/"
            ]
        )
    if not str(os.fspath(directory)).strip():
        raise PriorsError(
            [
                "the priors directory is empty text; give a folder's path (e.g. priors), or "
                "leave --priors out for the repository's priors/"
            ]
        )
    return Path(directory)


def load_knowledge_base(
    directory: str | Path | None = None, *, require_contract: bool = True
) -> KnowledgeBase:
    """Read, validate and type every file of a priors directory (``advice.yaml`` too, when
    present: a broken one refuses the knowledge base like any other file).

    ``require_contract=False`` allows a small network without every contract cause and
    question (for tests and teaching); everything else is checked the same way.

    Raises
    ------
    PriorsError
        With one line per problem (file, key, fix) if anything is wrong.
    """
    from .advice import read_advice

    directory = _priors_path(directory)
    refs_f, qs_f, rf_f, ca_f, fi_f, tr_f = _files(directory)
    check = _Check(refs_f.references)
    questions = _load_questions(qs_f, require_contract, check.problems)
    qmap = {q.id: q for q in questions}
    risk, risk_sources = _load_risk_factors(rf_f, qmap, check)
    pops = dict(ca_f.populations)
    causes, order = _load_causes(
        ca_f, _CauseContext(risk, rf_f.risk_factors, pops), require_contract, check
    )
    cause_ids = {c.id for c in causes}
    findings = _load_findings(
        fi_f, _FindingContext(qmap, risk, cause_ids, ca_f.causes, order), check
    )
    _check_every_node_used(questions, (rf_f, ca_f, fi_f), causes, risk, check.problems)
    check.cause_ids = dict(ca_f.causes)  # declared ones: a broken cause is reported once
    levels, red, amber = _load_triage(tr_f, qmap, check)
    escalations = _escalations(tr_f, levels, check, qmap)
    outside = _outside_model(tr_f, levels, check)
    worked_up = _worked_up(tr_f, qmap, [c.id for c in causes], check)
    # cycles: the layering risk factor -> cause -> finding admits none, but a node listed as
    # both a parent and a child would create one; those are caught above (a finding that is
    # also a risk factor). Unused references are allowed (a bibliography), unknown ones not.
    uncertainty = _load_uncertainty(directory, check.problems)
    has_advice = _present(directory, ADVICE_FILE, check.problems)
    if check.problems:
        raise PriorsError(check.problems)
    advice_path = directory / ADVICE_FILE
    advice = (
        read_advice(
            advice_path,
            [c.id for c in causes],
            check.refs,
            unused=() if require_contract else CONTRACT_CAUSES,
        )
        if has_advice
        else None
    )
    return KnowledgeBase(
        directory=directory,
        version=_version(directory),
        references=dict(check.refs),
        questions=tuple(questions),
        risk_factors=risk,
        risk_sources=risk_sources,
        populations=pops,
        causes=tuple(causes),
        findings=tuple(findings),
        levels=levels,
        level_texts=dict(tr_f.level_texts),
        red_flags=red,
        amber_flags=amber,
        medical_threshold=tr_f.medical_rule.threshold,
        medical_reason=tr_f.medical_rule.reason,
        advice=advice,
        escalations=escalations,
        outside_model=outside,
        uncertainty=uncertainty,
        worked_up=worked_up,
    )
