"""Helper threads for the engine's batches (numpy releases the interpreter lock, so the
batches of one query can run on the machine's cores).

:func:`run_all` runs ``fn`` on every item: the calling thread works through the items itself
and ``THREADS - 1`` helper threads join in when they are free. So a caller is never slower
than on its own, even when the helpers are busy with another caller's items (a click while
the app computes ahead in the background), and it waits at most for the items a helper has
already taken. The helpers are daemon threads: quitting never waits for them. Each item must
write only its own results, so the outcome does not depend on which thread ran it.
``HEAVYLEGS_THREADS`` sets the number of threads (1: the caller alone). Work started under
:func:`background` (the app's computing ahead) keeps to its own thread, leaving the helpers
and the other cores to the queries someone is waiting for; if it turns out nobody will read
it (the runner answered something else), :func:`abandon` stops it at its next batch.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np


def _threads_from_env() -> int:
    """HEAVYLEGS_THREADS, else at most 2 of the cores this process may use."""
    raw = os.environ.get("HEAVYLEGS_THREADS", "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return int(raw)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


THREADS = _threads_from_env()
_TASKS: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_HELPERS: list[threading.Thread] = []
_START = threading.Lock()
_LOCAL = threading.local()


class Stopped(Exception):  # noqa: N818 - a signal, not an error
    """Raised by :func:`run_all` in background work that was :func:`abandon`-ed."""


class Mode:
    """How a thread's queries run: ``background`` True keeps their batches on that thread;
    ``stopped`` (set by :func:`abandon`) ends background work at its next batch."""

    __slots__ = ("background", "stopped")

    def __init__(self, background: bool) -> None:
        self.background = background
        self.stopped = False

    def check(self) -> None:
        """Raise :class:`Stopped` if this work was abandoned and nobody waits for it."""
        if self.stopped and self.background:
            raise Stopped("background work abandoned")


@contextmanager
def background() -> Iterator[Mode]:
    """Within it, this thread's queries run on this thread alone (no helpers): for work
    nobody waits for yet, which should not slow the work someone does wait for. Another
    thread that comes to wait for this work after all calls :func:`hurry` on the mode it
    yields (:func:`current_mode`), and the rest of the work takes the helpers again."""
    before = getattr(_LOCAL, "mode", None)
    mode = _LOCAL.mode = Mode(True)
    try:
        yield mode
    finally:
        _LOCAL.mode = before


def current_mode() -> Mode | None:
    """This thread's mode inside :func:`background`, else None."""
    return getattr(_LOCAL, "mode", None)


def hurry(mode: Mode | None) -> None:
    """Someone now waits for the work running under ``mode``: its next batches use the
    helpers again (and it is no longer stopped by :func:`abandon`)."""
    if mode is not None:
        mode.background = False


def abandon(mode: Mode | None) -> None:
    """Nobody will read the background work running under ``mode``: its next batch raises
    :class:`Stopped` instead of running (a batch already running finishes), freeing the core
    for the work someone waits for. Work that someone came to wait for (:func:`hurry`)
    carries on. Whatever was stopped is simply not cached: a later query computes it."""
    if mode is not None and mode.background:
        mode.stopped = True


def _helper() -> None:
    while True:
        _TASKS.get()()


def _ensure_helpers(n: int) -> None:
    with _START:
        while len(_HELPERS) < n:
            t = threading.Thread(
                target=_helper, name=f"heavylegs-batch-{len(_HELPERS)}", daemon=True
            )
            t.start()
            _HELPERS.append(t)


def run_all(fn: Callable[[Any], None], items: Sequence[Any]) -> None:
    """``fn(item)`` for every item, on the calling thread and up to ``THREADS - 1`` helpers;
    the first exception raised by any of them is raised here once all have stopped."""
    mode = getattr(_LOCAL, "mode", None)
    helpers = 0 if mode is not None and mode.background else min(THREADS, len(items)) - 1
    if helpers < 1:
        for item in items:
            if mode is not None:
                mode.check()
            fn(item)
        return
    err = np.geterr()  # the helpers keep the caller's floating-point error handling
    lock = threading.Condition()
    state = {"next": 0, "running": 0}
    errors: list[BaseException] = []

    def drain() -> None:
        while True:
            with lock:
                if errors or state["next"] >= len(items):
                    return
                i = state["next"]
                state["next"] += 1
                state["running"] += 1
            try:
                with np.errstate(**err):
                    fn(items[i])
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                with lock:
                    errors.append(exc)
            finally:
                with lock:
                    state["running"] -= 1
                    lock.notify_all()

    _ensure_helpers(helpers)
    for _ in range(helpers):
        _TASKS.put(drain)
    drain()
    with lock:
        lock.wait_for(lambda: state["running"] == 0)
        state["next"] = len(items)  # a helper that starts later finds nothing left
    if errors:
        raise errors[0]
