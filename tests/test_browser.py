"""A real browser: Debian's Chromium (Playwright) against ``streamlit run app.py``, at a phone
(390x844) and a desktop (1366x900) width.

- The runner's journey: warning signs, at least 8 adaptive answers (one "not sure", one Back),
  the result, two what-if moves and both downloads. After every answer: the question asked is
  the model's next, the headline and every bar show the model's numbers, and the page is
  back at the top (headline and question in view).
- The physio's journey: a case upload, two confidences, the population switch, a base-rate
  change, the tornado, a network click that sets an answer, and a share link opened in a fresh
  browser context showing the same numbers. The layout width never changes between reruns.
- Every page: no exception, and no serious or critical violation in an axe-core scan
  (``tests/vendor/axe.min.js``, vendored: no network at test time).

Screenshots of each step go to a folder under the temp dir (and ``$HEAVYLEGS_SCREENSHOTS``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from browser_harness import (
    ANSWERS,
    DESKTOP,
    PHONE,
    launch_chromium,
    running_app,
    say_no_to_warning_signs,
    settled,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

from model import load_model, next_to_ask
from ui.common import chance, pct

TIMEOUT_MS = 20_000
FIRST_LOAD_MS = 90_000
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SIZES = {"phone": PHONE, "desktop": DESKTOP}
expect.set_options(timeout=TIMEOUT_MS)
TIMINGS: dict[str, float] = {}


# ----------------------------------------------------------------------------- helpers
def _shot_dirs() -> list[Path]:
    dirs = [Path(tempfile.gettempdir()) / "heavylegs-screenshots"]
    if os.environ.get("HEAVYLEGS_SCREENSHOTS"):
        dirs.append(Path(os.environ["HEAVYLEGS_SCREENSHOTS"]))
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    return dirs


def _save(page, name: str, *, full: bool = False) -> list[Path]:
    """A screenshot of what the user sees (``full``: the whole page; Streamlit scrolls inside
    its main container, so the viewport is made as tall as that content for the shot)."""
    page.wait_for_timeout(250)
    size = page.viewport_size
    if full:
        height = page.evaluate("Math.max(...[...document.querySelectorAll("
                               "\"[data-testid='stMain'], [data-testid='stAppViewContainer']\")]"
                               ".map(e => e.scrollHeight), window.innerHeight)")
        page.set_viewport_size({"width": size["width"], "height": min(int(height), 8000)})
        page.wait_for_timeout(300)
    out = []
    for d in _shot_dirs():
        path = d / name
        page.screenshot(path=str(path))
        out.append(path)
    if full:
        page.set_viewport_size(size)
        page.wait_for_timeout(200)
    return out


def _no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    body = page.locator("body").inner_text()
    assert "SyntaxError" not in body and "[sprintf]" not in body and "Traceback" not in body


def _settled(page) -> None:
    """Wait until Streamlit has finished the rerun (no stale elements, not running)."""
    settled(page, TIMEOUT_MS)


def _axe(page, where: str) -> None:
    """No serious or critical accessibility violation (WCAG 2 A and AA rules of axe-core)."""
    _settled(page)
    page.wait_for_function("![...document.querySelectorAll(\"[data-testid='stElementContainer']\")]"
                           ".some(e => getComputedStyle(e).opacity !== '1')")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => [n.target.join(' ').slice(-120),
            n.html.slice(0, 160), (n.any[0] || {}).message])}));
    }""")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    for v in bad:
        print(where, v)
    assert not bad, (where, [(v["id"], v["nodes"]) for v in bad])


def _in_view(page, selector: str, within_ms: int = 3000) -> bool:
    """Whether the element's top is on the screen within ``within_ms``: the app's scroll back
    to the top is a script Streamlit runs as its element arrives, a moment after the page has
    settled (CI once read the page a few ms before it ran)."""
    try:
        page.wait_for_function(
            """(s) => { const e = document.querySelector(s); if (!e) return false;
                const r = e.getBoundingClientRect();
                return r.width > 0 && r.top >= 0 && r.top + Math.min(r.height, 40)
                       <= window.innerHeight; }""", arg=selector, timeout=within_ms)
    except PlaywrightTimeout:
        return False
    return True


def _scroll_down(page) -> None:
    page.evaluate("for (const s of ['[data-testid=\"stMain\"]', "
                  "'[data-testid=\"stAppViewContainer\"]']) { const e = "
                  "document.querySelector(s); if (e) e.scrollTop = e.scrollHeight; }")


