"""Render: the typed guide as Markdown pages for MkDocs Material (one concern, one file).

`render_guide` writes a guide's home page and one page per method; `_PageWriter` writes the
blocks of one page, with what a page holds per page (the first screenshot, the ids taken,
the steps' HowTo items). Everything that came from an article goes in through
pagefile.py's `prose` or `escape_text`; the Markdown scaffolding around it (lists,
admonitions, front matter) is ours. Steps and captions are the places it is
HTML that md_in_html renders as Markdown: `<ol start="N">` lists, because Markdown lists
cannot show an author's numbers (they count from 1), and `<figure>` with its `<figcaption>`
(the HTML pymdownx's caption block makes, without loading that extension: its import
compiles patterns for 0.09 s in every build). The writer's block kinds, screenshots,
step lists and contents all read the same per-page state, which is why they stay together.
"""

from __future__ import annotations

import html
import itertools
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from . import localrefs
from .budget import Allowance, literal
from .defaults import GUIDES_DIR, topic_home
from .languages import LANG_META
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
    day,
)
from .pagefile import PageFile, escape_text, join_parts, page_file, prose
from .slugs import slugify, topic_slug, unique_slug
from .structured import HOWTO_META, howto_item, howto_json
from .text import code_spans

INDENT = "    "


@dataclass(frozen=True, slots=True)
class LocalImage:
    """A screenshot copied into the site: where it lives there and its real pixel size."""

    site_path: str
    """The original file: the zoom view opens it."""
    width: int
    height: int
    renditions: tuple[tuple[str, int], ...] = ()
    """(site path, width) of each smaller WebP copy, smallest first: what the page shows."""


@dataclass(frozen=True, slots=True)
class MissingImage:
    """A screenshot that could not be fetched: the page shows a placeholder linking to it."""

    reason: str


SHOWN_SIZES = "(min-width: 1220px) 720px, 100vw"
"""The `sizes` of a screenshot: Material's content column is at most about 720 CSS pixels
wide (from 1220 pixels of window on), the whole width below."""
STEPS_CLASS = "cg-steps"
"""The class of the lists of steps (cleanguide.js adds the follow-along controls to them)."""
DOTTED_CLASS = "cg-dotted"
"""Sub-steps numbered with their phase's number: "2.1", "2.2" (cleanguide.css)."""
MISSING_CLASS = "cg-shot-missing"


_LANG_JUNK = re.compile(r"[^\w+-]")
_EMBED_PATH = re.compile(r"/embed/([\w-]{6,20})")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line.strip() else "" for line in text.split("\n"))


