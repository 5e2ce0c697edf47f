"""Learning from confirmed cases moves the numbers toward the network that made the cases."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import yaml

from model import load_model
from model.cli import main
from model.errors import InputError
from model.kb import load_knowledge_base
from model.workflows.learn import LEARN_MAX_PARENTS, learn_csv, sample_cases

N_CASES = 5000


def _edit(path: Path, fn) -> None:
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture(scope="module")
def learned(tmp_path_factory, priors_dir: Path):
    """Cases sampled from a 'true' network (the current one with five numbers changed),
    learned starting from the current priors."""
    import shutil

    base = tmp_path_factory.mktemp("learn")
    true_dir = base / "true"
    shutil.copytree(priors_dir, true_dir)
    orig = {}

    def causes(d):
        mf = d["causes"]["muscle_fatigue"]
        orig["rate"] = mf["base_rate"]["self_assessment"]["p"]
        mf["base_rate"]["self_assessment"]["p"] = 0.6
        orig["or"] = mf["odds_ratios"]["run_duration_min"]["90_plus"]["value"]
        mf["odds_ratios"]["run_duration_min"]["90_plus"]["value"] = 6.0

    def findings(d):  # a finding with at most LEARN_MAX_PARENTS causes (cramps has 14)
        cr = d["findings"]["hypo_symptoms"]
        orig["leak"] = cr["leak"]["p"]
        cr["leak"]["p"] = 0.02
        orig["link"] = cr["links"]["muscle_fatigue"]["p"]
        cr["links"]["muscle_fatigue"]["p"] = 0.9

    _edit(true_dir / "causes.yaml", causes)
    _edit(true_dir / "findings.yaml", findings)
    true_model = load_model(priors_dir=true_dir)
    df = sample_cases(true_model, N_CASES, seed=11)
    src = base / "confirmed.csv"
    df.insert(0, "case_id", [f"k{i}" for i in range(len(df))])
    df.to_csv(src, index=False)
    out = base / "learned"
    result = learn_csv(src, out, strength=50, population="self_assessment")
    return {"orig": orig, "true": {"rate": 0.6, "or": 6.0, "leak": 0.02, "link": 0.9},
            "out": out, "result": result, "src": src, "base": base}


def _numbers(d: Path) -> dict[str, float]:
    c = yaml.safe_load((d / "causes.yaml").read_text())["causes"]["muscle_fatigue"]
    f = yaml.safe_load((d / "findings.yaml").read_text())["findings"]["hypo_symptoms"]
    return {"rate": c["base_rate"]["self_assessment"]["p"],
            "or": c["odds_ratios"]["run_duration_min"]["90_plus"]["value"],
            "leak": f["leak"]["p"], "link": f["links"]["muscle_fatigue"]["p"]}


def test_learning_moves_numbers_toward_the_true_network(learned) -> None:
    got = _numbers(learned["out"])
    for k in ("rate", "leak", "link"):
        true, before = learned["true"][k], learned["orig"][k]
        assert abs(got[k] - true) < 0.5 * abs(before - true), (k, before, got[k], true)


def test_learning_moves_an_odds_ratio_toward_the_true_network(learned) -> None:
    """On the 25-cause priors the learned odds ratio of run_duration_min 90_plus stayed at
    2.45 (truth 6.0, start 2.5; a strict xfail since 2026-11-26). With the 26th cause
    (CHANGELOG 33) it is 4.7 on this sample (seed 11), closer than half the way: the xfail
    is gone. The estimate from 5,000 cases is imprecise (12.2 on seed 12), which README's
    learning section states."""
    got = _numbers(learned["out"])
    true, before = learned["true"]["or"], learned["orig"]["or"]
    assert abs(got["or"] - true) < 0.5 * abs(before - true), (before, got["or"], true)


def test_learned_priors_validate_cite_and_load(learned, priors_dir: Path) -> None:
    out, result = learned["out"], learned["result"]
    assert result.cases == N_CASES
    # findings with more causes than LEARN_MAX_PARENTS are kept as they were, each named
    big = {f.id for f in load_knowledge_base(priors_dir).findings
           if len(f.parents) > LEARN_MAX_PARENTS}
    assert {p.split(":")[0] for p in result.problems} == big - {"heavy_legs"}
    assert all("kept as it was" in p for p in result.problems)
    kb = load_knowledge_base(out)
    m = load_model(priors_dir=out)
    assert m.version == kb.version != load_model().version
    entry = yaml.safe_load((out / "causes.yaml").read_text())["causes"]["muscle_fatigue"]
    rate = entry["base_rate"]["self_assessment"]
    assert rate["note"].startswith("learned from ") and "confirmed cases" in rate["note"]
    original = yaml.safe_load((priors_dir / "causes.yaml").read_text())["causes"]
    assert rate.get("source") == original["muscle_fatigue"]["base_rate"]["self_assessment"].get(
        "source")  # the original source is kept beside the note
    assert {c.key for c in result.changes} >= {"muscle_fatigue.base_rate.self_assessment",
                                               "hypo_symptoms.leak",
                                               "hypo_symptoms.links.muscle_fatigue"}
    for name in ("references.yaml", "questions.yaml", "triage.yaml"):
        assert (out / name).read_bytes() == (priors_dir / name).read_bytes()
    # the learned model is used by --priors
    d_new = m.diagnose({"run_duration_min": 120, "hypo_symptoms": "yes"}).probability(
        "muscle_fatigue")
    d_old = load_model().diagnose({"run_duration_min": 120, "hypo_symptoms": "yes"}).probability(
        "muscle_fatigue")
    assert d_new > d_old


def test_more_strength_stays_closer_to_the_priors(learned) -> None:
    out = learned["base"] / "strong"
    learn_csv(learned["src"], out, strength=20_000, population="self_assessment")
    strong, weak = _numbers(out), _numbers(learned["out"])
    for k in ("rate", "leak", "link"):
        assert abs(strong[k] - learned["orig"][k]) < abs(weak[k] - learned["orig"][k])


def test_learn_input_errors(learned, tmp_path: Path, capsys) -> None:
    src = tmp_path / "c.csv"
    with src.open("w", newline="") as fh:
        csv.writer(fh).writerows([["age", "cause_muscle_fatige"], ["30", "present"]])
    with pytest.raises(InputError, match="did you mean 'cause_muscle_fatigue'"):
        learn_csv(src, tmp_path / "o", strength=10)
    with pytest.raises(InputError, match="no column\\(s\\) cause_muscle_fatigue"):
        learn_csv(src, tmp_path / "o", strength=10)
    with pytest.raises(InputError, match="exists and is not an empty folder"):
        learn_csv(learned["src"], learned["out"], strength=10)
    # bad rows are left out with a message; the others are used
    rows = list(csv.reader(learned["src"].open()))
    header, body = rows[0], rows[1:41]
    body[0][header.index("cause_dvt")] = "maybe"
    body[1][header.index("age")] = "old"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    res = learn_csv(bad, tmp_path / "o2", strength=10, population="self_assessment")
    assert res.cases == 39 and res.rows == 40
    assert any("row 2: cause_dvt 'maybe' is not present or absent" in p for p in res.problems)
    assert any("row 3: age: 'old' is not a number" in p for p in res.problems)
    assert main(["learn", str(bad), "--out", str(tmp_path / "o3"), "--strength", "-1"]) == 2
    assert "--strength -1.0 must be a positive number" in capsys.readouterr().err


def test_sampler_matches_the_network(model) -> None:
    df = sample_cases(model, 4000, seed=5)
    observed = (df["cause_muscle_fatigue"] == "present").mean()
    assert observed == pytest.approx(model.priors["muscle_fatigue"], abs=0.03)
    assert np.all(df["sex"].isin(["female", "male"]))


def test_a_link_is_projected_onto_the_leak_the_file_keeps(monkeypatch) -> None:
    """Session 23: learning at a high strength wrote a link (exam_foot_pulses <- iliac flow
    limitation, P(<= state) [0.45, 0.95]) pushed against a learned leak that moved by less
    than the write threshold and so was not written: the link crossed the old leak and the
    learned folder failed validation. The links now hold against the leak the file keeps,
    and a link left as it was is rewritten if it would cross a leak that was written."""
    from types import SimpleNamespace

    import pandas as pd

    from model.workflows import learn as L

    old_leak = np.array([0.92, 0.03, 0.05])
    # the learned leak: its top state 3e-5 lighter (under the 5e-5 threshold: not written)
    leak_in = np.array([0.92, 0.03003, 0.04997])
    # what the cases say for the cause alone: above the leak, so projected onto it
    link_cases = np.array([0.45, 0.55, 0.0])
    f = SimpleNamespace(id="f", states=("a", "b", "c"), leak=old_leak,
                        given=np.array([[0.2, 0.5, 0.3]]), parents=("x",))

    def fake_dirichlet(*_args: object, **_kw: object) -> tuple[np.ndarray, np.ndarray]:
        return np.vstack([leak_in, link_cases, [1 / 3] * 3]), np.array([[500.0] * 3] * 3)

    monkeypatch.setattr(L, "estimate_dirichlet", fake_dirichlet)
    monkeypatch.setattr(L, "_configurations", lambda *a: (
        np.array(["none"] * 4, dtype=object), ["none", "only_x", "mixed"], [0.9, 0.05, 0.05]))
    spec = {"leak": {"probs": dict(zip(f.states, old_leak.tolist(), strict=True))},
            "links": {"x": {"probs": dict(zip(f.states, f.given[0].tolist(), strict=True))}}}
    run = SimpleNamespace(data=pd.DataFrame({"f": ["a"] * 4}), strength=1e4, changes=[])
    L._learn_finding(run, f, spec, np.zeros((4, 1)), (None, None))  # type: ignore[arg-type]
    kept_leak = np.array([spec["leak"]["probs"][s] for s in f.states])
    link = np.array([spec["links"]["x"]["probs"][s] for s in f.states])
    assert np.array_equal(kept_leak, old_leak)  # the leak's move was below the threshold
    assert not np.allclose(link, f.given[0])  # the link was learned and written
    # noisy-MAX: the cause can only push the finding upward, against the leak kept
    assert np.all(np.cumsum(link)[:-1] <= np.cumsum(kept_leak)[:-1] + 1e-12)

    # and a leak that is written: an old link crossing it is rewritten
    leak_in = np.array([0.90, 0.03, 0.07])
    f.given = np.array([[0.45, 0.5, 0.05]])
    link_cases = f.given[0]
    spec = {"leak": {"probs": dict(zip(f.states, old_leak.tolist(), strict=True))},
            "links": {"x": {"probs": dict(zip(f.states, f.given[0].tolist(), strict=True))}}}
    L._learn_finding(run, f, spec, np.zeros((4, 1)), (None, None))  # type: ignore[arg-type]
    kept_leak = np.array([spec["leak"]["probs"][s] for s in f.states])
    link = np.array([spec["links"]["x"]["probs"][s] for s in f.states])
    assert np.allclose(kept_leak, leak_in)
    assert np.all(np.cumsum(link)[:-1] <= np.cumsum(kept_leak)[:-1] + 1e-12)
