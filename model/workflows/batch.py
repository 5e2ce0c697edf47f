"""Batch scoring of a CSV of cases (contract section 5): every row kept, in order.

- :func:`score_csv` streams a CSV file to a CSV file (the ``batch`` command), with a tqdm
  progress bar on stderr.
- :func:`score_frame` takes a pandas DataFrame, a file-like object (an upload) or a path and
  returns a DataFrame (the physio page).
- :mod:`model.dask_batch` scores the same rows in partitions on a Dask cluster.

Each distinct answer set is computed once per run (a bounded cache keyed by the clean
answers); a bad row keeps its place with its ``error`` and the other rows are scored.
Only the posteriors and the triage are computed (no question ranking), from the same exact
engine as ``diagnose``, so the numbers equal those of ``diagnose``.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from difflib import get_close_matches
from pathlib import Path
from typing import IO, Any

from ..api import Model
from ..errors import InputError

MAX_FIELD = 10_000  # characters in one cell
MAX_COLUMNS = 1_000
MAX_ROWS = 5_000_000  # rows of one file (split larger files)
MAX_FRAME_ROWS = 100_000  # rows of an upload scored in memory (the physio page)
CACHE_ROWS = 100_000  # distinct answer sets remembered within one run
OUT_COLUMNS = ("top_cause", "triage", "error")


def _reader_rows(fh: IO[str], where: str) -> tuple[list[str], Iterator[list[str]]]:
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(fh)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise InputError(
            [f"{where}: empty file; the first row must name the columns (question ids)"]
        ) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        fh.close()
        raise InputError(
            [f"{where}: cannot read the header ({_csv_problem(exc)}); save it as UTF-8 CSV"]
        ) from None
    if _undecodable(header):
        fh.close()
        raise InputError([f"{where}: the header is not UTF-8 text; save the file as UTF-8 CSV"])
    check_header(header, where)

    def gen() -> Iterator[list[str]]:
        with fh:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except (UnicodeDecodeError, csv.Error) as exc:
                    yield ["\0error", _csv_problem(exc)]
                    continue
                if _undecodable(row):
                    cells = [
                        c.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for c in row
                    ]
                    yield ["\0error", "not UTF-8 text; save the file as UTF-8 CSV", *cells]
                    continue
                yield row

    return header, gen()


def _undecodable(cells: list[str]) -> bool:
    """Whether a row holds bytes that were not UTF-8 (read as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for cell in cells for ch in cell)


def _csv_problem(exc: Exception) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell is longer than {MAX_FIELD} characters; shorten it"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV"
    return text


