"""``ho-annotate demo``: grades every sample, prints the table, writes PNGs and a CSV."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

from ho_annotate.samples.bundled import sample_files, sample_rows


def _script() -> str:
    exe = Path(sys.executable).with_name("ho-annotate")
    found = str(exe) if exe.exists() else shutil.which("ho-annotate")
    assert found
    return found


def test_the_demo_writes_an_overlay_per_case_and_the_table(tmp_path: Path) -> None:
    out = tmp_path / "demo out"
    run = subprocess.run(
        [_script(), "demo", "--out", str(out)], capture_output=True, text=True, check=False,
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert str(out) in run.stdout
    pngs = sorted(out.glob("*.png"))
    assert [p.stem for p in pngs] == sorted(p.stem for p in sample_files())
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    with open(out / "demo.csv", newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    expected = {(r.file, r.side): r for r in sample_rows()}
    assert {(t["file"], t["side"]) for t in table} == set(expected)
    for t in table:
        want = expected[(t["file"], t["side"])]
        assert t["brooker"] == (want.brooker or "-")
        assert t["della_valle"] == (want.della_valle or "-")
        assert t["gap_mm"] == ("" if want.gap_mm is None else f"{want.gap_mm:.1f}")
        assert t["borderline"] == ("yes" if want.borderline else "no")
        assert t["reason"] and t["spacing_kind"]
        if want.brooker is None:
            assert "calibration" in t["needs"]
    assert any(t["borderline"] == "yes" for t in table)
    for t in table:
        assert t["file"] in run.stdout


def test_the_demo_defaults_to_a_folder_in_the_working_directory() -> None:
    from ho_annotate.cli import build_parser

    assert build_parser().parse_args(["demo"]).out == Path("ho-annotate-demo")
