"""The tornado's variants by multilinearity: every row of the physio's tornado changes one
cause's numbers (its base rate, or one link from it to an answered finding), and the term
sum of :mod:`.quickscore` is multilinear in each cause's operand.

For one term row t the sum over the causes is a product over components; a cause a enters
its component's sum once, through G_a(r) = P(a absent | r) + P(a present | r) x_ta (r: the
component's shared risk configurations, x_ta the term's multiplier for a). So for a variant
that replaces G_a by G'_a (another table for a, or another multiplier x'_ta when one of a's
links changes),

    Z'_t = E_t(k) sum_r dZ_k/dG_a(r) G'_a(r)            (k the component of a, E_t(k) the
                                                          product of the other components)

exactly, and the numerator of a tracked cause i (G_i replaced by its present part H_i) is
the same sum with the derivative of the component where i is present (one more reverse
pass per tracked cause), or, for i in another component, that component's numerator times
the changed sum of a's. One forward and reverse pass over the terms, plus one per tracked
cause, then gives every variant's evidence and tracked marginals as dot products, instead of
one evaluation of the term sum per variant. Variants changing anything else (a leak, several
causes, a risk factor) are left to :meth:`QuickscoreEngine.variant_marginals`' general path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .contraction import before_after

if TYPE_CHECKING:
    from .quickscore import QCase, QuickscoreEngine

CHUNK = 1 << 13  # term rows per evaluation (times the causes' table sizes: the memory)


@dataclass(frozen=True)
class _One:
    """A variant that changes cause ``axis`` only: its reduced table (p0, p1) or, for a
    changed link, the finding's new multipliers for the cause over its kept states."""

    axis: int
    p0: np.ndarray | None = None
    p1: np.ndarray | None = None
    finding: str | None = None
    q: np.ndarray | None = None


def _single_cause(
    eng: QuickscoreEngine,
    case: QCase,
    observed: Mapping[str, np.ndarray],
    variant: tuple[Mapping[str, np.ndarray], Mapping[str, tuple[np.ndarray, np.ndarray]]],
) -> _One | None:
    """The variant as a change of one cause's operand, or None (the general path)."""
    tables, noisy = variant
    if len(tables) == 1 and not noisy:
        ((c, table),) = tables.items()
        if eng.kind.get(c) != "cause":
            return None
        a = eng.axis[c]
        free, t = eng._reduce_table(
            np.asarray(table, dtype=float)[None],
            eng.cause_parents[c],
            case.hard,
            case.shared,
            case.weights,
        )
        comp = case.comps[int(case.comp_of[a])]
        if comp.risks and free != comp.parents[comp.axes.index(a)]:
            return None
        return _One(a, np.asarray(t[0, ..., 0]), np.asarray(t[0, ..., 1]))
    if tables or len(noisy) != 1:
        return None
    ((f, (leak, link)),) = noisy.items()
    if f not in observed:
        return None
    leak0, link0 = eng.noisy[f]
    link = np.asarray(link, dtype=float)
    if np.shape(leak) != np.shape(leak0) or not np.array_equal(leak, leak0):
        return None
    if link.shape != np.shape(link0):
        return None
    rows = np.flatnonzero((link != link0).any(axis=-1))
    if len(rows) != 1:
        return None
    a = eng.finding_axes[f][int(rows[0])]
    q = eng._link_rows(f, link)[:, a]
    return _One(a, finding=f, q=q[observed[f]])


def single_cause_marginals(
    eng: QuickscoreEngine,
    case: QCase,
    variants: Sequence[
        tuple[Mapping[str, np.ndarray], Mapping[str, tuple[np.ndarray, np.ndarray]]]
    ],
    axes: Sequence[int],
    cond_max: float,
) -> np.ndarray:
    """P(cause ``axes[j]`` present | evidence) under each variant: (variants, len(axes)),
    NaN for a variant that is not a one-cause change or whose signed sum cancels beyond
    ``cond_max`` (the caller takes those by the general path). The case must be on the
    quickscore route."""
    ev = case.evidence
    names = eng._observed(ev)
    coef, mult, keep = [], [], {}
    for f in names:
        d, rows, keep[f] = eng._finding_parts(f, eng._lik(ev, f))
        coef.append(d)
        mult.append(rows)
    ones = [_single_cause(eng, case, keep, v) for v in variants]
    out = np.full((len(variants), len(axes)), np.nan)
    by_axis: dict[int, list[tuple[int, _One]]] = {}
    for k, o in enumerate(ones):
        if o is not None:
            by_axis.setdefault(o.axis, []).append((k, o))
    if not by_axis:
        return out
    sizes = [len(d) for d in coef]
    n_terms = int(np.prod(sizes))
    v = len(variants)
    z_sum = np.zeros(v)
    z_abs = np.zeros(v)
    n_sum = np.zeros((v, len(axes)))
    for lo in range(0, n_terms, CHUNK):
        s = np.unravel_index(np.arange(lo, min(n_terms, lo + CHUNK)), sizes)
        w = np.ones(len(s[0]))
        cols = [q[si] for q, si in zip(mult, s, strict=True)]  # (B, n) per finding
        x = np.ones((len(w), eng.n))
        for d, si, col in zip(coef, s, cols, strict=True):
            w = w * d[si]
            x = x * col
        _chunk(eng, case, w, x, cols, names, s, by_axis, axes, z_sum, z_abs, n_sum)
    with np.errstate(divide="ignore", invalid="ignore"):
        fine = (z_abs / np.abs(z_sum) <= cond_max) & (z_sum > 0)
    for group in by_axis.values():
        for k, _ in group:
            if fine[k]:
                out[k] = np.clip(n_sum[k] / z_sum[k], 0.0, 1.0)
    return out


