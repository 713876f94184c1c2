"""inline.py: trying on each text only the inline patterns it can hold changes no HTML.

Each known pattern's character is checked against its regular expression (no text without
it matches), and the HTML, table of contents and anchors of pages are compared with
Python-Markdown's own processor: hand-written cases, random Markdown from a small grammar
of inline syntax, and every generated page of the development corpus and the hostile
articles, with this site's extensions.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path
from typing import Any

import markdown
import pytest
from markdown.inlinepatterns import LINK_RE, InlineProcessor
from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor
from mkdocs.config import load_config
from mkdocs.structure.files import File, InclusionLevel

from cleanguide import convert, pipeline
from cleanguide.convert import Setup, _Converter
from cleanguide.inline import NEEDS, NeededPatterns, needed, use_needed_patterns

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile" / "articles"
CONFIG = load_config(str(ROOT / "mkdocs.yml"))


def site_markdown(needed_only: bool) -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=list(CONFIG.markdown_extensions), extension_configs=dict(CONFIG.mdx_configs)
    )
    if needed_only:
        assert use_needed_patterns(md)
    return md


def outcome(md: markdown.Markdown, text: str) -> tuple[str, Any]:
    md.reset()
    return md.convert(text), getattr(md, "toc_tokens", None)


def same_html(texts: list[str]) -> None:
    plain, needed_only = site_markdown(False), site_markdown(True)
    for text in texts:
        assert outcome(needed_only, text) == outcome(plain, text), text


# --- each pattern's character --------------------------------------------------------------


def test_every_pattern_of_the_site_but_emphasis_has_its_character() -> None:
    """The site's inline patterns are known ones: only the emphasis processor, which keeps
    state from text to text, is tried on every text (a new Python-Markdown whose patterns
    are no longer known would fail here, not slow down unseen)."""
    md = site_markdown(True)
    untried = [
        name
        for name, p in zip(md.inlinePatterns._priority, md.inlinePatterns, strict=True)
        if needed(p) is None
    ]
    assert [item.name for item in untried] == ["em_strong"]
    assert isinstance(md.treeprocessors["inline"], NeededPatterns)
    assert md.treeprocessors.get_index_for_name("inline") == (
        site_markdown(False).treeprocessors.get_index_for_name("inline")
    )


@pytest.mark.parametrize("expression", sorted(NEEDS), ids=lambda e: repr(NEEDS[e]))
def test_no_text_without_the_character_matches(expression: str) -> None:
    need = NEEDS[expression]
    compiled = re.compile(expression, re.DOTALL | re.UNICODE)
    rng = random.Random(expression)
    alphabet = [*"ab Z9 \n\t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~é→", "  \n", "http://", "a@b"]
    tried = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        while need in text:
            text = text.replace(need, need[1:] or " ")
        assert compiled.search(text) is None, (need, text)
        tried += 1
    assert tried == 3000
    examples = {
        "\\": "a \\* b",
        "[": "a [b](c) ![d](e)",
        "<": "<http://a.b> <i> <me@a.b>",
        "&": "&amp;",
        "  \n": "a  \nb",
        "`": "`a`",
    }
    assert compiled.search(examples[need]) is not None  # the character is what it needs


def test_other_patterns_are_always_tried() -> None:
    class Own(InlineProcessor):
        pass

    assert needed(Own(LINK_RE)) == "["  # Python-Markdown's expression, whatever the class
    assert needed(Own(r"\[\[")) is None
    assert needed(Own(r"~~")) is None
    assert needed(object()) is None


def test_an_extensions_own_inline_processor_is_left_in_place() -> None:
    class Theirs(InlineTreeprocessor):
        pass

    md = markdown.Markdown()
    theirs = Theirs(md)
    md.treeprocessors.register(theirs, "inline", 20)
    assert not use_needed_patterns(md)
    assert md.treeprocessors["inline"] is theirs and type(theirs) is Theirs


def test_the_converter_uses_it() -> None:
    files = [File("guides/a/index.md", None, "site", True, inclusion=InclusionLevel.INCLUDED)]
    converter = _Converter(Setup.of(CONFIG, files))
    assert isinstance(converter.md.treeprocessors["inline"], NeededPatterns)
    assert convert.use_needed_patterns is use_needed_patterns


def test_a_pattern_that_writes_text_of_its_own_has_every_pattern_tried() -> None:
    """The footnotes extension writes its marker's text itself: '&amp;' in it is an entity
    in a text the page's own text, without '&', would not have the entity pattern tried on
    (found by a red-team pass). With such a pattern every pattern is tried, as in Markdown."""
    extensions = [*CONFIG.markdown_extensions, "footnotes"]
    configs = {**CONFIG.mdx_configs, "footnotes": {"SUPERSCRIPT_TEXT": "`&amp;`"}}
    plain = markdown.Markdown(extensions=extensions, extension_configs=configs)
    needed_only = markdown.Markdown(extensions=extensions, extension_configs=configs)
    assert use_needed_patterns(needed_only)
    text = "x[^1]\n\n[^1]: y\n"
    assert outcome(needed_only, text) == outcome(plain, text)
    assert "<code>&amp;</code>" in outcome(needed_only, text)[0]


# --- the same HTML --------------------------------------------------------------------------

CASES = [
    "Plain text, nothing to try.",
    'A [link](https://example.com/a_b) and ![an image](x.png "t") and [ref][r]\n\n[r]: /r',
    "*em* **strong** ***both*** _u_ __uu__ snake_case_word 2 * 3 * 4",
    "**bold [link *inside*](u)** and `code [not a link](u)` and \\*escaped\\*",
    "Entities &amp; &#38; &#x26; & plain, <b>tag</b>, <http://a.b/c>, <me@example.com>",
    "A line break  \nthen more *text*  \nand `code`  \nend",
    "[outer [inner](a)](b) ![[x](y)](z) [a]: [b]",
    "`` a ` b `` then ``` c ``` and \\` and \\\\`code`",
    "# Heading *em* [link](#a) `code`\n\n## Second &amp; <i>third</i>\n",
    "- item *one* [a](b)\n- item `two`\n    - nested **three** &copy;\n",
    "> quote with *emphasis* and <span>html</span>\n> and a [link](u)",
    "1. step [one](a)  \n   continued\n2. step <kbd>Ctrl</kbd> & more",
    '!!! note "Title *em*"\n    Body [link](u) and `code`.\n',
    '<figure markdown="1">\n![shot](a.png)\n<figcaption markdown="1">Caption *em* '
    "[x](y)</figcaption>\n</figure>\n",
    "Text {: .cls } and [link](u){: .btn }\n{: #id }",
    "| a *b* | `c` |\n|---|---|\n| [d](e) | &amp; |\n",
    "```python\n[not](a) *not*\n```\n\nafter *yes*",
    "Unclosed [bracket and <angle and &entity and `tick and *star and _under",
    "\\[not a link](u) \\<not a tag> \\&amp; \\`not code`",
]


def test_hand_written_cases_convert_the_same() -> None:
    same_html(CASES)


def random_markdown(rng: random.Random) -> str:
    pieces = [
        "word",
        " ",
        " ",
        "\n",
        "  \n",
        "\n\n",
        "*",
        "**",
        "_",
        "__",
        "[",
        "]",
        "(",
        ")",
        "![",
        "](u)",
        "<",
        ">",
        "<b>",
        "</b>",
        "<http://a.b>",
        "<me@a.b>",
        "&",
        "&amp;",
        ";",
        "`",
        "``",
        "\\",
        "\\*",
        "\\[",
        "é",
        "- ",
        "1. ",
        "# ",
        "> ",
        "{: .c }",
        '"',
    ]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))


def test_random_markdown_converts_the_same() -> None:
    rng = random.Random(11)
    same_html([random_markdown(rng) for _ in range(2500)])


@pytest.fixture(scope="module")
def generated_pages(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every generated page of the development corpus and the hostile articles."""
    texts = []
    for folder in (CORPUS, HOSTILE):
        content = tmp_path_factory.mktemp("content")
        for article in folder.glob("*.md"):
            shutil.copy(article, content)
        texts += [page.body for page in pipeline.build(content, site_name="Guides").pages]
    return texts


def test_every_generated_page_converts_the_same(generated_pages: list[str]) -> None:
    assert len(generated_pages) > 60
    same_html(generated_pages)
