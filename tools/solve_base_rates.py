"""Solve each odds-model base rate so that P(cause | heavy legs = yes, no answers) = target.

Usage (from the repository root): ``PYTHONPATH=. python tools/solve_base_rates.py [PRIORS_DIR]``.
Reads each target from the "Solved so that ... = x" text of causes.yaml and rewrites `p`
(CHANGELOG 2 and 4). It needs no inference engine.

With no answers only the risk factors, the causes and heavy_legs matter (the other findings
sum to 1), so P(heavy legs = no | risk factors) = (1 - leak) prod_i (1 - P(c_i | r) w_i), with
w_i the link strength of cause i, is contracted over the risk factors with einsum. The base
rates are then moved by odds scaling until every share meets its target.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np

from model.inference.network import cause_table
from model.kb import HEAVY_LEGS, KnowledgeBase, load_knowledge_base

TARGET = r"Solved so that P\(present \| heavy legs, no answers\) = ([0-9.]+)"


def shares(
    kb: KnowledgeBase, population: str, rates: dict[str, float]
) -> tuple[dict[str, float], float]:
    """P(cause present | heavy legs = yes) for every cause, and P(heavy legs = yes)."""
    letters = {r: chr(ord("a") + i) if i < 26 else chr(ord("A") + i - 26)
               for i, r in enumerate(kb.risk_factors)}
    heavy = next(f for f in kb.findings if f.id == HEAVY_LEGS)
    leak_no = heavy.leak[0]
    strength = {c: 1 - heavy.given[i][0] / leak_no for i, c in enumerate(heavy.parents)}
    ops: list[Any] = [kb.risk_factors[r][1] for r in kb.risk_factors]
    subs = [letters[r] for r in kb.risk_factors]
    present: dict[str, tuple[np.ndarray, str]] = {}
    factor: dict[str, np.ndarray] = {}
    for c in kb.causes:
        table, _ = cause_table(kb, c, population, rates.get(c.id))
        p1 = table[..., 1]
        present[c.id] = (p1, "".join(letters[p] for p in c.parents))
        factor[c.id] = 1 - p1 * strength[c.id]

    def total(extra: list[np.ndarray], extra_subs: list[str]) -> float:
        spec = ",".join(subs + extra_subs) + "->"
        return float(np.einsum(spec, *(ops + extra), optimize="greedy"))

    all_subs = [s for _, s in present.values()]
    p_heavy = 1 - leak_no * total(list(factor.values()), all_subs)
    out = {}
    for cid, (p1, s) in present.items():
        marginal = total([p1], [s])
        fs = [factor[d] if d != cid else p1 * (1 - strength[cid]) for d in present]
        out[cid] = (marginal - leak_no * total(fs, all_subs)) / p_heavy
    return out, p_heavy


def targets_of(kb: KnowledgeBase, text: str) -> dict[tuple[str, str], float]:
    out = {}
    for c in kb.causes:
        if c.table is not None:
            continue
        for pop in kb.populations:
            m = re.search(
                rf"^  {c.id}:\n(?:    .*\n)*?      {pop}: {{p: [0-9.e-]+, .*?{TARGET}", text, re.M
            )
            if m is None:
                raise SystemExit(f"causes.yaml: {c.id}.base_rate.{pop}: no 'Solved so that' text")
            out[(c.id, pop)] = float(m.group(1))
    return out


def main(directory: str | None = None) -> None:
    kb = load_knowledge_base(directory)
    path = kb.directory / "causes.yaml"
    text = path.read_text(encoding="utf-8")
    targets = targets_of(kb, text)
    solved: dict[tuple[str, str], float] = {}
    for pop in kb.populations:
        rates = {c.id: c.base_rates[pop] for c in kb.causes if c.table is None}
        for _ in range(500):
            share, p_heavy = shares(kb, pop, rates)
            worst = max(abs(share[c] - targets[(c, pop)]) / targets[(c, pop)] for c in rates)
            if worst < 1e-9:
                break
            for cid in rates:
                t, s = targets[(cid, pop)], share[cid]
                odds = rates[cid] / (1 - rates[cid]) * (t / (1 - t)) / (s / (1 - s))
                rates[cid] = odds / (1 + odds)
        print(f"{pop}: P(heavy legs) {p_heavy:.4f}, largest relative error {worst:.1e}")
        solved.update({(cid, pop): r for cid, r in rates.items()})
    for (cid, pop), r in solved.items():
        pattern = re.compile(rf"(^  {cid}:\n(?:    .*\n)*?      {pop}: {{p: )([0-9.e-]+)", re.M)
        text, n = pattern.subn(lambda m, r=r: m.group(1) + f"{r:.5g}", text, count=1)
        assert n == 1, (cid, pop)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