class _PageWriter:
    """Renders blocks for one page, tracking what needs per-page state (first image, ids)."""

    def __init__(
        self,
        page_path: str,
        images: Mapping[str, LocalImage | MissingImage],
        links: Mapping[int, str],
        counts: Mapping[int, int] | None = None,
        anchors: Mapping[tuple[int, str], str] | None = None,
        section: int | None = None,
        directory_urls: bool = True,
        allowance: Allowance | None = None,
        targets: Mapping[str, str | None] | None = None,
    ):
        self.page_path = page_path
        self.url_dir = page_url_dir(page_path, directory_urls)
        """The folder of the page's URL: attributes MkDocs does not rewrite are relative to it."""
        self.images = images
        self.fetched = {
            url: got.renditions[-1][0] if got.renditions else got.site_path
            for url, got in images.items()
            if isinstance(got, LocalImage) and localrefs.is_fetchable(url)
        }
        """Each fetched remote image → the site file an image inside text shows."""
        self.links = links
        self.counts = counts or {}
        self.anchors = anchors or {}
        """(section, heading text) -> the id that heading has on its section's page."""
        self.section = section
        """The index of the section this page shows, if it shows one."""
        self.seen_image = False
        self.used_ids = {a for (i, _), a in self.anchors.items() if i == section}
        self.heading = ""
        """The last heading written: its slug prefixes anchors that would clash."""
        self.in_step = 0
        """How many step items the blocks being written are inside."""
        self.howto: list[dict[str, object]] = []
        """The steps written, in order, as schema.org HowToStep and HowToSection objects."""
        self.step_images: list[str] = []
        """The image URLs written inside the step being written (page-relative or remote)."""
        self.allowance = allowance if allowance is not None else Allowance()
        """The inline work Markdown may still do on this guide's text (budget.py)."""
        self.targets = targets or {}
        """Each link target naming a file beside the article → its site path, or None
        (localrefs.py)."""

    def blocks(self, blocks: list[Block], base_level: int = 1) -> str:
        return "\n\n".join(filter(None, (self.block(b, base_level) for b in blocks)))

    def prose(self, text: str) -> str:
        """`prose(text)`, and inside a step also `_shield_list_tags`; literal text when
        Markdown would take too long over it."""
        if self.targets or self.fetched:
            text = localrefs.rewrite(text, self.targets, self.page_path, self.fetched)
        markdown = _shield_list_tags(prose(text)) if self.in_step else prose(text)
        return markdown if self.allowance.admit(markdown, text) else literal(text)

    def text(self, text: str) -> str:
        """`escape_text(text)`, or literal text when Markdown would take too long over it."""
        escaped = escape_text(text)
        return escaped if self.allowance.admit(escaped, text) else literal(text)

    def block(self, b: Block, base_level: int = 1) -> str:
        if isinstance(b, Paragraph):
            return self.prose(b.text)
        if isinstance(b, Heading):
            level = min(6, max(2, b.level - base_level + 1))
            self.heading = b.text
            anchor = self.anchors.get((self.section, b.text)) if self.section is not None else None
            attrs = f" {{ #{anchor} }}" if anchor else ""  # a contents entry links to it
            # the heading's own inline Markdown, as a paragraph's ("1\\. Back up", "**Why**")
            return "#" * level + " " + self.prose(b.text).replace("\n", " ") + attrs
        if isinstance(b, Figure):
            return self.figure(b)
        if isinstance(b, Note):
            return f"!!! {b.kind}\n" + _indent(self.prose(b.text), INDENT)
        if isinstance(b, BulletList):
            if b.ordered:
                if b.start != 1:  # Markdown would number it from 1: the author's numbers
                    items = "\n\n".join(
                        f'<li markdown="span">{self.prose(t)}</li>' for t in b.items
                    )
                    return f'<ol start="{b.start}" markdown="block">\n\n{items}\n\n</ol>'
                return "\n".join(f"{i}. {self.prose(t)}" for i, t in enumerate(b.items, 1))
            return "\n".join(f"- {self.prose(t)}" for t in b.items)
        if isinstance(b, Code):
            fence = "~~~~" if "```" in b.text else "```"
            lang = _LANG_JUNK.sub("", b.lang)
            return f"{fence}{lang}\n{b.text}\n{fence}"
        if isinstance(b, Raw):
            return self.prose(b.text)
        if isinstance(b, Embed):
            return self.embed(b)
        if isinstance(b, Procedure):
            return self.procedure(b)
        if isinstance(b, Contents):
            return self.contents(b)
        raise TypeError(f"no renderer for {type(b).__name__}")

    def figure(self, f: Figure) -> str:
        if f.src in self.targets and self.targets[f.src] is None:  # a file that is not there
            return self.text(f.caption or f.alt or f.src)
        got = self.images.get(f.src)
        alt = f.alt or f.caption or posixpath.basename(urlsplit(f.src).path)
        caption = f.caption or f.alt
        if isinstance(got, MissingImage):
            self.step_images.append(f.src)
            return self.missing_figure(f.src, alt, caption)
        attrs = []
        if got is not None:
            original = self._relative(got.site_path)
            src = self._relative(got.renditions[-1][0]) if got.renditions else original
            if got.renditions:
                srcset = ", ".join(f"{self._from_url(p)} {w}w" for p, w in got.renditions)
                attrs += [f'srcset="{srcset}"', f'sizes="{SHOWN_SIZES}"']
            attrs += [f'width="{got.width}"', f'height="{got.height}"']
            self.step_images.append(self._from_url(got.site_path))
        else:
            src = original = f.src
            self.step_images.append(f.src)
        if self.seen_image:
            attrs.append('loading="lazy"')
        self.seen_image = True
        attr_list = "{ " + " ".join(attrs) + " }" if attrs else ""
        out = f"![{self.text(alt)}](<{_url(src)}>){attr_list}"
        if got is not None:  # the zoom view (glightbox) opens the original
            out = f"[{out}](<{_url(original)}>){{ .glightbox }}"
        return _captioned(out, self.text(caption)) if caption else out

    def missing_figure(self, url: str, alt: str, caption: str) -> str:
        """A screenshot that could not be fetched: a note and a link to it, never a broken image."""
        what = f" {self.text(alt)}." if alt != caption else ""
        note = f"*Screenshot not available.*{what} [Open the original](<{_url(url)}>)"
        out = f"{note}\n{{: .{MISSING_CLASS} }}"
        return _captioned(out, self.text(caption)) if caption else out

    def _relative(self, site_path: str) -> str:
        """A site file relative to this page's Markdown file (MkDocs rewrites it for the URL)."""
        return posixpath.relpath(site_path, posixpath.dirname(self.page_path) or ".")

    def _from_url(self, site_path: str) -> str:
        """A site file relative to this page's URL (for what MkDocs does not rewrite)."""
        return posixpath.relpath(site_path, self.url_dir or ".")

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
        return self.ordered(p.steps, "")

    def ordered(
        self, steps: list[Step], prefix: str, phase: str = "", phase_number: int = 0
    ) -> str:
        """Steps as HTML ordered lists that show the authors' numbers, whatever they are.

        Each run of consecutive numbers is one `<ol start="N" type="1">`, so the browser shows
        every step's own number (a number that repeats or skips starts a new list), in digits
        even where Material letters nested lists (a phase's sub-steps). Sub-steps the author
        numbered with their phase's number ("Step 2.1") are a list of class `cg-dotted`
        whose items carry that number (`data-number="2.1"`), which cleanguide.css shows
        instead of their own (a marker's text that a screen reader reads too). Each item has
        a stable anchor naming the same numbers: `step-3`, and `step-2-4` for sub-step 4 of
        phase 2. Where those ids are taken on the page (a second list numbered from 1), the
        list's ids get a prefix: the last heading's slug, else `list-2-`, `list-3-`…
        md_in_html renders the Markdown inside the items.
        """
        lists = []
        for run in _runs(steps):
            names = [f"{phase}-{s.number}" if phase else f"step-{s.number}" for s in run]
            prefix = self._free_prefix(names, prefix)
            self.used_ids.update(prefix + n for n in names)
            dotted = bool(phase) and run[0].dotted
            items = [
                self.step(s, prefix, n, f"{phase_number}.{s.number}" if dotted else "")
                for s, n in zip(run, names, strict=True)
            ]
            kind = f"{STEPS_CLASS} {DOTTED_CLASS}" if dotted else STEPS_CLASS
            lists.append(
                f'<ol class="{kind}" start="{run[0].number}" type="1" markdown="block">\n\n'
                + "\n\n".join(items)
                + "\n\n</ol>"
            )
        return "\n\n".join(lists)

    def _free_prefix(self, names: list[str], prefix: str) -> str:
        if not any(prefix + n in self.used_ids for n in names):
            return prefix
        tried = itertools.chain(
            [f"{slugify(self.heading)}-"] if self.heading else [],
            (f"list-{k}-" for k in itertools.count(2)),
        )
        return next(p for p in tried if not any(p + n in self.used_ids for n in names))

    def step(self, s: Step, prefix: str, name: str, shown: str = "") -> str:
        """One step as a list item (`shown`: the number it shows, where not its own)."""
        parts = []
        if s.title:
            parts.append(f"**{self.text(s.title)}**")
        self.in_step += 1
        outer_images, self.step_images = self.step_images, []
        body = self.blocks(s.blocks)
        images, self.step_images = self.step_images, outer_images
        self.in_step -= 1
        if body:
            parts.append(body)
        if not parts:
            parts.append(f"Step {shown or s.number}")
        item = howto_item(s, f"#{prefix}{name}", images)
        if s.substeps:
            outer, self.howto = self.howto, []
            parts.append(self.ordered(s.substeps, prefix, name, s.number))
            item = {**item, "@type": "HowToSection", "itemListElement": self.howto}
            self.howto = outer
        self.howto.append(item)
        number = f' data-number="{shown}"' if shown else ""
        head = f'<li id="{prefix}{name}"{number} markdown="block">\n\n'
        return head + "\n\n".join(parts) + "\n\n</li>"

    def contents(self, c: Contents) -> str:
        lines = []
        for e in c.entries:
            target = self.links.get(e.section) if e.section is not None else None
            anchor = self.anchors.get((e.section, e.heading)) if e.section is not None else None
            if target and e.heading:
                target = f"{target}#{anchor}" if anchor else None
            n = self.counts.get(e.section, 0) if e.section is not None and not e.heading else 0
            text = self.text(e.text)
            lines.append(f"- [{text}]({target}){_steps_note(n)}" if target else f"- {text}")
        return "\n".join(lines)


