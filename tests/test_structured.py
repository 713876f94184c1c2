"""The schema.org HowTo of each page with steps: every step of the page, in order, with its
text, screenshots and anchor; escaped so that no article text can end its script element."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag

from cleanguide import pipeline
from cleanguide.structured import HOWTO_META, add_to_head, script_element

STEPS = Path(__file__).parent / "fixtures" / "steps"
_STEP_ITEM = re.compile(r'<li id="([^"]+)"')


def flatten(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every HowToStep and HowToSection in reading order (a section before its steps)."""
    out = []
    for item in steps:
        out.append(item)
        out += flatten(item.get("itemListElement", []))
    return out


def test_every_step_of_every_page_is_in_its_howto_in_order(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(STEPS, content, ignore=shutil.ignore_patterns("*.outline"))
    result = pipeline.build(content)
    checked = sections = 0
    for page in result.pages:
        anchors = _STEP_ITEM.findall(page.body)
        if not anchors:
            assert HOWTO_META not in page.meta, page.path
            continue
        howto = json.loads(page.meta[HOWTO_META])
        assert howto["@context"] == "https://schema.org" and howto["@type"] == "HowTo"
        assert howto["name"] and howto["name"] in page.meta["title"]
        items = flatten(howto["step"])
        assert [i["url"] for i in items] == ["#" + a for a in anchors], page.path
        for item in items:
            assert item["@type"] in ("HowToStep", "HowToSection")
            assert item["text"].strip(), (page.path, item)
            if item["@type"] == "HowToSection":
                sections += 1
                assert item["itemListElement"], item
        checked += len(items)
    assert checked > 40 and sections >= 4, (checked, sections)


def test_a_steps_text_is_what_the_page_says_without_its_html(tmp_path: Path) -> None:
    """schema.org reads `text` as plain text: raw HTML in a step gives its words, and a
    script or style element nothing, as on the page."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "keys.md").write_text(
        "---\ntitle: Copy text\ndate: 2024-05-05\n---\n\nIntro.\n\n## Method 1: Keys\n\n"
        "Step 1. Open the <b>Advanced</b> tab. "
        "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script>\n\n"
        "Step 2. Press <kbd>Ctrl</kbd> + <kbd>C</kbd> &amp; paste <style>p{color:red}</style>"
        "it into **Notes**.\n",
        encoding="utf-8",
    )
    (page,) = [p for p in pipeline.build(content).pages if HOWTO_META in p.meta]
    texts = [i["text"] for i in flatten(json.loads(page.meta[HOWTO_META])["step"])]
    assert texts == ["Open the Advanced tab.", "Press Ctrl + C & paste it into Notes."]


def test_the_seed_pages_carry_their_howto(built_site: Path, method_pages: dict[str, str]) -> None:
    for key in ("google", "tool"):
        path = built_site / method_pages[key] / "index.html"
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        scripts = soup.find_all("script", type="application/ld+json")
        assert len(scripts) == 1 and scripts[0].parent.name == "head", key
        howto = json.loads(scripts[0].string)
        article = soup.find("article")
        assert isinstance(article, Tag)
        page_url = soup.find("link", rel="canonical")["href"]  # type: ignore[index]
        assert howto["name"] == article.h1.get_text(strip=True).rstrip("¶")  # type: ignore[union-attr]
        assert howto["url"] == page_url
        items = flatten(howto["step"])
        lis = article.select("ol.cg-steps > li[id]")
        assert [i["url"] for i in items] == [f"{page_url}#{li['id']}" for li in lis]
        for item, li in zip(items, lis, strict=True):
            shown = " ".join(li.get_text(" ").split())
            words = re.findall(r"\w+", item["text"])
            assert all(w in shown for w in words), (item["text"], shown)
            # each screenshot of the step: the image the zoom opens, or the original's URL
            expected = []
            for figure in li.find_all("figure"):
                link = figure.find("a", class_="glightbox") or figure.find("a")
                expected.append(urljoin(page_url, str(link["href"])))  # type: ignore[index]
            assert item.get("image", []) == expected, (item, expected)
            assert all(urlsplit(u).scheme in ("http", "https") for u in expected)


@pytest.mark.parametrize(
    "text", ["</script><script>alert(1)</script>", "<!-- <script>", "a & b > c", "\u2028x"]
)
def test_the_json_cannot_end_its_script_element(text: str) -> None:
    howto = json.dumps({"@type": "HowTo", "name": text, "step": [{"url": "#step-1"}]})
    element = script_element(howto, "https://example.org/guides/a/part-1/")
    body = element.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in body and ">" not in body and "&" not in body and "\u2028" not in body
    data = json.loads(body)
    assert data["name"] == text
    assert data["step"][0]["url"] == "https://example.org/guides/a/part-1/#step-1"
    page = add_to_head("<html><head><title>t</title></head><body></body></html>", element)
    assert page.index(element) < page.index("</head>")
