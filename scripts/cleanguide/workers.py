"""Work done in Python worker processes: each item under a CPU-time limit, past which the
worker is killed and the item reported as stopped.

`Pool.map("package.module:function", shared, items, limit=2.0)` calls
`function(shared, [item])` for every item, in the pool's worker processes, and returns
one `Outcome` per item, in order: its result and the CPU seconds it took, or why it has
none (`stopped`). A worker stays up between calls, so a `mkdocs serve` session pays for
starting it (imports: about 0.2 s) once; a worker killed for overrunning its limit is
replaced, and the other items go on.

Workers are plain `python -c` subprocesses fed by pickles on stdin and answering on stdout,
not `multiprocessing`: its "spawn" re-runs the main script of the process that builds (a
script without a `__main__` guard would build again in every worker), and "fork" is unsafe
beside the threads of `mkdocs serve`. The limit is on the worker's CPU time (read from
/proc where there is one, so a machine busy with other work does not stop good items; the
wall clock elsewhere), with a wall-clock backstop of `WALL_FACTOR` times the limit.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
import pickle
import selectors
import struct
import subprocess
import sys
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MAX_WORKERS = 8
WALL_FACTOR = 10
"""An item is stopped after `WALL_FACTOR * limit` seconds of wall-clock time in any case."""
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_POLL = 0.02
_HEADER = struct.Struct(">Q")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cores() -> int:
    """How many processes to use: the cores this process may run on, at most MAX_WORKERS."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_WORKERS))


