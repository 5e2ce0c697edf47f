"""Sensitivity (a tornado): how the top causes move when each base rate is scaled by
(1 - spread) and (1 + spread) (the odds of each entry, for a cause given as a table), and the
odds of each link strength of the answered findings
(heavy legs included) by the same factors (a strength of 0.8 scaled by 1.5 was 1.2, clipped
to 1: the cause then made the other answer impossible, and that artefact was the tornado's
longest bar in a physio walk; on the odds, 0.8 becomes 0.86 and small strengths scale as
before). Each row is a variant of the tables (``Engine.with_tables``) that changes one
cause's numbers, all of them evaluated together by multilinearity (``Engine.variant_marginals``,
:mod:`model.inference.variants`); equal to re-running with edited priors files (tested)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..inference import PREVIEW_COND_MAX, Posterior, cause_table
from ..kb import BASE_RATE_MAX, HEAVY_LEGS, CauseDef
from . import texts
from .context import ModelContext
from .results import SensitivityRow

Variant = tuple[dict[str, np.ndarray], dict[str, Any]]  # (tables, noisy parameters)


def _row(
    param: str,
    text: str,
    lo: float,
    hi: float,
    tracked: Sequence[str],
    p_lo: np.ndarray,
    now: Mapping[str, float],
    p_hi: np.ndarray,
) -> SensitivityRow:
    effects = tuple((c, float(p_lo[k]), now[c], float(p_hi[k])) for k, c in enumerate(tracked))
    return SensitivityRow(
        param, text, float(lo), float(hi), effects, abs(effects[0][3] - effects[0][1])
    )


def _cause_variants(
    ctx: ModelContext, c: CauseDef, spread: float
) -> tuple[str, float, float, Variant, Variant]:
    """(text, low value, high value, low variant, high variant) of one cause's base rate (or
    its table, for a cause given as one)."""
    if c.table is not None:
        # each entry's odds, as the links' strengths: a 0.8 scaled by 1.5 is 0.86, not a
        # clipped 1 (no entry crosses 0 or 1); small entries scale about linearly
        base = np.asarray(c.table)
        lo_t = odds_scaled(base, 1 - spread)
        hi_t = odds_scaled(base, 1 + spread)
        t_lo = np.stack([1 - lo_t, lo_t], axis=-1)
        t_hi = np.stack([1 - hi_t, hi_t], axis=-1)
        text = texts.table_row(c.label, spread)
        lo_v, hi_v = float(1 - spread), float(1 + spread)
    else:
        rate = ctx.base_rates.get(c.id, c.base_rates[ctx.population])
        lo_v, hi_v = rate * (1 - spread), min(rate * (1 + spread), BASE_RATE_MAX)
        t_lo = cause_table(ctx.kb, c, ctx.population, lo_v)[0]
        t_hi = cause_table(ctx.kb, c, ctx.population, hi_v)[0]
        text = texts.base_rate_row(c.label, lo_v, hi_v, rate)
    return text, lo_v, hi_v, ({c.id: t_lo}, {}), ({c.id: t_hi}, {})


def _link_variants(
    ctx: ModelContext, finding: str, spread: float
) -> list[tuple[str, str, Variant, Variant]]:
    """(cause, text, low variant, high variant) for each link of a noisy finding."""
    node = ctx.engine.net.node_map[finding]
    assert node.noisy is not None
    leak_cdf, link = node.noisy
    out = []
    for j, cid in enumerate(node.parents):
        variants: list[Variant] = []
        for factor in (1 - spread, 1 + spread):
            new = np.array(link)
            new[j] = 1 - odds_scaled(1 - link[j], factor)
            new[j, -1] = 1.0
            variants.append(({}, {finding: (leak_cdf, new)}))
        q = ctx.question_map.get(finding)
        name = (q.label or q.text) if q is not None else finding.replace("_", " ")
        text = texts.link_row(ctx.cause_map[cid].label, name, spread)
        out.append((cid, text, variants[0], variants[1]))
    return out


def odds_scaled(q: np.ndarray, factor: float) -> np.ndarray:
    """Probabilities ``q`` whose odds are multiplied by ``factor`` (> 0): 0 and 1 stay, a
    small one is scaled by about ``factor``, none crosses 0 or 1."""
    q = np.asarray(q, dtype=float)
    return q * factor / (1 - q + q * factor)


def row_specs(
    ctx: ModelContext, clean: Mapping[str, Any], spread: float
) -> list[tuple[str, str, float, float, Variant, Variant]]:
    """The tornado's rows before they are evaluated: (parameter, text, low value, high value,
    low variant, high variant) for every base rate and every link of heavy legs and of the
    answered findings."""
    specs: list[tuple[str, str, float, float, Variant, Variant]] = []
    for c in ctx.kb.causes:
        text, lo_v, hi_v, v_lo, v_hi = _cause_variants(ctx, c, spread)
        specs.append((f"base_rate:{c.id}", text, lo_v, hi_v, v_lo, v_hi))
    findings = [HEAVY_LEGS, *[n for n in clean if ctx.engine.kind[n] == "finding"]]
    for f in findings:
        for cid, text, v_lo, v_hi in _link_variants(ctx, f, spread):
            specs.append((f"link:{cid}->{f}", text, 1 - spread, 1 + spread, v_lo, v_hi))
    return specs


def sensitivity(
    ctx: ModelContext,
    ev: Mapping[str, np.ndarray],
    clean: Mapping[str, Any],
    now: Mapping[str, float],
    tracked: Sequence[str],
    spread: float,
    post: Posterior | None = None,
) -> tuple[SensitivityRow, ...]:
    """Tornado rows for evidence ``ev`` (of the clean answers), sorted by the swing of the
    first tracked cause; ``now`` holds every cause's probability; ``post``: the posterior of
    ``ev``, if known (a deep case's rows start from it)."""
    idx = [ctx.engine.axis[c] for c in tracked]
    specs = row_specs(ctx, clean, spread)
    variants = [v for s in specs for v in (s[4], s[5])]
    # double precision up to condition 1e12 (as the previews): an error of at most about
    # 1e-4, far below the tornado's tenths of a point; beyond it, extended precision
    marg = ctx.engine.variant_marginals(
        ev, variants, cond_max=PREVIEW_COND_MAX, axes=idx, post=post
    )
    rows = [
        _row(param, text, lo, hi, tracked, marg[2 * k], now, marg[2 * k + 1])
        for k, (param, text, lo, hi, _, _) in enumerate(specs)
    ]
    rows.sort(key=lambda r: (-r.swing, r.parameter))
    return tuple(rows)
