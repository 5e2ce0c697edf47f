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
    z1, g1 = first.run(ops)
    z2, g2 = last.run([np.ascontiguousarray(np.moveaxis(o, 0, -1)) for o in ops])
    # the plain sum of products, for the value and (by finite linearity) each derivative
    letters = {x: chr(ord("a") + i) for i, x in enumerate(["#b", *sizes])}
    expr = ",".join("".join(letters[x] for x in s) for s in subs) + "->a"
    want = np.einsum(expr, *ops)
    np.testing.assert_allclose(z1, want, rtol=1e-12)
    np.testing.assert_allclose(z2, want, rtol=1e-12)
    for i in grads:
        # multilinear in each operand: sum(dZ/dX * X) over X's entries is Z itself, per row
        per_row = (g1[i] * ops[i]).reshape(b, -1).sum(axis=1)
        np.testing.assert_allclose(per_row, want, rtol=1e-12)
        np.testing.assert_allclose(np.moveaxis(g2[i], -1, 0), g1[i], rtol=1e-12, atol=0)
