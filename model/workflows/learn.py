"""Learning from confirmed cases: a new priors directory by Bayesian estimation.

``python -m model learn CONFIRMED.csv --out DIR --strength N`` reads a CSV with one row per
runner: answers (question-id columns, as for ``batch``) plus one ``cause_<id>`` column per
cause holding ``present`` or ``absent`` (also yes/no, 1/0, true/false). The current priors
act as Dirichlet pseudo-counts of equivalent sample size N (BDe): N imaginary cases drawn from
the current network, added to the real counts by pgmpy's ``BayesianEstimator``.

What is learnable in this parameterisation, and how:

- **Causes** (odds model: a base rate per population and odds ratios per risk-factor state;
  or a one-parent table). Every confirmed case has heavy legs, so its causes are a sample of
  P(causes | risk factors, heavy legs), not of P(causes | risk factors): each case is weighted
  by 1 / P(heavy legs | its causes) under the current network (inverse-probability weights,
  normalised to mean 1). The full table P(cause | risk parents) is estimated with pseudo-counts
  N x P(parents) x P(cause | parents), then projected back onto the odds model (a logistic
  fit weighted by the pseudo + real counts of each parent configuration); the new base rate of
  the cases' population is the fitted table's marginal. A case with an unanswered risk parent
  of a cause is left out for that cause.
- **Findings** (noisy-OR/noisy-MAX, Henrion's parameters). The leak is P(finding | none of its
  causes present) and each link P(finding | only that cause present): exactly the columns of
  the finding's full table for those parent configurations. They are estimated from the cases
  in those configurations, with pseudo-counts N x P(configuration | heavy legs) x the current
  column (no weighting needed: a finding depends on heavy legs only through the causes).
  Cases where several of a finding's causes are present carry no information on a single
  link in this estimator and are not used (an EM fit of the noisy-MAX would use them). The
  estimates are then projected onto the noisy-MAX constraints the loader checks (a cause can
  only push the finding upward).
- Not learned: ``heavy_legs`` (every case has it, so its links cannot be estimated), the
  risk factors' priors (they describe who uses the app, shared by both populations), triage
  rules and question bins.

Every changed number keeps its ``source``/``estimate`` and gets a ``note`` "learned from K
confirmed cases (strength N; was X)". pgmpy stays in ``model/pgmpy_io.py`` (the estimator too).
"""

from __future__ import annotations

import math
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..api import Model
from ..errors import InputError, PriorsError
from ..kb import HEAVY_LEGS
from ..kb.schema import BASE_RATE_MAX, BASE_RATE_MIN, ODDS_RATIO_MAX, ODDS_RATIO_MIN
from ..kb.yamlread import load_yaml
from ..pgmpy_io import estimate_dirichlet
from ..reasoning.evidence import show_value

CAUSE_PREFIX = "cause_"
PRESENT = {"present", "yes", "1", "true"}
ABSENT = {"absent", "no", "0", "false"}
SIG = 4  # significant digits of learned numbers


@dataclass(frozen=True)
class Change:
    """One number of the priors that learning changed."""

    file: str
    key: str
    old: float
    new: float


@dataclass(frozen=True)
class LearnResult:
    """What ``learn`` wrote and why."""

    out_dir: Path
    cases: int  # rows used
    rows: int  # rows read
    strength: float
    population: str
    changes: tuple[Change, ...]
    problems: tuple[str, ...]  # rows or answers left out, one line each

    def summary(self) -> str:
        return (
            f"learned from {self.cases} confirmed cases ({self.rows} rows read, strength "
            f"{self.strength:g}, population {self.population}): {len(self.changes)} "
            f"numbers changed -> {self.out_dir}"
        )