def _bars(page) -> list[str]:
    return [t.strip() for t in page.locator(".st-key-rn_bars [data-testid='stProgress']")
            .all_inner_texts()]


def _current_question(page) -> str:
    page.wait_for_selector("[class*='st-key-rn_opt_'][class*='__unsure']")
    return page.evaluate("""() => { const e = document.querySelector(
        "[class*='st-key-rn_opt_'][class*='__unsure']");
        return [...e.classList].find(c => c.startsWith('st-key-rn_opt_'))
            .slice('st-key-rn_opt_'.length, -'__unsure'.length); }""")


def _expected_next(m, answers: dict[str, Any], unsure: list[str]) -> str:
    qid = next_to_ask(m.diagnose(answers), skip=set(unsure))
    assert qid is not None
    return qid


def _check_numbers(page, m, answers: dict[str, Any], lead: str = "Most likely so far") -> None:
    """The headline and every bar show the model's numbers for these answers (``lead``:
    the headline's words, "so far" while questions are asked, not on the result page)."""
    d = m.diagnose(answers)
    top = d.causes[0]
    expect(page.locator(".st-key-rn_headline")).to_contain_text(
        f"{lead}: {top.label} · {pct(top.probability)}")
    want = [f"{c.label} · {chance(c)}" for c in d.causes[:5]]  # with its interval
    page.wait_for_function("(w) => [...document.querySelectorAll(\".st-key-rn_bars "
                           "[data-testid='stProgress']\")].map(e => e.innerText.trim())"
                           ".join('|') === w", arg="|".join(want))
    assert _bars(page) == want


def _answer_value(m, qid: str, step: int) -> Any:
    q = m.question_map[qid]
    if q.type == "number":
        return int(q.typical) if q.typical is not None else int(((q.min or 0) + (q.max or 10)) / 2)
    states = list(q.states)
    return states[-1] if step % 2 else states[0]


def _click_answer(page, m, qid: str, value: Any) -> None:
    q = m.question_map[qid]
    if value is None:
        page.locator(f".st-key-rn_opt_{qid}__unsure button").click()
    elif q.type == "number":
        box = page.locator(f".st-key-rn_num_{qid} input")
        box.fill(str(value))
        if qid == "age":  # a keyboard user: Enter in the box saves the answer
            box.press("Enter")
        else:
            page.locator(f".st-key-rn_save_{qid} button").click()
    else:
        page.locator(f".st-key-rn_opt_{qid}_{value} button").click()


def _whatif_text(page) -> str:
    return page.locator("[data-testid='stExpander']").filter(
        has_text="What if you changed your training?").inner_text()


def _move_slider(page, key: str, presses: int) -> None:
    thumb = page.locator(f"[class*='st-key-{key}'] input[type='range']").first
    thumb.focus()
    for _ in range(abs(presses)):
        page.keyboard.press("ArrowRight" if presses > 0 else "ArrowLeft")
    _settled(page)


# ----------------------------------------------------------------------------- fixtures
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


# ----------------------------------------------------------------------------- the runner
def _red_flags(page, m, tag: str) -> dict[str, Any]:
    expect(page.get_by_text("First, a few warning signs")).to_be_visible(timeout=FIRST_LOAD_MS)
    _no_exception(page)
    _axe(page, "warning signs")
    _save(page, f"{tag}-runner-1-warning-signs.png")
    return dict(say_no_to_warning_signs(page, m, _settled))


