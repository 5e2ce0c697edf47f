"""The physio's tornado (``Model.sensitivity``) on the literature vignettes (25 causes), against
a baseline measured in the same run: the same rows with one variant engine per row (what the
tornado did before ``Engine.variant_marginals``). Goal: under 1 s per case (issue 12).

    python benchmarks/bench_tornado.py [--cases N] [--json OUT]

For each case: (a) the tornado as the app runs it (every row's variants in batched term sums),
(b) the baseline (``with_tables(...).posterior`` per variant), the largest difference between
them (they are the same numbers), the ratio (a)/(b) per case and the share of cases under 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model import load_model  # noqa: E402
from model.reasoning import sensitivity as sens  # noqa: E402
from model.workflows.evaluate import load_vignettes  # noqa: E402

GOAL_S = 1.0


def _variants(model: Any, answers: dict[str, Any]) -> list[Any]:
    """The tornado's variants (each row's low and high), as ``Model.sensitivity`` makes them."""
    specs = sens.row_specs(model._ctx, answers, 0.5)
    return [v for s in specs for v in (s[4], s[5])]


def _baseline(model: Any, answers: dict[str, Any]) -> tuple[float, np.ndarray]:
    """(seconds, marginals per variant): a variant engine per row, as before."""
    ev = model.likelihoods(answers, {})
    t = time.perf_counter()
    eng = model.engine
    out = np.array([eng.with_tables(*v).posterior(ev).marginals for v in _variants(model, answers)])
    return time.perf_counter() - t, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=40, help="vignettes (spread over the set)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    model = load_model()
    vignettes = load_vignettes(ROOT / "tests" / "vignettes", model)
    step = max(1, len(vignettes) // max(1, args.cases))
    chosen = vignettes[::step][: args.cases]
    model.sensitivity(chosen[0].answers)  # warm the plans (not timed)
    fast, slow, diffs = [], [], []
    for v in chosen:
        answers = model.validate(v.answers)[0]
        t = time.perf_counter()
        rows = model.sensitivity(answers)
        fast.append(time.perf_counter() - t)
        s, base = _baseline(model, answers)
        slow.append(s)
        ev = model.likelihoods(answers, {})
        batched = model.engine.variant_marginals(ev, _variants(model, answers))
        diffs.append(float(np.abs(batched - base).max()))
        print(f"  {v.id}: {len(rows)} rows, {fast[-1] * 1000:.0f} ms "
              f"(baseline {s * 1000:.0f} ms)", flush=True)
    ratios = [a / b for a, b in zip(fast, slow, strict=True)]
    res = {
        "cases": len(chosen),
        "tornado_median_ms": statistics.median(fast) * 1000,
        "tornado_max_ms": max(fast) * 1000,
        "baseline_median_ms": statistics.median(slow) * 1000,
        "ratio_median": statistics.median(ratios),
        "under_goal": sum(x < GOAL_S for x in fast),
        "max_abs_diff": max(diffs),
    }
    print(f"tornado, {res['cases']} vignettes (25 causes): median {res['tornado_median_ms']:.0f} "
          f"ms, worst {res['tornado_max_ms']:.0f} ms; under {GOAL_S:g} s: "
          f"{res['under_goal']}/{res['cases']} (goal: all)")
    print(f"  baseline (a variant engine per row), same run: median "
          f"{res['baseline_median_ms']:.0f} ms; (a)/(b): median {res['ratio_median']:.2f}")
    print(f"  largest difference between the two (exact default precision): "
          f"{res['max_abs_diff']:.1e}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
