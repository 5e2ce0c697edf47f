"""The term sums' contractions run in blocks of rows (``PLAN_ENTRIES``, issue 12's speed): the
numbers of one block (to rounding), and equal to brute force, on random small networks whose shared
components all take a contraction plan (``DENSE_MAX`` 0), with soft answers, previews,
withdrawals and do()."""

from __future__ import annotations

import numpy as np
import pytest
from test_quickscore import random_evidence, random_network

import model.inference.quickscore as qs
from model.inference.engine import Engine
from model.inference.quickscore import QuickscoreEngine, brute_force
from model.kb import HEAVY_LEGS


def _everything(net: qs.Network, ev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Posterior, previews of every open node, withdrawals of every answer, do() of every
    risk factor, by name."""
    eng = QuickscoreEngine(net, route="quickscore", gain_measure="sum_of_cause_mi")
    eng.sampled_extras = False
    case = eng.case(ev)
    assert any(c.plan is not None for c in case.comps)  # a contraction is exercised
    post = eng.posterior(case)
    out = {"marginals": post.marginals, "log_z": np.array([post.log_evidence])}
    nodes = [n.id for n in net.nodes if n.kind in ("risk", "finding") and n.id not in ev]
    for pv in eng.previews(post, case, nodes, list(range(eng.n))):
        out[f"p {pv.node}"] = pv.p_state
        out[f"after {pv.node}"] = pv.tracked
        out[f"gain {pv.node}"] = np.array([pv.gain])
    answered = [k for k in ev if k != HEAVY_LEGS]
    if answered:
        w, lz = eng.withdrawn(post, case, answered)
        out["withdrawn"], out["withdrawn log_z"] = w, lz
    p_do, m_do = eng.intervene(ev)
    out["do p"], out["do"] = np.array([p_do]), m_do
    risks = [n.id for n in net.nodes if n.kind == "risk"]
    for r, v in eng.intervene_each(ev, risks).items():
        out[f"do {r}"] = v
    return out


@pytest.mark.parametrize("seed", range(6))
def test_blocks_of_rows_give_the_numbers_of_one_block(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qs, "DENSE_MAX", 0)
    rng = np.random.default_rng(300 + seed)
    net = random_network(rng, n_risk=4, n_cause=7, n_find=5)
    ev = random_evidence(rng, net, soft=True)
    results = {}
    for rows in (1, 3, 1 << 20):  # one row a block, three, every row in one block
        monkeypatch.setattr(qs, "PLAN_ROWS_MIN", rows)
        monkeypatch.setattr(qs, "PLAN_ROWS_MAX", rows)
        results[rows] = _everything(net, ev)
    for rows in (1, 3):
        assert results[rows].keys() == results[1 << 20].keys()
        for k, v in results[rows].items():
            # each row is its own sum: only the order of a few additions differs (numpy's
            # loops and BLAS pick their inner loops by the arrays' lengths)
            np.testing.assert_allclose(v, results[1 << 20][k], rtol=0, atol=1e-12, err_msg=k)
    # and the blocked sums equal brute force and the hypercube engine's do()
    got = results[3]
    want, log_z = brute_force(net, ev)
    np.testing.assert_allclose(got["marginals"], want, rtol=0, atol=1e-12)
    assert abs(float(got["log_z"][0]) - log_z) < 1e-12
    p_a, m_a = Engine(net).intervene(ev)
    assert abs(p_a - float(got["do p"][0])) < 1e-12
    np.testing.assert_allclose(got["do"], m_a, rtol=0, atol=1e-12)


def test_block_rows_follow_the_largest_intermediate() -> None:
    assert qs._block_rows(8) == qs.PLAN_ROWS_MAX
    assert qs._block_rows(10**6) == qs.PLAN_ROWS_MIN
    rows = qs._block_rows(300)
    assert rows & (rows - 1) == 0 and rows * 300 <= qs.PLAN_ENTRIES
