"""``ho_annotate.files.lock``: errors that say what is wrong with the file the caller named."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ho_annotate.files.lock import LockTimeoutError, locked


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_a_folder_that_takes_no_new_files_is_not_called_busy() -> None:
    # /proc refuses new files with "No such file" instead of a permission error; the lock
    # library then waits as if another process held the lock.
    refused = pytest.raises(PermissionError, match="cannot make a lock file")
    with refused as caught, locked(Path("/proc/results.csv"), timeout=0):
        pass
    assert not isinstance(caught.value, LockTimeoutError)
    assert caught.value.filename == "/proc/results.csv"


def test_a_lock_held_elsewhere_is_a_timeout(tmp_path: Path) -> None:
    import subprocess

    target = tmp_path / "table.csv"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from ho_annotate.files.lock import locked\n"
            f"with locked({str(target)!r}):\n    print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeoutError, match="another program"), locked(target, timeout=0):
            pass
    finally:
        holder.kill()
        holder.wait()
