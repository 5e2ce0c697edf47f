"""The exact engine against an independent brute-force oracle on a small network.

The small knowledge base in ``fixtures/small_priors/`` goes through the same loader as
priors/. The oracle multiplies every node's table into the FULL joint distribution over all
nodes (itertools.product over every configuration), conditions it on the evidence by slicing,
and sums. Nothing of model.engine is used by the oracle.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from model.api import Model
from model.inference.network import Network, Node, build_network, divorced, noisy_max_table
from model.kb import KnowledgeBase, load_knowledge_base

TOL = 1e-12
N_CASES = 150
POPULATIONS = ("self_assessment", "clinic")


# ----------------------------------------------------------------------------- the oracle
class Joint:
    """The full joint distribution over every node of a network, by enumeration."""

    def __init__(self, nodes: Sequence[Node], vectorised: bool = False) -> None:
        self.names = [n.id for n in nodes]
        self.states = {n.id: n.states for n in nodes}
        self.pos = {name: i for i, name in enumerate(self.names)}
        cards = [len(n.states) for n in nodes]
        if vectorised:
            self.p = self._vectorised(nodes, cards)
        else:
            self.p = np.empty(cards)
            for combo in itertools.product(*(range(c) for c in cards)):
                prob = 1.0
                for n in nodes:
                    idx = tuple(combo[self.pos[q]] for q in n.parents) + (combo[self.pos[n.id]],)
                    prob *= float(n.table[idx])
                self.p[combo] = prob

    def _vectorised(self, nodes: Sequence[Node], cards: list[int]) -> np.ndarray:
        joint = np.ones(cards)
        for n in nodes:
            axes = [self.pos[q] for q in n.parents] + [self.pos[n.id]]
            order = np.argsort(axes)
            t = np.transpose(n.table, order)
            shape = [1] * len(cards)
            for a in sorted(axes):
                shape[a] = cards[a]
            joint = joint * t.reshape(shape)
        return joint

    def marginal(self, keep: Sequence[str], evidence: Mapping[str, str]) -> np.ndarray:
        """Unnormalised P(keep, evidence) with axes in the order of ``keep``."""
        idx: list[Any] = [slice(None)] * len(self.names)
        for node, state in evidence.items():
            i = self.pos[node]
            idx[i] = slice(self.states[node].index(state), self.states[node].index(state) + 1)
        p = self.p[tuple(idx)]
        drop = tuple(i for i, name in enumerate(self.names) if name not in keep)
        p = p.sum(axis=drop)
        kept = [name for name in self.names if name in keep]
        return np.transpose(p, [kept.index(k) for k in keep])


def entropy_bits(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def oracle_answers(joint: Joint, causes: Sequence[str], questions: Sequence[str],
                   evidence: Mapping[str, str]) -> tuple[dict[str, float], dict[str, float], float]:
    """(P(cause present | e), I(C; X | e) for each unanswered question X, P(e))."""
    pe = float(joint.marginal([], evidence).sum())
    post = {}
    for c in causes:
        m = joint.marginal([c], evidence)
        post[c] = float(m[joint.states[c].index("present")] / m.sum())
    gains = {}
    for x in questions:
        if x in evidence:
            continue
        pcx = joint.marginal([*causes, x], evidence)
        pcx = pcx / pcx.sum()
        h_c = entropy_bits(pcx.sum(axis=-1).ravel())
        h_x = entropy_bits(pcx.reshape(-1, pcx.shape[-1]).sum(axis=0))
        h_cx = entropy_bits(pcx.ravel())
        gains[x] = h_c + h_x - h_cx
    return post, gains, pe


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def kb(small_priors_dir: Path) -> KnowledgeBase:
    return load_knowledge_base(small_priors_dir, require_contract=False)


@pytest.fixture(scope="module")
def models(kb: KnowledgeBase) -> dict[str, Model]:
    return {pop: Model(kb, pop) for pop in POPULATIONS}


@pytest.fixture(scope="module")
def joints(kb: KnowledgeBase) -> dict[str, Joint]:
    return {pop: Joint(build_network(kb, pop).nodes) for pop in POPULATIONS}


def bin_duration(minutes: float) -> str:
    """The fixture's bins for run_duration_min, written out independently of the loader."""
    if minutes < 60:
        return "under_60"
    if minutes < 90:
        return "60_89"
    return "90_plus"


