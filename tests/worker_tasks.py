"""Tasks for tests/test_budget.py's worker pools (imported by the worker processes)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence


def behave(shared: object, items: Sequence[str]) -> list[tuple[str, int]]:
    """Each item: its name and the worker's pid, after doing what it says ("spin": burn CPU
    for ever, "sleep": wait for ever, "die": end the process)."""
    out = []
    for item in items:
        if item == "spin":
            while True:
                pass
        if item == "sleep":
            time.sleep(3600)
        if item == "die":
            os._exit(3)
        out.append((item, os.getpid()))
    return out
