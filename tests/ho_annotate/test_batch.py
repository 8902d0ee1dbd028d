"""``ho-annotate measure`` and ``ho_annotate.batch.measure`` on real DX files and sidecars."""

from __future__ import annotations

import csv
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from batch_dataset import LONGER_PX, SPACING_MM, gap_px, make_dataset

from ho_annotate import read_header
from ho_annotate.agreement import agreement, load_results
from ho_annotate.annotations.naming import sidecar_path
from ho_annotate.annotations.store import load_annotations
from ho_annotate.batch import columns, default_schemes, measure, measure_to_file
from ho_annotate.errors import HoAnnotateError
from ho_annotate.grading import grade

CLI = [sys.executable, "-m", "ho_annotate", "measure"]
# A shell that starts jobs in the background (CI runners, nohup) leaves SIGINT ignored, and
# Python then never raises KeyboardInterrupt; a user at a terminal has the default handler.
CLI_AT_A_TERMINAL = [
    sys.executable,
    "-c",
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from ho_annotate.cli import main; sys.exit(main(sys.argv[1:]))",
    "measure",
]


def run_cli(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, check=check, timeout=120
    )


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("study")
    make_dataset(root, 6)
    return root


def test_rows_carry_the_grade_json_fields(dataset: Path) -> None:
    table = measure([dataset])
    schemes = default_schemes()
    assert {"brooker", "della-valle"} <= set(schemes)
    assert list(table.columns) == columns(schemes)
    assert len(table) == 6 * 3 * 2  # images x readers x sides
    assert table["error"].isna().all()
    # Stable order: images by name, then reader, then left before right.
    keys = list(zip(table["image"], table["reader"], strict=True))
    assert keys == sorted(keys)
    assert list(table["side"][:2]) == ["left", "right"]
    first = table.iloc[0]
    image = dataset / first["image"]
    header = read_header(image)
    aset = load_annotations(sidecar_path(image, first["reader"]))
    for scheme in schemes:
        expected = grade(aset, header.spacing, scheme).sides["left"].to_json()
        assert first[scheme.replace("-", "_")] == expected["grade"]
    assert first["gap_mm"] == expected["gap_mm"]
    assert first["sop_instance_uid"] == header.sop_instance_uid
    assert first["spacing_kind"] == "calibrated"
    left = table[(table["side"] == "left") & (table["reader"] == "first")]
    for _, row in left.iterrows():
        index = int(Path(row["image"]).stem.removeprefix("case"))
        assert row["gap_mm"] == pytest.approx(gap_px(index) * SPACING_MM)
        assert row["brooker"] == ("II" if gap_px(index) >= 100 else "III")
    right = table[table["side"] == "right"]
    assert set(right["brooker"]) == {"0"} and set(right["status"]) == {"no HO"}


def test_measure_then_agreement_recovers_the_construction(dataset: Path) -> None:
    result = agreement(measure([dataset]))
    pairs = result.pairs.set_index(["scheme", "reader_a", "reader_b"])
    assert pairs.loc[("brooker", "copy", "first"), "kappa"] == pytest.approx(1.0)
    assert pairs.loc[("brooker", "copy", "first"), "n"] == 12
    gaps = result.gap_pairs.set_index(["reader_a", "reader_b"])
    assert gaps.loc[("copy", "first"), "icc"] == pytest.approx(1.0)
    assert gaps.loc[("copy", "long"), "bias"] == pytest.approx(-LONGER_PX * SPACING_MM)
    assert gaps.loc[("copy", "long"), "n"] == 6  # right hips have no gap


