"""Safe reading and writing of the files the workflows touch.

Writes (:func:`atomic_path`, :func:`atomic_open`, :func:`write_bytes`, :func:`write_text`,
:func:`atomic_directory`) go to a temporary file (or folder) beside the target and are
renamed into place only when complete, so an interrupted, failed or concurrent run leaves
either the old file or the whole new one (never a half-written or interleaved file); two
writers each rename a complete file, and the last rename wins. A symlinked target is
followed (the link keeps pointing at the new file). Any ``OSError`` (a full disk, a
read-only folder, a name that is a folder) becomes an :class:`~model.errors.InputError`
naming the path and the reason.

Reads (:func:`read_limited`) stop at a byte limit, so a stream or a device such as
``/dev/zero`` cannot exhaust memory; :func:`refuse_same_file` refuses an output that is one
of the inputs (the same path, a symlink to it or a hard link).

:func:`cap_problems` keeps a problem list readable (``... and 59,980 more``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import InputError, write_error

MAX_PROBLEMS = 20  # problem lines shown before "... and N more"
_UMASK_LOCK = threading.Lock()


def cap_problems(problems: Sequence[str], limit: int = MAX_PROBLEMS) -> list[str]:
    """The first ``limit`` problems and, if there are more, one line saying how many more,
    then the lines that count others already ("... and 61 more unknown keys") and the last
    line, which by convention says how to go on ("nothing was written: ..."): capped twice
    (a case file's loader, then the command line), "... and 1 more problems of the same
    kind" stood for 50,000 unknown ids and hid the fix (a hostile-input review)."""
    if len(problems) <= limit + 3:  # a loader's own count and fix lines fit
        return list(problems)
    rest = problems[limit:]
    counts = [p for p in rest[:-1] if "... and " in p]
    hidden = len(rest) - 1 - len(counts)
    more = [f"... and {hidden:,} more problems; fix those shown and run again"] if hidden else []
    return [*problems[:limit], *more, *counts, rest[-1]]


def _target(path: Path) -> Path:
    """The file a write to ``path`` should replace (a symlink is followed); refuse folders
    and missing parents."""
    if path.is_dir():
        raise InputError([f"{path}: is a folder; give a file name for the output"])
    real = Path(os.path.realpath(path))
    if not real.parent.is_dir():
        raise InputError([no_folder(path)])
    return real


def no_folder(path: Path) -> str:
    """Why the folder of an output path is not one: missing, or a file ("o1.csv/x")."""
    parent = path.absolute().parent
    if parent.exists() and not parent.is_dir():
        return f"{path}: {path.parent} is a file, not a folder; give a path inside a folder"
    return f"{path}: folder {path.parent} does not exist; create it first"


def _new_file_mode(existing: Path) -> int:
    try:
        return stat.S_IMODE(existing.stat().st_mode)
    except OSError:
        with _UMASK_LOCK:
            mask = os.umask(0o022)
            os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While writing on the main thread, SIGTERM raises KeyboardInterrupt, so the temporary
    file is removed and the old output stays (the default SIGTERM would leave the temporary
    file behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not settable here (an embedded interpreter)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto ``path`` when the block succeeds,
    removed when it fails.

    Raises
    ------
    InputError
        The target is a folder, its folder is missing, or the write fails (disk full,
        permission denied...): the path and the reason.
    """
    path = Path(path)
    real = _target(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=real.parent)
    except OSError as exc:
        raise write_error(path, exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with _terminate_as_interrupt():
            yield tmp
            os.chmod(tmp, _new_file_mode(real))
            os.replace(tmp, real)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(
    path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing (text ``"w"`` or bytes ``"wb"``);
    flushed to disk and renamed onto ``path`` when the block succeeds (see
    :func:`atomic_path`)."""
    if mode not in ("w", "wb"):
        raise ValueError(f"mode {mode!r}: use 'w' or 'wb'")
    with atomic_path(path) as tmp:
        try:
            if mode == "wb":
                fh: IO[Any] = tmp.open("wb")
            else:
                fh = tmp.open("w", encoding=encoding, newline=newline)
            with fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
        except UnicodeEncodeError as exc:
            raise InputError(
                [
                    f"{path}: cannot write text that is not valid Unicode ({exc.reason}); "
                    "remove the stray characters (often a pasted byte that is not UTF-8)"
                ]
            ) from None


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; text that cannot be UTF-8 (a lone
    surrogate from a stray byte on the command line) is refused before anything is written."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            [
                f"{path}: the text holds characters that are not valid Unicode (position "
                f"{exc.start}; often a byte that is not UTF-8 on the command line); remove them"
            ]
        ) from None
    return write_bytes(path, data)


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """A temporary folder beside ``path``, renamed to ``path`` when the block succeeds and
    removed when it fails. ``path`` must not exist or be an empty folder.

    Raises
    ------
    InputError
        ``path`` is a file or a non-empty folder, its folder is missing, or writing fails.
    """
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError([f"{path}: exists and is not an empty folder; choose a new folder"])
    if not path.absolute().parent.is_dir():
        raise InputError([no_folder(path)])
    try:
        tmp = Path(
            tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.absolute().parent)
        )
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        with _terminate_as_interrupt():
            yield tmp
            os.chmod(tmp, 0o777 & ~_umask())
            if path.exists():
                path.rmdir()  # empty (checked above); a non-empty one makes rename fail
            os.rename(tmp, path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise write_error(path, exc) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (the same path, a symlink or a hard link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_same_file(output: str | Path, *inputs: str | Path) -> None:
    """Refuse (InputError) an output that is one of the inputs, links included."""
    for src in inputs:
        if str(src) != "-" and same_file(output, src):
            raise InputError(
                [
                    f"{output}: is the input file {src} (or a link to it); writing it would "
                    "destroy the input; choose another output name"
                ]
            )


def read_limited(source: str | Path, limit: int, what: str = "file") -> tuple[bytes, str]:
    """The bytes of a file, or of stdin for ``-``, refusing more than ``limit`` bytes
    (devices and streams included); (data, name for messages).

    Raises
    ------
    InputError
        Missing file, a folder, unreadable, or larger than ``limit``.
    """
    where = "stdin" if str(source) == "-" else str(source)
    too_big = InputError(
        [f"{where}: larger than {limit // 1000} kB; a {what} holds one runner's answers"]
    )
    if str(source) == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        p = Path(source)
        if not p.exists():
            raise InputError([f"{where}: no such file; check the path"])
        if p.is_dir():
            raise InputError([f"{where}: is a folder, not a file; give a {what}"])
        try:
            if p.is_file() and p.stat().st_size > limit:
                raise too_big
            with p.open("rb") as fh:
                data = fh.read(limit + 1)
        except OSError as exc:
            raise InputError(
                [f"{where}: cannot read ({exc.strerror or exc}); check the path"]
            ) from None
    if len(data) > limit:
        raise too_big
    return data, where


__all__ = [
    "MAX_PROBLEMS",
    "atomic_directory",
    "atomic_open",
    "atomic_path",
    "cap_problems",
    "read_limited",
    "refuse_same_file",
    "same_file",
    "write_bytes",
    "write_error",
    "write_text",
]
