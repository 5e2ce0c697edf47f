"""Read and validate the knowledge base in ``priors/`` into immutable typed objects.

Loading refuses a bad knowledge base whole: every problem is collected and reported at once,
each naming the file, the key and the fix (:class:`~model.errors.PriorsError`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .errors import PriorsError

CONTRACT_CAUSES = (
    "muscle_fatigue",
    "dehydration",
    "poor_circulation",
    "overtraining",
    "muscle_imbalance",
    "inadequate_warmup",
    "hard_surface",
    "improper_shoes",
    "low_energy_availability",
    "iron_deficiency",
    "cecs",
    "pad",
    "nerve_compression",
    "hypothyroidism",
    "medication_side_effect",
    "dvt",
    "neurological_condition",
    # contract version 2
    "iliac_flow_limitation",
    "popliteal_entrapment",
    "metabolic_myopathy",
    "bone_stress_injury",
    "post_viral_fatigue",
    "low_blood_sugar",
    "heart_condition",
    "rhabdomyolysis",
)
CONTRACT_GROUPS = {
    "muscle_fatigue": "training",
    "dehydration": "lifestyle",
    "poor_circulation": "circulation",
    "overtraining": "training",
    "muscle_imbalance": "biomechanics",
    "inadequate_warmup": "training",
    "hard_surface": "environment",
    "improper_shoes": "equipment",
    "low_energy_availability": "nutrition",
}
CONTRACT_QUESTIONS = (
    "age sex smoker diabetes medication long_sitting_or_standing recent_travel_or_surgery "
    "menstrual_irregular diet_restrictive weekly_distance_change_pct longest_run_increase_pct "
    "rest_days_per_week hard_sessions_per_week run_duration_min sleep_hours warmup surface "
    "shoe_distance_km shoes_fit_well temperature_c drinks_on_long_runs urine_color "
    "previous_leg_injury heaviness_onset eases_as_run_continues relief_time legs_affected cramps "
    "numbness_tingling lower_leg_tightness_burning calf_pain_walking swelling varicose_veins "
    "better_with_elevation worse_in_heat back_pain_radiating relief_sitting_or_bending_forward "
    "asymmetry_noticed muscle_soreness_lasting shin_or_joint_pain resting_hr_elevated "
    "sleep_or_mood_disturbed performance_declining frequent_illness dizziness fatigue_daily_life "
    "breathless_easily cold_intolerance_weight_gain pain_at_rest_or_night foot_cold_or_pale "
    "calf_warm_red_tender leg_weakness_or_foot_drop dark_cola_urine chest_pain_or_fainting "
    "bladder_bowel_or_saddle_numbness "
    # contract version 2
    "symptom_weeks symptom_location only_at_high_intensity cycles_a_lot "
    "lifelong_exercise_intolerance second_wind recent_viral_illness palpitations heavy_periods "
    "vegetarian_or_vegan hormonal_contraception pregnant_or_recently_pregnant previous_blood_clot "
    "sickle_cell_trait bone_tender_spot hypo_symptoms glucose_lowering_medicine "
    "confusion_vomiting_or_severe_headache sudden_severe_leg_pain both_legs_weak"
).split()
CAUSE_STATES = ("absent", "present")
YES_NO = ("no", "yes")
HEAVY_LEGS = "heavy_legs"
DEFAULT_POPULATION = "self_assessment"
REQUIRED_POPULATIONS = ("self_assessment", "clinic")
FILES = (
    "references.yaml",
    "questions.yaml",
    "risk_factors.yaml",
    "causes.yaml",
    "findings.yaml",
    "triage.yaml",
)
# Read by other modules (model/advice.py); accepted here so the unknown-file check passes.
OPTIONAL_FILES = ("advice.yaml",)
SUM_TOL = 1e-6


# ----------------------------------------------------------------------------- schemas (shape)
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Strict):
    """A number's provenance: reference key(s), or an explicit estimate with its reason."""

    source: str | list[str] | None = None
    estimate: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _has_source(self) -> Cited:
        if not self.source and not (self.estimate and self.estimate.strip()):
            raise ValueError(
                "no source: add `source: <key of references.yaml>` or `estimate: <one-line reason>`"
            )
        return self

    @property
    def source_keys(self) -> tuple[str, ...]:
        if self.source is None:
            return ()
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


