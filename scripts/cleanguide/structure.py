"""Structure: turn cleaned Markdown into the typed model (guide → sections → steps → figures).

Reads block by block: headings split sections, "Part/Method/Fix/Way/Solution N" headings make
methods, "Step N" paragraphs, ordered lists and "Step N" headings make steps, an image line
(plus the short caption line under it) makes a figure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from .clean import Cleaned
from .model import (
    Article,
    Block,
    BulletList,
    Code,
    Contents,
    Embed,
    Figure,
    Guide,
    Heading,
    Note,
    Paragraph,
    Procedure,
    Raw,
    Section,
    Step,
    line_starts,
)
from .slugs import slugify, unique_slug
from .titles import first_sentence, short_title
from .typography import plain, tidy

# --- tokens --------------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_LIST = re.compile(r"^( {0,3})([*+-]|\d{1,3}[.)])[ \t]+(.*)$")
_IMAGE_LINE = re.compile(
    r"^\s*\[?!\[(?P<alt>[^\]\n]*)\]\(\s*<?(?P<src>[^\s()<>]+)>?(?:\s+\"(?P<title>[^\"\n]*)\")?\s*\)"
    r"(?:\]\([^)\s]*\))?\s*$"
)
_IFRAME = re.compile(r"<iframe\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>", re.IGNORECASE)
_STEP = re.compile(
    r"^(?:\*\*|__)?\s*step[\s\u00a0]*(\d{1,3})\s*(?:\\?[.:)\-–—]\s*)?(?:\*\*|__)?[\s:.\-–—]*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_METHOD = re.compile(
    r"^(?:(?:part|method|fix|way|solution|option|approach)\s*(\d{1,3})|(\d{1,3}))"
    r"\s*(?:\\?[.:)\-–—]|\s)\s*(.*)$",
    re.IGNORECASE,
)
_NOTE = re.compile(
    r"^(?:\*\*|__)?(note|tip|warning|important|caution|notice)(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*",
    re.IGNORECASE,
)
_HTML_START = re.compile(r"<[a-zA-Z!/]")
_NON_WORD = re.compile(r"[^\w]+")
_IFRAME_CLOSE = re.compile(r"</iframe\s*>", re.IGNORECASE)
_ONLY_LINK = re.compile(r"^\[[^\]\n]*\]\([^)\s]*\)$")
_BULLET_CHARS = "•●▪◦·"
_CLOSING = re.compile(
    r"^(in this (article|post|guide)|in conclusion|to conclude|to sum up|in summary|all in all"
    r"|to wrap up|hope (this|these))\b",
    re.IGNORECASE,
)
_NOTE_KINDS = {"warning": "warning", "caution": "warning", "important": "warning", "tip": "tip"}


@dataclass(slots=True)  # not frozen: built once per block, and a frozen init costs 4x
class Tok:
    kind: str  # heading, para, list, code, html, quote, table
    text: str
    at: int
    """Offset of the token's first line in the tokenized text."""
    line_of: Callable[[int], int]
    level: int = 0
    items: tuple[tuple[str, str], ...] = ()  # list items: (marker, text)
    lang: str = ""

    @property
    def line(self) -> int:
        """Source line of the token (worked out when asked: few tokens are)."""
        return self.line_of(self.at)


def tokenize(text: str, line_of: Callable[[int], int]) -> list[Tok]:
    """Split Markdown into block tokens, each with its source line."""
    lines = text.split("\n")
    starts = line_starts(lines)
    toks: list[Tok] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        where = starts[i]
        if m := _FENCE.match(line):
            fence, j = m.group(1), i + 1
            while j < n and not lines[j].strip().startswith(fence):
                j += 1
            toks.append(Tok("code", "\n".join(lines[i + 1 : j]), where, line_of, lang=m.group(2)))
            i = j + 1
            continue
        if m := _HEADING.match(line):
            if m.group(2).strip():
                toks.append(
                    Tok("heading", m.group(2).strip(), where, line_of, level=len(m.group(1)))
                )
            i += 1
            continue
        if _LIST.match(line):
            items, i = _list(lines, i)
            toks.append(Tok("list", "", where, line_of, items=items))
            continue
        kind = "para"
        stripped = line.lstrip()
        if stripped.startswith(">"):
            kind = "quote"
        elif stripped.startswith("|"):
            kind = "table"
        elif _HTML_START.match(stripped):
            kind = "html"
        j = i + 1
        while (
            j < n
            and lines[j].strip()
            and not _HEADING.match(lines[j])
            and not _FENCE.match(lines[j])
        ):
            if kind == "para" and _LIST.match(lines[j]) and not _LIST.match(line):
                break
            j += 1
        toks.append(Tok(kind, line if j == i + 1 else "\n".join(lines[i:j]), where, line_of))
        i = j
    return toks


