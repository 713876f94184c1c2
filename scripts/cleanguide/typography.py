"""Inline repairs for scraped prose: spacing around bold and links, stray spaces before commas.

Pure `str -> str` functions; code spans are never touched.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_BOLD = re.compile(r"(\*\*|__)(?=\S)([^*\n]*?\S)?\s*\1")
# Spaces after a word, before punctuation or a closing quote. Each starts at a space and looks
# back from there: a look-behind first would be tried at every position (4x slower).
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t](?<=[^\s(\[][ \t])[ \t]*([,.;:!?])(?=\s|$|\))")
_SPACE_BEFORE_CLOSING_QUOTE = re.compile(
    r"[ \t](?<=[^\s\"][ \t])[ \t]*([\"\u201d])(?=[\s,.;:!?)]|$)"
)
# a link's "[" (see _unglue_link: a look-behind in front would scan 3x slower). No part of a
# link pattern runs over another "[" or "]": a failed attempt then scans only up to the next
# bracket, so 20,000 "[a](" without ")" cost one pass, not 20,000 passes to the end.
_LINK_OPEN = re.compile(r"\[(?=[^\[\]\n]+\]\()")
_LINK_GLUED = re.compile(r"(\]\([^)\s\[\]]*\))(?=[^\W_])")
_INLINE_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^)\[\]]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")
_PUNCT_AFTER_SPACE = re.compile(r"[ \t][,.;:!?]")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_NOT_ALNUM = re.compile(r"[\W_]+")
# "Part 1.", "Method 2:", "Step 3 -", "4)" opening a title
_TITLE_LABEL = re.compile(
    r"(?:(?:part|method|fix|way|solution|option|approach|step)\s*)?\d{1,3}(?!\d)\s*[.:)\-–—]?\s*",
    re.IGNORECASE,
)


def _outside_code(text: str, fix: Callable[[str], str]) -> str:
    if "`" not in text:
        return fix(text)
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(fix(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(fix(text[pos:]))
    return "".join(out)


def _bold_repl(m: re.Match[str]) -> str:
    inner = (m.group(2) or "").strip()
    if not inner:
        return ""
    text, start, end = m.string, m.start(), m.end()
    # a match never ends in a letter, so the character before is the source's own; after a
    # word, or after a colon, comma or semicolon that ends one ("folders:**Windows**")
    before = " " if start and _ends_word(text, start) else ""
    after = " " if text[end : end + 1].isalnum() else ""
    return f"{before}{m.group(1)}{inner}{m.group(1)}{after}"


def _ends_word(text: str, end: int) -> bool:
    last = text[end - 1]
    return last.isalnum() or (last in ",;:" and end > 1 and text[end - 2].isalpha())


def _space_around_bold(text: str) -> str:
    """`to**bold** ,` → `to **bold**,`: scraped pages lose the spaces outside <strong>."""
    return _BOLD.sub(_bold_repl, text)


def _unglue_link(m: re.Match[str]) -> str:
    """`see[the docs](url)` -> `see [the docs](url)`: a space between a word and its link."""
    start = m.start()
    return " [" if start and m.string[start - 1].isalnum() else "["


def _may_have_spaced_punct(text: str) -> bool:
    # plain searches first: a regex scan stops at every space of the paragraph
    return (
        " ," in text
        or " ." in text
        or " ;" in text
        or " :" in text
        or " !" in text
        or " ?" in text
        or "\t" in text
    )


def _fix_prose(text: str) -> str:
    # each repair only where its trigger can occur: most paragraphs need none of them
    if "**" in text or "__" in text:
        text = _space_around_bold(text)
    if "](" in text:
        text = _LINK_OPEN.sub(_unglue_link, text)
        text = _LINK_GLUED.sub(r"\1 ", text)
    if '"' in text or "\u201d" in text:
        text = _SPACE_BEFORE_CLOSING_QUOTE.sub(r"\1", text)
    if _may_have_spaced_punct(text) and _PUNCT_AFTER_SPACE.search(text):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text


def tidy(text: str) -> str:
    """Repair inline spacing in one block of Markdown prose; strip each line's indent."""
    if "\n" in text:
        text = "\n".join(line for line in (ln.strip() for ln in text.split("\n")) if line)
    else:
        text = text.strip()
    return _outside_code(text, _fix_prose)


@functools.lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """Markdown inline text as plain text: for titles, alt text and slugs.

    Cached: the structurer asks again about the same headings and step titles.
    """
    if "](" in text:
        text = _INLINE_LINK.sub(r"\1", text)
    if "*" in text or "_" in text or "`" in text:
        text = _EMPHASIS.sub(r"\2", text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return " ".join(text.split())


def title_key(text: str) -> str:
    """What two spellings of one title share, to tell that a label names a heading.

    No leading "Part 1."-style label, no markup, case-folded letters and digits only:
    "**1\\. Use Disk Cleanup**" and "Use disk cleanup" both give "usediskcleanup".
    """
    text = plain(text)
    m = _TITLE_LABEL.match(text)
    if m:
        text = text[m.end() :]
    return _NOT_ALNUM.sub("", text.casefold())