def _check_probability(v: float) -> float:
    if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
        raise ValueError(f"{v!r} is not a number; write a probability between 0 and 1")
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"probability {v} is not in [0, 1]")
    return float(v)


class Prob(Cited):
    p: float

    _p = field_validator("p")(classmethod(lambda cls, v: _check_probability(v)))


class Dist(Cited):
    probs: dict[str, float]

    @field_validator("probs")
    @classmethod
    def _probs(cls, v: dict[str, float]) -> dict[str, float]:
        return {k: _check_probability(x) for k, x in v.items()}


class Link(Cited):
    p: float | None = None
    probs: dict[str, float] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Link:
        if (self.p is None) == (self.probs is None):
            raise ValueError("give exactly one of `p` (yes/no finding) or `probs` (ordered states)")
        if self.p is not None:
            _check_probability(self.p)
        if self.probs is not None:
            for x in self.probs.values():
                _check_probability(x)
        return self


class OddsRatio(Cited):
    value: float

    @field_validator("value")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"odds ratio {v!r} must be a finite number > 0")
        return float(v)


class Reference(_Strict):
    authors: str
    year: int | None
    title: str
    published: str | None = None
    url: str | None = None
    note: str | None = None


class ReferencesFile(_Strict):
    references: dict[str, Reference]


class Bin(_Strict):
    state: str
    below: float | None = None


class QuestionSpec(_Strict):
    id: str
    type: Literal["yes_no", "choice", "number"]
    text: str
    group: Literal["about_you", "training", "symptoms", "red_flags", "exam", "test"]
    options: list[str] | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    bins: list[Bin] | None = None
    help: str | None = None
    modifiable: bool = False
    label: str | None = None
    # Only for runners whose answer to another question is one of these (e.g. {sex: female});
    # for the others the question does not apply (no evidence).
    applies_to: dict[str, str | list[str]] | None = None
    # Clinician findings (groups exam/test): never asked of a runner; each has a cost.
    asked_by: Literal["runner", "clinician"] = "runner"
    cost: dict[str, Any] | None = None
    cost_units: Any = None


class QuestionsFile(_Strict):
    questions: list[QuestionSpec]


class RiskFactorSpec(_Strict):
    prior: Dist


class RiskFactorsFile(_Strict):
    risk_factors: dict[str, RiskFactorSpec]


class TableSpec(_Strict):
    parent: str
    p_present: dict[str, Prob]


class CauseSpec(_Strict):
    group: str
    label: str
    base_rate: dict[str, Prob] | None = None
    odds_ratios: dict[str, dict[str, OddsRatio]] | None = None
    table: TableSpec | None = None


class CausesFile(_Strict):
    populations: dict[str, str]
    causes: dict[str, CauseSpec]


class FindingSpec(_Strict):
    states: list[str]
    leak: Link
    links: dict[str, Link]


class FindingsFile(_Strict):
    findings: dict[str, FindingSpec]


Condition = str | list[str] | dict[str, float]


class RuleSpec(_Strict):
    id: str
    level: str
    all: dict[str, Condition]
    any: list[dict[str, Condition]] | None = None
    reason: str
    source: str | list[str]


class MedicalRuleSpec(Cited):
    threshold: float
    reason: str

    _t = field_validator("threshold")(classmethod(lambda cls, v: _check_probability(v)))


class TriageFile(_Strict):
    levels: list[str]
    level_texts: dict[str, str]
    red_flags: list[RuleSpec]
    amber_flags: list[RuleSpec]
    medical_rule: MedicalRuleSpec


