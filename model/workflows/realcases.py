"""Real published cases: the accuracy that means something outside our own vignettes.

A real case is a YAML file in ``tests/cases_real/`` (format in its README): a runner's history
from a published case report with a confirmed diagnosis, mapped onto the contract's
questions only as far as the publication states them. Unlike the vignettes, these were chosen
and mapped blind to the model and then frozen (hash in the README and the set's CHANGELOG).

Scoring
-------
scoreable
    At least ``MIN_ANSWERS`` answers beyond age and sex on questions the model knows, and a
    confirmed cause that the network has. Thinner cases are listed, never scored.
outside the model
    A confirmed condition with no cause id (``cause: null``), or a cause id this network does
    not have: the result says what the model did with it (its top cause, its triage, and
    whether it sent the runner to a professional).
top-1 / top-3
    The confirmed cause (or one of its ``acceptable`` alternatives) first / among the three
    highest, with Wilson 95 % intervals.
under- / over-triage
    The model's level below ``triage_min`` (every case with answers, scoreable or not, counts:
    safety does not wait for a rich history); over-triage is two or more levels above it.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..kb.yamlread import read_yaml
from ..reasoning import LEVELS

if TYPE_CHECKING:
    from ..api import Model

MIN_ANSWERS = 4  # answers beyond age and sex needed to score a case
REQUIRED = ("id", "source", "summary", "diagnosis", "cause", "answers", "triage_min")
OPTIONAL = ("confirmed_by", "condition_if_no_cause", "acceptable", "mapping_notes")
KINDS = (
    "journal_case_report",
    "case_series",
    "meeting_abstract",
    "society_case",
    "first_person",
)


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class RealCase:
    """One published case, as mapped (answers the model does not know are kept apart)."""

    id: str
    cause: str | None
    condition: str
    acceptable: tuple[str, ...]
    answers: Mapping[str, Any]
    unknown_questions: tuple[str, ...]
    triage_min: str
    citation: str
    url: str
    kind: str

    @property
    def n_history(self) -> int:
        """Answers beyond age and sex."""
        return sum(1 for q in self.answers if q not in ("age", "sex"))


@dataclass(frozen=True)
class RealResult:
    id: str
    cause: str | None
    condition: str
    ranking: tuple[tuple[str, float], ...]
    level: str
    triage_min: str
    scoreable: bool
    outside: bool
    top1_ok: bool
    top3_ok: bool
    accepted: frozenset[str] = frozenset()  # the causes counted as right (confirmed or accepted)

    @property
    def under_triage(self) -> bool:
        return LEVELS.index(self.level) < LEVELS.index(self.triage_min)

    @property
    def over_triage(self) -> bool:
        return LEVELS.index(self.level) >= LEVELS.index(self.triage_min) + 2

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cause": self.cause,
            "condition": self.condition,
            "top": [{"id": c, "probability": p} for c, p in self.ranking[:3]],
            "triage": self.level,
            "triage_min": self.triage_min,
            "scoreable": self.scoreable,
            "outside_model": self.outside,
            "top1_ok": self.top1_ok,
            "top3_ok": self.top3_ok,
            "under_triage": self.under_triage,
            "over_triage": self.over_triage,
        }


RELIABILITY_BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)


@dataclass(frozen=True)
class ReliabilityBin:
    """Predictions in [lo, hi) (the last bin includes 1) over (case, cause) pairs, and how
    often the cause was the confirmed diagnosis, with a Wilson 95% interval."""

    lo: float
    hi: float
    n: int
    mean_predicted: float
    observed: int
    wilson95: tuple[float, float]

    @property
    def observed_rate(self) -> float:
        return self.observed / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "lo": self.lo,
            "hi": self.hi,
            "n": self.n,
            "mean_predicted": self.mean_predicted,
            "observed": self.observed,
            "observed_rate": self.observed_rate,
            "wilson95": list(self.wilson95),
        }


@dataclass(frozen=True)
class RealEvaluation:
    n: int
    scoreable: int
    top1: int
    top3: int
    under_triage: int
    over_triage: int
    per_cause: Mapping[str, Mapping[str, int]]
    thin: tuple[str, ...]
    outside: tuple[RealResult, ...]
    cases: tuple[RealResult, ...] = field(repr=False)
    reliability: tuple[ReliabilityBin, ...] = ()
    under_triage_scoreable: int = 0  # of the scoreable cases (4+ answers beyond age and sex)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.scoreable if self.scoreable else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.scoreable if self.scoreable else 0.0

    def to_dict(self) -> dict[str, Any]:
        lo1, hi1 = wilson(self.top1, self.scoreable)
        lo3, hi3 = wilson(self.top3, self.scoreable)
        return {
            "n": self.n,
            "scoreable": self.scoreable,
            "top1": self.top1,
            "top1_rate": self.top1_rate,
            "top1_wilson95": [lo1, hi1],
            "top3": self.top3,
            "top3_rate": self.top3_rate,
            "top3_wilson95": [lo3, hi3],
            "under_triage": self.under_triage,
            "under_triage_scoreable": self.under_triage_scoreable,
            "over_triage": self.over_triage,
            "per_cause": {k: dict(v) for k, v in self.per_cause.items()},
            "thin": list(self.thin),
            "outside_model": [c.to_dict() for c in self.outside],
            "cases": [c.to_dict() for c in self.cases],
            "reliability": [b.to_dict() for b in self.reliability],
        }


def _problem(where: str, text: str) -> str:
    return f"{where}: {text}"


def _check_keys(where: str, data: Any) -> list[str]:
    if not isinstance(data, dict):
        return [_problem(where, f"a real case is a YAML mapping with keys {', '.join(REQUIRED)}")]
    out = [
        _problem(where, f"missing key {k!r}; add it (see tests/cases_real/README.md)")
        for k in REQUIRED
        if k not in data
    ]
    extra = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if extra:
        out.append(_problem(where, f"unknown key(s) {', '.join(extra)}; remove them"))
    return out


def _split_answers(
    where: str, answers: Any, model: Model, problems: list[str]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """(answers the model knows, valid; question ids it does not know)."""
    if not isinstance(answers, dict):
        problems.append(_problem(where, "answers: must be a mapping of question id to answer"))
        return {}, ()
    known = {q: v for q, v in answers.items() if q in model.question_map}
    unknown = tuple(sorted(q for q in answers if q not in model.question_map))
    clean, bad = model.validate(known)
    problems.extend(_problem(where, f"answers: {p}") for p in bad)
    return clean, unknown


def parse_real_case(path: Path, model: Model) -> tuple[RealCase | None, list[str]]:
    """(case, []) or (None, one problem per line naming the file, the key and the fix)."""
    where = str(path)
    data, unread = read_yaml(path)  # a size limit, no key given twice, no alias bombs
    if unread is not None:
        return None, [_problem(where, unread)]
    problems = _check_keys(where, data)
    if problems:
        return None, problems
    if data["id"] != path.stem:
        problems.append(_problem(where, f"id: {data['id']!r} differs from the file name"))
    src = data["source"]
    if not isinstance(src, dict) or not src.get("citation") or not src.get("url"):
        problems.append(_problem(where, "source: needs a citation and a url"))
        src = {}
    elif src.get("kind") not in KINDS:
        problems.append(_problem(where, f"source.kind: use one of {', '.join(KINDS)}"))
    if data["triage_min"] not in LEVELS:
        problems.append(_problem(where, f"triage_min: use one of {', '.join(LEVELS)}"))
    cause = data["cause"]
    if cause is not None and not isinstance(cause, str):
        problems.append(_problem(where, "cause: a cause id, or null when no cause fits"))
    if cause is None and not data.get("condition_if_no_cause"):
        problems.append(_problem(where, "condition_if_no_cause: name the condition"))
    acceptable = data.get("acceptable") or []
    if not isinstance(acceptable, list) or not all(isinstance(a, str) for a in acceptable):
        problems.append(_problem(where, "acceptable: a list of cause ids"))
        acceptable = []
    answers, unknown = _split_answers(where, data["answers"], model, problems)
    if problems:
        return None, problems
    return RealCase(
        id=path.stem,
        cause=cause,
        condition=str(data.get("condition_if_no_cause") or data["diagnosis"]),
        acceptable=tuple(acceptable),
        answers=answers,
        unknown_questions=unknown,
        triage_min=data["triage_min"],
        citation=str(src.get("citation", "")),
        url=str(src.get("url", "")),
        kind=str(src.get("kind", "")),
    ), []


def case_files(directory: str | Path) -> list[Path]:
    """The case files of a set, in name order."""
    return sorted(Path(directory).glob("*.yaml"))


def set_hash(directory: str | Path) -> str:
    """SHA-256 over the case files' names and bytes: the frozen set's fingerprint."""
    h = hashlib.sha256()
    for f in case_files(directory):
        h.update(f.name.encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def load_real_cases(directory: str | Path, model: Model) -> tuple[RealCase, ...]:
    """Every real case of ``directory``, validated (InputError lists every problem)."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError([f"{directory}: no such folder; give the folder of real case files"])
    files = case_files(d)
    if not files:
        raise InputError([f"{directory}: no *.yaml case files found"])
    out, problems = [], []
    for f in files:
        case, bad = parse_real_case(f, model)
        problems.extend(bad)
        if case is not None:
            out.append(case)
    if problems:
        raise InputError(problems)
    return tuple(out)


