"""The contract's commands and the batch tools: ``diagnose``, ``questions``, ``export``,
``validate-priors``, ``batch`` and ``evaluate``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..api import Model
from ..errors import InputError
from ..workflows.cases import diagnose_case
from .common import (
    add_model_options,
    case_and_model,
    dump,
    model_for,
    output_path,
    require_ok,
)


def cmd_diagnose(args: argparse.Namespace) -> int:
    """The case file's answers with their confidences, for ``--population`` or else the
    case file's population; any bad answer is an input error (exit 2)."""
    loaded, model = case_and_model(args)
    require_ok(loaded)
    print(dump(diagnose_case(loaded.case, model).to_dict()))
    if loaded.case.base_rates and model.population != loaded.case.population:
        print(
            f"note: the case's changed base rates are its {loaded.case.population} "
            f"population's; --population {model.population} uses its own",
            file=sys.stderr,
        )
    answers = loaded.case.answers
    for qid in answers:  # kept in the case, left out of the evidence: said, not silent
        q = model.question_map.get(qid)
        other = q.excluded_by(answers) if q is not None else None
        if other is not None:
            print(
                f"note: {qid}: does not apply with {other} = {answers[other]}; left out of "
                "the diagnosis",
                file=sys.stderr,
            )
    return 0


def cmd_questions(args: argparse.Namespace) -> int:
    """The runner's questions (the default), one group's (``--group exam``), or every one
    (``--all``); clinician findings carry their states and the sources of their numbers."""
    model = model_for(args)
    groups = sorted({q.group for q in model.questions})
    if args.group is not None and args.all:
        raise InputError(
            [
                "--group and --all do not go together: --all lists every question, "
                "--group one group's; give one of them"
            ]
        )
    if args.group is not None and args.group not in groups:
        raise InputError(
            [f"--group: {args.group!r} is not a question group; use one of {', '.join(groups)}"]
        )
    findings = {f.id: f for f in model.kb.findings}
    out = []
    for q in model.questions:
        if args.group is not None and q.group != args.group:
            continue
        if args.group is None and not args.all and q.asked_by != "runner":
            continue
        d = q.to_dict()
        if q.asked_by != "runner" and q.id in findings:
            d["states"] = list(findings[q.id].states)
            d["sources"] = {
                k: v.model_dump(exclude_none=True) for k, v in findings[q.id].sources.items()
            }
        out.append(d)
    print(dump(out))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..pgmpy_io import FORMATS

    if args.format not in FORMATS:
        raise InputError(
            [f"--format {args.format!r} is not supported; use one of {', '.join(FORMATS)}"]
        )
    from ..workflows.safeio import atomic_path

    out = output_path(args.output, "export")
    suffix = Path(str(out)).suffix.lower().lstrip(".")
    if suffix and suffix != args.format and suffix in FORMATS:
        # a BIF written into net.xdsl opened as nothing in GeNIe (a hostile-input review)
        raise InputError(
            [
                f"{out}: the name ends in .{suffix} but --format is {args.format}; name the "
                f"file .{args.format}, or use --format {suffix}"
            ]
        )
    model = model_for(args)
    with atomic_path(out) as tmp:
        model.export(args.format, tmp)
    print(
        f"wrote {out} ({args.format}, {len(model.network.nodes)} nodes, population "
        f"{model.population}, model {model.version})",
        file=sys.stderr,
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from ..kb import load_knowledge_base

    kb = load_knowledge_base(args.directory)
    n_numbers = sum(len(c.sources) for c in kb.causes) + sum(len(f.sources) for f in kb.findings)
    print(
        f"{kb.directory}: valid (version {kb.version}): {len(kb.questions)} questions, "
        f"{len(kb.risk_factors)} risk factors, {len(kb.causes)} causes, {len(kb.findings)} "
        f"findings, {n_numbers} cited parameters, {len(kb.references)} references"
    )
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from ..workflows.batch import score_csv

    output_path(args.output, "batch")
    model = model_for(args)
    intervals = bool(getattr(args, "intervals", False))
    if getattr(args, "engine", "local") == "dask":
        from ..workflows.dask_batch import score_csv_dask

        stats = score_csv_dask(
            model,
            Path(args.input),
            Path(args.output),
            scheduler=args.scheduler,
            partition_rows=5000 if args.partition_rows is None else args.partition_rows,
            progress=not args.quiet,
            priors_dir=args.priors,
            intervals=intervals,
        )
    elif args.scheduler:
        raise InputError(["--scheduler needs --engine dask"])
    elif args.partition_rows is not None:  # it was taken and ignored without a word
        raise InputError(["--partition-rows needs --engine dask"])
    else:
        stats = score_csv(
            model,
            Path(args.input),
            Path(args.output),
            progress=not args.quiet,
            intervals=intervals,
        )
    print(batch_summary(stats, args.output), file=sys.stderr)
    return 0


def batch_summary(stats: dict[str, int], output: str) -> str:
    """One line: rows scored, rows with errors, and among them blank and unreadable lines."""
    kinds = [
        f"{stats.get(k, 0)} {label}"
        for k, label in (("blank", "blank lines"), ("unreadable", "unreadable rows"))
        if stats.get(k, 0)
    ]
    extra = f": {', '.join(kinds)}" if kinds else ""
    return (
        f"scored {stats['rows']} rows ({stats['errors']} with errors{extra}; see the error "
        f"column) -> {output}"
        if stats["errors"]
        else f"scored {stats['rows']} rows (0 with errors) -> {output}"
    )


def _real_dir(args: argparse.Namespace) -> Path | None:
    """The real-case folder: ``--real``, else ``cases_real`` beside the vignettes if present."""
    if args.no_real:
        return None
    if args.real is not None:
        return Path(args.real)
    beside = Path(args.directory).parent / "cases_real"
    return beside if beside.is_dir() else None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..workflows.evaluate import check_thresholds, evaluate, format_report, load_vignettes
    from ..workflows.realcases import (
        evaluate_real,
        format_real_report,
        format_side_by_side,
        load_real_cases,
        set_hash,
    )

    check_thresholds(args.min_top1, args.min_top3, args.max_under_triage, args.max_over_triage)
    model = model_for(args)
    real_dir = _real_dir(args)
    vignettes = load_vignettes(args.directory, model)
    real_cases = load_real_cases(real_dir, model) if real_dir is not None else None
    ev = evaluate(model, vignettes)
    real = evaluate_real(model, real_cases) if real_cases is not None else None
    want = args.questions or args.questions_every
    asked = _questionnaire(model, vignettes, args.questions_every) if want else None
    failures = ev.failures(
        args.min_top1, args.min_top3, args.max_under_triage, args.max_over_triage
    )
    if args.json:
        out = {**ev.to_dict(), "failures": failures}
        if real is not None and real_dir is not None:
            out["real"] = {**real.to_dict(), "sha256": set_hash(real_dir)}
        if asked is not None:
            out["questionnaire"] = {k: v.to_dict() for k, v in asked.items()}
        print(dump(out))
    else:
        print(format_report(ev))
        if real is not None:
            print("\n" + format_real_report(real) + "\n\n" + format_side_by_side(ev, real))
        for summary in (asked or {}).values():
            print("\n" + summary.text())
    for line in failures:
        print(f"below target: {line}", file=sys.stderr)
    return 1 if failures else 0


def _questionnaire(model: Model, vignettes: Sequence[Any], every: bool) -> dict[str, Any]:
    """The app's question policy replayed on every vignette (slow: one diagnosis per
    question asked): asking only what each case answers, and with ``every`` also the literal
    reading (every question the app picks, "not sure" where the case is silent)."""
    from ..workflows.questionnaire import summarise

    cases = [(v.id, v.answers) for v in vignettes]
    out = {"known_only": summarise(model, cases, known_only=True)}
    if every:
        out["every_question"] = summarise(model, cases, known_only=False)
    return out


def _population_options(sp: argparse.ArgumentParser) -> None:
    add_model_options(sp, "self_assessment (default) or clinic")


def _add_batch(sub: Any) -> None:
    b = sub.add_parser("batch", help="score a CSV of cases (one row per case)")
    b.add_argument("input")
    b.add_argument("-o", "--output", required=True)
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument(
        "--intervals",
        action="store_true",
        help="add lo_<cause> and hi_<cause>: each probability's interval over the"
        " uncertainty of the priors' numbers (80%% unless priors/uncertainty.yaml says"
        " otherwise)",
    )
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
        default=None,
        help="with --engine dask: rows per partition (default 5000)",
    )
    _population_options(b)
    b.set_defaults(func=cmd_batch)


