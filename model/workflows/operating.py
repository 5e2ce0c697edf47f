"""Operating characteristics of the triage on runners sampled from the model itself.

Runners with heavy legs are drawn from the network (pgmpy rejection sampling, as for the
calibration). Each answers the warning-sign screen (the questions that fire a red flag on
their own, as the app asks them first) and ``k`` other questions drawn at random (the app's
questionnaire usually stops after 10-12); the answers go through the public path and the
triage rules. Reported, per population:

- among runners with **no medical cause present**: the share sent to a professional
  (``see_doctor`` or higher): the cost of false alarms (goal at most 10 %);
- among runners with a **serious cause present** (``dvt``, ``rhabdomyolysis``,
  ``heart_condition``, the arterial causes, where the network has them): the share given at
  least that cause's escalation level (goal at least 95 %).

Each runner's level comes from ``Model.assess``: the same triage as ``diagnose``, the
outside-the-model checks (conflict, no cause explaining the answers) included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..api import Model
from ..reasoning.triage import LEVELS, escalations, first_screen_questions
from .calibration import synthetic_runners, value_for_state

SERIOUS = (
    "dvt",
    "rhabdomyolysis",
    "heart_condition",
    "pad",
    "iliac_flow_limitation",
    "popliteal_entrapment",
)


@dataclass(frozen=True)
class SeriousRow:
    cause: str
    level: str
    present: int
    at_level: int
    sign_level: str = ""  # the row's ``without_sign`` level, where it has one
    at_sign_level: int = 0  # runners with the cause given at least that level

    @property
    def share(self) -> float:
        return self.at_level / self.present if self.present else float("nan")


@dataclass(frozen=True)
class OperatingCharacteristics:
    population: str
    n: int
    k_random: int
    no_medical: int
    no_medical_referred: int
    serious: tuple[SeriousRow, ...]
    levels: pd.Series  # count of runners per level

    @property
    def false_alarm_share(self) -> float:
        return self.no_medical_referred / self.no_medical if self.no_medical else float("nan")

    def table(self) -> str:
        lines = [
            f"population {self.population}: {self.n} runners, warning signs + {self.k_random} "
            "random answers",
            f"  no medical cause present: {self.no_medical}, sent to a professional "
            f"{self.no_medical_referred} ({self.false_alarm_share:.1%})",
        ]
        for r in self.serious:
            line = (
                f"  {r.cause} present: {r.present}, given at least {r.level}: {r.at_level} "
                f"({r.share:.1%})"
            )
            if r.sign_level and r.present:
                line += (
                    f"; at least {r.sign_level} (its level without a sign): {r.at_sign_level} "
                    f"({r.at_sign_level / r.present:.1%})"
                )
            lines.append(line)
        return "\n".join(lines)


def sample_answers(
    model: Model, runners: pd.DataFrame, k_random: int, seed: int
) -> list[dict[str, Any]]:
    """Each runner's answers: the warning-sign screen plus ``k_random`` other questions."""
    rng = np.random.default_rng(seed)
    qmap = model.question_map
    signs = [q for q in first_screen_questions(model.kb) if q in runners.columns]
    others = [q.id for q in model.questions if q.id not in signs and q.id in runners.columns]
    out = []
    for row in runners.itertuples(index=False):
        values = row._asdict()
        chosen = list(signs) + list(rng.choice(others, size=k_random, replace=False))
        out.append({q: value_for_state(qmap[q], values[q]) for q in chosen})
    return out


def levels_for(model: Model, answers: Sequence[dict[str, Any]]) -> list[str]:
    """The triage level of each answer set, as the diagnosis gives it (the point
    probabilities of the exact posterior, the red flags and the outside-the-model check)."""
    return [model.assess(a).triage.level for a in answers]


def run(
    model: Model, n: int = 10_000, seed: int = 2026, k_random: int = 12
) -> OperatingCharacteristics:
    """Sample ``n`` runners of ``model``'s population and measure the triage on them."""
    runners = synthetic_runners(model, n, seed)
    levels = levels_for(model, sample_answers(model, runners, k_random, seed))
    lv = np.array([LEVELS.index(x) for x in levels])
    medical = [c.id for c in model.causes if c.group == "medical"]
    present = runners[medical].to_numpy() == "present"
    none = ~present.any(axis=1)
    rows = []
    esc = {e.cause: e for e in escalations(model.kb)}
    for cause in SERIOUS:
        if cause not in runners.columns or cause not in esc:
            continue
        has = runners[cause].to_numpy() == "present"
        e = esc[cause]
        need = LEVELS.index(e.level)
        lower = e.without_sign.level if e.without_sign else ""
        at_lower = int((lv[has] >= LEVELS.index(lower)).sum()) if lower else 0
        rows.append(
            SeriousRow(
                cause, e.level, int(has.sum()), int((lv[has] >= need).sum()), lower, at_lower
            )
        )
    return OperatingCharacteristics(
        population=model.population,
        n=n,
        k_random=k_random,
        no_medical=int(none.sum()),
        no_medical_referred=int((lv[none] >= 1).sum()),
        serious=tuple(rows),
        levels=pd.Series(levels).value_counts().reindex(list(LEVELS), fill_value=0),
    )


__all__ = ["SERIOUS", "OperatingCharacteristics", "SeriousRow", "levels_for", "run"]
