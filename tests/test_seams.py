"""The seams that used to let numbers drift apart (issue 11): the report is the screen's
diagnosis, ``diagnose case.json`` honours confidences, one noisy representation, the what-if
factors come from priors/, advice is part of the knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from model import (
    InputError,
    Model,
    PriorsError,
    build_report,
    load_model,
    new_case,
    report_markdown,
)
from model.cli import main
from model.kb import load_knowledge_base
from model.workflows.report import pct

ANSWERS = {"age": 34, "rest_days_per_week": 0, "heaviness_onset": "from_start",
           "urine_color": "dark", "temperature_c": 30, "performance_declining": "yes"}
CONFIDENCE = {"urine_color": 0.7, "performance_declining": 0.6}
RATES = {"dehydration": 0.4, "overtraining": 0.05}


def test_the_workbench_report_equals_the_screen(model: Model) -> None:
    """A case with confidences and changed base rates: the report shows the numbers the
    workbench shows for it (same model variant, same confidences), and lists the rates."""
    variant = model.with_base_rates(RATES)
    screen = variant.diagnose(ANSWERS, confidence=CONFIDENCE)
    case = new_case(ANSWERS, confidence=CONFIDENCE, population=variant.population, model=variant)
    report = build_report(case, variant)
    assert [(c.id, c.probability) for c in report.causes] == [
        (c.id, c.probability) for c in screen.causes
    ]
    assert report.triage_level == screen.triage.level
    assert report.model_version == screen.model_version and report.model_version.endswith(
        "+adjusted"
    )
    md = report_markdown(report)
    assert pct(screen.causes[0].probability) in md  # the app's own rounding
    assert "Base rates changed for this case" in md and "40%" in md and "5%" in md
    assert "confidence 70%" in md and "confidence 60%" in md
    # the "why" is the diagnosis's own explanation
    top = screen.causes[0].id
    expl = screen.explanation(top).contributions
    strongest = max(expl, key=lambda c: c.delta_log_odds)
    rc = next(c for c in report.causes if c.id == top)
    if strongest.delta_log_odds >= np.log(1.1):
        q = model.question_map[strongest.question]
        assert rc.reasons_for[0].startswith(q.text.rstrip("?"))


def test_the_report_differs_when_confidences_differ(model: Model) -> None:
    sure = build_report(new_case(ANSWERS, model=model), model)
    soft = build_report(new_case(ANSWERS, confidence=CONFIDENCE, model=model), model)
    assert [c.probability for c in sure.causes] != [c.probability for c in soft.causes]


def test_diagnose_case_file_honours_its_confidences(tmp_path: Path, capsys, model) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"answers": ANSWERS, "confidence": CONFIDENCE}), encoding="utf-8")
    assert main(["diagnose", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    want = model.diagnose(ANSWERS, confidence=CONFIDENCE)
    assert out["confidence"] == CONFIDENCE
    got = {c["id"]: c["probability"] for c in out["causes"]}
    assert got == {c.id: c.probability for c in want.causes}
    assert got != {c.id: c.probability for c in model.diagnose(ANSWERS).causes}


def test_case_compare_honours_confidences(model: Model) -> None:
    from model.workflows.cases import compare_cases

    before = new_case(ANSWERS, model=model)
    after = new_case(ANSWERS, confidence=CONFIDENCE, model=model)
    cmp = compare_cases(before, after, model)
    want = model.diagnose(ANSWERS, confidence=CONFIDENCE)
    assert {c.id: c.after for c in cmp.causes} == {c.id: c.probability for c in want.causes}


def test_a_noisy_finding_has_one_representation(model: Model) -> None:
    eng = model.engine
    node = eng.net.node_map["cramps"]
    assert node.noisy is not None and node.cpt is None  # the table is derived
    with pytest.raises(ValueError, match="not both"):
        eng.with_tables({"cramps": node.table}, {"cramps": node.noisy})
    # a variant through the parameters changes posteriors and what-ifs alike
    leak, link = eng.net.node_map["heavy_legs"].noisy
    weaker = np.array(link)
    weaker[0, 0] = 1 - (1 - link[0, 0]) * 0.5
    variant = eng.with_tables({}, {"heavy_legs": (leak, weaker)})
    assert not np.allclose(variant.noisy["heavy_legs"][1], eng.noisy["heavy_legs"][1])
    assert not np.allclose(variant.posterior({}).marginals, eng.posterior({}).marginals)
    assert variant.intervene({})[0] != pytest.approx(eng.intervene({})[0], abs=1e-9)
    # a finding's table alone cannot feed the noisy form the engine computes with: refused
    with pytest.raises(ValueError, match="noisy"):
        eng.with_tables({"cramps": node.table})


def test_variants_are_cached_and_bounded(model: Model) -> None:
    from model.api import VARIANTS

    a = model.with_base_rates({"cecs": 0.2})
    assert model.with_base_rates({"cecs": 0.2}) is a
    for i in range(VARIANTS + 3):
        model.with_base_rates({"cecs": 0.01 + i / 100})
    assert len(model._variants) <= VARIANTS


def test_a_new_modifiable_factor_appears_in_the_what_if_panel(priors_copy, monkeypatch) -> None:
    """`modifiable: true` on a risk factor in a copy of priors/ puts it in the what-if panel,
    with no change to the UI."""
    import streamlit as st
    from test_app import _page, _past_red_flags

    d = priors_copy()
    path = d / "questions.yaml"
    text = path.read_text(encoding="utf-8")
    old = "{id: long_sitting_or_standing,"
    assert text.count(old) == 1
    path.write_text(text.replace(old, old + " modifiable: true,"), encoding="utf-8")
    m = load_model(priors_dir=d)
    assert "long_sitting_or_standing" in m.modifiable
    monkeypatch.setenv("HEAVYLEGS_PRIORS", str(d))
    st.cache_resource.clear()
    try:
        at = _past_red_flags(_page("runner").run(), m)
        at.button(key="rn_stop").click().run()
        at.toggle(key="rn_wi__more").set_value(True).run()  # factors not answered yet
        assert not at.exception, [e.value for e in at.exception]
        keys = [w.key or "" for w in at.select_slider]
        assert any(k.startswith("rn_wi_long_sitting_or_standing_") for k in keys), keys
    finally:
        st.cache_resource.clear()


def test_advice_is_part_of_the_knowledge_base(priors_copy) -> None:
    d = priors_copy()
    kb = load_knowledge_base(d)
    assert kb.advice is not None and set(kb.advice.causes) == {c.id for c in kb.causes}
    raw = yaml.safe_load((d / "advice.yaml").read_text(encoding="utf-8"))
    raw["advice"]["pad"]["see_someone"]["source"] = "R9999"
    (d / "advice.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(PriorsError, match=r"advice\.yaml: advice\.pad\.see_someone: source"):
        load_knowledge_base(d)
    assert main(["validate-priors", str(d)]) == 2


def test_the_model_version_covers_advice(priors_copy) -> None:
    d = priors_copy()
    before = load_knowledge_base(d).version
    path = d / "advice.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert load_knowledge_base(d).version != before


def test_assess_is_the_diagnosis_ranking_and_triage(model: Model) -> None:
    """Evaluation, real cases, batch and the operating characteristics use ``assess``: its
    causes, conflict and triage level are the full diagnosis's, unusual answers included."""
    from model.workflows.batch import score_answers
    from model.workflows.evaluate import load_vignettes

    vignettes = load_vignettes(Path(__file__).parent / "vignettes", model)
    # every 25th, and two whose answers fit the network poorly (the outside-the-model check)
    odd = {"medication_side_effect-atypical-01", "post_viral_fatigue-atypical-01"}
    sets = [dict(v.answers) for i, v in enumerate(vignettes) if i % 25 == 0 or v.id in odd]
    unusual = 0
    for answers in sets:
        d, a = model.diagnose(answers), model.assess(answers)
        assert [(c.id, c.probability) for c in a.causes] == [
            (c.id, c.probability) for c in d.causes]
        assert a.triage.level == d.triage.level and a.triage.reasons == d.triage.reasons
        assert a.conflict == d.conflict and a.log_evidence == d.log_evidence
        unusual += a.conflict.unusual
        cells = score_answers(model, model.validate(answers)[0])
        assert cells["triage"] == d.triage.level and cells["top_cause"] == d.top.id
    assert len(sets) >= 8 and unusual >= 2


