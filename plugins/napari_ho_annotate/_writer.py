"""The napari writer: annotation Shapes layers saved as a sidecar through the core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ho_annotate.annotations.model import AnnotationSet, Item
from ho_annotate.errors import SidecarError

from ._convert import row_to_item
from ._reader import META
from ._style import SPEC_BY_KEY, SPEC_BY_KIND

FullLayerData = tuple[Any, dict[str, Any], str]


def layer_items(data: Any, attributes: dict[str, Any]) -> list[Item]:
    """The items of one annotation layer (``role: annotation`` in its metadata)."""
    spec = SPEC_BY_KEY[attributes["metadata"][META]["key"]]
    features = pd.DataFrame(attributes.get("features", {})).reset_index(drop=True)
    items = []
    for n, points in enumerate(data):
        row = features.iloc[n] if n < len(features) else pd.Series(dtype=object)
        side = str(row.get("side") or "") or "right"
        item = row_to_item(points, attributes["shape_type"][n], row, spec, side)  # type: ignore[arg-type]
        if item is not None:
            items.append(item)
    return items


def _layers_annotation_set(
    path: str, layer_data: list[FullLayerData]
) -> tuple[AnnotationSet, Path]:
    """The annotation set the selected annotation layers of one image make, and the image.

    Hips and calibration come from that image's current sidecar when there is one.
    """
    from ho_annotate import read_header
    from ho_annotate.annotations.naming import sidecar_path
    from ho_annotate.annotations.store import load_annotations, new_annotation_set

    ours = [
        (d, a)
        for d, a, t in layer_data
        if t == "shapes" and a.get("metadata", {}).get(META, {}).get("role") == "annotation"
    ]
    if not ours:
        raise SidecarError(f"{path}: select the annotation layers of one image to save them")
    metas = [a["metadata"][META] for _, a in ours]
    images = {m["path"] for m in metas}
    if len(images) != 1:
        raise SidecarError(f"{path}: the selected layers belong to {len(images)} images; pick one")
    image, reader = Path(images.pop()), str(metas[0]["reader"])
    header = read_header(image)
    current = sidecar_path(image, reader, metas[0].get("annotations_dir"))
    aset: AnnotationSet
    if current.exists():
        aset = load_annotations(current, expected_sop_uid=header.sop_instance_uid)
    else:
        aset = new_annotation_set(header, reader)
    keys = {m["key"] for m in metas}
    kept = [i for i in aset.items if SPEC_BY_KIND[i.kind].key not in keys]
    aset.items = kept + [i for d, a in ours for i in layer_items(d, a)]
    return aset, image


def write_sidecar(path: str, layer_data: list[FullLayerData]) -> list[str]:
    """Save the annotation layers of one image as a sidecar at ``path`` (atomic, core rules).

    Hips and calibration come from that image's current sidecar when there is one.
    """
    from ho_annotate.annotations.store import save_annotations

    aset, _ = _layers_annotation_set(path, layer_data)
    out = Path(path)
    if not out.name.endswith(".json"):
        out = out.with_name(out.name + ".json")
    save_annotations(aset, out)
    return [str(out)]


def write_sr(path: str, layer_data: list[FullLayerData]) -> list[str]:
    """Export the annotation layers of one image as a DICOM SR (TID 1500) at ``path``.

    A new file only: never the image itself or any existing file (docs/dicom-export.md).
    """
    from ho_annotate.export.source import from_annotations
    from ho_annotate.export.sr import build_sr
    from ho_annotate.export.writing import check_new_file, write_new

    out = Path(path)
    if out.suffix.lower() != ".dcm":
        out = out.with_name(out.name + ".dcm")
    check_new_file(out, "SR export")
    aset, image = _layers_annotation_set(path, layer_data)
    return [str(write_new(build_sr(from_annotations(image, aset)), out, "SR export"))]
