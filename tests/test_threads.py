"""No shared-state leaks: many threads querying the one cached model get exactly the answers
a single thread gets (hard answers, soft answers and what-ifs; cached and uncached paths)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from model.api import Model, load_model
from model.workflows.evaluate import load_vignettes

VIGNETTES = Path(__file__).parent / "vignettes"
THREADS = 8
ROUNDS = 5  # each thread runs its jobs this many times; later rounds hit the cache


def _jobs_per_thread(m: Model) -> list[list[tuple[str, dict[str, Any], dict[str, float], dict]]]:
    """For each thread, its own cases: a hard diagnosis, soft variants with distinct
    confidences (distinct cache keys, so the first round computes them) and a what-if."""
    vignettes = load_vignettes(VIGNETTES, m)
    # A valid value for every modifiable factor, taken from the vignettes themselves.
    values: dict[str, Any] = {}
    for v in vignettes:
        for qid in m.modifiable:
            if qid in v.answers and qid not in values:
                values[qid] = v.answers[qid]
    assert values, "no vignette answers a modifiable factor"
    factors = sorted(values)
    # eight different causes' vignettes, the shortest of each (CI time: a diagnosis's cost
    # grows with the answers; the point here is the threads, not the cases)
    shortest: dict[str, Any] = {}
    for v in sorted(vignettes, key=lambda v: (len(v.answers), v.id)):
        shortest.setdefault(v.top1[0], v)
    chosen = sorted(shortest.values(), key=lambda v: v.id)[:: max(1, len(shortest) // THREADS)]
    out = []
    for t in range(THREADS):
        v = chosen[t]
        answers = dict(v.answers)
        answered = sorted(answers)
        jobs: list[tuple[str, dict[str, Any], dict[str, float], dict]] = [
            ("diagnose", answers, {}, {})
        ]
        for k in range(2):
            conf = {q: 0.55 + 0.05 * ((t + k + i) % 9) for i, q in enumerate(answered[: 2 + k])}
            jobs.append(("diagnose", answers, conf, {}))
        factor = factors[t % len(factors)]
        jobs.append(("what_if", answers, {}, {factor: values[factor]}))
        jobs.append(("what_if", answers, {answered[0]: 0.7}, {factor: values[factor]}))
        out.append(jobs)
    return out


def _run(m: Model, kind: str, answers: dict, conf: dict, change: dict) -> dict[str, Any]:
    if kind == "diagnose":
        return m.diagnose(answers, confidence=conf or None).to_dict()
    return m.what_if(answers, change, confidence=conf or None).to_dict()


def test_eight_threads_get_the_single_threaded_results() -> None:
    shared = load_model()
    # The reference comes from a separately built model, so the shared model's cache is
    # still cold for these soft-answer keys when the threads start.
    reference = Model(shared.kb, shared.population)
    per_thread = _jobs_per_thread(shared)
    expected = [[_run(reference, *job) for job in jobs] for jobs in per_thread]
    # Cases really differ between threads, so a leak would show.
    firsts = {repr(e[0]["causes"]) for e in expected}
    assert len(firsts) >= 4

    mismatches: list[str] = []
    errors: list[BaseException] = []
    calls = [0] * THREADS
    barrier = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        try:
            barrier.wait()
            for r in range(ROUNDS):
                for j, job in enumerate(per_thread[t]):
                    got = _run(shared, *job)
                    calls[t] += 1
                    if got != expected[t][j]:
                        mismatches.append(f"thread {t} round {r} job {j} ({job[0]})")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads), "a thread hung"
    assert not errors, errors
    assert not mismatches, mismatches[:10]
    assert sum(calls) == THREADS * ROUNDS * len(per_thread[0]) >= 200


def test_a_diagnosis_asked_for_by_several_threads_at_once_is_computed_once(monkeypatch) -> None:
    """Single flight (the app's prefetch relies on it): threads asking for the same answers
    while the first computes wait for it and get the same object; other answers do not
    wait; a failing computation is not shared as a result."""
    import model.api as api

    m = load_model()
    calls: list[tuple[Any, ...]] = []
    started = threading.Event()
    release = threading.Event()
    real = api.reasoning.diagnose

    def slow(ctx: Any, key: Any, conf: Any = (), head: Any = None) -> Any:
        calls.append(key)
        if dict(key).get("age") == 31:
            started.set()
            assert release.wait(30)
        return real(ctx, key, conf, head)

    monkeypatch.setattr(api.reasoning, "diagnose", slow)
    answers = {"age": 31, "cramps": "yes"}
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(m.diagnose(answers))) for _ in range(4)]
    threads[0].start()
    assert started.wait(30)
    for t in threads[1:]:
        t.start()
    other = m.diagnose({"age": 45})  # not blocked by the computation in flight
    assert other.answers == (("age", 45),)
    release.set()
    for t in threads:
        t.join(30)
    assert len(got) == 4 and all(g is got[0] for g in got)
    assert [dict(k).get("age") for k in calls].count(31) == 1
    assert not m._inflight  # nothing left behind

    def broken(ctx: Any, key: Any, conf: Any = (), head: Any = None) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(api.reasoning, "diagnose", broken)
    import pytest

    with pytest.raises(RuntimeError):
        m.diagnose({"age": 52})
    assert not m._inflight


def test_a_diagnosis_that_starts_from_an_assessment_is_the_fresh_one() -> None:
    """The runner page assesses a click first and diagnoses it after (the diagnosis takes
    the assessment's case, posterior and intervals): the result equals a diagnosis computed
    from scratch by another model, hard and soft answers alike; ``ready`` names a diagnosis
    only once one has been computed."""
    m, fresh = Model(load_model().kb), Model(load_model().kb)
    cases = [(v.answers, {}) for v in load_vignettes(VIGNETTES, m)[::12]]
    soft = next(a for a, _ in cases if "relief_time" in a)
    cases.append((soft, {"relief_time": 0.7}))
    assert len(cases) >= 10
    for answers, conf in cases:
        assert m.ready(answers, conf) is None
        a = m.assess(answers, conf, intervals=True)
        assert m._heads and m.ready(answers, conf) is None  # the assessment is no diagnosis
        d = m.diagnose(answers, conf)
        assert m.ready(answers, conf) is d
        assert d.to_dict() == fresh.diagnose(answers, conf).to_dict()
        assert [(c.id, c.probability, c.interval) for c in a.causes] == [
            (c.id, c.probability, c.interval) for c in d.causes
        ]
    assert not m._heads  # each diagnosis took its head
    # the head belongs to its own answers and confidences: a diagnosis with another
    # confidence neither takes it nor differs from a fresh one
    answers = {**cases[0][0], "age": 66}  # not assessed yet
    m.assess(answers, {}, intervals=True)
    q = next(k for k in answers if k != "age")
    other = m.diagnose(answers, {q: 0.7})
    assert other.to_dict() == fresh.diagnose(answers, {q: 0.7}).to_dict()
    assert len(m._heads) == 1


def test_an_assessment_asked_for_by_two_threads_at_once_is_computed_once(monkeypatch) -> None:
    """The app's prefetch assesses the answers a click may give; the click asking for the same
    assessment meanwhile waits for it instead of computing it beside it."""
    import model.api as api

    m = Model(load_model().kb)
    calls: list[Any] = []
    started, release = threading.Event(), threading.Event()
    real = api.reasoning.assess_parts

    def slow(ctx: Any, key: Any, conf: Any = (), intervals: bool = False) -> Any:
        calls.append(key)
        started.set()
        assert release.wait(30)
        return real(ctx, key, conf, intervals)

    monkeypatch.setattr(api.reasoning, "assess_parts", slow)
    got: list[Any] = []
    answers = {"age": 29, "cramps": "yes"}
    ts = [threading.Thread(target=lambda: got.append(m.assess(answers, intervals=True)))
          for _ in range(3)]
    ts[0].start()
    assert started.wait(30)
    for t in ts[1:]:
        t.start()
    time.sleep(0.5)  # the other two have asked by now (without single flight: two more calls)
    release.set()
    for t in ts:
        t.join(30)
    assert len(got) == 3 and all(g is got[0] for g in got) and len(calls) == 1
    assert not m._inflight


def test_background_work_keeps_to_its_own_thread() -> None:
    """Under ``background()`` (the app's computing ahead) a query's batches run on the
    calling thread only, leaving the helper threads to a query someone waits for; the
    results are the same."""
    from model import background
    from model.inference import threads

    ran: list[str] = []
    items = list(range(40))

    def fn(i: int) -> None:
        time.sleep(0.002)
        ran.append(threading.current_thread().name)

    me = threading.current_thread().name
    with background():
        threads.run_all(fn, items)
    assert len(ran) == 40 and set(ran) == {me}
    if threads.THREADS > 1:  # outside it the helpers join in again
        ran.clear()
        threads.run_all(fn, items)
        assert len(ran) == 40 and set(ran) - {me}
    m = load_model()
    answers = {"age": 38, "cramps": "yes", "swelling": "one_leg", "relief_time": "hours"}
    fresh = Model(m.kb)
    with background():
        d = fresh.diagnose(answers)
    assert d.to_dict() == Model(m.kb).diagnose(answers).to_dict()


def test_background_work_that_someone_comes_to_wait_for_takes_the_helpers_again(
    monkeypatch,
) -> None:
    """The app's prefetch diagnoses in the background (one thread); a click that then asks
    for the same diagnosis waits for it (single flight) and hurries it: its remaining
    batches may use the helper threads again."""
    import model.api as api
    from model import background
    from model.inference import threads

    m = Model(load_model().kb)
    started, release = threading.Event(), threading.Event()
    seen: list[bool] = []
    real = api.reasoning.diagnose

    def slow(ctx: Any, key: Any, conf: Any = (), head: Any = None) -> Any:
        mode = threads.current_mode()
        seen.append(mode is not None and mode.background)
        started.set()
        assert release.wait(30)
        seen.append(mode is not None and mode.background)
        return real(ctx, key, conf, head)

    monkeypatch.setattr(api.reasoning, "diagnose", slow)
    answers = {"age": 33, "cramps": "yes"}

    def ahead() -> None:
        with background():
            m.diagnose(answers)

    worker = threading.Thread(target=ahead)
    worker.start()
    assert started.wait(30)
    got: list[Any] = []
    click = threading.Thread(target=lambda: got.append(m.diagnose(answers)))
    click.start()
    time.sleep(0.3)  # the click is waiting on the flight by now
    release.set()
    worker.join(30)
    click.join(30)
    assert seen == [True, False]  # in the background until the click came to wait
    assert got and got[0] is m.ready(answers)
    assert threads.current_mode() is None  # the main thread was never in the background


def test_abandoned_background_work_stops_at_its_next_batch_and_caches_nothing() -> None:
    """``abandon`` (the runner answered something else) stops background work before its
    next batch with ``Stopped``; work someone came to wait for (``hurry``) and work outside
    ``background()`` carry on; a stopped query leaves no cached result, and the same query
    asked again is the fresh one."""
    from model import Stopped, abandon, background
    from model.inference import threads

    ran: list[int] = []
    with background() as mode:
        threads.run_all(ran.append, [1, 2])
        abandon(mode)
        try:
            threads.run_all(ran.append, [3, 4])
        except Stopped:
            pass
        else:
            raise AssertionError("abandoned work ran its next batch")
    assert ran == [1, 2]
    with background() as mode:  # someone waits for it: not stopped
        threads.hurry(mode)
        abandon(mode)
        threads.run_all(ran.append, [5])
    abandon(threads.current_mode())  # outside background(): nothing to stop
    threads.run_all(ran.append, [6])
    assert ran == [1, 2, 5, 6]

    m = load_model()
    fresh = Model(m.kb)
    answers = {"age": 38, "cramps": "yes", "swelling": "one_leg", "relief_time": "hours"}
    with background() as mode:
        abandon(mode)
        try:
            fresh.diagnose(answers)
        except Stopped:
            pass
        else:
            raise AssertionError("an abandoned diagnosis ran to the end")
    assert fresh.ready(answers) is None and not fresh._inflight
    assert fresh._cached.cache_info().currsize == 0
    assert fresh.diagnose(answers).to_dict() == Model(m.kb).diagnose(answers).to_dict()


def test_a_term_sum_in_chunks_on_the_helpers_is_the_one_threads_bit_for_bit(monkeypatch) -> None:
    """The posterior's term sum runs its chunks on the caller and the helper threads (a
    deep case's extended-precision sum took 14 s on one) and adds their sums in the chunks'
    order: the result is the one thread's, bit for bit, in double and extended precision."""
    import numpy as np

    import model.inference.quickscore as qs
    from model.inference import threads

    m = load_model()
    clean, _ = m.validate({"age": 62, "smoker": "yes", "calf_pain_walking": "yes",
                           "relief_time": "minutes", "foot_cold_or_pale": "yes",
                           "numbness_tingling": "yes", "cramps": "yes", "swelling": "one_leg"})
    ev = m.likelihoods(clean, {})
    monkeypatch.setattr(qs, "CHUNK", 2)  # many chunks from a small case
    eng = m.engine
    case = eng.case(ev)
    terms = eng._terms(case)
    chunks = len(eng._chunk_maker(terms)[1])
    assert chunks >= 8
    got = {}
    for n in (1, 2):
        monkeypatch.setattr(threads, "THREADS", n)
        got[n] = [eng._sum(case, terms, dtype) for dtype in (float, np.longdouble)]
    for (pe1, num1, abs1), (pe2, num2, abs2) in zip(got[1], got[2], strict=True):
        assert pe1.tobytes() == pe2.tobytes() and num1.tobytes() == num2.tobytes()
        assert abs1.tobytes() == abs2.tobytes()


def test_an_assessment_drawn_early_equals_a_fresh_one_even_after_its_diagnosis(model) -> None:
    """``assess(early=...)`` hands the page the assessment without intervals and then
    computes only the intervals from its case: the result equals a fresh assessment with
    intervals, on a plain and a deep answer set; and the case it came from (which the
    diagnosis goes on to extend) is not reused for a later assessment (a code review: an
    evicted assessment was rebuilt from the diagnosis's case, with its sampled extras)."""
    sets = [
        {"age": 34, "cramps": "yes", "relief_time": "minutes"},
        {"age": 45, "sex": "female", "heaviness_onset": "reproducible_point",
         "symptom_location": "lower_leg", "legs_affected": "both", "bone_tender_spot": "yes",
         "relief_time": "15_to_30_min", "swelling": "both_legs", "numbness_tingling": "yes",
         "fatigue_daily_life": "yes", "performance_declining": "yes", "cramps": "yes"},
    ]
    for answers in sets:
        m = Model(model.kb)
        seen: list[Any] = []
        got = m.assess(answers, intervals=True, early=seen.append)
        fresh = Model(model.kb).assess(answers, intervals=True)
        assert len(seen) == 1 and all(c.interval is None for c in seen[0].causes)
        assert got == fresh
        m.diagnose(answers)
        m._assessed.cache_clear()  # as if evicted
        assert m.assess(answers, intervals=True) == fresh