def _list(lines: list[str], i: int) -> tuple[tuple[tuple[str, str], ...], int]:
    """The list starting at line i: its (marker, text) items, and the line after it."""
    items: list[list[str]] = []
    markers: list[str] = []
    n = len(lines)
    while i < n:
        line = lines[i]
        m = _LIST.match(line)
        if m:
            markers.append(m.group(2))
            items.append([m.group(3)])
        elif line.strip():
            if _HEADING.match(line) or _FENCE.match(line):
                break
            items[-1].append(line)
        else:
            j = i + 1
            while j < n and not lines[j].strip():
                j += 1
            nxt = _LIST.match(lines[j]) if j < n else None
            if j < n and (nxt or lines[j].startswith(("  ", "\t"))):
                if nxt and _kind(nxt.group(2)) != _kind(markers[0]):
                    break
                i = j
                continue
            break
        i += 1
    return tuple((mk, "\n".join(it)) for mk, it in zip(markers, items, strict=True)), i


def _kind(marker: str) -> str:
    return "ol" if marker[0].isdigit() else "ul"


# --- blocks from tokens --------------------------------------------------------------------


def _figure_from(line: str) -> Figure | None:
    m = _IMAGE_LINE.match(line) if "![" in line else None
    if not m:
        return None
    return Figure(src=m.group("src"), alt=plain(m.group("alt")), title=m.group("title") or "")


def _is_caption(text: str, fig: Figure) -> bool:
    t = plain(text)
    if (
        not t
        or "\n" in text.strip()
        or len(t) > 100
        or "](" in text
        or text.lstrip().startswith(("**", "__"))
    ):
        return False
    if t.rstrip()[-1:] in ".:;!?,":
        return False
    return _norm(t) == _norm(fig.alt) or len(t.split()) <= 8


def _norm(text: str) -> str:
    return _NON_WORD.sub("", plain(text).casefold())


def merge_blocks(blocks: list[Block]) -> list[Block]:
    """Join what the source split by blank lines: a figure and its caption line, "•" runs."""
    merged: list[Block] = []
    for b in blocks:
        prev = merged[-1] if merged else None
        if (
            isinstance(b, Paragraph)
            and isinstance(prev, Figure)
            and not prev.caption
            and _is_caption(b.text, prev)
        ):
            merged[-1] = Figure(prev.src, prev.alt, plain(b.text), prev.title)
        elif (
            isinstance(b, BulletList)
            and isinstance(prev, BulletList)
            and not (b.ordered or prev.ordered)
        ):
            merged[-1] = BulletList(prev.items + b.items)
        else:
            merged.append(b)
    return merged


def prose_blocks(text: str) -> list[Block]:
    """Blocks of one paragraph-like chunk: image lines become figures, the rest paragraphs."""
    if "![" not in text and "<" not in text:
        return _classify_para(text)  # no figure or embed: one paragraph (or note, or list)
    out: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            para = "\n".join(buf)
            out.extend(_classify_para(para))
            buf.clear()

    for line in text.split("\n"):
        fig = _figure_from(line)
        if fig:
            flush()
            out.append(fig)
        elif "<" in line and (m := _IFRAME.search(line)):
            flush()
            out.append(Embed(url=m.group(1)))
        else:
            buf.append(line)
    flush()
    return merge_blocks(out)


def _classify_para(para: str) -> list[Block]:
    text = tidy(para)
    if not text:
        return []
    if m := _NOTE.match(text):
        kind = _NOTE_KINDS.get(m.group(1).lower(), "note")
        return [Note(kind, text[m.end() :].strip())]
    if text[:1] in _BULLET_CHARS:  # every line must open with a bullet, the first one too
        lines = text.split("\n")
        if all(ln[:1] in _BULLET_CHARS for ln in lines):
            return [BulletList(tuple(ln[1:].strip() for ln in lines))]
    return [Paragraph(text)]


def _token_blocks(tok: Tok) -> list[Block]:
    if tok.kind == "code":
        return [Code(tok.text, tok.lang)]
    if tok.kind == "heading":
        return [Heading(tidy(tok.text), tok.level)]
    if tok.kind in ("quote", "table"):
        return [Raw(tok.text)]
    if tok.kind == "html":
        embeds: list[Block] = [Embed(url=m.group(1)) for m in _IFRAME.finditer(tok.text)]
        rest = _IFRAME.sub("", tok.text)
        rest = _IFRAME_CLOSE.sub("", rest)
        return embeds + ([Raw(rest)] if rest.strip() else [])
    if tok.kind == "list":
        return _list_blocks(tok)
    return prose_blocks(tok.text)


