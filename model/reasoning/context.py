"""What the reasoning reads from a compiled model: the knowledge base, the engine and the
numbers every query shares (the priors with no answers). Built once per model; immutable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from ..inference import Engine, Posterior
from ..inference.draws import ParamDraws
from ..kb import HEAVY_LEGS, CauseDef, KnowledgeBase, Question


@dataclass(frozen=True, eq=False)
class ModelContext:
    kb: KnowledgeBase
    engine: Engine
    population: str
    version: str
    base_rates: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @cached_property
    def question_map(self) -> Mapping[str, Question]:
        return MappingProxyType({q.id: q for q in self.kb.questions})

    @cached_property
    def cause_map(self) -> Mapping[str, CauseDef]:
        return MappingProxyType({c.id: c for c in self.kb.causes})

    @cached_property
    def modifiable(self) -> tuple[str, ...]:
        """The what-if factors: modifiable questions that are risk-factor nodes."""
        risk = self.engine.risk_ids
        return tuple(q.id for q in self.kb.questions if q.modifiable and q.id in risk)

    @cached_property
    def param_draws(self) -> ParamDraws:
        """The uncertain numbers of this model and their draws (issue 16)."""
        return ParamDraws(self.kb, self.population, self.base_rates)

    @cached_property
    def prior(self) -> Posterior:
        """The causes given heavy legs and no answers."""
        return self.engine.posterior({HEAVY_LEGS: self.engine.one_hot(HEAVY_LEGS, "yes")})

    @cached_property
    def priors(self) -> Mapping[str, float]:
        """P(cause present | heavy legs) with no answers."""
        marg = self.prior.marginals
        return MappingProxyType(
            {c: float(p) for c, p in zip(self.engine.cause_ids, marg, strict=True)}
        )

    @cached_property
    def single_answer_logp(self) -> Mapping[str, np.ndarray]:
        """log P(question node = state | heavy legs) for every question (for the conflict)."""
        eng = self.engine
        ev = {HEAVY_LEGS: eng.one_hot(HEAVY_LEGS, "yes")}
        with np.errstate(divide="ignore"):
            return MappingProxyType(
                {
                    q.id: np.log(eng.node_distribution(self.prior, ev, q.id))
                    for q in self.kb.questions
                }
            )