def _adaptive(page, m, answers: dict[str, Any], tag: str) -> tuple[dict[str, Any], list[str]]:
    """At least 8 answers, one "not sure" (step 2) and one Back (after step 4)."""
    unsure: list[str] = []
    history: list[str] = []
    step = 0
    backed = False
    while step < 9:
        qid = _current_question(page)
        want = _expected_next(m, answers, unsure)
        if qid != want:  # which it was, with the gains, to tell a tie from a wrong question
            gains = {g.id: g.expected_information_gain for g in m.diagnose(answers).next_questions}
            raise AssertionError((step, qid, want, gains.get(qid), gains.get(want), answers,
                                  unsure))
        _check_numbers(page, m, answers)
        assert _in_view(page, ".st-key-rn_headline"), f"headline scrolled away at step {step}"
        assert _in_view(page, "h3"), f"question scrolled away at step {step}"
        if step == 0:
            _axe(page, "question")
        _save(page, f"{tag}-runner-2-question-{step + 1}.png")
        if step == 4 and not backed:  # Back: the last question again, its answer shown
            backed = True
            page.locator(".st-key-rn_back button").click()
            last = history[-1]
            expect(page.locator(f".st-key-rn_opt_{last}__unsure button")).to_be_visible()
            earlier = answers.pop(last)
            label = m.question_map[last].answer_label(earlier)
            expect(page.get_by_text("Your earlier answer:")).to_contain_text(label)
            if m.question_map[last].type != "number":
                marked = page.locator(f".st-key-rn_opt_{last}_{earlier} button").first
                expect(marked).to_contain_text("✓")
            else:  # the earlier number as the runner wrote it ("30", not "30.00")
                shown = page.locator(f".st-key-rn_num_{last} input").input_value()
                assert float(shown) == float(earlier) and ".00" not in shown, shown
            _save(page, f"{tag}-runner-3-back.png")
            history.pop()
            _click_answer(page, m, last, earlier)
            answers[last] = earlier
            history.append(last)
            page.wait_for_function(
                "(q) => !document.querySelector(`.st-key-rn_opt_${q}__unsure`)", arg=last
            )  # the next question is drawn (reading before it was drawn raced here)
            _settled(page)
            continue
        value = None if step == 2 else _answer_value(m, qid, step)
        _scroll_down(page)  # the runner was reading the ranking below
        _click_answer(page, m, qid, value)
        if value is None:
            unsure.append(qid)
        else:
            answers[qid] = value
        history.append(qid)
        step += 1
        page.wait_for_function("(q) => !document.querySelector(`.st-key-rn_opt_${q}__unsure`)",
                               arg=qid)  # the next question is drawn
        _settled(page)
        _no_exception(page)
    return answers, unsure


def _what_if(page, m, answers: dict[str, Any], tag: str) -> None:
    more = page.locator(".st-key-rn_wi__more input[type='checkbox']")
    moved = ("weekly_distance_change_pct", "rest_days_per_week")  # the two moves below
    if any(q not in answers for q in moved) and not more.is_checked():
        page.locator(".st-key-rn_wi__more label").click()  # the factors not answered
        _settled(page)
    # the weekly-distance slider (unit "%") is drawn as a slider, not an error
    expect(page.locator("[class*='st-key-rn_wi_weekly_distance_change_pct'] "
                        "input[type='range']")).to_be_visible()
    _no_exception(page)
    # a handle a thumb can take: 24 px drawn, and a tap up to 20 px from its centre lands on
    # it (44 px across; a runner walk measured 12 px handles that a tap beside missed)
    hit = page.evaluate("""() => { const t = document.querySelector(
        "[data-testid='stSlider'] div[style*='translate(-50%, -50%)']");
        t.scrollIntoView({block: 'center'}); const r = t.getBoundingClientRect();
        const e = document.elementFromPoint(r.left + r.width / 2 + 20, r.top + r.height / 2);
        return [r.width, r.height, t.contains(e)]; }""")
    assert hit[0] >= 24 and hit[1] >= 24 and hit[2], hit
    d = m.diagnose(answers)
    text = _whatif_text(page)
    now = pct(m.what_if(answers, {}).p_heavy_legs)
    assert f"How often runners with your habits get heavy legs: {now}" in text
    for c in d.causes[:3]:
        assert f"{c.label}: {pct(c.probability)}" in text  # the ranking's own numbers
    changes: dict[str, Any] = {}
    for qid, presses in (("weekly_distance_change_pct", -4), ("rest_days_per_week", 2)):
        q = m.question_map[qid]
        start = answers.get(qid, q.typical)
        _move_slider(page, f"rn_wi_{qid}_", presses)
        step = (q.slider or (0, 0, 1))[2]
        changes[qid] = int(start + presses * step)
        w = m.what_if(answers, changes)
        after = m.diagnose({**answers, **changes})
        box = page.locator(".st-key-rn_wi__result")
        expect(box).to_contain_text(f"How often runners with your habits get heavy legs: "
                                    f"{pct(w.baseline_p_heavy_legs)} → {pct(w.p_heavy_legs)}")
        for c in d.causes[:3]:
            expect(box).to_contain_text(
                f"{c.label}: {pct(c.probability)} → {pct(after.probability(c.id))}")
        _save(page, f"{tag}-runner-5-what-if-{qid}.png")


