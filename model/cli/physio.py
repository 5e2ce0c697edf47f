"""Command-line commands of the physio workflow: ``case``, ``report``, ``next-test`` and
``learn``.

Registered by :func:`add_commands` from :mod:`model.cli` (shared pieces in :mod:`.common`);
errors are the project's
:class:`~model.errors.InputError` (exit 2, one line per problem).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..reasoning.evidence import NUMBER_TEXT
from ..workflows.cases import (
    ANSWER_SOURCES,
    CLINICIAN,
    MAX_ID,
    MAX_NOTES,
    case_from_data,
    case_model,
    clinicians_findings,
    compare_cases,
    load_json_text,
    not_unicode,
    parse_case_text,
    save_case,
    without_answers,
)
from ..workflows.learn import learn_csv
from ..workflows.report import build_report, write_report
from ..workflows.safeio import refuse_same_file, same_file
from ..workflows.share import case_link, case_of_link
from .common import (
    add_model_options,
    case_and_model,
    dump,
    model_for,
    note_changes,
    output_path,
    read_case,
    read_text_arg,
    require_ok,
    warn,
)


def _write_case(case: Any, output: str | None) -> None:
    if output in (None, "-"):
        sys.stdout.write(case.to_json())
    else:
        save_case(case, output)
        print(f"wrote {output} ({len(case.answers)} answers)", file=sys.stderr)


def _keep_input(source: str, output: str | None, problems: tuple[str, ...]) -> None:
    """Refuse to write a case over the file it was read from while something in it was
    set aside: the rejected answers would be lost for good (``case edit`` says how to fix
    them)."""
    if not problems or output in (None, "-") or source == "-":
        return
    if same_file(output, source):  # the same path, a symlink or a hard link
        raise InputError(
            [
                f"{output}: is the input file, and writing it would lose what was set aside "
                "(below); write to another file, or fix the input with `python -m model case "
                "edit`"
            ]
            + list(problems)
        )


def _refuse_rejected(loaded: Any) -> None:
    """Write no case while an answer of the input was rejected: the case would read as if
    the question had not been asked, and a warning sign with a typo ("Yes " for chest pain)
    diagnosed as self-care from the file written (a hostile-input review)."""
    if loaded.rejected:
        n = len(loaded.rejected)
        which = "1 answer" if n == 1 else f"{n} answers"
        raise InputError(
            list(loaded.problems)
            + [
                f"nothing was written: {which} of the input could not be read (above), and a "
                "case without them reads as if they were never asked; fix them in the input "
                "and run again (or, on a case file, `python -m model case edit CASE --set "
                "QUESTION=ANSWER`)"
            ]
        )


def _text_arg(option: str, value: str, limit: int = MAX_NOTES) -> str:
    """A free-text option, refused if it holds bytes that were not UTF-8 (they cannot be
    written to a case file)."""
    if not_unicode(value):
        raise InputError(
            [
                f"{option}: the text holds a byte that is not UTF-8 (e.g. Latin-1 from the "
                "terminal); retype it or set a UTF-8 locale"
            ]
        )
    if len(value) > limit:
        raise InputError([f"{option}: {len(value)} characters; keep it under {limit}"])
    return value


# which case actions take how many files and which options (any other is refused, exit 2)
_CASE_FILES = {"new": 1, "check": 1, "edit": 1, "compare": 2, "share": 1, "open-link": 1}
_CASE_OPTIONS = {
    "output": ("-o", ("new", "check", "edit", "open-link")),
    "set": ("--set", ("edit",)),
    "notes": ("--notes", ("new", "edit")),
    "case_id": ("--case-id", ("new", "edit", "open-link")),
    "by": ("--by", ("new", "edit")),
    "base_url": ("--base-url", ("share",)),
    "json": ("--json", ("compare",)),
}
_EDIT_FIX = (
    "nothing was written: replace or remove each rejected answer with --set QUESTION=ANSWER "
    "(an empty answer removes it); a rejected confidence, source or not_sure entry is "
    "corrected in the case file itself"
)


def _check_case_args(args: argparse.Namespace) -> None:
    """Refuse extra files and options that the action does not use (they would be ignored)."""
    action, want = args.action, _CASE_FILES[args.action]
    problems = []
    if len(args.files) != want:
        what = {1: "one case file", 2: "two case files: BEFORE.json AFTER.json"}[want]
        if action == "open-link":
            what = "one share link"
        problems.append(
            f"case {action} takes {what}, not {len(args.files)}; run it once per file"
            if want == 1
            else f"case {action} takes {what}"
        )
    for attr, (flag, actions) in _CASE_OPTIONS.items():
        if getattr(args, attr) not in (None, False) and action not in actions:
            problems.append(
                f"{flag} does not apply to case {action} (it is for case "
                f"{', '.join(actions)}); leave it out"
            )
    if problems:
        raise InputError(problems)


def _set_changes(items: list[str] | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError([f"--set {item!r}: write question=answer (empty to remove)"])
        k, v = item.split("=", 1)
        if k.strip() in changes:
            raise InputError([f"--set {k.strip()} is given twice; keep the one you mean"])
        changes[k.strip()] = v.strip()
    return changes


def _case_new(args: argparse.Namespace, model: Any) -> int:
    """A versioned case file from an answers file: every field of the file is kept
    (answers, sources, confidences, case id, notes, population, units, created); ``--by``
    marks every answer, ``--notes`` and ``--case-id`` replace the file's."""
    loaded = read_case(args.files[0], model)
    _keep_input(args.files[0], args.output, loaded.problems)
    _refuse_rejected(loaded)
    warn(loaded.problems)
    case = loaded.case
    today = date.today().isoformat()
    moved = bool(args.population) and model.population != case.population
    if moved and case.base_rates:  # they are the file's population's, not the new one's
        print(
            f"warning: the changed base rates ({', '.join(sorted(case.base_rates))}) are "
            f"the {case.population} population's; left out for {model.population}",
            file=sys.stderr,
        )
        case = replace(case, base_rates={})
    case = replace(
        case,
        answered_by=clinicians_findings(
            dict.fromkeys(case.answers, args.by) if args.by else case.answered_by,
            model.kb.clinician_ids,
        ),
        notes=_text_arg("--notes", args.notes) if args.notes else case.notes,
        case_id=_text_arg("--case-id", args.case_id, MAX_ID) if args.case_id else case.case_id,
        population=model.population if args.population else case.population,
        created=case.created or today,
        updated=today,
    )
    _write_case(case, args.output)
    return 2 if loaded.problems else 0


