"""The knowledge base as immutable typed objects, and the vocabulary of the public contract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .schema import MAX_LOG_SD, Cited, Condition, Reference

if TYPE_CHECKING:
    from .advice import Advice

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
    # a few words for a warning sign where its text would not fit (priors/questions.yaml
    # `short_label`); :attr:`short` falls back on the text
    short_label: str | None = None
    # how the app shows an answer (priors/questions.yaml `answer_labels`; default: the
    # answer's words capitalised)
    answer_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # a modifiable factor's what-if control: its start when unanswered and, for a number, the
    # slider's (min, max, step) (priors/questions.yaml `what_if`)
    typical: float | str | None = None
    slider: tuple[float, float, float] | None = None
    # ((question id, (answers...)), ...): the question applies only to runners who gave one of
    # these answers (e.g. (("sex", ("female",)),)); an empty tuple: it applies to everyone
    applies_to: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # "clinician" for the exam/test findings (physio workbench, CLI and case files only)
    asked_by: str = "runner"
    cost: tuple[tuple[str, float | bool], ...] = ()  # ((minutes|money|invasive|referral, v),)
    cost_units: float | None = None  # the one number the "which test next" ranking uses

    def excluded_by(self, answers: Mapping[str, Any]) -> str | None:
        """The answered question that makes this one not apply (``sex`` = male for the
        pill or pregnancy), or None: until that answer is given, the question may apply."""
        for other, wanted in self.applies_to:
            if other in answers and answers[other] not in wanted:
                return other
        return None

    @property
    def short(self) -> str:
        """The question in a few words (its ``short_label``), else its text."""
        return self.short_label or self.text

    def answer_label(self, value: Any) -> str:
        """The words the app shows for an answer (a number with its unit)."""
        if self.type == "number":
            if not isinstance(value, int | float):
                return str(value)
            return f"{value:g}{unit_words(self.unit, value)}"
        text = str(value)
        return self.answer_labels.get(text, text.replace("_", " ").capitalize())

    def state_label(self, state: str) -> str:
        """Plain words for a node state: the answer, or the range of a number bin."""
        if self.type != "number":  # the app's words for the answer (answer_labels) if given
            return self.answer_labels.get(state, state.replace("_", " "))
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
    about: tuple[str, ...] = ()  # the causes the rule is about
    running: str = ""  # whether to run on until seen, when the level's default is not enough


def unit_words(unit: str | None, value: float) -> str:
    """A number's unit as written after it: " days", but " day" after 1 ("1 days" in the
    runner's answers and report, a runner walk); a symbol ("%", "km") as it is."""
    if not unit:
        return ""
    if value == 1 and unit.endswith("s") and len(unit) > 3:
        return f" {unit[:-1]}"
    return f" {unit}"


def condition_holds(cond: Any, value: Any) -> bool:
    """Whether an answer meets a rule's condition (an answer, a list of them, or a range)."""
    if isinstance(cond, str):
        return bool(value == cond)
    if isinstance(cond, list):
        return value in cond
    ok = True
    if "at_least" in cond:
        ok = ok and value >= cond["at_least"]
    if "below" in cond:
        ok = ok and value < cond["below"]
    return ok


def clause_status(clause: Mapping[str, Any], answers: Mapping[str, Any]) -> bool | None:
    """True/False when decided by the answers, None while a needed answer is missing."""
    undecided = False
    for qid, cond in clause.items():
        if qid not in answers:
            undecided = True
        elif not condition_holds(cond, answers[qid]):
            return False
    return None if undecided else True


def rule_status(rule: Rule, answers: Mapping[str, Any]) -> bool | None:
    """True (fires), False (ruled out by the answers) or None (not yet decided)."""
    first = clause_status(rule.all, answers)
    if first is False:
        return False
    if not rule.any:
        return first
    alts = [clause_status(c, answers) for c in rule.any]
    if any(a is True for a in alts):
        return first
    if all(a is False for a in alts):
        return False
    return None


# Contract section 3 (../shared/spec/interface.md, version 2 included): the least level of
# each red-flag row, for those answers alone. A priors directory whose rules miss one is
# refused (a deleted chest-pain rule made chest pain "urgent" with no red flag); the "any
# of" row is one row per alternative.
CONTRACT_RED_FLAGS: tuple[tuple[tuple[tuple[str, str], ...], str], ...] = (
    ((("chest_pain_or_fainting", "yes"),), "emergency"),
    ((("bladder_bowel_or_saddle_numbness", "yes"),), "emergency"),
    ((("calf_warm_red_tender", "yes"),), "urgent"),
    ((("swelling", "one_leg"), ("recent_travel_or_surgery", "yes")), "urgent"),
    ((("dark_cola_urine", "yes"),), "emergency"),
    ((("pain_at_rest_or_night", "yes"), ("foot_cold_or_pale", "yes")), "urgent"),
    ((("leg_weakness_or_foot_drop", "yes"),), "urgent"),
    ((("confusion_vomiting_or_severe_headache", "yes"),), "emergency"),
    ((("sudden_severe_leg_pain", "yes"),), "emergency"),
    ((("both_legs_weak", "yes"),), "emergency"),
    ((("calf_warm_red_tender", "yes"), ("chest_pain_or_fainting", "yes")), "emergency"),
    ((("swelling", "one_leg"), ("hormonal_contraception", "yes")), "urgent"),
    ((("swelling", "one_leg"), ("pregnant_or_recently_pregnant", "yes")), "urgent"),
    ((("swelling", "one_leg"), ("previous_blood_clot", "yes")), "urgent"),
)


