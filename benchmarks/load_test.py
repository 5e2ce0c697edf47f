"""Load test (a benchmark, not a CI test): concurrent runners against one app server.

    .venv/bin/python benchmarks/load_test.py [--sessions 10] [--seconds 60]

Starts ``streamlit run app.py`` on a free localhost port, opens ``--sessions`` headless
Chromium sessions (one browser, separate contexts, so separate Streamlit sessions) and has
each answer questions on the runner page for ``--seconds`` (bounded: at most 500 answers per
session). A response is the time from an answer click until the next question is shown
and the page's rerun has finished (no running-status widget, no stale elements). Reports
p50/p95 response and errors (an exception shown on a page, or a response slower than 30 s).
Goals (issue 7): no errors, p95 <= 1 s on a 2-core machine. Localhost only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the browser harness

from browser_harness import (  # noqa: E402
    ANSWERS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    UNSURE,
    running_app,
)

MAX_ANSWERS = 500
SETTLED = ("!document.querySelector(\"[data-testid='stStatusWidget']\") && "
           "!document.querySelector(\"[data-stale='true']\")")
# the next question is shown (its "Question N" progress label changed) and the rerun is done
# ... or the answer led to a screen without a question: the disposition screen of a raised
# triage (its "Answer more questions for the report" button) or the result
ELSEWHERE = ("document.querySelector('.st-key-rn_tri_continue') !== null || "
             "document.querySelector('.st-key-rn_restart') !== null")
NEXT = ("(b) => { const m = document.body.innerText.match(/Question \\d+/);"
        " return ((m !== null && m[0] !== b) || " + ELSEWHERE + ") && " + SETTLED + "; }")
QNUM = "() => { const m = document.body.innerText.match(/Question \\d+/); return m ? m[0] : ''; }"


async def session(browser: object, url: str, deadline: float, k: int,
                  lat: list[float], errors: list[str]) -> None:
    ctx = await browser.new_context(viewport=PHONE)  # type: ignore[attr-defined]
    page = await ctx.new_page()
    page.set_default_timeout(30_000)
    n = 0
    try:
        await page.goto(url)
        await page.locator(".st-key-rn_rf_continue button").click()
        await page.locator(UNSURE).first.wait_for()  # any question (age first: a number)
        n = 0
        while time.perf_counter() < deadline and n < MAX_ANSWERS:
            buttons = page.locator(ANSWERS)
            count = await buttons.count()
            if await page.locator(".st-key-rn_tri_continue button").count():
                # a triage raised to a disposition screen: go on answering (not timed)
                await page.locator(".st-key-rn_tri_continue button").click()
                await page.wait_for_function(
                    "() => document.querySelector('.st-key-rn_tri_continue') === null && "
                    + SETTLED)
                continue
            if count == 0 and await page.locator(UNSURE).count():  # a number question
                buttons, count = page.locator(UNSURE), 1
            if count == 0:  # questions ran out: start again (not timed)
                await page.locator(".st-key-rn_restart button").click()
                await page.locator(".st-key-rn_restart_yes button").click()  # it asks first
                await page.locator(".st-key-rn_rf_continue button").click()
                await page.locator(UNSURE).first.wait_for()  # any question (age first: a number)
                continue
            before = await page.evaluate(QNUM)
            t = time.perf_counter()
            await buttons.nth((n + k) % min(count, 2)).click()
            await page.wait_for_function(NEXT, arg=before, timeout=30_000)
            lat.append((time.perf_counter() - t) * 1000)
            n += 1
            if await page.locator("[data-testid='stException']").count():
                errors.append(f"session {k}: exception shown on the page")
                break
    except PlaywrightTimeout as exc:
        errors.append(f"session {k}: timeout after {n} answers ({str(exc).splitlines()[0]})")
    finally:
        await ctx.close()


async def run(sessions: int, seconds: float) -> tuple[list[float], list[str]]:
    lat: list[float] = []
    errors: list[str] = []
    with running_app() as url:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
            deadline = time.perf_counter() + seconds
            await asyncio.gather(*(session(browser, url, deadline, k, lat, errors)
                                   for k in range(sessions)))
            await browser.close()
    return lat, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    lat, errors = asyncio.run(run(args.sessions, args.seconds))
    if not lat:
        print("no responses measured", *errors, sep="\n")
        return 1
    xs = sorted(lat)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    print(f"{args.sessions} concurrent sessions for {args.seconds:g} s against one server: "
          f"{len(lat)} answers, {len(lat) / args.seconds:.1f}/s")
    print(f"response p50 {statistics.median(lat):.0f} ms, p95 {p95:.0f} ms "
          f"(goal p95 <= 1000 ms: {'met' if p95 <= 1000 else 'NOT met'}); "
          f"errors: {len(errors)}")
    for e in errors:
        print("  " + e)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
