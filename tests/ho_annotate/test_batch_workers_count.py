"""How many local processes ``measure --workers N`` starts, and when it refuses N."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from batch_dataset import make_dataset

from ho_annotate.batch import measure, processes
from ho_annotate.batch.processes import MAX_PER_CPU, MIN_CHUNK, processes_for
from ho_annotate.errors import HoAnnotateError

CLI = [sys.executable, "-m", "ho_annotate", "measure"]


def _on_one_cpu() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _measure_on_one_cpu(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_on_one_cpu,
    )


@pytest.mark.parametrize(
    ("workers", "images", "expected"),
    [(2, 1000, 2), (8, 3 * MIN_CHUNK, 3), (8, 1, 1), (8, 0, 1), (0, 1000, 1), (1, 1000, 1)],
)
def test_no_more_processes_than_chunks_of_work(workers: int, images: int, expected: int) -> None:
    assert processes_for(workers, images) == expected


def test_windows_pools_stay_within_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processes.sys, "platform", "win32")
    assert processes_for(200, 10**6) == processes.WINDOWS_MAX_POOL + 1
    assert processes_for(8, 10**6) == 8


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity")
def test_more_processes_than_cpus_runs_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "study"
    make_dataset(root, 6)
    result = _measure_on_one_cpu(root, "-o", tmp_path / "r.csv", "-q", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert "note: 2 processes share 1 CPU here" in result.stderr
    assert len(pd.read_csv(tmp_path / "r.csv")) == len(measure([root]))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity")
def test_far_more_processes_than_cpus_is_refused_before_any_work(tmp_path: Path) -> None:
    root = tmp_path / "study"
    make_dataset(root, 2)
    out = tmp_path / "r.csv"
    result = _measure_on_one_cpu(root, "-o", out, "--workers", str(MAX_PER_CPU + 1))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"ho-annotate measure: error: {MAX_PER_CPU + 1} processes are more than {MAX_PER_CPU} "
        f"per CPU here (1 CPU); give at most {MAX_PER_CPU} (about one per CPU is fastest) "
        "(--workers)"
    ]
    assert not out.exists()


def test_the_api_refuses_far_more_processes_than_cpus(tmp_path: Path) -> None:
    too_many = MAX_PER_CPU * processes.usable_cpus() + 1
    with pytest.raises(HoAnnotateError, match="more than"):
        measure([tmp_path], workers=too_many)
