"""Start the app on a free localhost port and drive it with Debian's Chromium.

Used by the browser test and the browser benchmarks (not by the app itself, so it lives with
the tests and is not installed).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(timeout: float = 30.0) -> Iterator[str]:
    """``streamlit run app.py`` on localhost; yields its URL and stops it afterwards.

    Raises
    ------
    RuntimeError
        If the server does not answer its health check within ``timeout`` seconds (with the
        server's output, so the cause is visible).
    """
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = tempfile.TemporaryFile()  # the server's output, shown only if it fails to start
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                out = log.read().decode(errors="replace")
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{out}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start within {timeout:.0f} s on {url}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium (``apt-get install chromium``; see ``make browser``)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found; run `make browser` (installs Debian's "
                           "chromium package)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)


def bar_texts(page: Any) -> list[str]:
    """Texts of the cause probability bars on the runner page, top first."""
    texts = page.locator(".st-key-rn_bars [data-testid='stProgress']").all_inner_texts()
    return [t.strip() for t in texts]


# the current question's buttons on the runner page: its answers, and the one that leaves it
# unanswered ("Not sure", "Prefer not to say"), which every question has, numbers included
ANSWERS = "[class*='st-key-rn_opt_']:not([class*='__unsure']) button"
UNSURE = "[class*='st-key-rn_opt_'][class*='__unsure'] button"


def answer_buttons(page: Any) -> Any:
    """The current question's answer buttons (not "Not sure")."""
    return page.locator(ANSWERS)


def say_no_to_warning_signs(page: Any, model: Any, settled: Any) -> dict[str, str]:
    """Answer "No" to every yes/no warning sign on the first screen (``settled(page)`` after
    each click), then continue; returns the answers given."""
    import re

    from ui.runner import red_flag_questions

    answers = {}
    for qid in red_flag_questions(model):
        if "no" in model.question_map[qid].states:
            page.locator(f".st-key-rn_rf_{qid} label").filter(
                has_text=re.compile(r"^\s*No\s*$")).click()
            answers[qid] = "no"
            settled(page)
    page.locator(".st-key-rn_rf_continue button").click()
    return answers


def settled(page: Any, timeout_ms: int = 20_000) -> None:
    """Wait until Streamlit has finished the rerun (not running, no stale elements)."""
    page.wait_for_timeout(150)
    page.wait_for_function("!document.querySelector(\"[data-testid='stStatusWidget'] "
                           "[data-testid='stStatusWidgetRunningIcon']\") && "
                           "!document.querySelector('[data-stale=\"true\"]')",
                           timeout=timeout_ms)
    page.wait_for_timeout(100)
