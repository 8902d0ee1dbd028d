"""The napari reader on real DX files: which paths it takes, and the layer it makes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import write_dx
from napari_ho_annotate._reader import META, napari_get_reader, read_radiographs
from plugin_helpers import isolate_user_dir, write_radiograph


def test_reader_makes_one_mm_image_layer_without_patient_identity(tmp_path: Path) -> None:
    path = write_radiograph(tmp_path)
    reader = napari_get_reader(str(path))
    assert reader is not None
    layers = reader(str(path))
    assert layers is not None and len(layers) == 1
    data, kwargs, kind = layers[0]
    assert kind == "image" and data.shape == (200, 260)
    assert kwargs["scale"] == (0.2, 0.2) and kwargs["units"] == ("mm", "mm")
    assert kwargs["contrast_limits"] == (500.0, 3500.0)
    assert kwargs["colormap"] == "gray" and kwargs["name"] == "hip_0001"
    meta = kwargs["metadata"][META]
    assert meta["spacing_kind"] == "calibrated"
    assert "FIDUCIAL" in meta["spacing_source"]
    assert meta["sop_instance_uid"] and meta["study_instance_uid"] and meta["series_instance_uid"]
    assert "Test^Patient" not in repr(kwargs) and "TEST-0001" not in repr(kwargs)


def test_extensionless_files_folders_and_no_spacing(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    plain = write_dx(folder / "IM0001", PixelSpacing=None)
    shutil.copy(write_radiograph(tmp_path, "b.DCM"), folder / "b.DCM")
    (folder / "notes.txt").write_text("not an image")
    assert napari_get_reader(str(plain)) is not None
    layers = read_radiographs(str(folder))
    assert layers is not None
    assert [kw["name"] for _, kw, _ in layers] == ["IM0001", "b"]
    no_spacing = layers[0][1]
    assert "scale" not in no_spacing and "units" not in no_spacing
    assert no_spacing["metadata"][META]["spacing_kind"] is None


@pytest.mark.parametrize("content", [b"", b"hello, not DICOM", b"\0" * 128 + b"DICM" + b"\0" * 8])
def test_reader_declines_or_returns_none_for_unreadable_files(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "broken"
    path.write_bytes(content)
    reader = napari_get_reader(str(path))
    if reader is not None:  # looks like DICOM (the preamble) but cannot be loaded
        assert reader(str(path)) is None
    assert napari_get_reader(str(tmp_path / "missing.dcm")) is None


def test_sample_files_opened_directly_save_to_the_user_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ho_annotate.samples.bundled import sample_files

    user = isolate_user_dir(tmp_path, monkeypatch)
    sample = sample_files()[0]
    layers = read_radiographs(str(sample))
    assert layers is not None
    meta = layers[0][1]["metadata"][META]
    assert meta["sample"] is True
    assert meta["annotations_dir"] == str(user / "sample-annotations")
    assert layers[1][1]["name"] == f"{sample.stem} reference"  # read-only reference layer
