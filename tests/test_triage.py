"""Triage that listens to the model (issue 14): red flags at their level whatever else is
answered, the model's own suspicion, the outside-the-model rule, honest wording, the stop rule
that watches the triage."""

from __future__ import annotations

import random

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from model import LEVELS, PriorsError, load_model, plain
from model.kb import load_knowledge_base
from model.reasoning import texts
from model.reasoning.diagnose import STOP_TRIAGE_CHANGE
from model.reasoning.evidence import applies, value_for_state
from model.reasoning.triage import (
    LevelLookahead,
    escalations,
    first_screen_questions,
    follow_up_questions,
    level_of,
    rule_questions,
    rule_status,
    triage,
    unknown_raise_lines,
)


def _answer_strategy(model, max_answers=12):
    """Any subset of up to ``max_answers`` valid answers (numbers within their range), the
    runner's and the clinician's (tests/test_properties.py, MAX_ANSWERS)."""
    values = {
        q.id: st.integers(int(q.min), int(q.max)) if q.type == "number"
        else st.sampled_from(list(q.states))
        for q in model.questions
    }

    @st.composite
    def draw_set(draw):
        ids = draw(st.lists(st.sampled_from(sorted(values)), unique=True, max_size=max_answers))
        return {qid: draw(values[qid]) for qid in ids}

    return draw_set()


MODEL = load_model()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_answer_strategy(MODEL))
def test_a_cause_past_its_threshold_sets_at_least_its_level(answers):
    """Property: whenever P(cause) passes its threshold, the level is at least its level (the
    contract); for a row with ``without_sign``, from that block's lower threshold, the row's
    level once one of its signs is answered and at least the block's level while none is;
    every red-flag rule that holds sets at least its level, whatever else is answered."""
    d = MODEL.assess(answers)  # the diagnosis's causes and triage (tests/test_seams.py)
    level = LEVELS.index(d.triage.level)
    probs = {c.id: c.probability for c in d.causes}
    clean = MODEL.validate(answers)[0]
    for e in escalations(MODEL.kb):
        p, ws = probs[e.cause], e.without_sign
        if p >= e.threshold:
            need = e.level
        elif ws and p >= ws.threshold:
            signed = any(all(clean.get(q) == v for q, v in c.items()) for c in ws.signs)
            need = e.level if signed else ws.level
        else:
            continue
        assert level >= LEVELS.index(need), (e.cause, p, d.triage.level)
        assert e.cause in d.triage.escalated
    for rule in MODEL.kb.red_flags:
        if rule_status(rule, MODEL.validate(answers)[0]):
            assert level >= LEVELS.index(rule.level), rule.id
            assert rule.id in d.triage.red_flags
    top = d.causes[0].id
    about_top = {r.id for r in MODEL.kb.red_flags if top in r.about}
    assert not about_top & set(d.triage.ruled_out)


@pytest.mark.parametrize("rule", MODEL.kb.red_flags, ids=lambda r: r.id)
def test_every_red_flag_fires_at_its_level_over_random_other_answers(rule):
    """Each rule's own answers plus 10 random other answers: at least the rule's level."""
    rng = random.Random(rule.id)
    qs = [q for q in MODEL.questions if q.id not in rule.all]
    for _ in range(4):
        answers = {}
        for q in rng.sample(qs, 10):
            answers[q.id] = (
                rng.randint(int(q.min), int(q.max)) if q.type == "number" else rng.choice(q.states)
            )
        for qid, cond in rule.all.items():
            answers[qid] = cond if isinstance(cond, str) else cond[0]
        if rule.any:
            for qid, cond in rule.any[0].items():
                answers[qid] = cond if isinstance(cond, str) else cond[0]
        d = MODEL.assess(answers)
        assert LEVELS.index(d.triage.level) >= LEVELS.index(rule.level)


def test_triage_uses_the_point_probability_not_a_rounding(model):
    kb = model.kb
    e = next(x for x in escalations(kb) if x.cause == "dvt")
    just_below = {c.id: 0.0 for c in kb.causes} | {"dvt": e.threshold - 1e-12}
    at = just_below | {"dvt": e.threshold}
    assert triage(kb, {}, just_below).level == "self_care"
    assert triage(kb, {}, at).level == e.level


def test_contract_levels_of_serious_causes(model):
    """Contract v2: dvt to urgent; every other medical cause (own row or medical_rule) to
    see_doctor at least; every escalation row states its costs and a decision threshold."""
    rows = {e.cause: e for e in escalations(model.kb)}
    assert rows["dvt"].level == "urgent"
    for c in model.causes:
        if c.group == "medical":
            assert c.id in rows
            assert LEVELS.index(rows[c.id].level) >= 1
    for e in model.kb.escalations:
        assert 0 < e.decision_threshold < 1
        assert e.threshold <= 2 * e.decision_threshold + 0.05, e.cause
        if e.without_sign:  # the lower threshold follows its own costs too
            ws = e.without_sign
            decision = ws.false_alarm_cost / (ws.false_alarm_cost + ws.miss_cost)
            assert ws.threshold <= 2 * decision + 0.05 and ws.threshold < e.threshold


def test_unknown_warning_signs_are_never_called_absent(model):
    d = model.diagnose({"age": 30, "sex": "male", "warmup": "none"})
    assert d.triage.level == "self_care"
    text = " ".join(d.triage.reasons)
    assert "not answered" in text and "unknown" in text
    assert "no red flag" not in text.lower()
    signs = first_screen_questions(model.kb)  # the first screen: what "unknown" counts
    all_no = {q: "no" if q != "swelling" else "none" for q in signs}
    d2 = model.diagnose({"age": 30, "sex": "male", "warmup": "none", **all_no})
    assert not d2.triage.unknown_warning_signs
    assert "None of the warning signs" in " ".join(d2.triage.reasons)


def test_warning_signs_exclude_risk_factors_that_need_a_sign(model):
    """The first screen asks signs that act alone; travel matters only with a swollen leg."""
    signs = first_screen_questions(model.kb)
    assert "recent_travel_or_surgery" not in signs
    assert "calf_warm_red_tender" in signs and "chest_pain_or_fainting" in signs


