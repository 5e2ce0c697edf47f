"""Reports: the Markdown and the PDF (read back with pypdf) show what they promise."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from model import DISCLAIMER, first_screen_questions
from model.cli import main
from model.errors import InputError
from model.workflows.cases import CLINICIAN, new_case
from model.workflows.report import build_report, pct, report_markdown, report_pdf, write_report


def _pdf_text(data: bytes) -> str:
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def case(model):
    answers = {"age": 28, "sex": "female", "temperature_c": 29, "run_duration_min": 100,
               "drinks_on_long_runs": "no", "heaviness_onset": "late_in_run", "cramps": "no",
               "chest_pain_or_fainting": "no", "calf_warm_red_tender": "no",
               "dark_cola_urine": "no"}
    c = new_case(answers, confidence={"temperature_c": 0.7}, notes="Hot half marathon – awful.",
                 case_id="R-42", model=model, today="2025-03-01")
    return c.with_answers({"cramps": "yes"}, model=model, today="2025-03-02")


def test_report_content(model, case) -> None:
    r = build_report(case, model, today="2025-03-02")
    d = model.diagnose(dict(case.answers), dict(case.confidence))  # the case's confidences
    assert [c.id for c in r.causes] == [c.id for c in d.causes]
    assert r.causes[0].probability == d.causes[0].probability
    assert r.triage_level == d.triage.level
    assert set(d.triage.ruled_out) >= {"chest_pain_or_fainting", "dvt_calf", "rhabdomyolysis"}
    # what was checked, in plain words: each ruled-out sign's question and its answer, once
    chest = model.question_map["chest_pain_or_fainting"]
    assert f"{chest.text.rstrip('?')}: {chest.answer_label('no')}" in r.ruled_out
    assert len(r.ruled_out) == len(set(r.ruled_out)) >= 3
    assert not any("blood clot" in x or "can mean" in x for x in r.ruled_out)  # no warnings
    assert r.unknown_signs and not r.act_first
    dehyd = next(c for c in r.causes if c.id == "dehydration")
    assert dehyd.reasons_for, "a hot long run without drinks must speak for dehydration"
    texts = {model.question_map[q].text.rstrip("?"): q for q in case.answers}
    def odds(p: float) -> float:
        return p / (1 - p)

    for reason in dehyd.reasons_for:  # each reason really raises the odds by 1.1 or more
        qid = texts[reason.rsplit(":", 1)[0]]
        rest = {k: v for k, v in case.answers.items() if k != qid}
        conf = {k: v for k, v in case.confidence.items() if k != qid}
        without = model.diagnose(rest, conf).probability("dehydration")
        assert odds(without) * 1.105 <= odds(dehyd.probability)
    assert r.model_version == model.version and r.population == model.population
    assert {a.id: a.answered_by for a in r.answers}["cramps"] == CLINICIAN


def test_markdown_and_pdf_show_the_same_facts(model, case) -> None:
    r = build_report(case, model, today="2025-03-02")
    md = _flat(report_markdown(r))
    pdf = _pdf_text(report_pdf(r))
    top = r.causes[0]
    for text in (md, pdf):
        assert "2025-03-02" in text and "R-42" in text
        assert model.version in text and "runners self-assessing" in text
        assert _flat(DISCLAIMER) in text
        assert top.label in text and pct(top.probability) in text
        for c in r.causes:  # every cause with its number
            assert c.label in text
        assert "Warning signs checked and absent" in text
        assert "unknown, not ruled out" in text  # the signs left unanswered
        label = "Running" if r.triage_level == "self_care" else "Running until seen"
        assert f"{label}: {r.running}" in text.replace("**", "")
        assert "clinician-verified" in text and "confidence 70%" in text
        assert "Hot half marathon - awful." in text or "Hot half marathon – awful." in text
    if r.causes[0].advice:  # advice.yaml present: its text is in both
        assert r.causes[0].advice[1] in md and _flat(r.causes[0].advice[1]) in pdf


def test_report_without_advice_file(model, case, priors_copy) -> None:
    from model import load_model

    d = priors_copy()
    (d / "advice.yaml").unlink(missing_ok=True)
    m2 = load_model(priors_dir=d)
    r = build_report(case, m2, today="2025-03-02")
    assert all(c.advice == () for c in r.causes) and r.general_advice == ()
    assert "What to do" not in report_markdown(r)
    assert "Causes, most likely first" in _pdf_text(report_pdf(r))


def test_red_flag_report(model) -> None:
    r = build_report({"calf_warm_red_tender": "yes", "recent_travel_or_surgery": "yes"}, model)
    assert r.triage_level == "urgent"
    assert any("blood clot" in x for x in r.red_flags)
    assert "blood clot" in _pdf_text(report_pdf(r))


def test_write_report_and_cli(model, case, tmp_path: Path, capsys) -> None:
    r = build_report(case, model)
    with pytest.raises(InputError, match="end the name with .pdf or .md"):
        write_report(r, tmp_path / "r.txt")
    with pytest.raises(InputError, match="does not exist"):
        write_report(r, tmp_path / "no" / "r.pdf")
    path = tmp_path / "case.json"
    path.write_text(case.to_json())
    assert main(["report", str(path), "-o", str(tmp_path / "r.pdf")]) == 0
    assert main(["report", str(path), "-o", str(tmp_path / "r.md")]) == 0
    assert "Dehydration" in _pdf_text((tmp_path / "r.pdf").read_bytes())
    assert "## Causes" in (tmp_path / "r.md").read_text()
    clinic = json.loads(case.to_json())
    clinic["population"] = "clinic"
    path.write_text(json.dumps(clinic))
    assert main(["report", str(path), "-o", str(tmp_path / "c.md")]) == 0
    assert "Population: physio clinic  " in (tmp_path / "c.md").read_text()
    capsys.readouterr()
    assert main(["report", str(tmp_path / "none.json"), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_report_never_replaces_the_case_it_is_made_from(case, tmp_path: Path, capsys) -> None:
    """The output named as the input (a case file may have any name), or a link to it, is
    refused with exit 2 and the case file is left as it was."""
    saved = tmp_path / "case.md"
    saved.write_text(case.to_json())
    link = tmp_path / "link.pdf"
    link.symlink_to(saved)
    for out in (saved, link):
        capsys.readouterr()
        assert main(["report", str(saved), "-o", str(out)]) == 2
        assert "is the input file" in capsys.readouterr().err
        assert saved.read_text() == case.to_json()


def test_the_report_says_what_rests_on_examination_and_tests(model, case) -> None:
    """Issue 19: with examination or test findings, each leading cause shows its probability
    from the runner's answers alone beside the one with the findings; without, nothing."""
    assert all(c.without_clinician is None for c in build_report(case, model).causes)
    history = {"age": 24, "sex": "male", "heaviness_onset": "reproducible_point",
               "symptom_location": "lower_leg", "relief_time": "minutes", "legs_affected": "one"}
    found = {"exam_pulse_loss_plantar_flexion": "yes", "exam_foot_pulses": "reduced_after_exercise"}
    exam_case = new_case({**history, **found}, model=model, today="2025-03-02")
    r = build_report(exam_case, model, today="2025-03-02")
    top = r.causes[0]
    assert top.id == "popliteal_entrapment"
    alone = model.diagnose(history).probability(top.id)
    assert top.without_clinician == pytest.approx(alone, abs=1e-12)
    assert top.without_clinician < 0.5 < top.probability
    line = f"From the runner's answers alone: {pct(alone)}"
    assert line in _flat(report_markdown(r)) and line in _pdf_text(report_pdf(r))