# ----------------------------------------------------------------------------- reading
def _read_cases(model: Model, src: Path) -> tuple[list[dict[str, Any]], np.ndarray, int, list[str]]:
    """(clean answers per used row, cause matrix (rows, causes) of 0/1, rows read, problems)."""
    from difflib import get_close_matches

    from ..reasoning.evidence import validate_answers
    from .batch import _rows, row_answers

    header, rows = _rows(src)
    cause_ids = [c.id for c in model.causes]
    want = [CAUSE_PREFIX + c for c in cause_ids]
    problems: list[str] = []
    for h in header:
        if h.startswith(CAUSE_PREFIX) and h not in want:
            close = get_close_matches(h, want, n=1)
            problems.append(
                f"{src}: column {h!r} is not a cause"
                + (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else "; use cause_<id> with the ids of interface.md section 1"
                )
            )
    missing = [w for w in want if w not in header]
    if missing:
        problems.append(
            f"{src}: no column(s) {', '.join(missing)}; add one cause_<id> column "
            "per cause holding present or absent"
        )
    if problems:
        raise InputError(problems)
    idx = [header.index(w) for w in want]
    answers: list[dict[str, Any]] = []
    causes: list[list[int]] = []
    n = 0
    for row in rows:
        n += 1
        where = f"row {n + 1}"
        if row and row[0] == "\0error":
            problems.append(f"{where}: unreadable ({row[1]}); left out")
            continue
        status: list[int] = []
        bad = []
        for c, i in zip(cause_ids, idx, strict=True):
            cell = row[i].strip().lower() if i < len(row) else ""
            if cell in PRESENT:
                status.append(1)
            elif cell in ABSENT:
                status.append(0)
            else:
                bad.append(f"cause_{c} {cell!r}" if cell else f"cause_{c} empty")
        if bad:
            problems.append(
                f"{where}: {', '.join(bad)} is not present or absent; the row is "
                "left out (confirm every cause)"
            )
            continue
        raw, extra = row_answers(header, row, model.question_map)
        clean, bad_answers = validate_answers(model.question_map, raw)
        for p in extra + bad_answers:
            problems.append(f"{where}: {p} (that answer is left out)")
        answers.append(clean)
        causes.append(status)
    return answers, np.array(causes, dtype=int).reshape(-1, len(cause_ids)), n, problems


# ----------------------------------------------------------------------------- estimation
def _quiet() -> Any:
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore")
    return ctx


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _fit_odds(
    target: np.ndarray, weight: np.ndarray, cards: list[int], fixed: list[dict[int, float]]
) -> tuple[float, list[np.ndarray]]:
    """Project a table P(present | parents) onto the additive log-odds model.

    Minimises the weighted cross-entropy; ``fixed[j]`` pins some log odds ratios of parent j
    (the gauge: the reference states keep log OR 0). Returns (intercept, log ORs per parent).
    """
    from scipy.optimize import minimize

    free = [[s for s in range(k) if s not in fixed[j]] for j, k in enumerate(cards)]
    n_par = 1 + sum(len(f) for f in free)
    m = len(cards)

    def unpack(theta: np.ndarray) -> tuple[float, list[np.ndarray]]:
        betas, i = [], 1
        for j, k in enumerate(cards):
            b = np.zeros(k)
            for s, v in fixed[j].items():
                b[s] = v
            for s in free[j]:
                b[s] = theta[i]
                i += 1
            betas.append(b)
        return float(theta[0]), betas

    def eta(alpha: float, betas: list[np.ndarray]) -> np.ndarray:
        e = np.full(cards, alpha) if m else np.array(alpha)
        for j, b in enumerate(betas):
            e = e + b.reshape([-1 if i == j else 1 for i in range(m)])
        return e

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        alpha, betas = unpack(theta)
        p = np.clip(_sigmoid(eta(alpha, betas)), 1e-15, 1 - 1e-15)
        val = -float(np.sum(weight * (target * np.log(p) + (1 - target) * np.log1p(-p))))
        r = weight * (p - target)  # d loss / d eta
        grad = [float(r.sum())]
        for j in range(m):
            per_state = r.sum(axis=tuple(i for i in range(m) if i != j))
            grad += [float(per_state[s]) for s in free[j]]
        return val, np.array(grad)

    total = float(np.sum(weight))
    p0 = float(np.sum(weight * target) / total)
    theta0 = np.zeros(n_par)
    theta0[0] = math.log(p0 / (1 - p0))
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B")
    return unpack(res.x)