def _case_edit(args: argparse.Namespace, model: Any) -> int:
    """Apply ``--set`` edits; refused (nothing written) while the case has a problem that
    the edits do not replace (a rejected answer would otherwise be lost for good)."""
    changes = _set_changes(args.set)
    text, where = read_text_arg(args.files[0])
    loaded = parse_case_text(text, where, model)
    fixed = set(loaded.rejected) & set(changes)
    if fixed:  # rejected answers the edits replace or remove: read the file without them
        loaded = case_from_data(without_answers(load_json_text(text, where), fixed), where, model)
    note_changes(loaded.changes)
    require_ok(loaded, fix=_EDIT_FIX)
    case = loaded.case.with_answers(changes, by=args.by or CLINICIAN, model=model)
    if args.notes is not None:
        case = replace(case, notes=_text_arg("--notes", args.notes))
    if args.case_id is not None:
        case = replace(case, case_id=_text_arg("--case-id", args.case_id, MAX_ID) or None)
    _write_case(case, args.output)
    return 0


def _case_compare(args: argparse.Namespace, model: Any) -> int:
    if args.files[0] == args.files[1] == "-":  # the second read found stdin used up
        raise InputError(
            ["standard input (-) can be read only once; give at least one case as a file"]
        )
    before = read_case(args.files[0], model)
    after = read_case(args.files[1], model)
    require_ok(before, after)
    # both cases in one population: --population, else theirs (a clinic case was compared
    # in the self-assessment population without a word, its base rates dropped: a physio walk)
    pops = {before.case.population, after.case.population}
    if args.population is None:
        if len(pops) > 1:
            raise InputError(
                [
                    f"the two cases are from different populations ({before.case.population} "
                    f"and {after.case.population}); give --population self_assessment or "
                    "--population clinic to compare both in one"
                ]
            )
        if before.case.population != model.population:
            model = model_for(args, before.case.population)
    for loaded, path in ((before, args.files[0]), (after, args.files[1])):
        if loaded.case.base_rates and loaded.case.population != model.population:
            print(
                f"note: {path}: its changed base rates are its {loaded.case.population} "
                f"population's; --population {model.population} uses its own",
                file=sys.stderr,
            )
    cmp = compare_cases(before.case, after.case, model)
    print(dump(cmp.to_dict()) if args.json else cmp.to_markdown(), end="\n" if args.json else "")
    return 0


