"""Case files (schema, lossless loading, errors), share links and case comparison."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SHIPPED_CAUSES

from model.cli import main
from model.errors import InputError
from model.workflows.cases import (
    CLINICIAN,
    SELF_REPORT,
    Case,
    compare_cases,
    decode_share,
    encode_share,
    load_case,
    new_case,
    parse_case_text,
    save_case,
)

ANSWERS = {"age": 34, "sex": "female", "rest_days_per_week": 0, "heaviness_onset": "from_start",
           "resting_hr_elevated": "yes", "temperature_c": -3.5}


def test_plain_contract_file_loads_as_a_self_reported_case(model, examples_dir: Path) -> None:
    for path in sorted(examples_dir.glob("*.json")):
        loaded = load_case(path, model)
        raw = json.loads(path.read_text())["answers"]
        assert loaded.ok, loaded.problems
        assert dict(loaded.case.answers) == raw
        assert set(loaded.case.answered_by.values()) == {SELF_REPORT}
        assert loaded.case.population == "self_assessment"


def test_round_trip_keeps_everything(model, tmp_path: Path) -> None:
    case = new_case(ANSWERS, confidence={"sex": 0.9, "age": 0.5}, notes="ünïcode notes",
                    case_id="R-7", model=model, today="2025-01-02")
    case = case.with_answers({"resting_hr_elevated": "no", "cramps": "yes"}, model=model,
                             today="2025-01-09")
    path = save_case(case, tmp_path / "c.json")
    back = load_case(path, model)
    assert back.ok
    assert back.case == case
    assert back.case.answered_by["cramps"] == CLINICIAN
    assert back.case.answered_by["resting_hr_elevated"] == CLINICIAN
    assert back.case.answered_by["age"] == SELF_REPORT
    assert back.case.confidence == {"sex": 0.9, "age": 0.5}
    assert (back.case.created, back.case.updated) == ("2025-01-02", "2025-01-09")
    data = json.loads(path.read_text())
    assert data["format"] == "heavylegs.case" and data["version"] == 2


def test_with_answers_removes_and_drops_stale_confidence(model) -> None:
    case = new_case(ANSWERS, confidence={"sex": 0.6}, model=model)
    edited = case.with_answers({"sex": "male", "age": None}, model=model)
    assert "age" not in edited.answers and "age" not in edited.answered_by
    assert edited.answers["sex"] == "male" and "sex" not in edited.confidence
    with pytest.raises(InputError, match="rest_days_per_week: 9 is out of range"):
        case.with_answers({"rest_days_per_week": 9}, model=model)


def test_bad_answers_are_reported_and_good_ones_survive(model) -> None:
    text = json.dumps({
        "answers": {"age": 34, "agee": 40, "cramps": "maybe", "sex": "female", "swelling": 3},
        "answered_by": {"sex": "doctor", "age": CLINICIAN, "ghost": CLINICIAN},
        "confidence": {"sex": 0.2, "age": 0.8, "cramps": 0.9},
    })
    loaded = parse_case_text(text, "c.json", model)
    assert dict(loaded.case.answers) == {"age": 34, "sex": "female"}
    assert loaded.case.answered_by == {"age": CLINICIAN, "sex": SELF_REPORT}
    assert loaded.case.confidence == {"age": 0.8}
    assert dict(loaded.rejected) == {"agee": 40, "cramps": "maybe", "swelling": 3}
    joined = "\n".join(loaded.problems)
    assert "'agee' is not a question; did you mean 'age'?" in joined
    assert "cramps: 'maybe' is not one of the answers" in joined
    assert "answered_by.sex: 'doctor' is not a source" in joined
    assert "answered_by.ghost: no answer 'ghost'" in joined
    assert "confidence.sex: 0.2 must be a number from 0.5" in joined
    assert all(p.startswith("c.json: ") for p in loaded.problems)


@pytest.mark.parametrize("text, message", [
    ("[1, 2]", "a case file is a JSON object"),
    ('{"answers": [1]}', "answers: Input should be a valid dictionary"),
    ('{"anwsers": {}}', "unknown key 'anwsers'; did you mean 'answers'"),
    ("{}", "answers: Field required; add it"),
    ('{"answers": {}, "notes": 5}', "notes: Input should be a valid string"),
    ('{"answers": {}, "version": 9}', "version 9 is newer than this heavylegs reads"),
    ('{"answers": {}, "version": "1"}', "version: Input should be a valid integer"),
    ('{"answers": {}, "format": "other"}', "format: Input should be 'heavylegs.case'"),
    ('{"answers": {}, "created": "yesterday"}', "created: 'yesterday' is not a date"),
    ('{"answers": {"age": NaN}}', "NaN is not allowed in JSON"),
    ('{"answers": {"age": 3', "not valid JSON at line 1, column"),
])
def test_malformed_case_files_raise_clear_errors(model, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("?", r"\?")):
        parse_case_text(text, "c.json", model)


def test_file_errors(model, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_case(tmp_path / "missing.json", model)
    with pytest.raises(InputError, match="is a folder"):
        load_case(tmp_path, model)
    big = tmp_path / "big.json"
    big.write_text('{"answers": {}, "notes": "' + "x" * 1_100_000 + '"}')
    with pytest.raises(InputError, match="larger than 1000 kB"):
        load_case(big, model)
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_case(b'{"answers": {"sex": "\xff"}}', model)
    with pytest.raises(InputError, match="notes are 20001 characters"):
        parse_case_text(json.dumps({"answers": {}, "notes": "y" * 20_001}), "c", model)


# ----------------------------------------------------------------------------- share links
def test_share_link_round_trip_is_compact_and_self_reported(model) -> None:
    answers = {q.id: (q.options[0] if q.type == "choice" else "yes" if q.type == "yes_no"
                      else q.min) for q in model.questions}
    link = encode_share(answers, base_url="https://example.org/physio?lang=en",
                        population="clinic", model=model)
    assert link.startswith("https://example.org/physio?lang=en&case=h1.")
    token = link.split("case=")[1]
    assert all(ch.isalnum() or ch in "-_." for ch in token)  # URL-safe as is
    assert len(token) < 1800  # all 92 questions answered still fit the 2,000-character URL rule
    for form in (link, token, "case=" + token, "?case=" + token):
        back = decode_share(form, model)
        assert back.ok
        assert dict(back.case.answers) == answers
        # the runner's answers self-reported; examination and test findings the physio's
        assert {q: by for q, by in back.case.answered_by.items()} == {
            q.id: CLINICIAN if q.asked_by == "clinician" else SELF_REPORT
            for q in model.questions}
        assert back.case.population == "clinic"


def test_share_link_then_physio_edit_marks_clinician(model) -> None:
    back = decode_share(encode_share(ANSWERS, model=model), model)
    edited = back.case.with_answers({"sex": "female", "cramps": "no"}, model=model)
    assert edited.answered_by["cramps"] == CLINICIAN
    assert edited.answered_by["sex"] == CLINICIAN  # confirmed by the physio
    assert edited.answered_by["age"] == SELF_REPORT


def test_share_link_errors(model) -> None:
    import base64
    import zlib

    with pytest.raises(InputError, match="is not one of the answers"):
        encode_share({"sex": "other"}, model=model)
    with pytest.raises(InputError, match="no case= parameter"):
        decode_share("https://example.org/physio?x=1", model)
    with pytest.raises(InputError, match="version 'h2' is not one this heavylegs reads"):
        decode_share("h2.abc", model)
    with pytest.raises(InputError, match="damaged"):
        decode_share("h1.!!!!", model)
    token = encode_share(ANSWERS, model=model)
    with pytest.raises(InputError, match="damaged"):
        decode_share(token[:-6], model)
    with pytest.raises(InputError, match="damaged"):  # text appended after the data's end
        decode_share(token + "AAAA", model)
    with pytest.raises(InputError, match="limit 4000"):
        decode_share("h1." + "A" * 5000, model)
    bomb = base64.urlsafe_b64encode(zlib.compress(b'{"a":{"x":"' + b"a" * 10**6 + b'"}}', 9))
    with pytest.raises(InputError, match="damaged"):
        decode_share("h1." + bomb.decode().rstrip("="), model)
    other = base64.urlsafe_b64encode(zlib.compress(b'{"b": 1}')).decode().rstrip("=")
    with pytest.raises(InputError, match="does not hold heavylegs answers"):
        decode_share("h1." + other, model)
    # a link with a bad answer: the good answers survive, the bad one is reported
    payload = json.dumps({"a": {"age": 30, "cramps": "often"}}).encode()
    loaded = decode_share("h1." + base64.urlsafe_b64encode(zlib.compress(payload))
                          .decode().rstrip("="), model)
    assert dict(loaded.case.answers) == {"age": 30}
    assert "cramps: 'often'" in loaded.problems[0]


# ----------------------------------------------------------------------------- compare
def test_compare_gives_every_cause_and_the_changed_answers(model) -> None:
    before = new_case({"age": 34, "rest_days_per_week": 3}, model=model)
    after = before.with_answers({"rest_days_per_week": 0, "resting_hr_elevated": "yes"},
                                model=model)
    cmp = compare_cases(before, after, model)
    assert {c.id for c in cmp.causes} == {c.id for c in model.causes}
    d_before = model.diagnose(dict(before.answers))
    d_after = model.diagnose(dict(after.answers))
    for c in cmp.causes:
        assert c.before == pytest.approx(d_before.probability(c.id), abs=1e-15)
        assert c.after == pytest.approx(d_after.probability(c.id), abs=1e-15)
    assert [c.id for c in cmp.causes] == [c.id for c in d_after.causes]
    assert cmp.biggest_changes[0].id == "overtraining" and cmp.biggest_changes[0].change > 0.1
    assert [(a.id, a.before, a.after, a.after_by) for a in cmp.answers] == [
        ("rest_days_per_week", 3, 0, CLINICIAN), ("resting_hr_elevated", None, "yes", CLINICIAN)]
    d = cmp.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["triage"] == {"before": d_before.triage.level, "after": d_after.triage.level}
    assert "| Overreaching or overtraining |" in cmp.to_markdown()
    same = compare_cases(before, before, model)
    assert same.answers == () and all(c.change == 0 for c in same.causes)


def test_case_is_frozen() -> None:
    case = Case(answers={"age": 30})
    with pytest.raises(AttributeError):
        case.notes = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        case.answers["age"] = 31  # type: ignore[index]


# ----------------------------------------------------------------------------- CLI
def test_cli_case_commands(tmp_path: Path, examples_dir: Path, capsys) -> None:
    c1, c2 = tmp_path / "c1.json", tmp_path / "c2.json"
    src = examples_dir / "runner-hot-long-run.json"
    assert main(["case", "new", str(src), "-o", str(c1), "--case-id", "R1"]) == 0
    assert main(["case", "edit", str(c1), "--set", "cramps=yes", "--set", "age=", "-o",
                 str(c2)]) == 0
    data = json.loads(c2.read_text())
    assert data["answered_by"]["cramps"] == CLINICIAN and "age" not in data["answers"]
    capsys.readouterr()
    assert main(["case", "compare", str(c1), str(c2), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(c["id"] for c in out["causes"]) == sorted(SHIPPED_CAUSES)
    assert {a["id"] for a in out["answers"]} == {"cramps", "age"}
    assert main(["case", "share", str(c2), "--base-url", "http://x/physio"]) == 0
    link = capsys.readouterr().out.strip()
    for bad in ("javascript:alert(1)", "localhost:8501/physio", "/physio"):
        capsys.readouterr()
        assert main(["case", "share", str(c2), "--base-url", bad]) == 2
        assert "starting with http:// or https://" in capsys.readouterr().err
    assert main(["case", "open-link", link]) == 0
    opened = json.loads(capsys.readouterr().out)
    assert opened["answers"] == data["answers"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"answers": {"age": 30, "cramp": "yes"}}')
    assert main(["case", "check", str(bad)]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""  # no case without the rejected answer (it would read as not asked)
    assert "did you mean 'cramps'" in cap.err and "Traceback" not in cap.err
    assert "nothing was written: 1 answer of the input could not be read" in cap.err
    assert main(["case", "compare", str(c1)]) == 2
    assert "takes two case files" in capsys.readouterr().err


def test_case_files_record_the_contract_version_and_the_units(model):
    """Issue 13: a case says which contract its answers were written under; issue 17: the
    units the runner reads are kept with the case (the answers stay in model units)."""
    case = new_case({"age": 30, "temperature_c": 25}, model=model, units="imperial")
    data = json.loads(case.to_json())
    assert data["contract_version"] == 2 and data["units"] == "imperial"
    again = load_case(case.to_json().encode(), model)
    assert again.case.units == "imperial" and again.changes == ()
    assert again.case.answers["temperature_c"] == 25  # °C inside, whatever is shown


def test_a_version_1_case_opens_with_what_changed_for_its_answers(model):
    base = {"age": 24, "calf_pain_walking": "yes"}
    v1 = load_case(json.dumps({"contract_version": 1, "answers": base}).encode(), model)
    assert len(v1.changes) == 1 and "PAD (pad)" in v1.changes[0] and v1.ok
    travel = {**base, "recent_travel_or_surgery": "no"}
    v1t = load_case(json.dumps({"contract_version": 1, "answers": travel}).encode(), model)
    assert len(v1t.changes) == 2 and "8 weeks" in v1t.changes[1]
    assert v1t.case.answers == travel  # read as it is; saving records version 2
    assert json.loads(v1t.case.to_json())["contract_version"] == 2
    chest = {**base, "chest_pain_or_fainting": "no"}  # v2 widened it: ask again
    v1c = load_case(json.dumps({"contract_version": 1, "answers": chest}).encode(), model)
    assert len(v1c.changes) == 2 and "racing or irregular heartbeat" in v1c.changes[1]
    plain = load_case(json.dumps({"answers": base}).encode(), model)  # the contract's form
    assert plain.changes == ()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [({"contract_version": 3}, "contract_version 3"), ({"units": "furlongs"}, "units")],
)
def test_bad_contract_version_or_units_are_named(model, extra, needle):
    with pytest.raises(InputError) as exc:
        load_case(json.dumps({**extra, "answers": {"age": 30}}).encode(), model)
    assert needle in " ".join(exc.value.problems)


def test_cli_notes_what_changed_for_a_version_1_case(tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({"contract_version": 1, "answers": {"age": 24}}))
    cmd = [sys.executable, "-m", "model", "diagnose", str(path)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert out.returncode == 0 and json.loads(out.stdout)["causes"]
    assert "note: this case was written under contract version 1" in out.stderr


def test_an_older_case_file_version_reads_and_a_newer_one_is_refused(model):
    old = load_case(json.dumps({"format": "heavylegs.case", "version": 1,
                                "answers": {"age": 30}}).encode(), model)
    assert old.ok and old.case.answers == {"age": 30}
    with pytest.raises(InputError) as exc:
        load_case(json.dumps({"version": 5, "answers": {"age": 30}}).encode(), model)
    assert "update heavylegs" in " ".join(exc.value.problems)


def test_a_case_with_base_rates_is_version_3_and_one_without_stays_version_2(model):
    plain = new_case({"age": 30}, model=model)
    rated = replace(plain, base_rates={"cecs": 0.03})
    assert json.loads(plain.to_json())["version"] == 2  # every reader since version 2 reads it
    data = json.loads(rated.to_json())
    assert data["version"] == 3 and data["base_rates"] == {"cecs": 0.03}
    back = load_case(rated.to_json().encode(), model)
    assert back.ok and back.case.base_rates == {"cecs": 0.03}
    # files written before version 3 with base rates in them still read
    old = load_case(json.dumps({**data, "version": 2}).encode(), model)
    assert old.ok and old.case.base_rates == {"cecs": 0.03}


def test_a_case_keeps_the_physios_test_costs(model, tmp_path, capsys):
    """A downloaded case file dropped the physio's changed test costs, so the "which test
    next" ranking reopened differently (a physio walk; only the share link kept them): they
    are version 4's ``test_costs``, checked entry by entry, used by `next-test` (with --cost
    over them) and carried by `case share`."""
    rated = replace(new_case({"age": 24, "calf_pain_walking": "yes"}, model=model),
                    test_costs={"test_duplex_arterial": 2.0})
    data = json.loads(rated.to_json())
    assert data["version"] == 4 and data["test_costs"] == {"test_duplex_arterial": 2.0}
    back = load_case(rated.to_json().encode(), model)
    assert back.ok and back.case.test_costs == {"test_duplex_arterial": 2.0}
    bad = load_case(json.dumps({**data, "test_costs": {"test_duplex_arterial": 2,
                                                       "age": 3, "test_ferritin": -1}}).encode(),
                    model)
    assert bad.case.test_costs == {"test_duplex_arterial": 2.0}  # the good one kept
    said = " ".join(bad.problems)
    assert "'age': not an examination or test finding" in said and "test_ferritin" in said
    path = tmp_path / "c.json"
    path.write_text(rated.to_json())
    capsys.readouterr()
    assert main(["next-test", str(path)]) == 0
    ranked = json.loads(capsys.readouterr().out)
    want = model.which_test_next(dict(rated.answers), None, {"test_duplex_arterial": 2.0})
    assert [t["id"] for t in ranked] == [t.id for t in want]
    plain = model.which_test_next(dict(rated.answers))
    assert [t.id for t in want] != [t.id for t in plain]  # the costs changed the ranking
    assert main(["next-test", str(path), "--cost", "test_duplex_arterial=60"]) == 0
    over = json.loads(capsys.readouterr().out)
    assert over == [t.to_dict() for t in model.which_test_next(
        dict(rated.answers), None, {"test_duplex_arterial": 60.0})]
    assert main(["case", "share", str(path)]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["case", "open-link", token]) == 0
    assert json.loads(capsys.readouterr().out)["test_costs"] == {"test_duplex_arterial": 2.0}


def test_cli_case_new_keeps_the_units_and_notes_the_version(tmp_path, capsys):
    src = tmp_path / "in.json"
    src.write_text(json.dumps({"contract_version": 1, "units": "imperial",
                               "answers": {"age": 30}}))
    out = tmp_path / "out.json"
    assert main(["case", "new", str(src), "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["units"] == "imperial" and data["contract_version"] == 2
    assert "contract version 1" in capsys.readouterr().err


# ----------------------------------------------------------------------------- hostile review
CHEST_YES = {"age": 45, "chest_pain_or_fainting": "Yes"}  # "Yes" is not an answer: "yes" is


def _bad_link(answers: dict) -> str:
    import base64
    import zlib

    raw = json.dumps({"a": answers}).encode()
    return "h1." + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


@pytest.mark.parametrize("cmd", [
    ["report", "{bad}", "-o", "{out}.md"],
    ["case", "compare", "{bad}", "{ok}"],
    ["case", "compare", "{ok}", "{bad}"],
    ["case", "share", "{bad}"],
    ["case", "edit", "{bad}", "--set", "sex=male", "-o", "{out}.json"],
    ["case", "open-link", "{link}", "-o", "{out}.json"],
])
def test_a_rejected_answer_is_refused_not_dropped(tmp_path: Path, capsys, cmd) -> None:
    """A red-flag answer in the wrong spelling must not become "not answered" (a report
    saying running on is fine): exit 2 naming the answer and its fix, nothing written."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"answers": CHEST_YES}))
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"answers": {"age": 45}}))
    out = tmp_path / "out"
    args = [a.format(bad=bad, ok=ok, out=out, link=_bad_link(CHEST_YES)) for a in cmd]
    assert main(args) == 2
    cap = capsys.readouterr()
    assert "chest_pain_or_fainting: 'Yes' is not one of the answers" in cap.err
    assert "did you mean 'yes'" in cap.err and "Traceback" not in cap.err
    assert cap.out == "" and list(tmp_path.glob("out*")) == []