def _downloads(page, m, answers: dict[str, Any]) -> None:
    with page.expect_download() as dl:
        page.locator(".st-key-rn_dl_pdf button").click()
    pdf = Path(dl.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    with page.expect_download() as dl:
        page.locator(".st-key-rn_dl_json button").click()
    doc = json.loads(Path(dl.value.path()).read_text())
    assert doc["answers"] == {k: v for k, v in answers.items()}
    # the share link, folded (25 lines on a phone): its copy button shows without hovering
    # (a phone cannot hover)
    page.get_by_text("Share link for a physio", exact=True).click()
    copy = page.locator("[data-testid='stCode'] button[aria-label='Copy to clipboard']").first
    page.mouse.move(0, 0)
    opacity = copy.evaluate("b => { let o = 1; for (let e = b; e; e = e.parentElement) "
                            "o *= parseFloat(getComputedStyle(e).opacity); return o; }")
    assert copy.is_visible() and opacity == 1
    size = copy.bounding_box()
    assert size is not None and min(size["width"], size["height"]) >= 44  # a finger's target


@pytest.mark.parametrize("size", list(SIZES))
def test_runner_journey(app_url, browser, size):
    m = load_model()
    page = browser.new_page(viewport=SIZES[size])
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url)
    # nothing to lose yet: leaving the page is not questioned
    assert page.evaluate("() => window.onbeforeunload") is None
    answers = _red_flags(page, m, size)
    # answers live only in this browser: a reload or Back asks first (a runner walk)
    page.wait_for_function("() => typeof window.onbeforeunload === 'function'")
    answers, unsure = _adaptive(page, m, answers, size)
    assert len([a for a in answers if m.question_map[a].group != "red_flags"]) >= 7
    # the result
    page.locator(".st-key-rn_stop button").click()
    expect(page.get_by_text("Your result", exact=True)).to_be_visible()
    _settled(page)
    _check_numbers(page, m, answers, lead="Most likely")
    assert "so far" not in page.locator(".st-key-rn_headline").inner_text()
    assert _in_view(page, ".st-key-rn_headline")
    _no_exception(page)
    _axe(page, "result")
    _save(page, f"{size}-runner-4-result.png", full=True)
    _what_if(page, m, answers, size)
    _downloads(page, m, answers)
    _no_exception(page)
    page.close()


# ----------------------------------------------------------------------------- the physio
WIDTHS = """() => { window.__widths = []; const rec = () => {
    const e = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (e) window.__widths.push(Math.round(e.getBoundingClientRect().width));
    requestAnimationFrame(rec); }; rec(); }"""
CASE = {"answers": {"age": 28, "sex": "female", "performance_declining": "yes",
                    "resting_hr_elevated": "yes", "sleep_or_mood_disturbed": "yes",
                    "heaviness_onset": "from_start", "weekly_distance_change_pct": 40},
        "population": "self_assessment"}


def _table(page) -> dict[str, tuple[float, float]]:
    """The posterior table as the grid exposes it (cause, now, prior, ...): cause label ->
    (prior %, posterior %)."""
    cells = page.locator(".st-key-wb_result [data-testid='stDataFrame'] [role='gridcell']")
    texts = [t.strip() for t in cells.all_inner_texts()]
    out = {}
    for i, t in enumerate(texts):
        if i + 2 < len(texts) and not re.fullmatch(r"[-+0-9.e]+", t):
            try:
                out[t] = (float(texts[i + 2]), float(texts[i + 1]))
            except ValueError:
                continue
    return out


def _check_table(page, d) -> None:
    want = {c.label: (round(100 * c.prior, 1), round(100 * c.probability, 1))
            for c in d.causes}
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        got = {k: (round(a, 1), round(b, 1)) for k, (a, b) in _table(page).items()}
        if got and all(want[k] == v for k, v in got.items() if k in want) \
                and d.causes[0].label in got:
            return
        if time.monotonic() > deadline:
            raise AssertionError((got, want))
        page.wait_for_timeout(200)


def _pick(page, key: str, option: str) -> None:
    """Choose a selectbox option with the keyboard (type it, Enter), waiting until the
    filtered list offers that option first: under load the list can lag the typing, and
    Enter then takes whichever option was first (a CI run chose the wrong cause)."""
    box = page.locator(f".st-key-{key} input")
    box.click()
    box.press_sequentially(option)
    page.wait_for_function(
        "(o) => { const f = document.querySelector(\"[role='listbox'] [role='option']\");"
        " return !!f && f.innerText.trim() === o; }", arg=option)
    box.press("Enter")
    _settled(page)
    page.wait_for_function(  # the box shows the choice (as text or as the input's value)
        "([k, o]) => { const e = document.querySelector('.st-key-' + k);"
        " return !!e && (e.innerText + ' ' + [...e.querySelectorAll('input')]"
        ".map(i => i.value).join(' ')).includes(o); }", arg=[key, option])


