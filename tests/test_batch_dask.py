"""Batch scoring on a Dask LocalCluster gives the same file as the single-machine run."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from model.cli import main
from model.errors import InputError
from model.workflows.batch import score_csv
from model.workflows.dask_batch import local_cluster, score_csv_dask


def _random_rows(model, n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    qs = [q for q in model.questions][:20]
    header = ["case_id"] + [q.id for q in qs]
    rows = []
    for i in range(n):
        row = [f"c{i}"]
        for q in qs:
            if rng.random() < 0.5:
                row.append("")
            elif q.type == "number":
                row.append(str(rng.randint(int(q.min), int(q.max))))
            elif q.type == "yes_no":
                row.append(rng.choice(["yes", "no"]))
            else:
                row.append(rng.choice(q.options))
        if i % 37 == 5:
            row[1] = "not a number"  # a bad row keeps its place
        rows.append(row)
    return header, rows


@pytest.fixture(scope="module")
def client():
    from distributed import Client

    cluster = local_cluster(n_workers=1, threads_per_worker=2)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_output_identical_to_single_machine(model, client, tmp_path: Path) -> None:
    header, rows = _random_rows(model, 120, seed=7)
    src = tmp_path / "in.csv"
    with src.open("w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    local = score_csv(model, src, tmp_path / "local.csv", progress=False)
    dask = score_csv_dask(model, src, tmp_path / "dask.csv", client=client, partition_rows=23,
                          progress=False)
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert dask["rows"] == local["rows"] == 120 and dask["errors"] == local["errors"] > 0
    assert dask["partitions"] == 6  # ceil(120 / 23)


def test_dask_intervals_identical_to_single_machine(model, client, tmp_path: Path) -> None:
    """--intervals on the workers: the same lo_/hi_ columns as the local run, byte for byte."""
    header, rows = _random_rows(model, 12, seed=11)
    src = tmp_path / "in.csv"
    with src.open("w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    score_csv(model, src, tmp_path / "local.csv", progress=False, intervals=True)
    score_csv_dask(model, src, tmp_path / "dask.csv", client=client, partition_rows=5,
                   progress=False, intervals=True)
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    head = (tmp_path / "dask.csv").read_text().splitlines()[0]
    assert "lo_pad" in head and "hi_pad" in head


def test_dask_cli_with_its_own_local_cluster(model, tmp_path: Path) -> None:
    header, rows = _random_rows(model, 40, seed=3)
    src = tmp_path / "in.csv"
    with src.open("w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    assert main(["batch", str(src), "-o", str(tmp_path / "d.csv"), "--engine", "dask",
                 "--partition-rows", "15", "--quiet"]) == 0
    score_csv(model, src, tmp_path / "l.csv", progress=False)
    assert (tmp_path / "d.csv").read_bytes() == (tmp_path / "l.csv").read_bytes()


def test_dask_errors(model, client, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("age\n30\n31\n32\n")
    with pytest.raises(InputError, match="more than 2 rows"):
        score_csv_dask(model, src, tmp_path / "o.csv", client=client, max_rows=2,
                       partition_rows=1, progress=False)
    assert not (tmp_path / "o.csv").exists()
    with pytest.raises(InputError, match="at least 1"):
        score_csv_dask(model, src, tmp_path / "o.csv", client=client, partition_rows=0)
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        score_csv_dask(model, src, tmp_path / "o.csv", scheduler="tcp://127.0.0.1:9",
                       progress=False, connect_timeout="1s")
