"""Reading studies: blinded, randomised reads with re-reads and a reference reader.

>>> create_study("STUDY", ["images/"], ["alice", "bob"], reads=2, reference="carol")
>>> sidecar_for("STUDY", "alice", 1, "case-001")  # where alice's first read of it goes
>>> submit_case("STUDY", "alice", 1, "case-001", reading_seconds=42.0)
>>> study_status("STUDY"); export_study("STUDY", "results.csv")

``study.json`` (``model.py``) is written atomically under a cross-process lock (``store.py``).
Reading in the workbench (``study read``) is the plugin's ``launch_study_read``; adjudication
(``study adjudicate``: ``disputed_cases``, ``make_reference``) its ``launch_study_adjudication``.
"""

from __future__ import annotations

from ho_annotate.study.adjudicate import disputed_cases, make_reference
from ho_annotate.study.create import create_study, reader_order
from ho_annotate.study.export import READ_COLUMNS, export_study, study_table
from ho_annotate.study.model import Amendment, Case, Study, Submission
from ho_annotate.study.reading import (
    amend_case,
    case_image,
    current_read,
    opens_at,
    read_folder,
    sidecar_for,
    submit_case,
    worklist,
)
from ho_annotate.study.status import format_status, study_status
from ho_annotate.study.store import STUDY_FILE, load_study, update_study

__all__ = [
    "READ_COLUMNS",
    "STUDY_FILE",
    "Amendment",
    "Case",
    "Study",
    "Submission",
    "amend_case",
    "case_image",
    "create_study",
    "current_read",
    "disputed_cases",
    "export_study",
    "format_status",
    "load_study",
    "make_reference",
    "opens_at",
    "read_folder",
    "reader_order",
    "sidecar_for",
    "study_status",
    "study_table",
    "submit_case",
    "update_study",
    "worklist",
]
