"""Turn a validated knowledge base into the network's conditional probability tables (numpy).

The network has three layers: risk factors (root nodes, one per "about you"/"training"
question) -> causes (yes/no, the contract's ids) -> findings (noisy-OR/noisy-MAX with a leak,
including ``heavy_legs``). Tables here are plain read-only numpy arrays; pgmpy only sees them
in :mod:`model.pgmpy_io`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from ..errors import PriorsError
from ..kb import CAUSE_STATES, CauseDef, FindingDef, KnowledgeBase
from .kernels import link_products

NoisyMax = tuple[np.ndarray, np.ndarray]  # (leak CDF over states, link CDFs per parent)


@dataclass(frozen=True)
class Node:
    """A node of the network and its distribution, given ONE way: a table (``cpt``) or, for a
    noisy-OR/MAX finding, its parameters (``noisy``), from which ``table`` is derived. So
    every reader (posteriors, previews, what-ifs, export) sees the same numbers; a variant
    replaces one or the other (``dataclasses.replace(node, cpt=..., noisy=None)``).

    ``table`` has axes ``(*parents, self)``: the last axis is the node's own states, so
    ``table[parent states...]`` is a distribution.
    """

    id: str
    kind: str  # "risk", "cause", "finding" or "helper" (export only)
    states: tuple[str, ...]
    parents: tuple[str, ...]
    cpt: np.ndarray | None = field(default=None, repr=False)
    noisy: NoisyMax | None = field(default=None, repr=False)
    _table: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.cpt is None) == (self.noisy is None):
            raise ValueError(f"{self.id}: give a table or noisy-MAX parameters (one of them)")

    def probs_at(self, parent_states: np.ndarray) -> np.ndarray:
        """P(state | parents) for rows of parent states (shape (m, parents)), as (m, states),
        without building the full table (a 25-parent noisy table has 2**25 rows)."""
        given = np.asarray(parent_states, dtype=np.int64)
        if not self.parents:  # a root node: its distribution on every row
            m = given.shape[0] if given.ndim == 2 else 1
            return np.repeat(np.asarray(self.table)[None, :], m, axis=0)
        rows = given.reshape(-1, len(self.parents))
        if self.noisy is None:
            assert self.cpt is not None
            return np.asarray(self.cpt[tuple(rows.T)])
        base_cdf, link = self.noisy
        # present causes (state 1) multiply their link CDF in; absent ones leave 1
        factors = np.where(rows[:, :, None] == 1, np.asarray(link)[None, :, :], 1.0)
        cdf = np.asarray(base_cdf, dtype=float)[None, :] * factors.prod(axis=1)
        cdf[:, -1] = 1.0
        out = np.clip(np.diff(cdf, axis=1, prepend=0.0), 0.0, 1.0)
        return np.asarray(out / out.sum(axis=1, keepdims=True))

    @property
    def table(self) -> np.ndarray:
        """The full table, derived from the noisy parameters on first use (a finding with
        many parents is never tabulated by the quickscore engine: 2**parents rows)."""
        if self._table is None:
            t = self.cpt if self.noisy is None else _table_from_cdfs(*self.noisy)
            object.__setattr__(self, "_table", t)
        assert self._table is not None
        return self._table


MAX_PARENTS = 6


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


class NetworkIndex:
    """What both engines compile from a network first: the node ids by kind, each cause's
    axis, the states, kinds, parents and tables, and each risk factor's children. The engines
    extend it (:class:`~model.inference.engine.Engine`,
    :class:`~model.inference.quickscore.QuickscoreEngine`)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        nodes = net.node_map
        self.cause_ids: tuple[str, ...] = tuple(n.id for n in net.nodes_of("cause"))
        self.n = len(self.cause_ids)
        self.axis = {c: i for i, c in enumerate(self.cause_ids)}
        self.risk_ids: tuple[str, ...] = tuple(n.id for n in net.nodes_of("risk"))
        self.finding_ids: tuple[str, ...] = tuple(n.id for n in net.nodes_of("finding"))
        self.states = {n.id: n.states for n in net.nodes}
        self.kind = {n.id: n.kind for n in net.nodes}
        self.risk_prior = {r: nodes[r].table for r in self.risk_ids}
        self.cause_parents = {c: nodes[c].parents for c in self.cause_ids}
        self.cause_table = {c: nodes[c].table for c in self.cause_ids}
        self.risk_children = {
            r: tuple(c for c in self.cause_ids if r in self.cause_parents[c]) for r in self.risk_ids
        }
        self.finding_axes: dict[str, tuple[int, ...]] = {
            f: tuple(self.axis[p] for p in nodes[f].parents) for f in self.finding_ids
        }


def _sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _freeze(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=float)
    a.setflags(write=False)
    return a


