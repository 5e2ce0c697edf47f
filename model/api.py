"""The public Python API: ``load_model()`` and :class:`Model`."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .diagnosis import CauseResult, Diagnosis, QuestionGain
from .engine import Case, Engine, Posterior
from .errors import InputError
from .network import Network, _table_from_cdfs, build_network, cause_table
from .priors import DEFAULT_POPULATION, HEAVY_LEGS, KnowledgeBase, Question, load_knowledge_base
from .questions import check_answer, state_of, validate_answers
from .reasoning import (
    MIN_HELPFUL,
    TRACKED,
    ConclusionChange,
    Contribution,
    Explanation,
    HelpfulChange,
    Outcome,
    SensitivityRow,
    WhatIf,
    conflict,
    contribution_text,
    logit,
    stop_advice,
)
from .triage import triage

CACHE_SIZE = 4096
MIN_CONFIDENCE = 0.5


class Model:
    """A compiled, immutable diagnostic model for one population.

    Queries are pure functions of the answers, so one model can serve every user and thread.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        population: str = DEFAULT_POPULATION,
        base_rates: Mapping[str, float] | None = None,
    ) -> None:
        self.kb = kb
        self.population = population
        self.base_rates = MappingProxyType(dict(base_rates or {}))
        self.network: Network = build_network(kb, population, self.base_rates)
        self.engine = Engine(self.network)
        self.questions: tuple[Question, ...] = kb.questions
        self.question_map = MappingProxyType({q.id: q for q in kb.questions})
        self.causes = kb.causes
        self.cause_map = MappingProxyType({c.id: c for c in kb.causes})
        self.modifiable: tuple[str, ...] = tuple(
            q.id for q in kb.questions if q.modifiable and q.id in self.engine.risk_ids
        )
        self.version = kb.version + ("" if not base_rates else "+adjusted")
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._diagnose_clean)
        self._prior = self.engine.posterior({HEAVY_LEGS: self.engine.one_hot(HEAVY_LEGS, "yes")})

    def __repr__(self) -> str:
        return f"Model(population={self.population!r}, version={self.version!r})"

    # ------------------------------------------------------------------ answers -> evidence
    def validate(self, answers: Any) -> tuple[dict[str, Any], list[str]]:
        """(valid answers, one problem line per invalid answer); nothing is raised."""
        return validate_answers(self.question_map, answers)

    def validate_confidence(
        self, confidence: Any, answers: Mapping[str, Any]
    ) -> tuple[dict[str, float], list[str]]:
        """Confidences 0.5-1 for answered questions; (valid ones, problems)."""
        if confidence is None:
            return {}, []
        if not isinstance(confidence, Mapping):
            return {}, ["confidence must map question ids to numbers from 0.5 to 1"]
        ok: dict[str, float] = {}
        problems: list[str] = []
        for qid, c in confidence.items():
            if qid not in self.question_map:
                problems.append(f"confidence: {str(qid)[:60]!r} is not a question")
            elif qid not in answers:
                problems.append(
                    f"confidence: {qid} has no answer; answer it or drop its confidence"
                )
            elif (
                isinstance(c, bool)
                or not isinstance(c, int | float)
                or not math.isfinite(c)
                or not MIN_CONFIDENCE <= c <= 1
            ):
                problems.append(
                    f"confidence: {qid}: {c!r} must be a number from 0.5 (a guess) to 1 (sure)"
                )
            elif c < 1:
                ok[qid] = float(c)
        return ok, problems

    def evidence_for(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Hard evidence on network nodes for clean answers, with ``heavy_legs = yes``."""
        ev = {qid: state_of(self.question_map[qid], v) for qid, v in answers.items()}
        ev[HEAVY_LEGS] = "yes"
        return dict(sorted(ev.items()))

    def likelihoods(
        self, answers: Mapping[str, Any], confidence: Mapping[str, float]
    ) -> dict[str, np.ndarray]:
        """Evidence as likelihood vectors: one-hot for sure answers, virtual evidence
        (confidence on the answer, the rest spread evenly) for soft ones."""
        out: dict[str, np.ndarray] = {}
        for node, state in self.evidence_for(answers).items():
            v = self.engine.one_hot(node, state)
            c = confidence.get(node)
            if c is not None:
                k = len(v)
                v = np.where(v > 0, c, (1.0 - c) / (k - 1))
            out[node] = v
        return out

    def posterior(
        self, answers: Mapping[str, Any], confidence: Mapping[str, float] | None = None
    ) -> Posterior:
        clean, conf = self._require(answers, confidence)
        return self.engine.posterior(self.likelihoods(clean, conf))

    def _require(
        self, answers: Any, confidence: Any = None
    ) -> tuple[dict[str, Any], dict[str, float]]:
        clean, problems = self.validate(answers)
        conf, more = self.validate_confidence(confidence, clean)
        if problems or more:
            raise InputError(problems + more)
        return clean, conf

    # ------------------------------------------------------------------ diagnosis
    def diagnose(
        self,
        answers: Mapping[str, Any] | None = None,
        confidence: Mapping[str, float] | None = None,
    ) -> Diagnosis:
        """Rank every cause for the answers (contract sections 2 and 5).

        ``confidence`` optionally gives, per answered question, how sure the answer is
        (0.5-1); below 1 it enters as virtual (likelihood) evidence.

        Raises
        ------
        InputError
            One line per bad answer, each naming the fix.
        """
        clean, conf = self._require({} if answers is None else answers, confidence)
        return self._cached(tuple(sorted(clean.items())), tuple(sorted(conf.items())))

    def _label(self, node: str, state: str) -> str:
        q = self.question_map.get(node)
        return q.state_label(state) if q else state

    @cached_property
    def _single_answer_logp(self) -> dict[str, np.ndarray]:
        """log P(question node = state | heavy legs) for every question (for the conflict)."""
        ev = {HEAVY_LEGS: self.engine.one_hot(HEAVY_LEGS, "yes")}
        with np.errstate(divide="ignore"):
            return {
                q.id: np.log(self.engine.node_distribution(self._prior, ev, q.id))
                for q in self.questions
            }

    def _diagnose_clean(
        self, key: tuple[tuple[str, Any], ...], conf_key: tuple[tuple[str, float], ...] = ()
    ) -> Diagnosis:
        eng = self.engine
        clean = dict(key)
        conf = dict(conf_key)
        ev_states = self.evidence_for(clean)
        ev = self.likelihoods(clean, conf)
        case = eng.case(ev)
        post = eng.posterior(case)
        probs = {c: float(p) for c, p in zip(eng.cause_ids, post.marginals, strict=True)}
        priors = self.priors
        causes = tuple(
            sorted(
                (
                    CauseResult(c.id, c.group, c.label, probs[c.id], priors[c.id])
                    for c in self.causes
                ),
                key=lambda r: (-r.probability, r.id),
            )
        )
        top_ids = [c.id for c in causes[:TRACKED]]
        tracked_axes = sorted(eng.axis[c] for c in top_ids)
        tracked_ids = [eng.cause_ids[a] for a in tracked_axes]

        # why we ask: exact gain and per-answer effect of every unanswered question
        gains: list[QuestionGain] = []
        best_change: tuple[float, ConclusionChange] | None = None
        top = causes[0]
        open_qs = [q for q in self.questions if q.id not in clean]
        previews = eng.previews(post, case, [q.id for q in open_qs], tracked_axes)
        for q, pv in zip(open_qs, previews, strict=True):
            outcomes = []
            for s, state in enumerate(eng.states[q.id]):
                after = dict(zip(tracked_ids, pv.tracked[s].tolist(), strict=True))
                outcomes.append(
                    Outcome(
                        state,
                        q.state_label(state),
                        float(pv.p_state[s]),
                        tuple((c, after[c]) for c in top_ids),
                    )
                )
                if pv.p_state[s] <= 1e-9 or len(top_ids) < 2:
                    continue
                p_old = after[top.id]
                rival = max((c for c in top_ids if c != top.id), key=lambda c: after[c])
                flips = after[rival] > p_old or (top.probability >= 0.5 > p_old)
                drop = top.probability - p_old
                if flips and (best_change is None or drop > best_change[0]):
                    new_top = rival if after[rival] > p_old else top.id
                    text = (
                        f"If you answered \u201c{q.state_label(state)}\u201d to "
                        f"\u201c{q.text}\u201d ({pv.p_state[s]:.0%} likely), "
                        f"{top.label.lower()} would fall from {top.probability:.0%} to "
                        f"{p_old:.0%}"
                        + (
                            f" and {self.cause_map[new_top].label.lower()} "
                            f"would lead ({after[new_top]:.0%})."
                            if new_top != top.id
                            else "."
                        )
                    )
                    best_change = (
                        drop,
                        ConclusionChange(
                            q.id,
                            state,
                            q.state_label(state),
                            float(pv.p_state[s]),
                            top.id,
                            top.probability,
                            new_top,
                            p_old,
                            text,
                        ),
                    )
            gains.append(QuestionGain(q.id, pv.gain, q.text, q.group, tuple(outcomes)))
        gains.sort(key=lambda g: (-g.expected_information_gain, g.id))

        # why: log-odds change when each answer is withdrawn
        answered = [n for n in clean]
        explanations: list[Explanation] = []
        if answered:
            without, log_z_without = eng.withdrawn(post, case, answered)
            lo_all = logit(post.marginals)
            lo_without = logit(without)
            for c in self.causes:
                i = eng.axis[c.id]
                contribs = []
                for k, qid in enumerate(answered):
                    d = float(lo_all[i] - lo_without[k, i])
                    q = self.question_map[qid]
                    lab = q.state_label(ev_states[qid]) if q.type != "number" else str(clean[qid])
                    contribs.append(
                        Contribution(qid, clean[qid], d, contribution_text(c.label, q.text, lab, d))
                    )
                contribs.sort(key=lambda x: (-abs(x.delta_log_odds), x.question))
                explanations.append(Explanation(c.id, tuple(contribs)))
        else:
            explanations = [Explanation(c.id, ()) for c in self.causes]

        tri = triage(self.kb, clean, probs)
        stop = stop_advice(
            top.probability,
            gains[0].expected_information_gain if gains else 0.0,
            tri.level,
            len(gains),
        )
        singles = {}
        for node, lik in ev.items():
            if node == HEAVY_LEGS:
                continue
            lp = self._single_answer_logp[node]
            singles[node] = float(np.log(np.exp(lp) @ lik))
        log_joint = post.log_evidence - self._prior.log_evidence
        # conflict of each answer with the rest: log P(a_i) P(rest) / P(all), given heavy legs
        local = (
            {
                qid: singles[qid] + float(log_z_without[k]) - post.log_evidence
                for k, qid in enumerate(answered)
            }
            if answered
            else {}
        )
        conf_res = conflict(log_joint, singles, local)
        helpful = self._helpful_changes(clean, case)
        return Diagnosis(
            causes=causes,
            triage=tri,
            next_questions=tuple(gains),
            evidence=tuple((k, s) for k, s in ev_states.items() if k not in conf),
            answers=key,
            population=self.population,
            model_version=self.version,
            log_evidence=post.log_evidence,
            virtual_evidence=tuple((k, tuple(float(x) for x in ev[k])) for k in sorted(conf)),
            confidence=conf_key,
            explanations=tuple(explanations),
            what_would_change=best_change[1] if best_change else None,
            stop=stop,
            conflict=conf_res,
            helpful_changes=helpful,
        )

    @cached_property
    def priors(self) -> dict[str, float]:
        """P(cause present | heavy legs) with no answers."""
        return {
            c: float(p) for c, p in zip(self.engine.cause_ids, self._prior.marginals, strict=True)
        }

    # ------------------------------------------------------------------ what-if
    def _background(
        self, clean: Mapping[str, Any], conf: Mapping[str, float]
    ) -> dict[str, np.ndarray]:
        lik = self.likelihoods(clean, conf)
        return {k: v for k, v in lik.items() if k in self.engine.risk_ids}

    def what_if(
        self,
        answers: Mapping[str, Any],
        changes: Mapping[str, Any],
        confidence: Mapping[str, float] | None = None,
    ) -> WhatIf:
        """Chance of heavy legs and of each cause if the runner set the modifiable factors in
        ``changes`` (answers as in the contract), as an intervention do(factor = value),
        given their other background and training answers.

        Raises
        ------
        InputError
            For a factor that is not modifiable or a bad value.
        """
        clean, conf = self._require(answers, confidence)
        if not isinstance(changes, Mapping):
            raise InputError(["changes must map modifiable question ids to values"])
        problems = []
        states: dict[str, str] = {}
        for qid, value in changes.items():
            if qid not in self.modifiable:
                problems.append(
                    f"what-if: {str(qid)[:60]!r} is not a modifiable factor; use one "
                    f"of {', '.join(self.modifiable)}"
                )
                continue
            v, problem = check_answer(self.question_map[qid], value)
            if problem:
                problems.append(f"what-if: {problem}")
            else:
                states[qid] = state_of(self.question_map[qid], v)
        if problems:
            raise InputError(problems)
        base_ev = self._background(clean, conf)
        p0, m0 = self.engine.intervene(base_ev)
        ev = dict(base_ev)
        for qid, s in states.items():
            ev[qid] = self.engine.one_hot(qid, s)
        p1, m1 = self.engine.intervene(ev)
        causes = tuple(
            sorted(
                ((c, float(m1[i]), float(m0[i])) for i, c in enumerate(self.engine.cause_ids)),
                key=lambda t: -t[1],
            )
        )
        return WhatIf(tuple(sorted(changes.items())), p1, p0, causes)

    def _helpful_changes(self, clean: Mapping[str, Any], case: Case) -> tuple[HelpfulChange, ...]:
        # interventions need the risk-factor answers only; the case's components are built
        # from those alone, so the diagnosis's case serves them too
        p0, _ = self.engine.intervene(case)
        out = []
        every = self.engine.intervene_each(case, self.modifiable)
        for qid in self.modifiable:
            q = self.question_map[qid]
            current = state_of(q, clean[qid]) if qid in clean else None
            best: tuple[float, str] | None = None
            each = every[qid]
            for s, p1 in zip(self.engine.states[qid], each.tolist(), strict=True):
                if s == current:
                    continue
                if best is None or p1 < best[0]:
                    best = (p1, s)
            if best and p0 - best[0] >= MIN_HELPFUL:
                label = q.state_label(best[1])
                text = (
                    f"{q.label or q.id}: {label} \u2014 chance of heavy legs "
                    f"{p0:.0%} \u2192 {best[0]:.0%}"
                )
                out.append(HelpfulChange(qid, best[1], label, p0, best[0], text))
        out.sort(key=lambda h: (h.p_heavy_legs_after - h.p_heavy_legs_now, h.question))
        return tuple(out)

    # ------------------------------------------------------------------ sensitivity
    def sensitivity(
        self,
        answers: Mapping[str, Any],
        spread: float = 0.5,
        confidence: Mapping[str, float] | None = None,
        causes: tuple[str, ...] | None = None,
    ) -> tuple[SensitivityRow, ...]:
        """Tornado: how the top causes move when each base rate, and each link strength of
        the answered findings (heavy legs included), is scaled by (1 - spread) and
        (1 + spread). Rows sorted by the swing of the first tracked cause."""
        if not isinstance(spread, int | float) or not 0 < spread < 1:
            raise InputError([f"spread {spread!r} must be a number between 0 and 1"])
        clean, conf = self._require(answers, confidence)
        d = self.diagnose(clean, conf or None)
        tracked = causes or tuple(c.id for c in d.causes[:TRACKED])
        unknown = [c for c in tracked if c not in self.cause_map]
        if unknown:
            raise InputError([f"sensitivity: unknown cause(s) {unknown}"])
        ev = self.likelihoods(clean, conf)
        now = {c.id: c.probability for c in d.causes}
        idx = [self.engine.axis[c] for c in tracked]

        def run(tables: dict[str, np.ndarray], noisy: dict[str, Any] | None = None) -> np.ndarray:
            return self.engine.with_tables(tables, noisy).posterior(ev).marginals[idx]

        rows: list[SensitivityRow] = []
        for c in self.causes:
            if c.table is not None:
                base = np.asarray(c.table)
                lo_t = np.clip(base * (1 - spread), 0, 1)
                hi_t = np.clip(base * (1 + spread), 0, 1)
                t_lo = np.stack([1 - lo_t, lo_t], axis=-1)
                t_hi = np.stack([1 - hi_t, hi_t], axis=-1)
                text = (
                    f"P({c.label.lower()} | medication) \u00d7{1 - spread:g}/\u00d7{1 + spread:g}"
                )
                lo_v, hi_v = float(1 - spread), float(1 + spread)
            else:
                rate = self.base_rates.get(c.id, c.base_rates[self.population])
                lo_v, hi_v = rate * (1 - spread), min(rate * (1 + spread), 0.99)
                t_lo = cause_table(self.kb, c, self.population, lo_v)[0]
                t_hi = cause_table(self.kb, c, self.population, hi_v)[0]
                text = f"Base rate of {c.label.lower()}: {lo_v:.3g} to {hi_v:.3g} (now {rate:.3g})"
            p_lo, p_hi = run({c.id: t_lo}), run({c.id: t_hi})
            rows.append(self._row(f"base_rate:{c.id}", text, lo_v, hi_v, tracked, p_lo, now, p_hi))
        nodes = self.network.node_map
        for f in [HEAVY_LEGS, *[n for n in clean if self.engine.kind[n] == "finding"]]:
            node = nodes[f]
            assert node.noisy is not None
            leak_cdf, link = node.noisy
            for j, cid in enumerate(node.parents):
                tables = []
                for factor in (1 - spread, 1 + spread):
                    new = np.array(link)
                    new[j] = 1 - np.clip((1 - link[j]) * factor, 0, 1)
                    new[j, -1] = 1.0
                    tables.append((_table_from_cdfs(leak_cdf, new), (leak_cdf, new)))
                p_lo = run({f: tables[0][0]}, {f: tables[0][1]})
                p_hi = run({f: tables[1][0]}, {f: tables[1][1]})
                text = (
                    f"Link {self.cause_map[cid].label.lower()} \u2192 {f.replace('_', ' ')}"
                    f" \u00d7{1 - spread:g}/\u00d7{1 + spread:g}"
                )
                rows.append(
                    self._row(
                        f"link:{cid}->{f}", text, 1 - spread, 1 + spread, tracked, p_lo, now, p_hi
                    )
                )
        rows.sort(key=lambda r: (-r.swing, r.parameter))
        return tuple(rows)

    @staticmethod
    def _row(
        param: str,
        text: str,
        lo: float,
        hi: float,
        tracked: tuple[str, ...],
        p_lo: np.ndarray,
        now: Mapping[str, float],
        p_hi: np.ndarray,
    ) -> SensitivityRow:
        effects = tuple((c, float(p_lo[k]), now[c], float(p_hi[k])) for k, c in enumerate(tracked))
        return SensitivityRow(
            param, text, float(lo), float(hi), effects, abs(effects[0][3] - effects[0][1])
        )

    # ------------------------------------------------------------------ export
    def export(self, fmt: str, path: str | Path) -> Path:
        from .pgmpy_io import export

        return export(self.network, fmt, path)

    def to_pgmpy(self) -> Any:
        from .pgmpy_io import to_pgmpy

        return to_pgmpy(self.network)

    def with_base_rates(self, base_rates: Mapping[str, float]) -> Model:
        """A new model with some causes' base rates changed (the files are untouched).

        Raises
        ------
        InputError
            For an unknown cause or a rate outside (0, 1).
        """
        problems = []
        if not isinstance(base_rates, Mapping):
            raise InputError(["base rates must map cause ids to numbers in (0, 1)"])
        for cid, r in base_rates.items():
            if cid not in self.cause_map:
                problems.append(f"base rate: {str(cid)[:60]!r} is not a cause")
            elif self.cause_map[cid].table is not None:
                problems.append(f"base rate: {cid} is set by its table (medication), not a rate")
            elif isinstance(r, bool) or not isinstance(r, int | float) or not 0 < r < 1:
                problems.append(
                    f"base rate: {cid}: {r!r} must be a number strictly between 0 and 1"
                )
        if problems:
            raise InputError(problems)
        merged = {**self.base_rates, **{k: float(v) for k, v in base_rates.items()}}
        return Model(self.kb, self.population, merged)


_models: dict[tuple[str, str], Model] = {}
_models_lock = threading.Lock()


def load_model(population: str = DEFAULT_POPULATION, priors_dir: str | Path | None = None) -> Model:
    """The model built from ``priors/`` (or ``priors_dir``), built once and shared.

    Raises
    ------
    PriorsError
        If the knowledge base is invalid (every problem listed; nothing is loaded).
    InputError
        For an unknown population.
    """
    kb = load_knowledge_base(priors_dir)
    key = (str(kb.directory.resolve()) + "@" + kb.version, population)
    with _models_lock:
        if key not in _models:
            if population not in kb.populations:
                raise InputError(
                    [
                        f"unknown population {population!r}; use one of "
                        f"{', '.join(sorted(kb.populations))}"
                    ]
                )
            _models[key] = Model(kb, population)
        return _models[key]


__all__ = ["Model", "load_model"]
