"""A synthetic practice set made in the background: the first case at once, the rest in a child
process, so practice starts while the set is still being made.

The child writes the cases in the order the run presents them, each file whole or not at all
(a temporary name, then a rename; the reference first, the image last, so a case counts as made
once its image exists). It ignores Ctrl-C in the terminal (the parent stops it), stops when
told (:meth:`SyntheticSetMaker.cancel`) and when its parent dies, even by ``kill -9``: it reads
a pipe from the parent and ends at end-of-file. Two sessions on one half-made set take turns,
a case at a time: cases are written, and leftover temporary files swept, under the set's lock.

``SET/synthetic-set.json`` records what is being made (N, seed, sizes). Opening a partly made
set with the same N and seed goes on where it stopped; another N or seed is refused.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import msgspec

from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.atomic import atomic_write
from ho_annotate.files.lock import LockTimeoutError, locked
from ho_annotate.practice.run import PracticeSession, RunCase, run_order
from ho_annotate.practice.synthetic import (
    case_name,
    new_set_folder,
    practice_designs,
    write_synthetic_case,
)

__all__ = ["MANIFEST", "SetPlan", "SyntheticSetMaker", "present_ready", "read_plan"]

#: What a synthetic set is meant to hold, in the set folder.
MANIFEST: Final = "synthetic-set.json"
PLAN_KIND: Final = "ho-annotate synthetic practice set"
#: Exit statuses of a child that finished or was stopped (not an error).
STOPPED: Final = (0, 143, -signal.SIGTERM)
#: How often a maker waiting for another session's case looks again (a case takes ~0.3 s).
TURN_POLL_SECONDS: Final = 0.05


class SetPlan(msgspec.Struct, frozen=True, kw_only=True):
    """The synthetic set a folder is meant to hold (``SET/synthetic-set.json``)."""

    n: int
    seed: int
    #: :class:`~ho_annotate.synth.design.CaseDesign` fields set for every case (sizes).
    overrides: dict[str, Any] = msgspec.field(default_factory=dict)
    kind: str = PLAN_KIND


def read_plan(set_dir: Path) -> SetPlan | None:
    """The plan of a synthetic set folder, or ``None`` when it has none."""
    path = set_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        plan = msgspec.json.decode(path.read_bytes(), type=SetPlan)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise HoAnnotateError(f"{path}: not a synthetic-set file ({exc})") from exc
    if plan.kind != PLAN_KIND:
        raise HoAnnotateError(f"{path}: not a synthetic-set file (kind {plan.kind!r})")
    return plan


def _open_plan(set_dir: Path, n: int, seed: int, overrides: dict[str, Any]) -> SetPlan:
    """The folder's plan, written when the folder is new; a clear refusal when it differs."""
    wanted = SetPlan(n=n, seed=seed, overrides=overrides)
    held = read_plan(set_dir)
    if held is None:
        new_set_folder(set_dir)
        atomic_write(set_dir / MANIFEST, msgspec.json.format(msgspec.json.encode(wanted)))
        return wanted
    if held != wanted:
        size = " with other sizes" if held.overrides != overrides else ""
        raise HoAnnotateError(
            file=set_dir,
            problem=f"holds a synthetic set of {held.n} cases made with seed {held.seed}{size}",
            action=f"give {held.n} cases and seed {held.seed} to go on with it, or a new folder",
            option="synthetic",
        )
    return held


