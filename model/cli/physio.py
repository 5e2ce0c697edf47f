"""Command-line commands of the physio workflow: ``case``, ``report``, ``next-test`` and
``learn``.

Registered by :func:`add_commands` from :mod:`model.cli` (shared pieces in :mod:`.common`);
errors are the project's
:class:`~model.errors.InputError` (exit 2, one line per problem).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..workflows.cases import (
    ANSWER_SOURCES,
    MAX_NOTES,
    compare_cases,
    decode_share,
    encode_share,
    new_case,
    not_unicode,
    save_case,
)
from ..workflows.learn import learn_csv
from ..workflows.report import build_report, write_report
from .common import (
    add_model_options,
    case_and_model,
    dump,
    model_for,
    read_case,
    warn,
)


def _write_case(case: Any, output: str | None) -> None:
    if output in (None, "-"):
        sys.stdout.write(case.to_json())
    else:
        save_case(case, output)
        print(f"wrote {output} ({len(case.answers)} answers)", file=sys.stderr)


def _text_arg(option: str, value: str) -> str:
    """A free-text option, refused if it holds bytes that were not UTF-8 (they cannot be
    written to a case file)."""
    if not_unicode(value):
        raise InputError(
            [
                f"{option}: the text holds a byte that is not UTF-8 (e.g. Latin-1 from the "
                "terminal); retype it or set a UTF-8 locale"
            ]
        )
    if len(value) > MAX_NOTES:
        raise InputError([f"{option}: {len(value)} characters; keep it under {MAX_NOTES}"])
    return value


def cmd_case(args: argparse.Namespace) -> int:
    model = model_for(args)
    action = args.action
    if action == "new":
        loaded = read_case(args.files[0], model)
        warn(loaded.problems)
        case = new_case(
            loaded.case.answers,
            by=args.by,
            notes=args.notes or loaded.case.notes,
            population=model.population,
            case_id=args.case_id,
            model=model,
            units=loaded.case.units,
        )
        _write_case(case, args.output)
        return 2 if loaded.problems else 0
    if action == "check":
        loaded = read_case(args.files[0], model)
        _write_case(loaded.case, args.output)
        for p in loaded.problems:
            print(f"error: {p}", file=sys.stderr)
        return 2 if loaded.problems else 0
    if action == "edit":
        loaded = read_case(args.files[0], model)
        warn(loaded.problems)
        changes: dict[str, Any] = {}
        for item in args.set or []:
            if "=" not in item:
                raise InputError([f"--set {item!r}: write question=answer (empty to remove)"])
            k, v = item.split("=", 1)
            changes[k.strip()] = v.strip()
        case = loaded.case.with_answers(changes, by=args.by or "clinician_verified", model=model)
        if args.notes is not None:
            from dataclasses import replace

            case = replace(case, notes=_text_arg("--notes", args.notes))
        _write_case(case, args.output)
        return 0
    if action == "compare":
        if len(args.files) != 2:
            raise InputError(["case compare takes two case files: BEFORE.json AFTER.json"])
        before = read_case(args.files[0], model)
        after = read_case(args.files[1], model)
        warn(before.problems + after.problems)
        cmp = compare_cases(before.case, after.case, model)
        print(
            dump(cmp.to_dict()) if args.json else cmp.to_markdown(), end="\n" if args.json else ""
        )
        return 0
    if action == "share":
        loaded = read_case(args.files[0], model)
        warn(loaded.problems)
        print(encode_share(loaded.case, base_url=args.base_url, model=model))
        return 0
    if action == "open-link":
        loaded = decode_share(args.files[0], model)
        warn(loaded.problems)
        _write_case(loaded.case, args.output)
        return 0
    raise InputError([f"unknown case action {action!r}"])  # pragma: no cover - argparse checks


def cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() not in (".pdf", ".md", ".markdown"):
        raise InputError([f"{args.output}: end the name with .pdf or .md"])
    loaded, model = case_and_model(args)
    warn(loaded.problems)
    write_report(build_report(loaded.case, model), out)
    print(f"wrote {out} (population {model.population}, model {model.version})", file=sys.stderr)
    return 0


def _costs(items: list[str]) -> dict[str, float]:
    """``--cost ID=UNITS`` options as a mapping (the model checks the ids and values)."""
    out: dict[str, Any] = {}
    problems = []
    for item in items:
        qid, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[qid.strip()] = float(value)
        except ValueError:
            problems.append(
                f"--cost {item!r}: write ID=UNITS with a number, e.g. --cost test_ferritin=5"
            )
    if problems:
        raise InputError(problems)
    return out


def cmd_next_test(args: argparse.Namespace) -> int:
    """Which examination or test next for a case file: gain per cost, highest first."""
    loaded, model = case_and_model(args)
    if loaded.problems:
        raise InputError(list(loaded.problems))
    case = loaded.case
    ranked = model.which_test_next(
        dict(case.answers), dict(case.confidence) or None, _costs(args.cost)
    )
    print(dump([t.to_dict() for t in ranked]))
    return 0


def cmd_learn(args: argparse.Namespace) -> int:
    result = learn_csv(
        Path(args.input),
        Path(args.out),
        strength=args.strength,
        population=args.population or "clinic",
        priors_dir=args.priors,
        progress=not args.quiet,
    )
    for p in result.problems:
        print(f"warning: {p}", file=sys.stderr)
    print(result.summary(), file=sys.stderr)
    return 0


def add_commands(sub: Any) -> None:
    """Add ``case``, ``report`` and ``learn`` to the CLI's subparsers."""
    c = sub.add_parser(
        "case",
        help="case files: new, check, edit, compare, share, open-link",
        description="new ANSWERS.json -o CASE.json: make a versioned case file; "
        "check CASE.json: validate (prints the clean case, exit 2 on problems); "
        "edit CASE.json --set q=v ...: change answers (marked clinician-verified); "
        "compare BEFORE.json AFTER.json: every cause side by side; "
        "share CASE.json: print a share link; open-link LINK: the case of a link",
    )
    c.add_argument("action", choices=["new", "check", "edit", "compare", "share", "open-link"])
    c.add_argument("files", nargs="+", help="case file(s), - for stdin, or a link")
    c.add_argument("-o", "--output", default=None, help="write the case here (default stdout)")
    c.add_argument(
        "--by",
        choices=ANSWER_SOURCES,
        default=None,
        help="who gave the answers (new: self_report; edit: clinician_verified)",
    )
    c.add_argument(
        "--set",
        action="append",
        metavar="QUESTION=ANSWER",
        help="edit: change an answer (repeat; empty answer removes it)",
    )
    c.add_argument("--notes", default=None)
    c.add_argument("--case-id", default=None)
    c.add_argument("--base-url", default=None, help="share: the physio page's address")
    c.add_argument("--json", action="store_true", help="compare: print JSON")
    add_model_options(c, "self_assessment (default) or clinic")
    c.set_defaults(func=_case_defaults)

    r = sub.add_parser("report", help="write a PDF or Markdown report for a case file")
    r.add_argument("case")
    r.add_argument("-o", "--output", required=True, help="OUT.pdf or OUT.md")
    add_model_options(r, "default: the case file's population")
    r.set_defaults(func=cmd_report)

    nt = sub.add_parser(
        "next-test",
        help="rank the examination and test findings a case lacks by information gain per "
        "cost unit, with what each result would do (JSON)",
    )
    nt.add_argument("case")
    nt.add_argument(
        "--cost",
        action="append",
        default=[],
        metavar="ID=UNITS",
        help="your own cost units for a finding (repeatable), e.g. --cost test_ferritin=5",
    )
    add_model_options(nt, "default: the case file's population")
    nt.set_defaults(func=cmd_next_test)

    learn = sub.add_parser("learn", help="update the priors from confirmed cases (a CSV)")
    learn.add_argument("input", help="CSV: question columns plus cause_<id> = present/absent")
    learn.add_argument("--out", required=True, help="new priors directory to write")
    learn.add_argument(
        "--strength",
        type=float,
        default=100.0,
        help="equivalent sample size N of the current priors (default 100)",
    )
    learn.add_argument("--quiet", action="store_true")
    add_model_options(learn, "population the cases come from (default clinic)")
    learn.set_defaults(func=cmd_learn)


def _case_defaults(args: argparse.Namespace) -> int:
    if args.by is None:
        args.by = "clinician_verified" if args.action == "edit" else "self_report"
    return cmd_case(args)


__all__ = ["add_commands", "cmd_case", "cmd_learn", "cmd_next_test", "cmd_report"]
