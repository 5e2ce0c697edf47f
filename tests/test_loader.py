"""Every validation error path of the knowledge-base loader (model/priors.py).

Each test copies the real priors/ into a temporary folder, breaks exactly one thing and checks
that loading refuses the whole base with a message naming the file, the key and the fix.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SHIPPED_CAUSES

from model import PriorsError, load_model
from model.api import Model
from model.kb import CONTRACT_QUESTIONS, load_knowledge_base


def edit_yaml(directory: Path, name: str, change: Callable[[Any], None]) -> None:
    """Load ``directory/name``, apply ``change`` to the data in place, write it back."""
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def problems_of(directory: Path, **kwargs: Any) -> tuple[str, ...]:
    with pytest.raises(PriorsError) as info:
        load_knowledge_base(directory, **kwargs)
    assert info.value.problems, "a PriorsError must carry at least one problem line"
    for line in info.value.problems:
        assert "\n" not in line, f"one line per problem: {line!r}"
    return info.value.problems


def assert_problem(problems: tuple[str, ...], *patterns: str) -> str:
    """Some problem line matches every regex in ``patterns`` (file, key, fix)."""
    for line in problems:
        if all(re.search(p, line) for p in patterns):
            return line
    raise AssertionError(f"no problem matches {patterns}; got:\n" + "\n".join(problems))


@pytest.fixture
def broken(priors_copy: Callable[..., Path]) -> Path:
    return priors_copy()


# ----------------------------------------------------------------------------- the real base
def test_real_priors_validate(priors_dir: Path) -> None:
    kb = load_knowledge_base(priors_dir)
    assert {c.id for c in kb.causes} == set(SHIPPED_CAUSES)
    assert {q.id for q in kb.questions} >= set(CONTRACT_QUESTIONS)
    assert set(kb.populations) >= {"self_assessment", "clinic"}
    assert any(f.id == "heavy_legs" for f in kb.findings)


def test_the_copy_itself_is_valid(broken: Path) -> None:
    """The mutation tests below start from a copy that loads (so each failure is the edit's)."""
    edit_yaml(broken, "causes.yaml", lambda d: None)  # a YAML round trip changes nothing
    edit_yaml(broken, "findings.yaml", lambda d: None)
    kb = load_knowledge_base(broken)
    assert len(kb.causes) == len(SHIPPED_CAUSES)


# ----------------------------------------------------------------------------- numbers
def test_probability_above_one(broken: Path) -> None:
    def change(d: Any) -> None:
        d["causes"]["muscle_fatigue"]["base_rate"]["self_assessment"]["p"] = 1.3

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:",
                   r"muscle_fatigue\.base_rate\.self_assessment", r"1\.3", r"\[0, 1\]")


def test_negative_link_probability(broken: Path) -> None:
    def change(d: Any) -> None:
        d["findings"]["heavy_legs"]["links"]["dvt"]["p"] = -0.2

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"heavy_legs\.links\.dvt",
                   r"-0\.2", r"\[0, 1\]")


def test_distribution_not_summing_to_one(broken: Path) -> None:
    def change(d: Any) -> None:
        d["risk_factors"]["sex"]["prior"]["probs"] = {"female": 0.5, "male": 0.6}

    edit_yaml(broken, "risk_factors.yaml", change)
    assert_problem(problems_of(broken), r"^risk_factors\.yaml:", r"sex\.prior",
                   r"sum to 1\.1", r"adjust them so they sum to 1")


def test_ordered_link_not_summing_to_one(broken: Path) -> None:
    def change(d: Any) -> None:
        d["findings"]["relief_time"]["links"]["dvt"]["probs"]["not_relieved"] = 0.9

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"relief_time\.links\.dvt",
                   r"sum to 1\.1", r"so they sum to 1")


def test_non_numeric_value(broken: Path) -> None:
    def change(d: Any) -> None:
        d["causes"]["dehydration"]["base_rate"]["clinic"]["p"] = "high"

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:", r"dehydration\.base_rate\.clinic\.p",
                   r"write a number")


def test_non_positive_odds_ratio(broken: Path) -> None:
    def change(d: Any) -> None:
        d["causes"]["muscle_fatigue"]["odds_ratios"]["sleep_hours"]["under_6"]["value"] = 0

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:",
                   r"muscle_fatigue\.odds_ratios\.sleep_hours\.under_6", r"> 0")


def test_base_rate_of_exactly_one_is_refused(broken: Path) -> None:
    def change(d: Any) -> None:
        d["causes"]["overtraining"]["base_rate"]["clinic"]["p"] = 1.0

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:", r"overtraining\.base_rate",
                   r"clinic\.p: base rate 1 is outside \[1e-06, 0\.99\]")


