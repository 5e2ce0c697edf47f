"""Turn a validated knowledge base into the network's conditional probability tables (numpy).

The network has three layers: risk factors (root nodes, one per "about you"/"training"
question) -> causes (yes/no, the contract's ids) -> findings (noisy-OR/noisy-MAX with a leak,
including ``heavy_legs``). Tables here are plain read-only numpy arrays; pgmpy only sees them
in :mod:`model.pgmpy_io`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
import numpy as np
from scipy.optimize import brentq

from .errors import PriorsError
from .priors import CAUSE_STATES, CauseDef, FindingDef, KnowledgeBase


@dataclass(frozen=True)
class Node:
    """A node of the network with its table.

    ``table`` has axes ``(*parents, self)``: the last axis is the node's own states, so
    ``table[parent states...]`` is a distribution.
    """

    id: str
    kind: str  # "risk", "cause" or "finding"
    states: tuple[str, ...]
    parents: tuple[str, ...]
    table: np.ndarray


@dataclass(frozen=True)
class Network:
    """The full network for one population, in topological order (risk, causes, findings)."""

    population: str
    nodes: tuple[Node, ...]
    intercepts: Mapping[str, float]

    @property
    def node_map(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    def nodes_of(self, kind: str) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.kind == kind)


def _sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _freeze(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=float)
    a.setflags(write=False)
    return a


def cause_table(kb: KnowledgeBase, cause: CauseDef, population: str,
                base_rate: float | None = None) -> tuple[np.ndarray, float]:
    """P(cause | risk parents) with axes (*parents, 2); the intercept of the odds model.

    For the odds model the intercept is solved so that the marginal P(present) under the risk
    factors' priors equals the population's base rate (or ``base_rate`` if given).
    """
    if cause.table is not None:
        p = np.asarray(cause.table)
        return _freeze(np.stack([1.0 - p, p], axis=-1)), math.nan
    assert cause.log_odds is not None
    rate = cause.base_rates[population] if base_rate is None else base_rate
    if not 0.0 < rate < 1.0:
        raise PriorsError([f"causes.yaml: {cause.id}.base_rate: {rate} must be strictly between"
                           " 0 and 1"])
    weights = np.ones(())
    for par in cause.parents:
        w = kb.risk_factors[par][1]
        weights = np.multiply.outer(weights, w)
    lo = np.asarray(cause.log_odds)

    def gap(alpha: float) -> float:
        return float(np.sum(weights * _sigmoid(alpha + lo)) - rate)

    alpha = brentq(gap, -60.0, 60.0, xtol=1e-14, rtol=1e-15, maxiter=500)
    p = _sigmoid(alpha + lo)
    return _freeze(np.stack([1.0 - p, p], axis=-1)), float(alpha)


def noisy_max_table(finding: FindingDef) -> np.ndarray:
    """Expand a noisy-OR/noisy-MAX finding into its full table, axes (*cause parents, states).

    With Henrion's parameters (P(state | only cause c), leak L), the link CDF is
    Q_c(<= s) = P_c(<= s) / L(<= s) and P(Y <= s | causes) = L(<= s) * prod_{c present} Q_c(<= s).
    """
    leak_cdf = np.cumsum(finding.leak)
    given_cdf = np.cumsum(finding.given, axis=1) if len(finding.parents) else np.zeros((0, 0))
    k = len(finding.states)
    link_cdf = np.ones((len(finding.parents), k))
    for j in range(len(finding.parents)):
        for s in range(k - 1):
            link_cdf[j, s] = given_cdf[j, s] / leak_cdf[s] if leak_cdf[s] > 0 else 1.0
    m = len(finding.parents)
    cdf = np.broadcast_to(leak_cdf, (2,) * m + (k,)).copy()
    for j in range(m):
        shape = [1] * m + [k]
        shape[j] = 2
        factor = np.stack([np.ones(k), link_cdf[j]]).reshape(shape)
        cdf = cdf * factor
    cdf[..., -1] = 1.0
    table = np.diff(cdf, axis=-1, prepend=0.0)
    table = np.clip(table, 0.0, 1.0)
    table /= table.sum(axis=-1, keepdims=True)
    return _freeze(table)


def build_network(kb: KnowledgeBase, population: str,
                  base_rates: Mapping[str, float] | None = None) -> Network:
    """All tables for one population; ``base_rates`` overrides chosen causes' base rates."""
    if population not in kb.populations:
        raise PriorsError([f"unknown population {population!r}; use one of "
                           f"{sorted(kb.populations)}"])
    base_rates = dict(base_rates or {})
    cause_ids = {c.id for c in kb.causes}
    for cid in base_rates:
        if cid not in cause_ids:
            raise PriorsError([f"base rate override: {cid!r} is not a cause; use a cause id"])
    nodes: list[Node] = []
    for rid, (states, prior) in kb.risk_factors.items():
        nodes.append(Node(rid, "risk", states, (), _freeze(prior)))
    intercepts: dict[str, float] = {}
    for c in kb.causes:
        table, alpha = cause_table(kb, c, population, base_rates.get(c.id))
        intercepts[c.id] = alpha
        nodes.append(Node(c.id, "cause", CAUSE_STATES, c.parents, table))
    for f in kb.findings:
        nodes.append(Node(f.id, "finding", f.states, f.parents, noisy_max_table(f)))
    return Network(population, tuple(nodes), intercepts)


def check_tables(net: Network) -> None:
    """Every table is a distribution over its node's states (used by the tests)."""
    for n in net.nodes:
        sums = n.table.sum(axis=-1)
        if not np.allclose(sums, 1.0, atol=1e-12) or np.any(n.table < 0):
            raise AssertionError(f"{n.id}: table does not sum to 1")
