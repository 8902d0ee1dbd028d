"""``ho-annotate view``: open radiographs in napari with the HO workbench docked."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ho_annotate.errors import HoAnnotateError, RadiographError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "view",
        help="open radiographs in napari with the HO workbench",
        description=(
            "Open DICOM radiographs (files or folders) in napari with the HO workbench docked: "
            "draw islands, spurs, bridges and gap lines, and see the grade per hip as you draw. "
            "A folder, or several files, become a worklist worked through one image at a time. "
            "Needs the napari extra: pip install 'ho-annotate[napari]'."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", metavar="FILE_OR_FOLDER", help="DICOM files or folders of them"
    )
    parser.add_argument("--reader", help="your reader name (sidecars are saved under it)")
    parser.add_argument(
        "--annotations", metavar="DIR", help="save sidecars here instead of beside the images"
    )
    parser.set_defaults(func=run)


def _sample_folder(files: list[Path]) -> Path | None:
    """Work on the bundled samples goes to the user folder, never into the sample folder."""
    from napari_ho_annotate._settings import sample_annotations_dir

    from ho_annotate.samples.bundled import sample_data_dir

    try:
        samples = sample_data_dir().resolve()
    except HoAnnotateError:
        return None
    if files and all(f.resolve().parent == samples for f in files):
        folder: Path = sample_annotations_dir()
        return folder
    return None


def run(args: argparse.Namespace) -> int:
    from ho_annotate.cli import require_napari

    require_napari()
    import napari
    from napari_ho_annotate._reader import dicom_files
    from napari_ho_annotate._settings import Settings, clean_reader

    files = dicom_files(args.paths)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise RadiographError(f"{missing[0]}: no such file or folder")
    if args.paths and not files:
        raise RadiographError(
            f"{args.paths[0]}: no DICOM files found (expected .dcm/.dicom or files with the "
            "DICM preamble)"
        )
    if args.reader:
        settings = Settings.load()
        settings.reader = clean_reader(args.reader)
        settings.save()
    viewer = napari.Viewer(title="ho-annotate")
    _dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    annotations = Path(args.annotations) if args.annotations else _sample_folder(files)
    if files:
        widget.set_worklist(files, annotations)
    napari.run()
    return 0