def _rows(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    if not path.exists():
        raise InputError([f"{path}: no such file; check the path"])
    if path.is_dir():
        raise InputError([f"{path}: is a folder; give a CSV file"])
    fh = path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
    return _reader_rows(fh, str(path))


def check_header(header: list[str], where: str) -> None:
    """Refuse a header with too many or duplicate columns (one line each)."""
    if len(header) > MAX_COLUMNS:
        raise InputError(
            [
                f"{where}: {len(header)} columns (limit {MAX_COLUMNS}); keep the "
                "question ids and a case id"
            ]
        )
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise InputError([f"{where}: duplicate column(s) {dup}; keep one of each"])


def row_answers(
    header: list[str], row: list[str], questions: Any
) -> tuple[dict[str, Any], list[str]]:
    """Answers of one CSV row (text cells; numbers parsed by the validator), plus problems."""
    answers: dict[str, Any] = {}
    problems: list[str] = []
    if len(row) > len(header):
        problems.append(
            f"row has {len(row)} cells but the header has {len(header)}; remove the extra cells"
        )
    for col, cell in zip(header, row, strict=False):
        if col in questions and cell.strip():
            answers[col] = cell.strip()
    return answers, problems


def score_answers(model: Model, clean: Mapping[str, Any]) -> dict[str, Any]:
    """Output cells (``p_<cause>``, ``top_cause``, ``triage``, ``error``) for clean answers.

    The probabilities are the exact posteriors of ``model.diagnose`` (without the question
    ranking, which the batch output does not need).
    """
    from ..reasoning.triage import triage

    post = model.posterior(clean)
    probs = {c: float(p) for c, p in zip(model.engine.cause_ids, post.marginals, strict=True)}
    order = [c.id for c in model.causes]
    top = min(order, key=lambda c: (-probs[c], c))
    tri = triage(model.kb, clean, probs)
    out: dict[str, Any] = {f"p_{c}": f"{probs[c]:.6f}" for c in order}
    out.update(top_cause=top, triage=tri.level, error="")
    return out


def score_rows(
    model: Model,
    header: list[str],
    rows: Iterable[list[str]],
    cache: dict[tuple[tuple[str, Any], ...], dict[str, Any]] | None = None,
) -> Iterator[dict[str, Any]]:
    """Score rows (lists of cells) one by one; each output row keeps its input cells.

    ``cache`` (a dict, created if not given) remembers the result of each distinct answer
    set, so identical answer sets are computed once.
    """
    from ..reasoning.evidence import validate_answers

    cause_ids = [c.id for c in model.causes]
    blank = {f"p_{c}": "" for c in cause_ids}
    cache = {} if cache is None else cache
    for row in rows:
        out: dict[str, Any] = dict(zip(header, row, strict=False))
        for col in header[len(row) :]:
            out[col] = ""
        if row and row[0] == "\0error":  # ["\0error", message, *cells that could be kept]
            out = dict.fromkeys(header, "")
            out.update(zip(header, row[2:], strict=False))
            out.update(blank, top_cause="", triage="", error=f"unreadable row: {row[1]}")
            yield out
            continue
        answers, problems = row_answers(header, row, model.question_map)
        clean, bad = validate_answers(model.question_map, answers)
        problems += bad
        if problems:
            out.update(blank, top_cause="", triage="", error="; ".join(problems))
            yield out
            continue
        key = tuple(sorted(clean.items()))
        res = cache.get(key)
        if res is None:
            res = score_answers(model, clean)
            if len(cache) >= CACHE_ROWS:
                cache.pop(next(iter(cache)))
            cache[key] = res
        out.update(res)
        yield out


def output_columns(model: Model, header: list[str]) -> list[str]:
    cause_cols = [f"p_{c.id}" for c in model.causes]
    return header + [c for c in [*cause_cols, *OUT_COLUMNS] if c not in header]


def warn_unknown_columns(model: Model, header: list[str]) -> list[str]:
    """Warnings for columns that look like misspelt question ids (they are carried through)."""
    out = []
    for h in header:
        if h not in model.question_map:
            close = get_close_matches(h, list(model.question_map), n=1, cutoff=0.8)
            if close:
                out.append(
                    f"warning: column {h!r} is not a question id and is carried through "
                    f"unchanged; did you mean {close[0]!r}?"
                )
    return out


def _progress(
    it: Iterable[Any], enabled: bool, total: int | None = None, unit: str = " rows"
) -> Iterable[Any]:
    if not enabled:
        return it
    from tqdm import tqdm

    return tqdm(it, unit=unit, file=sys.stderr, disable=None, total=total)


def score_csv(
    model: Model, src: Path, dst: Path, progress: bool = True, max_rows: int = MAX_ROWS
) -> dict[str, int]:
    """Score the CSV ``src`` into ``dst`` (contract section 5); {"rows", "errors", "distinct"}.

    Raises
    ------
    InputError
        Missing or unreadable file, bad header, missing output folder, or more than
        ``max_rows`` rows (the partial output is removed).
    """
    src, dst = Path(src), Path(dst)
    if dst.parent and not dst.parent.exists():
        raise InputError([f"{dst}: folder {dst.parent} does not exist; create it first"])
    header, rows = _rows(src)
    for warning in warn_unknown_columns(model, header):
        print(warning, file=sys.stderr)
    n = errors = 0
    cache: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
    it = _progress(score_rows(model, header, rows, cache), progress)
    try:
        with dst.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=output_columns(model, header), extrasaction="ignore")
            w.writeheader()
            for rec in it:
                n += 1
                if n > max_rows:
                    raise InputError(
                        [
                            f"{src}: more than {max_rows} rows; split the file (or "
                            "use --engine dask for large files)"
                        ]
                    )
                errors += bool(rec.get("error"))
                w.writerow(rec)
    except InputError:
        dst.unlink(missing_ok=True)
        raise
    return {"rows": n, "errors": errors, "distinct": len(cache)}


def score_frame(
    model: Model, data: Any, *, progress: bool = False, max_rows: int = MAX_FRAME_ROWS
) -> Any:
    """Score a table of cases and return a pandas DataFrame (for the physio page).

    Parameters
    ----------
    data
        A DataFrame (one column per question id; other columns are carried through), a
        file-like object holding CSV (text or bytes, e.g. a Streamlit upload), or a path.
    max_rows
        Refuse larger tables with a clear message.

    Returns
    -------
    pandas.DataFrame
        The input columns (as text) plus ``p_<cause>`` (float, NaN on error rows),
        ``top_cause``, ``triage`` and ``error``, one row per input row, in order.

    Raises
    ------
    InputError
        Unreadable CSV, a bad header, or too many rows.
    """
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        header = [str(c) for c in data.columns]
        check_header(header, "table")
        if len(data) > max_rows:
            raise InputError(
                [
                    f"table: {len(data)} rows (limit {max_rows}); split it or use "
                    "`python -m model batch`"
                ]
            )
        values = data.astype(object).where(data.notna(), "")
        rows: Iterable[list[str]] = (
            [_cell(v) for v in r] for r in values.itertuples(index=False, name=None)
        )
    else:
        if isinstance(data, str | Path):
            header, rows = _rows(Path(data))
        else:
            raw = data.read()
            if isinstance(raw, bytes | bytearray):
                raw = bytes(raw).decode("utf-8-sig", errors="surrogateescape")
            header, rows = _reader_rows(io.StringIO(raw, newline=""), "upload")
    out = []
    for rec in _progress(score_rows(model, header, rows), progress):
        out.append(rec)
        if len(out) > max_rows:
            raise InputError(
                [f"table: more than {max_rows} rows; split it or use `python -m model batch`"]
            )
    cols = output_columns(model, header)
    df = pd.DataFrame.from_records(out, columns=cols).fillna("")
    for c in model.causes:
        df[f"p_{c.id}"] = pd.to_numeric(df[f"p_{c.id}"], errors="coerce")
    return df


def _cell(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


__all__ = [
    "MAX_FIELD",
    "MAX_ROWS",
    "check_header",
    "output_columns",
    "row_answers",
    "score_answers",
    "score_csv",
    "score_frame",
    "score_rows",
]