def _project_noisy(leak: np.ndarray, given: np.ndarray) -> np.ndarray:
    """The closest link distribution that only pushes the finding upward (noisy-MAX)."""
    cum_l = np.cumsum(leak)[:-1]
    cum_c = np.cumsum(given)[:-1]
    q = np.divide(cum_c, cum_l, out=np.ones_like(cum_c), where=cum_l > 0)
    q = np.maximum.accumulate(np.clip(q, 0.0, 1.0))
    cdf = np.append(q * cum_l, 1.0)
    return np.diff(cdf, prepend=0.0)


def _crosses(dist: np.ndarray, leak: np.ndarray) -> bool:
    """Whether a link distribution makes some lower states more likely than the leak does
    (what noisy-MAX forbids: a cause can only push the finding upward)."""
    return bool(np.any(np.cumsum(dist)[:-1] > np.cumsum(leak)[:-1] + 1e-12))


def _round(x: float) -> float:
    return float(f"{x:.{SIG}g}")


def _dist(p: np.ndarray) -> np.ndarray:
    """A distribution at full precision (rounding could break the noisy-MAX constraints)."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, None)
    return p / p.sum()


def _note(old_note: str | None, k: int, strength: float, was: str) -> str:
    text = f"learned from {k} confirmed cases (strength {strength:g}; was {was})"
    return text + (f"; {old_note}" if old_note else "")


# ----------------------------------------------------------------------------- main
STRENGTH_RANGE = (1.0, 1_000_000.0)  # equivalent sample size of the current priors


def check_strength(strength: Any) -> float:
    """The strength as a float in ``STRENGTH_RANGE``; else InputError (checked before
    anything is read or written)."""
    lo, hi = STRENGTH_RANGE
    if (
        isinstance(strength, bool)
        or not isinstance(strength, int | float)
        or not lo <= strength <= hi  # before isfinite: a huge int cannot become a float
        or not math.isfinite(strength)
    ):
        raise InputError(
            [
                f"--strength {show_value(strength)} must be a positive number from {lo:g} to "
                f"{hi:,.0f} (the "
                "equivalent sample size of the current priors, e.g. 100): below 1 a handful "
                "of cases would override the literature, above a million no case would count"
            ]
        )
    return float(strength)


def _check_inputs(strength: float, k_cases: int) -> None:
    check_strength(strength)
    if k_cases == 0:
        raise InputError(
            ["no usable confirmed cases; each row needs every cause_<id> as present or absent"]
        )


def _frame(model: Model, answers: list[dict[str, Any]], causes: np.ndarray) -> Any:
    """The cases as node states (a DataFrame), with inverse-probability weights
    (``_weight``) for the selection on heavy legs."""
    import pandas as pd

    from ..reasoning.evidence import state_of

    kb = model.kb
    qmap = model.question_map
    frame: dict[str, list[Any]] = {}
    for node in [*(r for r in kb.risk_factors), *(f.id for f in kb.findings)]:
        if node == HEAVY_LEGS:
            continue
        frame[node] = [state_of(qmap[node], a[node]) if node in a else None for a in answers]
    for j, c in enumerate([x.id for x in model.causes]):
        frame[c] = ["present" if v else "absent" for v in causes[:, j]]
    data = pd.DataFrame(frame)
    hl = model.network.node_map[HEAVY_LEGS]
    p_heavy = hl.probs_at(np.asarray(causes, dtype=np.int64))[:, 1]
    w = 1.0 / p_heavy
    data["_weight"] = w / w.mean()
    return data


@dataclass
class _Run:
    """What every step of one learning run shares."""

    model: Model
    data: Any
    strength: float
    states: dict[str, list[str]]
    changes: list[Change]

    def note(
        self,
        entry: dict[str, Any],
        n: int,
        old: float,
        new: float,
        file: str,
        key: str,
        field: str = "p",
    ) -> None:
        """Set a changed number (rounded) with its note, and record the change."""
        if _round(new) != _round(old):
            entry[field] = _round(new)
            entry["note"] = _note(entry.get("note"), n, self.strength, f"{old:g}")
            self.changes.append(Change(file, key, old, _round(new)))


def _learn_odds(
    run: _Run,
    cdef: Any,
    spec: dict[str, Any],
    post: np.ndarray,
    weight: np.ndarray,
    p_u: np.ndarray,
    n_used: int,
) -> None:
    """Refit a cause's odds model (base rate and odds ratios) to the learned table."""
    cid, parents, states = cdef.id, list(cdef.parents), run.states
    ors = spec.get("odds_ratios") or {}
    fixed = []
    for p in parents:
        listed = ors.get(p, {})
        ref = {s_i: 0.0 for s_i, s in enumerate(states[p]) if s not in listed}
        if not ref:  # every state listed: pin the first at its current value
            ref = {0: math.log(float(listed[states[p][0]]["value"]))}
        fixed.append(ref)
    alpha, betas = _fit_odds(post[..., 1], weight, [len(states[p]) for p in parents], fixed)
    eta = np.full([len(states[p]) for p in parents], alpha) if parents else np.array(alpha)
    for j, b in enumerate(betas):
        eta = eta + b.reshape([-1 if i == j else 1 for i in range(len(parents))])
    rate = float(np.sum(p_u * _sigmoid(eta)))
    pop = run.model.population
    entry = spec["base_rate"][pop]
    new = min(max(rate, BASE_RATE_MIN), BASE_RATE_MAX)  # the range the priors accept
    run.note(entry, n_used, float(entry["p"]), new, "causes.yaml", f"{cid}.base_rate.{pop}")
    for j, p in enumerate(parents):
        for s, e in ors.get(p, {}).items():
            s_i = states[p].index(s)
            if s_i not in fixed[j]:
                key = f"{cid}.odds_ratios.{p}.{s}"
                new = min(max(math.exp(betas[j][s_i]), ODDS_RATIO_MIN), ODDS_RATIO_MAX)
                run.note(e, n_used, float(e["value"]), new, "causes.yaml", key, "value")


