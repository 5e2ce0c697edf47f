"""Exact inference whose cost grows with the evidence, not with 2**causes (issue 12).

The network is BN2O-shaped: risk factors -> independent-given-risk causes -> noisy-OR /
noisy-MAX findings with a leak (``heavy_legs`` linked to every cause). For a finding Y with
states 0..m-1, Henrion's product form is

    F_y(c) = P(Y <= y | causes c) = leak(y) * prod over present causes i of q_i(y),

with F_{m-1} = 1. Evidence with likelihood vector lam on Y (a hard answer is a one-hot lam)
enters as the factor sum_y lam_y (F_y - F_{y-1}) = sum_y (lam_y - lam_{y+1}) F_y: a signed
sum of at most m product forms (two for a hard answer above the lowest state, one at the
lowest state). Multiplying the factors of heavy legs and every answered finding gives a
signed sum of T product "terms" (Heckerman's Quickscore, 1989, in its noisy-MAX form; T is
2**k for k hard answers above their lowest state), each a vector a_t of per-cause
multipliers. For one term the sum over the causes is a product over the components of
causes that share unanswered risk factors:

    Z_t = prod over components K of sum over K's shared risk factors r of
          w(r) prod over causes i in K of (P(i absent | r) + P(i present | r) a_ti),

a small variable elimination over the shared risk factors with the terms as a batch axis
(:class:`~model.contraction.Contraction`); risk factors with one child are summed into that
child first. Every cause's marginal comes from the same contraction's reverse pass
(E[c_i prod a^c] = a_i dZ/da_i). So the cost is about T x (causes + shared risk
configurations), linear in the causes and exponential only in the positive answers.

Routes, chosen per query (``Posterior.route`` names the one used):

- ``quickscore``: the sum above, in chunks of at most ``CHUNK`` terms (bounded memory).
  The signed sum can cancel badly: several rare symptoms at once give condition numbers
  (sum |terms| / |sum|) of 1e10 to 1e14 on this network. Its error is about condition x
  1e-16 in double precision and condition x 1e-19 in numpy's extended precision (measured
  against the hypercube engine and variable elimination, and tested to stay within
  condition x eps), so beyond ``COND_MAX`` the sum is redone in extended
  precision (``quickscore-longdouble``) and beyond ``COND_MAX_LD`` (1e10) the posterior takes the
  hypercube or variable elimination instead. ``Posterior.condition`` reports it; previews
  and withdrawals on the term route redo their sums the same way (their largest condition
  is kept in ``case.extra["condition"]``).
- ``hypercube``: the original engine (:mod:`model.engine`, the 2**n joint) while the
  network has at most ``HYPERCUBE_MAX_CAUSES`` causes and its cost is not far above the
  term sum; it also gives the exact joint information gain (see :attr:`gain_measure`).
- ``variable-elimination``: beyond ``MAX_TERMS`` terms, an exact contraction of the whole
  network in Diez and Galan's factorisation of noisy-MAX (each answered finding an
  auxiliary variable over its product forms), planned by opt_einsum, when its largest
  intermediate stays under ``VE_MAX_ENTRIES``.
- ``quickscore-longdouble-bounded``: beyond condition 1e10 where variable elimination would
  cost more than ``VE_MAX_FLOPS`` (a minute or more), up to condition 1e13: the extended-
  precision sum, named, with ``exact`` False and its error bound (condition x eps, at most
  1e-6) in ``std_error``; checked against the hypercube engine (tests/test_quickscore.py).
- ``importance-sampling``: beyond both bounds only, adaptive importance sampling
  (approximate; ``Posterior.exact`` is False and ``Posterior.std_error`` bounds it),
  checked against the exact answer where that is computable (tests/test_quickscore.py).

Information gain. With the hypercube (``gain_measure == "joint"``) a question's gain is the
mutual information between its answer and the joint of all causes, as before. Beyond
``HYPERCUBE_MAX_CAUSES`` causes that is no longer affordable for findings with many
parents, and the gain is the sum over causes of the mutual information between the answer
and each cause, sum_i I(C_i; Y | answers) (``gain_measure == "sum_of_cause_mi"``), which
the term sums give exactly; benchmarks/bench_gain_agreement.py measures how often it picks
the same next question as the joint measure on the 17-cause network.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..kb import HEAVY_LEGS
from . import particles
from .contraction import Contraction, before_after
from .draws import Stacked
from .network import Network, NetworkIndex
from .threads import run_all
from .variants import single_cause_marginals

Evidence = Mapping[str, np.ndarray]

HYPERCUBE_MAX_CAUSES = 20  # the 2**n route (and the exact joint gain) up to this many causes
HYPERCUBE_MAX_RISKS = 26  # ... and this many risk factors, when the route is chosen per query
CHUNK = 1 << 13  # term rows per evaluation batch (times causes: the memory of one batch)
MAX_TERMS = 1 << 21  # the term sum is exact route up to this many terms per query
VE_MAX_ENTRIES = 1 << 24  # largest intermediate of the variable-elimination route
VE_PLANS_KEPT = 256  # variable-elimination plans kept per engine (one per answer structure)
DENSE_MAX = 40  # components with (risk configurations x causes) up to this are enumerated
COND_MAX = 1e5  # beyond: the term sum is redone in extended precision (64-bit mantissa)
# beyond even that: another exact route where one is affordable. The extended-precision sum
# errs by about condition x 1e-19 of P(e): 1e-9 at 1e10 (measured against variable
# elimination and the hypercube: 1.4e-10 at condition 2e9; tests/test_quickscore.py). Variable
# elimination costs seconds to a minute on the 25-cause network, the sum a tenth of a second.
COND_MAX_LD = 1e10
# Beyond COND_MAX_LD variable elimination is exact but slow (its plan is run as numpy steps:
# about 40 s at 8e8 operations). Where its plan costs more than VE_MAX_FLOPS and the condition
# is at most BOUNDED_COND_MAX, the extended-precision sum is returned as a named fallback
# (route BOUNDED_ROUTE, ``exact`` False, ``std_error`` = condition x eps, at most 1e-6).
VE_MAX_FLOPS = 1e8
BOUNDED_COND_MAX = 1e13
BOUNDED_ROUTE = "quickscore-longdouble-bounded"
LD_EPS = float(np.finfo(np.longdouble).eps)
# previews (what each answer would do, the gains that rank questions), the leave-one-out
# explanations and the tornado stay in double precision up to this condition: their error is
# at most about condition x 1e-16 of P(e), 1e-4 here (a hundredth of a percentage point; the
# app shows whole points), and for the causes after an answer that error divided by the
# answer's probability; measured 4e-6 at condition 1e11 against the extended-precision sum,
# which took five times as long (the previews of a runner's 18 answers: 27 s against 5.5 s);
# posteriors keep COND_MAX
PREVIEW_COND_MAX = 1e12
# the interval draws keep a double-precision sum up to the same condition (error about 1e-4,
# far below the sampling error of 24 draws)
DRAWS_COND_MAX = PREVIEW_COND_MAX
# the interval draws (issue 16) accept an extended-precision sum up to this condition: its
# error is at most about condition x 1e-19 of P(e), 1e-5 here, far below the interval's own
# sampling error (24 draws); beyond it a draw still goes to another exact route
DRAWS_COND_MAX_LD = 1e14
# variant_marginals (the tornado): term rows per evaluation of a group of variants
VARIANT_ROWS = 1 << 15
# a deep case's variants (the tornado's rows) reweight its samples this many at a time
PARTICLE_VARIANTS = 48
# rows per batch of ``_batch``, whatever the number of threads (so the sums do not depend on
# it); the batches of one query run on the machine's cores (:mod:`.threads`)
BATCH_ROWS = CHUNK // 2
# ... and a contraction plan takes them in blocks of rows whose largest intermediate holds
# about PLAN_ENTRIES numbers (a power of two, PLAN_ROWS_MIN to PLAN_ROWS_MAX rows; half the
# entries in extended precision): its intermediates and their derivatives then stay in the
# core's cache. On the diagnoses of the growth benchmark's 30 vignettes the 41-cause
# network's planned components took 8.8 s in one block per batch (up to 4,096 rows) and 5.1-
# 5.5 s in blocks of 128-512 (largest intermediates of 960 entries a row prefer 128-256, of
# 108-240 entries 512; the 25-cause network's: 3.3 -> 2.0 s). Each row is its own sum, so
# the blocks give the same numbers up to the order of a few additions (numpy and BLAS pick
# their inner loops by the lengths; tests/test_quickscore_blocks.py)
PLAN_ENTRIES = 1 << 17
PLAN_ROWS_MIN = 128
PLAN_ROWS_MAX = 512
SAMPLES = 20_000  # importance-sampling fallback: samples per round
# A deep case (a runner's 30th answer with 15 or more findings above their lowest state) whose
# sum cancels beyond extended precision and whose variable elimination costs more than
# VE_MAX_FLOPS: importance sampling with this many samples per round (named, with its
# standard error: 0.005 and an error of at most 0.005-0.010 against variable elimination on
# such cases, in 1.1-1.5 s where the exact routes took 12-17 s, benchmarks/bench_path.py)
DEEP_SAMPLES = 200_000
# ... that is, where variable elimination would cost more than VE_SLOW_FLOPS (it took 10-17 s
# at 0.9-1.8e9) and the extended-precision sum's bound passes DEEP_MAX_ERROR (a tenth of a
# percentage point; up to it the bounded fallback is returned with its bound, as it always
# was where no elimination plan fits VE_MAX_ENTRIES)
VE_SLOW_FLOPS = 5e8
DEEP_MAX_ERROR = 1e-3
# the sampled posterior of a case beyond every exact route (the term bound passed and no
# elimination plan fits): DEEP_SAMPLES per round, and rounds beyond ROUNDS (up to this many)
# while the error bound passes IS_TARGET_SE (every finding at its highest state: 0.23 with
# 20,000 samples and 3 rounds; 0.04 with 200,000 and 6, in about 4 s)
IS_MAX_ROUNDS = 6
IS_TARGET_SE = 0.02
ROUNDS = 3


def _entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    safe = np.where(p > 0, p, 1.0)
    return -(np.where(p > 0, p * np.log2(safe), 0.0)).sum(axis=axis)


@dataclass(frozen=True)
class Preview:
    """What observing one node would do: P(state) and the tracked causes after each state."""

    node: str
    p_state: np.ndarray  # P(node = s | evidence)
    tracked: np.ndarray  # P(cause_t = present | evidence, node = s), shape (states, tracked)
    gain: float  # information gain in bits (see QuickscoreEngine.gain_measure)


@dataclass
class Comp:
    """A component: causes sharing free risk factors, each cause's table over its shared
    free parents (the private ones summed in, the answered ones sliced)."""

    axes: tuple[int, ...]
    risks: tuple[str, ...]
    weights: tuple[np.ndarray, ...]
    parents: tuple[tuple[str, ...], ...]  # per cause: its shared free parents
    p0: tuple[np.ndarray, ...]
    p1: tuple[np.ndarray, ...]
    plan: Contraction | None = None
    dense: tuple[np.ndarray, list[np.ndarray]] | None = None  # (configurations, per-cause index)

    def configurations(
        self, params: Mapping[Any, Any] | None = None, b: int = 1, dtype: Any = float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A dense component's tables at each of its R shared risk configurations: the
        weight (b, R) and each cause's P(absent) and P(present) (b, R, causes). ``params``
        holds per-row replacements (("w", r) -> (b, states), ("c", axis) -> (p0, p1) per
        row), as in :meth:`QuickscoreEngine._eval`; without them b = 1 serves every row."""
        assert self.dense is not None
        cfg, idx = self.dense
        params = params or {}
        w = np.ones((b, cfg.shape[0]), dtype=dtype)
        for k, (r, wr) in enumerate(zip(self.risks, self.weights, strict=True)):
            wk = params.get(("w", r))
            w = w * (wk[:, cfg[:, k]] if wk is not None else wr[cfg[:, k]])
        mc = len(self.axes)
        p0 = np.empty((b, cfg.shape[0], mc), dtype=dtype)
        p1 = np.empty((b, cfg.shape[0], mc), dtype=dtype)
        for j, a_i in enumerate(self.axes):
            pp = params.get(("c", a_i))
            if pp is None:
                p0[:, :, j] = self.p0[j].reshape(-1)[idx[j]]
                p1[:, :, j] = self.p1[j].reshape(-1)[idx[j]]
            else:
                p0[:, :, j] = pp[0].reshape(b, -1)[:, idx[j]]
                p1[:, :, j] = pp[1].reshape(b, -1)[:, idx[j]]
        return w, p0, p1


