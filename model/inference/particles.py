"""The extras of a deep case by importance sampling (issue 12's worst case).

A runner who reports many symptoms makes the exact term sum exponential: at 10-11 findings
above their lowest state a full diagnosis took 5-24 s on the 25-cause network, almost all of
it in the extras around the posterior (every question's previews, the leave-one-out
withdrawals behind the explanations and the conflict check, and the 24 interval draws),
while the posterior itself still takes its exact route in about a second. Where the exact
extras would cost more than ``PARTICLE_MIN_COST`` (the engine's own cost model), they are
computed from one shared set of weighted samples instead:

- the samples: every risk factor drawn from its prior times its answer's likelihood, every
  cause independently from the exact posterior marginals (kept within [0.02, 0.98]); the
  weight of a sample is P(risk factors, causes, answers) / proposal, all in closed form
  (the causes' tables given the drawn risk factors, each answered finding's noisy-MAX
  factor);
- a finding's preview: P(Y = y | causes) per sample, averaged with the weights; a risk
  factor's: its exact conditional given the sample's causes and other risk factors
  (Rao-Blackwellised), averaged the same way; the joint with each cause likewise;
- a withdrawal: the weights divided by the withdrawn answer's factor (a finding) or times
  the ratio of the risk factor's sums without and with its answer;
- an interval draw: the same samples reweighted by P under the drawn tables / P under the
  point tables (common samples, so the draws' differences keep little sampling noise).

Every estimate is anchored to the case's posterior (exact, or the named fallback's where the
posterior took one): previews' joints are scaled by posterior / sampled marginal per cause
(so they sum back to the posterior, unless an answer's joint must be clipped to its own
probability), withdrawals and draws move the posterior's log odds by the sampled change; a
finding's withdrawal averages each cause's conditional probability given the rest of its
sample (Rao-Blackwellised). The result names itself (``Inference.extras ==
"importance-sampling"``, with a bound on the standard error, 0.5 / sqrt(effective
samples)). With fewer than ``MIN_ESS`` effective samples (in the shared set, or in a
withdrawal's reweighting) the exact extras are computed instead, where they are affordable
(``EXACT_MAX_COST``); beyond that, and where the posterior is itself sampled, the samples
serve with their stated error. Checked against the exact extras in
``tests/test_particles.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import expit, logsumexp

from ..kb import HEAVY_LEGS

if TYPE_CHECKING:
    from .quickscore import QuickscoreEngine

Evidence = Mapping[str, np.ndarray]

SAMPLES = 20_000  # samples of the shared set
SEED = 16  # the same case gives the same samples (the same numbers)
MIN_ESS = 500.0  # fewer effective samples: the exact extras instead
# an interval draw's reweighting also counts the samples that carry each cause it holds at
# 0.05-0.95 (with it, and without it): fewer than this among them counts as too few overall
# (:func:`_draw_ess`). Measured on three cases' 144 draws: at 50, the draws it leaves to the
# shared samples were at most 0.044 off (0.087 at 30)
MIN_GROUP_ESS = 50.0
CLIP = 0.02  # the causes' proposal stays within [CLIP, 1 - CLIP]
# the exact extras' cost (the engine's term-sum cost model, terms x per-term cost) beyond
# which the samples serve them: the exact previews cost about 0.6 s at 3.6e6 and 3.5 s at
# 7.2e6 on the 25-cause network (benchmarks/bench_path.py)
PARTICLE_MIN_COST = 5e6
# the withdrawals and the interval draws (an assessment's extras, the ranking's own) stay
# exact up to this cost where the posterior took a plain route (double or extended
# precision): there one batched exact evaluation (0.1 s and 0.4 s on a runner's 16th answer,
# cost 5.6e6) beats reweighting, which leaves some draws too few samples and computes them
# exactly anyway (0.2 s and 0.9 s); beyond it, or where the sum cancels beyond extended
# precision (each exact draw is then a variable elimination), the samples serve them
EXACT_HEAD_MAX_COST = 2e7
# beyond this cost an interval draw that leaves too few effective samples, even from
# samples of its own, keeps its sampling error instead of being computed exactly (the exact
# draws cost seconds to minutes there: a runner's 26th answer took 22 s, the 34th 274 s)
EXACT_MAX_COST = 2e7


def error_bound(ess: float) -> float:
    """The stated error of a sampled estimate: 0.5 / sqrt(effective samples), a bound on
    the standard error of any marginal (p (1 - p) is at most 1/4; a bound, because weights
    that collapse onto a few samples make every estimate 0 or 1, whose own p (1 - p) would
    read 0)."""
    return float(0.5 / math.sqrt(max(ess, 1.0)))


def log_links(q: np.ndarray) -> np.ndarray:
    """log q with -1e300 where q is 0 (a cause that rules a state out: exp gives 0)."""
    with np.errstate(divide="ignore"):
        return np.where(q > 0, np.log(np.where(q > 0, q, 1.0)), -1e300)


def log_bernoulli(x: np.ndarray, prop: np.ndarray) -> np.ndarray:
    """log of the independent-Bernoulli proposal ``prop`` at each sample row of ``x``."""
    return np.where(x > 0, np.log(prop), np.log1p(-prop)).sum(axis=1)


@dataclass(frozen=True)
class Tables:
    """The network's numbers, with a leading variants axis K (1 for the point tables)."""

    risk: Mapping[str, np.ndarray]  # (K, states)
    causes: Mapping[str, np.ndarray]  # (K, *parent states, 2)
    noisy: Mapping[str, tuple[np.ndarray, np.ndarray]]  # (K, states), (K, parents, states)


