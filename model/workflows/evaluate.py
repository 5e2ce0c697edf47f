"""Clinical validation: score the model on literature vignettes (``python -m model evaluate``).

A vignette is a YAML file (format in ``tests/vignettes/README.md``) with the answers of one
runner and what the literature expects: ``expect.top1`` (acceptable top causes),
``expect.top3`` (causes that must all be in the top three) and ``expect.triage`` (acceptable
levels, a contiguous range).

Measures
--------
top-1
    Share of vignettes whose highest-ranked cause is one of ``expect.top1``.
top-3
    Share of vignettes with every cause of ``expect.top3`` among the three highest.
under-triage
    Number of vignettes whose triage level is *below* the lowest acceptable level, whatever
    the reason. ``under_triage_red_flag`` counts the subset where a red-flag rule of the
    contract applies (the vignette expects ``urgent`` or higher); the threshold
    ``--max-under-triage`` applies to the stricter total.
over-triage rate
    Among benign vignettes (``expect.triage`` exactly ``[self_care]``), the share sent to a
    higher level.
per-cause recall
    For each cause, over the vignettes that accept it as top cause: the share whose top cause
    is accepted (``top1``) and the share with the cause in the top three (``in_top3``).
confusion
    Expected primary cause (first of ``expect.top1``) against the model's top cause.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Any

from ..api import Model
from ..errors import InputError
from ..kb.yamlread import read_yaml
from ..reasoning.triage import LEVELS

REQUIRED_KEYS = ("id", "title", "citation", "rationale", "answers", "expect")
EXPECT_KEYS = ("top1", "top3", "triage")
# issue 13's goals for the 25-cause network (version 2); README's model card says which hold
GOALS = {"min_top1": 0.85, "min_top3": 0.95, "max_under_triage": 0, "max_over_triage": 0.10}


def check_thresholds(
    min_top1: float | None = None,
    min_top3: float | None = None,
    max_under_triage: int | None = None,
    max_over_triage: float | None = None,
) -> None:
    """Refuse (InputError, one line each) thresholds outside their range: the shares are
    fractions from 0 to 1 (0.8 for 80%), the under-triage a count of at least 0; NaN is
    never a threshold (every comparison with it is false, so it would always pass)."""
    problems = []
    for flag, value in (
        ("--min-top1", min_top1),
        ("--min-top3", min_top3),
        ("--max-over-triage", max_over_triage),
    ):
        if value is not None and not 0 <= value <= 1:  # False for NaN
            problems.append(
                f"{flag} {value!r} is not a share; give a fraction from 0 to 1 (e.g. 0.8 for 80%)"
            )
    if max_under_triage is not None and (
        isinstance(max_under_triage, bool)
        or not isinstance(max_under_triage, Integral)
        or max_under_triage < 0
    ):
        problems.append(
            f"--max-under-triage {max_under_triage!r} is not a count; give a whole number of "
            "vignettes, 0 or more"
        )
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class Vignette:
    """One literature case."""

    id: str
    path: Path
    answers: Mapping[str, Any]
    top1: tuple[str, ...]
    top3: tuple[str, ...]
    triage: tuple[str, ...]
    citation: str = ""

    @property
    def benign(self) -> bool:
        return self.triage == ("self_care",)

    @property
    def red_flag(self) -> bool:
        return LEVELS.index(self.triage[0]) >= LEVELS.index("urgent")


@dataclass(frozen=True)
class CaseResult:
    """The model's result on one vignette."""

    id: str
    ranking: tuple[tuple[str, float], ...]  # (cause, probability), highest first
    level: str
    top1_ok: bool
    top3_ok: bool
    under_triage: bool
    over_triage: bool  # above the acceptable range
    expected_top1: tuple[str, ...]
    expected_top3: tuple[str, ...]
    expected_triage: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "top": [{"id": c, "probability": p} for c, p in self.ranking[:3]],
            "triage": self.level,
            "top1_ok": self.top1_ok,
            "top3_ok": self.top3_ok,
            "under_triage": self.under_triage,
            "over_triage": self.over_triage,
            "expected": {
                "top1": list(self.expected_top1),
                "top3": list(self.expected_top3),
                "triage": list(self.expected_triage),
            },
        }