def test_ruled_out_never_names_a_rule_about_the_top_cause(model):
    d = model.diagnose({"swelling": "one_leg", "recent_travel_or_surgery": "no",
                        "calf_warm_red_tender": "no", "legs_affected": "one"})
    top = d.causes[0].id
    for rid in d.triage.ruled_out:
        rule = next(r for r in model.kb.red_flags if r.id == rid)
        assert top not in rule.about


def test_every_result_says_whether_to_keep_running(model):
    for answers in ({"age": 30}, {"swelling": "one_leg"}, {"calf_warm_red_tender": "yes"},
                    {"chest_pain_or_fainting": "yes"}):
        tri = model.diagnose(answers).triage
        assert tri.running
        if tri.level in ("urgent", "emergency"):
            assert "stop" in tri.running.lower()


def test_stop_is_not_offered_while_the_triage_could_change(model):
    """The stop banner never appears while an unanswered question has more than the stated
    chance of changing the level; then the triage is labelled 'so far'."""
    seen_open = False
    for answers in ({"age": 28, "sex": "female", "lower_leg_tightness_burning": "yes"},
                    {"age": 55, "smoker": "yes"}, {"swelling": "one_leg"},
                    {"age": 25, "rest_days_per_week": 0, "sleep_hours": 6}):
        d = model.diagnose(answers)
        if d.triage.change_chance > STOP_TRIAGE_CHANGE:
            seen_open = True
            assert not d.stop.stop and d.triage.so_far and d.triage.change_questions
        if d.stop.stop:
            assert d.triage.change_chance <= STOP_TRIAGE_CHANGE or d.triage.level in (
                "urgent", "emergency") or not d.next_questions
    assert seen_open


def _change_chances(model, answers, d):
    """Each unanswered question's chance of changing the level, computed directly: every
    answer's own posterior (an assessment of the answers with it), the full triage on it,
    weighted by P(answer)."""
    from model.reasoning.evidence import value_for_state

    out = {}
    asked = [g for g in d.next_questions if g.outcomes]  # the questions that apply
    for g in asked:
        q = model.question_map[g.id]
        chance = 0.0
        for o in g.outcomes:
            if o.probability <= 1e-9:
                continue
            after = model.assess({**answers, q.id: value_for_state(q, o.answer)})
            probs = {c.id: c.probability for c in after.causes}
            lvl = triage(model.kb, dict(model.validate({**answers, q.id: value_for_state(
                q, o.answer)})[0]), probs, unusual=d.conflict.unusual,
                top_cause=after.causes[0].id, unexplained=d.triage.unexplained).level
            chance += o.probability * (lvl != d.triage.level)
        out[g.id] = chance
    return out


@pytest.mark.parametrize("answers", [
    {"age": 28, "sex": "female", "lower_leg_tightness_burning": "yes"},
    {"age": 30},
])
def test_triage_change_chance_is_exact(model, answers):
    """The chance, and the questions above the stop rule's limit (likeliest first), equal a
    direct computation over every unanswered question that applies, not only the most
    informative ones: three months of heaviness sends to a doctor, and how long it has lasted
    is not among the six most informative questions for a 30-year-old."""
    d = model.diagnose(answers)
    assert d.triage.level in ("self_care", "see_doctor")
    chances = _change_chances(model, answers, d)
    assert d.triage.change_chance == pytest.approx(max(chances.values()), abs=1e-9)
    above = sorted((q for q, c in chances.items() if c > STOP_TRIAGE_CHANGE),
                   key=lambda q: -chances[q])
    assert set(d.triage.change_questions) == set(above)
    got = [chances[q] for q in d.triage.change_questions]
    assert got == sorted(got, reverse=True)
    assert max(chances.values()) > STOP_TRIAGE_CHANGE


def test_the_questionnaire_asks_what_could_change_the_triage_first(model):
    """When an answer could change the level, that question comes before the most
    informative one (a runner who stops early is not left with an unsettled level); with
    it answered "not sure", the next such question."""
    from model.reasoning import next_to_ask

    answers = {"age": 30, "sex": "male"}
    d = model.diagnose(answers)
    # how long and what changed in training come first (the history, issue 13) ...
    assert next_to_ask(d) == "symptom_weeks" == d.triage.change_questions[0]
    assert next_to_ask(d, skip={"symptom_weeks"}) == "weekly_distance_change_pct"
    # ... then what could change the level, before the most informative question
    answers = {**answers, "symptom_weeks": 2, "weekly_distance_change_pct": 0}
    d = model.diagnose(answers)
    assert "symptom_weeks" not in d.triage.change_questions
    first = d.triage.change_questions[0]
    assert first != d.next_questions[0].id  # it is not the most informative question
    assert next_to_ask(d) == first
    assert next_to_ask(d, skip={first}) == d.triage.change_questions[1]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_answer_strategy(MODEL, 15), seed=st.integers(0, 2**32 - 1),
       unusual=st.booleans(), unexplained=st.floats(0, 1))
def test_the_level_alone_equals_the_triages_level(answers, seed, unusual, unexplained):
    """``level_of`` (the lookahead's) equals ``triage(...).level`` for any answers and any
    probabilities, including ones at and around each escalation's thresholds."""
    rng = random.Random(seed)
    clean = MODEL.validate(answers)[0]
    cuts = [t for e in escalations(MODEL.kb) for t in (e.threshold, e.without_sign.threshold
                                                        if e.without_sign else e.threshold)]
    probs = {c.id: rng.choice([rng.random(), rng.choice(cuts), 0.0])
             for c in MODEL.kb.causes}
    want = triage(MODEL.kb, clean, probs, unusual=unusual, unexplained=unexplained).level
    assert level_of(MODEL.kb, clean, probs, unusual=unusual, unexplained=unexplained) == want


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_answer_strategy(MODEL, 15), more=_answer_strategy(MODEL, 2),
       seed=st.integers(0, 2**32 - 1), unusual=st.booleans(), unexplained=st.floats(0, 1))
@example(answers={"palpitations": "no"}, more={"dark_cola_urine": "yes"}, seed=1,
         unusual=False, unexplained=0.0)  # a rule that starts to hold
@example(answers={"sex": "female", "hormonal_contraception": "yes", "swelling": "one_leg"},
         more={"sex": "male"}, seed=2, unusual=False, unexplained=0.0)  # the pill stops applying
@example(answers={"calf_warm_red_tender": "yes", "palpitations": "yes"},
         more={"calf_warm_red_tender": "no"}, seed=3, unusual=True, unexplained=0.0)  # changed