def _network_click(page, m, node: str) -> None:
    """Click a node of the network chart (its circle, found by the accessible label Vega
    gives each mark)."""
    from ui.network_graph import node_name

    name = node_name(m, node).rstrip("…")[:24]
    circle = page.locator(".st-key-wb_net [aria-roledescription='circle']"
                          f"[aria-label*='{name}']").first
    circle.scroll_into_view_if_needed()
    circle.click(force=True)
    _settled(page)


def _physio_answers_and_confidence(page, m, tag: str) -> tuple[dict, dict]:
    answers = dict(CASE["answers"])
    page.locator(".st-key-wb_upload input[type='file']").set_input_files(files=[{
        "name": "case.json", "mimeType": "application/json",
        "buffer": json.dumps(CASE).encode()}])
    expect(page.get_by_text("Loaded 7 answers from case.json.")).to_be_visible()
    _settled(page)
    _check_table(page, m.diagnose(answers))
    top = m.diagnose(answers).causes[0]
    expect(page.locator(".st-key-wb_why [role='combobox']")).to_have_accessible_name(
        re.compile("Why"))
    expect(page.locator(".st-key-wb_why")).to_have_attribute("class", re.compile("wb_why"))
    assert top.label in page.locator(".st-key-wb_why").evaluate(
        "e => e.innerText + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')")
    _save(page, f"{tag}-physio-2-uploaded.png")
    # two confidences, in the Symptoms tab: the tab stays open and the focus stays put
    page.get_by_role("tab", name="Symptoms").click()
    conf = {}
    for qid, c in (("performance_declining", 0.8), ("resting_hr_elevated", 0.6)):
        _pick(page, f"wb_c_{qid}", f"{c:.0%} sure")
        conf[qid] = c
        # the keyboard focus stays on the box just used
        assert page.evaluate("(k) => !!document.activeElement.closest('.st-key-' + k)",
                             f"wb_c_{qid}"), "the focus left the confidence box"
        expect(page.get_by_role("tab", name="Symptoms")).to_have_attribute("aria-selected",
                                                                            "true")
    _check_table(page, m.diagnose(answers, confidence=conf))
    _save(page, f"{tag}-physio-3-confidences.png")
    return answers, conf