# ----------------------------------------------------------------------------- keys and names
def test_unknown_key_typo(broken: Path) -> None:
    def change(d: Any) -> None:
        c = d["causes"]["muscle_fatigue"]
        c["odds_ratio"] = c.pop("odds_ratios")

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:", r"muscle_fatigue\.odds_ratio\b",
                   r"remove the key or correct its spelling")


def test_missing_key(broken: Path) -> None:
    def change(d: Any) -> None:
        del d["questions"][0]["text"]

    edit_yaml(broken, "questions.yaml", change)
    assert_problem(problems_of(broken), r"^questions\.yaml:", r"questions\.0\.text",
                   r"add the key")


def test_missing_source(broken: Path) -> None:
    def change(d: Any) -> None:
        link = d["findings"]["cramps"]["links"]
        first = next(iter(link))
        link[first] = {"p": link[first]["p"]}

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"findings\.cramps\.links\.",
                   r"no source", r"add `source:", r"`estimate:")


def test_empty_estimate_is_no_source(broken: Path) -> None:
    def change(d: Any) -> None:
        d["risk_factors"]["smoker"]["prior"] = {"probs": {"no": 0.9, "yes": 0.1},
                                                "estimate": "   "}

    edit_yaml(broken, "risk_factors.yaml", change)
    assert_problem(problems_of(broken), r"^risk_factors\.yaml:", r"smoker\.prior",
                   r"no source")


def test_unknown_reference_key(broken: Path) -> None:
    def change(d: Any) -> None:
        d["causes"]["muscle_fatigue"]["base_rate"]["self_assessment"]["source"] = "R477"

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:",
                   r"muscle_fatigue\.base_rate\.self_assessment", r"'R477'",
                   r"not in references\.yaml", r"add it there or correct the key")


def test_unknown_risk_factor_in_odds_ratios(broken: Path) -> None:
    def change(d: Any) -> None:
        ors = d["causes"]["muscle_fatigue"]["odds_ratios"]
        ors["run_duraton_min"] = ors.pop("run_duration_min")

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:",
                   r"muscle_fatigue\.odds_ratios\.run_duraton_min", r"not a risk factor",
                   r"did you mean 'run_duration_min'", r"use a node of risk_factors\.yaml")


def test_unknown_parent_of_table_cause(broken: Path) -> None:
    def change(d: Any) -> None:
        d["causes"]["medication_side_effect"]["table"]["parent"] = "medications"

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:",
                   r"medication_side_effect\.table\.parent", r"'medications'",
                   r"did you mean 'medication'", r"use a node of risk_factors\.yaml")


def test_unknown_cause_in_finding_link(broken: Path) -> None:
    def change(d: Any) -> None:
        links = d["findings"]["heavy_legs"]["links"]
        links["dehydratoin"] = links.pop("dehydration")

    edit_yaml(broken, "findings.yaml", change)
    problems = problems_of(broken)
    assert_problem(problems, r"^findings\.yaml:", r"heavy_legs\.links\.dehydratoin",
                   r"not a cause", r"did you mean 'dehydration'", r"use a cause id")


def test_unknown_state_in_prior(broken: Path) -> None:
    def change(d: Any) -> None:
        d["risk_factors"]["sex"]["prior"]["probs"] = {"femal": 0.45, "male": 0.55}

    edit_yaml(broken, "risk_factors.yaml", change)
    problems = problems_of(broken)
    assert_problem(problems, r"^risk_factors\.yaml:", r"sex\.prior", r"unknown state 'femal'",
                   r"did you mean 'female'", r"states are \['female', 'male'\]")


def test_unknown_state_in_odds_ratio(broken: Path) -> None:
    def change(d: Any) -> None:
        ors = d["causes"]["muscle_fatigue"]["odds_ratios"]["sleep_hours"]
        ors["under_five"] = ors.pop("under_6")

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:",
                   r"muscle_fatigue\.odds_ratios\.sleep_hours\.under_five",
                   r"unknown state 'under_five' of sleep_hours", r"states are")


def test_a_broken_cause_is_reported_once_not_by_every_finding(broken: Path) -> None:
    """The medication table names an unknown state: its own lines only, not "'medication_side_
    effect' is not a cause" from every finding that links it, nor an unused risk factor."""
    def change(d: Any) -> None:
        t = d["causes"]["medication_side_effect"]["table"]["p_present"]
        t["statins"] = t.pop("statin")

    edit_yaml(broken, "causes.yaml", change)
    problems = problems_of(broken)
    assert_problem(problems, r"^causes\.yaml:", r"medication_side_effect\.table\.p_present",
                   r"unknown state 'statins' of medication", r"did you mean 'statin'")
    assert all(p.startswith("causes.yaml: medication_side_effect.") for p in problems), problems


