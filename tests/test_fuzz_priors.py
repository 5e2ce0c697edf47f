"""Hostile priors files: any value put anywhere in the knowledge base ends in a PriorsError
that names the file (or a valid base), never another exception, and nothing is half-loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import SHIPPED_CAUSES
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from model.errors import PriorsError
from model.kb import load_knowledge_base

PRIORS = Path(__file__).resolve().parents[1] / "priors"
FILES = ("questions.yaml", "risk_factors.yaml", "causes.yaml", "findings.yaml", "triage.yaml")
DATA = {f: yaml.safe_load((PRIORS / f).read_text(encoding="utf-8")) for f in FILES}

junk = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=50),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=3),
)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = {f: [p for p in _paths(DATA[f]) if p] for f in FILES}


def _set(node: object, path: tuple, value: object) -> None:
    for k in path[:-1]:
        node = node[k]  # type: ignore[index]
    node[path[-1]] = value  # type: ignore[index]


def _priors_with(tmp_path_factory, name: str, path: tuple, value: object) -> Path:
    """A copy of the shipped priors with ``value`` written at ``path`` of file ``name``."""
    d = tmp_path_factory.mktemp("priors")
    for f in PRIORS.glob("*.yaml"):
        shutil.copy(f, d / f.name)
    doc = yaml.safe_load((PRIORS / name).read_text(encoding="utf-8"))
    _set(doc, path, value)
    (d / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return d


@seed(20261125)
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_anywhere_is_refused_cleanly(tmp_path_factory, data):
    name = data.draw(st.sampled_from(FILES))
    d = _priors_with(tmp_path_factory, name, data.draw(st.sampled_from(PATHS[name])),
                     data.draw(junk))
    try:
        kb = load_knowledge_base(d)
    except PriorsError as exc:
        assert exc.problems
        for line in exc.problems:
            assert line.strip() and "\n" not in line
            assert any(f in line for f in (*FILES, "references.yaml", "advice.yaml")) or \
                "population" in line or "base rate" in line, line
    else:  # the change happened to be valid (e.g. a text field): the base is whole
        assert len(kb.causes) == len(SHIPPED_CAUSES) and kb.questions


@seed(20261125)
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_garbage_bytes_in_a_priors_file_are_refused_with_the_file_named(tmp_path_factory, raw):
    d = tmp_path_factory.mktemp("priors")
    for f in PRIORS.glob("*.yaml"):
        shutil.copy(f, d / f.name)
    (d / "findings.yaml").write_bytes(raw)
    try:
        load_knowledge_base(d)
    except PriorsError as exc:
        assert any("findings.yaml" in line for line in exc.problems)
    else:
        raise AssertionError("garbage findings.yaml was accepted")


NUMBER_FILES = ("risk_factors.yaml", "causes.yaml", "findings.yaml")
NUMBER_PATHS = {
    f: [p for p in PATHS[f]
        if p[-1] in ("p", "value") or (len(p) > 1 and p[-2] == "probs")]
    for f in NUMBER_FILES
}
# mostly the numbers that used to pass validation and then break the diagnosis, plus the ends
# of the stated ranges (which must work)
extreme = st.sampled_from([0.0, 1.0, 1e-300, 1e-30, 1 - 1e-16, 1e30, 1e300, 1e-9, 1e-6, 0.99,
                           1e6, 1e-6])


@seed(20261126)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_base_that_validates_also_diagnoses(tmp_path_factory, data):
    """An extreme number at any p, probs or odds-ratio value: either the base is refused with
    a PriorsError naming the file, or it loads and diagnoses (finite probabilities, JSON
    without NaN). validate-priors used to pass bases whose diagnosis then failed."""
    import json

    from model import Model

    name = data.draw(st.sampled_from(NUMBER_FILES))
    d = _priors_with(tmp_path_factory, name, data.draw(st.sampled_from(NUMBER_PATHS[name])),
                     data.draw(extreme))
    try:
        kb = load_knowledge_base(d)
    except PriorsError as exc:
        assert any(name in line for line in exc.problems), exc.problems
        return
    diagnosis = Model(kb).diagnose({"age": 34, "cramps": "yes", "smoker": "yes",
                                    "temperature_c": 35, "swelling": "one_leg"})
    json.dumps(diagnosis.to_dict(), allow_nan=False)


@seed(20261126)
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leak=st.sampled_from([0.0, 1e-300, 1e-12]),
       name=st.sampled_from(["heavy_legs", "cramps", "dark_cola_urine"]))
def test_an_impossible_leak_is_refused_not_crashed_on(tmp_path_factory, leak, name):
    d = tmp_path_factory.mktemp("priors")
    for f in PRIORS.glob("*.yaml"):
        shutil.copy(f, d / f.name)
    doc = yaml.safe_load((PRIORS / "findings.yaml").read_text(encoding="utf-8"))
    doc["findings"][name]["leak"]["p"] = leak
    (d / "findings.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        load_knowledge_base(d)
    except PriorsError as exc:
        assert any(f"{name}.leak" in line and "outside" in line for line in exc.problems)
    else:
        raise AssertionError(f"a leak of {leak} for {name} was accepted")
