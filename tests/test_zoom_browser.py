"""The zoom view (GLightbox) in Chromium: it opens cleanguide's own screenshots, as images,
and nothing an article writes.

GLightbox reads the links it is bound to: a link's `title` becomes HTML in the lightbox, and
a link whose URL is not an image's opens in a frame. The sanitizer keeps the `glightbox`
class (cleanguide's screenshot links carry it) and a link's `title`, so an article can write
`<a class="glightbox" title="&lt;img onerror=...&gt;">`. The page script hands GLightbox
plain data for its own screenshot links only; an article's links stay plain links.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from webtools import BROWSER_MISSING, REPO, chromium, mkdocs_build, serve_directory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(bool(BROWSER_MISSING), reason=BROWSER_MISSING),
]

TIMEOUT_MS = 15_000
ARTICLE = """---
title: Zoom into screenshots
date: 2024-03-04
---

Zooming helps you read small text.

## Method 1: Use the trackpad

Step 1. Open the picture. <a class="glightbox" href="https://img.example/shot.png" \
title="&lt;img src=x onerror=alert(document.domain)&gt;">See the picture</a>

Step 2. Pinch out. <a class="glightbox" href="https://evil.example/landing">Full size</a>

Step 3. Zoom in. <a class="glightbox" href="https://evil.example/track?u=42"><img \
src="shots/step.png" alt=""></a>

![The preview window](shots/step.png)

The preview window
"""
PAGE = "guides/zoom/method-1-use-the-trackpad/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mkdocs_env: dict[str, str]) -> Path:
    root = tmp_path_factory.mktemp("zoom")
    (root / "mkdocs.yml").write_bytes((REPO / "mkdocs.yml").read_bytes())
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_bytes((REPO / "docs" / "index.md").read_bytes())
    (root / "content" / "shots").mkdir(parents=True)
    (root / "content" / "zoom.md").write_text(ARTICLE, encoding="utf-8")
    Image.new("RGB", (320, 200), "teal").save(root / "content" / "shots" / "step.png")
    done = mkdocs_build(root, "--strict", env=mkdocs_env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    html = (root / "site" / PAGE / "index.html").read_text(encoding="utf-8")
    # the article's own links are in the page as it wrote them: the script is what is tested
    assert 'class="glightbox" href="https://evil.example/landing"' in html
    assert "onerror=alert" in html  # as escaped text of a title attribute
    return root / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def open_page(browser: Any, url: str) -> tuple[Any, Any, dict[str, list[str]]]:
    """The page at `url`, once the zoom view is ready; what it did is noted in the dict."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    seen: dict[str, list[str]] = {"dialogs": [], "remote": []}

    def route(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            seen["remote"].append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(url)
    # the script loads GLightbox once the page is shown (idle), then listens for clicks
    page.wait_for_function("typeof window.GLightbox === 'function'")
    page.wait_for_timeout(500)
    return context, page, seen


def slides(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        ".gslide-media img, .gslide-media iframe",
        "els => els.map(e => e.tagName.toLowerCase() + ' ' + e.getAttribute('src'))",
    )


@pytest.mark.parametrize(
    "link", ["a.glightbox[title]", 'a.glightbox[href*="evil.example"]'], ids=["title", "page"]
)
def test_an_articles_glightbox_link_stays_a_plain_link(site: Path, browser: Any, link: str) -> None:
    with serve_directory(site) as base:
        context, page, seen = open_page(browser, base + PAGE)
        try:
            page.click(link, no_wait_after=True)
            page.wait_for_timeout(1500)
            assert seen["dialogs"] == []
            assert page.query_selector(".glightbox-container") is None
            assert page.frames == [page.main_frame]
            # followed as a link: the browser went (or tried to go) to its URL
            assert urlsplit(page.url).hostname != "127.0.0.1" or seen["remote"]
        finally:
            context.close()


def test_a_screenshot_zooms_as_an_image_without_the_articles_links(
    site: Path, browser: Any
) -> None:
    with serve_directory(site) as base:
        context, page, seen = open_page(browser, base + PAGE)
        try:
            page.click('a.glightbox[href*="assets/content/"]:has(img)')
            page.wait_for_selector(".gslide-media img")
            shown = slides(page)
            assert shown, "the zoom view did not open"
            assert len(shown) == 1, shown  # nor the article's own link around an image
            assert all(s.startswith("img ") for s in shown), shown
            assert all(urlsplit(s[4:]).hostname == "127.0.0.1" for s in shown), shown
            assert shown[0].endswith(".png"), shown
            titles = page.eval_on_selector_all(".gslide-title", "els => els.map(e => e.innerHTML)")
            assert all(t == "" for t in titles), titles
            alts = page.eval_on_selector_all(".gslide-media img", "els => els.map(e => e.alt)")
            assert alts == ["The preview window"]
            assert seen["dialogs"] == [] and seen["remote"] == []
        finally:
            context.close()