def test_case_edit_refuses_to_drop_rejected_answers(tmp_path: Path, capsys) -> None:
    mixed = tmp_path / "mixed.json"
    text = json.dumps({"answers": {"age": 300, "urine_color": "purple", "sex": "female",
                                   "cramps": "yes"}})
    mixed.write_text(text)
    assert main(["case", "edit", str(mixed), "--set", "sex=male", "-o", str(mixed)]) == 2
    err = capsys.readouterr().err
    assert "age: 300 is out of range" in err and "urine_color: 'purple'" in err
    assert "nothing was written" in err and "--set QUESTION=ANSWER" in err
    assert mixed.read_text() == text
    # the fix the message names: replace or remove each rejected answer with --set
    fixed = tmp_path / "fixed.json"
    assert main(["case", "edit", str(mixed), "--set", "age=40", "--set", "urine_color=",
                 "-o", str(fixed)]) == 0
    data = json.loads(fixed.read_text())
    assert data["answers"] == {"sex": "female", "cramps": "yes", "age": 40}
    assert data["answered_by"]["age"] == CLINICIAN and data["answered_by"]["sex"] == SELF_REPORT


def test_case_new_keeps_every_field_of_its_input(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps({
        "case_id": "R-1", "population": "clinic", "created": "2025-03-01", "notes": "n",
        "answers": {"age": 30, "cramps": "yes"}, "confidence": {"cramps": 0.7},
        "answered_by": {"cramps": CLINICIAN}}))
    out = tmp_path / "out.json"
    assert main(["case", "new", str(src), "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["case_id"] == "R-1" and data["confidence"] == {"cramps": 0.7}
    assert data["answered_by"] == {"age": SELF_REPORT, "cramps": CLINICIAN}
    assert data["population"] == "clinic" and data["created"] == "2025-03-01"
    assert data["notes"] == "n"
    # explicit options win: --by marks every answer, --case-id replaces the file's
    assert main(["case", "new", str(src), "-o", str(out), "--by", SELF_REPORT,
                 "--case-id", "R-2"]) == 0
    data = json.loads(out.read_text())
    assert set(data["answered_by"].values()) == {SELF_REPORT} and data["case_id"] == "R-2"


def test_case_edit_honours_case_id(tmp_path: Path) -> None:
    src = tmp_path / "c.json"
    src.write_text(json.dumps({"case_id": "old", "answers": {"age": 30}}))
    assert main(["case", "edit", str(src), "--case-id", "X-9", "-o", str(src)]) == 0
    assert json.loads(src.read_text())["case_id"] == "X-9"


@pytest.mark.parametrize("cmd", [
    ["case", "new", "{ok}", "{bad}"],
    ["case", "check", "{ok}", "{bad}"],
    ["case", "edit", "{ok}", "{ok}", "--set", "sex=male"],
    ["case", "share", "{ok}", "{ok}"],
    ["case", "check", "{ok}", "--case-id", "X"],
    ["case", "compare", "{ok}", "{ok}", "-o", "{out}"],
    ["case", "share", "{ok}", "--set", "age=30"],
])
def test_case_refuses_extra_files_and_options_it_would_ignore(tmp_path: Path, capsys,
                                                              cmd) -> None:
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"answers": {"age": 45}}))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = tmp_path / "out.json"
    assert main([a.format(ok=ok, bad=bad, out=out) for a in cmd]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and not out.exists()
    assert re.search(r"takes (one|two) case file|does not apply to case", cap.err), cap.err


@pytest.mark.parametrize(("answers", "needle"), [
    ({"weekly_distance_change_pct": -100.0001}, "weekly_distance_change_pct: -100.0001 is out"),
    ({"age": 100.5}, "age: 100.5 is out of range"),
    ({"age": "1_000"}, "age: '1_000' is not a number"),  # float() reads it; no runner means it
    ({"age": " 300 "}, "age: 300 is out of range"),
])
def test_an_out_of_range_number_is_shown_as_given(model, answers, needle) -> None:
    loaded = parse_case_text(json.dumps({"answers": answers}), "c.json", model)
    assert any(needle in p for p in loaded.problems), loaded.problems


def test_a_confidence_on_a_rejected_answer_says_the_answer_was_rejected(model) -> None:
    with pytest.raises(InputError) as exc:
        model.diagnose({"urine_color": "purple"}, {"urine_color": 0.7})
    lines = exc.value.problems
    assert "urine_color: 'purple' is not one of the answers" in lines[0]
    assert "confidence: urine_color: its answer is missing or was rejected" in lines[1]


def test_a_confidence_written_as_text_is_quoted_and_not_said_to_be_kept(model) -> None:
    text = json.dumps({"answers": {"urine_color": "pale"}, "confidence": {"urine_color": "0.7"}})
    loaded = parse_case_text(text, "c.json", model)
    (line,) = loaded.problems
    assert "confidence.urine_color: '0.7' must be a number" in line
    assert "leave out the quotes" in line and "kept" not in line


@pytest.mark.parametrize("text", ["", "  \n", "\ufeff"])
def test_an_empty_case_file_says_it_is_empty(model, tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_case(path, model)
    empty = f'{path}: the file is empty; a case file is {{"answers": {{...}}}}'
    assert exc.value.problems == (empty,)


@pytest.mark.parametrize("created", ["2025-03-01garbage", "2025-03-01 x", "2025-13-01"])
def test_a_malformed_date_is_refused(model, created: str) -> None:
    with pytest.raises(InputError, match="is not a date; write it as YYYY-MM-DD"):
        parse_case_text(json.dumps({"created": created, "answers": {}}), "c.json", model)


def test_a_date_or_date_and_time_is_kept_as_the_date(model) -> None:
    for created in ("2025-03-01", "2025-03-01T10:30:00", " 2025-03-01 "):
        loaded = parse_case_text(json.dumps({"created": created, "answers": {}}), "c", model)
        assert loaded.case.created == "2025-03-01"


def test_a_share_link_goes_in_the_query_before_the_fragment(model) -> None:
    """encode_share with a base URL that has a query and a fragment: the token replaces the
    old case parameter, other parameters stay, and the fragment stays last (a token after
    '#' never reaches the page)."""
    from urllib.parse import parse_qs, urlsplit

    link = encode_share({"age": 30}, base_url="http://x/physio?case=OLD&z=1#frag", model=model)
    parts = urlsplit(link)
    q = parse_qs(parts.query)
    assert parts.fragment == "frag" and q["z"] == ["1"] and q["case"] != ["OLD"]
    assert dict(decode_share(link, model).case.answers) == {"age": 30}


def test_case_share_and_open_link_carry_the_whole_case(tmp_path, capsys, model) -> None:
    """case share -> case open-link keeps the answers, confidences, 'not sure' list and units
    (the workbench's view part, read by the same code); an old case= and view= in --base-url
    are replaced; a link's changed base rates go into the case file; a
    malformed view part is exit 2 with the part named, and the answers are written all the
    same (as the message says); a link holding case= or view= twice is refused."""
    from model.workflows.share import Screen, share_link

    src = tmp_path / "c.json"
    src.write_text(json.dumps({"answers": {"age": 40, "cramps": "yes"},
                               "confidence": {"cramps": 0.6}, "not_sure": ["sleep_hours"],
                               "units": "imperial"}))
    assert main(["case", "share", str(src), "--base-url",
                 "http://x/physio?case=OLD&view=v1.OLD#f"]) == 0
    link = capsys.readouterr().out.strip()
    assert "OLD" not in link and link.endswith("#f")
    out = tmp_path / "back.json"
    assert main(["case", "open-link", link, "-o", str(out)]) == 0
    back = load_case(out.read_bytes(), model).case
    assert dict(back.answers) == {"age": 40, "cramps": "yes"}
    assert dict(back.confidence) == {"cramps": 0.6} and back.not_sure == ("sleep_hours",)
    assert back.units == "imperial"
    rated = share_link(model, Screen({"age": 40}, base_rates={"cecs": 0.02}), "http://x/physio")
    capsys.readouterr()
    assert main(["case", "open-link", rated, "-o", str(tmp_path / "r.json")]) == 0
    capsys.readouterr()
    # the link's changed base rates go into the case file (it reopens the same screen),
    # and `case share` puts a case file's back into the link
    assert dict(load_case(tmp_path / "r.json", model).case.base_rates) == {"cecs": 0.02}
    assert main(["case", "share", str(tmp_path / "r.json"), "--base-url",
                 "http://x/physio"]) == 0
    again = capsys.readouterr().out.strip()
    assert main(["case", "open-link", again, "-o", str(tmp_path / "r2.json")]) == 0
    assert dict(load_case(tmp_path / "r2.json", model).case.base_rates) == {"cecs": 0.02}
    broken = link.split("&view=")[0] + "&view=v1.garbage"
    capsys.readouterr()
    assert main(["case", "open-link", broken, "-o", str(tmp_path / "b.json")]) == 2
    assert "view part is damaged" in capsys.readouterr().err
    kept = load_case((tmp_path / "b.json").read_bytes(), model).case
    assert dict(kept.answers) == {"age": 40, "cramps": "yes"} and not kept.confidence
    other = share_link(model, Screen({"age": 71}), "http://x/physio")
    head = link.split("#")[0]  # parameters after the #fragment never reach the page
    for twice in (head + "&" + other.split("?", 1)[1].split("&")[0], head + "&view=v1.AAAA"):
        capsys.readouterr()
        assert main(["case", "open-link", twice, "-o", str(tmp_path / "t.json")]) == 2
        assert "more than once" in capsys.readouterr().err
        assert not (tmp_path / "t.json").exists()


@pytest.mark.parametrize("action", ["check", "new"])
def test_a_case_with_rejected_answers_is_not_written_over_itself(tmp_path, capsys, action):
    """case check/new X -o X with an answer set aside: exit 2 and the input untouched (the
    rejected answer would have been lost for good); to another file, nothing is written
    either (a hostile-input review: a chest-pain answer "Yes " was dropped and the case
    written read as self-care)."""
    src = tmp_path / "x.json"
    text = json.dumps({"answers": {"age": 40, "cramps": "maybe"}})
    src.write_text(text)
    assert main(["case", action, str(src), "-o", str(src)]) == 2
    assert src.read_text() == text
    assert "would lose what was set aside" in capsys.readouterr().err
    other = tmp_path / "y.json"
    assert main(["case", action, str(src), "-o", str(other)]) == 2
    assert not other.exists()
    assert "nothing was written" in capsys.readouterr().err
    flag = tmp_path / "flag.json"  # the review's case: a red flag with a capital
    flag.write_text(json.dumps({"answers": {"age": 40, "chest_pain_or_fainting": "Yes"}}))
    assert main(["case", action, str(flag), "-o", str(other)]) == 2
    assert not other.exists()
    assert "did you mean 'yes'" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "kept", "named"), [
    (None, (), "None is not a list"), ("sleep_hours", (), "is not a list"),
    ([3, "sleep_hours"], ("sleep_hours",), "3 is not a question id"),
])
def test_a_malformed_not_sure_list_is_named_and_the_case_still_loads(model, value, kept, named):
    """not_sure is optional: a value of the wrong shape is one problem line, never the
    whole case refused (as a share link's malformed part is left out)."""
    loaded = parse_case_text(json.dumps({"answers": {"age": 30}, "not_sure": value}), "c",
                             model)
    assert dict(loaded.case.answers) == {"age": 30} and loaded.case.not_sure == kept
    assert any(named in p for p in loaded.problems), loaded.problems


