"""Hostile and broken articles through the whole site build, the built HTML and a browser.

The seed site (mkdocs.yml, docs/, content/) is copied into a temporary folder together with
every fixture in tests/fixtures/hostile/articles/ plus a few generated ones (binary, huge or
pathological files that are better made than committed). The site is then built twice with
MkDocs (normal and --strict) and checked:

* the normal build completes and still builds the seed guide; refused articles are named;
* the strict build fails and names every refused article, not only the first;
* content/ is byte-identical afterwards (the build never writes to its input);
* no built page carries active content from an article (script, handlers, javascript: URLs,
  frames, forms, base, meta, style, a second ``__config``), titles cannot break out of
  ``<title>``, ad text is gone and each accepted article's legitimate text is still there;
* in Chromium no dialog fires, no request goes to the attacker's host, Material's layout
  holds, legitimate text is visible and search works.

Each fixture states its marker words in its own text: ``Legit-<case>-text`` must survive
(when the article is accepted), ``AdText-<case>`` must never appear.
"""

from __future__ import annotations

import faulthandler
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from cleanguide import pipeline, reader
from cleanguide.diagnostics import ArticleError
from cleanguide.render import render_guide
from cleanguide.slugs import slug_for_article
from webtools import BROWSER_MISSING, serve_directory
from webtools import chromium as launch_chromium

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hostile" / "articles"
SEED_GUIDE = "android-photo-backup"
BUILD_TIMEOUT = 300

LEGIT_RE = re.compile(r"Legit-[A-Za-z0-9]+-text")
AD_RE = re.compile(r"AdText-[A-Za-z0-9]+")
ATTACKER_HOST = "evil.example"

AD_BLOCK = (
    '<!-- affiliate ads begin --><a href="https://secure.2checkout.com/order/checkout.php'
    '?AFFILIATE=1">AdText-{case}</a><!-- affiliate ads end -->'
)

# Articles the reader must refuse (the rest must build). A file name listed in MAY_REFUSE
# may go either way, but when refused it must be named like any other refusal.
MUST_REFUSE = {
    "h20-billion-laughs.md",  # YAML anchors/aliases
    "h21-list-front-matter.md",
    "h22-unterminated-front-matter.md",
    "h23-duplicate-keys.md",
    "h31-anchor-alias-only.md",
    "h32-yaml-tag.md",  # !!python/object/apply
    "g-invalid-utf8.md",
    "g-3mb.md",  # over reader.MAX_BYTES
}
MAY_REFUSE = {
    "h25-deep-blockquote.md",
    "h26-nested-html.md",
    "g-deep-lists.md",
    "g-emphasis-50000.md",
    "g-ad-markers-20000.md",
}

FORBIDDEN_IN_ARTICLE = ("script", "iframe", "object", "embed", "form", "base", "meta", "style")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data")
# What browsers drop from a URL before reading its scheme (WHATWG URL parsing): C0 controls
# and space at both ends, tab and newlines anywhere. (A space inside stays: `java script:`
# is a relative URL.)
_URL_ENDS = "".join(map(chr, range(0x21)))
_URL_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text")


# --------------------------------------------------------------------------- the articles


