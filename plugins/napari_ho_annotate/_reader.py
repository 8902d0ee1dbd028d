"""The napari reader: DICOM radiographs (files, extension-less files, folders) as image layers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ho_annotate.annotations.model import AnnotationSet
from ho_annotate.annotations.naming import REFERENCE_READER
from ho_annotate.files.walk import dicom_files

from ._convert import items_to_rows
from ._style import SPEC_BY_KIND, edge_colour, face_colour

if TYPE_CHECKING:
    from ho_annotate.dicom.radiograph import Radiograph

LayerData = tuple[Any, dict[str, Any], str]
ReaderFunction = Callable[[str | Sequence[str]], list[LayerData] | None]

#: Key of the plugin's entry in a layer's ``metadata``.
META = "ho_annotate"


def napari_get_reader(path: str | Sequence[str]) -> ReaderFunction | None:
    """npe2 reader hook: a reader when ``path`` is (or holds) DICOM files, else None."""
    paths = [path] if isinstance(path, str | Path) else list(path)
    if not dicom_files(paths):
        return None
    return read_radiographs


def read_radiographs(path: str | Sequence[str]) -> list[LayerData] | None:
    """One image layer per radiograph (plus a read-only reference layer where one exists)."""
    from ho_annotate import RadiographError, load_radiograph

    paths = [path] if isinstance(path, str | Path) else list(path)
    layers: list[LayerData] = []
    refused: list[str] = []
    for file in dicom_files(paths):
        try:
            rad = load_radiograph(file)
        except RadiographError as exc:
            refused.append(str(exc))
            continue
        in_samples = _in_sample_folder(file)
        layers.extend(
            radiograph_layers(
                rad,
                sample=in_samples,
                annotations_dir=_user_sample_folder() if in_samples else None,
            )
        )
    if refused:
        _notify("; ".join(refused))
    if not layers:
        return None
    _dock_workbench()
    return layers


def radiograph_layers(
    rad: Radiograph, *, sample: bool = False, annotations_dir: Path | None = None
) -> list[LayerData]:
    """The image layer for ``rad`` and, when a reference sidecar sits beside it, that layer."""
    layers = [image_layer(rad, sample=sample, annotations_dir=annotations_dir)]
    ref = reference_layer(rad)
    if ref is not None:
        layers.append(ref)
    return layers


def image_layer(
    rad: Radiograph, *, sample: bool = False, annotations_dir: Path | None = None
) -> LayerData:
    """Layer data for one radiograph: mm scale, window, bone bright, UIDs in metadata."""
    path = Path(rad.path)
    centre, width = rad.window
    meta = {
        "path": str(path),
        "sop_instance_uid": rad.sop_instance_uid,
        "study_instance_uid": rad.study_instance_uid,
        "series_instance_uid": rad.series_instance_uid,
        "laterality": rad.laterality,
        "view_position": rad.view_position,
        "spacing_mm": list(rad.spacing_mm) if rad.spacing_mm else None,
        "spacing_kind": rad.spacing_kind,
        "spacing_source": rad.spacing_source,
        "sample": sample,
        "annotations_dir": str(annotations_dir) if annotations_dir else None,
    }
    kwargs: dict[str, Any] = {
        "name": path.stem,
        "colormap": "gray",
        "contrast_limits": (float(centre - width / 2), float(centre + width / 2)),
        "metadata": {META: meta},
    }
    if rad.spacing_mm:
        kwargs["scale"] = tuple(float(s) for s in rad.spacing_mm)
        kwargs["units"] = ("mm", "mm")
    return (rad.pixels, kwargs, "image")


def reuse_image_layer(layer: Any, layer_data: LayerData) -> None:
    """Show another radiograph in an existing image layer, as ``image_layer`` would make it.

    Cheaper than removing the layer and adding a new one (a new vispy visual, its shaders, and
    napari's full ``gc.collect`` after a removal): the texture is refilled in place. Display
    settings the reader may have changed (gamma, colour map, opacity) go back to the defaults.
    """
    pixels, kwargs, _kind = layer_data
    limits = kwargs["contrast_limits"]
    layer.metadata = kwargs["metadata"]
    layer.name = kwargs["name"]
    scale = tuple(kwargs.get("scale", (1.0, 1.0)))
    if tuple(float(v) for v in layer.scale) != scale:
        layer.scale = scale
    layer.units = kwargs.get("units", ("pixel", "pixel"))
    for attr, value in (("gamma", 1.0), ("opacity", 1.0), ("visible", True)):
        if getattr(layer, attr) != value:
            setattr(layer, attr, value)
    if layer.colormap.name != kwargs["colormap"]:
        layer.colormap = kwargs["colormap"]
    # the range first, so that the limits are not clipped to the previous image's range
    layer.contrast_limits_range = limits
    layer.contrast_limits = limits
    layer.data = pixels


def load_reference(rad: Radiograph) -> AnnotationSet | None:
    """The reference annotations beside the image, if any (read-only for the tool)."""
    from ho_annotate.annotations.naming import find_sidecars
    from ho_annotate.annotations.store import load_annotations

    ref = find_sidecars(Path(rad.path)).get(REFERENCE_READER)
    if ref is None:
        return None
    try:
        return load_annotations(ref, expected_sop_uid=rad.sop_instance_uid)
    except ValueError as exc:
        _notify(str(exc))
        return None


def reference_layer(rad: Radiograph) -> LayerData | None:
    """All reference items in one Shapes layer, coloured by kind, marked read-only."""
    aset = load_reference(rad)
    if aset is None or not aset.items:
        return None
    rows = items_to_rows(aset.items)
    specs = [SPEC_BY_KIND[i.kind] for i in aset.items]
    rows.features["label"] = [f"ref {i.kind}" for i in aset.items]
    kwargs: dict[str, Any] = {
        "name": f"{Path(rad.path).stem} reference",
        "shape_type": rows.shape_types,
        "features": rows.features,
        "edge_color": [
            edge_colour(s, i.origin or "") for s, i in zip(specs, aset.items, strict=True)
        ],
        "face_color": [
            face_colour(s, i.origin or "") for s, i in zip(specs, aset.items, strict=True)
        ],
        "edge_width": 2,
        "opacity": 0.6,
        "text": {"string": "{label}", "color": "#dddddd", "size": 9, "anchor": "lower_left"},
        "metadata": {META: {"role": "reference", "path": str(rad.path), "reader": aset.reader}},
    }
    if rad.spacing_mm:
        # Data are pixels: the layer follows the image's scale (the workbench keeps them in step).
        kwargs["scale"] = tuple(float(s) for s in rad.spacing_mm)
        kwargs["units"] = ("mm", "mm")
    return (rows.data, kwargs, "shapes")


def _in_sample_folder(path: Path) -> bool:
    """The bundled samples are read-only: work on them goes to the user folder."""
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.samples.bundled import sample_data_dir

    try:
        return path.resolve().parent == sample_data_dir().resolve()
    except HoAnnotateError:
        return False


def _user_sample_folder() -> Path:
    from ._settings import sample_annotations_dir

    return sample_annotations_dir()


def _notify(message: str) -> None:
    from napari.utils.notifications import show_warning

    show_warning(f"ho-annotate: {message}")


def _dock_workbench() -> None:
    """Opening a radiograph from File > Open or drag and drop also docks the workbench."""
    import napari

    viewer = napari.current_viewer()
    if viewer is None or getattr(viewer, "window", None) is None:
        return
    try:
        viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    except (KeyError, RuntimeError, ValueError):  # no Qt window (headless) or plugin disabled
        return
