"""No page loads an image from another host when the site fetches its screenshots.

Scraped articles put images inside sentences ("choose Run as administrator. ![](shot.jpg)
Click Yes"), inside links, in raw `<img>` tags. A screenshot on a line of its own is
fetched into the site or shown as a placeholder (test_images_build.py); these used to stay
remote, so every reader's browser asked the article's host for them. Now a Markdown image
inside text is fetched like a screenshot and shown from the site; whatever is not (it could
not be fetched, it is raw HTML) is a link to the original, never an image. With
`fetch_images: false` the pages keep the remote URLs, as documented.

Builds run in tmp folders; the images come from a server on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag

from cleanguide.defaults import AUDIT_DIR
from webtools import REPO, screenshot_png, screenshot_server

pytestmark = pytest.mark.slow

CACHE_LINE = "      image_cache: .cache/cleanguide/images\n"

ARTICLE = """\
---
title: Pin an app with inline screenshots
---
Pin the apps you use most.

## Method 1. Use the Start menu

Step 1. Open **Start**. ![Start menu]({base}/start.png) Then find the app.

Step 2. Right-click it [![Context menu]({base}/menu.png)](https://example.org/menu) and pick **Pin**.

Step 3. Confirm. <img alt="Raw confirm" src="{base}/confirm.png"> It is pinned.

Step 4. Check the bar. ![Gone]({base}/gone.png) Done.

Shown as code, not fetched: `![code]({base}/code.png)`.
"""


def _project(root: Path, base: str, *, fetch: bool = True) -> Path:
    project = root / "project"
    (project / "content").mkdir(parents=True)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert CACHE_LINE in config, "mkdocs.yml's cleanguide settings moved: update this test"
    extra = "      allow_loopback: true\n" + ("" if fetch else "      fetch_images: false\n")
    (project / "mkdocs.yml").write_text(config.replace(CACHE_LINE, CACHE_LINE + extra, 1))
    shutil.copytree(REPO / "docs", project / "docs")
    (project / "content" / "pin.md").write_text(ARTICLE.format(base=base), encoding="utf-8")
    return project


def _build(project: Path, *, offline: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for name in ("CLEANGUIDE_OFFLINE", "SITE_URL"):
        env.pop(name, None)
    env.update(NO_MKDOCS_2_WARNING="1", PYTHONDONTWRITEBYTECODE="1")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    if offline:
        env["CLEANGUIDE_OFFLINE"] = "1"
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _method_page(project: Path) -> tuple[str, Tag]:
    pages = list((project / "site" / "guides" / "pin").glob("*/index.html"))
    assert len(pages) == 1, pages
    url = "/" + pages[0].parent.relative_to(project / "site").as_posix() + "/"
    article = BeautifulSoup(pages[0].read_text(encoding="utf-8"), "html.parser").article
    assert isinstance(article, Tag)
    return url, article


def _image_urls(article: Tag) -> list[str]:
    urls = []
    for img in article.find_all("img"):
        urls.append(str(img.get("src", "")))
        urls += [c.split()[0] for c in str(img.get("srcset", "")).split(",") if c.strip()]
    return urls


def _link(article: Tag, text: str) -> Tag:
    found = [a for a in article.find_all("a") if a.get_text(strip=True) == text]
    assert len(found) == 1, [a.get_text(strip=True) for a in article.find_all("a")]
    return found[0]


SERVED = {"/start.png": (400, 300, 0), "/menu.png": (500, 320, 1), "/confirm.png": (300, 200, 2)}


def test_images_inside_text_are_fetched_or_linked(tmp_path: Path) -> None:
    images = {path: screenshot_png(*size) for path, size in SERVED.items()}
    with screenshot_server(images) as base:
        project = _project(tmp_path, base)
        proc = _build(project, offline=False)
    url, article = _method_page(project)
    site = project / "site"

    # every image the page shows is a file of the site
    shown = _image_urls(article)
    assert shown
    for src in shown:
        assert not urlsplit(src).scheme and not src.startswith(("/", "\\")), src
        target = urlsplit(urljoin("http://site.invalid" + url, src)).path
        assert (site / target.lstrip("/")).is_file(), src
    alts = {str(img.get("alt")) for img in article.find_all("img")}
    # fetched: the one inside a sentence, the one inside a link (which stays a link)
    assert alts == {"Start menu", "Context menu"}
    menu = article.find("img", alt="Context menu")
    assert isinstance(menu, Tag) and isinstance(menu.parent, Tag)
    assert menu.parent.name == "a" and menu.parent.get("href") == "https://example.org/menu"
    # raw HTML is not fetched; the one that answers 404 is not there: both are links
    assert _link(article, "Image: Raw confirm").get("href") == f"{base}/confirm.png"
    assert _link(article, "Image: Gone").get("href") == f"{base}/gone.png"
    # reported with the screenshots that could not be fetched, and in the audit
    assert "1 screenshot(s) in 1 article(s) could not be fetched" in proc.stderr
    audit = json.loads((project / AUDIT_DIR / "pin.json").read_text(encoding="utf-8"))
    assert [i["url"] for i in audit["images_left_remote"]] == [f"{base}/gone.png"]
    # the text around them is all there, in order
    text = article.get_text(" ", strip=True)
    order = ["Then find the app", "and pick", "Image: Raw confirm", "It is pinned", "Done"]
    assert [text.find(t) for t in order] == sorted(text.find(t) for t in order), text
    assert min(text.find(t) for t in order) >= 0, text
    # code stays code: its URL is shown, never fetched
    assert f"![code]({base}/code.png)" in text


def test_offline_without_cache_no_image_is_remote(tmp_path: Path) -> None:
    project = _project(tmp_path, "https://farm.invalid/img")
    _build(project, offline=True)
    _, article = _method_page(project)
    assert _image_urls(article) == []
    for alt, name in (("Start menu", "start"), ("Gone", "gone"), ("Raw confirm", "confirm")):
        assert _link(article, f"Image: {alt}").get("href") == f"https://farm.invalid/img/{name}.png"
    # inside a link: the text only, the link kept
    assert _link(article, "Image: Context menu").get("href") == "https://example.org/menu"


def test_fetch_images_off_keeps_remote_urls(tmp_path: Path) -> None:
    project = _project(tmp_path, "https://farm.invalid/img", fetch=False)
    _build(project, offline=True)
    _, article = _method_page(project)
    assert "https://farm.invalid/img/start.png" in _image_urls(article)
