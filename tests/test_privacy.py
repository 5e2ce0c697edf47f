"""Privacy: no network outside localhost at run time, nothing about answers written to logs
or disk, and the Streamlit server configured for privacy and safety."""

from __future__ import annotations

import builtins
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from model import load_model
from model.workflows.cases import load_case
from ui import runner

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CASE = ROOT / "tests" / "fixtures" / "examples" / "runner-hot-long-run.json"


def _is_local(address: Any) -> bool:
    """True for a Unix socket path or a loopback host (name or IP)."""
    if isinstance(address, str | bytes):  # AF_UNIX
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def outside_connections(monkeypatch) -> list[str]:
    """Record (and refuse) every connection or name lookup that leaves the machine."""
    seen: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def guard(address: Any) -> None:
        if not _is_local(address):
            seen.append(repr(address))
            raise OSError(f"test_privacy: network access to {address!r} refused")

    def connect(self, address):
        guard(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        guard(address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        guard(address)
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        guard((host,))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


def test_guard_catches_an_outside_connection(outside_connections) -> None:
    """The guard itself works, so the tests below can fail."""
    with pytest.raises(OSError, match="refused"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    assert outside_connections == ["('192.0.2.1', 80)"]
    assert _is_local(("127.0.0.1", 8501)) and _is_local(("::1", 1)) and _is_local("/tmp/x")


def test_no_network_during_a_diagnosis(outside_connections) -> None:
    m = load_model()
    answers = dict(load_case(CASE).case.answers)
    d = m.diagnose(answers)
    w = m.what_if(answers, {"sleep_hours": 8})
    assert d.causes and w.causes
    assert outside_connections == []


_WRAPPER = """
import json, os, runpy, socket, sys, ipaddress
seen = []
def local(a):
    if isinstance(a, (str, bytes)):
        return True
    h = a[0] if isinstance(a, tuple) else a
    if h in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(h).split("%")[0]).is_loopback
    except ValueError:
        return False
def wrap(real, addr_of):
    def f(*a, **k):
        addr = addr_of(a)
        if not local(addr):
            seen.append(repr(addr))
            raise OSError("network refused")
        return real(*a, **k)
    return f
socket.socket.connect = wrap(socket.socket.connect, lambda a: a[1])
socket.socket.connect_ex = wrap(socket.socket.connect_ex, lambda a: a[1])
socket.create_connection = wrap(socket.create_connection, lambda a: a[0])
socket.getaddrinfo = wrap(socket.getaddrinfo, lambda a: (a[0],))
code = 0
try:
    sys.argv = ["model"] + sys.argv[1:]
    runpy.run_module("model", run_name="__main__", alter_sys=True)
except SystemExit as e:
    code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
with open(os.environ["PRIVACY_REPORT"], "w") as fh:
    json.dump(seen, fh)
sys.exit(code)
"""


def test_no_network_during_a_cli_run(tmp_path: Path) -> None:
    report = tmp_path / "seen.json"
    env = dict(os.environ, PRIVACY_REPORT=str(report))
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "diagnose", str(CASE)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["causes"]
    assert json.loads(report.read_text()) == []
    assert "Traceback" not in proc.stderr


def test_no_network_and_no_files_written_during_an_app_run(
    outside_connections, monkeypatch
) -> None:
    written: list[str] = []
    real_open = builtins.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(c in str(mode) for c in "wax+"):
            written.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    m = load_model()
    at = AppTest.from_file(APP, default_timeout=60).run()
    monkeypatch.setattr(builtins, "open", guarded_open)
    for qid in runner.red_flag_questions(m):
        q = m.question_map[qid]
        at.radio(key=f"rn_rf_{qid}").set_value("no" if "no" in q.states else "Not sure")
    at.button(key="rn_rf_continue").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["rn_stage"] == "questions"  # a diagnosis was shown
    assert outside_connections == []
    assert written == []


def test_streamlit_config_is_private_and_safe() -> None:
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"]["enableXsrfProtection"] is True
    size = cfg["server"]["maxUploadSize"]  # megabytes; Streamlit's default is 200
    assert isinstance(size, int) and 1 <= size <= 10
    assert cfg["client"]["showErrorDetails"] is False


def _sources(*parts: str) -> list[Path]:
    out: list[Path] = []
    for p in parts:
        path = ROOT / p
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def test_no_unsafe_html_in_the_ui() -> None:
    """No text is drawn as raw HTML, except the app's own style rules: one constant (no
    formatting, so no user text can enter it), drawn as Markdown because st.html's code loads
    on demand and its rules arrived 1-2 s late on a fresh page."""
    files = _sources("ui", "app.py")
    assert len(files) > 3
    allowed = "st.markdown(CSS, unsafe_allow_html=True)"
    bad = [
        f"{f.relative_to(ROOT)}:{i}"
        for f in files
        for i, line in enumerate(f.read_text().splitlines(), 1)
        if re.search(r"unsafe_allow_html\s*=\s*True", line)
        and not (f.name == "common.py" and line.strip() == allowed)
    ]
    assert bad == []
    from ui import common

    src = (ROOT / "ui" / "common.py").read_text()
    assert re.search(r'^CSS = """\n<style>\n', src, re.M)  # a plain literal, not an f-string
    css = common.CSS.strip()
    assert css.startswith("<style>") and css.endswith("</style>") and css.count("<") == 2


def test_no_logging_or_printing_of_answers() -> None:
    """The UI never prints or logs; the model never logs anything about answers or cases."""
    ui_bad = [
        f"{f.relative_to(ROOT)}:{i}: {line.strip()}"
        for f in _sources("ui", "app.py")
        for i, line in enumerate(f.read_text().splitlines(), 1)
        if re.search(r"\bprint\(|\blogging\.|\blogger\.|getLogger|sys\.std(out|err)\.write", line)
    ]
    assert ui_bad == []
    model_bad = [
        f"{f.relative_to(ROOT)}:{i}: {line.strip()}"
        for f in _sources("model")
        for i, line in enumerate(f.read_text().splitlines(), 1)
        if re.search(
            r"\b(logging|logger|log)\.(debug|info|warning|error|exception|"
            r"critical|log)\(.*(answer|case|confidence|row)",
            line,
        )
    ]
    assert model_bad == []


def test_the_server_does_not_force_a_full_garbage_collection_after_every_rerun() -> None:
    """The forced collection held the interpreter lock for 90-360 ms after each rerun while
    the page waited to be sent (benchmarks/bench_browser.py); the option must exist in this
    Streamlit (a renamed option is ignored without a word) and be off."""
    from streamlit import config

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["runner"]["postScriptGC"] is False
    assert "runner.postScriptGC" in config._config_options_template


def test_the_app_is_drawn_on_its_light_theme() -> None:
    """The charts' labels and the network use dark ink on the page's background: the theme is
    fixed to light so a browser that prefers dark does not get dark-on-dark charts (an
    option this Streamlit knows)."""
    from streamlit import config

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["theme"]["base"] == "light"
    assert "theme.base" in config._config_options_template


def test_the_server_does_not_reload_the_code_under_open_sessions() -> None:
    """A reload of the code under a live server left the sessions' cached diagnoses of the old
    classes, and the result page stopped on an assertion with a traceback (runner walk): the
    file watcher is off (an option this Streamlit knows), so a change is deployed by a restart."""
    from streamlit import config

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["fileWatcherType"] == "none"
    assert "server.fileWatcherType" in config._config_options_template