def test_bad_files_give_error_rows_and_strict_fails(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, 3, readers=("ann",))
    (tmp_path / "broken.dcm").write_bytes(b"\x00" * 300 + b"not dicom at all")
    sidecar_path(images[0], "bob").write_text("{ not json")
    # ann's sidecar of image 1 copied beside image 2 under another reader's name.
    shutil.copy(sidecar_path(images[1], "ann"), sidecar_path(images[2], "cy"))
    out = tmp_path / "results.csv"
    done = run_cli(tmp_path, "-o", out, "--quiet")
    assert done.returncode == 0 and done.stderr == ""
    table = read_csv(out)
    errors = table[table["error"] != ""].set_index("reader")
    assert len(errors) == 3
    assert errors.loc["", "image"] == "broken.dcm"
    assert "DICOM" in errors.loc["", "error"]
    assert errors.loc["bob", "error"].startswith(f"sidecar: {images[0].relative_to(tmp_path)}")
    assert "another image" in errors.loc["cy", "error"]
    assert str(tmp_path) not in "".join(table["error"])  # paths shortened to output names
    assert len(table[table["error"] == ""]) == 3 * 2  # every good hip still measured
    hashed = measure([tmp_path], pseudonymize="k3y-long-enough").to_csv()
    assert "another image" in hashed
    for secret in ("case0", "broken", *(u for u in set(table["sop_instance_uid"]) if u)):
        assert secret not in hashed  # nor in error messages
    strict = run_cli(tmp_path, "-o", tmp_path / "strict.csv", "--strict", check=False)
    assert strict.returncode == 1
    assert "3 rows have errors" in strict.stderr


def test_headers_only_and_no_patient_identity(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, 2, readers=("ann",))
    from pydicom import dcmread

    ds = dcmread(images[0])
    ds.PixelData = ds.PixelData[:10]  # undecodable pixels: a header-only reader never notices
    ds.save_as(images[0])
    out = measure_to_file([tmp_path], tmp_path / "out.csv").output
    text = out.read_text()
    table = read_csv(out)
    assert (table["error"] == "").all()
    for secret in ("Test^Patient", "TEST-0001", "19500101", "Patient"):
        assert secret not in text


def test_pseudonymized_output_hides_uids_and_paths(dataset: Path, tmp_path: Path) -> None:
    plain = measure([dataset])
    hashed = measure([dataset], pseudonymize="s3cret-long-enough")
    again = measure([dataset], pseudonymize="s3cret-long-enough")
    other = measure([dataset], pseudonymize="pepper-long-enough")
    pd.testing.assert_frame_equal(hashed, again)
    for column in ("image", "sop_instance_uid", "study_instance_uid", "series_instance_uid"):
        assert not set(plain[column]) & set(hashed[column])
        assert not set(hashed[column]) & set(other[column])
        # one pseudonym per original value: rows of one image still group together
        assert plain[column].nunique() == hashed[column].nunique()
    assert hashed["image"].str.fullmatch(r"img-[0-9a-f]{16}").all()
    pd.testing.assert_frame_equal(plain[["brooker", "gap_mm"]], hashed[["brooker", "gap_mm"]])


