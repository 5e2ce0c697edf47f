"""Command line (contract section 5): ``python -m model <command>``.

Exit status 0 on success, 2 on bad input (one line per problem on stderr, never a traceback),
1 on an internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .cases import load_json_text
from .errors import HeavylegsError, InputError, PriorsError

MAX_CASE_BYTES = 1_000_000


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # exit 2 with a hint, as for other bad input
        self.print_usage(sys.stderr)
        raise InputError(
            [
                f"{message}; see `python -m model {self.prog.split()[-1]} --help`"
                if " " in self.prog
                else f"{message}; see --help"
            ]
        )


def read_text_arg(path: str) -> tuple[str, str]:
    """Text of a file argument, or of stdin for ``-``; (text, name for messages)."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_CASE_BYTES + 1)
        where = "stdin"
    else:
        p = Path(path)
        if not p.exists():
            raise InputError([f"{path}: no such file; check the path"])
        if p.is_dir():
            raise InputError([f"{path}: is a folder, not a file; give a case file"])
        if p.stat().st_size > MAX_CASE_BYTES:
            raise InputError(
                [
                    f"{path}: larger than {MAX_CASE_BYTES // 1000} kB; a case file "
                    "holds one runner's answers"
                ]
            )
        data = p.read_bytes()
        where = path
    if len(data) > MAX_CASE_BYTES:
        raise InputError(
            [
                f"{where}: larger than {MAX_CASE_BYTES // 1000} kB; a case file holds "
                "one runner's answers"
            ]
        )
    try:
        return data.decode("utf-8-sig"), where
    except UnicodeDecodeError as exc:
        raise InputError(
            [f"{where}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 JSON"]
        ) from None


def parse_case(text: str, where: str) -> dict[str, Any]:
    """The answers of a case file ``{"answers": {...}}``."""
    data = load_json_text(text, where)
    if not isinstance(data, dict):
        raise InputError(
            [
                f"{where}: a case file is a JSON object like "
                '{"answers": {"age": 34}}, not a ' + type(data).__name__
            ]
        )
    if "answers" not in data:
        raise InputError([f'{where}: no "answers" key; write {{"answers": {{...}}}}'])
    answers = data["answers"]
    if not isinstance(answers, dict):
        raise InputError(
            [
                f'{where}: "answers" must be an object of question id to answer, '
                f"not {type(answers).__name__}"
            ]
        )
    return answers


def _dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)


def _model(args: argparse.Namespace) -> Any:
    from .api import load_model

    return load_model(population=args.population, priors_dir=args.priors)


def cmd_diagnose(args: argparse.Namespace) -> int:
    text, where = read_text_arg(args.case)
    answers = parse_case(text, where)
    model = _model(args)
    _, problems = model.validate(answers)
    if problems:
        raise InputError([f"{where}: {p}" for p in problems])
    print(_dump(model.diagnose(answers).to_dict()))
    return 0


