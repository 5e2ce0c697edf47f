"""Exact inference on the compiled network with numpy.

Every query of a case is answered from one exact pass: the joint distribution of the cause
nodes given the evidence (2**17 = 131,072 numbers for the 17 causes), the prior over the
causes (their joint given the risk-factor evidence, risk factors summed out per connected
component) times heavy legs and each answered finding's factor (a factor over its cause
parents). Withdrawing one answer divides by its factor or multiplies by a ratio of
components, and intervening on a risk factor changes one component, so each costs a pass
over the array instead of a new inference. Unobserved findings drop out (they sum to one).
From the joint come the posteriors, the probability of the evidence, the exact information
gain of every unanswered question and what each of its answers would do.

A :class:`Case` carries what one evidence set has computed (components, kept-risk tensors,
marginals), so the posterior, previews, explanations and what-ifs of a case share it. The
superset sums of the joint turn small marginals into Moebius inversions on sub-cubes, and the
previews of all small findings into sparse products (:class:`FindingMaps`); large noisy-MAX
findings use their product form (:class:`NoisyForm`). The tests check the engine against
brute-force enumeration and pgmpy's VariableElimination to 1e-9, and each short cut against
the plain computation (``tests/test_engine_paths.py``).

Evidence is a likelihood vector per node (hard evidence a one-hot vector, soft evidence any
non-negative vector), so hard and soft answers take the same path.
"""

from __future__ import annotations

import string
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import opt_einsum as oe

from ..kb import HEAVY_LEGS
from .kernels import (
    all_marginals,
    bits,
    entropy,
    link_products,
    mass_and_marginals,
    moebius,
    superset_sums,
)
from .network import Network, NetworkIndex, Node

Evidence = Mapping[str, np.ndarray]
WIDE = 10  # factors over any of the last WIDE causes are spread over all of them
SMALL = 14  # marginals over at most this many causes come from the superset sums
MAP_PARENTS = 12  # findings with at most this many parents are previewed through sparse maps


@dataclass
class Case:
    """Scratch for the queries of one evidence set: the split into components and every
    tensor built from it, computed once and shared by the posterior, the question previews,
    the explanations and the what-ifs of that evidence. Made per call, never shared."""

    engine: Engine
    evidence: Evidence
    comps: list[tuple[list[str], list[str]]]
    weights: dict[str, np.ndarray]
    sliced: dict[str, np.ndarray]
    tensors: dict[int, np.ndarray] = field(default_factory=dict)
    keeps: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)
    cols: dict[tuple[tuple[int, ...], tuple[int, ...]], np.ndarray] = field(default_factory=dict)
    post: Posterior | None = None  # the posterior of this evidence, once made

    def bind(self, post: Posterior) -> None:
        """Tie the case to the posterior its marginals come from (the first one given)."""
        if self.post is None:
            self.post = post
        elif self.post is not post:
            raise ValueError("this case belongs to another posterior; make a new case")


@dataclass(frozen=True)
class Posterior:
    """The exact posterior of the causes for one evidence set (arrays read-only)."""

    joint: np.ndarray  # P(causes | evidence), shape (2,) * n_causes
    marginals: np.ndarray  # P(cause_i = present | evidence)
    log_evidence: float  # natural log of P(evidence) (heavy legs included)
    factors: Mapping[str, np.ndarray]  # each answered finding's factor (broadcastable)
    _upper: list[np.ndarray] = field(default_factory=list, repr=False, compare=False)

    @property
    def upper(self) -> np.ndarray:
        """Superset sums of the joint: upper[x] = P(all causes set in x present). Made on
        first use (the previews need it, the batch's posteriors do not); two threads may
        both make it, with the same result."""
        if not self._upper:
            u = superset_sums(self.joint.reshape(-1), self.joint.ndim).reshape(self.joint.shape)
            u.setflags(write=False)
            self._upper.append(u)
        return self._upper[0]


@dataclass(frozen=True)
class Preview:
    """What observing one node would do: P(state) and the tracked causes after each state."""

    node: str
    p_state: np.ndarray  # P(node = s | evidence)
    tracked: np.ndarray  # P(cause_t = present | evidence, node = s), shape (states, tracked)
    gain: float  # mutual information with the causes, bits


@dataclass(frozen=True)
class FindingMaps:
    """Linear maps from the superset sums of a posterior to every small finding's preview.

    For a function g of a finding's parents A, E[g] = sum over subsets S of A of
    upper(S) * g^(S), where g^ is the Moebius transform of g (fixed by the tables). So
    P(state), the conditional entropy and, for each cause t, P(state, t present) of every
    small finding are sparse matrices applied to ``upper``: four sparse products give the
    previews of all of them at once.
    """

    k: dict[str, int]  # states of each finding covered
    base: Any  # csr: rows [states..., entropy] per finding
    with_cause: tuple[Any, ...]  # per cause axis t: csr, rows [states...] per finding
    state_rows: dict[str, np.ndarray]  # a finding's rows in ``base``, padded with -1
    entropy_row: dict[str, int]  # its entropy row in ``base``
    cause_rows: dict[str, np.ndarray]  # its rows in ``with_cause[t]``, padded with -1
    noisy: dict[str, NoisyForm]  # findings with more parents, exactly noisy-MAX


