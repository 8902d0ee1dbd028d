"""Run the measurement over many radiographs: serially, on local processes or on Dask.

Every mode yields the same rows in the same order (images sorted by their output name).
Work is sent in chunks of images, so per-task overhead stays small next to a header read.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ho_annotate.batch.discover import ImageTask, discover
from ho_annotate.batch.output import done_images, open_writer
from ho_annotate.batch.pseudonymize import Pseudonymizer
from ho_annotate.batch.rows import Row, RowOptions, image_rows, measure_chunk
from ho_annotate.errors import HoAnnotateError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class RunSummary:
    """What a run to a file did: images measured now, skipped (resume), rows and error rows."""

    images: int
    skipped: int
    rows: int
    errors: int
    output: Path


def default_schemes() -> tuple[str, ...]:
    """Every registered grading scheme, Brooker first."""
    from ho_annotate.grading import schemes

    names = list(schemes())
    return tuple(sorted(names, key=lambda s: (s != "brooker", names.index(s))))


def _chunks(tasks: Sequence[ImageTask], parallel: int) -> list[list[ImageTask]]:
    size = max(1, min(64, math.ceil(len(tasks) / max(1, parallel * 8))))
    return [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle: it cancels the pool and closes the output cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _serial(tasks: Sequence[ImageTask], options: RowOptions) -> Iterator[list[Row]]:
    for task in tasks:
        yield image_rows(task, options)


def _processes(
    tasks: Sequence[ImageTask], options: RowOptions, workers: int
) -> Iterator[list[Row]]:
    # fork is the cheapest start and safe while this process has a single thread (the CLI);
    # with threads around (a notebook, a Dask client) a forked child could inherit a held
    # lock, so a fork server starts the workers instead.
    if threading.active_count() == 1 and "fork" in get_all_start_methods():
        context: Any = get_context("fork")
    else:
        context = get_context("forkserver")
        context.set_forkserver_preload(["ho_annotate.batch.rows", "ho_annotate.grading"])
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_sigint)
    try:
        futures = [pool.submit(measure_chunk, c, options) for c in _chunks(tasks, workers)]
        for future in futures:
            yield from future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(
    tasks: Sequence[ImageTask], options: RowOptions, address: str, timeout: float
) -> Iterator[list[Row]]:
    try:
        import distributed
    except ImportError as exc:
        raise HoAnnotateError(
            problem="a Dask scheduler needs Dask distributed",
            action="pip install 'ho-annotate[dask]'",
            option="scheduler",
        ) from exc
    try:
        client_class: Any = distributed.Client  # untyped library
        client = client_class(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise HoAnnotateError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    futures: list[Any] = []
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        chunks = _chunks(tasks, n_workers * 2)
        futures = client.map(measure_chunk, chunks, options=options, pure=False)
        for future in futures:
            yield from future.result()
    finally:
        if futures:
            client.cancel(futures)
        client.close()


def iter_rows(
    tasks: Sequence[ImageTask],
    options: RowOptions,
    *,
    workers: int = 0,
    scheduler: str | None = None,
    connect_timeout: float = 20.0,
) -> Iterator[list[Row]]:
    """The rows of each image, one list per task, in the order of ``tasks``."""
    if not tasks:
        return iter(())
    if scheduler:
        return _dask(tasks, options, scheduler, connect_timeout)
    if workers > 1:
        return _processes(tasks, options, workers)
    return _serial(tasks, options)


def _drive(
    tasks: Sequence[ImageTask],
    options: RowOptions,
    sink: Callable[[list[Row]], None],
    *,
    workers: int,
    scheduler: str | None,
    pseudonymize: str | None,
    progress: bool,
    connect_timeout: float = 20.0,
) -> None:
    from tqdm import tqdm

    pseudo = Pseudonymizer(pseudonymize) if pseudonymize else None

    class Bar(tqdm):  # type: ignore[type-arg, misc]
        monitor_interval = 0  # no monitor thread: forking workers stays safe

    bar = Bar(total=len(tasks), unit="image", disable=not progress, file=sys.stderr)
    results = iter_rows(
        tasks, options, workers=workers, scheduler=scheduler, connect_timeout=connect_timeout
    )
    try:
        for rows in results:
            sink([pseudo.row(r) for r in rows] if pseudo else rows)
            bar.update(1)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stops the pool or cancels the cluster's work at once
        bar.close()


def _options(schemes: Sequence[str] | None) -> RowOptions:
    from ho_annotate.grading import get_scheme

    names = tuple(dict.fromkeys(schemes)) if schemes else default_schemes()
    for name in names:
        get_scheme(name)  # an unknown name fails here, once, not on every image
    return RowOptions(names)


def measure(
    paths: Sequence[str | Path],
    *,
    annotations_dir: str | Path | None = None,
    schemes: Sequence[str] | None = None,
    workers: int = 0,
    scheduler: str | None = None,
    pseudonymize: str | None = None,
    progress: bool = False,
    connect_timeout: float = 20.0,
) -> pd.DataFrame:
    """Measure every radiograph under ``paths``; the results table as a pandas DataFrame.

    One row per image, side and reader (columns in ``docs/batch.md``). ``workers`` > 1 uses
    local processes, ``scheduler`` a Dask distributed scheduler address; ``pseudonymize`` is
    a secret salt that replaces UIDs and paths by keyed hashes; ``connect_timeout`` is how
    long to wait for the scheduler, in seconds.
    """
    import pandas as pd

    options = _options(schemes)
    collected: list[Row] = []
    _drive(
        discover(paths, annotations_dir),
        options,
        collected.extend,
        workers=workers,
        scheduler=scheduler,
        pseudonymize=pseudonymize,
        progress=progress,
        connect_timeout=connect_timeout,
    )
    return typed_frame(pd.DataFrame(collected, columns=options.columns))


def typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a results DataFrame its column types (numbers, nullable ints and booleans)."""
    return frame.astype(
        {
            "gap_mm": "float64",
            "largest_island_mm": "float64",
            "island_count": "Int64",
            "borderline": "boolean",
        }
    )


