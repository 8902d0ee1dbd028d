"""The napari writer offers a DICOM SR for annotation layers (no Qt: a ViewerModel)."""

from __future__ import annotations

from pathlib import Path

import highdicom as hd
import npe2
import numpy as np
import pytest
from napari.components import ViewerModel
from napari.layers import Layer
from napari_ho_annotate._binding import ImageBinding
from napari_ho_annotate._reader import read_radiographs
from napari_ho_annotate._session import ImageSession
from plugin_helpers import READER, isolate_user_dir, write_radiograph

from ho_annotate import read_header


def test_annotation_layers_export_as_a_new_sr_and_never_replace_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_user_dir(tmp_path, monkeypatch)
    path = write_radiograph(tmp_path)
    viewer = ViewerModel()
    layers = read_radiographs(str(path))
    assert layers is not None
    image = viewer.add_layer(Layer.create(*layers[0]))
    bound = ImageBinding(viewer, image, ImageSession(path, read_header(path), READER))
    gaps = bound.start_drawing("gap")
    gaps.add_lines([np.array([[50.0, 40.0], [50.0, 90.0]])])  # 50 px at 0.2 mm
    data = [lay.as_layer_data_tuple() for lay in bound.layers.values()]
    npe2.PluginManager.instance().discover()
    out = tmp_path / "reading.sr.dcm"
    assert npe2.write(str(out), data, plugin_name="ho-annotate") == [str(out)]
    report = hd.sr.srread(out).content
    groups = report.get_image_measurement_groups()
    lengths = [
        m.value
        for g in groups
        if g.tracking_identifier == "Cornerstone3DTools@^0.1.0:Length"
        for m in g.get_measurements()
        if m.name.value == "410668003"
    ]
    assert lengths == [pytest.approx(10.0)]
    before = out.read_bytes()
    with pytest.raises(Exception, match="already exists"):
        npe2.write(str(out), data, plugin_name="ho-annotate")
    assert out.read_bytes() == before
    source = path.read_bytes()
    with pytest.raises(Exception, match="already exists"):
        npe2.write(str(path), data, plugin_name="ho-annotate")
    assert path.read_bytes() == source
