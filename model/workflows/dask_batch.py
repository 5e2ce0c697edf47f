"""Batch scoring on a Dask cluster (``python -m model batch IN.csv -o OUT.csv --engine dask``).

The client reads the CSV with the same reader as the single-machine path and sends it in
partitions of ``partition_rows`` rows to the workers; each worker loads the model once
(``load_model(population, priors_dir)``, cached per process) and scores its partition with
:func:`model.batch.score_rows`; the client writes the partitions back in their order. So the
output file is identical to the single-machine run, row for row.

Without ``scheduler`` a ``LocalCluster`` is started in this process (threads in this process:
gentle on a small machine), listening on 127.0.0.1 only and contacting no outside address;
with ``scheduler="tcp://host:8786"`` an existing cluster is used.
Workers of a remote cluster need heavylegs installed (the same version and priors directory).
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api import Model
from ..errors import InputError
from .batch import MAX_ROWS, RowCounts, open_batch, output_columns, score_rows, write_rows
from .safeio import atomic_open

PARTITION_ROWS = 5_000
MAX_IN_FLIGHT = 8  # partitions submitted ahead of the one being written (bounds memory)


def score_partition(
    population: str,
    priors_dir: str | None,
    header: list[str],
    rows: list[list[str]],
    intervals: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Score one partition on a worker (the model is loaded once per worker process);
    returns (the worker's model version, the output rows)."""
    from ..api import load_model

    model = load_model(population=population, priors_dir=priors_dir)
    return model.version, list(score_rows(model, header, rows, intervals=intervals))


def _chunks(rows: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    chunk: list[list[str]] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


LOOPBACK = "127.0.0.1"


def local_cluster(n_workers: int = 1, threads_per_worker: int = 2) -> Any:
    """A small in-process LocalCluster reachable from this machine only: the scheduler, the
    workers and both status pages listen on 127.0.0.1 (free ports), over TCP rather than
    Dask's in-process transport, whose address lookup sends a UDP packet towards a public
    address (8.8.8.8) to find this machine's IP."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=False,
        protocol="tcp://",
        host=LOOPBACK,
        dashboard_address=f"{LOOPBACK}:0",
        worker_dashboard_address=f"{LOOPBACK}:0",
    )


def score_csv_dask(
    model: Model,
    src: Path,
    dst: Path,
    *,
    scheduler: str | None = None,
    client: Any = None,
    partition_rows: int = PARTITION_ROWS,
    progress: bool = True,
    max_rows: int = MAX_ROWS,
    priors_dir: str | Path | None = None,
    connect_timeout: str = "10s",
    intervals: bool = False,
) -> dict[str, int]:
    """Score ``src`` into ``dst`` on a Dask cluster; the same output as :func:`score_csv`.

    Parameters
    ----------
    model
        The model (used here for the header and by name on the workers: its population and
        ``priors_dir``).
    scheduler
        Address of an existing scheduler; ``None`` starts a local cluster for this run.
    client
        An existing ``distributed.Client`` (takes precedence over ``scheduler``).

    Raises
    ------
    InputError
        As :func:`score_csv`, and when the scheduler cannot be reached.
    """
    src, dst = Path(src), Path(dst)
    if partition_rows < 1:
        raise InputError([f"--partition-rows {partition_rows} must be at least 1"])
    header, rows = open_batch(model, src, dst)
    job = _Job(
        model, src, header, _worker_priors(model, priors_dir), partition_rows, max_rows, intervals
    )
    own_client = client is None
    own_cluster = None
    if client is None:
        client, own_cluster = _connect(scheduler, connect_timeout)
    try:
        with atomic_open(dst, "w", newline="") as fh:
            counts, parts = _stream(client, job, rows, fh, progress)
    finally:
        rows.close()  # type: ignore[attr-defined]
        if own_client:
            client.close()
        if own_cluster is not None:
            own_cluster.close()
    return {**counts.as_dict(), "partitions": parts}


def _worker_priors(model: Model, priors_dir: str | Path | None) -> str | None:
    """The priors directory the workers load (None: their packaged default)."""
    if priors_dir is not None:
        return str(Path(priors_dir).resolve())
    from ..kb import default_priors_dir

    here = Path(model.kb.directory).resolve()
    return None if here == default_priors_dir().resolve() else str(here)


def _connect(scheduler: str | None, timeout: str) -> tuple[Any, Any]:
    """(client, the local cluster started for this run or None)."""
    from distributed import Client

    if not scheduler:
        cluster = local_cluster()
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout=timeout), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            [
                f"cannot reach the Dask scheduler at {scheduler} ({exc}); "
                "check the address (tcp://host:8786) and that it runs"
            ]
        ) from None


@dataclass(frozen=True)
class _Job:
    model: Model
    src: Path
    header: list[str]
    priors_dir: str | None
    partition_rows: int
    max_rows: int
    intervals: bool = False


def _submit_next(
    client: Any, job: _Job, chunks: Iterator[list[list[str]]], n: int, pending: deque[Any]
) -> tuple[int, bool]:
    """Keep up to ``MAX_IN_FLIGHT`` partitions submitted: (rows read, input exhausted)."""
    while len(pending) < MAX_IN_FLIGHT:
        chunk = next(chunks, None)
        if chunk is None:
            return n, True
        n += len(chunk)
        if n > job.max_rows:
            raise InputError([f"{job.src}: more than {job.max_rows} rows; split the file"])
        pending.append(
            client.submit(
                score_partition,
                job.model.population,
                job.priors_dir,
                job.header,
                chunk,
                job.intervals,
                pure=False,
            )
        )
    return n, False


def _stream(
    client: Any, job: _Job, rows: Iterator[list[str]], fh: Any, progress: bool
) -> tuple[RowCounts, int]:
    """Score the partitions in order into the open file ``fh``: (counts, partitions)."""
    model = job.model
    n = parts = 0
    counts = RowCounts()
    pending: deque[Any] = deque()
    chunks = _chunks(rows, job.partition_rows)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit=" rows", file=sys.stderr, disable=None)
    write = write_rows(fh, output_columns(model, job.header, job.intervals))
    exhausted = False
    while True:
        if not exhausted:
            n, exhausted = _submit_next(client, job, chunks, n, pending)
        if not pending:
            break
        version, recs = pending.popleft().result()
        if version != model.version:
            raise InputError(
                [
                    f"the Dask workers run model version {version}, this "
                    f"machine {model.version}; install the same heavylegs "
                    "and priors on the workers"
                ]
            )
        parts += 1
        for rec in recs:
            counts.add(rec)
            write(rec)
        if bar is not None:
            bar.update(len(recs))
    if bar is not None:
        bar.close()
    return counts, parts


__all__ = ["PARTITION_ROWS", "local_cluster", "score_csv_dask", "score_partition"]
