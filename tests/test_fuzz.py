"""Hostile input (hypothesis): case JSON, answers and confidences of any shape end in the
project's own InputError (one line per problem) or a result, never another exception; the CLI
exits 2 on hostile files with no traceback."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import Model, load_model
from model.cli import main
from model.errors import InputError
from model.workflows.cases import case_from_data, load_case, parse_case_text

FUZZ = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MODEL: Model = load_model()
QIDS = [q.id for q in MODEL.questions]
ROOT = Path(__file__).resolve().parent.parent

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.text(min_size=2000, max_size=5000, alphabet=st.characters(codec="utf-8")),
    st.sampled_from(["yes", "no", "Yes", " yes ", "", "\x00", "\ud7ff", "\U0001f3c3", "1e309"]),
)
json_ish = st.recursive(
    scalars,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=20), kids, max_size=4)
    ),
    max_leaves=15,
)
keys = st.sampled_from(QIDS) | st.text(max_size=30)
answers_ish = st.dictionaries(
    keys, st.sampled_from(["yes", "no", 0, 30, -1, 1e9]) | json_ish, max_size=12
)


case_dicts = st.builds(lambda a: {"answers": a}, answers_ish)


def _check_problems(exc: InputError) -> None:
    """Each problem is one non-empty line of bounded length (a huge input is not echoed)."""
    assert exc.problems
    for line in exc.problems:
        assert isinstance(line, str) and line.strip()
        assert "\n" not in line, line[:200]
        assert len(line) <= 1000, line[:200]


@FUZZ
@given(json_ish | answers_ish | case_dicts)
def test_any_case_data_is_a_case_or_an_input_error(data: Any) -> None:
    try:
        loaded = case_from_data(data, "fuzz", MODEL)
    except InputError as exc:
        _check_problems(exc)
        return
    for line in loaded.problems:
        assert isinstance(line, str) and "\n" not in line and len(line) <= 1000
    MODEL.diagnose(dict(loaded.case.answers))  # what was kept is valid


@FUZZ
@given(st.binary(max_size=300) | (json_ish | case_dicts).map(lambda x: json.dumps(x).encode()))
def test_any_uploaded_bytes_are_a_case_or_an_input_error(raw: bytes) -> None:
    try:
        load_case(raw, MODEL)
    except InputError as exc:
        _check_problems(exc)


@FUZZ
@given(st.text(max_size=300) | (json_ish | case_dicts).map(json.dumps))
def test_cli_case_text_parses_or_raises_input_error(text: str) -> None:
    try:  # the CLI reads case files through the one case parser
        loaded = parse_case_text(text, "fuzz", MODEL)
    except InputError as exc:
        _check_problems(exc)
        return
    assert isinstance(dict(loaded.case.answers), dict)


@FUZZ
@given(json_ish | answers_ish)
def test_validate_never_raises_and_keeps_good_answers(answers: Any) -> None:
    clean, problems = MODEL.validate(answers)
    assert all(isinstance(p, str) and "\n" not in p and len(p) <= 1000 for p in problems)
    again, none = MODEL.validate(clean)
    assert again == clean and none == []
    if isinstance(answers, dict):
        assert set(clean) <= set(answers)
        bad = set(answers) - set(clean)
        # every dropped answer is named (blank answers count as unanswered, not as problems)
        blank = {k for k in bad if answers[k] in (None, "")}
        if bad - blank:
            assert problems


@FUZZ
@given(answers_ish, json_ish | st.dictionaries(keys, scalars, max_size=6))
def test_diagnose_gives_a_result_or_an_input_error(answers: Any, confidence: Any) -> None:
    try:
        d = MODEL.diagnose(answers, confidence=confidence)
    except InputError as exc:
        _check_problems(exc)
        return
    assert all(math.isfinite(c.probability) for c in d.causes)


@FUZZ
@given(answers_ish, st.dictionaries(st.sampled_from(MODEL.modifiable) | keys, scalars, max_size=3))
def test_what_if_gives_a_result_or_an_input_error(answers: Any, changes: Any) -> None:
    try:
        w = MODEL.what_if(answers, changes)
    except InputError as exc:
        _check_problems(exc)
        return
    assert math.isfinite(w.p_heavy_legs)


HOSTILE: dict[str, bytes] = {
    "nan.json": b'{"answers": {"age": NaN}}',
    "inf.json": b'{"answers": {"age": Infinity}}',
    "huge-int.json": b'{"answers": {"age": ' + b"9" * 5000 + b"}}",
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
    "binary.json": bytes(range(256)) * 4,
    "list.json": b"[1, 2, 3]",
    "answers-list.json": b'{"answers": ["age", 34]}',
    "too-big.json": b'{"answers": {"age": 34}, "notes": "' + b"x" * 1_100_000 + b'"}',
    "empty.json": b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_cli_exits_2_on_hostile_files(name: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    assert main(["diagnose", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert len(err) < 2000


@pytest.mark.parametrize("name", ["deep.json", "nan.json"])
def test_cli_process_exits_2_without_traceback(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    proc = subprocess.run(
        [sys.executable, "-m", "model", "diagnose", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert proc.stdout == ""


cells = st.text(max_size=40) | st.sampled_from(
    ["yes", "no", "34", "NaN", "inf", "-1e999", "9" * 5000, '"', '""', "\n", "\r\n", "\x00", "é"]
)


@settings(FUZZ, max_examples=30)
# (junk without quote characters: an unclosed quote would legitimately swallow later rows)
@given(
    st.lists(st.lists(cells, max_size=9), max_size=6),
    st.binary(max_size=40).map(lambda b: b.replace(b'"', b"")),
)
def test_any_csv_rows_are_scored_or_kept_with_their_error(
    rows: list[list[str]], junk: bytes
) -> None:
    """Hostile rows (and a line of raw bytes) never stop the file: the good first and last
    rows are scored, or the whole file is refused with an InputError."""
    import tempfile

    from model.workflows.batch import score_csv

    header = ["case_id", "age", "sex", "cramps", "temperature_c", "legs_affected", "note"]
    good = ["good", "34", "female", "no", "20", "both", ""]
    with tempfile.TemporaryDirectory() as d:
        src, dst = Path(d) / "in.csv", Path(d) / "out.csv"
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerow(good)
        w.writerows(rows)
        src.write_bytes(buf.getvalue().encode("utf-8", "surrogatepass") + junk + b"\n")
        with src.open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerow(["good2", *good[1:]])
        try:
            score_csv(MODEL, src, dst, progress=False)
        except InputError as exc:
            _check_problems(exc)
            return
        with dst.open(newline="", encoding="utf-8") as fh:
            out = list(csv.DictReader(fh))
    assert out[0]["case_id"] == "good" and out[0]["error"] == ""
    assert out[-1]["case_id"] == "good2" and out[-1]["error"] == "", out[-1]
    assert out[0]["top_cause"] == out[-1]["top_cause"] != ""
