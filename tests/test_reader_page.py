"""The reader's page in Debian's chromium: axe-core, follow-along steps, step links, print,
placeholders for screenshots that could not be fetched, search that fits the content.

Every page type of the measured site (tests/webtools.py: home, guides index, topic page,
guide home, method page, single-page guide, 404) is checked in light and dark, at phone
(390x844) and desktop (1280x900) sizes. The site is served from 127.0.0.1; every request
to another host is aborted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from webtools import (
    BROWSER_MISSING,
    MeasuredSite,
    build_measured_site,
    chromium,
    serve_directory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(bool(BROWSER_MISSING), reason=BROWSER_MISSING),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> MeasuredSite:
    return build_measured_site(tmp_path_factory.mktemp("measured"))


@pytest.fixture(scope="module")
def base_url(measured: MeasuredSite) -> Iterator[str]:
    with serve_directory(measured.site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _local_only(route: Any) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort("internetdisconnected")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=DESKTOP, color_scheme="light", service_workers="block")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.route("**/*", _local_only)
    try:
        yield ctx
    finally:
        ctx.close()


# --- axe-core --------------------------------------------------------------------------------


def test_axe_finds_no_violation_on_any_page_type(
    browser: Any, base_url: str, measured: MeasuredSite
) -> None:
    Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

    axe = Axe()
    found: list[str] = []
    checked = 0
    for scheme in ("light", "dark"):
        for viewport in (PHONE, DESKTOP):
            ctx = browser.new_context(viewport=viewport, color_scheme=scheme)
            ctx.route("**/*", _local_only)
            page = ctx.new_page()
            for kind, path in measured.pages.items():
                page.goto(base_url + path, wait_until="load")
                shown = page.evaluate("document.body.dataset.mdColorScheme")
                assert shown == ("slate" if scheme == "dark" else "default"), (kind, shown)
                page.wait_for_function("document.querySelector('.md-search[aria-label]')")
                result = axe.run(page, options={"resultTypes": ["violations"]})
                checked += 1
                for v in result.response["violations"]:
                    targets = [n["target"] for n in v["nodes"][:3]]
                    found.append(f"{scheme} {viewport['width']} {kind}: {v['id']} {targets}")
            ctx.close()
    assert checked == 4 * len(measured.pages) == 28
    assert not found, "\n".join(found)


# --- follow-along steps ------------------------------------------------------------------------


def _step_ids(page: Any) -> list[str]:
    return list(
        page.eval_on_selector_all("article ol.cg-steps > li[id]", "els => els.map(e => e.id)")
    )


def test_ticked_steps_are_remembered_and_reset(
    context: Any, base_url: str, measured: MeasuredSite
) -> None:
    page = context.new_page()
    url = base_url + measured.pages["method page"]
    page.goto(url, wait_until="load")
    steps = _step_ids(page)
    assert len(steps) >= 3, steps
    status = page.locator(".cg-progress [role=status]")
    assert status.inner_text() == f"0 of {len(steps)} done"

    # the keyboard: Tab to a step's checkbox, Space ticks it
    first = page.get_by_role("checkbox", name=re.compile(r"Done: step 1$"))
    first.focus()
    page.keyboard.press("Space")
    page.get_by_role("checkbox", name=re.compile(r"Done: step 3$")).check()
    assert status.inner_text() == f"2 of {len(steps)} done"
    page.reload(wait_until="load")
    ticked = page.eval_on_selector_all(
        "article ol.cg-steps > li[id]",
        "els => els.filter(e => e.querySelector(':scope > .cg-step-tools input').checked).map(e => e.id)",
    )
    assert ticked == ["step-1", "step-3"]
    assert page.locator(".cg-progress [role=status]").inner_text() == f"2 of {len(steps)} done"
    # kept in local storage for this page, no cookie
    ours = "Object.keys(localStorage).filter(k => k.startsWith('cleanguide'))"
    stored = page.evaluate(ours)
    assert stored == ["cleanguide:done:/" + measured.pages["method page"]], stored
    assert context.cookies() == []

    page.get_by_role("button", name=re.compile("Reset")).click()
    assert page.locator(".cg-progress [role=status]").inner_text() == f"0 of {len(steps)} done"
    page.reload(wait_until="load")
    assert page.locator("article ol.cg-steps input:checked").count() == 0
    assert page.evaluate(ours) == []


def test_follow_along_works_with_instant_navigation(
    browser: Any, measured: MeasuredSite, tmp_path: Path
) -> None:
    """The same controls after Material's instant navigation replaced the page."""
    site = tmp_path / "instant"
    import shutil

    shutil.copytree(measured.site, site)
    for html in site.rglob("*.html"):  # Material reads its features from the page's config
        text = html.read_text(encoding="utf-8")
        html.write_text(text.replace('"features": [', '"features": ["navigation.instant", '))
    with serve_directory(site) as url:
        # instant navigation follows only the links its sitemap lists, under site_url
        sitemap = site / "sitemap.xml"
        sitemap.write_text(re.sub(r"http://127\.0\.0\.1:\d+/", url, sitemap.read_text()))
        ctx = browser.new_context(viewport=DESKTOP)
        ctx.route("**/*", _local_only)
        page = ctx.new_page()
        page.goto(url + measured.pages["guide home"], wait_until="load")
        page.evaluate("window.__kept = true")  # gone if the browser loads a new document
        page.locator("article a[href*='part-1']").first.click()
        page.wait_for_url(re.compile("part-1"))
        page.locator(".cg-progress [role=status]").wait_for()
        assert page.evaluate("window.__kept === true"), "instant navigation did not happen"
        page.get_by_role("checkbox", name=re.compile(r"Done: step 2$")).check()
        assert page.locator(".cg-progress [role=status]").inner_text().startswith("1 of ")
        ctx.close()


