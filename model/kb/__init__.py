"""The knowledge base: everything in ``priors/`` read, validated and typed (no inference).

``load_knowledge_base`` reads one file at a time (:mod:`.loader`), each checked by its schema
(:mod:`.schema`) and against the others; :mod:`.types` holds the typed result and the
contract's vocabulary; :mod:`.advice` the cited advice per cause.
"""

from .advice import ADVICE_FILE, Advice, AdviceItem, CauseAdvice, load_advice
from .loader import default_priors_dir, load_knowledge_base
from .schema import BASE_RATE_MAX, BASE_RATE_MIN
from .types import (
    CAUSE_STATES,
    CONTRACT_CAUSES,
    CONTRACT_GROUPS,
    CONTRACT_QUESTIONS,
    DEFAULT_POPULATION,
    HEAVY_LEGS,
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
)

__all__ = [
    "ADVICE_FILE",
    "BASE_RATE_MAX",
    "BASE_RATE_MIN",
    "CAUSE_STATES",
    "CONTRACT_CAUSES",
    "CONTRACT_GROUPS",
    "CONTRACT_QUESTIONS",
    "DEFAULT_POPULATION",
    "HEAVY_LEGS",
    "YES_NO",
    "Advice",
    "AdviceItem",
    "CauseAdvice",
    "CauseDef",
    "Escalation",
    "FindingDef",
    "KnowledgeBase",
    "OutsideModel",
    "Question",
    "Rule",
    "Uncertainty",
    "WithoutSign",
    "default_priors_dir",
    "load_advice",
    "load_knowledge_base",
]
