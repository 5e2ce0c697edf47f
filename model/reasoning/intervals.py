"""How sure the model is of each probability (issue 16): intervals over the uncertainty of
the numbers in ``priors/`` (:mod:`model.inference.draws`), and which numbers widen them.

Three computations of one quantity, each checked against the others in the tests:

- :func:`cause_intervals` (every diagnosis): ``draws`` parameter draws in antithetic pairs
  ``+z, -z``; each cause's log-odds moves by ``d_k = (L(+z_k) - L(-z_k)) / 2``, the part of the
  change linear in the numbers, whose mean square estimates the variance of the log odds
  over the numbers' uncertainty, and by ``(L(+z_k) + L(-z_k)) / 2 - L``, the second-order part,
  whose mean ``s`` moves the middle of the distribution. The interval is
  ``sigmoid(L + s +- q sd)`` (``q`` the normal quantile of the coverage), widened if needed to
  contain the point probability (which triage uses); it narrows when the numbers' stated
  uncertainty narrows. Against 400 plain draws its bounds differ by at most about 0.1-0.2
  (probability) on the vignettes measured (benchmarks/bench_intervals.py --mc).
- :func:`monte_carlo_intervals` (the reference): plain draws, the empirical quantiles.
- :func:`interval_drivers` (the physio page): each number moved by one standard deviation on
  its own; its squared change of a cause's log odds is its share of that cause's variance
  (the first-order, delta-method account), and the largest shares are the numbers that widen
  the interval most.

Triage keeps using the point probability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from scipy.special import expit as _sigmoid

from ..inference import DRAWS_COND_MAX, DRAWS_COND_MAX_LD, Case, Posterior
from ..inference.draws import Param, Stacked
from .context import ModelContext

SEED = 0  # the draws are the same for the same case (the same seed, the same interval)
# the numbers moved one at a time for the interval drivers, this many per evaluation: a few
# hundred at once held every term row of every number in memory (a deep case took 24 GB)
DRIVER_CHUNK = 64


def logit(p: float | np.ndarray) -> Any:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.log(p / (1 - p))


def _observed(ctx: ModelContext, evidence: Mapping[str, np.ndarray]) -> list[str]:
    return [k for k in evidence if ctx.engine.kind.get(k) == "finding"]


def _block_logits(
    ctx: ModelContext,
    evidence: Mapping[str, np.ndarray] | Case,
    draws: int,
    seed: int,
    post: Posterior | None = None,
) -> np.ndarray:
    """:func:`_draw_logits` for the (cached) block of ``draws`` normals of ``seed``; a deep
    case's draws reweight its shared samples instead (:mod:`model.inference.particles`)."""
    ev = evidence.evidence if isinstance(evidence, Case) else evidence
    z, st = ctx.param_draws.block(draws, seed, _observed(ctx, ev))
    return _logits_of(ctx, evidence, z, st, post)


def _logits_of(
    ctx: ModelContext,
    evidence: Mapping[str, np.ndarray] | Case,
    z: np.ndarray,
    st: Stacked,
    post: Posterior | None = None,
) -> np.ndarray:
    """Each cause's log odds under each row of ``z`` (its tables ``st``): a deep case's
    samples reweighted (:meth:`~model.inference.QuickscoreEngine.sampled_draws`), the rows
    they serve badly and every other case's exactly (:func:`_draw_logits`)."""
    ev = evidence.evidence if isinstance(evidence, Case) else evidence
    sampled = ctx.engine.sampled_draws(evidence, st, post)
    if sampled is None:
        return _draw_logits(ctx, ev, z, st)
    redo = np.flatnonzero(np.isnan(sampled).any(axis=1))
    if len(redo):  # draws too far from the samples: exactly
        sampled[redo] = _sigmoid(_draw_logits(ctx, ev, z[redo]))
    return np.asarray(logit(sampled))


def _draw_logits(
    ctx: ModelContext,
    evidence: Mapping[str, np.ndarray],
    z: np.ndarray,
    st: Stacked | None = None,
) -> np.ndarray:
    """Each cause's log odds (draws x causes) under each row of ``z`` (``st``: its tables,
    if already drawn): all draws in one evaluation of the term sum where the case allows it
    (``marginals_under``), else one variant engine per draw."""
    pd = ctx.param_draws
    observed = _observed(ctx, evidence)
    st = pd.stacked(z, observed) if st is None else st
    marg = ctx.engine.marginals_under(
        dict(evidence),
        st.risk,
        st.causes,
        st.noisy,
        cond_max_ld=DRAWS_COND_MAX_LD,
        cond_max=DRAWS_COND_MAX,  # an interval needs 1e-4, not 1e-9
    )
    if marg is None:
        marg = np.full((z.shape[0], ctx.engine.n), np.nan)
    redo = np.flatnonzero(np.isnan(marg).any(axis=1))
    if len(redo):
        variants = pd.variants(z[redo], observed)
        for i, (tables, noisy) in zip(redo, variants, strict=True):
            eng = ctx.engine.with_tables(tables, noisy)
            marg[i] = eng.posterior(dict(evidence)).marginals
    return np.asarray(logit(marg))