def test_a_broken_risk_factor_is_reported_once(broken: Path) -> None:
    def change(d: Any) -> None:
        d["risk_factors"]["sex"]["prior"]["probs"]["femal"] = (
            d["risk_factors"]["sex"]["prior"]["probs"].pop("female"))

    edit_yaml(broken, "risk_factors.yaml", change)
    problems = problems_of(broken)
    assert all(p.startswith("risk_factors.yaml: sex.prior") for p in problems), problems


def test_unknown_state_in_finding_link(broken: Path) -> None:
    def change(d: Any) -> None:
        probs = d["findings"]["relief_time"]["links"]["pad"]["probs"]
        probs["minute"] = probs.pop("minutes")

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"relief_time\.links\.pad",
                   r"unknown state 'minute'", r"did you mean 'minutes'", r"states are")


def test_link_pushing_finding_downward(broken: Path) -> None:
    def change(d: Any) -> None:
        leak = d["findings"]["heavy_legs"]["leak"]["p"]
        d["findings"]["heavy_legs"]["links"]["hard_surface"]["p"] = leak / 2

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"heavy_legs\.links\.hard_surface",
                   r"can only push the finding upward", r"raise the upper states or remove")


def test_ordered_link_pushing_finding_downward(broken: Path) -> None:
    def change(d: Any) -> None:
        f = d["findings"]["relief_time"]
        f["links"]["pad"]["probs"] = {"minutes": 0.97, "15_to_30_min": 0.01, "hours": 0.01,
                                      "not_relieved": 0.01}

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"relief_time\.links\.pad",
                   r"push the finding upward")


def test_finding_states_must_match_question(broken: Path) -> None:
    def change(d: Any) -> None:
        d["findings"]["swelling"]["states"] = ["none", "both_legs"]

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"swelling\.states",
                   r"must list exactly the question's states")


# ----------------------------------------------------------------------------- the contract
def test_missing_contract_cause(broken: Path) -> None:
    def drop_cause(d: Any) -> None:
        del d["causes"]["hypothyroidism"]

    def drop_links(d: Any) -> None:
        for f in d["findings"].values():
            f["links"].pop("hypothyroidism", None)

    edit_yaml(broken, "causes.yaml", drop_cause)
    edit_yaml(broken, "findings.yaml", drop_links)
    problems = problems_of(broken)
    assert_problem(problems, r"^causes\.yaml:", r"contract cause 'hypothyroidism' is missing",
                   r"add it")
    # the same small base is fine once the contract is not required
    kb = load_knowledge_base(broken, require_contract=False)
    assert "hypothyroidism" not in {c.id for c in kb.causes}


def test_cause_outside_the_contract(broken: Path) -> None:
    def change(d: Any) -> None:
        d["causes"]["muscle_fatigues"] = d["causes"].pop("muscle_fatigue")

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:", r"muscle_fatigues",
                   r"not a contract cause", r"did you mean 'muscle_fatigue'")


def test_contract_group_is_checked(broken: Path) -> None:
    def change(d: Any) -> None:
        d["causes"]["dvt"]["group"] = "circulation"

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:", r"dvt\.group",
                   r"differs from the contract", r"use 'medical'")


def test_missing_contract_question(broken: Path) -> None:
    def change(d: Any) -> None:
        d["questions"] = [q for q in d["questions"] if q["id"] != "dizziness"]

    edit_yaml(broken, "questions.yaml", change)
    assert_problem(problems_of(broken), r"^questions\.yaml:",
                   r"contract question 'dizziness' is missing", r"add it")


def test_missing_heavy_legs(broken: Path) -> None:
    edit_yaml(broken, "findings.yaml", lambda d: d["findings"].pop("heavy_legs"))
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"'heavy_legs' is missing",
                   r"needs it")


def test_heavy_legs_must_link_every_cause(broken: Path) -> None:
    edit_yaml(broken, "findings.yaml", lambda d: d["findings"]["heavy_legs"]["links"].pop("dvt"))
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"heavy_legs\.links",
                   r"must link every cause", r"add the missing")


def test_unknown_population(broken: Path) -> None:
    def change(d: Any) -> None:
        rates = d["causes"]["muscle_fatigue"]["base_rate"]
        rates["clinik"] = rates.pop("clinic")

    edit_yaml(broken, "causes.yaml", change)
    problems = problems_of(broken)
    assert_problem(problems, r"^causes\.yaml:", r"muscle_fatigue\.base_rate\.clinik",
                   r"unknown population", r"did you mean 'clinic'", r"populations are")
    assert_problem(problems, r"^causes\.yaml:", r"muscle_fatigue\.base_rate",
                   r"no rate for population 'clinic'", r"add one")


