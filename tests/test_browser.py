"""A real browser: Debian's Chromium (Playwright) against ``streamlit run app.py``.

Answers three questions on a phone-sized screen, checks the ranking changes to what the model
says and that no exception is shown, and saves screenshots at phone and desktop width (into
a folder under the temp dir, and into ``$HEAVYLEGS_SCREENSHOTS`` when that is set).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from browser_harness import DESKTOP, PHONE, bar_texts, launch_chromium, running_app
from playwright.sync_api import expect, sync_playwright

from model import load_model

TIMEOUT_MS = 20_000
FIRST_LOAD_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)


def _shot_dirs() -> list[Path]:
    dirs = [Path(tempfile.gettempdir()) / "heavylegs-screenshots"]
    if os.environ.get("HEAVYLEGS_SCREENSHOTS"):
        dirs.append(Path(os.environ["HEAVYLEGS_SCREENSHOTS"]))
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    return dirs


def _save(page, name: str) -> list[Path]:
    """Screenshot of the whole page: Streamlit scrolls inside its main container, so the
    viewport is made as tall as that content for the shot, then restored."""
    size = page.viewport_size
    page.wait_for_timeout(300)  # let the last rerun's elements settle
    height = page.evaluate("Math.max(...[...document.querySelectorAll("
                           "\"[data-testid='stMain'], [data-testid='stAppViewContainer']\")]"
                           ".map(e => e.scrollHeight), window.innerHeight)")
    page.set_viewport_size({"width": size["width"], "height": min(int(height), 8000)})
    page.wait_for_timeout(200)
    out = []
    for d in _shot_dirs():
        path = d / name
        page.screenshot(path=str(path), full_page=True)
        out.append(path)
    page.set_viewport_size(size)
    return out


def _no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


def _plan(n: int = 3) -> list[tuple[str, str]]:
    """The questions the app should ask (most informative first) and answers that move the
    current top cause down the most."""
    m = load_model()
    answers: dict[str, str] = {}
    plan = []
    for _ in range(n):
        d = m.diagnose(answers)
        q = m.question_map[d.next_questions[0].id]
        top = d.causes[0].id
        pick = min(q.states, key=lambda s: m.diagnose({**answers, q.id: s}).probability(top))
        answers[q.id] = pick
        plan.append((q.id, pick))
    return plan


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


def test_runner_answer_three_questions_on_a_phone(app_url, browser):
    m = load_model()
    plan = _plan(3)
    page = browser.new_page(viewport=PHONE)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url)
    # the first session builds the model (seconds on a busy 2-core machine)
    expect(page.get_by_text("First, a few warning signs")).to_be_visible(timeout=FIRST_LOAD_MS)
    expect(page.locator(".st-key-rn_rf_continue button")).to_be_visible()
    _save(page, "phone-1-red-flags.png")
    page.locator(".st-key-rn_rf_continue button").click()
    first = plan[0][0]
    expect(page.locator(f".st-key-rn_opt_{first}__unsure button")).to_be_visible()
    page.wait_for_function("document.querySelectorAll(\"[data-testid='stProgress']\").length >= 6")
    before = bar_texts(page)
    assert len(before) == 5 and before[0].startswith(m.diagnose({}).causes[0].label)
    answers: dict[str, str] = {}
    for i, (qid, state) in enumerate(plan):
        page.locator(f".st-key-rn_opt_{qid}_{state} button").click()
        answers[qid] = state
        if i + 1 < len(plan):  # the next most informative question appears
            expect(page.locator(f".st-key-rn_opt_{plan[i + 1][0]}__unsure button")).to_be_visible()
    d = m.diagnose(answers)
    want = f"{d.causes[0].label} · {d.causes[0].probability:.0%}"
    page.wait_for_function(
        "(w) => [...document.querySelectorAll(\"[data-testid='stProgress']\")]"
        ".some(e => e.innerText.includes(w))", arg=want)
    after = bar_texts(page)
    assert after != before
    assert after[0].startswith(want), (after, want)
    assert d.causes[0].id != m.diagnose({}).causes[0].id  # the ranking itself changed
    _no_exception(page)
    shots = _save(page, "phone-2-questions.png")
    assert shots[0].stat().st_size > 10_000
    page.locator(".st-key-rn_stop button").click()
    expect(page.get_by_text("Your result", exact=True)).to_be_visible()
    _no_exception(page)
    _save(page, "phone-3-result.png")
    page.close()


def test_desktop_pages_render_without_exception(app_url, browser):
    page = browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url)
    page.locator(".st-key-rn_rf_continue button").click()
    expect(answer_first := page.locator("[class*='st-key-rn_opt_'] button").first).to_be_visible()
    answer_first.click()
    page.wait_for_timeout(500)
    _no_exception(page)
    _save(page, "desktop-1-runner.png")
    page.goto(f"{app_url}/workbench")
    expect(page.get_by_text("Physio workbench").first).to_be_visible()
    expect(page.locator("[data-testid='stGraphVizChart'] svg")).to_be_visible()
    _no_exception(page)
    _save(page, "desktop-2-workbench.png")
    page.goto(f"{app_url}/about")
    expect(page.get_by_text("About heavylegs")).to_be_visible()
    _no_exception(page)
    _save(page, "desktop-3-about.png")
    page.close()
