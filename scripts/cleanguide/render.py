"""Render: the typed guide as Markdown pages for MkDocs Material.

Everything that came from an article passes through `neutralise_markdown` (prose) or
`escape_text` (titles, alt text, captions) on its way into a page; the Markdown scaffolding
around it (lists, admonitions, captions, front matter) is ours.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import parse_qs, urlsplit

import yaml

from .model import (
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
    Step,
)
from .reader import YAML_STR_TAG, plain_scalar_tag
from .sanitize import neutralise_markdown
from .slugs import topic_slug

INDENT = "    "
GUIDES_DIR = "guides"
TOPICS_DIR = "topics"


@dataclass(frozen=True, slots=True)
class PageFile:
    """One generated Markdown page: its path under the docs folder, front matter and body."""

    path: str
    body: str
    meta: Mapping[str, str] = field(default_factory=dict)
    """Front matter (title, description...), values HTML-escaped as Material prints them."""
    label: str = ""
    """The page's name in navigation, breadcrumbs and previous/next links, if not its title."""

    @property
    def text(self) -> str:
        """The page as a Markdown file: the front matter, then the body."""
        if not self.meta:
            return self.body
        return "---\n" + _yaml_mapping(self.meta) + "---\n\n" + self.body


def page_file(path: str, title: str, body: str, description: str = "", label: str = "") -> PageFile:
    """A page whose front matter holds its title (and description) and nothing else."""
    return PageFile(path, body, page_meta(title, description), label)


@dataclass(frozen=True, slots=True)
class LocalImage:
    """A screenshot copied into the site: where it lives there and its real pixel size."""

    site_path: str
    width: int
    height: int


# a link (not an image) to "#...": starts at "[" and looks back (a leading look-behind is slower)
_FRAGMENT_LINK = re.compile(r"\[(?<!!\[)([^\[\]\n]*)\]\(\s*#[^)\s]*\s*\)")


def prose(text: str) -> str:
    """Article prose for a page: neutralised, in-page `#anchor` links of the source unlinked.

    The source page's anchors (`#part2-1`) do not exist on our pages; the text stays.
    """
    if "](" in text:  # _FRAGMENT_LINK cannot match otherwise
        text = _FRAGMENT_LINK.sub(r"\1", text)
    return neutralise_markdown(text)


_MD_SPECIAL = "\\`*_{}[]()#+-.!|~"
# One pass doing html.escape(quote=False) and then backslash-escaping _MD_SPECIAL: the
# entities it writes (&amp; &lt; &gt;) hold no Markdown punctuation.
_ESCAPE_TEXT = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: "\\" + c for c in _MD_SPECIAL}}
)


def escape_text(text: str) -> str:
    """Plain text as inert Markdown: HTML-escaped, Markdown punctuation backslash-escaped."""
    return " ".join(text.split()).translate(_ESCAPE_TEXT)


def _meta_value(text: str) -> str:
    # Material prints page.meta values into HTML unescaped: escape them here, once.
    return html.escape(" ".join(text.split()), quote=True)


def page_meta(title: str, description: str = "") -> dict[str, str]:
    """Front matter of a generated page: its title and description, escaped."""
    data = {"title": _meta_value(title)}
    if description:
        data["description"] = _meta_value(description)
    return data


def front_matter(title: str, description: str = "", **extra: object) -> str:
    """A YAML block that always opens a generated page, so no body line is read as metadata."""
    data: dict[str, object] = {**page_meta(title, description), **extra}
    return "---\n" + _yaml_mapping(data) + "---\n\n"


# `yaml.safe_dump` costs about 0.3 ms per page. `_yaml_mapping` writes the common case (a
# flat mapping of identifier keys to one-line strings) itself, exactly as PyYAML's emitter
# would, and hands anything else to PyYAML. tests/test_render.py compares the two on
# generated strings.
_YAML_KEY_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")  # PyYAML: simple keys < 128
# Anything PyYAML would write double-quoted or across lines (control and format characters,
# line breaks, BOM, surrogates, U+FFFE/U+FFFF/U+10FFFF), or that `_yaml_scalar` does not
# model, takes the slow path.
_YAML_SLOW_CHAR_RE: Final = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffe]"
)
# PyYAML's analyze_scalar "block indicators" for text of the characters above: these (or a
# leading or trailing space) rule out a plain scalar in block context.
_YAML_BLOCK_INDICATOR_RE: Final = re.compile(
    r"\A(?:---|\.\.\.|[#,\[\]{}&*!|>'\"%@`]|[?:-](?: |\Z))|: |:\Z| #"
)
_YAML_SPACES_RE: Final = re.compile("( +)")
_YAML_WIDTH: Final = 80  # PyYAML's best_width
_YAML_INDENT: Final = 2  # PyYAML's best_indent


def _yaml_mapping(data: Mapping[str, object]) -> str:
    """`yaml.safe_dump(data, allow_unicode=True, sort_keys=False)`, faster for plain strings."""
    lines = []
    for key, value in data.items():
        line = _yaml_simple_item(key, value)
        if line is None:
            return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        lines.append(line)
    return "".join(lines)


