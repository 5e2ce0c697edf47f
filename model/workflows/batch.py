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
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from difflib import get_close_matches
from pathlib import Path
from typing import IO, Any

from ..api import Model
from ..errors import InputError, not_utf8, utf16
from ..reasoning.evidence import NUMBER_TEXT

MAX_FIELD = 10_000  # characters in one cell
MAX_LINE = 1_000_000  # characters in one line of the file
MAX_COLUMNS = 1_000
MAX_ROWS = 5_000_000  # rows of one file (split larger files)
MAX_FRAME_ROWS = 100_000  # rows of an upload scored in memory (the physio page)
MAX_UPLOAD_BYTES = 50_000_000  # bytes of such an upload read into memory
CACHE_ROWS = 100_000  # distinct answer sets remembered within one run
OUT_COLUMNS = ("top_cause", "triage", "error")
ERROR_MARK = "\0error"  # first cell of a row the reader could not read
BLANK_LINE = "blank line (no cells, or every cell empty); remove it, an empty line is not a case"
UNREADABLE = "unreadable row: "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _lines(fh: IO[str], where: str) -> Iterator[str]:
    """The lines of ``fh``, refusing one longer than ``MAX_LINE`` (so a device such as
    ``/dev/zero`` or a file without line breaks cannot exhaust memory)."""
    while True:
        line = fh.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE:
            raise InputError(
                [
                    f"{where}: a line is longer than {MAX_LINE:,} characters; give a CSV "
                    "file with one case per line"
                ]
            )
        yield line


MAX_REREADS = 100  # unclosed quotes after which the rest of a file is not read again


def _fed(lines: Iterator[str], pending: list[str], eof: list[bool]) -> Iterator[str]:
    """``lines``, each also kept in ``pending`` (the lines of the row being read); ``eof``
    is set once they run out (a row the reader ends there ran into the end of the file)."""
    for line in lines:
        pending.append(line)
        yield line
    eof[0] = True


def _unclosed_quote(line_no: int, line: str, n_after: int) -> list[str]:
    """The error row of a line whose quote is never closed, with its cells read as they
    stand (quotes as text)."""
    cells = next(csv.reader([line], quoting=csv.QUOTE_NONE), [])
    again = f"; the {n_after} line(s) after it were read again as rows" if n_after else ""
    return [
        ERROR_MARK,
        f'line {line_no}: a quote (") is opened and never closed{again}; close the quote '
        "or remove it",
        *cells,
    ]


def _csv_rows(lines: Iterator[str], line_no: int = 1) -> Iterator[list[str]]:
    """The rows of CSV ``lines`` (the first is line ``line_no`` of the file). A row the
    reader cannot read is ``[ERROR_MARK, problem]``; a quote that is never closed (it would
    swallow the rest of the file into one cell) is an error row of its line, and the lines
    after it are read again as rows (up to ``MAX_REREADS`` times; after that each remaining
    line is an error row)."""
    rereads = 0
    while True:
        pending: list[str] = []
        eof = [False]
        reader = csv.reader(_fed(lines, pending, eof))
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as exc:
                line_no += len(pending)
                pending.clear()
                yield [ERROR_MARK, _csv_problem(exc)]
                continue
            if eof[0] and pending:  # the row ran into the end of the file: an open quote
                break
            line_no += len(pending)
            pending.clear()
            yield row
        yield _unclosed_quote(line_no, pending[0], len(pending) - 1)
        rest, line_no, rereads = pending[1:], line_no + 1, rereads + 1
        if rereads >= MAX_REREADS:
            for i, line in enumerate(rest):
                yield _unclosed_quote(line_no + i, line, 0)[:1] + [
                    f"line {line_no + i}: not read after {MAX_REREADS} unclosed quotes; "
                    "fix the quotes above it"
                ]
            return
        lines = iter(rest)