# --- link a step -------------------------------------------------------------------------------


def test_a_step_link_shows_on_hover_and_focus_and_opens_highlighted(
    context: Any, base_url: str, measured: MeasuredSite
) -> None:
    page = context.new_page()
    url = base_url + measured.pages["method page"]
    page.goto(url, wait_until="load")
    link = page.locator("#step-3 > .cg-step-tools a.cg-step-link")
    assert link.get_attribute("href") == "#step-3"
    assert link.evaluate("a => getComputedStyle(a).opacity") == "0"
    page.locator("#step-3").hover()
    page.wait_for_function(
        "getComputedStyle(document.querySelector('#step-3 a.cg-step-link')).opacity === '1'"
    )
    page.mouse.move(0, 0)
    link.focus()
    page.wait_for_function(
        "getComputedStyle(document.querySelector('#step-3 a.cg-step-link')).opacity === '1'"
    )
    assert page.get_by_role("link", name="Link to step 3").count() == 1

    other = context.new_page()
    other.goto(url + "#step-4", wait_until="load")
    step = other.locator("#step-4")
    other.wait_for_function(
        "document.querySelector('#step-4').classList.contains('cg-step--target')"
    )
    top = step.evaluate("li => li.getBoundingClientRect().top")
    assert 0 <= top < DESKTOP["height"] / 2, top  # scrolled to, below the header
    assert other.locator(".cg-step--target").count() == 1
    outline = step.evaluate("li => getComputedStyle(li).outlineStyle")
    assert outline == "solid", outline
    link3 = other.locator("#step-3 a.cg-step-link")
    link3.focus()
    other.keyboard.press("Enter")
    other.wait_for_function(
        "document.querySelector('#step-3').classList.contains('cg-step--target')"
    )
    assert other.locator(".cg-step--target").count() == 1


# --- print -------------------------------------------------------------------------------------


