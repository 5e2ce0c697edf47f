"""Which test next (issue 19): the clinician findings ranked by expected information gain per
cost unit agree with a brute-force expected-value computation, and the physio's costs move
the ranking as they should."""

from __future__ import annotations

import math

import pytest

from model import InputError, Model
from model.reasoning.evidence import value_for_state

# a young runner whose heaviness comes at the same point of every run in one lower leg: the
# compartment, arterial-entrapment and bone-stress causes are all open
HISTORY = {"age": 24, "sex": "male", "heaviness_onset": "reproducible_point",
           "symptom_location": "lower_leg", "relief_time": "minutes", "legs_affected": "one"}


def _entropy(p: float) -> float:
    return -sum(x * math.log2(x) for x in (p, 1 - p) if x > 0)


def _brute_force(model: Model, answers: dict, qid: str,
                 states: list[str]) -> tuple[float, list[float], list[str]]:
    """sum over causes of I(C_i; finding | answers) in bits, each result's chance and the
    triage after it (results in ``states`` order), from one assessment per result (no
    previews)."""
    q = model.question_map[qid]
    now = model.assess(answers)
    p_now = {c.id: c.probability for c in now.causes}
    chances, gain, levels = [], 0.0, []
    after_all = []
    for s in states:
        after = model.assess({**answers, qid: value_for_state(q, s)})
        chances.append(math.exp(after.log_evidence - now.log_evidence))
        after_all.append({c.id: c.probability for c in after.causes})
        levels.append(after.triage.level)
    for c in p_now:
        gain += _entropy(p_now[c]) - sum(w * _entropy(a[c]) for w, a in zip(chances, after_all,
                                                                         strict=True))
    return gain, chances, levels


@pytest.fixture(scope="module")
def ranked(model: Model):
    return model.which_test_next(HISTORY)


def test_only_unanswered_clinician_findings_are_ranked(model: Model, ranked) -> None:
    clinician = {q.id for q in model.questions if q.asked_by == "clinician"}
    assert {t.id for t in ranked} == clinician
    answered = dict(HISTORY, exam_hop_test_pain="no")
    assert "exam_hop_test_pain" not in {t.id for t in model.which_test_next(answered)}
    assert not clinician & {g.id for g in model.diagnose(HISTORY).next_questions}


def test_gains_chances_and_triage_equal_brute_force(model: Model, ranked) -> None:
    assert model.engine.gain_measure == "sum_of_cause_mi"  # 25 causes
    for t in ranked:
        states = [o.answer for o in t.outcomes]
        assert sorted(states) == sorted(model.question_map[t.id].states)
        gain, chances, levels = _brute_force(model, HISTORY, t.id, states)
        assert t.expected_information_gain == pytest.approx(gain, abs=1e-9), t.id
        assert [o.probability for o in t.outcomes] == pytest.approx(chances, abs=1e-9), t.id
        assert list(t.levels) == levels, t.id
        assert sum(chances) == pytest.approx(1.0, abs=1e-12)
    # the ranking is the brute-force value per cost, highest first
    values = [t.expected_information_gain / t.cost_units for t in ranked]
    assert values == sorted(values, reverse=True)
    assert ranked[0].gain_per_cost > ranked[-1].gain_per_cost  # not all equal


def test_the_physios_costs_change_the_ranking(model: Model, ranked) -> None:
    first, last = ranked[0], ranked[-1]
    dearer = model.which_test_next(HISTORY, costs={first.id: first.cost_units * 1000})
    assert dearer[0].id != first.id
    moved = next(t for t in dearer if t.id == first.id)
    assert moved.cost_units == first.cost_units * 1000
    assert moved.gain_per_cost == pytest.approx(first.gain_per_cost / 1000, rel=1e-12)
    assert last.expected_information_gain > 0
    cheaper = model.which_test_next(HISTORY, costs={last.id: 1e-9})
    assert cheaper[0].id == last.id
    # the costs given are the priors' own: the same ranking
    same = model.which_test_next(HISTORY, costs={t.id: t.cost_units for t in ranked})
    assert [t.id for t in same] == [t.id for t in ranked]


@pytest.mark.parametrize("costs, message", [
    ({"test_ferritin": 0}, "not valid; give a number from 1e-09"),
    # a positive cost so small that gain per cost is infinite (not JSON): a review's 1e-320
    ({"test_ferritin": 1e-320}, "not valid; give a number from 1e-09"),
    ({"test_ferritin": 1e9}, "not valid"),
    ({"test_ferritin": -3}, "not valid"),
    ({"test_ferritin": float("nan")}, "not valid"),
    ({"test_ferritin": "cheap"}, "not valid"),
    ({"age": 2}, "not an examination or test finding"),
    ({"no_such_test": 2}, "not an examination or test finding"),
])
def test_bad_costs_name_the_problem(model: Model, costs, message) -> None:
    with pytest.raises(InputError, match=message):
        model.which_test_next(HISTORY, costs=costs)