def test_a_case_with_an_unknown_population_names_every_problem_with_it(model) -> None:
    """A physio walk: a file with population 'hospital' was refused on that alone, so its
    other problems went unsaid. It is still refused (nothing may run under a population it
    did not ask for; a code review found the first fix doing so), with every problem named."""
    raw = json.dumps({"answers": {"age": 300, "sex": "mael", "cramp": "yes",
                                  "legs_affected": "both"},
                      "confidence": {"legs_affected": 1.7}, "population": "hospital",
                      "base_rates": {"cecs": 0.03}})
    with pytest.raises(InputError) as err:
        load_case(raw.encode(), model)
    text = " ".join(err.value.problems)
    for needle in ("population 'hospital' is unknown", "age: 300", "did you mean 'male'",
                   "did you mean 'cramps'", "confidence.legs_affected"):
        assert needle in text, needle
    with pytest.raises(InputError, match="did you mean 'clinic'"):
        parse_case_text('{"answers": {}, "population": "clinc"}', "c.json", model)


def test_compare_names_the_base_rates_each_case_changed(model) -> None:
    """Two cases with the same answers, one with a changed base rate: the causes move, and
    the comparison says why (a code review found it silent: no answer had changed)."""
    same = {"exam_focal_bone_tenderness": "yes"}
    before = Case(answers=same)
    after = Case(answers=same, base_rates={"bone_stress_injury": 0.3})
    cmp = compare_cases(before, after, model)
    assert not cmp.answers
    assert dict(cmp.base_rates_after) == {"bone_stress_injury": 0.3}
    assert not cmp.base_rates_before
    assert "| bone_stress_injury | - | 0.3 |" in cmp.to_markdown()
    assert cmp.to_dict()["base_rates"]["after"] == {"bone_stress_injury": 0.3}
    bone = next(c for c in cmp.causes if c.id == "bone_stress_injury")
    assert bone.after > bone.before