def test_an_urgent_report_holds_nothing_that_reads_as_reassurance(model) -> None:
    """A red flag's report: the level, its reasons and running advice; no training tips, no
    general advice, no list of warning signs 'ruled out' (issue 14)."""
    answers = {"age": 30, "calf_warm_red_tender": "yes", "chest_pain_or_fainting": "no"}
    r = build_report(answers, model, today="2025-03-02")
    assert r.triage_level == "urgent" and r.act_first
    assert not r.general_advice and not r.ruled_out
    assert not any(c.advice or c.see_someone for c in r.causes)
    for text in (_flat(report_markdown(r)), _pdf_text(report_pdf(r))):
        assert "Stop running" in text and "Training advice is left out" in text
        assert "General advice" not in text and "checked and absent" not in text


def test_the_runners_report_reads_for_a_gp(model) -> None:
    """Issue 17: answers in the app's words (no raw codes), the level's title, whole
    percentages, the population in words, and the 'not sure' answers listed as unknown."""
    answers = {"age": 28, "sex": "female", "heaviness_onset": "from_start", "legs_affected": "one"}
    r = build_report(answers, model, today="2025-03-02", not_sure=["cramps", "sleep_hours"])
    onset = model.question_map["heaviness_onset"]
    for text in (_flat(report_markdown(r)), _pdf_text(report_pdf(r))):
        assert onset.answer_label("from_start") in text and "from start" not in text
        assert {"self_care": "Self-care", "see_doctor": "See a doctor"}[
            r.triage_level] in text
        assert "runners self-assessing" in text
        assert "not sure" in text and model.question_map["cramps"].text in text
        assert model.question_map["sleep_hours"].text in text
        assert not any(f"{c.probability:.1%}" in text for c in r.causes[:3]
                       if f"{c.probability:.1%}" != pct(c.probability))