def _yaml_implicit_str(text: str) -> bool:
    # The serializer lets a str be plain only if reading it back plain gives a str (not a
    # bool, int, float, null, timestamp, merge or value key).
    return plain_scalar_tag(text) == YAML_STR_TAG


def _yaml_simple_item(key: object, value: object) -> str | None:
    """`key: value` as PyYAML writes it in a top-level block mapping, or None if not modelled."""
    if not (
        isinstance(key, str)
        and isinstance(value, str)
        and _YAML_KEY_RE.fullmatch(key)
        and _yaml_implicit_str(key)
        and _YAML_SLOW_CHAR_RE.search(value) is None
    ):
        return None
    if (
        _yaml_implicit_str(value)
        and not value.startswith(" ")
        and not value.endswith(" ")
        and _YAML_BLOCK_INDICATOR_RE.search(value) is None
    ):
        # Plain (Emitter.write_plain): a lone space past the width becomes a line break.
        if len(key) + 2 + len(value) <= _YAML_WIDTH:
            return f"{key}: {value}\n"  # no space lies past the width
        out = [key, ": "]
        column = len(key) + 2
        for k, part in enumerate(_YAML_SPACES_RE.split(value)):
            if k % 2 and part == " " and column > _YAML_WIDTH:
                out.append("\n" + " " * _YAML_INDENT)
                column = _YAML_INDENT
            else:
                out.append(part)
                column += len(part)
        out.append("\n")
        return "".join(out)
    # Single-quoted (Emitter.write_single_quoted): quotes doubled; a lone space past the
    # width becomes a line break unless it is the first or last character.
    quoted = value.replace("'", "''")
    if len(key) + 3 + len(quoted) <= _YAML_WIDTH:
        return f"{key}: '{quoted}'\n"  # no space lies past the width
    out = [key, ": '"]
    column = len(key) + 3
    parts = _YAML_SPACES_RE.split(value)
    for k, part in enumerate(parts):
        if k % 2 and part == " " and column > _YAML_WIDTH and parts[k - 1] and parts[k + 1]:
            out.append("\n" + " " * _YAML_INDENT)
            column = _YAML_INDENT
        else:
            quoted = part.replace("'", "''")
            out.append(quoted)
            column += len(quoted)
    out.append("'\n")
    return "".join(out)


_LANG_JUNK = re.compile(r"[^\w+-]")
_EMBED_PATH = re.compile(r"/embed/([\w-]{6,20})")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line.strip() else "" for line in text.split("\n"))


class _PageWriter:
    """Renders blocks for one page, tracking what needs per-page state (first image)."""

    def __init__(
        self,
        page_path: str,
        images: Mapping[str, LocalImage],
        links: Mapping[int, str],
        counts: Mapping[int, int] | None = None,
    ):
        self.page_path = page_path
        self.images = images
        self.links = links
        self.counts = counts or {}
        self.seen_image = False

    def blocks(self, blocks: list[Block], base_level: int = 1) -> str:
        return "\n\n".join(filter(None, (self.block(b, base_level) for b in blocks)))

    def block(self, b: Block, base_level: int = 1) -> str:
        if isinstance(b, Paragraph):
            return prose(b.text)
        if isinstance(b, Heading):
            level = min(6, max(2, b.level - base_level + 1))
            return "#" * level + " " + escape_text(b.text)
        if isinstance(b, Figure):
            return self.figure(b)
        if isinstance(b, Note):
            return f"!!! {b.kind}\n" + _indent(prose(b.text), INDENT)
        if isinstance(b, BulletList):
            if b.ordered:
                return "\n".join(f"{i}. {prose(t)}" for i, t in enumerate(b.items, 1))
            return "\n".join(f"- {prose(t)}" for t in b.items)
        if isinstance(b, Code):
            fence = "~~~~" if "```" in b.text else "```"
            lang = _LANG_JUNK.sub("", b.lang)
            return f"{fence}{lang}\n{b.text}\n{fence}"
        if isinstance(b, Raw):
            return prose(b.text)
        if isinstance(b, Embed):
            return self.embed(b)
        if isinstance(b, Procedure):
            return self.procedure(b)
        if isinstance(b, Contents):
            return self.contents(b)
        raise TypeError(f"no renderer for {type(b).__name__}")

    def figure(self, f: Figure) -> str:
        local = self.images.get(f.src)
        attrs = []
        if local is not None:
            src = posixpath.relpath(local.site_path, posixpath.dirname(self.page_path) or ".")
            attrs += [f'width="{local.width}"', f'height="{local.height}"']
        else:
            src = f.src
        if self.seen_image:
            attrs.append('loading="lazy"')
        self.seen_image = True
        alt = f.alt or f.caption or posixpath.basename(urlsplit(f.src).path)
        caption = f.caption or f.alt
        attr_list = "{ " + " ".join(attrs) + " }" if attrs else ""
        out = f"![{escape_text(alt)}](<{_url(src)}>){attr_list}"
        if caption:
            out += f"\n/// caption\n{escape_text(caption)}\n///"
        return out

    def embed(self, e: Embed) -> str:
        url = e.url if not e.url.startswith("//") else "https:" + e.url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return ""
        label = "Watch the video"
        m = _EMBED_PATH.match(parts.path)
        if (
            parts.hostname
            and parts.hostname.endswith(("youtube.com", "youtube-nocookie.com"))
            and m
        ):
            url, label = (
                f"https://www.youtube.com/watch?v={m.group(1)}",
                "Watch the video on YouTube",
            )
        elif parts.hostname and "youtube.com" in parts.hostname and "v" in parse_qs(parts.query):
            label = "Watch the video on YouTube"
        return f"[{label}](<{_url(url)}>)"

    def procedure(self, p: Procedure) -> str:
        items = []
        for k, step in enumerate(p.steps, 1):
            items.append(f"{k}.  " + self.step(step)[len(INDENT) :])
        return "\n\n".join(items)

    def step(self, s: Step) -> str:
        parts = []
        if s.title:
            parts.append(f"**{escape_text(s.title)}**")
        body = self.blocks(s.blocks)
        if body:
            parts.append(body)
        if not parts:
            parts.append(f"Step {s.number}")
        return _indent("\n\n".join(parts), INDENT)

    def contents(self, c: Contents) -> str:
        lines = []
        for text, idx in c.entries:
            target = self.links.get(idx) if idx is not None else None
            n = self.counts.get(idx, 0) if idx is not None else 0
            count = f" — {n} step{'s' if n != 1 else ''}" if n else ""
            lines.append(
                f"- [{escape_text(text)}]({target}){count}" if target else f"- {escape_text(text)}"
            )
        return "\n".join(lines)


