"""searchsections.py divides a page into search sections exactly as Material's search parser
does, or leaves the page to that parser.

Every case compares `sections` with `material.plugins.search.plugin.Parser` on the same
HTML: hand-written cases for each of Material's rules, random HTML from a small grammar,
and every page of the development corpus as the build converts and sanitises it.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from material.plugins.search.plugin import Parser, SearchIndex
from mkdocs.config import load_config
from mkdocs.structure.files import File, InclusionLevel

from cleanguide import pipeline
from cleanguide.convert import Setup, _Converter
from cleanguide.searchsections import read_pages_with_sections, sections

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"


def material(html: str) -> list[tuple[Any, ...]]:
    parser = Parser()
    parser.feed(html)
    parser.close()
    return shape(parser.data)


def shape(found: list[Any]) -> list[tuple[Any, ...]]:
    return [(s.el.tag, s.id, s.title, s.text, s.depth, s.is_excluded()) for s in found]


def same_as_material(html: str) -> None:
    found = sections(html)
    assert found is not None, html
    assert shape(found) == material(html), html


@pytest.mark.parametrize(
    "html",
    [
        "",
        "plain text, no tag",
        '<p>Intro</p>\n<h2 id="a">First</h2>\n<p>One</p>\n<h2 id="b">Second</h2><p>Two</p>',
        '<h1 id="top">Title</h1><p>Text</p><h2 id="s">Sub</h2><p>More</p>',
        '<h2 id="x">A heading first, not h1</h2><p>text</p>',
        "<h2>no id: not a section</h2><p>text</p>",
        '<h2 id="p">Perma<a class="headerlink" href="#p" title="Link">¶</a></h2><p>x</p>',
        '<ol><li id="step-1"><h3 id="s1">Step</h3><p>Do it</p></li><li>Next</li></ol><p>after</p>',
        '<div><div><h2 id="deep">Deep</h2><p>in</p></div><p>out one</p></div><p>out two</p>',
        "<pre><code>line 1\n  line 2\n\n</code></pre><p>a\nb</p>",
        "<p>   </p><p>\n</p><ul>\n<li>\n</li>\n</ul><p>kept</p>",
        "<p>AT&amp;T &lt;tag&gt; &quot;q&quot; caf&eacute; &#169; &nbsp;x</p>",
        '<p>a<br>b<img src="x.png" alt="a &amp; b"><hr>c</p>',
        "<p>stray</li> end tags</div> are ignored</p>",
        "<ul><li>nested<ul><li>inner</li></ul></li></ul>",
        '<p><code>x</code> <sub>2</sub><sup>3</sup> <em>em</em> <a href="/y">link</a></p>',
        '<h2 id="t"><code>code</code> in a title</h2><p>t</p>',
        '<details class="note"><summary>Note</summary><p>body</p></details>',
        '<figure><img src="a.png"><figcaption>Cap\ntion</figcaption></figure>',
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>",
        '<input type="checkbox" checked><label for="x">Done</label>',
        '<h2 id="a &amp; b">Entity in an id</h2><p>x</p>',
        '<p\n  class="x"\n>spread over lines</p>',
        "<p>unclosed <b>bold",
    ],
)
def test_each_rule_of_material_is_followed(html: str) -> None:
    same_as_material(html)


@pytest.mark.parametrize(
    "html",
    [
        "<!-- a comment --><p>x</p>",
        "<script>var a = '<h2 id=x>'</script><p>x</p>",
        "<style>p { color: red }</style><p>x</p>",
        "<object data=x></object>",
        '<div data-search-exclude><h2 id="a">Hidden</h2></div>',
        '<table class="linenodiv"><tr><td>1</td></tr></table>',
        "<P>Upper case</P>",
        "<br/><p>self-closing</p>",
        "<p class=unquoted>x</p>",
        "<p class='single'>x</p>",
        "<p>a < b</p>",
        "<textarea><p>raw</p></textarea>",
        "<!DOCTYPE html><p>x</p>",
        '<a title="1 > 0">x</a>',
    ],
)
def test_what_it_does_not_follow_is_left_to_material(html: str) -> None:
    assert sections(html) is None


_TAGS = ["p", "div", "li", "ul", "ol", "pre", "code", "a", "span", "em", "h1", "h2", "h3"]
_VOIDS = ["br", "img", "hr", "input"]
_TEXTS = ["word", " ", "\n", "  two words ", "AT&amp;T", "&lt;x&gt;", "\n  indented\n", "¶"]


def random_html(rng: random.Random, size: int) -> str:
    """Tags, void tags, stray end tags and text in any order: well nested or not."""
    out: list[str] = []
    open_tags: list[str] = []
    for _ in range(size):
        roll = rng.random()
        if roll < 0.3:
            tag = rng.choice(_TAGS)
            attrs = ""
            if tag.startswith("h") and rng.random() < 0.7:
                attrs += f' id="s{rng.randrange(99)}"'
            if tag == "a" and rng.random() < 0.5:
                attrs += ' class="headerlink" href="#s"'
            if rng.random() < 0.2:
                attrs += ' title="a &amp; b"'
            out.append(f"<{tag}{attrs}>")
            open_tags.append(tag)
        elif roll < 0.5 and open_tags:
            out.append(f"</{open_tags.pop()}>")
        elif roll < 0.55:
            out.append(f"</{rng.choice(_TAGS)}>")  # stray, or closing an outer element
        elif roll < 0.62:
            out.append(f"<{rng.choice(_VOIDS)}>")
        else:
            out.append(rng.choice(_TEXTS))
    return "".join(out)


def test_random_html_divides_as_material_divides_it() -> None:
    rng = random.Random(20261130)
    compared = 0
    for case in range(3000):
        html = random_html(rng, rng.randrange(1, 60))
        try:
            expected = material(html)
        except ValueError:  # Material's parser fails on some: so does this reader
            with pytest.raises(ValueError):
                sections(html)
            continue
        found = sections(html)
        assert found is not None, (case, html)
        assert shape(found) == expected, (case, html)
        compared += 1
    assert compared > 2000


@pytest.fixture(scope="module")
def corpus_pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """Every generated page of the development corpus: its path and its HTML as the build
    converts and sanitises it, with this site's Markdown extensions."""
    content = tmp_path_factory.mktemp("content")
    for article in CORPUS.glob("*.md"):
        shutil.copy(article, content)
    result = pipeline.build(content, site_name="Clean Guides")
    config = load_config(str(ROOT / "mkdocs.yml"))
    files = [
        File(p.path, None, config.site_dir, True, inclusion=InclusionLevel.INCLUDED)
        for p in result.pages
    ]
    converter = _Converter(Setup.of(config, files))
    return [(p.path, converter.convert(p.path, p.body).content) for p in result.pages]