def _learn_cause(run: _Run, cdef: Any, spec: dict[str, Any]) -> None:
    """One cause's table from the cases (Dirichlet pseudo-counts from the current one)."""
    kb, cid = run.model.kb, cdef.id
    parents = list(cdef.parents)
    cols = [*parents, cid]
    sub = run.data[[*cols, "_weight"]].dropna()
    if sub.empty:
        return
    p_u = np.ones(())
    for arr in [kb.risk_factors[p][1] for p in parents]:
        p_u = np.multiply.outer(p_u, arr)
    pseudo = run.strength * p_u[..., None] * run.model.network.node_map[cid].table
    st = {p: run.states[p] for p in parents} | {cid: ["absent", "present"]}
    post, counts = estimate_dirichlet(cid, parents, st, sub[cols + ["_weight"]], pseudo, True)
    if cdef.table is None:
        weight = pseudo.sum(axis=-1) + counts.sum(axis=-1)
        _learn_odds(run, cdef, spec, post, weight, p_u, len(sub))
        return
    for s_i, s in enumerate(run.states[parents[0]]):
        entry = spec["table"]["p_present"][s]
        key = f"{cid}.table.p_present.{s}"
        run.note(entry, len(sub), float(entry["p"]), float(post[s_i, 1]), "causes.yaml", key)