def test_the_lookahead_level_equals_level_of(answers, more, seed, unusual, unexplained):
    """``LevelLookahead`` (the stop rule's, reading again only the rules an answer touches)
    equals ``level_of`` on the base answers with up to two answers added or changed, the
    answers that stop applying dropped (a sex after the pill) and probabilities at and
    around each escalation's thresholds; and on the base answers themselves."""
    rng = random.Random(seed)
    kb = MODEL.kb
    base = MODEL.validate(answers)[0]
    base = {k: v for k, v in base.items() if applies(MODEL.question_map[k], base)}
    given_ = {**base, **MODEL.validate(more)[0]}
    after = {k: v for k, v in given_.items() if applies(MODEL.question_map[k], given_)}
    cuts = [t for e in escalations(kb) for t in (e.threshold, e.without_sign.threshold
                                                 if e.without_sign else e.threshold)]
    causes = [c.id for c in kb.causes]
    probs = [rng.choice([rng.random(), rng.choice(cuts), 0.0]) for _ in causes]
    ahead = LevelLookahead(kb, base, causes, unusual=unusual, unexplained=unexplained)
    for answers_now in (after, base):
        want = level_of(kb, answers_now, dict(zip(causes, probs, strict=True)),
                        unusual=unusual, unexplained=unexplained)
        assert ahead.level(answers_now, probs) == want


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_answer_strategy(MODEL, 15), seed=st.integers(0, 2**32 - 1))
def test_an_unanswered_sign_that_would_raise_the_level_is_named(answers, seed):
    """``Triage.unknown_raises``: every unanswered warning sign whose answer, with the
    answers given (the probabilities held), would raise the level above the level now and
    above that answer's own level is listed with the answer that raises it most and the
    level it gives; no other is. (A runner walk: "not sure" to palpitations, then
    dizziness: yes to both is an emergency, and only "1 warning sign was not answered"
    said so; palpitations alone are urgent, which the first screen asked them for.)"""
    rng = random.Random(seed)
    kb = MODEL.kb
    clean = MODEL.validate(answers)[0]
    probs = {c.id: rng.choice([rng.random() * 0.2, 0.0]) for c in kb.causes}
    t = triage(kb, clean, probs)
    listed = {q: (a, lv) for q, a, lv in t.unknown_raises}
    open_ = set(t.unknown_warning_signs) | set(follow_up_questions(kb, clean))
    assert set(listed) <= open_
    for qid in sorted(open_):
        q = MODEL.question_map[qid]
        if q.type == "number":  # not named by a band: asked (age after a cold foot)
            assert qid not in listed
            continue
        levels = {}
        for state in q.states:
            with_it = {**clean, qid: value_for_state(q, state)}
            own = triage(kb, {qid: value_for_state(q, state)}, {}).level
            lv = triage(kb, with_it, probs).level
            if applies(q, with_it) and LEVELS.index(lv) > max(map(LEVELS.index, (own, t.level))):
                levels[state] = lv
        if levels:
            answer, level = listed[qid]
            assert level == levels[answer] == max(levels.values(), key=LEVELS.index)
        else:
            assert qid not in listed


def test_palpitations_unanswered_after_dizziness_would_be_an_emergency():
    """The runner walk's case: palpitations left unanswered, dizziness yes."""
    answers = {"age": 45, "sex": "female", "dizziness": "yes"}
    t = triage(MODEL.kb, answers, {c.id: 0.0 for c in MODEL.kb.causes})
    assert t.level != "emergency"
    assert ("palpitations", "yes", "emergency") in t.unknown_raises
    assert triage(MODEL.kb, {**answers, "palpitations": "yes"}, {}).level == "emergency"
    told = triage(MODEL.kb, {**answers, "palpitations": "no"}, {})
    assert "palpitations" not in {q for q, _, _ in told.unknown_raises}
    # the mirror (a re-walk): palpitations yes, dizziness not answered
    mirror = triage(MODEL.kb, {"age": 45, "sex": "female", "palpitations": "yes"}, {})
    assert mirror.level == "urgent"
    assert ("dizziness", "yes", "emergency") in mirror.unknown_raises


def test_only_the_named_questions_change_the_rules(model):
    """The lookahead skips the rules for an answer no rule names: every question a rule or
    an escalation's sign names is in ``rule_questions``, and an answer to any other question
    leaves every rule's status as it was."""
    named = rule_questions(model.kb)
    signs = {q for e in escalations(model.kb) if e.without_sign
             for c in e.without_sign.signs for q in c}
    assert signs and signs <= named  # a heart suspicion's signs (breathlessness, ...)
    rules = (*model.kb.red_flags, *model.kb.amber_flags)
    rng = random.Random(7)
    for _ in range(200):
        qs = rng.sample(list(model.questions), 8)
        answers = {q.id: (q.min if q.type == "number" else rng.choice(q.states)) for q in qs}
        other = rng.choice([q for q in model.questions if q.id not in named])
        more = {**answers, other.id: other.max if other.type == "number" else other.states[-1]}
        assert [rule_status(r, answers) for r in rules] == [rule_status(r, more) for r in rules]


@pytest.mark.parametrize("answers", [
    {"age": 30, "sex": "male"},
    {"age": 62, "sex": "male", "calf_pain_walking": "yes"},
    {"age": 35, "sex": "male", "palpitations": "yes"},
    {"age": 28, "sex": "female", "swelling": "one_leg"},
])
def test_the_band_shortcut_changes_no_chance(model, answers, monkeypatch):
    """The lookahead skips the rules for an answer no rule names whose probabilities cross
    no escalation threshold; with the shortcut off (every answer through the full level)
    the chances and the questions are the same."""
    from model.reasoning import diagnose as dg

    fast = model.diagnose(answers).triage
    monkeypatch.setattr(dg, "_same_bands", lambda ahead, p, now: False)
    slow = load_model().diagnose(answers).triage
    assert slow.change_chance == pytest.approx(fast.change_chance, abs=1e-12)
    assert slow.change_questions == fast.change_questions


def test_outside_model_raises_to_see_doctor(model):
    kb = model.kb
    probs = {c.id: 0.0 for c in kb.causes}
    tri = triage(kb, {}, probs, unusual=True)
    assert tri.level == kb.outside_model.level == "see_doctor"
    assert tri.outside_model and any("does not cover" in r for r in tri.reasons)


