"""`classify --engine dask`: the same classification on a Dask distributed cluster.

The client reads the input in partitions (chunks of statements), sends the model to
the workers once (`scatter(..., broadcast=True)`), and each partition is segmented and
classified on a worker. Results come back to the client, which writes them as
partitioned Parquet (`part-00000.parquet`, ...) into a temporary folder renamed over
the output at the end, so a failed run leaves the previous output in place.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from .batch import ChunkResult, ClassifyOptions, ClassifyRun, chunked, dictionary_columns, process_chunk
from .classify import output_schema
from .errors import InputError
from .model import load_model
from .readers import ReadOptions, read_statements
from .writers import atomic_dir, check_output_dir


def _output_dir(path: str | None) -> Path:
    if not path:
        raise InputError("--engine dask writes partitioned Parquet: give -o OUT_DIR")
    return check_output_dir(path, "a folder of Parquet parts with --engine dask")


def _classify_partition(statements: list, opts: ClassifyOptions, model: Any) -> ChunkResult:
    return process_chunk(statements, opts, model)


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
    opts = replace(opts, schema=output_schema(model.labels, model.version, opts.top_k, opts.min_confidence))
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
            model_future = client.scatter(model, broadcast=True)
            chunks = chunked(read_statements(inputs, read_opts), run, strict, chunk_size)
            window = max(2, 2 * len(client.scheduler_info().get("workers", {})) or 2)
            pending: list[tuple[int, Any]] = []

            def drain(keep: int) -> None:
                while len(pending) > keep:
                    idx, fut = pending.pop(0)
                    res: ChunkResult = fut.result()
                    pq.write_table(res.table, tmp / f"part-{idx:05d}.parquet",
                                   use_dictionary=dictionary_columns(res.table.schema))
                    run.statements += res.n_statements
                    run.sentences += res.n_sentences
                    run.removed.update(res.removed)
                    run.no_content.extend(res.empty)
                    if progress:
                        print(f"\rdask: {run.sentences} sentences", end="", file=sys.stderr)

            for part, chunk in enumerate(chunks):
                pending.append((part, client.submit(_classify_partition, chunk, opts, model_future, pure=False)))
                drain(window)
            drain(0)
            if progress:
                print(file=sys.stderr)
            if run.sentences == 0:
                raise InputError("no content sentences in the input" if not run.failures else
                                 f"no statement could be read: {len(run.failures)} failed "
                                 f"(first: {run.failures[0].origin}: {run.failures[0].reason})")
    finally:
        if cluster is not None:
            cluster.close()
    return run
