"""Batch scoring speed: rows per second of ``score_csv`` on a generated file, against a naive
baseline measured in the same run (validate + full ``diagnose`` per row, no de-duplication).

    .venv/bin/python benchmarks/bench_batch.py [--rows 5000] [--dup 0.3] [--baseline-rows 300]

Rows are drawn from the network itself (``model.learn.sample_cases``) with about 12 answered
questions each ("typical rows"); ``--dup`` is the share of rows repeating an earlier answer
set (a clinic file has repeats). One core: the process is pinned to CPU 0 where supported.
Goal (issue 6): >= 1,000 rows/s.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--dup", type=float, default=0.3, help="share of repeated answer sets")
    ap.add_argument("--answer-rate", type=float, default=0.2)
    ap.add_argument("--baseline-rows", type=int, default=300)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    from model import load_model
    from model.workflows.batch import score_csv
    from model.workflows.learn import sample_cases

    model = load_model()
    n_unique = max(1, int(args.rows * (1 - args.dup)))
    df = sample_cases(model, n_unique, seed=1, answer_rate=args.answer_rate)
    df = df[[q.id for q in model.questions]]
    rng = np.random.default_rng(2)
    idx = np.concatenate([np.arange(n_unique),
                          rng.integers(0, n_unique, args.rows - n_unique)])
    rng.shuffle(idx)
    df = df.iloc[idx].reset_index(drop=True)
    df.insert(0, "case_id", [f"r{i}" for i in range(len(df))])
    answered = (df.drop(columns="case_id") != "").sum(axis=1).mean()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        df.to_csv(src, index=False)
        t0 = time.perf_counter()
        stats = score_csv(model, src, dst, progress=False)
        t_batch = time.perf_counter() - t0

        # naive baseline: the same rows, one full diagnose each (question ranking included),
        # no cache (the model's own cache is bypassed)
        with src.open(newline="") as fh:
            rows = list(csv.DictReader(fh))[: args.baseline_rows]
        t0 = time.perf_counter()
        for r in rows:
            clean, _ = model.validate({k: v for k, v in r.items()
                                       if k in model.question_map and v})
            model._diagnose_clean(tuple(sorted(clean.items())))
        t_base = (time.perf_counter() - t0) / len(rows)
    rate = stats["rows"] / t_batch
    base_rate = 1.0 / t_base
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
          f"(pinned to 1), Python {sys.version.split()[0]}")
    print(f"file: {stats['rows']} rows, {stats['distinct']} distinct answer sets, "
          f"{answered:.1f} answers per row")
    print(f"batch (score_csv):      {rate:8.0f} rows/s  ({t_batch:.1f} s)")
    print(f"naive (diagnose/row):   {base_rate:8.0f} rows/s  (on {len(rows)} rows)")
    print(f"ratio batch / naive:    {rate / base_rate:8.1f} x")
    print(f"goal >= 1,000 rows/s:   {'met' if rate >= 1000 else 'not met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
