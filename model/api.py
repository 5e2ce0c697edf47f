"""The public Python API: ``load_model()`` and :class:`Model`."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .diagnosis import CauseResult, Diagnosis, QuestionGain
from .engine import Engine, Posterior
from .errors import InputError
from .network import Network, build_network
from .priors import DEFAULT_POPULATION, HEAVY_LEGS, KnowledgeBase, Question, load_knowledge_base
from .questions import state_of, validate_answers
from .triage import triage

CACHE_SIZE = 4096


class Model:
    """A compiled, immutable diagnostic model for one population.

    Queries are pure functions of the answers, so one model can serve every user and thread.
    """

    def __init__(self, kb: KnowledgeBase, population: str = DEFAULT_POPULATION,
                 base_rates: Mapping[str, float] | None = None) -> None:
        self.kb = kb
        self.population = population
        self.base_rates = MappingProxyType(dict(base_rates or {}))
        self.network: Network = build_network(kb, population, self.base_rates)
        self.engine = Engine(self.network)
        self.questions: tuple[Question, ...] = kb.questions
        self.question_map = MappingProxyType({q.id: q for q in kb.questions})
        self.causes = kb.causes
        self.version = kb.version + ("" if not base_rates else "+adjusted")
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._diagnose_clean)
        self._prior = self.engine.posterior({HEAVY_LEGS: self.engine.one_hot(HEAVY_LEGS, "yes")})
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Model(population={self.population!r}, version={self.version!r})"

    # ------------------------------------------------------------------ answers -> evidence
    def validate(self, answers: Any) -> tuple[dict[str, Any], list[str]]:
        """(valid answers, one problem line per invalid answer); nothing is raised."""
        return validate_answers(self.question_map, answers)

    def evidence_for(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Hard evidence on network nodes for clean answers, with ``heavy_legs = yes``."""
        ev = {qid: state_of(self.question_map[qid], v) for qid, v in answers.items()}
        ev[HEAVY_LEGS] = "yes"
        return dict(sorted(ev.items()))

    def posterior(self, answers: Mapping[str, Any]) -> Posterior:
        clean = self._require(answers)
        ev = self.evidence_for(clean)
        return self.engine.posterior({k: self.engine.one_hot(k, s) for k, s in ev.items()})

    def _require(self, answers: Any) -> dict[str, Any]:
        clean, problems = self.validate(answers)
        if problems:
            raise InputError(problems)
        return clean

    # ------------------------------------------------------------------ diagnosis
    def diagnose(self, answers: Mapping[str, Any] | None = None) -> Diagnosis:
        """Rank every cause for the answers (contract sections 2 and 5).

        Raises
        ------
        InputError
            One line per bad answer, each naming the fix.
        """
        clean = self._require({} if answers is None else answers)
        key = tuple(sorted(clean.items()))
        return self._cached(key)

    def _diagnose_clean(self, key: tuple[tuple[str, Any], ...]) -> Diagnosis:
        clean = dict(key)
        ev_states = self.evidence_for(clean)
        ev = {k: self.engine.one_hot(k, s) for k, s in ev_states.items()}
        post = self.engine.posterior(ev)
        probs = {c: float(p) for c, p in zip(self.engine.cause_ids, post.marginals, strict=True)}
        priors = dict(zip(self.engine.cause_ids, self._prior.marginals, strict=True))
        causes = tuple(sorted(
            (CauseResult(c.id, c.group, c.label, probs[c.id], float(priors[c.id]))
             for c in self.causes),
            key=lambda r: (-r.probability, r.id)))
        gains = []
        for q in self.questions:
            if q.id in clean:
                continue
            g = self.engine.information_gain(post, ev, q.id)
            gains.append(QuestionGain(q.id, g, q.text, q.group))
        gains.sort(key=lambda g: (-g.expected_information_gain, g.id))
        tri = triage(self.kb, clean, probs)
        return Diagnosis(
            causes=causes, triage=tri, next_questions=tuple(gains),
            evidence=tuple(ev_states.items()), answers=key, population=self.population,
            model_version=self.version, log_evidence=post.log_evidence)

    @property
    def priors(self) -> dict[str, float]:
        """P(cause present | heavy legs) with no answers."""
        return {c: float(p) for c, p in zip(self.engine.cause_ids, self._prior.marginals,
                                             strict=True)}

    # ------------------------------------------------------------------ export
    def export(self, fmt: str, path: str | Path) -> Path:
        from .pgmpy_io import export

        return export(self.network, fmt, path)

    def to_pgmpy(self) -> Any:
        from .pgmpy_io import to_pgmpy

        return to_pgmpy(self.network)

    def with_base_rates(self, base_rates: Mapping[str, float]) -> Model:
        """A new model with some causes' base rates changed (the files are untouched)."""
        merged = {**self.base_rates, **base_rates}
        return Model(self.kb, self.population, merged)


_models: dict[tuple[str, str], Model] = {}
_models_lock = threading.Lock()


def load_model(population: str = DEFAULT_POPULATION,
               priors_dir: str | Path | None = None) -> Model:
    """The model built from ``priors/`` (or ``priors_dir``), built once and shared.

    Raises
    ------
    PriorsError
        If the knowledge base is invalid (every problem listed; nothing is loaded).
    """
    kb = load_knowledge_base(priors_dir)
    key = (str(kb.directory.resolve()) + "@" + kb.version, population)
    with _models_lock:
        if key not in _models:
            if population not in kb.populations:
                raise InputError([f"unknown population {population!r}; use one of "
                                  f"{', '.join(sorted(kb.populations))}"])
            _models[key] = Model(kb, population)
        return _models[key]


__all__ = ["Model", "load_model"]