def test_a_warning_signs_cause_is_named_above_the_ranking_and_no_brief_rows_are_shown(model):
    """A warm calf makes DVT urgent while the ranking, from all the answers, may put it low:
    the report says above the ranking that the sign's cause is checked whatever its chance;
    the rule's reason reaches the reader without the maintainers' '(brief row 2)'."""
    r = build_report({"age": 30, "calf_warm_red_tender": "yes"}, model, today="2025-03-02")
    dvt = next(c for c in r.causes if c.id == "dvt")
    assert r.causes.index(dvt) > 0  # the case the note is for: DVT is not ranked first
    assert "deep vein thrombosis" in r.flagged and "whatever the chances" in r.flagged
    for text in (_flat(report_markdown(r)), _pdf_text(report_pdf(r))):
        assert text.index(_flat(r.flagged)) < text.index(dvt.label)
        assert "brief" not in text
    calm = build_report({"age": 30, "calf_warm_red_tender": "no"}, model, today="2025-03-02")
    assert calm.flagged == "" and "comes first" not in report_markdown(calm)


def test_the_signs_checked_and_absent_are_warning_signs_only(model) -> None:
    """'Warning signs checked and absent' lists the first screen's signs answered so that no
    rule on them holds, amber rules included (groin or hip pain), never a question that is
    not a warning sign ('one leg or both'); base rates read as percentages."""
    answers = {"age": 30, "legs_affected": "both", "groin_or_hip_pain": "no",
               "chest_pain_or_fainting": "no", "calf_warm_red_tender": "no",
               "swelling": "both_legs"}
    r = build_report(answers, model, today="2025-03-02")
    assert r.triage_level in ("self_care", "see_doctor")
    said = " ".join(r.ruled_out)
    assert model.question_map["groin_or_hip_pain"].text.rstrip("?") in said
    assert model.question_map["chest_pain_or_fainting"].text.rstrip("?") in said
    assert model.question_map["legs_affected"].text.rstrip("?") not in said
    assert model.question_map["swelling"].text.rstrip("?") not in said  # present, if not a flag
    variant = model.with_base_rates({"cecs": 0.01})
    md = report_markdown(build_report(answers, variant, today="2025-03-02"))
    default = model.cause_map["cecs"].base_rates[model.population]
    assert (f"compartment syndrome 1% (default {100 * default:.3g}%)"
            in md.split("Base rates changed for this case:")[1])


def test_the_signs_absent_include_those_about_the_leading_cause(model) -> None:
    """A runner walk: with peripheral artery disease first, the report's "Warning signs
    checked and absent" left out pain at rest and a cold foot answered "no", which a
    vascular referral needs."""
    answers = {"age": 62, "sex": "male", "smoker": "yes", "calf_pain_walking": "yes",
               "pain_at_rest_or_night": "no", "foot_cold_or_pale": "no",
               "chest_pain_or_fainting": "no"}
    r = build_report(answers, model, today="2025-03-02")
    d = model.diagnose(answers)
    assert d.causes[0].id == "pad" and not d.triage.act_first
    said = " ".join(r.ruled_out)
    for q in ("pain_at_rest_or_night", "foot_cold_or_pale", "chest_pain_or_fainting"):
        assert model.question_map[q].text.rstrip("?") in said, q


