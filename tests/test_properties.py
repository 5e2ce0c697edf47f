"""Property tests (hypothesis): invariants of any diagnosis of any valid answers."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import SHIPPED_CAUSES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import CONTRACT_QUESTIONS, LEVELS, Model, load_model

# deterministic (derandomize) and modest; local to this module, not a global profile
PROPS = settings(max_examples=60, derandomize=True, deadline=None, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow])
FEW = settings(PROPS, max_examples=25)

MODEL: Model = load_model()

# contract section 3, written out independently of priors/triage.yaml
RED_FLAGS: tuple[tuple[dict[str, str], str], ...] = (
    ({"chest_pain_or_fainting": "yes"}, "emergency"),
    ({"bladder_bowel_or_saddle_numbness": "yes"}, "emergency"),
    ({"calf_warm_red_tender": "yes"}, "urgent"),
    ({"swelling": "one_leg", "recent_travel_or_surgery": "yes"}, "urgent"),
    ({"dark_cola_urine": "yes"}, "urgent"),
    ({"pain_at_rest_or_night": "yes", "foot_cold_or_pale": "yes"}, "urgent"),
    ({"leg_weakness_or_foot_drop": "yes"}, "urgent"),
)


def value_strategy(qid: str) -> st.SearchStrategy[Any]:
    q = MODEL.question_map[qid]
    if q.type == "yes_no":
        return st.sampled_from(["yes", "no"])
    if q.type == "choice":
        return st.sampled_from(list(q.options))
    assert q.min is not None and q.max is not None
    edges = [b for _, b in q.bins if b is not None] + [q.min, q.max]
    numbers = st.one_of(
        st.sampled_from(edges),
        st.integers(int(math.ceil(q.min)), int(math.floor(q.max))),
        st.floats(q.min, q.max, allow_nan=False, allow_infinity=False),
    )
    return numbers


# answer sets of up to MAX_ANSWERS questions, runner's and clinician's alike: about the length
# of an adaptive questionnaire that stops when it is clear. The engine's cost grows with the
# positive findings (README "Speed": a case with two dozen random answers can take a minute),
# which CI's time cannot hold for hundreds of examples.
MAX_ANSWERS = 12


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(st.sampled_from([q.id for q in MODEL.questions]), unique=True,
                        max_size=MAX_ANSWERS))
    return {qid: draw(value_strategy(qid)) for qid in ids}


@st.composite
def answers_with_red_flag(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    answers = draw(answer_sets())
    i = draw(st.integers(0, len(RED_FLAGS) - 1))
    answers.update(RED_FLAGS[i][0])
    return answers, i


def test_strategy_covers_the_contract() -> None:
    assert set(CONTRACT_QUESTIONS) <= set(MODEL.question_map)


@PROPS
@given(answer_sets())
def test_any_valid_answers_give_a_complete_sorted_diagnosis(answers: dict[str, Any]) -> None:
    d = MODEL.diagnose(answers)
    ids = [c.id for c in d.causes]
    assert sorted(ids) == sorted(SHIPPED_CAUSES)  # every cause exactly once
    probs = [c.probability for c in d.causes]
    assert probs == sorted(probs, reverse=True)
    for c in d.causes:
        assert not math.isnan(c.probability) and 0.0 <= c.probability <= 1.0
        assert not math.isnan(c.prior) and 0.0 <= c.prior <= 1.0
    priors = {c.id: c.probability for c in MODEL.diagnose({}).causes}
    assert {c.id: c.prior for c in d.causes} == priors
    gains = [g.expected_information_gain for g in d.next_questions]
    assert all(math.isfinite(g) and g >= 0.0 for g in gains)
    assert gains == sorted(gains, reverse=True)
    # every unanswered runner's question once; clinician findings are never offered
    runner = {q.id for q in MODEL.questions if q.asked_by == "runner"}
    assert {g.id for g in d.next_questions} == runner - set(answers)
    assert len(d.next_questions) == len(runner - set(answers))
    assert d.triage.level in LEVELS
    assert d.triage.reasons and all(isinstance(r, str) and r for r in d.triage.reasons)
    assert math.isfinite(d.log_evidence) and d.log_evidence <= 0.0


@PROPS
@given(answers_with_red_flag())
def test_red_flags_set_at_least_their_level(case: tuple[dict[str, Any], int]) -> None:
    answers, _ = case
    d = MODEL.assess(answers)  # the diagnosis's triage (tests/test_seams.py)
    needed = max((LEVELS.index(level) for cond, level in RED_FLAGS
                  if all(answers.get(k) == v for k, v in cond.items())), default=0)
    assert needed > 0
    assert LEVELS.index(d.triage.level) >= needed


@PROPS
@given(answer_sets())
def test_triage_never_below_a_present_red_flag(answers: dict[str, Any]) -> None:
    d = MODEL.assess(answers)
    for cond, level in RED_FLAGS:
        if all(answers.get(k) == v for k, v in cond.items()):
            assert LEVELS.index(d.triage.level) >= LEVELS.index(level), (cond, d.triage)


@FEW
@given(answer_sets())
def test_diagnose_is_pure(answers: dict[str, Any]) -> None:
    """Same answers, same result, whatever came before; the input is not modified."""
    before = dict(answers)
    a = MODEL.diagnose(answers).to_dict()
    MODEL.diagnose({"age": 70, "calf_warm_red_tender": "yes"})
    b = MODEL.diagnose(dict(reversed(list(answers.items())))).to_dict()
    assert a == b
    assert answers == before


@FEW
@given(answer_sets(), st.sampled_from([None, ""]))
def test_unanswered_is_unknown_not_no(answers: dict[str, Any], blank: Any) -> None:
    qid = next((q.id for q in MODEL.questions if q.id not in answers), None)
    if qid is None:
        return
    with_blank = {**answers, qid: blank}
    assert MODEL.assess(with_blank) == MODEL.assess(answers)


@pytest.mark.parametrize("population", ["self_assessment", "clinic"])
def test_populations_have_valid_priors(population: str) -> None:
    d = load_model(population=population).diagnose({})
    assert sorted(c.id for c in d.causes) == sorted(SHIPPED_CAUSES)
    assert all(0.0 < c.prior < 1.0 and c.prior == c.probability for c in d.causes)
