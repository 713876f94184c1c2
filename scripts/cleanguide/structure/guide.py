"""The guide: a cleaned article made into sections, methods, an intro and closing remarks.

`build_guide` tokenizes the readable text the cleaner returns, splits it into sections at
its top headings ("Part/Method/Fix/Way/Solution N" headings make methods), builds each
section's body (steps.py), and finishes the guide: the article's own table of contents
linked (contents.py), a description from the first sentence, topics from tags and
categories, the language of its text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from .. import languages
from ..clean import Cleaned
from ..diagnostics import Diagnostic, Severity
from ..labels import CARDINALS, METHOD_WORDS, NUMBER_SIGN, alternation
from ..model import Article, Block, Guide, Heading, Paragraph, Section
from ..slugs import slugify, unique_slug
from ..titles import first_sentence, short_title
from ..typography import plain, title_key
from .blocks import Tok, norm, tokenize
from .contents import as_contents, contents_paragraphs, contents_targets, is_contents_list
from .steps import section_body, step_label

_METHOD = re.compile(
    rf"^(?:(?P<labelled>{alternation(METHOD_WORDS)})\s*(?:{NUMBER_SIGN}\s*)?"
    rf"(?:(?P<n>\d{{1,3}})|(?P<word>{'|'.join(CARDINALS)})\b)|(?P<bare>\d{{1,3}}))"
    r"\s*(?:\\?[.:：)\-–—]|\s)\s*(?P<title>.*)$",
    re.IGNORECASE,
)
_BOLD_PARAGRAPH = re.compile(r"(\*\*|__)([^\n*_]+)\1[ \t]*")
_CLOSING = re.compile(
    r"^(in this (article|post|guide)|in conclusion|to conclude|to sum up|in summary|all in all"
    r"|to wrap up|hope (this|these))\b",
    re.IGNORECASE,
)


def _method_number(title: str, *, labelled: bool = False) -> int | None:
    """The number of a method heading ("Method 2: …", "Fix #3 …", "Solution Five: …",
    "2. …"; with `labelled`, not a bare "2. …"), None if it is not one (or has no title
    after its number, or is a bare number before a question)."""
    m = _METHOD.match(plain(title))
    if m is None or not m.group("title").strip() or (labelled and not m.group("labelled")):
        return None
    if not m.group("labelled") and m.group("title").rstrip().endswith(("?", "？", "؟")):
        return None  # "1. Does it delete my files?": an FAQ's question, not a method
    if m.group("word"):
        return CARDINALS.index(m.group("word").lower()) + 1
    return int(m.group("n") or m.group("bare"))


def _bold_method_headings(toks: list[Tok]) -> list[Tok]:
    """A paragraph that is only a bold method label with a title ("**Method 4: PowerShell**")
    is that method's heading: at the level of the article's numbered method headings, else one
    below the heading before it. A bold "**1. Open it**" is no method (it has no method word)."""
    levels = [t.level for t in toks if t.kind == "heading" and _method_number(t.text) is not None]
    out: list[Tok] = []
    above = 1
    for tok in toks:
        if tok.kind == "heading":
            above = tok.level
        elif tok.kind == "para" and tok.text.startswith(("**", "__")):
            m = _BOLD_PARAGRAPH.fullmatch(tok.text)
            if m and _method_number(m.group(2), labelled=True) is not None:
                level = min(levels) if levels else min(6, above + 1)
                tok = Tok("heading", m.group(2).strip(), tok.at, tok.line_of, level=level)
        out.append(tok)
    return out


def _is_title(heading: Tok, article: Article) -> bool:
    return title_key(heading.text) == title_key(article.meta.title)


def build_guide(article: Article, cleaned: Cleaned, slug: str) -> Guide:
    """The typed guide for one cleaned article; its warnings go to `Guide.diagnostics`."""
    toks = tokenize(cleaned.readable, _line_mapper(article, cleaned))
    # an article that opens with its title as an H1 (the title of one without front matter
    # comes from there): the page shows it as its title, not as a section
    if toks and toks[0].kind == "heading" and toks[0].level == 1 and _is_title(toks[0], article):
        toks = toks[1:]
    toks = _bold_method_headings(toks)
    diagnostics: list[Diagnostic] = []

    def warn(line: int, message: str) -> None:
        diagnostics.append(Diagnostic(Severity.WARNING, article.source, message, line, "structure"))

    # a "Step N" heading is a step, never the start of a section
    headings = [t for t in toks if t.kind == "heading" and step_label(plain(t.text)) is None]
    numbered = [t.level for t in headings if _method_number(t.text) is not None]
    level = min(numbered) if numbered else min((t.level for t in headings), default=0)
    splits = {id(t) for t in headings if t.level <= level}

    @functools.cache  # asked only about lists that could be a table of contents
    def heading_keys() -> frozenset[str]:
        return frozenset(title_key(t.text) for t in toks if t.kind == "heading") - {""}

    def is_contents(tok: Tok) -> bool:
        return is_contents_list(tok, heading_keys)

    chunks: list[tuple[Tok | None, list[Tok]]] = [(None, [])]
    for tok in toks:
        if id(tok) in splits:
            chunks.append((tok, []))
        else:
            chunks[-1][1].append(tok)

    meta = article.meta
    guide = Guide(
        source=article.source,
        slug=slug,
        title=meta.title,
        short_title=meta.short_title or short_title(meta.title),
        description=meta.description,
        date=meta.date,
        updated=meta.updated,
        tags=meta.tags,
        topics=_topics(meta.tags + meta.categories, warn),
        lang=meta.lang or languages.detect(meta.title + "\n" + cleaned.text) or "",
        diagnostics=diagnostics,
    )
    taken: set[str] = {"index"}
    sections: list[Section] = []
    lead: list[Block] = []
    for head, body_toks in chunks:
        body = section_body(body_toks, warn, is_contents)
        if head is None:
            lead.extend(body)
            continue
        title = plain(head.text)
        number = _method_number(head.text) if numbered else None
        sec = Section(title=title, body=body, number=number, line=head.line, heading=head.text)
        sec.slug = unique_slug(slugify(plain(title)) or "section", taken)
        taken.add(sec.slug)
        sections.append(sec)

    methods = [i for i, s in enumerate(sections) if s.is_method]
    if not methods:
        guide.intro = lead + [
            b for s in sections for b in [Heading(s.heading or s.title, 2), *s.body]
        ]
        return _finish(guide)
    first, last = methods[0], methods[-1]
    guide.intro = lead + [
        b for s in sections[:first] for b in [Heading(s.heading or s.title, 2), *s.body]
    ]
    guide.sections = sections[first:]
    # a closing remark at the end of the last method belongs to the whole guide
    tail = sections[last].body
    while tail and isinstance(tail[-1], Paragraph) and _CLOSING.match(tail[-1].text):
        guide.closing.insert(0, tail.pop())
    return _finish(guide)


def _finish(guide: Guide) -> Guide:
    # the farm repeats the title as the first heading; the page title already says it
    if (
        guide.intro
        and isinstance(guide.intro[0], Heading)
        and norm(guide.intro[0].text) == norm(guide.title)
    ):
        guide.intro.pop(0)
    targets = functools.cache(lambda: contents_targets(guide.sections))
    guide.intro = contents_paragraphs(guide.intro, targets)
    guide.intro = [as_contents(b, targets) for b in guide.intro]
    # further on, only a list of in-page links is taken for contents ("[Part 2](#part2)")
    for blocks in (*(s.body for s in guide.sections), guide.closing):
        blocks[:] = [as_contents(b, targets, in_page=True) for b in blocks]
    if not guide.description:
        guide.description = _summary(guide)
    return guide


def _summary(guide: Guide) -> str:
    """The first sentence of the first paragraph of the intro (else of the first method)."""
    blocks = guide.intro + [b for s in guide.sections for b in s.body]
    for b in blocks:
        if isinstance(b, Paragraph):
            sentence = first_sentence(plain(b.text))
            if sentence:
                return sentence
    return ""


MAX_TOPICS = 12
"""Topics a guide is listed under. Every page that lists a guide shows its topics, and each
topic is a page listing its guides: an article with 1,000 tags made 1,000 pages of 1,000
links each (95 MB, 74 s)."""


def _topics(terms: tuple[str, ...], warn: Callable[[int, str], None]) -> tuple[str, ...]:
    """Tags and categories as one list of topics: the first spelling of each topic slug, the
    first `MAX_TOPICS` of them (with a warning naming how many were left out)."""
    seen: set[str] = set()
    topics: list[str] = []
    for term in terms:
        key = slugify(term)
        if key not in seen:
            seen.add(key)
            topics.append(term)
    if len(topics) > MAX_TOPICS:
        warn(
            1,
            f"{len(topics)} tags and categories: the guide is listed under the first "
            f"{MAX_TOPICS}, {len(topics) - MAX_TOPICS} left out",
        )
    return tuple(topics[:MAX_TOPICS])


def _line_mapper(article: Article, cleaned: Cleaned) -> Callable[[int], int]:
    def line_of(offset: int) -> int:
        return article.line_of(cleaned.readable_to_original(offset))

    return line_of
