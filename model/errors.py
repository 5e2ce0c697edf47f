"""The project's own errors: each carries one line per problem, naming the problem and the fix."""

from __future__ import annotations

import errno
from collections.abc import Iterable
from pathlib import Path


class HeavylegsError(Exception):
    """Base class: ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: Iterable[str] | str) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        super().__init__("\n".join(self.problems))


class InputError(HeavylegsError, ValueError):
    """Bad answers, case files, CSV rows or command-line input."""


class PriorsError(HeavylegsError):
    """A knowledge base (priors directory) that cannot be used; nothing of it is loaded."""


def utf16(head: bytes) -> bool:
    """Whether a file starting with ``head`` is UTF-16 text (it starts with its byte-order
    mark; Windows calls it "Unicode")."""
    return head[:2] in (b"\xff\xfe", b"\xfe\xff")


def not_utf8(exc: UnicodeDecodeError, save_as: str) -> str:
    """Why bytes are not UTF-8 text, and the fix: a UTF-16 file is said to be one ("not
    UTF-8 text (byte 0)" left the reader guessing)."""
    if exc.start <= 1 and utf16(bytes(exc.object[:2])):
        return f"UTF-16 text, not UTF-8; save the file as UTF-8 {save_as}".rstrip()
    return f"not UTF-8 text (byte {exc.start}); save the file as UTF-8 {save_as}".rstrip()


def _reason(exc: OSError, path: str | Path | None = None) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full; free some space or write elsewhere"
    if exc.errno == errno.EFBIG:
        return "the file is larger than this system allows; write elsewhere or split the input"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied; choose a folder you can write to"
    if exc.errno == errno.EISDIR:
        return "is a folder; give a file name"
    if exc.errno == errno.ENOENT:
        if path is not None and Path(path).parent.is_dir():  # /proc: there, but not writable
            return "the folder cannot hold new files; write elsewhere"
        return "the folder does not exist; create it first"
    return f"{exc.strerror or exc}; check the path"


def write_error(path: str | Path, exc: OSError) -> InputError:
    """An InputError for a failed write: the path and the reason (every writer: the
    workflows' safe writes, the command line, ``Model.export``)."""
    return InputError([f"{path}: cannot write ({_reason(exc, path)})"])
