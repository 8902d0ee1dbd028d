"""What viewers get: GSPS graphics, OHIF (Cornerstone3D's own SR adapter under Node), import."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import highdicom as hd
import numpy as np
import pytest
from export_helpers import GAP_POINTS, annotated_image, cli
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from ho_annotate.annotations.store import load_annotations
from ho_annotate.export import prepare
from ho_annotate.export.gsps import build_gsps
from ho_annotate.export.source import source_dataset
from ho_annotate.export.sr import build_sr
from ho_annotate.export.writing import write_new

NODE_CACHE = Path.home() / ".cache" / "ho-annotate-tests" / "node"
#: The npm packages of the Cornerstone check, at versions known to work (installed once).
NODE_PACKAGES = {"dcmjs": "0.49.4", "@cornerstonejs/adapters": "5.14.0", "@babel/runtime": "8.1.4"}
SCRIPT = Path(__file__).parent / "data" / "cornerstone_lengths.mjs"


def test_gsps_draws_outlines_and_labels_gap_lines_in_mm(tmp_path: Path) -> None:
    image, sidecar = annotated_image(tmp_path, manual=True)
    ds = build_gsps(prepare(image, sidecar))
    objects = [o for a in ds.GraphicAnnotationSequence for o in a.get("GraphicObjectSequence", [])]
    assert len(objects) == 4 and all(o.GraphicAnnotationUnits == "PIXEL" for o in objects)
    gap = next(o for o in objects if o.TrackingID == "ho-annotate gap fedcba987654")
    (r0, c0), (r1, c1) = GAP_POINTS
    assert list(gap.GraphicData) == pytest.approx([c0 + 0.5, r0 + 0.5, c1 + 0.5, r1 + 0.5])
    texts = [t.UnformattedTextValue for a in ds.GraphicAnnotationSequence
             for t in a.get("TextObjectSequence", [])]  # fmt: skip
    length = np.hypot((r1 - r0) * 0.18, (c1 - c0) * 0.22)
    assert texts == [f"right gap {length:.1f} mm"]
    area = ds.DisplayedAreaSelectionSequence[0]
    assert [float(v) for v in area.PresentationPixelSpacing] == [0.18, 0.22]


def _node_ready() -> None:
    """Skip without node or npm; install the packages into the cache once (fail if that fails)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node / npm are not installed")
    if all((NODE_CACHE / "node_modules" / p / "package.json").exists() for p in NODE_PACKAGES):
        return
    NODE_CACHE.mkdir(parents=True, exist_ok=True)
    (NODE_CACHE / "package.json").write_text('{"name": "ho-annotate-sr-check", "private": true}')
    specs = [f"{name}@{version}" for name, version in NODE_PACKAGES.items()]
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", *specs],
        cwd=NODE_CACHE, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"npm install {' '.join(specs)} failed: {done.stderr[-1500:]}"


def test_cornerstone_adapter_finds_each_gap_length_with_its_value(tmp_path: Path) -> None:
    _node_ready()
    image, sidecar = annotated_image(tmp_path)
    inp = prepare(image, sidecar)
    sr = write_new(build_sr(inp), tmp_path / "out.sr.dcm")
    shutil.copy(SCRIPT, NODE_CACHE / SCRIPT.name)
    done = subprocess.run(
        ["node", SCRIPT.name, str(sr)],
        cwd=NODE_CACHE, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    (r0, c0), (r1, c1) = GAP_POINTS
    expected = float(np.hypot((r1 - r0) * 0.2, (c1 - c0) * 0.25))
    assert len(found) == 1
    assert found[0]["toolName"] == "Length" and found[0]["unit"] == "mm"
    assert found[0]["length"] == pytest.approx(expected, abs=1e-4)
    # Cornerstone's world point = image (column, row) - 0.5 here: our sidecar (col, row)
    got = [v for p in found[0]["points"] for v in p[:2]]
    assert got == pytest.approx([c0, r0, c1, r1], abs=1e-3)


def _ohif_length_sr(image: Path, points: list[tuple[float, float]], out: Path) -> Path:
    """An SR as OHIF writes a Length: TID 1501 group, Cornerstone tracking identifier."""
    source = source_dataset(image)  # the header, Type 2 patient attributes filled
    ref = hd.sr.SourceImageForRegion(source.SOPClassUID, source.SOPInstanceUID)
    coords = hd.sr.CoordinatesForMeasurement(
        graphic_type="POLYLINE",
        graphic_data=np.array([(c + 0.5, r + 0.5) for r, c in points]),
        source_image=ref,
    )
    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(), identifier="Cornerstone3DTools@^0.1.0:Length"
        ),
        measurements=[
            hd.sr.Measurement(
                name=codes.SCT.Length,
                value=12.0,
                unit=codes.UCUM.Millimeter,
                referenced_coordinates=[coords],
            )
        ],
    )
    person = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name="Doe^J"),
    )
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=person),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion,
        imaging_measurements=[group],
    )
    sr = hd.sr.Comprehensive3DSR(
        evidence=[source],
        content=report[0],
        series_instance_uid=generate_uid(),
        series_number=1,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer="OHIF",
    )
    return write_new(sr, out)


def test_import_sr_turns_an_ohif_length_into_a_gap_line(tmp_path: Path) -> None:
    image, _ = annotated_image(tmp_path)
    points = [(150.5, 320.25), (190.0, 330.0)]  # on the image's right half: the left hip
    sr = _ohif_length_sr(image, points, tmp_path / "ohif.dcm")
    out = tmp_path / "hip.bob.ho.json"
    done = cli("import-sr", sr, "--image", image, "--reader", "bob", "-o", out)
    assert done.returncode == 0, done.stderr
    aset = load_annotations(out)
    assert aset.reader == "bob"
    assert [(i.kind, i.side) for i in aset.items] == [("gap", "left")]
    got = [v for p in aset.items[0].points for v in p]
    assert got == pytest.approx([v for p in points for v in p], abs=1e-3)
    again = cli("import-sr", sr, "--image", image, "--reader", "bob", "-o", out)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_import_sr_of_our_export_restores_the_set_beside_the_image(tmp_path: Path) -> None:
    image, sidecar = annotated_image(tmp_path, manual=True)
    original = load_annotations(sidecar)
    sr = tmp_path / "out.sr.dcm"
    assert cli("export", image, "--sr", sr).returncode == 0
    sidecar.unlink()
    done = cli("import-sr", sr, "--image", image)
    assert done.returncode == 0, done.stderr
    back = load_annotations(sidecar)
    assert back.reader == "alice" and back.calibration is not None
    assert back.calibration.known_mm == 32.0 and back.calibration.method == "prosthetic_head"
    assert back.hips.left.no_ho_confirmed
    for a, b in zip(original.items, back.items, strict=True):
        assert (a.id, a.kind, a.side, a.origin) == (b.id, b.kind, b.side, b.origin)
        got, want = [v for p in b.points for v in p], [v for p in a.points for v in p]
        assert got == pytest.approx(want, abs=1e-3)


def test_import_sr_refuses_an_sr_of_another_image(tmp_path: Path) -> None:
    image, sidecar = annotated_image(tmp_path)
    sr = write_new(build_sr(prepare(image, sidecar)), tmp_path / "out.sr.dcm")
    other = tmp_path / "other"
    other.mkdir()
    other_image, _ = annotated_image(other)
    done = cli("import-sr", sr, "--image", other_image, "-o", tmp_path / "x.ho.json")
    assert done.returncode == 2 and "does not refer to" in done.stderr