def cmd_questions(args: argparse.Namespace) -> int:
    model = _model(args)
    print(_dump([q.to_dict() for q in model.questions]))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .pgmpy_io import FORMATS

    if args.format not in FORMATS:
        raise InputError(
            [f"--format {args.format!r} is not supported; use one of {', '.join(FORMATS)}"]
        )
    out = Path(args.output)
    if out.parent and not out.parent.exists():
        raise InputError([f"{args.output}: folder {out.parent} does not exist; create it first"])
    model = _model(args)
    model.export(args.format, out)
    print(
        f"wrote {out} ({args.format}, {len(model.network.nodes)} nodes, population "
        f"{model.population}, model {model.version})",
        file=sys.stderr,
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .priors import load_knowledge_base

    kb = load_knowledge_base(args.directory)
    n_numbers = sum(len(c.sources) for c in kb.causes) + sum(len(f.sources) for f in kb.findings)
    print(
        f"{kb.directory}: valid (version {kb.version}): {len(kb.questions)} questions, "
        f"{len(kb.risk_factors)} risk factors, {len(kb.causes)} causes, {len(kb.findings)} "
        f"findings, {n_numbers} cited parameters, {len(kb.references)} references"
    )
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import score_csv

    model = _model(args)
    if getattr(args, "engine", "local") == "dask":
        from .dask_batch import score_csv_dask

        stats = score_csv_dask(
            model,
            Path(args.input),
            Path(args.output),
            scheduler=args.scheduler,
            partition_rows=args.partition_rows,
            progress=not args.quiet,
            priors_dir=args.priors,
        )
    elif args.scheduler:
        raise InputError(["--scheduler needs --engine dask"])
    else:
        stats = score_csv(model, Path(args.input), Path(args.output), progress=not args.quiet)
    print(
        f"scored {stats['rows']} rows ({stats['errors']} with errors) -> {args.output}",
        file=sys.stderr,
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, format_report, load_vignettes

    model = _model(args)
    ev = evaluate(model, load_vignettes(args.directory, model))
    failures = ev.failures(
        args.min_top1, args.min_top3, args.max_under_triage, args.max_over_triage
    )
    if args.json:
        print(_dump({**ev.to_dict(), "failures": failures}))
    else:
        print(format_report(ev))
    for line in failures:
        print(f"below target: {line}", file=sys.stderr)
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m model",
        description="heavylegs: why do my legs feel heavy when I run? "
        "Decision support, not a diagnosis.",
    )
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--population", default="self_assessment", help="self_assessment (default) or clinic"
        )
        sp.add_argument("--priors", default=None, help="a priors directory (default: priors/)")

    d = sub.add_parser("diagnose", help="rank the causes for a case file (or - for stdin)")
    d.add_argument("case")
    common(d)
    d.set_defaults(func=cmd_diagnose)
    q = sub.add_parser("questions", help="list every question as JSON")
    common(q)
    q.set_defaults(func=cmd_questions)
    e = sub.add_parser("export", help="write the network as bif, xmlbif, xdsl or net")
    e.add_argument("--format", required=True)
    e.add_argument("-o", "--output", required=True)
    common(e)
    e.set_defaults(func=cmd_export)
    v = sub.add_parser("validate-priors", help="check a priors directory")
    v.add_argument("directory", nargs="?", default=None)
    v.set_defaults(func=cmd_validate)
    b = sub.add_parser("batch", help="score a CSV of cases (one row per case)")
    b.add_argument("input")
    b.add_argument("-o", "--output", required=True)
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="local (default) or dask: score in partitions on a Dask cluster",
    )
    b.add_argument(
        "--scheduler",
        default=None,
        help="with --engine dask: address of a running scheduler (tcp://host:8786); "
        "default: a local cluster for this run",
    )
    b.add_argument(
        "--partition-rows",
        type=int,
        default=5000,
        help="with --engine dask: rows per partition (default 5000)",
    )
    common(b)
    b.set_defaults(func=cmd_batch)
    from .physio_cli import add_commands

    add_commands(sub, common)
    ev = sub.add_parser(
        "evaluate",
        help="score the model on clinical vignettes (exit 1 below a --min/--max threshold)",
    )
    ev.add_argument("directory", nargs="?", default="tests/vignettes")
    ev.add_argument("--min-top1", type=float, default=None)
    ev.add_argument("--min-top3", type=float, default=None)
    ev.add_argument("--max-under-triage", type=int, default=None)
    ev.add_argument("--max-over-triage", type=float, default=None)
    ev.add_argument("--json", action="store_true", help="print the results as JSON")
    common(ev)
    ev.set_defaults(func=cmd_evaluate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args))
    except HeavylegsError as exc:
        kind = "priors" if isinstance(exc, PriorsError) else "error"
        for line in exc.problems:
            print(f"{kind}: {line}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the contract: exit 1, no traceback
        print(f"internal error: {type(exc).__name__}: {exc}. Please report it.", file=sys.stderr)
        return 1


__all__ = ["build_parser", "main", "parse_case", "read_text_arg"]
