"""The Bayesian network as an interactive Altair chart (Streamlit's own chart element with a
click selection; no hand-written JavaScript): risk factors on the left, causes in the middle
coloured by their probability, findings on the right; answered nodes ringed and showing the
answer. ``node_table`` gives a node's numbers and sources.

Pure functions (no Streamlit); the workbench draws the chart and reads the click.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from model import POPULATION_TITLES, Model, cause_name, inline_label, short_name

from . import units

# Presentation defaults (kept here as data, not scattered through the code).
STYLE = {
    "risk": "#e3ecf5",
    "finding": "#eeeeee",
    "answered_stroke": "#1f4e79",
    "stroke": "#6b7785",
    "edge": "#b8c2cc",
    "low": (255, 255, 255),
    "high": (214, 39, 40),
    "row": 22,  # pixels per node in the tallest column
}
COLUMN = {"risk": 0.0, "cause": 1.0, "finding": 2.0}
NAME_CHARS = 44


def heat(p: float) -> str:
    """Colour for a probability: white (0) to red (1)."""
    p = min(max(p, 0.0), 1.0)
    lo, hi = STYLE["low"], STYLE["high"]
    r, g, b = (round(a + (b_ - a) * p) for a, b_ in zip(lo, hi, strict=True))  # type: ignore[call-overload]
    return f"#{r:02x}{g:02x}{b:02x}"


def node_name(model: Model, node: str) -> str:
    """A short readable name: the cause's label (without a long label's aside), the
    question's label or its text."""
    if node in model.cause_map:
        return cause_name(str(model.cause_map[node].label))
    q = model.question_map.get(node)
    if q is None:
        return node.replace("_", " ")
    return short_name(q.label or q.text, NAME_CHARS)


def network_frames(model: Model, posteriors: Mapping[str, float], answers: Mapping[str, Any],
                   *, only_relevant: bool = False,
                   system: str = "metric") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, edges) with positions: x = column (risk, cause, finding), y = row."""
    nodes = model.network.nodes
    keep = [n for n in nodes if not only_relevant or n.kind == "cause" or n.id in answers
            or n.id == "heavy_legs"]
    by_kind: dict[str, list[Any]] = {}
    for n in keep:
        by_kind.setdefault(n.kind, []).append(n)
    tallest = max(len(v) for v in by_kind.values())
    rows = []
    for kind, members in by_kind.items():
        for i, n in enumerate(members):
            y = (i + 0.5) * tallest / len(members)
            name = node_name(model, n.id)
            q = model.question_map.get(n.id)
            if n.kind == "cause":
                p = posteriors.get(n.id, 0.0)
                label, fill = f"{name} {p:.1%}", heat(p)  # as the result table
            else:
                label, fill = name, STYLE[n.kind] if n.kind in STYLE else STYLE["finding"]
            answered = n.id in answers and q is not None
            if answered and q is not None:
                label = f"{name}: {units.label(q, answers[n.id], system)}"
            rows.append({"id": n.id, "kind": kind, "x": COLUMN.get(kind, 2.0), "y": y,
                         "label": label, "fill": fill, "answered": answered,
                         "stroke": STYLE["answered_stroke"] if answered else STYLE["stroke"],
                         "width": 3.0 if answered else 1.0})
    nf = pd.DataFrame(rows)
    pos = {r["id"]: (r["x"], r["y"]) for r in rows}
    edges = [{"x": pos[p][0], "y": pos[p][1], "x2": pos[n.id][0], "y2": pos[n.id][1]}
             for n in keep for p in n.parents if p in pos]
    return nf, pd.DataFrame(edges, columns=["x", "y", "x2", "y2"])


def network_chart(model: Model, posteriors: Mapping[str, float], answers: Mapping[str, Any],
                  *, only_relevant: bool = False, system: str = "metric") -> alt.LayerChart:
    """The network with a click selection named ``node`` (field ``id``); number answers in
    the page's units (``system``)."""
    nf, ef = network_frames(model, posteriors, answers, only_relevant=only_relevant,
                            system=system)
    tallest = float(nf["y"].max() + 0.5) if len(nf) else 1.0
    xs = alt.Scale(domain=[-0.05, 2.95], nice=False)
    ys = alt.Scale(domain=[0, tallest], reverse=True, nice=False)
    axis_x = alt.X("x:Q", scale=xs, axis=None)
    axis_y = alt.Y("y:Q", scale=ys, axis=None)
    edges = alt.Chart(ef).mark_rule(color=STYLE["edge"], strokeWidth=0.8, opacity=0.6).encode(
        x=axis_x, y=axis_y, x2="x2:Q", y2="y2:Q")
    pick = alt.selection_point(name="node", fields=["id"], on="click", clear="dblclick")
    points = alt.Chart(nf).mark_circle(size=260, opacity=1).encode(
        x=axis_x, y=axis_y,
        color=alt.Color("fill:N", scale=None),
        stroke=alt.Stroke("stroke:N", scale=None),
        strokeWidth=alt.StrokeWidth("width:Q", scale=None),
        tooltip=[alt.Tooltip("label:N", title="node"), alt.Tooltip("kind:N")],
    ).add_params(pick)
    labels = alt.Chart(nf).mark_text(align="left", dx=11, fontSize=11, color="#1b1b1b").encode(
        x=axis_x, y=axis_y, text="label:N")
    height = int(STYLE["row"] * tallest) + 20  # type: ignore[operator]
    return (edges + points + labels).properties(height=height).configure_view(stroke=None)


