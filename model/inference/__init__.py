"""Inference: the network's tables (:mod:`.network`), the numeric kernels with the bit order
stated once (:mod:`.kernels`) and the exact engine (:mod:`.engine`).

The engine's small interface: ``Engine(network)``; ``engine.case(evidence)`` gives a
case that owns the scratch of one evidence set; ``posterior``, ``previews``, ``withdrawn``,
``intervene``, ``intervene_each`` and ``node_distribution`` answer queries of a case;
``with_tables`` makes a variant.

``Engine`` is the quickscore engine (:mod:`.quickscore`): exact, its cost linear in the causes
and exponential only in the findings answered above their lowest state; it takes the
hypercube route (:class:`HypercubeEngine`, :mod:`.engine`, the test oracle) per query where
that is cheaper, and a named fallback beyond a stated bound.
"""

from .engine import Case as HypercubeCase
from .engine import Engine as HypercubeEngine
from .engine import Evidence
from .network import Network, Node, NoisyMax, build_network, cause_table, divorced, link_cdfs
from .quickscore import (
    DRAWS_COND_MAX,
    DRAWS_COND_MAX_LD,
    PREVIEW_COND_MAX,
    Posterior,
    Preview,
    QuickscoreEngine,
)
from .quickscore import QCase as Case
from .threads import Stopped, abandon, background

Engine = QuickscoreEngine

__all__ = [
    "DRAWS_COND_MAX",
    "DRAWS_COND_MAX_LD",
    "PREVIEW_COND_MAX",
    "Case",
    "Engine",
    "HypercubeCase",
    "HypercubeEngine",
    "background",
    "abandon",
    "Stopped",
    "QuickscoreEngine",
    "Evidence",
    "Network",
    "Node",
    "NoisyMax",
    "Posterior",
    "Preview",
    "build_network",
    "cause_table",
    "divorced",
    "link_cdfs",
]