def test_compare_counts_a_confidence_as_a_difference(model) -> None:
    """The same answer held at 60 % in one case: the comparison lists it with both
    confidences (a physio walk read "the same answers" above a 5-point change)."""
    answers = {"age": 24, "exam_pulse_loss_plantar_flexion": "yes"}
    before = new_case(answers, model=model)
    after = new_case(answers, model=model, confidence={"exam_pulse_loss_plantar_flexion": 0.6})
    cmp = compare_cases(before, after, model)
    (a,) = cmp.answers
    assert (a.id, a.before_confidence, a.after_confidence) == (
        "exam_pulse_loss_plantar_flexion", None, 0.6)
    assert "| exam_pulse_loss_plantar_flexion | yes (clinician) | yes (clinician, confidence " \
           "60%) |" in cmp.to_markdown()
    assert not compare_cases(after, after, model).answers


def test_case_new_marks_examination_findings_as_the_clinicians(model) -> None:
    """Only a clinician examines: `case new` marked a pulse test "self-reported" in the
    physio's report (a physio walk)."""
    case = new_case({"age": 24, "exam_pulse_loss_plantar_flexion": "yes"}, model=model)
    assert case.answered_by == {"age": SELF_REPORT, "exam_pulse_loss_plantar_flexion": CLINICIAN}


