"""The vignette evaluation: the clinical goals on tests/vignettes, the measures, the CLI paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from model import InputError, Model
from model.cli import main
from model.workflows.evaluate import GOALS, Evaluation, evaluate, format_report, load_vignettes

VIGNETTES = Path(__file__).parent / "vignettes"


@pytest.fixture(scope="module")
def evaluation(model: Model) -> Evaluation:
    return evaluate(model, load_vignettes(VIGNETTES, model))


def _write(d: Path, vid: str, answers: dict, top1: list, top3: list, triage: list) -> Path:
    p = d / f"{vid}.yaml"
    p.write_text(yaml.safe_dump({
        "id": vid, "title": "t", "citation": "R2", "rationale": "r", "answers": answers,
        "expect": {"top1": top1, "top3": top3, "triage": triage}}), encoding="utf-8")
    return p


# Issue 13's goals for 25 causes (GOALS: top-1 >= 85%, top-3 >= 95%, no under-triage) are not
# all met yet on the 155 vignettes (README, model card). CI holds what was measured when the
# version-2 network landed (2026-11-26: top-1 82.6%, top-3 91.0%, over-triage 8.7%), raised
# as sourced changes help (2026-11-27, CHANGELOG 10: top-1 129/155; CHANGELOG 14 and the
# version-1 rhabdomyolysis vignette moved to the version-2 cause: top-1 130/155, top-3
# 144/155; CHANGELOG 16 was reverted in 20 and came back in 21 with the heart's
# without-sign tier: top-1 131/155, top-3 146/155; 2026-11-28, 13 cases with clinician
# findings added, written blind from published case reports: 11 of them first, 11 in the
# top three, so 142/168 and 157/168), so nothing regresses, and names the under-triaged
# cases: any other fails. CHANGELOG 33 (the calf strain, DVT's commonest mimic, as a cause)
# moved five DVT vignettes' first place to the strain, DVT second at 0.11-0.34 and the level
# urgent in each: the vignettes predate the mimic and are kept as written; with its five
# vignettes, top-1 142/173 and top-3 162/173.
FLOOR = {"min_top1": 142 / 173, "min_top3": 162 / 173, "max_over_triage": 0.10}
# none since the brief's palpitations rule (priors/CHANGELOG.md §7); heart_condition-typical-01
# (AF at 58, heart_condition 0.017 < 0.03) was the one before it
KNOWN_UNDER_TRIAGE: set[str] = set()


def test_floor_held_on_literature_vignettes(evaluation: Evaluation) -> None:
    """No regression below the measured floor; over-triage of benign cases <= 10%; at least
    150 vignettes; no under-triaged case beyond the one named."""
    assert evaluation.n >= 150
    assert evaluation.failures(**FLOOR) == []
    under = {c.id for c in evaluation.cases if c.under_triage}
    assert under <= KNOWN_UNDER_TRIAGE, under - KNOWN_UNDER_TRIAGE
    assert evaluation.under_triage_red_flag <= len(KNOWN_UNDER_TRIAGE)


def test_goals_are_reported_where_not_met(evaluation: Evaluation) -> None:
    """The goals stay the issue's; the report names each one that is not met."""
    assert GOALS == {"min_top1": 0.85, "min_top3": 0.95, "max_under_triage": 0,
                     "max_over_triage": 0.10}
    unmet = evaluation.failures(**GOALS)
    assert len(unmet) == (evaluation.top1 < 0.85) + (evaluation.top3 < 0.95) + (
        evaluation.under_triage > 0) + (evaluation.over_triage_rate > 0.10)


def test_every_cause_and_red_flag_is_covered(evaluation: Evaluation, model: Model) -> None:
    assert set(evaluation.per_cause) == {c.id for c in model.causes}
    assert all(r["n"] >= 3 for r in evaluation.per_cause.values())
    red = [c for c in evaluation.cases if c.expected_triage[0] in ("urgent", "emergency")]
    assert len(red) >= 7


def test_measures_add_up(evaluation: Evaluation) -> None:
    cases = evaluation.cases
    assert evaluation.top1 == pytest.approx(sum(c.top1_ok for c in cases) / len(cases))
    assert sum(sum(r.values()) for r in evaluation.confusion.values()) == len(cases)
    # the confusion diagonal counts cases whose top cause is their expected primary cause
    diag = sum(row.get(exp, 0) for exp, row in evaluation.confusion.items())
    assert diag == sum(c.ranking[0][0] == c.expected_top1[0] for c in cases)
    benign = [c for c in cases if c.expected_triage == ("self_care",)]
    assert evaluation.benign_n == len(benign) >= 9