@dataclass(frozen=True)
class NoisyForm:
    """A large noisy-MAX finding as P(Y <= y | causes) = leak(y) * prod_c link_c(y)^{c}."""

    leak: np.ndarray  # leak CDF, (states,)
    hi: np.ndarray  # prod of link(y) over the first causes, (states - 1, 2**n_hi)
    lo: np.ndarray  # the same over the last causes, (states - 1, 2**(n - n_hi))
    h: np.ndarray  # H(finding | causes) over every configuration of all causes


def finding_maps(engine: Engine, max_parents: int) -> FindingMaps:
    from scipy.sparse import csr_matrix

    n = engine.n
    bit = [1 << (n - 1 - a) for a in range(n)]
    nodes = tuple(
        f
        for f in engine.finding_ids
        if f != HEAVY_LEGS and len(engine.finding_axes[f]) <= max_parents
    )
    k = {f: len(engine.states[f]) for f in nodes}
    base: tuple[list[float], list[int], list[int]] = ([], [], [])
    per_t: list[tuple[list[float], list[int], list[int]]] = [([], [], []) for _ in range(n)]
    row0: dict[str, int] = {}
    row1: dict[str, int] = {}
    r0 = r1 = 0
    for f in nodes:
        axes = engine.finding_axes[f]
        a = len(axes)
        subsets = np.zeros(1, dtype=np.int64)
        for ax in axes:  # C order over (2,) * a: the first parent is the slowest bit
            subsets = (subsets[:, None] + np.array([0, bit[ax]])[None, :]).reshape(-1)
        g = np.concatenate(
            [
                engine.finding_table[f].reshape(-1, k[f]),
                engine._cond_entropy(f).reshape(-1, 1),
            ],
            axis=1,
        )
        gh = moebius(g, a)
        row0[f], row1[f] = r0, r1
        for col in range(k[f] + 1):
            base[0].extend(gh[:, col])
            base[1].extend([r0 + col] * len(subsets))
            base[2].extend(subsets)
        for t in range(n):
            if t in axes:
                gt = g[:, : k[f]].reshape((2,) * a + (k[f],)).copy()
                absent: tuple[Any, ...] = (*([slice(None)] * axes.index(t)), 0)
                gt[absent] = 0.0
                ght = moebius(gt.reshape(-1, k[f]), a)
                cols = subsets
            else:
                ght = gh[:, : k[f]]
                cols = subsets | bit[t]
            for y in range(k[f]):
                keep = ght[:, y] != 0
                per_t[t][0].extend(ght[keep, y])
                per_t[t][1].extend([r1 + y] * int(keep.sum()))
                per_t[t][2].extend(cols[keep])
        r0 += k[f] + 1
        r1 += k[f]
    size = 2**n
    wide = max(k.values(), default=1)

    def padded(first: int, states: int) -> np.ndarray:
        return np.array([first + y if y < states else -1 for y in range(wide)])

    return FindingMaps(
        k,
        csr_matrix((base[0], (base[1], base[2])), shape=(r0, size)),
        tuple(csr_matrix((d, (r, c)), shape=(r1, size)) for d, r, c in per_t),
        {f: padded(row0[f], k[f]) for f in nodes},
        {f: row0[f] + k[f] for f in nodes},
        {f: padded(row1[f], k[f]) for f in nodes},
        _noisy_forms(engine, max_parents),
    )


def _noisy_forms(engine: Engine, max_parents: int) -> dict[str, NoisyForm]:
    """The large findings whose table is exactly P(Y <= y | causes) = leak(y) * prod over
    present parents of link(y) (checked to 1e-14; a table that is not is left out)."""
    n = engine.n
    n_hi = n // 2
    nodes = engine.net.node_map
    out = {}
    for f in engine.finding_ids:
        axes = engine.finding_axes[f]
        node = nodes[f]
        if f == HEAVY_LEGS or len(axes) <= max_parents or node.noisy is None:
            continue
        leak, link = node.noisy
        k = len(leak)
        cdf = link_products(link) * np.asarray(leak, dtype=float)[:, None]  # unclipped
        cdf[-1] = 1.0
        table = np.diff(cdf, axis=0, prepend=0.0)  # (states, parent configurations)
        if not np.allclose(table.T, engine.finding_table[f].reshape(-1, k), rtol=0.0, atol=1e-14):
            continue
        w = np.ones((n, k - 1))
        for j, a in enumerate(axes):
            w[a] = link[j, : k - 1]

        h = engine._cond_entropy(f).reshape([2 if a in axes else 1 for a in range(n)])
        h_full = np.ascontiguousarray(np.broadcast_to(h, (2,) * n)).reshape(-1)
        form = NoisyForm(
            np.asarray(leak, dtype=float), link_products(w[:n_hi]), link_products(w[n_hi:]), h_full
        )
        for arr in (form.leak, form.hi, form.lo, form.h):
            arr.setflags(write=False)
        out[f] = form
    return out


