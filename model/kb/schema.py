"""The shape of each priors/ file as pydantic schemas (one class per file, strict: an unknown
key is an error). Cross-file checks live in :mod:`model.kb.loader`."""

from __future__ import annotations

import math
import re
import string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

MAX_LOG_SD = 3.0  # a factor of e**3 = 20 on the odds for one standard deviation

BASES = ("source", "anchored", "estimate")

# The ranges of the network's numbers (a number outside is refused when the priors load, so
# nothing that validates fails later). A cause's base rate: every rate of priors/ (0.00018 to
# 0.14) and the workbench's input (0.01 % to 99 %) lie inside; beyond it the intercept solve
# and the posterior's products lose their digits (a rate of 1e-30 or 1 - 1e-16 leaves no
# room between absent and present), and no population has a cause in fewer than one runner
# in a million or in more than 99 of 100. Model.with_base_rates takes the same range.
BASE_RATE_MIN = 1e-6
BASE_RATE_MAX = 0.99
# A risk factor's prior, a leak and a table entry: exactly 0 or 1 makes an answer impossible
# (its log-probability infinite, a posterior 0/0); 1e-9 is far below any cited figure.
PROB_MIN = 1e-9
PROB_MAX = 1.0 - 1e-9
# An odds ratio: the priors' run from 0.08 to 87, and `learn` fits up to a few thousand from
# small samples; beyond a factor of a million a risk factor
# decides the cause outright, which is a `table`, not an odds model.
ODDS_RATIO_MIN = 1e-6
ODDS_RATIO_MAX = 1e6
# A question's short label: a few words that fit a line of a phone (390 px) in a list
SHORT_LABEL_MAX = 40


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Strict):
    """A number's provenance: reference key(s), or an explicit estimate with its reason."""

    source: str | list[str] | None = None
    estimate: str | None = None
    note: str | None = None
    # How sure the number is (issue 16), when its basis's default (uncertainty.yaml) does not
    # fit: `n`, the size of the study a proportion comes from, or `log_sd`, the standard
    # deviation on the log-odds scale (the log scale for an odds ratio).
    n: float | None = None
    log_sd: float | None = None

    @field_validator("n", "log_sd", mode="before")
    @classmethod
    def _a_number(cls, v: Any) -> Any:
        return _plain_number(v)

    @model_validator(mode="after")
    def _has_source(self) -> Cited:
        if not self.source and not (self.estimate and self.estimate.strip()):
            raise ValueError(
                "no source: add `source: <key of references.yaml>` or `estimate: <one-line reason>`"
            )
        if self.n is not None and self.log_sd is not None:
            raise ValueError("give `n` or `log_sd`, not both (one states the other)")
        if self.n is not None and (
            isinstance(self.n, bool) or not math.isfinite(self.n) or self.n < 1
        ):
            raise ValueError(f"n = {self.n!r}: a study's size is a number of at least 1")
        if self.log_sd is not None and (
            isinstance(self.log_sd, bool)
            or not math.isfinite(self.log_sd)
            or not 0 < self.log_sd <= MAX_LOG_SD
        ):
            raise ValueError(
                f"log_sd = {self.log_sd!r}: write a standard deviation above 0 and at most"
                f" {MAX_LOG_SD} (log-odds scale)"
            )
        return self

    @property
    def basis(self) -> str:
        """What the number rests on: ``source`` (a cited figure as it stands), ``anchored``
        (an estimate anchored on a cited figure) or ``estimate`` (no direct source)."""
        if self.source_keys and self.estimate and self.estimate.strip():
            return "anchored"
        return "source" if self.source_keys else "estimate"

    @property
    def source_keys(self) -> tuple[str, ...]:
        if self.source is None:
            return ()
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


def _plain_number(v: Any) -> Any:
    """Refuse what pydantic would otherwise turn into a number ("0.3", true)."""
    if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
        raise ValueError(f"{v!r} is not a number; write a plain number such as 0.5")
    return v


def _signed_exponent(text: str) -> str:
    """'1e-1' -> '1.0e-1', '3E5' -> '3.0e+5', '2.5e0' -> '2.5e+0': the forms YAML 1.1 reads
    as numbers (a dot in the mantissa and a sign in the exponent)."""
    mant, _, exp = text.lower().partition("e")
    sign = "" if exp[:1] in "+-" else "+"
    dot = "" if "." in mant else ".0"
    return f"{mant}{dot}e{sign}{exp}"