# the physio's bench at desktop width (where physios explore cases; its phone layout is
# walked by hand before each release, README "The app"): CI time
@pytest.mark.parametrize("size", ["desktop"])
def test_physio_journey(app_url, browser, size):
    m = load_model()
    page = browser.new_page(viewport=SIZES[size])
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{app_url}/physio")  # the documented address
    expect(page.get_by_text("Physio workbench").first).to_be_visible(timeout=FIRST_LOAD_MS)
    page.wait_for_selector(".st-key-wb_result [data-testid='stDataFrame']")
    _settled(page)
    page.evaluate(WIDTHS)
    _no_exception(page)
    _axe(page, "workbench")
    _save(page, f"{size}-physio-1-start.png")
    answers, conf = _physio_answers_and_confidence(page, m, size)
    # population switch
    page.locator(".st-key-wb_population label").filter(has_text="Physio clinic").click()
    _settled(page)
    clinic = load_model(population="clinic")
    _check_table(page, clinic.diagnose(answers, confidence=conf))
    # a base rate: 0.2 % can be entered and the prior it gives is shown
    page.locator(".st-key-wb_br_open summary").click()
    _settled(page)
    _pick(page, "wb_br_cause", "Overreaching or overtraining")
    box = page.locator(".st-key-wb_br_clinic_overtraining input")
    box.fill("0.2")
    box.press("Enter")
    _settled(page)
    adjusted = clinic.with_base_rates({"overtraining": 0.002})
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Prior it gives")) \
        .to_contain_text(f"{100 * adjusted.priors['overtraining']:.1f}%")
    _check_table(page, adjusted.diagnose(answers, confidence=conf))
    # the box keeps the keyboard focus after the first change (a physio walk: the panel was
    # made anew when the count of changed rates in its label changed, and the focus left)
    assert page.evaluate("() => !!document.activeElement.closest('.st-key-wb_br_clinic_"
                         "overtraining')")
    expect(page.locator(".st-key-wb_br_open")).to_contain_text("1 changed")
    _save(page, f"{size}-physio-4-base-rate.png")
    # the tornado, timed from the click to the drawn chart
    t0 = time.monotonic()
    page.locator(".st-key-wb_tornado label").click()
    page.wait_for_selector(".st-key-wb_tornado_box [role='graphics-document']")
    TIMINGS[f"tornado-{size}"] = time.monotonic() - t0
    for d in _shot_dirs():  # a figure for the README, not a timed test
        (d / f"{size}-tornado-seconds.txt").write_text(f"{TIMINGS[f'tornado-{size}']:.2f}\n")
    _no_exception(page)
    _save(page, f"{size}-physio-5-tornado.png")
    # what widens the intervals: the model's numbers for the leading cause
    page.locator(".st-key-wb_drivers label").click()
    drivers = adjusted.interval_drivers(answers, confidence=conf,
                                        causes=(adjusted.diagnose(answers, confidence=conf)
                                                .top.id,))
    first = next(iter(drivers.values()))[0].param.key
    expect(page.locator(".st-key-wb_drivers_box [data-testid='stDataFrame']")).to_contain_text(
        first.split(": ")[1][:20])
    _no_exception(page)
    _save(page, f"{size}-physio-5-intervals.png")
    # the network: click a question node, see its sources, set its answer
    _network_click(page, m, "cramps")
    expect(page.locator(".st-key-wb_node_panel")).to_contain_text("cramps")
    page.locator(".st-key-wb_node_set_cramps_yes button").click()
    _settled(page)
    answers["cramps"] = "yes"
    _check_table(page, adjusted.diagnose(answers, confidence=conf))
    _save(page, f"{size}-physio-6-network.png")
    # a test's cost, then the case file: it keeps the cost (a physio walk: the file was made
    # after the click, outside the page's run, and lost the session's costs)
    page.locator("summary").filter(has_text="Costs (units)").click()
    cost = page.locator(".st-key-wb_cost_test_duplex_arterial input")
    cost.fill("5")
    cost.press("Enter")
    _settled(page)
    with page.expect_download() as dl:
        page.locator(".st-key-wb_dl_json button").click()
    saved = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert saved["test_costs"] == {"test_duplex_arterial": 5.0}
    assert saved["answers"]["cramps"] == "yes"
    # the share link, opened in a fresh browser context: the same screen
    page.locator(".st-key-wb_share button, [data-testid='stPopover'] button").first.click()
    link = page.locator("[data-testid='stPopoverBody'] code").first.inner_text().strip()
    assert link.startswith(f"{app_url}/physio?case=h1.") and "&view=v1." in link
    page.keyboard.press("Escape")
    widths = set(page.evaluate("window.__widths"))
    assert len(widths) == 1, f"the layout width changed between reruns: {sorted(widths)}"
    _no_exception(page)
    _save(page, f"{size}-physio-7-full.png", full=True)
    fresh = browser.new_context(viewport=SIZES[size])
    other = fresh.new_page()
    other.goto(link)
    expect(other.get_by_text("Physio workbench").first).to_be_visible(timeout=FIRST_LOAD_MS)
    other.wait_for_selector(".st-key-wb_result [data-testid='stDataFrame']")
    _settled(other)
    _check_table(other, adjusted.diagnose(answers, confidence=conf))
    expect(other.locator(".st-key-wb_population input[type='radio']").nth(1)).to_be_checked()
    expect(other.locator(".st-key-wb_br_open")).to_contain_text("1 changed")
    _no_exception(other)
    _save(other, f"{size}-physio-8-shared.png")
    fresh.close()
    page.close()


REASSURING = ("Good habits", "Changes that could help most", "What would change the conclusion",
              "Running on is fine", "easy running is fine", "No red flags")


