"""A whole reading study headless: synth-study, study create, simulated reads written through
the study API, status, export, and agreement with reference, truth, intervals, subgroups and
re-reads; the CLI through real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import numpy as np
import pytest

from ho_annotate.agreement import Bootstrap, agreement, load_results, read_truth
from ho_annotate.annotations.store import load_annotations, save_annotations
from ho_annotate.errors import HoAnnotateError
from ho_annotate.study import (
    amend_case,
    create_study,
    load_study,
    sidecar_for,
    study_status,
    submit_case,
    worklist,
)
from ho_annotate.study.times import parse

CASES = 6
READERS = ("alice", "bob", "carol")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ho_annotate", *map(str, args)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "set"
    done = run_cli("synth-study", out, "--cases", CASES, "--boundary-share", "0.5", "--seed", 5)
    assert done.returncode == 0, done.stderr
    return out


def simulated_read(study: Path, synth: Path, reader: str, read: int, noise_mm: float,
                   start: datetime) -> None:  # fmt: skip
    """A reader's read: the reference drawing with each gap line's end moved by noise."""
    rng = np.random.default_rng([len(reader), read])
    for i, label in enumerate(worklist(load_study(study), reader, read)):
        image = sidecar_for(study, reader, read, label).name.split(".")[0]
        aset = load_annotations(synth / "reference" / f"{image}.reference.ho.json")
        assert aset.spacing is not None
        items = []
        for item in aset.items:
            if item.kind == "gap" and noise_mm:
                (r0, c0), (r1, c1) = item.points
                dr, dc = rng.normal(0, noise_mm, 2) / aset.spacing.row_mm
                end = (float(r1 + dr), float(c1 + dc))
                item = msgspec.structs.replace(item, points=[(r0, c0), end])
            items.append(item)
        mine = msgspec.structs.replace(aset, reader=reader, items=items)
        save_annotations(mine, sidecar_for(study, reader, read, label))
        submit_case(study, reader, read, label, reading_seconds=30.0 + i,
                    when=start + timedelta(minutes=i))  # fmt: skip


def test_synth_study_layout_and_truth(synth: Path) -> None:
    truth = read_truth(synth / "truth.csv")
    assert len(truth) == CASES and (truth["boundary"] == "true").sum() == CASES // 2
    gaps = truth["gap_mm"].astype(float)
    near = (gaps - 10).abs() <= 1.0
    assert (near == (truth["boundary"] == "true")).all()
    assert set(truth["brooker"]) <= {"II", "III"}
    assert (truth["brooker"] == np.where(gaps.round(1) >= 10, "II", "III")).all()
    assert sorted(p.name for p in (synth / "images").iterdir()) == list(truth["image"])
    assert len(list((synth / "reference").glob("*.reference.ho.json"))) == CASES
    # The same seed gives the same study.
    again = synth.parent / "again"
    assert run_cli("synth-study", again, "--cases", CASES, "--seed", 5).returncode == 0
    assert (again / "truth.csv").read_bytes() == (synth / "truth.csv").read_bytes()


def test_whole_study_headless(synth: Path, tmp_path: Path) -> None:
    study = tmp_path / "study"
    made = run_cli("study", "create", study, "--images", synth / "images", "--readers",
                   ",".join(READERS), "--reads", 2, "--washout-days", 14, "--reference", "ref",
                   "--seed", 3)  # fmt: skip
    assert made.returncode == 0, made.stderr
    s = load_study(study)
    assert s.readers == list(READERS) and s.reference == "ref"
    assert [len(s.orders[r]) for r in (*READERS, "ref")] == [2, 2, 2, 1]
    labels = sorted(c.case for c in s.cases)
    assert labels == [f"case-{i:03d}" for i in range(1, CASES + 1)]
    assert all(sorted(order) == labels for r in READERS for order in s.orders[r])
    assert s.orders["alice"][0] != s.orders["alice"][1] != s.orders["bob"][1]
    assert all((study / c.path).resolve().parent == (synth / "images").resolve() for c in s.cases)
    # Labels are neutral: the case of a file is shuffled, not its file order.
    files = [Path(c.path).stem for c in sorted(s.cases, key=lambda c: c.case)]
    assert files != sorted(files)

    t0 = parse(s.created)  # the CLI created the study now; the reads are simulated from then
    simulated_read(study, synth, "ref", 1, 0.0, t0)
    for k, reader in enumerate(READERS):
        simulated_read(study, synth, reader, 1, 0.6 + 0.3 * k, t0 + timedelta(hours=k))
    # A re-read opens only after the washout; a locked case needs an amendment.
    label = worklist(load_study(study), "alice", 2)[0]
    save_annotations(
        msgspec.structs.replace(
            load_annotations(sidecar_for(study, "alice", 1, label)), reader="alice"
        ),
        sidecar_for(study, "alice", 2, label),
    )
    opens = study_status(study, at=t0 + timedelta(days=3))["progress"][1]
    assert (opens["reader"], opens["read"], opens["open"]) == ("alice", 2, False)
    expected = t0 + timedelta(days=14, minutes=CASES - 1)  # 14 days after alice's last case
    assert parse(opens["opens_at"]) == expected
    with pytest.raises(HoAnnotateError, match="not open yet"):
        submit_case(study, "alice", 2, label, reading_seconds=5, when=t0 + timedelta(days=3))
    with pytest.raises(HoAnnotateError, match="locked"):
        submit_case(study, "bob", 1, label, reading_seconds=5, when=t0 + timedelta(days=1))
    amend_case(study, "bob", 1, label, reason="missed an island", when=t0 + timedelta(days=1))
    submit_case(study, "bob", 1, label, reading_seconds=12, when=t0 + timedelta(days=1, hours=1))
    second = t0 + timedelta(days=16)
    for k, reader in enumerate(READERS):
        simulated_read(study, synth, reader, 2, 0.6 + 0.3 * k, second + timedelta(hours=k))

    status = json.loads(run_cli("study", "status", study, "--json").stdout)
    alice = [p for p in status["progress"] if p["reader"] == "alice"]
    assert [(p["done"], p["total"]) for p in alice] == [(CASES, CASES)] * 2
    assert alice[0]["reading_seconds"] == sum(30.0 + i for i in range(CASES))
    bob1 = next(p for p in status["progress"] if p["reader"] == "bob" and p["read"] == 1)
    assert bob1["amended"] == 1 and bob1["done"] == CASES

    out = tmp_path / "results.parquet"
    exported = run_cli("study", "export", study, "-o", out)
    assert exported.returncode == 0, exported.stderr
    table = load_results(out)
    assert len(table) == 2 * CASES * (2 * 3 + 1)  # sides x cases x (reads + the reference)
    assert {"case", "read", "reading_seconds", "submitted_at", "amended"} <= set(table.columns)
    assert set(table["image"]) == {f"{p.stem}.dcm" for p in (synth / "images").iterdir()}
    bobs = table[(table["reader"] == "bob") & (table["read"] == 1) & (table["case"] == label)]
    assert bobs["amended"].all() and (bobs["reading_seconds"] > 12).all()
    imaged = table[table["gap_mm"].notna()]
    assert len(imaged) == CASES * 7 and (imaged["gap_plane"] == "patient").all()
    # What each grade rests on: the reference drew the true gap line and the outlines.
    ref = imaged[imaged["reader"] == "ref"]
    assert (ref["brooker__gap_source"] == "reader").all()
    assert (ref["brooker__reason"].str.len() > 10).all()
    assert ((ref["auto_gap_mm"] - ref["gap_mm"]).abs() < 1.0).all()

    truth = read_truth(synth / "truth.csv")
    boot = Bootstrap(200, seed=1)
    result = agreement(table, schemes=["brooker"], reference="ref", truth=truth, bootstrap=boot)
    assert result.readers == list(READERS)
    ref = result.standard.set_index(["reader", "standard"])
    assert ref.loc[("alice", "truth"), "n"] == CASES
    # The reference drew the true lines: it grades as the truth does.
    assert ref.loc[("alice", "ref"), "n"] == CASES
    assert len(result.intra) == 3 and set(result.intra["n"]) == {CASES}
    assert result.hips == CASES and result.parameters["hips_not_assessable"] == CASES
    boundary = next(s for s in result.subgroups if s.column == "boundary")
    assert boundary.result.hips == CASES // 2


def test_measure_counts_a_reference_only_when_asked(synth: Path, tmp_path: Path) -> None:
    images, notes = synth / "images", synth / "reference"
    plain, asked = tmp_path / "plain.csv", tmp_path / "asked.csv"
    assert run_cli("measure", images, "--annotations", notes, "-o", plain, "-q").returncode == 0
    run_cli("measure", images, "--annotations", notes, "-o", asked, "-q", "--include-reference")
    assert set(load_results(plain)["status"]) == {"not read"}
    assert set(load_results(asked)["reader"]) == {"reference"}


def test_study_create_refusals(synth: Path, tmp_path: Path) -> None:
    bad = run_cli("study", "create", tmp_path / "s", "--images", synth / "images", "--readers",
                  "a b")  # fmt: skip
    assert bad.returncode == 2 and "reader name" in bad.stderr
    create_study(tmp_path / "t", [synth / "images"], ["ann"], created=T0)
    again = run_cli("study", "create", tmp_path / "t", "--images", synth / "images",
                    "--readers", "ann")  # fmt: skip
    assert again.returncode == 2 and "already exists" in again.stderr
    missing = run_cli("study", "status", tmp_path / "nothing")
    assert missing.returncode == 2 and "no study here" in missing.stderr


SUBMIT_ALL = """
import sys
from ho_annotate.study import load_study, submit_case, worklist
study, reader = sys.argv[1], sys.argv[2]
for label in worklist(load_study(study), reader, 1):
    submit_case(study, reader, 1, label, reading_seconds=1.0)
"""


def test_readers_submitting_at_once_lose_nothing(synth: Path, tmp_path: Path) -> None:
    study = tmp_path / "busy"
    readers = ["r1", "r2", "r3", "r4"]
    s = create_study(study, [synth / "images"], readers)
    for reader in readers:
        for label in worklist(s, reader, 1):
            stem = sidecar_for(study, reader, 1, label).name.split(".")[0]
            aset = load_annotations(synth / "reference" / f"{stem}.reference.ho.json")
            save_annotations(
                msgspec.structs.replace(aset, reader=reader), sidecar_for(study, reader, 1, label)
            )
    procs = [subprocess.Popen([sys.executable, "-c", SUBMIT_ALL, str(study), r]) for r in readers]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    done = load_study(study).submissions
    assert {r: len(done[r]["1"]) for r in readers} == dict.fromkeys(readers, CASES)
    assert not list(study.glob(".study.json.*.tmp"))  # atomic writes left nothing behind