def _not_a_number(v: Any, what: str) -> str:
    """Why ``v`` (as YAML read it) is not a number, naming the fix."""
    if isinstance(v, bool):
        return (
            f"must be a number, got {str(v).lower()} (YAML reads yes, no, on, off, true and"
            f" false as truth values); write {what}"
        )
    if isinstance(v, str) and re.fullmatch(r"[-+]?\d+[eE][-+]?\d+", v.strip()):
        return (  # YAML 1.1 reads 1e-1 (no dot) as text
            f"must be a number, got {v.strip()!r}: YAML reads an exponent without a dot as text; "
            f"write {_signed_exponent(v.strip())} or a plain decimal"
        )
    if isinstance(v, str) and re.fullmatch(r"[-+]?\d*\.\d*[eE]\d+", v.strip()):
        return (  # ... and 2.5e0 (no sign in the exponent)
            f"must be a number, got {v.strip()!r}: YAML reads an exponent without a sign as "
            f"text; write {_signed_exponent(v.strip())} or a plain decimal"
        )
    return f"must be a number, got {str(v)[:40]!r}; write {what}"


def _number_first(v: Any, what: str = "a number such as 0.5 (a probability)") -> Any:
    """Refuse, before pydantic would turn it into a float, what is not a number (``yes``,
    ``true``, ``"0.3"``); a mapping's values each (``probs``)."""
    if isinstance(v, dict):
        return {k: _number_first(x, what) for k, x in v.items()}
    if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
        raise ValueError(_not_a_number(v, what))
    return v


# a template's format spec: at most a precision and a type (".0%", ".1f"): a width such as
# ">300000000" would pad a line to gigabytes
_SPEC = re.compile(r"(\.\d{1,2})?[%f]?")


def _template(allowed: tuple[str, ...]) -> Any:
    """A validator of a text that is filled in with ``allowed`` (``{probability:.0%}``):
    any other field, a conversion, a long format spec or a lone brace is refused here, not
    at the first diagnosis that shows it."""

    def check(cls: Any, v: str | None) -> str | None:
        if v is None:
            return v
        names = " and ".join("{" + a + "}" for a in allowed)
        try:
            parts = list(string.Formatter().parse(v))
        except ValueError:
            raise ValueError(
                f"a lone brace in the text; write {{{{ or }}}} for a brace, or use {names}"
            ) from None
        for _, field, spec, conv in parts:
            if field is None:
                continue
            numeric = field == "probability"  # {label} is text: no format
            if (
                field not in allowed
                or conv is not None
                or not _SPEC.fullmatch(spec or "")
                or (spec and not numeric)
            ):
                raise ValueError(
                    f"{{{field}{'!' + conv if conv else ''}{':' + spec if spec else ''}}} "
                    f"cannot be filled in; use {names}, with at most a format such as "
                    "{probability:.0%}"
                )
        v.format(**{a: 0.5 if a == "probability" else "x" for a in allowed})  # as it will be
        return v

    return classmethod(check)


def _check_probability(v: float) -> float:
    if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
        raise ValueError(f"{v!r} is not a number; write a probability between 0 and 1")
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"probability {v} is not in [0, 1]")
    return float(v)


def _bound(x: float) -> str:
    return f"1 - {1.0 - x:.0e}" if 0.999 < x < 1.0 else f"{x:g}"


def _in_range(v: float, lo: float, hi: float, what: str, why: str) -> None:
    """Refuse ``v`` outside [lo, hi] with the range and its reason."""
    if not lo <= v <= hi:
        raise ValueError(f"{what} {v:g} is outside [{_bound(lo)}, {_bound(hi)}]: {why}")


PROB_WHY = (
    "a probability of 0 or 1 (or within 1e-9 of them) makes an answer impossible and the "
    f"posterior undefined; write a small positive number (at least {PROB_MIN:g}) instead"
)


def _network_probs(probs: dict[str, float], what: str) -> None:
    """Every probability of a risk-factor prior, a leak or a table in [PROB_MIN, PROB_MAX]
    (all the bad ones named in one line)."""
    bad = [f"{k} = {x:g}" for k, x in probs.items() if not PROB_MIN <= x <= PROB_MAX]
    if bad:
        raise ValueError(
            f"{what} {', '.join(bad)} outside [{_bound(PROB_MIN)}, {_bound(PROB_MAX)}]: {PROB_WHY}"
        )


class Prob(Cited):
    p: float

    _n = field_validator("p", mode="before")(classmethod(lambda cls, v: _number_first(v)))
    _p = field_validator("p")(classmethod(lambda cls, v: _check_probability(v)))


class Dist(Cited):
    probs: dict[str, float]

    _n = field_validator("probs", mode="before")(classmethod(lambda cls, v: _number_first(v)))

    @field_validator("probs")
    @classmethod
    def _probs(cls, v: dict[str, float]) -> dict[str, float]:
        return {k: _check_probability(x) for k, x in v.items()}