def cmd_case(args: argparse.Namespace) -> int:
    _check_case_args(args)
    if args.output not in (None, "-"):
        output_path(args.output, f"case {args.action}")
    model = model_for(args)
    action = args.action
    if action == "new":
        return _case_new(args, model)
    if action == "check":
        loaded = read_case(args.files[0], model)
        _keep_input(args.files[0], args.output, loaded.problems)
        _refuse_rejected(loaded)
        _write_case(loaded.case, args.output)
        for p in loaded.problems:
            print(f"error: {p}", file=sys.stderr)
        return 2 if loaded.problems else 0
    if action == "edit":
        return _case_edit(args, model)
    if action == "compare":
        return _case_compare(args, model)
    if action == "share":
        loaded = read_case(args.files[0], model)
        require_ok(loaded)
        print(case_link(loaded.case, model, args.base_url))
        return 0
    if action == "open-link":
        # a part set aside (a damaged view, a bad answer) is named, exit 2, and the rest of
        # the case is written all the same, as ``case check`` does: nothing else is lost
        loaded = case_of_link(args.files[0], model)
        case = loaded.case
        if args.case_id is not None:
            case = replace(case, case_id=_text_arg("--case-id", args.case_id, MAX_ID) or None)
        _write_case(case, args.output)
        for p in loaded.problems:
            print(f"error: {p}", file=sys.stderr)
        return 2 if loaded.problems else 0
    raise InputError([f"unknown case action {action!r}"])  # pragma: no cover - argparse checks


def cmd_report(args: argparse.Namespace) -> int:
    out = output_path(args.output, "report")
    if out.suffix.lower() not in (".pdf", ".md", ".markdown"):
        raise InputError([f"{args.output}: end the name with .pdf or .md"])
    refuse_same_file(out, args.case)  # the report would replace the case it was made from
    loaded, model = case_and_model(args)
    require_ok(loaded)
    write_report(build_report(loaded.case, model, every_reason=True), out)  # the physio's
    print(f"wrote {out} (population {model.population}, model {model.version})", file=sys.stderr)
    return 0


def _costs(items: list[str]) -> dict[str, float]:
    """``--cost ID=UNITS`` options as a mapping (the model checks the ids and values)."""
    out: dict[str, Any] = {}
    problems = []
    for item in items:
        qid, sep, value = item.partition("=")
        # plain ASCII decimals, as for answers (float() also reads "5_0" and other scripts'
        # digits, which nobody means for a cost)
        if sep and qid.strip() in out:  # as case edit --set: which one was meant?
            problems.append(f"--cost {qid.strip()} is given twice; keep the one you mean")
        elif sep and NUMBER_TEXT.fullmatch(value.strip()):
            out[qid.strip()] = float(value)
        else:
            problems.append(
                f"--cost {item!r}: write ID=UNITS with a number, e.g. --cost test_ferritin=5"
            )
    if problems:
        raise InputError(problems)
    return out


def cmd_next_test(args: argparse.Namespace) -> int:
    """Which examination or test next for a case file: gain per cost, highest first."""
    loaded, model = case_and_model(args)
    require_ok(loaded)
    case = loaded.case
    # the case's own costs (the physio's, saved with it), then --cost over them
    costs = {**case.test_costs, **_costs(args.cost)}
    ranked = case_model(case, model).which_test_next(
        dict(case.answers), dict(case.confidence) or None, costs or None
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
        help="who gave the answers (new: every answer; default: the file's, else self_report; "
        "edit: the changed answers; default clinician_verified)",
    )
    c.add_argument(
        "--set",
        action="append",
        metavar="QUESTION=ANSWER",
        help="edit: change an answer (repeat; empty answer removes it)",
    )
    c.add_argument("--notes", default=None)
    c.add_argument("--case-id", default=None, help="new, edit, open-link: set the case id")
    c.add_argument("--base-url", default=None, help="share: the physio page's address")
    c.add_argument("--json", action="store_true", help="compare: print JSON")
    add_model_options(c, "self_assessment (default) or clinic")
    c.set_defaults(func=cmd_case)

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


__all__ = ["add_commands", "cmd_case", "cmd_learn", "cmd_next_test", "cmd_report"]