@dataclass(frozen=True)
class Evaluation:
    """Summary measures over a vignette set (see the module docstring for definitions)."""

    n: int
    top1: float
    top3: float
    under_triage: int
    under_triage_red_flag: int
    benign_n: int
    over_triage_rate: float
    per_cause: Mapping[str, Mapping[str, float]]
    confusion: Mapping[str, Mapping[str, int]]
    cases: tuple[CaseResult, ...] = field(repr=False)
    # issue 19: top-1 on the vignettes with examination or test findings, with and without them
    clinician: Mapping[str, Any] = field(default_factory=dict)

    def failures(
        self,
        min_top1: float | None = None,
        min_top3: float | None = None,
        max_under_triage: int | None = None,
        max_over_triage: float | None = None,
    ) -> list[str]:
        """One line per threshold that is not met (InputError for a threshold out of its
        range, see :func:`check_thresholds`)."""
        check_thresholds(min_top1, min_top3, max_under_triage, max_over_triage)
        out = []
        if min_top1 is not None and self.top1 < min_top1:
            out.append(f"top-1 {self.top1:.1%} is below --min-top1 {min_top1:.1%}")
        if min_top3 is not None and self.top3 < min_top3:
            out.append(f"top-3 {self.top3:.1%} is below --min-top3 {min_top3:.1%}")
        if max_under_triage is not None and self.under_triage > max_under_triage:
            out.append(
                f"under-triage {self.under_triage} is above --max-under-triage {max_under_triage}"
            )
        if max_over_triage is not None and self.over_triage_rate > max_over_triage:
            out.append(
                f"over-triage {self.over_triage_rate:.1%} is above --max-over-triage "
                f"{max_over_triage:.1%}"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "top1": self.top1,
            "top3": self.top3,
            "under_triage": self.under_triage,
            "under_triage_red_flag": self.under_triage_red_flag,
            "benign_n": self.benign_n,
            "over_triage_rate": self.over_triage_rate,
            "per_cause": {k: dict(v) for k, v in self.per_cause.items()},
            "confusion": {k: dict(v) for k, v in self.confusion.items()},
            "cases": [c.to_dict() for c in self.cases],
            "clinician_findings": dict(self.clinician),
        }


def _str_list(
    where: str,
    key: str,
    value: Any,
    allowed: Sequence[str],
    what: str,
    problems: list[str],
    allow_empty: bool = False,
) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.append(
            f"{where}: {key}: must be a {'' if allow_empty else 'non-empty '}list "
            f"of {what}, e.g. [{allowed[0]}]"
        )
        return ()
    bad = [v for v in value if v not in allowed]
    if bad:
        problems.append(
            f"{where}: {key}: unknown {what} {', '.join(map(repr, bad))}; use one "
            f"of {', '.join(allowed)}"
        )
        return ()
    return tuple(value)