def test_sidecars_in_an_annotations_folder(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    make_dataset(tmp_path / "images", 2, readers=("ann", "bob"), annotations_dir=notes)
    without = measure([tmp_path / "images"])
    assert set(without["status"]) == {"not read"} and set(without["reader"]) == {""}
    table = measure([tmp_path / "images"], annotations_dir=notes, schemes=["della-valle"])
    assert len(table) == 2 * 2 * 2 and set(table["reader"]) == {"ann", "bob"}
    assert "della_valle" in table.columns and "brooker" not in table.columns
    assert set(table["della_valle"]) == {"A", "C"}  # gaps of 3.0 and 6.7 mm; right hips no HO


def test_workers_and_parquet_give_the_serial_rows(dataset: Path, tmp_path: Path) -> None:
    serial = measure_to_file([dataset], tmp_path / "serial.csv").output
    parallel = tmp_path / "parallel.csv"
    run_cli(dataset, "-o", parallel, "--quiet", "--workers", "2")
    assert parallel.read_text() == serial.read_text()
    parquet = measure_to_file([dataset], tmp_path / "results.parquet", workers=2).output
    from_parquet = load_results(parquet)
    from_csv = load_results(serial)
    assert list(from_parquet.columns) == list(from_csv.columns)
    assert list(from_parquet["brooker"]) == list(from_csv["brooker"])
    assert from_parquet["gap_mm"].dtype == "float64"


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_workers_started_fresh_give_the_serial_table(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    # spawn: Windows and macOS; a fork server: Linux with threads around (a notebook).
    from ho_annotate.batch import processes

    monkeypatch.setattr(processes, "start_method", lambda: method)
    serial = measure_to_file([dataset], tmp_path / "serial.csv").output
    parallel = measure_to_file([dataset], tmp_path / "parallel.csv", workers=2).output
    assert parallel.read_bytes() == serial.read_bytes()


def test_workers_format_the_serial_csv_pseudonymized_with_errors_and_resumed(
    tmp_path: Path,
) -> None:
    # --workers 2 to CSV sends text from the workers: the same bytes and counts as serial.
    root = tmp_path / "images"
    make_dataset(root, 40, readers=("ann", "bob"))
    broken = sorted(root.rglob("*.ho.json"))[3]
    broken.write_text("{not json", encoding="utf-8")
    salt = "workers-text-salt"
    serial = measure_to_file([root], tmp_path / "serial.csv", pseudonymize=salt)
    parallel = measure_to_file([root], tmp_path / "parallel.csv", pseudonymize=salt, workers=2)
    assert parallel.output.read_bytes() == serial.output.read_bytes()
    assert (parallel.rows, parallel.errors, parallel.images) == (
        serial.rows,
        serial.errors,
        serial.images,
    )
    assert serial.errors >= 1 and "uid-" in serial.output.read_text()
    lines = serial.output.read_text().splitlines(keepends=True)
    cut = tmp_path / "cut.csv"
    cut.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    resumed = measure_to_file([root], cut, pseudonymize=salt, workers=2, resume=True)
    assert resumed.skipped > 0 and cut.read_bytes() == serial.output.read_bytes()


def test_ctrl_c_leaves_a_valid_partial_csv_and_resume_completes_it(tmp_path: Path) -> None:
    root = tmp_path / "many"
    # Enough images that a loaded machine cannot finish before the signal arrives.
    make_dataset(root, 1500, readers=("ann",))
    out = tmp_path / "partial.csv"
    proc = subprocess.Popen(
        [*CLI_AT_A_TERMINAL, str(root), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if out.exists() and out.read_text().count("\n") > 2:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    with out.open(newline="") as f:
        records = list(csv.reader(f))
    header, body = records[0], records[1:]
    assert header == columns(default_schemes())
    assert 0 < len(body) < 1500 * 2
    assert all(len(r) == len(header) for r in body)
    partial_images = {r[0] for r in body}
    assert all(sum(r[0] == image for r in body) == 2 for image in partial_images)

    resumed = run_cli(root, "-o", out, "--resume")
    assert f"{len(partial_images)} already done" in resumed.stderr
    assert "image/s" in resumed.stderr  # the progress bar
    full = measure_to_file([root], tmp_path / "full.csv").output
    assert sorted(out.read_text().splitlines()) == sorted(full.read_text().splitlines())
    again = measure_to_file([root], out, resume=True)
    assert (again.images, again.skipped, again.rows) == (0, 1500, 0)
    assert out.read_text().count("\n") == full.read_text().count("\n")


def test_refuses_outputs_it_cannot_write_or_resume(tmp_path: Path) -> None:
    with pytest.raises(HoAnnotateError, match="does not exist"):
        measure_to_file([tmp_path], tmp_path / "missing" / "out.csv")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(HoAnnotateError, match="cannot resume"):
        measure_to_file([tmp_path], other, resume=True)
    assert other.read_text() == "a,b\n1,2\n"  # left as it was
    with pytest.raises(HoAnnotateError, match="unknown grading scheme 'brokker'"):
        measure([tmp_path], schemes=["brokker"])
    with pytest.raises(HoAnnotateError, match="no such file or folder"):
        measure([tmp_path / "nowhere"])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sigterm_while_the_table_closes_keeps_every_row(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    import os

    from ho_annotate.batch import output

    writer = output.ParquetWriter if suffix == ".parquet" else output.CsvWriter
    close = writer.close

    def close_under_sigterm(self: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # handled at once, in the main thread
        close(self)  # type: ignore[arg-type]

    monkeypatch.setattr(writer, "close", close_under_sigterm)
    out = tmp_path / f"r{suffix}"
    with pytest.raises(KeyboardInterrupt):  # the signal still ends the run...
        measure_to_file([dataset], out)
    expected = measure([dataset])  # ...once the table is whole
    assert len(load_results(out)) == len(expected) > 0
