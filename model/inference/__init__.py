"""Inference: the network's tables (:mod:`.network`), the numeric kernels with the bit order
stated once (:mod:`.kernels`) and the exact engine (:mod:`.engine`).

The engine's small interface: ``Engine(network)``; ``engine.case(evidence)`` gives a
:class:`Case` that owns the scratch of one evidence set; ``posterior``, ``previews``,
``withdrawn``, ``intervene``, ``intervene_each`` and ``node_distribution`` answer queries of
a case; ``with_tables`` makes a variant.
"""

from .engine import Case, Engine, Evidence, Posterior, Preview
from .network import Network, Node, NoisyMax, build_network, cause_table, divorced, link_cdfs

__all__ = [
    "Case",
    "Engine",
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