# ----------------------------------------------------------------------------- hostile API input
@pytest.mark.parametrize("rate", [1e-30, 1e-300, 1e-7, 0.995, 0.9999999999999999, 1.0, 0.0,
                                  float("nan"), float("inf")])
def test_a_base_rate_outside_the_stated_range_is_an_input_error(model: Model, rate) -> None:
    with pytest.raises(InputError, match=r"cecs: .* must be a number from 1e-06 to 0\.99"):
        model.with_base_rates({"cecs": rate})


def test_the_ends_of_the_base_rate_range_solve_and_diagnose(model: Model) -> None:
    from model.kb import BASE_RATE_MAX, BASE_RATE_MIN

    for c in model.causes:
        if c.table is not None:
            continue
        for rate in (BASE_RATE_MIN, BASE_RATE_MAX):
            d = model.with_base_rates({c.id: rate}).diagnose({"age": 34, "smoker": "yes"})
            assert all(0.0 <= r.probability <= 1.0 for r in d.causes), (c.id, rate)


def test_the_intercept_is_solved_whatever_the_odds_ratios() -> None:
    """Odds ratios that push every configuration far up: the bracket follows them, so the
    marginal still equals the rate (it used to stop at [-60, 60] and raise ValueError)."""
    from dataclasses import replace

    from model.inference.network import cause_table

    kb = load_knowledge_base()
    cecs = next(c for c in kb.causes if c.id == "cecs")
    steep = replace(cecs, log_odds=np.asarray(cecs.log_odds) + 55.0)
    table, alpha = cause_table(kb, steep, "self_assessment", 1e-6)
    weights = np.ones(())
    for par in steep.parents:
        weights = np.multiply.outer(weights, kb.risk_factors[par][1])
    assert alpha < -60.0
    assert float(np.sum(weights * table[..., 1])) == pytest.approx(1e-6, rel=1e-9)


def test_numpy_numbers_are_base_rates(model: Model) -> None:
    a = model.with_base_rates({"cecs": np.float32(0.2), "dvt": np.float64(0.01)})
    assert dict(a.base_rates) == {"cecs": float(np.float32(0.2)), "dvt": 0.01}
    for bad in (True, "0.2", np.bool_(True), None):
        with pytest.raises(InputError, match="must be a number"):
            model.with_base_rates({"cecs": bad})


def test_costs_that_are_not_a_mapping_are_an_input_error(model: Model) -> None:
    for costs in ([1], "cheap", 3):
        with pytest.raises(InputError, match="costs must map examination or test finding ids"):
            model.which_test_next({"age": 34}, costs=costs)


def test_a_priors_dir_that_is_not_a_path_is_an_input_error() -> None:
    for bad in (3, ["priors"], b"priors"):
        with pytest.raises(InputError, match="priors_dir must be a folder's path"):
            load_model(priors_dir=bad)
    with pytest.raises(InputError, match="population must be text"):
        load_model(population=3)