class Link(Cited):
    p: float | None = None
    probs: dict[str, float] | None = None

    _n = field_validator("p", "probs", mode="before")(classmethod(lambda cls, v: _number_first(v)))

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

    def named(self) -> dict[str, float]:
        """Its probabilities by name: ``p``, or one per state of ``probs``."""
        return {"p": self.p} if self.p is not None else dict(self.probs or {})


class OddsRatio(Cited):
    value: float

    _n = field_validator("value", mode="before")(
        classmethod(lambda cls, v: _number_first(v, "a number such as 1.5 (an odds ratio)"))
    )

    @field_validator("value")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"odds ratio {v!r} must be a finite number > 0")
        _in_range(
            v,
            ODDS_RATIO_MIN,
            ODDS_RATIO_MAX,
            "odds ratio",
            "beyond a factor of a million the risk factor decides the cause outright, which an odds"
            " model cannot state; write a ratio in the range, or give the cause a `table`",
        )
        return float(v)

    @model_validator(mode="after")
    def _no_n(self) -> OddsRatio:
        if self.n is not None:
            raise ValueError(
                "`n` is for a proportion; state an odds ratio's uncertainty as `log_sd` (the"
                " standard error of its log, from the study's confidence interval)"
            )
        return self


class UncertaintyFile(_Strict):
    """priors/uncertainty.yaml: how sure each kind of number is (issue 16)."""

    log_sd: dict[Literal["source", "anchored", "estimate"], float]
    interval: float | None = None  # None: the default of model/kb/types.py
    draws: int | None = None

    @field_validator("log_sd", mode="before")
    @classmethod
    def _numbers(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for x in v.values():
                _plain_number(x)
        return v

    @field_validator("interval", "draws", mode="before")
    @classmethod
    def _a_number(cls, v: Any) -> Any:
        return _plain_number(v)

    @model_validator(mode="after")
    def _check(self) -> UncertaintyFile:
        missing = [b for b in BASES if b not in self.log_sd]
        if missing:
            raise ValueError(f"log_sd: no value for {missing}; give one per basis {list(BASES)}")
        for b, v in self.log_sd.items():
            if isinstance(v, bool) or not math.isfinite(v) or not 0 < v <= MAX_LOG_SD:
                raise ValueError(
                    f"log_sd.{b} = {v!r}: write a number above 0 and at most {MAX_LOG_SD}"
                )
        if self.interval is not None and not 0.5 <= self.interval <= 0.99:
            raise ValueError(f"interval = {self.interval}: write a coverage between 0.5 and 0.99")
        if self.draws is not None and (not 4 <= self.draws <= 512 or self.draws % 2):
            raise ValueError(f"draws = {self.draws}: write an even number from 4 to 512")
        return self


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
    # A few words for the question where its full text would not fit (a warning sign left
    # unanswered, named on the runner's result: "Chest pain or fainting"); the text elsewhere.
    short_label: str | None = None
    # Only for runners whose answer to another question is one of these (e.g. {sex: female});
    # for the others the question does not apply (no evidence).
    applies_to: dict[str, str | list[str]] | None = None
    # Clinician findings (groups exam/test): never asked of a runner; each has a cost.
    asked_by: Literal["runner", "clinician"] = "runner"
    cost: dict[str, Any] | None = None
    cost_units: Any = None

    @field_validator("short_label")
    @classmethod
    def _short(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not v.strip() or "\n" in v or len(v) > SHORT_LABEL_MAX:
            raise ValueError(
                f"short_label {v[:60]!r}: write a few words on one line, at most"
                f" {SHORT_LABEL_MAX} characters (the question's text says it in full)"
            )
        return v.strip()


class WhatIfSpec(_Strict):
    """A what-if control: the value it starts at when unanswered, and a slider's range."""

    typical: float | str
    min: float | None = None
    max: float | None = None
    step: float | None = None


class QuestionsFile(_Strict):
    answer_labels: dict[str, dict[str, str]] = {}
    what_if: dict[str, WhatIfSpec] = {}
    questions: list[QuestionSpec]


class RiskFactorSpec(_Strict):
    prior: Dist

    @field_validator("prior")
    @classmethod
    def _no_certain_state(cls, v: Dist) -> Dist:
        _network_probs(v.probs, "")
        return v


class RiskFactorsFile(_Strict):
    risk_factors: dict[str, RiskFactorSpec]


class TableSpec(_Strict):
    parent: str
    p_present: dict[str, Prob]

    @field_validator("p_present")
    @classmethod
    def _not_certain(cls, v: dict[str, Prob]) -> dict[str, Prob]:
        _network_probs({k: x.p for k, x in v.items()}, "")
        return v


class CauseSpec(_Strict):
    group: str
    label: str
    base_rate: dict[str, Prob] | None = None
    odds_ratios: dict[str, dict[str, OddsRatio]] | None = None
    table: TableSpec | None = None

    @field_validator("base_rate")
    @classmethod
    def _rate_in_range(cls, v: dict[str, Prob] | None) -> dict[str, Prob] | None:
        for pop, rate in (v or {}).items():
            _in_range(
                rate.p,
                BASE_RATE_MIN,
                BASE_RATE_MAX,
                f"{pop}.p: base rate",
                "fewer than one runner in a million, or more than 99 in 100, leaves the"
                " intercept no digits to solve for (Model.with_base_rates takes the same"
                " range); write a rate in the range",
            )
        return v


class CausesFile(_Strict):
    populations: dict[str, str]
    causes: dict[str, CauseSpec]


class FindingSpec(_Strict):
    states: list[str]
    leak: Link
    links: dict[str, Link]

    @field_validator("leak")
    @classmethod
    def _leak_not_certain(cls, v: Link) -> Link:
        _network_probs(v.named(), "")
        return v

    @field_validator("links")
    @classmethod
    def _links_not_certain(cls, v: dict[str, Link]) -> dict[str, Link]:
        # a 0 would let one answer rule a cause out for good (a swelling -> DVT link of
        # none: 0 made P(DVT | no swelling) = 0, and its escalation could never fire)
        for cause, link in v.items():
            _network_probs(link.named(), f"{cause}:")
        return v


class FindingsFile(_Strict):
    findings: dict[str, FindingSpec]


Condition = str | list[str] | dict[str, float]


class RuleSpec(_Strict):
    id: str
    level: str
    all: dict[str, Condition]
    any: list[dict[str, Condition]] | None = None
    about: list[str] | None = None  # the causes the rule is about (never "ruled out" when first)
    reason: str
    source: str | list[str]
    running: str | None = None  # running until seen, where the level's default says too little


class CostsSpec(_Strict):
    miss: float
    false_alarm: float

    @field_validator("miss", "false_alarm")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not v > 0:
            raise ValueError("a cost must be a positive number (relative units)")
        return v


class WithoutSignSpec(_Strict):
    """A lower threshold for the row: from ``threshold``, the row's level once one of
    ``signs`` is answered, else ``level`` (below the row's): urgency comes from signs, not
    from who the runner is (age, training history)."""

    threshold: float
    costs: CostsSpec  # of the lower threshold's decision (a sign or not)
    level: str
    signs: list[dict[str, Condition]]  # any one of these clauses, as a rule's ``any``
    reason: str  # shown instead of the row's reason; {label} and {probability} are filled in

    _t = field_validator("threshold")(classmethod(lambda cls, v: _check_probability(v)))
    _r = field_validator("reason")(_template(("label", "probability")))


class EscalationSpec(Cited):
    """The model's own suspicion: P(cause) >= threshold raises the level to at least ``level``."""

    cause: str
    threshold: float
    level: str
    costs: CostsSpec
    miss: str  # what a miss costs, in words
    false_alarm: str  # what a false alarm costs, in words
    reason: str  # shown to the user; {label} and {probability} are filled in
    running: str | None = None  # running until seen, where the level's default says too little
    without_sign: WithoutSignSpec | None = None  # a lower level while no sign is answered

    _t = field_validator("threshold")(classmethod(lambda cls, v: _check_probability(v)))
    _r = field_validator("reason")(_template(("label", "probability")))


class OutsideModelSpec(Cited):
    """Answers that fit the network poorly: at least ``level``, and a plain warning."""

    level: str
    reason: str
    # P(no cause of the model | answers) at or above this: the leaks explain most of it
    unexplained: float | None = None
    unexplained_reason: str | None = None

    _u = field_validator("unexplained")(
        classmethod(lambda cls, v: v if v is None else _check_probability(v))
    )
    _r = field_validator("unexplained_reason")(_template(("probability",)))


class MedicalRuleSpec(Cited):
    threshold: float
    reason: str

    _t = field_validator("threshold")(classmethod(lambda cls, v: _check_probability(v)))
    _r = field_validator("reason")(_template(("label", "probability")))


class WorkedUpSpec(Cited):
    """A clinician's work-up that excludes a cause a warning sign points to (a negative
    D-dimer with a Wells score under 2, NICE NG158): any one of ``any`` (clauses, as a
    rule's). The sign's level stands (contract section 3); its words say the check is done."""

    cause: str
    any: list[dict[str, Condition]]
    unless: list[dict[str, Condition]] | None = None  # a positive test: not excluded
    reason: str


class TriageFile(_Strict):
    levels: list[str]
    level_texts: dict[str, str]
    red_flags: list[RuleSpec]
    amber_flags: list[RuleSpec]
    medical_rule: MedicalRuleSpec
    escalation: list[EscalationSpec] | None = None
    outside_model: OutsideModelSpec | None = None
    worked_up: list[WorkedUpSpec] | None = None