def test_cli_enforces_goals(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["evaluate", str(VIGNETTES), "--min-top1", str(FLOOR["min_top1"]),
               "--min-top3", str(FLOOR["min_top3"]), "--max-under-triage",
               str(len(KNOWN_UNDER_TRIAGE)), "--max-over-triage", "0.10"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "top-1:" in out and "confusion" in out


def test_cli_exit_1_below_threshold_and_json(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    # a red-flag answer the case says should stay self-care (over), and a wrong top cause
    _write(tmp_path, "x-01", {"calf_warm_red_tender": "yes"}, ["hard_surface"], [],
           ["self_care"])
    # a benign story the case claims is an emergency: under-triage
    _write(tmp_path, "x-02", {"warmup": "none", "eases_as_run_continues": "yes"},
           ["inadequate_warmup"], ["inadequate_warmup"], ["emergency"])
    rc = main(["evaluate", str(tmp_path), "--json", "--min-top1", "0.9",
               "--max-under-triage", "0", "--max-over-triage", "0.1"])
    cap = capsys.readouterr()
    data = json.loads(cap.out)
    assert rc == 1
    assert data["n"] == 2 and data["top1"] == 0.5
    assert data["under_triage"] == 1 and data["under_triage_red_flag"] == 1
    assert data["over_triage_rate"] == 1.0 and data["benign_n"] == 1
    assert len(data["failures"]) == 3
    assert "below target: top-1 50.0%" in cap.err


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("expect"), "missing key 'expect'"),
    (lambda d: d["expect"].update(top1=["heavy_feet"]), "expect.top1: unknown cause id"),
    (lambda d: d["expect"].update(triage=["self_care", "urgent"]), "not a contiguous range"),
    (lambda d: d["answers"].update(agee=30), "answers: 'agee' is not a question"),
    (lambda d: d["answers"].update(age=300), "answers: age"),
    (lambda d: d.update(id="other"), "id: 'other' differs from the file name"),
])
def test_bad_vignette_exits_2_naming_file_and_key(tmp_path: Path, mutate, message: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good-01", {"age": 30}, ["muscle_fatigue"], [], ["self_care"])
    data = yaml.safe_load(good.read_text())
    data["id"] = "bad-01"
    mutate(data)
    bad = tmp_path / "bad-01.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    rc = main(["evaluate", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2
    assert str(bad) in err and message in err
    assert "Traceback" not in err


def test_broken_yaml_and_empty_folder(tmp_path: Path, model: Model) -> None:
    with pytest.raises(InputError, match="no \\*.yaml or \\*.yml vignette files"):
        load_vignettes(tmp_path, model)
    (tmp_path / "a.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"a.yaml: not valid YAML \(.*\) at line \d+"):
        load_vignettes(tmp_path, model)
    with pytest.raises(InputError, match="no such folder"):
        load_vignettes(tmp_path / "missing", model)


def test_what_the_clinician_findings_add_is_reported(evaluation: Evaluation,
                                                      model: Model) -> None:
    """Issue 19: top-1 on the vignettes with examination or test findings, with them and with
    them removed, side by side (its goal, 90 % with them, is reported in README, not met)."""
    clin = {q.id for q in model.questions if q.asked_by == "clinician"}
    vignettes = {v.id: v for v in load_vignettes(VIGNETTES, model)}
    cl = evaluation.clinician
    assert sorted(cl["ids"]) == sorted(i for i, v in vignettes.items() if clin & set(v.answers))
    assert cl["n"] == len(cl["ids"]) >= 8  # at least 2 per arterial, compartment, nerve, ...
    by_id = {c.id: c for c in evaluation.cases}
    assert cl["top1_with"] == sum(by_id[i].top1_ok for i in cl["ids"])
    stripped = sum(model.diagnose({k: x for k, x in vignettes[i].answers.items()
                                   if k not in clin}).top.id in vignettes[i].top1
                   for i in cl["ids"])
    assert cl["top1_without"] == stripped
    assert "with examination or test findings" in format_report(evaluation)
    assert evaluation.to_dict()["clinician_findings"]["n"] == cl["n"]


@pytest.mark.parametrize("text, message", [
    # a key given twice: YAML keeps the last silently (it turned a case into a red flag)
    ("id: bad-01\nid: bad-01\n", "appears twice"),
    # ten lines of aliases that stand for 10^8 values (2.9 GB before the reader was shared)
    ("a: &a [" + ", ".join(['"x"'] * 10) + "]\n" + "".join(
        f"{n}: &{n} [" + ", ".join([f"*{p}"] * 10) + "]\n"
        for p, n in zip("abcdefg", "bcdefgh", strict=True)), "alias"),
])
def test_a_vignette_is_read_as_safely_as_a_priors_file(
        tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "good-01", {"age": 30}, ["muscle_fatigue"], [], ["self_care"])
    (tmp_path / "bad-01.yaml").write_text(text, encoding="utf-8")
    assert main(["evaluate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "bad-01.yaml" in err and message in err and "Traceback" not in err
