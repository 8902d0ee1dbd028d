"""``--scheduler``: the same rows as a serial run, computed on a real Dask cluster."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from batch_dataset import make_dataset

from ho_annotate.batch import measure, measure_to_file
from ho_annotate.errors import HoAnnotateError


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """One in-process LocalCluster (two single-thread workers) for the whole test session."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dask_study")
    make_dataset(root, 20, readers=("ann", "bob"))
    (root / "broken.dcm").write_bytes(b"\x00" * 200)
    return root


def test_scheduler_gives_the_serial_rows(study: Path, dask_scheduler: str) -> None:
    serial = measure([study])
    distributed = measure([study], scheduler=dask_scheduler)
    assert len(serial) == 20 * 2 * 2 + 1
    pd.testing.assert_frame_equal(distributed, serial)


def test_cli_on_the_cluster_writes_the_serial_file(
    study: Path, dask_scheduler: str, tmp_path: Path
) -> None:
    serial = measure_to_file([study], tmp_path / "serial.csv").output
    out = tmp_path / "dask.csv"
    subprocess.run(
        [sys.executable, "-m", "ho_annotate", "measure", str(study), "-o", str(out), "-q",
         "--scheduler", dask_scheduler],
        check=True,
        timeout=120,
    )  # fmt: skip
    assert out.read_text() == serial.read_text()


def test_an_unreachable_scheduler_is_a_clear_error(study: Path) -> None:
    with pytest.raises(HoAnnotateError, match="Dask scheduler"):
        measure([study], scheduler="tcp://127.0.0.1:9", connect_timeout=1.0)