def score_real(model: Model, case: RealCase) -> RealResult:
    """The model's result on one real case."""
    known = {c.id for c in model.causes}
    d = model.assess(case.answers)  # the ranking and triage of diagnose
    ranking = tuple((c.id, c.probability) for c in d.causes)
    right = {case.cause, *case.acceptable} & known if case.cause else set()
    outside = case.cause is None or case.cause not in known
    top3 = {c for c, _ in ranking[:3]}
    return RealResult(
        id=case.id,
        cause=case.cause,
        condition=case.condition,
        ranking=ranking,
        level=d.triage.level,
        triage_min=case.triage_min,
        scoreable=not outside and case.n_history >= MIN_ANSWERS,
        outside=outside,
        top1_ok=ranking[0][0] in right,
        top3_ok=bool(right & top3),
        accepted=frozenset(right),
    )


def evaluate_real(model: Model, cases: Sequence[RealCase]) -> RealEvaluation:
    """Top-1 and top-3 on the scoreable cases, triage on all, the thin and the unknown."""
    results = tuple(score_real(model, c) for c in cases)
    scored = [r for r in results if r.scoreable]
    per: dict[str, dict[str, int]] = {}
    for r in scored:
        row = per.setdefault(str(r.cause), {"n": 0, "top1": 0, "top3": 0})
        row["n"] += 1
        row["top1"] += r.top1_ok
        row["top3"] += r.top3_ok
    return RealEvaluation(
        n=len(results),
        scoreable=len(scored),
        top1=sum(r.top1_ok for r in scored),
        top3=sum(r.top3_ok for r in scored),
        under_triage=sum(r.under_triage for r in results),
        under_triage_scoreable=sum(r.under_triage for r in scored),
        over_triage=sum(r.over_triage for r in results),
        per_cause=dict(sorted(per.items())),
        thin=tuple(r.id for r in results if not r.scoreable and not r.outside),
        outside=tuple(r for r in results if r.outside),
        cases=results,
        reliability=reliability(results),
    )


