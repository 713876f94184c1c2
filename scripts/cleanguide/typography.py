"""Inline repairs for scraped prose: spacing around bold and links, stray spaces before commas.

Pure `str -> str` functions; code spans are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import chain

from .labels import METHOD_WORDS, STEP_WORDS, alternation
from .text import code_spans

_BOLD = re.compile(r"(\*\*|__)(?=\S)([^*\n]*?\S)?\s*\1")
# Spaces after a word, before punctuation or a closing quote. Each pattern starts with the
# character it is about and looks back from there (the regex engine finds that character
# first instead of trying a look-behind at every position; tests/test_scanners.py checks
# each against its look-behind-first form).
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t](?<=[^\s(\[][ \t])[ \t]*([,.;:!?])(?=\s|$|\))")
_SPACE_BEFORE_CLOSING_QUOTE = re.compile(
    r"[ \t](?<=[^\s\"][ \t])[ \t]*([\"\u201d])(?=[\s,.;:!?)]|$)"
)
# A link glued to the word before it, or after it. No part of a link pattern runs over
# another "[" or "]": a failed attempt then scans only up to the next bracket, so 20,000
# "[a](" without ")" cost one pass, not 20,000 to the end.
_WORD_THEN_LINK = re.compile(r"\[(?<=[^\W_]\[)(?=[^\[\]\n]+\]\()")
_LINK_GLUED = re.compile(r"(\]\([^)\s\[\]]*\))(?=[^\W_])")
# Outside code spans (text.code_spans): an escaped character; then a link or an image,
# whose text shows (with what was set aside in it)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^)\[\]]*\)")
# Emphasis as Python-Markdown reads it: no space inside its delimiters; "_" only between
# words ("snake_case_name", "DRIVER_IRQL_NOT_LESS" are text), "*" also within one (a*b*c).
# Underscores first: whether one stands between words is read beside the stars around it.
# What is emphasised holds no mark of its kind but one between words (`_`) or a single one
# (`**`, `__`), within a line and 300 characters: an opener nothing closes reads no further
# than the next mark, and every try is short.
_EMPHASIS = (
    re.compile(r"(?<!\w)__(?=\S)((?:[^_\n]|_(?!_)){1,300}?)(?<=\S)__(?!\w)"),
    re.compile(r"(?<!\w)_(?=[^\s_])((?:[^_\n]|(?<=\w)_(?=\w)){1,300}?)(?<=[^\s_])_(?!\w)"),
    re.compile(r"\*\*(?=\S)((?:[^*\n]|\*(?!\*)){1,300}?)(?<=\S)\*\*"),
    re.compile(r"\*(?=[^\s*])([^*\n]{1,300}?)(?<=[^\s*])\*"),
)
# where plain() takes the character it marks what it set aside with
_PRIVATE_USE = (range(0xE000, 0xF900), range(0xF0000, 0xFFFFE))
_NOT_ALNUM = re.compile(r"[\W_]+")
# "Part 1.", "Method 2:", "Step 3 -", "4)" opening a title
_TITLE_LABEL = re.compile(
    rf"(?:(?:{alternation((*METHOD_WORDS, *STEP_WORDS))})\s*)?\d{{1,3}}(?!\d)\s*[.:：)\-–—]?\s*",
    re.IGNORECASE,
)


def _outside_code(text: str, fix: Callable[[str], str]) -> str:
    if "`" not in text:
        return fix(text)  # no code span
    out: list[str] = []
    pos = 0
    for start, end in code_spans(text):
        out.append(fix(text[pos:start]))
        out.append(text[start:end])
        pos = end
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


def _fix_prose(text: str) -> str:
    # each repair only on text holding what it repairs: most paragraphs need none of them
    # (tests/test_scanners.py checks this against the repairs run on every text)
    if "**" in text or "__" in text:
        text = _space_around_bold(text)
    if "](" in text:
        text = _WORD_THEN_LINK.sub(" [", text)  # `see[the docs](url)` -> `see [the docs](url)`
        text = _LINK_GLUED.sub(r"\1 ", text)  # `[the docs](url)now` -> `[the docs](url) now`
    if '"' in text or "\u201d" in text:
        text = _SPACE_BEFORE_CLOSING_QUOTE.sub(r"\1", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def tidy(text: str) -> str:
    """Repair inline spacing in one block of Markdown prose; strip each line's indent."""
    text = "\n".join(line for line in (ln.strip() for ln in text.split("\n")) if line)
    return _outside_code(text, _fix_prose)


def plain(text: str) -> str:
    """Markdown inline text as plain text, as Markdown would show it: for titles, alt text
    and slugs. Links and images show their text; code spans and escaped characters stay as
    written (`\\*` is a star, `a_b` in backticks keeps its underscores); emphasis marks go."""
    literals: list[str] = []
    if "`" in text or "\\" in text or "](" in text:
        text, literals = _set_aside_literals(text)
    return " ".join(_restore_literals(_without_emphasis(text), literals).split())


def _without_emphasis(text: str) -> str:
    if "*" in text or "_" in text:
        for emphasis in _EMPHASIS:
            text = emphasis.sub(r"\1", text)
    return text


def _set_aside_literals(text: str) -> tuple[str, list[str]]:
    """`text` with each code span, escaped character and link replaced by its index between
    two marks (a private-use character `text` does not hold); the list of what they show,
    the mark last (none if there was nothing to set aside, or no character to mark with)."""
    held = set(text)
    mark = next((chr(c) for c in chain(*_PRIVATE_USE) if chr(c) not in held), None)
    if mark is None:
        return text, []
    literals: list[str] = []

    def keep(shown: str) -> str:
        literals.append(shown)
        return f"{mark}{len(literals) - 1}{mark}"

    out, done = [], 0
    for start, end in [*code_spans(text), (len(text), len(text))]:
        out.append(_ESCAPE.sub(lambda m: keep(m.group(1)), text[done:start]))
        if start < end:
            ticks = len(text[start:end]) - len(text[start:end].lstrip("`"))
            out.append(keep(text[start + ticks : end - ticks]))
        done = end
    marked = [*literals, mark]

    def link(m: re.Match[str]) -> str:  # its text, what it holds set aside shown
        return keep(_restore_literals(_without_emphasis(m.group(1)), marked))

    text = _LINK.sub(link, "".join(out))
    return text, [*literals, mark] if literals else []


def _restore_literals(text: str, literals: list[str]) -> str:
    """`text` with each mark pair (`_set_aside_literals`) replaced by what it stands for."""
    if not literals:
        return text
    parts = text.split(literals[-1])
    return "".join(literals[int(part)] if k % 2 else part for k, part in enumerate(parts))


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