def _reader_rows(fh: IO[str], where: str) -> tuple[list[str], Iterator[list[str]]]:
    csv.field_size_limit(MAX_LINE)
    reader = _csv_rows(_lines(fh, where))
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise InputError(
            [f"{where}: empty file; the first row must name the columns (question ids)"]
        ) from None
    except UnicodeDecodeError as exc:
        fh.close()
        raise InputError(
            [f"{where}: cannot read the header ({_csv_problem(exc)}); save it as UTF-8 CSV"]
        ) from None
    except BaseException:
        fh.close()
        raise
    if header and header[0] == ERROR_MARK:
        fh.close()
        raise InputError([f"{where}: cannot read the header ({header[1]}); fix the first row"])
    if _undecodable(header):
        fh.close()
        head = header[0].encode("utf-8", "surrogateescape") if header else b""
        kind = "is UTF-16 text, not UTF-8" if utf16(head) else "is not UTF-8 text"
        raise InputError([f"{where}: the header {kind}; save the file as UTF-8 CSV"])
    if not any(h.strip() for h in header):
        fh.close()
        raise InputError(
            [f"{where}: the first row is blank; it must name the columns (question ids)"]
        )
    # spaces around a column's name are not part of it ("age, sex" is common: " sex" was
    # taken as an unknown column and every row scored without sex)
    header = [h.strip() for h in header]
    try:
        check_header(header, where)
    except InputError:
        fh.close()
        raise

    def gen() -> Iterator[list[str]]:
        with fh:
            for row in reader:
                if row and row[0] != ERROR_MARK and _undecodable(row):
                    cells = [
                        c.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for c in row
                    ]
                    yield [ERROR_MARK, "not UTF-8 text; save the file as UTF-8 CSV", *cells]
                    continue
                yield row

    return header, gen()


