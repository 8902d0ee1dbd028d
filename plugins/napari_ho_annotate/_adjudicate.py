"""``study adjudicate``: the disputed cases with every reader's drawings, read-only, for a
consensus read saved (and submitted) as the study's reference read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ho_annotate.errors import HoAnnotateError

from ._qt.workbench import Workbench
from ._reader import META
from ._study import StudyPanel, open_read

__all__ = ["ReaderLayers", "open_study_adjudication"]

#: One colour per reader's drawings (cycled), apart from the workbench's kind colours.
READER_COLOURS = ("#4fc3f7", "#ffb300", "#ba68c8", "#f06292", "#aed581", "#90a4ae")


class ReaderLayers:
    """One read-only Shapes layer per reader (their read 1), refilled for each case."""

    def __init__(self, viewer: Any, workbench: Workbench, study_dir: Path) -> None:
        from ho_annotate.study import load_study

        self.viewer, self.workbench, self.study_dir = viewer, workbench, study_dir
        self.readers = load_study(study_dir).readers
        self.layers: dict[str, Any] = {}
        workbench.on_bound.append(self.show)

    def show(self) -> None:
        """Each reader's drawings of the case now open, as one read-only layer per reader."""
        from napari.layers import Shapes

        from ho_annotate.annotations.store import load_annotations
        from ho_annotate.study import sidecar_for

        binding = self.workbench.binding
        if binding is None:
            return
        label = self.workbench.case_labels.get(binding.session.image_path.resolve(), "")
        if not label:
            return
        for n, reader in enumerate(self.readers):
            sidecar = sidecar_for(self.study_dir, reader, 1, label)
            try:
                items = load_annotations(sidecar).items if sidecar.is_file() else []
            except (HoAnnotateError, ValueError):
                items = []
            colour = READER_COLOURS[n % len(READER_COLOURS)]
            layer = self.layers.get(reader)
            if layer is None or layer not in self.viewer.layers:
                layer = Shapes(
                    ndim=2,
                    name=f"{reader} (read-only)",
                    edge_color=colour,
                    face_color="transparent",
                    edge_width=2,
                    opacity=0.8,
                    scale=tuple(binding.image.scale),
                    units=binding.image.units,
                    metadata={META: {"role": "adjudication", "reader": reader}},
                )
                self.viewer.add_layer(layer)
                self.layers[reader] = layer
            layer.editable = True
            layer.data = []
            if items:
                layer.add(
                    [list(i.points) for i in items],
                    shape_type=["line" if len(i.points) == 2 else "polygon" for i in items],
                    edge_color=colour,
                    face_color="transparent",
                )
            layer.scale, layer.units = tuple(binding.image.scale), binding.image.units
            layer.editable = False
        self.viewer.layers.selection.active = binding.image


def open_study_adjudication(
    viewer: Any, study_dir: Path, reader: str, cases: list[str] | None = None
) -> StudyPanel:
    """Set ``viewer`` up for adjudicating ``cases`` (default: the disputed ones) as ``reader``,
    who becomes the study's reference; raises when nothing is disputed."""
    from ho_annotate.study import disputed_cases, make_reference

    cases = disputed_cases(study_dir) if cases is None else cases
    if not cases:
        raise HoAnnotateError(f"{study_dir}: no disputed cases (the readers agree)")
    make_reference(study_dir, reader)
    viewer.title = f"ho-annotate study: adjudication by {reader}"
    return open_read(
        viewer, study_dir, reader, 1, cases, lambda w: ReaderLayers(viewer, w, Path(study_dir))
    )