def test_json_carries_the_triage_after_each_result(ranked) -> None:
    import json

    d = ranked[0].to_dict()
    assert d["gain_per_cost"] == pytest.approx(d["expected_information_gain"] / d["cost_units"])
    assert all("triage" in o and "probability" in o for o in d["outcomes"])
    json.loads(json.dumps(d))


def test_next_test_command(tmp_path, capsys) -> None:
    import json

    from model import load_model
    from model.cli import main

    case = tmp_path / "case.json"
    case.write_text(json.dumps({"format": "heavylegs.case", "version": 1, "answers": HISTORY}))
    assert main(["next-test", str(case)]) == 0
    out = json.loads(capsys.readouterr().out)
    want = load_model().which_test_next(HISTORY)
    assert [t["id"] for t in out] == [t.id for t in want]
    assert out[0]["gain_per_cost"] == pytest.approx(want[0].gain_per_cost, rel=1e-12)
    assert main(["next-test", str(case), "--cost", f"{want[0].id}=1000"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] != want[0].id
    for bad, message in (("test_ferritin", "write ID=UNITS"), ("test_ferritin=x", "ID=UNITS"),
                         ("age=3", "not an examination or test finding"),
                         ("test_ferritin=0", "from 1e-09"), ("test_ferritin=5_0", "ID=UNITS"),
                         ("test_ferritin=1e-320", "from 1e-09"),
                         ("test_ferritin=\u0665", "ID=UNITS")):  # not "50", not Arabic-Indic 5
        assert main(["next-test", str(case), "--cost", bad]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    # the same finding twice: which was meant? (the last one was used silently)
    assert main(["next-test", str(case), "--cost", "test_ferritin=5", "--cost",
                 "test_ferritin=6"]) == 2
    assert "given twice" in capsys.readouterr().err


def test_a_diagnosis_made_serves_the_ranking_and_the_ranking_is_kept(model: Model,
                                                                    monkeypatch) -> None:
    """Once the answers are diagnosed, "which test next" starts from that diagnosis's
    posterior (a deep case's took 14 s to compute again on every rerun of the workbench) and
    gives what it gives from scratch; asked again, it is not computed again."""
    fresh = type(model)(model.kb, model.population).which_test_next(HISTORY)
    m = type(model)(model.kb, model.population)
    m.diagnose(HISTORY)
    calls = []

    def refused(*args, **kw):  # type: ignore[no-untyped-def]
        raise AssertionError("the posterior computed again")

    monkeypatch.setattr(m.engine, "posterior", refused)
    real = m.engine.previews
    monkeypatch.setattr(m.engine, "previews", lambda *a, **k: calls.append(1) or real(*a, **k))
    got = m.which_test_next(HISTORY)
    assert [t.id for t in got] == [t.id for t in fresh]
    for a, b in zip(got, fresh, strict=True):
        assert a.expected_information_gain == pytest.approx(b.expected_information_gain, abs=1e-12)
        assert a.levels == b.levels
    assert m.which_test_next(HISTORY) == got and len(calls) == 1


def test_the_most_informative_test_is_named_when_the_cost_ranking_puts_it_lower():
    """A physio walk: bedside tests with little to tell ranked above the compartment
    pressure that separated the two leading causes; the workbench names the test that
    tells most whatever its cost, with its rank, and says nothing when it is first."""
    from model import load_model
    from ui.workbench import most_informative_note

    m = load_model()
    answers = {"age": 28, "sex": "male", "legs_affected": "both", "symptom_location": "lower_leg",
               "cramps": "yes", "heaviness_onset": "reproducible_point",
               "performance_declining": "yes", "exam_pulse_loss_plantar_flexion": "yes"}
    tests = m.which_test_next(answers)
    best = max(tests, key=lambda t: t.expected_information_gain)
    assert best is not tests[0]
    note = most_informative_note(tests)
    assert note is not None and best.text in note
    assert f"ranked {tests.index(best) + 1} per cost" in note
    # nothing worth a note when every test tells little (0.004 bits at most)
    pad = {"age": 63, "sex": "male", "smoker": "yes", "calf_pain_walking": "yes",
           "relief_time": "minutes", "exam_foot_pulses": "reduced_at_rest",
           "test_ankle_brachial_index": "low_at_rest"}
    little = m.which_test_next(pad)
    assert max(t.expected_information_gain for t in little) < 0.05
    assert most_informative_note(little) is None
    # with its cost at 1 it ranks first: nothing to add
    cheap = m.which_test_next(answers, None, {best.id: 0.01})
    assert cheap[0].id == best.id and most_informative_note(cheap) is None