def _configurations(
    run: _Run, f: Any, causes: np.ndarray, prior: tuple[Any, Any]
) -> tuple[np.ndarray, list[str], list[float]]:
    """Each case's configuration of the finding's causes (none, only one of them, mixed),
    the labels, and the prior probability of each configuration."""
    eng = run.model.engine
    cause_ids = list(eng.cause_ids)
    present = causes[:, [cause_ids.index(c) for c in f.parents]]
    n_present = present.sum(axis=1)
    labels = ["none", *(f"only_{c}" for c in f.parents), "mixed"]
    config = np.where(n_present == 0, "none", "mixed").astype(object)
    for j, c in enumerate(f.parents):
        config[(n_present == 1) & (present[:, j] == 1)] = f"only_{c}"
    axes = tuple(eng.axis[c] for c in f.parents)
    post, ev = prior
    marg = eng.marginal(post, ev, sorted(axes))  # over the sorted axes, no 2**n joint
    marg = np.transpose(marg, np.argsort(np.argsort(axes)))
    p_cfg = [float(marg[(0,) * len(axes)])]
    for j in range(len(axes)):
        one = [0] * len(axes)
        one[j] = 1
        p_cfg.append(float(marg[tuple(one)]))
    p_cfg.append(max(0.0, 1.0 - sum(p_cfg)))
    return config, labels, p_cfg


def _learn_finding(
    run: _Run, f: Any, spec: dict[str, Any], causes: np.ndarray, prior: tuple[Any, Any]
) -> None:
    """A finding's leak and each "only this cause" column from the cases."""
    import pandas as pd

    rows_f = run.data[f.id].notna().to_numpy()
    if not rows_f.any():
        return
    config, labels, p_cfg = _configurations(run, f, causes, prior)
    k = len(f.states)
    current = np.vstack([f.leak, f.given, np.full(k, 1.0 / k)])
    pseudo = run.strength * np.array(p_cfg)[:, None] * current
    sub = pd.DataFrame({"config": config[rows_f], f.id: run.data[f.id][rows_f]})
    st = {"config": labels, f.id: list(f.states)}
    post, counts = estimate_dirichlet(f.id, ["config"], st, sub, pseudo, False)
    n_cfg = counts.sum(axis=-1)
    leak = f.leak
    if n_cfg[0] > 0:
        learned = _dist(post[0])
        # the links are projected onto the leak the file keeps: a learned leak within the
        # write threshold of the old one is not written, and a link pushed against it could
        # then cross the old one (a learned folder that failed validation)
        if _set_link(
            spec["leak"],
            f.states,
            f.leak,
            learned,
            int(n_cfg[0]),
            run.strength,
            f"{f.id}.leak",
            run.changes,
        ):
            leak = learned
    for j, c in enumerate(f.parents):
        if n_cfg[j + 1] == 0 and n_cfg[0] == 0:
            continue
        base = post[j + 1] if n_cfg[j + 1] > 0 else f.given[j]
        new_dist = _project_noisy(leak, _dist(base))
        if _crosses(new_dist, leak):
            new_dist = np.array(leak)  # rounding pushed below the leak: no effect
        _set_link(
            spec["links"][c],
            f.states,
            f.given[j],
            new_dist,
            int(n_cfg[j + 1]),
            run.strength,
            f"{f.id}.links.{c}",
            run.changes,
            # a link left as it was must still hold against a leak that was written
            force=_crosses(f.given[j], leak),
        )


def _write_priors(out_dir: Path, priors_dir: Path, files: dict[str, Any], header: str) -> None:
    """Write the priors with the learned files into a temporary folder beside ``out_dir``,
    check that it loads, and only then rename it to ``out_dir`` (:mod:`.safeio`): a failure
    or an interruption leaves no folder behind."""
    from ..kb import load_knowledge_base
    from .safeio import atomic_directory

    with atomic_directory(out_dir) as tmp:
        shutil.copytree(priors_dir, tmp, dirs_exist_ok=True)
        for name, obj in files.items():
            text = yaml.safe_dump(
                obj, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
            )
            (tmp / name).write_text(header + text, encoding="utf-8")
        try:
            load_knowledge_base(tmp)
        except PriorsError as exc:
            raise PriorsError(
                [
                    f"learned priors for {out_dir} do not validate (nothing was written; "
                    f"please report): {p}"
                    for p in exc.problems
                ]
            ) from None


