"""Screenshots end to end: `mkdocs build --strict` fetches them into the cache and the site.

A throw-away project gets one article: a copy of content/android-photo-backup.md whose six
screenshot URLs point at a threaded http.server on 127.0.0.1 serving real JPEGs of known,
distinct sizes, plus one extra screenshot that answers 404. The built pages must show every
served screenshot as local WebP copies (a `srcset` of widths that fit a phone, never wider
than the original) with the original's width/height attributes, inside a glightbox link to
the original (a local file of exactly the served size), with alt text, a caption and lazy
loading on all but the first image of each page. The 404 screenshot shows as a captioned
placeholder linking to its URL, never as an image, and the build log says so in one summary
line with the reason. A second, offline build with the server stopped must reuse the cache.
Finally the repository's own seed builds offline from an empty cache with its six
screenshots as captioned placeholders.

The repository is only read: every build runs in tmp folders.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from PIL import Image

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
ARTICLE = "android-photo-backup.md"
REMOTE_PREFIX = "https://www.aiseesoft.com/images/android-data-backup-and-restore/"
REMOTE_RE = re.compile(re.escape(REMOTE_PREFIX) + r"([A-Za-z0-9_-]+)\.jpg")
MD_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\((\S+?)\)")
CACHE_KEY_LINE = "image_cache: .cache/cleanguide/images"
BROKEN_PATH = "/missing.jpg"
BROKEN_ALT = "Missing Screenshot"
STEP_ANCHOR = "Step 2 Launch the app in your Android device."
"""The broken screenshot is inserted after this step's paragraph (Part 1, a method page)."""

SIZES = [(640, 400), (800, 500), (720, 450), (960, 600), (1024, 640), (480, 300)]
"""Distinct pixel sizes, handed out in the order the screenshots appear in the article."""
COLORS = ["teal", "orange", "navy", "olive", "maroon", "purple"]

LOCAL_NAME_RE = re.compile(r"^assets/images/(?P<stem>[a-z0-9-]+)-[0-9a-f]{10}\.jpg$")
COPY_NAME_RE = re.compile(r"^assets/images/(?P<stem>[a-z0-9-]+-[0-9a-f]{10})-(?P<w>[0-9]+)w\.webp$")
SUMMARY = "screenshot(s) in"
"""Words of the one build-log line on the screenshots that could not be fetched."""


# --------------------------------------------------------------------------- helpers