# ----------------------------------------------------------------------------- typed results
@dataclass(frozen=True)
class Question:
    """One question of the vocabulary (contract section 2)."""

    id: str
    type: str
    text: str
    group: str
    options: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    bins: tuple[tuple[str, float | None], ...] = ()
    help: str | None = None
    modifiable: bool = False
    label: str | None = None
    # ((question id, (answers...)), ...): the question applies only to runners who gave one of
    # these answers (e.g. (("sex", ("female",)),)); an empty tuple: it applies to everyone
    applies_to: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # "clinician" for the exam/test findings (physio workbench, CLI and case files only)
    asked_by: str = "runner"
    cost: tuple[tuple[str, float | bool], ...] = ()  # ((minutes|money|invasive|referral, v),)
    cost_units: float | None = None  # the one number the "which test next" ranking uses

    def state_label(self, state: str) -> str:
        """Plain words for a node state: the answer, or the range of a number bin."""
        if self.type != "number":
            return state.replace("_", " ")
        unit = f" {self.unit}" if self.unit and self.unit != "%" else (self.unit or "")
        i = [s for s, _ in self.bins].index(state)
        lo = self.bins[i - 1][1] if i > 0 else None
        hi = self.bins[i][1]
        if lo is None:
            return f"under {hi:g}{unit}"
        if hi is None:
            return f"{lo:g}{unit} or more"
        return f"{lo:g} to under {hi:g}{unit}"

    @property
    def states(self) -> tuple[str, ...]:
        """States of the network node this question sets."""
        if self.type == "yes_no":
            return YES_NO
        if self.type == "choice":
            return self.options
        return tuple(s for s, _ in self.bins)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "type": self.type,
            "group": self.group,
        }
        if self.type == "yes_no":
            d["options"] = list(YES_NO)
        elif self.type == "choice":
            d["options"] = list(self.options)
        else:
            d["range"] = [self.min, self.max]
            d["unit"] = self.unit
            d["bins"] = [{"state": s, "below": b} for s, b in self.bins]
        if self.modifiable:
            d["modifiable"] = True
            d["label"] = self.label
        if self.applies_to:
            d["applies_to"] = {q: list(v) for q, v in self.applies_to}
        if self.asked_by != "runner":
            d["asked_by"] = self.asked_by
            d["cost"] = dict(self.cost)
            d["cost_units"] = self.cost_units
        return d


