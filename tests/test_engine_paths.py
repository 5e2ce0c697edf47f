"""The engine's fast paths against its plain ones and against re-running the posterior.

The diagnosis takes short cuts (issue 4, speed): previews of small findings from sparse
maps over the superset sums, withdrawals as a ratio times the posterior, superset sums with
a zeta product. Each is checked here against the direct computation, including the
fallbacks that the shipped priors never reach (tables with zeros).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model import Model
from model.inference.engine import Engine
from model.inference.kernels import superset_sums
from model.kb import HEAVY_LEGS

CASE = {
    "age": 47, "sex": "male", "medication": "statin", "cramps": "yes",
    "calf_pain_walking": "yes", "numbness_tingling": "no", "weekly_distance_change_pct": 5,
    "heaviness_onset": "late_in_run", "smoker": "yes",
}
SOFT = {"smoker": 0.7, "cramps": 0.8}


class _Hyper:
    """The shipped priors cut to 14 causes and their risk factors (``subset_priors``): within
    the hypercube engine's reach (at most 20 causes, 26 risk factors), which the 25-cause
    network is not; ``engine`` is that hypercube engine, the quickscore engine's oracle."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.engine = model.engine.hyper
        self.questions = model.questions

    def _require(self, answers, confidence):
        return self.model._require(answers, confidence)

    def likelihoods(self, clean, conf):
        return self.model.likelihoods(clean, conf)


@pytest.fixture(scope="module")
def m(subset_model):
    return _Hyper(subset_model)


def _evidence(m, answers, confidence=None):
    clean, conf = m._require(answers, confidence)
    return m.likelihoods(clean, conf)


@pytest.mark.parametrize("n", [1, 2, 5, 9, 13])
def test_superset_sums_equal_brute_force(n):
    rng = np.random.default_rng(n)
    x = rng.random(2**n)
    want = np.array([sum(x[y] for y in range(2**n) if y & s == s) for s in range(2**n)])
    assert np.allclose(superset_sums(x, n), want, rtol=1e-13, atol=0)


@pytest.mark.parametrize("confidence", [None, SOFT])
def test_sparse_previews_equal_the_general_route(m, confidence):
    eng = m.engine
    ev = _evidence(m, CASE, confidence)
    post = eng.posterior(ev)
    nodes = [q.id for q in m.questions if q.id not in CASE]
    tracked = sorted(np.argsort(-post.marginals)[:3].tolist())
    fast = eng.previews(post, eng.case(ev), nodes, tracked)
    plain = eng.previews(post, eng.case(ev), nodes, tracked, use_maps=False)
    covered = noisy = 0
    for a, b in zip(fast, plain, strict=True):
        covered += a.node in eng.maps.k
        noisy += a.node in eng.maps.noisy
        assert np.allclose(a.p_state, b.p_state, atol=1e-12, rtol=0)
        assert np.allclose(a.tracked, b.tracked, atol=1e-11, rtol=0, equal_nan=True)
        assert a.gain == pytest.approx(b.gain, abs=1e-11)
    assert covered >= 25  # most findings go through the maps
    # relief_time, legs_affected, symptom_location and symptom_weeks: their noisy-MAX form
    assert noisy == 4


def _withdrawn_directly(eng: Engine, ev, node):
    rest = {k: v for k, v in ev.items() if k != node}
    p = eng.posterior(rest)
    return p.marginals, p.log_evidence


def _check_withdrawn(eng: Engine, ev):
    post = eng.posterior(ev)
    nodes = [k for k in ev if k != HEAVY_LEGS]
    got, log_z = eng.withdrawn(post, eng.case(ev), nodes)
    for k, node in enumerate(nodes):
        want, want_z = _withdrawn_directly(eng, ev, node)
        assert np.allclose(got[k], want, rtol=1e-10, atol=1e-15), node
        assert log_z[k] == pytest.approx(want_z, abs=1e-10), node


