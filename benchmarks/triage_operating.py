"""Operating characteristics of the triage (issue 14): runners sampled from the model itself,
each answering the warning-sign screen and 12 random other questions.

    python benchmarks/triage_operating.py [--n 10000] [--seed 2026] [--k 12] [--population P]

Prints, for the self-assessment and the clinic population, the share of runners with no
medical cause who are sent to a professional and, per serious cause, the share given at least
its escalation level (README, "Triage").
"""

from __future__ import annotations

import argparse
import time

from model import load_model
from model.workflows.operating import run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--k", type=int, default=12, help="random answers beyond the warning signs")
    p.add_argument(
        "--population",
        choices=["self_assessment", "clinic"],
        default=None,
        help="one population only (default: both, one after the other)",
    )
    args = p.parse_args()
    for population in [args.population] if args.population else ("self_assessment", "clinic"):
        t = time.perf_counter()
        oc = run(load_model(population), n=args.n, seed=args.seed, k_random=args.k)
        print(oc.table())
        print(f"  levels: {oc.levels.to_dict()}  ({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
