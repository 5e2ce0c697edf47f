"""Contract version 2 in priors/: the new ids, `applies_to`, and the v2 data's shape.

Only the loader and the knowledge base are used: the current engine cannot build the
25-cause network, so nothing here calls load_model().
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import SHIPPED_CAUSES

from model.errors import PriorsError
from model.kb import CONTRACT_CAUSES, CONTRACT_QUESTIONS, load_advice, load_knowledge_base

V2_CAUSES = (
    "iliac_flow_limitation popliteal_entrapment metabolic_myopathy bone_stress_injury "
    "post_viral_fatigue low_blood_sugar heart_condition rhabdomyolysis"
).split()
V2_QUESTIONS = (
    "symptom_weeks symptom_location only_at_high_intensity cycles_a_lot "
    "lifelong_exercise_intolerance second_wind recent_viral_illness palpitations heavy_periods "
    "vegetarian_or_vegan hormonal_contraception pregnant_or_recently_pregnant previous_blood_clot "
    "sickle_cell_trait bone_tender_spot hypo_symptoms glucose_lowering_medicine "
    "confusion_vomiting_or_severe_headache sudden_severe_leg_pain both_legs_weak"
).split()
FEMALE_ONLY = ("menstrual_irregular", "heavy_periods", "hormonal_contraception",
               "pregnant_or_recently_pregnant")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge_base()


def edit_yaml(directory: Path, name: str, change: Callable[[Any], None]) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def problems_of(directory: Path) -> tuple[str, ...]:
    with pytest.raises(PriorsError) as info:
        load_knowledge_base(directory)
    return info.value.problems


def set_applies_to(qid: str, value: Any) -> Callable[[Any], None]:
    def change(d: Any) -> None:
        q = next(q for q in d["questions"] if q["id"] == qid)
        q["applies_to"] = value

    return change


# ----------------------------------------------------------------------------- contract ids
def test_contract_constants_hold_the_version_2_ids() -> None:
    assert set(V2_CAUSES) <= set(CONTRACT_CAUSES) and len(CONTRACT_CAUSES) == 25
    assert set(V2_QUESTIONS) <= set(CONTRACT_QUESTIONS) and len(CONTRACT_QUESTIONS) == 75
    assert len(set(CONTRACT_CAUSES)) == 25 and len(set(CONTRACT_QUESTIONS)) == 75


def test_the_real_priors_have_every_version_2_cause_and_question(kb: Any) -> None:
    ids = [c.id for c in kb.causes]
    # contract order kept, the causes beyond the contract after its own
    assert ids[: len(CONTRACT_CAUSES)][-8:] == V2_CAUSES
    assert all(c.group == "medical" for c in kb.causes if c.id in V2_CAUSES)
    nodes = set(kb.risk_factors) | {f.id for f in kb.findings}
    assert set(V2_QUESTIONS) <= nodes  # every question is a node of the network
    heavy = next(f for f in kb.findings if f.id == "heavy_legs")
    assert set(heavy.parents) == set(SHIPPED_CAUSES)


def test_missing_version_2_cause_is_refused(priors_copy: Callable[..., Path]) -> None:
    d = priors_copy()
    edit_yaml(d, "causes.yaml", lambda x: x["causes"].pop("heart_condition"))
    assert any("contract cause 'heart_condition' is missing" in p for p in problems_of(d))


def test_version_2_question_texts_and_ranges(kb: Any) -> None:
    q = kb.question_map
    assert q["symptom_weeks"].type == "number"
    assert (q["symptom_weeks"].min, q["symptom_weeks"].max) == (0, 520)
    assert [b for _, b in q["symptom_weeks"].bins] == [2, 12, None]
    assert q["symptom_location"].options == ("lower_leg", "thigh_or_buttock", "whole_leg", "foot")
    assert all(q[i].type == "yes_no" for i in V2_QUESTIONS
               if i not in ("symptom_weeks", "symptom_location"))
    assert "8 weeks" in q["recent_travel_or_surgery"].text
    assert "heartbeat" in q["chest_pain_or_fainting"].text  # the widened wording
    for rf in ("confusion_vomiting_or_severe_headache", "sudden_severe_leg_pain",
               "both_legs_weak"):
        assert q[rf].group == "red_flags"


# ----------------------------------------------------------------------------- applies_to
def test_female_only_questions_carry_applies_to(kb: Any) -> None:
    q = kb.question_map
    for qid in FEMALE_ONLY:
        assert q[qid].applies_to[0] == ("sex", ("female",)), qid
        assert q[qid].to_dict()["applies_to"]["sex"] == ["female"]
    # periods are a window onto low energy availability only without hormonal contraception
    # (its withdrawal bleeds come from the pill, not the runner's own cycle; CHANGELOG 13)
    assert q["menstrual_irregular"].applies_to == (
        ("sex", ("female",)), ("hormonal_contraception", ("no",)))
    assert all(len(q[x].applies_to) == 1 for x in FEMALE_ONLY if x != "menstrual_irregular")
    assert q["age"].applies_to == () and "applies_to" not in q["age"].to_dict()
    assert sum(1 for x in kb.questions if x.applies_to) == len(FEMALE_ONLY)


def test_regular_periods_on_the_pill_carry_no_evidence() -> None:
    """On hormonal contraception, "periods regular" says nothing about energy availability
    (the answer does not apply, like a man's); without it, it lowers RED-S as before."""
    from model import load_model

    m = load_model()
    base = {"sex": "female", "age": 21, "diet_restrictive": "yes"}
    pill = {**base, "hormonal_contraception": "yes"}
    same = m.diagnose({**pill, "menstrual_irregular": "no"})
    assert "menstrual_irregular" not in dict(same.evidence)
    assert same.probability("low_energy_availability") == pytest.approx(
        m.diagnose(pill).probability("low_energy_availability"), abs=1e-12)
    no_pill = {**base, "hormonal_contraception": "no"}
    assert m.diagnose({**no_pill, "menstrual_irregular": "no"}).probability(
        "low_energy_availability") < m.diagnose(no_pill).probability("low_energy_availability")
    ids = [g.id for g in m.diagnose(pill).next_questions if g.expected_information_gain > 0]
    assert "menstrual_irregular" not in ids  # not asked on the pill


def test_applies_to_accepts_a_list_of_answers(priors_copy: Callable[..., Path]) -> None:
    d = priors_copy()
    edit_yaml(d, "questions.yaml", set_applies_to("palpitations", {"sex": ["female", "male"]}))
    kb = load_knowledge_base(d)
    assert kb.question_map["palpitations"].applies_to == (("sex", ("female", "male")),)


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ({"sexx": "female"}, r"'sexx' is not another yes/no or choice.*did you mean 'sex'"),
        ({"age": "30_39"}, r"'age' is not another yes/no or choice question"),
        ({"heavy_periods": "yes"}, r"'heavy_periods' is not another"),  # itself
        ({"sex": "woman"}, r"\['woman'\] are not all answers of 'sex'.*\['female', 'male'\]"),
        ({"sex": []}, r"\[\] are not all answers of 'sex'"),
        ({"smoker": ["yes", "maybe"]}, r"are not all answers of 'smoker'"),
    ],
)
def test_bad_applies_to_is_refused(
    priors_copy: Callable[..., Path], value: Any, pattern: str
) -> None:
    d = priors_copy()
    edit_yaml(d, "questions.yaml", set_applies_to("heavy_periods", value))
    problems = problems_of(d)
    line = next((p for p in problems if re.search(pattern, p)), None)
    assert line is not None, problems
    assert line.startswith("questions.yaml: questions[") and "(heavy_periods).applies_to" in line


