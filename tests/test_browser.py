"""The built site in Debian's chromium (Playwright): search, steps, palette, console, screenshot.

The site is served from 127.0.0.1 by a threaded http.server. Every request to another host
is aborted by the browser, so the run is the same with or without a network: the remote
screenshots fail to load, and those failures (only those) are tolerated in the console.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from webtools import BROWSER_MISSING, chromium, serve_directory

LOCAL_HOSTS = {"127.0.0.1"}
TIMEOUT_MS = 15_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(bool(BROWSER_MISSING), reason=BROWSER_MISSING),
]


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    """The built site served over HTTP on 127.0.0.1, e.g. "http://127.0.0.1:40123/"."""
    with serve_directory(built_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


class Console:
    """Console errors, uncaught page errors and the remote requests a page made."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []  # (text, url of the message's source)
        self.page_errors: list[str] = []
        self.remote: list[tuple[str, str]] = []  # (resource type, url)

    def unexpected(self, screenshot_hosts: set[str]) -> list[str]:
        """Errors other than failed loads of remote screenshots (by host)."""
        remote_images = {url for kind, url in self.remote if kind == "image"}
        bad = []
        for text, url in self.errors:
            failed_load = text.startswith("Failed to load resource")
            host = urlsplit(url).hostname or ""
            if failed_load and host in screenshot_hosts and url in remote_images:
                continue
            bad.append(f"{text} [{url}]")
        return bad + [f"uncaught: {e}" for e in self.page_errors]


@pytest.fixture
def page_and_console(browser: Any) -> Iterator[tuple[Any, Console]]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme="light", service_workers="block"
    )
    context.set_default_timeout(TIMEOUT_MS)
    console = Console()

    def route(route: Any) -> None:
        request = route.request
        if urlsplit(request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            console.remote.append((request.resource_type, request.url))
            route.abort("internetdisconnected")

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: m.type == "error" and console.errors.append((m.text, m.location.get("url", ""))),
    )
    page.on("pageerror", lambda e: console.page_errors.append(str(e)))
    try:
        yield page, console
    finally:
        context.close()


def screenshot_hosts(page: Any) -> set[str]:
    """Hosts of the remote screenshots of the current page (content <img> in <article>)."""
    srcs = page.eval_on_selector_all("article img", "els => els.map(e => e.src)")
    return {urlsplit(s).hostname or "" for s in srcs} - LOCAL_HOSTS - {""}


def test_search_opens_the_google_photos_method(
    page_and_console: tuple[Any, Console], base_url: str, method_pages: dict[str, str]
) -> None:
    page, _ = page_and_console
    page.goto(base_url, wait_until="load")
    search = page.locator("input.md-search__input")
    search.click()
    # a phrase of Step 2 of the Google Photos method, as a reader remembers it
    search.press_sequentially("Slide out the menu", delay=30)
    results = page.locator(".md-search-result__item a, a.md-search-result__link")
    results.first.wait_for(state="visible")
    page.wait_for_timeout(300)  # the worker may still replace the list of a partial query
    listed = [str(a.get_attribute("href")) for a in results.all()]
    results.first.click()  # the top result, as a reader would
    page.wait_for_url(lambda url: not url.startswith(base_url + "#") and url != base_url)
    assert urlsplit(page.url).path == "/" + method_pages["google"], (
        f"top result opened {page.url}; results in order: {listed}"
    )


def test_google_photos_method_in_the_browser(
    page_and_console: tuple[Any, Console],
    base_url: str,
    method_pages: dict[str, str],
    tmp_path: Path,
) -> None:
    page, _ = page_and_console
    page.goto(base_url + method_pages["google"], wait_until="load")
    steps = page.locator("article ol > li")
    assert steps.count() == 4, steps.all_inner_texts()
    for i in range(4):
        assert steps.nth(i).is_visible(), f"step {i + 1} is hidden"
    shot = tmp_path / "google-photos-method.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000, len(data)


def test_palette_toggle_switches_to_slate(
    page_and_console: tuple[Any, Console], base_url: str, method_pages: dict[str, str]
) -> None:
    page, _ = page_and_console
    page.goto(base_url + method_pages["google"], wait_until="load")
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    toggle = page.locator('[data-md-component="palette"] label.md-header__button:visible')
    assert toggle.count() == 1, "no visible palette toggle"
    assert toggle.get_attribute("title") == "Switch to dark mode"
    toggle.click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    assert body.get_attribute("data-md-color-scheme") == "slate"


def test_no_console_errors_on_the_guide(
    page_and_console: tuple[Any, Console], base_url: str, method_pages: dict[str, str]
) -> None:
    page, console = page_and_console
    problems: dict[str, list[str]] = {}
    for rel in ("", method_pages["index"], method_pages["google"], method_pages["tool"]):
        console.errors.clear()
        console.page_errors.clear()
        page.goto(base_url + rel, wait_until="load")
        page.wait_for_timeout(300)  # let late script errors surface
        bad = console.unexpected(screenshot_hosts(page))
        if bad:
            problems[rel or "/"] = bad
    assert not problems, problems