def _list_blocks(tok: Tok) -> list[Block]:
    ordered = _kind(tok.items[0][0]) == "ol"
    texts = [t for _, t in tok.items]
    if all("\n" not in t.strip() and not ("![" in t and _IMAGE_LINE.match(t)) for t in texts):
        return [BulletList(tuple(tidy(t) for t in texts), ordered)]
    # items carrying images or several paragraphs: keep each item's blocks
    out: list[Block] = []
    for _, t in tok.items:
        out.extend(prose_blocks(t))
    return out


# --- steps ---------------------------------------------------------------------------------


def _step_start(tok: Tok) -> tuple[int, str, str] | None:
    """(number, title, body) when a token opens a "Step N"."""
    if tok.kind == "heading":
        m = _STEP.match(plain(tok.text))
        return (int(m.group(1)), m.group(2).strip(), "") if m else None
    if tok.kind != "para":
        return None
    m = _STEP.match(tok.text.strip())
    if not m:
        return None
    rest = m.group(2).strip()
    first, _, more = rest.partition("\n")
    title = ""
    if (
        not more
        and len(plain(first)) <= 80
        and plain(first)[-1:] not in ".!?"
        and "](" not in first
    ):
        title, rest = plain(first), ""
    return int(m.group(1)), title, rest


def _list_steps(tok: Tok) -> list[Step] | None:
    if tok.kind != "list":
        return None
    ordered = _kind(tok.items[0][0]) == "ol"
    if all(_ONLY_LINK.match(t.strip()) for _, t in tok.items):
        return None  # a list of links is a table of contents, not a procedure
    steps: list[Step] = []
    for k, (marker, text) in enumerate(tok.items):
        m = _STEP.match(text.strip())
        if m:
            number, body = int(m.group(1)), m.group(2)
        elif ordered:
            number, body = int(marker.rstrip(".)")) if marker[0].isdigit() else k + 1, text
        else:
            return None
        steps.append(Step(number, "", prose_blocks(body), tok.line))
    return steps


def _section_body(toks: list[Tok]) -> list[Block]:
    body: list[Block] = []
    proc: Procedure | None = None
    step: Step | None = None

    def add_step(s: Step) -> None:
        nonlocal proc, step
        if proc is None or not proc.steps or s.number <= proc.steps[-1].number:
            proc = Procedure()
            body.append(proc)
        proc.steps.append(s)
        step = s

    for tok in toks:
        start = _step_start(tok)
        if start:
            number, title, rest = start
            add_step(Step(number, title, prose_blocks(rest) if rest else [], tok.line))
            continue
        lsteps = _list_steps(tok)
        if lsteps and (lsteps[0].number == 1 or proc is not None):
            for s in lsteps:
                add_step(s)
            step = None  # prose after a list is not part of its last item…
            continue
        blocks = _token_blocks(tok)
        if tok.kind == "heading":
            step, proc = None, None
            body.extend(blocks)
        elif step is not None:
            step.blocks.extend(blocks)
        elif proc is not None and proc.steps and all(isinstance(b, (Figure, Code)) for b in blocks):
            proc.steps[-1].blocks.extend(blocks)  # …but its screenshot or command is
        else:
            proc = None if blocks and not all(isinstance(b, Figure) for b in blocks) else proc
            body.extend(blocks)
    for b in body:
        if isinstance(b, Procedure):
            for st in b.steps:
                st.blocks = merge_blocks(st.blocks)
    body = merge_blocks(body)
    _detach_trailing(body)
    return body


def _detach_trailing(body: list[Block]) -> None:
    """Prose after the last step's screenshot speaks about the method, not the step."""
    for idx in range(len(body) - 1, -1, -1):
        proc = body[idx]
        if not isinstance(proc, Procedure):
            continue
        last = proc.steps[-1]
        figs = [i for i, b in enumerate(last.blocks) if isinstance(b, Figure)]
        if figs and figs[0] > 0 and figs[0] < len(last.blocks) - 1:
            cut = figs[0] + 1
            while cut < len(last.blocks) and isinstance(last.blocks[cut], Figure):
                cut += 1
            tail, last.blocks[cut:] = last.blocks[cut:], []
            body[idx + 1 : idx + 1] = tail
        return


# --- the guide -----------------------------------------------------------------------------