@dataclass
class QCase:
    """Scratch for the queries of one evidence set (never shared between calls)."""

    engine: QuickscoreEngine
    evidence: Evidence
    comps: list[Comp]
    mass: float  # P(hard risk evidence) x masses of childless free risk factors
    single: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # comp idx, axes, p0, p1
    multi: list[int]  # components with a contraction
    comp_of: np.ndarray  # component index of each cause
    hard: dict[str, int] = field(default_factory=dict)  # hard-answered risk factors
    weights: dict[str, np.ndarray] = field(default_factory=dict)  # free risk factors' weights
    shared: set[str] = field(default_factory=set)  # free risk factors with several children
    sig: dict[str, Any] = field(default_factory=dict)  # evidence signature per risk factor
    inner: Any = None  # the hypercube engine's case, made on demand
    post: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Posterior:
    """P(causes | evidence) as marginals, the log evidence and how they were computed."""

    marginals: np.ndarray
    log_evidence: float
    route: str
    exact: bool = True
    condition: float = 1.0  # sum |terms| / |sum| of the signed term sum (1: no cancellation)
    # importance sampling: the marginals' standard error; the bounded fallback: its error bound
    std_error: float = 0.0
    inner: Any = None  # the hypercube engine's posterior on that route
    factors: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def joint(self) -> np.ndarray:
        """The 2**n joint, on the hypercube route only (elsewhere use
        :meth:`QuickscoreEngine.marginal` for a few causes)."""
        if self.inner is None:
            raise AttributeError(
                f"no joint on the {self.route} route; use engine.marginal(post, evidence, axes)"
            )
        return self.inner.joint


Term = tuple[np.ndarray, np.ndarray]  # (coefficients (s,), multipliers (s, n))


@dataclass
class Job:
    """Rows to evaluate: coefficients w (T,), term rows a (T, n), per-row replacements of
    the case's parameters (same structure) and a scale (a ratio of evidence masses)."""

    w: np.ndarray
    a: np.ndarray
    over: dict[Any, Any] = field(default_factory=dict)
    scale: float = 1.0
    # (Zc (T, components), M (T, n), components): these components' sums and numerators for
    # the job's rows, already known (a preview's rows equal the case's on the components its
    # finding or risk factor does not touch); evaluated, not taken, in extended precision
    reuse: tuple[np.ndarray, np.ndarray, frozenset[int]] | None = None


def _reuse(
    base: tuple[np.ndarray, np.ndarray] | None, keep: frozenset[int]
) -> tuple[np.ndarray, np.ndarray, frozenset[int]] | None:
    """A job's ``reuse``: the components ``keep`` copied from ``base`` (Zc, M of the case's
    own rows), or nothing to copy."""
    return (base[0], base[1], keep) if base is not None and keep else None