def test_bad_escalation_rows_are_refused_with_the_fix(priors_copy):
    copy = priors_copy()
    path = copy / "triage.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["escalation"][0]["cause"] = "dvtt"
    data["escalation"][1]["level"] = "self_care"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(PriorsError) as exc:
        load_knowledge_base(copy)
    text = "\n".join(exc.value.problems)
    assert "'dvtt' is not a cause" in text and "did you mean 'dvt'" in text
    assert "use see_doctor, urgent or emergency" in text
    data["escalation"][0]["cause"] = "dvt"
    data["escalation"][1]["level"] = "see_doctor"
    data["escalation"][2]["costs"] = {"miss": 0, "false_alarm": 1}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(PriorsError) as exc:
        load_knowledge_base(copy)
    assert any("escalation.2.costs.miss: a cost must be a positive number" in p
               for p in exc.value.problems)


def test_palpitations_raise_a_suspected_heart_condition_to_urgent(model):
    """The brief's disposition (clinical-v2.md §3c): palpitations -> urgent, not emergency
    (palpitations alone are not a red flag); the veteran marathoner with AF is no longer told
    self-care."""
    alone = model.assess({"age": 58, "palpitations": "yes"})
    assert alone.triage.level == "urgent"
    assert any("ECG" in r for r in alone.triage.reasons)
    assert model.assess({"age": 58, "palpitations": "no"}).triage.level != "urgent"
    with_dizziness = model.assess({"palpitations": "yes", "dizziness": "yes"})
    assert with_dizziness.triage.level == "emergency"  # the red flag still decides


def test_a_sign_brings_its_follow_up_questions_first(model):
    """After one swollen leg a clinician asks about travel, the pill, pregnancy and earlier
    clots (brief row 2); the pill and pregnancy only of a woman; age alone opens nothing."""
    woman = model.diagnose({"age": 28, "sex": "female", "swelling": "one_leg"}).triage
    assert woman.level == "urgent"  # one swollen leg: same day (brief row 2)
    assert {"recent_travel_or_surgery", "hormonal_contraception",
            "pregnant_or_recently_pregnant", "previous_blood_clot"} <= set(woman.follow_up)
    man = model.diagnose({"age": 28, "sex": "male", "swelling": "one_leg"}).triage
    assert "previous_blood_clot" in man.follow_up
    assert not {"hormonal_contraception", "pregnant_or_recently_pregnant"} & set(man.follow_up)
    assert model.diagnose({"age": 28, "sex": "male"}).triage.follow_up == ()
    # sex not yet known: it is asked before the pill and pregnancy, which it decides
    unknown = model.diagnose({"swelling": "one_leg"}).triage.follow_up
    assert unknown.index("sex") < unknown.index("hormonal_contraception")
    assert unknown.index("sex") < unknown.index("pregnant_or_recently_pregnant")


def test_urgent_is_not_final_while_an_answer_could_make_it_an_emergency(model):
    """Palpitations alone are urgent (an ECG); with dizziness they are an emergency (brief
    row 18), so the stop rule asks dizziness before inviting the runner to stop."""
    d = model.diagnose({"age": 35, "sex": "male", "palpitations": "yes"})
    assert d.triage.level == "urgent" and d.triage.follow_up[0] == "dizziness"
    assert d.triage.change_chance > STOP_TRIAGE_CHANGE
    assert not d.stop.stop and d.triage.so_far
    both = model.diagnose({"age": 35, "sex": "male", "palpitations": "yes", "dizziness": "yes"})
    assert both.triage.level == "emergency" and both.stop.stop


def test_a_rule_can_say_stop_running_below_urgent(model):
    """A suspected stress fracture is see_doctor (within a week) but means no running until
    seen; the generic 'easy running is fine' must not contradict the reason."""
    tri = model.diagnose({"age": 30, "bone_tender_spot": "yes"}).triage
    assert tri.level == "see_doctor"
    assert tri.running.lower().startswith("stop running")
    assert "easy running is fine" not in tri.running


def test_answers_no_cause_explains_are_outside_the_model(model):
    """When the leaks explain most of the answers (P(no cause of the model) >= the
    threshold in triage.yaml) the level is at least see_doctor and the result says that
    something the model does not cover may be going on; below it nothing changes."""
    kb = model.kb
    probs = {c.id: 0.0 for c in kb.causes}
    cut = kb.outside_model.unexplained
    assert 0 < cut <= 0.5
    high = triage(kb, {}, probs, unexplained=cut)
    assert high.level == kb.outside_model.level == "see_doctor" and high.outside_model
    assert any("does not cover" in r for r in high.reasons)
    low = triage(kb, {}, probs, unexplained=cut - 0.01)
    assert low.level == "self_care" and not low.outside_model
    ev = model.likelihoods({"age": 30}, {})
    none = model.engine.none_present(model.engine.posterior(ev), ev)
    assert model.diagnose({"age": 30}).triage.unexplained == pytest.approx(none, abs=1e-12)
    assert model.assess({"age": 30}).triage.unexplained == pytest.approx(none, abs=1e-12)


@pytest.mark.parametrize(
    ("qid", "level", "cause"),
    [
        ("extreme_muscle_pain_or_little_urine", "emergency", "rhabdomyolysis"),  # brief row 5
        ("stroke_like_signs", "emergency", "neurological_condition"),  # row 12, sudden onset
        ("vision_balance_with_heat", "see_doctor", "neurological_condition"),  # row 12
        ("groin_or_hip_pain", "urgent", "bone_stress_injury"),  # clinical-v2 row 20
    ],
)
def test_the_briefs_rows_beyond_the_contract(model, qid, level, cause):
    """The questions added for the brief's rows 5, 12 and 20 set their row's level on their
    own, raise their cause's probability, and a "no" sets nothing."""
    base = {"age": 35, "sex": "female"}
    yes = model.diagnose({**base, qid: "yes"})
    no = model.diagnose({**base, qid: "no"})
    assert yes.triage.level == level
    assert no.triage.level == "self_care"
    p = model.diagnose(base).probability(cause)
    assert yes.probability(cause) > p > no.probability(cause)


def test_groin_pain_says_stop_running_and_limit_weight_bearing(model):
    t = model.diagnose({"groin_or_hip_pain": "yes"}).triage
    assert t.running.startswith("Stop running") and "Limit walking and standing" in t.running
    assert t.act_first


