"""Command line (contract section 5): ``python -m model <command>``.

Exit status 0 on success, 2 on bad input (one line per problem on stderr, never a traceback),
1 on an internal error. The commands live in :mod:`.core` (the contract's commands, batch,
evaluate) and :mod:`.physio` (case files, reports, learning); :mod:`.common` holds what they
share. Imports go one way: this module -> core/physio -> common.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import HeavylegsError, PriorsError
from ..workflows.safeio import cap_problems
from . import core, physio
from .common import Parser


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="python -m model",
        description="heavylegs: why do my legs feel heavy when I run? "
        "Decision support, not a diagnosis.",
    )
    sub = p.add_subparsers(dest="command", parser_class=Parser)
    core.add_commands(sub)
    physio.add_commands(sub)
    core.add_evaluate(sub)
    return p


def _command_names(parser: argparse.ArgumentParser) -> set[str]:
    return {
        c for a in parser._actions if isinstance(a, argparse._SubParsersAction) for c in a.choices
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    names = _command_names(parser)
    command = next((a for a in given if a in names), None)
    if given and given[0].startswith("--") and given[0] not in ("--help", "--version") and command:
        # "python -m model --population clinic diagnose x.json" read "clinic" as the command
        # (a hostile-input review)
        print(
            f"error: {given[0]} comes after `{command}`: python -m model COMMAND [FILES] "
            f"[OPTIONS], e.g. python -m model {command} ... {given[0]} ...",
            file=sys.stderr,
        )
        return 2
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return 2
        rc = int(args.func(args))
        sys.stdout.flush()  # a full disk under stdout shows here, not at exit
        return rc
    except HeavylegsError as exc:
        kind = "priors" if isinstance(exc, PriorsError) else "error"
        for line in cap_problems(list(exc.problems)):
            print(f"{kind}: {line}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted; no output was written (an existing one is unchanged)", file=sys.stderr)
        return 130
    except RecursionError:
        print(
            "error: the input is nested too deeply; give a flat file (a case file or "
            "priors YAML nests a few levels only)",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:  # the machine's, not the model's: a file it may not read...
        print(f"error: {_os_problem(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the contract: exit 1, no traceback
        print(f"internal error: {type(exc).__name__}: {exc}. Please report it.", file=sys.stderr)
        return 1


def _os_problem(exc: OSError) -> str:
    """An operating-system error in words that name the file and the fix."""
    what = exc.strerror or type(exc).__name__
    if exc.filename is None:  # standard output or an output file (a full disk)
        return f"could not write the output ({what}); check there is room where it goes"
    if isinstance(exc, PermissionError):
        return f"{exc.filename}: {what}; give read access to it (and its folder), or copy it"
    return f"{exc.filename}: {what}; check the path"


__all__ = ["build_parser", "main"]
