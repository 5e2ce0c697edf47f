"""Calibration: do inference, answer mapping and sampling agree?

Synthetic runners are drawn from the network itself with pgmpy's rejection sampling
(``heavy_legs = yes``, as for every user). Each runner's sampled states of the chosen question
nodes are turned into *answers* (a number question gets the midpoint of its sampled bin, inside
the question's range; the other questions their state name), the answers go through the public
path (validation, binning, exact inference), and the predicted P(cause | answers) is compared
with the cause state the runner was sampled with. If the three agree, the predictions are
calibrated: in each probability bin the share of runners with the cause equals the mean
prediction, and the Brier score is below that of predicting the base rate for everyone.

Identical answer sets are computed once, so a short question form (the ``k`` most informative
questions) keeps 50,000 runners fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..api import Model
from ..kb import HEAVY_LEGS, Question
from ..reasoning.evidence import value_for_state

N_BINS = 10


@dataclass(frozen=True)
class CauseCalibration:
    """Reliability curve and Brier scores for one cause."""

    cause: str
    prevalence: float  # share of sampled runners with the cause
    mean_predicted: float
    brier: float
    brier_base_rate: float  # predicting P(cause | heavy legs) for everyone
    bins: pd.DataFrame  # columns: lo, hi, n, mean_predicted, observed


@dataclass(frozen=True)
class Calibration:
    n: int
    questions: tuple[str, ...]
    unique_answer_sets: int
    causes: tuple[CauseCalibration, ...]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "cause": c.cause,
                    "prevalence": c.prevalence,
                    "mean_predicted": c.mean_predicted,
                    "brier": c.brier,
                    "brier_base_rate": c.brier_base_rate,
                }
                for c in self.causes
            ]
        )


def default_questions(model: Model, k: int) -> tuple[str, ...]:
    """The ``k`` questions with the highest expected information gain before any answer."""
    return tuple(q.id for q in model.diagnose({}).next_questions[:k])


def synthetic_runners(model: Model, n: int, seed: int) -> pd.DataFrame:
    """``n`` runners with heavy legs sampled from the model's network (pgmpy)."""
    from ..pgmpy_io import sample

    return sample(model.network, n, seed, {HEAVY_LEGS: "yes"})


def predict(
    model: Model, runners: pd.DataFrame, questions: Sequence[str]
) -> tuple[np.ndarray, int]:
    """P(cause | the runners' answers to ``questions``), shape (n, causes in model order)."""
    qmap: Mapping[str, Question] = model.question_map
    causes = [c.id for c in model.causes]
    order = [model.engine.cause_ids.index(c) for c in causes]
    keys = [tuple(r) for r in runners[list(questions)].itertuples(index=False, name=None)]
    cache: dict[tuple[str, ...], np.ndarray] = {}
    out = np.empty((len(keys), len(causes)))
    for i, key in enumerate(keys):
        if key not in cache:
            answers = {q: value_for_state(qmap[q], s) for q, s in zip(questions, key, strict=True)}
            cache[key] = np.asarray(model.posterior(answers).marginals)[order]
        out[i] = cache[key]
    return out, len(cache)


def calibrate(
    model: Model, runners: pd.DataFrame, questions: Sequence[str], n_bins: int = N_BINS
) -> Calibration:
    """Reliability curves (``n_bins`` equal-width bins) and Brier scores per cause."""
    pred, unique = predict(model, runners, questions)
    prior = model.priors
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    results = []
    for j, c in enumerate(model.causes):
        y = (runners[c.id].to_numpy() == "present").astype(float)
        p = pred[:, j]
        idx = np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1)
        rows = []
        for b in range(n_bins):
            sel = idx == b
            k = int(sel.sum())
            rows.append(
                {
                    "lo": edges[b],
                    "hi": edges[b + 1],
                    "n": k,
                    "mean_predicted": float(p[sel].mean()) if k else np.nan,
                    "observed": float(y[sel].mean()) if k else np.nan,
                }
            )
        results.append(
            CauseCalibration(
                c.id,
                float(y.mean()),
                float(p.mean()),
                float(np.mean((p - y) ** 2)),
                float(np.mean((prior[c.id] - y) ** 2)),
                pd.DataFrame(rows),
            )
        )
    return Calibration(len(runners), tuple(questions), unique, tuple(results))


def run(model: Model, n: int = 50_000, seed: int = 2026, k: int = 8) -> Calibration:
    """Sample ``n`` runners and calibrate on the ``k`` most informative questions."""
    return calibrate(model, synthetic_runners(model, n, seed), default_questions(model, k))


__all__ = [
    "Calibration",
    "CauseCalibration",
    "calibrate",
    "default_questions",
    "predict",
    "run",
    "synthetic_runners",
    "value_for_state",
]
