"""The network's numbers drawn from their stated uncertainty (issue 16).

Every number in ``priors/`` has a standard deviation on the log-odds scale (the log scale for
an odds ratio), set by what it rests on (:class:`model.kb.Uncertainty`). A draw is a vector
``z`` of standard normals, one per number: a probability ``p`` becomes
``sigmoid(logit p + sd z)``, an odds ratio ``OR exp(sd z)``, a distribution over several
states ``softmax(log p + sd z)``. From a draw this module builds the tables the engine takes
(:meth:`QuickscoreEngine.with_tables`), vectorised over draws: the risk factors' priors, each
cause's table (an odds-model cause's intercept re-solved so that its marginal equals its
drawn base rate, as the loader does) and the noisy parameters of the findings a case
observes (the others sum out). ``z = 0`` gives the network's own tables (tested).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit as _sigmoid

from ..kb import CauseDef, FindingDef, KnowledgeBase
from ..kb.schema import Cited, OddsRatio

Variant = tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]]]
_TINY = 1e-12
_Add = Callable[[str, str, float, Cited, float | None], int]  # ParamDraws' `add`


@dataclass(frozen=True)
class Stacked:
    """A block of draws' tables, stacked along a leading draws axis."""

    risk: dict[str, np.ndarray]  # (draws, states)
    causes: dict[str, np.ndarray]  # (draws, *parent states, 2)
    noisy: dict[str, tuple[np.ndarray, np.ndarray]]  # (draws, states), (draws, parents, states)


@dataclass(frozen=True)
class Param:
    """One uncertain number: where a physio finds it (``file: key``), its node, its value
    as written and its standard deviation on the log-odds (or log) scale."""

    key: str
    node: str
    value: float
    sd: float
    basis: str


def _logit(p: float) -> float:
    p = min(max(p, _TINY), 1 - _TINY)
    return math.log(p / (1 - p))


