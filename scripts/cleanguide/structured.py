"""Structured data: a page's schema.org HowTo as JSON-LD in its head.

`render.py` writes each page's steps as HowTo JSON into its front matter (`howto`), from the
same steps, anchors and screenshots it writes the page from, with URLs relative to the page.
Here, once MkDocs knows the page's address, the URLs are made absolute and the JSON goes
into a `<script type="application/ld+json">`. Page content is sanitised and can hold no
script: this is added to the finished page, outside it.

The JSON is escaped for a script element: `<`, `>` and `&` as `\\u003c`, `\\u003e`,
`\\u0026` (a JSON string may hold any of them; `</script>` in a step's text must not end
the element), and U+2028/U+2029 likewise.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

_URL_KEYS = ("url", "image")
_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


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


__all__ = ["absolute", "add_to_head", "script_element"]