def test_one_painful_calf_after_travel_is_same_day(model):
    """Brief row 2 (one painful calf, especially after travel): symptoms in one lower leg
    with travel or surgery in the last 8 weeks are urgent; without the travel they are not."""
    calf = {"age": 40, "legs_affected": "one", "symptom_location": "lower_leg"}
    assert model.diagnose({**calf, "recent_travel_or_surgery": "yes"}).triage.level == "urgent"
    no_travel = model.diagnose({**calf, "recent_travel_or_surgery": "no"}).triage
    assert "one_calf_after_travel" not in " ".join(no_travel.reasons)
    assert no_travel.level != "urgent"


def test_statin_cramps_see_a_doctor(model):
    """EAS 2015 counts cramps among statin muscle symptoms (CHANGELOG 11)."""
    base = {"age": 55, "medication": "statin"}
    assert model.diagnose({**base, "cramps": "yes"}).triage.level == "see_doctor"
    assert any("statin" in r for r in model.diagnose({**base, "cramps": "yes"}).triage.reasons)
    assert not any("statin" in r for r in model.diagnose({**base, "cramps": "no"}).triage.reasons)


def test_heaviness_for_three_months_sees_a_doctor(model):
    """The self-care row re-checks after 2-3 weeks and overreaching recovers within weeks
    [R35]: heaviness for 12 weeks or more needs a professional's look (CHANGELOG 14); 11
    weeks alone does not."""
    base = {"age": 30, "sex": "female", "legs_affected": "both"}
    long = model.diagnose({**base, "symptom_weeks": 12}).triage
    assert long.level == "see_doctor"
    assert any("three months" in r for r in long.reasons)
    short = model.diagnose({**base, "symptom_weeks": 11}).triage
    assert not any("three months" in r for r in short.reasons)


def test_age_alone_is_never_same_day(model):
    """A runner's age with no other answer never sends them to same-day care (CHANGELOG 20-21:
    with the literature's AF gradient the heart condition passes its 0.03 threshold on age
    alone from 60; without a sign of the heart that is an ECG within days)."""
    for age in (18, 30, 45, 55, 62, 69, 70, 78, 90):
        t = model.diagnose({"age": age}).triage
        assert t.level in ("self_care", "see_doctor"), (age, t.reasons)
    old = model.diagnose({"age": 78}).triage
    assert old.level == "see_doctor" and "heart_condition" in old.escalated
    assert any("within days" in r and "ECG" in r for r in old.reasons)


def test_a_sign_of_the_heart_makes_the_suspicion_same_day(model):
    """The heart condition's escalation (triage.yaml, without_sign): the same suspicion is
    `urgent` once a sign is answered (breathlessness, palpitations, dizziness, chest
    symptoms), `see_doctor` while none is, and nothing when the probability falls below the
    threshold; swollen ankles alone are not a same-day sign (NICE NG106)."""
    row = next(e for e in escalations(model.kb) if e.cause == "heart_condition")
    low = row.without_sign
    assert row.level == "urgent" and low.level == "see_doctor" and low.threshold < row.threshold
    base = {"age": 78, "performance_declining": "yes"}
    for sign in ({"breathless_easily": "yes"}, {"dizziness": "yes"}):
        d = model.diagnose(base | sign)
        assert d.probability("heart_condition") >= low.threshold
        assert d.triage.level == "urgent" and "heart_condition" in d.triage.escalated, sign
    quiet = model.diagnose(base)
    assert low.threshold <= quiet.probability("heart_condition") < row.threshold
    assert quiet.triage.level == "see_doctor" and "heart_condition" in quiet.triage.escalated
    # past the row's own threshold (the contract's) the level is urgent with no sign at all
    from model.reasoning.triage import triage as triage_of

    probs = {c.id: 0.0 for c in model.causes}
    assert triage_of(model.kb, {}, probs | {"heart_condition": row.threshold}).level == "urgent"
    below = triage_of(model.kb, {}, probs | {"heart_condition": row.threshold - 1e-9})
    assert below.level == "see_doctor"
    assert triage_of(model.kb, {}, probs | {"heart_condition": low.threshold - 1e-9}).level \
        == "self_care"
    ankles = model.diagnose(base | {"swelling": "both_legs"})
    assert ankles.triage.level == "see_doctor", ankles.triage.reasons
    # the reason said is the tier's own: no "today" for a visit within days
    assert not any("today" in r for r in quiet.triage.reasons if "heart" in r.lower())


def test_a_suspicion_held_without_a_sign_asks_for_the_signs_next(model):
    """A heart suspicion at its without-sign level puts its unanswered signs among the
    follow-up questions (asked before anything else, and watched by the stop rule); once a
    sign is answered yes, or the suspicion is gone, they are not added."""
    from model.reasoning.diagnose import next_to_ask

    d = model.diagnose({"age": 76, "endurance_years": 30, "palpitations": "no",
                        "chest_pain_or_fainting": "no"})
    assert d.triage.level == "see_doctor" and "heart_condition" in d.triage.escalated
    assert {"breathless_easily", "dizziness"} <= set(d.triage.follow_up)
    assert not {"palpitations", "chest_pain_or_fainting"} & set(d.triage.follow_up)
    assert next_to_ask(d) in ("breathless_easily", "dizziness")
    signed = model.diagnose({"age": 76, "breathless_easily": "yes"})
    assert signed.triage.level == "urgent" and "dizziness" not in signed.triage.follow_up
    assert "breathless_easily" not in model.diagnose({"age": 30}).triage.follow_up


def test_bad_without_sign_rows_are_refused_with_the_fix(priors_copy):
    copy = priors_copy()
    path = copy / "triage.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    row = next(r for r in data["escalation"] if r["cause"] == "heart_condition")
    row["without_sign"]["level"] = "urgent"
    row["without_sign"]["threshold"] = row["threshold"]
    row["without_sign"]["signs"].append({"palpitatons": "yes"})
    row["without_sign"]["signs"].append({"dizziness": "sometimes"})
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(PriorsError) as exc:
        load_knowledge_base(copy)
    text = "\n".join(exc.value.problems)
    assert "without_sign.level: 'urgent'; use a level from see_doctor up to below 'urgent'" \
        in text
    assert "without_sign.threshold: 0.5; use a threshold below the row's own" in text
    assert "unknown question 'palpitatons'" in text and "palpitations" in text
    assert "'sometimes' is not an answer" in text
    row["without_sign"]["level"] = "self_care"  # never below a doctor: it is an escalation
    row["without_sign"]["threshold"] = 0.03
    row["without_sign"]["signs"] = [{"palpitations": "yes"}]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(PriorsError) as exc:
        load_knowledge_base(copy)
    assert any("without_sign.level: 'self_care'" in p for p in exc.value.problems)


