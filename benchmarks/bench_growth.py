"""Growth benchmark (issue 12): the full diagnosis from 17 to 60 causes, in one run.

    python benchmarks/bench_growth.py [--sizes 17,25,33,41,50,60] [--cases 30] [--repeat 3]
                                      [--pgmpy-cases 5] [--json out.json] [--plot out.png]

Networks: the shipped priors cut to version 1's 17 causes (``subset_priors``; the hypercube
engine's baseline where it can be built), the shipped priors cut to contract version 2's
25 causes (the goals' version-2 network), the shipped priors themselves (26 causes: one beyond
the contract, priors/CHANGELOG.md 33) and copies with medical causes cloned
(``model.synthetic.clone_priors``: same tables, same links, so heavy legs and the shared
findings gain parents). Answer sets: the literature vignettes (tests/vignettes/), cut to the
questions the 17-cause network has, the same answers on every network. Each size runs in its
own process (its memory peak is its own).

Per size: median and p99 over cases of the full ``Model.diagnose`` (cache cleared; best of
``--repeat``), the route mix, the memory peak (max RSS), the worst case (every finding
answered at its highest state), and pgmpy VariableElimination and pyAgrum LazyPropagation
posteriors-only times on the exported network for the first ``--pgmpy-cases`` cases (where
they finish within ``--budget`` seconds per case). At 17 causes the original hypercube
engine runs too (the baseline of the goals); at 25 the slider what-if and the physio
tornado are timed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import queue
import resource
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def vignettes(n: int) -> list[dict[str, Any]]:
    out = []
    for p in sorted((ROOT / "tests" / "vignettes").glob("*.yaml"))[:n]:
        out.append(yaml.safe_load(p.read_text())["answers"])
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def worst_answers(m: Any) -> dict[str, Any]:
    """Every finding answered at its highest state (and no risk factor)."""
    out: dict[str, Any] = {}
    for q in m.questions:
        if m.engine.kind.get(q.id) != "finding":
            continue
        if q.type == "yes_no":
            out[q.id] = "yes"
        elif q.type == "choice":
            out[q.id] = q.options[-1]
        else:
            out[q.id] = q.max
    return out


def time_diagnose(m: Any, answers: dict[str, Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        m._cached.cache_clear()
        t0 = time.perf_counter()
        m.diagnose(answers)
        best = min(best, time.perf_counter() - t0)
    return best


def old_engine_model(m: Any) -> Any:
    """The same model on the original hypercube engine (the baseline)."""
    from model.api import Model
    from model.inference.quickscore import QuickscoreEngine
    from model.reasoning.context import ModelContext

    old = Model(m.kb, m.population)
    # every query on the 2**n joint with the exact joint information gain: the original
    # engine's computation (model.inference.engine.Engine) behind today's query interface
    old.engine = QuickscoreEngine(old.network, route="hypercube", gain_measure="joint")
    # the queries go through the model's context: it must hold that engine too (it kept the
    # quickscore engine before, so this baseline measured the new engine twice)
    old._ctx = ModelContext(old.kb, old.engine, old.population, old.version, old.base_rates)
    return old


def run_size(size: int, args: argparse.Namespace, q: Any) -> None:
    warnings.simplefilter("ignore")
    from model import load_model
    from model.workflows.synthetic import clone_priors

    res: dict[str, Any] = {"causes": size}
    t0 = time.perf_counter()
    from model.kb import CONTRACT_CAUSES
    from model.workflows.synthetic import subset_model

    # version 1's 17 causes: the shipped priors cut to them (``subset_priors``)
    v1 = subset_model(CONTRACT_CAUSES[:17])
    if size == 17:  # version 1's causes: the shipped priors cut to them (the baseline)
        m = v1
    elif size == len(CONTRACT_CAUSES):  # contract version 2's causes, cut from the shipped
        m = subset_model(list(CONTRACT_CAUSES))  # priors (which hold one more, CHANGELOG 33)
    elif size == len(load_model().causes):  # the shipped priors
        m = load_model()
    else:
        d = clone_priors(size, Path(tempfile.mkdtemp()) / f"p{size}")
        m = load_model(priors_dir=d)
    res["build_s"] = time.perf_counter() - t0
    # the same answer sets on every network: the answers to the questions every network has
    # (version 1's network lacks version 2's questions)
    cs = [v1.validate(a)[0] for a in vignettes(args.cases)]
    for a in cs[:2]:  # warm the model's caches (plans, reduced tables), as in the app
        m.diagnose(a)
    times = []
    routes: dict[str, int] = {}
    for a in cs:
        times.append(time_diagnose(m, a, args.repeat))
        clean, _ = m.validate(a)
        r = m.engine.posterior(m.likelihoods(clean, {})).route
        routes[r] = routes.get(r, 0) + 1
    res["diagnose_median_ms"] = statistics.median(times) * 1000
    res["diagnose_p99_ms"] = pct(times, 0.99) * 1000
    res["routes"] = routes
    res["gain_measure"] = m.engine.gain_measure
    if size == 17:
        try:
            old = old_engine_model(m)
        except ValueError as exc:  # e.g. more risk factors than its einsum has letters
            res["old_engine_error"] = str(exc)
        else:
            # the original engine's full diagnose had no intervals (issue 16 came later, and
            # it has no batched draws): it is timed without them, the new engines with them,
            # so the comparison leans towards the baseline
            import model.reasoning.diagnose as dg

            real = dg.cause_intervals
            dg.cause_intervals = lambda *a, **k: None  # type: ignore[assignment]
            try:
                for a in cs[:2]:
                    old.diagnose(a)
                ot = [time_diagnose(old, a, args.repeat) for a in cs]
                # every timed diagnosis took the hypercube (each is cached by its timing)
                off = {old.diagnose(a).inference.route for a in cs} - {"hypercube"}
                if off:
                    raise RuntimeError(f"the baseline left the hypercube route: {off}")
            finally:
                dg.cause_intervals = real
            res["old_engine_median_ms"] = statistics.median(ot) * 1000
            res["old_engine_p99_ms"] = pct(ot, 0.99) * 1000
    # worst case
    w = worst_answers(m)
    clean, _ = m.validate(w)
    t0 = time.perf_counter()
    post = m.engine.posterior(m.likelihoods(clean, {}))
    res["worst_posterior_s"] = time.perf_counter() - t0
    res["worst_route"] = post.route
    res["worst_exact"] = post.exact
    t0 = time.perf_counter()
    if size <= args.worst_diagnose_max:
        try:
            m._cached.cache_clear()
            m.diagnose(w)
            res["worst_diagnose_s"] = time.perf_counter() - t0
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            res["worst_diagnose_error"] = f"{type(e).__name__}: {e}"
    if size == 25:
        wi = []
        for k, a in enumerate(cs):
            factor = m.modifiable[k % len(m.modifiable)]
            qq = m.question_map[factor]
            value = (
                qq.options[-1]
                if qq.type == "choice"
                else ("yes" if qq.type == "yes_no" else qq.max)
            )
            t0 = time.perf_counter()
            m.what_if(a, {factor: value})
            wi.append(time.perf_counter() - t0)
        res["what_if_median_ms"] = statistics.median(wi) * 1000
        res["what_if_p95_ms"] = pct(wi, 0.95) * 1000
        t0 = time.perf_counter()
        rows = m.sensitivity(cs[0])
        res["tornado_s"] = time.perf_counter() - t0
        res["tornado_rows"] = len(rows)
    # pgmpy / pyAgrum, posteriors only, first cases
    if args.pgmpy_cases:
        res.update(reference_times(m, cs[: args.pgmpy_cases], args.budget))
    res["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q.put(res)


def reference_times(m: Any, cs: list[dict[str, Any]], budget: float) -> dict[str, Any]:
    import pyagrum as gum
    from pgmpy.inference import VariableElimination

    from model.pgmpy_io import read

    tmp = Path(tempfile.mkdtemp())
    m.export("xmlbif", tmp / "net.xmlbif")
    m.export("bif", tmp / "net.bif")
    causes = [c.id for c in m.causes]
    out: dict[str, Any] = {}
    tb, tc, ta = [], [], []
    diff = 0.0
    pm = read(tmp / "net.xmlbif", "xmlbif")
    ve = VariableElimination(pm)
    bn = gum.loadBN(str(tmp / "net.bif"))
    for a in cs:
        d = m.diagnose(a)
        clean, _ = m.validate(a)
        t0 = time.perf_counter()
        m.engine.posterior(m.likelihoods(clean, {}))
        ta.append(time.perf_counter() - t0)
        ev = dict(d.evidence)
        t0 = time.perf_counter()
        post = {}
        for c in causes:
            f = ve.query([c], evidence=ev, show_progress=False)
            post[c] = float(f.get_value(**{c: "present"}))
            if time.perf_counter() - t0 > budget:
                break
        el = time.perf_counter() - t0
        if len(post) == len(causes):
            tb.append(el)
            diff = max(diff, max(abs(x.probability - post[x.id]) for x in d.causes))
        else:
            out["pgmpy_note"] = f"stopped after {budget:.0f} s on a case"
            break
        t0 = time.perf_counter()
        ie = gum.LazyPropagation(bn)
        ie.setEvidence(ev)
        ie.makeInference()
        _ = {c: float(ie.posterior(c)[1]) for c in causes}
        tc.append(time.perf_counter() - t0)
    out["posteriors_only_ms"] = statistics.median(ta) * 1000
    if tb:
        out["pgmpy_ve_ms"] = statistics.median(tb) * 1000
        out["max_abs_diff_vs_pgmpy"] = diff
    if tc:
        out["pyagrum_lazy_ms"] = statistics.median(tc) * 1000
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="17,25,33,41,50,60")
    ap.add_argument("--cases", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pgmpy-cases", type=int, default=5)
    ap.add_argument("--budget", type=float, default=60.0)
    ap.add_argument(
        "--worst-diagnose-max",
        type=int,
        default=25,
        help="time the worst case's full diagnosis up to this many causes (beyond it the "
        "fallback reruns the sampler per preview: minutes)",
    )
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--plot", type=Path, default=None)
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    results: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for size in [int(s) for s in args.sizes.split(",")]:
        q = ctx.Queue()
        p = ctx.Process(target=run_size, args=(size, args, q))
        p.start()
        while True:  # a size whose process dies is reported, not waited for forever
            try:
                res = q.get(timeout=5)
                break
            except queue.Empty:
                if not p.is_alive():
                    res = {"causes": size, "error": f"the process exited with {p.exitcode}"}
                    break
        p.join()
        print(json.dumps(res), flush=True)
        if "error" in res:
            failed.append(res)
            continue
        results.append(res)
    print()
    print(
        "| causes | full diagnose median | p99 | routes | memory peak | worst case (every "
        "finding at its top state) | pgmpy VE posteriors | pyAgrum posteriors | "
        "ratio to pgmpy |"
    )
    print("| ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |")
    for r in results:
        ve = r.get("pgmpy_ve_ms")
        ga = r.get("pyagrum_lazy_ms")
        ratio = f"{r['diagnose_median_ms'] / ve:.3f}" if ve else "-"
        worst = (
            f"{r['worst_diagnose_s']:.2f} s ({r['worst_route']})"
            if "worst_diagnose_s" in r
            else f"posterior {r['worst_posterior_s']:.2f} s ({r['worst_route']})"
            + (
                f"; diagnose: {r['worst_diagnose_error'][:60]}"
                if "worst_diagnose_error" in r
                else ""
            )
        )
        print(
            f"| {r['causes']} | {r['diagnose_median_ms']:.1f} ms | {r['diagnose_p99_ms']:.1f} ms | "
            f"{', '.join(f'{k} {v}' for k, v in r['routes'].items())} | "
            f"{r['max_rss_mb']:.0f} MB | {worst} | "
            f"{f'{ve:.0f} ms' if ve else r.get('pgmpy_note', '-')} | "
            f"{f'{ga:.1f} ms' if ga else '-'} | "
            f"{ratio} |"
        )
    base = next((r for r in results if r["causes"] == 17), None)
    if base and "old_engine_median_ms" in base:
        print(
            f"\nbaseline: the original hypercube engine on 17 causes, same cases, same run: "
            f"median {base['old_engine_median_ms']:.1f} ms, p99 {base['old_engine_p99_ms']:.1f} ms"
        )
    for r in results:
        if r["causes"] == 25 and "what_if_median_ms" in r:
            print(
                f"25 causes: slider what-if median {r['what_if_median_ms']:.1f} ms "
                f"(p95 {r['what_if_p95_ms']:.1f} ms); physio tornado {r['tornado_s']:.2f} s "
                f"({r['tornado_rows']} rows)"
            )
    if args.json:
        args.json.write_text(json.dumps(results + failed, indent=1))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        xs = [r["causes"] for r in results]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(xs, [r["diagnose_median_ms"] for r in results], "o-", label="full diagnose, median")
        ax.plot(xs, [r["diagnose_p99_ms"] for r in results], "o--", label="full diagnose, p99")
        pg = [(r["causes"], r["pgmpy_ve_ms"]) for r in results if "pgmpy_ve_ms" in r]
        if pg:
            ax.plot(*zip(*pg, strict=True), "s:", label="pgmpy VE, posteriors only")
        if base and "old_engine_median_ms" in base:
            ax.axhline(
                base["old_engine_median_ms"],
                color="grey",
                lw=0.8,
                label="hypercube engine, 17 causes",
            )
        ax.set_yscale("log")
        ax.set_xlabel("causes")
        ax.set_ylabel("ms per case")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
    if failed:
        print("sizes that failed: " + ", ".join(f"{r['causes']} ({r['error']})" for r in failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
