"""The public Python API: ``load_model()`` and :class:`Model`, a thin facade that validates
input and composes the reasoning (:mod:`model.reasoning`) over the compiled network."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import InputError, write_error
from .inference import Engine, Network, Posterior, build_network, threads
from .kb import (
    BASE_RATE_MAX,
    BASE_RATE_MIN,
    DEFAULT_POPULATION,
    KnowledgeBase,
    Question,
    load_knowledge_base,
)
from .reasoning import diagnose as reasoning
from .reasoning.context import ModelContext
from .reasoning.diagnose import interval_drivers
from .reasoning.evidence import (
    evidence_for,
    finite_real,
    likelihoods,
    show_value,
    validate_answers,
    validate_confidence,
)
from .reasoning.intervals import IntervalDriver
from .reasoning.results import Assessment, Diagnosis, SensitivityRow, TestValue, WhatIf
from .reasoning.sensitivity import sensitivity
from .reasoning.tests_next import check_costs, which_test_next
from .reasoning.whatif import what_if

# diagnoses kept per model: one is 30-160 KB (more answers, longer explanations), so the
# cache stays under about 160 MB; the app's prefetch adds up to one per answer of the shown
# question, so this holds the recent steps of a few dozen concurrent runners
CACHE_SIZE = 1024
ASSESS_CACHE_SIZE = 4096  # assessments (batch scoring): a few KB each
TESTS_CACHE_SIZE = 64  # "which test next" rankings (the workbench): a few KB each
# the engine's case and posterior of the latest assessments with intervals, which the
# diagnosis of the same answers starts from (the app draws the ranking from the assessment,
# then asks the next question from the diagnosis): a posterior and its case are a few
# hundred KB at most
HEADS_KEPT = 16
# the diagnoses :meth:`Model.ready` can name without computing one: the cache's own entries
# (each diagnose call refreshes both in the same order, so they hold mostly the same objects)
READY_KEPT = CACHE_SIZE
VARIANTS = 16  # models with changed base rates kept per model (the workbench's sliders)
# a changed base rate lies in [BASE_RATE_MIN, BASE_RATE_MAX], as one in priors/ (model/kb/schema.py)


class Model:
    """A compiled, immutable diagnostic model for one population.

    Queries are pure functions of the answers, so one model can serve every user and thread.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        population: str = DEFAULT_POPULATION,
        base_rates: Mapping[str, float] | None = None,
    ) -> None:
        self.kb = kb
        self.population = population
        self.base_rates = MappingProxyType(dict(base_rates or {}))
        self.network: Network = build_network(kb, population, self.base_rates)
        self.engine = Engine(self.network)  # the quickscore engine (model.inference)
        self.version = kb.version + ("" if not base_rates else "+adjusted")
        self._ctx = ModelContext(kb, self.engine, population, self.version, self.base_rates)
        self.questions: tuple[Question, ...] = kb.questions
        self.question_map = self._ctx.question_map
        self.causes = kb.causes
        self.cause_map = self._ctx.cause_map
        self.modifiable: tuple[str, ...] = self._ctx.modifiable
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._diagnose_clean)
        self._assessed = lru_cache(maxsize=ASSESS_CACHE_SIZE)(self._assess_clean)
        # the physio's "which test next": one per answer set and costs (each rerun of the
        # workbench asks again)
        self._tests_ranked = lru_cache(maxsize=TESTS_CACHE_SIZE)(self._tests_ranked_clean)
        self._heads: OrderedDict[Any, Any] = OrderedDict()  # (key, conf_key) -> assess's parts
        # assessments without intervals with their case and posterior, for the intervals next
        self._bare: OrderedDict[Any, Any] = OrderedDict()
        self._with_intervals: OrderedDict[Any, bool] = OrderedDict()  # assessed with them
        self._ready: OrderedDict[Any, Diagnosis] = OrderedDict()  # diagnoses computed
        self._memo_lock = threading.Lock()
        self._variants: OrderedDict[tuple[tuple[str, float], ...], Model] = OrderedDict()
        self._variants_lock = threading.Lock()
        # single flight: a diagnosis or assessment being computed (say, ahead of a click by
        # the app's prefetch) is waited for, not computed a second time
        # token -> (done, the computing thread's mode: a waiter hurries background work)
        self._inflight: dict[Any, tuple[threading.Event, threads.Mode | None]] = {}
        self._inflight_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Model(population={self.population!r}, version={self.version!r})"

    # ------------------------------------------------------------------ answers -> evidence
    def validate(self, answers: Any) -> tuple[dict[str, Any], list[str]]:
        """(valid answers, one problem line per invalid answer); nothing is raised."""
        return validate_answers(self.question_map, answers)

    def evidence_for(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Hard evidence on network nodes for the answers, with ``heavy_legs = yes``.

        Raises
        ------
        InputError
            One line per bad answer (``sex: "zzz"`` and an age of 999 are refused, not
            passed through or binned).
        """
        clean, _ = self._require(answers)
        return evidence_for(self.question_map, clean)

    def likelihoods(
        self, answers: Mapping[str, Any], confidence: Mapping[str, float] | None = None
    ) -> dict[str, np.ndarray]:
        """Evidence as likelihood vectors (virtual evidence for soft answers); raises
        InputError as :meth:`evidence_for`."""
        clean, conf = self._require(answers, confidence)
        return likelihoods(self.engine, self.question_map, clean, conf)

    def posterior(
        self, answers: Mapping[str, Any], confidence: Mapping[str, float] | None = None
    ) -> Posterior:
        clean, conf = self._require(answers, confidence)
        return self.engine.posterior(likelihoods(self.engine, self.question_map, clean, conf))

    def _require(
        self, answers: Any, confidence: Any = None
    ) -> tuple[dict[str, Any], dict[str, float]]:
        clean, problems = self.validate(answers)
        conf, more = validate_confidence(self.question_map, confidence, clean)
        if problems or more:
            raise InputError(problems + more)
        return clean, conf

    # ------------------------------------------------------------------ diagnosis
    def diagnose(
        self,
        answers: Mapping[str, Any] | None = None,
        confidence: Mapping[str, float] | None = None,
    ) -> Diagnosis:
        """Rank every cause for the answers (contract sections 2 and 5).

        ``confidence`` optionally gives, per answered question, how sure the answer is
        (0.5-1); below 1 it enters as virtual (likelihood) evidence.

        Raises
        ------
        InputError
            One line per bad answer, each naming the fix.
        """
        return self._once(*self._keys(answers, confidence))

    def _once(
        self, key: tuple[tuple[str, Any], ...], conf_key: tuple[tuple[str, float], ...]
    ) -> Diagnosis:
        """The cached diagnosis, computed once even when several threads ask for it at the
        same time (see :meth:`_flight`)."""
        d: Diagnosis = self._flight((key, conf_key), lambda: self._cached(key, conf_key))
        self._keep(self._ready, (key, conf_key), d, READY_KEPT)
        return d

    def _flight(self, token: Any, compute: Any) -> Any:
        """``compute()`` (a cached query) once per ``token`` at a time: a thread asking for
        one being computed (say, ahead of a click by the app's prefetch) waits for it and
        then reads the cache; if it failed, each computes and raises itself. Work computed in
        the background (:func:`~model.inference.threads.background`, the app's prefetch)
        that a thread comes to wait for takes the helper threads again."""
        with self._inflight_lock:
            busy = self._inflight.get(token)
            if busy is None:
                mine = threading.Event()
                self._inflight[token] = (mine, threads.current_mode())
        if busy is not None:
            done, mode = busy
            threads.hurry(mode)  # someone waits for it now
            done.wait()
            return compute()
        try:
            return compute()
        finally:
            with self._inflight_lock:
                del self._inflight[token]
            mine.set()

    def assess(
        self,
        answers: Mapping[str, Any] | None = None,
        confidence: Mapping[str, float] | None = None,
        intervals: bool = False,
        early: Callable[[Assessment], None] | None = None,
    ) -> Assessment:
        """The causes, conflict and triage level of :meth:`diagnose` (equal to them), without
        the question ranking, explanations and what-ifs: for evaluation and batch scoring.
        ``intervals=True`` adds each cause's interval (as :meth:`diagnose` gives it).

        ``early`` (with ``intervals=True``): called first with the assessment without its
        intervals (the same ranking and triage) when the intervals still have to be
        computed, so a page can show the ranking while they are (they cost about as much as
        the rest); not called when the assessment with intervals is ready or being computed.

        Raises
        ------
        InputError
            One line per bad answer, each naming the fix.
        """
        if not isinstance(intervals, bool):
            raise InputError([f"intervals {intervals!r}: write True or False"])
        key, conf_key = self._keys(answers, confidence)
        if intervals and early is not None and not self._assessed_or_running(key, conf_key):
            early(self._assess_once(key, conf_key, False))
        return self._assess_once(key, conf_key, intervals)

    def _assess_once(
        self,
        key: tuple[tuple[str, Any], ...],
        conf_key: tuple[tuple[str, float], ...],
        intervals: bool,
    ) -> Assessment:
        """The cached assessment, computed once at a time (:meth:`_flight`)."""
        return self._flight(
            ("assess", key, conf_key, intervals),
            lambda: self._assessed(key, conf_key, intervals),
        )

    def _assessed_or_running(
        self, key: tuple[tuple[str, Any], ...], conf_key: tuple[tuple[str, float], ...]
    ) -> bool:
        """Whether the assessment with intervals of these answers is computed or being
        computed (by the app's prefetch, say): then waiting for it beats starting anew."""
        with self._inflight_lock:
            if ("assess", key, conf_key, True) in self._inflight:
                return True
        with self._memo_lock:
            return (key, conf_key) in self._with_intervals

    def which_test_next(
        self,
        answers: Mapping[str, Any] | None = None,
        confidence: Mapping[str, float] | None = None,
        costs: Mapping[str, float] | None = None,
    ) -> tuple[TestValue, ...]:
        """The physio's unanswered examination and test findings, highest expected
        information gain per cost unit first, with what each result would do to the leading
        causes and the triage. ``costs`` replaces the priors' cost units of chosen findings.

        Raises
        ------
        InputError
            One line per bad answer or cost, each naming the fix.
        """
        key, conf_key = self._keys(answers, confidence)
        if costs is not None and not isinstance(costs, Mapping):
            raise InputError(
                [
                    "costs must map examination or test finding ids to numbers above 0, not "
                    f"{type(costs).__name__}"
                ]
            )
        own = check_costs(self.question_map, costs)
        return self._tests_ranked(key, conf_key, tuple(sorted(own.items())))

    def _tests_ranked_clean(
        self, key: Any, conf_key: Any, costs: tuple[tuple[str, float], ...]
    ) -> tuple[TestValue, ...]:
        """:meth:`which_test_next` of clean keys, from the diagnosis's posterior when it is
        made (a deep case's took 14 s to compute again on every rerun of the workbench)."""
        known = self._ready_posterior(dict(key), dict(conf_key))
        return which_test_next(self._ctx, key, conf_key, dict(costs), known)

    def ready(
        self,
        answers: Mapping[str, Any] | None = None,
        confidence: Mapping[str, float] | None = None,
    ) -> Diagnosis | None:
        """The diagnosis of these answers if one has already been computed (by any caller,
        or the app's prefetch), else None, at once: nothing is computed. The app uses it to
        choose between drawing the whole page at once and drawing the ranking first
        (:meth:`assess` with intervals) while the next question is chosen.

        Raises
        ------
        InputError
            One line per bad answer, each naming the fix.
        """
        key = self._keys(answers, confidence)
        with self._memo_lock:
            d = self._ready.get(key)
            if d is not None:
                self._ready.move_to_end(key)
            return d

    def _keep(self, memo: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> None:
        with self._memo_lock:
            memo[key] = value
            memo.move_to_end(key)
            while len(memo) > size:
                memo.popitem(last=False)

    def _keys(
        self, answers: Mapping[str, Any] | None, confidence: Mapping[str, float] | None
    ) -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, float], ...]]:
        """The validated answers and confidences as sorted item tuples (the cache keys)."""
        clean, conf = self._require({} if answers is None else answers, confidence)
        return tuple(sorted(clean.items())), tuple(sorted(conf.items()))

    def _assess_clean(
        self,
        key: tuple[tuple[str, Any], ...],
        conf_key: tuple[tuple[str, float], ...] = (),
        intervals: bool = False,
    ) -> Assessment:
        with self._memo_lock:  # taken, not kept: the diagnosis goes on to add to its case
            bare = self._bare.pop((key, conf_key), None) if intervals else None
        if bare is not None:  # the same assessment without intervals: only they are new
            a, case, post = bare
            a = reasoning.with_intervals(self._ctx, a, case, post)
        else:
            a, _, case, post = reasoning.assess_parts(self._ctx, key, conf_key, intervals)
        if intervals:  # the diagnosis of the same answers starts from them
            self._keep(self._heads, (key, conf_key), (case, post, a.causes), HEADS_KEPT)
            self._keep(self._with_intervals, (key, conf_key), True, ASSESS_CACHE_SIZE)
        else:  # intervals asked for next (``early``) start from it
            self._keep(self._bare, (key, conf_key), (a, case, post), HEADS_KEPT)
        return a

    def _diagnose_clean(
        self, key: tuple[tuple[str, Any], ...], conf_key: tuple[tuple[str, float], ...] = ()
    ) -> Diagnosis:
        with self._memo_lock:
            head = self._heads.pop((key, conf_key), None)
        return reasoning.diagnose(self._ctx, key, conf_key, head)

    @property
    def priors(self) -> Mapping[str, float]:
        """P(cause present | heavy legs) with no answers."""
        return self._ctx.priors

    # ------------------------------------------------------------------ what-if
    def what_if(
        self,
        answers: Mapping[str, Any],
        changes: Mapping[str, Any],
        confidence: Mapping[str, float] | None = None,
    ) -> WhatIf:
        """Chance of heavy legs and of each cause if the runner set the modifiable factors in
        ``changes`` (answers as in the contract), as an intervention do(factor = value),
        given their other background and training answers.

        Raises
        ------
        InputError
            For a factor that is not modifiable or a bad value.
        """
        clean, conf = self._require(answers, confidence)
        return what_if(self._ctx, clean, conf, changes)

    # ------------------------------------------------------------------ sensitivity
    def sensitivity(
        self,
        answers: Mapping[str, Any],
        spread: float = 0.5,
        confidence: Mapping[str, float] | None = None,
        causes: tuple[str, ...] | None = None,
    ) -> tuple[SensitivityRow, ...]:
        """Tornado: how the top causes move when each base rate is scaled by (1 - spread)
        and (1 + spread), and the odds of each link strength of the answered findings (heavy
        legs included) by the same factors. Rows sorted by the swing of the first tracked
        cause."""
        if not isinstance(spread, int | float) or not 0 < spread < 1:
            raise InputError([f"spread {spread!r} must be a number between 0 and 1"])
        if isinstance(causes, str) or not (
            causes is None or isinstance(causes, tuple | list | set | frozenset)
        ):
            raise InputError(
                [
                    f"causes {show_value(causes)}: give a list of cause ids, or leave it out "
                    "for the top causes"
                ]
            )
        unknown = [
            show_value(c) for c in causes or () if not isinstance(c, str) or c not in self.cause_map
        ]
        if unknown:
            raise InputError(
                [f"sensitivity: unknown cause(s) {', '.join(unknown)}; use the ids of model.causes"]
            )
        clean, conf = self._require(answers, confidence)
        d = self.diagnose(clean, conf or None)
        tracked = tuple(causes) if causes else tuple(c.id for c in d.causes[: reasoning.TRACKED])
        now = {c.id: c.probability for c in d.causes}
        ev = likelihoods(self.engine, self.question_map, clean, conf)  # validated above
        return sensitivity(self._ctx, ev, clean, now, tracked, spread, self._posterior_of(d))

    def interval_drivers(
        self,
        answers: Mapping[str, Any],
        confidence: Mapping[str, float] | None = None,
        causes: tuple[str, ...] | None = None,
        top: int = 3,
    ) -> dict[str, tuple[IntervalDriver, ...]]:
        """Per cause (default: every cause), the ``top`` numbers of priors/ that widen its
        interval most, each moved by one standard deviation on its own (the first-order
        account of the interval; see :mod:`model.reasoning.intervals`)."""
        if isinstance(top, bool) or not isinstance(top, int) or top < 1:
            raise InputError([f"top {top!r} must be a whole number of at least 1"])
        clean, conf = self._require(answers, confidence)
        if causes is None:
            tracked = tuple(c.id for c in self.causes)
        elif isinstance(causes, str) or not isinstance(causes, tuple | list) or not causes:
            raise InputError(
                [f"causes {causes!r}: give a non-empty list of cause ids, or leave it out for all"]
            )
        else:
            tracked = tuple(causes)
        unknown = [
            show_value(c) for c in tracked if not isinstance(c, str) or c not in self.cause_map
        ]
        if unknown:
            raise InputError(
                [
                    f"interval_drivers: unknown cause(s) {', '.join(unknown)}; use the ids of "
                    "model.causes"
                ]
            )
        tracked = tuple(dict.fromkeys(tracked))  # each once, in the order given
        known = self._ready_posterior(clean, conf)
        post = None if known is None else known[0]
        return interval_drivers(self._ctx, clean, conf, tracked, top, post)

    def _ready_posterior(
        self, answers: Mapping[str, Any], conf: Mapping[str, float]
    ) -> tuple[Posterior, Diagnosis] | None:
        """The posterior (and diagnosis) of clean answers if their diagnosis is already made,
        else None: the physio's tools start from it instead of computing it again."""
        d = self.ready(answers, conf or None)
        return None if d is None else (self._posterior_of(d), d)

    def _posterior_of(self, d: Diagnosis) -> Posterior:
        """The engine's posterior as ``d`` states it (marginals in the engine's order, log
        evidence, route and error): the physio's tools start from the diagnosis's own
        instead of computing it again (a deep case's took 14 s)."""
        inf = d.inference
        return Posterior(
            np.array([d.probability(c) for c in self.engine.cause_ids]),
            float(d.log_evidence),
            inf.route if inf is not None else "quickscore",
            exact=inf.exact if inf is not None else True,
            std_error=inf.error if inf is not None else 0.0,
        )

    # ------------------------------------------------------------------ export
    def export(self, fmt: str, path: str | Path) -> Path:
        """Write the network as ``fmt`` (bif, xmlbif, xdsl or net) to ``path``.

        Raises
        ------
        InputError
            An unknown format, or a path that cannot be written (a folder, a missing
            folder): each said with its fix, as every other input (a review found a plain
            ValueError and IsADirectoryError here).
        """
        from .pgmpy_io import FORMATS, export

        if fmt not in FORMATS:
            raise InputError([f"format {fmt!r} is not supported; use one of {', '.join(FORMATS)}"])
        try:
            return export(self.network, fmt, path)
        except OSError as exc:
            raise write_error(path, exc) from exc

    # ------------------------------------------------------------------ variants
    def base_rate_problems(self, base_rates: Any) -> list[str]:
        """What :meth:`with_base_rates` would refuse in ``base_rates`` (one line each), without
        building a variant (nor displacing one of the kept ones)."""
        if not isinstance(base_rates, Mapping):
            return [
                f"base rates must map cause ids to numbers from {BASE_RATE_MIN:g} to "
                f"{BASE_RATE_MAX:g}, not {type(base_rates).__name__}"
            ]
        problems = []
        for cid, r in base_rates.items():
            if cid not in self.cause_map:
                problems.append(f"base rate: {show_value(cid)} is not a cause")
            elif self.cause_map[cid].table is not None:
                problems.append(f"base rate: {cid} is set by its table (medication), not a rate")
            elif (x := finite_real(r)) is None or not BASE_RATE_MIN <= x <= BASE_RATE_MAX:
                problems.append(
                    f"base rate: {cid}: {show_value(r)} must be a number from {BASE_RATE_MIN:g}"
                    f" to {BASE_RATE_MAX:g} (one runner in a million to 99 in 100)"
                )
        return problems

    def with_base_rates(self, base_rates: Mapping[str, float]) -> Model:
        """A model with some causes' base rates changed (the files are untouched). The
        last ``VARIANTS`` variants are kept, so moving a slider back reuses one.

        Raises
        ------
        InputError
            For an unknown cause, or a rate that is not a real number (numpy's included)
            from ``BASE_RATE_MIN`` (1e-6) to ``BASE_RATE_MAX`` (0.99).
        """
        problems = self.base_rate_problems(base_rates)
        if problems:
            raise InputError(problems)
        merged = {**self.base_rates, **{k: float(v) for k, v in base_rates.items()}}
        key = tuple(sorted(merged.items()))
        if key == tuple(sorted(self.base_rates.items())):
            return self
        with self._variants_lock:
            hit = self._variants.get(key)
            if hit is not None:
                self._variants.move_to_end(key)
                return hit
        variant = Model(self.kb, self.population, merged)
        with self._variants_lock:
            self._variants[key] = variant
            while len(self._variants) > VARIANTS:
                self._variants.popitem(last=False)
        return variant


_models: dict[tuple[str, str], Model] = {}
_models_lock = threading.Lock()


def load_model(population: str = DEFAULT_POPULATION, priors_dir: str | Path | None = None) -> Model:
    """The model built from ``priors/`` (or ``priors_dir``), built once and shared.

    Raises
    ------
    PriorsError
        If the knowledge base is invalid (every problem listed; nothing is loaded).
    InputError
        For an unknown population, or a ``priors_dir`` that is not a path.
    """
    if priors_dir is not None and not isinstance(priors_dir, str | os.PathLike):
        raise InputError(
            [
                f"priors_dir must be a folder's path (text or pathlib.Path), not "
                f"{type(priors_dir).__name__}; leave it out for the packaged priors/"
            ]
        )
    if not isinstance(population, str):
        raise InputError(
            [f"population must be text, not {type(population).__name__}; e.g. 'clinic'"]
        )
    kb = load_knowledge_base(priors_dir)
    key = (str(kb.directory.resolve()) + "@" + kb.version, population)
    with _models_lock:
        if key not in _models:
            if population not in kb.populations:
                raise InputError(
                    [
                        f"unknown population {population!r}; use one of "
                        f"{', '.join(sorted(kb.populations))}"
                    ]
                )
            _models[key] = Model(kb, population)
        return _models[key]


__all__ = ["Model", "load_model"]
