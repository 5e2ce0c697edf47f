"""Real published cases (issue 15): the frozen set, its scoring, and no regression in CI."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from model.cli import main
from model.errors import InputError
from model.workflows.realcases import (
    MIN_ANSWERS,
    evaluate_real,
    load_real_cases,
    set_hash,
    wilson,
)

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "cases_real"
FROZEN = json.loads((REAL / "FROZEN.json").read_text(encoding="utf-8"))
UNDER_TRIAGE_NOW = 18  # of 81 (CHANGELOG 11); 49 when the set was frozen


@pytest.fixture(scope="module")
def real(model):
    return evaluate_real(model, load_real_cases(REAL, model))


def test_set_is_frozen_and_traceable():
    """The files are exactly the frozen batches (hash recorded in README and CHANGELOG)."""
    digest = set_hash(REAL)
    assert digest == FROZEN["sha256"], "the real-case set changed: freeze a new batch"
    assert digest in (REAL / "CHANGELOG.md").read_text(encoding="utf-8")
    assert digest in (ROOT / "README.md").read_text(encoding="utf-8")
    files = sorted(REAL.glob("*.yaml"))
    assert len(files) >= 60
    causes = Counter()
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert data["source"]["url"].startswith("http"), f.name
        assert data["source"]["citation"], f.name
        assert data["mapping_notes"], f.name
        causes[data["cause"]] += 1
    assert max(n for c, n in causes.items() if c) <= 8


def test_enough_cases_are_scoreable(real):
    """At least 40 cases with a confirmed cause and four answers beyond age and sex; the model
    scores every one whose cause it has, and never one outside it."""
    rich = 0
    for f in REAL.glob("*.yaml"):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        n = sum(1 for q in data["answers"] if q not in ("age", "sex"))
        rich += data["cause"] is not None and n >= MIN_ANSWERS
    assert rich >= 40
    assert real.scoreable >= FROZEN["figures"]["scoreable"]
    for r in real.cases:
        assert not (r.scoreable and r.outside)


def test_no_regression_against_the_frozen_figures(real):
    """CI: never fewer right than when the set was frozen, never more under-triaged."""
    fig = FROZEN["figures"]
    assert real.top1 >= fig["top1"]
    assert real.top3 >= fig["top3"]
    assert real.under_triage <= fig["under_triage"]
    # and never more than now (a ratchet: lower it when a rule with a source helps)
    assert real.under_triage <= UNDER_TRIAGE_NOW


def test_wilson_interval_known_values():
    lo, hi = wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and 0.16 < hi < 0.17


def test_thin_cases_are_not_scored(model, tmp_path):
    """A case with fewer than MIN_ANSWERS answers beyond age and sex is listed, not scored."""
    src = REAL / sorted(p.name for p in REAL.glob("dvt-real-*.yaml"))[0]
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["id"] = "thin-01"
    data["answers"] = {"age": 30, "sex": "male", "legs_affected": "one"}
    (tmp_path / "thin-01.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    ev = evaluate_real(model, load_real_cases(tmp_path, model))
    assert ev.scoreable == 0 and ev.thin == ("thin-01",)
    assert MIN_ANSWERS == 4


def test_unknown_condition_is_reported_with_what_the_model_did(model, tmp_path):
    data = {
        "id": "outside-x-01",
        "source": {
            "citation": "A. B. Case. J. 2020.",
            "url": "https://x.test/a",
            "kind": "journal_case_report",
        },
        "summary": "s",
        "diagnosis": "Something rare",
        "cause": None,
        "condition_if_no_cause": "Something rare",
        "answers": {"age": 30, "chest_pain_or_fainting": "yes"},
        "triage_min": "emergency",
        "mapping_notes": ["n"],
    }
    (tmp_path / "outside-x-01.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    ev = evaluate_real(model, load_real_cases(tmp_path, model))
    assert [r.id for r in ev.outside] == ["outside-x-01"]
    assert ev.outside[0].level == "emergency" and not ev.outside[0].under_triage


def test_bad_case_file_names_the_problem(model, tmp_path):
    (tmp_path / "bad-01.yaml").write_text("id: bad-01\ncause: dvt\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_real_cases(tmp_path, model)
    assert any("missing key 'source'" in p for p in exc.value.problems)


def test_evaluate_command_reports_both_sets(capsys):
    rc = main(["evaluate", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["real"]["n"] >= 60
    lo, hi = out["real"]["top3_wilson95"]
    assert lo <= out["real"]["top3_rate"] <= hi
    assert out["n"] > 80  # the vignettes, as before


def test_evaluate_command_text_side_by_side(capsys):
    main(["evaluate"])
    text = capsys.readouterr().out
    assert "vignettes (own reading)" in text and "real published cases" in text
    assert "95% CI" in text


def test_evaluate_bad_real_folder_exits_2(tmp_path, capsys):
    shutil.copy(REAL / "README.md", tmp_path / "README.md")
    rc = main(["evaluate", "--real", str(tmp_path)])
    assert rc == 2
    assert "no *.yaml case files" in capsys.readouterr().err


def test_reliability_over_the_real_cases(real, model):
    """Every cause of every scoreable case falls in exactly one bin; the confirmed causes
    are counted once each; each bin's interval holds its observed rate."""
    rel = real.reliability
    assert [b.lo for b in rel] == [0.0, 0.1, 0.3, 0.5, 0.7, 0.9]
    assert sum(b.n for b in rel) == real.scoreable * len(model.causes)
    assert sum(b.observed for b in rel) >= real.scoreable
    for b in rel:
        lo, hi = b.wilson95
        assert lo <= b.observed_rate <= hi
        if b.n:
            assert b.lo <= b.mean_predicted <= b.hi
    # the low bins hold most pairs and few confirmed causes: the model is not wildly
    # overconfident where it says "unlikely"
    assert rel[0].n > 10 * rel[-1].n and rel[0].observed_rate < 0.1
    out = json.loads(json.dumps(real.to_dict()))
    assert len(out["reliability"]) == 6
