"""Issue 16's speed goal: the intervals of every cause add at most half the cost of the
diagnosis itself (25 causes), measured on the literature vignettes in the same run.

    python benchmarks/bench_intervals.py [--cases N] [--json OUT]

For each case: (a) the diagnosis without intervals (the reasoning with the interval step
left out), (b) the intervals alone (``cause_intervals``: the draws of uncertainty.yaml);
the ratio (b)/(a) per case, its median, and sum(b)/sum(a). Also the fast intervals against
400 plain Monte Carlo draws on a few cases (the largest bound difference), with --mc.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model import load_model  # noqa: E402
from model.reasoning import diagnose as dx  # noqa: E402
from model.reasoning import intervals as iv  # noqa: E402
from model.reasoning.evidence import evidence_parts  # noqa: E402
from model.workflows.evaluate import load_vignettes  # noqa: E402

GOAL = 0.5


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=40, help="vignettes (spread over the set)")
    ap.add_argument("--mc", type=int, default=0, help="cases checked against Monte Carlo")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    model = load_model()
    ctx = model._ctx
    vignettes = load_vignettes(ROOT / "tests" / "vignettes", model)
    step = max(1, len(vignettes) // max(1, args.cases))
    chosen = vignettes[::step][: args.cases]
    real = dx.cause_intervals
    diag_s, int_s = [], []
    for v in chosen:
        key = tuple(sorted(model.validate(v.answers)[0].items()))
        dx.cause_intervals = lambda *a, **k: None  # (a): the diagnosis without intervals
        try:
            t = time.perf_counter()
            dx.diagnose(ctx, key)
            diag_s.append(time.perf_counter() - t)
        finally:
            dx.cause_intervals = real
        _, _, ev = evidence_parts(ctx.engine, ctx.question_map, dict(key), {})
        post = ctx.engine.posterior(ev)
        t = time.perf_counter()
        iv.cause_intervals(ctx, ev, post)
        int_s.append(time.perf_counter() - t)
    ratios = [b / a for a, b in zip(diag_s, int_s, strict=True)]
    res = {
        "cases": len(chosen),
        "draws": model.kb.uncertainty.draws,
        "diagnosis_median_ms": 1000 * statistics.median(diag_s),
        "intervals_median_ms": 1000 * statistics.median(int_s),
        "ratio_median": statistics.median(ratios),
        "ratio_total": sum(int_s) / sum(diag_s),
        "goal": GOAL,
    }
    if args.mc:
        worst = 0.0
        for v in chosen[: args.mc]:
            clean = dict(model.validate(v.answers)[0])
            _, _, ev = evidence_parts(ctx.engine, ctx.question_map, clean, {})
            post = ctx.engine.posterior(ev)
            fast = iv.cause_intervals(ctx, ev, post)
            mc = iv.monte_carlo_intervals(ctx, ev, draws=400)
            worst = max(worst, float(np.abs(fast - mc).max()))
        res["mc_cases"] = args.mc
        res["mc_worst_bound_difference"] = worst
    print(
        f"{res['cases']} vignettes, {res['draws']} draws per diagnosis\n"
        f"(a) diagnosis without intervals: median {res['diagnosis_median_ms']:.0f} ms\n"
        f"(b) intervals of all causes:     median {res['intervals_median_ms']:.0f} ms\n"
        f"(b)/(a): median {res['ratio_median']:.2f}, total {res['ratio_total']:.2f}"
        f" (goal <= {GOAL}: {'met' if res['ratio_median'] <= GOAL else 'not met'})"
    )
    if args.mc:
        print(
            f"fast vs 400 Monte Carlo draws on {args.mc} cases: worst bound difference"
            f" {res['mc_worst_bound_difference']:.3f}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
