"""The lock files (issue 18): ``make`` installs exact versions from them; each pins every
dependency of pyproject.toml within its range, and the app's lock agrees with the test lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#", "-")):
            m = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)(\s*;.*)?", line.strip())
            assert m, f"{name}: {line!r} is not an exact pin"
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_locks_pin_every_dependency_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    app, test = _pins("requirements.lock"), _pins("requirements-test.lock")
    for lock, reqs in ((app, project["dependencies"]),
                       (test, project["dependencies"] + project["optional-dependencies"]["test"])):
        for r in map(Requirement, reqs):
            name = canonicalize_name(r.name)
            assert name in lock, f"{r.name} is not in the lock; run `make lock`"
            assert r.specifier.contains(lock[name], prereleases=True), (r, lock[name])
    assert {k: test[k] for k in app} == app, "the app's lock differs from the test lock"


def test_make_installs_from_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install -q -r requirements.lock" in makefile
    assert "pip install -q -r requirements-test.lock" in makefile
    assert re.search(r"^lock:", makefile, re.M)
