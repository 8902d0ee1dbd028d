"""Run the measurement over many radiographs: serially, on local processes or on Dask.

Every mode yields the same rows in the same order (images sorted by their output name).
Work is sent in chunks of images, so per-task overhead stays small next to a header read.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ho_annotate.batch.collector import batch_collection
from ho_annotate.batch.csv_chunks import CsvChunk, CsvText
from ho_annotate.batch.discover import ImageTask, discover
from ho_annotate.batch.output import CsvWriter, RowWriter, is_parquet, open_writer
from ho_annotate.batch.processes import (
    LocalWorkers,
    WorkerLost,
    check_workers,
    guided_chunks,
    processes_for,
)
from ho_annotate.batch.pseudonymize import Pseudonymizer
from ho_annotate.batch.rows import Row, RowOptions, measure_chunk
from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.lock import LockTimeoutError, locked
from ho_annotate.files.outputs import check_output_file

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


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


#: Images measured together in a serial run (``measure_chunk`` works in stages over them).
SERIAL_CHUNK = 32


def _serial_chunks(tasks: Sequence[ImageTask]) -> Iterator[list[ImageTask]]:
    for start in range(0, len(tasks), SERIAL_CHUNK):
        yield list(tasks[start : start + SERIAL_CHUNK])


def _serial(tasks: Sequence[ImageTask], options: RowOptions) -> Iterator[list[Row]]:
    for chunk in _serial_chunks(tasks):
        yield from measure_chunk(chunk, options)


def _process_rows(
    tasks: Sequence[ImageTask], options: RowOptions, local: LocalWorkers
) -> Iterator[list[Row]]:
    chunks = local.in_order(tasks, partial(measure_chunk, options=options))
    try:
        for chunk in chunks:
            yield from chunk
    finally:
        chunks.close()


@contextlib.contextmanager
def _local_workers(
    workers: int, scheduler: str | None, images: int
) -> Iterator[LocalWorkers | None]:
    """The local worker processes of a run of ``images`` images, if it has any (the
    collector set for batch work in this process, and theirs)."""
    with batch_collection():
        processes = processes_for(workers, images)
        if processes > 1 and not scheduler:
            with LocalWorkers(processes) as local:
                yield local
        else:
            yield None


def _dask(
    tasks: Sequence[ImageTask], options: RowOptions, address: str, timeout: float
) -> Iterator[list[Row]]:
    check_scheduler_address(address)
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
        chunks = guided_chunks(tasks, n_workers * 2)
        futures = client.map(measure_chunk, chunks, options=options, pure=False)
        for future in futures:
            yield from future.result()
    finally:
        if futures:
            client.cancel(futures)
        client.close()


_ADDRESS = re.compile(
    r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?/?"
    r"|inproc://\S+"
)


def check_scheduler_address(address: str) -> None:
    """Refuse at once an address Dask could never connect to (instead of a long time-out)."""
    if not _ADDRESS.fullmatch(address.strip()):
        raise HoAnnotateError(
            f"--scheduler {address!r}: not a scheduler address; give one like "
            "tcp://10.0.0.5:8786 (the address the Dask scheduler prints)"
        )


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
    processes = processes_for(workers, len(tasks))
    if processes > 1:
        return _rows_on_new_workers(tasks, options, processes)
    return _serial(tasks, options)


def _rows_on_new_workers(
    tasks: Sequence[ImageTask], options: RowOptions, workers: int
) -> Iterator[list[Row]]:
    with LocalWorkers(workers) as local:
        yield from _process_rows(tasks, options, local)


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
    local: LocalWorkers | None = None,
) -> None:
    pseudo = Pseudonymizer(pseudonymize) if pseudonymize is not None else None

    def image_sink(rows: list[Row]) -> int:
        sink([pseudo.row(r) for r in rows] if pseudo else rows)
        return 1

    results = (
        _process_rows(tasks, options, local)
        if local is not None and tasks
        else iter_rows(
            tasks, options, workers=workers, scheduler=scheduler, connect_timeout=connect_timeout
        )
    )
    _consume(results, image_sink, len(tasks), progress)


def _consume(results: Iterator[T], sink: Callable[[T], int], total: int, progress: bool) -> None:
    """Pass each result to ``sink`` (which says how many images it held) with a progress bar."""
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[type-arg, misc]
        monitor_interval = 0  # no monitor thread: forking workers stays safe

    bar = Bar(total=total, unit="image", disable=not progress, file=sys.stderr)
    try:
        for result in results:
            bar.update(sink(result))
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stops the pool or cancels the cluster's work at once
        bar.close()


def _options(schemes: Sequence[str] | None) -> RowOptions:
    from ho_annotate.batch.columns import FIXED_COLUMNS, scheme_column
    from ho_annotate.grading import SchemeError, get_scheme

    names = tuple(dict.fromkeys(schemes)) if schemes else default_schemes()
    taken: dict[str, str] = {}
    for name in names:
        get_scheme(name)  # an unknown name fails here, once, not on every image
        column = scheme_column(name)
        if column in FIXED_COLUMNS or column in taken:
            other = f"scheme {taken[column]!r}'s" if column in taken else "a built-in"
            raise SchemeError(
                f"grading scheme {name!r} would write the column {column!r}, which is {other} "
                "column of the results table; rename the scheme (or leave it out with --scheme)"
            )
        taken[column] = name
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
    include_reference: bool = False,
) -> pd.DataFrame:
    """Measure every radiograph under ``paths``; the results table as a pandas DataFrame.

    One row per image, side and reader (columns in ``docs/batch.md``). ``workers`` > 1 uses
    local processes, ``scheduler`` a Dask distributed scheduler address; ``pseudonymize`` is
    a secret salt that replaces UIDs and paths by keyed hashes; ``connect_timeout`` is how
    long to wait for the scheduler, in seconds. A ``reference`` sidecar is a reader only
    with ``include_reference``.
    """
    import pandas as pd

    options = _options(schemes)
    if not scheduler:
        check_workers(workers)
    collected: list[Row] = []
    tasks = discover(paths, annotations_dir, include_reference=include_reference)
    with _local_workers(workers, scheduler, len(tasks)) as local:
        _drive(
            tasks,
            options,
            collected.extend,
            workers=workers,
            scheduler=scheduler,
            pseudonymize=pseudonymize,
            progress=progress,
            connect_timeout=connect_timeout,
            local=local,
        )
    return typed_frame(pd.DataFrame(collected, columns=options.columns))


def typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a results DataFrame its column types (numbers, nullable ints and booleans)."""
    return frame.astype(
        {
            "gap_mm": "float64",
            "largest_island_mm": "float64",
            "auto_gap_mm": "float64",
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
    overwrite: bool = False,
    progress: bool = False,
    connect_timeout: float = 20.0,
    include_reference: bool = False,
) -> RunSummary:
    """Measure to a CSV or Parquet file, written as results come in.

    ``output`` must not exist unless ``resume`` (skip the images it already holds whole,
    append the rest) or ``overwrite`` (replace it when the run ends); it is never a DICOM
    file or a sidecar. Interrupted (Ctrl-C or SIGTERM), the file holds every image finished
    so far and is valid. A failed write (a full disk) keeps the images written whole before
    it in a CSV written in place (``resume`` continues it); a Parquet table, or one being
    replaced, stays as it was before the run.
    """
    out = Path(output)
    check_output_file(out, overwrite=overwrite or resume, what="results table")
    if resume and overwrite:
        raise HoAnnotateError("give either --resume or --overwrite, not both")
    pseudo = Pseudonymizer(pseudonymize) if pseudonymize is not None else None
    if scheduler:
        check_scheduler_address(scheduler)
    options = _options(schemes)
    if not scheduler:
        check_workers(workers)
    tasks = discover(paths, annotations_dir, include_reference=include_reference)
    with _sole_writer(out), _local_workers(workers, scheduler, len(tasks)) as local:
        skipped = 0
        keep_images: set[str] | None = None
        keep_rows: list[list[str]] | None = None
        if resume and out.exists() and out.stat().st_size > 0:
            keep_images, keep_rows = _resume_state(out, options.columns, tasks, pseudo)
            name = {t.image: pseudo.image(t.image) if pseudo else t.image for t in tasks}
            remaining = [t for t in tasks if name[t.image] not in keep_images]
            skipped = len(tasks) - len(remaining)
            tasks = remaining
        counts = {"rows": 0, "errors": 0}
        writer = open_writer(
            out, options.columns, append=resume, keep_images=keep_images, keep_rows=keep_rows
        )

        def sink(rows: list[Row]) -> None:
            writer.write(rows)
            counts["rows"] += len(rows)
            counts["errors"] += sum(1 for r in rows if r.get("error"))

        text_writer = writer if isinstance(writer, CsvWriter) else None

        def text_sink(chunk: CsvText) -> int:
            if text_writer is not None:
                text_writer.write_text(chunk.text, chunk.rows)
            counts["rows"] += chunk.rows
            counts["errors"] += chunk.errors
            return chunk.images

        with _sigterm_as_interrupt() as signals:
            try:
                try:
                    if text_writer is not None and not scheduler:
                        # rows formatted a chunk at a time (by the workers): one write per chunk
                        chunk = CsvChunk(options, pseudo)
                        texts = (
                            local.in_order(tasks, chunk)
                            if local is not None and tasks
                            else map(chunk, _serial_chunks(tasks))
                        )
                        _consume(texts, text_sink, len(tasks), progress)
                    else:
                        _drive(
                            tasks,
                            options,
                            sink,
                            workers=workers,
                            scheduler=scheduler,
                            pseudonymize=pseudonymize,
                            progress=progress,
                            connect_timeout=connect_timeout,
                            local=local,
                        )
                except KeyboardInterrupt:
                    with signals.deferred():
                        writer.close()  # interrupted: keep the rows measured so far
                    raise
                except WorkerLost as exc:
                    with signals.deferred():
                        writer.close()  # keep the rows measured so far, as when interrupted
                    raise WorkerLost(
                        f"{exc}; the images measured before it are in {out}: the same "
                        "command with --resume measures the rest"
                    ) from exc
                except BaseException:
                    writer.abort()  # a failed write or run: the previous table stays as it was
                    raise
                # Closing can fail too (a full disk): the writer then aborts. A SIGTERM while it
                # closes waits until the table is whole (it used to abort it: every row lost).
                with signals.deferred():
                    writer.close()
            except OSError as exc:
                if not exc.filename:
                    exc.filename = str(out)  # pyarrow's write errors do not name the file
                if _rows_kept(writer):
                    raise HoAnnotateError(
                        file=out,
                        problem=f"{exc.strerror or exc} while adding rows",
                        action="the images already written are kept; once there is room, "
                        "the same command with --resume measures the rest",
                    ) from exc
                raise
    return RunSummary(len(tasks), skipped, counts["rows"], counts["errors"], out)


def _rows_kept(writer: RowWriter) -> bool:
    """Whether a failed run left a table to resume: a CSV written in place keeps the whole
    images written before the failure (Parquet and replaced tables are discarded)."""
    return (
        isinstance(writer, CsvWriter)
        and writer.partial is None
        and (writer.rows > 0 or writer.mode == "append")
    )


@contextlib.contextmanager
def _sole_writer(out: Path) -> Iterator[None]:
    """Hold the output's lock for the run: two runs on one table (a job started twice, two
    ``--resume``) would both append to it."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(locked(out, timeout=0))
        except LockTimeoutError as exc:
            raise HoAnnotateError(
                file=out,
                problem="another ho-annotate measure is writing this table",
                action="wait for it to finish, or give another output file",
            ) from exc
        yield


def _resume_state(
    out: Path, columns: list[str], tasks: Sequence[ImageTask], pseudo: Pseudonymizer | None
) -> tuple[set[str], list[list[str]] | None]:
    """Images already done whole, and the CSV rows to keep when the table needs mending."""
    from ho_annotate.batch import resume

    if is_parquet(out):
        previous = resume.read_previous_parquet(out, columns)
    else:
        previous = resume.read_previous_csv(out, columns)
    resume.check_pseudonyms(out, previous, tasks, pseudo)
    key = {t.image: pseudo.image(t.image) if pseudo else t.image for t in tasks}
    done = resume.finished_images(previous, tasks, key)
    kept = resume.keep_rows(previous, done)
    with out.open("rb") as f:
        f.seek(-1, 2)
        whole_last_line = f.read(1) == b"\n"
    mend = previous.dropped or len(kept) != len(previous.rows) or not whole_last_line
    return done, kept if mend else None


class _Signals:
    """SIGTERM as ``KeyboardInterrupt``, held back while the results file is being closed."""

    def __init__(self) -> None:
        self._holding = False
        self._pending = False

    def interrupt(self, signum: int, frame: object) -> None:
        if self._holding:
            self._pending = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Run the block whole; a SIGTERM that came meanwhile is raised after it."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        if self._pending:
            self._pending = False
            raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[_Signals]:
    """SIGTERM (a scheduler, ``kill``) ends the run like Ctrl-C: the rows so far are kept."""
    signals = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    previous = signal.signal(signal.SIGTERM, signals.interrupt)
    try:
        yield signals
    finally:
        signal.signal(signal.SIGTERM, previous)