def test_cli_compares_cases_in_their_own_population(tmp_path: Path, capsys) -> None:
    """Two clinic cases are compared in the clinic population with their base rates, as
    `diagnose` reads them (they were compared in the self-assessment population, the base
    rates dropped without a word: a physio walk); cases of two populations need
    --population."""
    c1, c2, c3 = (tmp_path / f"c{i}.json" for i in (1, 2, 3))
    answers = {"age": 24, "exam_pulse_loss_plantar_flexion": "yes"}
    clinic = {"answers": answers, "population": "clinic",
              "base_rates": {"popliteal_entrapment": 0.01}}
    c1.write_text(json.dumps(clinic))
    c2.write_text(json.dumps({**clinic, "answers": {**answers, "calf_pain_walking": "yes"}}))
    c3.write_text(json.dumps({"answers": answers}))
    assert main(["case", "compare", str(c1), str(c2), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["population"] == "clinic"
    assert out["base_rates"]["after"] == {"popliteal_entrapment": 0.01}
    assert main(["diagnose", str(c2)]) == 0
    want = {c["id"]: c["probability"] for c in json.loads(capsys.readouterr().out)["causes"]}
    assert {c["id"]: c["after"] for c in out["causes"]} == want
    assert main(["case", "compare", str(c1), str(c3)]) == 2
    err = capsys.readouterr().err
    assert "different populations (clinic and self_assessment)" in err and "--population" in err
    assert main(["case", "compare", str(c1), str(c3), "--population", "self_assessment"]) == 0
    cap = capsys.readouterr()
    assert "Population: self_assessment" in cap.out
    assert "its changed base rates are its clinic population's" in cap.err


def test_the_api_comparison_says_when_a_case_is_from_another_population(model) -> None:
    """compare_cases compared a clinic case with base rates in the self-assessment
    population without a word (a hostile-input review): the comparison says so, in its JSON
    and its Markdown; a confidence of 1.0 is the same as none (sure); the ranges read as the
    app's."""
    answers = {"age": 30, "cramps": "yes"}
    here = Case(answers=answers)
    clinic = Case(answers=answers, population="clinic", base_rates={"dvt": 0.05})
    cmp = compare_cases(here, clinic, model)
    assert cmp.notes == ("the after case is from the clinic population, compared in "
                         "self_assessment without its changed base rates",)
    assert cmp.to_dict()["notes"] == list(cmp.notes)
    assert "Note: the after case is from the clinic population" in cmp.to_markdown()
    assert not compare_cases(here, here, model).notes
    sure = Case(answers=answers, confidence={"cramps": 1.0})
    assert not compare_cases(here, sure, model).answers
    md = compare_cases(here, sure, model).to_markdown()
    assert "(0%-0%)" not in md and "(up to " in md


def test_cli_case_new_marks_examination_findings_whatever_by_says(tmp_path, capsys) -> None:
    """`case new` (the CLI) kept a file's "self_report" on an examination finding, and
    `--by self_report` put it there (a hostile-input review): only a clinician examines."""
    src, out = tmp_path / "a.json", tmp_path / "b.json"
    src.write_text(json.dumps({"answers": {"age": 30, "exam_foot_pulses": "normal"},
                               "answered_by": {"exam_foot_pulses": "self_report"}}))
    for extra in ([], ["--by", "self_report"]):
        assert main(["case", "new", str(src), "-o", str(out), *extra]) == 0
        by = json.loads(out.read_text())["answered_by"]
        assert by == {"age": "self_report", "exam_foot_pulses": CLINICIAN}



def test_a_link_and_a_relabelled_file_give_the_findings_to_the_clinician(model, capsys,
                                                                          tmp_path) -> None:
    """`case open-link` read a link's examination findings as the runner's, and `case check`
    rewrote a file's "self_report" on a finding without a word (a code review): the link's
    findings are the clinician's, and a file's relabelling is said."""
    from model.workflows.share import case_link, case_of_link

    case = new_case({"age": 30, "exam_foot_pulses": "normal"}, model=model)
    opened = case_of_link(case_link(case, model), model).case
    assert opened.answered_by == {"age": SELF_REPORT, "exam_foot_pulses": CLINICIAN}
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"answers": {"age": 30, "exam_foot_pulses": "normal"},
                                "answered_by": {"exam_foot_pulses": "self_report"}}))
    loaded = load_case(path.read_bytes(), model)
    assert loaded.case.answered_by["exam_foot_pulses"] == CLINICIAN
    assert any("exam_foot_pulses: the file said self_report" in c for c in loaded.changes)
    assert main(["case", "check", str(path)]) == 0
    assert "exam_foot_pulses: the file said self_report" in capsys.readouterr().err
