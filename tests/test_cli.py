"""The command line (contract section 5), run as a user would: ``python -m model ...`` in a
subprocess, from a temporary working directory (so it works from any directory)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED_CAUSES

from model import CONTRACT_CAUSES, CONTRACT_QUESTIONS, LEVELS


def run(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "model", *args], cwd=cwd, input=stdin,
                       capture_output=True, timeout=180)
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode("utf-8"),
                                       r.stderr.decode("utf-8"))


def assert_bad_input(r: subprocess.CompletedProcess[str], *patterns: str) -> list[str]:
    """Exit 2, nothing on stdout, no traceback, and one stderr line per problem."""
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert r.stdout == ""
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines, "a message on stderr"
    problems = [line for line in lines if not line.startswith("usage:")]
    for p in patterns:
        assert any(re.search(p, line) for line in problems), (p, r.stderr)
    return problems


def write_case(path: Path, answers: Any) -> Path:
    path.write_text(json.dumps({"answers": answers}), encoding="utf-8")
    return path


def check_diagnosis_json(out: str) -> dict[str, Any]:
    d = json.loads(out)
    ids = [c["id"] for c in d["causes"]]
    # every contract cause exactly once (the list is a minimum), and the shipped extras
    assert sorted(ids) == sorted(SHIPPED_CAUSES) and set(CONTRACT_CAUSES) <= set(ids)
    probs = [c["probability"] for c in d["causes"]]
    assert probs == sorted(probs, reverse=True)
    assert d["triage"]["level"] in LEVELS
    assert isinstance(d["triage"]["reasons"], list) and d["triage"]["reasons"]
    assert all({"id", "expected_information_gain"} <= set(q) for q in d["next_questions"])
    assert d["evidence"]["heavy_legs"] == "yes"
    return d


# ----------------------------------------------------------------------------- happy paths
def test_diagnose_a_file(tmp_path: Path) -> None:
    case = write_case(tmp_path / "case.json", {"age": 34, "rest_days_per_week": 0})
    r = run(["diagnose", str(case)], tmp_path)
    assert r.returncode == 0, r.stderr
    d = check_diagnosis_json(r.stdout)
    assert d["evidence"]["age"] == "30_39" and d["evidence"]["rest_days_per_week"] == "none"
    from model import load_model

    every = {q.id for q in load_model().questions if q.asked_by == "runner"}
    assert {q["id"] for q in d["next_questions"]} == every - {"age", "rest_days_per_week"}


def test_diagnose_relative_path_from_any_directory(tmp_path: Path) -> None:
    write_case(tmp_path / "c.json", {"cramps": "yes"})
    r = run(["diagnose", "c.json"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert check_diagnosis_json(r.stdout)["evidence"]["cramps"] == "yes"


def test_diagnose_stdin(tmp_path: Path) -> None:
    r = run(["diagnose", "-"], tmp_path, stdin=b'{"answers": {"sex": "female", "age": 22}}')
    assert r.returncode == 0, r.stderr
    d = check_diagnosis_json(r.stdout)
    assert d["evidence"]["sex"] == "female"


def test_diagnose_file_equals_api(tmp_path: Path) -> None:
    from model import load_model

    answers = {"age": 55, "smoker": "yes", "calf_pain_walking": "yes"}
    r = run(["diagnose", str(write_case(tmp_path / "c.json", answers))], tmp_path)
    assert r.returncode == 0, r.stderr
    api = load_model().diagnose(answers).to_dict()
    cli = json.loads(r.stdout)
    assert [(c["id"], c["probability"]) for c in cli["causes"]] == \
        [(c["id"], c["probability"]) for c in api["causes"]]
    assert cli["triage"]["level"] == api["triage"]["level"]


def test_clinic_population(tmp_path: Path) -> None:
    case = write_case(tmp_path / "c.json", {})
    a = json.loads(run(["diagnose", str(case)], tmp_path).stdout)
    b = run(["diagnose", str(case), "--population", "clinic"], tmp_path)
    assert b.returncode == 0, b.stderr
    assert check_diagnosis_json(b.stdout)["causes"] != a["causes"]


def test_red_flag_example_is_urgent_or_higher(tmp_path: Path, examples_dir: Path) -> None:
    r = run(["diagnose", str(examples_dir / "red-flag.json")], tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["triage"]["level"] in ("urgent", "emergency")


def test_questions_lists_every_contract_question(tmp_path: Path) -> None:
    r = run(["questions"], tmp_path)
    assert r.returncode == 0, r.stderr
    qs = json.loads(r.stdout)
    by_id = {q["id"]: q for q in qs}
    assert len(by_id) == len(qs)
    assert set(CONTRACT_QUESTIONS) <= set(by_id)
    for q in qs:
        assert q["text"] and q["group"] and q["type"] in ("yes_no", "choice", "number")
        if q["type"] == "number":
            lo, hi = q["range"]
            assert lo < hi
        else:
            assert q["options"]
    assert by_id["age"]["range"] == [12, 100]
    assert by_id["weekly_distance_change_pct"]["range"] == [-100, 500]
    assert by_id["medication"]["options"] == ["none", "beta_blocker", "statin", "diuretic",
                                              "other"]
    assert by_id["smoker"]["options"] == ["no", "yes"]


def test_export_bif(tmp_path: Path) -> None:
    from model import load_model
    from model.pgmpy_io import query_posteriors, read

    r = run(["export", "--format", "bif", "-o", "net.bif"], tmp_path)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "net.bif"
    assert path.stat().st_size > 0 and path.read_text().lstrip().startswith("network")
    d = load_model().diagnose({"age": 47, "calf_warm_red_tender": "yes"})
    ref = query_posteriors(read(path, "bif"), ["dvt", "pad"], dict(d.evidence))
    assert abs(ref["dvt"]["present"] - d.probability("dvt")) <= 1e-9
    assert abs(ref["pad"]["present"] - d.probability("pad")) <= 1e-9


# ----------------------------------------------------------------------------- bad input
def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"answers": {\n  "age": 34,\n  "sex" "male"}}',
                                       encoding="utf-8")
    assert_bad_input(run(["diagnose", "bad.json"], tmp_path), r"line 3, column \d+",
                     r"bad\.json")


def test_malformed_json_on_stdin(tmp_path: Path) -> None:
    assert_bad_input(run(["diagnose", "-"], tmp_path, stdin=b'{"answers": '),
                     r"stdin", r"line 1, column \d+")


def test_unknown_question_suggests_closest(tmp_path: Path) -> None:
    case = write_case(tmp_path / "c.json", {"sleep_hour": 7})
    assert_bad_input(run(["diagnose", str(case)], tmp_path), r"'sleep_hour' is not a question",
                     r"did you mean 'sleep_hours'")


def test_wrong_type(tmp_path: Path) -> None:
    case = write_case(tmp_path / "c.json", {"age": "old"})
    assert_bad_input(run(["diagnose", str(case)], tmp_path), r"age: 'old' is not a number",
                     r"give a number from 12 to 100")


def test_boolean_for_yes_no(tmp_path: Path) -> None:
    case = write_case(tmp_path / "c.json", {"smoker": True})
    assert_bad_input(run(["diagnose", str(case)], tmp_path), r"smoker", r'"yes" or "no"')


def test_out_of_range(tmp_path: Path) -> None:
    case = write_case(tmp_path / "c.json", {"age": 130})
    assert_bad_input(run(["diagnose", str(case)], tmp_path), r"age: 130 is out of range",
                     r"from 12 to 100")


def test_unknown_choice_lists_valid_ones(tmp_path: Path) -> None:
    case = write_case(tmp_path / "c.json", {"surface": "sand"})
    assert_bad_input(run(["diagnose", str(case)], tmp_path), r"surface: 'sand'",
                     r"road, track, trail_grass, treadmill, mixed")


def test_every_bad_answer_is_reported_one_per_line(tmp_path: Path) -> None:
    case = write_case(tmp_path / "c.json",
                      {"age": 130, "surface": "sand", "sleep_hour": 7, "cramps": "yes"})
    problems = assert_bad_input(run(["diagnose", str(case)], tmp_path), r"age", r"surface",
                                r"sleep_hour")
    assert len(problems) == 4, problems  # and one closing line: how to go on
    assert problems[-1].startswith("error: nothing was computed: fix these"), problems


def test_missing_file(tmp_path: Path) -> None:
    assert_bad_input(run(["diagnose", "nope.json"], tmp_path), r"nope\.json", r"no such file")


def test_a_directory(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    assert_bad_input(run(["diagnose", "cases"], tmp_path), r"cases", r"folder")


def test_non_utf8_bytes(tmp_path: Path) -> None:
    (tmp_path / "latin1.json").write_bytes('{"answers": {"sex": "f\xe9male"}}'.encode("latin-1"))
    assert_bad_input(run(["diagnose", "latin1.json"], tmp_path), r"not UTF-8", r"UTF-8")


def test_non_utf8_stdin(tmp_path: Path) -> None:
    assert_bad_input(run(["diagnose", "-"], tmp_path, stdin=b'{"answers": {"a": "\xff"}}'),
                     r"stdin", r"UTF-8")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals(tmp_path: Path, literal: str) -> None:
    (tmp_path / "c.json").write_text(f'{{"answers": {{"age": {literal}}}}}', encoding="utf-8")
    assert_bad_input(run(["diagnose", "c.json"], tmp_path), literal, r"finite number")


def test_top_level_array(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text('[{"answers": {}}]', encoding="utf-8")
    assert_bad_input(run(["diagnose", "c.json"], tmp_path), r"JSON object", r"list")


def test_missing_answers_key(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text('{"notes": "x"}', encoding="utf-8")
    assert_bad_input(run(["diagnose", "c.json"], tmp_path), r'no "answers" key')
    (tmp_path / "c.json").write_text('{"age": 34}', encoding="utf-8")  # bare answers
    assert_bad_input(run(["diagnose", "c.json"], tmp_path), r'look like bare answers')


def test_answers_not_an_object(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text('{"answers": ["age", 34]}', encoding="utf-8")
    assert_bad_input(run(["diagnose", "c.json"], tmp_path), r'"answers" must be an object')


def test_unknown_export_format(tmp_path: Path) -> None:
    assert_bad_input(run(["export", "--format", "png", "-o", "x.png"], tmp_path),
                     r"'png' is not supported", r"bif, xmlbif, xdsl")
    assert not (tmp_path / "x.png").exists()


def test_export_without_output(tmp_path: Path) -> None:
    assert_bad_input(run(["export", "--format", "bif"], tmp_path), r"-o")


def test_export_into_missing_folder(tmp_path: Path) -> None:
    assert_bad_input(run(["export", "--format", "bif", "-o", "no/such/net.bif"], tmp_path),
                     r"does not exist", r"create it")


def test_no_command(tmp_path: Path) -> None:
    r = run([], tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "diagnose" in r.stderr  # the help lists the commands


def test_unknown_command(tmp_path: Path) -> None:
    assert_bad_input(run(["diagnoze", "x.json"], tmp_path), r"diagnoze")


def test_unknown_population(tmp_path: Path) -> None:
    case = write_case(tmp_path / "c.json", {})
    assert_bad_input(run(["diagnose", str(case), "--population", "hospital"], tmp_path),
                     r"unknown population 'hospital'", r"clinic")


def test_an_unknown_option_points_at_its_commands_help(tmp_path: Path) -> None:
    """argparse reports an unknown option from the top-level parser; the hint names the
    command's own help (it once said `python -m model model --help`)."""
    (tmp_path / "c.json").write_text('{"answers": {"age": 40}}', encoding="utf-8")
    assert_bad_input(run(["diagnose", "c.json", "--bogus"], tmp_path),
                     r"unrecognized arguments: --bogus; see `python -m model diagnose --help`")
    assert_bad_input(run(["--bogus"], tmp_path), r"see `python -m model --help`")
    assert_bad_input(run(["evaluate", "--min-top1", "x"], tmp_path),
                     r"see `python -m model evaluate --help`")


