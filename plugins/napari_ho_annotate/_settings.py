"""User settings of the workbench: the reader's name and where sample annotations are saved."""

from __future__ import annotations

import getpass
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

#: Overrides the user folder (tests, shared machines in a teaching room).
USER_DIR_ENV = "HO_ANNOTATE_USER_DIR"


def user_dir() -> Path:
    """Where the workbench keeps its settings and the user's work on sample images."""
    env = os.environ.get(USER_DIR_ENV)
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_data_path("ho-annotate", appauthor=False)


def clean_reader(name: str) -> str:
    """A valid reader name (1-64 letters, digits, '_' or '-', starting with a letter or digit)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name.strip()).lstrip("_-")[:64]
    return cleaned or "reader"


@dataclass
class Settings:
    reader: str = ""
    autosave: bool = True
    scheme: str = "brooker"

    @classmethod
    def load(cls) -> Settings:
        path = user_dir() / "settings.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        settings = cls(**known)
        if not settings.reader:
            settings.reader = clean_reader(getpass.getuser())
        return settings

    def save(self) -> None:
        folder = user_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "settings.json").write_text(json.dumps(asdict(self), indent=2), "utf-8")


def sample_annotations_dir() -> Path:
    """The user's own annotations of the bundled samples (the sample folder stays untouched)."""
    return user_dir() / "sample-annotations"
