"""heavylegs: a transparent, cited Bayesian-network model of heavy legs when running.

Decision support, not a diagnosis.
"""

from .api import Model, load_model
from .diagnosis import DISCLAIMER, CauseResult, Diagnosis, QuestionGain
from .errors import HeavylegsError, InputError, PriorsError
from .priors import CONTRACT_CAUSES, CONTRACT_QUESTIONS, KnowledgeBase, Question
from .triage import LEVELS, Triage

__all__ = [
    "CONTRACT_CAUSES",
    "CONTRACT_QUESTIONS",
    "DISCLAIMER",
    "LEVELS",
    "CauseResult",
    "Diagnosis",
    "HeavylegsError",
    "InputError",
    "KnowledgeBase",
    "Model",
    "PriorsError",
    "Question",
    "QuestionGain",
    "Triage",
    "load_model",
]