def point_tables(eng: QuickscoreEngine) -> Tables:
    return Tables(
        {r: np.asarray(t)[None] for r, t in eng.risk_prior.items()},
        {c: np.asarray(t)[None] for c, t in eng.cause_table.items()},
        {f: (np.asarray(lk)[None], np.asarray(ln)[None]) for f, (lk, ln) in eng.noisy.items()},
    )


def drawn_tables(eng: QuickscoreEngine, st: Any) -> Tables:
    """A block of interval draws' tables (:class:`~model.inference.draws.Stacked`), the
    point tables where a number is not uncertain."""
    pt = point_tables(eng)
    k = next(iter(st.causes.values())).shape[0]

    def widen(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, (k, *a.shape[1:]))

    return Tables(
        {r: st.risk[r] if r in st.risk else widen(t) for r, t in pt.risk.items()},
        {c: st.causes[c] if c in st.causes else widen(t) for c, t in pt.causes.items()},
        {
            f: st.noisy[f] if f in st.noisy else (widen(lk), widen(ln))
            for f, (lk, ln) in pt.noisy.items()
        },
    )


@dataclass(frozen=True)
class Particles:
    """One case's weighted samples, anchored to its exact posterior."""

    answered: frozenset[str]  # the case's evidence nodes
    x: np.ndarray  # (S, n) causes present, as floats
    risk: Mapping[str, np.ndarray]  # each risk factor's drawn state (S,)
    u: Mapping[str, np.ndarray]  # the uniforms each risk factor's states were drawn from (S,)
    log_q: np.ndarray  # (S,) log proposal density of the causes
    w: np.ndarray  # (S,) normalised weights under the point tables
    log_factors: Mapping[str, np.ndarray]  # each answered finding's log factor per sample (S,)
    est: np.ndarray  # (n,) the samples' marginals
    exact: np.ndarray  # (n,) the posterior's marginals (the anchor)
    log_evidence: float  # the posterior's log P(answers)
    ess: float
    min_ess: float  # the fewest effective samples an estimate from them may rest on
    ux: np.ndarray  # (S, n) the uniforms the causes were drawn from
    # whether a draw that leaves too few effective samples is computed exactly (where the
    # exact extras are affordable) or kept with its sampling error (beyond that)
    exact_affordable: bool = True

    @property
    def std_error(self) -> float:
        """The stated error of the samples' marginals (:func:`error_bound`)."""
        return error_bound(self.ess)


def _ess(w: np.ndarray) -> float:
    """The effective number of samples of (unnormalised) weights ``w``."""
    tot = float(w.sum())
    sq = float(w @ w)
    return tot * tot / sq if sq > 0 and math.isfinite(tot) else 0.0


def _draw_ess(w: np.ndarray) -> np.ndarray:
    """Per row of normalised weights ``w`` (K, S), Kish's count of effective samples."""
    return np.asarray(np.nan_to_num(1.0 / np.einsum("ks,ks->k", w, w), nan=0.0))


