"""Schemes by name, including one an installed package adds through an entry point."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ho_annotate.annotations.model import AnnotationSet, Item, Spacing
from ho_annotate.grading import ENTRY_POINT_GROUP, SchemeError, get_scheme, grade, registry, schemes

PLUGIN = """
from ho_annotate.grading import Scheme, SideResult
from ho_annotate.grading.common import Finding, combine, reading_result


class IslandCount(Scheme):
    name = "island-count"
    title = "Islands counted"
    grades = ("none", "few", "many")

    def grade_side(self, ctx):
        early = reading_result(ctx, "none", "Grade")
        if early is not None:
            return early
        n = len(ctx.measurements.islands)
        grade = "many" if n > 2 else "few"
        return combine(ctx, [Finding((grade,), f"{n} islands")], self.grades, "Grade")
"""


def install(folder: Path) -> None:
    """A package ``hoplug`` with scheme entry points, installed in ``folder``."""
    (folder / "hoplug.py").write_text(PLUGIN)
    dist = folder / "hoplug-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hoplug\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            f"""
            [{ENTRY_POINT_GROUP}]
            island-count = hoplug:IslandCount
            wrong-name = hoplug:IslandCount
            """
        )
    )


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    install(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    # get_scheme keeps what it loads: forget the test package's schemes after the test
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))
    return "island-count"


def test_an_installed_scheme_is_listed_and_grades(installed_plugin: str) -> None:
    assert installed_plugin in schemes()
    assert schemes()[:2] == ("brooker", "della-valle")
    items = [Item(kind="island", side="left", points=[(0, 0), (0, 3), (3, 3)]) for _ in range(3)]
    aset = AnnotationSet(sop_instance_uid="1", reader="r", items=items)
    report = grade(aset, Spacing(row_mm=0.1, col_mm=0.1, kind="calibrated"), installed_plugin)
    assert report.scheme == "island-count"
    assert report.sides["left"].grade == "many"
    assert report.sides["left"].reason == "Grade many: 3 islands."
    assert report.sides["right"].needs[0].code == "reading"


def test_a_scheme_installed_while_the_process_runs_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))
    assert "island-count" not in schemes()  # the entry points are read (and kept)
    install(tmp_path)  # as pip would, into a folder already on the path
    assert "island-count" in schemes()


def test_a_scheme_whose_name_does_not_match_is_refused(installed_plugin: str) -> None:
    with pytest.raises(SchemeError, match="not a Scheme named 'wrong-name'"):
        get_scheme("wrong-name")


def test_unknown_scheme_lists_the_known_ones() -> None:
    with pytest.raises(SchemeError, match="choose one of: brooker, della-valle"):
        get_scheme("kellgren")


def test_measure_refuses_a_scheme_whose_column_is_a_built_in_one(
    installed_plugin: str, tmp_path: Path
) -> None:
    from ho_annotate.batch import measure

    # "island-count" writes its grades to "island_count", the islands column of every row
    with pytest.raises(SchemeError, match="'island_count', which is a built-in column"):
        measure([tmp_path], schemes=["brooker", installed_plugin])


def test_a_loaded_test_scheme_is_forgotten_after_its_test() -> None:
    assert "island-count" not in schemes()
