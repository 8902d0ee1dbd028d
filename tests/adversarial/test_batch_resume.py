"""Class 2 and 6 of issue 13: ``measure`` keeps every table whole and its workers in check.

A full disk is simulated with ``RLIMIT_FSIZE`` in the child (a write past it fails with
EFBIG after a short write, as on a full disk). Damaged tables are made by hand from a run's
real output; the resumed table must equal a clean run's, row for row, with no duplicates.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from adversarial_helpers import CLI, assert_clean_failure, make_study, run_cli

from ho_annotate.batch import measure_to_file, read_results

SALT = "a-long-enough-secret-salt"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("resume") / "study"
    make_study(root, 6)
    full = measure_to_file([root], root.parent / "full.csv").output
    return root, full.read_text().splitlines()


def _resume(root: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    result = run_cli("measure", root, "-o", out, "-q", "--resume", *extra)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize(
    "damage",
    ["delete_one_row", "cut_between_sides", "cut_mid_row", "unterminated_quote", "not_utf8"],
)
def test_resume_completes_damaged_tables_without_duplicates(
    study: tuple[Path, list[str]], tmp_path: Path, damage: str
) -> None:
    root, full = study
    header, body = full[0], full[1:]
    if damage == "delete_one_row":
        lines = [header, *body[:3], *body[4:]]
    elif damage == "cut_between_sides":
        lines = [header, *body[:5]]  # the 3rd row pair is cut after its left row
    elif damage == "cut_mid_row":
        lines = [header, *body[:6], body[6][:12]]
    elif damage == "unterminated_quote":
        lines = [header, *body[:2], '"' + body[2], *body[3:]]
    else:
        lines = [header, *body[:2]]
    out = tmp_path / "results.csv"
    data = "\n".join(lines).encode()
    if damage == "not_utf8":
        data += b"\n\xff\xfe\x00garbage,\x80\x81\n" + "\n".join(body[2:]).encode()
    out.write_bytes(data + (b"" if damage == "cut_mid_row" else b"\n"))
    _resume(root, out)
    assert sorted(out.read_text().splitlines()) == sorted(full)


def test_resume_refuses_a_table_that_is_not_ours(study: tuple[Path, list[str]], tmp_path: Path):
    root, _ = study
    out = tmp_path / "results.csv"
    out.write_bytes(b"\xff\xfe binary junk\n\x00\x01")
    before = out.read_bytes()
    assert_clean_failure(run_cli("measure", root, "-o", out, "-q", "--resume"), "cannot resume")
    assert out.read_bytes() == before


def test_resume_refuses_a_different_pseudonymize_setting(
    study: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, _ = study
    out = tmp_path / "hashed.csv"
    measure_to_file([root], out, pseudonymize=SALT)
    before = out.read_bytes()
    for extra in ((), ("--pseudonymize", SALT + "-other")):
        result = run_cli("measure", root, "-o", out, "-q", "--resume", *extra)
        assert_clean_failure(result, "cannot resume")
    raw = tmp_path / "raw.csv"
    measure_to_file([root], raw)
    result = run_cli("measure", root, "-o", raw, "-q", "--resume", "--pseudonymize", SALT)
    assert_clean_failure(result, "without --pseudonymize")
    assert out.read_bytes() == before


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_full_disk_during_resume_leaves_the_old_table(
    study: tuple[Path, list[str]], tmp_path: Path, suffix: str
) -> None:
    root, _ = study
    half = tmp_path / "half"
    make_study(half, 3)
    out = tmp_path / f"results{suffix}"
    measure_to_file([half], out)
    before = out.read_bytes()
    # Room for the old table and a little more, not for the new rows.
    result = run_cli(
        "measure", half, root, "-o", out, "-q", "--resume", file_size_limit=len(before) + 200
    )
    assert_clean_failure(result, str(out.name))
    assert out.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_full_disk_in_a_new_csv_keeps_whole_images_and_says_resume(
    tmp_path: Path, workers: str
) -> None:
    root = _big_study(tmp_path, 300)
    out = tmp_path / "results.csv"
    # Room for some of the rows only (RLIMIT_FSIZE: the same errors as a full disk).
    result = run_cli("measure", root, "-o", out, "-q", "--workers", workers, file_size_limit=40_000)
    assert_clean_failure(result, str(out), "kept", "--resume")
    kept = read_results(out)
    assert 0 < len(kept) < 2 * 300
    assert (kept.groupby("image").size() == 2).all()  # whole images only
    _resume(root, out)
    serial = read_results(measure_to_file([root], tmp_path / "serial.csv").output)
    pd.testing.assert_frame_equal(
        read_results(out).sort_values(["image", "side"]).reset_index(drop=True),
        serial.sort_values(["image", "side"]).reset_index(drop=True),
    )


def test_a_full_disk_during_overwrite_leaves_the_old_table(
    study: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, _ = study
    out = tmp_path / "results.csv"
    out.write_text("old table\n")
    result = run_cli("measure", root, "-o", out, "-q", "--overwrite", file_size_limit=300)
    assert_clean_failure(result)
    assert out.read_text() == "old table\n"


def _big_study(tmp_path: Path, count: int) -> Path:
    root = tmp_path / "big"
    make_study(root, count, readers=("alice",))
    return root


def _measure_then_sigterm(root: Path, out: Path) -> tuple[int, str]:
    """Start ``measure``, send SIGTERM once the progress bar shows 10 images done."""
    proc = subprocess.Popen(
        [*CLI, "measure", str(root), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(lambda: proc.stderr.read(64), "")))
    reader.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the progress bar says some images are done
        counts = [int(n) for n in re.findall(r"(\d+)/300", "".join(seen))]
        if counts and max(counts) >= 10:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    return proc.returncode, "".join(seen)


def test_sigterm_during_a_parquet_run_keeps_the_rows(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    root = _big_study(tmp_path, 300)
    # The run takes well under a second, so on a loaded machine the signal can come after
    # the last image; such an attempt proves nothing and is tried again.
    for attempt in range(3):
        out = tmp_path / f"results{attempt}.parquet"
        returncode, stderr = _measure_then_sigterm(root, out)
        if returncode != 0:
            break
    assert returncode == 130, stderr
    assert "Traceback" not in stderr
    table = pq.read_table(out).to_pandas()
    assert len(table) > 0
    assert (table.groupby("image").size() == 2).all()  # whole images only


#: ``ho-annotate`` whose worker processes die (SIGKILL, as from the out-of-memory killer) at
#: their second chunk; the first is measured whole.
KILLED_WORKER = """
import multiprocessing, os, signal, sys
from ho_annotate.batch import csv_chunks, run
from ho_annotate.cli import main