def add_evaluate(sub: Any) -> None:
    """Add ``evaluate`` (listed after the physio commands in ``--help``)."""
    ev = sub.add_parser(
        "evaluate",
        help="score the model on the literature vignettes and the real published cases, side "
        "by side (exit 1 below a --min/--max threshold of the vignettes)",
    )
    ev.add_argument("directory", nargs="?", default="tests/vignettes")
    ev.add_argument(
        "--real",
        default=None,
        help="folder of real published cases (default: cases_real beside the vignettes)",
    )
    ev.add_argument("--no-real", action="store_true", help="score the vignettes only")
    ev.add_argument("--min-top1", type=float, default=None)
    ev.add_argument("--min-top3", type=float, default=None)
    ev.add_argument("--max-under-triage", type=int, default=None)
    ev.add_argument("--max-over-triage", type=float, default=None)
    ev.add_argument("--json", action="store_true", help="print the results as JSON")
    ev.add_argument(
        "--questions",
        action="store_true",
        help="also replay the app's question policy on every vignette, asking only what each"
        " case answers: the questions to a stable result (slow: minutes)",
    )
    ev.add_argument(
        "--questions-every",
        action="store_true",
        help="with it, also the literal reading: every question the app picks, 'not sure'"
        " where the case is silent (slower: up to 40 questions per case)",
    )
    _population_options(ev)
    ev.set_defaults(func=cmd_evaluate)


def add_commands(sub: Any) -> None:
    """Add the contract's commands and ``batch``."""
    d = sub.add_parser("diagnose", help="rank the causes for a case file (or - for stdin)")
    d.add_argument("case")
    add_model_options(d, "self_assessment (default: the case file's population) or clinic")
    d.set_defaults(func=cmd_diagnose)
    q = sub.add_parser(
        "questions",
        help="list the runner's questions as JSON (--group exam or test: the clinician's "
        "findings with their states and sources; --all: every question)",
    )
    q.add_argument("--group", default=None, help="only this group (e.g. exam, test, about_you)")
    q.add_argument("--all", action="store_true", help="also the clinician's findings")
    _population_options(q)
    q.set_defaults(func=cmd_questions)
    e = sub.add_parser("export", help="write the network as bif, xmlbif, xdsl or net")
    e.add_argument("--format", required=True)
    e.add_argument("-o", "--output", required=True)
    _population_options(e)
    e.set_defaults(func=cmd_export)
    v = sub.add_parser("validate-priors", help="check a priors directory")
    v.add_argument("directory", nargs="?", default=None)
    v.set_defaults(func=cmd_validate)
    _add_batch(sub)
