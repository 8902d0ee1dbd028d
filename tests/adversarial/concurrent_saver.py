"""A child process of the concurrency test: edit one sidecar ``count`` times, as a window would.

Each edit loads the file, adds one item with a unique id, waits a random moment (a person
drawing) and saves with ``expected=`` the state it loaded. It prints ``ok ID`` for a save that
returned and ``refused ID`` for one refused because the file changed meanwhile.

Usage: ``python concurrent_saver.py SIDECAR WORKER COUNT SEED START_FILE``.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from ho_annotate.annotations.model import Item
from ho_annotate.annotations.store import load_sidecar, save_annotations
from ho_annotate.errors import SidecarError


def main(sidecar: Path, worker: str, count: int, seed: int, start: Path) -> None:
    rng = random.Random(seed)
    while not start.exists():  # start together, so that the saves overlap
        time.sleep(0.001)
    for n in range(count):
        edit = f"{worker}-{n}"
        loaded = load_sidecar(sidecar)
        aset = loaded.annotations
        aset.items.append(Item(kind="gap", side="left", points=[(1.0, 1.0), (5.0, 1.0)], id=edit))
        time.sleep(rng.uniform(0.0, 0.003))
        try:
            save_annotations(aset, sidecar, expected=loaded.state)
        except SidecarError as exc:
            if "changed on disk" not in str(exc):
                raise
            print("refused", edit, flush=True)
        else:
            print("ok", edit, flush=True)
        time.sleep(rng.uniform(0.0, 0.002))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