def generated_articles() -> dict[str, bytes]:
    """Fixtures that are binary, huge or better generated than committed."""

    def doc(title: str, body: str) -> str:
        return f"---\ntitle: {title}\n---\n\n{body}\n"

    crlf = doc(
        "Windows line endings",
        "Legit-crlf-text: saved on Windows.\n\n"
        + AD_BLOCK.format(case="crlf")
        + "\n\n## Method 1: Settings\n\nStep 1 Legit-crlfstep-text open Settings.\n\n"
        "Step 2 Tap Backup.",
    ).replace("\n", "\r\n")

    markers = ["Legit-admarkers-text: before the markers.", ""]
    for i in range(20_000):
        markers.append("<!-- affiliate ads begin -->")
        if i == 10_000:
            markers += ["", "Legit-admarkersmid-text: in the middle.", ""]
    markers += ["", "Legit-admarkersend-text: after the markers."]

    big_line = "Filler sentence about backing up photos to the cloud, repeated. " * 8
    big_lines = ["Legit-big-text: refused for size."]
    while sum(len(x) + 1 for x in big_lines) < 3 * 1024 * 1024:
        big_lines.append(big_line)

    deep_lists = ["Legit-deeplists-text: a list nested 400 levels deep follows.", ""]
    deep_lists += ["    " * level + f"- level {level}" for level in range(400)]
    deep_lists += ["", "Legit-deeplistsafter-text: after the list."]

    emphasis = [
        "Legit-emphasis-text: emphasis bombs follow.",
        "",
        "**" * 50_000,
        "",
        "**a " * 25_000,
        "",
        "*_" * 25_000,
        "",
        "Legit-emphasisafter-text: after the bombs.",
    ]

    return {
        "g-invalid-utf8.md": (
            b"---\ntitle: Invalid bytes\n---\n\nLegit-badutf8-text \xff\xfe\xc3\x28 cp1252 \x93q\x94\n"
        ),
        "g-utf16-bom.md": doc(
            "Saved as UTF-16",
            "Legit-utf16-text: saved by Notepad as Unicode.\n\n" + AD_BLOCK.format(case="utf16"),
        ).encode("utf-16"),  # Python writes the BOM
        "g-crlf.md": crlf.encode(),
        "g-ad-markers-20000.md": doc("Unterminated ad markers", "\n".join(markers)).encode(),
        "g-3mb.md": doc("Three megabytes", "\n".join(big_lines)).encode(),
        "g-deep-lists.md": doc("Deeply nested lists", "\n".join(deep_lists)).encode(),
        "g-emphasis-50000.md": doc("Emphasis bomb", "\n".join(emphasis)).encode(),
    }


