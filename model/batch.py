"""Batch scoring of a CSV of cases (contract section 5): every row kept, in order."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_FIELD = 10_000


def _rows(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    if not path.exists():
        raise InputError([f"{path}: no such file; check the path"])
    if path.is_dir():
        raise InputError([f"{path}: is a folder; give a CSV file"])
    csv.field_size_limit(MAX_FIELD)
    fh = path.open(newline="", encoding="utf-8-sig", errors="strict")
    reader = csv.reader(fh)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise InputError([f"{path}: empty file; the first row must name the columns "
                          "(question ids)"]) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        fh.close()
        raise InputError([f"{path}: cannot read the header ({exc}); save it as UTF-8 CSV"]) \
            from None

    def gen() -> Iterator[list[str]]:
        with fh:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except (UnicodeDecodeError, csv.Error) as exc:
                    yield ["\0error", str(exc)]
                    continue
                yield row

    return header, gen()


def row_answers(header: list[str], row: list[str], questions: Any) -> tuple[dict[str, Any], list[str]]:
    """Answers of one CSV row (text cells; numbers parsed by the validator), plus problems."""
    answers: dict[str, Any] = {}
    problems: list[str] = []
    if len(row) > len(header):
        problems.append(f"row has {len(row)} cells but the header has {len(header)}; "
                        "remove the extra cells")
    for col, cell in zip(header, row, strict=False):
        if col in questions and cell.strip():
            answers[col] = cell.strip()
    return answers, problems


def score_rows(model: Any, header: list[str], rows: Iterable[list[str]]) -> Iterator[dict[str, Any]]:
    from .questions import validate_answers

    cause_ids = [c.id for c in model.causes]
    for row in rows:
        out: dict[str, Any] = dict(zip(header, row, strict=False))
        for col in header[len(row):]:
            out[col] = ""
        if row and row[0] == "\0error":
            out = dict.fromkeys(header, "")
            out.update({f"p_{c}": "" for c in cause_ids}, top_cause="", triage="",
                       error=f"unreadable row: {row[1]}")
            yield out
            continue
        answers, problems = row_answers(header, row, model.question_map)
        clean, bad = validate_answers(model.question_map, answers)
        problems += bad
        if problems:
            out.update({f"p_{c}": "" for c in cause_ids}, top_cause="", triage="",
                       error="; ".join(problems))
        else:
            d = model.diagnose(clean)
            probs = {c.id: c.probability for c in d.causes}
            out.update({f"p_{c}": f"{probs[c]:.6f}" for c in cause_ids},
                       top_cause=d.top.id, triage=d.triage.level, error="")
        yield out


def score_csv(model: Any, src: Path, dst: Path, progress: bool = True) -> dict[str, int]:
    header, rows = _rows(src)
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise InputError([f"{src}: duplicate column(s) {dup}; keep one of each"])
    for h in header:
        if h not in model.question_map:
            close = get_close_matches(h, list(model.question_map), n=1, cutoff=0.8)
            if close:
                print(f"warning: column {h!r} is not a question id and is carried through "
                      f"unchanged; did you mean {close[0]!r}?", file=sys.stderr)
    cause_cols = [f"p_{c.id}" for c in model.causes]
    out_cols = header + [c for c in cause_cols + ["top_cause", "triage", "error"]
                         if c not in header]
    if dst.parent and not dst.parent.exists():
        raise InputError([f"{dst}: folder {dst.parent} does not exist; create it first"])
    n = errors = 0
    it: Iterable[dict[str, Any]] = score_rows(model, header, rows)
    if progress:
        try:
            from tqdm import tqdm

            it = tqdm(it, unit=" rows", file=sys.stderr, disable=None)
        except ImportError:  # pragma: no cover - tqdm is a dependency
            pass
    with dst.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=out_cols, extrasaction="ignore")
        w.writeheader()
        for rec in it:
            n += 1
            errors += bool(rec.get("error"))
            w.writerow(rec)
    return {"rows": n, "errors": errors}
