"""The contract's example cases (../shared/spec/examples/, versions 1 and 2) via the API and
the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED_CAUSES

from model import CONTRACT_CAUSES, LEVELS, Model

EXAMPLES = ("physio-young-exertional", "red-flag", "runner-hot-long-run", "v2-iliac",
            "v2-red-flag-hyponatraemia")
GROUPS = {"muscle_fatigue": "training", "dehydration": "lifestyle",
          "poor_circulation": "circulation", "overtraining": "training",
          "muscle_imbalance": "biomechanics", "inadequate_warmup": "training",
          "hard_surface": "environment", "improper_shoes": "equipment",
          "low_energy_availability": "nutrition"}


def load_case(examples_dir: Path, name: str) -> dict[str, Any]:
    return json.loads((examples_dir / f"{name}.json").read_text(encoding="utf-8"))["answers"]


def cli_diagnose(path: Path, cwd: Path) -> dict[str, Any]:
    r = subprocess.run([sys.executable, "-m", "model", "diagnose", str(path)], cwd=cwd,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout)


def check_contract_json(d: dict[str, Any], answers: dict[str, Any]) -> None:
    assert {"causes", "triage", "next_questions", "evidence"} <= set(d)
    ids = [c["id"] for c in d["causes"]]
    # every contract cause exactly once (the list is a minimum), and the shipped extras
    assert sorted(ids) == sorted(SHIPPED_CAUSES) and set(CONTRACT_CAUSES) <= set(ids)
    for c in d["causes"]:
        assert {"id", "group", "probability", "prior"} <= set(c)
        assert c["group"] == GROUPS.get(c["id"], "medical")
        assert 0.0 <= c["probability"] <= 1.0 and 0.0 <= c["prior"] <= 1.0
    probs = [c["probability"] for c in d["causes"]]
    assert probs == sorted(probs, reverse=True)
    assert d["triage"]["level"] in LEVELS
    assert isinstance(d["triage"]["reasons"], list) and all(
        isinstance(r, str) and r for r in d["triage"]["reasons"])
    for q in d["next_questions"]:
        assert {"id", "expected_information_gain"} <= set(q)
        assert q["id"] not in answers
        assert q["expected_information_gain"] >= 0.0
    gains = [q["expected_information_gain"] for q in d["next_questions"]]
    assert gains == sorted(gains, reverse=True)
    assert d["evidence"]["heavy_legs"] == "yes"
    assert set(d["evidence"]) == set(answers) | {"heavy_legs"}
    for qid, v in answers.items():
        if isinstance(v, str):
            assert d["evidence"][qid] == v


def test_every_example_is_covered(examples_dir: Path) -> None:
    assert sorted(p.stem for p in examples_dir.glob("*.json")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_via_api(name: str, model: Model, examples_dir: Path) -> None:
    answers = load_case(examples_dir, name)
    d = model.diagnose(answers).to_dict()
    check_contract_json(d, answers)
    json.dumps(d, allow_nan=False)  # strict JSON


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_via_cli_equals_api(name: str, model: Model, examples_dir: Path,
                                    tmp_path: Path) -> None:
    answers = load_case(examples_dir, name)
    cli = cli_diagnose(examples_dir / f"{name}.json", tmp_path)
    check_contract_json(cli, answers)
    api = model.diagnose(answers).to_dict()
    assert [(c["id"], c["probability"], c["prior"]) for c in cli["causes"]] == \
        [(c["id"], c["probability"], c["prior"]) for c in api["causes"]]
    assert cli["triage"] == api["triage"]
    assert cli["evidence"] == api["evidence"]
    assert [q["id"] for q in cli["next_questions"]] == [q["id"] for q in api["next_questions"]]


def test_red_flag_example(model: Model, examples_dir: Path) -> None:
    """Calf warm, red and tender after travel: urgent or higher, DVT named above the ranking
    whatever its chance (the runner is sent for it), in the top three and far above its
    prior. A calf strain ranks first since it came into the network (CHANGELOG 33): the
    signs are shared, and strains are far commoner than clots."""
    d = model.diagnose(load_case(examples_dir, "red-flag"))
    assert LEVELS.index(d.triage.level) >= LEVELS.index("urgent")
    assert "dvt" in d.triage.flagged and "dvt" in [c.id for c in d.causes[:3]]
    dvt = next(c for c in d.causes if c.id == "dvt")
    assert dvt.probability > 10 * dvt.prior
    assert any("clot" in r.lower() or "dvt" in r.lower() for r in d.triage.reasons)


def test_hot_long_run_example(model: Model, examples_dir: Path) -> None:
    """28 °C, 100 min, no drinks, late heaviness: dehydration and fatigue lead, self-care is
    fine, and dehydration is much more likely than before the answers."""
    d = model.diagnose(load_case(examples_dir, "runner-hot-long-run"))
    top3 = [c.id for c in d.causes[:3]]
    assert "dehydration" in top3 and "muscle_fatigue" in top3
    dehydration = next(c for c in d.causes if c.id == "dehydration")
    assert dehydration.probability > 2 * dehydration.prior
    assert d.triage.level in ("self_care", "see_doctor")
    assert not d.triage.red_flags


def test_young_exertional_example(model: Model, examples_dir: Path) -> None:
    """20-year-old, heaviness at a reproducible point, relieved in 15-30 min, both legs:
    chronic exertional compartment syndrome rises well above its prior and ranks high."""
    d = model.diagnose(load_case(examples_dir, "physio-young-exertional"))
    cecs = next(c for c in d.causes if c.id == "cecs")
    assert cecs.probability > 3 * cecs.prior
    assert "cecs" in [c.id for c in d.causes[:3]]
    assert not d.triage.red_flags
    assert d.triage.level in LEVELS[:2]


def test_v2_iliac_example(model: Model, examples_dir: Path) -> None:
    """31-year-old male cyclist, one thigh, only at hard efforts, relief in minutes, 20 weeks:
    iliac flow limitation first, and a doctor (vascular work-up), not self-care."""
    d = model.diagnose(load_case(examples_dir, "v2-iliac"))
    assert d.causes[0].id == "iliac_flow_limitation"
    assert d.probability("iliac_flow_limitation") > 10 * d.causes[0].prior
    assert LEVELS.index(d.triage.level) >= LEVELS.index("see_doctor")
    assert "iliac_flow_limitation" in d.triage.escalated


def test_v2_hyponatraemia_example(model: Model, examples_dir: Path) -> None:
    """Confusion, vomiting or a severe headache after a 300-minute run: an emergency whatever
    the probabilities say."""
    d = model.diagnose(load_case(examples_dir, "v2-red-flag-hyponatraemia"))
    assert d.triage.level == "emergency"
    assert d.triage.red_flags


def test_the_readmes_python_snippet_runs_as_written() -> None:
    """The README's Python API snippet, run as printed (a review found it used an answer it
    never gave a value to), and what its first lines claim."""
    import re

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    space: dict[str, Any] = {}
    exec(compile(code.group(1), "README.md", "exec"), space)  # noqa: S102 - our own README
    d = space["d"]
    assert isinstance(space["m"], Model) and d.triage.level in LEVELS
    assert sorted(c.id for c in d.causes) == sorted(SHIPPED_CAUSES)