def test_an_interval_whose_ends_read_the_same_is_one_value(model) -> None:
    """"under 1% (80% interval under 1% to under 1%)" said nothing: such an interval is one
    value in the Markdown table and left out of the PDF's line."""
    from dataclasses import replace

    from model.workflows.cases import case_from_data

    c = case_from_data({"answers": {"age": 34, "sex": "female", "cramps": "yes"}}, "x", model)
    r = build_report(c.case, model)
    same = [x for x in r.causes if x.interval is not None and " to " not in x.interval_text]
    assert same and all(x.interval_text == pct(x.interval[0]) for x in same)
    assert " to under 1%" not in report_markdown(r)
    assert " to under 1%" not in _pdf_text(report_pdf(r))
    wide = replace(r.causes[0], interval=(0.21, 0.66))
    assert wide.interval_text == f"{pct(0.21)} to {pct(0.66)}"
    # "under 1% to 1%" read oddly (a runner walk): from under 1% it is "up to"
    assert replace(r.causes[0], interval=(0.001, 0.012)).interval_text == "up to 1%"
    assert replace(r.causes[0], interval=(0.96, 0.999)).interval_text == "96% or more"


def test_the_answers_list_keeps_the_warning_signs_together(model, case) -> None:
    """The warning signs the runner answered on the first screen come first, together, then
    the other answers in the questionnaire's order (a reviewer found "where do you feel it"
    in the middle of the warning signs)."""
    from model.reasoning import first_screen_questions

    signs = set(first_screen_questions(model.kb))
    ids = [a.id for a in build_report(case, model).answers]
    flags = [i in signs for i in ids]
    assert any(flags) and not all(flags)
    assert flags == sorted(flags, reverse=True)  # every sign before every other answer


def test_pdf_marks_characters_its_font_cannot_show_instead_of_dropping_them(model) -> None:
    c = new_case({"age": 30}, notes="Läufer 跑步者 Ελλάδα", case_id="R-中", model=model)
    r = build_report(c, model, today="2025-03-02")
    pdf = _pdf_text(report_pdf(r))
    assert "Läufer ??? Ελλάδα" in pdf and "Case: R-?" in pdf  # what the font has stays
    assert "4 character(s) this PDF's font cannot show are printed as '?'" in pdf
    assert "跑步者" in report_markdown(r)  # the Markdown keeps them
    plain = _pdf_text(report_pdf(build_report(new_case({"age": 30}, notes="Läufer", model=model),
                                              model, today="2025-03-02")))
    assert "cannot show" not in plain


def test_the_report_and_the_screen_give_the_same_reasons(model) -> None:
    """A physio walk: the why chart raised popliteal entrapment by 8 answers, the cause's
    details listed 4 and the PDF's "For:" only the foot pulses (it had its own rule, a 10 %
    change in probability, which near 99 % keeps almost nothing)."""
    from ui import explain

    answers = {"age": 24, "sex": "male", "legs_affected": "one", "symptom_location": "lower_leg",
               "calf_pain_walking": "yes", "heaviness_onset": "reproducible_point",
               "exam_foot_pulses": "reduced_after_exercise",
               "exam_pulse_loss_plantar_flexion": "yes"}
    d = model.diagnose(answers)
    c = next(x for x in build_report(new_case(answers, model=model), model).causes
             if x.id == "popliteal_entrapment")
    pro, _ = explain.reasons(model, d, "popliteal_entrapment")
    assert len(c.reasons_for) == len(pro) >= 3
    for said, line in zip(c.reasons_for, pro, strict=True):
        q = next(model.question_map[k] for k in answers
                 if said.startswith(model.question_map[k].text.rstrip("?")))
        assert (q.label or q.text) in line or q.text in line


def test_an_answer_that_acts_through_other_causes_says_so(model) -> None:
    """A "no" listed "For:" iron deficiency read as a mistake (a runner walk): it points away
    from it on its own and raises it by making other causes less likely, which the report
    says; a number reads "1 day", not "1 days"."""
    answers = {"age": 34, "sex": "female", "fatigue_daily_life": "yes",
               "breathless_easily": "yes", "performance_declining": "yes",
               "menstrual_irregular": "no", "frequent_illness": "no", "rest_days_per_week": 1}
    r = build_report(answers, model)
    iron = next(c for c in r.causes if c.id == "iron_deficiency")
    colds = [x for x in iron.reasons_for if x.startswith("Frequent colds")]
    assert colds == ["Frequent colds or infections lately: No (by making other causes less "
                     "likely)"]
    text = report_markdown(r)
    assert "typical week? | 1 day |" in text and "1 days" not in text