def test_applies_to_must_be_a_mapping(priors_copy: Callable[..., Path]) -> None:
    d = priors_copy()
    edit_yaml(d, "questions.yaml", set_applies_to("heavy_periods", "female"))
    assert any(re.search(r"applies_to.*mapping", p) for p in problems_of(d))


# ----------------------------------------------------------------------------- the v2 data
def test_pad_is_atherosclerotic_only(kb: Any) -> None:
    pad = next(c for c in kb.causes if c.id == "pad")
    age = pad.parents.index("age")
    lo = np.moveaxis(np.asarray(pad.log_odds), age, 0)
    assert np.allclose(lo[0], lo[1])  # no extra risk under 30 (that was popliteal entrapment)
    assert np.all(np.diff(lo[:, *([0] * (lo.ndim - 1))]) >= 0)  # rises with age
    cold = next(f for f in kb.findings if f.id == "foot_cold_or_pale")
    given = dict(zip(cold.parents, cold.given[:, 1], strict=True))
    assert given["popliteal_entrapment"] > given["pad"]


def test_distinguishing_links_point_the_right_way(kb: Any) -> None:
    f = {x.id: x for x in kb.findings}

    def lr(fid: str, cause: str, state: str = "yes") -> float:
        x = f[fid]
        i = x.states.index(state)
        return float(x.given[x.parents.index(cause), i] / x.leak[i])

    assert lr("lifelong_exercise_intolerance", "metabolic_myopathy") > 10
    assert lr("second_wind", "metabolic_myopathy") > lr("second_wind", "inadequate_warmup")
    assert lr("bone_tender_spot", "bone_stress_injury") > 5
    assert lr("bone_tender_spot", "low_energy_availability") > 1  # RED-S in men too
    assert lr("hypo_symptoms", "low_blood_sugar") > 5
    assert lr("palpitations", "heart_condition") > 5
    # the brief's leak 0.01 (haematuria after marathons is common: CHANGELOG 6): LR 45
    assert lr("dark_cola_urine", "rhabdomyolysis") > 30
    assert lr("symptom_location", "iliac_flow_limitation", "thigh_or_buttock") > 10
    assert lr("symptom_location", "popliteal_entrapment", "lower_leg") > 10
    # proxies that stood in for rhabdomyolysis are gone (no double counting)
    assert "medication_side_effect" not in f["dark_cola_urine"].parents
    causes = {c.id: c for c in kb.causes}
    assert "cycles_a_lot" in causes["iliac_flow_limitation"].parents
    assert {"sickle_cell_trait", "medication", "temperature_c"} <= set(
        causes["rhabdomyolysis"].parents)
    assert {"hormonal_contraception", "pregnant_or_recently_pregnant",
            "previous_blood_clot"} <= set(causes["dvt"].parents)
    assert {"heavy_periods", "vegetarian_or_vegan"} <= set(causes["iron_deficiency"].parents)
    assert {"diabetes", "glucose_lowering_medicine"} <= set(causes["low_blood_sugar"].parents)
    assert "recent_viral_illness" in causes["post_viral_fatigue"].parents