def test_a_method_page_prints_its_steps_and_nothing_of_the_site(
    context: Any, base_url: str, measured: MeasuredSite
) -> None:
    from pypdf import PdfReader

    page = context.new_page()
    page.goto(base_url + measured.pages["method page"], wait_until="load")
    title = page.locator("article h1").inner_text().strip()
    steps = [
        " ".join(t.split())[:40]
        for t in page.eval_on_selector_all(
            "article ol.cg-steps > li > p:not(.cg-step-tools)", "els => els.map(e => e.innerText)"
        )
        if t.strip()
    ]
    captions = page.eval_on_selector_all("article figcaption", "els => els.map(e => e.innerText)")
    dates = page.locator("article p em", has_text="source").inner_text()
    images = page.locator("article img").count()
    assert steps and captions and images
    page.emulate_media(media="print")
    page.wait_for_function(
        "[...document.querySelectorAll('article img')].every(i => i.complete && i.naturalWidth)"
    )
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pdf.pages)
    assert text.startswith(title[:30]), text[:200]
    positions = [text.find(s) for s in steps]
    assert all(p >= 0 for p in positions), [
        s for s, p in zip(steps, positions, strict=True) if p < 0
    ]
    assert positions == sorted(positions), "steps out of order in the PDF"
    for number in range(1, len(steps) + 1):
        assert re.search(rf"(^|\s){number}\.\s", text), f"step number {number}. not printed"
    for caption in captions:
        assert " ".join(caption.split()) in text, caption
    assert dates in text
    drawn = sum(len(p.images) for p in pdf.pages)
    assert drawn >= images, f"{drawn} images in the PDF, {images} on the page"
    for chrome in ("Search", "Made with", "Table of contents", "Done", "Reset", "Clean Guides"):
        assert chrome not in text, f"{chrome!r} printed"


# --- screenshots that could not be fetched -----------------------------------------------------


def test_an_unfetched_screenshot_is_a_captioned_placeholder(
    context: Any, base_url: str, measured: MeasuredSite
) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(base_url + measured.pages["single-page guide"], wait_until="load")
    figures = page.locator("article figure:has(.cg-shot-missing)")
    assert figures.count() >= 1
    first = figures.first
    assert first.is_visible()
    assert "Screenshot not available" in first.inner_text()
    assert first.locator("figcaption").inner_text().strip()
    assert first.get_by_role("link", name="Open the original").get_attribute("href")
    broken = page.eval_on_selector_all(
        "article img", "els => els.filter(i => !i.complete || !i.naturalWidth).map(i => i.src)"
    )
    assert broken == [] and errors == [], (broken, errors)


# --- search ------------------------------------------------------------------------------------


def _search(page: Any, query: str) -> list[tuple[str, str]]:
    """(URL path, text) of each result of `query`, as Material lists them."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(query)
    box.press("End")  # Material reads the query on key events
    page.wait_for_function(
        "q => document.querySelector('.md-search-result__meta').innerText.match(/match|No/)",
        arg=query,
    )
    page.wait_for_timeout(300)
    return page.eval_on_selector_all(
        ".md-search-result__item > a",
        "els => els.map(a => [new URL(a.href).pathname + new URL(a.href).hash, a.innerText])",
    )


@pytest.mark.parametrize("query", ["Backup & Sync", '"Backup & Sync"', "backup &amp; sync"])
def test_a_phrase_with_an_ampersand_finds_its_step(
    context: Any, base_url: str, measured: MeasuredSite, query: str
) -> None:
    page = context.new_page()
    page.goto(base_url, wait_until="load")
    results = _search(page, query)
    assert results, f"{query!r} found nothing"
    method = "/" + measured.pages["method page"]
    assert results[0][0].startswith(method), results
    for url, text in results:
        if "Missing:" in text:
            missing = re.findall(r"Missing:\s*(.*)", text)[0].split()
            page_text = (measured.site / (url.split("#")[0].lstrip("/") + "index.html")).read_text()
            for term in missing:
                assert term.lower() not in page_text.lower(), (url, term)


def test_search_reads_the_japanese_guide(
    context: Any, base_url: str, measured: MeasuredSite
) -> None:
    index = (measured.site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert '"lang":["en","ja"]' in index
    page = context.new_page()
    page.goto(base_url, wait_until="load")
    results = _search(page, "インテリジェント")  # a word inside Japanese sentences
    single = "/" + measured.pages["single-page guide"]
    assert results and results[0][0].startswith(single), results