def test_a_chance_is_said_only_of_a_chance() -> None:
    """pct printed "nan%", "150%" and "-0%" for rounding noise below 0 (a hostile-input
    review): noise is "under 1%", anything not a chance is refused with the fix."""
    from model import pct, range_words

    assert pct(-1e-17) == "under 1%" and pct(1 + 1e-12) == "over 99%"
    for bad in (float("nan"), float("inf"), -0.5, 1.5):
        with pytest.raises(ValueError, match="give a number from 0 to 1"):
            pct(bad)
    with pytest.raises(ValueError, match="lower end first"):
        range_words(0.3, 0.2)


def test_an_unsure_answer_is_worded_as_a_sure_one(model) -> None:
    """The report read a "no" given at 90 % as pointing to iron deficiency while the screen
    said it works through the other causes (a code review: the report took the state from
    the certain answers only)."""
    answers = {"age": 34, "sex": "female", "fatigue_daily_life": "yes",
               "breathless_easily": "yes", "performance_declining": "yes",
               "menstrual_irregular": "no", "frequent_illness": "no"}
    d = model.diagnose(answers, {"frequent_illness": 0.9})
    r = build_report(new_case(answers, confidence={"frequent_illness": 0.9}, model=model), model)
    iron = next(c for c in r.causes if c.id == "iron_deficiency")
    up = next(c for c in d.explanation("iron_deficiency").contributions
              if c.question == "frequent_illness")
    said = [x for x in (*iron.reasons_for, *iron.reasons_against) if x.startswith("Frequent")]
    assert up.delta_log_odds >= 0.1  # listed "for" it: through the other causes
    assert said == ["Frequent colds or infections lately: No (by making other causes "
                    "less likely)"]


def test_the_report_advises_the_causes_the_result_page_advises(model) -> None:
    """A runner walk: the PDF gave every top cause's advice, so a 94 % arterial disease's
    "walking to near-maximal pain" sat beside a 1 % cause's "never walk through the pain",
    which the result page leaves out below 5 %. The reports advise ``advised_causes``."""
    from model import ADVICE_MIN, advised_causes

    answers = {"age": 67, "sex": "male", "smoker": "yes", "calf_pain_walking": "yes",
               "relief_time": "minutes", "symptom_location": "lower_leg",
               "legs_affected": "one"}
    d = model.diagnose(answers)
    advised = {c.id for c in advised_causes(d)}
    assert any(c.probability < ADVICE_MIN for c in d.causes[:3])  # one is left out
    r = build_report(answers, model)
    with_advice = {c.id for c in r.causes if c.advice}
    assert with_advice == advised and d.causes[0].id in with_advice
    md = report_markdown(r)
    assert md.count("What to do:") == len(advised)


def test_an_answer_not_linked_to_a_cause_is_said_to_act_through_the_others(model) -> None:
    """A runner walk: the PDF listed answers with no link to a cause among its reasons with
    no word on how they moved it (the screen says "this makes other causes less likely").
    Heavy periods are not linked to overtraining; they lower it by raising iron deficiency."""
    answers = {"age": 45, "sex": "female", "fatigue_daily_life": "yes",
               "heaviness_onset": "from_start", "symptom_weeks": 8, "heavy_periods": "yes"}
    nodes = model.network.node_map
    assert "heavy_periods" not in nodes["overtraining"].parents
    assert "overtraining" not in nodes["heavy_periods"].parents
    r = build_report(answers, model)
    over = next(c for c in r.causes if c.id == "overtraining")
    said = [x for x in (*over.reasons_for, *over.reasons_against) if "periods" in x]
    assert said and all(x.endswith("(by making another cause likelier)") for x in said)
    iron = next(c for c in r.causes if c.id == "iron_deficiency")  # linked: no such words
    assert any("periods" in x and "(by" not in x for x in iron.reasons_for)


def test_what_an_unanswered_sign_would_mean_is_said_under_the_level(model) -> None:
    """A re-walk: the report said what a yes to the heartbeat sign would mean after 14 "no"
    answers, where a doctor skims past it. It now stands right under the level, in bold,
    with "act on it now"."""
    answers = {"age": 45, "sex": "female", "dizziness": "yes"}
    r = build_report(answers, model)
    assert r.unknown_raises and "act on it now" in r.unknown_raises[0]
    md = report_markdown(r)
    level_at = md.index("## Triage")
    raise_at = md.index(r.unknown_raises[0])
    later = md.index("Warning signs not answered")
    assert level_at < raise_at < later


