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