chunks_here = []


def dying(measure):
    def dies_at_its_second_chunk(*args, **kwargs):
        if multiprocessing.parent_process() is not None:
            chunks_here.append(1)
            if len(chunks_here) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        return measure(*args, **kwargs)

    return dies_at_its_second_chunk


csv_chunks.CsvChunk.__call__ = dying(csv_chunks.CsvChunk.__call__)  # CSV: text per chunk
run.measure_chunk = dies_in_parquet_runs = dying(run.measure_chunk)  # Parquet: rows per chunk
dies_in_parquet_runs.__qualname__ = "dies_in_parquet_runs"  # found by name in the worker
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("table", ["results.csv", "results.parquet"])
def test_a_worker_killed_mid_run_keeps_the_rows_so_far_and_resume_finishes(
    tmp_path: Path, table: str
) -> None:
    root = tmp_path / "study"
    make_study(root, 60, readers=("alice",))
    out = tmp_path / table
    args = ["measure", str(root), "-o", str(out), "-q", "--workers", "2"]
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, *args], capture_output=True, text=True, timeout=120
    )
    assert_clean_failure(result, "worker process ended abruptly", "--resume")
    kept = read_results(out)
    assert 0 < len(kept) < 2 * 60  # the images measured before it
    _resume(root, out)
    serial = read_results(measure_to_file([root], tmp_path / f"serial-{table}").output)
    resumed = read_results(out)
    assert len(resumed) == len(serial) == 2 * 60
    pd.testing.assert_frame_equal(
        resumed.sort_values(["image", "side"]).reset_index(drop=True),
        serial.sort_values(["image", "side"]).reset_index(drop=True),
    )


def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    root = _big_study(tmp_path, 400)
    proc = subprocess.Popen(
        [*CLI, "measure", str(root), "-o", str(tmp_path / "r.csv"), "-q", "--workers", "3"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    children: list[psutil.Process] = []
    while len(children) < 2 and time.monotonic() < deadline:
        children = parent.children(recursive=True)
        time.sleep(0.05)
    assert len(children) >= 2, "the workers never started"
    proc.kill()
    proc.wait(timeout=10)
    _, alive = psutil.wait_procs(children, timeout=10)
    for child in alive:
        child.kill()
    assert not alive, f"{len(alive)} workers outlived their parent"