def all_articles() -> dict[str, bytes]:
    articles = {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*.md"))}
    generated = generated_articles()
    assert not set(articles) & set(generated)
    articles.update(generated)
    return articles


def markers(data: bytes, pattern: re.Pattern[str]) -> set[str]:
    """Marker words in a fixture, whatever its encoding."""
    text = data.decode("utf-16") if data.startswith(b"\xff\xfe") else data.decode("latin-1")
    return set(pattern.findall(text))


def test_fixture_set_is_complete() -> None:
    articles = all_articles()
    static = list(FIXTURES.glob("*.md"))
    assert len(static) >= 25, len(static)
    assert set(articles) >= MUST_REFUSE | MAY_REFUSE
    for name, data in articles.items():
        if name not in MUST_REFUSE:
            assert markers(data, LEGIT_RE), f"{name} has no Legit-*-text marker"
    assert sum(1 for d in articles.values() if markers(d, AD_RE)) >= 5


# --------------------------------------------------------------------------- the build


@dataclass
class Build:
    root: Path
    site: Path
    returncode: int
    log: str
    strict_returncode: int
    strict_log: str
    before: dict[str, str]
    after: dict[str, str]
    seconds: float
    strict_seconds: float
    audit: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per source file name: its audit record (guide slug, refused, diagnostics)."""

    @property
    def refused(self) -> set[str]:
        return {name for name, rec in self.audit.items() if rec["refused"]}

    @property
    def accepted(self) -> set[str]:
        return {name for name, rec in self.audit.items() if not rec["refused"]}


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _mkdocs(root: Path, site: str, *strict: str) -> tuple[int, str, float]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "CLEANGUIDE_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml")]
    start = time.perf_counter()
    done = subprocess.run(
        [*cmd, "-d", str(root / site), *strict],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    root = tmp_path_factory.mktemp("hostile-site")
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copytree(REPO / "content", root / "content")
    for name, data in all_articles().items():
        assert not (root / "content" / name).exists(), name
        (root / "content" / name).write_bytes(data)
    before = _hashes(root / "content")

    # mkdocs.yml sets `strict: true`; the first build must not be strict.
    code, log, seconds = _mkdocs(root, "site", "--no-strict")
    strict_code, strict_log, strict_seconds = _mkdocs(root, "site-strict", "--strict")
    after = _hashes(root / "content")

    audit = {}
    for path in (root / "build" / "cleanguide").glob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        audit[record["source"]] = record
    print(f"\nbuild: {seconds:.1f}s, strict build: {strict_seconds:.1f}s")
    return Build(
        root,
        root / "site",
        code,
        log,
        strict_code,
        strict_log,
        before,
        after,
        seconds,
        strict_seconds,
        audit,
    )


def test_build_completes_and_builds_the_seed(build: Build) -> None:
    assert build.returncode == 0, build.log[-6000:]
    assert (build.site / "guides" / SEED_GUIDE / "index.html").is_file()
    assert build.audit.get(f"{SEED_GUIDE}.md", {}).get("refused") is False


def test_refusals_are_the_expected_ones(build: Build) -> None:
    assert set(build.audit) == set(all_articles()) | {f"{SEED_GUIDE}.md"}
    assert build.refused >= MUST_REFUSE, sorted(MUST_REFUSE - build.refused)
    unexpected = build.refused - MUST_REFUSE - MAY_REFUSE
    details = {n: build.audit[n]["diagnostics"] for n in unexpected}
    assert not unexpected, details
    print("\nrefused:", sorted(build.refused))
    print("refused (optional):", sorted(build.refused & MAY_REFUSE))


def test_log_names_every_refused_article(build: Build) -> None:
    assert build.returncode == 0, build.log[-6000:]
    for name in sorted(build.refused):
        error_lines = [ln for ln in build.log.splitlines() if "ERROR" in ln and name in ln]
        assert error_lines, f"{name} is refused but no ERROR line names it"


def test_strict_build_fails_listing_every_refused_article(build: Build) -> None:
    assert build.strict_returncode != 0, build.strict_log[-6000:]
    assert build.refused
    missing = [name for name in sorted(build.refused) if name not in build.strict_log]
    assert not missing, (missing, build.strict_log[-6000:])
    summary = [ln for ln in build.strict_log.splitlines() if "refused:" in ln]
    assert summary, build.strict_log[-3000:]
    assert all(name in summary[-1] for name in build.refused), summary[-1]


def test_content_is_untouched(build: Build) -> None:
    assert build.after == build.before


# --------------------------------------------------------------------------- the built HTML


def _html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@functools.cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _bad_url(value: str) -> bool:
    return _URL_TAB_NEWLINE.sub("", value).strip(_URL_ENDS).lower().startswith(_BAD_SCHEMES)


def _attribute_values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _article_problems(article: Any) -> list[str]:
    problems = []
    for name in FORBIDDEN_IN_ARTICLE:
        for el in article.find_all(name):
            problems.append(f"<{name}> element: {str(el)[:120]}")
    for el in article.find_all(True):
        for attr, value in el.attrs.items():
            if attr.lower().startswith("on"):
                problems.append(f"<{el.name} {attr}=...> handler: {str(el)[:120]}")
            if attr.lower() == "style":
                problems.append(f"<{el.name} style=...>: {str(el)[:120]}")
            if attr.lower() in URL_ATTRIBUTES or attr.lower() == "srcdoc":
                for v in _attribute_values(value):
                    for part in v.split(",") if attr.lower() == "srcset" else [v]:
                        if _bad_url(part) or attr.lower() == "srcdoc":
                            problems.append(f"<{el.name} {attr}={v[:60]!r}>")
    return problems


def test_the_checks_catch_payloads() -> None:
    """The page checks are not vacuous: each payload shape below is reported."""
    article = BeautifulSoup(
        "<article><script>1</script><img src=x onerror=a>"
        '<a href=" java&#9;script:x">a</a><a href="\x01DATA:text/html,x">b</a>'
        '<div style="display:none"></div><iframe srcdoc="x"></iframe></article>',
        "html.parser",
    ).article
    problems = _article_problems(article)
    assert len(problems) == 7, problems  # iframe counts twice: element and srcdoc
    assert not _bad_url("java script:alert(1)")  # a space inside: a relative URL
    assert _bad_url("\njava\tscript:alert(1)")


def test_every_page_is_inert(build: Build) -> None:
    assert build.returncode == 0, build.log[-6000:]
    pages = _html_pages(build.site)
    assert pages
    seed_page = _soup(build.site / "guides" / SEED_GUIDE / "index.html")
    seed_scripts = len(seed_page.find_all("script", type=lambda t: t != "application/ld+json"))
    seed_config = len(seed_page.find_all(id="__config"))
    problems: dict[str, list[str]] = {}
    for path in pages:
        rel = path.relative_to(build.site).as_posix()
        raw = path.read_text(encoding="utf-8")
        soup = _soup(path)
        found = []
        articles = soup.find_all("article")
        if rel.startswith("guides/"):
            assert len(articles) == 1, f"{rel}: {len(articles)} <article> elements"
        for article in articles:
            found += _article_problems(article)
        # The page as a whole: only Material's own scripts, one __config, no handlers;
        # structured data (JSON-LD) that parses as JSON and holds no "<" to end it early.
        data = soup.find_all("script", type="application/ld+json")
        scripts = [s for s in soup.find_all("script") if s not in data]
        if rel.startswith("guides/") and len(scripts) != seed_scripts:
            found.append(f"{len(scripts)} <script> elements (the seed page has {seed_scripts})")
        for element in data:
            text = element.string or ""
            if "<" in text or json.loads(text).get("@type") != "HowTo":
                found.append(f"JSON-LD {text[:80]!r}")
        config_ids = (len(soup.find_all(id="__config")), raw.count('id="__config"'))
        if seed_config and config_ids != (1, 1):
            found.append(f"id=__config (parsed, in source): {config_ids}, expected (1, 1)")
        for el in soup.find_all(True):
            handlers = [a for a in el.attrs if a.lower().startswith("on")]
            if handlers:
                found.append(f"<{el.name}> handler(s) {handlers}")
            for attr, value in el.attrs.items():
                if any(ATTACKER_HOST in v for v in _attribute_values(value)):
                    found.append(f"<{el.name} {attr}=...> points at {ATTACKER_HOST}")
        # <title> holds text only: no tag may appear inside it in the source.
        title_src = re.search(r"<title>(.*?)</title>", raw, re.DOTALL | re.IGNORECASE)
        assert title_src is not None, rel
        if "<" in title_src.group(1):
            found.append(f"<title> source contains a tag: {title_src.group(1)[:120]!r}")
        if raw.lower().count("<title") != 1:
            found.append(f"{raw.lower().count('<title')} <title> tags")
        for meta in soup.find_all("meta"):
            if meta.get("http-equiv", "").lower() == "refresh":
                found.append(f"meta refresh: {meta}")
        if soup.find("base") is not None:
            found.append(f"<base>: {soup.find('base')}")
        # an id names one element: an article's own id="step-2" must not take a step's anchor
        ids = [str(el["id"]) for el in soup.find_all(id=True)]
        if len(ids) != len(set(ids)):
            found.append(f"ids used twice: {sorted({i for i in ids if ids.count(i) > 1})}")
        for step in soup.select("ol.cg-steps > li"):
            if not step.get("id"):
                found.append(f"step without its anchor: {str(step)[:80]}")
        if found:
            problems[rel] = found
    assert not problems, json.dumps(problems, indent=1)[:12000]


def test_no_ad_text_anywhere(build: Build) -> None:
    ads = set().union(*(markers(d, AD_RE) for d in all_articles().values()))
    assert ads
    hits = {}
    for path in sorted(build.site.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".txt", ".js"):
            text = path.read_text(encoding="utf-8", errors="replace")
            found = sorted(set(AD_RE.findall(text)))
            if found:
                hits[path.relative_to(build.site).as_posix()] = found
    assert not hits, hits


def _guide_text(build: Build, slug: str) -> str:
    """The text of the <article> of every page of one guide."""
    pages = sorted((build.site / "guides" / slug).rglob("index.html"))
    assert pages, f"no pages for guide {slug}"
    return "\n".join(
        article.get_text(" ") for p in pages for article in _soup(p).find_all("article")
    )


def test_legit_text_of_accepted_articles_survives(build: Build) -> None:
    assert build.returncode == 0, build.log[-6000:]
    articles = all_articles()
    missing = {}
    for name in sorted(build.accepted - {f"{SEED_GUIDE}.md"}):
        text = _guide_text(build, build.audit[name]["guide"])
        lost = sorted(m for m in markers(articles[name], LEGIT_RE) if m not in text)
        if lost:
            missing[name] = lost
    assert not missing, missing


def test_refused_articles_are_not_published(build: Build) -> None:
    articles = all_articles()
    site_text = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in build.site.rglob("*.html")
    )
    leaked = {
        name: sorted(m for m in markers(articles[name], LEGIT_RE) if m in site_text)
        for name in build.refused
        if name in articles
    }
    assert not any(leaked.values()), leaked


def test_fenced_payload_stays_visible_code(build: Build) -> None:
    slug = build.audit["h19-fenced-payload.md"]["guide"]
    soup = _soup(build.site / "guides" / slug / "index.html")
    codes = [c.get_text() for c in soup.select("article pre code")]
    assert any('<script>alert("CodeScript-fenced")</script>' in c for c in codes), codes
    assert any("<img src=x onerror=alert(1)>" in c for c in codes), codes
    assert any('<iframe srcdoc="<script>alert(3)</script>"></iframe>' in c for c in codes), codes
    inline = [c.get_text() for c in soup.select("article p code")]
    assert "<svg onload=alert(4)>" in inline, inline


def test_hostile_titles_are_text(build: Build) -> None:
    for name in ("h13-hostile-title.md", "h14-title-attr-breakout.md", "h15-bidi-title.md"):
        slug = build.audit[name]["guide"]
        soup = _soup(build.site / "guides" / slug / "index.html")
        title = soup.title.get_text() if soup.title else ""
        h1 = soup.select_one("article h1")
        assert h1 is not None, name
        assert not h1.find_all(lambda el: el.name not in ("a",)), (name, str(h1))
        if name == "h15-bidi-title.md":
            bidi = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
            assert not bidi.search(title), repr(title)
            assert not bidi.search(h1.get_text()), repr(h1.get_text())
            assert "Backup your photos safely now" in title, repr(title)


# --------------------------------------------------------------------------- per-article budget


def test_per_article_budget() -> None:
    """Every accepted hostile article goes through reader.loads + pipeline.process."""
    faulthandler.dump_traceback_later(BUILD_TIMEOUT, exit=True)
    rows = []
    try:
        for name, data in all_articles().items():
            tracemalloc.start()
            start = time.perf_counter()
            try:
                article = reader.loads(data, name)
            except ArticleError as exc:
                tracemalloc.stop()
                assert name in MUST_REFUSE | MAY_REFUSE, str(exc)
                rows.append((name, "refused", time.perf_counter() - start, 0, 0.0))
                continue
            slug = slug_for_article(name, article.meta.title)
            guide, _ = pipeline.clean_and_structure(article, slug)
            seconds = time.perf_counter() - start
            _, peak = tracemalloc.get_traced_memory()
            render_start = time.perf_counter()
            render_guide(guide)
            render_seconds = time.perf_counter() - render_start
            tracemalloc.stop()
            rows.append((name, "ok", seconds, peak, render_seconds))
    finally:
        faulthandler.cancel_dump_traceback_later()
        if tracemalloc.is_tracing():
            tracemalloc.stop()
    print("\narticle                              status   load+process   peak MiB   render")
    for name, status, seconds, peak, render_seconds in rows:
        print(
            f"{name:<36} {status:<8} {seconds:>10.3f}s {peak / 2**20:>9.1f} {render_seconds:>8.3f}s"
        )
    ok = [r for r in rows if r[1] == "ok"]
    slowest = max(ok, key=lambda r: r[2])
    biggest = max(ok, key=lambda r: r[3])
    print(f"max load+process: {slowest[2]:.3f}s ({slowest[0]})")
    print(f"max peak memory: {biggest[3] / 2**20:.1f} MiB ({biggest[0]})")
    assert {r[0] for r in rows} == set(all_articles())


# --------------------------------------------------------------------------- in a browser

TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def served(build: Build) -> Iterator[str]:
    assert build.returncode == 0, build.log[-6000:]
    with serve_directory(build.site) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if BROWSER_MISSING:
        pytest.skip(BROWSER_MISSING)
    with launch_chromium() as browser:
        yield browser


@dataclass
class Events:
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)


@pytest.fixture
def tab(chromium: Any) -> Iterator[tuple[Any, Events]]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    events = Events()

    def route(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            events.remote.append(route.request.url)
            route.abort("internetdisconnected")

    def dialog(d: Any) -> None:
        events.dialogs.append(f"{d.type}: {d.message} [{d.page.url if d.page else ''}]")
        d.dismiss()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", dialog)
    page.on("console", lambda m: events.console.append(f"{m.type}: {m.text} [{page.url}]"))
    page.on("pageerror", lambda e: events.page_errors.append(f"{e} [{page.url}]"))
    try:
        yield page, events
    finally:
        context.close()


_URL_ELEMENTS = "article [href], article [src], article [action], article [formaction]"
# How the browser itself resolves each URL attribute (its own parser, its own base URL).
_RESOLVED_PROTOCOLS = """els => els.flatMap(e => ["href", "src", "action", "formaction"]
    .filter(a => e.hasAttribute(a))
    .map(a => {
        const value = e.getAttribute(a);
        let protocol;
        try { protocol = new URL(value, document.baseURI).protocol; }
        catch (err) { protocol = "invalid"; }
        return [`<${e.localName} ${a}=${JSON.stringify(value).slice(0, 60)}>`, protocol];
    }))"""


@pytest.mark.browser
def test_guides_in_chromium(build: Build, served: str, tab: tuple[Any, Events]) -> None:
    page, events = tab
    # The dialog recorder works: a handler that does fire is seen.
    page.set_content("<img src=x onerror=\"alert('probe')\">")
    page.wait_for_timeout(300)
    assert [d.split(" [")[0] for d in events.dialogs] == ["alert: probe"], events.dialogs
    events.dialogs.clear()
    guide_pages = sorted((build.site / "guides").rglob("index.html"))
    assert len(guide_pages) > 20
    slug_markers = {
        build.audit[name]["guide"]: markers(data, LEGIT_RE)
        for name, data in all_articles().items()
        if name in build.accepted
    }
    visible: dict[str, str] = {}
    problems: list[str] = []
    for path in guide_pages:
        rel = path.relative_to(build.site).parent.as_posix() + "/"
        url = served + rel
        page.goto(url, wait_until="load")
        page.wait_for_timeout(150)  # let onerror/onload/animation handlers fire
        if page.url != url:
            problems.append(f"{rel}: navigated away to {page.url}")
            continue
        for selector in (".md-header", ".md-sidebar--primary", ".md-content"):
            if page.locator(selector).count() == 0:
                problems.append(f"{rel}: {selector} missing")
        if not page.locator(".md-header").first.is_visible():
            problems.append(f"{rel}: .md-header is not visible")
        if not page.locator(".md-content").first.is_visible():
            problems.append(f"{rel}: .md-content is not visible")
        for where, protocol in page.eval_on_selector_all(_URL_ELEMENTS, _RESOLVED_PROTOCOLS):
            if protocol not in ("http:", "https:", "mailto:"):
                problems.append(f"{rel}: {where} resolves to a {protocol} URL")
        parts = rel.split("/")
        if len(parts) > 2 and parts[1]:
            text = page.locator("article").first.inner_text()
            visible[parts[1]] = visible.get(parts[1], "") + "\n" + text
    for slug, wanted in slug_markers.items():
        lost = sorted(m for m in wanted if m not in visible.get(slug, ""))
        if lost:
            problems.append(f"guides/{slug}/: not visible: {lost}")
    attacker = [u for u in events.remote if ATTACKER_HOST in u or u.startswith("javascript")]
    print("\nconsole:", *events.console[:40], sep="\n  ")
    assert not events.dialogs, events.dialogs
    assert not attacker, attacker
    assert not events.page_errors, events.page_errors
    assert not problems, problems


@pytest.mark.browser
def test_search_finds_a_legit_marker(build: Build, served: str, tab: tuple[Any, Events]) -> None:
    page, events = tab
    slug = build.audit["h29-mixed-legit-guide.md"]["guide"]
    page.goto(served + f"guides/{slug}/", wait_until="load")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("normalcable", delay=30)
    result = page.locator(".md-search-result__item").first
    result.wait_for(state="visible")
    assert "normalcable" in result.inner_text().lower()
    assert not events.dialogs, events.dialogs
