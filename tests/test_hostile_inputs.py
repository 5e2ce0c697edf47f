"""Nothing silent, nothing leaked (issue 18): batch says what it did, user text is escaped
wherever it is shown or written, the Dask run stays on loopback, and hostile inputs (devices,
60,000 keys, duplicate keys, deep nesting, stray bytes) end in one clear message."""

from __future__ import annotations

import csv
import ipaddress
import json
import re
import socket
from pathlib import Path

import pytest

from model import load_model
from model.cli import main
from model.errors import InputError
from model.workflows.batch import neutralize, score_csv
from model.workflows.cases import load_case, parse_case_text
from model.workflows.report import build_report, escape_markdown, report_markdown, report_pdf


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ----------------------------------------------------------------------------- loud batch
def test_blank_lines_are_reported_not_scored(model, tmp_path: Path, capsys) -> None:
    src = _write(tmp_path / "in.csv", "case_id,age,sex\na,34,female\n\nb,40,male\n\n")
    assert main(["batch", str(src), "-o", str(tmp_path / "out.csv"), "--quiet"]) == 0
    out = _read(tmp_path / "out.csv")
    assert [r["case_id"] for r in out] == ["a", "", "b", ""]
    assert out[1]["error"].startswith("blank line") and out[1]["top_cause"] == ""
    assert out[0]["error"] == "" and out[2]["error"] == ""
    err = capsys.readouterr().err
    assert "4 rows (2 with errors: 2 blank lines" in err


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("case_id;age;sex\na;34;female\n", "separated by ';'"),
        ("Age,SEX\n34,female\n", "'Age' -> 'age'"),
        ("foo,bar\n1,2\n", "name the columns by question id"),
    ],
)
def test_no_question_column_is_an_error(tmp_path: Path, capsys, text: str, hint: str) -> None:
    src = _write(tmp_path / "in.csv", text)
    code = main(["batch", str(src), "-o", str(tmp_path / "out.csv"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "no column is a question id" in err and hint in err
    assert not (tmp_path / "out.csv").exists()


def test_unknown_columns_and_unreadable_rows_are_counted(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"case_id,age,Sex,notes\na,34,female,x\nb,3\xff4,male,y\n")
    assert main(["batch", str(src), "-o", str(tmp_path / "out.csv"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "3 column(s) are not question ids" in err and "'Sex'" in err
    assert "did you mean 'sex'?" in err and "1 unreadable rows" in err
    out = _read(tmp_path / "out.csv")
    assert out[1]["case_id"] == "b" and out[1]["error"].startswith("unreadable row")


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["case_id", "weekly_distance_change_pct", "note"])
        w.writerow(["=HYPERLINK(\"http://x\")", "-20", "+cmd|' /C calc'!A0"])
        w.writerow(["@SUM(A1)", "-5.5", "-"])
    score_csv(__import__("model").load_model(), src, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    assert out[0]["case_id"] == "'=HYPERLINK(\"http://x\")"
    assert out[0]["note"] == "'+cmd|' /C calc'!A0" and out[1]["case_id"] == "'@SUM(A1)"
    assert out[0]["weekly_distance_change_pct"] == "-20"  # numbers stay numbers
    assert out[1]["weekly_distance_change_pct"] == "-5.5" and out[1]["note"] == "'-"
    assert out[0]["error"] == "" and out[0]["top_cause"]
    assert neutralize("\tx") == "'\tx" and neutralize("1e5") == "1e5" and neutralize(3) == 3


def test_overlong_cell_keeps_the_case_id(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", "case_id,age\nk1," + "9" * 20_000 + "\nk2,30\n")
    score_csv(__import__("model").load_model(), src, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    assert [r["case_id"] for r in out] == ["k1", "k2"]
    assert "longer than 10000 characters" in out[0]["error"] and out[0]["age"] == ""


# ----------------------------------------------------------------------------- Dask on loopback
def test_dask_run_opens_no_outside_socket(model, tmp_path: Path, monkeypatch) -> None:
    """Every socket the Dask run binds or connects is on loopback: no listener on all
    interfaces, no UDP 'connect' towards a public address."""
    from model.workflows.dask_batch import score_csv_dask

    seen: list[tuple[str, object]] = []
    real_bind, real_connect = socket.socket.bind, socket.socket.connect

    def bind(self, addr):
        seen.append(("bind", addr))
        return real_bind(self, addr)

    def connect(self, addr):
        seen.append(("connect", addr))
        return real_connect(self, addr)

    monkeypatch.setattr(socket.socket, "bind", bind)
    monkeypatch.setattr(socket.socket, "connect", connect)
    src = _write(tmp_path / "in.csv", "case_id,age\na,34\nb,50\n")
    stats = score_csv_dask(model, src, tmp_path / "out.csv", progress=False)
    assert stats["rows"] == 2
    assert any(kind == "bind" for kind, _ in seen), "the cluster listens somewhere"
    for kind, addr in seen:
        host = addr[0] if isinstance(addr, tuple) else None
        if host is None:
            continue  # a Unix socket
        assert ipaddress.ip_address(host).is_loopback, (kind, addr)


# ----------------------------------------------------------------------------- escaping
CRAFTED = "[click here](http://evil.example) ![b](http://127.0.0.1:9/beacon.png) <img src=x>"


def test_markdown_escape_leaves_only_literal_text() -> None:
    e = escape_markdown(CRAFTED)
    assert "](" not in e.replace("\\](", "") and "<img" not in e.replace("\\<img", "")
    assert escape_markdown("R-42 3.5 km") == "R-42 3.5 km"
    assert escape_markdown("# title\n- item", one_line=False) == "\\# title  \n\\- item"
    assert escape_markdown("see www.evil.example or a@b.c") == "see www\\.evil.example or a\\@b.c"


def test_markdown_report_escapes_notes_and_case_id(model) -> None:
    from model import new_case

    case = new_case({"age": 34}, notes=CRAFTED + "\n# not a heading", case_id="<b>x</b>",
                    model=model)
    md = report_markdown(build_report(case, model))
    for unescaped in (r"(?<!\\)\[click", r"(?<!\\)!\[b", r"(?<!\\)<img", r"(?<!\\)<b>",
                      r"\n# not a heading"):
        assert not re.search(unescaped, md), unescaped
    assert "\\[click here\\]" in md and "\\<b\\>x" in md


def test_pdf_shows_text_beyond_latin1(model) -> None:
    import io

    from pypdf import PdfReader

    from model import new_case

    notes = "Ωμέγα, Привет, Łódź, naïve – “quoted” ≤ 5 km"
    case = new_case({"age": 34}, notes=notes, model=model)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(
        build_report(case, model)))).pages)
    for word in ("Ωμέγα", "Привет", "Łódź", "naïve", "“quoted”", "≤"):
        assert word in text, word


# ----------------------------------------------------------------------------- hostile readers
def test_sixty_thousand_unknown_keys_give_one_capped_message(model) -> None:
    data = {"answers": {"age": 34}, **{f"k{i}": 1 for i in range(60_000)}}
    with pytest.raises(InputError) as exc:
        parse_case_text(json.dumps(data), "big.json", model)
    problems = exc.value.problems
    assert len(problems) <= 22 and "59,980 more unknown keys" in problems[-2]
    assert "a case file has only the keys" in problems[-1]  # listed once, not per key


def test_sixty_thousand_unknown_answers_are_capped(model) -> None:
    data = {"answers": {f"q{i}": 1 for i in range(60_000)}}
    loaded = parse_case_text(json.dumps(data), "c.json", model)
    assert len(loaded.problems) <= 21 and "more" in loaded.problems[-1]


def test_duplicate_keys_in_a_case_file_are_refused(model) -> None:
    text = '{"answers": {"age": 34, "age": 70}}'
    with pytest.raises(InputError, match="'age' appears twice"):
        parse_case_text(text, "dup.json", model)


@pytest.mark.parametrize("cmd", [["diagnose"], ["report", "-o", "r.md"], ["case", "check"]])
def test_a_device_as_input_is_refused(tmp_path: Path, capsys, monkeypatch, cmd) -> None:
    monkeypatch.chdir(tmp_path)
    args = [cmd[0], *cmd[1:2], "/dev/zero", *cmd[2:]] if cmd[0] == "case" else \
        [cmd[0], "/dev/zero", *cmd[1:]]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and "larger than 1000 kB" in err


def test_a_device_as_batch_input_is_refused(tmp_path: Path, capsys) -> None:
    code = main(["batch", "/dev/zero", "-o", str(tmp_path / "out.csv"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "a line is longer than" in err


def test_load_case_reads_at_most_the_limit(model) -> None:
    with pytest.raises(InputError, match="larger than 1000 kB"):
        load_case("/dev/zero", model)


def test_lone_surrogate_in_notes_is_exit_2(tmp_path: Path, capsys) -> None:
    case = _write(tmp_path / "c.json", '{"answers": {"age": 34}, "notes": "bad \\udc80 byte"}')
    code = main(["report", str(case), "-o", str(tmp_path / "r.md")])
    err = capsys.readouterr().err
    assert code == 2 and "not valid Unicode" in err and not (tmp_path / "r.md").exists()


# ----------------------------------------------------------------------------- priors, learn
def test_duplicate_key_in_priors_yaml_is_refused(priors_copy, capsys) -> None:
    d = priors_copy()
    text = (d / "causes.yaml").read_text(encoding="utf-8")
    (d / "causes.yaml").write_text(text + "\ncauses: {}\n", encoding="utf-8")
    code = main(["validate-priors", str(d)])
    err = capsys.readouterr().err
    assert code == 2 and "causes.yaml" in err and "'causes' appears twice" in err


def test_duplicate_key_in_advice_yaml_is_refused(priors_copy, capsys) -> None:
    d = priors_copy()
    text = (d / "advice.yaml").read_text(encoding="utf-8")
    (d / "advice.yaml").write_text(text + "\ngeneral: []\n", encoding="utf-8")
    code = main(["validate-priors", str(d)])
    err = capsys.readouterr().err
    assert code == 2 and "advice.yaml" in err and "appears twice" in err


def test_broken_advice_fails_validate_priors_and_changes_the_version(priors_copy, capsys):
    from model.kb import load_knowledge_base

    d = priors_copy()
    before = load_knowledge_base(d).version
    text = (d / "advice.yaml").read_text(encoding="utf-8")
    (d / "advice.yaml").write_text(text + "\n# a comment changes the file\n", encoding="utf-8")
    assert load_knowledge_base(d).version != before
    (d / "advice.yaml").write_text("general: [unclosed\n", encoding="utf-8")
    code = main(["validate-priors", str(d)])
    assert code == 2 and "advice.yaml" in capsys.readouterr().err


def test_deeply_nested_yaml_is_exit_2(priors_copy, capsys) -> None:
    d = priors_copy()
    (d / "risk_factors.yaml").write_text("a: " + "[" * 50_000 + "]" * 50_000 + "\n",
                                         encoding="utf-8")
    code = main(["validate-priors", str(d)])
    err = capsys.readouterr().err
    assert code == 2 and "risk_factors.yaml" in err and "Please report" not in err


@pytest.mark.parametrize("strength", ["0", "1e-9", "0.5", "1e300", "nan", "inf", "-5"])
def test_learn_strength_extremes_write_nothing(tmp_path: Path, capsys, strength: str) -> None:
    src = _write(tmp_path / "cases.csv", "age,cause_dvt\n34,absent\n")
    out = tmp_path / "learned"
    code = main(["learn", str(src), "--out", str(out), "--strength", strength, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "--strength" in err and "from 1 to 1,000,000" in err
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


def test_failed_learn_leaves_no_folder(tmp_path: Path, monkeypatch) -> None:
    """A learned base that does not validate is never renamed into place."""
    from model.errors import PriorsError
    from model.workflows import learn as learn_mod
    from model.workflows.learn import sample_cases

    df = sample_cases(__import__("model").load_model(population="clinic"), 60, seed=1)
    src = tmp_path / "cases.csv"
    df.to_csv(src, index=False)

    def broken(directory):
        raise PriorsError(["causes.yaml: broken on purpose"])

    monkeypatch.setattr("model.kb.load_knowledge_base", broken)
    with pytest.raises(PriorsError, match="nothing was written"):
        learn_mod.learn_csv(src, tmp_path / "out", strength=50)
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv"]


def test_an_endless_upload_is_read_only_to_its_limit(model) -> None:
    from model.workflows.batch import MAX_UPLOAD_BYTES, score_frame

    class Endless:
        asked: list[int] = []

        def read(self, n: int = -1) -> bytes:
            self.asked.append(n)
            assert n > 0, "an unbounded read"
            return b"age\n" + b"3" * n

    with pytest.raises(InputError, match="larger than 50 MB"):
        score_frame(model, Endless())
    assert Endless.asked == [MAX_UPLOAD_BYTES + 1]


@pytest.mark.parametrize(
    ("answers", "confidence", "needle"),
    [
        ({"age": 10**400}, None, "age: a whole number of about 401 digits"),  # not a float
        ({"age": -(10**400)}, None, "out of range"),
        ({"smoker": "yes"}, {"smoker": 10**400}, "confidence: smoker"),
    ],
)
def test_integers_too_large_for_a_float_are_named_not_crashed(model, answers, confidence, needle):
    with pytest.raises(InputError) as exc:
        model.diagnose(answers, confidence=confidence)
    text = " ".join(exc.value.problems)
    assert needle in text and len(text) < 200  # shortened, not 400 digits


@pytest.mark.parametrize(("digits", "needle"), [(500, "age"), (5000, "thousands of digits")])
def test_a_huge_integer_in_a_case_file_is_exit_2(tmp_path: Path, capsys, digits, needle) -> None:
    path = tmp_path / "case.json"
    path.write_text('{"answers": {"age": ' + "9" * digits + "}}")
    assert main(["diagnose", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "set_int_max_str_digits" not in err


@pytest.mark.parametrize(
    ("value", "clean"),
    [("34", 34), (" 34.5 ", 34.5), ("3.4e1", 34), ("٣٤", None), ("1_000", None),
     ("nan", None), (True, None)],
)
def test_a_number_as_text_is_plain_ascii_decimals(model, value, clean) -> None:
    """Text is read as a number only when written in ASCII decimals: float() would also read
    Arabic-Indic digits and '1_000', which no runner types for an age; bools are not ages."""
    got, problems = model.validate({"age": value})
    if clean is None:
        assert got == {} and "is not a number" in problems[0]
    else:
        assert got == {"age": clean} and problems == []


def test_numpy_numbers_are_numbers(model) -> None:
    """Answers from a numpy or pandas pipeline (np.int64, np.float32) are numbers; np.bool_
    is not."""
    import numpy as np

    assert model.validate({"age": np.int64(34), "run_duration_min": np.float32(45.0)}) == (
        {"age": 34, "run_duration_min": 45}, [])
    assert model.validate({"age": np.bool_(True)})[0] == {}
    d = model.diagnose({"age": np.int64(34)})
    assert d.probability("cecs") == model.diagnose({"age": 34}).probability("cecs")


def test_a_write_error_in_an_existing_folder_does_not_say_the_folder_is_missing(tmp_path) -> None:
    """ENOENT from a folder that exists (/proc refuses new files) is not 'the folder does
    not exist'; from a folder that is really missing it is."""
    import errno

    from model.workflows.safeio import write_error

    there = write_error(tmp_path / "x.bif", OSError(errno.ENOENT, "No such file")).problems[0]
    assert "cannot hold new files" in there and "does not exist" not in there
    gone = write_error(tmp_path / "no" / "x.bif", OSError(errno.ENOENT, "No such file"))
    assert "does not exist; create it first" in gone.problems[0]


def test_every_api_number_takes_numpy_numbers_and_names_a_huge_integer(model) -> None:
    """Confidences, base rates and test costs read numpy's numbers as answers do, and an
    integer too large for a float is named (InputError), never an OverflowError."""
    import numpy as np

    d = model.diagnose({"smoker": "yes"}, confidence={"smoker": np.float32(0.75)})
    assert d.probability("pad") == model.diagnose(
        {"smoker": "yes"}, confidence={"smoker": 0.75}).probability("pad")
    assert model.with_base_rates({"cecs": np.float32(0.05)}) is not model
    ranked = model.which_test_next({"age": 34}, costs={"exam_foot_pulses": np.int64(5)})
    assert ranked == model.which_test_next({"age": 34}, costs={"exam_foot_pulses": 5})
    for call, needle in [
        (lambda: model.with_base_rates({"cecs": 10**400}), "base rate: cecs: a whole number"),
        (lambda: model.which_test_next({"age": 34}, costs={"exam_foot_pulses": 10**400}),
         "cost for 'exam_foot_pulses': a whole number"),
        (lambda: model.diagnose({"smoker": "yes"}, confidence={"smoker": 10**5000}),
         "confidence: smoker: a whole number"),
        (lambda: model.sensitivity({"age": 34}, causes="cecs"), "give a list of cause ids"),
        # an integer key too large for a message's repr is named by its size, never a crash
        (lambda: model.with_base_rates({10**5000: 0.1}), "base rate: a whole number"),
        (lambda: model.which_test_next({"age": 34}, costs={10**5000: 5}),
         "cost for a whole number"),
        (lambda: model.diagnose({"age": 34}, confidence={10**5000: 0.8}),
         "confidence: a whole number"),
        (lambda: model.sensitivity({"age": 34}, causes=[10**5000]), "unknown cause(s) a whole"),
    ]:
        with pytest.raises(InputError) as exc:
            call()
        assert needle in " ".join(exc.value.problems)
    # an empty list still means the top causes, as leaving it out does
    assert model.sensitivity({"age": 34}, causes=()) == model.sensitivity({"age": 34})


def test_a_huge_integer_in_a_priors_file_is_named_at_its_line(priors_copy, capsys) -> None:
    d = priors_copy()
    text = (d / "causes.yaml").read_text(encoding="utf-8")
    (d / "causes.yaml").write_text(
        text.replace("{value: 1.5,", "{value: " + "1" * 5001 + ",", 1), encoding="utf-8")
    assert main(["validate-priors", str(d)]) == 2
    err = capsys.readouterr().err
    assert "causes.yaml" in err and "line " in err and "thousands of digits" in err
    assert "set_int_max_str_digits" not in err


def test_a_yaml_alias_bomb_in_a_priors_file_is_refused_before_it_is_walked(
        priors_copy, capsys) -> None:
    """Ten lines of anchors and aliases stand for 10^8 strings: once loaded, the checks that
    walk the document used gigabytes (a review's machine reached 8 GB). Refused at load."""
    d = priors_copy()
    levels = ["  a: &a [" + ", ".join(['"x"'] * 10) + "]"]
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        levels.append(f"  {name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    text = (d / "findings.yaml").read_text(encoding="utf-8")
    (d / "findings.yaml").write_text(
        text.replace("findings:\n", "x_bomb:\n" + "\n".join(levels) + "\nfindings:\n", 1),
        encoding="utf-8")
    assert main(["validate-priors", str(d)]) == 2
    err = capsys.readouterr().err
    assert "findings.yaml" in err and "alias" in err and "write the values out" in err
    assert "Traceback" not in err


def test_a_confidence_on_an_answer_that_does_not_apply_is_ignored_not_a_crash(
        model, tmp_path, capsys) -> None:
    """A confidence on an answer that does not apply (periods for a man) carries no evidence,
    as the answer does not: every entry point gives its result (a review found a KeyError in
    diagnose, sensitivity, report and the workbench)."""
    answers = {"sex": "male", "menstrual_irregular": "yes", "age": 30}
    conf = {"menstrual_irregular": 0.7}
    d = model.diagnose(answers, conf)
    assert d.virtual_evidence == () and "menstrual_irregular" not in dict(d.evidence)
    plain = model.diagnose({"sex": "male", "age": 30})
    assert [c.probability for c in d.causes] == [c.probability for c in plain.causes]
    assert model.sensitivity(answers, confidence=conf)
    assert model.interval_drivers(answers, conf, causes=("dvt",))
    assert model.which_test_next(answers, conf)
    case = _write(tmp_path / "c.json", json.dumps({"answers": answers, "confidence": conf}))
    assert main(["diagnose", str(case)]) == 0
    assert main(["report", str(case), "-o", str(tmp_path / "r.md")]) == 0
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("template, needle", [
    ("{foo} is possible", "{foo} cannot be filled in"),
    ("{0} is possible", "{0} cannot be filled in"),
    ("possible ({probability:q})", "{probability:q} cannot be filled in"),
    ("possible ({probability:>300000000})", "cannot be filled in"),  # hung for minutes
    ("possible ({probability", "lone brace"),
    ("{label:.0%} is possible", "{label:.0%} cannot be filled in"),  # a format on the text
])
def test_a_triage_text_that_cannot_be_filled_in_is_refused_when_the_priors_load(
        priors_copy, capsys, template: str, needle: str) -> None:
    """An escalation's reason is filled in with the cause and its probability at the first
    diagnosis that shows it: a template it cannot fill passed validate-priors and failed
    there (exit 1), or padded a line to gigabytes. Checked at load, named with its file."""
    d = priors_copy()
    text = (d / "triage.yaml").read_text(encoding="utf-8")
    old = 'reason: "A bone stress injury is possible ({probability:.0%})'
    assert old in text
    (d / "triage.yaml").write_text(text.replace(old, f'reason: "{template}', 1),
                                   encoding="utf-8")
    assert main(["validate-priors", str(d)]) == 2
    err = capsys.readouterr().err
    assert "triage.yaml" in err and needle in err and "Traceback" not in err


def test_the_apis_evidence_and_driver_calls_check_what_they_are_given(model) -> None:
    """Model.evidence_for passed ``sex: "zzz"`` through and binned an age of 999 as 70+;
    interval_drivers raised a TypeError for a list inside ``causes``: each is named now."""
    for bad, needle in (({"sex": "zzz"}, "sex: 'zzz'"), ({"age": 999}, "age: 999")):
        with pytest.raises(InputError, match=re.escape(needle)):
            model.evidence_for(bad)
        with pytest.raises(InputError, match=re.escape(needle)):
            model.likelihoods(bad)
    assert model.evidence_for({"age": 30}) == {"age": "30_39", "heavy_legs": "yes"}
    with pytest.raises(InputError, match=r"unknown cause\(s\) \['dvt'\]"):
        model.interval_drivers({"age": 30}, causes=[["dvt"]])
    assert list(model.interval_drivers({"age": 30}, causes=["dvt", "dvt"])) == ["dvt"]


def test_diagnose_says_which_answers_do_not_apply(tmp_path, capsys) -> None:
    """pregnant = yes for a man carries no evidence (as documented); the command says so
    on stderr instead of dropping it silently, and still exits 0 with the JSON."""
    case = _write(tmp_path / "c.json", json.dumps(
        {"answers": {"sex": "male", "pregnant_or_recently_pregnant": "yes", "age": 30}}))
    assert main(["diagnose", str(case)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["causes"]
    assert "pregnant_or_recently_pregnant: does not apply with sex = male" in err


def test_a_yaml_exponent_without_a_dot_is_named_with_the_fix(priors_copy, capsys) -> None:
    """YAML 1.1 reads `p: 1e-1` as the text '1e-1': the message said only 'must be a
    number'; it now says why and what to write."""
    d = priors_copy()
    text = (d / "findings.yaml").read_text(encoding="utf-8")
    old = "leak: {p: 0.1, source: R196"
    assert old in text
    (d / "findings.yaml").write_text(text.replace(old, "leak: {p: 1e-1, source: R196", 1),
                                     encoding="utf-8")
    assert main(["validate-priors", str(d)]) == 2
    err = capsys.readouterr().err
    assert "findings.yaml" in err and "1e-1" in err and "write 1.0e-1" in err


# ----------------------------------------------------------------------------- session 19
def test_a_yaml_exponent_without_a_sign_is_named_with_the_fix(priors_copy, capsys) -> None:
    d = priors_copy()
    text = (d / "findings.yaml").read_text(encoding="utf-8")
    old = "leak: {p: 0.1, source: R196"
    (d / "findings.yaml").write_text(text.replace(old, "leak: {p: 1.0e-1, source: R196", 1)
                                     .replace("leak: {p: 1.0e-1", "leak: {p: 1.5e0", 1),
                                     encoding="utf-8")
    assert main(["validate-priors", str(d)]) == 2
    assert "without a sign as text; write 1.5e+0" in capsys.readouterr().err


def test_an_optional_priors_file_that_is_not_a_file_is_named(priors_copy, capsys) -> None:
    """uncertainty.yaml as a folder, advice.yaml as a device: they were taken as absent and
    the defaults used, with "valid" said."""
    d = priors_copy()
    (d / "uncertainty.yaml").unlink()
    (d / "uncertainty.yaml").mkdir()
    (d / "advice.yaml").unlink()
    (d / "advice.yaml").symlink_to("/dev/null")
    assert main(["validate-priors", str(d)]) == 2
    err = capsys.readouterr().err
    assert "uncertainty.yaml: is a folder" in err
    assert "advice.yaml: is not a regular file" in err
    (d / "extra.yaml").write_text("a: 1\n", encoding="utf-8")
    assert main(["validate-priors", str(d)]) == 2
    err = capsys.readouterr().err
    assert "extra.yaml: unknown file" in err and "'advice.yaml'" in err  # named among them


def test_small_input_slips_get_the_right_message(model, tmp_path: Path, capsys) -> None:
    """A truncated link, stdin named twice, an output path under a file, an option without
    the engine it needs, a UTF-16 file: each named as what it is (exit 2)."""
    assert main(["case", "open-link", "h1"]) == 2
    assert "cut short" in capsys.readouterr().err
    src = _write(tmp_path / "in.csv", "age, sex\n34, female\n")
    under = tmp_path / "o.csv"
    under.write_text("x", encoding="utf-8")
    assert main(["batch", str(src), "-o", str(under / "x"), "--quiet"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert main(["batch", str(src), "-o", str(tmp_path / "p.csv"), "--partition-rows", "5"]) == 2
    assert "--partition-rows needs --engine dask" in capsys.readouterr().err
    u16 = tmp_path / "c.json"
    u16.write_bytes('{"answers": {"age": 34}}'.encode("utf-16"))
    assert main(["diagnose", str(u16)]) == 2
    assert "UTF-16 text, not UTF-8" in capsys.readouterr().err


def test_spaces_around_a_batch_column_name_are_not_part_of_it(model, tmp_path: Path) -> None:
    """"age, sex" scored every row without sex (column ' sex' unknown)."""
    src = _write(tmp_path / "in.csv", "age, sex\n34, female\n")
    assert main(["batch", str(src), "-o", str(tmp_path / "out.csv"), "--quiet"]) == 0
    row = _read(tmp_path / "out.csv")[0]
    want = model.assess({"age": 34, "sex": "female"})
    assert row["sex"].strip() == "female" and row["top_cause"] == want.top.id
    assert float(row[f"p_{want.top.id}"]) == pytest.approx(want.top.probability, abs=1e-6)


def test_stdin_named_twice_is_refused_with_the_reason(monkeypatch, capsys) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"answers": {}}')))
    assert main(["case", "compare", "-", "-"]) == 2
    assert "read only once" in capsys.readouterr().err


def test_a_decimal_is_a_number_and_a_tab_in_notes_reaches_the_pdf(model) -> None:
    from decimal import Decimal

    from model.workflows.cases import new_case

    assert model.diagnose({"age": Decimal("34")}).to_dict() == model.diagnose(
        {"age": 34}).to_dict()
    for bad in ("NaN", "sNaN", "1e999"):
        with pytest.raises(InputError, match="not a finite number"):
            model.diagnose({"age": Decimal(bad)})
    r = build_report(new_case({"age": 30}, notes="left\tright", model=model), model,
                     today="2025-03-02")
    import io as _io

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(_io.BytesIO(report_pdf(r))).pages)
    assert "left" in text and "right" in text and "cannot show" not in text


def test_a_workbench_links_findings_are_the_physios(model) -> None:
    """A share link's examination or test findings were read back as the runner's own."""
    from model.workflows.cases import CLINICIAN, SELF_REPORT, decode_share, encode_share

    token = encode_share({"age": 30, "exam_foot_pulses": "normal"}, model=model)
    case = decode_share(token, model).case
    assert case.answered_by == {"age": SELF_REPORT, "exam_foot_pulses": CLINICIAN}


@pytest.mark.parametrize("word", ["dunno", "maybe", "Not sure", "unknown", "?", "n/a",
                                  "don\u2019t know", "IDK"])
def test_a_word_for_not_knowing_is_told_how_to_leave_the_question_unknown(word):
    """A hostile-input review: "dunno" on a warning sign got "did you mean 'no'?" and "maybe"
    "did you mean 'yes'?". A word for not knowing is told to leave the question out (or list
    it under not_sure), never offered an answer."""
    problems = load_model().validate({"chest_pain_or_fainting": word})[1]
    assert len(problems) == 1
    assert "leave the question out" in problems[0] and "not_sure" in problems[0]
    assert "did you mean" not in problems[0]


def test_only_a_close_answer_is_suggested():
    """ "yse" is still "did you mean 'yes'?"; "halfway" is not "did you mean 'all_day'?"."""
    m = load_model()
    assert "did you mean 'yes'" in m.validate({"chest_pain_or_fainting": "yse"})[1][0]
    assert "did you mean" not in m.validate({"heaviness_onset": "halfway"})[1][0]


def test_bare_answers_given_as_a_case_file_are_told_to_wrap_them_first(tmp_path, capsys):
    """A hostile-input review: 81 bare answers printed 20 "unknown key 'age'; keys are ..."
    lines and the fix (the "answers" key) fell under "... and 2 more problems of the same
    kind". The first line now says they look like bare answers and how to wrap them; no
    answer is called an unknown key."""
    src = tmp_path / "bare.json"
    m = load_model()
    answers = {q.id: (q.states[0] if q.type != "number" else q.min) for q in m.questions[:81]}
    src.write_text(json.dumps(answers), encoding="utf-8")
    assert main(["case", "new", str(src)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "look like bare answers (81 answers" in err[0] and '{"answers":' in err[0]
    assert not any("unknown key" in line for line in err) and len(err) == 1


def test_capped_problems_keep_their_counts_and_the_fix(tmp_path, capsys):
    """50,000 unknown keys: the loader's own count ("49,980 more") and the last line (the
    fix) survive the command line's cap, which no longer says "of the same kind"."""
    src = tmp_path / "many.json"
    src.write_text(json.dumps({f"q{i}": 1 for i in range(50_000)}), encoding="utf-8")
    assert main(["diagnose", str(src)]) == 2
    err = capsys.readouterr().err
    assert "49,980 more unknown keys" in err and "of the same kind" not in err
    assert err.strip().splitlines()[-1].endswith('a case file is at least {"answers": {...}}')


@pytest.mark.parametrize(("qid", "typed", "hint"), [
    ("sleep_hours", "2,5", "with a decimal point: 2.5"),
    ("run_duration_min", "1,200", "without a thousands separator: 1200"),
    ("run_duration_min", "1 200", "without a thousands separator: 1200"),
    ("temperature_c", "68F", "in \u00b0C"),
    ("age", "30 years", "the number alone: 30"),
])
def test_a_number_typed_as_a_person_would_is_told_the_fix(qid, typed, hint):
    """A hostile-input review: "2,5", "1,200", "1 200" and "68F" were only "not a number"."""
    problems = load_model().validate({qid: typed})[1]
    assert len(problems) == 1 and "is not a number" in problems[0] and hint in problems[0]


def test_the_api_says_what_is_wrong_with_an_export_or_a_case_argument(tmp_path):
    """A hostile-input review: ``Model.export("pdf", p)`` raised a plain ValueError and a
    folder IsADirectoryError; ``load_case(dict)`` a TypeError; ``load_case(json_text)`` "no
    such file". Each is now an InputError naming the fix, and a mapping is read as a case."""
    m = load_model()
    with pytest.raises(InputError, match="format 'pdf' is not supported"):
        m.export("pdf", tmp_path / "x.pdf")
    with pytest.raises(InputError, match="is a folder; give a file name"):
        m.export("bif", tmp_path)
    assert dict(load_case({"answers": {"age": 30}}, m).case.answers) == {"age": 30}
    with pytest.raises(InputError, match="the text given is JSON, not a path"):
        load_case('{"answers": {"age": 30}}', m)
    with pytest.raises(InputError, match="give a path, bytes or a mapping, not int"):
        load_case(3, m)  # type: ignore[arg-type]