def test_red_flag_disposition_screen(app_url, browser):
    """Issue 14: a red flag (chest pain) gives one disposition screen at phone width: what to
    do, where, call buttons, running, what to do meanwhile; nothing reassuring on it or on the
    result after it; accessible (axe)."""
    from ui.runner import red_flag_questions

    m = load_model()
    page = browser.new_page(viewport=SIZES["phone"])
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url)
    expect(page.get_by_text("First, a few warning signs")).to_be_visible(timeout=FIRST_LOAD_MS)
    say = {"chest_pain_or_fainting": "Yes"}
    for qid in red_flag_questions(m):
        if "no" in m.question_map[qid].states:
            want = say.get(qid, "No")
            page.locator(f".st-key-rn_rf_{qid} label").filter(
                has_text=re.compile(rf"^\s*{want}\s*$")).click()
            _settled(page)
    page.locator(".st-key-rn_rf_continue button").click()
    expect(page.get_by_text("Please act on this first")).to_be_visible()
    _settled(page)
    body = page.inner_text("body")
    for needed in ("Call an ambulance", "Where:", "Running until seen:", "While you wait:"):
        assert needed in body, needed
    assert not any(r in body for r in REASSURING)
    hrefs = {page.locator("a[href^='tel:']").nth(i).get_attribute("href")
             for i in range(page.locator("a[href^='tel:']").count())}
    assert {"tel:112", "tel:999", "tel:911"} <= hrefs
    # a call opens outside the page: the page is not left, so its "leave the page?" guard
    # (there are answers) never stands between the runner and the call
    page.wait_for_function("() => typeof window.onbeforeunload === 'function'")
    calls = page.locator("a[href^='tel:']")
    assert all(calls.nth(i).get_attribute("target") == "_blank" for i in range(calls.count()))
    assert page.locator(".st-key-rn_dl_pdf").count() == 0  # the report waits for the result
    _no_exception(page)
    _axe(page, "disposition")
    _save(page, "phone-runner-red-flag-disposition.png")
    page.locator(".st-key-rn_tri_continue button").click()
    _settled(page)
    page.locator(".st-key-rn_stop button").click()
    expect(page.get_by_text("Your result", exact=True)).to_be_visible()
    _settled(page)
    body = page.inner_text("body")
    assert page.locator(".st-key-rn_headline").count() == 0  # the emergency box comes first
    assert "Training advice, what-ifs and habits are left out" in body
    assert not any(r in body for r in REASSURING)
    _no_exception(page)
    _save(page, "phone-runner-red-flag-result.png")
    page.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_about_page_by_the_menu(app_url, browser, size):
    """The pages' links are one row at every width; choosing one leaves no menu over it; the
    browser fetches nothing from outside the app (the tab's icon once came from Google)."""
    page = browser.new_page(viewport=SIZES[size])
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((app_url, "data:", "blob:"))
            else outside.append(r.url))
    page.goto(app_url)
    expect(page.get_by_text("First, a few warning signs")).to_be_visible(timeout=FIRST_LOAD_MS)
    page.locator(".st-key-hl_nav").get_by_role("link", name="About").click()
    expect(page.get_by_text("About heavylegs")).to_be_visible()
    _settled(page)
    assert _in_view(page, "h1")
    assert page.locator("[data-testid='stSidebar']").count() == 0
    _no_exception(page)
    _axe(page, "about")
    _save(page, f"{size}-about.png")
    # the self-check page by its own name opens it (it lives at "/"; the name gave "Page
    # not found"), and its link in the row leads back
    page.goto(f"{app_url}/self-check")
    expect(page.get_by_text("First, a few warning signs")).to_be_visible(timeout=FIRST_LOAD_MS)
    assert "Page not found" not in page.inner_text("body")
    assert outside == []
    page.close()


def test_the_workbench_on_a_phone_shows_the_result_before_the_answers(app_url, browser):
    """At phone width the workbench's columns stack: the result comes first (not after some
    30 answer rows), with a note that the bench is made for a wider screen; at desktop width
    the note is hidden and the answers sit left of the result."""
    for size, first in (("phone", True), ("desktop", False)):
        page = browser.new_page(viewport=SIZES[size])
        page.goto(f"{app_url}/physio")
        page.locator(".st-key-wb_result").wait_for(timeout=FIRST_LOAD_MS)
        _settled(page)
        # st.html's code loads on demand: on a fresh page the app's style rules arrive about
        # 1-2 s after the rest (measured), so wait for them rather than for the page alone
        page.wait_for_function("[...document.querySelectorAll('style')]"
                               ".some(s => s.textContent.includes('wb_phone_note'))")
        result = page.locator(".st-key-wb_result").bounding_box()
        answers = page.get_by_role("heading", name="Answers").bounding_box()
        assert result is not None and answers is not None
        if first:
            assert result["y"] < answers["y"]
        else:
            assert result["x"] > answers["x"] and abs(result["y"] - answers["y"]) < 200
        assert page.locator(".st-key-wb_phone_note").is_visible() is first
        # stacked, the level and the leading causes stay in view over the form (a physio
        # walk at 1024 px: the answers began 5,000 px below the result)
        mini = page.locator(".st-key-wb_mini")
        assert mini.is_visible() is first
        if first:
            page.get_by_role("heading", name="Answers").scroll_into_view_if_needed()
            page.mouse.wheel(0, 400)
            page.wait_for_timeout(300)
            box = mini.bounding_box()
            assert box is not None and 0 <= box["y"] < SIZES[size]["height"] / 3
            # the empty bench has no verdict (a re-walk: "Self-care" there)
            expect(mini).to_contain_text("No answers yet")
        _no_exception(page)
        _save(page, f"{size}-workbench-layout.png")
        page.close()