@pytest.mark.parametrize("confidence", [None, SOFT])
def test_withdrawn_equals_rerunning_without_the_answer(m, confidence):
    _check_withdrawn(m.engine, _evidence(m, CASE, confidence))


def test_withdrawn_falls_back_where_a_table_has_zeros(m):
    """With a zero in the medication table and in a finding's table the ratio short cut
    cannot divide; the rows are rebuilt from their parts and still equal a re-run."""
    eng = m.engine
    med = np.array(eng.cause_table["medication_side_effect"])
    med[eng.states["medication"].index("statin")] = [1.0, 0.0]
    cramps = np.array(eng.finding_table["cramps"])
    cramps[(0,) * (cramps.ndim - 1)] = [1.0, 0.0]  # no cause: no cramps
    zeroed = eng.with_tables({"medication_side_effect": med, "cramps": cramps})
    ev = _evidence(m, CASE)
    post = zeroed.posterior(ev)
    assert np.any(np.asarray(post.factors["cramps"]) == 0)
    assert zeroed._risk_ratio(zeroed.case(ev), "medication")[0] is None  # no short cut
    _check_withdrawn(zeroed, ev)
    # the changed finding table reaches the previews' maps too
    nodes = ["cramps"]
    ev2 = {k: v for k, v in ev.items() if k != "cramps"}
    post2 = zeroed.posterior(ev2)
    pv = zeroed.previews(post2, zeroed.case(ev2), nodes, [])[0]
    for s, state in enumerate(zeroed.states["cramps"]):
        after = zeroed.posterior({**ev2, "cramps": zeroed.one_hot("cramps", state)})
        want = math.exp(after.log_evidence - post2.log_evidence)
        assert pv.p_state[s] == pytest.approx(want, abs=1e-12)


def test_the_shared_engine_is_not_changed_by_a_variant(m):
    before = m.engine.maps
    variant = m.engine.with_tables({"cramps": np.array(m.engine.finding_table["cramps"])})
    assert variant.maps is not before
    assert m.engine.maps is before


@pytest.mark.parametrize("n", [3, 10, 13])
def test_mass_and_marginals_equal_brute_force(n):
    from model.inference.kernels import all_marginals, mass_and_marginals

    x = np.random.default_rng(n).random(2**n)
    want = [sum(x[y] for y in range(2**n) if y >> (n - 1 - i) & 1) for i in range(n)]
    assert np.allclose(all_marginals(x, n), want, rtol=1e-13, atol=0)
    if n >= 2:
        z, masses = mass_and_marginals(x, n)
        assert z == pytest.approx(x.sum(), rel=1e-14)
        assert np.allclose(masses, want, rtol=1e-13, atol=0)


def test_a_case_serves_only_its_own_posterior_and_engine(m):
    """A case caches marginals of one posterior: given another posterior it refuses rather
    than answer from the wrong one; given to another engine, that engine starts again."""
    eng = m.engine
    ev = _evidence(m, CASE)
    case = eng.case(ev)
    post = eng.posterior(case)
    other = eng.posterior({k: v for k, v in ev.items() if k != "cramps"})
    with pytest.raises(ValueError, match="another posterior"):
        eng.previews(other, case, ["diabetes"], [0])
    with pytest.raises(ValueError, match="another posterior"):
        eng.withdrawn(other, case, ["cramps"])
    variant = eng.with_tables({"cramps": np.array(eng.finding_table["cramps"])})
    assert variant.case(case) is not case and variant.case(case).engine is variant
    assert eng.case(case) is case
    assert eng.previews(post, case, ["diabetes"], [0])[0].p_state.sum() == pytest.approx(1.0)


def test_probs_at_equals_the_full_table(m):
    """Learning and sampling read table rows without building a 2**25-row table; on a
    network small enough to tabulate, those rows equal the table's."""
    rng = np.random.default_rng(7)
    net = m.model.network
    checked = 0
    for node in net.nodes:
        if not node.parents:
            continue
        sizes = [len(net.node_map[p].states) for p in node.parents]
        rows = np.stack([rng.integers(k, size=100) for k in sizes], axis=1)
        np.testing.assert_allclose(node.probs_at(rows), node.table[tuple(rows.T)], atol=1e-15)
        checked += node.noisy is not None
    assert checked >= 20  # the noisy findings, heavy legs included


