"""One runner's path, answer by answer (issue 12's worst realistic case): the runner follows
the questionnaire (the most informative question each time) and says "yes" (or the first
state above the lowest) to every second one, so the findings above their lowest state grow
by about one per two answers. Times the full ``diagnose`` (posteriors, every question ranked
with previews, explanations, intervals, triage) at each step, uncached.

    python benchmarks/bench_path.py [--steps N] [--limit S] [--json OUT]

Stops after ``--limit`` seconds for one step. To compare two builds, run it from each
checkout in the same session (the README's before/after table does).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model import load_model  # noqa: E402


def _positive(model, answers):  # type: ignore[no-untyped-def]
    """Findings answered above their lowest state (heavy legs apart)."""
    eng = model.engine
    ev = model.evidence_for(answers)
    return sum(
        1 for k, s in ev.items()
        if eng.kind.get(k) == "finding" and k != "heavy_legs" and eng.states[k].index(s) > 0
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--limit", type=float, default=60.0, help="stop after a step this slow (s)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    m = load_model()
    m.diagnose({"age": 30})  # warm the plans (not timed)
    answers: dict = {}
    rows = []
    for step in range(args.steps):
        m._cached.cache_clear()
        t = time.perf_counter()
        d = m.diagnose(answers)
        dt = time.perf_counter() - t
        rows.append({"step": step, "answers": len(answers), "positive": _positive(m, answers),
                     "seconds": dt, "route": d.inference.route})
        print(f"  {len(answers):2d} answers, {rows[-1]['positive']:2d} above the lowest state: "
              f"{dt:6.2f} s ({d.inference.route})", flush=True)
        if dt > args.limit:
            break
        asked = [g for g in d.next_questions if g.expected_information_gain > 0]
        if not asked:
            break
        q = m.question_map[asked[0].id]
        if q.type == "number":
            answers[q.id] = (q.min + q.max) / 2
        else:
            states = list(q.states)
            answers[q.id] = states[0] if step % 2 == 1 else states[min(1, len(states) - 1)]
    by_pos: dict[int, float] = {}
    for r in rows:
        by_pos[r["positive"]] = max(by_pos.get(r["positive"], 0.0), r["seconds"])
    print("slowest step per number of findings above their lowest state:")
    print("  " + ", ".join(f"{k}: {v:.2f} s" for k, v in sorted(by_pos.items())))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "by_positive": by_pos}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
