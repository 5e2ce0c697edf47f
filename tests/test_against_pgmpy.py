"""The real network against a second and a third engine: pgmpy and pyAgrum.

The model is exported once per module (bif, xmlbif, xdsl), read back with pgmpy and pyAgrum,
and for seeded random valid answer sets every cause probability must equal pgmpy's
VariableElimination given the reported ``evidence`` (1e-9), and pyAgrum's LazyPropagation
(1e-6). Hugin .net is left to the export issue (pgmpy reads it in ~15 s).

With 25 causes the exact cost of a generic engine grows with the findings answered: every
answered finding joins its causes in one clique (pyAgrum's junction tree for the iliac
example has a 26-variable clique; pyAgrum takes 52 s and pgmpy 130 s for it). So the random
answer sets here answer any number of risk factors but at most ``MAX_FINDINGS`` findings, of
which at most one links more than ``WIDE`` causes (pgmpy then takes well under a second);
the contract's examples, with their many findings, are checked against pgmpy by
``benchmarks/check_examples_pgmpy.py`` (minutes per case), and the quickscore engine's
rich-evidence cases against brute force in tests/test_quickscore.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyagrum as gum
import pytest

from model import Model
from model.inference.network import divorced
from model.kb import Question
from model.pgmpy_io import query_posteriors, read

N_RANDOM = 33
MAX_FINDINGS = 3
WIDE = 12  # a finding with more parent causes than this is "wide"; at most one per answer set
PGMPY_TOL = 1e-9
AGRUM_TOL = 1e-6
FORMATS = ("bif", "xmlbif", "xdsl")


def bin_state(q: Question, value: float) -> str:
    """The state a number falls in: the first bin whose bound it is below (the last is open)."""
    for state, below in q.bins:
        if below is None or value < below:
            return state
    raise AssertionError(f"{q.id}: no open last bin")


def random_answers(rng: np.random.Generator, model: Model) -> dict[str, Any]:
    """A random valid answer set: a random subset of the risk-factor questions and at most
    ``MAX_FINDINGS`` findings, values across each range (bin edges included), choices and
    yes/no."""
    share = rng.uniform(0.05, 0.6)
    answers: dict[str, Any] = {}
    kind = model.engine.kind
    findings = [q.id for q in model.questions if kind[q.id] == "finding"]
    parents = {f.id: len(f.parents) for f in model.kb.findings}
    while True:  # two wide findings (onset and relief each link 23-25 causes) cost pgmpy
        # minutes per query (6.5 s for one cause with onset, relief and palpitations)
        chosen = set(rng.choice(findings, size=rng.integers(MAX_FINDINGS + 1), replace=False))
        if sum(parents[f] > WIDE for f in chosen) <= 1:
            break
    for q in model.questions:
        if kind[q.id] == "finding" and q.id not in chosen:
            continue
        if kind[q.id] != "finding" and rng.random() >= share:
            continue
        if q.type == "number":
            assert q.min is not None and q.max is not None
            edges = [b for _, b in q.bins if b is not None and q.min <= b <= q.max]
            pick = rng.random()
            if pick < 0.3 and edges:
                answers[q.id] = edges[rng.integers(len(edges))]
            elif pick < 0.4:
                answers[q.id] = q.min if rng.random() < 0.5 else q.max
            else:
                answers[q.id] = round(float(rng.uniform(q.min, q.max)), 2)
        else:
            options = ("no", "yes") if q.type == "yes_no" else q.options
            answers[q.id] = options[rng.integers(len(options))]
    return answers


def expected_evidence(model: Model, answers: dict[str, Any]) -> dict[str, str]:
    ev = {}
    for qid, v in answers.items():
        q = model.question_map[qid]
        if any(o in answers and answers[o] not in wanted for o, wanted in q.applies_to):
            continue  # a question for the other sex carries no evidence
        ev[qid] = bin_state(q, v) if q.type == "number" else v
    ev["heavy_legs"] = "yes"
    return ev


@pytest.fixture(scope="module")
def cases(model: Model) -> list[tuple[str, dict[str, Any]]]:
    rng = np.random.default_rng(1234)
    return [(f"random-{i}", random_answers(rng, model)) for i in range(N_RANDOM)]


@pytest.fixture(scope="module")
def exported(model: Model, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("export")
    paths = {fmt: model.export(fmt, d / f"heavylegs.{fmt}") for fmt in FORMATS}
    # pyAgrum knows XMLBIF by the extension .bifxml
    paths["bifxml"] = Path(shutil.copy(paths["xmlbif"], d / "heavylegs.bifxml"))
    return paths


@pytest.fixture(scope="module")
def reread(exported: dict[str, Path]) -> dict[str, Any]:
    return {fmt: read(exported[fmt], fmt) for fmt in FORMATS}


def test_cases_are_valid_and_varied(model: Model, cases: list[tuple[str, dict[str, Any]]]) -> None:
    answered = set()
    for _, answers in cases:
        clean, problems = model.validate(answers)
        assert problems == [] and clean.keys() == answers.keys()
        answered |= answers.keys()
    kind = model.engine.kind
    for k, share in (("risk", 0.8), ("finding", 0.5)):
        ids = {q.id for q in model.questions if kind[q.id] == k}
        assert len(answered & ids) > share * len(ids), k


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_is_lossless(fmt: str, model: Model, reread: dict[str, Any]) -> None:
    """Every table of the exported (divorced) network reads back with the same states,
    parents and numbers."""
    pm = reread[fmt]
    nodes = {n.id: n for n in divorced(model.network)}
    cpds = {cpd.variable: cpd for cpd in pm.get_cpds()}
    assert set(cpds) == set(nodes)
    worst = 0.0
    for nid, n in nodes.items():
        cpd = cpds[nid]
        assert list(cpd.state_names[nid]) == list(n.states), nid
        assert list(cpd.variables[1:]) == list(n.parents), nid
        shape = [len(cpd.state_names[v]) for v in cpd.variables]
        values = np.moveaxis(cpd.get_values().reshape(shape), 0, -1)
        worst = max(worst, float(np.abs(values - n.table).max()))
    assert worst <= 1e-15, f"{fmt}: largest table difference {worst:.3g}"
    # and the question and cause nodes keep their contract ids and states
    for c in model.causes:
        assert list(cpds[c.id].state_names[c.id]) == ["absent", "present"]
    for q in model.questions:  # ordered for noisy-MAX in the network; the same set of states
        assert sorted(cpds[q.id].state_names[q.id]) == sorted(q.states)


def test_reported_evidence_is_the_mapped_answers(
        model: Model, cases: list[tuple[str, dict[str, Any]]]) -> None:
    for name, answers in cases:
        d = model.diagnose(answers)
        assert dict(d.evidence) == expected_evidence(model, answers), name
        assert d.to_dict()["evidence"] == expected_evidence(model, answers), name


def test_bif_equals_pgmpy_variable_elimination(
        model: Model, reread: dict[str, Any], cases: list[tuple[str, dict[str, Any]]]) -> None:
    causes = [c.id for c in model.causes]
    worst = 0.0
    for name, answers in cases:
        d = model.diagnose(answers)
        ref = query_posteriors(reread["bif"], causes, dict(d.evidence))
        for c in d.causes:
            assert ref[c.id]["present"] + ref[c.id]["absent"] == pytest.approx(1.0, abs=1e-12)
            err = abs(c.probability - ref[c.id]["present"])
            worst = max(worst, err)
            assert err <= PGMPY_TOL, (name, c.id, c.probability, ref[c.id]["present"])
    assert worst <= PGMPY_TOL


def test_no_answers_equal_pgmpy_priors(model: Model, reread: dict[str, Any]) -> None:
    causes = [c.id for c in model.causes]
    ref = query_posteriors(reread["bif"], causes, {"heavy_legs": "yes"})
    d = model.diagnose({})
    for c in d.causes:
        assert c.prior == pytest.approx(ref[c.id]["present"], abs=PGMPY_TOL)
        assert c.probability == pytest.approx(c.prior, abs=1e-15)


@pytest.mark.parametrize("fmt", ["xmlbif", "xdsl"])
def test_other_formats_equal_pgmpy(fmt: str, model: Model, reread: dict[str, Any],
                                   cases: list[tuple[str, dict[str, Any]]]) -> None:
    """The tables are checked above for every node; a few full queries on top."""
    causes = [c.id for c in model.causes]
    for name, answers in cases[-6:]:
        d = model.diagnose(answers)
        ref = query_posteriors(reread[fmt], causes, dict(d.evidence))
        for c in d.causes:
            assert abs(c.probability - ref[c.id]["present"]) <= PGMPY_TOL, (fmt, name, c.id)


# Not xdsl: pyAgrum 3.3's XDSL reader adds a node's parents in file order although its code
# comment says "in reverse order", so it reads multi-parent tables with the FIRST parent
# changing fastest; GeNIe (SMILE's row-major matrices) and pgmpy have the LAST parent
# changing fastest. The xdsl file is checked table by table through pgmpy above.
@pytest.mark.parametrize("fmt", ["bif", "bifxml"])
def test_pyagrum_lazy_propagation(fmt: str, model: Model, exported: dict[str, Path],
                                  cases: list[tuple[str, dict[str, Any]]]) -> None:
    bn = gum.loadBN(str(exported[fmt]))
    ie = gum.LazyPropagation(bn)
    ie.setTargets({c.id for c in model.causes})
    worst = 0.0
    for name, answers in (cases if fmt == "bif" else cases[-6:]):
        d = model.diagnose(answers)
        ie.setEvidence(dict(d.evidence))
        ie.makeInference()
        for c in d.causes:
            post = ie.posterior(c.id)
            assert post.variable(0).labels() == ("absent", "present")
            err = abs(c.probability - post[1])
            worst = max(worst, err)
            assert err <= AGRUM_TOL, (fmt, name, c.id, c.probability, post[1])
        ie.eraseAllEvidence()
    assert worst <= AGRUM_TOL


def test_clinic_population_equals_pgmpy(tmp_path: Path, cases: list[tuple[str, dict[str, Any]]]
                                        ) -> None:
    from model import load_model

    clinic = load_model(population="clinic")
    path = clinic.export("xmlbif", tmp_path / "clinic.xmlbif")
    pm = read(path, "xmlbif")
    causes = [c.id for c in clinic.causes]
    for name, answers in cases[:4] + cases[-3:]:
        d = clinic.diagnose(answers)
        ref = query_posteriors(pm, causes, dict(d.evidence))
        for c in d.causes:
            assert abs(c.probability - ref[c.id]["present"]) <= PGMPY_TOL, (name, c.id)