@pytest.mark.parametrize(
    ("expr", "shapes"),
    [
        ("abc,acd->abd", ((50, 2, 2), (50, 2, 2))),  # 2 x 2 by 2 x 2 blocks
        ("abcd,adce->abce", ((20, 2, 3, 2), (20, 2, 3, 2))),  # batch a, c; 2 x 2 by 2 x 2
        ("abc,ac->ab", ((30, 4, 2), (30, 2))),  # 4 x 2 by 2 x 1
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.longdouble])
def test_tiny_blocks_as_broadcast_products_equal_einsum(
    expr: str, shapes: tuple[tuple[int, ...], ...], dtype: type
) -> None:
    """Blocks of at most TINY multiply-adds (rows and columns both above one included) take
    the broadcast products instead of matmul, and agree with einsum."""
    from model.inference.contraction import TINY, pair

    lhs, out = expr.split("->")
    xs, ys = lhs.split(",")
    size = dict(zip(xs + ys, shapes[0] + shapes[1], strict=True))
    block = [int(np.prod([size[c] for c in chs])) for chs in (
        [c for c in out if c in xs and c not in ys],  # rows
        [c for c in out if c in ys and c not in xs],  # columns
        [c for c in xs if c in ys and c not in out],  # summed
    )]  # fmt: skip
    assert block[2] > 1 and int(np.prod(block)) <= TINY  # the broadcast path
    rng = np.random.default_rng(7)
    x = rng.random(shapes[0]).astype(dtype)
    y = rng.random(shapes[1]).astype(dtype)
    got = pair(expr, x, y)
    want = np.einsum(expr, x, y)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)


@pytest.mark.parametrize(
    "expr",
    [
        "abcde,aefd->afbcd",  # batch a and d, e summed, rows b c, columns f
        "abcde,afbe->acdef",
        "abcd,abced->ae",  # b, c summed; d summed in one operand only
        "abcde,ac->abcde",  # an elementwise product (no index summed)
        "ab,ab->ab",
        "abcde,aedbc->abcd",  # a batched dot product
        "abc,adbe->acde",
        "ab,bc->ac",  # a plain matrix product
        "a,b->ab",  # an outer product
        "aab,ab->b",  # a repeated index: einsum's own route
        "abf,abe->abef",  # f of size 1 on one side only: not a dot product
        "abf,ab->a",
        "abfc,abc->abf",  # rows of size 1 with an index summed: a matrix product still
        "acbe,aeb->acb",  # tiny blocks (2 x 3 by 3 x 1): broadcast products, not matmul
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.longdouble])
def test_pairwise_contraction_equals_einsum(expr: str, dtype: type) -> None:
    """The engine's two-operand contraction (a batched matrix product) against einsum, with
    permuted and broadcast operands as the contraction plans pass them."""
    from model.inference.contraction import pair

    rng = np.random.default_rng(len(expr))
    sizes = dict(zip("abcdef", (7, 3, 2, 4, 3, 1), strict=True))  # f of size 1
    lhs, _ = expr.split("->")
    xs, ys = lhs.split(",")
    x = rng.random([sizes[c] for c in xs]).astype(dtype)
    y = rng.random([sizes[c] for c in ys]).astype(dtype)
    if len(xs) > 1:  # a non-contiguous view, as after a transpose
        x = np.ascontiguousarray(np.swapaxes(x, 0, -1)).swapaxes(0, -1)
    if len(set(xs)) == len(xs):  # a broadcast view (zero strides), as the weights are
        y = np.broadcast_to(y[:1], y.shape) if len(ys) > 1 and ys[0] == "a" else y
    got = pair(expr, x, y)
    want = np.einsum(expr, x, y)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