def test_self_care_with_serious_signs_open_is_titled_with_its_condition(model) -> None:
    """A runner walk: "Triage: Self-care" topped page 1 of the PDF while 11 warning signs
    were open, five of which would mean an emergency if yes; the title now says the level
    holds only if none of them applies. With every sign answered it is the plain title."""
    answers = {"age": 45, "sex": "female", "symptom_weeks": 2, "weekly_distance_change_pct": 0}
    r = build_report(answers, model, today="2025-03-02")
    assert r.triage_level == "self_care" and r.conditional
    for text in (_flat(report_markdown(r)), _pdf_text(report_pdf(r))):
        assert "Self-care, if none of the open warning signs applies" in text
    signs = {q: ("no" if "no" in model.question_map[q].states else "none")
             for q in first_screen_questions(model.kb)}  # the app's first screen
    r = build_report({**answers, **signs}, model, today="2025-03-02")
    assert r.triage_level == "self_care" and not r.conditional
    for text in (_flat(report_markdown(r)), _pdf_text(report_pdf(r))):
        assert "Self-care" in text and "if none of the open warning signs" not in text


def test_the_physios_report_gives_every_reason_the_workbench_lists(model) -> None:
    """A physio walk: the workbench's "Why this level" said "do not stop the medicine on your
    own" (the statin rule) and the medicine's suspicion; the PDF and Markdown reports only the
    rhabdomyolysis reason, a runner's shortened list at a same-day level. The physio's reports
    (``every_reason``, the workbench's downloads and `case report`) list every reason."""
    answers = {"age": 55, "sex": "male", "medication": "statin", "cramps": "yes",
               "test_creatine_kinase": "over_5x_upper_limit"}
    d = model.diagnose(answers)
    assert set(d.triage.reasons) > set(d.triage.reasons_shown)  # the walk's picture
    full = build_report(answers, model, today="2025-03-02", every_reason=True)
    short = build_report(answers, model, today="2025-03-02")
    assert full.triage_reasons == d.triage.reasons
    assert short.triage_reasons == d.triage.reasons_shown
    for text in (_flat(report_markdown(full)), _pdf_text(report_pdf(full))):
        assert "do not stop the medicine on your own" in text


def test_a_work_up_that_excludes_the_signs_cause_is_in_the_report(model) -> None:
    """The tests entered exclude the clot a calf sign points to (NICE NG158): the report says
    so under the level, which stands."""
    answers = {"age": 38, "sex": "female", "calf_warm_red_tender": "yes",
               "test_d_dimer_positive": "no", "exam_wells_dvt_score": 0}
    r = build_report(answers, model, today="2025-03-02")
    assert r.triage_level == "urgent"
    for text in (_flat(report_markdown(r)), _pdf_text(report_pdf(r))):
        assert "exclude a deep vein thrombosis as NICE NG158 does" in text


def test_the_physios_report_names_signs_not_asked_in_the_physios_words(model) -> None:
    """A physio walk: the physio's own report said "You did not answer these warning
    signs"; their report says "Not asked yet", the runner's keeps its voice."""
    answers = {"age": 40, "sex": "male", "cramps": "yes"}
    full = _flat(report_markdown(build_report(answers, model, every_reason=True)))
    short = _flat(report_markdown(build_report(answers, model)))
    assert "Not asked yet" in full and "You did not answer" not in full
    assert "You did not answer" in short


def test_a_cause_the_tests_exclude_is_not_also_to_be_checked_in_the_report(model) -> None:
    """A code review: the report said "a doctor needs to check for deep vein thrombosis
    whatever the chances" right after "The tests entered exclude a deep vein thrombosis"."""
    answers = {"age": 38, "sex": "female", "calf_warm_red_tender": "yes",
               "test_d_dimer_positive": "no", "exam_wells_dvt_score": 0}
    text = _flat(report_markdown(build_report(answers, model, every_reason=True)))
    assert "exclude a deep vein thrombosis" in text
    assert "check for deep vein thrombosis" not in text.lower()