def reliability(
    results: Sequence[RealResult], bins: Sequence[float] = RELIABILITY_BINS
) -> tuple[ReliabilityBin, ...]:
    """A reliability diagram over the scoreable real cases: every cause's predicted
    probability in every case, against whether it was the confirmed diagnosis (or one the
    case file accepts). What it can show: predictions that are too high where they matter
    (a wrong cause at 0.9). What it cannot: several causes can be present at once, yet only
    the confirmed one counts as present; published cases are selected (unusual, confirmed,
    mostly medical), so benign causes are almost never "observed"; and n is small."""
    pairs = [(p, cid in r.accepted) for r in results if r.scoreable for cid, p in r.ranking]
    out = []
    for k, (lo, hi) in enumerate(itertools.pairwise(bins)):
        last = k == len(bins) - 2
        inside = [(p, y) for p, y in pairs if lo <= p < hi or (last and p == hi)]
        n = len(inside)
        hits = sum(y for _, y in inside)
        mean = sum(p for p, _ in inside) / n if n else 0.0
        out.append(ReliabilityBin(lo, hi, n, mean, hits, wilson(hits, n)))
    return tuple(out)


def format_reliability(rel: Sequence[ReliabilityBin]) -> str:
    lines = [
        "reliability over the scoreable real cases (every cause in every case; observed ="
        " the confirmed diagnosis):",
        f"{'predicted':>12s} {'pairs':>6s} {'mean':>6s} {'observed':>9s}  95% interval",
    ]
    for b in rel:
        lo, hi = b.wilson95
        lines.append(
            f"{b.lo:5.1f}-{b.hi:<5.1f} {b.n:6d} {b.mean_predicted:6.2f}"
            f" {b.observed:4d} {b.observed_rate:4.0%}  {lo:.0%}-{hi:.0%}"
        )
    lines.append(
        "It can show predictions too high where they matter; it cannot show calibration of"
        " causes that published cases rarely confirm (benign ones), nor of causes present"
        " beside the confirmed one; the cases are few and selected, and the pairs of one case"
        " are not independent (the intervals are too narrow)."
    )
    return "\n".join(lines)


