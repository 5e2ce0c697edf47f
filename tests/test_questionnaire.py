"""The questionnaire replay (issue 13: questions to a stable result) against the app itself
and against the stop rule it claims to follow."""

from __future__ import annotations

from pathlib import Path

import yaml
from streamlit.testing.v1 import AppTest

from model import first_screen_questions, next_to_ask
from model.workflows.questionnaire import MAX_ASKED, replay, summarise
from ui import runner

VIGNETTES = Path(__file__).parent / "vignettes"


def _answers(vid: str) -> dict:
    return yaml.safe_load((VIGNETTES / f"{vid}.yaml").read_text())["answers"]


def test_known_only_replay_asks_what_the_case_says_and_ends_where_the_policy_does(model):
    answers = _answers("cecs-typical-01")
    r = replay(model, answers, "cecs-typical-01")
    screen = set(first_screen_questions(model.kb))
    assert r.asked and len(set(r.asked)) == len(r.asked) == r.answered
    assert set(r.asked) <= set(answers) - screen
    given = {q: answers[q] for q in [*screen, *r.asked] if q in answers}
    d = model.diagnose(given)
    assert d.causes[0].id == r.top and d.triage.level == r.level
    if r.stopped:
        assert d.stop.stop
    else:  # nothing the case says is worth asking any more, or the cap
        unknown = {q.id for q in model.questions if q.id not in answers}
        assert next_to_ask(d, unknown | set(r.asked)) is None or len(r.asked) == MAX_ASKED
    assert r.top_all == model.diagnose(answers).causes[0].id


def _shown_question(at: AppTest) -> str:
    keys = [b.key for b in at.button if b.key and b.key.endswith("__unsure")]
    assert len(keys) == 1, keys
    return keys[0].removeprefix("rn_opt_").removesuffix("__unsure")


def test_the_literal_replay_asks_what_the_app_asks(model):
    """The replay is the app's own policy: the runner page, answered from the same case
    ("Not sure" where it is silent), shows the same questions in the same order."""
    vid = "benign-road-01"
    answers = _answers(vid)
    r = replay(model, answers, vid, known_only=False)
    at = AppTest.from_string("from ui.runner import render\nrender()", default_timeout=120).run()
    for qid in runner.red_flag_questions(model):
        at.radio(key=f"rn_rf_{qid}").set_value(answers.get(qid, "Not sure"))
    at.button(key="rn_rf_continue").click().run()
    if at.session_state["rn_stage"] == "triage":
        at.button(key="rn_tri_continue").click().run()
    for k in range(min(6, len(r.asked))):
        qid = _shown_question(at)
        assert qid == r.asked[k], (k, qid, r.asked[: k + 1])
        q = model.question_map[qid]
        if qid not in answers:
            at.button(key=f"rn_opt_{qid}__unsure").click().run()
        elif q.type == "number":
            at.text_input(key=f"rn_num_{qid}").input(f"{float(answers[qid]):g}")
            at.button(key=f"rn_save_{qid}").click().run()
        else:
            at.button(key=f"rn_opt_{qid}_{answers[qid]}").click().run()
        assert not at.exception


def test_summary_counts_add_up(model):
    cases = [(v, _answers(v)) for v in ("benign-road-01", "dvt-typical-01")]
    s = summarise(model, cases)
    d = s.to_dict()
    assert d["cases"] == 2 and d["max_questions"] == max(s.counts)
    assert d["mean_questions"] == sum(s.counts) / 2
    assert 0 <= d["same_top_as_all_answers"] <= 2 and "questions to a stable result" in s.text()


def test_cli_reports_questions_to_a_stable_result(tmp_path, capsys):
    import json
    import shutil

    from model.cli import main

    for v in ("benign-road-01", "dvt-typical-01"):
        shutil.copy(VIGNETTES / f"{v}.yaml", tmp_path)
    main(["evaluate", str(tmp_path), "--no-real", "--questions", "--json"])
    out = json.loads(capsys.readouterr().out)["questionnaire"]
    assert set(out) == {"known_only"} and out["known_only"]["cases"] == 2
    assert out["known_only"]["mean_questions"] > 0


def test_how_long_and_what_changed_in_training_come_after_age_and_sex(model):
    """Issue 13: the questionnaire asks what a clinician asks first, age, sex, how long it
    has been going on and what changed in training, before the fine distinctions (a runner
    walk answered 18 questions after hip pain with a big mileage rise and was never asked
    about training load: nine questions that could change the level came first)."""
    from model import HISTORY, first_screen_questions, next_to_ask

    assert HISTORY == ("symptom_weeks", "weekly_distance_change_pct")
    signs = {q: "no" for q in first_screen_questions(model.kb)
             if "no" in model.question_map[q].states}
    answers = {**signs, "swelling": "none"}
    asked = []
    for _ in range(4):
        qid = next_to_ask(model.diagnose(answers))
        asked.append(qid)
        q = model.question_map[qid]
        answers[qid] = q.min if q.type == "number" else q.states[0]
    assert asked == ["age", "sex", *HISTORY]
    d = model.diagnose(answers)
    assert next_to_ask(d) not in ("age", "sex", *HISTORY)
    # declined ("not sure"), a history question is not asked again
    d0 = model.diagnose({**signs, "swelling": "none", "age": 30, "sex": "male"})
    assert next_to_ask(d0, skip={"symptom_weeks"}) == "weekly_distance_change_pct"
    # a sign present still brings its follow-up questions first
    swollen = model.diagnose({**signs, "swelling": "one_leg"})
    assert next_to_ask(swollen) in swollen.triage.follow_up
