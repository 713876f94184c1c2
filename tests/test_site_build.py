"""The built site (`mkdocs build --strict` on a project copy): clean, complete, searchable."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

pytestmark = pytest.mark.slow

JUNK = (
    "adsbygoogle",
    "AFFILIATE=",
    "impactradius",
    "atpl-alsoreadstyle",
    "affiliate ads begin",
    "techidaily",
    "2checkout",
    "What do you think of this post",
    "More Reading",
    "Rating:",
    "Also read",
    "Louisa White",
    "WPS Office",
    "PCDJ",
    "Any DRM Removal",
)
CONTENT_TEXTS = (
    "Dropbox",
    "Encrypted Backup",
    "Thumbnail preview before photo backup",
    "Device data Restore",
    "In this article, we have mainly showed you",
)


def html_files(site: Path) -> list[Path]:
    files = sorted(site.rglob("*.html"))
    assert files, f"no HTML in {site}"
    return files


def article(site: Path, rel: str) -> Tag:
    path = site / rel / "index.html" if not rel.endswith(".html") else site / rel
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    found = soup.find("article")
    assert isinstance(found, Tag), f"{path}: no <article>"
    return found


def guide_articles(site: Path, guide: str) -> dict[str, Tag]:
    """The <article> of every page of the guide (its index and its method pages)."""
    pages = sorted((site / guide).rglob("index.html"))
    assert len(pages) >= 3, f"guide pages: {pages}"
    return {str(p.relative_to(site)): article(site, str(p.relative_to(site))) for p in pages}


def steps(art: Tag) -> list[Tag]:
    """The <li> of the article's ordered list of steps (its first top-level <ol>)."""
    lists = [ol for ol in art.find_all("ol") if ol.find_parent("ol") is None]
    assert lists, f"no <ol> in the article:\n{art}"
    return lists[0].find_all("li", recursive=False)


def text(tag: Tag) -> str:
    return re.sub(r"\s+", " ", tag.get_text())


def test_no_junk_in_any_html(built_site: Path) -> None:
    hits = [
        f"{p.relative_to(built_site)}: {junk!r}"
        for p in html_files(built_site)
        for junk in JUNK
        if junk in p.read_text(encoding="utf-8")
    ]
    assert not hits, "junk in the built HTML:\n" + "\n".join(hits)


def test_no_script_in_articles_and_no_iframe(built_site: Path) -> None:
    hits = []
    for p in html_files(built_site):
        page = p.read_text(encoding="utf-8")
        if "<iframe" in page.lower():
            hits.append(f"{p.relative_to(built_site)}: <iframe")
        for art in BeautifulSoup(page, "html.parser").find_all("article"):
            if "<script" in str(art).lower():
                hits.append(f"{p.relative_to(built_site)}: <script in <article>")
    assert not hits, "\n".join(hits)


def test_guide_index_links_to_both_methods(method_pages: dict[str, str]) -> None:
    # the fixture discovers them from the index's links and fails if one is missing
    assert method_pages["google"] != method_pages["tool"]
    guide = method_pages["index"]
    assert method_pages["google"].startswith(guide + "part-1-"), method_pages
    assert method_pages["tool"].startswith(guide + "part-2-"), method_pages


def test_google_photos_method_has_4_steps(built_site: Path, method_pages: dict[str, str]) -> None:
    items = steps(article(built_site, method_pages["google"]))
    assert len(items) == 4, [text(li)[:80] for li in items]


def test_android_backup_tool_method_has_3_steps(
    built_site: Path, method_pages: dict[str, str]
) -> None:
    items = steps(article(built_site, method_pages["tool"]))
    assert len(items) == 3, [text(li)[:80] for li in items]


def test_six_captioned_screenshots_with_alt(built_site: Path, method_pages: dict[str, str]) -> None:
    """Each screenshot is a captioned figure: an image with alt text, or, when it could not be
    fetched (this build is offline), a note and a link to it, never a broken image."""
    pages = guide_articles(built_site, method_pages["index"])
    shots = [
        (page, figure)
        for page, art in pages.items()
        for figure in art("figure")
        if figure.find("img") or figure.select_one(".cg-shot-missing")
    ]
    assert len(shots) == 6, [f"{page}: {figure}" for page, figure in shots]
    for page, figure in shots:
        img = figure.find("img")
        if img is not None:
            assert str(img.get("alt", "")).strip(), f"{page}: no alt: {img}"
        else:
            note = figure.select_one(".cg-shot-missing")
            assert note is not None and "Screenshot not available" in note.get_text(), figure
            links = [str(a.get("href")) for a in note("a")]
            assert len(links) == 1 and links[0].startswith("https://"), figure
        caption = figure.find("figcaption")
        assert caption is not None and caption.get_text(strip=True), (
            f"{page}: screenshot without <figcaption>: {figure}"
        )


def test_search_index(built_site: Path) -> None:
    raw = (built_site / "search" / "search_index.json").read_text(encoding="utf-8")
    docs = json.loads(raw)["docs"]
    decoded = html.unescape(" ".join(f"{d.get('title', '')} {d.get('text', '')}" for d in docs))
    assert "Backup & Sync" in decoded, "search index lacks 'Backup & Sync'"
    assert any(s in raw for s in ("Backup & Sync", "Backup &amp; Sync", "Backup \\u0026 Sync"))
    hits = [junk for junk in JUNK if junk in raw or junk in decoded]
    assert not hits, f"junk in search/search_index.json: {hits}"


@pytest.mark.parametrize("needle", CONTENT_TEXTS)
def test_content_text_kept(built_site: Path, method_pages: dict[str, str], needle: str) -> None:
    pages = guide_articles(built_site, method_pages["index"])
    assert any(needle in text(art) for art in pages.values()), (
        f"{needle!r} is in none of {sorted(pages)}"
    )
