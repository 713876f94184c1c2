"""The library: order, topics, related guides, paged lists, catalogue (library.py)."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from cleanguide import audit, pipeline
from cleanguide.cache import Cache
from cleanguide.library import RELATED_MAX, Card, Library, link_keys
from cleanguide.listings import (
    PAGE_SIZE,
    _rel,
    catalog_json,
    home_overview,
    library_pages,
    related_section,
)

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"


def make_card(slug: str, title: str, topics: tuple[str, ...] = (), **kw: object) -> Card:
    if "links" in kw:
        kw["links"] = tuple((t, tuple(link_keys(t))) for t in kw["links"])  # type: ignore[attr-defined]
    fields: dict[str, object] = {
        "source": f"{slug}.md",
        "slug": slug,
        "title": title,
        "short_title": title,
        "description": f"About {title}.",
        "date": "2024-01-01",
        "updated": "",
        "topics": topics,
        "methods": 2,
        "steps": 5,
    }
    fields.update(kw)
    return Card(**fields)  # type: ignore[arg-type]


def page_texts(lib: Library) -> dict[str, str]:
    return {p.path: p.text for p in library_pages(lib)}


def linked_guides(text: str, page: str = "guides/index.md") -> list[str]:
    """Slugs of the guide home pages a page links to, in order (not topics or the index)."""
    out = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
        if m := re.fullmatch(r"guides/([\w-]+)/index\.md", path):
            out.append(m.group(1))
    return out


def test_order_is_by_title_numbers_by_value_and_case_insensitive() -> None:
    cards = [
        make_card("c", "part 10 of the tool"),
        make_card("a", "Part 9 of the tool"),
        make_card("b", "apple backup"),
    ]
    lib = Library.of(cards)
    assert [c.slug for c in lib.cards] == ["b", "a", "c"]
    assert linked_guides(page_texts(lib)["guides/index.md"]) == ["b", "a", "c"]


def test_index_is_paged_and_every_guide_is_listed_once() -> None:
    n = PAGE_SIZE * 2 + 7
    lib = Library.of(make_card(f"g{i:03}", f"Guide {i:03}") for i in range(n))
    texts = page_texts(lib)
    index_pages = sorted(p for p in texts if re.fullmatch(r"guides/(index|page-\d+)\.md", p))
    assert index_pages == ["guides/index.md", "guides/page-2.md", "guides/page-3.md"]
    listed = [
        s
        for p in ("guides/index.md", "guides/page-2.md", "guides/page-3.md")
        for s in linked_guides(texts[p])
    ]
    assert listed == [f"g{i:03}" for i in range(n)]
    assert "[Next ›](page-2.md)" in texts["guides/index.md"]
    assert "[‹ Previous](page-2.md)" in texts["guides/page-3.md"]
    assert "[1](index.md)" in texts["guides/page-3.md"]


def test_topics_merge_tags_and_categories_spelled_alike() -> None:
    lib = Library.of(
        [
            make_card("a", "Alpha", ("Windows 11", "Backup")),
            make_card("b", "Beta", ("windows-11",)),
            make_card("c", "Gamma", ("Backup",)),
        ]
    )
    assert [(t.name, t.guides) for t in lib.topics] == [
        ("Backup", ("a", "c")),
        ("Windows 11", ("a", "b")),
    ]
    texts = page_texts(lib)
    topic = "topics/windows-11/index.md"
    assert linked_guides(texts[topic], topic) == ["a", "b"]
    assert "[Windows 11](windows-11/index.md) (2)" in texts["topics/index.md"]


def test_related_guides_from_a_local_farm_link_and_shared_topics() -> None:
    farm = "https://common-error.techidaily.com/fixing-error-0x80070005-on-windows-11/"
    elsewhere = "https://win11.techidaily.com/a-guide-that-is-not-in-this-library/"
    cards = [
        make_card("a", "Alpha", ("windows",), links=(elsewhere, farm)),
        make_card("fix-0x5", "Fixing Error 0x80070005 on Windows 11", ()),
        make_card("c", "Gamma", ("windows", "update")),
        make_card("d", "Delta", ("windows",), updated="2025-01-01"),
    ]
    lib = Library.of(cards)
    related = {r.slug: r.reasons for r in lib.related["a"]}
    assert list(related) == ["fix-0x5", "d", "c"]  # the link first, then by recency
    assert related["fix-0x5"] == (f"the article links to it: {farm}",)
    assert related["d"] == ("shares topics: windows",)
    section = related_section(lib, "a")
    assert "techidaily" not in section
    assert linked_guides(section, "guides/a/index.md") == ["fix-0x5", "d", "c"]


def test_no_related_guide_from_links_to_articles_not_in_the_library() -> None:
    cards = [
        make_card("a", "Alpha", links=("https://x.example/some-other-article/",)),
        make_card("b", "Beta"),
        make_card("windows", "Windows", links=()),
    ]
    lib = Library.of([*cards, make_card("c", "C", links=("https://x.example/tag/windows/",))])
    assert lib.related["a"] == []
    # a one-word segment ("windows") names a tag page, not an article
    assert lib.related["c"] == []
    assert related_section(lib, "a") == ""


def test_related_guides_by_front_matter_url() -> None:
    cards = [
        make_card("a", "Alpha", links=("http://www.example.com/guides/b?ref=x",)),
        make_card("b", "Beta", own_urls=("https://example.com/guides/b/",)),
    ]
    assert [r.slug for r in Library.of(cards).related["a"]] == ["b"]


def test_related_guides_are_capped() -> None:
    cards = [make_card(f"g{i}", f"Guide {i}", ("shared",)) for i in range(20)]
    lib = Library.of(cards)
    assert all(len(r) == RELATED_MAX for r in lib.related.values())


def test_lists_escape_article_text() -> None:
    hostile = '<img src=x onerror="alert(1)"> [x](javascript:alert(1)) *bold*'
    lib = Library.of(
        [make_card("a", hostile, (hostile,), description=hostile), make_card("b", "B", (hostile,))]
    )
    md = markdown.Markdown(extensions=["md_in_html", "attr_list"])
    bodies = {p.path: p.body for p in library_pages(lib)}
    pages = {**bodies, "home": home_overview(lib), "related": related_section(lib, "b")}
    for path, text in pages.items():
        soup = BeautifulSoup(md.reset().convert(text), "html.parser")
        assert not soup.find_all(["img", "em"]), path
        assert not [a for a in soup.find_all("a") if a["href"].startswith("javascript")], path
        assert not [t for t in soup.find_all(True) if any(k.startswith("on") for k in t.attrs)]
        assert '<img src=x onerror="alert(1)">' in soup.get_text(), path


def test_catalogue_lists_every_guide_in_order() -> None:
    lib = Library.of([make_card("b", "Beta", ("t",)), make_card("a", "Alpha")])
    data = json.loads(catalog_json(lib, lambda path: "/" + path.removesuffix("index.md")))
    assert [g["title"] for g in data["guides"]] == ["Alpha", "Beta"]
    assert data["guides"][1]["url"] == "/guides/b/"
    assert data["guides"][1]["topics"] == [["t", "/topics/t/"]]


def test_home_overview_lists_newest_and_updated() -> None:
    lib = Library.of(
        [
            make_card("old", "Old", date="2020-01-01", updated="2024-06-01"),
            make_card("new", "New", date="2024-05-01"),
        ]
    )
    overview = home_overview(lib)
    newest, updated = overview.split("## Recently updated")
    assert linked_guides(newest, "index.md") == ["new", "old"]
    assert linked_guides(updated, "index.md") == ["old"]


@pytest.fixture
def two_articles(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    # 19228832084's link farm points at this title slug on the farm's host
    target = "Guide: Restoring Your Computer's Graphics Capabilities After D3DERR Failure"
    shutil.copy(CORPUS / "19228832084.md", content / "wudfhost.md")
    (content / "d3derr.md").write_text(
        f'---\ntitle: "{target}"\ntags: [win10]\n---\n\n## Part 1. Reinstall\n\n'
        "Step 1 Open Device Manager.\n",
        encoding="utf-8",
    )
    return content


def test_a_removed_farm_item_naming_a_local_article_becomes_a_related_guide(
    two_articles: Path,
) -> None:
    result = pipeline.build(two_articles)
    home = next(p for p in result.pages if p.path == "guides/wudfhost/index.md")
    assert "## Related guides" in home.text
    assert "[Guide: Restoring Your Computer's Graphics" in home.text.replace("\\", "")
    assert "(../d3derr/index.md)" in home.text
    assert "Also read" not in home.text and "techidaily" not in home.text
    record = audit.audit_record(result.articles[1], result.library)
    assert record["source"] == "wudfhost.md"
    (chosen,) = [r for r in record["related"] if r["guide"] == "d3derr"]
    assert chosen["why"][0].startswith("the article links to it: https://common-error.")
    assert "shares topics: win10" in chosen["why"]


def test_the_library_is_restored_as_made_and_taken_from_the_cache_while_no_card_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CORPUS, content, ignore=shutil.ignore_patterns("INDEX.tsv"))
    cache = Cache(tmp_path / "cache.sqlite")
    first = pipeline.build(content, cache=cache, site_name="Clean Guides")
    lib = first.library
    assert lib.related and lib.topics  # something to restore
    derived = json.loads(json.dumps(lib.derived_json()))  # as the cache keeps it
    assert Library.restored(lib.cards[::-1], lib.refused, derived) == lib

    def no_library(*_: object, **__: object) -> Library:
        raise AssertionError("the library was made again")

    with monkeypatch.context() as patch:
        patch.setattr(Library, "of", no_library)
        again = pipeline.build(content, cache=cache, site_name="Clean Guides")
    assert again.library == lib
    assert [(p.path, p.text) for p in again.pages] == [(p.path, p.text) for p in first.pages]

    # another site name, or a changed card, makes it again
    made: list[int] = []
    of = Library.of.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(Library, "of", classmethod(lambda cls, *a: made.append(1) or of(cls, *a)))
    pipeline.build(content, cache=cache, site_name="Other Guides")
    assert made == [1]
    article = next(content.glob("*.md"))
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("title:", "title: Renamed,", 1), encoding="utf-8")
    renamed = pipeline.build(content, cache=cache, site_name="Clean Guides")
    assert made == [1, 1]
    assert any("Renamed," in c.title for c in renamed.library.cards)
    # a link added (the card's links: related guides may change) makes it again too
    article.write_text(text + "\n[More](https://example.org/d3derr/)\n", encoding="utf-8")
    linked = pipeline.build(content, cache=cache, site_name="Clean Guides")
    assert made == [1, 1, 1]
    assert any("https://example.org/d3derr/" in dict(c.links) for c in linked.library.cards)
    pipeline.build(content, cache=cache, site_name="Clean Guides")
    assert made == [1, 1, 1]  # and then it is taken from the cache again


_SEGMENT = st.text(alphabet="abc-", min_size=1, max_size=3)


@given(st.lists(_SEGMENT, max_size=3), st.lists(_SEGMENT, max_size=3), _SEGMENT, _SEGMENT)
def test_relative_links_are_relpath(
    target: list[str], page: list[str], target_name: str, page_name: str
) -> None:
    """Between two files of the docs folder, `_rel` is `posixpath.relpath`."""
    target_path = "/".join([*target, target_name + ".md"])
    page_path = "/".join([*page, page_name + ".md"])
    expected = posixpath.relpath(target_path, posixpath.dirname(page_path) or ".")
    assert _rel(target_path, page_path) == expected


@given(st.text(max_size=80))
def test_nav_text_prints_as_the_same_text_and_no_markup(text: str) -> None:
    """Printed as Material prints a title: as it is into text, and through Jinja's `e`
    filter into an attribute (the footer's aria-label); both read back as the title."""
    from html.parser import HTMLParser

    import jinja2

    from cleanguide.pages import nav_text

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.text, self.tags, self.label = "", 0, None

        def handle_data(self, data: str) -> None:
            self.text += data

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags += 1
            self.label = dict(attrs).get("aria-label", self.label)

        handle_startendtag = handle_starttag

    template = jinja2.Environment().from_string(
        '<p><a aria-label="Next: {{ title | e }}">{{ title }}</a></p>'
    )
    parser = Collect()
    parser.feed(template.render(title=nav_text(text)))
    parser.close()
    assert parser.tags == 2  # the <p> and the <a> alone
    assert parser.text == text
    assert parser.label == f"Next: {text}"


def test_nav_text_is_escaped_once_for_text_and_attributes() -> None:
    from markupsafe import Markup, escape

    from cleanguide.pages import nav_text

    label = nav_text('Q&A: "Backup & Sync" <b> Windows\'')
    # (in the forms the site's search separator splits words on: mkdocs.yml)
    assert label == "Q&amp;A: &quot;Backup &amp; Sync&quot; &lt;b&gt; Windows&#39;"
    assert isinstance(label, Markup) and escape(label) == label
    assert search_words(label) == ["Q", "A", "Backup", "Sync", "b", "Windows"]


def search_words(html_text: str) -> list[str]:
    """The words the site's search makes of indexed HTML: Material's worker splits it with
    mkdocs.yml's separator, a global regular expression matched left to right, as
    `re.split` does."""
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    found = re.search(r"^\s*separator: '(.*)'$", config, re.M)
    assert found is not None
    separator = found.group(1).replace("''", "'")  # (YAML's single-quoted string)
    return [w for w in re.split(separator, html_text) if w]


def test_search_splits_words_at_entities_after_a_space_too() -> None:
    # the separator once matched " &" as a run of separators and left "lt;Enter"
    text = "Press &lt;Enter&gt; in &quot;Backup &amp; Sync&quot; (Windows&#39; own)"
    assert search_words(text) == ["Press", "Enter", "in", "Backup", "Sync", "Windows", "own"]
    assert search_words("AT&amp;T R&amp;D: v1.2 backupTool") == [
        *("AT", "T", "R", "D", "v1.2", "backup", "Tool"),
    ]
    # a page's front matter title (html.escape: ' as &#x27;), which a section may take
    assert search_words("Windows&#x27; &#x27;own&#x27; tools") == ["Windows", "own", "tools"]