# `<ol`, `<li`, `</ol`, `</li` opening a tag (md_in_html would take it for one, even in code)
_LIST_TAG = re.compile(r"<(?=/?(?:ol|li)(?:[\s/>]|$))", re.IGNORECASE)


def _shield_list_tags(markdown: str) -> str:
    """Prose that cannot close or open the lists a step lives in.

    md_in_html reads a step item's Markdown as HTML to find where the item ends, code spans
    included: an article's `</li>` would end our item there. Outside code the `<` becomes
    `&lt;`; a code span holding such a tag becomes an HTML `<code>` with its text escaped
    (it shows the same; `&lt;` in a Markdown code span would show as typed).
    """
    if not _LIST_TAG.search(markdown):
        return markdown
    out, pos = [], 0
    for start, end in code_spans(markdown):
        out.append(_LIST_TAG.sub("&lt;", markdown[pos:start]))
        code = markdown[start:end]
        if _LIST_TAG.search(code):
            ticks = len(code) - len(code.lstrip("`"))
            inner = code[ticks:-ticks].strip()
            code = f"<code>{html.escape(inner, quote=False)}</code>"
        out.append(code)
        pos = end
    out.append(_LIST_TAG.sub("&lt;", markdown[pos:]))
    return "".join(out)


def _steps_note(n: int) -> str:
    """What follows a link to a method page: " — 3 steps", or nothing for none."""
    return f" — {n} step{'s' if n != 1 else ''}" if n else ""