def test_urgent_running_advice_keeps_only_the_urgent_rules_words(model):
    """A lower rule's "cycling or swimming is fine" must not follow a same-day level."""
    t = model.diagnose({"groin_or_hip_pain": "yes", "bone_tender_spot": "yes"}).triage
    assert t.level == "urgent" and "Limit walking and standing" in t.running
    assert "cycling or swimming" not in t.running
    alone = model.diagnose({"age": 30, "bone_tender_spot": "yes"}).triage
    assert alone.running.count("Stop running") == 1  # the rule and the escalation agree


def test_the_causes_a_warning_sign_points_to_are_flagged(model) -> None:
    """Triage.flagged: the causes of the fired rules, red flag or amber (a warm calf and one
    swollen leg: DVT; groin or hip pain: a bone stress injury), in the JSON too; none without a
    sign. The reasons never carry the maintainers' pointers to the brief's rows."""
    warm = model.diagnose({"calf_warm_red_tender": "yes"}).triage
    assert warm.flagged == ("dvt",) and warm.to_dict()["flagged_causes"] == ["dvt"]
    assert model.diagnose({"swelling": "one_leg"}).triage.flagged == ("dvt",)
    assert "bone_stress_injury" in model.diagnose({"groin_or_hip_pain": "yes"}).triage.flagged
    assert model.diagnose({"calf_warm_red_tender": "no"}).triage.flagged == ()
    for rule in (*model.kb.red_flags, *model.kb.amber_flags):
        assert "(brief" in rule.reason or "brief" not in rule.reason  # what plain() removes
        d = model.diagnose({q: v for q, v in rule.all.items() if isinstance(v, str)})
        assert not any("brief" in x for x in d.triage.reasons), rule.id
        assert "brief" not in d.triage.running, rule.id


def test_an_act_first_level_shows_only_the_reasons_that_ask_for_it(model) -> None:
    """Chest pain is an emergency; the heart and post-viral suspicions it also raises ask
    for less ("possible (8%): ... before hard running"), which under "call an ambulance"
    reads as reassurance: not shown to the runner there. Every warning sign that fired is
    shown whatever its level (a review found an urgent calf sign hidden under an emergency)."""
    signs = {q: ("no" if "no" in model.question_map[q].states else "none")
             for q in first_screen_questions(model.kb)}
    t = model.diagnose({**signs, "chest_pain_or_fainting": "yes", "age": 45}).triage
    assert t.level == "emergency"
    assert len(t.reason_levels) == len(t.reason_kinds) == len(t.reasons)
    lower = [r for r, lv, k in zip(t.reasons, t.reason_levels, t.reason_kinds, strict=True)
             if k == "suspicion" and lv != "emergency"]
    assert lower  # the suspicions are there (the physio's bench and the JSON keep them)
    assert t.reasons_shown and not set(lower) & set(t.reasons_shown)
    assert t.to_dict()["reason_levels"] == list(t.reason_levels)
    assert t.to_dict()["reason_kinds"] == list(t.reason_kinds)
    # an urgent warning sign under an emergency one: both shown
    both = model.diagnose({"sudden_severe_leg_pain": "yes", "calf_warm_red_tender": "yes",
                           "age": 45, "sex": "female"}).triage
    assert both.level == "emergency" and len(both.red_flags) == 2
    signs_fired = [r for r, k in zip(both.reasons, both.reason_kinds, strict=True)
                   if k == "red_flag"]
    assert len(signs_fired) == 2 and set(signs_fired) <= set(both.reasons_shown)
    # below urgent every reason is shown
    mild = model.diagnose({"age": 30, "shin_or_joint_pain": "yes", "legs_affected": "one"}).triage
    assert not mild.act_first and mild.reasons_shown == mild.reasons


def test_a_red_flag_is_never_silenced_by_an_amber_rule_and_an_any_counts(model):
    """The more specific rule may add an ``any`` of its own (one swollen leg on the pill);
    a red flag's words are hidden only behind another red flag; a rule about no cause is
    never hidden; the report lists what the screen lists."""
    from model.workflows.report import build_report

    pill = model.assess({"swelling": "one_leg", "sex": "female",
                         "hormonal_contraception": "yes"}).triage
    assert "one_leg_swelling" in pill.subsumed
    assert not any("without travel" in r for r in pill.reasons)
    red = {r.id for r in model.kb.red_flags}
    rules = {r.id: r for r in (*model.kb.red_flags, *model.kb.amber_flags)}
    for answers in ({"calf_warm_red_tender": "yes", "chest_pain_or_fainting": "yes"},
                    {"swelling": "one_leg", "recent_travel_or_surgery": "yes"}):
        t = model.assess(answers).triage
        for rid in t.subsumed:
            assert rules[rid].about
            assert rid not in red or any(o in red for o in t.red_flags if o != rid)
        report = build_report(answers, model)
        assert t.subsumed
        assert not any(plain(rules[r].reason) in report.red_flags for r in t.subsumed)
        assert all(plain(rules[r].reason) in report.red_flags
                   for r in t.red_flags if r not in t.subsumed)


def test_a_more_specific_sign_speaks_alone(model):
    """One swollen leg after long travel: the after-travel rule's reason only, not also "one
    swollen calf ... even without travel" (a runner walk read them as contradicting each
    other); the level and the fired rules are unchanged, and without travel the general
    reason is back."""
    both = model.assess({"swelling": "one_leg", "recent_travel_or_surgery": "yes"}).triage
    assert both.level == "urgent" and "dvt_swelling_after_travel" in both.red_flags
    assert any("after long travel" in r for r in both.reasons)
    assert not any("without travel" in r for r in both.reasons)
    alone = model.assess({"swelling": "one_leg", "recent_travel_or_surgery": "no"}).triage
    assert alone.level == "urgent" and any("without travel" in r for r in alone.reasons)
    assert len(both.reasons) == len(both.reason_levels) == len(both.reason_kinds)


