"""The workbench's own signals, which its boxes subscribe to (edits come from the model)."""

from __future__ import annotations

from psygnal import Signal


class WorkbenchEvents:
    """What happened to the workbench as a whole, for the boxes that show it."""

    #: An image was bound (its ``ImageBinding``) or the workbench let go of it (``None``).
    bound = Signal(object)
    #: The bound image was regraded (its ``GradeReport``); after every refresh.
    graded = Signal(object)
    #: A tool has something to tell the reader (snapping, outline, the next gap line).
    tool_message = Signal(str)