def jpeg(size: tuple[int, int], color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


class ImageServer:
    """Serves /images/<name>.jpg from a dict, 404 for anything else; counts every hit."""

    def __init__(self, images: dict[str, bytes]) -> None:
        self.images = images
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.running = False

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self.thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.httpd.shutdown()
            self.running = False
        self.httpd.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server.lock:
                    server.hits[self.path] += 1
                body = server.images.get(self.path)
                if body is None:
                    self.send_response(404)
                    payload = b"<html><body>not found</body></html>"
                    self.send_header("Content-Type", "text/html")
                else:
                    self.send_response(200)
                    payload = body
                    self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return _Handler


def mkdocs_env(*, offline: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CLEANGUIDE_OFFLINE", None)
    env.pop("SITE_URL", None)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # the fetcher must reach 127.0.0.1 directly, whatever proxy the outer shell has
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    if offline:
        env["CLEANGUIDE_OFFLINE"] = "1"
    return env


def mkdocs_build(project: Path, site: Path, *, offline: bool) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    cmd += ["-f", str(project / "mkdocs.yml"), "-d", str(site)]
    return subprocess.run(
        cmd,
        cwd=project,
        env=mkdocs_env(offline=offline),
        capture_output=True,
        text=True,
        timeout=300,
    )


def make_project(dest: Path, article_text: str, cache: Path) -> Path:
    """mkdocs.yml (image_cache → `cache`) and docs/ from the repo, content/ with one article."""
    dest.mkdir(parents=True)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert config.count(CACHE_KEY_LINE) == 1, "mkdocs.yml no longer has the expected image_cache"
    # the image server is on 127.0.0.1: the build must opt in (no other private address is
    # ever admitted)
    config = config.replace(
        CACHE_KEY_LINE, f"image_cache: {json.dumps(str(cache))}\n      allow_loopback: true"
    )
    (dest / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(REPO / "docs", dest / "docs")
    (dest / "content").mkdir()
    (dest / "content" / ARTICLE).write_text(article_text, encoding="utf-8")
    cache.mkdir(parents=True, exist_ok=True)
    return dest


@dataclass
class ContentImage:
    page: str
    """The page's URL path, e.g. /guides/android-photo-backup/part-1-.../"""
    html_file: Path
    index: int
    """Position among the content images of its page (0 = first)."""
    img: Tag

    @property
    def src(self) -> str:
        return str(self.img.get("src", ""))

    @property
    def alt(self) -> str:
        return str(self.img.get("alt", ""))


def guide_pages(site: Path) -> list[Path]:
    """Every HTML page of every guide (home and method pages), not the list of guides."""
    pages = sorted(p for p in (site / "guides").glob("*/**/index.html"))
    assert pages, f"no guide pages under {site / 'guides'}"
    return pages


def page_url(site: Path, html_file: Path) -> str:
    rel = html_file.relative_to(site).as_posix()
    assert rel.endswith("index.html"), rel
    return "/" + rel[: -len("index.html")]


def content_images(site: Path) -> list[ContentImage]:
    found: list[ContentImage] = []
    for html_file in guide_pages(site):
        soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article")
        assert isinstance(article, Tag), f"{html_file}: no <article>"
        for i, img in enumerate(article.find_all("img")):
            found.append(ContentImage(page_url(site, html_file), html_file, i, img))
    return found


def resolve_local(site: Path, page: str, ref: str) -> Path:
    """The site file a relative reference on `page` points at (directory URL → index.html)."""
    parts = urlsplit(ref)
    assert not parts.scheme and not parts.netloc, f"{page}: {ref!r} is not relative"
    assert not ref.startswith("/"), f"{page}: {ref!r} is root-absolute, not relative"
    path = urlsplit(urljoin("http://site.invalid" + page, ref)).path
    if path.endswith("/"):
        path += "index.html"
    target = (site / path.lstrip("/")).resolve()
    assert target.is_relative_to(site.resolve()), f"{page}: {ref!r} leaves the site: {target}"
    return target


def lightbox_link(img: Tag) -> Tag | None:
    for parent in img.parents:
        if parent.name == "a":
            return parent if "glightbox" in (parent.get("class") or []) else None
    return None


def figcaption_text(img: Tag) -> str | None:
    figure = img.find_parent("figure")
    if figure is None:
        return None
    caption = figure.find("figcaption")
    return None if caption is None else caption.get_text(" ", strip=True)


def log_lines_naming(stderr: str, url: str) -> list[str]:
    return [line for line in stderr.splitlines() if url in line]


def summary_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if SUMMARY in line]


def placeholders(site: Path) -> list[tuple[str, Tag]]:
    """(page, figure) of every screenshot shown as "not available" on the guide pages."""
    found = []
    for html_file in guide_pages(site):
        article = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser").article
        assert isinstance(article, Tag), html_file
        for note in article.select("figure > p.cg-shot-missing"):
            assert isinstance(note.parent, Tag)
            found.append((page_url(site, html_file), note.parent))
    return found


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the online build


@dataclass
class OnlineBuild:
    root: Path
    project: Path
    cache: Path
    site: Path
    server: ImageServer
    proc: subprocess.CompletedProcess[str]
    by_alt: dict[str, tuple[str, tuple[int, int]]]
    """alt text → (served URL, pixel size served there)."""
    broken_url: str
    hits_after_build: Counter[str] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def online(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OnlineBuild]:
    source = (REPO / "content" / ARTICLE).read_text(encoding="utf-8")
    source_digest = hashlib.sha256(source.encode()).hexdigest()
    names = list(dict.fromkeys(REMOTE_RE.findall(source)))
    assert len(names) == len(SIZES), f"expected {len(SIZES)} screenshots in the seed: {names}"

    sizes = dict(zip(names, SIZES, strict=True))
    served = {
        f"/images/{name}.jpg": jpeg(sizes[name], color)
        for name, color in zip(names, COLORS, strict=True)
    }
    server = ImageServer(served)
    server.start()
    try:
        base = server.url("/images/")
        text = REMOTE_RE.sub(lambda m: f"{base}{m.group(1)}.jpg", source)
        assert REMOTE_PREFIX not in text
        broken_url = server.url(BROKEN_PATH)
        lines = text.split("\n")
        anchor = [i for i, line in enumerate(lines) if line.startswith(STEP_ANCHOR)]
        assert len(anchor) == 1, f"step anchor {STEP_ANCHOR!r} not found once in the seed"
        lines[anchor[0] + 1 : anchor[0] + 1] = ["", f"![{BROKEN_ALT}]({broken_url})"]
        text = "\n".join(lines)

        by_alt: dict[str, tuple[str, tuple[int, int]]] = {}
        for alt, url in MD_IMAGE_RE.findall(text):
            m = re.fullmatch(re.escape(base) + r"([A-Za-z0-9_-]+)\.jpg", url)
            if m:
                assert alt not in by_alt, f"two screenshots share the alt {alt!r}"
                by_alt[alt] = (url, sizes[m.group(1)])
        assert len(by_alt) == len(SIZES), by_alt

        root = tmp_path_factory.mktemp("images-online")
        cache = root / "cache"
        project = make_project(root / "project", text, cache)
        site = root / "site"
        proc = mkdocs_build(project, site, offline=False)
        build = OnlineBuild(root, project, cache, site, server, proc, by_alt, broken_url)
        with server.lock:
            build.hits_after_build = Counter(server.hits)
    finally:
        # the server is only for the first build: the offline rebuild must not need it
        server.stop()
    # the article copy is test input: the repository's content/ is never touched
    after = (REPO / "content" / ARTICLE).read_bytes()
    assert hashlib.sha256(after).hexdigest() == source_digest
    yield build


def test_online_build_passes_strict_and_sums_up_the_broken_url(online: OnlineBuild) -> None:
    proc = online.proc
    assert proc.returncode == 0, f"mkdocs build --strict failed ({proc.returncode}):\n{proc.stderr}"
    lines = summary_lines(proc.stderr)
    assert len(lines) == 1, f"expected one summary line:\n{proc.stderr}"
    assert lines[0].startswith("INFO") and "1 screenshot(s)" in lines[0], lines
    assert "HTTP 404: 1" in lines[0], lines
    assert not log_lines_naming(proc.stderr, online.broken_url), proc.stderr


def test_each_screenshot_is_fetched_exactly_once(online: OnlineBuild) -> None:
    assert online.proc.returncode == 0, online.proc.stderr
    hits = online.hits_after_build
    for url, _ in online.by_alt.values():
        path = urlsplit(url).path
        assert hits[path] == 1, f"{path} requested {hits[path]} times: {dict(hits)}"
    # a 404 is not retried
    assert hits[BROKEN_PATH] == 1, dict(hits)
    assert set(hits) == {urlsplit(u).path for u, _ in online.by_alt.values()} | {BROKEN_PATH}


def check_local_screenshots(site: Path, build: OnlineBuild) -> dict[str, Path]:
    """Item 3 of the brief for every local screenshot; returns alt → local file."""
    images = content_images(site)
    assert images, f"no <img> inside <article> on any guide page of {site}"
    local: dict[str, Path] = {}
    problems: list[str] = []
    for ci in images:
        where = f"{ci.page} img #{ci.index} ({ci.src})"
        if not ci.alt.strip():
            problems.append(f"{where}: empty alt")
        # lazy on every content image but the first of its page
        lazy = ci.img.get("loading") == "lazy"
        if ci.index == 0 and lazy:
            problems.append(f"{where}: first image of the page is loading=lazy")
        if ci.index > 0 and not lazy:
            problems.append(f"{where}: loading={ci.img.get('loading')!r}, expected 'lazy'")
        if ci.src == build.broken_url:
            continue
        if ci.alt not in build.by_alt:
            problems.append(f"{where}: unexpected content image (alt {ci.alt!r})")
            continue
        url, size = build.by_alt[ci.alt]
        expected_stem = urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".jpg")
        attrs = (ci.img.get("width"), ci.img.get("height"))
        if attrs != (str(size[0]), str(size[1])):
            problems.append(f"{where}: width/height attributes {attrs}, expected {size}")
        # what the page shows: WebP copies no wider than the original, of the same shape
        shown = [(ci.src, None)] + [
            (c.split()[0], int(c.split()[1].removesuffix("w")))
            for c in str(ci.img.get("srcset", "")).split(",")
            if c.strip()
        ]
        if len(shown) < 2 or not ci.img.get("sizes"):
            problems.append(f"{where}: no srcset/sizes: {ci.img}")
        for ref, declared in shown:
            try:
                copy = resolve_local(site, ci.page, ref)
            except AssertionError as exc:
                problems.append(f"{where}: {exc}")
                continue
            rel = copy.relative_to(site.resolve()).as_posix() if copy.is_file() else ""
            name = COPY_NAME_RE.fullmatch(rel)
            if name is None or not name.group("stem").startswith(expected_stem + "-"):
                problems.append(f"{where}: {ref} is not a WebP copy of {expected_stem}")
                continue
            with Image.open(copy) as img:
                fmt, (w, h) = img.format, img.size
            if fmt != "WEBP" or w > size[0] or abs(w / h - size[0] / size[1]) > 0.01:
                problems.append(f"{where}: {rel} is {fmt} {w}x{h}, original {size}")
            if declared is not None and declared != w:
                problems.append(f"{where}: {rel} declared {declared}w, is {w} wide")
        # the zoom view opens the original
        link = lightbox_link(ci.img)
        if link is None:
            problems.append(f"{where}: not inside an a.glightbox")
            continue
        try:
            target = resolve_local(site, ci.page, str(link.get("href", "")))
        except AssertionError as exc:
            problems.append(f"{where}: lightbox href: {exc}")
            continue
        if not target.is_file():
            problems.append(f"{where}: lightbox opens {target}, which does not exist")
            continue
        rel = target.relative_to(site.resolve()).as_posix()
        name = LOCAL_NAME_RE.fullmatch(rel)
        if name is None or name.group("stem") != expected_stem:
            problems.append(f"{where}: {rel} is not assets/images/{expected_stem}-<hash10>.jpg")
        with Image.open(target) as img:
            real = img.size
        if real != size:
            problems.append(f"{where}: file is {real[0]}x{real[1]}, served {size[0]}x{size[1]}")
        if not figcaption_text(ci.img):
            problems.append(f"{where}: no (or an empty) <figcaption> in its <figure>")
        if ci.alt in local:
            problems.append(f"{where}: screenshot {ci.alt!r} shown twice")
        local[ci.alt] = target
    assert not problems, "\n".join(problems)
    missing = set(build.by_alt) - set(local)
    assert not missing, f"served screenshots not shown locally: {sorted(missing)}"
    return local


def test_screenshots_are_local_sized_lightboxed_captioned(online: OnlineBuild) -> None:
    assert online.proc.returncode == 0, online.proc.stderr
    check_local_screenshots(online.site, online)


def test_broken_screenshot_shows_a_placeholder(online: OnlineBuild) -> None:
    assert online.proc.returncode == 0, online.proc.stderr
    assert not [ci for ci in content_images(online.site) if ci.src == online.broken_url]
    shown = placeholders(online.site)
    assert len(shown) == 1, shown
    page, figure = shown[0]
    text = figure.get_text(" ", strip=True)
    assert "Screenshot not available" in text, text
    assert figcaption_text(figure.p) == BROKEN_ALT, text  # type: ignore[arg-type]
    links = [str(a.get("href")) for a in figure.find_all("a")]
    assert links == [online.broken_url], links
    # it was inserted inside a step of the Google Photos method, and stays in its list item
    assert figure.find_parent("li") is not None, f"{page}: placeholder left its step"
    assert not (online.site / "assets" / "images" / "missing.jpg").exists()
    assert not list((online.site / "assets" / "images").glob("missing-*"))


def test_offline_rebuild_reuses_the_cache(online: OnlineBuild) -> None:
    assert online.proc.returncode == 0, online.proc.stderr
    assert not online.server.running
    first = check_local_screenshots(online.site, online)
    cache_before = {p.name: file_digest(p) for p in online.cache.iterdir() if p.is_file()}
    assert cache_before, f"the online build left no cache in {online.cache}"

    site2 = online.root / "site-offline"
    proc = mkdocs_build(online.project, site2, offline=True)
    assert proc.returncode == 0, f"offline rebuild failed ({proc.returncode}):\n{proc.stderr}"
    second = check_local_screenshots(site2, online)

    assert {a: p.relative_to(site2) for a, p in second.items()} == {
        a: p.relative_to(online.site) for a, p in first.items()
    }
    for alt, path in first.items():
        assert file_digest(second[alt]) == file_digest(path), alt
    # no served screenshot is reported as left remote; the 404 one still is, at INFO
    for url, _ in online.by_alt.values():
        assert not log_lines_naming(proc.stderr, url), log_lines_naming(proc.stderr, url)
    lines = summary_lines(proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("INFO"), proc.stderr
    assert "1 screenshot(s)" in lines[0], lines
    cache_after = {p.name: file_digest(p) for p in online.cache.iterdir() if p.is_file()}
    blobs_before = {k: v for k, v in cache_before.items() if k != "index.json"}
    blobs_after = {k: v for k, v in cache_after.items() if k != "index.json"}
    assert blobs_after == blobs_before
    assert online.hits_after_build == online.server.hits  # nothing reached the stopped server


# --------------------------------------------------------------------------- the seed, offline


def test_seed_builds_offline_from_an_empty_cache_with_captions(tmp_path: Path) -> None:
    source = (REPO / "content" / ARTICLE).read_text(encoding="utf-8")
    seed_alts = {alt: url for alt, url in MD_IMAGE_RE.findall(source) if REMOTE_RE.fullmatch(url)}
    assert len(seed_alts) == 6, seed_alts

    cache = tmp_path / "empty-cache"
    project = make_project(tmp_path / "project", source, cache)
    site = tmp_path / "site"
    proc = mkdocs_build(project, site, offline=True)
    assert proc.returncode == 0, f"offline build failed ({proc.returncode}):\n{proc.stderr}"

    assert not content_images(site), "a screenshot that was not fetched shows as an <img>"
    shown = placeholders(site)
    assert len(shown) == 6, shown
    captions = {str(figcaption_text(figure.p)) for _, figure in shown}  # type: ignore[arg-type]
    assert captions == set(seed_alts), captions
    for page, figure in shown:
        assert "Screenshot not available" in figure.get_text(" "), page
        links = [str(a.get("href")) for a in figure.find_all("a")]
        assert links == [seed_alts[figcaption_text(figure.p)]], (page, links)  # type: ignore[arg-type]
    lines = summary_lines(proc.stderr)
    assert len(lines) == 1 and "6 screenshot(s)" in lines[0], proc.stderr
    assert "offline and not cached: 6" in lines[0], lines
    for url in seed_alts.values():
        assert not log_lines_naming(proc.stderr, url), (url, proc.stderr)
    # nothing was cached, so no screenshot was copied (Material's own favicon.png lives there)
    copied = sorted(
        p.name
        for p in (site / "assets" / "images").glob("*")
        if LOCAL_NAME_RE.fullmatch(f"assets/images/{p.name}")
    )
    assert not copied, copied
