"""Numeric kernels of the engine, each with its identity in the docstring and a brute-force
test (tests/test_engine_paths.py, tests/test_engine_oracle.py).

**Bit order (everywhere in the engine).** A configuration of k causes is an index x in
[0, 2**k): the array over (2,) * k in C order, flattened, so the FIRST cause (in the
network's cause order) is the MOST significant bit, and bit set = cause present. Bit i of x
(counting from the first cause) is ``(x >> (k - 1 - i)) & 1`` (:func:`bits`); a subset of
causes is the index with their bits set.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy in bits along ``axis`` (0 log 0 = 0)."""
    safe = np.where(p > 0, p, 1.0)
    return -(np.where(p > 0, p * np.log2(safe), 0.0)).sum(axis=axis)


def all_marginals(flat: np.ndarray, n: int) -> np.ndarray:
    """Unnormalised P(c_i = 1) for every cause i of a 2**n vector (see mass_and_marginals)."""
    return mass_and_marginals(flat, n)[1]


def mass_and_marginals(flat: np.ndarray, n: int) -> tuple[float, np.ndarray]:
    """(total, unnormalised P(c_i = 1) for every cause) of a 2**n vector: as a (first causes
    x last causes) matrix, its row and column sums (two matrix-vector products), then each
    cause's mass from the bits of its row or column."""
    hi = n // 2
    x = flat.reshape(2**hi, 2 ** (n - hi))
    rows = x @ np.ones(x.shape[1])
    cols = np.ones(x.shape[0]) @ x
    return float(rows.sum()), np.concatenate([rows @ bits(hi), cols @ bits(n - hi)])


@lru_cache(maxsize=64)
def bits(k: int) -> np.ndarray:
    """B[x, i] = 1.0 if bit i of x (the first of k bits the most significant) is set."""
    x = np.arange(2**k)[:, None]
    b = ((x >> (k - 1 - np.arange(k))[None, :]) & 1).astype(float)
    b.setflags(write=False)
    return b


def superset_sums(flat: np.ndarray, n: int) -> np.ndarray:
    """upper[x] = sum of ``flat`` over every y that contains x (bits = present causes).

    One in-place half-add per axis; the last four axes, where the halves would be runs of
    one to eight numbers, in one product with the 16 x 16 zeta matrix instead.
    """
    tail = min(4, n)
    u = flat.copy()
    for i in range(n - tail):
        v = u.reshape(2**i, 2, -1)
        v[:, 0, :] += v[:, 1, :]
    return (u.reshape(-1, 2**tail) @ _zeta(tail)).reshape(flat.shape)


@lru_cache(maxsize=8)
def _zeta(k: int) -> np.ndarray:
    """Z[y, x] = 1 if the bits of y contain those of x (k bits)."""
    z = np.ones((1, 1))
    for _ in range(k):
        z = np.kron(z, np.array([[1.0, 0.0], [1.0, 1.0]]))
    z.setflags(write=False)
    return z


def moebius(g: np.ndarray, a: int) -> np.ndarray:
    """g^(S) = sum over x in S of (-1)^|S - x| g(x), over the first ``a`` axes of g."""
    g = np.array(g, dtype=float)
    for j in range(a):
        v = g.reshape(2**j, 2, -1)
        v[:, 1, :] -= v[:, 0, :]
    return g


def link_products(w: np.ndarray) -> np.ndarray:
    """v[y, x] = prod over rows a of w of w[a, y] ** x_a: for each column y, the product of the
    weights of the parents present in configuration x (x over (2,) * len(w) in C order, the
    first parent slowest), grown one parent at a time."""
    y = w.shape[1]
    v = np.ones((y, 1))
    for row in w:
        pair = np.stack([np.ones(y), row], axis=1)  # (y, 2): parent absent, present
        v = (v[:, :, None] * pair[:, None, :]).reshape(y, -1)
    return v