def test_every_corpus_page_divides_as_material_divides_it(
    corpus_pages: list[tuple[str, str]],
) -> None:
    assert len(corpus_pages) > 40
    for path, html in corpus_pages:
        found = sections(html)
        assert found is not None, path  # sanitised pages are all read here
        assert shape(found) == material(html), path


def test_material_search_index_uses_it_and_still_falls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The site's search index divides pages with `sections`; Material's own parser only
    reads the pages `sections` leaves to it, and the entries are Material's."""

    def page(content: str) -> Any:
        return SimpleNamespace(content=content, toc=[], url="guide/", meta={}, title="Guide")

    ours = SearchIndex(lang=["en"])
    config = SimpleNamespace(plugins={"material/search": SimpleNamespace(search_index=ours)})
    assert read_pages_with_sections(config)  # type: ignore[arg-type]
    assert read_pages_with_sections(config)  # type: ignore[arg-type]  # (twice: no harm)
    feeds: list[str] = []
    real_feed = Parser.feed
    monkeypatch.setattr(
        Parser, "feed", lambda self, data: (feeds.append(data), real_feed(self, data))
    )
    usual = '<p>Intro</p><h2 id="a">A<a class="headerlink" href="#a">¶</a></h2><p>Text</p>'
    unusual = '<p>Intro</p><!-- note --><h2 id="b">B</h2><p>Text</p>'
    ours.add_entry_from_context(page(usual))
    assert feeds == []
    ours.add_entry_from_context(page(unusual))
    assert feeds == [unusual]
    theirs = SearchIndex(lang=["en"])
    theirs.add_entry_from_context(page(usual))
    theirs.add_entry_from_context(page(unusual))
    assert ours.entries == theirs.entries
    assert [e["location"] for e in ours.entries] == ["guide/", "guide/#a", "guide/", "guide/#b"]


def test_other_search_indexes_are_left_alone() -> None:
    other = SimpleNamespace(add_entry_from_context=print)
    config = SimpleNamespace(plugins={"search": SimpleNamespace(search_index=other)})
    assert not read_pages_with_sections(config)  # type: ignore[arg-type]
    assert other.add_entry_from_context is print
