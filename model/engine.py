"""Exact inference on the compiled network with numpy.

Every query of a case is answered from one exact pass: the joint distribution of the 17 cause
nodes given the evidence (2**17 = 131,072 numbers). Risk factors are summed out per connected
component (causes that share an unobserved risk factor), findings enter as factors over their
cause parents, and unobserved findings drop out (they sum to one). From that joint come the
posteriors, the probability of the evidence and the exact information gain of every
unanswered question. The tests check it against brute-force enumeration and against pgmpy's
VariableElimination to 1e-9.

Evidence is given as a likelihood vector per node (hard evidence is a one-hot vector, soft
evidence any non-negative vector), so hard and soft answers take the same path.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .network import Network
from .priors import HEAVY_LEGS

Evidence = Mapping[str, np.ndarray]


def _entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy in bits along ``axis`` (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return terms.sum(axis=axis)


@dataclass(frozen=True)
class Posterior:
    """The exact posterior of the causes for one evidence set."""

    joint: np.ndarray  # P(causes | evidence), shape (2,) * n_causes, read-only
    marginals: np.ndarray  # P(cause_i = present | evidence)
    log_evidence: float  # natural log of P(evidence)


class Engine:
    """Compiled form of a :class:`~model.network.Network`. Immutable; safe to share."""

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
        if self.n > 26 or len(self.risk_ids) > 26:
            raise ValueError("the einsum labelling supports at most 26 causes and 26 risk factors")
        self._cause_letter = {c: string.ascii_lowercase[i] for i, c in enumerate(self.cause_ids)}
        self._risk_letter = {r: string.ascii_uppercase[i] for i, r in enumerate(self.risk_ids)}
        self.risk_prior = {r: nodes[r].table for r in self.risk_ids}
        self.cause_parents = {c: nodes[c].parents for c in self.cause_ids}
        self.cause_table = {c: nodes[c].table for c in self.cause_ids}
        self.risk_children = {
            r: tuple(c for c in self.cause_ids if r in self.cause_parents[c]) for r in self.risk_ids
        }
        # findings: parent axes (ascending) and table (*parents, states)
        self.finding_axes: dict[str, tuple[int, ...]] = {}
        self.finding_table: dict[str, np.ndarray] = {}
        self.finding_cond_entropy: dict[str, np.ndarray] = {}
        for f in self.finding_ids:
            node = nodes[f]
            axes = tuple(self.axis[p] for p in node.parents)
            if list(axes) != sorted(axes):
                raise ValueError(f"{f}: parents must follow the cause order")
            self.finding_axes[f] = axes
            self.finding_table[f] = node.table
            self.finding_cond_entropy[f] = _entropy(node.table)
        hl = self.finding_table[HEAVY_LEGS][..., self.states[HEAVY_LEGS].index("yes")]
        self._heavy = self._expand(hl, self.finding_axes[HEAVY_LEGS])

    # ------------------------------------------------------------------ helpers
    def _expand(self, t: np.ndarray, axes: Iterable[int]) -> np.ndarray:
        """Reshape a factor over ``axes`` (ascending) for broadcasting over all causes."""
        shape = [1] * self.n
        for a in axes:
            shape[a] = 2
        return np.asarray(t).reshape(shape)

    def one_hot(self, node: str, state: str) -> np.ndarray:
        v = np.zeros(len(self.states[node]))
        v[self.states[node].index(state)] = 1.0
        return v

    @cached_property
    def _other_axes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(j for j in range(self.n) if j != i) for i in range(self.n))

    # ------------------------------------------------------------------ prior over causes
    def _components(
        self, evidence: Evidence
    ) -> tuple[list[tuple[list[str], list[str]]], dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Split causes into groups that share free (not hard-observed) risk factors.

        Returns the components (causes, free risk factors), the weights of the free risk
        factors (prior x likelihood) and each cause's table sliced at its hard parents.
        """
        hard: dict[str, int] = {}
        weights: dict[str, np.ndarray] = {}
        for r in self.risk_ids:
            lik = evidence.get(r)
            if lik is not None and np.count_nonzero(lik) == 1:
                hard[r] = int(np.flatnonzero(lik)[0])
            else:
                w = self.risk_prior[r] if lik is None else self.risk_prior[r] * lik
                weights[r] = w
        sliced: dict[str, np.ndarray] = {}
        for c in self.cause_ids:
            idx = tuple(
                hard[p] if p in hard else slice(None) for p in self.cause_parents[c]
            )
            sliced[c] = self.cause_table[c][idx]
        parent = {c: c for c in self.cause_ids}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for r in weights:
            kids = self.risk_children[r]
            for k in kids[1:]:
                parent[find(k)] = find(kids[0])
        groups: dict[str, tuple[list[str], list[str]]] = {}
        for c in self.cause_ids:
            groups.setdefault(find(c), ([], []))[0].append(c)
        for r in weights:
            groups[find(self.risk_children[r][0])][1].append(r)
        return list(groups.values()), weights, sliced

    def _component_tensor(
        self,
        causes: list[str],
        risks: list[str],
        weights: Mapping[str, np.ndarray],
        sliced: Mapping[str, np.ndarray],
        keep: str | None = None,
    ) -> np.ndarray:
        """Joint prior of a component's causes (axes in cause order), optionally keeping a
        free risk factor ``keep`` as the first axis."""
        operands: list[np.ndarray] = []
        subs: list[str] = []
        for r in risks:
            operands.append(weights[r])
            subs.append(self._risk_letter[r])
        for c in causes:
            free = "".join(
                self._risk_letter[p] for p in self.cause_parents[c] if p in weights
            )
            operands.append(sliced[c])
            subs.append(free + self._cause_letter[c])
        out = "".join(self._cause_letter[c] for c in causes)
        if keep is not None:
            out = self._risk_letter[keep] + out
        return np.einsum(",".join(subs) + "->" + out, *operands, optimize="greedy")

    def _joint_unnormalised(self, evidence: Evidence) -> np.ndarray:
        comps, weights, sliced = self._components(evidence)
        joint = self._heavy.copy()
        for causes, risks in comps:
            t = self._component_tensor(causes, risks, weights, sliced)
            joint = joint * self._expand(t, [self.axis[c] for c in causes])
        for f in self.finding_ids:
            lik = evidence.get(f)
            if lik is None or f == HEAVY_LEGS:
                continue
            factor = self.finding_table[f] @ np.asarray(lik, dtype=float)
            joint = joint * self._expand(factor, self.finding_axes[f])
        return np.broadcast_to(joint, (2,) * self.n).copy()

    # ------------------------------------------------------------------ queries
    def posterior(self, evidence: Evidence) -> Posterior:
        """P(causes | evidence, heavy_legs = yes), exactly."""
        joint = self._joint_unnormalised(evidence)
        z = float(joint.sum())
        if not z > 0.0:
            raise ValueError("the evidence has probability zero under the model")
        joint /= z
        marg = self.marginals(joint)
        joint.setflags(write=False)
        marg.setflags(write=False)
        return Posterior(joint, marg, float(np.log(z)))

    def marginals(self, joint: np.ndarray) -> np.ndarray:
        flat = joint.reshape(-1)
        out = np.empty(self.n)
        for i in range(self.n):
            out[i] = flat.reshape(2**i, 2, 2 ** (self.n - i - 1))[:, 1, :].sum()
        return out

    def finding_distribution(self, post: Posterior, finding: str) -> np.ndarray:
        """P(finding | evidence) for an unobserved finding."""
        axes = self.finding_axes[finding]
        pa = self._marginal_over(post.joint, axes)
        k = len(self.states[finding])
        return pa.reshape(-1) @ self.finding_table[finding].reshape(-1, k)

    def _marginal_over(self, joint: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        drop = tuple(a for a in range(self.n) if a not in axes)
        return joint.sum(axis=drop) if drop else joint

    def information_gain(self, post: Posterior, evidence: Evidence, node: str) -> float:
        """Mutual information (bits) between an unanswered node and the set of causes.

        This is the expected reduction of the entropy of the joint posterior over the causes
        when the question is answered: I(C; X | e) = H(C | e) - E_x[H(C | e, X = x)].
        """
        if self.kind[node] == "finding":
            axes = self.finding_axes[node]
            pa = self._marginal_over(post.joint, axes).reshape(-1)
            k = len(self.states[node])
            table = self.finding_table[node].reshape(-1, k)
            p_x = pa @ table
            h_cond = pa @ self.finding_cond_entropy[node].reshape(-1)
            return max(0.0, float(_entropy(p_x) - h_cond))
        if self.kind[node] != "risk":
            raise ValueError(f"{node} is not a question node")
        comps, weights, sliced = self._components(evidence)
        if node not in weights:
            return 0.0
        causes, risks = next(cr for cr in comps if node in cr[1])
        q_rc = self._component_tensor(causes, risks, weights, sliced, keep=node)
        k = q_rc.shape[0]
        q_rc = q_rc.reshape(k, -1)
        q_c = q_rc.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_r_given_c = np.where(q_c > 0, q_rc / np.where(q_c > 0, q_c, 1.0), 0.0)
        axes = tuple(self.axis[c] for c in causes)
        # the component's causes are in cause order, so the joint's marginal lines up
        p_c = self._marginal_over(post.joint, axes).reshape(-1)
        p_r = p_r_given_c @ p_c
        h_cond = p_c @ _entropy(p_r_given_c, axis=0)
        return max(0.0, float(_entropy(p_r) - h_cond))