def _method_number(title: str) -> int | None:
    m = _METHOD.match(plain(title))
    return int(m.group(1) or m.group(2)) if m and m.group(3).strip() else None


def build_guide(article: Article, cleaned: Cleaned, slug: str) -> Guide:
    """The typed guide for one cleaned article."""
    toks = tokenize(readable_text(cleaned), _line_mapper(article, cleaned))
    headings = [t for t in toks if t.kind == "heading"]
    numbered = [t.level for t in headings if _method_number(t.text) is not None]
    level = min(numbered) if numbered else min((t.level for t in headings), default=0)

    chunks: list[tuple[Tok | None, list[Tok]]] = [(None, [])]
    for tok in toks:
        if tok.kind == "heading" and tok.level <= level:
            chunks.append((tok, []))
        else:
            chunks[-1][1].append(tok)

    meta = article.meta
    title = str(meta.get("title", "")) or article.source
    tags = tuple(str(t) for t in meta.get("tags", ()) or ())
    categories = tuple(str(t) for t in meta.get("categories", ()) or ())
    guide = Guide(
        source=article.source,
        slug=slug,
        title=title,
        short_title=str(meta.get("short_title", "")) or short_title(title),
        description=str(meta.get("description", "")),
        date=_date(meta.get("date")),
        updated=_date(meta.get("updated")),
        tags=tags,
        topics=_topics(tags + categories),
    )
    taken: set[str] = {"index"}
    sections: list[Section] = []
    lead: list[Block] = []
    for head, body_toks in chunks:
        body = _section_body(body_toks)
        if head is None:
            lead.extend(body)
            continue
        title = plain(head.text)
        number = _method_number(head.text) if numbered else None
        sec = Section(title=title, body=body, number=number, line=head.line)
        sec.slug = unique_slug(slugify(plain(title)) or "section", taken)
        taken.add(sec.slug)
        sections.append(sec)

    methods = [i for i, s in enumerate(sections) if s.is_method]
    if not methods:
        guide.intro = lead + [b for s in sections for b in [Heading(s.title, 2), *s.body]]
        return _finish(guide)
    first, last = methods[0], methods[-1]
    guide.intro = lead + [b for s in sections[:first] for b in [Heading(s.title, 2), *s.body]]
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
        and _norm(guide.intro[0].text) == _norm(guide.title)
    ):
        guide.intro.pop(0)
    guide.intro = [_contents(b, guide.sections) for b in guide.intro]
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


def _topics(terms: tuple[str, ...]) -> tuple[str, ...]:
    """Tags and categories as one list of topics: the first spelling of each topic slug."""
    seen: set[str] = set()
    topics: list[str] = []
    for term in terms:
        key = slugify(term)
        if key not in seen:
            seen.add(key)
            topics.append(term)
    return tuple(topics)


def _contents(block: Block, sections: list[Section]) -> Block:
    """An intro list whose items name sections is the article's TOC: link it to the pages."""
    if not isinstance(block, BulletList) or not sections:
        return block
    keys = {_norm(s.title): i for i, s in enumerate(sections)}
    entries = []
    for item in block.items:
        text = plain(item)
        entries.append((text, keys.get(_norm(text))))
    if sum(1 for _, i in entries if i is not None) * 2 < len(entries):
        return block
    return Contents(tuple(entries))


def _date(value: object) -> dt.datetime | dt.date | None:
    return value if isinstance(value, (dt.date, dt.datetime)) else None


def _line_mapper(article: Article, cleaned: Cleaned) -> Callable[[int], int]:
    def line_of(offset: int) -> int:
        return article.line_of(cleaned.to_original(offset))

    return line_of


def readable_text(cleaned: Cleaned) -> str:
    """The cleaned text; where unwrapping a link glued two words together, a space between.

    `Cleaned.text` is exactly the kept characters (the audit depends on that), so the space
    is added here, at the joins, and nowhere else. Offsets shift by the inserted spaces only
    after a join, which is why the line mapper is built from `kept`, not from this text.
    """
    unwrapped = {p[0] for r in cleaned.removals if r.action == "unwrapped" for p in r.pieces}
    out: list[str] = []
    for k, (s, e) in enumerate(cleaned.kept):
        seg = cleaned.original[s:e]
        glued = (out[-1][-1:].isalnum() or out[-1][-1:] in ",;:") if out else False
        joined_after_unwrap = k and e > s and cleaned.kept[k - 1][1] in unwrapped
        if joined_after_unwrap and glued and seg[:1].isalnum():
            out.append(" ")
        out.append(seg)
    return "".join(out)