def parse_vignette(
    path: Path, cause_ids: Sequence[str], model: Model
) -> tuple[Vignette | None, list[str]]:
    """(vignette, []) or (None, one problem per line naming the file, the key and the fix)."""
    where = str(path)
    problems: list[str] = []
    data, unread = read_yaml(path)  # the priors' reader: a size limit, no key twice, no bombs
    if unread is not None:
        return None, [f"{where}: {unread}"]
    if not isinstance(data, dict):
        return None, [f"{where}: a vignette is a YAML mapping with keys {', '.join(REQUIRED_KEYS)}"]
    for key in REQUIRED_KEYS:
        if key not in data:
            problems.append(f"{where}: missing key {key!r}; add it (see tests/vignettes/README.md)")
    extra = sorted(set(data) - set(REQUIRED_KEYS))
    if extra:
        problems.append(
            f"{where}: unknown key(s) {', '.join(extra)}; remove them or use "
            f"{', '.join(REQUIRED_KEYS)}"
        )
    if problems:
        return None, problems
    if data["id"] != path.stem:
        problems.append(
            f"{where}: id: {data['id']!r} differs from the file name; use {path.stem!r}"
        )
    answers = data["answers"]
    if not isinstance(answers, dict):
        problems.append(f"{where}: answers: must be a mapping of question id to answer")
    else:
        _, bad = model.validate(answers)
        problems.extend(f"{where}: answers: {p}" for p in bad)
    expect = data["expect"]
    if not isinstance(expect, dict):
        return None, problems + [
            f"{where}: expect: must be a mapping with keys {', '.join(EXPECT_KEYS)}"
        ]
    for key in EXPECT_KEYS:
        if key not in expect:
            problems.append(f"{where}: expect.{key}: missing; add it")
    extra = sorted(set(expect) - set(EXPECT_KEYS))
    if extra:
        problems.append(
            f"{where}: expect: unknown key(s) {', '.join(extra)}; use {', '.join(EXPECT_KEYS)}"
        )
    if problems:
        return None, problems
    top1 = _str_list(where, "expect.top1", expect["top1"], cause_ids, "cause id", problems)
    top3 = _str_list(
        where, "expect.top3", expect["top3"], cause_ids, "cause id", problems, allow_empty=True
    )
    if len(top3) > 3:
        problems.append(f"{where}: expect.top3: at most 3 causes can be in the top three")
    tri = _str_list(where, "expect.triage", expect["triage"], LEVELS, "triage level", problems)
    if tri:
        idx = sorted(LEVELS.index(t) for t in tri)
        if idx != list(range(idx[0], idx[-1] + 1)) or len(set(idx)) != len(idx):
            problems.append(
                f"{where}: expect.triage: {list(tri)} is not a contiguous range of "
                f"{', '.join(LEVELS)}; list each level once, without gaps"
            )
        tri = tuple(LEVELS[i] for i in sorted(set(idx)))
    if problems:
        return None, problems
    return Vignette(
        path.stem, path, dict(answers), top1, top3, tri, str(data.get("citation", ""))
    ), []


def load_vignettes(directory: str | Path, model: Model) -> tuple[Vignette, ...]:
    """Every ``*.yaml`` (or ``*.yml``) vignette in ``directory``, validated.

    Raises
    ------
    InputError
        One line per problem (file, key and fix) if any file is invalid or none is found.
    """
    d = Path(directory)
    if not d.is_dir():
        raise InputError([f"{directory}: no such folder; give the folder of vignette files"])
    # .yml too: a folder with both scored the .yaml files alone, without a word (a
    # hostile-input review)
    files = sorted([*d.glob("*.yaml"), *d.glob("*.yml")])
    if not files:
        raise InputError(
            [
                f"{directory}: no *.yaml or *.yml vignette files found; see "
                "tests/vignettes/README.md for the format"
            ]
        )
    cause_ids = [c.id for c in model.causes]
    out, problems = [], []
    for f in files:
        v, bad = parse_vignette(f, cause_ids, model)
        problems.extend(bad)
        if v is not None:
            out.append(v)
    if problems:
        raise InputError(problems)
    return tuple(out)


def score(model: Model, vignette: Vignette) -> CaseResult:
    """The model's diagnosis of one vignette, checked against its expectations."""
    d = model.assess(vignette.answers)  # the ranking and triage of diagnose
    ranking = tuple((c.id, c.probability) for c in d.causes)
    top3 = {c for c, _ in ranking[:3]}
    lv = LEVELS.index(d.triage.level)
    lo, hi = LEVELS.index(vignette.triage[0]), LEVELS.index(vignette.triage[-1])
    return CaseResult(
        vignette.id,
        ranking,
        d.triage.level,
        ranking[0][0] in vignette.top1,
        all(c in top3 for c in vignette.top3),
        lv < lo,
        lv > hi,
        vignette.top1,
        vignette.top3,
        vignette.triage,
    )


def clinician_effect(
    model: Model, vignettes: Sequence[Vignette], cases: Sequence[CaseResult]
) -> dict[str, Any]:
    """What the examination and test findings add: on the vignettes that have some, top-1
    with them (as scored) and with them removed (the runner's answers alone)."""
    clin = model.kb.clinician_ids
    rows = [(v, c) for v, c in zip(vignettes, cases, strict=True) if clin & set(v.answers)]
    without = sum(
        model.assess({k: x for k, x in v.answers.items() if k not in clin}).top.id in v.top1
        for v, _ in rows
    )
    return {
        "n": len(rows),
        "top1_with": sum(c.top1_ok for _, c in rows),
        "top1_without": int(without),
        "ids": [v.id for v, _ in rows],
    }


