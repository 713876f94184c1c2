"""Structured data: a page's steps as a schema.org HowTo, JSON-LD in the page's head.

`render.py` asks `howto_item` for each step it writes and puts the page's `howto_json` into
its front matter (`HOWTO_META`): from the same steps, anchors and screenshots it writes the
page from, with URLs relative to the page. Once MkDocs knows the page's address,
`script_element` makes the URLs absolute and the JSON a `<script type="application/ld+json">`
(the plugin adds it to the finished page's head: page content is sanitised and can hold no
script).

The JSON is escaped for a script element: `<`, `>` and `&` as `\\u003c`, `\\u003e`,
`\\u0026` (a JSON string may hold any of them; `</script>` in a step's text must not end
the element), and U+2028/U+2029 likewise.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urljoin

from .model import Block, BulletList, Guide, Heading, Note, Paragraph, Raw, Step, day
from .neutralise import neutralise_markdown
from .typography import plain

HOWTO_META = "howto"
"""The front-matter key of a page's schema.org HowTo (JSON)."""

_URL_KEYS = ("url", "image")
_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _said(markdown: str) -> str:
    """What Markdown text says, as plain text: no markup, no raw HTML (a script or style
    element goes with its content, as on the page, and so does a comment), character
    references decoded."""
    if "<" in markdown or "{" in markdown:
        markdown = _TAG.sub(" ", _without_comments(neutralise_markdown(markdown)))
    return plain(html.unescape(markdown) if "&" in markdown else markdown)


def _without_comments(text: str) -> str:
    """`text` without its HTML comments (one never closed runs to the end), in one pass."""
    out = []
    position = 0
    while (start := text.find("<!--", position)) != -1:
        out.append(text[position:start])
        end = text.find("-->", start + 4)
        position = len(text) if end == -1 else end + 3
    out.append(text[position:])
    return " ".join(out)


def _block_text(b: Block) -> str:
    """What a step's block says, as plain text (screenshots and code say nothing here)."""
    if isinstance(b, (Paragraph, Note, Raw, Heading)):
        return _said(b.text)
    if isinstance(b, BulletList):
        return " ".join(_said(t) for t in b.items)
    return ""


def howto_item(s: Step, url: str, images: list[str]) -> dict[str, object]:
    """A step as a schema.org HowToStep: its text, its screenshots and its anchor."""
    said = [_block_text(b) for b in s.blocks]
    text = " ".join(t for t in [plain(s.title), *said] if t) or f"Step {s.number}"
    item: dict[str, object] = {"@type": "HowToStep", "url": url, "text": text}
    if s.title:
        item["name"] = plain(s.title)
    if images:
        item["image"] = images
    return item


def howto_json(name: str, description: str, steps: list[dict[str, object]], guide: Guide) -> str:
    """The schema.org HowTo of a page, as JSON; URLs stay relative to the page."""
    data: dict[str, object] = {"@context": "https://schema.org", "@type": "HowTo", "name": name}
    if description:
        data["description"] = description
    if guide.date:
        data["datePublished"] = day(guide.date)
    if guide.updated:
        data["dateModified"] = day(guide.updated)
    data["step"] = steps
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def absolute(data: Any, base: str) -> Any:
    """`data` with every `url` and `image` value resolved against `base`."""
    if isinstance(data, list):
        return [absolute(item, base) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _URL_KEYS and isinstance(value, str):
            out[key] = urljoin(base, value)
        elif key in _URL_KEYS and isinstance(value, list):
            out[key] = [urljoin(base, v) if isinstance(v, str) else v for v in value]
        else:
            out[key] = absolute(value, base)
    return out


def script_element(howto: str, page_url: str) -> str:
    """The JSON-LD script element of a page's HowTo JSON, its URLs made absolute."""
    data = absolute(json.loads(howto), page_url)
    data.setdefault("url", page_url)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f'<script type="application/ld+json">{text.translate(_SCRIPT_ESCAPES)}</script>'


def add_to_head(html: str, element: str) -> str:
    """`html` with `element` at the end of its head (unchanged if it has no `</head>`)."""
    end = html.find("</head>")
    if end < 0:
        return html
    return html[:end] + element + "\n" + html[end:]


__all__ = ["HOWTO_META", "absolute", "add_to_head", "howto_item", "howto_json", "script_element"]