def _block_rows(entries: int) -> int:
    """Rows per block of a contraction whose largest intermediate holds ``entries`` numbers
    (in doubles) per row (PLAN_ENTRIES)."""
    rows = 1 << max(0, (PLAN_ENTRIES // max(1, entries)).bit_length() - 1)
    return min(PLAN_ROWS_MAX, max(PLAN_ROWS_MIN, rows))


def _rows_slice(value: Any, lo: int, hi: int) -> Any:
    """Rows lo:hi of a per-row parameter laid out rows last: an array (..., B) or a pair of
    them (a cause's P(absent), P(present) tables)."""
    if isinstance(value, tuple):
        return tuple(v[..., lo:hi] for v in value)
    return value[..., lo:hi]


class QuickscoreEngine(NetworkIndex):
    """Exact inference on a BN2O network with the same methods as :class:`model.engine.Engine`.

    Immutable after construction (caches fill under a lock); safe to share.
    ``route`` forces one route for every query ("quickscore", "hypercube",
    "variable-elimination" or "importance-sampling"); None chooses per query.
    """

    def __init__(
        self, net: Network, route: str | None = None, gain_measure: str | None = None
    ) -> None:
        super().__init__(net)
        self.route = route
        nodes = net.node_map
        self.noisy: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for f in self.finding_ids:
            if nodes[f].noisy is None:
                raise ValueError(f"{f}: the quickscore engine needs noisy-OR/MAX findings")
            self.noisy[f] = nodes[f].noisy  # type: ignore[assignment]
        self._rows: dict[str, np.ndarray] = {}  # per finding: q over all causes, (states, n)
        self._plans: dict[Any, Contraction] = {}
        self._ve_plans: dict[Any, Contraction | None] = {}  # by structure, oldest dropped
        self._reduced_cache: dict[Any, tuple[tuple[str, ...], np.ndarray, np.ndarray]] = {}
        self._hyper: Any = None
        self._lock = threading.Lock()
        # the hypercube engine (and the exact joint gain) where it can be built
        # (forced with route="hypercube", as far as its einsum's 52 letters go: the
        # benchmarks' baseline, the original engine on the 17-cause network)
        self.hypercube_ok = (
            self.n <= HYPERCUBE_MAX_CAUSES and len(self.risk_ids) <= HYPERCUBE_MAX_RISKS
        ) or (
            route == "hypercube"
            and self.n <= HYPERCUBE_MAX_CAUSES
            and len(self.risk_ids) <= 52 - self.n
        )
        self.gain_measure = gain_measure or ("joint" if self.hypercube_ok else "sum_of_cause_mi")
        # a deep case's previews, withdrawals and interval draws by importance sampling
        # (:mod:`.particles`); False keeps every extra exact (the tests' oracle comparisons)
        self.sampled_extras = route is None

    # ------------------------------------------------------------------ helpers
    def one_hot(self, node: str, state: str) -> np.ndarray:
        v = np.zeros(len(self.states[node]))
        v[self.states[node].index(state)] = 1.0
        return v

    def _link_rows(self, f: str, link: np.ndarray) -> np.ndarray:
        """q_i(y) for every cause i (1 for non-parents) and state y of finding f, from its
        link CDFs (..., parents, states): (..., states, n); leading axes are variants."""
        link = np.asarray(link, dtype=float)
        r = np.ones((*link.shape[:-2], link.shape[-1], self.n))
        r[..., list(self.finding_axes[f])] = np.swapaxes(link, -1, -2)
        r[..., -1, :] = 1.0
        return r

    @staticmethod
    def _coefficients(lik: np.ndarray, leak_cdf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(d (..., states), kept states): the coefficients (lik_y - lik_{y+1}) F_leak(y) of
        an answered finding's product forms (F at the top state is 1), and the states whose
        coefficient is non-zero in some variant (leading axes of ``leak_cdf``)."""
        leak = np.array(leak_cdf, dtype=float)
        leak[..., -1] = 1.0
        lik = np.asarray(lik, dtype=float)
        d = (lik - np.append(lik[1:], 0.0)) * leak
        return d, np.flatnonzero((d != 0.0).reshape(-1, d.shape[-1]).any(axis=0))

    def _finding_rows(self, f: str) -> np.ndarray:
        """q_i(y) for every cause i (1 for non-parents) and state y of finding f: (states, n)."""
        r = self._rows.get(f)
        if r is None:
            r = self._link_rows(f, self.noisy[f][1])
            r.setflags(write=False)
            self._rows[f] = r
        return r

    def _finding_term(self, f: str, lik: np.ndarray) -> Term:
        """The factor sum_y lik_y P(Y = y | causes) of an answered finding as a signed sum
        of product forms: (coefficients, multipliers), zero coefficients dropped."""
        d, rows, _ = self._finding_parts(f, lik)
        return d, rows

    def _finding_parts(self, f: str, lik: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_finding_term` with the states it keeps (their indices)."""
        d, keep = self._coefficients(lik, self.noisy[f][0])
        return d[keep], self._finding_rows(f)[keep], keep

    @property
    def hyper(self) -> Any:
        """The hypercube engine (the original :class:`model.engine.Engine`), made on demand."""
        if self._hyper is None:
            if not self.hypercube_ok:
                raise ValueError(
                    f"no hypercube route beyond {HYPERCUBE_MAX_CAUSES} causes or "
                    f"{HYPERCUBE_MAX_RISKS} risk factors ({52 - self.n} when forced with "
                    'route="hypercube")'
                )
            with self._lock:
                if self._hyper is None:
                    from .engine import Engine

                    self._hyper = Engine(self.net)
        return self._hyper

    # ------------------------------------------------------------------ cases
    def case(self, evidence: Evidence | QCase) -> QCase:
        if isinstance(evidence, QCase):
            if evidence.engine is self:
                return evidence
            evidence = evidence.evidence
        return self._split(evidence)

    def _split(self, evidence: Evidence, within: Sequence[int] | None = None) -> QCase:
        """Components of causes sharing free risk factors, each cause's table reduced to its
        shared free parents. ``within`` restricts the split to those causes (a closed set of
        components: used for the variants of a case, which change one risk factor)."""
        hard, weights, mass, sig = self._risk_weights(evidence)
        shared = {r for r in weights if len(self.risk_children[r]) > 1}
        axes_all = range(self.n) if within is None else sorted(within)
        parent = {a: a for a in axes_all}

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for r in shared:
            kids = [self.axis[c] for c in self.risk_children[r] if self.axis[c] in parent]
            for k in kids[1:]:
                parent[find(k)] = find(kids[0])
        groups: dict[int, list[int]] = {}
        for a in axes_all:
            groups.setdefault(find(a), []).append(a)
        comps: list[Comp] = []
        for axes in groups.values():
            risks = tuple(
                r
                for r in self.risk_ids
                if r in shared and self.axis[self.risk_children[r][0]] in axes
            )
            pars, p0s, p1s = [], [], []
            for a in axes:
                free, p0, p1 = self._reduced(a, hard, weights, shared, sig)
                pars.append(free)
                p0s.append(p0)
                p1s.append(p1)
            comps.append(
                Comp(
                    tuple(axes),
                    risks,
                    tuple(weights[r] for r in risks),
                    tuple(pars),
                    tuple(p0s),
                    tuple(p1s),
                )
            )
        single = [i for i, c in enumerate(comps) if not c.risks]
        multi = [i for i, c in enumerate(comps) if c.risks]
        for i in multi:
            self._prepare(comps[i])
        comp_of = np.full(self.n, -1, dtype=np.int64)
        for i, c in enumerate(comps):
            comp_of[list(c.axes)] = i
        s_idx = np.array(single, dtype=np.int64)
        s_axes = np.array([comps[i].axes[0] for i in single], dtype=np.int64)
        s_p0 = np.array([float(comps[i].p0[0]) for i in single])
        s_p1 = np.array([float(comps[i].p1[0]) for i in single])
        return QCase(
            self,
            evidence,
            comps,
            mass,
            (s_idx, s_axes, s_p0, s_p1),
            multi,
            comp_of,
            hard,
            weights,
            shared,
            sig,
        )

    def _risk_weights(
        self, evidence: Evidence
    ) -> tuple[dict[str, int], dict[str, np.ndarray], float, dict[str, Any]]:
        """Risk factors answered outright (their state), the weights of the others that
        have children, the mass of the rest, and each one's signature for the caches."""
        hard: dict[str, int] = {}
        weights: dict[str, np.ndarray] = {}
        mass = 1.0
        sig: dict[str, Any] = {}
        for r in self.risk_ids:
            lik = evidence.get(r)
            if lik is not None and np.count_nonzero(lik) == 1:
                s = int(np.flatnonzero(lik)[0])
                hard[r] = s
                sig[r] = s
                mass *= float(self.risk_prior[r][s] * lik[s])
            else:
                w = self.risk_prior[r] if lik is None else self.risk_prior[r] * np.asarray(lik)
                sig[r] = None if lik is None else np.asarray(lik, dtype=float).tobytes()
                if not self.risk_children[r]:
                    mass *= float(w.sum())
                else:
                    weights[r] = w
        return hard, weights, mass, sig

    def _prepare(self, comp: Comp) -> None:
        """A component's evaluation: its risk configurations enumerated when small
        (``DENSE_MAX``), else a contraction plan."""
        sizes = [len(w) for w in comp.weights]
        n_cfg = int(np.prod(sizes))
        if n_cfg * len(comp.axes) <= DENSE_MAX:
            cfg = np.array(list(itertools.product(*[range(k) for k in sizes])), dtype=np.int64)
            idx = []
            for ps in comp.parents:  # flat index into the cause's table over ps
                flat = np.zeros(n_cfg, dtype=np.int64)
                for p in ps:
                    flat = flat * sizes[comp.risks.index(p)] + cfg[:, comp.risks.index(p)]
                idx.append(flat)
            comp.dense = (cfg, idx)
        else:
            comp.plan = self._plan(comp)

    def _reduced(
        self,
        a: int,
        hard: Mapping[str, int],
        weights: Mapping[str, np.ndarray],
        shared: set[str],
        sig: Mapping[str, Any],
    ) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """Cause a's table sliced at its hard parents, its private free parents summed in
        with their weights: (shared free parents, P(absent | them), P(present | them)).
        Cached per evidence on its parents."""
        c = self.cause_ids[a]
        ps = self.cause_parents[c]
        key = (a, tuple((p, sig[p], p in shared) for p in ps))
        hit = self._reduced_cache.get(key)
        if hit is not None:
            return hit
        free, t = self._reduce_table(self.cause_table[c][None], ps, hard, shared, weights)
        p0, p1 = np.array(t[0, ..., 0]), np.array(t[0, ..., 1])
        p0.setflags(write=False)
        p1.setflags(write=False)
        hit = (free, p0, p1)
        if len(self._reduced_cache) < 100_000:
            self._reduced_cache[key] = hit
        return hit

    @staticmethod
    def _reduce_table(
        t: np.ndarray,
        ps: Sequence[str],
        hard: Mapping[str, int],
        shared: set[str],
        weights: Mapping[str, np.ndarray],
    ) -> tuple[tuple[str, ...], np.ndarray]:
        """A cause's tables (variants, *parents ``ps``, 2) sliced at the hard parents, the
        private free parents summed in with their weights ((states,) or (variants, states)):
        (the shared free parents, the tables over them (variants, *them, 2))."""
        t = t[(slice(None), *(hard[p] if p in hard else slice(None) for p in ps))]
        free = [p for p in ps if p not in hard]
        for p in [p for p in free if p not in shared]:  # the states axis stays last
            w = np.broadcast_to(weights[p], (t.shape[0], np.shape(weights[p])[-1]))
            t = np.einsum("k...s,ks->k...", np.moveaxis(t, 1 + free.index(p), -1), w)
            free.remove(p)
        return tuple(free), t

    def _plan(self, comp: Comp) -> Contraction:
        key = (comp.risks, tuple(w.shape for w in comp.weights), comp.parents)
        plan = self._plans.get(key)
        if plan is None:
            subs: list[tuple[str, ...]] = [("#b", r) for r in comp.risks]
            subs += [("#b", *ps) for ps in comp.parents]
            sizes = {r: len(w) for r, w in zip(comp.risks, comp.weights, strict=True)}
            sizes["#b"] = 256
            grads = list(range(len(comp.risks), len(subs)))
            plan = Contraction(subs, ("#b",), sizes, grads, batch="#b")
            with self._lock:
                self._plans[key] = plan
        return plan

    # ------------------------------------------------------------------ the product forms
    def _eval(
        self,
        case: QCase,
        a: np.ndarray,
        params: Mapping[Any, Any] | None = None,
        grads: bool = True,
        reuse: tuple[np.ndarray, np.ndarray, frozenset[int]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For term rows ``a`` (B, n): Zc (B, components) = each component's sum, and
        M (B, n) = each cause's E_component[c_i prod a^c]. ``params`` holds per-row
        replacements in the same structure (:meth:`_rows_param`): ("w", r) -> weights of a
        shared free risk factor, (B, states), ("c", axis) -> (p0, p1) per row of a cause's
        reduced table, (B, *table); rows last, (states, B) and (*table, B), for the
        components with a contraction plan. Without
        ``grads`` the contractions skip their reverse pass and M is not filled (the sums
        alone: log-evidence queries). ``reuse``: (Zc, M, components) already known for
        these rows; those components are copied, not evaluated."""
        b = a.shape[0]
        params = params or {}
        zc = np.ones((b, len(case.comps)), dtype=a.dtype)
        m = (np.empty if grads else np.zeros)((b, self.n), dtype=a.dtype)
        s_idx, s_axes, s_p0, s_p1 = case.single
        if len(s_idx):
            p0: np.ndarray = s_p0
            p1: np.ndarray = s_p1
            rows = [k for k, ax in enumerate(s_axes.tolist()) if ("c", ax) in params]
            if rows:
                p0 = np.repeat(s_p0[None, :], b, axis=0)
                p1 = np.repeat(s_p1[None, :], b, axis=0)
                for k in rows:
                    p0[:, k], p1[:, k] = params[("c", int(s_axes[k]))]
            h = a[:, s_axes] * p1
            zc[:, s_idx] = h + p0
            m[:, s_axes] = h
        known: frozenset[int] = frozenset()
        if reuse is not None:
            zc_r, m_r, known = reuse
            for i in known:
                zc[:, i] = zc_r[:, i]
                m[:, list(case.comps[i].axes)] = m_r[:, list(case.comps[i].axes)]
        for i in case.multi:
            comp = case.comps[i]
            if i in known:
                continue
            if comp.dense is not None:
                self._eval_dense(comp, a, params, zc[:, i], m)
                continue
            self._eval_planned(comp, a, params, grads, zc[:, i], m)
        return zc, m

    @classmethod
    def _eval_planned(
        cls,
        comp: Comp,
        a: np.ndarray,
        params: Mapping[Any, Any],
        grads: bool,
        zc: np.ndarray,
        m: np.ndarray,
    ) -> None:
        """A component by its contraction plan: its sum into ``zc`` (B,) and, with
        ``grads``, each cause's numerator into its column of ``m`` (B, n); in blocks of
        rows (``PLAN_ENTRIES``; each row's sum is its own)."""
        b = a.shape[0]
        assert comp.plan is not None
        step = _block_rows(comp.plan.row_largest * a.dtype.itemsize // 8)
        if b <= step:
            cls._eval_block(comp, a, params, grads, zc, m)
            return
        mine: list[tuple[str, Any]] = [("w", r) for r in comp.risks if ("w", r) in params]
        mine += [("c", i) for i in comp.axes if ("c", i) in params]
        for lo in range(0, b, step):
            hi = min(b, lo + step)
            # per-row parameters carry the rows last (_rows_param_last)
            part = {k: _rows_slice(params[k], lo, hi) for k in mine}
            cls._eval_block(comp, a[lo:hi], part, grads, zc[lo:hi], m[lo:hi])

    @staticmethod
    def _eval_block(
        comp: Comp,
        a: np.ndarray,
        params: Mapping[Any, Any],
        grads: bool,
        zc: np.ndarray,
        m: np.ndarray,
    ) -> None:
        """:meth:`_eval_planned` on one block of rows."""
        b = a.shape[0]
        # the plan's operands carry the term rows on their last axis (``batch``)
        ops: list[np.ndarray] = [
            params[("w", r)]  # per row: (states, B), as _rows_param lays it out
            if ("w", r) in params
            else np.broadcast_to(w[:, None], (len(w), b))
            for r, w in zip(comp.risks, comp.weights, strict=True)
        ]
        p1s = []
        for a_i, p0_i, p1_i in zip(comp.axes, comp.p0, comp.p1, strict=True):
            pp = params.get(("c", a_i))
            col = a[:, a_i]
            if pp is None:
                p1s.append((p1_i, False))
                op = p1_i[..., None] * col
                op += p0_i[..., None]
            else:  # per row: (*table, B), as _rows_param lays it out
                p0_r, p1_r = pp
                p1s.append((p1_r, True))
                op = p1_r * col
                op += p0_r
            ops.append(op)
        assert comp.plan is not None
        z, d = comp.plan.run(ops, grads=grads)
        zc[:] = z
        if not grads:
            return
        base = len(comp.weights)
        for j, a_i in enumerate(comp.axes):
            # E[c_i prod a^c] = a_i sum over the table of dZ/d(operand) x P(present | r)
            dj = d[base + j].reshape(-1, b)
            p1_j, per_row = p1s[j]
            if per_row:
                s = np.einsum("kb,kb->b", dj, p1_j.reshape(-1, b))
            else:  # one table for every row: a vector-matrix product
                s = p1_j.reshape(-1) @ dj
            m[:, a_i] = a[:, a_i] * s

    def _eval_dense(
        self, comp: Comp, a: np.ndarray, params: Mapping[Any, Any], zc: np.ndarray, m: np.ndarray
    ) -> None:
        """A small component by enumerating its shared risk configurations (R of them):
        G (B, R, causes) = p0 + p1 a, Z = sum_r w_r prod_i G_ri, and each cause's
        numerator from the product of the others (prefix and suffix products): a few
        vectorised steps instead of a contraction and its reverse pass."""
        w, p0, p1 = comp.configurations(params, a.shape[0], a.dtype)
        h = p1 * a[:, None, list(comp.axes)]
        total, before, after = before_after(h + p0)
        zc[:] = np.einsum("br,br->b", w, total)
        m[:, list(comp.axes)] = np.einsum("br,brj->bj", w, h * before * after)

    def _batch(
        self, case: QCase, jobs: Sequence[Job], dtype: Any = float, grads: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Evaluate jobs (rows with their coefficients and per-row replacements) packed into
        batches of about BATCH_ROWS rows: (sum of W Z per job, sum of W N per job (n,), sum of
        |W Z| per job, the size of the terms that cancel)."""
        pe = np.zeros(len(jobs), dtype=dtype)
        num = np.zeros((len(jobs), self.n), dtype=dtype)
        absm = np.zeros(len(jobs), dtype=dtype)
        if dtype is not float:  # the known sums are double: extended precision evaluates all
            jobs = [replace(j, reuse=None) if j.reuse is not None else j for j in jobs]

        def known(j: int) -> frozenset[int]:
            r = jobs[j].reuse
            return frozenset() if r is None else r[2]

        # jobs that reuse the same components are packed together (in a stable order)
        order = sorted(range(len(jobs)), key=lambda j: sorted(known(j)))
        spans: list[tuple[int, int]] = []  # the same packing for any number of threads
        k = 0
        while k < len(order):
            size, end = 0, k
            while end < len(order) and (
                end == k
                or (
                    size + len(jobs[order[end]].w) <= BATCH_ROWS
                    and known(order[end]) == known(order[k])
                )
            ):
                size += len(jobs[order[end]].w)
                end += 1
            spans.append((k, end))
            k = end

        def run(span: tuple[int, int]) -> None:  # writes its own jobs' entries only
            idx = order[span[0] : span[1]]
            batch = [jobs[j] for j in idx]
            a = np.concatenate([j.a for j in batch]) if len(batch) > 1 else batch[0].a
            a = np.asarray(a, dtype=dtype)
            params: dict[Any, Any] = {}
            keys = {key for j in batch for key in j.over}
            if keys:
                bounds = np.cumsum([0] + [len(j.w) for j in batch])
                for key in keys:
                    params[key] = self._rows_param(case, key, batch, bounds)
            reuse = None
            if batch[0].reuse is not None:
                parts = [j.reuse for j in batch if j.reuse is not None]
                reuse = (
                    np.concatenate([r[0] for r in parts]),
                    np.concatenate([r[1] for r in parts]),
                    batch[0].reuse[2],
                )
            zc, m = self._eval(case, a, params, grads, reuse)
            z, nn = self._combine(zc, m, case.comp_of)
            lo = 0
            for jj, job in zip(idx, batch, strict=True):
                hi = lo + len(job.w)
                w = np.asarray(job.w, dtype=dtype)
                pe[jj] = (w @ z[lo:hi]) * job.scale
                num[jj] = (w @ nn[lo:hi]) * job.scale
                absm[jj] = (np.abs(w) @ np.abs(z[lo:hi])) * job.scale
                lo = hi

        run_all(run, spans)  # on the caller and the helper threads (numpy frees the lock)
        return pe, num, absm

    def _batch_checked(
        self,
        case: QCase,
        jobs: Sequence[Job],
        ref: np.ndarray | float | None = None,
        limit: float = COND_MAX,
        grads: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_batch` in double precision, the jobs whose signed sums cancel (sum |W Z|
        above ``limit`` times ``ref``, by default each job's own sum) redone in extended
        precision. Jobs are independent sums, so only those jobs are redone."""
        pe, num, absm = self._batch(case, jobs, grads=grads)
        scale = np.abs(pe) if ref is None else np.broadcast_to(ref, pe.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            conds = absm / scale
        bad = np.flatnonzero(~(conds <= limit))
        if len(bad):
            pe_x, num_x, _ = self._batch(case, [jobs[int(k)] for k in bad], np.longdouble, grads)
            pe, num = np.asarray(pe, dtype=np.longdouble), np.asarray(num, dtype=np.longdouble)
            pe[bad], num[bad] = pe_x, num_x
        cond = float(np.max(conds)) if len(jobs) else 0.0
        # the largest condition met, for the error estimate (condition x 1e-17 beyond 1e5)
        case.extra["condition"] = max(case.extra.get("condition", 1.0), cond)
        return np.asarray(pe, dtype=float), np.asarray(num, dtype=float)

    def _rows_param(self, case: QCase, key: Any, batch: Sequence[Job], bounds: np.ndarray) -> Any:
        """A per-row parameter array for ``key`` over the rows of ``batch``: rows first, or
        rows last (and contiguous) for a component with a contraction plan, whose operands
        take the rows as their inner axis (``Contraction(batch=...)``)."""
        b = int(bounds[-1])
        who = [j for j, job in enumerate(batch) if key in job.over]
        comp = case.comps[int(case.comp_of[self._param_axis(key)])]
        if comp.plan is not None:
            return self._rows_param_last(comp, key, batch, bounds, who)
        if key[0] == "w":
            base = comp.weights[comp.risks.index(key[1])]
            out = np.empty((b, len(base)))
            out[:] = base
            for j in who:
                out[bounds[j] : bounds[j + 1]] = batch[j].over[key]
            return out
        k = comp.axes.index(key[1])
        base0, base1 = comp.p0[k], comp.p1[k]
        o0 = np.empty((b, *base0.shape))
        o1 = np.empty((b, *base1.shape))
        o0[:] = base0
        o1[:] = base1
        for j in who:
            v0, v1 = batch[j].over[key]
            o0[bounds[j] : bounds[j + 1]] = v0
            o1[bounds[j] : bounds[j + 1]] = v1
        if not comp.risks:  # a singleton: per-row scalars
            return o0.reshape(b), o1.reshape(b)
        return o0, o1

    @staticmethod
    def _rows_param_last(
        comp: Comp, key: Any, batch: Sequence[Job], bounds: np.ndarray, who: Sequence[int]
    ) -> Any:
        """:meth:`_rows_param` for a planned component: (states, B) weights, or a cause's
        (P(absent), P(present)) tables as (*table, B)."""
        counts = np.diff(bounds)  # each job's rows
        mine = set(who)

        def spread(base: np.ndarray, value: Any) -> np.ndarray:
            """Each job's table (its own, or the case's) repeated over its rows, rows last."""
            cols = [np.asarray(value(batch[j])) if j in mine else base for j in range(len(batch))]
            return np.repeat(np.stack(cols, axis=-1), counts, axis=-1)

        if key[0] == "w":
            return spread(comp.weights[comp.risks.index(key[1])], lambda job: job.over[key])
        k = comp.axes.index(key[1])
        return (
            spread(comp.p0[k], lambda job: job.over[key][0]),
            spread(comp.p1[k], lambda job: job.over[key][1]),
        )

    def _param_axis(self, key: tuple[str, Any]) -> int:
        """A cause axis in the component that a per-row parameter ``key`` belongs to:
        ("c", axis) is that cause's table, ("w", r) a shared risk factor's weights (the
        component of its first child)."""
        kind, what = key
        return int(self.axis[self.risk_children[what][0]]) if kind == "w" else int(what)

    def _untouched(
        self,
        case: QCase,
        row: np.ndarray | None = None,
        over: Mapping[Any, Any] | None = None,
    ) -> frozenset[int]:
        """The components with a contraction plan whose sums a preview leaves as they are:
        none of their causes' multipliers changed by the finding's ``row`` (1 for a cause
        that is not its parent), none of their weights or tables replaced in ``over``."""
        touched: set[int] = set()
        if row is not None:
            touched |= {int(case.comp_of[i]) for i in np.flatnonzero(row != 1.0)}
        for key in over or {}:
            touched.add(int(case.comp_of[self._param_axis(key)]))
        # only contractions are worth copying: a small component's enumeration costs less
        # than the case's own rows evaluated once more
        return frozenset(i for i in case.multi if i not in touched and case.comps[i].plan)

    @staticmethod
    def _combine(
        zc: np.ndarray, m: np.ndarray, comp_of: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(Z (B,), N (B, n)): the product over components and each cause's numerator
        M_i times the other components (prefix/suffix products: no division)."""
        total, before, after = before_after(zc)
        return total, m * (before * after)[:, comp_of]

    def _observed(self, evidence: Evidence) -> list[str]:
        """The findings whose factors the term sum carries: heavy legs (yes when unanswered)
        first, then every answered finding in the network's order."""
        return [HEAVY_LEGS] + [
            f for f in self.finding_ids if f != HEAVY_LEGS and evidence.get(f) is not None
        ]

    def _lik(self, evidence: Evidence, f: str) -> np.ndarray:
        """The likelihood the term sum takes for finding f: its answer's, or heavy legs' yes
        when heavy legs is unanswered."""
        lik = evidence.get(f)
        return self.one_hot(HEAVY_LEGS, "yes") if lik is None else lik

    def _terms(self, case: QCase, without: str | None = None) -> list[Term]:
        ev = case.evidence
        return [
            self._finding_term(f, self._lik(ev, f))
            for f in self._observed(ev)
            if f == HEAVY_LEGS or f != without
        ]

    @staticmethod
    def _n_terms(terms: Sequence[Term]) -> int:
        return int(np.prod([len(d) for d, _ in terms], dtype=float))

    def _chunks(
        self, terms: Sequence[Term], dtype: Any = float
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The terms as (W (T_c,), A (T_c, n)) chunks of at most CHUNK rows (when one
        factor alone is not larger), in a fixed order."""
        chunk, combos = self._chunk_maker(terms, dtype)
        for combo in combos:
            yield chunk(combo)

    def _chunk_maker(
        self, terms: Sequence[Term], dtype: Any = float
    ) -> tuple[Callable[[tuple[int, ...]], tuple[np.ndarray, np.ndarray]], list[tuple[int, ...]]]:
        """(a function making the chunk of one combination, the combinations in order):
        :meth:`_chunks` one at a time, in any order or on several threads."""
        sizes = [len(d) for d, _ in terms]
        j, size = len(terms), 1
        while j > 0 and size * sizes[j - 1] <= CHUNK:
            j -= 1
            size *= sizes[j]
        w2 = np.ones(1, dtype=dtype)
        a2 = np.ones((1, self.n), dtype=dtype)
        for d, q in terms[j:]:
            w2 = (w2[:, None] * d[None, :]).reshape(-1)
            a2 = (a2[:, None, :] * q[None, :, :]).reshape(-1, self.n)
        head = terms[:j]

        def chunk(combo: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
            w = 1.0
            a = np.ones(self.n, dtype=dtype)
            for (d, q), c in zip(head, combo, strict=True):
                w = w * d[c]
                a = a * q[c]
            return w2 * w, a2 * a

        return chunk, list(itertools.product(*[range(s) for s in sizes[:j]]))

    # ------------------------------------------------------------------ routes
    def _route(self, case: QCase, terms: Sequence[Term]) -> str:
        if self.route is not None:
            return self.route
        t = self._n_terms(terms)
        qs_cost = self._cost(case, terms)
        if self.hypercube_ok:
            hyper_cost = float(2**self.n) * (len(terms) + 4)
            if hyper_cost < 4 * qs_cost:
                return "hypercube"
        if t <= MAX_TERMS:
            return "quickscore"
        if self._ve_plan(case, terms) is not None:
            return "variable-elimination"
        return "importance-sampling"

    def _cost(self, case: QCase, terms: Sequence[Term]) -> float:
        """The term sum's cost in the route chooser's units: terms x per-term cost."""
        per_term = self.n + sum(self._comp_cost(case.comps[i]) for i in case.multi)
        return self._n_terms(terms) * per_term

    @staticmethod
    def _comp_cost(comp: Comp) -> float:
        if comp.dense is not None:
            return float(comp.dense[0].shape[0] * len(comp.axes))
        assert comp.plan is not None
        return comp.plan.flops / 256

    def _inner_case(self, case: QCase) -> Any:
        if case.inner is None:
            case.inner = self.hyper.case(case.evidence)
        return case.inner

    # ------------------------------------------------------------------ queries
    def posterior(self, evidence: Evidence | QCase) -> Posterior:
        """P(causes | evidence, heavy_legs = yes) by the cheaper exact route."""
        case = self.case(evidence)
        terms = self._terms(case)
        route = self._route(case, terms)
        if route == "hypercube":
            post = self._hyper_posterior(case)
        elif route == "quickscore":
            post = self._qs_posterior(case, terms)
        elif route == "variable-elimination":
            post = self._ve_posterior(case, terms)
        elif route == "importance-sampling":
            # chosen beyond every exact route: more samples and rounds than a forced route's
            deep = self.route is None
            post = self._is_posterior(
                case,
                terms,
                samples=DEEP_SAMPLES if deep else SAMPLES,
                max_rounds=IS_MAX_ROUNDS if deep else None,
            )
        else:
            raise ValueError(f"unknown route {route!r}")
        if case.post is None:
            case.post = post
        return post

    def marginals_under(
        self,
        evidence: Evidence | QCase,
        risk: Mapping[str, np.ndarray],
        causes: Mapping[str, np.ndarray],
        noisy: Mapping[str, tuple[np.ndarray, np.ndarray]],
        cond_max_ld: float = COND_MAX_LD,
        cond_max: float = COND_MAX,
    ) -> np.ndarray | None:
        """P(cause present | evidence) under K variants of the tables at once (draws, n):
        ``risk`` each risk factor's prior (K, states), ``causes`` each cause's table
        (K, *parents, 2), ``noisy`` each observed finding's (leak CDFs (K, states), link CDFs
        (K, parents, states)). Each variant is one job of the term sum, its tables given as
        per-row replacements of the case's (the way previews vary a risk factor), so one
        evaluation serves every draw. Equal to ``with_tables(...).posterior(evidence)`` per
        variant (tested to 1e-9). None when the case is not on the quickscore route, and NaN
        rows for draws whose signed sum cancels beyond extended precision (the caller then
        builds variant engines for those). ``cond_max_ld``: the largest condition accepted
        from the extended-precision sum (the interval draws pass ``DRAWS_COND_MAX_LD``),
        ``cond_max`` the largest kept in double precision (they pass ``DRAWS_COND_MAX``)."""
        case = self.case(evidence)
        terms = self._terms(case)
        if self._route(case, terms) != "quickscore":
            return None
        k = next(iter(causes.values())).shape[0]
        group = max(1, VARIANT_ROWS // max(1, self._n_terms(terms)))
        if k > group:  # every variant's term rows at once would not fit: in groups
            return np.concatenate(
                [
                    self._marginals_part(
                        case, risk, causes, noisy, slice(lo, lo + group), cond_max_ld, cond_max
                    )
                    for lo in range(0, k, group)
                ]
            )
        ev = case.evidence
        wk = {
            r: risk[r] * (np.asarray(ev[r], dtype=float)[None, :] if r in ev else 1.0)
            for r in case.weights
        }
        over: list[dict[Any, Any]] = [dict() for _ in range(k)]
        for r in case.shared & set(case.weights):
            for i in range(k):
                over[i][("w", r)] = wk[r][i]
        for a, c in enumerate(self.cause_ids):
            ps = self.cause_parents[c]
            _, t = self._reduce_table(causes[c], ps, case.hard, case.shared, wk)
            for i in range(k):
                over[i][("c", a)] = (t[i, ..., 0], t[i, ..., 1])
        findings = self._observed(ev)
        rows_w = np.ones((k, 1))
        rows_a = np.ones((k, 1, self.n))
        for f in findings:  # the product forms of every draw at once (as _finding_term)
            leak_cdf, link = noisy[f] if f in noisy else self.noisy[f]
            lik = self._lik(ev, f)
            d, keep = self._coefficients(lik, np.broadcast_to(leak_cdf, (k, len(self.states[f]))))
            q = self._link_rows(f, np.broadcast_to(link, (k, *np.shape(self.noisy[f][1]))))
            rows_w = (rows_w[:, :, None] * d[:, None, keep]).reshape(k, -1)
            rows_a = (rows_a[:, :, None, :] * q[:, None, keep, :]).reshape(k, -1, self.n)
        jobs = [Job(rows_w[i], rows_a[i], over[i]) for i in range(k)]
        pe, num, absm = self._batch(case, jobs)
        with np.errstate(divide="ignore", invalid="ignore"):
            bad = np.flatnonzero(~(absm / np.abs(pe) <= cond_max))
        out = np.full((k, self.n), np.nan)
        if len(bad):  # sums that cancel: extended precision, as posterior does
            pe_x, num_x, abs_x = self._batch(case, [jobs[int(j)] for j in bad], np.longdouble)
            with np.errstate(divide="ignore", invalid="ignore"):
                fine = abs_x / np.abs(pe_x) <= cond_max_ld
            pe[bad[fine]] = np.asarray(pe_x[fine], dtype=float)
            num[bad[fine]] = np.asarray(num_x[fine], dtype=float)
            bad = bad[~fine]  # beyond even that: left NaN, for another route
        good = np.setdiff1d(np.arange(k), bad)
        if not np.all(pe[good] > 0):
            raise ValueError("the answers have probability zero under a drawn model")
        out[good] = np.clip(num[good] / pe[good, None], 0.0, 1.0)
        return out

    def _marginals_part(
        self,
        case: QCase,
        risk: Mapping[str, np.ndarray],
        causes: Mapping[str, np.ndarray],
        noisy: Mapping[str, tuple[np.ndarray, np.ndarray]],
        part: slice,
        cond_max_ld: float,
        cond_max: float,
    ) -> np.ndarray:
        """:meth:`marginals_under` for the variants ``part`` of the tables (a table with one
        variant, shared by all, is kept whole)."""
        k = next(iter(causes.values())).shape[0]

        def cut(a: np.ndarray) -> np.ndarray:
            return a[part] if np.shape(a)[0] == k else a

        out = self.marginals_under(
            case,
            {r: cut(v) for r, v in risk.items()},
            {c: cut(v) for c, v in causes.items()},
            {f: (cut(lk), cut(ln)) for f, (lk, ln) in noisy.items()},
            cond_max_ld=cond_max_ld,
            cond_max=cond_max,
        )
        assert out is not None  # the same case, the same route
        return out

    def variant_marginals(
        self,
        evidence: Evidence,
        variants: Sequence[
            tuple[Mapping[str, np.ndarray], Mapping[str, tuple[np.ndarray, np.ndarray]]]
        ],
        rows_per_call: int = VARIANT_ROWS,
        cond_max: float = COND_MAX,
        axes: Sequence[int] | None = None,
        post: Posterior | None = None,
    ) -> np.ndarray:
        """P(cause present | evidence) under each variant (tables, noisy) of
        :meth:`with_tables` (the tornado's rows): (variants, n), or (variants, len(axes))
        for the causes ``axes`` only; equal to ``with_tables(*v).posterior(evidence)
        .marginals`` per variant (tested to 1e-9). A variant that changes one cause only
        (its table, or one of its links) is taken by multilinearity
        (:func:`.variants.single_cause_marginals`: one pass over the terms, plus one per
        cause in ``axes``, serves them all); the rest go through :meth:`marginals_under` in
        groups of about ``rows_per_call`` term rows (each variant's tables stacked over the
        unchanged ones), so one evaluation of the term sum serves a whole group; a variant
        the sum cannot take (another route, or a sum that cancels beyond extended precision)
        gets its own variant engine. A deep case whose withdrawals and draws are sampled
        (:meth:`_head_particles`) reweights its samples instead, as its interval draws do
        (its diagnosis says its extras are sampled, ``Inference.extras``, with their stated
        error), ``PARTICLE_VARIANTS`` at a time: its exact variants took minutes each and,
        all at once, all the memory there was.
        ``cond_max``: the largest condition kept in double precision (as
        :meth:`marginals_under`; beyond it a sum is redone in extended precision); ``post``:
        the posterior of ``evidence``, if known (not computed again)."""
        ev = dict(evidence)
        case = self.case(ev)
        terms = self._terms(case)
        n_terms = self._n_terms(terms)
        cols = list(range(self.n)) if axes is None else [int(a) for a in axes]
        for nid in {k for v in variants for k in v[0]}:
            if self.kind[nid] != "cause":
                raise ValueError(f"{nid}: variant_marginals varies causes' tables and findings'")
        observed = self._observed(ev)
        sampled = self._head_particles(case, post)
        quick = n_terms <= MAX_TERMS and self._route(case, terms) == "quickscore"
        if sampled is not None:  # a deep case: its samples reweighted, a group at a time
            out = np.full((len(variants), len(cols)), np.nan)
            for lo in range(0, len(variants), PARTICLE_VARIANTS):
                part = variants[lo : lo + PARTICLE_VARIANTS]
                est, fewest = particles.draw_marginals(
                    self, sampled, case.evidence, self._stack_variants(part, observed)
                )
                self._rests_on(case, sampled, fewest)
                out[lo : lo + len(part)] = est[:, cols]
        elif quick:
            out = single_cause_marginals(self, case, variants, cols, cond_max)
            todo = np.flatnonzero(np.isnan(out).any(axis=1)).tolist()
            group = max(1, rows_per_call // max(1, n_terms))
            for lo in range(0, len(todo), group):
                part = [variants[j] for j in todo[lo : lo + group]]
                st = self._stack_variants(part, observed)
                marg = self.marginals_under(ev, st.risk, st.causes, st.noisy, cond_max=cond_max)
                if marg is None:
                    break
                out[todo[lo : lo + group]] = marg[:, cols]
        else:
            out = np.full((len(variants), len(cols)), np.nan)
        for j in np.flatnonzero(np.isnan(out).any(axis=1)).tolist():
            tables, nz = variants[j]
            out[j] = self.with_tables(tables, nz).posterior(ev).marginals[cols]
        return out

    def _stack_variants(
        self,
        part: Sequence[tuple[Mapping[str, np.ndarray], Mapping[str, Any]]],
        observed: Sequence[str],
    ) -> Stacked:
        """Variants' tables stacked over the unchanged ones, a leading axis per variant, as
        a block of interval draws is (risk factors' priors, causes' tables, observed
        findings' (leak, link))."""
        k = len(part)
        risk = {
            r: np.broadcast_to(self.risk_prior[r], (k, *self.risk_prior[r].shape))
            for r in self.risk_ids
        }
        causes = {}
        for c in self.cause_ids:
            base = self.cause_table[c]
            st = np.empty((k, *base.shape))
            for i, (tables, _) in enumerate(part):
                st[i] = tables.get(c, base)
            causes[c] = st
        noisy = {}
        for f in observed:
            leak0, link0 = self.noisy[f]
            leak = np.empty((k, *np.shape(leak0)))
            link = np.empty((k, *np.shape(link0)))
            for i, (_, nz) in enumerate(part):
                leak[i], link[i] = nz.get(f, (leak0, link0))
            noisy[f] = (leak, link)
        return Stacked(risk, causes, noisy)

    def _hyper_posterior(self, case: QCase) -> Posterior:
        inner = self.hyper.posterior(self._inner_case(case))
        return Posterior(inner.marginals, inner.log_evidence, "hypercube", inner=inner)

    def _sum(
        self, case: QCase, terms: Sequence[Term], dtype: Any = float
    ) -> tuple[float, np.ndarray, float]:
        """(P(e) without case.mass, numerators P(c_i present, e), sum of |terms|). The chunks
        run on the caller and the helper threads (a deep case's extended-precision sum took
        14 s on one); their sums are added in the chunks' order, so the result is the one
        thread's, bit for bit."""
        chunk, combos = self._chunk_maker(terms, dtype)
        parts: list[Any] = [None] * len(combos)

        def run(i: int) -> None:  # writes its own entry only
            w, a = chunk(combos[i])
            zc, m = self._eval(case, a)
            z, nn = self._combine(zc, m, case.comp_of)
            parts[i] = (w @ z, w @ nn, np.abs(w) @ np.abs(z))

        run_all(run, range(len(combos)))
        pe = np.zeros((), dtype=dtype)
        num = np.zeros(self.n, dtype=dtype)
        absm = np.zeros((), dtype=dtype)
        for p_e, p_num, p_abs in parts:
            pe += p_e
            num += p_num
            absm += p_abs
        return pe, num, absm  # type: ignore[return-value]

    def _qs_posterior(self, case: QCase, terms: Sequence[Term]) -> Posterior:
        pe, num, absm = self._sum(case, terms)
        route = "quickscore"
        cond = float(absm / abs(pe)) if pe != 0 else math.inf
        if cond > COND_MAX:
            pe, num, absm = self._sum(case, terms, np.longdouble)
            cond = float(absm / abs(pe)) if pe != 0 else math.inf
            route = "quickscore-longdouble"
            if cond > COND_MAX_LD and self.route is None:
                # even extended precision may lose 1e-10: an exact route without the signed sum
                deep = self._deep_posterior(case, terms, cond)
                if deep is not None:
                    return deep
        if not pe > 0:
            raise ValueError("the answers have probability zero under the model")
        marg = np.clip(np.asarray(num / pe, dtype=float), 0.0, 1.0)
        marg.setflags(write=False)
        log_e = float(np.log(pe)) + math.log(case.mass)
        if route == "quickscore-longdouble" and cond > COND_MAX_LD:
            # the named fallback: exact to about condition x eps (stated, not hidden)
            bound = cond * LD_EPS
            return Posterior(marg, log_e, BOUNDED_ROUTE, False, cond, std_error=bound)
        return Posterior(marg, log_e, route, condition=cond)

    def _deep_posterior(self, case: QCase, terms: Sequence[Term], cond: float) -> Posterior | None:
        """Where the signed sum cancels beyond extended precision's reach (``cond``): the
        hypercube or variable elimination while affordable (``VE_MAX_FLOPS``, or
        ``VE_SLOW_FLOPS`` where the bounded fallback's bound would pass 1e-6); else None
        for the bounded fallback while its stated bound (cond x eps) is at most
        ``DEEP_MAX_ERROR``, and beyond that importance sampling with ``DEEP_SAMPLES`` per
        round (named, with its standard error)."""
        if self.hypercube_ok:
            return self._hyper_posterior(case)
        plan = self._ve_plan(case, terms)
        if plan is not None and (
            plan.flops <= VE_MAX_FLOPS or (cond > BOUNDED_COND_MAX and plan.flops <= VE_SLOW_FLOPS)
        ):
            return self._ve_posterior(case, terms)
        if cond * LD_EPS <= DEEP_MAX_ERROR:
            return None
        return self._is_posterior(case, terms, samples=DEEP_SAMPLES, max_rounds=IS_MAX_ROUNDS)

    # ------------------------------------------------------------------ variable elimination
    def _ve_parts(
        self, case: QCase, terms: Sequence[Term]
    ) -> tuple[list[tuple[str, ...]], list[np.ndarray], dict[str, int], list[int]]:
        """The whole network as one contraction: risk weights, each cause's table over
        (its free parents, cause), and per answered finding j an auxiliary index s_j over
        its product forms with the coefficient vector and, per parent i, the pair factor
        [1, q_i(s)] over (s_j, c_i) (Diez and Galan's factorisation)."""
        subs: list[tuple[str, ...]] = []
        ops: list[np.ndarray] = []
        sizes: dict[str, int] = {}
        cause_ops: list[int] = []
        for comp in case.comps:
            for r, w in zip(comp.risks, comp.weights, strict=True):
                subs.append((r,))
                ops.append(np.asarray(w, dtype=float))
                sizes[r] = len(w)
            for a, ps, p0, p1 in zip(comp.axes, comp.parents, comp.p0, comp.p1, strict=True):
                c = "#c" + str(a)
                sizes[c] = 2
                cause_ops.append(len(ops))
                subs.append((*ps, c))
                ops.append(np.stack([p0, p1], axis=-1))
        for j, (d, q) in enumerate(terms):
            s = "#s" + str(j)
            sizes[s] = len(d)
            subs.append((s,))
            ops.append(np.asarray(d, dtype=float))
            for a in range(self.n):
                if np.all(q[:, a] == 1.0):
                    continue
                subs.append((s, "#c" + str(a)))
                ops.append(np.stack([np.ones(len(d)), q[:, a]], axis=-1))
        return subs, ops, sizes, cause_ops

    def _ve_plan(self, case: QCase, terms: Sequence[Term]) -> Contraction | None:
        hit = case.extra.get("ve")
        if hit is None:
            subs, ops, sizes, cause_ops = self._ve_parts(case, terms)
            # the plan depends on the shapes only: answer sets of the same structure (the
            # states of one risk factor's previews, the interval draws) share it
            key = (tuple(subs), tuple(sorted(sizes.items())), tuple(cause_ops))
            plan: Contraction | None
            known = self._ve_plans.get(key, self)  # one lookup: another thread may drop it
            if known is not self:
                plan = known  # type: ignore[assignment]
            else:
                try:
                    plan = Contraction(subs, (), sizes, cause_ops)
                except IndexError:  # a step with more than 52 indices: far beyond the bound
                    plan = None
                with self._lock:
                    if len(self._ve_plans) >= VE_PLANS_KEPT:
                        self._ve_plans.pop(next(iter(self._ve_plans)))
                    self._ve_plans[key] = plan
            case.extra["ve"] = hit = (plan, ops, cause_ops)
        plan = hit[0]
        return plan if plan is not None and plan.largest <= VE_MAX_ENTRIES else None

    def _ve_posterior(self, case: QCase, terms: Sequence[Term]) -> Posterior:
        plan = self._ve_plan(case, terms)
        if plan is None:
            raise ValueError("variable elimination is beyond its bound for these answers")
        _, ops, cause_ops = case.extra["ve"]
        z, grads = plan.run(ops)
        pe = float(z)
        if not pe > 0:
            raise ValueError("the answers have probability zero under the model")
        marg = np.empty(self.n)
        k = 0
        for comp in case.comps:
            for a in comp.axes:
                i = cause_ops[k]
                marg[a] = float((grads[i][..., 1] * ops[i][..., 1]).sum()) / pe
                k += 1
        marg = np.clip(marg, 0.0, 1.0)
        marg.setflags(write=False)
        return Posterior(marg, math.log(pe) + math.log(case.mass), "variable-elimination")

    # ------------------------------------------------------------------ sampling fallback
    def _is_posterior(
        self,
        case: QCase,
        terms: Sequence[Term],
        seed: int = 12,
        start: np.ndarray | None = None,
        rounds: int = ROUNDS,
        samples: int = SAMPLES,
        max_rounds: int | None = None,
    ) -> Posterior:
        """Adaptive importance sampling (approximate): causes drawn independently from a
        proposal (first the prior marginals, or ``start``, then each round's estimate, kept
        within [0.02, 0.98]); weights = P(causes, evidence) / proposal. ``rounds`` rounds,
        and more up to ``max_rounds`` while the error passes ``IS_TARGET_SE``. Named in the
        result, with a bound on the marginals' standard error, 0.5 / sqrt(effective
        samples) (a bound: weights that collapse onto a few samples make every estimate 0 or
        1, whose own p (1 - p) would read 0)."""
        rng = np.random.default_rng(seed)
        first = self.intervene(case)[1] if start is None else start
        prop = np.clip(first, 0.02, 0.98)
        est = prop
        se = 1.0
        log_pe = -math.inf
        for k in range(max(1, rounds, max_rounds or 0)):
            if k >= rounds and not se > IS_TARGET_SE:  # met (or not a number: stop)
                break
            x = rng.random((samples, self.n)) < prop
            logw = self._log_joint(case, terms, x, rng) - (particles.log_bernoulli(x, prop))
            mx = logw.max()
            w = np.exp(logw - mx)
            sw = w.sum()
            est = (w @ x) / sw
            ess = sw**2 / float(w @ w)
            se = particles.error_bound(ess)
            log_pe = mx + math.log(sw / samples) + math.log(case.mass)
            prop = np.clip(est, 0.02, 0.98)
        marg = np.clip(est, 0.0, 1.0)
        marg.setflags(write=False)
        return Posterior(marg, log_pe, "importance-sampling", exact=False, std_error=se)

    def _log_joint(
        self, case: QCase, terms: Sequence[Term], x: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """log of an unbiased weight for P(causes = x, evidence) / case.mass per sample row:
        the findings' factors exactly; a component's prior given its shared risk factors
        drawn from their weights (times the weights' mass), a singleton's exactly."""
        s = x.shape[0]
        out = np.zeros(s)
        for d, q in terms:  # factor = sum_k d_k prod_i q_i(k)^x_i, all rows at once
            lq = particles.log_links(q)
            f = np.exp(x.astype(float) @ lq.T) @ d
            with np.errstate(divide="ignore"):
                out += np.log(np.clip(f, 0.0, None))
        for comp in case.comps:
            if not comp.risks:
                a = comp.axes[0]
                with np.errstate(divide="ignore"):
                    out += np.log(np.where(x[:, a], comp.p1[0], comp.p0[0]))
                continue
            draws = {}
            for r, w in zip(comp.risks, comp.weights, strict=True):
                tot = float(w.sum())
                out += math.log(tot)
                draws[r] = rng.choice(len(w), size=s, p=w / tot)
            for a, ps, p0, p1 in zip(comp.axes, comp.parents, comp.p0, comp.p1, strict=True):
                idx = tuple(draws[p] for p in ps)
                with np.errstate(divide="ignore"):
                    out += np.log(np.where(x[:, a], p1[idx], p0[idx]))
        return out

    # ------------------------------------------------------------------ previews
    def previews(
        self,
        post: Posterior,
        evidence: Evidence | QCase,
        nodes: Sequence[str],
        tracked: Sequence[int],
        use_maps: bool = True,
    ) -> list[Preview]:
        """What observing each unanswered node would do: P(state), the tracked causes after
        each state and the information gain (:attr:`gain_measure`)."""
        case = self.case(evidence)
        tr = list(tracked)
        if self.gain_measure == "joint":
            inner_case = self._inner_case(case)
            ipost = post.inner if post.inner is not None else inner_case.post
            if ipost is None:
                ipost = self.hyper.posterior(inner_case)
            res = self.hyper.previews(ipost, inner_case, nodes, tr, use_maps)
            return [Preview(p.node, p.p_state, p.tracked, p.gain) for p in res]
        return self._term_previews(case, nodes, tr, post)

    def _term_previews(
        self, case: QCase, nodes: Sequence[str], tr: list[int], post: Posterior | None
    ) -> list[Preview]:
        """The previews beyond the hypercube: from a deep case's samples, else exact."""
        sampled = self._particles(case, post)
        if sampled is not None:
            return self._sampled_previews(sampled, nodes, tr)
        return self._qs_previews(case, nodes, tr)

    def _qs_previews(self, case: QCase, nodes: Sequence[str], tr: list[int]) -> list[Preview]:
        terms = self._terms(case)
        if self._n_terms(terms) > MAX_TERMS:
            return self._previews_by_posteriors(case, nodes, tr)
        f_jobs: list[tuple[str, np.ndarray, float]] = []  # (node, multiplier row, leak(y))
        r_jobs: list[tuple[str, dict[Any, Any], float]] = []  # (node, replacements, scale)
        for node in nodes:
            if node in case.evidence:
                raise ValueError(f"{node} is already answered")
            if self.kind[node] == "finding":
                rows = self._finding_rows(node)
                leak = self.noisy[node][0]
                for y in range(len(leak) - 1):
                    f_jobs.append((node, rows[y], float(leak[y])))
            elif self.kind[node] == "risk":
                for st in range(len(self.states[node])):
                    over, scale = self._set_risk(case, node, st)
                    r_jobs.append((node, over, scale))
            else:
                raise ValueError(f"{node} is not a question node")
        nj = 1 + len(f_jobs) + len(r_jobs)
        pe = np.zeros(nj)
        num = np.zeros((nj, self.n))
        post = case.post
        if post is not None and post.exact:
            ref = math.exp(post.log_evidence) / case.mass  # P(e): errors matter relative to it
        else:
            ref = float(self._sum(case, terms, np.longdouble)[0])
        f_untouched = [self._untouched(case, row=row) for _, row, _ in f_jobs]
        r_untouched = [self._untouched(case, over=over) for _, over, _ in r_jobs]
        copy = any(f_untouched) or any(r_untouched)
        planned = frozenset(i for i in case.multi if case.comps[i].plan)
        for w, a in self._chunks(terms):
            # the case's own rows, evaluated once when a preview can copy from them: each
            # copies the contractions its finding or risk factor leaves alone
            base = self._eval(case, np.asarray(a, dtype=float)) if copy else None
            jobs = [Job(w, a, reuse=_reuse(base, planned))]
            jobs += [
                Job(w * lk, a * row, reuse=_reuse(base, keep))
                for (_, row, lk), keep in zip(f_jobs, f_untouched, strict=True)
            ]
            jobs += [
                Job(w, a, over, scale, reuse=_reuse(base, keep))
                for (_, over, scale), keep in zip(r_jobs, r_untouched, strict=True)
            ]
            p_, n_ = self._batch_checked(case, jobs, ref, PREVIEW_COND_MAX)
            pe += p_
            num += n_
        p_e, marg = pe[0], num[0] / pe[0]
        # P(state) = ext[hi] - ext[lo]: a finding's cdf differences (its last state's cdf is
        # P(e)), a risk factor's own masses (lo points at a zero)
        ext = np.concatenate([[0.0], pe[1:], [p_e]]) / p_e
        ext_n = np.concatenate([np.zeros((1, self.n)), num[1:], num[:1]]) / p_e
        last = len(ext) - 1
        spans: dict[str, tuple[list[int], list[int]]] = {}
        k = 1
        for node in dict.fromkeys(x for x, _, _ in f_jobs):
            m_states = len(self.states[node])
            hi = [*range(k, k + m_states - 1), last]
            spans[node] = (hi, [0, *hi[:-1]])
            k += m_states - 1
        for node in dict.fromkeys(x for x, _, _ in r_jobs):
            m_states = len(self.states[node])
            spans[node] = (list(range(k, k + m_states)), [0] * m_states)
            k += m_states
        out: dict[str, Preview] = {}
        by_size: dict[int, list[str]] = {}
        for node in spans:
            by_size.setdefault(len(spans[node][0]), []).append(node)
        for group in by_size.values():
            hi_a = np.array([spans[x][0] for x in group])
            lo_a = np.array([spans[x][1] for x in group])
            p = ext[hi_a] - ext[lo_a]
            joint = ext_n[hi_a] - ext_n[lo_a]
            for pv in self._make_many(group, p, joint, marg, tr):
                out[pv.node] = pv
        return [out[node] for node in nodes]

    def _sampled_previews(
        self, p: particles.Particles, nodes: Sequence[str], tr: list[int]
    ) -> list[Preview]:
        """A deep case's previews from its weighted samples (:func:`particles.preview_parts`)."""
        for node in nodes:
            if node in p.answered:
                raise ValueError(f"{node} is already answered")
        out = []
        for node, (ps, joint) in zip(nodes, particles.preview_parts(self, p, nodes), strict=True):
            out += self._make_many([node], ps[None], joint[None], p.exact, tr)
        return out

    def _particles(self, case: QCase, post: Posterior | None = None) -> particles.Particles | None:
        """The weighted samples that serve a deep case's extras (previews, withdrawals,
        interval draws; :mod:`.particles`), drawn once per case around its posterior
        (``post``, the case's own, or computed); None where the exact extras cost at most
        ``particles.PARTICLE_MIN_COST``, the hypercube serves them, or the samples are too
        few in effect."""
        if "particles" in case.extra:
            return case.extra["particles"]
        found = None
        if self.sampled_extras and not self.hypercube_ok:
            terms = self._terms(case)
            cost = self._cost(case, terms)
            if cost > particles.PARTICLE_MIN_COST:
                if post is None:
                    post = case.post if case.post is not None else self.posterior(case)
                found = particles.draw(
                    self,
                    case.evidence,
                    post.marginals,
                    post.log_evidence,
                    sampled_posterior=post.route == "importance-sampling",
                    exact_affordable=cost <= particles.EXACT_MAX_COST,
                )
        case.extra["particles"] = found
        return found

    def _head_particles(
        self, case: QCase, post: Posterior | None = None
    ) -> particles.Particles | None:
        """The samples for the withdrawals and the interval draws: only where their exact
        form is costly (``particles.EXACT_HEAD_MAX_COST``) or the posterior's sum cancels
        beyond extended precision; :meth:`_particles` otherwise. The choice rests on the
        case alone, never on whether the previews have drawn samples already, so an
        assessment and a diagnosis of the same answers withdraw and draw alike."""
        if self.sampled_extras and not self.hypercube_ok:
            if post is None:
                post = case.post if case.post is not None else self.posterior(case)
            plain = post.route in ("quickscore", "quickscore-longdouble")
            if plain and self._cost(case, self._terms(case)) <= particles.EXACT_HEAD_MAX_COST:
                return None
        return self._particles(case, post)

    def sampled_draws(
        self, evidence: Evidence | QCase, st: Any, post: Posterior | None = None
    ) -> np.ndarray | None:
        """Interval draws' cause marginals (K, n) from a deep case's samples reweighted by
        the drawn tables (a :class:`~model.inference.draws.Stacked` block); None where the
        case is not deep (the exact draws then)."""
        case = self.case(evidence)
        p = self._head_particles(case, post)
        if p is None:
            return None
        out, fewest = particles.draw_marginals(self, p, case.evidence, st)
        self._rests_on(case, p, fewest)
        return out

    @staticmethod
    def _rests_on(case: QCase, p: particles.Particles, ess: float) -> None:
        """Keep the fewest effective samples any of the case's sampled extras rests on
        (``case.extra["extras_ess"]``, whose :func:`particles.error_bound` is the stated
        error; the shared set's own until an extra rests on fewer)."""
        case.extra["extras_ess"] = min(case.extra.get("extras_ess", p.ess), ess)

    def _previews_by_posteriors(
        self, case: QCase, nodes: Sequence[str], tr: list[int]
    ) -> list[Preview]:
        """Beyond the term bound: each state's P(state, e) and posterior from a posterior
        with that answer added (by whatever route it takes; the fallback names itself)."""
        base = case.post if case.post is not None else self.posterior(case)
        out = []
        for node in nodes:
            k = len(self.states[node])
            logz = np.empty(k)
            joint = np.empty((k, self.n))
            for st in range(k):
                ev = {**case.evidence, node: self.one_hot(node, self.states[node][st])}
                sub = self._sampled_preview(base, ev) or self.posterior(ev)
                logz[st] = sub.log_evidence
                joint[st] = sub.marginals
            p = np.exp(logz - base.log_evidence)
            p = p / p.sum()
            out += self._make_many(
                [node], p[None, :], (joint * p[:, None])[None], base.marginals, tr
            )
        return out

    def _sampled_preview(self, base: Posterior, evidence: Evidence) -> Posterior | None:
        """Where the base posterior and the one with an answer added (a preview) or one
        withdrawn (an explanation) are both sampled (the worst case: every finding above its
        lowest state), one round of importance sampling started from the base posterior,
        which is already close, instead of three from the prior (a third of the cost; the
        result is named and carries its standard error). None elsewhere."""
        if base.route != "importance-sampling" or self.route not in (None, base.route):
            return None
        sc = self.case(evidence)
        terms = self._terms(sc)
        if self._route(sc, terms) != "importance-sampling":
            return None
        return self._is_posterior(sc, terms, start=np.asarray(base.marginals), rounds=1)

    @staticmethod
    def _make_many(
        nodes: Sequence[str], p: np.ndarray, joint: np.ndarray, marg: np.ndarray, tr: list[int]
    ) -> list[Preview]:
        """Previews from P(state) (G, states) and P(state, cause i present) (G, states, n):
        the tracked causes after each state, and the gain sum_i I(C_i; Y) = sum_i [H(Y) +
        H(C_i) - H(Y, C_i)]."""
        p = np.clip(p, 0.0, None)
        joint = np.minimum(np.clip(joint, 0.0, None), p[:, :, None])
        seen = p > 0
        tracked = joint[:, :, tr] / np.where(seen, p, 1.0)[:, :, None]
        tracked[~seen] = np.nan
        q1 = np.clip(marg, 0.0, 1.0)
        h_c = _entropy(np.stack([1 - q1, q1], axis=-1))  # (n,)
        h_y = _entropy(p)  # (G,)
        pair = np.concatenate([p[:, :, None] - joint, joint], axis=1)  # (G, 2 states, n)
        h_pair = _entropy(np.clip(pair, 0.0, None), axis=1)  # (G, n)
        gain = np.maximum(0.0, (h_y[:, None] + h_c[None, :] - h_pair).sum(axis=1))
        return [Preview(x, p[g], tracked[g], float(gain[g])) for g, x in enumerate(nodes)]

    def _preview(
        self, post: Posterior, evidence: Evidence | QCase, node: str, tracked: Sequence[int]
    ) -> Preview:
        return self.previews(post, evidence, [node], tracked)[0]

    def node_distribution(self, post: Posterior, evidence: Evidence, node: str) -> np.ndarray:
        """P(node | evidence) for an unanswered question node."""
        case = self.case(evidence)
        if self.gain_measure == "joint":
            return self._preview(post, case, node, ()).p_state
        return self._term_previews(case, [node], [], post).pop().p_state

    # ------------------------------------------------------------------ variants of a case
    def _set_risk(self, case: QCase, node: str, state: int | None) -> tuple[dict[Any, Any], float]:
        """Per-row replacements, in the case's own structure, for risk factor ``node`` set to
        ``state`` (None: its answer withdrawn, only for a free node), and the ratio of the
        evidence masses. A hard-answered node set to another state changes its children's
        sliced tables; a free shared node its weights; a free private node its child's
        summed table (P(node = state) is then the scale)."""
        prior = self.risk_prior[node]
        kids = [self.axis[c] for c in self.risk_children[node]]
        if node in case.hard:
            if state is None:
                raise ValueError("withdraw a hard answer as the sum over its states")
            s0 = case.hard[node]
            lik0 = float(np.asarray(case.evidence[node])[s0])
            hard = {**case.hard, node: state}
            sig = {**case.sig, node: state}
            over = {
                ("c", a): self._reduced(a, hard, case.weights, case.shared, sig)[1:] for a in kids
            }
            return over, float(prior[state]) / (float(prior[s0]) * lik0)
        if node in case.shared:
            w = (
                prior.copy()
                if state is None
                else np.where(np.arange(len(prior)) == state, prior, 0.0)
            )
            return {("w", node): w}, 1.0
        if state is None:
            weights = {**case.weights, node: prior}
            sig = {**case.sig, node: None}
            over = {
                ("c", a): self._reduced(a, case.hard, weights, case.shared, sig)[1:] for a in kids
            }
            return over, 1.0
        hard = {**case.hard, node: state}
        sig = {**case.sig, node: state}
        over = {("c", a): self._reduced(a, hard, case.weights, case.shared, sig)[1:] for a in kids}
        return over, float(prior[state])

    # ------------------------------------------------------------------ explanations
    def withdrawn(
        self,
        post: Posterior,
        evidence: Evidence | QCase,
        nodes: Sequence[str],
        marginals: bool = True,
        optional: Collection[str] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """P(cause_i = present | evidence without node) for each node (rows) and cause, and
        log P(evidence without node) for each node. Without ``marginals`` only the second is
        computed (the term sums skip their reverse pass) and the first is NaN. ``optional``:
        nodes the caller can do without; where the withdrawals are term sums they are not
        computed (their rows NaN), elsewhere (the hypercube's ratios, the samples) every
        node is, so the samples' route never depends on which nodes were asked for."""
        case = self.case(evidence)
        if post.route == "hypercube":
            return self.hyper.withdrawn(post.inner, self._inner_case(case), nodes)
        if self.gain_measure == "joint" and self.route is None and case.inner is not None:
            # the diagnosis has made the hypercube posterior for the previews: its
            # withdrawals are ratios on the same array (cheaper than new term sums)
            inner = case.inner
            ipost = inner.post if inner.post is not None else self.hyper.posterior(inner)
            return self.hyper.withdrawn(ipost, inner, nodes)
        sampled = self._head_particles(case, post)
        if sampled is not None:
            out, log_z, fewest = particles.withdrawn(self, sampled, case.evidence, nodes)
            if fewest >= sampled.min_ess or not sampled.exact_affordable:
                self._rests_on(case, sampled, fewest)
                return (out if marginals else np.full_like(out, np.nan)), log_z
            # a withdrawal the samples serve badly: all of them exactly (affordable here)
        # beyond the term bound each withdrawal is a posterior of its own, maybe sampled:
        # every one is made, as the samples' are
        skip = set(optional) if self._n_terms(self._terms(case)) <= MAX_TERMS else set()
        keep = [k for k, node in enumerate(nodes) if node not in skip]
        out = np.full((len(nodes), self.n), np.nan)
        log_z = np.full(len(nodes), np.nan)
        if keep:
            out[keep], log_z[keep] = self._withdrawn_exact(
                case, post, [nodes[k] for k in keep], marginals
            )
        return out, log_z

    def _withdrawn_exact(
        self, case: QCase, post: Posterior, nodes: Sequence[str], marginals: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`withdrawn` by term sums (each withdrawal from scratch beyond the bound)."""
        out = np.empty((len(nodes), self.n))
        log_z = np.empty(len(nodes))
        terms = self._terms(case)
        if self._n_terms(terms) > MAX_TERMS:
            for k, node in enumerate(nodes):  # beyond the bound: each from scratch
                ev = {x: v for x, v in case.evidence.items() if x != node}
                sub = self._sampled_preview(post, ev) or self.posterior(ev)
                out[k], log_z[k] = sub.marginals, sub.log_evidence
            return out, log_z
        jobs: list[Job] = []
        owner: list[int] = []
        r_specs: list[tuple[int, dict[Any, Any], float]] = []
        for k, node in enumerate(nodes):
            if self.kind[node] == "finding" and node != HEAVY_LEGS:
                for w, a in self._chunks(self._terms(case, without=node)):
                    jobs.append(Job(w, a))
                    owner.append(k)
            elif self.kind[node] == "risk":
                states = range(len(self.states[node])) if node in case.hard else [None]
                for st in states:
                    over, scale = self._set_risk(case, node, st)
                    r_specs.append((k, over, scale))
            else:
                raise ValueError(f"{node} is not an answered question node")
        keeps = [self._untouched(case, over=over) for _, over, _ in r_specs]
        for w, a in self._chunks(terms) if r_specs else ():
            # the case's own rows once, when a risk factor's withdrawal can copy the
            # contractions it leaves alone (as the previews do)
            base = (
                self._eval(case, np.asarray(a, dtype=float), grads=marginals)
                if any(keeps)
                else None
            )
            for (k, over, scale), keep in zip(r_specs, keeps, strict=True):
                jobs.append(Job(w, a, over, scale, reuse=_reuse(base, keep)))
                owner.append(k)
        # leave-one-out sums serve explanations and the conflict check (shown rounded), so
        # they stay in double precision up to PREVIEW_COND_MAX, as the previews do
        pe, num = self._batch_checked(case, jobs, limit=PREVIEW_COND_MAX, grads=marginals)
        tot = np.zeros(len(nodes))
        tot_n = np.zeros((len(nodes), self.n))
        np.add.at(tot, owner, pe)
        np.add.at(tot_n, owner, num)
        out[:] = np.clip(tot_n / tot[:, None], 0.0, 1.0) if marginals else np.nan
        log_z[:] = np.log(tot) + math.log(case.mass)
        return out, log_z

    # ------------------------------------------------------------------ interventions
    def _heavy_rows(self) -> np.ndarray:
        return np.vstack([np.ones(self.n), self._finding_rows(HEAVY_LEGS)[0]])

    def intervene(self, evidence: Evidence | QCase) -> tuple[float, np.ndarray]:
        """P(heavy_legs = yes) and P(cause present) for each cause given the risk-factor
        evidence only (do(): risk factors are root nodes). Findings are ignored."""
        case = self.case(evidence)
        leak0 = float(self.noisy[HEAVY_LEGS][0][0])
        zc, m = self._eval(case, self._heavy_rows())
        z, nn = self._combine(zc, m, case.comp_of)
        return 1.0 - leak0 * float(z[1] / z[0]), nn[0] / z[0]

    def intervene_each(
        self, evidence: Evidence | QCase, nodes: Sequence[str]
    ) -> dict[str, np.ndarray]:
        """P(heavy_legs = yes | do(node = s), other risk evidence) for every state s of each
        node: each a replacement of the node's weights or its children's tables, all
        evaluated in one batch."""
        case = self.case(evidence)
        leak0 = float(self.noisy[HEAVY_LEGS][0][0])
        rows = self._heavy_rows()
        one, heavy = np.array([1.0]), rows[1:]
        jobs = []
        for node in nodes:
            for st in range(len(self.states[node])):
                if node in case.hard or node in case.shared or node not in case.evidence:
                    over, _ = self._set_risk(case, node, st)
                else:  # a soft answer on a private factor: do() replaces it
                    hard = {**case.hard, node: st}
                    sig = {**case.sig, node: st}
                    over = {
                        ("c", self.axis[c]): self._reduced(
                            self.axis[c], hard, case.weights, case.shared, sig
                        )[1:]
                        for c in self.risk_children[node]
                    }
                jobs += [Job(one, rows[:1], over), Job(one, heavy, over)]
        pe, _ = self._batch_checked(case, jobs, grads=False)
        out: dict[str, np.ndarray] = {}
        k = 0
        for node in nodes:
            m_states = len(self.states[node])
            z = pe[k : k + 2 * m_states].reshape(m_states, 2)
            out[node] = 1.0 - leak0 * z[:, 1] / z[:, 0]
            k += 2 * m_states
        return out

    # ------------------------------------------------------------------ marginals of a few causes
    def none_present(self, post: Posterior, evidence: Evidence | QCase) -> float:
        """P(no cause present | evidence): how much of the answers (heavy legs included) only
        the leaks explain. With every cause absent each finding is its leak alone, so
        P(e, none) = mass x prod over answered findings of sum_y lam_y leak(y) x P(none),
        and P(none) is the term sum at the all-zero row (every route gives P(e))."""
        case = self.case(evidence)
        log_leaks = sum(math.log(float(np.sum(d))) for d, _ in self._terms(case))
        z0, _, _ = self._batch(case, [Job(np.ones(1), np.zeros((1, self.n)))], grads=False)
        log_joint = log_leaks + math.log(float(z0[0])) + math.log(case.mass)
        return float(min(1.0, math.exp(log_joint - post.log_evidence)))

    def marginal(
        self, post: Posterior, evidence: Evidence | QCase, axes: Sequence[int]
    ) -> np.ndarray:
        """P(causes on ``axes`` | evidence), axes ascending, as a (2,) * len(axes) array.

        On the term route each configuration's indicator is a signed sum of product forms
        ([c = 1] = 1 - 0**c, [c = 0] = 0**c), so the marginal over k causes costs 3**k
        term sums (meant for a few causes)."""
        case = self.case(evidence)
        axes = tuple(axes)
        if post.route == "hypercube":
            return self.hyper.marginal(post.inner, axes)
        if self.hypercube_ok and len(axes) > 4:
            inner_case = self._inner_case(case)
            return self.hyper.marginal(self.hyper.posterior(inner_case), axes)
        terms = self._terms(case)
        out = np.empty((2,) * len(axes))
        for cfg in itertools.product((0, 1), repeat=len(axes)):
            extra = []
            for a, v in zip(axes, cfg, strict=True):
                zero = np.ones((1, self.n))
                zero[0, a] = 0.0
                if v:
                    extra.append((np.array([1.0, -1.0]), np.vstack([np.ones(self.n), zero[0]])))
                else:
                    extra.append((np.array([1.0]), zero))
            pe, _, _ = self._sum(case, [*terms, *extra])
            out[cfg] = float(pe)
        return np.clip(out / out.sum(), 0.0, None)

    # ------------------------------------------------------------------ variants of the model
    def with_tables(
        self,
        tables: Mapping[str, np.ndarray],
        noisy: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> QuickscoreEngine:
        """A new engine with some nodes' distributions replaced (sensitivity analysis):
        ``tables`` gives risk factors' and causes' tables, ``noisy`` a finding's (leak CDF,
        link CDFs); a node comes in one of the two, never both. This engine is unchanged."""
        noisy = dict(noisy or {})
        both = sorted(set(tables) & set(noisy))
        if both:
            raise ValueError(f"{both}: give a table or noisy parameters, not both")
        for nid in tables:
            if self.kind[nid] == "finding":
                raise ValueError(f"{nid}: give the finding's noisy parameters (leak, links)")
        nodes = tuple(
            replace(nd, cpt=tables[nd.id], noisy=None)
            if nd.id in tables
            else replace(nd, cpt=None, noisy=noisy[nd.id])
            if nd.id in noisy
            else nd
            for nd in self.net.nodes
        )
        changed = set(tables) | set(noisy)
        new = copy(self)
        new.net = replace(self.net, nodes=nodes)
        node_map = new.net.node_map
        new._lock = threading.Lock()
        new.cause_table = dict(self.cause_table)
        new.risk_prior = dict(self.risk_prior)
        new.noisy = dict(self.noisy)
        new._rows = {k: v for k, v in self._rows.items() if k not in changed}
        new._reduced_cache = {}
        new._plans = dict(self._plans)
        new._ve_plans = dict(self._ve_plans)
        for nid in changed:
            kind = self.kind[nid]
            if kind == "cause":
                new.cause_table[nid] = node_map[nid].table
            elif kind == "risk":
                new.risk_prior[nid] = node_map[nid].table
            elif kind == "finding":
                new.noisy[nid] = noisy[nid]
        new._hyper = self._hyper.with_tables(tables, noisy) if self._hyper is not None else None
        return new


def brute_force(net: Network, evidence: Evidence) -> tuple[np.ndarray, float]:
    """(P(cause present | evidence, heavy legs), log P(evidence, heavy legs)) by enumerating
    every configuration of risk factors and causes (tiny networks only; the test oracle)."""
    risks = [n for n in net.nodes if n.kind == "risk"]
    causes = [n for n in net.nodes if n.kind == "cause"]
    finds = [n for n in net.nodes if n.kind == "finding"]
    ev = dict(evidence)
    ev[HEAVY_LEGS] = np.array([0.0, 1.0])
    cidx = {c.id: i for i, c in enumerate(causes)}
    marg = np.zeros(len(causes))
    z = 0.0
    for rcfg in itertools.product(*[range(len(r.states)) for r in risks]):
        rv = dict(zip([r.id for r in risks], rcfg, strict=True))
        pr = 1.0
        for r in risks:
            pr *= float(r.table[rv[r.id]])
            if r.id in ev:
                pr *= float(ev[r.id][rv[r.id]])
        if pr == 0.0:
            continue
        for ccfg in itertools.product((0, 1), repeat=len(causes)):
            p = pr
            for c, v in zip(causes, ccfg, strict=True):
                p *= float(c.table[tuple(rv[q] for q in c.parents) + (v,)])
            if p == 0.0:
                continue
            for f in finds:
                if f.id not in ev:
                    continue
                leak, link = f.noisy  # type: ignore[misc]
                cdf = np.array(leak, dtype=float)
                for j, par in enumerate(f.parents):
                    if ccfg[cidx[par]]:
                        cdf = cdf * link[j]
                cdf[-1] = 1.0
                probs = np.diff(cdf, prepend=0.0)
                p *= float(probs @ ev[f.id])
            z += p
            marg += p * np.array(ccfg, dtype=float)
    return marg / z, math.log(z)