# a finding's links are learned from the posterior over its causes' configurations (a
# marginal over its parents, 2**parents configurations per term sum): up to this many
LEARN_MAX_PARENTS = 8


def learn(
    model: Model,
    answers: list[dict[str, Any]],
    causes: np.ndarray,
    out_dir: Path,
    *,
    strength: float,
    priors_dir: Path,
    problems: list[str] | None = None,
    rows: int | None = None,
) -> LearnResult:
    """Write a learned priors directory (see the module docstring) and validate it."""
    kb = model.kb
    k_cases = len(answers)
    _check_inputs(strength, k_cases)
    states = {n.id: list(n.states) for n in model.network.nodes}
    run = _Run(model, _frame(model, answers, causes), strength, states, [])
    ctx = _quiet()
    try:
        causes_yaml = load_yaml(priors_dir / "causes.yaml")
        findings_yaml = load_yaml(priors_dir / "findings.yaml")
        for cdef in kb.causes:
            _learn_cause(run, cdef, causes_yaml["causes"][cdef.id])
        eng = model.engine
        prior_ev = {HEAVY_LEGS: eng.one_hot(HEAVY_LEGS, "yes")}
        prior = (eng.posterior(prior_ev), prior_ev)
        problems = list(problems or ())
        for f in kb.findings:
            if f.id == HEAVY_LEGS or f.id not in run.data:
                continue
            if len(f.parents) > LEARN_MAX_PARENTS:
                problems.append(
                    f"{f.id}: kept as it was ({len(f.parents)} linked causes; learning its "
                    f"links needs the joint of its causes, at most {LEARN_MAX_PARENTS} here)"
                )
                continue
            _learn_finding(run, f, findings_yaml["findings"][f.id], causes, prior)
    finally:
        ctx.__exit__(None, None, None)
    header = (
        f"# Learned by `python -m model learn` from {k_cases} confirmed cases "
        f"(population {model.population}, strength {strength:g}), starting from {priors_dir} "
        f"(version {kb.version}). Changed numbers carry a note.\n"
    )
    files = {"causes.yaml": causes_yaml, "findings.yaml": findings_yaml}
    _write_priors(out_dir, priors_dir, files, header)
    return LearnResult(
        out_dir,
        k_cases,
        rows if rows is not None else k_cases,
        strength,
        model.population,
        tuple(run.changes),
        tuple(problems),
    )


def _set_link(
    entry: dict[str, Any],
    states: tuple[str, ...],
    old: np.ndarray,
    new: np.ndarray,
    n: int,
    strength: float,
    key: str,
    changes: list[Change],
    force: bool = False,
) -> bool:
    """Write a learned leak/link distribution into its YAML entry if it changed (by 5e-5 or
    more somewhere, or ``force``); whether it was written."""
    if "p" in entry:
        i = 1  # `p` is the second of two states (the loader reads it as [1 - p, p])
        o, v = float(old[i]), float(new[i])
        if abs(v - o) < 5e-5 and not force:
            return False
        entry["p"] = v
        entry["note"] = _note(entry.get("note"), n, strength, f"{o:g}")
        changes.append(Change("findings.yaml", key, o, v))
        return True
    probs = {s: float(x) for s, x in zip(states, new, strict=True)}
    if not force and all(abs(probs[s] - float(old[i])) < 5e-5 for i, s in enumerate(states)):
        return False
    was = ", ".join(f"{s} {float(old[i]):g}" for i, s in enumerate(states))
    entry["probs"] = {s: probs[s] for s in entry["probs"]}
    entry["note"] = _note(entry.get("note"), n, strength, was)
    for i, s in enumerate(states):
        if abs(probs[s] - float(old[i])) >= 5e-5:
            changes.append(Change("findings.yaml", f"{key}.{s}", float(old[i]), probs[s]))
    return True


