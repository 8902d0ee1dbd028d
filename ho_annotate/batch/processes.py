"""Local worker processes for ``measure --workers N``: chunks of images, results in order.

This process is one of the N: it starts the other N - 1, hands them chunks, measures chunks
itself in between, and passes the results on in chunk order.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from types import TracebackType
from typing import Any, TypeVar

from ho_annotate.batch.collector import worker_collection
from ho_annotate.errors import HoAnnotateError

T = TypeVar("T")
Item = TypeVar("Item")

#: Most and fewest images per chunk of work sent to a worker.
MAX_CHUNK, MIN_CHUNK = 64, 4
#: Most chunks this process measures ahead of one a worker has not finished (a worker stuck
#: on a slow file must not make it hold the rest of the run's results in memory).
HELD_BACK = 16


#: Most processes per CPU a run may ask for. The work is mostly CPU; beyond this the
#: processes only wait on each other, and a slip (``--workers 2000``) would start them all.
MAX_PER_CPU = 4
#: Most processes a pool may have on Windows (it waits on at most 63 handles at once).
WINDOWS_MAX_POOL = 61


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the system reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_workers(workers: int) -> None:
    """Refuse more local processes than ``MAX_PER_CPU`` per usable CPU."""
    cpus = usable_cpus()
    if workers > MAX_PER_CPU * cpus:
        raise HoAnnotateError(
            problem=f"{workers} processes are more than {MAX_PER_CPU} per CPU here "
            f"({cpus} CPU{'s' if cpus != 1 else ''})",
            action=f"give at most {MAX_PER_CPU * cpus} (about one per CPU is fastest)",
            option="workers",
        )


def processes_for(workers: int, images: int) -> int:
    """How many of the ``workers`` processes asked for a run of ``images`` images starts:
    no more than it has chunks of work, and no more than the platform allows."""
    most = WINDOWS_MAX_POOL + 1 if sys.platform == "win32" else workers
    return max(1, min(workers, most, math.ceil(images / MIN_CHUNK)))


def guided_chunks(tasks: Sequence[Item], parallel: int) -> list[list[Item]]:
    """Chunks that shrink towards the end (guided), so the workers finish together.

    Each chunk is a quarter of a worker's share of what is left (between ``MIN_CHUNK`` and
    ``MAX_CHUNK`` images): with equal chunks, a worker that falls behind finishes a whole
    last chunk (63 images of a 1,000-image run) while the others wait.
    """
    chunks: list[list[Item]] = []
    start, parallel = 0, max(1, parallel)
    while start < len(tasks):
        left = len(tasks) - start
        size = max(MIN_CHUNK, min(MAX_CHUNK, math.ceil(left / (parallel * 8))))
        chunks.append(list(tasks[start : start + size]))
        start += size
    return chunks


class WorkerLost(HoAnnotateError):
    """A worker process ended in the middle of the run (killed, or out of memory)."""


def _lost() -> WorkerLost:
    return WorkerLost(
        "a worker process ended abruptly (killed by a user or by the system, for example "
        "when memory ran out)"
    )


class LocalWorkers:
    """``workers`` processes: this one and ``workers - 1`` forked at once (a context manager).

    Leaving the block stops them at once (work not started is cancelled).
    """

    def __init__(self, workers: int) -> None:
        if workers < 2:
            raise ValueError(f"LocalWorkers needs 2 or more workers, not {workers}")
        self.workers = workers
        self._pool = _pool(workers - 1)
        self._pool.submit(int)  # the pool starts its processes at the first task

    def __enter__(self) -> LocalWorkers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def in_order(
        self, tasks: Sequence[Item], work: Callable[[list[Item]], T]
    ) -> Generator[T, None, None]:
        """``work`` of each chunk of ``tasks``, in chunk order.

        Between chunks this process keeps the others fed and passes results on; otherwise it
        measures the next chunk itself (left to wait, it would leave a core idle). At the end
        it takes back the chunks no other process has started, so that all finish together.
        """
        chunks = guided_chunks(tasks, self.workers)
        # Chunks queued beyond those being measured: while this process measures one of its
        # own it cannot hand out more, and the others must not run dry meanwhile.
        ahead = 4 * (self.workers - 1)
        sent: dict[int, Future[T]] = {}
        done_here: dict[int, T] = {}
        taken = handed_on = 0
        try:
            while handed_on < len(chunks):
                while taken < len(chunks) and sum(not f.done() for f in sent.values()) < ahead:
                    sent[taken] = future = self._pool.submit(work, chunks[taken])
                    _tolerate_failure_once_cancelled(future)  # taken back, or at close()
                    taken += 1
                if handed_on in done_here:
                    yield done_here.pop(handed_on)
                elif sent[handed_on].done() or len(done_here) >= HELD_BACK:
                    yield sent.pop(handed_on).result()
                elif taken < len(chunks):
                    done_here[taken] = work(chunks[taken])
                    taken += 1
                    continue
                elif (index := _take_back(sent)) is not None:
                    done_here[index] = work(chunks[index])
                    continue
                else:
                    yield sent.pop(handed_on).result()
                handed_on += 1
        except BrokenProcessPool as exc:  # found at a result, or when handing out a chunk
            lost = exc
        else:
            return
        # The pool may break while this process measures a chunk of its own, after a worker
        # returned earlier chunks: those are passed on, so the rows before the loss are kept.
        yield from _finished_in_order(handed_on, done_here, sent)
        raise _lost() from lost


def in_order(
    tasks: Sequence[Item], work: Callable[[list[Item]], T], workers: int
) -> Generator[T, None, None]:
    """``work`` of each chunk of ``tasks`` on ``workers`` processes, in chunk order."""
    with LocalWorkers(workers) as local:
        yield from local.in_order(tasks, work)


def _finished_in_order(
    first: int, done_here: dict[int, T], sent: dict[int, Future[T]]
) -> Generator[T, None, None]:
    """The results from chunk ``first`` on that are finished, up to the first that is not."""
    index = first
    while True:
        if index in done_here:
            yield done_here.pop(index)
        elif index in sent and sent[index].done() and sent[index].exception() is None:
            yield sent.pop(index).result()
        else:
            return
        index += 1


def _take_back(sent: dict[int, Future[T]]) -> int | None:
    """The first chunk of ``sent`` that no worker has started, withdrawn (``None``: none)."""
    for index in sorted(sent):
        if sent[index].cancel():
            del sent[index]
            return index
    return None


def _tolerate_failure_once_cancelled(future: Future[Any]) -> None:
    """Let the pool fail ``future`` after it was cancelled, as it does when a worker dies.

    Python 3.11's pool then sets every waiting chunk's error, a withdrawn one too, which
    raises in the pool's own thread and leaves the chunks after it waiting forever and the
    workers running (CPython gh-107219, fixed in later versions).
    """
    set_exception = future.set_exception

    def set_unless_cancelled(exception: BaseException | None) -> None:
        with contextlib.suppress(InvalidStateError):
            set_exception(exception)

    future.set_exception = set_unless_cancelled  # type: ignore[method-assign]


def start_method() -> str:
    """How worker processes start here (``multiprocessing``'s start method).

    fork is the cheapest and safe on Linux while this process has a single thread (the CLI);
    with threads around (a notebook, a Dask client) a forked child could inherit a held lock,
    so a fork server starts them. macOS system libraries may start threads of their own, which
    makes fork unsafe there (CPython's default is spawn), and Windows has neither.
    """
    if sys.platform.startswith("linux"):
        return "fork" if threading.active_count() == 1 else "forkserver"
    return "spawn"


def _pool(processes: int) -> ProcessPoolExecutor:
    method = start_method()
    context: Any = get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["ho_annotate.batch.csv_chunks", "ho_annotate.grading"])
    return ProcessPoolExecutor(
        processes, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
    )


def _worker_init(parent: int) -> None:
    """Set up a worker process: Ctrl-C is the parent's, and the worker dies with its parent.

    Ctrl-C is the parent's to handle: it cancels the pool and closes the output cleanly. A
    parent killed outright (``kill -9``) cannot stop its pool, so each worker watches it: on
    Linux the kernel sends SIGKILL when the parent dies; elsewhere a thread polls it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_collection()  # a forked worker has it already; one from the fork server has not
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while True:
        if not _alive(parent):
            os._exit(1)
        time.sleep(0.5)


def _alive(pid: int) -> bool:
    if os.getppid() == pid or sys.platform == "win32":
        # Windows: os.kill(pid, 0) would end that process; a worker whose parent died sees
        # its task pipe close instead, and ends.
        return True
    try:
        os.kill(pid, 0)  # the parent may be the fork server's; then ask after the real one
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
