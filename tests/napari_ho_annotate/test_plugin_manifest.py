"""What ``npe2 validate`` misses: every contribution names a real command, every command imports."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import napari_ho_annotate
import npe2

MANIFEST = Path(napari_ho_annotate.__file__).with_name("napari.yaml")
ALLOWED_MENUS = {"napari/layers/annotate", "napari/layers/measure"}


def _manifest() -> npe2.PluginManifest:
    return npe2.PluginManifest.from_file(MANIFEST)


def _resolve(python_name: str) -> object:
    module, _, attr = python_name.partition(":")
    obj: object = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def test_manifest_is_registered_and_valid() -> None:
    manifest = _manifest()
    assert manifest.name == "ho-annotate"
    result = subprocess.run(
        [sys.executable, "-m", "npe2", "validate", "ho-annotate", "--imports"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_contribution_names_a_command_that_imports() -> None:
    contrib = _manifest().contributions
    commands = {c.id: c for c in contrib.commands or []}
    assert all(cid.startswith("ho-annotate.") for cid in commands)
    for command in commands.values():
        assert command.python_name, command.id
        assert callable(_resolve(command.python_name)), command.python_name
    used = [r.command for r in contrib.readers or []]
    used += [w.command for w in contrib.writers or []]
    used += [w.command for w in contrib.widgets or []]
    used += [s.command for s in contrib.sample_data or [] if hasattr(s, "command")]
    for menu_id, items in (contrib.menus or {}).items():
        assert menu_id in ALLOWED_MENUS, menu_id
        used += [item.command for item in items if hasattr(item, "command")]
    missing = sorted(set(used) - set(commands))
    assert not missing, f"contributions name commands that do not exist: {missing}"
    assert {"ho-annotate.get_reader", "ho-annotate.write_sidecar", "ho-annotate.workbench"} <= set(
        used
    )


def test_one_sample_entry_per_bundled_case() -> None:
    from ho_annotate.samples.bundled import sample_files

    contrib = _manifest().contributions
    keys = sorted(s.key for s in contrib.sample_data or [])
    assert keys == sorted(p.stem for p in sample_files())


def test_view_command_is_registered_and_refuses_missing_paths(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ho_annotate", *args], capture_output=True, text=True
        )

    assert "view" in cli("--help").stdout
    helped = cli("view", "--help")
    assert helped.returncode == 0 and "FILE_OR_FOLDER" in helped.stdout
    missing = cli("view", str(tmp_path / "nope.dcm"))
    assert missing.returncode == 2
    assert "nope.dcm: no such file or folder" in missing.stderr


def test_reader_is_offered_for_dicom_names_only() -> None:
    pm = npe2.PluginManager.instance()
    pm.discover()

    def offered(name: str) -> bool:
        return any(r.plugin_name == "ho-annotate" for r in pm.iter_compatible_readers([name]))

    for name in ("/d/hip.dcm", "/d/HIP.DCM", "/d/x.Dicom", "/d/IM0001", "/d/I0000123"):
        assert offered(name), name
    assert offered("/d/1.2.840.113619.2.55.3")
    for name in ("/d/photo.png", "/d/IMG_1234.jpg", "/d/scan.tif", "/d/notes.txt"):
        assert not offered(name), name
