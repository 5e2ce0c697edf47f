"""Browser latency: answer click -> updated ranking on the runner page (not a test).

Starts ``streamlit run app.py`` on a free port, drives Debian's Chromium (phone size) and, for
each of N rounds, clicks an answer to the current question and times until the cause bars
show new text (questions follow one another; when they run out it starts again, untimed),
until the bars show their ranges ("could be 21% to 66%"), and until the next question is on
screen (when the click's diagnosis was not computed ahead, the page draws the ranking first,
then its ranges, then the question; when it was, all at once).
Baseline measured in the same run: the in-process ``Model.diagnose`` time for fresh answers.
Prints median and p95 in ms and the ratio of the browser latency to that baseline.

``--read S`` waits S seconds on each question before clicking (a runner reading it): the app
computes the diagnoses of the shown answers in the background meanwhile (``ui.common.prefetch``),
so this measures the click as a reading runner meets it; without it the click comes as soon
as the page has settled (the worst case for the prefetch).

    .venv/bin/python benchmarks/bench_browser.py [ROUNDS] [--read S]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from model import load_model

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the browser harness

from browser_harness import (  # noqa: E402
    PHONE,
    UNSURE,
    answer_buttons,
    bar_texts,
    launch_chromium,
    running_app,
    say_no_to_warning_signs,
    settled,
)

CHANGED = ("(b) => { const t = [...document.querySelectorAll("
           "\".st-key-rn_bars [data-testid='stProgress']\")].map(e => e.innerText.trim());"
           " return t.length >= 5 && t.join('|') !== b; }")


# the bars show their ranges, or the next question is on screen (a page whose ranges all
# round to the chance itself shows none)
RANGED = ("(b) => [...document.querySelectorAll(\".st-key-rn_bars [data-testid='stProgress']\")]"
          ".some(e => e.innerText.includes('could be'))"
          " || [...document.querySelectorAll(\"[class*='st-key-rn_opt_'][class*='__unsure']\")]"
          ".some(x => !x.closest('[data-stale=\"true\"]') && !x.classList.contains(b))")
# the next question is on screen: one "Not sure" button, not stale, of another question
ASKED = ("(b) => { const e = [...document.querySelectorAll("
         "\"[class*='st-key-rn_opt_'][class*='__unsure']\")]"
         ".filter(x => !x.closest('[data-stale=\"true\"]'));"
         " return e.length === 1 && !e[0].classList.contains(b); }")
KEY_OF_UNSURE = ("() => [...document.querySelector("
                 "\"[class*='st-key-rn_opt_'][class*='__unsure']\").classList]"
                 ".find(c => c.startsWith('st-key-'))")


def _settle(page: object) -> None:
    """Wait (untimed) until the rerun has finished and stale elements are gone."""
    settled(page, 30_000)


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def main(rounds: int = 20, read: float = 0.0) -> None:
    m = load_model()
    # baseline: the model's own work per answer, in process (uncached answer sets)
    base = []
    for i in range(rounds):
        t = time.perf_counter()
        m.diagnose({"age": 20 + i, "rest_days_per_week": i % 7})
        base.append((time.perf_counter() - t) * 1000)
    lat: list[float] = []
    asked: list[float] = []  # click -> the next question on screen
    ranged: list[float] = []  # click -> the bars with their ranges
    with running_app() as url, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport=PHONE)
        page.set_default_timeout(60_000)
        page.goto(url)
        page.locator(".st-key-rn_rf_continue button").wait_for(timeout=60_000)
        say_no_to_warning_signs(page, m, _settle)
        page.locator(UNSURE).first.wait_for()  # the first question (age: a number)
        page.wait_for_function(
            "document.querySelectorAll(\".st-key-rn_bars [data-testid='stProgress']\").length >= 5")
        missed = 0
        while len(lat) < rounds:
            buttons = answer_buttons(page)
            unsure = page.locator(UNSURE)
            if buttons.count() == 0 and unsure.count():  # a number question: skip (not timed)
                unsure.first.click()
                _settle(page)
                continue
            if buttons.count() == 0:  # the questions ran out: start again (not timed)
                page.locator(".st-key-rn_restart button").click()
                page.locator(".st-key-rn_restart_yes button").click()  # it asks first
                page.locator(".st-key-rn_rf_continue button").wait_for()
                say_no_to_warning_signs(page, m, _settle)
                page.locator(UNSURE).first.wait_for()
                _settle(page)
                continue
            before = bar_texts(page)
            shown = page.evaluate(KEY_OF_UNSURE)
            if read:
                page.wait_for_timeout(read * 1000)
            t = time.perf_counter()
            buttons.nth(len(lat) % min(buttons.count(), 2)).click()
            try:
                page.wait_for_function(CHANGED, arg="|".join(before), timeout=10_000)
            except PlaywrightTimeout:  # this answer left the shown ranking as it was
                missed += 1
                _settle(page)
                continue
            lat.append((time.perf_counter() - t) * 1000)
            page.wait_for_function(RANGED, arg=shown, timeout=30_000)
            ranged.append((time.perf_counter() - t) * 1000)
            try:
                page.wait_for_function(ASKED, arg=shown, timeout=30_000)
                asked.append((time.perf_counter() - t) * 1000)
                more = f", next question {asked[-1]:.0f} ms"
            except PlaywrightTimeout:  # no question left: the result page
                more = ""
            print(f"  round {len(lat)}: ranking {lat[-1]:.0f} ms, with ranges "
                  f"{ranged[-1]:.0f} ms{more}", flush=True)
            _settle(page)
        browser.close()
    med, p95 = statistics.median(lat), _p95(lat)
    bmed = statistics.median(base)
    print(f"answer click -> updated ranking, {rounds} rounds (Chromium, 390x844), "
          f"{read:g} s on each question before the click:")
    print(f"  median {med:.0f} ms, p95 {p95:.0f} ms, worst {max(lat):.0f} ms "
          "(goal, issue 17: median <= 151 ms, worst <= 486 ms)")
    print(f"  click -> ranking with its ranges: median {statistics.median(ranged):.0f} ms, "
          f"p95 {_p95(ranged):.0f} ms, worst {max(ranged):.0f} ms")
    if asked:
        print(f"  click -> next question on screen: median {statistics.median(asked):.0f} ms, "
              f"p95 {_p95(asked):.0f} ms, worst {max(asked):.0f} ms ({len(asked)} rounds)")
    print(f"  answers that left the shown ranking unchanged (not timed): {missed}")
    print(f"  baseline in-process diagnose: median {bmed:.0f} ms; "
          f"browser/baseline ratio {med / bmed:.1f}x")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rounds", nargs="?", type=int, default=20)
    ap.add_argument("--read", type=float, default=0.0,
                    help="seconds on each question before clicking (default 0)")
    args = ap.parse_args()
    main(args.rounds, args.read)
