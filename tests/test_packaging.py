"""The wheel carries both import packages, the napari manifest and the sample data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_core_plugin_manifest_and_sample_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ho_annotate-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ho_annotate/__init__.py" in names
    assert "ho_annotate/cli/__init__.py" in names
    assert "napari_ho_annotate/__init__.py" in names
    assert "napari_ho_annotate/napari.yaml" in names
    assert "ho_annotate/sample_data/cases.csv" in names
    assert any(n.startswith("ho_annotate/sample_data/") and n.endswith(".dcm") for n in names)
    assert not any(n.startswith(("tests/", "benchmarks/", ".venv/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "ho-annotate = ho_annotate.cli:main" in text
    assert "ho-annotate = napari_ho_annotate:napari.yaml" in text
