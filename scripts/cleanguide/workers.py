"""Work shared out to Python worker processes, one per core: for the builds of big libraries.

`map_in_workers("package.module:function", shared, items)` calls `function(shared, chunk)`
on chunks of `items` in `min(cores, MAX_WORKERS)` processes and returns the results in the
order of `items`. Workers are plain `python -c` subprocesses fed by pickles on stdin and
answering on stdout, not `multiprocessing`: its "spawn" re-runs the main script of the
process that builds (a script without a `__main__` guard would build again in every
worker), and "fork" is unsafe beside the threads of `mkdocs serve`.

Starting a worker costs a few tenths of a second (imports), so callers use workers only
for many items (`worth_it`) and do the work in-process otherwise, or when workers fail.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

MAX_WORKERS = 8
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


def cores() -> int:
    """How many processes to use: the cores this process may run on, at most MAX_WORKERS."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_WORKERS))


def worth_it(items: int, minimum: int) -> bool:
    return items >= minimum and cores() > 1


def _resolve(task: str) -> Callable[[Any, Sequence[Any]], list[Any]]:
    module, _, name = task.partition(":")
    function: Callable[[Any, Sequence[Any]], list[Any]] = getattr(
        importlib.import_module(module), name
    )
    return function


def map_in_workers(task: str, shared: Any, items: Sequence[Any], chunk: int) -> list[Any]:
    """`task(shared, chunk)` over chunks of `items` in worker processes, results in order.

    Raises OSError (or pickle's errors) if a worker cannot start or fails; callers then do
    the work in this process.
    """
    workers = cores()
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    shares = [chunks[w::workers] for w in range(workers)]
    shares = [s for s in shares if s]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
    command = [sys.executable, "-c", "from cleanguide.workers import main; main()"]
    procs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        for _ in shares
    ]
    try:
        for proc, share in zip(procs, shares, strict=True):
            assert proc.stdin is not None
            with proc.stdin:
                pickle.dump((task, shared, share), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        outputs = []
        for proc in procs:
            assert proc.stdout is not None
            with proc.stdout:
                outputs.append(pickle.load(proc.stdout))
            if proc.wait() != 0:
                raise OSError(f"a worker process exited with {proc.returncode}")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    by_chunk: dict[int, list[Any]] = {}
    for w, output in enumerate(outputs):
        for k, results in enumerate(output):
            by_chunk[w + k * len(shares)] = results
    return [result for i in range(len(chunks)) for result in by_chunk[i]]


def main() -> None:
    """A worker: (task, shared, chunks) pickled on stdin, each chunk's results on stdout."""
    task, shared, chunks = pickle.load(sys.stdin.buffer)
    function = _resolve(task)
    results = [function(shared, chunk) for chunk in chunks]
    pickle.dump(results, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


__all__ = ["MAX_WORKERS", "cores", "main", "map_in_workers", "worth_it"]
