"""``measure --export-sr DIR``: one SR per image and reader, never replacing a file."""

from __future__ import annotations

from pathlib import Path

import pydicom
from export_helpers import annotated_image, cli

from ho_annotate.export.checks import template_problems
from ho_annotate.export.dataset import export_dataset_srs, sr_name


def test_measure_writes_an_sr_per_image_and_reader(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    annotated_image(data)
    out = tmp_path / "srs"
    done = cli("measure", data, "-o", tmp_path / "table.csv", "--export-sr", out, "-q")
    assert done.returncode == 0, done.stderr
    sr = out / "hip.alice.sr.dcm"
    assert sorted(p.name for p in out.iterdir()) == [sr.name]
    assert template_problems(pydicom.dcmread(sr)) == []
    before = sr.read_bytes()
    again = export_dataset_srs([data], out)
    assert again.written == [] and len(again.failed) == 1
    assert "already exists" in again.failed[0] and sr.read_bytes() == before


def test_sr_names_join_folders_and_drop_the_dicom_suffix() -> None:
    assert sr_name("site a/case1.dcm", "bob") == "site a__case1.bob.sr.dcm"
    assert sr_name("IM0001", "bob") == "IM0001.bob.sr.dcm"