class Engine(NetworkIndex):
    """Compiled form of a :class:`~model.network.Network`. Immutable; safe to share."""

    def __init__(self, net: Network) -> None:
        super().__init__(net)
        nodes = net.node_map
        # numpy's einsum has 52 letters: the causes take lower case from "a", the risk
        # factors upper case and then the lower case the causes leave
        risk_pool = string.ascii_uppercase + string.ascii_lowercase[self.n :]
        if self.n > 26 or len(self.risk_ids) > len(risk_pool):
            raise ValueError(
                "the einsum labelling supports at most 26 causes and 52 letters for causes and "
                "risk factors together"
            )
        self._cause_letter = {c: string.ascii_lowercase[i] for i, c in enumerate(self.cause_ids)}
        self._risk_letter = {r: risk_pool[i] for i, r in enumerate(self.risk_ids)}
        self.finding_table: dict[str, np.ndarray] = {}
        self._cond_h: dict[str, np.ndarray] = {}  # H(finding | parents), made on first use
        for f in self.finding_ids:
            node = nodes[f]
            axes = self.finding_axes[f]
            if list(axes) != sorted(axes):
                raise ValueError(f"{f}: parents must follow the cause order")
            self.finding_table[f] = node.table
        self._by_state: dict[str, np.ndarray] = {}  # tables with the state axis first
        self._hard_factors: dict[tuple[str, int], np.ndarray] = {}  # answered findings
        heavy = nodes[HEAVY_LEGS]
        self._heavy_node: Node = heavy
        yes = self.states[HEAVY_LEGS].index("yes")
        self._heavy = np.ascontiguousarray(
            np.broadcast_to(
                self._expand(heavy.table[..., yes], self.finding_axes[HEAVY_LEGS]), (2,) * self.n
            )
        )
        self._heavy.setflags(write=False)
        self._paths: dict[tuple[str, tuple[tuple[int, ...], ...]], Any] = {}
        self._maps: FindingMaps | None = None
        self._lock = threading.Lock()

    @property
    def maps(self) -> FindingMaps:
        """The findings' preview maps, built on first use (once; then read-only)."""
        maps = self._maps
        if maps is None:
            with self._lock:
                if self._maps is None:
                    self._maps = finding_maps(self, MAP_PARENTS)
                maps = self._maps
        return maps

    # ------------------------------------------------------------------ helpers
    def _expand(self, t: np.ndarray, axes: Iterable[int]) -> np.ndarray:
        """Reshape a factor over ``axes`` (ascending) for broadcasting over all causes.

        A factor over any of the last ``WIDE`` causes is spread over all of them (a small
        copy): broadcasting a joint against a factor with a short last axis runs numpy's
        inner loop on runs of two numbers and is about seven times slower.
        """
        shape = [1] * self.n
        for a in axes:
            shape[a] = 2
        out = np.asarray(t).reshape(shape)
        tail = min(WIDE, self.n)
        if 2 in shape[self.n - tail :]:
            out = np.ascontiguousarray(
                np.broadcast_to(out, (*shape[: self.n - tail], *(2,) * tail))
            )
        return out

    def _cond_entropy(self, finding: str) -> np.ndarray:
        """H(finding | its parents) in bits for every parent configuration (cached)."""
        h = self._cond_h.get(finding)
        if h is None:
            h = entropy(self.finding_table[finding])
            h.setflags(write=False)
            self._cond_h[finding] = h
        return h

    def one_hot(self, node: str, state: str) -> np.ndarray:
        v = np.zeros(len(self.states[node]))
        v[self.states[node].index(state)] = 1.0
        return v

    def _einsum(self, subs: str, *operands: np.ndarray) -> np.ndarray:
        """Contract along opt_einsum's greedy path, planned once per (subscripts, shapes)
        and run as plain pairwise ``numpy.einsum`` steps (the tensors are small, so the
        planner's per-step bookkeeping would cost more than the arithmetic)."""
        key = (subs, tuple(o.shape for o in operands))
        steps = self._paths.get(key)
        if steps is None:
            _, info = oe.contract_path(subs, *operands, optimize="greedy")
            steps = tuple((tuple(c[0]), c[2]) for c in info.contraction_list)
            if len(self._paths) < 20_000:
                self._paths[key] = steps
        ops = list(operands)
        for where, expr in steps:
            picked = [ops.pop(i) for i in sorted(where, reverse=True)]
            ops.append(np.einsum(expr, *picked))
        return np.asarray(ops[0])

    def _marginal_over(self, joint: np.ndarray, axes: Sequence[int]) -> np.ndarray:
        if len(axes) == self.n:
            return joint
        letters = string.ascii_lowercase[: self.n]
        keep = "".join(letters[a] for a in sorted(axes))
        return np.einsum(f"{letters}->{keep}", joint)

    # ------------------------------------------------------------------ prior over causes
    def _split(
        self, evidence: Evidence
    ) -> tuple[list[tuple[list[str], list[str]]], dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Components of causes that share free (not hard-observed) risk factors.

        Returns the components (causes in cause order, free risk factors), the weights of the
        free risk factors (prior x likelihood) and each cause's table sliced at its hard parents.
        """
        hard: dict[str, int] = {}
        weights: dict[str, np.ndarray] = {}
        for r in self.risk_ids:
            lik = evidence.get(r)
            if lik is not None and np.count_nonzero(lik) == 1:
                hard[r] = int(np.flatnonzero(lik)[0])
            else:
                weights[r] = self.risk_prior[r] if lik is None else self.risk_prior[r] * lik
        sliced: dict[str, np.ndarray] = {}
        for c in self.cause_ids:
            idx = tuple(hard[p] if p in hard else slice(None) for p in self.cause_parents[c])
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
            if self.risk_children[r]:
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
        free risk factor ``keep`` as the first axis (not summed, not weighted)."""
        operands: list[np.ndarray] = []
        subs: list[str] = []
        for r in risks:
            if r != keep:  # a kept factor carries no weight; its letter stays in the tables
                operands.append(weights[r])
                subs.append(self._risk_letter[r])
        for c in causes:
            free = "".join(self._risk_letter[p] for p in self.cause_parents[c] if p in weights)
            operands.append(sliced[c])
            subs.append(free + self._cause_letter[c])
        out = "".join(self._cause_letter[c] for c in causes)
        if keep is not None and keep in risks:
            out = self._risk_letter[keep] + out
        expr = ",".join(subs) + "->" + out
        if len(operands) == 1 and subs[0] == out:
            return operands[0]
        if len(operands) <= 3:  # tiny: numpy's own loop beats planning a contraction
            return np.einsum(expr, *operands)
        return self._einsum(expr, *operands)

    # ------------------------------------------------------------------ cases
    def case(self, evidence: Evidence | Case) -> Case:
        """The per-call scratch for ``evidence`` (a :class:`Case` is passed through)."""
        if isinstance(evidence, Case):
            if evidence.engine is self:
                return evidence
            evidence = evidence.evidence  # another engine's tensors: start again
        comps, weights, sliced = self._split(evidence)
        return Case(self, evidence, comps, weights, sliced)

    def _comp(self, case: Case, i: int) -> np.ndarray:
        """Tensor of component ``i`` of the case (cached in the case)."""
        t = case.tensors.get(i)
        if t is None:
            causes, risks = case.comps[i]
            t = np.asarray(self._component_tensor(causes, risks, case.weights, case.sliced))
            case.tensors[i] = t
        return t

    def _keep(self, case: Case, node: str) -> tuple[list[str], np.ndarray]:
        """The component of risk factor ``node`` once its own answer is set aside, with
        ``node`` kept as the first axis and carrying no weight: (causes, tensor of shape
        (states, 2, ..., 2)). Sums to P(causes | node = s, other risk evidence) times the
        mass of the other free risk factors. One contraction serves the question's preview,
        the explanation of its answer and the what-if on it."""
        hit = case.keeps.get(node)
        if hit is None:
            if node in case.weights:
                comps, weights, sliced = case.comps, case.weights, case.sliced
            else:
                rest = {k: v for k, v in case.evidence.items() if k != node}
                comps, weights, sliced = self._split(rest)
            causes, risks = next((c, r) for c, r in comps if node in r)
            t = np.asarray(self._component_tensor(causes, risks, weights, sliced, keep=node))
            hit = (causes, t)
            case.keeps[node] = hit
        return hit

    def _prior_joint(self, evidence: Evidence | Case) -> np.ndarray:
        """Unnormalised P(causes, risk evidence), a full (2,) * n array: the outer product
        of the component tensors placed on their axes (one pass)."""
        case = self.case(evidence)
        joint = self._outer([(c, self._comp(case, i)) for i, (c, _) in enumerate(case.comps)])
        # hard-observed risk factors are sliced out above; their evidence mass P(r = state)
        # still belongs to P(causes, risk evidence) and so to log P(e)
        joint *= self._hard_mass(case.evidence, case.weights)
        return joint

    def _hard_mass(self, evidence: Evidence, weights: Mapping[str, np.ndarray]) -> float:
        mass = 1.0
        for r in self.risk_ids:
            lik = evidence.get(r)
            if lik is not None and r not in weights:
                mass *= float(self.risk_prior[r] @ np.asarray(lik, dtype=float))
        return mass

    def _outer(self, parts: Sequence[tuple[Sequence[str], np.ndarray]]) -> np.ndarray:
        """Product of component tensors over disjoint causes, as a full array in cause order.

        The one-cause components multiply out in axis order (no transposition); the full
        array is then one broadcast product per remaining factor.
        """
        singles = sorted(
            ((self.axis[c[0]], np.asarray(t)) for c, t in parts if len(c) == 1),
            key=lambda p: p[0],
        )
        factors: list[tuple[list[int], np.ndarray]] = []
        if singles:
            acc = np.ones(())
            for _, t in singles:
                acc = np.multiply.outer(acc, t)
            factors.append(([a for a, _ in singles], acc))
        factors += [([self.axis[c] for c in cs], np.asarray(t)) for cs, t in parts if len(cs) > 1]
        factors.sort(key=lambda f: -f[1].size)
        out = np.empty((2,) * self.n)
        first = self._expand(factors[0][1], factors[0][0])
        if len(factors) == 1:
            out[...] = first
        else:
            np.multiply(first, self._expand(factors[1][1], factors[1][0]), out=out)
        for axes, t in factors[2:]:
            out *= self._expand(t, axes)
        return out

    def _state_major(self, node: str) -> np.ndarray:
        """A finding's table with the state axis first (contiguous, cached)."""
        by_state = self._by_state.get(node)
        if by_state is None:
            by_state = np.ascontiguousarray(np.moveaxis(self.finding_table[node], -1, 0))
            by_state.setflags(write=False)
            self._by_state[node] = by_state
        return by_state

    def _finding_factor(self, node: str, lik: np.ndarray) -> np.ndarray:
        """The factor of an answered finding over its cause parents, broadcastable."""
        lik = np.asarray(lik, dtype=float)
        if np.count_nonzero(lik) == 1 and lik.max() == 1.0:  # hard answer: a slice
            key = (node, int(np.argmax(lik)))
            hit = self._hard_factors.get(key)
            if hit is None:  # built once per answer (8.5 MB for all of them), then shared
                hit = self._expand(self._state_major(node)[key[1]], self.finding_axes[node])
                hit.setflags(write=False)
                self._hard_factors[key] = hit
            return hit
        return self._expand(self.finding_table[node] @ lik, self.finding_axes[node])

    # ------------------------------------------------------------------ queries
    def posterior(self, evidence: Evidence | Case) -> Posterior:
        """P(causes | evidence, heavy_legs = yes), exactly: the prior over the causes times
        heavy legs and each answered finding's factor, normalised (in place, one array)."""
        case = self.case(evidence)
        factors = {
            f: self._finding_factor(f, lik)
            for f in self.finding_ids
            if f != HEAVY_LEGS and (lik := case.evidence.get(f)) is not None
        }
        joint = self._prior_joint(case)
        joint *= self._heavy
        for factor in factors.values():
            joint *= factor
        z = float(joint.sum())
        if not z > 0.0:
            raise ValueError("the answers have probability zero under the model")
        joint /= z
        marg = all_marginals(joint.reshape(-1), self.n)
        joint.setflags(write=False)
        marg.setflags(write=False)
        post = Posterior(joint, marg, float(np.log(z)), dict(factors))
        case.bind(post)
        return post

    def _likelihood(self, factors: Iterable[np.ndarray]) -> np.ndarray:
        """P(heavy legs, answered findings | causes): the product of their factors."""
        likelihood = self._heavy.copy()
        for f in factors:
            likelihood *= f
        return likelihood

    def marginal(self, post: Posterior, axes: Sequence[int]) -> np.ndarray:
        """P(causes on ``axes`` | evidence), axes ascending, as a (2,) * len(axes) array.

        Small sets come from the superset sums by Moebius inversion on the sub-cube
        (2**k numbers instead of a pass over the whole joint); large ones by direct summing.
        """
        axes = tuple(axes)
        k = len(axes)
        if k > SMALL:
            return self._marginal_over(post.joint, axes)
        sub = np.array(post.upper[tuple(slice(None) if a in axes else 0 for a in range(self.n))])
        for j in range(k):
            v = sub.reshape(2**j, 2, -1)
            v[:, 0, :] -= v[:, 1, :]
        return np.clip(sub, 0.0, None)

    def withdrawn(
        self,
        post: Posterior,
        evidence: Evidence | Case,
        nodes: Sequence[str],
        marginals: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """P(cause_i = present | evidence without node) for each node (rows) and cause, and
        log P(evidence without node) for each node (``marginals`` is accepted for the
        quickscore engine's signature: the ratios give both at once).

        Each withdrawal is the posterior times a ratio over a few causes: one over the
        node's factor for a finding, the new component over the old ones for a risk factor
        (where a ratio has a zero, that row is rebuilt from its parts). All rows are then
        summed in one pass per row.
        """
        case = self.case(evidence)
        case.bind(post)
        out = np.empty((len(nodes), self.n))
        log_z = np.empty(len(nodes))
        row = np.empty(post.joint.shape)
        for k, node in enumerate(nodes):
            # a short cut gives the posterior times a ratio (scale: P(e)); a rebuilt row is
            # the unnormalised joint itself (scale: 1)
            if node in post.factors and np.all(post.factors[node] > 1e-300):
                np.divide(post.joint, post.factors[node], out=row)
                scale = post.log_evidence
            elif node in post.factors:
                others = (f for g, f in post.factors.items() if g != node)
                np.multiply(self._prior_joint(case), self._likelihood(others), out=row)
                scale = 0.0
            else:
                ratio, axes = self._risk_ratio(case, node)
                if ratio is not None:
                    np.multiply(post.joint, self._expand(ratio, axes), out=row)
                    scale = post.log_evidence
                else:
                    rest = {k2: v for k2, v in case.evidence.items() if k2 != node}
                    lik = self._likelihood(post.factors.values())
                    np.multiply(self._prior_joint(rest), lik, out=row)
                    scale = 0.0
            z, masses = mass_and_marginals(row.reshape(-1), self.n)
            out[k] = masses / z
            log_z[k] = scale + np.log(z)
        return out, log_z

    def _risk_ratio(self, case: Case, node: str) -> tuple[np.ndarray | None, list[int]]:
        """prior without the node's answer / prior, over the node's component (or None
        where the old prior has zeros)."""
        causes, kept = self._keep(case, node)
        new = np.tensordot(self.risk_prior[node], kept, axes=1)
        axes = [self.axis[c] for c in causes]
        kids = set(self.risk_children[node])
        old = np.ones((2,) * len(axes))
        for i, (c, _) in enumerate(case.comps):
            if kids & set(c):
                shape = [1] * len(axes)
                for a in (self.axis[x] for x in c):
                    shape[axes.index(a)] = 2
                old = old * self._comp(case, i).reshape(shape)
        if np.any(old <= 0):
            return None, axes
        lik = case.evidence.get(node)
        if lik is not None and node not in case.weights:  # hard answer: its mass P(r = s) goes
            new = new / float(self.risk_prior[node] @ np.asarray(lik, dtype=float))
        return new / old, axes

    def previews(
        self,
        post: Posterior,
        evidence: Evidence | Case,
        nodes: Sequence[str],
        tracked: Sequence[int],
        use_maps: bool = True,
    ) -> list[Preview]:
        """Exact effect of observing each unanswered node: P(state), tracked causes after
        each state, and the mutual information I(C; node | evidence) in bits (the expected
        reduction of the entropy of the joint posterior over the causes).

        A node depends on the causes through a few of them, B (a finding's parents, or a
        risk factor's component): P(node | B) is a table (states x 2**|B|), and the
        posterior over B, alone and with each tracked cause present, is a (1 + tracked) x
        2**|B| matrix shared by every node with the same B. One matrix product gives
        P(state) and the tracked causes; one dot product the conditional entropy. Findings
        with few parents skip even that: their numbers are the sparse maps of
        :class:`FindingMaps` applied to the superset sums (``use_maps=False`` takes the
        general route for every node; the tests compare the two).
        """
        case = self.case(evidence)
        case.bind(post)
        tr = tuple(tracked)
        maps = self.maps
        done: dict[str, Preview] = {}
        fast = [node for node in nodes if use_maps and node in maps.k]
        if fast:
            # all small findings at once: rows padded to the most states, padding reads a 0
            up = post.upper.reshape(-1)
            base = np.append(maps.base @ up, 0.0)
            with_t = np.zeros((len(tr), maps.with_cause[0].shape[0] + 1))
            for j, t in enumerate(tr):
                with_t[j, :-1] = maps.with_cause[t] @ up
            p_state = np.clip(base[np.array([maps.state_rows[x] for x in fast])], 0.0, None)
            h_cond = base[np.array([maps.entropy_row[x] for x in fast])]
            joint_t = np.clip(with_t[:, np.array([maps.cause_rows[x] for x in fast])], 0.0, None)
            logs = np.log2(np.where(p_state > 0, p_state, 1.0))
            gain = np.maximum(0.0, -(p_state * logs).sum(axis=1) - h_cond)
            seen = p_state > 0
            tracked_p = joint_t.transpose(1, 2, 0) / np.where(seen, p_state, 1.0)[..., None]
            tracked_p[~seen] = np.nan
            for i, node in enumerate(fast):
                k = maps.k[node]
                done[node] = Preview(node, p_state[i, :k], tracked_p[i, :k], float(gain[i]))
        for node in nodes:
            if node in done:
                continue
            if use_maps and node in maps.noisy:
                done[node] = self._noisy_preview(post, node, tr, maps.noisy[node])
                continue
            k = len(self.states[node])
            if self.kind[node] == "finding":
                axes = self.finding_axes[node]
                table = self._state_major(node).reshape(k, -1)
                h = self._cond_entropy(node).reshape(-1)
            elif self.kind[node] == "risk":
                if node not in case.weights:
                    raise ValueError(f"{node} is already answered")
                causes, kept = self._keep(case, node)
                axes = tuple(self.axis[c] for c in causes)
                q = kept.reshape(k, -1) * case.weights[node][:, None]
                qc = q.sum(axis=0)
                table = q / np.where(qc > 0, qc, 1.0)  # P(r | B)
                h = entropy(table, axis=0)
            else:
                raise ValueError(f"{node} is not a question node")
            cols = self._cols(post, case, tr, axes)
            res = table @ cols.T  # (states, 1 + tracked)
            done[node] = self._make_preview(node, res[:, 0], res[:, 1:], float(h @ cols[0]))
        return [done[node] for node in nodes]

    def _noisy_preview(
        self,
        post: Posterior,
        node: str,
        tr: tuple[int, ...],
        form: NoisyForm,
    ) -> Preview:
        """Preview of a large noisy-MAX finding without its table.

        P(Y <= y, tracked | e) is leak(y) times E[prod over present causes of link(y)], and
        prod_c link_c(y)^{c} is a Kronecker product over the causes: with the joint as a
        (first causes x last causes) matrix, one matrix product with the last causes' half
        (a column per state, and per tracked cause among the last causes with its absent
        half zeroed) and one weighted sum with the first causes' half give them all.
        """
        n_hi = form.hi.shape[1].bit_length() - 1
        y = len(form.leak) - 1
        joint = post.joint.reshape(form.hi.shape[1], -1)
        lo_tr = [t for t in tr if t >= n_hi]
        lo_bits = bits(self.n - n_hi)
        cols = [form.lo] + [form.lo * lo_bits[:, t - n_hi] for t in lo_tr]
        r = joint @ np.concatenate(cols, axis=0).T  # (first configs, y * (1 + lo_tr))
        r = r.reshape(r.shape[0], 1 + len(lo_tr), y) * form.hi.T[:, None, :]
        plain = r[:, 0, :]
        cdf = np.append(plain.sum(axis=0) * form.leak[:y], 1.0)
        joint_t = np.empty((y + 1, len(tr)))
        for i, t in enumerate(tr):
            if t >= n_hi:
                e_t = r[:, 1 + lo_tr.index(t), :].sum(axis=0)
            else:
                e_t = plain[bits(n_hi)[:, t] > 0].sum(axis=0)
            cdf_t = np.append(e_t * form.leak[:y], post.marginals[t])
            joint_t[:, i] = np.diff(cdf_t, prepend=0.0)
        h_cond = float(form.h @ post.joint.reshape(-1))
        return self._make_preview(node, np.diff(cdf, prepend=0.0), joint_t, h_cond)

    @staticmethod
    def _make_preview(
        node: str, p_state: np.ndarray, joint_t: np.ndarray, h_cond: float
    ) -> Preview:
        """Preview from P(state), P(state, tracked cause present) and H(node | causes)."""
        p_state = np.clip(p_state, 0.0, None)
        gain = max(0.0, float(entropy(p_state)) - h_cond)
        seen = p_state > 0
        tracked_p = np.clip(joint_t, 0.0, None) / np.where(seen, p_state, 1.0)[:, None]
        tracked_p[~seen] = np.nan
        return Preview(node, p_state, tracked_p, gain)

    def _cols(
        self, post: Posterior, case: Case, tracked: tuple[int, ...], axes: tuple[int, ...]
    ) -> np.ndarray:
        """Rows: P(B = b | e) and P(B = b, cause_t present | e) for each tracked t, over the
        configurations b of the causes on ``axes`` (ascending), flattened."""
        key = (tracked, axes)
        hit = case.cols.get(key)
        if hit is not None:
            return hit
        m = 1 + len(tracked)
        u = tuple(sorted(set(axes) | set(tracked)))
        marg = self.marginal(post, u)
        stack = np.empty((m, *marg.shape))
        stack[0] = marg
        for j, t in enumerate(tracked):
            stack[j + 1] = marg
            absent: tuple[Any, ...] = (j + 1, *([slice(None)] * u.index(t)), 0)
            stack[absent] = 0.0
        drop = tuple(1 + i for i, a in enumerate(u) if a not in axes)
        res = (stack.sum(axis=drop) if drop else stack).reshape(m, -1)
        case.cols[key] = res
        return res

    def node_distribution(self, post: Posterior, evidence: Evidence, node: str) -> np.ndarray:
        """P(node | evidence) for an unanswered question node."""
        return self.previews(post, evidence, [node], ())[0].p_state

    # ------------------------------------------------------------------ interventions
    def intervene(self, evidence: Evidence | Case) -> tuple[float, np.ndarray]:
        """P(heavy_legs = yes) and P(cause = present) for each cause given risk-factor
        evidence only (used for do(): risk factors are root nodes, so setting one is the
        graph surgery of an intervention). Findings in ``evidence`` are ignored."""
        case = self.case(evidence)
        p_no, a = self._heavy_terms()
        marg = np.empty(self.n)
        for i, (causes, _) in enumerate(case.comps):
            t = self._comp(case, i)
            flat = t.reshape(-1) / t.sum()
            marg[[self.axis[c] for c in causes]] = all_marginals(flat, len(causes))
            p_no *= float(flat @ self._present_weights(a, causes))
        return 1.0 - p_no, marg

    def _present_weights(self, a: np.ndarray, causes: Sequence[str]) -> np.ndarray:
        """prod_c a_c^{c} over the causes' configurations, flattened (cause order)."""
        return link_products(a[[self.axis[c] for c in causes]][:, None])[0]

    def _heavy_terms(self) -> tuple[float, np.ndarray]:
        if self._heavy_node.noisy is None:
            raise ValueError(
                f"what-ifs need {HEAVY_LEGS} as a noisy-MAX finding; vary its noisy parameters"
            )
        leak_cdf, link = self._heavy_node.noisy
        a = np.ones(self.n)
        for j, ax in enumerate(self.finding_axes[HEAVY_LEGS]):
            a[ax] = link[j, 0]
        return float(leak_cdf[0]), a

    def intervene_each(
        self, evidence: Evidence | Case, nodes: Sequence[str]
    ) -> dict[str, np.ndarray]:
        """P(heavy_legs = yes | do(node = s), other risk evidence) for every state s of each
        risk factor in ``nodes``. Components that do not hold the node are shared; the one
        that does is the node's kept component (:meth:`_keep`)."""
        case = self.case(evidence)
        leak0, a = self._heavy_terms()
        comp_val = []
        for i, (causes, _) in enumerate(case.comps):
            t = self._comp(case, i).reshape(-1)
            comp_val.append(float(t @ self._present_weights(a, causes)) / float(t.sum()))
        out: dict[str, np.ndarray] = {}
        for node in nodes:
            kids = set(self.risk_children[node])
            others = float(
                np.prod(
                    [v for (c, _), v in zip(case.comps, comp_val, strict=True) if not kids & set(c)]
                )
            )
            causes, kept = self._keep(case, node)
            flat = kept.reshape(len(kept), -1)
            vals = (flat @ self._present_weights(a, causes)) / flat.sum(axis=1)
            out[node] = 1.0 - leak0 * others * vals
        return out

    # ------------------------------------------------------------------ variants
    def with_tables(
        self,
        tables: Mapping[str, np.ndarray],
        noisy: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> Engine:
        """A new engine with some nodes' distributions replaced (for sensitivity analysis):
        ``tables`` gives whole tables, ``noisy`` a noisy-MAX finding's (leak CDF, link CDFs),
        from which its table is derived. A node comes in one of the two, never both, so the
        posteriors and the what-ifs of the variant read the same numbers.

        Only what depends on the replaced tables is recomputed; this engine is unchanged.
        """
        from copy import copy
        from dataclasses import replace

        noisy = dict(noisy or {})
        both = sorted(set(tables) & set(noisy))
        if both:
            raise ValueError(f"{both}: give a table or noisy parameters, not both")
        changed: dict[str, tuple[np.ndarray | None, Any]] = {
            k: (v, None) for k, v in tables.items()
        }
        changed.update({k: (None, v) for k, v in noisy.items()})
        nodes = tuple(
            replace(n, cpt=changed[n.id][0], noisy=changed[n.id][1]) if n.id in changed else n
            for n in self.net.nodes
        )
        ids = set(changed)
        new = copy(self)
        new._by_state = {k: v for k, v in self._by_state.items() if k not in ids}
        new._hard_factors = {k: v for k, v in self._hard_factors.items() if k[0] not in ids}
        new._lock = threading.Lock()
        if any(self.kind[t] == "finding" for t in ids):
            new._maps = None
        new.net = replace(self.net, nodes=nodes)
        node_map = new.net.node_map
        new.cause_table = dict(self.cause_table)
        new.finding_table = dict(self.finding_table)
        new._cond_h = {k: v for k, v in self._cond_h.items() if k not in ids}
        new.risk_prior = dict(self.risk_prior)
        for nid in ids:
            kind = self.kind[nid]
            if kind == "cause":
                new.cause_table[nid] = node_map[nid].table
            elif kind == "risk":
                new.risk_prior[nid] = node_map[nid].table
            elif kind == "finding":
                new.finding_table[nid] = node_map[nid].table
                if nid == HEAVY_LEGS:
                    new._heavy_node = node_map[nid]
                    yes = self.states[HEAVY_LEGS].index("yes")
                    heavy = np.ascontiguousarray(
                        np.broadcast_to(
                            self._expand(
                                node_map[nid].table[..., yes], self.finding_axes[HEAVY_LEGS]
                            ),
                            (2,) * self.n,
                        )
                    )
                    heavy.setflags(write=False)
                    new._heavy = heavy
        return new