def measure_to_file(
    paths: Sequence[str | Path],
    output: str | Path,
    *,
    annotations_dir: str | Path | None = None,
    schemes: Sequence[str] | None = None,
    workers: int = 0,
    scheduler: str | None = None,
    pseudonymize: str | None = None,
    resume: bool = False,
    progress: bool = False,
    connect_timeout: float = 20.0,
) -> RunSummary:
    """Measure to a CSV or Parquet file, written as results come in.

    With ``resume`` the images already in ``output`` are skipped and new rows appended.
    Interrupted (Ctrl-C), the file holds every image finished so far and is valid.
    """
    out = Path(output)
    if not out.parent.is_dir():
        raise HoAnnotateError(f"{out}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise HoAnnotateError(f"{out}: is a folder; give a file name for the results")
    options = _options(schemes)
    tasks = discover(paths, annotations_dir)
    skipped = 0
    if resume:
        done = done_images(out, options.columns)
        pseudo = Pseudonymizer(pseudonymize) if pseudonymize else None
        remaining = [t for t in tasks if (pseudo.image(t.image) if pseudo else t.image) not in done]
        skipped = len(tasks) - len(remaining)
        tasks = remaining
    counts = {"rows": 0, "errors": 0}
    writer = open_writer(out, options.columns, append=resume)

    def sink(rows: list[Row]) -> None:
        writer.write(rows)
        counts["rows"] += len(rows)
        counts["errors"] += sum(1 for r in rows if r.get("error"))

    try:
        _drive(
            tasks,
            options,
            sink,
            workers=workers,
            scheduler=scheduler,
            pseudonymize=pseudonymize,
            progress=progress,
            connect_timeout=connect_timeout,
        )
    finally:
        writer.close()
    return RunSummary(len(tasks), skipped, counts["rows"], counts["errors"], out)
