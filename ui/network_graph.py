"""The Bayesian network as Graphviz DOT: causes coloured by posterior, answered nodes marked.

Pure functions (no Streamlit); the workbench passes the DOT text to ``st.graphviz_chart``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from model import Model

# Presentation defaults (kept here as data, not scattered through the code).
STYLE = {
    "risk": {"shape": "box", "fillcolor": "#eef3f8"},
    "cause": {"shape": "ellipse"},
    "finding": {"shape": "note", "fillcolor": "#f6f6f6"},
    "answered_pen": "2.5",
    "answered_color": "#1f4e79",
    "low": (255, 255, 255),
    "high": (214, 39, 40),
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def heat(p: float) -> str:
    """Colour for a probability: white (0) to red (1)."""
    p = min(max(p, 0.0), 1.0)
    lo, hi = STYLE["low"], STYLE["high"]
    r, g, b = (round(a + (b_ - a) * p) for a, b_ in zip(lo, hi, strict=True))  # type: ignore[call-overload]
    return f"#{r:02x}{g:02x}{b:02x}"


def network_dot(model: Model, posteriors: Mapping[str, float], answered: Sequence[str],
                *, only_relevant: bool = False) -> str:
    """DOT text of the network.

    Parameters
    ----------
    posteriors
        P(cause present) per cause id (the fill colour of cause nodes).
    answered
        Question ids with an answer (drawn with a thick dark border).
    only_relevant
        Draw only causes, answered questions and the heavy-legs node.
    """
    answered_set = set(answered)
    nodes = model.network.nodes
    keep = {n.id for n in nodes if not only_relevant or n.kind == "cause"
            or n.id in answered_set or n.id == "heavy_legs"}
    lines = ["digraph heavylegs {", "  rankdir=LR; splines=true; nodesep=0.15; ranksep=1.2;",
             '  node [style=filled, fontname="Helvetica", fontsize=10];',
             '  edge [color="#9aa5b1", arrowsize=0.5];']
    labels = {c.id: c.label for c in model.causes}
    for n in nodes:
        if n.id not in keep:
            continue
        attrs = dict(STYLE.get(n.kind, {}))  # type: ignore[arg-type]
        label = labels.get(n.id, n.id.replace("_", " "))
        if n.kind == "cause":
            p = posteriors.get(n.id, 0.0)
            attrs["fillcolor"] = heat(p)
            label = f"{label}\n{p:.0%}"
        if n.id in answered_set:
            attrs["penwidth"] = STYLE["answered_pen"]  # type: ignore[assignment]
            attrs["color"] = STYLE["answered_color"]  # type: ignore[assignment]
            label = f"{label}\n(answered)"
        body = ", ".join(f"{k}={_quote(str(v))}" for k, v in attrs.items())
        lines.append(f"  {_quote(n.id)} [label={_quote(label)}, {body}];")
    for n in nodes:
        if n.id not in keep:
            continue
        for parent in n.parents:
            if parent in keep:
                lines.append(f"  {_quote(parent)} -> {_quote(n.id)};")
    lines.append("}")
    return "\n".join(lines)
