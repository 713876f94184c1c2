"""Work done in a forked copy of the build process, its answer handed back through a file.

A forked child starts with everything the build holds, so nothing is pickled on the way
in and nothing is imported again: for work on objects that are costly to move (MkDocs'
pages, the navigation, the Jinja environment) and quick to do, this pays where worker
processes (workers.py) would not. `Fork.start(work)` runs `work()` in a child; `result()`
waits for it and returns what `work` returned. `shared_with_a_fork(work, items)` is the
common case: a list of items worked through by this process and a child together.

Only where it is safe (`can_fork`): Linux, and no thread but this one, since a child holds
a copy of every lock as it was at the fork (so never in `mkdocs serve`, whose server runs
beside the build). The child runs no cleanup of the parent's (it leaves by `os._exit`),
and logs nothing itself: its records are handed back with its answer and logged by the
parent, so `--strict` counts their warnings. A child that dies without answering is a
`ForkFailed` naming its exit status.

A build holds millions of objects that live as long as it does (articles, pages, the
navigation); the garbage collector's full passes go over every one of them, and in one
process, while the other core waits. `hold()` exempts the objects alive now from those
passes, and with it held, a fork's answer is exempt as it is loaded and what a fork
inherited stays exempt here too; `thaw()` (at the end of the build) gives them back to the
collector. Nothing is freed later than it would be otherwise but garbage in reference
cycles, which waits for `thaw`. At the end of a one-shot command, `leave_to_exit` exempts
everything instead, for good: Python's last collection, as the process exits, has nothing
to go over.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, NoReturn, TypeVar

from .diagnostics import logger
from .workers import cores

log = logger(__name__)

BATCHES = 64
"""How many batches `shared_with_a_fork` cuts its items into: the two processes take them
one at a time, so the one that finishes first waits for at most the other's last batch."""
T = TypeVar("T")
R = TypeVar("R")

_RECORD_FIELDS = (
    *("name", "levelno", "levelname", "pathname", "filename", "module", "lineno"),
    *("funcName", "created", "msecs", "relativeCreated", "process"),
)
"""What a child's log record keeps (its message is formatted there)."""


class ForkFailed(Exception):
    """A child ended without handing back its answer."""


_held = False
_left = False


def hold() -> None:
    """Exempt every object alive now from the garbage collector until `thaw`, and keep
    forks' answers and the objects forks inherited exempt too."""
    global _held
    _held = True
    gc.freeze()


def thaw() -> None:
    """Give what `hold` (and forks since) exempted back to the garbage collector."""
    global _held
    if _held:
        _held = False
        gc.unfreeze()


def leave_to_exit() -> None:
    """The process is ending (a one-shot command's last step): exempt every object alive
    from the collector for good, instead of giving them back to it. Python's last
    collection at exit then goes over none of them (measured at 1,000 articles: 1.0 s after
    a cold build, 0.3 s after a no-op one); the exit frees the memory. `reclaim` gives them
    back if this process builds again after all."""
    global _held, _left
    _held = False  # so `thaw` leaves them exempt too: only `reclaim` gives them back
    _left = True
    gc.freeze()


def reclaim() -> None:
    """Give what `leave_to_exit` exempted back to the garbage collector."""
    global _left
    if _left:
        _left = False
        gc.unfreeze()