def learn_csv(
    src: Path,
    out_dir: Path,
    *,
    strength: float,
    population: str = "clinic",
    priors_dir: str | Path | None = None,
    progress: bool = False,
) -> LearnResult:
    """Read confirmed cases from a CSV and write the learned priors to ``out_dir``.

    Raises
    ------
    InputError
        Missing cause columns, no usable rows, a bad strength, or an existing non-empty
        ``out_dir``.
    """
    from ..api import load_model
    from ..kb import default_priors_dir

    src, out_dir = Path(src), Path(out_dir)
    strength = check_strength(strength)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError(
            [
                f"{out_dir}: exists and is not an empty folder; choose a new --out "
                "folder (the current priors are never overwritten)"
            ]
        )
    if not out_dir.parent.exists():
        raise InputError([f"{out_dir}: folder {out_dir.parent} does not exist; create it"])
    pdir = Path(priors_dir) if priors_dir is not None else default_priors_dir()
    model = load_model(population=population, priors_dir=pdir)
    answers, causes, n, problems = _read_cases(model, src)
    if progress:
        print(f"read {n} rows, {len(answers)} usable; estimating...", file=sys.stderr)
    return learn(
        model,
        answers,
        causes,
        out_dir,
        strength=strength,
        priors_dir=pdir,
        problems=problems,
        rows=n,
    )


# ----------------------------------------------------------------------------- sampling
def sample_cases(model: Model, n: int, seed: int = 0, answer_rate: float = 1.0) -> Any:
    """Cases drawn from the model's network, kept only with heavy legs (rejection sampling).

    Returns a DataFrame with one column per question (numbers as a value inside the bin;
    each answer kept with probability ``answer_rate``, else empty) and ``cause_<id>`` columns.
    Used to test learning and to make example files.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    nodes = model.network.nodes
    qmap = model.question_map
    out: dict[str, list[np.ndarray]] = {}
    kept = 0
    while kept < n:
        m = max(64, 2 * (n - kept))
        val: dict[str, np.ndarray] = {}
        for node in nodes:
            if node.kind == "helper":
                continue
            if node.parents:
                probs = node.probs_at(np.stack([val[p] for p in node.parents], axis=1))
            else:
                probs = np.broadcast_to(node.table, (m, len(node.states)))
            u = rng.random((m, 1))
            val[node.id] = np.minimum(
                (np.cumsum(probs, axis=-1) < u).sum(axis=-1), len(node.states) - 1
            )
        keep = val[HEAVY_LEGS] == 1
        for k, v in val.items():
            out.setdefault(k, []).append(v[keep])
        kept += int(keep.sum())
    frame: dict[str, Any] = {}
    for q in model.questions:
        idx = np.concatenate(out[q.id])[:n]
        node_states = model.network.node_map[q.id].states
        values = [_value_for(qmap[q.id], node_states[i]) for i in idx]
        mask = rng.random(n) < answer_rate
        frame[q.id] = [v if keep_it else "" for v, keep_it in zip(values, mask, strict=True)]
    for c in model.causes:
        frame[CAUSE_PREFIX + c.id] = np.where(
            np.concatenate(out[c.id])[:n] == 1, "present", "absent"
        )
    return pd.DataFrame(frame)


def _value_for(q: Any, state: str) -> Any:
    """An answer that maps to ``state`` (for numbers: the lower edge of the bin)."""
    if q.type != "number":
        return state
    lo = q.min
    for s, below in q.bins:
        if s == state:
            return int(lo) if float(lo).is_integer() else lo
        lo = below
    raise ValueError(f"{q.id}: no bin {state}")


__all__ = ["Change", "LearnResult", "learn", "learn_csv", "sample_cases"]
