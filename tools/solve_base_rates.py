"""Solve each odds-model base rate so that P(cause | heavy legs = yes, no answers) = target.
Usage (from the repository root): PYTHONPATH=. python tools/solve_base_rates.py [PRIORS_DIR]
Reads each target from the "Solved so that ... = x" text of causes.yaml and rewrites `p`.
It needs no inference engine, so it also works while the engine cannot build the network.

Only risk factors, causes and heavy_legs matter with no answers (other findings sum to 1), so
P(heavy legs = no | risk factors) = (1 - leak) prod_i (1 - P(c_i | r) w_i) is contracted
over the risk factors with einsum. Odds scaling, iterated (CHANGELOG 2).
"""
import re, sys, math
import numpy as np
from model.priors import load_knowledge_base, HEAVY_LEGS
from model.network import cause_table

def shares(kb, pop, rates):
    rf = list(kb.risk_factors)
    letters = {r: chr(ord('a') + i) if i < 26 else chr(ord('A') + i - 26) for i, r in enumerate(rf)}
    hl = next(f for f in kb.findings if f.id == HEAVY_LEGS)
    leak_no = hl.leak[0]
    w = {c: 1 - hl.given[i][0] / leak_no for i, c in enumerate(hl.parents)}  # link strength
    ops, subs = [], []
    for r in rf:
        ops.append(kb.risk_factors[r][1]); subs.append(letters[r])
    pc, fac = {}, {}
    for c in kb.causes:
        t, _ = cause_table(kb, c, pop, rates.get(c.id))
        p1 = t[..., 1]
        pc[c.id] = (p1, ''.join(letters[p] for p in c.parents))
        fac[c.id] = 1 - p1 * w[c.id]
    def contract(extra_ops, extra_subs):
        return float(np.einsum(','.join(subs + extra_subs) + '->', *(ops + extra_ops), optimize='greedy'))
    allf = [fac[c] for c in pc]; alls = [pc[c][1] for c in pc]
    p_h = 1 - leak_no * contract(allf, alls)
    out = {}
    for c in pc:
        p1, s = pc[c]
        marg = contract([p1], [s])
        fs = [fac[d] if d != c else p1 * (1 - w[c]) for d in pc]
        joint_no = leak_no * contract(fs, alls)
        out[c] = (marg - joint_no) / p_h
    return out, p_h

if __name__ == '__main__':
    kb = load_knowledge_base(sys.argv[1] if len(sys.argv) > 1 else None)
    text = open(kb.directory / 'causes.yaml').read()
    targets = {}
    for c in kb.causes:
        if c.table is not None: continue
        for pop in kb.populations:
            m = re.search(rf'^  {c.id}:\n(?:    .*\n)*?      {pop}: {{p: [0-9.e-]+, .*?Solved so that P\(present \| heavy legs, no answers\) = ([0-9.]+)', text, re.M)
            targets[(c.id, pop)] = float(m.group(1))
    new = {}
    for pop in kb.populations:
        rates = {c.id: c.base_rates[pop] for c in kb.causes if c.table is None}
        for it in range(200):
            sh, p_h = shares(kb, pop, rates)
            worst = 0
            for cid in rates:
                t = targets[(cid, pop)]; s = sh[cid]
                worst = max(worst, abs(s - t) / t)
                o = rates[cid] / (1 - rates[cid]) * (t / (1 - t)) / (s / (1 - s))
                rates[cid] = o / (1 + o)
            if worst < 1e-9: break
        sh, p_h = shares(kb, pop, rates)
        print(pop, 'iterations', it, 'P(heavy legs)', round(p_h, 4), 'max rel err', max(abs(sh[c] - targets[(c, pop)]) / targets[(c, pop)] for c in rates))
        for cid, r in rates.items(): new[(cid, pop)] = r
    # write back: 5 significant digits as before
    for (cid, pop), r in new.items():
        pat = re.compile(rf'(^  {cid}:\n(?:    .*\n)*?      {pop}: {{p: )([0-9.e-]+)', re.M)
        text, n = pat.subn(lambda m: m.group(1) + f'{r:.5g}', text, count=1)
        assert n == 1, (cid, pop)
    open(kb.directory / 'causes.yaml', 'w').write(text)
    for (cid, pop), r in sorted(new.items()): print(f'{cid:26s} {pop:16s} {r:.5g}  target {targets[(cid, pop)]}')