def worth_it(items: int, minimum: int) -> bool:
    """Whether `items` are enough to pay for more than one worker."""
    return items >= minimum and cores() > 1


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one item."""

    result: Any = None
    seconds: float = 0.0
    """CPU seconds the item took in its worker (for a stopped item: when it was stopped)."""
    stopped: str = ""
    """Why the item has no result ("" when it has one)."""


def _resolve(task: str) -> Callable[[Any, Sequence[Any]], list[Any]]:
    module, _, name = task.partition(":")
    function: Callable[[Any, Sequence[Any]], list[Any]] = getattr(
        importlib.import_module(module), name
    )
    return function


def _cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) process `pid` has used, or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime


class _Worker:
    """One worker process, the items it is working on, and what it has answered so far."""

    def __init__(self, env: dict[str, str]) -> None:
        command = [sys.executable, "-c", "from cleanguide.workers import main; main()"]
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        self.buffer = bytearray()
        self.batch: list[int] = []
        """Indexes (into the call's items) of the items sent and not yet answered."""
        self.shared_sent: int | None = None
        """The call whose `shared` value this worker holds."""
        self.started_wall = 0.0
        self.started_cpu: float | None = None
        self.busy = False
        """Whether the worker has begun `batch[0]` (it said so)."""
        self.answered = False
        """Whether the worker ever sent a frame (a worker that never did could not start)."""

    @property
    def fd(self) -> int:
        assert self.proc.stdout is not None
        return self.proc.stdout.fileno()

    def send(self, request: tuple[Any, ...]) -> None:
        assert self.proc.stdin is not None
        pickle.dump(request, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.flush()

    def frames(self) -> list[Any]:
        """The whole frames read so far (reads what the pipe holds; EOFError at its end)."""
        data = os.read(self.fd, 1 << 20)
        if not data:
            raise EOFError
        self.buffer += data
        out = []
        while len(self.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.buffer)
            if len(self.buffer) < _HEADER.size + size:
                break
            out.append(pickle.loads(self.buffer[_HEADER.size : _HEADER.size + size]))
            del self.buffer[: _HEADER.size + size]
        return out

    def began(self) -> None:
        self.busy = True
        self.started_wall = time.monotonic()
        self.started_cpu = _cpu_seconds(self.proc.pid)

    def overrun(self, limit: float) -> float | None:
        """The seconds the current item has run if that is past `limit`, else None."""
        if not self.busy:
            return None
        wall = time.monotonic() - self.started_wall
        cpu = _cpu_seconds(self.proc.pid)
        used = cpu - self.started_cpu if cpu is not None and self.started_cpu is not None else wall
        if used > limit:
            return used
        if wall > limit * WALL_FACTOR:
            return wall
        return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


class Pool:
    """Worker processes, started on demand and kept until `close`."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or cores()
        self._idle: list[_Worker] = []
        self._calls = itertools.count(1)
        self._env = dict(os.environ)
        self._env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [_PACKAGE_ROOT, self._env.get("PYTHONPATH")])
        )
        self._ending: list[_Worker] = []
        """Workers told to end (`release`), not yet waited for."""
        self._finalizer = weakref.finalize(self, _kill_all, self._idle, self._ending)

    def start(self, count: int = 1) -> None:
        """Start up to `count` workers now (their imports overlap the caller's work).

        Raises OSError if a process cannot be started.
        """
        while len(self._idle) < min(count, self.size):
            self._idle.append(_Worker(self._env))

    def close(self) -> None:
        """Stop every worker."""
        _kill_all(self._idle, self._ending)

    def release(self) -> None:
        """Let the workers end now, without waiting for them (`close` does): for a caller
        done with them, so that they end while it goes on. A later `map` starts others."""
        for worker in self._idle:
            _end_input(worker)
        self._ending.extend(self._idle)
        self._idle.clear()

    def map(
        self,
        task: str,
        shared: Any,
        items: Sequence[Any],
        *,
        limit: float | Sequence[float],
        workers: int | None = None,
        chunk: int = 25,
    ) -> list[Outcome]:
        """`task(shared, [item])` for each item, each stopped past its `limit` CPU seconds
        (one for all items, or one per item).

        Raises OSError if no worker can be started (the caller then does the work itself).
        """
        limits = [limit] * len(items) if isinstance(limit, (int, float)) else list(limit)
        outcomes: list[Outcome | None] = [None] * len(items)
        todo: deque[list[int]] = deque(
            list(range(i, min(i + chunk, len(items)))) for i in range(0, len(items), chunk)
        )
        call = next(self._calls)
        wanted = max(1, min(workers or self.size, self.size, len(todo)))
        active: list[_Worker] = []
        selector = selectors.DefaultSelector()
        next_check = 0.0  # when to look at the workers' CPU time again
        try:
            while todo or any(w.batch for w in active):
                while todo and len([w for w in active if w.batch]) < wanted:
                    worker = self._free_worker(active, wanted)
                    if worker is None:
                        break
                    batch = todo.popleft()
                    try:
                        self._send(worker, call, task, shared, [items[i] for i in batch], selector)
                    except OSError:  # it died while idle: another one takes the batch
                        todo.appendleft(batch)
                        worker.kill()
                        active.remove(worker)
                        continue
                    worker.batch = batch
                for key, _ in selector.select(_POLL):
                    worker = next(w for w in active if w.fd == key.fd)
                    self._read(worker, outcomes, todo, active, selector)
                if time.monotonic() < next_check:
                    continue
                next_check = time.monotonic() + _POLL
                for worker in [w for w in active if w.batch]:
                    allowed = limits[worker.batch[0]]
                    used = worker.overrun(allowed)
                    if used is not None:
                        why = f"stopped after {used:.1f} s (the limit was {allowed:.2g} s)"
                        self._drop(worker, why, used, outcomes, todo, active, selector)
        finally:
            selector.close()
            for worker in active:
                if worker.batch or worker.proc.poll() is not None:
                    worker.kill()
                else:
                    self._idle.append(worker)
        return [o if o is not None else Outcome(stopped="not run") for o in outcomes]

    def _free_worker(self, active: list[_Worker], wanted: int) -> _Worker | None:
        for worker in active:
            if not worker.batch:
                return worker
        if len(active) >= wanted:
            return None
        worker = self._idle.pop() if self._idle else _Worker(self._env)
        active.append(worker)
        return worker

    @staticmethod
    def _send(
        worker: _Worker,
        call: int,
        task: str,
        shared: Any,
        batch: list[Any],
        selector: selectors.BaseSelector,
    ) -> None:
        first = worker.shared_sent != call
        worker.send((call, task, first, shared if first else None, batch))
        worker.shared_sent = call
        if worker.fd not in selector.get_map():
            selector.register(worker.fd, selectors.EVENT_READ)

    def _read(
        self,
        worker: _Worker,
        outcomes: list[Outcome | None],
        todo: deque[list[int]],
        active: list[_Worker],
        selector: selectors.BaseSelector,
    ) -> None:
        try:
            frames = worker.frames()
        except (EOFError, OSError, pickle.UnpicklingError):
            code = worker.proc.wait()
            if not worker.answered:
                raise OSError(f"a worker process could not start (exit code {code})") from None
            why = f"the worker process ended (exit code {code})"
            self._drop(worker, why, 0.0, outcomes, todo, active, selector)
            return
        worker.answered = worker.answered or bool(frames)
        for frame in frames:
            if frame[0] == "begin":
                worker.began()
            else:
                _, seconds, result = frame
                outcomes[worker.batch.pop(0)] = Outcome(result, seconds)
                worker.busy = False

    @staticmethod
    def _drop(
        worker: _Worker,
        why: str,
        seconds: float,
        outcomes: list[Outcome | None],
        todo: deque[list[int]],
        active: list[_Worker],
        selector: selectors.BaseSelector,
    ) -> None:
        """Kill a worker: its current item is stopped, the rest of its batch goes back."""
        if worker.batch:
            outcomes[worker.batch[0]] = Outcome(None, seconds, why)
            if worker.batch[1:]:
                todo.appendleft(worker.batch[1:])
        worker.batch = []
        selector.unregister(worker.fd)
        worker.kill()
        active.remove(worker)


def _end_input(worker: _Worker) -> None:
    if worker.proc.stdin is not None and not worker.proc.stdin.closed:
        with contextlib.suppress(OSError):
            worker.proc.stdin.close()  # the worker ends at the end of its input


def _kill_all(*groups: list[_Worker]) -> None:
    for group in groups:
        for worker in group:
            _end_input(worker)  # all of them first: they end side by side
    for group in groups:
        while group:
            worker = group.pop()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.proc.wait(timeout=1)
            worker.kill()


def main() -> None:
    """A worker: requests (call, task, new shared?, shared, items) on stdin until its end;
    for each item a "begin" frame, then its result and CPU seconds, on stdout."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # what the task prints must not mix with the answers
    shared_of: dict[int, Any] = {}
    while True:
        try:
            call, task, new, shared, items = pickle.load(stdin)
        except EOFError:
            return
        function = _resolve(task)
        if new:
            shared_of = {call: shared}
            function(shared, [])  # whatever the task sets up once is not any item's time
        for item in items:
            _write(stdout, ("begin",))
            start = time.process_time()
            [result] = function(shared_of[call], [item])
            _write(stdout, ("done", time.process_time() - start, result))


def _write(stream: IO[bytes], frame: tuple[Any, ...]) -> None:
    data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


__all__ = ["MAX_WORKERS", "Outcome", "Pool", "cores", "main", "worth_it"]
