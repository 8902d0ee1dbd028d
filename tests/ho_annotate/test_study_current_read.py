"""Which read a reader works on now (``current_read``) and who may adjudicate
(``make_reference``): the rules ``study read`` and ``study adjudicate`` open windows on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from conftest import write_dx

from ho_annotate import read_header
from ho_annotate.annotations.store import new_annotation_set, save_annotations
from ho_annotate.errors import HoAnnotateError
from ho_annotate.study import (
    amend_case,
    create_study,
    current_read,
    load_study,
    make_reference,
    sidecar_for,
    submit_case,
    worklist,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def study(tmp_path: Path) -> Path:
    pixels = np.full((40, 50), 900, dtype=np.uint16)
    (tmp_path / "images").mkdir()
    for n in range(2):
        write_dx(tmp_path / "images" / f"hip_{n}.dcm", pixels)
    create_study(tmp_path / "s", [tmp_path / "images"], ["alice", "bob"], reads=2,
                 washout_days=14, created=T0)  # fmt: skip
    return tmp_path / "s"


def submit_all(study: Path, reader: str, read: int, at: datetime) -> None:
    for label in worklist(load_study(study), reader, read):
        image = sidecar_for(study, reader, read, label)
        path = study / next(c.path for c in load_study(study).cases if c.case == label)
        save_annotations(new_annotation_set(read_header(path), reader), image)
        submit_case(study, reader, read, label, reading_seconds=2.0, when=at)


def test_the_current_read_follows_submissions_and_the_washout(study: Path) -> None:
    assert current_read(load_study(study), "alice", at=T0) == 1
    done = T0 + timedelta(hours=1)
    submit_all(study, "alice", 1, done)
    with pytest.raises(HoAnnotateError, match=r"read 2 is not open yet: it opens 2026-03-16T10"):
        current_read(load_study(study), "alice", at=done + timedelta(days=13))
    assert current_read(load_study(study), "alice", at=done + timedelta(days=14)) == 2
    # an amendment of read 1 reopens it: that read comes first again
    label = worklist(load_study(study), "alice", 1)[0]
    amend_case(study, "alice", 1, label, reason="typo", when=done + timedelta(days=15))
    assert current_read(load_study(study), "alice", at=done + timedelta(days=15)) == 1
    assert current_read(load_study(study), "bob", at=T0) == 1
    with pytest.raises(HoAnnotateError, match="no reader 'eve'"):
        current_read(load_study(study), "eve")


def test_every_read_submitted_leaves_nothing_to_read(study: Path) -> None:
    submit_all(study, "bob", 1, T0)
    submit_all(study, "bob", 2, T0 + timedelta(days=15))
    with pytest.raises(HoAnnotateError, match="submitted every case of every read"):
        current_read(load_study(study), "bob", at=T0 + timedelta(days=16))


def test_the_adjudicator_becomes_the_reference_once(study: Path) -> None:
    with pytest.raises(HoAnnotateError, match="alice is a reader"):
        make_reference(study, "alice")
    s = make_reference(study, "carol")
    assert s.reference == "carol" and len(s.orders["carol"]) == 1
    assert sorted(s.orders["carol"][0]) == sorted(c.case for c in s.cases)
    assert load_study(study).reference == "carol"
    make_reference(study, "carol")  # again: nothing changes
    with pytest.raises(HoAnnotateError, match="reference reader is carol"):
        make_reference(study, "dave")
