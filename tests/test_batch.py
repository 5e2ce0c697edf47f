"""Batch scoring: every row kept in order, bad rows with their error, identical answer sets
computed once, size limits, the DataFrame entry point of the physio page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

import model.workflows.batch as batch
from model.cli import main
from model.errors import InputError
from model.workflows.batch import score_csv, score_frame

HEADER = ["case_id", "age", "sex", "rest_days_per_week", "heaviness_onset", "cramps", "note"]
ROWS = [
    ["a", "34", "female", "0", "from_start", "yes", "first"],
    ["b", "", "", "", "", "", "empty answers"],
    ["c", "abc", "female", "9", "", "", "two bad answers"],
    ["d", "34", "female", "0", "from_start", "yes", "same answers as a"],
    ["e", "51", "male"],  # short row: the missing cells are unanswered
    ["f", "22", "male", "2", "late_in_run", "no", "x", "extra cell"],
    ["g", "34.0", " female ", "0", "from_start", "yes", "same as a, other spelling"],
]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_row_kept_in_order_with_errors(model, tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", HEADER, ROWS)
    stats = score_csv(model, src, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    assert stats["rows"] == len(ROWS) and stats["errors"] == 2
    assert [r["case_id"] for r in out] == [r[0] for r in ROWS]
    assert out[0]["note"] == "first" and out[3]["note"] == "same answers as a"
    assert "age: 'abc' is not a number" in out[2]["error"]
    assert "rest_days_per_week: 9 is out of range" in out[2]["error"]
    assert out[2]["p_dvt"] == "" and out[2]["top_cause"] == ""
    assert "8 cells but the header has 7" in out[5]["error"]
    assert out[4]["error"] == "" and out[4]["cramps"] == ""
    cause_cols = [f"p_{c.id}" for c in model.causes]
    assert list(out[0]) == HEADER + cause_cols + ["top_cause", "triage", "error"]
    for row, rec in zip(ROWS, out, strict=True):
        if rec["error"]:
            continue
        answers = {h: v.strip() for h, v in zip(HEADER, row, strict=False)
                   if h in model.question_map and v.strip()}
        d = model.diagnose(model.validate(answers)[0])
        for c in d.causes:
            assert rec[f"p_{c.id}"] == f"{c.probability:.6f}"
        assert rec["top_cause"] == d.top.id and rec["triage"] == d.triage.level
    # rows a, d and g have the same clean answers: computed once
    assert stats["distinct"] == 3
    assert out[0]["p_overtraining"] == out[6]["p_overtraining"]


def test_identical_answer_sets_are_computed_once(model, tmp_path: Path, monkeypatch) -> None:
    calls = []
    real = batch.score_answers
    monkeypatch.setattr(batch, "score_answers",
                        lambda m, a, iv=False: calls.append(1) or real(m, a, iv))
    rows = [["x", "34", "female", "0", "from_start", "yes", ""]] * 50
    rows += [["y", "40", "male", "1", "", "", ""]] * 50
    src = _write(tmp_path / "in.csv", HEADER, rows)
    stats = score_csv(model, src, tmp_path / "out.csv", progress=False)
    assert stats == {"rows": 100, "errors": 0, "blank": 0, "unreadable": 0, "distinct": 2}
    assert len(calls) == 2


def test_unreadable_and_oversized_cells_keep_their_place(model, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,age,sex\n1,30,female\n2,\xff\xfe,male\n3,"
                    + b"x" * (batch.MAX_FIELD + 5) + b",male\n4,40,male\n")
    stats = score_csv(model, src, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    assert stats["rows"] == 4 and stats["errors"] == 2
    assert [r["id"] for r in out[:2]] + [out[3]["id"]] == ["1", "2", "4"]
    assert out[1]["error"] == "unreadable row: not UTF-8 text; save the file as UTF-8 CSV"
    assert f"longer than {batch.MAX_FIELD} characters" in out[2]["error"]
    assert out[3]["error"] == "" and out[3]["top_cause"]


def test_file_level_errors(model, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        score_csv(model, tmp_path / "none.csv", tmp_path / "o.csv", progress=False)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match="empty file"):
        score_csv(model, tmp_path / "empty.csv", tmp_path / "o.csv", progress=False)
    _write(tmp_path / "dup.csv", ["age", "age"], [["1", "2"]])
    with pytest.raises(InputError, match=r"duplicate column\(s\) \['age'\]"):
        score_csv(model, tmp_path / "dup.csv", tmp_path / "o.csv", progress=False)
    _write(tmp_path / "wide.csv", [f"c{i}" for i in range(batch.MAX_COLUMNS + 1)], [])
    with pytest.raises(InputError, match="columns \\(limit"):
        score_csv(model, tmp_path / "wide.csv", tmp_path / "o.csv", progress=False)
    src = _write(tmp_path / "in.csv", HEADER, ROWS)
    with pytest.raises(InputError, match="folder .* does not exist"):
        score_csv(model, src, tmp_path / "no" / "o.csv", progress=False)
    with pytest.raises(InputError, match="more than 3 rows; split the file"):
        score_csv(model, src, tmp_path / "o.csv", progress=False, max_rows=3)
    assert not (tmp_path / "o.csv").exists()  # no partial output left behind


def test_score_frame_matches_the_csv_path(model, tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", HEADER, ROWS)
    score_csv(model, src, tmp_path / "out.csv", progress=False)
    ref = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    for data in (src, io.BytesIO(src.read_bytes()), io.StringIO(src.read_text())):
        df = score_frame(model, data)
        assert list(df.columns) == list(ref.columns) and len(df) == len(ref)
        assert df["error"].tolist() == ref["error"].tolist()
        assert df["top_cause"].tolist() == ref["top_cause"].tolist()
        got = df["p_overtraining"].map(lambda v: "" if pd.isna(v) else f"{v:.6f}")
        assert got.tolist() == ref["p_overtraining"].tolist()
    frame = pd.DataFrame({"case_id": ["a", "b"], "age": [34, None], "sex": ["female", "x"]})
    df = score_frame(model, frame)
    assert df["error"].tolist()[0] == "" and "sex: 'x'" in df["error"].tolist()[1]
    assert df["p_dvt"].isna().tolist() == [False, True]
    with pytest.raises(InputError, match="limit 1\\)"):
        score_frame(model, frame, max_rows=1)


def test_cli_batch(tmp_path: Path, capsys) -> None:
    src = _write(tmp_path / "in.csv", HEADER + ["rest_day_per_week"], [ROWS[0] + ["1"]])
    assert main(["batch", str(src), "-o", str(tmp_path / "o.csv"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "did you mean 'rest_days_per_week'" in err and "scored 1 rows (0 with errors)" in err
    assert main(["batch", str(src), "-o", str(tmp_path / "o.csv"), "--scheduler", "x"]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


# ----------------------------------------------------------------------------- hostile review
@pytest.mark.parametrize("col", ["triage", "error", "top_cause", "p_dvt", "lo_dvt"])
def test_input_columns_named_like_outputs_are_refused(model, tmp_path: Path, capsys,
                                                      col: str) -> None:
    src = _write(tmp_path / "in.csv", ["case_id", "age", col], [["a", "34", "mine"]])
    out = tmp_path / "out.csv"
    assert main(["batch", str(src), "-o", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"'{col}'" in err and "rename them" in err and "Traceback" not in err
    assert not out.exists()
    frame = pd.DataFrame({"age": [34], col: ["mine"]})
    with pytest.raises(InputError, match=f"'{col}'.*rename them"):
        score_frame(model, frame)


def test_an_unclosed_quote_is_an_error_row_and_the_rows_after_it_are_scored(
        model, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text('case_id,age,cramps\nA,34,yes\n"B,40,no\nC,50,no\n', encoding="utf-8")
    stats = score_csv(model, src, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    assert [r["case_id"] for r in out] == ["A", '"B', "C"]
    assert stats == {"rows": 3, "errors": 1, "blank": 0, "unreadable": 1, "distinct": 2}
    assert "line 3: a quote" in out[1]["error"] and "never closed" in out[1]["error"]
    assert out[1]["top_cause"] == "" and out[1]["p_dvt"] == ""
    assert out[2]["age"] == "50" and out[2]["error"] == "" and out[2]["top_cause"]
    df = score_frame(model, io.StringIO(src.read_text()))
    assert df["error"].tolist()[2] == "" and "never closed" in df["error"].tolist()[1]


def test_a_quoted_cell_over_several_lines_is_still_one_cell(model, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text('case_id,age,note\nA,34,"two\nlines"\nB,40,x\n', encoding="utf-8")
    score_csv(model, src, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    assert [r["note"] for r in out] == ["two\nlines", "x"] and not any(r["error"] for r in out)


def test_a_row_of_empty_cells_is_a_blank_line(model, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("case_id,age\nA,34\n,\n\n , \nB,\n", encoding="utf-8")
    stats = score_csv(model, src, tmp_path / "out.csv", progress=False)
    out = _read(tmp_path / "out.csv")
    assert [bool(r["error"]) for r in out] == [False, True, True, True, False]
    assert all(r["error"].startswith("blank line") for r in out[1:4])
    assert stats["blank"] == 3 and out[4]["top_cause"]  # "B," is a case with no answers


def test_batch_reads_stdin_for_a_dash(tmp_path: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "model", "batch", "-", "-o", "out.csv", "--quiet"],
                       cwd=tmp_path, input=b"case_id,age\nA,34\n", capture_output=True,
                       timeout=180)
    assert r.returncode == 0, r.stderr
    out = _read(tmp_path / "out.csv")
    assert [r["case_id"] for r in out] == ["A"] and out[0]["top_cause"]


@pytest.mark.parametrize("header", ["\u0430ge", "a\u200bge", "AGE "])  # Cyrillic а, zero width
def test_a_look_alike_header_gets_its_question_suggested(model, header: str) -> None:
    """A header that looks like 'age' (a Cyrillic letter, an invisible character) names no
    question and is carried through; the note says which question it looks like."""
    from model.workflows.batch import column_notes

    notes = column_notes(model, [header, "sex"])
    assert any("did you mean 'age'" in n for n in notes), notes


def test_empty_header_cells_are_named_as_such(tmp_path):
    """A spreadsheet's empty trailing columns ("age,sex,,") were refused as "duplicate
    column(s) ['']"."""
    from model.workflows.batch import check_header

    with pytest.raises(InputError, match=r"2 column\(s\) of the header have no name"):
        check_header(["age", "sex", "", ""], "x.csv")