_URL_UNSAFE = re.compile(r"[<>\s]")


def _url(url: str) -> str:
    # inside <...> a URL may hold spaces and parentheses but not angle brackets or newlines
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group(0)):02X}", url)


def _date_text(value: dt.date | None) -> str:
    if value is None:
        return ""
    day = value.date() if isinstance(value, dt.datetime) else value
    return day.isoformat()


def render_guide(guide: Guide, images: Mapping[str, LocalImage] | None = None) -> list[PageFile]:
    """All pages of one guide: its home page, then one page per method.

    Links between the pages, to topics and to screenshots are relative and the same at any
    `guides/<slug>/`, so the pages can be moved to another slug as they are.
    """
    images = images or {}
    folder = f"{GUIDES_DIR}/{guide.slug}"
    methods = guide.methods
    links = {i: f"{s.slug}.md" for i, s in enumerate(guide.sections) if s.is_method}
    pages: list[PageFile] = []

    home_path = f"{folder}/index.md"
    counts = {i: s.step_count for i, s in enumerate(guide.sections)}
    w = _PageWriter(home_path, images, links, counts)
    parts = [f"# {escape_text(guide.title)}"]
    facts = []
    if guide.date:
        facts.append(f"Published {_date_text(guide.date)}")
    if guide.updated:
        facts.append(f"updated {_date_text(guide.updated)}")
    if facts:
        parts.append("*" + " · ".join(facts) + "*")
    if guide.topics:
        topics = [
            f"[{escape_text(t)}]({posixpath.relpath(topic_path(t), folder)})" for t in guide.topics
        ]
        parts.append("Topics: " + " · ".join(topics))
    intro = w.blocks(guide.intro, 2)
    if intro:
        parts.append(intro)
    if methods and not any(isinstance(b, Contents) for b in guide.intro):
        parts.append("## Methods")
    if methods:
        overview = []
        for i, s in enumerate(guide.sections):
            if s.is_method:
                steps = s.step_count
                count = f" — {steps} step{'s' if steps != 1 else ''}" if steps else ""
                overview.append(f"- [{escape_text(s.title)}]({links[i]}){count}")
        if not any(isinstance(b, Contents) for b in guide.intro):
            parts.append("\n".join(overview))
    for s in guide.sections:
        if not s.is_method:
            parts.append(f"## {escape_text(s.title)}")
            parts.append(w.blocks(s.body, 1))
    if guide.closing:
        parts.append(w.blocks(guide.closing, 2))
    pages.append(
        page_file(home_path, guide.title, _join(parts), guide.description, guide.short_title)
    )

    for i, s in enumerate(guide.sections):
        if not s.is_method:
            continue
        path = f"{folder}/{links[i]}"
        w = _PageWriter(path, images, links)
        context = f"*From the guide* [{escape_text(guide.title)}](index.md)"
        body = [f"# {escape_text(s.title)}", context, w.blocks(s.body, 2)]
        pages.append(
            page_file(path, f"{s.title} · {guide.short_title}", _join(body), label=s.title)
        )
    return pages


def topic_path(name: str) -> str:
    """The page of a topic (a tag or category) in the docs folder."""
    return f"{TOPICS_DIR}/{topic_slug(name)}/index.md"


def _join(parts: list[str]) -> str:
    return "\n\n".join(p for p in parts if p.strip()) + "\n"
