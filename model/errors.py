"""The project's own errors: each carries one line per problem, naming the problem and the fix."""

from __future__ import annotations

from collections.abc import Iterable


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


def not_utf8(exc: UnicodeDecodeError, save_as: str) -> str:
    """Why bytes are not UTF-8 text, and the fix: a UTF-16 file (Windows' "Unicode") is said
    to be one ("not UTF-8 text (byte 0)" left the reader guessing)."""
    head = bytes(exc.object[:2])
    if exc.start <= 1 and head in (b"\xff\xfe", b"\xfe\xff"):
        return f"UTF-16 text, not UTF-8; save the file as UTF-8 {save_as}".rstrip()
    return f"not UTF-8 text (byte {exc.start}); save the file as UTF-8 {save_as}".rstrip()
