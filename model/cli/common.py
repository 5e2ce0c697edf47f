"""What every command shares: the argument parser that exits 2, reading a file argument (or
stdin), JSON output, loading the model and reading a case file (through the one case
parser, :func:`model.workflows.cases.parse_case_text`)."""

from __future__ import annotations

import argparse
import errno
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

from ..api import Model, load_model
from ..errors import InputError, not_utf8
from ..workflows.cases import LoadedCase, parse_case_text
from ..workflows.safeio import cap_problems, read_limited, write_error

MAX_CASE_BYTES = 1_000_000


class Parser(argparse.ArgumentParser):
    _argv: list[str] | None = None  # the arguments being parsed (for the help hint)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:  # exit 2 with a hint, as for other bad input
        self.print_usage(sys.stderr)
        # the top-level parser reports unknown arguments: point at the command's own help
        commands = [
            name
            for a in self._actions
            if isinstance(a, argparse._SubParsersAction)
            for name in a.choices
        ]
        argv = self._argv if self._argv is not None else sys.argv[1:]
        sub = next((a for a in argv if a in commands), None)
        raise InputError([f"{message}; see `{self.prog}{f' {sub}' if sub else ''} --help`"])


def read_text_arg(path: str) -> tuple[str, str]:
    """Text of a file argument, or of stdin for ``-``; (text, name for messages). At most
    ``MAX_CASE_BYTES`` are read, whatever the file is (a stream, ``/dev/zero``...)."""
    data, where = read_limited(path, MAX_CASE_BYTES, "case file")
    try:
        return data.decode("utf-8-sig"), where
    except UnicodeDecodeError as exc:
        raise InputError([f"{where}: {not_utf8(exc, 'JSON')}"]) from None


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def output_path(value: str, command: str) -> Path:
    """An ``-o`` file name checked before any work: not ``-`` (this command writes a file),
    not an existing pipe, device or socket (the atomic write would replace it with a regular
    file), and in a folder where a file can be created (else InputError, exit 2)."""
    if value == "-":
        raise InputError([f"-o -: {command} writes a file, not standard output; give a file name"])
    path = Path(value)
    try:
        mode = os.stat(path).st_mode  # follows a symlink to its target
    except OSError:
        mode = None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise InputError(
            [
                f"{value}: exists and is {kind}, not a regular file; writing would replace "
                "it; give the name of a new or regular file"
            ]
        )
    folder = Path(os.path.realpath(path)).parent
    if mode is None or stat.S_ISREG(mode):
        _probe_folder(value, folder)
    return path


def _probe_folder(value: str, folder: Path) -> None:
    """Refuse a folder that exists but where no file can be created (e.g. ``/proc``)."""
    if not folder.is_dir():
        return  # the writer says the folder does not exist
    try:
        fd, name = tempfile.mkstemp(prefix=".heavylegs-probe.", dir=folder)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise write_error(value, exc) from None  # permission denied, disk full...
        raise InputError(  # not "the folder does not exist": it does (e.g. /proc)
            [
                f"{value}: cannot write (folder {folder} exists but no file can be created "
                "there); choose a folder you can write to"
            ]
        ) from None
    os.close(fd)
    os.unlink(name)


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)


def model_for(args: argparse.Namespace, population: str | None = None) -> Model:
    """The model of ``--priors`` for ``--population`` (else ``population``, else the
    default)."""
    given = getattr(args, "population", None)
    if given is not None and not given.strip():
        raise InputError(
            [
                "--population is empty; give a population (self_assessment or clinic with "
                "the shipped priors) or leave the option out"
            ]
        )
    pop = given or population or "self_assessment"
    return load_model(population=pop, priors_dir=args.priors)


def note_changes(changes: Iterable[str]) -> None:
    """What changed since the contract version a case was written under (stderr)."""
    for c in changes:
        print(f"note: this case was {c}", file=sys.stderr)


def read_case(path: str, model: Model, *, notes: bool = True) -> LoadedCase:
    """A case file argument (or stdin) through the one case parser; with ``notes``, what
    changed since the contract version it was written under goes to stderr (every command
    that reads a case says it)."""
    text, where = read_text_arg(path)
    loaded = parse_case_text(text, where, model)
    if notes:
        note_changes(loaded.changes)
    return loaded


def case_and_model(args: argparse.Namespace) -> tuple[LoadedCase, Model]:
    """The case file of ``args.case`` and the model for it: ``--population`` if given, else
    the case file's population."""
    model = model_for(args)
    loaded = read_case(args.case, model)
    if args.population is None and loaded.case.population != model.population:
        model = model_for(args, loaded.case.population)
    return loaded, model


def require_ok(*loaded: LoadedCase, fix: str = "") -> None:
    """Refuse (InputError, exit 2) cases with rejected answers, sources or confidences: one
    line per problem of every case given, each naming the fix; ``fix`` adds a closing line
    (e.g. how ``case edit`` can repair them). Every command that diagnoses, writes or passes
    on a case goes through here, so a bad answer never silently turns into "not answered"."""
    problems = [p for case in loaded for p in case.problems]
    if problems:
        raise InputError(problems + [fix or REFUSED])


# the closing line of a refused case: the lines above say what a loader would keep or leave
# out ("kept as the default", "left out"), and the command had produced nothing without a
# word on how to go on (a hostile-input review)
REFUSED = (
    "nothing was computed: fix these in the case file and run again (with no answer "
    "rejected, `python -m model case check CASE -o CLEAN.json` writes a copy without the "
    "other problems)"
)


def warn(problems: Iterable[str]) -> None:
    """One warning line per problem (at most ``MAX_PROBLEMS``, then how many more)."""
    for p in cap_problems(list(problems)):
        said = p.startswith("... and") or "left out" in p  # (not twice)
        print(f"warning: {p}" + ("" if said else " (left out)"), file=sys.stderr)


def add_model_options(sp: argparse.ArgumentParser, population_help: str) -> None:
    sp.add_argument("--population", default=None, help=population_help)
    sp.add_argument("--priors", default=None, help="a priors directory (default: priors/)")
