"""Pages rendered ahead in forked processes (prerender.py): what a child renders, logs or
fails on reaches the build as the loop would have made it."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mkdocs.exceptions import PluginError

from cleanguide import forks, prerender
from cleanguide.cache import decode
from cleanguide.prerender import Prerender

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")


def pages(n: int, site: Path) -> list[Any]:
    return [
        SimpleNamespace(
            url=f"p{i}/",
            file=SimpleNamespace(src_uri=f"p{i}.md", abs_dest_path=str(site / f"p{i}/index.html")),
        )
        for i in range(n)
    ]


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two shares whatever the machine, from the first page on."""
    monkeypatch.setattr(prerender, "cores", lambda: 2)
    monkeypatch.setattr(prerender, "AHEAD_MIN", 1)
    monkeypatch.setattr(prerender, "can_fork", lambda: True)


def fake_render(log_on: str = "", fail_on: str = "", die_on: str = "") -> Any:
    def render(page: Any, config: Any, nav: Any, env: Any, doc_files: Any) -> str:
        if page.url == log_on:
            logging.getLogger("mkdocs.plugins.test").warning("odd page %s (pid %d)", page.url, 0)
        if page.url == fail_on:
            raise ValueError("the template broke")
        if page.url == die_on:
            os._exit(3)
        return f"<html>{page.url} by {os.getpid()}</html>"

    return render


def start(all_pages: list[Any]) -> Prerender:
    config = SimpleNamespace(plugins={})
    return Prerender.start(all_pages, config, None, None, [])  # type: ignore[arg-type]


def test_a_child_renders_the_last_share_and_the_loop_keeps_the_first(
    tmp_path: Path, forking: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prerender, "render_page", fake_render())
    all_pages = pages(10, tmp_path)
    ahead = start(all_pages)
    try:
        adopted = [p.url for p in all_pages if ahead.adopted(p)]
        assert adopted == [f"p{i}/" for i in range(5, 10)]  # the loop keeps the first half
        for page in all_pages[5:]:
            rendered = ahead.take(page)
            html = decode(rendered.encoded)  # encoded for the build cache
            assert html.startswith(f"<html>{page.url} by ")
            assert f"by {os.getpid()}<" not in html  # made in another process
            assert rendered.search == []
            written = Path(page.file.abs_dest_path).read_text(encoding="utf-8")
            assert written == html  # and written there
        assert not any(Path(p.file.abs_dest_path).exists() for p in all_pages[:5])
        folders = [share.fork.folder for share in ahead.shares]
    finally:
        ahead.close()
    assert folders and not any(folder.exists() for folder in folders)


def test_what_a_child_logs_is_logged_by_the_build(
    tmp_path: Path, forking: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(prerender, "render_page", fake_render(log_on="p3/"))
    all_pages = pages(4, tmp_path)
    ahead = start(all_pages)
    try:
        with caplog.at_level(logging.INFO):
            ahead.take(all_pages[3])
    finally:
        ahead.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [(r.name, r.getMessage()) for r in warnings] == [
        ("mkdocs.plugins.test", "odd page p3/ (pid 0)")
    ]


@pytest.mark.parametrize(
    ("trouble", "error"),
    [
        # a page that raises fails the build as it would in the loop, naming the page
        ({"fail_on": "p3/"}, r"Error building page 'p3\.md': ValueError: the template broke"),
        # a child that dies without answering fails it too, saying so
        ({"die_on": "p2/"}, r"rendering 2 page\(s\) ahead ended without them \(exit status 3"),
    ],
)
def test_a_child_in_trouble_fails_the_build_and_says_why(
    tmp_path: Path,
    forking: None,
    monkeypatch: pytest.MonkeyPatch,
    trouble: dict[str, str],
    error: str,
) -> None:
    monkeypatch.setattr(prerender, "render_page", fake_render(**trouble))
    all_pages = pages(4, tmp_path)
    ahead = start(all_pages)
    try:
        with pytest.raises(PluginError, match=error):
            ahead.take(all_pages[2])  # the child's first page: its whole answer is read
    finally:
        ahead.close()


def test_close_stops_a_child_still_rendering(
    tmp_path: Path, forking: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(page: Any, *args: Any) -> str:
        threading.Event().wait(60)
        return ""

    monkeypatch.setattr(prerender, "render_page", slow)
    ahead = start(pages(4, tmp_path))
    (share,) = ahead.shares
    pid, folder = share.fork.pid, share.fork.folder
    ahead.close()
    with pytest.raises(ChildProcessError):  # killed and reaped, not left running
        os.waitpid(pid, os.WNOHANG)
    assert not folder.exists()


def test_nothing_is_rendered_ahead_beside_another_thread(tmp_path: Path) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forks.can_fork()
        ahead = start(pages(prerender.AHEAD_MIN + 1, tmp_path))
        assert not ahead.shares and not ahead.adopted(pages(1, tmp_path)[0])
    finally:
        stop.set()
        thread.join()


def test_too_few_pages_are_left_to_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prerender, "cores", lambda: 2)
    ahead = start(pages(prerender.AHEAD_MIN - 1, tmp_path))
    assert not ahead.shares


def test_only_mkdocs_note_about_a_page_written_ahead_is_dropped() -> None:
    note = "Page skipped: '{}'. Generated empty output."
    written = prerender.WrittenAhead()
    written.pages = {"guides/a/index.md"}

    def record(message: str, level: int = logging.INFO) -> logging.LogRecord:
        return logging.makeLogRecord({"msg": message, "levelno": level, "args": None})

    assert not written.filter(record(note.format("guides/a/index.md")))
    assert written.filter(record(note.format("guides/b/index.md")))  # MkDocs' own page
    assert written.filter(record(note.format("guides/a/index.md"), logging.WARNING))
    assert written.filter(record("Page skipped: 'guides/a/index.md'. Something else."))


def test_without_a_fork_the_loop_renders_every_page(
    tmp_path: Path, forking: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork(work: object) -> object:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(prerender.Fork, "start", no_fork)
    all_pages = pages(4, tmp_path)
    ahead = start(all_pages)
    assert not ahead.shares and not any(ahead.adopted(p) for p in all_pages)


def test_a_fork_that_cannot_start_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forks.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(forks.os, "fork", refuse)
    with pytest.raises(OSError):
        forks.Fork.start(lambda: None)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("n", "count"), [(1, 2), (2, 2), (10, 2), (4104, 2), (100, 4), (7, 3), (1000, 8)]
)
def test_the_children_take_the_last_pages_once_each_and_the_loop_as_many(
    n: int, count: int
) -> None:
    everything = list(range(n))
    shares = prerender._shares(everything, count)  # type: ignore[arg-type]
    kept = n - sum(len(share) for share in shares)
    assert [p for share in shares for p in share] == everything[kept:]  # in order, once
    assert len(shares) <= count - 1 and all(shares)
    assert all(abs(len(share) - kept) <= 1 for share in shares[:-1])  # even shares
    assert 0 < len(shares[-1]) <= kept + 1 if shares else kept == n
