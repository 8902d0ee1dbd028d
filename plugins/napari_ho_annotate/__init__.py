"""napari plugin for ho-annotate: a thin adapter over the headless core.

The manifest (``napari.yaml``) contributes a DICOM reader, a sidecar writer, the HO workbench
dock widget, sample data and two layer-menu commands. Qt code lives in ``_qt``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ho_annotate.practice.background import SyntheticSetMaker

__all__ = [
    "launch_practice",
    "launch_study_adjudication",
    "launch_study_read",
    "launch_workbench",
]


def _sample_folder(files: Sequence[Path]) -> Path | None:
    """Work on the bundled samples goes to the user folder, never into the sample folder."""
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.samples.bundled import sample_data_dir
    from napari_ho_annotate._settings import sample_annotations_dir

    try:
        samples = sample_data_dir().resolve()
    except HoAnnotateError:
        return None
    if files and all(f.resolve().parent == samples for f in files):
        return sample_annotations_dir()
    return None


def launch_workbench(
    paths: Sequence[Path], reader: str | None = None, annotations_dir: Path | None = None
) -> None:
    """Open napari with the HO workbench docked and work through ``paths`` (DICOM files).

    ``reader`` (made a valid reader name) becomes the saved default reader. Sidecars go to
    ``annotations_dir``, else beside the images (the bundled samples: the user folder).
    Returns when the napari window closes.
    """
    import napari

    from napari_ho_annotate._settings import Settings, clean_reader

    if reader:
        settings = Settings.load()
        settings.reader = clean_reader(reader)
        settings.save()
    files = list(paths)
    viewer = napari.Viewer(title="ho-annotate")
    _dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    annotations = annotations_dir if annotations_dir is not None else _sample_folder(files)
    widget.first_frame_first()
    if files:
        widget.set_worklist(files, annotations)
    napari.run()


def launch_practice(run_dir: Path, preparing: SyntheticSetMaker | None = None) -> None:
    """Open napari with the Practice widget on a prepared practice run; returns on close.

    ``preparing``: the maker of the run's synthetic set while it is still being made (started);
    the widget adds its cases as they are made and stops it when the window closes.
    """
    import napari

    from napari_ho_annotate.practice_widget import PracticeWidget

    viewer = napari.Viewer(title="ho-annotate practice")
    widget = PracticeWidget(viewer, run_dir, preparing=preparing)
    viewer.window.add_dock_widget(widget, name="Practice", area="right")
    try:
        with _close_on_ctrl_c(viewer):
            napari.run()
    finally:
        if preparing is not None:
            preparing.cancel()


@contextlib.contextmanager
def _close_on_ctrl_c(viewer: Any) -> Iterator[None]:
    """Ctrl+C in the terminal closes the window (Qt's loop would otherwise ignore it)."""
    import signal

    from qtpy.QtCore import QTimer

    previous = signal.signal(signal.SIGINT, lambda *_: QTimer.singleShot(0, viewer.close))
    awake = QTimer()  # Python handles a signal only when it runs: let it run now and then
    awake.timeout.connect(lambda: None)
    awake.start(200)
    try:
        yield
    finally:
        awake.stop()
        signal.signal(signal.SIGINT, previous)


def launch_study_read(study_dir: Path, reader: str) -> None:
    """Open napari on ``reader``'s current read of a reading study (``study read``): blinded,
    in the reader's order, with Submit. Raises ``HoAnnotateError`` (before any window opens)
    when no read is open; returns when the napari window closes."""
    from ho_annotate.study import current_read, load_study

    current_read(load_study(study_dir), reader)
    import napari

    from napari_ho_annotate._study import open_study_read

    viewer = napari.Viewer(title="ho-annotate study")
    open_study_read(viewer, Path(study_dir), reader)
    napari.run()


def launch_study_adjudication(study_dir: Path, reader: str) -> None:
    """Open napari on a study's disputed cases with every reader's drawings read-only, for
    ``reader``'s consensus read, saved and submitted as the study's reference read (``study
    adjudicate``). Raises ``HoAnnotateError`` when nothing is disputed; returns on close."""
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.study import disputed_cases, make_reference

    cases = disputed_cases(study_dir)
    if not cases:
        raise HoAnnotateError(f"{study_dir}: no disputed cases (the readers agree)")
    make_reference(study_dir, reader)  # refused before any window opens
    import napari

    from napari_ho_annotate._adjudicate import open_study_adjudication

    viewer = napari.Viewer(title="ho-annotate study")
    open_study_adjudication(viewer, Path(study_dir), reader, cases)
    napari.run()