@dataclass(frozen=True)
class CauseDef:
    id: str
    group: str
    label: str
    parents: tuple[str, ...]
    # odds model: base rate per population and log odds ratio table over parents
    base_rates: Mapping[str, float]
    log_odds: np.ndarray | None  # shape = parent cardinalities
    table: np.ndarray | None  # P(present | parent state), shape = (card(parent),)
    sources: Mapping[str, Cited] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class FindingDef:
    id: str
    states: tuple[str, ...]
    parents: tuple[str, ...]
    leak: np.ndarray  # P(state | no linked cause)
    given: np.ndarray  # shape (n_parents, n_states): P(state | only that cause present)
    sources: Mapping[str, Cited] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    all: Mapping[str, Condition]
    any: tuple[Mapping[str, Condition], ...]
    reason: str
    source: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything in priors/, validated. Arrays are read-only."""

    directory: Path
    version: str
    references: Mapping[str, Reference]
    questions: tuple[Question, ...]
    risk_factors: Mapping[str, tuple[tuple[str, ...], np.ndarray]]
    risk_sources: Mapping[str, Cited]
    populations: Mapping[str, str]
    causes: tuple[CauseDef, ...]
    findings: tuple[FindingDef, ...]
    levels: tuple[str, ...]
    level_texts: Mapping[str, str]
    red_flags: tuple[Rule, ...]
    amber_flags: tuple[Rule, ...]
    medical_threshold: float
    medical_reason: str

    @property
    def question_map(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}


# ----------------------------------------------------------------------------- loading
def default_priors_dir() -> Path:
    """The packaged priors/ folder (next to the ``model`` package)."""
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "priors", here / "priors"):
        if cand.is_dir():
            return cand
    return here.parent / "priors"


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
        "list_type": "write a list",
    }.get(err_type, "")


def _read(directory: Path, name: str, schema: type[BaseModel], problems: list[str]) -> Any:
    path = directory / name
    if not path.is_file():
        problems.append(f"{name}: file is missing; restore it from the repository's priors/")
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(
            f"{name}: not valid YAML{where}: {getattr(exc, 'problem', exc)}; fix the syntax there"
        )
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{name}: cannot be read ({exc}); save it as UTF-8 text")
        return None
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors():
            loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
            msg = e["msg"].removeprefix("Value error, ")
            fix = _fix_for(e["type"])
            problems.append(f"{name}: {loc}: {msg}" + (f"; {fix}" if fix else ""))
        return None


def _suggest(word: str, options: Any) -> str:
    close = get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


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


def load_knowledge_base(
    directory: str | Path | None = None, *, require_contract: bool = True
) -> KnowledgeBase:
    """Read, validate and type every file of a priors directory.

    ``require_contract=False`` allows a small network without every contract cause and
    question (for tests and teaching); everything else is checked the same way.

    Raises
    ------
    PriorsError
        With one line per problem (file, key, fix) if anything is wrong.
    """
    directory = Path(directory) if directory is not None else default_priors_dir()
    problems: list[str] = []
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
            f"to one of {list(FILES)}"
        )

    refs_f = _read(directory, "references.yaml", ReferencesFile, problems)
    qs_f = _read(directory, "questions.yaml", QuestionsFile, problems)
    rf_f = _read(directory, "risk_factors.yaml", RiskFactorsFile, problems)
    ca_f = _read(directory, "causes.yaml", CausesFile, problems)
    fi_f = _read(directory, "findings.yaml", FindingsFile, problems)
    tr_f = _read(directory, "triage.yaml", TriageFile, problems)
    if problems:
        raise PriorsError(problems)
    assert refs_f and qs_f and rf_f and ca_f and fi_f and tr_f
    refs = refs_f.references
    used_refs: set[str] = set()

    # --- questions
    questions: list[Question] = []
    seen: set[str] = set()
    for i, q in enumerate(qs_f.questions):
        key = f"questions[{i}] ({q.id})"
        if q.id in seen:
            problems.append(f"questions.yaml: {key}: duplicate id; keep one")
        seen.add(q.id)
        if q.type == "choice":
            if not q.options or len(set(q.options)) != len(q.options):
                problems.append(f"questions.yaml: {key}: a choice needs distinct `options`")
            if q.bins or q.min is not None or q.max is not None:
                problems.append(
                    f"questions.yaml: {key}: a choice takes no bins/min/max; remove them"
                )
        elif q.type == "yes_no":
            if q.options or q.bins or q.min is not None or q.max is not None:
                problems.append(
                    f"questions.yaml: {key}: a yes_no question takes no options, "
                    "bins, min or max; remove them"
                )
        else:
            if q.min is None or q.max is None or not q.min < q.max:
                problems.append(f"questions.yaml: {key}: a number needs `min` < `max`")
            if not q.bins or len(q.bins) < 2:
                problems.append(f"questions.yaml: {key}: a number needs at least two `bins`")
            else:
                bounds = [b.below for b in q.bins]
                if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
                    problems.append(
                        f"questions.yaml: {key}: every bin but the last needs "
                        "`below`; the last has none"
                    )
                elif any(a >= b for a, b in zip(bounds[:-2], bounds[1:-1], strict=True)):
                    problems.append(f"questions.yaml: {key}: bin bounds must increase")
                if len({b.state for b in q.bins}) != len(q.bins):
                    problems.append(f"questions.yaml: {key}: bin states must be distinct")
            if q.options:
                problems.append(f"questions.yaml: {key}: a number takes no options; remove them")
        _check_cost(key, q, problems)
        questions.append(
            Question(
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
                applies_to=tuple(
                    (k, (v,) if isinstance(v, str) else tuple(v))
                    for k, v in (q.applies_to or {}).items()
                ),
                asked_by=q.asked_by,
                cost=tuple((q.cost or {}).items()),
                cost_units=float(q.cost_units) if _non_negative(q.cost_units) else None,
            )
        )
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
    for cq in CONTRACT_QUESTIONS if require_contract else ():
        if cq not in qmap:
            problems.append(
                f"questions.yaml: contract question {cq!r} is missing; add it "
                "(../shared/spec/interface.md section 2)"
            )

    # --- risk factors (root nodes)
    risk: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    risk_sources: dict[str, Cited] = {}
    for rid, spec in rf_f.risk_factors.items():
        key = f"{rid}.prior"
        if rid not in qmap:
            problems.append(
                f"risk_factors.yaml: {rid}: no question with this id"
                f"{_suggest(rid, qmap)}; every node must be a question of "
                "questions.yaml"
            )
            continue
        states = qmap[rid].states
        arr = _dist("risk_factors.yaml", key, spec.prior.probs, states, problems)
        _check_sources("risk_factors.yaml", key, spec.prior, refs, problems, used_refs)
        if arr is not None:
            arr.setflags(write=False)
            risk[rid] = (states, arr)
            risk_sources[rid] = spec.prior

    # --- populations and causes
    pops = dict(ca_f.populations)
    for rp in REQUIRED_POPULATIONS:
        if rp not in pops:
            problems.append(f"causes.yaml: populations: {rp!r} is missing; add it")
    causes: list[CauseDef] = []
    for cid in CONTRACT_CAUSES if require_contract else ():
        if cid not in ca_f.causes:
            problems.append(
                f"causes.yaml: contract cause {cid!r} is missing; add it "
                "(../shared/spec/interface.md section 1)"
            )
    for cid, cs in ca_f.causes.items():
        name = "causes.yaml"
        if require_contract and cid not in CONTRACT_CAUSES:
            problems.append(
                f"{name}: {cid}: not a contract cause{_suggest(cid, CONTRACT_CAUSES)};"
                " use one of the ids of interface.md section 1"
            )
            continue
        want_group = CONTRACT_GROUPS.get(cid, "medical")
        if require_contract and cs.group != want_group:
            problems.append(
                f"{name}: {cid}.group: {cs.group!r} differs from the contract; use {want_group!r}"
            )
        sources: dict[str, Cited] = {}
        if cs.table is not None:
            if cs.base_rate is not None or cs.odds_ratios is not None:
                problems.append(
                    f"{name}: {cid}: give either `table` or `base_rate` with "
                    "`odds_ratios`, not both"
                )
                continue
            par = cs.table.parent
            if par not in risk:
                if par not in rf_f.risk_factors:  # one that failed is reported once, above
                    problems.append(
                        f"{name}: {cid}.table.parent: {par!r} is not a risk factor"
                        f"{_suggest(par, risk)}; use a node of risk_factors.yaml"
                    )
                continue
            pstates = risk[par][0]
            vals = {s: v.p for s, v in cs.table.p_present.items()}
            bad = _unknown_states(name, f"{cid}.table.p_present", vals, pstates, problems, par)
            miss = [s for s in pstates if s not in vals]
            if miss:
                problems.append(
                    f"{name}: {cid}.table.p_present: missing state(s) {miss}; "
                    "give P(present) for every state"
                )
            for s, v in cs.table.p_present.items():
                _check_sources(name, f"{cid}.table.p_present.{s}", v, refs, problems, used_refs)
                sources[f"table.{s}"] = v
            if bad or miss:
                continue
            tbl = np.array([vals[s] for s in pstates])
            tbl.setflags(write=False)
            causes.append(CauseDef(cid, cs.group, cs.label, (par,), {}, None, tbl, sources))
            continue
        if cs.base_rate is None:
            problems.append(f"{name}: {cid}: needs `base_rate` (per population) or `table`")
            continue
        rates: dict[str, float] = {}
        for pop, pr in cs.base_rate.items():
            if pop not in pops:
                problems.append(
                    f"{name}: {cid}.base_rate.{pop}: unknown population"
                    f"{_suggest(pop, pops)}; populations are {list(pops)}"
                )
                continue
            if not 0.0 < pr.p < 1.0:
                problems.append(
                    f"{name}: {cid}.base_rate.{pop}: {pr.p} must be strictly "
                    "between 0 and 1 for the odds model"
                )
                continue
            _check_sources(name, f"{cid}.base_rate.{pop}", pr, refs, problems, used_refs)
            rates[pop] = pr.p
            sources[f"base_rate.{pop}"] = pr
        for pop in pops:
            if pop not in cs.base_rate:
                problems.append(f"{name}: {cid}.base_rate: no rate for population {pop!r}; add one")
        parents: list[str] = []
        tables: list[np.ndarray] = []
        for par, ors in (cs.odds_ratios or {}).items():
            if par not in risk:
                if par not in rf_f.risk_factors:  # one that failed is reported once, above
                    problems.append(
                        f"{name}: {cid}.odds_ratios.{par}: not a risk factor"
                        f"{_suggest(par, risk)}; use a node of risk_factors.yaml"
                    )
                continue
            pstates = risk[par][0]
            lo = np.zeros(len(pstates))
            for s, o in ors.items():
                k = f"{cid}.odds_ratios.{par}.{s}"
                if _unknown_states(name, k, [s], pstates, problems, par):
                    continue
                _check_sources(name, k, o, refs, problems, used_refs)
                lo[pstates.index(s)] = math.log(o.value)
                sources[f"odds_ratios.{par}.{s}"] = o
            parents.append(par)
            tables.append(lo)
        shape = tuple(len(t) for t in tables)
        log_odds = np.zeros(shape)
        for i, t in enumerate(tables):
            log_odds = log_odds + t.reshape([-1 if j == i else 1 for j in range(len(tables))])
        log_odds.setflags(write=False)
        causes.append(
            CauseDef(cid, cs.group, cs.label, tuple(parents), rates, log_odds, None, sources)
        )
    order = {c: i for i, c in enumerate(CONTRACT_CAUSES)}
    for cid in ca_f.causes:
        order.setdefault(cid, len(order))
    causes.sort(key=lambda c: order[c.id])
    cause_ids = {c.id for c in causes}

    # --- findings
    findings: list[FindingDef] = []
    for fid, fs in fi_f.findings.items():
        name = "findings.yaml"
        if fid == HEAVY_LEGS:
            want_states: tuple[str, ...] = YES_NO
        elif fid in qmap:
            want_states = qmap[fid].states
        else:
            problems.append(
                f"{name}: {fid}: no question with this id{_suggest(fid, qmap)}; "
                f"a finding must be a question of questions.yaml or {HEAVY_LEGS!r}"
            )
            continue
        if fid in risk:
            problems.append(f"{name}: {fid}: is also a risk factor; a node is either one")
            continue
        states = tuple(fs.states)
        if sorted(states) != sorted(want_states):
            problems.append(
                f"{name}: {fid}.states: {list(states)} must list exactly the "
                f"question's states {list(want_states)} (in any order)"
            )
            continue

        def as_dist(
            link: Link, key: str, name: str = name, states: tuple[str, ...] = states
        ) -> np.ndarray | None:
            if link.p is not None:
                if len(states) != 2:
                    problems.append(
                        f"{name}: {key}: `p` is only for yes/no findings; give "
                        f"`probs` over {list(states)}"
                    )
                    return None
                return np.array([1.0 - link.p, link.p])
            assert link.probs is not None
            return _dist(name, key, link.probs, states, problems)

        _check_sources(name, f"{fid}.leak", fs.leak, refs, problems, used_refs)
        leak = as_dist(fs.leak, f"{fid}.leak")
        parents_f: list[str] = []
        given: list[np.ndarray] = []
        srcs: dict[str, Cited] = {"leak": fs.leak}
        for cid, link in fs.links.items():
            key = f"{fid}.links.{cid}"
            if cid not in cause_ids:
                if cid not in ca_f.causes:  # a cause that failed is reported once, above
                    problems.append(
                        f"{name}: {key}: {cid!r} is not a cause"
                        f"{_suggest(cid, CONTRACT_CAUSES)}; use a cause id"
                    )
                continue
            _check_sources(name, key, link, refs, problems, used_refs)
            dist = as_dist(link, key)
            if dist is None or leak is None:
                continue
            cum_c, cum_l = np.cumsum(dist)[:-1], np.cumsum(leak)[:-1]
            if np.any(cum_c > cum_l + 1e-12):
                problems.append(
                    f"{name}: {key}: the cause makes the lower states more likely "
                    f"than the leak does (P(<= state) {np.round(cum_c, 4).tolist()}"
                    f" > leak {np.round(cum_l, 4).tolist()}); under noisy-OR/MAX a "
                    "cause can only push the finding upward: raise the upper states "
                    "or remove the link"
                )
                continue
            q = np.divide(cum_c, cum_l, out=np.ones_like(cum_c), where=cum_l > 0)
            if np.any(np.diff(q) < -1e-12):
                problems.append(
                    f"{name}: {key}: the implied link distribution is not "
                    "monotone (noisy-MAX needs P(<= s | cause) / P(<= s | leak) to "
                    "grow with s); move probability toward the higher states"
                )
                continue
            parents_f.append(cid)
            given.append(dist)
            srcs[f"links.{cid}"] = link
        if leak is None:
            continue
        order_p = sorted(range(len(parents_f)), key=lambda i: order[parents_f[i]])
        g = np.array([given[i] for i in order_p]).reshape(len(order_p), len(states))
        leak.setflags(write=False)
        g.setflags(write=False)
        findings.append(
            FindingDef(fid, states, tuple(parents_f[i] for i in order_p), leak, g, srcs)
        )
    if HEAVY_LEGS not in fi_f.findings:
        problems.append(
            f"findings.yaml: {HEAVY_LEGS!r} is missing; every runner reports heavy "
            "legs, so the network needs it"
        )
    elif (
        not any(f.id == HEAVY_LEGS for f in findings)
        or set(next(f for f in findings if f.id == HEAVY_LEGS).parents) != cause_ids
    ):
        if not any(p.startswith("findings.yaml: heavy_legs") for p in problems):
            problems.append(
                f"findings.yaml: {HEAVY_LEGS}.links: must link every cause; add the missing ones"
            )

    # --- every question is a node; every cause is used
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

    # --- triage
    levels = tuple(tr_f.levels)
    if levels != ("self_care", "see_doctor", "urgent", "emergency"):
        problems.append(
            "triage.yaml: levels: must be [self_care, see_doctor, urgent, emergency]"
            " (contract section 3)"
        )
    for lv in levels:
        if lv not in tr_f.level_texts:
            problems.append(f"triage.yaml: level_texts: no text for {lv!r}; add one")

    def rules(kind: str, specs: list[RuleSpec]) -> tuple[Rule, ...]:
        out = []
        for i, r in enumerate(specs):
            key = f"{kind}[{i}] ({r.id})"
            if r.level not in levels:
                problems.append(
                    f"triage.yaml: {key}.level: {r.level!r} is not a level; use one "
                    f"of {list(levels)}"
                )
            conds = [r.all, *(r.any or [])]
            for cond in conds:
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
                        for v in vals:
                            if v not in allowed:
                                problems.append(
                                    f"triage.yaml: {key}: {qid}: {v!r} is not an "
                                    f"answer; answers are {list(allowed)}"
                                )
                    else:
                        assert isinstance(c, dict)
                        if q.type != "number" or not set(c) <= {"at_least", "below"} or not c:
                            problems.append(
                                f"triage.yaml: {key}: {qid}: use at_least/below "
                                "only with number questions"
                            )
            keys = (r.source,) if isinstance(r.source, str) else tuple(r.source)
            for k in keys:
                if k not in refs:
                    problems.append(
                        f"triage.yaml: {key}.source: {k!r} is not in "
                        f"references.yaml{_suggest(k, refs)}"
                    )
                used_refs.add(k)
            out.append(Rule(r.id, r.level, dict(r.all), tuple(r.any or ()), r.reason, keys))
        return tuple(out)

    red = rules("red_flags", tr_f.red_flags)
    amber = rules("amber_flags", tr_f.amber_flags)
    _check_sources("triage.yaml", "medical_rule", tr_f.medical_rule, refs, problems, used_refs)

    # --- cycles: the layering risk factor -> cause -> finding admits none, but a node listed
    # as both a parent and a child would create one; those are caught above (a finding that is
    # also a risk factor). Unused references are allowed (a bibliography), unknown ones not.
    if problems:
        raise PriorsError(problems)

    digest = hashlib.sha256()
    for n in FILES:
        digest.update(n.encode())
        digest.update((directory / n).read_bytes())
    return KnowledgeBase(
        directory=directory,
        version=digest.hexdigest()[:12],
        references=dict(refs),
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
    )