def can_fork() -> bool:
    """Whether this process may fork: Linux, and no thread but this one."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class Fork:
    """One child process and, once it has answered, its answer."""

    def __init__(self, pid: int, folder: Path) -> None:
        self.pid = pid
        self.folder = folder

    @classmethod
    def start(cls, work: Callable[[], Any]) -> Fork:
        """Run `work()` in a child of this process (the caller checked `can_fork`).

        Raises OSError if there can be no child (no memory, no process or no temporary
        folder left): the caller then does the work itself.
        """
        folder = Path(tempfile.mkdtemp(prefix="cleanguide-fork-"))
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # else the child could print what this process had buffered
        # The child's garbage collector leaves the inherited objects alone (no copy of the
        # pages they sit on). No collection first: on a large build it costs a quarter of a
        # second, and what it would free is freed here after the fork all the same.
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            if not _held:
                gc.unfreeze()  # (in this process; the child never gets here)
        if pid == 0:
            _child(work, folder / "answer.pickle")
        return cls(pid, folder)

    def result(self) -> Any:
        """What `work` returned (waited for); its log records are logged here first."""
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        collecting = gc.isenabled()
        gc.disable()  # loading makes objects and no garbage: nothing to collect meanwhile
        try:
            with (self.folder / "answer.pickle").open("rb") as handle:
                records, value = pickle.load(handle)
            if _held:
                gc.freeze()  # before the collector, back on, goes over the answer
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            code = os.waitstatus_to_exitcode(status)
            raise ForkFailed(f"exit status {code}: {exc}") from None
        finally:
            if collecting:
                gc.enable()
            self.close()
        for record in records:
            logging.getLogger(record.name).callHandlers(record)
        return value

    def close(self) -> None:
        """Stop the child if it still runs, and remove what it wrote."""
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = 0
        shutil.rmtree(self.folder, ignore_errors=True)


def shared_with_a_fork(
    work: Callable[[Sequence[T]], list[R]], items: Sequence[T], *, minimum: int, what: str
) -> list[R]:
    """`work(items)`, shared with a child where that is safe (`can_fork`) and pays (at
    least `minimum` items, and a second core); the results in the order of `items`.

    The items are cut into `BATCHES` batches, and each process takes the next batch no one
    has taken until none is left; the child hands back each batch's results as soon as they
    are made, and this process loads those ready between its own batches. Neither waits
    long for the other at the end, whatever the items cost and however fast each process
    goes. (With halves fixed before the fork, and the child's results handed back at its
    end, this process waited 0.3 s for the child in a cold build of 1,000 articles: the
    child pickling 25 MB of results, then this process loading them.)

    `work` must return one result per item, and what it does beside (files it writes) must
    be safe to do again: should the child not start, or end without answering, this process
    does its batches too (said at INFO: "cleanguide: <what> in this process only", or "...
    <what> here, their fork failed"). An exception `work` raises in the child is raised
    again here, by doing that batch here.
    """
    if len(items) < max(minimum, 2) or cores() < 2 or not can_fork():
        return work(items)
    size = -(-len(items) // BATCHES)
    batches = [items[start : start + size] for start in range(0, len(items), size)]
    shared: _Batches[T, R] = _Batches(batches)
    try:
        try:
            child = Fork.start(lambda: shared.work_through(work, child=True))
        except OSError as exc:
            log.info("cleanguide: %s in this process only (%s)", what, exc)
            return work(items)
        try:
            shared.work_through(work)
        except BaseException:
            child.close()
            raise
        try:
            child.result()
        except ForkFailed as exc:
            log.info("cleanguide: %s here, their fork failed (%s)", what, exc)
        shared.load_ready()  # (whatever the child finished, even if it then failed)
        results: list[R] = []
        for number, batch in enumerate(batches):
            results.extend(shared.done[number] if number in shared.done else work(batch))
        return results
    finally:
        shared.close()


class _Batches(Generic[T, R]):
    """The batches `shared_with_a_fork` shares: a pipe of one 4-byte token per batch number,
    written whole before the fork (a read takes one token, atomically, so each batch is
    taken once), and a folder where the child leaves each batch's results."""

    def __init__(self, batches: Sequence[Sequence[T]]) -> None:
        self.batches = batches
        self.done: dict[int, list[R]] = {}
        self.folder = Path(tempfile.mkdtemp(prefix="cleanguide-batches-"))
        self.tokens, write = os.pipe()
        try:
            os.write(write, b"".join(n.to_bytes(4, "little") for n in range(len(batches))))
        finally:
            os.close(write)

    def work_through(self, work: Callable[[Sequence[T]], list[R]], child: bool = False) -> None:
        """Take batches until none is left: the child writes each one's results to the
        folder (renamed into place once whole), this process keeps them and, after each,
        loads those the child has finished."""
        while len(token := os.read(self.tokens, 4)) == 4:
            number = int.from_bytes(token, "little")
            results = work(self.batches[number])
            if child:
                part = self.folder / f"{number}.part"
                with part.open("wb") as handle:
                    pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)
                part.rename(self.folder / f"{number}.pickle")
            else:
                self.done[number] = results
                self.load_ready()

    def load_ready(self) -> None:
        """Load the results of every batch the child has finished."""
        for path in self.folder.glob("*.pickle"):
            collecting = gc.isenabled()
            gc.disable()  # loading makes objects and no garbage: nothing to collect meanwhile
            try:
                with path.open("rb") as handle:
                    self.done[int(path.stem)] = pickle.load(handle)
                if _held:
                    gc.freeze()  # before the collector, back on, goes over them
            finally:
                if collecting:
                    gc.enable()
            path.unlink()

    def close(self) -> None:
        os.close(self.tokens)
        shutil.rmtree(self.folder, ignore_errors=True)


def _child(work: Callable[[], Any], path: Path) -> NoReturn:
    """The child's whole life: answer, then leave without the parent's clean-up."""
    status = 1
    try:
        _answer(work, path)
        status = 0
    except KeyboardInterrupt:  # Ctrl-C reaches the whole build: it is said once, there
        status = 130
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(status)


def _answer(work: Callable[[], Any], path: Path) -> None:
    """In the child: run `work`, and write its log records and result to `path`."""
    records: list[logging.LogRecord] = []

    def keep(_logger: logging.Logger, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
        fields = {name: getattr(record, name) for name in _RECORD_FIELDS}
        records.append(logging.makeLogRecord({**fields, "msg": text, "args": None}))

    # This process only works and exits: what it logs goes back to the parent, unprinted.
    logging.Logger.callHandlers = keep  # type: ignore[method-assign,assignment]
    value = work()
    # Not files.atomic_write: the parent reads this only once the child has exited, so it
    # needs no fsync; the rename alone says the answer is whole.
    temporary = path.with_suffix(".part")
    with temporary.open("wb") as handle:
        pickle.dump((records, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.rename(path)


__all__ = [
    "Fork",
    "ForkFailed",
    "can_fork",
    "hold",
    "leave_to_exit",
    "reclaim",
    "shared_with_a_fork",
    "thaw",
]
