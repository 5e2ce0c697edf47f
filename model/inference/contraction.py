"""A sum-product over named indices with a reverse pass (used by :mod:`model.quickscore`).

:class:`Contraction` plans a tensor contraction once with opt_einsum, runs it as pairwise
``numpy.einsum`` steps (each step relabelled to ASCII letters, so there is no limit of 52
indices overall) and, on request, runs the reverse pass: the derivative of the result with
respect to chosen operands. For a sum of products that is multilinear in an operand X (each
operand appears once), ``sum(dZ/dX * X')`` is the same contraction with X replaced by X'; the
engine uses it to get every cause's marginal from one forward and one backward pass instead
of one contraction per cause.

Two layouts: the engine's component sums name their term rows as a ``batch`` axis, which the
plan keeps last and contiguous, each step one ``numpy.einsum``; plans without a batch (the
variable-elimination route) run their two-operand steps through :func:`pair`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import opt_einsum as oe

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# (in :func:`pair`, the plans without a batch axis) matrices of at most this many
# multiply-adds are multiplied as broadcast products summed over the shared axis: numpy's
# stacked matmul spends about 30 ns on each matrix, which dominates for 2 x 2 blocks by the
# hundred thousand (measured 3x faster on such a step when the component sums used it)
TINY = 8


def _local(*subs: str) -> list[str]:
    """The same index strings with their symbols renamed to ASCII letters (numpy's einsum)."""
    names: dict[str, str] = {}
    out = []
    for s in subs:
        out.append("".join(names.setdefault(ch, _LETTERS[len(names)]) for ch in s))
    return out


def before_after(g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Along the last axis of ``g``: (the product of all entries, and for each entry the
    product of the entries before it and of those after it). ``before * after`` is the
    product of the others without a division, so a zero entry is fine (the reverse pass of
    a plain product)."""
    shape = (*g.shape[:-1], g.shape[-1] + 1)
    pre = np.ones(shape, dtype=g.dtype)
    np.cumprod(g, axis=-1, out=pre[..., 1:])
    suf = np.ones(shape, dtype=g.dtype)
    suf[..., :-1] = np.cumprod(g[..., ::-1], axis=-1)[..., ::-1]
    return pre[..., -1], pre[..., :-1], suf[..., 1:]


def pair(expr: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``np.einsum(expr, x, y)`` for two operands, as one batched matrix product.

    Indices in both operands and the output are a batch, in both but not the output are
    summed by the product, in one operand and the output are its rows or columns, and in one
    operand only are summed first. A stacked ``np.matmul`` of small matrices is several
    times faster than einsum's generic loop on batch-first arrays (9x on a typical step in
    double precision, 2x in extended precision; the component sums have since moved to the
    batch-last layout, where one einsum per step is faster still). Falls back to einsum for
    anything else (repeated indices within an operand, broadcast sizes)."""
    lhs, out = expr.split("->")
    xs, ys = lhs.split(",")
    if len(set(xs)) != len(xs) or len(set(ys)) != len(ys) or not set(out) <= set(xs) | set(ys):
        return np.einsum(expr, x, y)
    size: dict[str, int] = {}
    for subs, arr in ((xs, x), (ys, y)):
        for ch, n in zip(subs, arr.shape, strict=True):
            if size.setdefault(ch, n) != n:
                return np.einsum(expr, x, y)
    only_x = "".join(ch for ch in xs if ch not in ys and ch not in out)
    only_y = "".join(ch for ch in ys if ch not in xs and ch not in out)
    if only_x:
        xs = "".join(ch for ch in xs if ch not in only_x)
        x = np.einsum(f"{lhs.split(',')[0]}->{xs}", x)
    if only_y:
        ys = "".join(ch for ch in ys if ch not in only_y)
        y = np.einsum(f"{lhs.split(',')[1]}->{ys}", y)
    batch = [ch for ch in out if ch in xs and ch in ys]
    keep_x = [ch for ch in out if ch in xs and ch not in ys]
    keep_y = [ch for ch in out if ch in ys and ch not in xs]
    summed = [ch for ch in xs if ch in ys and ch not in out]

    def n_of(chs: list[str]) -> int:
        return int(np.prod([size[ch] for ch in chs], dtype=np.int64)) if chs else 1

    nb, nx, ny, nk = n_of(batch), n_of(keep_x), n_of(keep_y), n_of(summed)
    if not summed:  # an elementwise product: broadcast both onto the output's axes
        xv = x.transpose([xs.index(ch) for ch in out if ch in xs])
        yv = y.transpose([ys.index(ch) for ch in out if ch in ys])
        xv = xv.reshape([size[ch] if ch in xs else 1 for ch in out])
        yv = yv.reshape([size[ch] if ch in ys else 1 for ch in out])
        return np.multiply(xv, yv)
    if not keep_x and not keep_y:  # a batched dot product, on rows made contiguous
        x1 = x.transpose([xs.index(ch) for ch in batch + summed]).reshape(nb, nk)
        y1 = y.transpose([ys.index(ch) for ch in batch + summed]).reshape(nb, nk)
        dot = np.einsum("ij,ij->i", x1, y1).reshape([size[ch] for ch in batch])
        return dot.transpose([batch.index(ch) for ch in out])
    x2 = x.transpose([xs.index(ch) for ch in batch + keep_x + summed]).reshape(nb, nx, nk)
    y2 = y.transpose([ys.index(ch) for ch in batch + summed + keep_y]).reshape(nb, nk, ny)
    if nx * ny * nk <= TINY:  # many tiny matrices: a few broadcast products beat matmul's loop
        acc = x2[:, :, 0, None] * y2[:, None, 0, :]
        for k in range(1, nk):
            acc += x2[:, :, k, None] * y2[:, None, k, :]
    else:
        acc = np.matmul(x2, y2)
    res = acc.reshape([size[ch] for ch in batch + keep_x + keep_y])
    order = batch + keep_x + keep_y
    return res.transpose([order.index(ch) for ch in out])


class Contraction:
    """sum over every index not in ``out`` of the product of the operands.

    ``subs`` names each operand's axes (any hashable names), ``sizes`` gives each name's
    length (the plan depends on them only through the path, so a batch index may be planned
    at one size and run at another). ``grads`` lists the operands whose derivatives
    :meth:`run` returns.

    ``batch`` names a batch axis (the engine's term rows). The plan then takes and returns
    every array that has it with that axis *last* (the other axes in ``subs`` order) and runs
    each step as one ``numpy.einsum`` with the batch as the contiguous inner loop: the
    arrays are many rows of small risk-factor tables, for which stacked matrix products of
    tiny matrices and the transposes around them cost more than the arithmetic (measured
    on the 41-cause growth network's largest component, 4,096 rows: forward pass 39 -> 14
    ms, with the reverse pass 69 -> 40 ms). Inputs should be laid out that way too (the
    engine makes per-row operands contiguous; a broadcast over the rows is fine), since a
    batch-first array seen through a transpose walks memory against the inner loop.
    """

    def __init__(
        self,
        subs: Sequence[Sequence[Hashable]],
        out: Sequence[Hashable],
        sizes: Mapping[Any, int],
        grads: Sequence[int] = (),
        batch: Hashable | None = None,
    ) -> None:
        sym: dict[Hashable, str] = {}
        for s in [*subs, out]:
            for x in s:
                if x not in sym:
                    sym[x] = oe.get_symbol(len(sym))
        self.n_ops = len(subs)
        self.batch_last = batch is not None
        bsym = sym[batch] if batch is not None else ""

        def last(s: str) -> str:  # the batch axis moved last (batch mode), else as named
            return s.replace(bsym, "") + bsym if bsym and bsym in s else s

        in_subs = [last("".join(sym[x] for x in s)) for s in subs]
        out_sub = last("".join(sym[x] for x in out))
        missing = [x for x in sym if x not in sizes]
        if missing:
            raise ValueError(f"Contraction: no size for the indices {missing!r}")
        numel = {sym[x]: sizes[x] for x in sym}
        shapes = [tuple(numel[ch] for ch in s) for s in in_subs]
        expr = ",".join(in_subs) + "->" + out_sub
        optimize = "greedy" if len(subs) > 10 else "auto"
        _, info = oe.contract_path(expr, *shapes, shapes=True, optimize=optimize)
        self.largest = int(info.largest_intermediate)
        # ... and per batch element (the blocks of rows the engine runs it in follow it)
        self.row_largest = max(1, self.largest // (sizes[batch] if batch is not None else 1))
        self.flops = float(info.opt_cost)
        self.out_sub = out_sub
        self.wanted = tuple(grads)
        self._plan_steps(info.contraction_list, in_subs, numel, last)
        self._plan_reverse()

    def _plan_steps(
        self,
        contraction_list: Sequence[Any],
        in_subs: list[str],
        numel: Mapping[str, int],
        last: Any,
    ) -> None:
        """The forward steps from opt_einsum's path: (input ids, their axis strings and the
        result's, the step's einsum expression in local letters)."""
        ids = list(range(self.n_ops))
        subs_of: dict[int, str] = dict(enumerate(in_subs))
        nxt = self.n_ops
        self.steps: list[tuple[tuple[int, ...], tuple[str, ...], str]] = []

        def entries(s: str) -> int:
            return int(np.prod([numel.get(ch, 1) for ch in s], dtype=np.int64))

        for c in contraction_list:
            where = tuple(c[0])  # sorted high to low, as opt_einsum pops them
            ins = tuple(ids.pop(i) for i in where)
            lhs, rhs = c[2].split("->")
            parts = lhs.split(",")
            for i, p in zip(ins, parts, strict=True):
                assert sorted(subs_of[i]) == sorted(p), (subs_of[i], p)
            if self.batch_last:
                # the stored axis orders, and the result in the order of its largest input
                # (the batch axis last): each step then walks its biggest array in memory
                # order, with the batch as the long contiguous inner loop
                parts = [subs_of[i] for i in ins]
                keep = set(rhs)
                seq = [ch for p in sorted(parts, key=entries, reverse=True) for ch in p]
                rhs = last("".join(dict.fromkeys(ch for ch in seq if ch in keep)))
            loc = _local(*parts, rhs)
            subs_of[nxt] = rhs
            # inputs may be permuted relative to their stored order; keep einsum's strings
            self.steps.append((ins, (*parts, rhs), ",".join(loc[:-1]) + "->" + loc[-1]))
            ids.append(nxt)
            nxt += 1
        assert len(ids) == 1
        self.root = ids[0]
        self.root_sub = subs_of[self.root]
        self.subs_of = subs_of

    def _plan_reverse(self) -> None:
        """Which ids need a derivative (the wanted leaves and every intermediate above them)
        and, per step and needed input, the einsum that takes the step's derivative down to
        that input, with how to put its result back on the input's axes."""
        need = set(self.wanted)
        for k, (ins, _, _) in enumerate(self.steps):
            if need & set(ins):
                need.add(self.n_ops + k)
        self.need = need
        self.back: list[list[tuple[int, int, str, tuple[int, ...], tuple[int, ...]] | None]] = []
        for ins, strs, _ in self.steps:
            *in_strs, out_s = strs
            row: list[tuple[int, int, str, tuple[int, ...], tuple[int, ...]] | None] = []
            for j, i in enumerate(ins):
                if i not in need:
                    row.append(None)
                    continue
                others = [in_strs[m] for m in range(len(ins)) if m != j]
                seen = set(out_s).union(*others) if others else set(out_s)
                red = "".join(ch for ch in in_strs[j] if ch in seen)
                loc = _local(out_s, *others, red, in_strs[j])
                e = ",".join(loc[: 1 + len(others)]) + "->" + loc[1 + len(others)]
                # how to put the reduced result back on the input's axes (in its own order)
                full = in_strs[j]
                expand = tuple(k for k, ch in enumerate(full) if ch not in seen)
                order = tuple(red.index(ch) for ch in full if ch in seen)
                row.append((j, i, e, expand, order))
            self.back.append(row)

    def run(
        self, operands: Sequence[np.ndarray], grads: bool = True
    ) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """(result with axes ``out`` (the batch axis last in batch mode), {operand:
        derivative of the result summed... over the output axes, same shape as the
        operand}). The derivative is taken of the sum of
        the result over its axes; where the output axis is a batch axis carried by the
        operand, the operand's slice b only reaches result b, so the derivative per batch
        element is exact."""
        vals: dict[int, np.ndarray] = dict(enumerate(operands))
        two = np.einsum if self.batch_last else pair
        for k, (ins, _, expr) in enumerate(self.steps):
            ops = [vals[i] for i in ins]
            vals[self.n_ops + k] = two(expr, *ops) if len(ops) == 2 else np.einsum(expr, *ops)
        res = vals[self.root]
        if self.root_sub != self.out_sub:
            res = np.einsum(self.root_sub + "->" + self.out_sub, res)
        if not grads or not self.wanted:
            return res, {}
        g: dict[int, np.ndarray] = {
            self.root: np.ones(vals[self.root].shape, dtype=vals[self.root].dtype)
        }
        for k in range(len(self.steps) - 1, -1, -1):
            ins, _, _ = self.steps[k]
            out_id = self.n_ops + k
            g_out = g.pop(out_id, None)
            if g_out is None:
                continue
            for item in self.back[k]:
                if item is None:
                    continue
                j, i, e, expand, order = item
                others = [vals[ins[m]] for m in range(len(ins)) if m != j]
                d = two(e, g_out, *others) if len(others) == 1 else np.einsum(e, g_out, *others)
                if expand:
                    d = np.expand_dims(d, expand)
                    d = np.broadcast_to(d, vals[i].shape)
                g[i] = d
        return res, {i: g[i] for i in self.wanted if i in g}
