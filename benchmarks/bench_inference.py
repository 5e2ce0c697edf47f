"""Inference benchmark: heavylegs' full diagnosis against pgmpy and pyAgrum, in one run.

    python benchmarks/bench_inference.py [--cases N] [--repeat R]

Over a fixed set of cases (the literature vignettes in tests/vignettes/, in file order, each
cut to its risk factors and first 3 findings unless ``--max-findings -1``: with 25 causes a
generic exact engine's cost grows with every finding answered, minutes per full vignette) it
measures, side by side on the real network:

  (a) the full ``Model.diagnose`` with its cache cleared: posteriors, every unanswered
      question ranked with per-answer previews, explanations, what-if list, triage (what
      the model prepares once from its tables - the previews' sparse maps, each answer's
      factor, contraction plans - is kept, as in the app; nothing computed from a case's
      answers survives between calls);
  (b) pgmpy VariableElimination on the exported network (XMLBIF), posteriors only, one query
      per cause;
  (c) pyAgrum LazyPropagation on the exported network (BIF), posteriors only;

and one what-if recomputation (a slider move in the app). It checks that (a) equals (b)
within 1e-9 and reports the ratios (a)/(b) and (a)/(c). Goals (issue 4): (a) <= 0.1 x (b),
(a) <= 2 x (c), slider move < 20 ms. Times are medians per case.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model import load_model  # noqa: E402
from model.pgmpy_io import read  # noqa: E402


def cases(n: int, kind: dict[str, str], max_findings: int | None) -> list[dict]:
    """The first ``n`` vignettes' answers; with ``max_findings``, each keeps its risk factors
    and only its first ``max_findings`` findings (a generic exact engine's cost grows with
    the findings answered: pgmpy takes minutes per query on a full 25-cause vignette)."""
    out = []
    for p in sorted((ROOT / "tests" / "vignettes").glob("*.yaml"))[:n]:
        answers = yaml.safe_load(p.read_text())["answers"]
        if max_findings is not None:
            found = [k for k in answers if kind.get(k) == "finding"][:max_findings]
            answers = {k: v for k, v in answers.items() if kind.get(k) != "finding" or k in found}
        out.append(answers)
    return out


def median_ms(xs: list[float]) -> float:
    return statistics.median(xs) * 1000


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--pyagrum", action="store_true",
                    help="also time pyAgrum (its junction tree on 25 causes has a 26-variable "
                    "clique: about 90 s per case)")
    ap.add_argument("--max-findings", type=int, default=3,
                    help="findings kept per vignette (default 3; -1 keeps all: minutes per case)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import pyagrum as gum
    from pgmpy.inference import VariableElimination

    m = load_model()
    causes = [c.id for c in m.causes]
    tmp = Path(tempfile.mkdtemp())
    m.export("xmlbif", tmp / "net.xmlbif")
    m.export("bif", tmp / "net.bif")
    pm = read(tmp / "net.xmlbif", "xmlbif")
    bn = gum.loadBN(str(tmp / "net.bif"))
    ve = VariableElimination(pm)
    keep = None if args.max_findings < 0 else args.max_findings
    cs = cases(args.cases, m.engine.kind, keep)

    t_a: list[float] = []
    t_b: list[float] = []
    t_c: list[float] = []
    t_w: list[float] = []
    max_diff_b = 0.0
    max_diff_c = 0.0
    for answers in cs:
        best_a = best_b = best_c = float("inf")
        for _ in range(args.repeat):
            m._cached.cache_clear()
            t0 = time.perf_counter()
            d = m.diagnose(answers)
            best_a = min(best_a, time.perf_counter() - t0)
        ev = dict(d.evidence)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            post_b = {}
            for c in causes:
                f = ve.query([c], evidence=ev, show_progress=False)
                post_b[c] = float(f.get_value(**{c: "present"}))
            best_b = min(best_b, time.perf_counter() - t0)
        for _ in range(args.repeat if args.pyagrum else 0):
            t0 = time.perf_counter()
            ie = gum.LazyPropagation(bn)
            ie.setEvidence(ev)
            ie.makeInference()
            post_c = {c: float(ie.posterior(c)[1]) for c in causes}
            best_c = min(best_c, time.perf_counter() - t0)
        t_a.append(best_a)
        t_b.append(best_b)
        t_c.append(best_c)
        for c in d.causes:
            max_diff_b = max(max_diff_b, abs(c.probability - post_b[c.id]))
            if args.pyagrum:
                max_diff_c = max(max_diff_c, abs(c.probability - post_c[c.id]))
        # one slider move: a what-if on a modifiable factor
        factor = m.modifiable[len(t_w) % len(m.modifiable)]
        q = m.question_map[factor]
        value = q.options[-1] if q.type == "choice" else ("yes" if q.type == "yes_no" else q.max)
        t0 = time.perf_counter()
        m.what_if(answers, {factor: value})
        t_w.append(time.perf_counter() - t0)

    a, b = median_ms(t_a), median_ms(t_b)
    c = median_ms(t_c) if args.pyagrum else None
    w = median_ms(t_w)
    res = {
        "machine": machine(),
        "cases": len(cs),
        "max_findings": keep,
        "full_diagnose_ms": a,
        "pgmpy_ve_posteriors_ms": b,
        "pyagrum_lazy_posteriors_ms": c,
        "ratio_vs_pgmpy": a / b,
        "ratio_vs_pyagrum": a / c if c else None,
        "what_if_ms": w,
        "what_if_p95_ms": sorted(t_w)[int(0.95 * (len(t_w) - 1))] * 1000,
        "max_abs_diff_vs_pgmpy": max_diff_b,
        "max_abs_diff_vs_pyagrum": max_diff_c if c else None,
    }
    print(f"machine: {res['machine']}")
    kept = "all findings" if keep is None else f"risk factors and at most {keep} findings"
    print(f"cases: {len(cs)} vignettes ({kept}), best of {args.repeat} per case, "
          "median over cases\n")
    print("| measure | median per case | ratio | goal |")
    print("| --- | ---: | ---: | --- |")
    print(f"| (a) heavylegs full diagnose | {a:.1f} ms | 1 | |")
    print(f"| (b) pgmpy VariableElimination, posteriors only | {b:.1f} ms | (a)/(b) = "
          f"{a / b:.3f} | <= 0.1 {'met' if a / b <= 0.1 else 'NOT met'} |")
    if c:
        print(f"| (c) pyAgrum LazyPropagation, posteriors only | {c:.1f} ms | (a)/(c) = "
              f"{a / c:.2f} | <= 2 {'met' if a / c <= 2 else 'NOT met'} |")
    else:
        print("| (c) pyAgrum LazyPropagation | not run (--pyagrum: about 90 s per case) | | |")
    print(f"| what-if (slider move) | {w:.2f} ms (p95 {res['what_if_p95_ms']:.2f}) | | < 20 ms "
          f"{'met' if res['what_if_p95_ms'] < 20 else 'NOT met'} |")
    print(f"\nmax |(a) - (b)| = {max_diff_b:.2e} (goal <= 1e-9: "
          f"{'met' if max_diff_b <= 1e-9 else 'NOT met'})"
          + (f"; max |(a) - (c)| = {max_diff_c:.2e}" if c else ""))
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return 0 if max_diff_b <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
