"""Issue 19: the clinician's findings (groups exam and test) in priors/ and their loader checks.

Only the loader and the knowledge base are used (the current engine cannot build the 25-cause
network, so nothing here calls load_model()).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from model.errors import PriorsError
from model.kb import load_knowledge_base

EXAM = (
    "exam_foot_pulses exam_pulse_loss_plantar_flexion exam_focal_bone_tenderness "
    "exam_hop_test_pain exam_straight_leg_raise exam_neuro_deficit exam_wells_dvt_score"
).split()
TEST = (
    "test_ankle_brachial_index test_compartment_pressure test_ferritin test_haemoglobin_low "
    "test_tsh_raised test_creatine_kinase test_d_dimer_positive test_duplex_dvt "
    "test_duplex_arterial test_duplex_venous_reflux"
).split()
# the cause(s) each finding must point to
TARGETS = {
    "exam_foot_pulses": {"pad", "iliac_flow_limitation", "popliteal_entrapment"},
    "exam_pulse_loss_plantar_flexion": {"popliteal_entrapment"},
    "exam_focal_bone_tenderness": {"bone_stress_injury"},
    "exam_hop_test_pain": {"bone_stress_injury"},
    "exam_straight_leg_raise": {"nerve_compression"},
    "exam_neuro_deficit": {"nerve_compression", "neurological_condition"},
    "exam_wells_dvt_score": {"dvt"},
    "test_ankle_brachial_index": {"pad", "iliac_flow_limitation", "popliteal_entrapment"},
    "test_compartment_pressure": {"cecs"},
    "test_ferritin": {"iron_deficiency"},
    "test_haemoglobin_low": {"iron_deficiency"},
    "test_tsh_raised": {"hypothyroidism"},
    "test_creatine_kinase": {"rhabdomyolysis", "metabolic_myopathy"},
    "test_d_dimer_positive": {"dvt"},
    "test_duplex_dvt": {"dvt"},
    "test_duplex_arterial": {"popliteal_entrapment", "iliac_flow_limitation", "pad"},
    "test_duplex_venous_reflux": {"poor_circulation"},
}


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge_base()


def edit_question(directory: Path, qid: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / "questions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(next(q for q in data["questions"] if q["id"] == qid))
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def problems_of(directory: Path) -> tuple[str, ...]:
    with pytest.raises(PriorsError) as info:
        load_knowledge_base(directory)
    return info.value.problems


# ----------------------------------------------------------------------------- the data
def test_exam_and_test_questions_are_listed_for_the_clinician(kb: Any) -> None:
    qmap = kb.question_map
    for qid in EXAM + TEST:
        q = qmap[qid]
        assert q.group == ("exam" if qid in EXAM else "test"), qid
        assert q.asked_by == "clinician", qid
        d = q.to_dict()
        assert d["group"] == q.group and d["asked_by"] == "clinician"
        assert set(d["cost"]) == {"minutes", "money", "invasive", "referral"}
        assert d["cost_units"] > 0
    # every clinician question is one of these, and no runner question is in exam/test
    clinician = {q.id for q in kb.questions if q.asked_by == "clinician"}
    assert clinician == set(EXAM + TEST)
    assert all(q.group not in ("exam", "test") for q in kb.questions if q.id not in clinician)
    assert all("asked_by" not in q.to_dict() for q in kb.questions if q.id not in clinician)


def test_costs_follow_the_documented_scale(kb: Any) -> None:
    qmap = kb.question_map
    units = {qid: qmap[qid].cost_units for qid in EXAM + TEST}
    assert max(units[q] for q in EXAM) < min(
        units[q] for q in TEST if q != "test_ankle_brachial_index"
    )
    assert units["test_ferritin"] == 10 and units["test_duplex_dvt"] == 30
    assert units["test_compartment_pressure"] == max(units.values()) == 60
    assert dict(qmap["test_compartment_pressure"].cost)["invasive"] is True
    assert all(
        dict(qmap[q].cost)["invasive"] is False
        for q in EXAM + TEST
        if q != "test_compartment_pressure"
    )


def test_every_exam_and_test_number_has_a_source_or_estimate(kb: Any) -> None:
    findings = {f.id: f for f in kb.findings}
    for qid in EXAM + TEST:
        f = findings[qid]
        assert set(f.sources) == {"leak"} | {f"links.{c}" for c in f.parents}, qid
        for key, cited in f.sources.items():
            assert cited.source_keys or (cited.estimate or "").strip(), (qid, key)
            for k in cited.source_keys:
                assert k in kb.references, (qid, key, k)


def test_each_finding_points_to_its_causes(kb: Any) -> None:
    findings = {f.id: f for f in kb.findings}
    for qid, causes in TARGETS.items():
        f = findings[qid]
        assert causes <= set(f.parents), qid
        top = len(f.states) - 1  # states are ordered from normal to abnormal
        for c in causes:
            given = f.given[f.parents.index(c)]
            # an abnormal result, or the most abnormal one, is clearly more likely with the cause
            # (provoked arterial compression alone is common in healthy people [R106])
            assert 1 - given[0] >= 1.5 * (1 - f.leak[0]) or given[top] >= 5 * f.leak[top], (qid, c)
        assert f.leak[top] < 0.5, qid


def test_popliteal_compression_alone_counts_for_little(kb: Any) -> None:
    """Provoked compression is found in most healthy people [R106][R106b]."""
    f = next(f for f in kb.findings if f.id == "test_duplex_arterial")
    s = f.states.index("compression_on_provocation")
    assert f.leak[s] >= 0.5
    paes = f.given[f.parents.index("popliteal_entrapment")]
    assert paes[s] / f.leak[s] < 2.0
    lr_stenosis = f.given[f.parents.index("pad")][2] / f.leak[2]
    assert lr_stenosis > 20


def test_abi_states_and_ferritin_bins(kb: Any) -> None:
    qmap = kb.question_map
    assert qmap["test_ankle_brachial_index"].options == (
        "normal",
        "drop_after_exercise",
        "low_at_rest",
    )
    assert qmap["test_ferritin"].bins == (("under_30", 30), ("30_to_50", 50), ("50_plus", None))
    assert qmap["exam_wells_dvt_score"].bins == (("unlikely", 2), ("likely", None))
    assert qmap["test_creatine_kinase"].options == ("normal", "raised", "over_5x_upper_limit")
    ck = next(f for f in kb.findings if f.id == "test_creatine_kinase")
    rhabdo = ck.given[ck.parents.index("rhabdomyolysis")]
    assert np.argmax(rhabdo) == ck.states.index("over_5x_upper_limit")


# ----------------------------------------------------------------------------- loader checks
@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda q: q.pop("cost"), r"\(exam_hop_test_pain\): no cost; add `cost: \{minutes"),
        (lambda q: q.pop("cost_units"), r"\(exam_hop_test_pain\)\.cost_units: None is not valid"),
        (
            lambda q: q.update(cost_units="cheap"),
            r"cost_units: 'cheap' is not valid; write a number > 0",
        ),
        (lambda q: q.update(cost_units=0), r"cost_units: 0 is not valid"),
        (
            lambda q: q["cost"].update(minutes="ten"),
            r"\.cost\.minutes: 'ten' is not valid; write a number >= 0",
        ),
        (lambda q: q["cost"].update(money=-5), r"\.cost\.money: -5 is not valid"),
        (
            lambda q: q["cost"].update(invasive="no"),
            r"\.cost\.invasive: 'no' is not valid; write true or false",
        ),
        (lambda q: q["cost"].pop("referral"), r"\.cost\.referral: None is not valid"),
        (lambda q: q["cost"].update(euros=3), r"\.cost\.euros: unknown field; use \['minutes'"),
        (
            lambda q: q.update(asked_by="runner"),
            r"group 'exam' with asked_by 'runner'; exam/test questions take `asked_by: clinician`",
        ),
    ],
)
def test_a_bad_cost_is_refused_with_file_key_and_fix(
    priors_copy: Callable[..., Path], change: Callable[[dict[str, Any]], None], pattern: str
) -> None:
    d = priors_copy()
    edit_question(d, "exam_hop_test_pain", change)
    problems = problems_of(d)
    line = next((p for p in problems if re.search(pattern, p)), None)
    assert line is not None, problems
    assert line.startswith("questions.yaml: questions[") and "(exam_hop_test_pain)" in line
    assert "\n" not in line


def test_a_runner_question_takes_no_cost_and_no_clinician_flag(
    priors_copy: Callable[..., Path],
) -> None:
    d = priors_copy()
    edit_question(d, "cramps", lambda q: q.update(cost_units=1))
    edit_question(d, "swelling", lambda q: q.update(asked_by="clinician"))
    problems = problems_of(d)
    assert any(re.search(r"\(cramps\): only exam/test questions have a cost", p) for p in problems)
    assert any(
        re.search(r"\(swelling\): group 'symptoms' with asked_by 'clinician'", p) for p in problems
    )


def test_unknown_asked_by_is_refused(priors_copy: Callable[..., Path]) -> None:
    d = priors_copy()
    edit_question(d, "test_tsh_raised", lambda q: q.update(asked_by="doctor"))
    assert any(re.search(r"asked_by.*'runner'.*'clinician'", p) for p in problems_of(d))
