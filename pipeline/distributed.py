"""`classify --engine dask`: the same classification on a Dask distributed cluster.

The client reads the input in partitions (chunks of statements), sends the model to the
workers once (`scatter(..., broadcast=True)`), and each partition is segmented and
classified on a worker. The loop is the local engines' own (`batch.run_chunks`, through
Dask's futures): at most a window of partitions in flight, results taken in input order.
The client writes them as partitioned Parquet (`part-00000.parquet`, ...) into a temporary
folder renamed over the output at the end, so a failed run leaves the previous output in place.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .batch import (
    _FIELDS,
    ChunkInfo,
    ChunkResult,
    ClassifyOptions,
    ClassifyRun,
    WorkerDied,
    chunked,
    dictionary_columns,
    prepare,
    process_chunk,
    run_chunks,
)
from .errors import InputError
from .model import ThemeModel, load_model
from .readers import ReadOptions, read_statements
from .records import Statement
from .writers import atomic_dir, check_output_dir


def _output_dir(path: str | None) -> Path:
    if not path:
        raise InputError("--engine dask writes partitioned Parquet: give -o OUT_DIR")
    return check_output_dir(path, "a folder of Parquet parts with --engine dask")


def _classify_partition(packed: list[tuple[Any, ...]], opts: ClassifyOptions, model: ThemeModel) -> ChunkResult:
    return process_chunk([Statement(*values) for values in packed], opts, model)


class DaskWorkers:
    """The engine for `run_chunks`: partitions classified on the cluster's workers.

    Dask retries a partition whose worker died on another worker; when workers keep dying on
    it (`distributed.scheduler.allowed-failures`), the run ends naming the partition."""

    def __init__(self, client: Any, model: ThemeModel, opts: ClassifyOptions) -> None:
        self.client, self.opts = client, opts
        self.model = client.scatter(model, broadcast=True)
        self.window = max(2, 2 * len(client.scheduler_info().get("workers", {})))
        self.pending: dict[int, Any] = {}

    def submit(self, info: ChunkInfo, chunk: list[Statement]) -> Any:
        fut = self.client.submit(_classify_partition, list(map(_FIELDS, chunk)), self.opts, self.model, pure=False)
        self.pending[info.number] = fut
        return fut

    def result(self, info: ChunkInfo, handle: Any) -> ChunkResult:
        from distributed import KilledWorker

        try:
            res: ChunkResult = handle.result()
        except KilledWorker:
            raise WorkerDied(f"Dask workers died while classifying {info.describe()} (each one that tried it); "
                             "nothing written") from None
        del self.pending[info.number]
        return res

    def close(self, ok: bool) -> None:
        if self.pending:
            self.client.cancel(list(self.pending.values()))


def run_classify_dask(
    inputs: list[str],
    read_opts: ReadOptions,
    opts: ClassifyOptions,
    output: str | None,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    chunk_size: int = 200,
    strict: bool = False,
    progress: bool = False,
) -> ClassifyRun:
    """Classify on a Dask cluster (a new LocalCluster when `scheduler` is None)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs Dask: pip install 'policy-themes[dask]'") from None
    import pyarrow.parquet as pq

    out_dir = _output_dir(output)
    model = load_model(opts.model_path)  # plain data; workers get the scorer without scikit-learn
    run = ClassifyRun()
    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as e:
                raise InputError(f"--scheduler {scheduler}: cannot connect ({e})") from None
        else:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        with client, atomic_dir(out_dir) as tmp:
            chunks = chunked(read_statements(inputs, read_opts), run, strict, chunk_size)
            opts, chunks = prepare(opts, model, chunks, inputs, read_opts, arrow=True)
            part = 0

            def consume(res: ChunkResult) -> None:
                nonlocal part
                pq.write_table(res.table, tmp / f"part-{part:05d}.parquet",
                               use_dictionary=dictionary_columns(res.table.schema))
                part += 1
                run.add(res)
                if progress:
                    print(f"\rdask: {run.sentences} sentences", end="", file=sys.stderr)

            run_chunks(DaskWorkers(client, model, opts), chunks, consume)
            if progress:
                print(file=sys.stderr)
            if run.sentences == 0:
                raise run.nothing_classified()
    finally:
        if cluster is not None:
            cluster.close()
    return run