def cause_table(
    kb: KnowledgeBase, cause: CauseDef, population: str, base_rate: float | None = None
) -> tuple[np.ndarray, float]:
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
        raise PriorsError(
            [f"causes.yaml: {cause.id}.base_rate: {rate} must be strictly between 0 and 1"]
        )
    weights = np.ones(())
    for par in cause.parents:
        w = kb.risk_factors[par][1]
        weights = np.multiply.outer(weights, w)
    lo = np.asarray(cause.log_odds)

    def gap(alpha: float) -> float:
        return float(np.sum(weights * _sigmoid(alpha + lo)) - rate)

    # [-60, 60] as ever where it holds the root (the same intercept, bit for bit); else one
    # that leaves every configuration's sigmoid within 1e-26 of 0 at its low end and of 1 at
    # its high end, whatever the odds ratios, so any rate the loader and
    # Model.with_base_rates admit has a root inside it
    a, b = -60.0, 60.0
    if gap(a) >= 0.0 or gap(b) <= 0.0:
        a, b = -60.0 - float(lo.max(initial=0.0)), 60.0 - float(lo.min(initial=0.0))
    alpha = brentq(gap, a, b, xtol=1e-14, rtol=1e-15, maxiter=500)
    p = _sigmoid(alpha + lo)
    return _freeze(np.stack([1.0 - p, p], axis=-1)), float(alpha)


def link_cdfs(finding: FindingDef) -> tuple[np.ndarray, np.ndarray]:
    """(leak CDF, link CDFs) of a noisy-MAX finding in Henrion's parameterisation."""
    leak_cdf = np.cumsum(finding.leak)
    leak_cdf[-1] = 1.0
    k = len(finding.states)
    link = np.ones((len(finding.parents), k))
    for j in range(len(finding.parents)):
        given = np.cumsum(finding.given[j])
        for s in range(k - 1):
            link[j, s] = given[s] / leak_cdf[s] if leak_cdf[s] > 0 else 1.0
    return _freeze(leak_cdf), _freeze(link)


def _table_from_cdfs(base_cdf: np.ndarray, link: np.ndarray) -> np.ndarray:
    """Table with axes (*parents, states) from P(Y <= s | parents) = base(s) prod_present link."""
    m, k = link.shape
    # made state-major, where every step runs along long rows, and turned to states-last
    cdf = link_products(link) * np.asarray(base_cdf, dtype=float)[:, None]
    cdf[-1] = 1.0
    table = np.clip(np.diff(cdf, axis=0, prepend=0.0), 0.0, 1.0)
    table /= table.sum(axis=0)
    return _freeze(table.T.reshape((2,) * m + (k,)))


def divorced(net: Network, max_parents: int = MAX_PARENTS) -> tuple[Node, ...]:
    """The same joint distribution with every noisy finding of more than ``max_parents``
    parents split exactly into group nodes ``<finding>__g<j>`` (noisy-MAX over a group of
    causes, no leak) and the finding as the leaky maximum of its groups.

    Summing out the group nodes gives back the original table, so every query on the
    question and cause nodes is unchanged; the files stay small and every tool fast.
    """
    out: list[Node] = []
    for n in net.nodes:
        if n.noisy is None or len(n.parents) <= max_parents:
            out.append(n)
            continue
        leak_cdf, link = n.noisy
        k = len(n.states)
        groups = [
            list(range(i, min(i + max_parents, len(n.parents))))
            for i in range(0, len(n.parents), max_parents)
        ]
        gids = []
        for j, g in enumerate(groups):
            gid = f"{n.id}__g{j + 1}"
            gids.append(gid)
            out.append(
                Node(
                    gid,
                    "helper",
                    n.states,
                    tuple(n.parents[i] for i in g),
                    _table_from_cdfs(np.ones(k), link[g]),
                )
            )
        m = len(groups)
        table = np.zeros((k,) * m + (k,))
        for combo in np.ndindex(*(k,) * m):
            top = max(combo)
            cdf = np.where(np.arange(k) >= top, leak_cdf, 0.0)
            cdf[-1] = 1.0
            table[combo] = np.diff(cdf, prepend=0.0)
        out.append(Node(n.id, n.kind, n.states, tuple(gids), _freeze(table)))
    return tuple(out)


def noisy_max_table(finding: FindingDef) -> np.ndarray:
    """Expand a noisy-OR/noisy-MAX finding into its full table, axes (*cause parents, states).

    With Henrion's parameters (P(state | only cause c), leak L), the link CDF is
    Q_c(<= s) = P_c(<= s) / L(<= s) and P(Y <= s | causes) = L(<= s) * prod_{c present} Q_c(<= s).
    """
    leak_cdf, link = link_cdfs(finding)
    return _table_from_cdfs(leak_cdf, link)


def build_network(
    kb: KnowledgeBase, population: str, base_rates: Mapping[str, float] | None = None
) -> Network:
    """All tables for one population; ``base_rates`` overrides chosen causes' base rates."""
    if population not in kb.populations:
        raise PriorsError(
            [f"unknown population {population!r}; use one of {sorted(kb.populations)}"]
        )
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
        nodes.append(Node(f.id, "finding", f.states, f.parents, noisy=link_cdfs(f)))
    return Network(population, tuple(nodes), intercepts)
