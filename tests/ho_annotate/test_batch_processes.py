"""``ho_annotate.batch.processes``: chunks measured here and on forked workers, in order."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable

import psutil
import pytest

from ho_annotate.batch import processes
from ho_annotate.batch.processes import (
    HELD_BACK,
    MAX_CHUNK,
    LocalWorkers,
    WorkerLost,
    guided_chunks,
    in_order,
)


def _pid_and_items(chunk: list[int]) -> tuple[int, list[int]]:
    return os.getpid(), chunk


def _slow_in_a_worker(chunk: list[int]) -> tuple[int, float]:
    """Chunk 0 (always a worker's) takes a second; when each chunk ended (a shared clock)."""
    if chunk[0] == 0:
        time.sleep(1.0)
    return os.getpid(), time.monotonic()


def _slow_in_workers(chunk: list[int]) -> int:
    """Slow in a worker process, instant here."""
    if multiprocessing.parent_process() is not None:
        time.sleep(0.3)
    return os.getpid()


def _killed_in_a_worker(chunk: list[int]) -> list[int]:
    if multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    return chunk


def _killed_at_a_workers_second_chunk(chunk: list[int]) -> list[int]:
    """A worker measures its first chunk and dies at its second; this process is slow at
    its first, so the worker dies while this process is busy."""
    if multiprocessing.parent_process() is not None:
        if chunk[0] > 0:
            os.kill(os.getpid(), signal.SIGKILL)
    elif chunk[0] > 0 and not _measured_here:
        _measured_here.append(chunk[0])
        time.sleep(1.0)
    return chunk


_measured_here: list[int] = []


def _slow_then_killed_in_a_worker(chunk: list[int]) -> list[int]:
    """Killed after 0.5 s in a worker; 0.02 s here (the worker has started its first chunk
    when this process runs out of chunks of its own)."""
    if multiprocessing.parent_process() is None:
        time.sleep(0.02)
    else:
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    return chunk


def _fail_on_13(chunk: list[int]) -> list[int]:
    if 13 in chunk:
        raise ArithmeticError(f"chunk with 13 measured in {os.getpid()}")
    return chunk


@pytest.fixture
def new_processes() -> Callable[[], set[int]]:
    """Processes started under this one since the fixture ran (a fork server, started by an
    earlier run when this process has threads, and Python's resource tracker stay)."""
    list(in_order(list(range(10)), _pid_and_items, 2))  # starts a fork server if one is used
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    return lambda: {p.pid for p in me.children(recursive=True)} - before


@pytest.mark.parametrize("count", [0, 1, 5, 97, 1000])
@pytest.mark.parametrize("workers", [2, 3])
def test_every_chunk_comes_back_once_in_order(count: int, workers: int) -> None:
    items = list(range(count))
    results = list(in_order(items, _pid_and_items, workers))
    assert [i for _, chunk in results for i in chunk] == items
    assert [chunk for _, chunk in results] == guided_chunks(items, workers)


def test_this_process_measures_too_and_the_others_do_their_share() -> None:
    results = list(in_order(list(range(2000)), _pid_and_items, 2))
    by_pid: dict[int, int] = {}
    for pid, chunk in results:
        by_pid[pid] = by_pid.get(pid, 0) + len(chunk)
    assert set(by_pid) >= {os.getpid()}
    assert len(by_pid) == 2, by_pid  # this process and one worker
    assert min(by_pid.values()) >= MAX_CHUNK  # neither was left idle


def test_this_process_does_not_run_far_ahead_of_a_slow_worker() -> None:
    # While a worker is stuck on the first chunk, this process measures at most HELD_BACK
    # chunks and then waits for it: the results it holds stay bounded.
    results = list(in_order(list(range(3000)), _slow_in_a_worker, 2))
    slow_done = results[0][1]
    assert results[0][0] != os.getpid()
    ahead = [pid for pid, ended in results[1:] if pid == os.getpid() and ended < slow_done]
    assert 1 <= len(ahead) <= HELD_BACK


def test_at_the_end_this_process_takes_back_the_chunks_no_worker_has_started() -> None:
    # The pool is given 4 chunks ahead; a worker that is slow keeps only those it has started
    # or that wait in its queue (3 at most), the rest are measured here.
    pids = list(in_order(list(range(50)), _slow_in_workers, 2))
    assert HELD_BACK > len(pids) == len(guided_chunks(list(range(50)), 2)) > 8
    assert sum(pid != os.getpid() for pid in pids) <= 3


def test_guided_chunks_shrink_towards_the_end() -> None:
    sizes = [len(c) for c in guided_chunks(list(range(2000)), 2)]
    assert sizes[0] == MAX_CHUNK and sizes[-1] < sizes[0]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) == 2000