def test_a_number_answer_of_one_reads_in_the_singular(model):
    q = model.question_map["rest_days_per_week"]
    assert q.answer_label(1) == "1 day" and q.answer_label(2) == "2 days"
    assert model.question_map["weekly_distance_change_pct"].answer_label(1) == "1 %"


def test_periods_are_not_put_first_to_a_runner_who_declined_their_sex(model):
    """A question that could change the level but applies only by an answer the runner
    declined (periods, after "prefer not to say" to sex) is not asked first (a code review);
    a sex not yet asked is asked before anything else."""
    from model import next_to_ask

    signs = {q: model.question_map[q].states[0] for q in first_screen_questions(model.kb)}
    d = model.diagnose({**signs, "age": 30})
    assert "menstrual_irregular" in d.triage.change_questions
    assert dict(d.triage.change_depends)["menstrual_irregular"] == (
        "sex", "hormonal_contraception")
    ahead = d.triage.change_questions[:d.triage.change_questions.index("menstrual_irregular")]
    declined = {"sex", *ahead}
    assert next_to_ask(d, skip=declined) != "menstrual_irregular"
    assert next_to_ask(d, skip={*ahead, "age"}) == "sex"  # (asked first of all anyway)


def test_a_sign_waiting_on_another_answer_is_never_called_no_warning_sign():
    """A re-walk: a cold, pale foot answered yes before age (its rules depend on age) gave
    self-care and "None of the warning signs applies to you". It now says part of a warning
    sign is there and names the answer it waits on; with age it is a doctor's check."""
    kb = MODEL.kb
    answers = {q: ("none" if q == "swelling" else "no") for q in first_screen_questions(kb)}
    answers["foot_cold_or_pale"] = "yes"
    t = triage(kb, answers, {})
    said = " ".join(t.reasons)
    assert "None of the warning signs applies" not in said
    assert "Part of a warning sign" in said and MODEL.question_map["age"].text in said
    assert not t.unknown_raises  # the age is asked next, not named by a band
    for age in (25, 60):
        assert triage(kb, {**answers, "age": age}, {}).level == "see_doctor"
    every_no = {**answers, "foot_cold_or_pale": "no", "age": 30}
    assert "None of the warning signs applies" in " ".join(triage(kb, every_no, {}).reasons)
    # the thresholds as they are: per cause, from the lowest to the highest referral chance
    # (a runner walk: "each below 30% or its own threshold", the About page 3% to 25%)
    firsts = [e.without_sign.threshold if e.without_sign else e.threshold
              for e in escalations(kb)]
    assert (f"each has its own threshold, from {min(firsts):.0%} to {max(firsts):.0%}"
            in " ".join(triage(kb, every_no, {}).reasons))
    # a first-screen answer that is not "no" and holds no rule: said, not "none applies"
    both = triage(kb, {**every_no, "swelling": "both_legs"}, {})
    assert both.level == "self_care"
    said = " ".join(both.reasons)
    assert "None of the warning signs applies" not in said
    assert MODEL.question_map["swelling"].text in said


def test_serious_signs_left_unanswered_are_named_and_qualify_running_on():
    """A runner walk: "not sure" to chest pain, stroke-like signs and the other emergency
    signs gave a green self-care result, "running on is fine", and a grey caption. Each
    unanswered first-screen sign whose yes alone asks for urgent or emergency care above
    the level now is in ``unknown_serious`` at that level; the running advice says it holds
    only if none of them applies; the words list them, one line per level, highest first."""
    kb = MODEL.kb
    screen = first_screen_questions(kb)
    answers = {"age": 30, "sex": "male"}
    t = triage(kb, answers, {c.id: 0.0 for c in kb.causes})
    assert t.level == "self_care"
    serious = {q: lv for q, _, lv in t.unknown_serious}
    for qid in screen:
        q = MODEL.question_map[qid]
        alone = max((triage(kb, {qid: value_for_state(q, s)}, {}).level for s in q.states),
                    key=LEVELS.index)
        raised = qid in {x for x, _, _ in t.unknown_raises}
        want = alone in ("urgent", "emergency") and not raised and applies(q, answers)
        assert (qid in serious) == want, qid
        if want:
            assert serious[qid] == alone
    assert serious["chest_pain_or_fainting"] == "emergency"
    assert t.running.endswith(texts.UNLESS_UNANSWERED)
    lines = unknown_raise_lines(kb, t)
    levels = [lv for lv, _ in lines]
    assert levels == sorted(levels, key=lambda x: -LEVELS.index(x)) and "emergency" in levels
    emergency = next(words for lv, words in lines if lv == "emergency")
    assert MODEL.question_map["chest_pain_or_fainting"].text in emergency
    assert "act on it now" in emergency
    counted = dict(unknown_raise_lines(kb, t, listed=False))["emergency"]
    assert MODEL.question_map["chest_pain_or_fainting"].text not in counted
    n = sum(lv == "emergency" for lv in serious.values())
    u = sum(lv == "urgent" for lv in serious.values())
    assert n > 2 and u > 0  # counted in one line for both levels (a question page)
    # with the count of the signs not answered (the grey line's, which it replaces there)
    assert counted.startswith(f"{len(t.unknown_warning_signs)} warning signs were not answered: "
                              f"a yes to {n} of them would mean an emergency, to {u} same-day")
    assert len(unknown_raise_lines(kb, t, listed=False)) == 1
    assert "urgent" not in dict(unknown_raise_lines(kb, t, listed=False))
    # one open sign on a question page: counted in its own words
    few = triage(kb, {**answers, "swelling": "none",
                      **{q: "no" for q in screen if q != "dark_cola_urine"
                         and "no" in MODEL.question_map[q].states}}, {})
    assert [q for q, _, _ in few.unknown_serious] == ["dark_cola_urine"]
    one = dict(unknown_raise_lines(kb, few, listed=False))["emergency"]
    assert one.startswith("1 warning sign you left open would on its own mean: Call")
    assert MODEL.question_map["dark_cola_urine"].text in dict(
        unknown_raise_lines(kb, few))["emergency"]
    # answered "no", none is left: the running advice is the level's own again
    told = triage(kb, {**answers, **{q: "no" for q in screen
                                     if "no" in MODEL.question_map[q].states}}, {})
    assert not [q for q, _, _ in told.unknown_serious if "no" in MODEL.question_map[q].states]
    assert t.to_dict()["unknown_serious_signs"][0]["level"] == "emergency"
    # at an urgent level, an unanswered urgent sign adds nothing: it is not above the level
    urgent = triage(kb, {**answers, "calf_warm_red_tender": "yes"}, {})
    assert urgent.level == "urgent"
    assert all(lv == "emergency" for _, _, lv in urgent.unknown_serious)
    assert not urgent.running.endswith(texts.UNLESS_UNANSWERED)
    # the sign left open that would raise the level only with the other answers qualifies
    # it too (a code review: palpitations open, dizziness yes: "running on is fine" as is)
    screen_no = {q: "no" for q in screen if "no" in MODEL.question_map[q].states}
    held = {**answers, **screen_no, "swelling": "none", "dizziness": "yes"}
    del held["palpitations"]
    pal = triage(kb, held, {c.id: 0.0 for c in kb.causes})
    assert pal.level == "self_care" and not pal.unknown_serious
    assert ("palpitations", "yes", "emergency") in pal.unknown_raises
    assert pal.running.endswith(texts.UNLESS_UNANSWERED)
    # a sign whose warning answer is not a plain yes is named with it (swollen legs: "Yes,
    # one leg"; "Yes, both legs" alone is self-care)
    urgent_line = dict(unknown_raise_lines(kb, t))["urgent"]
    swollen = MODEL.question_map["swelling"]
    assert (f"\u201c{swollen.text}\u201d (\u201c{swollen.answer_label('one_leg')}\u201d)"
            in urgent_line)
    # a rule's own words ("stop running until a doctor has checked the bone") are not the
    # permission to run, so they are not qualified (a browser run read them so)
    bone = triage(kb, {**answers, "bone_tender_spot": "yes"}, {})
    assert bone.level == "see_doctor" and bone.unknown_serious
    assert bone.running.startswith("Stop running until a doctor has checked the bone")
    assert texts.UNLESS_UNANSWERED not in bone.running


