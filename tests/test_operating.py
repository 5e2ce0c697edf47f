"""The triage's operating characteristics on runners sampled from the model (issue 14)."""

from __future__ import annotations

import numpy as np

from model.workflows.calibration import synthetic_runners
from model.workflows.operating import levels_for, run, sample_answers


def test_counts_are_consistent(model):
    oc = run(model, n=300, seed=5)
    assert oc.n == 300 == int(oc.levels.sum())
    assert 0 < oc.no_medical < 300
    assert 0 <= oc.no_medical_referred <= oc.no_medical
    for row in oc.serious:
        assert 0 <= row.at_level <= row.present
        if row.sign_level:  # a lower level is reached at least as often as the row's own
            assert row.at_level <= row.at_sign_level <= row.present
    heart = next(r for r in oc.serious if r.cause == "heart_condition")
    assert heart.sign_level == "see_doctor"
    assert "sent to a professional" in oc.table()
    assert "at least see_doctor (its level without a sign)" in oc.table()


def test_levels_equal_the_public_diagnosis(model):
    """The sampling study's levels are the diagnosis's, the outside-the-model rule included
    (they once left it out)."""
    runners = synthetic_runners(model, 30, 11)
    answers = sample_answers(model, runners, 12, 11)
    levels = levels_for(model, answers)
    for a, lv in zip(answers, levels, strict=True):
        assert model.diagnose(a).triage.level == lv
    assert len(set(levels)) >= 2  # not one level for everyone


def test_every_runner_answers_the_warning_signs(model):
    from model.reasoning.triage import first_screen_questions

    runners = synthetic_runners(model, 20, 3)
    answers = sample_answers(model, runners, 12, 3)
    signs = set(first_screen_questions(model.kb))
    for a in answers:
        assert signs <= set(a)
        assert len(a) == len(signs) + 12
    assert len({tuple(sorted(a)) for a in answers}) > 1  # the random questions vary
    assert np.all([model.validate(a)[1] == [] for a in answers])