def test_a_failure_in_any_process_reaches_the_caller_and_stops_the_workers(
    new_processes: Callable[[], set[int]],
) -> None:
    with pytest.raises(ArithmeticError, match="chunk with 13"):
        list(in_order(list(range(400)), _fail_on_13, 2))
    assert new_processes() == set()


def test_a_worker_killed_mid_run_is_a_clear_error(new_processes: Callable[[], set[int]]) -> None:
    with pytest.raises(WorkerLost, match="worker process ended abruptly"):
        list(in_order(list(range(400)), _killed_in_a_worker, 2))
    assert new_processes() == set()


def test_chunks_a_worker_returned_before_it_died_are_passed_on(
    new_processes: Callable[[], set[int]],
) -> None:
    # The worker returns chunk 0, then dies while this process measures a chunk of its own:
    # chunk 0 still reaches the caller (its rows are kept), then the loss is reported.
    received: list[list[int]] = []
    with pytest.raises(WorkerLost, match="worker process ended abruptly"):
        for chunk in in_order(list(range(400)), _killed_at_a_workers_second_chunk, 2):
            received.append(chunk)
    assert _measured_here, "this process never measured a chunk of its own"
    assert received == guided_chunks(list(range(400)), 2)[: len(received)]
    assert len(received) >= 1
    assert new_processes() == set()


def test_a_worker_killed_after_chunks_were_taken_back_is_the_same_clear_error(
    new_processes: Callable[[], set[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # This process takes back the chunks the slow worker has not started, then the worker
    # dies. Python 3.11's pool then failed on the withdrawn chunks in its own thread (a
    # traceback on stderr, later chunks left waiting forever and the workers not stopped).
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    with pytest.raises(WorkerLost, match="worker process ended abruptly"):
        list(in_order(list(range(50)), _slow_then_killed_in_a_worker, 2))
    assert failures == []
    assert new_processes() == set()


def test_leaving_early_stops_the_workers_at_once(new_processes: Callable[[], set[int]]) -> None:
    results = in_order(list(range(5000)), _pid_and_items, 3)
    next(results)
    assert len(new_processes()) == 2
    results.close()
    assert new_processes() == set()


def test_the_workers_start_before_any_work_is_given(
    new_processes: Callable[[], set[int]],
) -> None:
    with LocalWorkers(2):
        assert len(new_processes()) == 1
    assert new_processes() == set()


def test_fewer_than_two_workers_is_refused() -> None:
    with pytest.raises(ValueError, match="2 or more"):
        LocalWorkers(1)


def test_workers_started_fresh_give_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows and macOS start workers with spawn (a fresh interpreter): the same order and
    # both processes at work. Here on Linux, spawn is asked for explicitly.
    monkeypatch.setattr(processes, "start_method", lambda: "spawn")
    results = list(in_order(list(range(3000)), _pid_and_items, 2))
    assert [i for _, chunk in results for i in chunk] == list(range(3000))
    assert len({pid for pid, _ in results}) == 2


def test_the_start_method_suits_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    for platform, method in (("linux", "fork"), ("darwin", "spawn"), ("win32", "spawn")):
        monkeypatch.setattr(processes.sys, "platform", platform)
        monkeypatch.setattr(processes.threading, "active_count", lambda: 1)
        assert processes.start_method() == method
    monkeypatch.setattr(processes.sys, "platform", "linux")
    monkeypatch.setattr(processes.threading, "active_count", lambda: 3)  # a notebook
    assert processes.start_method() == "forkserver"