def test_dark_urine_in_the_past_sends_to_a_doctor_and_points_to_a_muscle_disease():
    """A runner walk: a teenager with lifelong heaviness, a second wind and dark urine once
    after a race could say the dark urine nowhere (CHANGELOG 38). Now it is a question: a
    past episode is a see-a-doctor rule (not the emergency of dark urine now), and with the
    lifelong history it makes metabolic myopathy the leading cause."""
    m = load_model()
    base = {"age": 16, "sex": "female", "heaviness_onset": "from_start",
            "eases_as_run_continues": "yes", "second_wind": "yes", "warmup": "brief",
            "symptom_weeks": 520, "legs_affected": "both", "lifelong_exercise_intolerance": "yes"}
    before = m.diagnose(base)
    after = m.diagnose({**base, "dark_urine_in_the_past": "yes"})
    p = {c.id: c.probability for c in before.causes}
    q = {c.id: c.probability for c in after.causes}
    assert q["metabolic_myopathy"] > 5 * p["metabolic_myopathy"]
    assert after.causes[0].id == "metabolic_myopathy"
    t = m.diagnose({"age": 30, "dark_urine_in_the_past": "yes"}).triage
    assert t.level == "see_doctor"
    assert any("in the past" in r and "CK" in r for r in t.reasons)
    now = m.diagnose({"age": 30, "dark_cola_urine": "yes"}).triage
    assert now.level == "emergency"


def test_a_sudden_start_separates_the_strain_from_the_clot_without_lowering_the_level():
    """CHANGELOG 39: on the contract's red-flag example (a warm, tender calf after travel)
    the strain leads and DVT is third; whether the pain started suddenly (a pop, a kick) is
    the next question, moves DVT down on a yes and up on a no, and the calf rule keeps the
    level at same-day care either way."""
    import json

    from conftest import EXAMPLES_DIR

    m = load_model()
    answers = json.loads((EXAMPLES_DIR / "red-flag.json").read_text())["answers"]
    d = m.diagnose(answers)
    assert d.next_questions[0].id == "calf_sudden_onset"
    dvt = {v: {c.id: c.probability for c in m.diagnose({**answers, "calf_sudden_onset": v})
               .causes}["dvt"] for v in ("yes", "no")}
    now = {c.id: c.probability for c in d.causes}["dvt"]
    assert dvt["yes"] < 0.05 < now < dvt["no"]
    for v in ("yes", "no"):
        assert m.diagnose({**answers, "calf_sudden_onset": v}).triage.level == "urgent"


def test_a_work_up_holds_only_on_sure_negative_tests_below_an_emergency():
    """A code review of the work-up (CHANGELOG 41): a positive scan beside a Wells score of 1
    and a negative D-dimer was "excluded"; so were a D-dimer and a Wells score given as 50 %
    sure; and a calf with chest pain (a lung clot's emergency, which a leg's work-up does not
    settle). None of them completes it now; the level is never lowered either way."""
    m = load_model()
    calf = {"age": 40, "sex": "female", "calf_warm_red_tender": "yes"}
    done = {**calf, "exam_wells_dvt_score": 1, "test_d_dimer_positive": "no"}
    assert m.diagnose(done).triage.worked_up == ("dvt",)
    positive_scan = m.diagnose({**done, "test_duplex_dvt": "yes"}).triage
    assert positive_scan.worked_up == () and positive_scan.level == "urgent"
    soft = m.diagnose(done, confidence={"test_d_dimer_positive": 0.5}).triage
    assert soft.worked_up == () and soft.level == "urgent"
    chest = m.diagnose({**done, "chest_pain_or_fainting": "yes"}).triage
    assert chest.worked_up == () and chest.level == "emergency"


def test_a_work_up_on_a_runners_question_is_refused(tmp_path):
    """A work-up rests on examination and test findings: a clause on a runner's question
    (one they answer themselves) is refused by the loader."""
    import shutil

    from model.kb import default_priors_dir

    d = tmp_path / "p"
    shutil.copytree(default_priors_dir(), d)
    data = yaml.safe_load((d / "triage.yaml").read_text())
    data["worked_up"][0]["any"].append({"calf_warm_red_tender": "no"})
    (d / "triage.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(PriorsError, match="calf_warm_red_tender is a runner's question"):
        load_knowledge_base(d)