def test_an_urgent_level_on_a_tablet_is_the_red_summary_line(app_url, browser):
    """A physio walk at 1024 px: the sticky red box and the summary line over it took a
    fifth of the screen and covered the rows below. Where the columns stack, the summary
    line says the urgent level in red and the red box is hidden; on a wide desktop the red
    box stays in view (and the line is not shown)."""
    from model import Screen, share_link

    m = load_model()
    answers = {"age": 50, "calf_warm_red_tender": "yes"}
    assert m.diagnose(answers).triage.level == "urgent"
    link = share_link(m, Screen(answers, {}, m.population, {}), f"{app_url}/physio")
    for viewport, narrow in (({"width": 1024, "height": 768}, True), (SIZES["desktop"], False)):
        page = browser.new_page(viewport=viewport)
        page.goto(link)
        expect(page.locator(".st-key-wb_result")).to_contain_text(
            "Get medical help today", timeout=FIRST_LOAD_MS)
        _settled(page)
        page.wait_for_function("[...document.querySelectorAll('style')]"
                               ".some(s => s.textContent.includes('wb_phone_note'))")
        alert = page.locator(".st-key-wb_alert [data-testid='stAlert']")
        mini = page.locator(".st-key-wb_mini")
        assert alert.is_visible() is not narrow
        assert mini.is_visible() is narrow
        if narrow:
            expect(mini).to_contain_text("Get medical help today: check for deep vein thrombosis")
            page.get_by_role("heading", name="Answers").scroll_into_view_if_needed()
            box = mini.bounding_box()
            assert box is not None and box["height"] < 80  # one line, not a fifth of 768
        _no_exception(page)
        _save(page, f"workbench-urgent-{viewport['width']}.png")
        page.close()


def test_a_phone_held_sideways_shows_the_first_warning_sign(app_url, browser):
    """At 844 x 390 (a phone in landscape) the first warning sign's answers are on the first
    screen above the sticky Continue button: the page's 96 px top margin and 36 px title
    took the screen down to the Continue button alone (a walk at landscape width)."""
    page = browser.new_page(viewport={"width": 844, "height": 390}, is_mobile=True,
                            has_touch=True)
    page.goto(app_url)
    page.locator(".st-key-rn_rf_continue button").wait_for(timeout=FIRST_LOAD_MS)
    _settled(page)
    page.wait_for_function("[...document.querySelectorAll('style')]"
                           ".some(s => s.textContent.includes('wb_phone_note'))")
    first = page.locator("[class*='st-key-rn_rf_'] [role='radiogroup']").first
    box = first.bounding_box()
    cont = page.locator(".st-key-rn_rf_continue button").bounding_box()
    assert box is not None and cont is not None
    # the answers' row (44 px touch targets) can be tapped: its middle is above the button
    assert box["y"] + box["height"] / 2 < cont["y"], (box, cont)
    _no_exception(page)
    _save(page, "landscape-runner-warning-signs.png")
    # and on each question page the question, not the level and ranking above it, is what
    # the 390 px show: its words and its first answer (a walk: off screen on every step)
    m = load_model()
    say_no_to_warning_signs(page, m, _settled)
    _settled(page)
    for _ in range(3):
        if page.locator(".st-key-rn_tri_continue button").count():
            page.locator(".st-key-rn_tri_continue button").click()
            _settled(page)
        assert _in_view(page, ".st-key-rn_question h3"), "the question is off screen"
        answer = page.locator(ANSWERS).first if page.locator(ANSWERS).count() else \
            page.locator("[class*='st-key-rn_num_'] input").first
        answer.wait_for()
        box = answer.bounding_box()
        assert box is not None and box["y"] < 390, box
        _save(page, "landscape-runner-question.png")
        if page.locator(ANSWERS).count():
            page.locator(ANSWERS).first.click()
        else:
            page.locator("[class*='st-key-rn_num_'] input").first.fill("34")
            page.locator("[class*='st-key-rn_save_'] button").first.click()
        _settled(page)
    page.close()
