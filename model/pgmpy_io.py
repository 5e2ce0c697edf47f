"""The one module that talks to pgmpy: the network as a pgmpy model, export and re-reading,
sampling, reference queries and the learner's Dirichlet estimator.

The tests check that every exported file reads back to the same probabilities (1e-9 for
pgmpy, 1e-6 for pyAgrum), i.e. that the writers keep full double precision.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .inference.network import Network, Node, divorced

FORMATS = ("bif", "xmlbif", "xdsl", "net")


def _quiet() -> Any:
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore")
    return ctx


def to_pgmpy(net: Network, divorce: bool = True) -> Any:
    """A ``pgmpy.models.DiscreteBayesianNetwork`` with the same distribution.

    With ``divorce`` (the default, and what ``export`` writes) findings with many parents are
    split exactly into helper nodes (see :func:`model.network.divorced`).
    """
    ctx = _quiet()
    try:
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.models import DiscreteBayesianNetwork

        all_nodes: tuple[Node, ...] = divorced(net) if divorce else net.nodes
        nodes = {n.id: n for n in all_nodes}
        model = DiscreteBayesianNetwork()
        model.add_nodes_from([n.id for n in all_nodes])
        model.add_edges_from([(p, n.id) for n in all_nodes for p in n.parents])
        cpds = []
        for n in all_nodes:
            values = np.moveaxis(n.table, -1, 0).reshape(len(n.states), -1)
            state_names = {n.id: list(n.states)}
            for p in n.parents:
                state_names[p] = list(nodes[p].states)
            cpds.append(
                TabularCPD(
                    n.id,
                    len(n.states),
                    values,
                    evidence=list(n.parents) or None,
                    evidence_card=[len(nodes[p].states) for p in n.parents] or None,
                    state_names=state_names,
                )
            )
        model.add_cpds(*cpds)
        return model
    finally:
        ctx.__exit__(None, None, None)


def export(net: Network, fmt: str, path: str | Path) -> Path:
    """Write the network as BIF, XMLBIF, XDSL (GeNIe) or Hugin NET with exact numbers."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    ctx = _quiet()
    try:
        from pgmpy.readwrite import BIFWriter, NETWriter, XDSLWriter, XMLBIFWriter

        model = to_pgmpy(net)
        writer = {"bif": BIFWriter, "xmlbif": XMLBIFWriter, "xdsl": XDSLWriter, "net": NETWriter}[
            fmt
        ](model)
        with np.printoptions(floatmode="unique", threshold=sys.maxsize, linewidth=200):
            writer.write(str(path))
    finally:
        ctx.__exit__(None, None, None)
    return path


def read(path: str | Path, fmt: str) -> Any:
    """Read an exported file back into a pgmpy model."""
    ctx = _quiet()
    try:
        from pgmpy.readwrite import BIFReader, NETReader, XDSLReader, XMLBIFReader

        reader = {"bif": BIFReader, "xmlbif": XMLBIFReader, "xdsl": XDSLReader, "net": NETReader}[
            fmt
        ](str(path))
        return reader.get_model()
    finally:
        ctx.__exit__(None, None, None)


def query_posteriors(model: Any, variables: list[str], evidence: dict[str, str]) -> dict[str, Any]:
    """pgmpy VariableElimination marginals, one query per variable (the reference results)."""
    ctx = _quiet()
    try:
        from pgmpy.inference import VariableElimination

        ve = VariableElimination(model)
        out = {}
        for v in variables:
            f = ve.query([v], evidence=evidence, show_progress=False)
            out[v] = {s: float(f.get_value(**{v: s})) for s in f.state_names[v]}
        return out
    finally:
        ctx.__exit__(None, None, None)


def sample(net: Network, n: int, seed: int, evidence: dict[str, str] | None = None) -> Any:
    """``n`` joint samples of the network (a pandas DataFrame of state names, one column per
    node, helper nodes dropped), by pgmpy's forward sampling or, with ``evidence``, rejection
    sampling (samples that disagree with the evidence are discarded and redrawn)."""
    ctx = _quiet()
    try:
        from pgmpy.factors.discrete import State
        from pgmpy.sampling import BayesianModelSampling

        sampler = BayesianModelSampling(to_pgmpy(net))
        if evidence:
            df = sampler.rejection_sample(
                evidence=[State(k, v) for k, v in evidence.items()],
                size=n,
                seed=seed,
                show_progress=False,
            )
        else:
            df = sampler.forward_sample(size=n, seed=seed, show_progress=False)
        keep = [nd.id for nd in net.nodes]
        return df[keep].reset_index(drop=True)
    finally:
        ctx.__exit__(None, None, None)


def estimate_dirichlet(
    node: str,
    parents: list[str],
    states: Mapping[str, list[str]],
    data: Any,
    pseudo: np.ndarray,
    weighted: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior-mean table and real counts with pgmpy's BayesianEstimator.

    ``pseudo`` has axes (*parents in the given order, node states); the returned table and
    counts have the same axes.
    """
    import logging

    from pgmpy.estimators import BayesianEstimator
    from pgmpy.models import DiscreteBayesianNetwork

    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    dag = DiscreteBayesianNetwork()
    dag.add_node(node)
    dag.add_edges_from([(p, node) for p in parents])
    order = sorted(parents)  # pgmpy orders a node's parents by name
    perm = [parents.index(p) for p in order]
    ps = np.transpose(pseudo, [*perm, len(parents)])
    ps = np.moveaxis(ps, -1, 0).reshape(len(states[node]), -1)
    est = BayesianEstimator(dag, data, state_names={k: list(v) for k, v in states.items()})
    cpd = est.estimate_cpd(node, prior_type="dirichlet", pseudo_counts=ps, weighted=weighted)
    counts = np.asarray(est.state_counts(node, weighted=weighted).values, dtype=float)
    shape = [len(states[node])] + [len(states[p]) for p in order]
    inv = np.argsort(perm)

    def back(a: np.ndarray) -> np.ndarray:
        a = np.moveaxis(np.asarray(a, dtype=float).reshape(shape), 0, -1)
        return np.transpose(a, [*inv, len(parents)])

    return back(cpd.get_values()), back(counts)
