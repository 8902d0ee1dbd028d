"""The regrouped core: old import paths warn, core errors name no flag, the CLI adds it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from ho_annotate.annotations.model import AnnotationSet
from ho_annotate.annotations.naming import sidecar_path
from ho_annotate.cli import main
from ho_annotate.errors import HoAnnotateError
from ho_annotate.practice.sets import find_set_cases

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("ho_annotate.sidecar", "sidecar_path", sidecar_path),
        ("ho_annotate.model", "AnnotationSet", AnnotationSet),
    ],
)
def test_old_import_paths_still_work_with_a_deprecation_warning(
    old: str, name: str, new: object
) -> None:
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match="moved to ho_annotate.annotations"):
        assert getattr(module, name) is new


def test_structured_error_fields_make_the_message() -> None:
    exc = HoAnnotateError(
        file="set/refs", problem="no references folder", action="name it", option="references"
    )
    assert str(exc) == "set/refs: no references folder; name it"
    assert (exc.file, exc.problem, exc.action, exc.option) == (
        "set/refs",
        "no references folder",
        "name it",
        "references",
    )
    assert HoAnnotateError("plain message").option is None


def test_core_error_names_no_flag_and_the_cli_adds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "refs"
    with pytest.raises(HoAnnotateError) as info:
        find_set_cases(tmp_path, missing)
    assert info.value.option == "references" and "--" not in str(info.value)
    code = main(["practice", str(tmp_path), "--references", str(missing), "--no-viewer"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{missing}: no references folder" in err and "(--references)" in err


def test_core_imports_no_private_plugin_module() -> None:
    private = re.compile(r"^\s*(from|import)\s+napari_ho_annotate\.(_|practice_widget)", re.M)
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "ho_annotate").rglob("*.py")
        if private.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