@dataclass(frozen=True)
class WorkedUp:
    """triage.yaml ``worked_up``: answers (clinician findings) that exclude ``cause`` as a
    guideline does; any one of ``any`` (clauses, as :attr:`Rule.any`)."""

    cause: str
    any: tuple[Mapping[str, Condition], ...]
    reason: str
    source: tuple[str, ...] = ()
    unless: tuple[Mapping[str, Condition], ...] = ()  # any of these holding: not excluded


@dataclass(frozen=True)
class WithoutSign:
    """A lower threshold for an escalation: from ``threshold`` (below the row's own), the
    row's level once one of ``signs`` (clauses, as a rule's ``any``) holds, else ``level``:
    a suspicion that rests on who the runner is, not on a sign."""

    threshold: float
    level: str
    signs: tuple[Mapping[str, Condition], ...]
    reason: str
    miss_cost: float = 1.0
    false_alarm_cost: float = 1.0


@dataclass(frozen=True)
class Escalation:
    """P(cause | answers) >= ``threshold`` raises the triage to at least ``level``; the
    threshold is chosen from the relative costs of a miss and a false alarm (decision
    threshold false_alarm / (false_alarm + miss)) and the operating characteristics
    measured on runners sampled from the model (README)."""

    cause: str
    threshold: float
    level: str
    miss_cost: float
    false_alarm_cost: float
    reason: str
    source: tuple[str, ...]
    running: str = ""  # whether to run on until seen, when the level's default is not enough
    without_sign: WithoutSign | None = None  # a lower level while no sign of the cause is answered

    @property
    def decision_threshold(self) -> float:
        """The threshold that minimises expected cost: treat when p * miss > (1 - p) * alarm."""
        return self.false_alarm_cost / (self.false_alarm_cost + self.miss_cost)


@dataclass(frozen=True)
class OutsideModel:
    level: str
    reason: str
    unexplained: float | None = None  # P(no cause | answers) from which the leaks explain it
    unexplained_reason: str = ""


@dataclass(frozen=True)
class Uncertainty:
    """How sure the numbers in priors/ are (priors/uncertainty.yaml, issue 16): each number is
    log-odds normal around its value (log normal for an odds ratio) with a standard deviation
    set by what it rests on, unless the number states its own (`n` or `log_sd`)."""

    log_sd: Mapping[str, float]  # per basis: source, anchored, estimate
    interval: float = 0.8  # the coverage of the intervals shown
    draws: int = 24  # parameter draws per diagnosis (antithetic pairs: even)

    def sd(self, cited: Cited, p: float | None = None) -> float:
        """The standard deviation of one number on the log-odds scale; ``p`` is the
        proportion itself, for a number that states its study's size ``n``."""
        if cited.log_sd is not None:
            return float(cited.log_sd)
        if cited.n is not None and p is not None and 0.0 < p < 1.0:
            # the standard error of a proportion's log odds from n observations
            return float(min(MAX_LOG_SD, 1.0 / np.sqrt(cited.n * p * (1.0 - p))))
        return float(self.log_sd[cited.basis])


DEFAULT_UNCERTAINTY = Uncertainty(
    MappingProxyType({"source": 0.3, "anchored": 0.5, "estimate": 0.7})
)


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
    advice: Advice | None = None  # priors/advice.yaml, None when the directory has none
    escalations: tuple[Escalation, ...] = ()  # per serious cause (triage.yaml: escalation)
    outside_model: OutsideModel | None = None  # triage.yaml: outside_model
    uncertainty: Uncertainty = DEFAULT_UNCERTAINTY  # priors/uncertainty.yaml (issue 16)
    worked_up: tuple[WorkedUp, ...] = ()  # triage.yaml: worked_up

    @property
    def question_map(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @property
    def clinician_ids(self) -> frozenset[str]:
        """The examination and test findings (``asked_by: clinician``): never asked of a
        runner."""
        return frozenset(q.id for q in self.questions if q.asked_by == "clinician")