def test_the_help_hint_follows_the_arguments_given_to_main(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    """In process too: the hint reads the arguments passed to ``main``, not sys.argv."""
    from model.cli import main

    case = tmp_path / "c.json"
    case.write_text('{"answers": {"age": 40}}', encoding="utf-8")
    assert main(["diagnose", str(case), "--bogus"]) == 2
    assert "see `python -m model diagnose --help`" in capsys.readouterr().err


# ----------------------------------------------------------------------------- hostile review
@pytest.mark.parametrize(("option", "value", "needle"), [
    ("--min-top1", "nan", r"--min-top1 nan is not a share; give a fraction from 0 to 1"),
    ("--min-top1", "150", r"--min-top1 150.0 is not a share"),
    ("--min-top3", "-0.1", r"--min-top3 -0.1 is not a share"),
    ("--max-over-triage", "inf", r"--max-over-triage inf is not a share"),
    ("--max-under-triage", "-1", r"--max-under-triage -1 is not a count; give a whole number"),
])
def test_evaluate_thresholds_out_of_range_are_bad_input(tmp_path: Path, option: str, value: str,
                                                        needle: str) -> None:
    vignettes = Path(__file__).parent / "vignettes"
    r = run(["evaluate", str(vignettes), "--no-real", f"{option}={value}"], tmp_path)
    assert_bad_input(r, needle)


_WRITERS = [
    ["export", "--format", "bif", "-o", "{out}"],
    ["batch", "{csv}", "-o", "{out}", "--quiet"],
    ["report", "{case}", "-o", "{out}"],
    ["case", "check", "{case}", "-o", "{out}"],
    ["case", "new", "{case}", "-o", "{out}"],
]


@pytest.mark.parametrize(("cmd", "target"), [
    *((c, t) for c in _WRITERS for t in ("fifo", "link-to-fifo")),
    *((c, "-") for c in _WRITERS if c[0] != "case"),  # case writes stdout for -o -
])
def test_an_output_that_is_a_pipe_or_dash_is_refused(tmp_path: Path, cmd: list[str],
                                                     target: str) -> None:
    """``-o`` never replaces a named pipe (or a device) with a regular file, and ``-o -`` is
    not a file named ``-``."""
    import os

    case = write_case(tmp_path / "case.json", {"age": 34})
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("age\n34\n", encoding="utf-8")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link-to-fifo").symlink_to(tmp_path / "fifo")
    out = target if target == "-" else str(tmp_path / target)
    r = run([a.format(out=out, csv=csv_in, case=case) for a in cmd], tmp_path)
    if target == "-":
        assert_bad_input(r, r"-o -: .* writes a file, not standard output")
        assert not (tmp_path / "-").exists()
    else:
        assert_bad_input(r, r"named pipe \(FIFO\), not a regular file")
        assert (tmp_path / "fifo").is_fifo()


def test_case_writes_stdout_for_a_dash(tmp_path: Path) -> None:
    case = write_case(tmp_path / "case.json", {"age": 34})
    r = run(["case", "check", str(case), "-o", "-"], tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["answers"] == {"age": 34}
    assert not (tmp_path / "-").exists()


def test_export_into_a_folder_that_cannot_hold_files_says_so(tmp_path: Path) -> None:
    r = run(["export", "--format", "bif", "-o", "/proc/x.bif"], tmp_path)
    # root: "exists but no file can be created there"; others: "permission denied"
    assert_bad_input(r, r"/proc/x.bif: cannot write \((folder /proc exists|permission denied)")
    assert "does not exist" not in r.stderr


@pytest.mark.parametrize(("args", "named"), [
    (["questions", "--group", "exam", "--all"], "--group and --all do not go together"),
    (["questions", "--population", ""], "--population is empty"),
])
def test_options_that_would_be_ignored_are_refused(tmp_path: Path, args, named) -> None:
    """An empty --population used to mean the default, and --all was dropped beside
    --group: both are exit 2 naming the option."""
    r = run(args, tmp_path)
    assert_bad_input(r, re.escape(named))


def test_a_question_set_twice_in_one_edit_is_refused(tmp_path: Path) -> None:
    case = tmp_path / "c.json"
    case.write_text(json.dumps({"answers": {"age": 40}}))
    r = run(["case", "edit", str(case), "--set", "age=30", "--set", "age=50"], tmp_path)
    assert_bad_input(r, r"--set age is given twice")
    assert json.loads(case.read_text()) == {"answers": {"age": 40}}


def test_a_full_disk_under_standard_output_is_named_with_exit_2() -> None:
    """`diagnose case.json > /dev/full`: the write fails at exit; it said "internal error ...
    Please report it" (exit 1), now what happened and the fix (exit 2)."""
    root = Path(__file__).resolve().parents[1]
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "model", "questions"], cwd=root,
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "could not write the output" in r.stderr and "room" in r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr


def test_diagnose_uses_the_base_rates_a_case_file_holds(tmp_path: Path, capsys) -> None:
    """A case saved on the physio's page with a base rate changed: the command line gives
    the page's numbers (for the case's population), as the report does."""
    from model import load_model
    from model.cli import main

    answers = {"age": 24, "calf_pain_walking": "yes"}
    case = tmp_path / "c.json"
    case.write_text(json.dumps({"answers": answers, "population": "clinic",
                                "base_rates": {"cecs": 0.03}}), encoding="utf-8")
    assert main(["diagnose", str(case)]) == 0
    out = json.loads(capsys.readouterr().out)
    want = load_model(population="clinic").with_base_rates({"cecs": 0.03}).diagnose(answers)
    got = {c["id"]: c["probability"] for c in out["causes"]}
    assert got["cecs"] == pytest.approx(want.probability("cecs"), abs=1e-12)


def test_a_cases_base_rates_stay_with_its_population(tmp_path: Path, capsys) -> None:
    """A code review: `case new --population` moved a case's base rates to another
    population silently, `diagnose --population` dropped them without a word, and the
    report's 'from the runner's answers alone' ignored them."""
    from model import load_model
    from model.cli import main
    from model.workflows.cases import load_case
    from model.workflows.report import build_report

    answers = {"exam_focal_bone_tenderness": "yes", "exam_hop_test_pain": "yes"}
    src = tmp_path / "c.json"
    src.write_text(json.dumps({"answers": answers, "base_rates": {"bone_stress_injury": 0.3}}),
                   encoding="utf-8")
    out = tmp_path / "g.json"
    assert main(["case", "new", str(src), "--population", "clinic", "-o", str(out)]) == 0
    assert "left out for clinic" in capsys.readouterr().err
    moved = load_case(out, load_model(population="clinic")).case
    assert moved.population == "clinic" and not moved.base_rates
    assert main(["diagnose", str(src), "--population", "clinic"]) == 0
    assert "uses its own" in capsys.readouterr().err
    plain = load_model()
    r = build_report(load_case(src, plain).case, plain)
    adjusted = plain.with_base_rates({"bone_stress_injury": 0.3})
    bone = next(c for c in r.causes if c.id == "bone_stress_injury")
    alone = adjusted.assess({}).causes  # no runner answers: the prior with the case's rate
    assert bone.without_clinician == pytest.approx(
        next(c.probability for c in alone if c.id == "bone_stress_injury"), abs=1e-9)


def test_an_option_before_the_command_is_told_where_it_goes(tmp_path: Path) -> None:
    """A hostile-input review: `--population clinic diagnose x.json` said "invalid choice:
    'clinic'" (read as the command)."""
    r = run(["--population", "clinic", "diagnose", "x.json"], tmp_path)
    assert_bad_input(r, r"--population comes after `diagnose`")


def test_an_export_named_for_another_format_is_refused(tmp_path: Path) -> None:
    """BIF written into net.xdsl (exit 0) opened as nothing in GeNIe."""
    r = run(["export", "--format", "bif", "-o", "net.xdsl"], tmp_path)
    assert_bad_input(r, r"ends in \.xdsl but --format is bif")
    assert not (tmp_path / "net.xdsl").exists()


def test_yml_vignettes_are_read_beside_yaml_ones(tmp_path: Path) -> None:
    """A folder with .yaml and .yml vignettes scored the .yaml ones alone, without a word."""
    import shutil

    src = Path(__file__).resolve().parent / "vignettes"
    files = sorted(src.glob("*.yaml"))[:2]
    shutil.copy(files[0], tmp_path / files[0].name)
    shutil.copy(files[1], tmp_path / (files[1].stem + ".yml"))
    r = run(["evaluate", str(tmp_path), "--no-real", "--json"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["n"] == 2
