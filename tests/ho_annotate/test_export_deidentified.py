"""De-identified exports for sharing: ``export --pseudonymize SALT [--image-copy OUT.dcm]``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from conftest import write_dx
from export_helpers import cli
from pydicom.dataset import Dataset
from test_dicom_validity import dciodvfy

from ho_annotate import read_header, save_annotations, sidecar_path
from ho_annotate.annotations.model import Item
from ho_annotate.annotations.store import load_annotations, new_annotation_set
from ho_annotate.export.checks import template_problems

SALT = "a long secret salt for tests"
IDENTITY = {
    "PatientName": "Doe^Jane",
    "PatientID": "MRN-7730215",
    "PatientBirthDate": "19440723",
    "InstitutionName": "St Elsewhere Hospital",
    "AccessionNumber": "ACC99120",
    "OtherPatientIDs": "OLD-55123",
}


def _identified_image(folder: Path, *, burned: str | None = "NO") -> tuple[Path, Dataset]:
    nested = Dataset()
    nested.PatientName = "Doe^Jane"
    nested.PatientID = "MRN-7730215"
    pixels = np.random.default_rng(3).integers(0, 4096, size=(300, 400), dtype=np.uint16)
    image = write_dx(
        folder / "Doe_Jane_MRN-7730215.dcm",
        pixels,
        PixelSpacing=[0.2, 0.2],
        PatientOrientation=["L", "F"],
        BurnedInAnnotation=burned,
        FrameOfReferenceUID=pydicom.uid.generate_uid(),
        OtherPatientIDsSequence=[nested],
        StudyDate="20260311",
        **{k: v for k, v in IDENTITY.items() if k not in ("PatientName", "PatientID")},
    )
    ds = pydicom.dcmread(image)
    ds.PatientName, ds.PatientID = IDENTITY["PatientName"], IDENTITY["PatientID"]
    ds.save_as(image)
    aset = new_annotation_set(read_header(image), "alice")
    aset.items = [
        Item(kind="gap", side="right", id="fedcba987654", points=[(100.0, 150.0), (150.0, 150.0)]),
        Item(kind="island", side="left", id="island000001",
             points=[(200.0, 300.0), (200.0, 330.0), (230.0, 315.0)]),
    ]  # fmt: skip
    save_annotations(aset, sidecar_path(image, "alice"))
    return image, ds


def _values(ds: Dataset) -> list[str]:
    """Every value of every element at every depth, file meta included, as text."""
    out: list[str] = []

    def visit(item: Dataset) -> None:
        for elem in item:
            if elem.VR == "SQ":
                for child in elem.value or []:
                    visit(child)
            elif elem.VR not in ("OB", "OW", "OF", "OD", "UN"):
                out.append(str(elem.value))

    visit(ds)
    visit(ds.file_meta)
    return out


def _export(tmp: Path, image: Path, name: str, *extra: str) -> dict[str, Path]:
    paths = {k: tmp / f"{name}.{k}.dcm" for k in ("sr", "seg", "gsps", "image")}
    done = cli(
        "export", image, "--sr", paths["sr"], "--seg", paths["seg"], "--gsps", paths["gsps"],
        "--image-copy", paths["image"], "--pseudonymize", SALT, *extra,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return paths


def test_shared_exports_and_image_copy_carry_no_identity_and_refer_to_each_other(
    tmp_path: Path,
) -> None:
    image, source = _identified_image(tmp_path)
    before = image.read_bytes()
    paths = _export(tmp_path, image, "shared")
    secrets = [*IDENTITY.values(), "Doe", "7730215", "20260311"]
    source_uids = [
        str(source[k].value)
        for k in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID")
    ]
    copy = pydicom.dcmread(paths["image"])
    for kind, path in paths.items():
        values = _values(pydicom.dcmread(path))
        leaked = [s for s in secrets + source_uids if any(s in v for v in values)]
        assert leaked == [], f"{kind} export leaks {leaked}"
    for kind in ("sr", "seg", "gsps"):
        shared = pydicom.dcmread(paths[kind])
        assert shared.PatientIdentityRemoved == "YES"
        assert shared.StudyInstanceUID == copy.StudyInstanceUID
        assert copy.SOPInstanceUID in _values(shared), f"{kind} does not refer to the copy"
    assert template_problems(pydicom.dcmread(paths["sr"])) == []
    for kind in ("sr", "seg", "gsps"):
        assert dciodvfy(paths[kind])[1] == [], f"the shared {kind} is not valid DICOM"
    # The test image is a minimal DX; de-identifying it must add no error of its own.
    assert set(dciodvfy(paths["image"])[1]) <= set(dciodvfy(image)[1])
    assert np.array_equal(copy.pixel_array, source.pixel_array)
    assert image.read_bytes() == before

    again = _export(tmp_path, image, "again")
    assert pydicom.dcmread(again["image"]).SOPInstanceUID == copy.SOPInstanceUID

    sidecar = tmp_path / "copy.alice.ho.json"
    done = cli("import-sr", paths["sr"], "--image", paths["image"], "-o", sidecar)
    assert done.returncode == 0, done.stderr
    imported = load_annotations(sidecar, expected_sop_uid=str(copy.SOPInstanceUID))
    gap = next(i for i in imported.items if i.kind == "gap")
    assert np.allclose(gap.points, [(100.0, 150.0), (150.0, 150.0)], atol=0.01)


def test_another_salt_gives_other_uids(tmp_path: Path) -> None:
    image, _ = _identified_image(tmp_path)
    first = _export(tmp_path, image, "one")
    other = tmp_path / "other.sr.dcm"
    done = cli("export", image, "--sr", other, "--pseudonymize", SALT + " but another")
    assert done.returncode == 0, done.stderr
    assert pydicom.dcmread(other).StudyInstanceUID != pydicom.dcmread(first["sr"]).StudyInstanceUID


@pytest.mark.parametrize("burned", [None, "YES"])
def test_an_image_that_may_carry_burned_in_text_is_not_copied(tmp_path: Path, burned: str) -> None:
    image, _ = _identified_image(tmp_path, burned=burned)
    sr, copy = tmp_path / "s.dcm", tmp_path / "c.dcm"
    done = cli("export", image, "--sr", sr, "--image-copy", copy, "--pseudonymize", SALT)
    assert done.returncode == 2 and "BurnedInAnnotation" in done.stderr
    assert "Traceback" not in done.stderr
    assert not sr.exists() and not copy.exists()


def test_short_salts_and_a_copy_without_salt_are_refused(tmp_path: Path) -> None:
    image, _ = _identified_image(tmp_path)
    short = cli("export", image, "--sr", tmp_path / "s.dcm", "--pseudonymize", "abc")
    assert short.returncode == 2 and "at least" in short.stderr
    bare = cli("export", image, "--image-copy", tmp_path / "c.dcm")
    assert bare.returncode == 2 and "--pseudonymize" in bare.stderr
    assert list(tmp_path.glob("*.dcm")) == [image]


def test_measure_exports_pseudonymised_srs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _identified_image(data)
    out = tmp_path / "srs"
    done = cli(
        "measure", data, "-o", tmp_path / "t.csv", "--export-sr", out,
        "--pseudonymize", SALT, "-q",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (sr,) = out.iterdir()
    assert sr.name.startswith("img-") and "Doe" not in sr.name
    values = _values(pydicom.dcmread(sr))
    assert not any("Doe" in v or "7730215" in v for v in values)
