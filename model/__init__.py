"""heavylegs: a transparent, cited Bayesian-network model of heavy legs when running.

Decision support, not a diagnosis. This is the public facade (the contract's Python API and
what the app uses); the layers behind it, lowest first: ``errors``, ``kb`` (the knowledge
base), ``inference``, ``reasoning``, ``api``, ``workflows``, ``cli``.
"""

from .api import Model, load_model
from .errors import HeavylegsError, InputError, PriorsError
from .inference import background
from .kb import (
    CONTRACT_CAUSES,
    CONTRACT_QUESTIONS,
    Advice,
    AdviceItem,
    CauseAdvice,
    KnowledgeBase,
    Question,
)
from .reasoning import (
    BASICS,
    DISCLAIMER,
    LEVEL_TITLES,
    LEVELS,
    POPULATION_TITLES,
    STOP_MIN_GAIN,
    STOP_TOP_PROBABILITY,
    Assessment,
    CauseResult,
    Diagnosis,
    QuestionGain,
    TestValue,
    Triage,
    first_screen_questions,
    flagged_note,
    inline_label,
    next_to_ask,
    pct,
    plain,
    running_label,
)
from .workflows.cases import (
    Case,
    LoadedCase,
    decode_share,
    encode_share,
    load_case,
    new_case,
    one_each,
    with_query,
)
from .workflows.report import (
    Report,
    build_report,
    escape_markdown,
    report_markdown,
    report_pdf,
)
from .workflows.share import VIEW_PARAM, Screen, query_params, read_link, share_link

__all__ = [
    "background",
    "CONTRACT_CAUSES",
    "CONTRACT_QUESTIONS",
    "DISCLAIMER",
    "LEVELS",
    "LEVEL_TITLES",
    "POPULATION_TITLES",
    "STOP_MIN_GAIN",
    "STOP_TOP_PROBABILITY",
    "Advice",
    "AdviceItem",
    "Case",
    "CauseAdvice",
    "CauseResult",
    "Assessment",
    "Diagnosis",
    "HeavylegsError",
    "InputError",
    "KnowledgeBase",
    "LoadedCase",
    "Model",
    "PriorsError",
    "Question",
    "first_screen_questions",
    "flagged_note",
    "inline_label",
    "next_to_ask",
    "BASICS",
    "pct",
    "plain",
    "running_label",
    "VIEW_PARAM",
    "Screen",
    "query_params",
    "read_link",
    "one_each",
    "share_link",
    "with_query",
    "QuestionGain",
    "Report",
    "TestValue",
    "Triage",
    "build_report",
    "decode_share",
    "encode_share",
    "escape_markdown",
    "load_case",
    "load_model",
    "new_case",
    "report_markdown",
    "report_pdf",
]
