"""Hostile input to the readers and writers (issue 18, hypothesis): any CSV bytes are scored
row for row or refused with an InputError; case files round-trip every field or are refused;
escaped text forms no link, image or HTML; writes leave the whole new file or the old one."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import load_model
from model.errors import InputError
from model.kb.yamlread import load_yaml
from model.reasoning.evidence import NUMBER_TEXT
from model.workflows import safeio
from model.workflows.batch import _FORMULA_START, score_csv
from model.workflows.cases import case_from_data, load_case, save_case
from model.workflows.report import build_report, escape_markdown, report_markdown, report_pdf

FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
MODEL = load_model()
QIDS = [q.id for q in MODEL.questions]

# text with the characters that make trouble: markup, formulas, separators, line breaks,
# control characters, lone surrogates and text beyond Latin-1
pieces = st.sampled_from(list("[]()!<>`*_#|-+=@:;,\"'\\\t\r\n\x00 aZ9.") +
                         ["\udc80", "Ω", "Я", "ł", "\U0001f3c3", "www.", "http://", "a@b.c"])
tricky = st.lists(pieces, max_size=20).map("".join) | st.text(max_size=40)


def _unescaped(md: str) -> list[str]:
    return re.findall(r"(?<!\\)(?:!?\[[^\]\n]*(?<!\\)\]\(|<[A-Za-z/!])", md)


# ----------------------------------------------------------------------------- batch
cells = st.sampled_from(["34", "yes", "no", "female", "", " ", "=1+1", "-3", "@x", "abc"]) | tricky
csv_tables = st.tuples(
    st.lists(st.sampled_from(["case_id", "age", "sex", "cramps", "note"]) | tricky,
             min_size=1, max_size=5, unique=True),
    st.lists(st.lists(cells, max_size=6), max_size=8),
)


def _to_bytes(header: list[str], rows: list[list[str]], blank_every: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for i, r in enumerate(rows):
        w.writerow(r)
        if blank_every and i % blank_every == 0:
            buf.write("\r\n")
    return buf.getvalue().encode("utf-8", "surrogateescape")


@FUZZ
@given(csv_tables, st.integers(0, 3))
def test_any_csv_is_scored_row_for_row_or_refused(table: Any, blank_every: int) -> None:
    header, rows = table
    with tempfile.TemporaryDirectory() as d:
        src, dst = Path(d) / "in.csv", Path(d) / "out.csv"
        src.write_bytes(_to_bytes(header, rows, blank_every))
        with open(src, newline="", encoding="utf-8", errors="surrogateescape") as fh:
            n_in = sum(1 for _ in csv.reader(fh)) - 1
        try:
            stats = score_csv(MODEL, src, dst, progress=False)
        except InputError as exc:
            assert exc.problems and all(isinstance(p, str) for p in exc.problems)
            assert not dst.exists()
            return
        finally:
            assert not list(Path(d).glob(".*.part"))
        with dst.open(newline="", encoding="utf-8") as fh:
            out = list(csv.DictReader(fh))
        assert len(out) == stats["rows"] == n_in
        assert stats["blank"] == sum(r["error"].startswith("blank line") for r in out)
        for r in out:
            assert bool(r["error"]) != bool(r["top_cause"])
            for v in r.values():
                if v and v.startswith(_FORMULA_START):
                    assert NUMBER_TEXT.fullmatch(v), v


# ----------------------------------------------------------------------------- case files
answers = st.dictionaries(st.sampled_from(QIDS[:20]),
                          st.sampled_from(["yes", "no", 34, 0, "female", "road"]), max_size=6)


@FUZZ
@given(answers, tricky, st.none() | tricky, st.sampled_from(["self_assessment", "clinic"]),
       st.floats(0.5, 1.0))
def test_case_files_round_trip_every_field_or_are_refused(
    a: dict[str, Any], notes: str, case_id: str | None, population: str, conf: float
) -> None:
    clean, _ = MODEL.validate(a)
    data = {"answers": clean, "notes": notes, "case_id": case_id, "population": population,
            "answered_by": dict.fromkeys(list(clean)[:2], "clinician_verified"),
            "confidence": dict.fromkeys(list(clean)[-1:], conf), "created": "2025-01-02"}
    try:
        case = case_from_data(data, "fuzz", MODEL).case
    except InputError as exc:
        assert any("Unicode" in p for p in exc.problems), exc.problems
        assert any("\ud800" <= ch <= "\udfff" for ch in notes + (case_id or ""))
        return
    with tempfile.TemporaryDirectory() as d:
        path = save_case(case, Path(d) / "c.json")
        back = load_case(path, MODEL)
    assert back.ok and back.case == case


# ----------------------------------------------------------------------------- escaping
@FUZZ
@given(tricky)
def test_escaped_text_forms_no_link_image_or_html(text: str) -> None:
    for one_line in (True, False):
        e = escape_markdown(text, one_line=one_line)
        assert not _unescaped(e), e
        assert not re.search(r"(?<![\\\w])https?:", e) and "www." not in e
        if one_line:
            assert "\n" not in e


REPORT = build_report(case_from_data({"answers": {"age": 34}}, "fuzz", MODEL).case, MODEL)


@settings(FUZZ, max_examples=25)
@given(st.text(max_size=300) | tricky, st.none() | st.text(max_size=60) | tricky)
def test_reports_render_any_notes(notes: str, case_id: str | None) -> None:
    try:
        case = case_from_data({"answers": {"age": 34}, "notes": notes, "case_id": case_id},
                              "fuzz", MODEL).case
    except InputError as exc:
        assert any("Unicode" in p for p in exc.problems)
        return
    r = replace(REPORT, notes=case.notes, case_id=case.case_id)
    md = report_markdown(r)
    body = md.split("## Notes", 1)[1] if "## Notes" in md else ""
    assert not _unescaped(body)
    assert report_pdf(r).startswith(b"%PDF")


# ----------------------------------------------------------------------------- writes, YAML
@FUZZ
@given(st.text(max_size=200) | tricky, st.booleans())
def test_writes_leave_the_whole_new_file_or_the_old_one(text: str, exists: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / "out.txt"
        if exists:
            target.write_text("old", encoding="utf-8")
        try:
            safeio.write_text(target, text)
        except InputError:
            assert any("\ud800" <= ch <= "\udfff" for ch in text)
            assert (target.read_text(encoding="utf-8") if exists else None) == \
                ("old" if exists else None) and target.exists() == exists
        else:
            assert target.read_bytes() == text.encode("utf-8")
        assert [p.name for p in Path(d).iterdir()] == (["out.txt"] if target.exists() else [])


@FUZZ
@given(st.text(max_size=200) | st.recursive(
    st.text(max_size=5), lambda k: st.lists(k, max_size=3).map(lambda x: "[" + ",".join(x) + "]")
    | st.lists(k, max_size=3).map(lambda x: "{" + ",".join(f"a: {v}" for v in x) + "}"),
    max_leaves=20))
def test_any_yaml_text_loads_or_names_the_problem(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.yaml"
        p.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_yaml(p)
        except (yaml.YAMLError, ValueError) as exc:
            assert str(exc)


@pytest.mark.parametrize("depth", [10, 3_000])
def test_nested_yaml_loads_or_is_refused(tmp_path: Path, depth: int) -> None:
    p = tmp_path / "x.yaml"
    p.write_text("[" * depth + "]" * depth, encoding="utf-8")
    if depth < 100:
        assert load_yaml(p) is not None
    else:
        with pytest.raises(ValueError, match="nested too deeply"):
            load_yaml(p)
