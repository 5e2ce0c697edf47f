"""How well the scalable gain picks the next question (issue 12), on version 1's causes.

    python benchmarks/bench_gain_agreement.py [--json out.json] [--plot out.png]

Beyond ``HYPERCUBE_MAX_CAUSES`` causes the engine ranks questions by the sum over causes of
the mutual information with each cause, sum_i I(C_i; Y | answers), instead of the mutual
information with the joint of all causes, I(C; Y | answers). On a network the hypercube
engine can hold (by default version 1's first 14 causes, ``dvt`` apart, on the shipped
priors: version 2's risk factors put the 17-cause network beyond its 26 einsum letters) both
are exact and affordable, so this script compares them at every step of the questionnaire
over every literature vignette: starting from no answers, each step ranks every unanswered
question by both measures, records whether they pick the same first question and how much
joint information the scalable pick loses (I_joint(joint's pick) - I_joint(scalable's pick)),
then answers, with the vignette's own answer, the question the joint measure ranks highest
among those the vignette answers, until the vignette's answers are used up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _network(n_causes: int) -> Any:
    """The shipped priors cut to version 1's first causes (``subset_priors``; ``dvt`` left
    out as in the tests' 14-cause network): the joint gain needs the hypercube engine, which
    version 2's risk factors put out of reach of the full network (27 risk factors with version
    1's 17 causes, beyond its 26 einsum letters)."""
    from model.kb import CONTRACT_CAUSES
    from model.workflows.synthetic import subset_model

    return subset_model([c for c in CONTRACT_CAUSES[: n_causes + 1] if c != "dvt"][:n_causes])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--vignettes", type=int, default=0, help="only the first N (0: all)")
    ap.add_argument("--causes", type=int, default=14,
                    help="version 1's first causes kept (the hypercube needs <= 26 risk factors)")
    ap.add_argument("--plot", type=Path, default=None)
    args = ap.parse_args()
    from model.inference.engine import Engine
    from model.inference.quickscore import QuickscoreEngine

    m = _network(args.causes)
    joint_eng = Engine(m.network)
    sum_eng = QuickscoreEngine(m.network, gain_measure="sum_of_cause_mi")
    steps: list[dict[str, Any]] = []
    files = sorted((ROOT / "tests" / "vignettes").glob("*.yaml"))
    for p in files[: args.vignettes or None]:
        full, _ = m.validate(yaml.safe_load(p.read_text())["answers"])
        answered: dict[str, Any] = {}
        while True:
            ev = m.likelihoods(answered, {})
            open_q = [q.id for q in m.questions if q.id not in answered]
            if not open_q:
                break
            ca = joint_eng.case(ev)
            pa = joint_eng.posterior(ca)
            gj = {v.node: v.gain for v in joint_eng.previews(pa, ca, open_q, [])}
            cb = sum_eng.case(ev)
            pb = sum_eng.posterior(cb)
            gs = {v.node: v.gain for v in sum_eng._qs_previews(cb, open_q, [])}
            best_j = max(open_q, key=lambda q: (gj[q], q))
            best_s = max(open_q, key=lambda q: (gs[q], q))
            top3_j = sorted(open_q, key=lambda q: -gj[q])[:3]
            steps.append(
                {
                    "vignette": p.stem,
                    "answered": len(answered),
                    "same": best_j == best_s,
                    "in_top3": best_s in top3_j,
                    "joint_best": gj[best_j],
                    "joint_of_scalable_pick": gj[best_s],
                    "loss_bits": gj[best_j] - gj[best_s],
                    "rank_of_scalable_pick": sorted(open_q, key=lambda q: -gj[q]).index(best_s) + 1,
                }
            )
            left = [q for q in open_q if q in full]
            if not left:
                break
            nxt = max(left, key=lambda q: (gj[q], q))
            answered[nxt] = full[nxt]
            _ = pb
    n = len(steps)
    same = sum(s["same"] for s in steps)
    top3 = sum(s["in_top3"] for s in steps)
    losses = [s["loss_bits"] for s in steps]
    diff = [s for s in steps if not s["same"]]
    rel = [s["loss_bits"] / s["joint_best"] for s in diff if s["joint_best"] > 0]
    res = {
        "steps": n,
        "vignettes": len({s["vignette"] for s in steps}),
        "same_first_question": same / n,
        "scalable_pick_in_joint_top3": top3 / n,
        "mean_loss_bits_all_steps": statistics.mean(losses),
        "mean_loss_bits_when_different": statistics.mean([s["loss_bits"] for s in diff])
        if diff
        else 0.0,
        "median_relative_loss_when_different": statistics.median(rel) if rel else 0.0,
        "max_loss_bits": max(losses),
        "max_relative_loss": max(rel) if rel else 0.0,
    }
    print(json.dumps(res, indent=1))
    if args.json:
        args.json.write_text(json.dumps({"summary": res, "steps": steps}, indent=1))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(8, 3.2))
        ax[0].hist([s["rank_of_scalable_pick"] for s in steps], bins=range(1, 12), rwidth=0.8)
        ax[0].set_xlabel("joint-MI rank of the scalable measure's pick")
        ax[0].set_ylabel("questionnaire steps")
        ax[1].hist(rel, bins=20)
        ax[1].set_xlabel("joint information lost when the picks differ (fraction)")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