def test_missing_required_population(broken: Path) -> None:
    def change(d: Any) -> None:
        del d["populations"]["clinic"]
        for c in d["causes"].values():
            (c.get("base_rate") or {}).pop("clinic", None)

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^causes\.yaml:", r"populations",
                   r"'clinic' is missing", r"add it")


def test_unused_risk_factor(broken: Path) -> None:
    """previous_leg_injury is a risk factor; unlink it from every cause."""

    def change(d: Any) -> None:
        for c in d["causes"].values():
            (c.get("odds_ratios") or {}).pop("previous_leg_injury", None)

    edit_yaml(broken, "causes.yaml", change)
    assert_problem(problems_of(broken), r"^risk_factors\.yaml:", r"previous_leg_injury",
                   r"no cause uses this risk factor", r"link it in causes\.yaml .* or remove it")


def test_question_that_is_not_a_node(broken: Path) -> None:
    edit_yaml(broken, "findings.yaml", lambda d: d["findings"].pop("dizziness"))
    assert_problem(problems_of(broken), r"^questions\.yaml:", r"dizziness",
                   r"question is not a node", r"add it to risk_factors\.yaml .* or findings\.yaml")


def test_finding_that_is_not_a_question(broken: Path) -> None:
    def change(d: Any) -> None:
        d["findings"]["dizzyness"] = d["findings"].pop("dizziness")

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"dizzyness",
                   r"no question with this id", r"did you mean 'dizziness'")


# ----------------------------------------------------------------------------- triage
def test_triage_rule_with_unknown_question(broken: Path) -> None:
    def change(d: Any) -> None:
        d["red_flags"][0]["all"] = {"chest_pain_or_fainted": "yes"}

    edit_yaml(broken, "triage.yaml", change)
    assert_problem(problems_of(broken), r"^triage\.yaml:", r"red_flags\[0\]",
                   r"unknown question 'chest_pain_or_fainted'",
                   r"did you mean 'chest_pain_or_fainting'")


def test_triage_rule_with_unknown_answer(broken: Path) -> None:
    def change(d: Any) -> None:
        d["red_flags"][3]["all"]["swelling"] = "one_legs"

    edit_yaml(broken, "triage.yaml", change)
    assert_problem(problems_of(broken), r"^triage\.yaml:", r"red_flags\[3\]", r"swelling",
                   r"'one_legs' is not an answer",
                   r"answers are \['none', 'both_legs', 'one_leg'\]")


def test_triage_rule_with_unknown_level(broken: Path) -> None:
    def change(d: Any) -> None:
        d["red_flags"][0]["level"] = "critical"

    edit_yaml(broken, "triage.yaml", change)
    assert_problem(problems_of(broken), r"^triage\.yaml:", r"red_flags\[0\].*\.level",
                   r"'critical' is not a level", r"use one of")


def test_a_work_up_names_a_cause_questions_and_answers_that_exist(broken: Path) -> None:
    def change(d: Any) -> None:
        d["worked_up"][0]["cause"] = "dvtt"
        d["worked_up"][0]["any"][0] = {"test_d_dimer_positiv": "no"}
        d["worked_up"][0]["any"][1]["test_duplex_dvt"] = "negative"

    edit_yaml(broken, "triage.yaml", change)
    found = problems_of(broken)
    assert_problem(found, r"^triage\.yaml:", r"worked_up\[0\] \(dvtt\)\.cause",
                   r"'dvtt' is not a cause", r"did you mean 'dvt'")
    assert_problem(found, r"worked_up\[0\]", r"unknown question 'test_d_dimer_positiv'",
                   r"did you mean 'test_d_dimer_positive'")
    assert_problem(found, r"worked_up\[0\]", r"test_duplex_dvt",
                   r"'negative' is not an answer")


def test_a_work_up_without_a_clause_is_refused(broken: Path) -> None:
    def change(d: Any) -> None:
        d["worked_up"][0]["any"] = []

    edit_yaml(broken, "triage.yaml", change)
    assert_problem(problems_of(broken), r"worked_up\[0\] \(dvt\)\.any: empty",
                   r"give at least one clause")


def test_triage_number_condition_on_a_yes_no_question(broken: Path) -> None:
    def change(d: Any) -> None:
        d["amber_flags"][0]["all"] = {"calf_pain_walking": {"at_least": 1}}

    edit_yaml(broken, "triage.yaml", change)
    assert_problem(problems_of(broken), r"^triage\.yaml:", r"amber_flags\[0\]",
                   r"calf_pain_walking", r"at_least/below only with number questions")