def _undecodable(cells: list[str]) -> bool:
    """Whether a row holds bytes that were not UTF-8 (read as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for cell in cells for ch in cell)


def _csv_problem(exc: Exception) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell is longer than {MAX_LINE:,} characters; shorten it"
    if isinstance(exc, UnicodeDecodeError):
        return not_utf8(exc, "CSV")
    return text


def _rows(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    if str(path) == "-":
        return _reader_rows(_stdin_text(), "stdin")
    if not path.exists():
        raise InputError([f"{path}: no such file; check the path"])
    if path.is_dir():
        raise InputError([f"{path}: is a folder; give a CSV file"])
    fh = path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
    return _reader_rows(fh, str(path))


def _stdin_text() -> IO[str]:
    """Standard input as CSV text (closing it leaves the process's stdin open)."""
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        raise InputError(
            ["- (standard input) cannot be read here; give the path of a CSV file"]
        ) from None
    return open(  # noqa: SIM115 - closed by the row generator
        fd, newline="", encoding="utf-8-sig", errors="surrogateescape", closefd=False
    )


def check_header(header: list[str], where: str) -> None:
    """Refuse a header with too many or duplicate columns (one line each)."""
    if len(header) > MAX_COLUMNS:
        raise InputError(
            [
                f"{where}: {len(header)} columns (limit {MAX_COLUMNS}); keep the "
                "question ids and a case id"
            ]
        )
    blank = sum(1 for h in header if not h.strip())
    if blank:  # a spreadsheet's empty trailing cells ("age,sex,,"): not "duplicate ['']"
        raise InputError(
            [
                f"{where}: {blank} column(s) of the header have no name (empty header cells, "
                "as a spreadsheet leaves after the last column); delete those columns or name "
                "them"
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
        if len(cell) > MAX_FIELD:
            problems.append(
                f"column {col[:60]!r}: a cell is longer than {MAX_FIELD} characters "
                f"({len(cell):,}); shorten it"
            )
        elif col in questions and cell.strip():
            answers[col] = cell.strip()
    return answers, problems


def score_answers(
    model: Model, clean: Mapping[str, Any], intervals: bool = False
) -> dict[str, Any]:
    """Output cells (``p_<cause>``, ``top_cause``, ``triage``, ``error``; with ``intervals``
    also ``lo_<cause>`` and ``hi_<cause>``) for clean answers.

    The probabilities, intervals and triage level are those of ``model.diagnose`` (by
    ``model.assess``, without the question ranking, which the batch output does not need).
    """
    a = model.assess(clean, intervals=intervals)
    probs = {c.id: c.probability for c in a.causes}
    out: dict[str, Any] = {f"p_{c.id}": f"{probs[c.id]:.6f}" for c in model.causes}
    for c in a.causes if intervals else ():
        assert c.interval is not None
        out[f"lo_{c.id}"], out[f"hi_{c.id}"] = (f"{x:.6f}" for x in c.interval)
    out.update(top_cause=a.top.id, triage=a.triage.level, error="")
    return out


def score_rows(
    model: Model,
    header: list[str],
    rows: Iterable[list[str]],
    cache: dict[tuple[tuple[str, Any], ...], dict[str, Any]] | None = None,
    intervals: bool = False,
) -> Iterator[dict[str, Any]]:
    """Score rows (lists of cells) one by one; each output row keeps its input cells
    (``intervals``: with each cause's interval, see :func:`score_answers`).

    ``cache`` (a dict, created if not given) remembers the result of each distinct answer
    set, so identical answer sets are computed once.
    """
    from ..reasoning.evidence import validate_answers

    blank = dict.fromkeys(cause_columns(model, intervals), "")
    cache = {} if cache is None else cache
    for row in rows:
        out: dict[str, Any] = {h: _keep(c) for h, c in zip(header, row, strict=False)}
        for col in header[len(row) :]:
            out[col] = ""
        if row and row[0] == ERROR_MARK:  # [ERROR_MARK, message, *cells that could be kept]
            out = dict.fromkeys(header, "")
            out.update((h, _keep(c)) for h, c in zip(header, row[2:], strict=False))
            out.update(blank, top_cause="", triage="", error=UNREADABLE + row[1])
            yield out
            continue
        if not any(c.strip() for c in row):  # no cells, or only empty ones (",,")
            out.update(blank, top_cause="", triage="", error=BLANK_LINE)
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
            res = score_answers(model, clean, intervals)
            if len(cache) >= CACHE_ROWS:
                cache.pop(next(iter(cache)))
            cache[key] = res
        out.update(res)
        yield out


def _keep(cell: str) -> str:
    """A carried-through cell: one over ``MAX_FIELD`` characters is left out (its row's
    ``error`` says so)."""
    return "" if len(cell) > MAX_FIELD else cell


def cause_columns(model: Model, intervals: bool = False) -> list[str]:
    """``p_<cause>`` for every cause, then (``intervals``) ``lo_<cause>`` and ``hi_<cause>``."""
    sides = ("p", "lo", "hi") if intervals else ("p",)
    return [f"{side}_{c.id}" for side in sides for c in model.causes]


def output_columns(model: Model, header: list[str], intervals: bool = False) -> list[str]:
    return header + [c for c in [*cause_columns(model, intervals), *OUT_COLUMNS] if c not in header]


def neutralize(cell: Any) -> Any:
    """A cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return, and is not a plain number) gets a leading ``'``, as
    OWASP's CSV-injection advice recommends; anything else is returned unchanged."""
    if (
        isinstance(cell, str)
        and cell.startswith(_FORMULA_START)
        and not NUMBER_TEXT.fullmatch(cell)
    ):
        return "'" + cell
    return cell


def check_questions(model: Model, header: list[str], where: str) -> None:
    """Refuse a header in which no column is a question id (every row would be scored as a
    runner with no answers), naming the likely cause."""
    if any(h in model.question_map for h in header):
        return
    lower = {q.lower(): q for q in model.question_map}
    hints = []
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        hints.append(
            "the cells seem to be separated by ';', a tab or '|': save the file as "
            "comma-separated CSV"
        )
    cased = [f"{h!r} -> {lower[h.strip().lower()]!r}" for h in header if h.strip().lower() in lower]
    if cased:
        hints.append("question ids are lower case: rename " + ", ".join(cased[:5]))
    shown = ", ".join(repr(h[:40]) for h in header[:8]) + (" ..." if len(header) > 8 else "")
    raise InputError(
        [
            f"{where}: no column is a question id (columns: {shown}); "
            + (
                "; ".join(hints)
                if hints
                else "name the columns by question id (see `python -m model questions`)"
            )
        ]
    )


def check_reserved(model: Model, header: list[str], where: str) -> None:
    """Refuse input columns that the output would overwrite (``p_``/``lo_``/``hi_<cause>``,
    ``top_cause``, ``triage``, ``error``): their values would be lost without a word."""
    reserved = {*cause_columns(model, intervals=True), *OUT_COLUMNS}
    clash = [h for h in header if h in reserved]
    if clash:
        shown = ", ".join(repr(h[:40]) for h in clash[:10])
        more = f" and {len(clash) - 10} more" if len(clash) > 10 else ""
        raise InputError(
            [
                f"{where}: column(s) {shown}{more} are names of output columns and would be "
                "overwritten; rename them (e.g. 'my_triage'), or remove them if the file is "
                "an earlier output"
            ]
        )


def column_notes(model: Model, header: list[str]) -> list[str]:
    """One line naming the columns that are not question ids (carried through unchanged),
    with a hint for each that looks like a misspelt question id."""
    known = set(model.question_map) | set(output_columns(model, []))
    unknown = [h for h in header if h not in known]
    if not unknown:
        return []
    shown = ", ".join(repr(h[:40]) for h in unknown[:10])
    more = f" and {len(unknown) - 10:,} more" if len(unknown) > 10 else ""
    out = [
        f"note: {len(unknown)} column(s) are not question ids and are carried through "
        f"unchanged: {shown}{more}"
    ]
    lower = {q.lower(): q for q in model.question_map}
    for h in unknown[:10]:
        plain = _unlookalike(h).strip().lower()  # "аge" with a Cyrillic а reads as "age"
        close = get_close_matches(plain, list(model.question_map), n=1, cutoff=0.8)
        guess = lower.get(plain) or (close[0] if close else None)
        if guess:
            out.append(f"warning: column {h[:40]!r} is not a question id; did you mean {guess!r}?")
    return out


# Cyrillic and Greek letters that look like Latin ones, and invisible characters: a header
# typed or pasted with them looks right and names no question
_LOOKALIKE = str.maketrans(
    "аеорсухіјѕԁАВЕКМНОРСТХІЈЅΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdABEKMHOPCTXIJSABEZHIKMNOPTYX",
    "\u200b\u200c\u200d\u2060\ufeff\u00ad",
)


def _unlookalike(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_LOOKALIKE)


def warn_unknown_columns(model: Model, header: list[str]) -> list[str]:
    """Kept for callers of the old name: see :func:`column_notes`."""
    return column_notes(model, header)


class RowCounts:
    """What a batch run did: rows, rows with errors, blank lines and unreadable rows."""

    def __init__(self) -> None:
        self.rows = self.errors = self.blank = self.unreadable = 0

    def add(self, rec: Mapping[str, Any]) -> None:
        self.rows += 1
        err = rec.get("error") or ""
        self.errors += bool(err)
        self.blank += err == BLANK_LINE
        self.unreadable += err.startswith(UNREADABLE)

    def as_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "errors": self.errors,
            "blank": self.blank,
            "unreadable": self.unreadable,
        }


def open_batch(model: Model, src: Path, dst: Path) -> tuple[list[str], Iterator[list[str]]]:
    """Check the paths and the header of a batch run (the output is not the input, no
    column-less file), print the column notes, and return (header, rows)."""
    from .safeio import no_folder, refuse_same_file

    if dst.is_dir():
        raise InputError([f"{dst}: is a folder; give a file name for the output"])
    if not dst.absolute().parent.is_dir():
        raise InputError([no_folder(dst)])
    if src.exists():
        refuse_same_file(dst, src)
    header, rows = _rows(src)
    try:
        check_questions(model, header, "stdin" if str(src) == "-" else str(src))
        check_reserved(model, header, "stdin" if str(src) == "-" else str(src))
    except InputError:
        rows.close()  # type: ignore[attr-defined]
        raise
    for line in column_notes(model, header):
        print(line, file=sys.stderr)
    return header, rows


def write_rows(fh: IO[str], columns: list[str]) -> Any:
    """A CSV writer of output rows whose cells are neutralised (:func:`neutralize`)."""
    w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
    w.writeheader()

    def write(rec: Mapping[str, Any]) -> None:
        w.writerow({k: neutralize(v) for k, v in rec.items()})

    return write


def _progress(
    it: Iterable[Any], enabled: bool, total: int | None = None, unit: str = " rows"
) -> Iterable[Any]:
    if not enabled:
        return it
    from tqdm import tqdm

    return tqdm(it, unit=unit, file=sys.stderr, disable=None, total=total)


def score_csv(
    model: Model,
    src: Path,
    dst: Path,
    progress: bool = True,
    max_rows: int = MAX_ROWS,
    intervals: bool = False,
) -> dict[str, int]:
    """Score the CSV ``src`` into ``dst`` (contract section 5); {"rows", "errors", "blank",
    "unreadable", "distinct"}.

    ``dst`` is written to a temporary file beside it and renamed into place when complete
    (:mod:`.safeio`): an interrupted or failed run leaves the previous ``dst`` (or none).

    Raises
    ------
    InputError
        Missing or unreadable file, bad header, no question column, ``dst`` the input (or a
        link to it), an unwritable ``dst``, or more than ``max_rows`` rows.
    """
    from .safeio import atomic_open

    src, dst = Path(src), Path(dst)
    header, rows = open_batch(model, src, dst)
    counts = RowCounts()
    cache: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
    it = _progress(score_rows(model, header, rows, cache, intervals), progress)
    try:
        with atomic_open(dst, "w", newline="") as fh:
            write = write_rows(fh, output_columns(model, header, intervals))
            for rec in it:
                if counts.rows >= max_rows:
                    raise InputError(
                        [
                            f"{src}: more than {max_rows} rows; split the file (or "
                            "use --engine dask for large files)"
                        ]
                    )
                counts.add(rec)
                write(rec)
    finally:
        rows.close()  # type: ignore[attr-defined]
    return {**counts.as_dict(), "distinct": len(cache)}


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
            raw = data.read(MAX_UPLOAD_BYTES + 1)
            if len(raw) > MAX_UPLOAD_BYTES:
                raise InputError(
                    [
                        f"upload: larger than {MAX_UPLOAD_BYTES // 1_000_000} MB; split it or "
                        "use `python -m model batch`"
                    ]
                )
            if isinstance(raw, bytes | bytearray):
                raw = bytes(raw).decode("utf-8-sig", errors="surrogateescape")
            header, rows = _reader_rows(io.StringIO(raw, newline=""), "upload")
    where = "table" if isinstance(data, pd.DataFrame) else "upload"
    try:
        check_questions(model, header, where)
        check_reserved(model, header, where)
    except InputError:
        getattr(rows, "close", lambda: None)()
        raise
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
    "RowCounts",
    "check_header",
    "check_questions",
    "check_reserved",
    "column_notes",
    "neutralize",
    "open_batch",
    "write_rows",
    "output_columns",
    "row_answers",
    "score_answers",
    "score_csv",
    "score_frame",
    "score_rows",
]
