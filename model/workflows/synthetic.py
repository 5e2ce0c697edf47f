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

PRIORS = Path(__file__).resolve().parents[1] / "priors"


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
    return out


def clone_ids(n_causes: int) -> list[str]:  # pragma: no cover - documentation helper
    """The ids of the causes of ``clone_priors(n_causes)`` (read back from a fresh copy)."""
    d = clone_priors(n_causes)
    try:
        return list(yaml.safe_load((d / "causes.yaml").read_text())["causes"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


__all__ = ["HEAVY_LEGS", "clone_priors"]
