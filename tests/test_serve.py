"""`mkdocs serve` on a project copy: an edited article is rebuilt, once, and served.

Run with `--livereload` and with the default (no flag): click releases have broken the
default (mkdocs#4032), so both spellings are checked.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ARTICLE = "content/android-photo-backup.md"
# a fifth step for the Google Photos method, inserted after its last screenshot
ANCHOR = "![Check Google Photo on Web]("
MARKER = "Zorblefrazz"
NEW_LINE = f"Step 5 {MARKER} check the backup."
REBUILD = re.compile(r"Building documentation|Detected file changes")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def rebuilds(log: Path) -> int:
    return len(REBUILD.findall(log.read_text(encoding="utf-8", errors="replace")))


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture
def start_serve(
    project_copy: Path, free_port: Callable[[], int], mkdocs_env: dict[str, str]
) -> Iterator[Callable[[list[str]], tuple[str, Path]]]:
    """`start_serve(extra_args)` runs `mkdocs serve` on the copy; returns (base URL, log)."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(extra: list[str]) -> tuple[str, Path]:
        port = free_port()
        log = project_copy.parent / f"serve-{port}.log"
        cmd = [sys.executable, "-m", "mkdocs", "serve", *extra]
        cmd += ["-a", f"127.0.0.1:{port}", "-f", str(project_copy / "mkdocs.yml")]
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    cmd,
                    cwd=project_copy,
                    env=mkdocs_env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        return f"http://127.0.0.1:{port}/", log

    try:
        yield start
    finally:
        for proc in procs:
            stop(proc)


@pytest.mark.parametrize(
    "flags",
    [["--livereload"], [], ["--livereload", "--dirty"]],
    ids=["livereload", "default", "dirty (scripts/serve)"],
)
def test_edit_is_rebuilt_and_served_once(
    start_serve: Callable[[list[str]], tuple[str, Path]],
    project_copy: Path,
    method_pages: dict[str, str],
    flags: list[str],
) -> None:
    base, log = start_serve(flags)
    url = base + method_pages["google"]
    assert wait_for(lambda: fetch(url)[0] == 200, 60), (
        f"{url} never answered 200; serve log:\n{log.read_text(errors='replace')}"
    )
    assert MARKER not in fetch(url)[1]

    article = project_copy / ARTICLE
    lines = article.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.startswith(ANCHOR)), None)
    assert at is not None, f"{ANCHOR!r} not in {ARTICLE}"
    lines[at + 1 : at + 1] = ["\n", NEW_LINE + "\n"]
    article.write_text("".join(lines), encoding="utf-8")

    assert wait_for(lambda: MARKER in fetch(url)[1], 60), (
        f"{MARKER!r} never served at {url} after editing {ARTICLE} "
        f"(args {flags or 'default'}); serve log:\n{log.read_text(errors='replace')}"
    )
    seen = rebuilds(log)
    time.sleep(5)
    after = rebuilds(log)
    assert after - seen <= 1, (
        f"rebuild loop: {after - seen} more rebuild lines in 5 s; serve log:\n"
        f"{log.read_text(errors='replace')}"
    )


def test_a_refused_article_never_stops_the_preview(
    start_serve: Callable[[list[str]], tuple[str, Path]], project_copy: Path
) -> None:
    broken = project_copy / "content" / "broken.md"
    broken.write_bytes(b"---\ntitle: Broken\n---\n\n\xff\xfe not UTF-8\n")
    base, log = start_serve(["--livereload"])
    index, guide = base + "guides/", base + "guides/android-photo-backup/"
    assert wait_for(lambda: fetch(guide)[0] == 200, 60), log.read_text(errors="replace")
    status, page = fetch(index)
    assert status == 200
    assert "could not be built" in page and "broken.md" in page
    assert "broken.md" in log.read_text(errors="replace")  # and the log names it

    broken.write_text("---\ntitle: Mended\n---\n\n## Part 1. Go\n\nStep 1 Do it.\n")
    assert wait_for(lambda: fetch(base + "guides/broken/")[0] == 200, 60), log.read_text(
        errors="replace"
    )
    assert "could not be built" not in fetch(index)[1]
