"""The garbage collector during a batch run: objects made before it are set aside, and the
youngest objects are collected less often.

A run makes and drops millions of small objects, few of them in reference cycles. With
Python's defaults the collector looks at the youngest objects every 700 allocations and now
and then walks every object of the process (about 50,000 once the measurement is imported,
17 ms a walk). After a fork such a walk also writes to every memory page a worker shares
with this process, and each of those pages is then copied. Nothing is left uncollected: the
settings come back when the run ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

#: Allocations between collections of the youngest objects during a run (Python: 700).
YOUNG_THRESHOLD = 20_000


@contextlib.contextmanager
def batch_collection() -> Iterator[None]:
    """Set aside the objects that exist now and collect young ones less often, for the block."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], YOUNG_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def worker_collection() -> None:
    """The same settings in a worker process, for its life."""
    gc.freeze()
    gc.set_threshold(max(gc.get_threshold()[0], YOUNG_THRESHOLD))