def evaluate(model: Model, vignettes: Sequence[Vignette]) -> Evaluation:
    """Top-1, top-3, triage errors, per-cause recall and the confusion table."""
    cases = tuple(score(model, v) for v in vignettes)
    n = len(cases)
    benign = [(v, c) for v, c in zip(vignettes, cases, strict=True) if v.benign]
    over = sum(1 for _, c in benign if c.level != "self_care")
    per: dict[str, dict[str, float]] = {}
    for cause in (c.id for c in model.causes):
        rel = [c for c in cases if cause in c.expected_top1]
        if rel:
            per[cause] = {
                "n": len(rel),
                "top1": sum(c.top1_ok for c in rel) / len(rel),
                "in_top3": sum(cause in {x for x, _ in c.ranking[:3]} for c in rel) / len(rel),
            }
    conf: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        conf[c.expected_top1[0]][c.ranking[0][0]] += 1
    return Evaluation(
        n=n,
        top1=sum(c.top1_ok for c in cases) / n,
        top3=sum(c.top3_ok for c in cases) / n,
        under_triage=sum(c.under_triage for c in cases),
        under_triage_red_flag=sum(
            c.under_triage for v, c in zip(vignettes, cases, strict=True) if v.red_flag
        ),
        benign_n=len(benign),
        over_triage_rate=over / len(benign) if benign else 0.0,
        per_cause=per,
        confusion={k: dict(v) for k, v in sorted(conf.items())},
        cases=cases,
        clinician=clinician_effect(model, vignettes, cases),
    )


def format_report(ev: Evaluation) -> str:
    """A plain-text report: summary, failing cases, per-cause recall and confusion table."""
    lines = [
        f"vignettes: {ev.n}",
        f"top-1: {ev.top1:.1%}   top-3: {ev.top3:.1%}",
        f"under-triage: {ev.under_triage} (with a red flag: {ev.under_triage_red_flag})",
        f"over-triage of benign cases: {ev.over_triage_rate:.1%} of {ev.benign_n}",
    ]
    cl = ev.clinician
    if cl.get("n"):
        lines.append(
            f"with examination or test findings ({cl['n']} vignettes): top-1 "
            f"{cl['top1_with']}/{cl['n']} ({cl['top1_with'] / cl['n']:.0%}); the same without "
            f"them: {cl['top1_without']}/{cl['n']} ({cl['top1_without'] / cl['n']:.0%})"
        )
    lines.append("")
    misses = [
        c for c in ev.cases if not (c.top1_ok and c.top3_ok) or c.under_triage or c.over_triage
    ]
    if misses:
        lines.append("cases off target:")
        for c in misses:
            flags = [
                k
                for k, bad in (
                    ("top1", not c.top1_ok),
                    ("top3", not c.top3_ok),
                    ("under-triage", c.under_triage),
                    ("over-triage", c.over_triage),
                )
                if bad
            ]
            top = ", ".join(f"{x} {p:.2f}" for x, p in c.ranking[:3])
            lines.append(
                f"  {c.id}: {' '.join(flags)}; got {top}, {c.level}; expected "
                f"{'/'.join(c.expected_top1)}, {'/'.join(c.expected_triage)}"
            )
        lines.append("")
    lines.append(f"{'cause':26s} {'n':>3s} {'top1':>6s} {'in top3':>8s}")
    for cause, r in ev.per_cause.items():
        lines.append(f"{cause:26s} {int(r['n']):3d} {r['top1']:6.0%} {r['in_top3']:8.0%}")
    lines.append("")
    cols = sorted({t for row in ev.confusion.values() for t in row})
    short = {c: "".join(w[:3] for w in c.split("_"))[:6] if "_" in c else c[:6] for c in cols}
    lines.append("confusion (rows: expected primary cause; columns: model's top cause)")
    lines.append(f"{'':26s}" + "".join(f"{short[c]:>7s}" for c in cols))
    for exp, row in ev.confusion.items():
        lines.append(f"{exp:26s}" + "".join(f"{row.get(c, 0) or '.':>7}" for c in cols))
    return "\n".join(lines)


__all__ = [
    "GOALS",
    "CaseResult",
    "Evaluation",
    "Vignette",
    "clinician_effect",
    "evaluate",
    "format_report",
    "load_vignettes",
    "parse_vignette",
    "score",
]
