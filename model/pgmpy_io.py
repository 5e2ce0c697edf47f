"""The one module that talks to pgmpy: the network as a pgmpy model, export and re-reading.

pgmpy's writers round probabilities, so after writing we put the exact values back: every
number in an exported file is written with ``repr`` (17 significant digits, lossless).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .network import Network

FORMATS = ("bif", "xmlbif", "xdsl", "net")


def _quiet() -> Any:
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore")
    return ctx


def to_pgmpy(net: Network) -> Any:
    """A ``pgmpy.models.DiscreteBayesianNetwork`` with the same tables."""
    ctx = _quiet()
    try:
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.models import DiscreteBayesianNetwork

        nodes = net.node_map
        model = DiscreteBayesianNetwork()
        model.add_nodes_from([n.id for n in net.nodes])
        model.add_edges_from([(p, n.id) for n in net.nodes for p in n.parents])
        cpds = []
        for n in net.nodes:
            values = np.moveaxis(n.table, -1, 0).reshape(len(n.states), -1)
            state_names = {n.id: list(n.states)}
            for p in n.parents:
                state_names[p] = list(nodes[p].states)
            cpds.append(TabularCPD(
                n.id, len(n.states), values,
                evidence=list(n.parents) or None,
                evidence_card=[len(nodes[p].states) for p in n.parents] or None,
                state_names=state_names,
            ))
        model.add_cpds(*cpds)
        return model
    finally:
        ctx.__exit__(None, None, None)


def _numbers_exact(text: str, net: Network, fmt: str) -> str:
    """Replace each table's numbers by their exact ``repr``, in the writer's order."""
    nodes = net.node_map
    if fmt == "bif":
        def fix(m: re.Match[str]) -> str:
            node = m.group(1)
            vals = np.moveaxis(nodes[node].table, -1, 0).reshape(len(nodes[node].states), -1)
            flat = " ".join(repr(float(x)) for x in vals.T.reshape(-1))
            return f"{m.group(0).split('table')[0]}table {flat} ;"
        return re.sub(r"probability \( (\w+)[^)]*\) \{\s*table [^;]*;", fix, text)
    if fmt == "xmlbif":
        def fix_x(m: re.Match[str]) -> str:
            node = m.group(2)
            vals = np.moveaxis(nodes[node].table, -1, 0).reshape(len(nodes[node].states), -1)
            flat = " ".join(repr(float(x)) for x in vals.T.reshape(-1))
            return m.group(1) + re.sub(r"<TABLE>[^<]*</TABLE>", f"<TABLE>{flat}</TABLE>",
                                       m.group(3))
        return re.sub(r"(<DEFINITION>\s*<FOR>)(\w+)(</FOR>.*?</DEFINITION>)", fix_x, text,
                      flags=re.S)
    if fmt == "xdsl":
        def fix_d(m: re.Match[str]) -> str:
            node = m.group(1)
            vals = np.moveaxis(nodes[node].table, -1, 0).reshape(len(nodes[node].states), -1)
            flat = " ".join(repr(float(x)) for x in vals.T.reshape(-1))
            return re.sub(r"<probabilities>[^<]*</probabilities>",
                          f"<probabilities>{flat}</probabilities>", m.group(0))
        return re.sub(r'<cpt id="(\w+)">.*?</cpt>', fix_d, text, flags=re.S)
    return text


def export(net: Network, fmt: str, path: str | Path) -> Path:
    """Write the network as BIF, XMLBIF, XDSL (GeNIe) or Hugin NET with exact numbers."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    ctx = _quiet()
    try:
        from pgmpy.readwrite import BIFWriter, NETWriter, XDSLWriter, XMLBIFWriter

        model = to_pgmpy(net)
        writer = {"bif": BIFWriter, "xmlbif": XMLBIFWriter, "xdsl": XDSLWriter,
                  "net": NETWriter}[fmt](model)
        text = str(writer)
    finally:
        ctx.__exit__(None, None, None)
    path.write_text(_numbers_exact(text, net, fmt), encoding="utf-8")
    return path


def read(path: str | Path, fmt: str) -> Any:
    """Read an exported file back into a pgmpy model."""
    ctx = _quiet()
    try:
        from pgmpy.readwrite import BIFReader, NETReader, XDSLReader, XMLBIFReader

        reader = {"bif": BIFReader, "xmlbif": XMLBIFReader, "xdsl": XDSLReader,
                  "net": NETReader}[fmt](str(path))
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
