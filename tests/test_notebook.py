"""notebooks/model_tour.ipynb runs top to bottom (nbclient) and is committed without outputs."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "model_tour.ipynb"
N_RUNNERS = "4000"  # the notebook's default is 50,000; fewer keep the suite quick


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_notebook_executes(monkeypatch) -> None:
    monkeypatch.setenv("HEAVYLEGS_CALIBRATION_N", N_RUNNERS)
    monkeypatch.setenv("HEAVYLEGS_CALIBRATION_K", "6")
    monkeypatch.setenv("HEAVYLEGS_TOUR_VIGNETTES", "15")  # the full 155 run in test_evaluate
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute(env={**os.environ})
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "distinct answer sets" in text
    # section 7: intervals, the numbers that widen them, the real cases' reliability diagram
    assert "80% interval" in text and "share " in text
    assert "bins over" in text and "scoreable real cases" in text
