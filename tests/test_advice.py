"""priors/advice.yaml: loads, covers every cause, and each error path names the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from model import PriorsError, load_model
from model.kb import default_priors_dir, load_knowledge_base
from model.kb.advice import load_advice

PRIORS = default_priors_dir()


@pytest.fixture(scope="module")
def kb():
    return load_model().kb


def _write(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "advice.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p


def _raw() -> dict:
    return yaml.safe_load((PRIORS / "advice.yaml").read_text(encoding="utf-8"))


def test_every_cause_has_cited_advice(kb):
    advice = load_advice(kb)
    assert set(advice.causes) == {c.id for c in kb.causes}
    for ca in advice.causes.values():
        assert ca.summary and ca.tips and ca.see_someone.text
        for item in (*ca.tips, ca.see_someone):
            assert item.sources and all(k in kb.references for k in item.sources)
    assert advice.general


def test_article_is_never_the_only_source(kb):
    advice = load_advice(kb)
    items = [*advice.general] + [i for ca in advice.causes.values()
                                 for i in (*ca.tips, ca.see_someone)]
    for item in items:
        assert item.sources != ("heavylegs-article",), item.text


def test_unknown_cause_id_is_named_with_suggestion(kb, tmp_path):
    raw = _raw()
    raw["advice"]["dehydratoin"] = raw["advice"]["dehydration"]
    with pytest.raises(PriorsError, match=r"advice\.dehydratoin: unknown cause id.*'dehydration'"):
        load_advice(kb, _write(tmp_path, raw))


def test_missing_source_is_refused(kb, tmp_path):
    raw = _raw()
    del raw["advice"]["cecs"]["tips"][0]["source"]
    with pytest.raises(PriorsError, match=r"advice\.cecs\.tips\.0\.source: Field required; add"):
        load_advice(kb, _write(tmp_path, raw))


def test_unknown_reference_key_is_refused(kb, tmp_path):
    raw = _raw()
    raw["advice"]["pad"]["see_someone"]["source"] = ["R13", "R9999"]
    with pytest.raises(PriorsError, match=r"advice\.pad\.see_someone: source 'R9999' is not in"):
        load_advice(kb, _write(tmp_path, raw))


def test_cause_without_advice_is_refused(kb, tmp_path):
    raw = _raw()
    del raw["advice"]["dvt"]
    with pytest.raises(PriorsError, match=r"no entry for cause 'dvt'"):
        load_advice(kb, _write(tmp_path, raw))


def test_bad_yaml_and_missing_file(kb, tmp_path):
    p = tmp_path / "advice.yaml"
    p.write_text("advice: [unclosed", encoding="utf-8")
    with pytest.raises(PriorsError, match=r"not valid YAML at line"):
        load_advice(kb, p)
    with pytest.raises(PriorsError, match=r"file is missing"):
        load_advice(kb, tmp_path / "nope" / "advice.yaml")


def test_priors_loader_accepts_advice_but_not_other_files(tmp_path):
    d = tmp_path / "priors"
    shutil.copytree(PRIORS, d)
    assert (d / "advice.yaml").is_file()
    load_knowledge_base(d)  # advice.yaml is a known file
    (d / "extra.yaml").write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(PriorsError, match=r"extra\.yaml: unknown file"):
        load_knowledge_base(d)


def _all_items(kb):
    adv = kb.advice
    for item in adv.general:
        yield "general", item
    for c in kb.causes:
        ca = adv.for_cause(c.id)
        if ca is not None:
            yield c.id, ca.see_someone
            yield from ((c.id, t) for t in ca.tips)


def test_the_reviews_advice_corrections_hold(kb):
    """clinical-review.md 'Advice' 3-7 (CHANGELOG section 8): hyponatraemia signs are an
    emergency wherever they appear; strength advice cites a strength source; compression
    carries the arterial caution; iron says when, and to look for blood loss; CECS
    retraining is gradual and with a physio."""
    items = list(_all_items(kb))
    for where, item in items:
        text = item.text.lower()
        if "confusion" in text or "vomiting" in text:
            assert "ambulance" in text or "emergency" in text, where
        if "strength work" in text or "strength training" in text:
            assert "R64" not in item.sources and "Lauersen2014" in item.sources, where
        if "compression" in text:
            assert "arter" in text and "Rabe2020" in item.sources, where
    iron = " ".join(i.text for w, i in items if w == "iron_deficiency").lower()
    assert "blood loss" in iron and "morning" in iron and "away from exercise" not in iron
    cecs = " ".join(i.text for w, i in items if w == "cecs").lower()
    assert "gradually" in cecs and "physio" in cecs
    assert any("confusion" in i.text.lower() for w, i in items if w == "general")


def test_the_pad_advice_gives_the_cold_foot_rules_own_deadlines():
    """A runner walk: a cold, pale foot gave "see a doctor within days" while the PAD card
    under it said "a cold, pale foot needs care the same day". Brief row 8 (chronic
    limb-threatening ischaemia): prompt, the same day with tissue loss; rest pain with a
    cold foot is the rules' same-day case. The card and the rules now say one thing."""
    m = load_model()
    card = load_advice(m.kb).causes["pad"].see_someone.text
    assert "cold, pale foot, within a week" in card and "needs care the same day" not in card
    cold = m.diagnose({"age": 67, "sex": "male", "calf_pain_walking": "yes",
                       "foot_cold_or_pale": "yes"}).triage
    assert cold.level == "see_doctor"
    assert any("within a week" in r and "cold, pale" in r for r in cold.reasons)
    both = m.diagnose({"age": 67, "pain_at_rest_or_night": "yes", "foot_cold_or_pale": "yes"})
    assert both.triage.level == "urgent" and "both together" in card and "the same day" in card