CHOICES = {
    "medication": ("none", "beta_blocker", "other"),
    "diet_restrictive": ("no", "yes"),
    "relief_time": ("minutes", "hours", "not_relieved"),
    "cramps": ("no", "yes"),
    "fatigue_daily_life": ("no", "yes"),
    "dizziness": ("no", "yes"),
}
DURATIONS = (0, 0.5, 59.999, 60, 75, 89.99, 90, 150, 599.5, 600)


def random_case(rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers, the evidence they should give, without heavy_legs)."""
    answers: dict[str, Any] = {}
    evidence: dict[str, str] = {}
    if rng.random() < 0.5:
        v = DURATIONS[rng.integers(len(DURATIONS))] if rng.random() < 0.5 else \
            float(rng.uniform(0, 600))
        answers["run_duration_min"] = v
        evidence["run_duration_min"] = bin_duration(v)
    for q, options in CHOICES.items():
        if rng.random() < 0.5:
            answers[q] = evidence[q] = options[rng.integers(len(options))]
    return answers, evidence


# ----------------------------------------------------------------------------- tests
def test_fixture_has_the_intended_shape(kb: KnowledgeBase) -> None:
    """3 risk factors (one shared by two causes, one binned number), 4 causes (one table),
    5 findings incl. heavy_legs and a 3-state noisy-MAX."""
    assert set(kb.risk_factors) == {"run_duration_min", "medication", "diet_restrictive"}
    users = {r: [c.id for c in kb.causes if r in c.parents] for r in kb.risk_factors}
    assert len(users["run_duration_min"]) == 2
    assert kb.question_map["run_duration_min"].type == "number"
    assert [c.id for c in kb.causes if c.table is not None] == ["medication_side_effect"]
    findings = {f.id: f for f in kb.findings}
    assert len(findings) == 5 and "heavy_legs" in findings
    assert len(findings["relief_time"].states) == 3 and len(findings["relief_time"].parents) == 3


def test_oracle_enumerates_a_distribution(joints: dict[str, Joint], kb: KnowledgeBase) -> None:
    for pop, joint in joints.items():
        assert joint.p.sum() == pytest.approx(1.0, abs=1e-12)
        assert joint.p.min() >= 0.0
        # the vectorised product (used for the divorced check) is the same joint
        vec = Joint(build_network(kb, pop).nodes, vectorised=True)
        np.testing.assert_allclose(vec.p, joint.p, rtol=0, atol=1e-15)


@pytest.mark.parametrize("population", POPULATIONS)
def test_prior_against_oracle(population: str, models: dict[str, Model],
                              joints: dict[str, Joint]) -> None:
    m, joint = models[population], joints[population]
    causes = [c.id for c in m.causes]
    post, gains, pe = oracle_answers(joint, causes, [q.id for q in m.questions],
                                     {"heavy_legs": "yes"})
    d = m.diagnose({})
    for c in d.causes:
        assert c.probability == pytest.approx(post[c.id], abs=TOL)
        assert c.prior == pytest.approx(post[c.id], abs=TOL)
    got = {g.id: g.expected_information_gain for g in d.next_questions}
    assert set(got) == set(gains)
    for q, g in gains.items():
        assert got[q] == pytest.approx(g, abs=TOL), q
    assert d.log_evidence == pytest.approx(math.log(pe), abs=1e-10)


@pytest.mark.parametrize("population", POPULATIONS)
def test_random_evidence_against_oracle(population: str, models: dict[str, Model],
                                        joints: dict[str, Joint]) -> None:
    m, joint = models[population], joints[population]
    causes = [c.id for c in m.causes]
    questions = [q.id for q in m.questions]
    rng = np.random.default_rng(20260 + POPULATIONS.index(population))
    worst_p = worst_g = 0.0
    for _ in range(N_CASES):
        answers, evidence = random_case(rng)
        evidence["heavy_legs"] = "yes"
        post, gains, pe = oracle_answers(joint, causes, questions, evidence)
        d = m.diagnose(answers)
        assert dict(d.evidence) == evidence, answers
        for c in d.causes:
            worst_p = max(worst_p, abs(c.probability - post[c.id]))
        got = {g.id: g.expected_information_gain for g in d.next_questions}
        assert set(got) == set(questions) - set(answers)
        for q, g in gains.items():
            worst_g = max(worst_g, abs(got[q] - g))
        assert d.log_evidence == pytest.approx(math.log(pe), abs=1e-9)
    assert worst_p <= TOL, f"largest probability error {worst_p:.3g}"
    assert worst_g <= TOL, f"largest information-gain error {worst_g:.3g}"


def test_every_full_answer_set_against_oracle(models: dict[str, Model],
                                              joints: dict[str, Joint]) -> None:
    """All 3*3*2*3*2*2*2 complete answer sets: no question left, every posterior exact."""
    m, joint = models["self_assessment"], joints["self_assessment"]
    causes = [c.id for c in m.causes]
    duration_values = {"under_60": 30, "60_89": 60, "90_plus": 90}
    for dur, *rest in itertools.product(duration_values, *CHOICES.values()):
        answers: dict[str, Any] = dict(zip(CHOICES, rest, strict=True))
        answers["run_duration_min"] = duration_values[dur]
        evidence = {**dict(zip(CHOICES, rest, strict=True)), "run_duration_min": dur,
                    "heavy_legs": "yes"}
        post, gains, _ = oracle_answers(joint, causes, [], evidence)
        d = m.diagnose(answers)
        assert d.next_questions == ()
        for c in d.causes:
            assert abs(c.probability - post[c.id]) <= TOL, (answers, c.id)


def test_noisy_or_table_by_hand(kb: KnowledgeBase) -> None:
    """heavy_legs: P(yes | S) = 1 - (1 - leak) prod_{c in S} (1 - p_c) / (1 - leak)."""
    f = next(f for f in kb.findings if f.id == "heavy_legs")
    assert f.parents == ("muscle_fatigue", "dehydration", "iron_deficiency",
                         "medication_side_effect")
    leak, p = 0.05, (0.6, 0.5, 0.55, 0.45)  # the numbers of findings.yaml
    table = noisy_max_table(f)
    for combo in itertools.product((0, 1), repeat=4):
        no = 1 - leak
        for on, pc in zip(combo, p, strict=True):
            if on:
                no *= (1 - pc) / (1 - leak)
        assert table[combo][1] == pytest.approx(1 - no, abs=1e-15)
        assert table[combo].sum() == pytest.approx(1.0, abs=1e-15)
    # one value worked out on paper: fatigue and dehydration present
    assert table[1, 1, 0, 0, 1] == pytest.approx(1 - 0.4 * 0.5 / 0.95, abs=1e-15)


def test_noisy_max_table_by_hand(kb: KnowledgeBase) -> None:
    """relief_time (3 ordered states): P(Y <= s | S) = L(<= s) prod_{c in S} P_c(<= s) / L(<= s)."""
    f = next(f for f in kb.findings if f.id == "relief_time")
    assert f.states == ("minutes", "hours", "not_relieved")
    assert f.parents == ("muscle_fatigue", "dehydration", "iron_deficiency")
    leak = np.array([0.9, 0.08, 0.02])  # the numbers of findings.yaml
    given = np.array([[0.3, 0.6, 0.1], [0.4, 0.45, 0.15], [0.2, 0.5, 0.3]])
    table = noisy_max_table(f)
    node = build_network(kb, "self_assessment").node_map["relief_time"]
    np.testing.assert_array_equal(node.table, table)
    for combo in itertools.product((0, 1), repeat=3):
        cdf = np.cumsum(leak)
        for on, g in zip(combo, given, strict=True):
            if on:
                cdf = cdf * np.cumsum(g) / np.cumsum(leak)
        expected = np.diff(np.concatenate([[0.0], cdf[:-1], [1.0]]))
        np.testing.assert_allclose(table[combo], expected, rtol=0, atol=1e-15)
    # only one cause present: the table gives back that cause's own distribution (Henrion)
    np.testing.assert_allclose(table[1, 0, 0], given[0], atol=1e-15)
    np.testing.assert_allclose(table[0, 0, 0], leak, atol=1e-15)
    # on paper: fatigue and dehydration, P(not relieved) = 1 - 0.98 * (0.9/0.98) * (0.85/0.98)
    assert table[1, 1, 0][2] == pytest.approx(1 - 0.9 * 0.85 / 0.98, abs=1e-15)
    assert table[1, 1, 0][0] == pytest.approx(0.3 * 0.4 / 0.9, abs=1e-15)


@pytest.mark.parametrize("population", POPULATIONS)
def test_cause_tables_match_the_files(kb: KnowledgeBase, population: str) -> None:
    """Odds model: the marginal is the base rate and the odds ratios hold; table: as written."""
    net = build_network(kb, population)
    nodes = net.node_map
    prior = {r: nodes[r].table for r in kb.risk_factors}
    mf = nodes["muscle_fatigue"].table[:, 1]
    assert float(prior["run_duration_min"] @ mf) == pytest.approx(
        {"self_assessment": 0.3, "clinic": 0.2}[population], abs=1e-12)
    odds = mf / (1 - mf)
    assert odds[1] / odds[0] == pytest.approx(1.5, rel=1e-12)
    assert odds[2] / odds[0] == pytest.approx(3.0, rel=1e-12)
    de = nodes["dehydration"].table[..., 1]  # axes (run_duration_min, diet_restrictive)
    w = np.multiply.outer(prior["run_duration_min"], prior["diet_restrictive"])
    assert float((w * de).sum()) == pytest.approx(
        {"self_assessment": 0.15, "clinic": 0.05}[population], abs=1e-12)
    de_odds = de / (1 - de)
    np.testing.assert_allclose(de_odds[2] / de_odds[0], [2.5, 2.5], rtol=1e-12)
    np.testing.assert_allclose(de_odds[:, 1] / de_odds[:, 0], [1.4] * 3, rtol=1e-12)
    np.testing.assert_allclose(nodes["medication_side_effect"].table[:, 1], [0.01, 0.5, 0.1],
                               atol=1e-15)


# one parent per group (max_parents=1) doubles the joint once per helper: 80 s of CI for
# the same grouping code that 2 and 3 check
@pytest.mark.parametrize("max_parents", [2, 3])
def test_divorced_network_has_the_same_joint(kb: KnowledgeBase, max_parents: int) -> None:
    net: Network = build_network(kb, "self_assessment")
    nodes = divorced(net, max_parents=max_parents)
    helpers = [n for n in nodes if n.kind == "helper"]
    assert helpers, "the small network must have findings to split at this size"
    assert all(len(n.parents) <= max_parents for n in helpers)
    for n in net.nodes:  # the finding becomes the leaky maximum of its groups
        if n.kind == "finding" and len(n.parents) > max_parents:
            split_node = next(s for s in nodes if s.id == n.id)
            assert len(split_node.parents) == math.ceil(len(n.parents) / max_parents)
            assert all(p.startswith(f"{n.id}__g") for p in split_node.parents)
    original = Joint(net.nodes, vectorised=True)
    split = Joint(nodes, vectorised=True)
    helper_axes = tuple(split.pos[h.id] for h in helpers)
    summed = split.p.sum(axis=helper_axes)
    kept = [name for name in split.names if name not in {h.id for h in helpers}]
    summed = np.transpose(summed, [kept.index(name) for name in original.names])
    np.testing.assert_allclose(summed, original.p, rtol=0, atol=1e-15)


def test_divorced_leaves_small_findings_alone(kb: KnowledgeBase) -> None:
    net = build_network(kb, "self_assessment")
    assert divorced(net) == net.nodes  # every finding has at most 6 parents here