def _runs(steps: list[Step]) -> list[list[Step]]:
    """The steps cut where a number does not follow the one before it, or where the way
    the author numbered them changes ("2.1" and "1)")."""
    runs: list[list[Step]] = []
    for s in steps:
        if runs and s.number == runs[-1][-1].number + 1 and s.dotted == runs[-1][-1].dotted:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def _listed_by_contents(guide: Guide) -> bool:
    """Whether the article's own contents, in the intro, link every method page already."""
    named = {
        e.section
        for b in guide.intro
        if isinstance(b, Contents)
        for e in b.entries
        if e.section is not None and not e.heading
    }
    return any(isinstance(b, Contents) for b in guide.intro) and all(
        i in named for i, s in enumerate(guide.sections) if s.is_method
    )


def _heading_anchors(guide: Guide) -> dict[tuple[int, str], str]:
    """Ids for the headings a contents entry links to, unique on their section's page."""
    wanted = {
        (e.section, e.heading)
        for blocks in (guide.intro, *(s.body for s in guide.sections), guide.closing)
        for b in blocks
        if isinstance(b, Contents)
        for e in b.entries
        if e.section is not None and e.heading
    }
    anchors: dict[tuple[int, str], str] = {}
    for i, s in enumerate(guide.sections):
        taken: set[str] = set()
        for b in s.body:
            if isinstance(b, Heading) and (i, b.text) in wanted and (i, b.text) not in anchors:
                anchor = unique_slug(slugify(b.text) or "section", taken)
                taken.add(anchor)
                anchors[i, b.text] = anchor
    return anchors


_URL_UNSAFE = re.compile(r"[<>\s]")


def _captioned(figure: str, caption: str) -> str:
    """A screenshot block (Markdown) and its caption line (escaped) as a `<figure>`."""
    return f'<figure markdown="1">\n{figure}\n<figcaption markdown="1">{caption}</figcaption>\n</figure>'


def _url(url: str) -> str:
    # inside <...> a URL may hold spaces and parentheses but not angle brackets or newlines
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group(0)):02X}", url)


