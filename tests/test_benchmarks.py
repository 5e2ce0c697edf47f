"""The README's benchmark commands run and check what they claim to check (no timing here:
speed goals live in the benchmarks' own output, measured against a baseline in the same run).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench(script: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run ``benchmarks/<script>`` with ``args`` from the repository root; it must succeed."""
    run = subprocess.run(
        [sys.executable, f"benchmarks/{script}", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return run


def test_inference_benchmark_runs_and_equals_pgmpy(tmp_path):
    out = tmp_path / "bench.json"
    run = bench("bench_inference.py", "--cases", "2", "--repeat", "1", "--max-findings", "1",
                "--json", str(out))
    res = json.loads(out.read_text())
    assert res["cases"] == 2 and res["max_findings"] == 1
    for key in ("full_diagnose_ms", "pgmpy_ve_posteriors_ms", "what_if_ms"):
        assert res[key] > 0
    assert res["pyagrum_lazy_posteriors_ms"] is None  # only with --pyagrum (minutes per case)
    assert res["ratio_vs_pgmpy"] == res["full_diagnose_ms"] / res["pgmpy_ve_posteriors_ms"]
    assert res["max_abs_diff_vs_pgmpy"] <= 1e-9  # the full diagnosis equals pgmpy's posteriors
    assert "(a)/(b)" in run.stdout and "not run (--pyagrum" in run.stdout


def test_batch_benchmark_runs(tmp_path):
    run = bench("bench_batch.py", "--rows", "150", "--baseline-rows", "10")
    assert "file: 150 rows" in run.stdout
    assert "rows/s" in run.stdout and "goal >= 1,000 rows/s" in run.stdout


def test_intervals_benchmark_runs(tmp_path):
    out = tmp_path / "bench.json"
    run = bench("bench_intervals.py", "--cases", "3", "--json", str(out))
    res = json.loads(out.read_text())
    from model.kb import load_knowledge_base

    assert res["cases"] == 3 and res["draws"] == load_knowledge_base().uncertainty.draws
    assert res["diagnosis_median_ms"] > 0 and res["intervals_median_ms"] > 0
    assert "(b)/(a): median" in run.stdout and "goal <= 0.5" in run.stdout


def test_tornado_benchmark_runs_and_equals_the_variant_engines(tmp_path):
    out = tmp_path / "bench.json"
    run = bench("bench_tornado.py", "--cases", "1", "--json", str(out))
    res = json.loads(out.read_text())
    assert res["cases"] == 1 and res["tornado_median_ms"] > 0 and res["baseline_median_ms"] > 0
    assert res["max_abs_diff"] <= 1e-9  # the batched rows are the variant engines' numbers
    assert "(a)/(b): median" in run.stdout and "goal: all" in run.stdout


def test_path_benchmark_runs(tmp_path):
    out = tmp_path / "path.json"
    run = bench("bench_path.py", "--steps", "3", "--json", str(out))
    res = json.loads(out.read_text())
    assert [r["answers"] for r in res["rows"]] == [0, 1, 2]
    assert all(r["seconds"] > 0 and r["route"] for r in res["rows"])
    assert "slowest step per number of findings" in run.stdout


def test_growth_benchmark_runs_on_version_1_and_2_networks(tmp_path):
    """The growth benchmark's 17-cause row is version 1's causes (not the shipped 25, as it had
    silently become), the original engine's baseline is timed on it (its einsum now labels
    version 2's 27 risk factors; the benchmark checks it runs on the hypercube route), and
    the 25-cause row times the slider what-if and the tornado."""
    out = tmp_path / "growth.json"
    run = bench("bench_growth.py", "--sizes", "17,25", "--cases", "2", "--repeat", "1",
                "--pgmpy-cases", "0", "--worst-diagnose-max", "0", "--json", str(out),
                timeout=900)
    res = {r["causes"]: r for r in json.loads(out.read_text())}
    assert set(res) == {17, 25} and not any("error" in r for r in res.values())
    assert res[17]["diagnose_median_ms"] > 0 and res[25]["diagnose_median_ms"] > 0
    assert res[17]["old_engine_median_ms"] > 0 and "old_engine_error" not in res[17]
    assert res[25]["tornado_rows"] > 50 and res[25]["what_if_median_ms"] > 0
    assert "| causes | full diagnose median |" in run.stdout


def test_gain_agreement_benchmark_runs(tmp_path):
    """The joint and the scalable gain compared on a network the hypercube engine can hold
    (it had stopped running when version 2's risk factors passed its 26 einsum letters)."""
    out = tmp_path / "gain.json"
    bench("bench_gain_agreement.py", "--vignettes", "1", "--json", str(out))
    res = json.loads(out.read_text())["summary"]
    assert res["vignettes"] == 1 and res["steps"] >= 2
    assert 0.0 <= res["same_first_question"] <= 1.0 and res["mean_loss_bits_all_steps"] >= 0
