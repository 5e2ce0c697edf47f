"""Larger synthetic networks for the growth benchmark and the tests (issue 12).

``clone_priors(n_causes, out_dir)`` writes a copy of ``priors/`` with extra causes that are
clones of the medical causes, taken in turn: the same group, base rates, odds ratios (so the
same risk-factor parents) and the same links to the same findings, under a new id
``<cause>_c<k>``. Heavy legs and every shared finding gain parents as a fuller differential
would. The result loads with ``load_model(priors_dir=out_dir)`` (the contract's cause list
is a minimum). Nothing here is medical knowledge: the clones only exercise the engine.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from ..kb import HEAVY_LEGS

PRIORS = Path(__file__).resolve().parents[2] / "priors"


def clone_priors(
    n_causes: int, out_dir: str | Path | None = None, priors: str | Path = PRIORS
) -> Path:
    """A priors directory with ``n_causes`` causes (the originals plus medical clones)."""
    src = Path(priors)
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="hl-synth-"))
    out.mkdir(parents=True, exist_ok=True)
    for p in src.glob("*.yaml"):
        shutil.copy(p, out / p.name)
    for p in src.glob("*.md"):
        shutil.copy(p, out / p.name)
    causes: dict[str, Any] = yaml.safe_load((src / "causes.yaml").read_text())
    findings: dict[str, Any] = yaml.safe_load((src / "findings.yaml").read_text())
    have = list(causes["causes"])
    medical = [c for c in have if causes["causes"][c].get("group") == "medical"]
    extra = n_causes - len(have)
    if extra < 0:
        raise ValueError(f"the priors already have {len(have)} causes")
    for k in range(extra):
        orig = medical[k % len(medical)]
        new = f"{orig}_c{k // len(medical) + 1}"
        spec = yaml.safe_load(yaml.safe_dump(causes["causes"][orig]))
        spec["label"] = f"{spec.get('label', orig)} (synthetic clone {k // len(medical) + 1})"
        causes["causes"][new] = spec
        for f in findings["findings"].values():
            links = f.get("links") or {}
            if orig in links:
                links[new] = yaml.safe_load(yaml.safe_dump(links[orig]))
    (out / "causes.yaml").write_text(yaml.safe_dump(causes, sort_keys=False, allow_unicode=True))
    (out / "findings.yaml").write_text(
        yaml.safe_dump(findings, sort_keys=False, allow_unicode=True)
    )
    advice: dict[str, Any] = yaml.safe_load((src / "advice.yaml").read_text())
    for cid in list(causes["causes"])[len(have) :]:
        advice["advice"][cid] = advice["advice"][cid.rsplit("_c", 1)[0]]
    (out / "advice.yaml").write_text(yaml.safe_dump(advice, sort_keys=False, allow_unicode=True))
    return out


def subset_priors(
    keep: list[str] | tuple[str, ...],
    out_dir: str | Path | None = None,
    priors: str | Path = PRIORS,
) -> Path:
    """A priors directory with only the causes in ``keep``: the others, their links, their
    escalation rows and work-ups, advice and mentions in the triage rules' ``about`` lists
    are dropped.
    It loads with ``load_knowledge_base(out_dir, require_contract=False)``; the tests use it
    to keep a network within the hypercube engine's reach (at most 20 causes)."""
    src = Path(priors)
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="hl-subset-"))
    out.mkdir(parents=True, exist_ok=True)
    for p in [*src.glob("*.yaml"), *src.glob("*.md")]:
        shutil.copy(p, out / p.name)
    kept = set(keep)

    def edit(name: str, change: Any) -> None:
        data = yaml.safe_load((src / name).read_text())
        change(data)
        (out / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    def causes(d: dict[str, Any]) -> None:
        d["causes"] = {c: v for c, v in d["causes"].items() if c in kept}

    def findings(d: dict[str, Any]) -> None:
        for f in d["findings"].values():
            f["links"] = {c: v for c, v in (f.get("links") or {}).items() if c in kept}

    def triage(d: dict[str, Any]) -> None:
        d["escalation"] = [r for r in d.get("escalation", []) if r["cause"] in kept]
        if "worked_up" in d:
            d["worked_up"] = [w for w in d["worked_up"] if w["cause"] in kept]
        for key in ("red_flags", "amber_flags"):
            for rule in d.get(key, []):
                if "about" in rule:
                    rule["about"] = [c for c in rule["about"] if c in kept]

    def advice(d: dict[str, Any]) -> None:
        d["advice"] = {c: v for c, v in d["advice"].items() if c in kept}

    edit("causes.yaml", causes)
    edit("findings.yaml", findings)
    # risk factors no kept cause uses go, with their questions and the rules that ask them
    kept_causes = yaml.safe_load((out / "causes.yaml").read_text())["causes"]
    used = set()
    for spec in kept_causes.values():
        table = spec.get("table") or {}
        used |= set(spec.get("odds_ratios") or {})
        used |= {table["parent"]} if "parent" in table else set()
    rf = yaml.safe_load((src / "risk_factors.yaml").read_text())
    gone = {r for r in rf["risk_factors"] if r not in used}
    rf["risk_factors"] = {r: v for r, v in rf["risk_factors"].items() if r not in gone}
    (out / "risk_factors.yaml").write_text(yaml.safe_dump(rf, sort_keys=False, allow_unicode=True))

    def questions(d: dict[str, Any]) -> None:
        d["questions"] = [q for q in d["questions"] if q["id"] not in gone]
        for q in d["questions"]:  # a condition on a question that went goes with it
            if "applies_to" in q:
                q["applies_to"] = {k: v for k, v in q["applies_to"].items() if k not in gone}
                if not q["applies_to"]:
                    del q["applies_to"]

    def asks_gone(rule: dict[str, Any]) -> bool:
        parts = [rule.get("all") or {}, *(rule.get("any") or [])]
        return any(set(p) & gone for p in parts)

    def rules(d: dict[str, Any]) -> None:
        triage(d)
        for key in ("red_flags", "amber_flags"):
            d[key] = [r for r in d.get(key, []) if not asks_gone(r)]

    edit("questions.yaml", questions)
    edit("triage.yaml", rules)
    edit("advice.yaml", advice)
    return out


def subset_model(
    keep: list[str] | tuple[str, ...],
    out_dir: str | Path | None = None,
    population: str = "self_assessment",
) -> Any:
    """The model of ``subset_priors(keep, out_dir)`` (a :class:`model.api.Model` for
    ``population``; the contract's cause list is not required)."""
    from ..api import Model
    from ..kb import load_knowledge_base

    d = subset_priors(keep, out_dir)
    return Model(load_knowledge_base(d, require_contract=False), population)


def clone_ids(n_causes: int) -> list[str]:  # pragma: no cover - documentation helper
    """The ids of the causes of ``clone_priors(n_causes)`` (read back from a fresh copy)."""
    d = clone_priors(n_causes)
    try:
        return list(yaml.safe_load((d / "causes.yaml").read_text())["causes"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


__all__ = ["HEAVY_LEGS", "clone_priors", "subset_model", "subset_priors"]
