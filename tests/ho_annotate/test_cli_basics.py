"""The console script exists, answers --version and --help, and lists its subcommands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ho_annotate
from ho_annotate.cli import SUBCOMMANDS, main


def _script() -> list[str]:
    exe = Path(sys.executable).with_name("ho-annotate")
    found = exe if exe.exists() else shutil.which("ho-annotate")
    assert found, "the ho-annotate console script is not installed"
    return [str(found)]


def test_version_matches_the_package() -> None:
    out = subprocess.run([*_script(), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"ho-annotate {ho_annotate.__version__}"


def test_help_lists_every_registered_subcommand() -> None:
    out = subprocess.run([*_script(), "--help"], capture_output=True, text=True, check=True)
    assert "not a medical device" in " ".join(out.stdout.split())
    for name in SUBCOMMANDS:
        assert name in out.stdout


def test_each_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    # In process: one interpreter start per subcommand would cost seconds for nothing.
    for name in SUBCOMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0, name
        assert capsys.readouterr().out.startswith("usage: ho-annotate " + name)


def test_unknown_subcommand_is_a_clear_error() -> None:
    out = subprocess.run(
        [*_script(), "no-such-command"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def test_public_api_names_resolve() -> None:
    for name in ho_annotate.__all__:
        assert getattr(ho_annotate, name) is not None
    assert issubclass(ho_annotate.RadiographError, ValueError)