def _pct(k: int, n: int) -> str:
    """A count as "142/168 = 84.5% (95% CI 78%-89%)": one decimal, so that a rate just
    under a goal (84.5% against 85%) is not printed as the goal itself."""
    lo, hi = wilson(k, n)
    return f"{k}/{n} = {k / n if n else 0:.1%} (95% CI {lo:.0%}-{hi:.0%})"


def format_side_by_side(vig: Any, real: RealEvaluation) -> str:
    """Vignettes (our own reading) and real cases (the yardstick), one table."""
    vn = vig.n
    rows = [
        ("cases scored", str(vn), f"{real.scoreable} of {real.n}"),
        ("top-1", _pct(round(vig.top1 * vn), vn), _pct(real.top1, real.scoreable)),
        ("top-3", _pct(round(vig.top3 * vn), vn), _pct(real.top3, real.scoreable)),
        (
            "under-triage",
            str(vig.under_triage),
            f"{real.under_triage} of {real.n} ({real.under_triage_scoreable} of the "
            f"{real.scoreable} scoreable)",
        ),
    ]
    lines = [f"{'':16s} {'vignettes (own reading)':34s} real published cases"]
    lines += [f"{a:16s} {b:34s} {c}" for a, b, c in rows]
    return "\n".join(lines)


def format_real_report(real: RealEvaluation) -> str:
    """Plain text: misses, per-cause recall, thin cases and what the model did with the unknown."""
    lines = [
        f"real cases: {real.n}, scoreable {real.scoreable}",
        f"top-1: {_pct(real.top1, real.scoreable)}",
        f"top-3: {_pct(real.top3, real.scoreable)}",
        f"under-triage: {real.under_triage} of {real.n} ({real.under_triage_scoreable} of the "
        f"{real.scoreable} scoreable; a thin case cannot show a sign that was never asked); "
        f"over-triage (2+ levels): {real.over_triage}",
        "",
    ]
    if real.reliability:
        lines += [format_reliability(real.reliability), ""]
    misses = [r for r in real.cases if (r.scoreable and not r.top3_ok) or r.under_triage]
    if misses:
        lines.append("real cases off target:")
        for r in misses:
            top = ", ".join(f"{c} {p:.2f}" for c, p in r.ranking[:3])
            flags = " ".join(
                k
                for k, bad in (
                    ("top3", r.scoreable and not r.top3_ok),
                    ("under-triage", r.under_triage),
                )
                if bad
            )
            lines.append(
                f"  {r.id}: {flags}; got {top}, {r.level}; confirmed {r.cause or r.condition}, "
                f"at least {r.triage_min}"
            )
        lines.append("")
    lines.append(f"{'cause':26s} {'n':>3s} {'top1':>5s} {'top3':>5s}")
    for cause, row in real.per_cause.items():
        lines.append(f"{cause:26s} {row['n']:3d} {row['top1']:5d} {row['top3']:5d}")
    if real.thin:
        lines += [
            "",
            f"too thin to score (< {MIN_ANSWERS} answers beyond age and sex): "
            + ", ".join(real.thin),
        ]
    if real.outside:
        lines += ["", "conditions the network does not know (what the model did):"]
        for r in real.outside:
            sent = "sent to a professional" if r.level != "self_care" else "NOT sent (self_care)"
            lines.append(
                f"  {r.id}: {r.condition}: top {r.ranking[0][0]} {r.ranking[0][1]:.2f}, "
                f"{r.level}, {sent}"
            )
    return "\n".join(lines)
