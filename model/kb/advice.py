"""Advice per cause (``priors/advice.yaml``): what to do and when to see someone, with sources.

Validated against the knowledge base: every cause id must exist and every item must cite keys
of ``references.yaml``. A bad file is refused whole with one line per problem
(:class:`~model.errors.PriorsError`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import PriorsError
from .loader import ADVICE_FILE, _suggest, schema_problems
from .types import KnowledgeBase
from .yamlread import load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ItemSpec(_Strict):
    text: str
    source: str | list[str]

    @field_validator("source")
    @classmethod
    def _not_empty(cls, v: str | list[str]) -> str | list[str]:
        if not v or (isinstance(v, list) and not all(isinstance(k, str) and k for k in v)):
            raise ValueError("no source: give `source: <key of references.yaml>` (or a list)")
        return v

    @field_validator("text")
    @classmethod
    def _has_text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("empty text: write the advice in plain words")
        return v


class _CauseSpec(_Strict):
    summary: str
    tips: list[_ItemSpec]
    see_someone: _ItemSpec


class _AdviceFile(_Strict):
    general: list[_ItemSpec]
    advice: dict[str, _CauseSpec]


@dataclass(frozen=True)
class AdviceItem:
    """One piece of advice and the reference keys it rests on."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CauseAdvice:
    """What to do about one cause, and when to see someone."""

    cause: str
    summary: str
    tips: tuple[AdviceItem, ...]
    see_someone: AdviceItem


@dataclass(frozen=True)
class Advice:
    """All advice: general prevention tips and one entry per cause."""

    general: tuple[AdviceItem, ...]
    causes: Mapping[str, CauseAdvice]

    def for_cause(self, cause: str) -> CauseAdvice | None:
        return self.causes.get(cause)


def _item(spec: _ItemSpec) -> AdviceItem:
    keys = (spec.source,) if isinstance(spec.source, str) else tuple(spec.source)
    return AdviceItem(spec.text.strip(), keys)


def load_advice(kb: KnowledgeBase, path: str | Path | None = None) -> Advice:
    """The knowledge base's advice; or ``path`` read and validated against ``kb``.

    Raises
    ------
    PriorsError
        One line per problem (see :func:`read_advice`), or when there is no advice file.
    """
    if path is None and kb.advice is not None:
        return kb.advice
    path = Path(path) if path is not None else kb.directory / ADVICE_FILE
    return read_advice(path, [c.id for c in kb.causes], kb.references)


def _parse(path: Path) -> _AdviceFile:
    name = path.name
    if not path.is_file():
        raise PriorsError(
            [
                f"{name}: file is missing from {path.parent}; restore it from the "
                "repository's priors/"
            ]
        )
    try:
        raw = load_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None)
        raise PriorsError(
            [f"{name}: not valid YAML{where}" + (f": {what}" if what else "") + "; fix it there"]
        ) from None
    except ValueError as exc:  # too large, not UTF-8, nested too deeply
        raise PriorsError([f"{name}: {exc}"]) from None
    except OSError as exc:
        reason = exc.strerror or exc
        raise PriorsError([f"{name}: cannot be read ({reason}); check the file"]) from None
    try:
        return _AdviceFile.model_validate(raw)
    except ValidationError as exc:
        raise PriorsError(schema_problems(name, raw, exc)) from None


def read_advice(
    path: Path,
    cause_ids: Sequence[str],
    refs: Mapping[str, Any],
    unused: Sequence[str] = (),
) -> Advice:
    """Read and validate an advice file against the causes and references of a knowledge base.
    Entries for the causes in ``unused`` (contract causes a small network leaves out, with
    ``require_contract=False``) are skipped.

    Raises
    ------
    PriorsError
        One line per problem: unreadable YAML, unknown or missing keys, an unknown cause id,
        a missing source, a source key not in ``references.yaml``, a cause without advice.
    """
    name = path.name
    spec = _parse(path)
    problems: list[str] = []

    def check(where: str, item: _ItemSpec) -> None:
        for k in _item(item).sources:
            if k not in refs:
                problems.append(
                    f"{name}: {where}: source {k!r} is not in references.yaml"
                    f"{_suggest(k, refs)}; add it there or correct the key"
                )

    for i, item in enumerate(spec.general):
        check(f"general.{i}", item)
    for cid, cspec in spec.advice.items():
        if cid in unused and cid not in cause_ids:
            continue
        if cid not in cause_ids:
            problems.append(
                f"{name}: advice.{cid}: unknown cause id{_suggest(cid, cause_ids)}; "
                f"use one of the cause ids of causes.yaml"
            )
            continue
        for i, item in enumerate(cspec.tips):
            check(f"advice.{cid}.tips.{i}", item)
        check(f"advice.{cid}.see_someone", cspec.see_someone)
    for cid in cause_ids:
        if cid not in spec.advice:
            problems.append(
                f"{name}: advice: no entry for cause {cid!r}; add summary, tips "
                "and see_someone for it"
            )
    if problems:
        raise PriorsError(problems)
    causes = {
        cid: CauseAdvice(
            cid, c.summary.strip(), tuple(_item(t) for t in c.tips), _item(c.see_someone)
        )
        for cid, c in spec.advice.items()
        if cid in cause_ids
    }
    return Advice(tuple(_item(g) for g in spec.general), MappingProxyType(causes))


__all__ = ["ADVICE_FILE", "Advice", "AdviceItem", "CauseAdvice", "load_advice", "read_advice"]
