"""``ho_annotate.batch.collector``: the collector's settings for a run, and back after it."""

from __future__ import annotations

import gc
import weakref

import pytest

from ho_annotate.batch.collector import YOUNG_THRESHOLD, batch_collection


def test_a_run_sets_objects_aside_and_puts_everything_back_after() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with batch_collection():
        assert gc.get_freeze_count() > 1000  # what was imported before the run
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_failed_run_puts_everything_back_too() -> None:
    before = gc.get_threshold()
    with pytest.raises(KeyboardInterrupt), batch_collection():
        raise KeyboardInterrupt
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_cycles_made_before_the_run_are_collected_after_it() -> None:
    class Node:
        pass

    node = Node()
    node.self = node  # type: ignore[attr-defined]
    alive = weakref.ref(node)
    with batch_collection():
        del node
        gc.collect()
        assert alive() is not None  # set aside during the run
    gc.collect()
    assert alive() is None