def _reliable(kish: Any, group: Any) -> Any:
    """The effective samples an interval draw's marginals rest on: Kish's count, and (scaled
    by ``MIN_ESS / MIN_GROUP_ESS``) the fewest among the samples with, or without, a cause
    the draw holds at 0.05-0.95 (:func:`_group_ess`). A draw that moves a cause far from its
    proposal rests on the few samples that carry it: one at DVT 0.24, drawn at 0.02 (the
    other causes drawn independently, so most DVT samples also held the strain that the
    draw's DVT explains away), had 569 samples by Kish's count, 37 among its DVT samples,
    and was 0.087 off; redrawn, 0.024-0.028."""
    return np.minimum(kish, group * (MIN_ESS / MIN_GROUP_ESS))


def _group_ess(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per row of normalised weights ``w`` (K, S), the fewest effective samples among those
    with, or without, a cause the weights hold at 0.05-0.95 (inf if none does)."""
    w2 = w * w
    est = w @ x
    with np.errstate(divide="ignore", invalid="ignore"):
        with_ = est**2 / (w2 @ x)
        without = (1 - est) ** 2 / (w2 @ (1 - x))
    fewest = np.where(np.minimum(est, 1 - est) >= 0.05, np.minimum(with_, without), np.inf)
    return np.asarray(np.nan_to_num(fewest.min(axis=-1), nan=0.0, posinf=np.inf))


def _forms(
    eng: QuickscoreEngine, ev: Evidence, tabs: Tables
) -> list[tuple[str, np.ndarray, list[int], bool, np.ndarray]]:
    """Per answered finding: (finding, its product forms' coefficients (K, states), the
    states whose form varies (not zero in some variant, not the top state), whether the
    top state's constant form 1 is kept, log q of the varying forms (K, forms, n), 0 for
    non-parents)."""
    out = []
    for f in eng._observed(ev):
        leak, link = tabs.noisy[f]
        d, keep = eng._coefficients(eng._lik(ev, f), leak)  # (K, states)
        top = d.shape[-1] - 1
        rows = [int(y) for y in keep if y != top]
        lq = np.zeros((leak.shape[0], len(rows), eng.n))
        lq[..., list(eng.finding_axes[f])] = log_links(
            np.swapaxes(np.asarray(link, dtype=float), -1, -2)[:, rows]
        )
        out.append((f, d, rows, top in keep, lq))
    return out


def _log_factor(
    x: np.ndarray, d: np.ndarray, rows: list[int], top: bool, lq: np.ndarray
) -> np.ndarray:
    """One finding's log factor per variant and sample (K, S) (:func:`_forms`' parts)."""
    k = d.shape[0]
    xl = (lq.reshape(-1, lq.shape[-1]) @ x.T).reshape(k, len(rows), len(x))  # log products
    if len(rows) == 1 and not top:  # log-linear: d >= 0 (the answer's likelihood falls)
        with np.errstate(divide="ignore"):
            return np.asarray(xl[:, 0] + np.log(d[:, rows[0], None]))
    res = np.zeros((k, len(x)))
    if top:
        res += d[:, -1, None]
    if rows:
        res += np.einsum("kms,km->ks", np.exp(xl), d[:, rows])
    with np.errstate(divide="ignore"):  # a sum that cancels to 0 or below: weight 0
        return np.asarray(np.log(np.clip(res, 0.0, None)))


def _log_factors(
    eng: QuickscoreEngine, ev: Evidence, x: np.ndarray, tabs: Tables
) -> dict[str, np.ndarray]:
    """Each answered finding's log factor log sum_y lik_y P(Y = y | causes) per variant and
    sample (K, S), its factor the signed sum of its product forms (Quickscore's factor):
    only the states whose coefficient is not zero in some variant enter, and the top
    state's form is 1."""
    return {f: _log_factor(x, d, rows, top, lq) for f, d, rows, top, lq in _forms(eng, ev, tabs)}


def _log_factor_sum(eng: QuickscoreEngine, ev: Evidence, x: np.ndarray, tabs: Tables) -> np.ndarray:
    """The sum of :func:`_log_factors` (K, S), the log-linear ones (one product form: an
    answer at the lowest state, the commonest) summed in one product with the causes."""
    k = next(iter(tabs.noisy.values()))[0].shape[0]
    lin = np.zeros((k, eng.n))
    const = np.zeros((k, 1))
    out = np.zeros((k, len(x)))
    for _, d, rows, top, lq in _forms(eng, ev, tabs):
        if len(rows) == 1 and not top:
            lin += lq[:, 0]
            with np.errstate(divide="ignore"):
                const += np.log(d[:, rows[0], None])
        else:
            out += _log_factor(x, d, rows, top, lq)
    return np.asarray(out + (lin @ x.T + const))


def _log_joint(
    eng: QuickscoreEngine,
    ev: Evidence,
    x: np.ndarray,
    risk: Mapping[str, np.ndarray],
    tabs: Tables,
    each: bool = False,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """log P(causes, answers | risk factors) per variant and sample (K, S) (the risk factors
    ``risk`` (K, S) are drawn from their own prior times their answer's likelihood, so
    their part of the weight is a constant per variant), and, with ``each``, the answered
    findings' log factors (K, S) (else an empty mapping)."""
    k = next(iter(tabs.causes.values())).shape[0]
    out = np.zeros((k, len(x)))
    xi = x.astype(np.intp)
    for a, c in enumerate(eng.cause_ids):
        t = tabs.causes[c]  # (K, *parents' states, 2): flat index per sample
        at = np.zeros((1, 1), dtype=np.intp)
        for p, size in zip(eng.cause_parents[c], t.shape[1:-1], strict=True):
            at = at * size + risk[p]
        with np.errstate(divide="ignore"):
            flat = np.log(t.reshape(k, -1))
        out += np.take_along_axis(flat, np.broadcast_to(at * 2 + xi[:, a], out.shape), axis=1)
    if not each:
        return out + _log_factor_sum(eng, ev, x, tabs), {}
    factors = _log_factors(eng, ev, x, tabs)
    for f in factors.values():
        out += f
    return out, factors


def _risk_states(
    eng: QuickscoreEngine, ev: Evidence, u: Mapping[str, np.ndarray], tabs: Tables
) -> dict[str, np.ndarray]:
    """Each risk factor's state per variant and sample (K, S): drawn from its prior times
    its answer's likelihood by inverting the distribution at the shared uniforms ``u``
    (common random numbers: variants with close tables draw the same states)."""
    out = {}
    for r in eng.risk_ids:
        v = np.asarray(tabs.risk[r], dtype=float)
        if r in ev:
            v = v * np.asarray(ev[r], dtype=float)[None, :]
        cdf = np.cumsum(v, axis=1)
        cdf = cdf[:, :-1] / cdf[:, -1:]  # (K, states - 1): the state is how many lie below u
        out[r] = (u[r][None, None, :] >= cdf[:, :, None]).sum(axis=1)
    return out


def _normalised(log_w: np.ndarray) -> np.ndarray:
    w = np.exp(log_w - log_w.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def draw(
    eng: QuickscoreEngine,
    ev: Evidence,
    marginals: np.ndarray,
    log_evidence: float,
    sampled_posterior: bool = False,
    exact_affordable: bool = True,
) -> Particles | None:
    """The case's weighted samples, or None when they are too few in effect (``MIN_ESS``).
    Where the posterior is itself sampled (``sampled_posterior``: beyond every exact route),
    the samples serve whatever their number in effect: the alternative, one round of
    sampling per answer state from the same proposal, is no better and a hundred times
    slower; their standard error is reported as for any sampled extra."""
    rng = np.random.default_rng(SEED)
    u = {r: rng.random(SAMPLES) for r in eng.risk_ids}
    pt = point_tables(eng)
    risk = {r: v[0] for r, v in _risk_states(eng, ev, u, pt).items()}
    prop = np.clip(np.asarray(marginals, dtype=float), CLIP, 1 - CLIP)
    ux = rng.random((SAMPLES, eng.n))
    x = (ux < prop).astype(float)
    log_q = log_bernoulli(x, prop)
    lj, factors = _log_joint(eng, ev, x, {r: v[None] for r, v in risk.items()}, pt, each=True)
    w = _normalised(lj[0] - log_q)
    ess = _ess(w)
    min_ess = 1.0 if sampled_posterior else MIN_ESS
    if ess < min_ess:
        return None
    return Particles(
        frozenset(ev),
        x,
        risk,
        u,
        log_q,
        w,
        {f: v[0] for f, v in factors.items()},
        w @ x,
        np.asarray(marginals, dtype=float),
        float(log_evidence),
        ess,
        min_ess,
        ux,
        exact_affordable and not sampled_posterior,
    )


def _anchor(p: Particles, est: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
    """Marginals moved from the exact posterior by the samples' change of log odds (from
    ``base``, the samples' own estimate of the posterior; by default their plain one)."""
    lo = np.clip(np.asarray(est, dtype=float), 1e-12, 1 - 1e-12)
    base = np.clip(p.est if base is None else base, 1e-12, 1 - 1e-12)
    ex = np.clip(p.exact, 1e-15, 1 - 1e-15)
    return np.asarray(
        expit(np.log(ex / (1 - ex)) + np.log(lo / (1 - lo)) - np.log(base / (1 - base)))
    )


def _finding_probs(eng: QuickscoreEngine, f: str, x: np.ndarray) -> np.ndarray:
    """P(Y = y | causes) per sample (S, states) under the point tables."""
    leak = np.array(eng.noisy[f][0], dtype=float)
    leak[-1] = 1.0
    cdf = np.exp(x @ log_links(eng._finding_rows(f)).T) * leak[None, :]
    cdf[:, -1] = 1.0
    return np.diff(cdf, axis=1, prepend=0.0)


def _risk_log_terms(eng: QuickscoreEngine, p: Particles, r: str) -> np.ndarray:
    """log [P(r = s) prod over r's children of P(child | its parents with r = s)] per
    sample and state (S, states), the other risk factors and the causes as drawn."""
    m = len(eng.states[r])
    with np.errstate(divide="ignore"):
        out = np.log(np.asarray(eng.risk_prior[r], dtype=float))[None, :].repeat(len(p.x), 0)
    xi = p.x.astype(np.intp)
    for c in eng.risk_children[r]:
        a = eng.axis[c]
        t = np.asarray(eng.cause_table[c])
        for s in range(m):
            idx = tuple(np.full(len(p.x), s) if q == r else p.risk[q] for q in eng.cause_parents[c])
            with np.errstate(divide="ignore"):
                out[:, s] += np.log(t[(*idx, xi[:, a])])
    return out


def preview_parts(
    eng: QuickscoreEngine, p: Particles, nodes: Sequence[str]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per node: P(state) (states,) and P(state, cause present) (states, n), the joint
    scaled so that it sums over the states to the exact posterior."""
    scale = p.exact / np.maximum(p.est, 1e-300)
    out = []
    for node in nodes:
        if eng.kind[node] == "finding":
            probs = _finding_probs(eng, node, p.x)
        elif eng.kind[node] == "risk":
            lt = _risk_log_terms(eng, p, node)
            with np.errstate(invalid="ignore"):  # a sample no state allows: weight 0 anyway
                probs = np.nan_to_num(np.exp(lt - logsumexp(lt, axis=1, keepdims=True)))
        else:
            raise ValueError(f"{node} is not a question node")
        ps = p.w @ probs
        joint = (probs * p.w[:, None]).T @ p.x * scale[None, :]
        out.append((ps / ps.sum(), np.minimum(joint, ps[:, None])))
    return out


def _cause_log_odds(
    eng: QuickscoreEngine, p: Particles, ev: Evidence
) -> tuple[np.ndarray, dict[str, tuple[tuple[int, ...], np.ndarray]]]:
    """Each cause's log odds given everything else in its sample (S, n), and each answered
    finding's share of it ((its parents' axes, (S, parents))): log P(c = 1 | risk
    factors) / P(c = 0 | ...) plus, per answered finding, log F(x with c = 1) / F(x with
    c = 0) (the finding's factor with the cause switched on and off). Averaging the
    conditional probabilities instead of the samples' 0/1 values (Rao-Blackwellisation)
    takes most of the sampling noise out of rare causes' estimates."""
    lo = np.empty((len(p.x), eng.n))
    for a, c in enumerate(eng.cause_ids):
        t = np.asarray(eng.cause_table[c])[tuple(p.risk[q] for q in eng.cause_parents[c])]
        lo[:, a] = np.log(np.clip(t[..., 1], 1e-300, None)) - np.log(
            np.clip(t[..., 0], 1e-300, None)
        )
    shares = {}
    for f in eng._observed(ev):
        axes = eng.finding_axes[f]
        d, q = eng._finding_term(f, eng._lik(ev, f))
        lq = np.log(np.clip(q, 1e-300, None))  # (states, n)
        if len(d) == 1:  # one product form (d > 0): F(c = 1) / F(c = 0) is q_c itself
            share = np.broadcast_to(lq[0, axes], (len(p.x), len(axes)))
            lo[:, axes] += share
            shares[f] = (axes, share)
            continue
        e = np.exp(
            (p.x @ lq.T)[:, :, None] - p.x[:, None, axes] * lq[None, :, axes]
        )  # the factor's product forms without the cause: (S, states, parents)
        f0 = np.einsum("syp,y->sp", e, d)
        f1 = np.einsum("syp,y,yp->sp", e, d, q[:, axes])
        share = np.log(np.clip(f1, 1e-300, None)) - np.log(np.clip(f0, 1e-300, None))
        lo[:, axes] += share
        shares[f] = (axes, share)
    return lo, shares


def withdrawn(
    eng: QuickscoreEngine, p: Particles, ev: Evidence, nodes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, float]:
    """P(cause present | answers without node) (nodes, n), log P(answers without node)
    for each answered node, and the fewest effective samples any withdrawal rests on (its
    weights are the samples' reweighted to the answers without the node); a finding's
    withdrawal averages the causes' conditional probabilities (:func:`_cause_log_odds`), a
    risk factor's the samples."""
    out = np.empty((len(nodes), eng.n))
    log_z = np.empty(len(nodes))
    fewest = math.inf
    lo, shares = _cause_log_odds(eng, p, ev)
    pr = expit(lo)
    rb = p.w @ pr  # the posterior by the same estimator (the anchor's base)
    for k, node in enumerate(nodes):
        if node == HEAVY_LEGS or node not in p.answered:
            raise ValueError(f"{node} is not an answered question node")
        if eng.kind[node] == "finding":
            with np.errstate(divide="ignore", invalid="ignore"):  # -inf: the weight is 0
                w = np.where(p.w > 0, np.exp(np.log(p.w) - p.log_factors[node]), 0.0)
            axes, share = shares[node]
            est = w @ pr  # only the finding's parents' conditionals change
            est[list(axes)] = w @ expit(lo[:, axes] - share)
            base = rb
        elif eng.kind[node] == "risk":
            lt = _risk_log_terms(eng, p, node)
            with np.errstate(divide="ignore"):
                lik = np.log(np.asarray(ev[node], dtype=float))
            with np.errstate(invalid="ignore"):  # a sample no state allows: weight 0 anyway
                ratio = np.exp(logsumexp(lt, axis=1) - logsumexp(lt + lik[None, :], axis=1))
            w = p.w * np.nan_to_num(ratio, nan=0.0, posinf=0.0)
            est, base = w @ p.x, None
        else:
            raise ValueError(f"{node} is not an answered question node")
        fewest = min(fewest, _ess(w))
        tot = float(w.sum())
        log_z[k] = p.log_evidence + math.log(tot)
        out[k] = _anchor(p, est / tot, base)
    return out, log_z, fewest


def draw_marginals(
    eng: QuickscoreEngine, p: Particles, ev: Evidence, st: Any
) -> tuple[np.ndarray, float]:
    """Each interval draw's cause marginals (K, n), and the fewest effective samples a kept
    draw rests on: the samples' causes reweighted by the drawn tables
    (:class:`~model.inference.draws.Stacked`), their risk factors redrawn from the drawn
    priors at the same uniforms, anchored to the posterior. A draw whose weights leave
    fewer than ``MIN_ESS`` effective samples (``Particles.min_ess``) gets samples of its own
    (:func:`_redraw`); if they are still too few, it is a row of NaN (the caller computes it
    exactly) where the exact extras are affordable, and beyond that (``EXACT_MAX_COST``) the
    estimate from its own samples is kept (the shared samples' one if that is not a number,
    the point posterior's marginals if neither is), with the sampling error of the fewer."""
    tabs = drawn_tables(eng, st)
    lj, _ = _log_joint(eng, ev, p.x, _risk_states(eng, ev, p.u, tabs), tabs)
    with np.errstate(invalid="ignore"):
        w = _normalised(lj - p.log_q[None, :])
    group = _group_ess(w, p.x)
    ess = _reliable(_draw_ess(w), group)
    out = np.stack([_anchor(p, est) for est in w @ p.x])
    good = ess >= p.min_ess
    fewest = float(ess[good].min()) if good.any() else math.inf
    for k in np.flatnonzero(~good):
        one = Tables(
            {r: v[k : k + 1] for r, v in tabs.risk.items()},
            {c: v[k : k + 1] for c, v in tabs.causes.items()},
            {f: (lk[k : k + 1], ln[k : k + 1]) for f, (lk, ln) in tabs.noisy.items()},
        )
        est, ess_k, group_k = _redraw(eng, p, ev, one, out[k])
        if np.isfinite(est).all() and ess_k >= p.min_ess:
            out[k], fewest = est, min(fewest, ess_k)
        elif p.exact_affordable:
            out[k] = np.nan  # computed exactly by the caller
        else:
            out[k], ess_k = _best_of(
                eng, p, ev, one, (out[k], float(ess[k]), group[k]), (est, ess_k, group_k)
            )
            fewest = min(fewest, ess_k)
    return out, fewest


def _best_of(
    eng: QuickscoreEngine,
    p: Particles,
    ev: Evidence,
    tabs: Tables,
    shared: tuple[np.ndarray, float, float],
    first: tuple[np.ndarray, float, float],
) -> tuple[np.ndarray, float]:
    """Beyond the exact draws: of a weak draw's estimates (the shared samples', its own
    samples' and, from those, a second set of its own), the one whose fewest samples with
    or without a cause it holds are the most (:func:`_group_ess`: Kish's count alone kept
    a shared estimate 0.087 off over its own at 0.024; a redraw can also collapse, 0.2 off
    on 1.4 such samples), with its effective samples; the point posterior's marginals if
    none is a number."""
    second = [_redraw(eng, p, ev, tabs, first[0])] if np.isfinite(first[0]).all() else []
    tries = [t for t in (shared, first, *second) if np.isfinite(t[0]).all()]
    if not tries:  # no estimate is a number: this draw moves nothing
        return p.exact, 1.0
    est, ess, _ = max(tries, key=lambda t: (min(t[2], t[1]), t[1]))
    return est, ess


def _redraw(
    eng: QuickscoreEngine, p: Particles, ev: Evidence, tabs: Tables, guess: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """One draw's cause marginals from samples of its own: the causes drawn at the shared
    uniforms from ``guess`` (the reweighted estimate: close to the draw's posterior where
    the point posterior is not), weighted under the draw's tables and, for the anchor's
    base, under the point tables (so the draw moves the exact posterior by its sampled
    change, as the other draws do). (marginals, effective samples (:func:`_reliable`
    of the draw's weights, Kish's count of the base's), the fewest samples with or without
    a cause (:func:`_group_ess`))."""
    prop = np.clip(np.nan_to_num(np.asarray(guess, dtype=float), nan=0.5), CLIP, 1 - CLIP)
    x = (p.ux < prop).astype(float)
    log_q = log_bernoulli(x, prop)
    lj, _ = _log_joint(eng, ev, x, _risk_states(eng, ev, p.u, tabs), tabs)
    # under the point tables the risk factors are the shared set's own (same uniforms)
    lj0, _ = _log_joint(eng, ev, x, {r: v[None] for r, v in p.risk.items()}, point_tables(eng))
    with np.errstate(invalid="ignore"):
        w = _normalised(lj[0] - log_q)
        w0 = _normalised(lj0[0] - log_q)
    if not (np.isfinite(w).all() and np.isfinite(w0).all()):
        return np.full(eng.n, np.nan), 0.0, 0.0
    group = float(_group_ess(w[None], x)[0])
    ess = min(float(_reliable(_ess(w), group)), _ess(w0))
    return _anchor(p, w @ x, w0 @ x), ess, group