def _grads(
    eng: QuickscoreEngine, case: QCase, x: np.ndarray, masked: int | None = None
) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, Any]]]:
    """For term rows x (B, n): each component's sum (B, components) and, per cause a in a
    component with shared risk factors, (dZ_k/dG_a as (B, K), the map from a reduced table
    to its K entries). ``masked``: that cause's operand is its present part only (its
    component's sum becomes its numerator; other components are skipped)."""
    b = x.shape[0]
    zc = np.ones((b, len(case.comps)))
    grads: dict[int, tuple[np.ndarray, Any]] = {}
    s_idx, s_axes, s_p0, s_p1 = case.single
    if masked is None and len(s_idx):
        zc[:, s_idx] = x[:, s_axes] * s_p1 + s_p0
    for i in case.multi:
        comp = case.comps[i]
        if masked is not None and masked not in comp.axes:
            continue
        if comp.dense is not None:
            w, p0, p1 = comp.configurations()
            idx = comp.dense[1]
            g = p0 + p1 * x[:, None, list(comp.axes)]
            if masked is not None:
                j = comp.axes.index(masked)
                g[:, :, j] = p1[:, :, j] * x[:, None, masked]
            total, before, after = before_after(g)
            zc[:, i] = total @ w[0]
            others = before * after * w[0][None, :, None]
            for j, a in enumerate(comp.axes):
                grads[a] = (others[:, :, j], lambda p, ix=idx[j]: p.reshape(-1)[ix])
            continue
        # the plan takes the term rows on the last axis (``Contraction``'s batch)
        ops: list[np.ndarray] = [np.broadcast_to(w[:, None], (len(w), b)) for w in comp.weights]
        for a, p0_a, p1_a in zip(comp.axes, comp.p0, comp.p1, strict=True):
            ops.append(p1_a[..., None] * x[:, a] + (0.0 if a == masked else p0_a[..., None]))
        assert comp.plan is not None
        z, d = comp.plan.run(ops, grads=True)
        zc[:, i] = z
        base = len(comp.weights)
        for j, a in enumerate(comp.axes):
            grads[a] = (np.reshape(d[base + j], (-1, b)).T, lambda p: p.reshape(-1))
    return zc, grads


def _excl(zc: np.ndarray) -> np.ndarray:
    """Per component, the product of the others' sums."""
    _, before, after = before_after(zc)
    return before * after


def _chunk(
    eng: QuickscoreEngine,
    case: QCase,
    w: np.ndarray,
    x: np.ndarray,
    cols: list[np.ndarray],
    names: list[str],
    s: tuple[np.ndarray, ...],
    by_axis: dict[int, list[tuple[int, _One]]],
    axes: Sequence[int],
    z_sum: np.ndarray,
    z_abs: np.ndarray,
    n_sum: np.ndarray,
) -> None:
    """Add one chunk of term rows (coefficients w, multipliers x) to every variant's sums."""
    comp_of = case.comp_of
    zc, grads = _grads(eng, case, x)
    excl = _excl(zc)
    # per tracked cause: its component's numerator, and the derivatives in that component
    local: dict[int, np.ndarray] = {}
    inner: dict[int, dict[int, tuple[np.ndarray, Any]]] = {}
    excl2: dict[int, np.ndarray] = {}
    s_axes = case.single[1].tolist()
    for i in axes:
        k = int(comp_of[i])
        if i in s_axes:
            local[i] = x[:, i] * float(case.comps[k].p1[0])
        else:
            zm, gm = _grads(eng, case, x, masked=i)
            local[i] = zm[:, k]
            inner[i] = gm
        z1 = zc.copy()
        z1[:, k] = 1.0
        excl2[i] = _excl(z1)
    for a, group in by_axis.items():
        ks = [k for k, _ in group]
        k = int(comp_of[a])
        comp = case.comps[k]
        if a in s_axes:
            g_a = np.ones((x.shape[0], 1))

            def to_k(p: np.ndarray) -> np.ndarray:
                return np.reshape(p, (1,))
        else:
            g_a, to_k = grads[a]
        j = comp.axes.index(a)
        base0, base1 = to_k(comp.p0[j]), to_k(comp.p1[j])
        p0 = np.stack([base0 if o.p0 is None else to_k(o.p0) for _, o in group], 1)
        p1 = np.stack([base1 if o.p1 is None else to_k(o.p1) for _, o in group], 1)
        # the cause's multiplier per variant: the term's, or with one finding's link changed
        xa = np.repeat(x[:, a : a + 1], len(ks), axis=1)
        links = [(c, o.finding, o.q) for c, (_, o) in enumerate(group) if o.q is not None]
        if links:
            # the other findings' multipliers for the cause, (B, findings)
            _, before, after = before_after(np.stack([col[:, a] for col in cols], 1))
            for c, f, q in links:
                fi = names.index(str(f))
                xa[:, c] = before[:, fi] * after[:, fi] * q[s[fi]]
        s0, s1 = g_a @ p0, g_a @ p1  # (B, variants of a)
        zloc = s0 + xa * s1
        z = excl[:, k : k + 1] * zloc
        z_sum[ks] += w @ z
        z_abs[ks] += np.abs(w) @ np.abs(z)
        for t, i in enumerate(axes):
            if i == a:
                n = excl[:, k : k + 1] * xa * s1
            elif int(comp_of[i]) == k:
                dg, _ = inner[i][a]
                n = excl[:, k : k + 1] * (dg @ p0 + xa * (dg @ p1))
            else:
                n = (local[i] * excl2[i][:, k])[:, None] * zloc
            n_sum[ks, t] += w @ n