class SyntheticSetMaker:
    """Makes (or goes on making) the synthetic set of ``set_dir`` in the run's order.

    ``order_seed`` orders the cases as :func:`~ho_annotate.practice.run.prepare_run` with that
    seed would present the finished set, so a run made while the set grows equals one made
    after. Use :meth:`make_first` then :meth:`start` (or :meth:`make_all` to make every case in
    this process), poll :meth:`ready`, and :meth:`cancel` when done.
    """

    def __init__(
        self,
        set_dir: Path,
        n: int,
        *,
        seed: int = 0,
        order_seed: int = 0,
        sweep: bool = True,
        **overrides: Any,
    ) -> None:
        if n < 1:
            raise HoAnnotateError(f"{set_dir}: a synthetic set needs at least one case, not {n}")
        self.set_dir = set_dir
        self.plan = _open_plan(set_dir, n, seed, overrides)
        designs = practice_designs(n, seed=seed, **overrides)
        names = [case_name(seed, k) for k in range(1, n + 1)]
        self._designs = dict(zip(names, designs, strict=True))
        by_path = sorted(names, key=self.image)  # as find_set_cases lists them
        #: Case names in the order the run presents them.
        self.order = [by_path[k] for k in run_order(n, order_seed)]
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None  # the child's error output (an unnamed file): why it stopped
        if sweep:  # never in the child: the parent may be writing the first case
            self._sweep()

    @classmethod
    def resume(cls, set_dir: Path, *, order_seed: int | None = None) -> SyntheticSetMaker | None:
        """The maker of a folder made (or being made) by this class, or ``None``.

        ``order_seed`` defaults to the set's seed (``practice --synthetic`` uses one seed for
        both), so a run resumed without ``--seed`` keeps its order.
        """
        plan = read_plan(set_dir)
        if plan is None:
            return None
        order = plan.seed if order_seed is None else order_seed
        return cls(set_dir, plan.n, seed=plan.seed, order_seed=order, **plan.overrides)

    @property
    def total(self) -> int:
        return self.plan.n

    def image(self, name: str) -> Path:
        return self.set_dir / "images" / f"{name}.dcm"

    def source_uid(self, name: str) -> str:
        """The SOPInstanceUID the case's image carries (known before it is made)."""
        from ho_annotate.synth.writer import uids

        return uids(self._designs[name], name)["sop"]

    def ready(self) -> int:
        """How many cases, in the run's order, are made with none missing before them."""
        for count, name in enumerate(self.order):
            if not self.image(name).exists():
                return count
        return self.total

    @property
    def complete(self) -> bool:
        return self.ready() == self.total

    def _make(self, name: str) -> None:
        """Make one case unless it exists, holding the set's lock (another session's maker
        waits, or finds the case made)."""
        if self.image(name).exists():
            return
        with locked(self.set_dir / MANIFEST, timeout=math.inf, poll=TURN_POLL_SECONDS):
            if not self.image(name).exists():
                write_synthetic_case(self.set_dir, self._designs[name], name)

    def make_first(self) -> None:
        """Make the run's first case in this process (returns once it exists)."""
        self._make(self.order[0])

    def make_all(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Make every missing case in this process, calling ``progress(ready, total)``."""
        for count, name in enumerate(self.order, start=1):
            self._make(name)
            if progress is not None:
                progress(count, self.total)

    def start(self) -> None:
        """Make the missing cases after the first in a child process (none: nothing starts)."""
        todo = [name for name in self.order[1:] if not self.image(name).exists()]
        if not todo or self.running:
            return
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (kept until cancel or error)
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.set_dir), *todo],
            stdin=subprocess.PIPE,  # the lifeline: the child ends when it closes
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            start_new_session=True,  # Ctrl-C in the terminal reaches only the parent
        )
        atexit.register(self.cancel)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The child's process id while one was started."""
        return self._process.pid if self._process is not None else None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the child to end (``timeout`` seconds at most); ``True`` once it has."""
        if self._process is None:
            return True
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def error(self) -> str | None:
        """Why the child stopped before the set was made, or ``None`` (running, done, cancelled)."""
        process = self._process
        if process is None or process.poll() is None or process.returncode in STOPPED:
            return None
        if self.complete:
            return None
        self._log.seek(0)
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        why = lines[-1] if lines else f"exit status {process.returncode}"
        return f"{self.set_dir}: making the synthetic cases stopped: {why}"

    def cancel(self) -> None:
        """Stop the child (a case being written is dropped whole); the set can be resumed."""
        process, self._process = self._process, None
        atexit.unregister(self.cancel)
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        if process.returncode not in STOPPED:
            self._process = process  # keep it (and its output) so that error() can say why
        elif self._log is not None:
            self._log.close()
            self._log = None

    def _sweep(self) -> None:
        """Remove what a child killed mid-write left (hidden temporary files).

        Only while no other session's maker is writing a case: its temporary files are live.
        """
        try:
            with locked(self.set_dir / MANIFEST, timeout=0):
                for folder in ("images", "references"):
                    for pattern in (".*.partial.dcm", ".*.tmp"):
                        for tmp in (self.set_dir / folder).glob(pattern):
                            with contextlib.suppress(OSError):
                                tmp.unlink()
        except LockTimeoutError:
            pass  # the other maker's own sweep, or the next session's, removes any leftovers
        except OSError:
            pass  # no lock can be made (a read-only set): nothing could be removed either

    def __enter__(self) -> SyntheticSetMaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def present_ready(
    session: PracticeSession, maker: SyntheticSetMaker, *, limit: int | None = None
) -> list[RunCase]:
    """Add to the run the made cases it does not hold yet, in order (at most ``limit``)."""
    held = {c.source_sop_instance_uid or c.sop_instance_uid for c in session.run.cases}
    images = []
    for name in maker.order[: maker.ready()]:
        if maker.source_uid(name) not in held:
            images.append(maker.image(name))
    return session.add_cases(images[:limit], planned=maker.total)


def _child(argv: Sequence[str]) -> int:
    """``python -m ho_annotate.practice.background SET NAME...``: make the named cases."""
    parent = os.getppid()

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(143)  # unwinds through the writers, which drop their temporary files

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)

    def lifeline() -> None:
        # Unbuffered: a daemon thread blocked in a buffered read aborts interpreter shutdown.
        while os.read(0, 4096):  # end-of-file when the parent closes the pipe or dies
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=lifeline, daemon=True).start()
    set_dir, names = Path(argv[0]), list(argv[1:])
    try:
        plan = read_plan(set_dir)
        if plan is None:
            raise HoAnnotateError(f"{set_dir / MANIFEST}: missing; the set cannot be made")
        maker = SyntheticSetMaker(set_dir, plan.n, seed=plan.seed, sweep=False, **plan.overrides)
        for name in names:
            if os.getppid() != parent:
                return 143
            maker._make(name)
    except (HoAnnotateError, OSError) as exc:
        print(exc, file=sys.stderr)  # the last line of the log: what error() reports
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