def render_guide(
    guide: Guide,
    images: Mapping[str, LocalImage | MissingImage] | None = None,
    directory_urls: bool = True,
    allowance: Allowance | None = None,
    targets: Mapping[str, str | None] | None = None,
) -> list[PageFile]:
    """All pages of one guide: its home page, then one page per method.

    Links between the pages, to topics and to screenshots are relative and the same at any
    `guides/<slug>/`, so the pages can be moved to another slug as they are. `allowance`
    bounds the work Markdown may do on the guide's text; what it capped is in its `capped`.
    `targets` resolves the links and images naming files beside the article (localrefs.py).
    """
    images = images or {}
    allowance = allowance if allowance is not None else Allowance()
    folder = f"{GUIDES_DIR}/{guide.slug}"
    links = {i: f"{s.slug}.md" for i, s in enumerate(guide.sections) if s.is_method}
    pages: list[PageFile] = []

    home_path = f"{folder}/index.md"
    counts = {i: s.step_count for i, s in enumerate(guide.sections)}
    anchors = _heading_anchors(guide)
    w = _PageWriter(
        home_path,
        images,
        links,
        counts,
        anchors,
        directory_urls=directory_urls,
        allowance=allowance,
        targets=targets,
    )
    parts = [f"# {escape_text(guide.title)}"]
    facts = []
    if guide.date:
        facts.append(f"Published {day(guide.date)}")
    if guide.updated:
        facts.append(f"updated {day(guide.updated)}")
    if facts:
        parts.append("*" + " · ".join(facts) + "*")
    if guide.topics:
        topics = [
            f"[{w.text(t)}]({posixpath.relpath(topic_path(t), folder)})" for t in guide.topics
        ]
        parts.append("Topics: " + " · ".join(topics))
    intro = w.blocks(guide.intro, 2)
    if intro:
        parts.append(intro)
    if links and not _listed_by_contents(guide):
        overview = [
            f"- [{w.text(guide.sections[i].title)}]({link}){_steps_note(counts[i])}"
            for i, link in links.items()
        ]
        parts += ["## Methods", "\n".join(overview)]
    for s in guide.sections:
        if not s.is_method:
            parts.append(f"## {w.text(s.title)}")
            parts.append(w.blocks(s.body, 1))
    if guide.closing:
        parts.append(w.blocks(guide.closing, 2))
    home = page_file(
        home_path, guide.title, join_parts(parts), guide.description, guide.short_title
    )
    pages.append(_with_howto(home, guide.title, guide, w.howto))

    for i, s in enumerate(guide.sections):
        if not s.is_method:
            continue
        path = f"{folder}/{links[i]}"
        w = _PageWriter(
            path,
            images,
            links,
            counts,
            anchors,
            section=i,
            directory_urls=directory_urls,
            allowance=allowance,
            targets=targets,
        )
        context = f"*From the guide* [{escape_text(guide.title)}](index.md)"
        if dates := _source_dates(guide):
            context += f" · *{dates}*"
        body = [f"# {w.text(s.title)}", context, w.blocks(s.body, 2)]
        page = page_file(path, f"{s.title} · {guide.short_title}", join_parts(body), label=s.title)
        pages.append(_with_howto(page, s.title, guide, w.howto))
    if guide.lang:
        pages = [
            PageFile(p.path, p.body, {**p.meta, LANG_META: guide.lang}, p.label) for p in pages
        ]
    return pages


def _source_dates(guide: Guide) -> str:
    """When the source article was published and updated: "source published 2024-08-18…"."""
    facts = []
    if guide.date:
        facts.append(f"published {day(guide.date)}")
    if guide.updated and guide.updated != guide.date:
        facts.append(f"updated {day(guide.updated)}")
    return "source " + ", ".join(facts) if facts else ""


def _with_howto(
    page: PageFile, name: str, guide: Guide, steps: list[dict[str, object]]
) -> PageFile:
    """The page with its steps as schema.org HowTo JSON in its front matter (`howto`), if it
    shows steps. The value is JSON, not HTML: the plugin writes it into the page's head."""
    if not steps:
        return page
    meta = {**page.meta, HOWTO_META: howto_json(name, guide.description, steps, guide)}
    return PageFile(page.path, page.body, meta, page.label)


def topic_path(name: str) -> str:
    """The page of a topic (a tag or category) in the docs folder."""
    return topic_home(topic_slug(name))


def page_url_dir(path: str, directory_urls: bool = True) -> str:
    """The folder of the URL MkDocs gives the page at `path` ("guides/a/part-1.md" is at
    "guides/a/part-1/" with directory URLs, else at "guides/a/part-1.html")."""
    folder, name = posixpath.split(path)
    if not directory_urls or name in ("index.md", "README.md"):
        return folder
    return posixpath.join(folder, posixpath.splitext(name)[0])
