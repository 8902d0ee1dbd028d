"""Discovery (``discover``) against the algorithm before one listing per folder served it
(``tests/ho_annotate/discover_before.py``), on the same folder in the same run.

    .venv/bin/python benchmarks/bench_discover.py [FOLDER] [--images N] [--repeat R]

Without FOLDER, N images (empty ``.dcm`` files: discovery reads no header) each with one
reader's sidecar are made in a temporary folder. Prints the medians and before / now.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ho_annotate"))

from discover_before import discover_before

from ho_annotate.batch.discover import discover


def _timed(fn: Callable[[], object], times: list[float]) -> None:
    start = time.perf_counter()
    fn()
    times.append(time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?")
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or tmp
        if not args.folder:
            for i in range(args.images):
                (Path(tmp) / f"IM{i:05d}.dcm").write_bytes(b"")
                (Path(tmp) / f"IM{i:05d}.reader1.ho.json").write_text("{}")
        tasks = discover([folder])
        if tasks != discover_before([folder]):
            sys.exit("discover() and the algorithm before it disagree")
        before: list[float] = []
        now: list[float] = []
        for _ in range(args.repeat):  # interleaved: the same load on both
            _timed(lambda: discover_before([folder]), before)
            _timed(lambda: discover([folder]), now)
    b, n = statistics.median(before), statistics.median(now)
    print(f"{len(tasks)} images")
    print(f"before {b * 1e3:.2f} ms, now {n * 1e3:.2f} ms, before / now {b / n:.2f}")


if __name__ == "__main__":
    main()