def _quantile(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def cause_intervals(
    ctx: ModelContext,
    evidence: Mapping[str, np.ndarray],
    post: Posterior,
    draws: int | None = None,
    seed: int = SEED,
    level: float | None = None,
    case: Case | None = None,
) -> np.ndarray:
    """(low, high) per cause (rows in the engine's cause order) at coverage ``level``;
    ``case``: the engine's case of ``evidence``, if made (a deep case's samples are then
    drawn once for the intervals and the rest of the diagnosis)."""
    unc = ctx.kb.uncertainty
    draws = unc.draws if draws is None else draws
    level = unc.interval if level is None else level
    lg = _block_logits(ctx, evidence if case is None else case, draws, seed, post)
    half = draws // 2
    point = logit(post.marginals)
    d = (lg[:half] - lg[half:]) / 2.0  # the part linear in the numbers
    sd = np.sqrt(np.mean(d**2, axis=0))
    # the second-order part moves the middle of the distribution (a probability near 1 has
    # more room to fall than to rise): the interval is centred there
    centre = point + np.mean((lg[:half] + lg[half:]) / 2.0 - point, axis=0)
    q = _quantile(level)
    lo = np.minimum(_sigmoid(centre - q * sd), post.marginals)
    hi = np.maximum(_sigmoid(centre + q * sd), post.marginals)
    return np.stack([lo, hi], axis=1)


def monte_carlo_intervals(
    ctx: ModelContext,
    evidence: Mapping[str, np.ndarray],
    draws: int = 1000,
    seed: int = SEED,
    level: float | None = None,
) -> np.ndarray:
    """The reference: (low, high) per cause, the empirical ``(1 -+ level) / 2`` quantiles of
    the probability over ``draws`` parameter draws."""
    level = ctx.kb.uncertainty.interval if level is None else level
    z = np.random.default_rng(seed).standard_normal((draws, len(ctx.param_draws.params)))
    p = _sigmoid(_draw_logits(ctx, evidence, z))
    return np.quantile(p, [(1 - level) / 2, (1 + level) / 2], axis=0).T


def first_order(
    ctx: ModelContext, evidence: Mapping[str, np.ndarray], post: Posterior
) -> tuple[tuple[Param, ...], np.ndarray]:
    """(the numbers that can move this case, the change of each cause's log odds when each
    moves by one standard deviation alone: numbers x causes)."""
    pd = ctx.param_draws
    observed = _observed(ctx, evidence)
    idx = pd.relevant(observed)
    z = np.zeros((len(idx), len(pd.params)))
    z[np.arange(len(idx)), idx] = 1.0
    case = ctx.engine.case(evidence)  # one case: a deep case's samples are drawn once
    parts = [
        _logits_of(
            ctx,
            case,
            z[lo : lo + DRIVER_CHUNK],
            pd.stacked(z[lo : lo + DRIVER_CHUNK], observed),
            post,
        )
        for lo in range(0, len(z), DRIVER_CHUNK)
    ]
    moved = np.concatenate(parts or [np.empty((0, ctx.engine.n))]) - logit(post.marginals)[None, :]
    return tuple(pd.params[i] for i in idx), moved


@dataclass(frozen=True)
class IntervalDriver:
    """One number that widens a cause's interval: the number (file, key, value, standard
    deviation, basis), its share of the variance of the cause's log odds, and the cause's
    probability with the number one standard deviation up on its own."""

    param: Param
    share: float
    probability_up: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.param.key,
            "value": self.param.value,
            "log_sd": self.param.sd,
            "basis": self.param.basis,
            "share": self.share,
            "probability_up": self.probability_up,
        }


def drivers(
    ctx: ModelContext,
    evidence: Mapping[str, np.ndarray],
    post: Posterior,
    causes: Sequence[str],
    top: int = 3,
) -> dict[str, tuple[IntervalDriver, ...]]:
    """Per cause, the ``top`` numbers that widen its interval most."""
    params, moved = first_order(ctx, evidence, post)
    centre = logit(post.marginals)
    out: dict[str, tuple[IntervalDriver, ...]] = {}
    for cid in causes:
        a = ctx.engine.axis[cid]
        col = moved[:, a]
        var = col**2
        total = float(var.sum())
        order = np.argsort(-var, kind="stable")[:top]
        out[cid] = tuple(
            IntervalDriver(
                params[i],
                float(var[i] / total) if total > 0 else 0.0,
                float(_sigmoid(centre[a] + col[i])),
            )
            for i in order
        )
    return out


__all__ = [
    "SEED",
    "cause_intervals",
    "IntervalDriver",
    "drivers",
    "first_order",
    "monte_carlo_intervals",
]