def entry_words(model: Model, where: str, node: str | None = None, brief: bool = False) -> str:
    """A number's key in priors/ in the physio's words: "links.cecs" -> "Link to chronic
    exertional compartment syndrome", "odds_ratios.age.30_39" -> "Odds ratio: age 30-39";
    one state's chance of a finding with several ("links.cecs.probs.minutes", the finding
    ``node``) ends with that answer, so two of its numbers never read the same."""
    parts = where.split(".")
    state = ""
    if "probs" in parts:
        i = parts.index("probs")
        if i + 1 < len(parts):
            q = model.question_map.get(node or "")
            raw = parts[i + 1]
            state = f": answer \u201c{q.state_label(raw) if q else raw.replace('_', ' ')}\u201d"
        where = ".".join(parts[:i])
    head, _, rest = where.partition(".")
    if head == "links":  # ``brief``: a table whose column help says the rest
        cause = model.cause_map.get(rest)
        name = inline_label(cause_name(cause.label) if brief else cause.label) if cause else \
            rest.replace("_", " ")
        return f"Link to {name}{'' if brief else ' (if only it is present)'}{state}"
    if head == "leak":
        what = "" if brief else " (with none of the model's causes present)"
        return f"Leak{what}{state}"
    if head == "base_rate":
        title = POPULATION_TITLES.get(rest, rest.replace("_", " "))
        return f"Base rate ({title[:1].lower() + title[1:]})"
    if head == "table":  # a cause given as a table over one risk factor (medication)
        # "table.p_present.statin": its parent's answer in words (a physio walk read
        # "chance of the cause with p present.statin")
        cause = model.cause_map.get(node or "")
        parent = model.question_map.get(cause.parents[0]) if cause and cause.parents else None
        answer = rest.rpartition(".")[2]
        if parent is not None:
            return (f"Chance of the cause with {parent.label or parent.id.replace('_', ' ')}: "
                    f"\u201c{parent.state_label(answer)}\u201d")
        return f"Chance of the cause with {answer.replace('_', ' ')}"
    if head == "odds_ratios":
        parent, _, state = rest.partition(".")
        q = model.question_map.get(parent)
        name = (q.label or parent.replace("_", " ")) if q else parent.replace("_", " ")
        shown = q.state_label(state) if q else state.replace("_", " ")
        return f"Odds ratio: {name} {shown}"
    return where.replace("_", " ").capitalize()