# ----------------------------------------------------------------------------- files
def test_yaml_syntax_error_names_line_and_column(broken: Path) -> None:
    path = broken / "causes.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    idx = next(i for i, line in enumerate(lines) if line.startswith("causes:"))
    lines.insert(idx + 1, "  broken: {p: [0.1, 0.2}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = assert_problem(problems_of(broken), r"^causes\.yaml:", r"not valid YAML",
                          r"line \d+, column \d+", r"fix the syntax there")
    lineno = int(re.search(r"line (\d+)", line).group(1))  # type: ignore[union-attr]
    assert abs(lineno - (idx + 2)) <= 1, line


def test_missing_file(broken: Path) -> None:
    (broken / "triage.yaml").unlink()
    assert_problem(problems_of(broken), r"^triage\.yaml:", r"file is missing",
                   r"restore it")


def test_unknown_extra_file(broken: Path) -> None:
    (broken / "links.yaml").write_text("links: {}\n", encoding="utf-8")
    assert_problem(problems_of(broken), r"^links\.yaml:", r"unknown file",
                   r"remove it or rename it")


def test_not_utf8_file(broken: Path) -> None:
    path = broken / "references.yaml"
    path.write_bytes(path.read_bytes() + b"\n# caf\xe9\n")
    assert_problem(problems_of(broken), r"^references\.yaml:", r"UTF-8")


def test_missing_directory(tmp_path: Path) -> None:
    assert_problem(problems_of(tmp_path / "nowhere"), r"no such priors directory",
                   r"pass an existing folder")


def test_every_problem_is_reported_at_once(broken: Path) -> None:
    def change_c(d: Any) -> None:
        d["causes"]["muscle_fatigue"]["base_rate"]["self_assessment"]["p"] = 2.0

    def change_f(d: Any) -> None:
        d["findings"]["cramps"]["leak"]["p"] = 7

    edit_yaml(broken, "causes.yaml", change_c)
    edit_yaml(broken, "findings.yaml", change_f)
    problems = problems_of(broken)
    assert_problem(problems, r"^causes\.yaml:", r"muscle_fatigue")
    assert_problem(problems, r"^findings\.yaml:", r"cramps\.leak")


# ----------------------------------------------------------------------------- refused whole
def test_a_broken_base_is_refused_whole(broken: Path) -> None:
    """One bad number: no knowledge base, no model, and nothing cached under that folder."""

    def change(d: Any) -> None:
        d["findings"]["cramps"]["leak"]["p"] = 1.5

    edit_yaml(broken, "findings.yaml", change)
    with pytest.raises(PriorsError, match=r"findings\.yaml: .*cramps\.leak"):
        load_model(priors_dir=broken)
    with pytest.raises(PriorsError):
        load_model(population="clinic", priors_dir=broken)
    # fixing the file makes the same folder load, so nothing stale was kept
    edit_yaml(broken, "findings.yaml",
              lambda d: d["findings"]["cramps"]["leak"].__setitem__("p", 0.15))
    m = load_model(priors_dir=broken)
    assert isinstance(m, Model)
    assert len(m.diagnose({}).causes) == len(SHIPPED_CAUSES)


def test_loaded_base_is_read_only(priors_dir: Path) -> None:
    kb = load_knowledge_base(priors_dir)
    with pytest.raises(ValueError):
        kb.findings[0].given[0, 0] = 0.5
    with pytest.raises(ValueError):
        next(iter(kb.risk_factors.values()))[1][0] = 0.5