def test_advice_for_every_cause_and_no_exercise_therapy_for_entrapment(kb: Any) -> None:
    advice = load_advice(kb)
    for cid in V2_CAUSES:
        assert advice.for_cause(cid) is not None, cid
    paes = advice.for_cause("popliteal_entrapment")
    assert "vascular" in paes.see_someone.text.lower()
    for tip in paes.tips:
        assert not tip.text.lower().startswith("supervised exercise")
    assert "supervised exercise" in advice.for_cause("pad").tips[0].text.lower()


def test_base_rates_meet_their_targets_in_the_25_cause_network(kb: Any) -> None:
    """P(cause | heavy legs, no answers) equals each 'Solved so that ... = x' target."""
    spec = importlib.util.spec_from_file_location("solve", REPO / "tools" / "solve_base_rates.py")
    assert spec and spec.loader
    solve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solve)
    text = (kb.directory / "causes.yaml").read_text(encoding="utf-8")
    shares, _ = solve.shares(kb, "self_assessment", {})
    for cid, share in shares.items():
        m = re.search(rf"^  {cid}:\n(?:    .*\n)*?      self_assessment: {{p: [0-9.e-]+, .*?"
                      r"= ([0-9.]+)", text, re.M)
        if m is None:  # the medication table has no target
            assert cid == "medication_side_effect"
            continue
        assert share == pytest.approx(float(m.group(1)), rel=1e-3), cid


def test_years_of_endurance_training_raise_the_heart_condition(model: Any) -> None:
    """CHANGELOG 22: 10-19 and 20+ years of endurance training raise P(heart) in order (odds
    ratios 1.5 and 2.5 against under 10 years, less what other causes explain of the heavy
    legs); run length is no longer the heart's proxy for that history."""
    base = {"age": 58, "sex": "male"}

    def p(extra: dict[str, Any]) -> float:
        return model.diagnose(base | extra).probability("heart_condition")

    short, mid, long_ = p({"endurance_years": 3}), p({"endurance_years": 12}), p(
        {"endurance_years": 25})
    assert short < mid < long_

    def odds(x: float) -> float:
        return x / (1 - x)

    assert 1.2 < odds(mid) / odds(short) <= 1.5 + 1e-9
    assert 1.8 < odds(long_) / odds(short) <= 2.5 + 1e-9
    heart = next(c for c in model.causes if c.id == "heart_condition")
    assert "run_duration_min" not in heart.parents and "endurance_years" in heart.parents
    q = model.question_map["endurance_years"]
    assert q.type == "number" and q.asked_by == "runner" and q.group == "training"


def test_a_crash_after_light_activity_points_to_post_viral_fatigue(model: Any) -> None:
    """CHANGELOG 23: post-exertional malaise (link 0.6 for post-viral fatigue against 0.2 for
    overreaching) separates the two where their other symptoms agree; "no" points the other
    way; it is a runner's symptom question."""
    base = {"recent_viral_illness": "yes", "fatigue_daily_life": "yes",
            "performance_declining": "yes", "heaviness_onset": "from_start"}

    def ratio(extra: dict[str, Any]) -> float:
        d = model.diagnose(base | extra)
        return d.probability("post_viral_fatigue") / d.probability("overtraining")

    assert ratio({"post_exertional_malaise": "yes"}) > 1.5 * ratio({})
    assert ratio({"post_exertional_malaise": "no"}) < ratio({})
    q = model.question_map["post_exertional_malaise"]
    assert q.group == "symptoms" and q.asked_by == "runner" and q.type == "yes_no"