def value_words(where: str, value: Any) -> str:
    """A number as the rest of the page shows it: probabilities in % (base rates, links and
    leaks), odds ratios as a factor."""
    if value is None:
        return ""
    if not isinstance(value, float | int) or isinstance(value, bool):
        return str(value)
    if where.startswith("odds_ratios."):
        return f"×{value:.3g}"
    if where.startswith(("links.", "leak", "base_rate.", "table.")):
        return f"{100 * value:.3g}%"
    return f"{value:.3g}"


def node_table(model: Model, node: str) -> pd.DataFrame:
    """A node's numbers with their sources (reference keys in short form) and reasons."""
    from .common import sources_text

    kb = model.kb
    entries: dict[str, Any] = {}
    for x in (*kb.causes, *kb.findings):
        if x.id == node:
            entries = dict(x.sources)
    if node in kb.risk_sources:
        entries = {"distribution": kb.risk_sources[node]}
    rows = []
    for where, cited in entries.items():
        value = getattr(cited, "p", None)
        if value is None:
            value = getattr(cited, "value", None)
        if value is None and getattr(cited, "probs", None):  # one chance per state, in %
            q = model.question_map.get(node)
            value = ", ".join(
                f"{q.state_label(k) if q else k.replace('_', ' ')} {100 * v:.3g}%"
                for k, v in cited.probs.items()
            )
        shown = value_words(where, value)
        if where == f"base_rate.{model.population}" and node in model.base_rates:
            # a base rate changed on the page: the number in use, and the priors' own
            shown = (f"{value_words(where, model.base_rates[node])} (changed on this page; "
                     f"the priors say {shown})")
        rows.append({"entry": entry_words(model, where, node, brief=True),
                     "value": shown,
                     "source": sources_text(model, cited.source_keys) or "estimate",
                     "reason": reason_words(model, cited.estimate or cited.note or "")})
    return pd.DataFrame(rows, columns=["entry", "value", "source", "reason"])


_REF = re.compile(r"\[([A-Za-z][\w-]*)\]")
_ESTIMATE = re.compile(r"\(E\)|\bE split\b|\(E [a-z]+\)|\(E;")


def reason_words(model: Model, text: str) -> str:
    """A number's reason as a physio reads it: a reference key in brackets by its author and
    year ("[R106]" -> "[Akkersdijk 1995]"), the estimate mark in words ("(E)" -> "(an
    estimate)"): a physio walk found the project's own shorthand on the node panel."""
    from .common import sources_text

    def ref(m: re.Match[str]) -> str:
        key = m.group(1)
        return f"[{sources_text(model, [key])}]" if key in model.kb.references else m.group(0)

    def est(m: re.Match[str]) -> str:
        got = m.group(0)
        if got == "(E)":
            return "(an estimate)"
        if got == "(E;":
            return "(an estimate;"
        if got.startswith("(E "):
            return f"(an estimated {got[3:-1]})"
        return "an estimated split"

    # "[Schep 1999][Kim 2009]" as one bracket: "[Schep 1999; Kim 2009]"
    out = _ESTIMATE.sub(est, _REF.sub(ref, text)).replace("][", "; ")
    # the project's own notation in words (a physio walk: "Solved so that P(present | heavy
    # legs, no answers) = 0.002, clinical.md's PAES row unchanged (brief §2b)")
    for pattern, words in _PLAIN:
        out = pattern.sub(words, out)
    return out


_PLAIN = (
    (re.compile(r"P\(present \| heavy legs, no answers\)"),
     "the chance among runners with heavy legs before any answer"),
    (re.compile(r"P\((?:cause|present) \| heavy legs\)"),
     "the chance among runners with heavy legs"),
    (re.compile(r"\bbrief (?:clinical(?:-v2)?\.md )?§\s?[\w.-]*[\w]"), "the clinical brief"),
    (re.compile(r"\bclinical(?:-v2)?\.md(?: §\s?[\w.-]*[\w])?"), "the clinical brief"),
)
