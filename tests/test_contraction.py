"""The pairwise contraction and its reverse pass in both layouts (model.inference.contraction)."""

from __future__ import annotations

import numpy as np
import pytest

from model.inference.contraction import Contraction


def _random_network(rng: np.random.Generator) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """Operands shaped like a component of the engine: one per risk factor, one per cause
    over a few of them, every operand carrying the batch axis "#b" first."""
    risks = [f"r{i}" for i in range(int(rng.integers(3, 8)))]
    sizes = {r: int(rng.integers(2, 5)) for r in risks}
    subs: list[tuple[str, ...]] = [("#b", r) for r in risks]
    for _ in range(int(rng.integers(3, 9))):
        k = int(rng.integers(1, 4))
        subs.append(("#b", *rng.choice(risks, size=k, replace=False).tolist()))
    return subs, sizes


@pytest.mark.parametrize("seed", range(12))
def test_batch_last_plan_equals_einsum_and_its_gradients(seed: int) -> None:
    rng = np.random.default_rng(seed)
    subs, sizes = _random_network(rng)
    b = int(rng.integers(1, 40))
    grads = list(range(len(subs)))
    first = Contraction(subs, ("#b",), {**sizes, "#b": 256}, grads)
    last = Contraction(subs, ("#b",), {**sizes, "#b": 256}, grads, batch="#b")
    ops = [rng.random((b, *(sizes[x] for x in s[1:]))) for s in subs]
    lasts = [np.ascontiguousarray(np.moveaxis(o, 0, -1)) for o in ops]
    # the engine's inputs: one operand broadcast over the rows (a risk factor's weight)
    lasts[0] = np.broadcast_to(lasts[0][..., :1], lasts[0].shape)
    ops[0] = np.broadcast_to(ops[0][:1], ops[0].shape)
    z1, g1 = first.run(ops)
    z2, g2 = last.run(lasts)
    letters = {x: chr(ord("a") + i) for i, x in enumerate(["#b", *sizes])}
    expr = ",".join("".join(letters[x] for x in s) for s in subs) + "->a"
    want = np.einsum(expr, *ops)
    np.testing.assert_allclose(z1, want, rtol=1e-12)
    np.testing.assert_allclose(z2, want, rtol=1e-12)
    for i in grads:
        # multilinear in each operand (each appears once): sum(dZ/dX * X') is the sum with X
        # replaced by X', for any X' (a random direction here), per row
        other = rng.random(ops[i].shape)
        swapped = [other if k == i else o for k, o in enumerate(ops)]
        per_row = (g1[i] * other).reshape(b, -1).sum(axis=1)
        np.testing.assert_allclose(per_row, np.einsum(expr, *swapped), rtol=1e-12)
        np.testing.assert_allclose(np.moveaxis(g2[i], -1, 0), g1[i], rtol=1e-12, atol=0)


def test_batch_last_plan_in_extended_precision() -> None:
    """The engine redoes sums that cancel in numpy's extended precision: the batch-last plan
    keeps the operands' dtype through the forward and the reverse pass."""
    rng = np.random.default_rng(7)
    subs, sizes = _random_network(rng)
    plan = Contraction(subs, ("#b",), {**sizes, "#b": 256}, list(range(len(subs))), batch="#b")
    ops = [rng.random((*(sizes[x] for x in s[1:]), 5)).astype(np.longdouble) for s in subs]
    z, g = plan.run(ops)
    assert z.dtype == np.longdouble and all(v.dtype == np.longdouble for v in g.values())
    z64, _ = plan.run([o.astype(float) for o in ops])
    np.testing.assert_allclose(np.asarray(z, dtype=float), z64, rtol=1e-12)