def _dist(p: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Distributions (draws, states) around ``p``: a yes/no one through its second state's
    log odds (``shift`` has one column), a larger one through each state's log-probability
    (one column per state), renormalised."""
    p = np.asarray(p, dtype=float)
    if len(p) == 2 and shift.shape[1] == 1:
        q = _sigmoid(_logit(float(p[1])) + shift[:, 0])
        return np.stack([1 - q, q], axis=-1)
    return _softmax(np.log(np.maximum(p, _TINY))[None, :] + shift)


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


class ParamDraws:
    """The uncertain numbers of one compiled model (population and base-rate changes
    included), in a fixed order, and the tables a block of draws of them gives."""

    def __init__(
        self,
        kb: KnowledgeBase,
        population: str,
        base_rates: Mapping[str, float] | None = None,
    ) -> None:
        self.kb = kb
        self.population = population
        self.params: list[Param] = []
        unc = kb.uncertainty
        base_rates = dict(base_rates or {})

        def add(key: str, node: str, value: float, cited: Cited, p: float | None) -> int:
            self.params.append(Param(key, node, value, unc.sd(cited, p), cited.basis))
            return len(self.params) - 1

        # risk factors: one number per state of each prior
        self._risk: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # id -> (indices, prior)
        for rid, (states, probs) in kb.risk_factors.items():
            cited = kb.risk_sources[rid]
            key = f"risk_factors.yaml: {rid}.prior.probs"
            if len(states) == 2:  # one number: the second state's log odds
                p1 = float(probs[1])
                idx = [add(f"{key}.{states[1]}", rid, p1, cited, p1)]
            else:  # one log-probability per state, renormalised
                idx = [
                    add(f"{key}.{s}", rid, float(p), cited, float(p))
                    for s, p in zip(states, probs, strict=True)
                ]
            self._risk[rid] = (np.array(idx), np.asarray(probs, dtype=float))
        # causes
        self._odds: dict[str, tuple[int, list[tuple[str, np.ndarray, np.ndarray]], float]] = {}
        self._tables: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for c in kb.causes:
            self._add_cause(c, base_rates, add)
        # findings (drawn only when a case observes them)
        self._findings: dict[str, tuple[np.ndarray, list[np.ndarray]]] = {}
        self._finding_defs = {f.id: f for f in kb.findings}
        # (draws, seed) -> (normals, shifts, risk and cause tables, each finding's noisy
        # draws); a race fills an entry twice with equal values
        self._blocks: dict[
            tuple[int, int],
            tuple[np.ndarray, np.ndarray, Stacked, dict[str, tuple[np.ndarray, np.ndarray]]],
        ] = {}
        for f in kb.findings:
            self._add_finding(f, add)
        self.sd = np.array([p.sd for p in self.params])  # per number, in the order of params
        self.sd.setflags(write=False)

    # ------------------------------------------------------------------ the numbers
    def _add_cause(self, c: CauseDef, base_rates: Mapping[str, float], add: _Add) -> None:
        if c.table is not None:
            (par,) = c.parents
            states = self.kb.risk_factors[par][0]
            p = np.asarray(c.table, dtype=float)
            rows = [
                add(
                    f"causes.yaml: {c.id}.table.p_present.{s}",
                    c.id,
                    float(v),
                    c.sources[f"table.{s}"],
                    float(v),
                )
                for s, v in zip(states, p, strict=True)
            ]
            self._tables[c.id] = (np.array(rows), p)
            return
        rate = float(base_rates.get(c.id, c.base_rates[self.population]))
        cited = c.sources[f"base_rate.{self.population}"]
        i_rate = add(f"causes.yaml: {c.id}.base_rate.{self.population}", c.id, rate, cited, rate)
        parents: list[tuple[str, np.ndarray, np.ndarray]] = []
        for par in c.parents:
            states = self.kb.risk_factors[par][0]
            idx = np.full(len(states), -1)
            lo = np.zeros(len(states))
            for k, s in enumerate(states):
                o = c.sources.get(f"odds_ratios.{par}.{s}")
                if not isinstance(o, OddsRatio):  # 1 by absence: not a number in the files
                    continue
                value = float(o.value)
                idx[k] = add(f"causes.yaml: {c.id}.odds_ratios.{par}.{s}", c.id, value, o, None)
                lo[k] = math.log(value)
            parents.append((par, idx, lo))
        self._odds[c.id] = (i_rate, parents, rate)

    def _add_finding(self, f: FindingDef, add: _Add) -> None:
        yes_no = len(f.states) == 2

        def dist(key: str, p: np.ndarray, cited: Cited) -> np.ndarray:
            if yes_no:
                return np.array([add(key, f.id, float(p[1]), cited, float(p[1]))])
            return np.array(
                [
                    add(f"{key}.probs.{s}", f.id, float(v), cited, float(v))
                    for s, v in zip(f.states, p, strict=True)
                ]
            )

        leak = dist(f"findings.yaml: {f.id}.leak", f.leak, f.sources["leak"])
        links = [
            dist(f"findings.yaml: {f.id}.links.{cid}", f.given[j], f.sources[f"links.{cid}"])
            for j, cid in enumerate(f.parents)
        ]
        self._findings[f.id] = (leak, links)

    def relevant(self, findings: Iterable[str]) -> np.ndarray:
        """Indices of the numbers that can move a case observing ``findings``: every risk
        factor's and cause's, and those of the observed findings (the others sum out)."""
        keep = set(findings)
        return np.array(
            [i for i, p in enumerate(self.params) if p.node not in self._findings or p.node in keep]
        )

    # ------------------------------------------------------------------ draws -> tables
    def normals(self, draws: int, seed: int = 0) -> np.ndarray:
        """``draws`` standard-normal vectors in antithetic pairs (row k and row k + draws/2
        are opposite), the same for the same seed."""
        if draws < 2 or draws % 2:
            raise ValueError(f"draws = {draws}: an even number of at least 2")
        half = np.random.default_rng(seed).standard_normal((draws // 2, len(self.params)))
        return np.vstack([half, -half])

    def block(self, draws: int, seed: int, findings: Iterable[str]) -> tuple[np.ndarray, Stacked]:
        """(the normals of :meth:`normals`, their tables for a case observing ``findings``),
        the risk factors' and causes' tables computed once per (draws, seed) and each
        finding's once (they do not depend on the case): read-only arrays, kept for the
        model's lifetime (a few blocks)."""
        key = (draws, seed)
        hit = self._blocks.get(key)
        if hit is None:
            z = self.normals(draws, seed)
            shift = z * self.sd[None, :]
            st = self._stacked(shift, ())
            for a in (z, shift, *st.risk.values(), *st.causes.values()):
                a.setflags(write=False)
            hit = (z, shift, st, {})
            if len(self._blocks) < 8:
                self._blocks[key] = hit
        z, shift, st, per_finding = hit
        noisy = {}
        for f in findings:
            if f not in self._findings:
                continue
            got = per_finding.get(f)
            if got is None:
                got = self._noisy(f, shift)
                for a in got:
                    a.setflags(write=False)
                per_finding[f] = got
            noisy[f] = got
        return z, Stacked(st.risk, st.causes, noisy)

    def stacked(self, z: np.ndarray, findings: Iterable[str]) -> Stacked:
        """The tables for all rows of ``z`` (draws x numbers, in standard deviations) at
        once, for a case that observes ``findings``: risk factors' priors (draws, states),
        causes' tables (draws, *parent states, 2) and the observed findings' (leak CDFs
        (draws, states), link CDFs (draws, parents, states))."""
        return self._stacked(np.atleast_2d(np.asarray(z, dtype=float)) * self.sd[None, :], findings)

    def _stacked(self, shift: np.ndarray, findings: Iterable[str]) -> Stacked:
        """:meth:`stacked` from the draws' shifts on each number's own scale (z x sd)."""
        risk = {rid: _dist(probs, shift[:, idx]) for rid, (idx, probs) in self._risk.items()}
        causes: dict[str, np.ndarray] = {}
        for cid, (idx, p) in self._tables.items():
            q = _sigmoid(np.log(p / (1 - p))[None, :] + shift[:, idx])
            causes[cid] = np.stack([1 - q, q], axis=-1)
        for cid, (i_rate, parents, rate) in self._odds.items():
            causes[cid] = self._odds_tables(shift, i_rate, parents, rate, risk)
        noisy = {fid: self._noisy(fid, shift) for fid in findings if fid in self._findings}
        return Stacked(risk, causes, noisy)

    def variants(self, z: np.ndarray, findings: Iterable[str]) -> list[Variant]:
        """The engine tables for each row of ``z`` (draws x numbers, in standard deviations),
        for a case that observes ``findings``: one (tables, noisy) pair per draw."""
        st = self.stacked(z, findings)
        k = np.atleast_2d(z).shape[0]
        return [
            (
                {
                    **{r: t[i] for r, t in st.risk.items()},
                    **{c: t[i] for c, t in st.causes.items()},
                },
                {f: (leak[i], link[i]) for f, (leak, link) in st.noisy.items()},
            )
            for i in range(k)
        ]

    def _odds_tables(
        self,
        shift: np.ndarray,
        i_rate: int,
        parents: Sequence[tuple[str, np.ndarray, np.ndarray]],
        rate: float,
        risk: Mapping[str, np.ndarray],
    ) -> np.ndarray:
        """P(cause | parents) per draw, shape (draws, *parent states, 2)."""
        k = shift.shape[0]
        m = len(parents)
        lo = np.zeros((k,) + (1,) * m)
        weights = np.ones((k,) + (1,) * m)
        for a, (par, idx, lo0) in enumerate(parents):
            d = lo0[None, :] + np.where(idx[None, :] >= 0, shift[:, np.maximum(idx, 0)], 0.0)
            shape = [k] + [1] * m
            shape[a + 1] = len(lo0)
            lo = lo + d.reshape(shape)
            weights = weights * risk[par].reshape(shape)
        lo = np.broadcast_to(lo, np.broadcast_shapes(lo.shape, weights.shape))
        weights = np.broadcast_to(weights, lo.shape)
        target = _sigmoid(_logit(rate) + shift[:, i_rate])
        alpha = _solve_intercepts(lo.reshape(k, -1), weights.reshape(k, -1), target)
        p = _sigmoid(alpha.reshape((k,) + (1,) * m) + lo)
        return np.stack([1 - p, p], axis=-1)

    def _noisy(self, fid: str, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(leak CDFs (draws, states), link CDFs (draws, parents, states)) of a finding."""
        f = self._finding_defs[fid]
        leak_idx, link_idx = self._findings[fid]
        leak = _dist(f.leak, shift[:, leak_idx])
        leak_cdf = np.cumsum(leak, axis=-1)
        leak_cdf[:, -1] = 1.0
        k = shift.shape[0]
        link = np.ones((k, len(f.parents), len(f.states)))
        for j in range(len(f.parents)):
            given = np.cumsum(_dist(f.given[j], shift[:, link_idx[j]]), axis=-1)
            # Henrion's link: P(<= s | only this cause) / P(<= s | leak), at most 1 (a drawn
            # link below its drawn leak means the cause adds nothing there)
            ratio = np.where(leak_cdf > 0, given / np.maximum(leak_cdf, _TINY), 1.0)
            link[:, j, :] = np.minimum(ratio, 1.0)
        link[:, :, -1] = 1.0
        # non-decreasing over the states, as the loader requires of every link: then every
        # product leak CDF x links is a CDF and every table of the finding is a distribution
        np.maximum.accumulate(link, axis=-1, out=link)
        return leak_cdf, link


def _solve_intercepts(lo: np.ndarray, w: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per row r, the alpha with sum_j w[r, j] sigmoid(alpha + lo[r, j]) = target[r]:
    Newton's method on the log of the sum (near-linear in alpha for a rare cause as for a
    common one), safeguarded by bisection; the sum rises with alpha."""
    lo_a = np.full(len(target), -60.0)
    hi_a = np.full(len(target), 60.0)
    log_t = np.log(target)
    alpha = np.log(target / (1 - target)) - (w * lo).sum(axis=1) / w.sum(axis=1)
    for _ in range(200):
        s = _sigmoid(alpha[:, None] + lo)
        total = (w * s).sum(axis=1)
        g = np.log(np.maximum(total, 1e-300)) - log_t
        if np.all(np.abs(g) <= 1e-12):
            break
        lo_a = np.where(g < 0, alpha, lo_a)
        hi_a = np.where(g > 0, alpha, hi_a)
        slope = (w * s * (1 - s)).sum(axis=1) / np.maximum(total, 1e-300)
        step = alpha - g / np.maximum(slope, 1e-300)
        inside = (step > lo_a) & (step < hi_a)
        alpha = np.where(inside, step, 0.5 * (lo_a + hi_a))
    else:  # not converged in 200 steps (not met in practice): those rows by Brent's method
        for r in np.flatnonzero(~(np.abs(g) <= 1e-12)):
            alpha[r] = brentq(
                lambda a, r=r: float(np.sum(w[r] * _sigmoid(a + lo[r])) - target[r]),
                -60.0,
                60.0,
                xtol=1e-14,
            )
    return alpha


__all__ = ["Param", "ParamDraws", "Stacked", "Variant"]