# ----------------------------------------------------------------------------- the command
def _validate_cli(directory: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model", "validate-priors", str(directory)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_validate_priors_command_on_real_dir(priors_dir: Path, tmp_path: Path) -> None:
    r = _validate_cli(priors_dir, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout
    assert "Traceback" not in r.stderr


def test_validate_priors_command_default_dir(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "model", "validate-priors"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout


def test_validate_priors_command_on_broken_dir(broken: Path, tmp_path: Path) -> None:
    def change(d: Any) -> None:
        d["risk_factors"]["sex"]["prior"]["probs"] = {"female": 0.5, "male": 0.6}

    edit_yaml(broken, "risk_factors.yaml", change)
    (broken / "questions.yaml").write_text("questions: [\n", encoding="utf-8")
    r = _validate_cli(broken, tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert any("questions.yaml" in line and "line" in line and "column" in line
               for line in lines), r.stderr


def test_validate_priors_command_reports_semantic_problem(broken: Path, tmp_path: Path) -> None:
    def change(d: Any) -> None:
        d["risk_factors"]["sex"]["prior"]["probs"] = {"female": 0.5, "male": 0.6}

    edit_yaml(broken, "risk_factors.yaml", change)
    r = _validate_cli(broken, tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert re.search(r"risk_factors\.yaml: sex\.prior: .*sum to 1\.1", r.stderr), r.stderr


def test_validate_priors_command_on_missing_dir(tmp_path: Path) -> None:
    r = _validate_cli(tmp_path / "nope", tmp_path)
    assert r.returncode == 2
    assert "no such priors directory" in r.stderr
    assert "Traceback" not in r.stderr


# ----------------------------------------------------------------------------- hostile numbers
# Numbers that validate-priors used to call valid and that then broke the diagnosis with an
# internal error (brentq without a root, log(0), NaN in the JSON): each is refused on loading,
# file, key, range and reason named.
def _set_base_rate(v: Any) -> Callable[[Any], None]:
    def change(d: Any) -> None:
        d["causes"]["cecs"]["base_rate"]["self_assessment"]["p"] = v

    return change


def _set_odds_ratio(v: Any) -> Callable[[Any], None]:
    def change(d: Any) -> None:
        d["causes"]["dehydration"]["odds_ratios"]["temperature_c"]["hot"]["value"] = v

    return change


def _set_leak(v: Any) -> Callable[[Any], None]:
    def change(d: Any) -> None:
        d["findings"]["heavy_legs"]["leak"]["p"] = v

    return change


def _smoker_certain(d: Any) -> None:
    d["risk_factors"]["smoker"]["prior"]["probs"] = {"no": 1.0, "yes": 0.0}


def _table_entry_zero(d: Any) -> None:
    table = d["causes"]["medication_side_effect"]["table"]["p_present"]
    table[next(iter(table))]["p"] = 0.0


@pytest.mark.parametrize(
    ("name", "change", "patterns"),
    [
        ("risk_factors.yaml", _smoker_certain,
         [r"smoker\.prior", r"no = 1, yes = 0 outside", r"write a small positive number"]),
        ("causes.yaml", _table_entry_zero,
         [r"medication_side_effect\.table\.p_present", r"= 0 outside"]),
        ("causes.yaml", _set_base_rate(1.0e-300),
         [r"cecs\.base_rate", r"self_assessment\.p: base rate 1e-300",
          r"outside \[1e-06, 0\.99\]", r"write a rate in the range"]),
        ("causes.yaml", _set_base_rate(0.995), [r"cecs\.base_rate", r"0\.995 is outside"]),
        ("causes.yaml", _set_odds_ratio(1.0e300),
         [r"dehydration\.odds_ratios\.temperature_c\.hot\.value", r"odds ratio 1e\+300",
          r"outside \[1e-06, 1e\+06\]", r"give the cause a `table`"]),
        ("causes.yaml", _set_odds_ratio(1.0e-300), [r"hot\.value", r"odds ratio 1e-300"]),
        ("findings.yaml", _set_leak(0), [r"heavy_legs\.leak", r"p = 0 outside",
                                         r"\[1e-09, 1 - 1e-09\]", r"makes an answer impossible"]),
        ("findings.yaml", _set_leak(1.0e-300), [r"heavy_legs\.leak", r"p = 1e-300 outside"]),
        ("findings.yaml", _set_leak(1.0), [r"heavy_legs\.leak", r"p = 1 outside"]),
    ],
)
def test_a_number_the_network_cannot_use_is_refused(
    broken: Path, name: str, change: Callable[[Any], None], patterns: list[str]
) -> None:
    edit_yaml(broken, name, change)
    assert_problem(problems_of(broken), "^" + re.escape(name) + ":", *patterns)


def test_the_ends_of_the_ranges_load_and_diagnose(broken: Path) -> None:
    """The bounds themselves are usable: a base rate of 1e-6 with an odds ratio of a
    million on the same cause, and a leak of 1e-9, load and give a diagnosis (what validates,
    runs)."""

    def rare(d: Any) -> None:
        d["causes"]["dehydration"]["base_rate"]["self_assessment"]["p"] = 1e-6

    edit_yaml(broken, "causes.yaml", _set_base_rate(1e-6))
    edit_yaml(broken, "causes.yaml", rare)
    edit_yaml(broken, "causes.yaml", _set_odds_ratio(1e6))
    edit_yaml(broken, "findings.yaml", _set_leak(1e-9))
    d = Model(load_knowledge_base(broken)).diagnose({"age": 34, "temperature_c": 35})
    assert all(0.0 <= c.probability <= 1.0 for c in d.causes)


@pytest.mark.parametrize(("value", "shown"), [(True, "got true"), (False, "got false"),
                                              ("0.3", "got '0.3'")])
def test_a_yaml_truth_value_or_text_is_not_a_probability(broken: Path, value: Any,
                                                        shown: str) -> None:
    edit_yaml(broken, "findings.yaml", _set_leak(value))
    line = assert_problem(problems_of(broken), r"^findings\.yaml:", r"heavy_legs\.leak\.p",
                          r"must be a number, " + re.escape(shown))
    assert "between 0 and 1" not in line and "1.0" not in line


def test_a_truth_value_is_not_an_odds_ratio(broken: Path) -> None:
    edit_yaml(broken, "causes.yaml", _set_odds_ratio(True))
    assert_problem(problems_of(broken), r"hot\.value", r"must be a number, got true",
                   r"a number such as 1\.5 \(an odds ratio\)")


# ----------------------------------------------------------------------------- hostile files
def test_a_deleted_cause_is_named_as_referenced_but_not_defined(broken: Path) -> None:
    edit_yaml(broken, "causes.yaml", lambda d: d["causes"].pop("dehydration"))
    problems = problems_of(broken)
    assert_problem(problems, r"^findings\.yaml:", r"heavy_legs\.links\.dehydration",
                   r"'dehydration' is referenced here but not defined in causes\.yaml")
    assert not any("did you mean 'dehydration'" in p for p in problems), problems


@pytest.mark.parametrize("name", ["causes.yaml", "advice.yaml", "findings.yaml"])
def test_an_empty_file_is_named_empty(broken: Path, name: str) -> None:
    (broken / name).write_text("", encoding="utf-8")
    line = assert_problem(problems_of(broken), "^" + re.escape(name) + ":", r"the file is empty",
                          r"restore it")
    assert "instance of" not in line and "File" not in line


def test_a_file_that_is_a_list_names_what_it_should_be(broken: Path) -> None:
    (broken / "causes.yaml").write_text("- a\n- b\n", encoding="utf-8")
    line = assert_problem(problems_of(broken), r"^causes\.yaml:",
                          r"must be a mapping \(key: value\), not a list")
    assert "CausesFile" not in line


def test_a_missing_file_names_the_directory(broken: Path) -> None:
    (broken / "findings.yaml").unlink()
    assert_problem(problems_of(broken), r"^findings\.yaml:",
                   r"file is missing from " + re.escape(str(broken)))


def test_an_empty_priors_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "causes.yaml").write_text("causes: {}\n", encoding="utf-8")  # not read
    for empty in ("", "  "):
        assert_problem(problems_of(empty), r"priors directory is empty text",
                       r"leave --priors out")
    r = subprocess.run([sys.executable, "-m", "model", "diagnose", "--priors", "", "-"],
                       input='{"answers": {"age": 34}}', cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "empty text" in r.stderr and "Traceback" not in r.stderr


def test_a_file_given_as_the_priors_directory_is_named_a_file(tmp_path: Path) -> None:
    f = tmp_path / "passwd"
    f.write_text("root:x:0:0\n", encoding="utf-8")
    assert_problem(problems_of(f), r"is a file, not a directory", r"pass the priors folder")
    r = _validate_cli(f, tmp_path)
    assert r.returncode == 2 and "is a file, not a directory" in r.stderr
    assert "no such priors directory" not in r.stderr


def test_a_finding_link_of_probability_zero_is_refused(broken: Path) -> None:
    """A link state at 0 would let one answer rule a cause out for good (swelling -> DVT with
    none: 0 gave P(DVT) = 0 for 'no swelling', so DVT's escalation could never fire)."""
    def change(d: Any) -> None:
        probs = d["findings"]["swelling"]["links"]["dvt"]["probs"]
        first = next(iter(probs))
        probs[first], probs[list(probs)[-1]] = 0.0, probs[list(probs)[-1]] + probs[first]

    edit_yaml(broken, "findings.yaml", change)
    assert_problem(problems_of(broken), r"^findings\.yaml:", r"swelling", r"dvt",
                   r"write a small positive number")


# ----------------------------------------------------------------------------- session 19
def _rule(data: Any, rid: str) -> dict[str, Any]:
    return next(r for r in (*data["red_flags"], *data["amber_flags"]) if r["id"] == rid)


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        ({"at_least": float("nan")}, r"at_least/below must be finite numbers"),
        ({"at_least": float("inf")}, r"at_least/below must be finite numbers"),
        ({"at_least": 9999}, r"no answer from 0 to 520 can meet"),
        ({"at_least": 3, "below": 2}, r"no answer from 0 to 520 can meet"),
    ],
)
def test_a_number_condition_that_can_never_hold_is_refused(
    broken: Path, condition: dict[str, float], said: str
) -> None:
    """A hostile-input review: these made the three-weeks fatigue rule impossible, so a
    runner with five weeks of fatigue got self-care, and validate-priors said "valid"."""
    edit_yaml(broken, "triage.yaml",
              lambda d: _rule(d, "fatigue_beyond_three_weeks")["all"].update(
                  symptom_weeks=condition))
    assert_problem(problems_of(broken), r"triage\.yaml", r"fatigue_beyond_three_weeks",
                   r"symptom_weeks", said)


def test_an_empty_rule_or_answer_list_is_refused(broken: Path) -> None:
    """`all: {}` fired for every runner (every case urgent); `chest_pain_or_fainting: []`
    never fired."""
    def change(d: Any) -> None:
        _rule(d, "dvt_calf")["all"] = {}
        _rule(d, "chest_pain_or_fainting")["all"] = {"chest_pain_or_fainting": []}

    edit_yaml(broken, "triage.yaml", change)
    problems = problems_of(broken)
    assert_problem(problems, r"dvt_calf", r"no condition; a rule needs at least one")
    assert_problem(problems, r"chest_pain_or_fainting", r"empty list of answers never holds")


def test_a_rule_id_given_twice_is_refused(broken: Path) -> None:
    edit_yaml(broken, "triage.yaml",
              lambda d: d["amber_flags"].append(dict(_rule(d, "dvt_calf"))))
    assert_problem(problems_of(broken), r"rule id 'dvt_calf' is used twice")


def test_the_contract_s_red_flags_cannot_be_deleted_or_lowered(broken: Path) -> None:
    """Deleting the chest-pain rule validated, and chest pain then gave "urgent" with no red
    flag (contract section 3: emergency); lowering a rule's level is the same."""
    def change(d: Any) -> None:
        d["red_flags"] = [r for r in d["red_flags"] if r["id"] != "chest_pain_or_fainting"]
        _rule(d, "cauda_equina")["level"] = "urgent"

    edit_yaml(broken, "triage.yaml", change)
    problems = problems_of(broken)
    assert_problem(problems, r"contract section 3: chest_pain_or_fainting = yes must give at "
                             r"least 'emergency'")
    assert_problem(problems, r"bladder_bowel_or_saddle_numbness = yes must give at least "
                             r"'emergency'")


@pytest.mark.parametrize("bound", [float("nan"), float("inf")])
def test_a_question_s_range_and_bins_must_be_finite(broken: Path, bound: float) -> None:
    """A NaN bin bound put a rest-day answer of 1 in the last bin; `max: .inf` passed and
    then crashed `questions` with an internal error."""
    def change(d: Any) -> None:
        for q in d["questions"]:
            if q["id"] == "rest_days_per_week":
                q["bins"][0]["below"] = bound
            if q["id"] == "age":
                q["max"] = bound

    edit_yaml(broken, "questions.yaml", change)
    problems = problems_of(broken)
    assert_problem(problems, r"rest_days_per_week", r"`below` must be a finite number")
    said = r"`min` and `max` must be finite" if bound == bound else r"needs `min` < `max`"
    assert_problem(problems, r"\bage\b", said)  # (a NaN max fails min < max first)


def test_a_rule_with_only_alternatives_is_valid(broken: Path) -> None:
    """`all: {}` with a non-empty `any` fires on any of them: not refused (a code review)."""
    def change(d: Any) -> None:
        r = _rule(d, "chest_pain_or_fainting")
        r["all"] = {}
        r["any"] = [{"chest_pain_or_fainting": "yes"}, {"stroke_like_signs": "yes"}]

    edit_yaml(broken, "triage.yaml", change)
    load_knowledge_base(broken)


# ----------------------------------------------------------------------------- short labels
def test_short_labels_name_the_warning_signs(priors_dir: Path) -> None:
    """Every first-screen warning sign has a short label (the runner's result lists the
    open ones by it); the full text stays the question's text."""
    from model import first_screen_questions

    m = load_model(priors_dir=priors_dir)
    for qid in first_screen_questions(m.kb):
        q = m.question_map[qid]
        assert q.short_label and len(q.short_label) <= 40 and q.short == q.short_label
        assert q.text != q.short_label
    assert m.question_map["dark_cola_urine"].short == "Dark (cola-coloured) urine"
    assert m.question_map["age"].short == m.question_map["age"].text  # none: the text


@pytest.mark.parametrize("value, pattern", [
    ("", r"short_label ''"),
    ("A sign that takes far more than forty characters", r"at most 40 characters"),
    ("Two\nlines", r"one line"),
])
def test_a_bad_short_label_is_refused(broken: Path, value: str, pattern: str) -> None:
    def change(d: Any) -> None:
        q = next(q for q in d["questions"] if q["id"] == "dark_cola_urine")
        q["short_label"] = value

    edit_yaml(broken, "questions.yaml", change)
    assert_problem(problems_of(broken), r"^questions\.yaml:", r"short_label", pattern)


def test_two_questions_with_one_short_label_are_refused(broken: Path) -> None:
    def change(d: Any) -> None:
        q = next(q for q in d["questions"] if q["id"] == "both_legs_weak")
        q["short_label"] = "Chest pain or fainting"

    edit_yaml(broken, "questions.yaml", change)
    assert_problem(problems_of(broken), r"^questions\.yaml:", r"both_legs_weak",
                   r"'Chest pain or fainting' is also that of 'chest_pain_or_fainting'")
