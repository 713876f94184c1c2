"""Read one untrusted article file into an `Article`: decode, split and vet its front matter.

Everything here assumes hostile input: sizes are bounded before any work is done, YAML is
parsed with a loader that cannot expand aliases or recurse deeply, and only allowlisted
front-matter keys survive, so nothing in a scraped file can reconfigure the site.
Every refusal is an `ArticleError` naming the file and, where there is one, the line.

Only what cannot be read safely is refused. Scraped articles are often loose: a file
without front matter, or without a usable title, is titled by its first H1 (else its file
name); a title YAML reads as a date or a number is used as written; trailing whitespace
on a front-matter line (a tab YAML refuses) is dropped. Each of these is a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, Final, Protocol

import yaml
from yaml.events import AliasEvent, Event, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import ArticleError, Diagnostic, Severity
from .languages import search_language
from .model import Article
from .text import Lines, fences
from .typography import plain

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

MAX_BYTES = 2 * 1024 * 1024
"""Largest article file accepted; real articles are well under 200 KiB."""
MAX_LINE_CHARS = 200_000
"""Longest single line accepted; longer lines are minified blobs, not prose."""
MAX_FRONT_MATTER_BYTES = 64 * 1024
"""Front matter is parsed by the pure-Python YAML loader, so keep its input small."""
MAX_YAML_DEPTH = 10
"""Deepest collection nesting accepted in front matter (the composer recurses per level)."""
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 1000
MAX_SHORT_TITLE_CHARS = 80
MAX_URL_CHARS = 2000

RULE = "reader"

ALLOWED_KEYS = (
    "title",
    "short_title",
    "description",
    "date",
    "updated",
    "tags",
    "categories",
    "url",
    "source",
    "lang",
)
# Keys MkDocs or Material act on: dropping them silently would hide an attempt to
# change the page's template, hide navigation or redirect readers elsewhere.
_RISKY_KEYS = frozenset({"template", "hide", "search", "status"})
_RISKY_PREFIXES = ("redirect",)

_BOM_UTF8 = b"\xef\xbb\xbf"
_BOM_UTF16_LE = b"\xff\xfe"
_BOM_UTF16_BE = b"\xfe\xff"

# C0 controls except TAB and LF (CR is normalised away first), DEL, C1 controls, and
# lone surrogates (only possible in `str` input; they cannot be written back as UTF-8).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Invisible characters that can reorder or hide text in titles and tags: zero-width
# characters, word joiner, BOM, bidi embeddings/overrides/isolates and the bidi marks.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")
# What PyYAML's reader refuses (after control removal: U+FFFE, U+FFFF).
_YAML_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

_FENCE_OPEN = "---"
_FENCE_CLOSE = ("---", "...")
# The front matter YAML starts on file line 2; YAML marks are 0-based.
_YAML_LINE_OFFSET = 2

_ISO_DATE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"[ \t]*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)


# --------------------------------------------------------------------------- public API


def load(path: Path, *, root: Path) -> Article:
    """Read `path`, which must be a regular file inside `root` (after resolving symlinks)."""
    source, data = read_bytes(path, root=root)
    return loads(data, source)


def read_bytes(path: Path, *, root: Path) -> tuple[str, bytes]:
    """The article's name relative to `root` and its bytes, checked as `load` checks them."""
    source = _source_name(path, root)
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise ArticleError(source, "file not found", rule=RULE) from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop on Python < 3.13
        raise ArticleError(source, f"cannot resolve path: {exc}", rule=RULE) from None
    if not real.is_relative_to(root.resolve()):
        raise ArticleError(source, "path resolves outside the content folder", rule=RULE)
    return source, _read_regular_file(real, source)


def loads(data: bytes | str, source: str) -> Article:
    """Turn the contents of one article file into an `Article`, or raise `ArticleError`."""
    text = _decode(data, source) if isinstance(data, bytes) else _from_str(data, source)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_line_lengths(text, source)
    control_warning = None
    if not (isinstance(data, bytes) and _clean_utf8(data)):
        text, control_warning = _remove_controls(text, source)
    diagnostics: list[Diagnostic] = [control_warning] if control_warning else []

    if _opens_front_matter(text):
        front_matter, body, body_line = _split_front_matter(text, source)
        parsed = _parse_front_matter(front_matter, source)
    elif text.strip():
        body, body_line, parsed = text, 1, None
    else:
        raise ArticleError(source, "the file is empty", line=1, rule=RULE)
    meta = _vet_meta(parsed, body, body_line, source, diagnostics)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("read %s: %d body lines from line %d", source, body.count("\n") + 1, body_line)
    return Article(
        source=source,
        meta=meta,
        body=body,
        body_line=body_line,
        diagnostics=tuple(diagnostics),
    )


# --------------------------------------------------------------------------- file access


def _source_name(path: Path, root: Path) -> str:
    """The path as the user sees it relative to `root` (lexically: symlinks kept)."""
    lexical = Path(os.path.normpath(path.absolute()))
    try:
        return lexical.relative_to(Path(os.path.normpath(root.absolute()))).as_posix()
    except ValueError:
        # Not under root even by name; report it as given, the caller will be refused.
        raise ArticleError(
            path.as_posix(), "path is outside the content folder", rule=RULE
        ) from None


def _read_regular_file(real: Path, source: str) -> bytes:
    """Read at most MAX_BYTES + 1 bytes, refusing anything but a regular file.

    The file type is checked on the opened descriptor, not the name, so a file swapped for
    a FIFO or symlink after `resolve` is still refused; O_NONBLOCK keeps a FIFO from
    blocking the open itself.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise ArticleError(source, f"cannot open: {exc.strerror or exc}", rule=RULE) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ArticleError(source, "not a regular file", rule=RULE)
        if info.st_size > MAX_BYTES:
            raise ArticleError(source, _too_large(info.st_size), rule=RULE)
        chunks: list[bytes] = []
        remaining = MAX_BYTES + 1  # one byte more tells a file that grew since fstat
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise ArticleError(source, f"cannot read: {exc.strerror or exc}", rule=RULE) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _too_large(size: int) -> str:
    return f"file too large ({size} bytes; the limit is {MAX_BYTES})"


# --------------------------------------------------------------------------- decoding


def _from_str(text: str, source: str) -> str:
    # Cheap bound first: every character is at least one UTF-8 byte.
    if len(text) > MAX_BYTES:
        raise ArticleError(source, _too_large(len(text)), rule=RULE)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise ArticleError(source, _too_large(size), rule=RULE)
    return text.removeprefix("\ufeff")


def _decode(data: bytes, source: str) -> str:
    """Decode by BOM (UTF-8, UTF-16 LE/BE) or as strict UTF-8; never guess silently."""
    if len(data) > MAX_BYTES:
        raise ArticleError(source, _too_large(len(data)), rule=RULE)
    if data.startswith(_BOM_UTF8):
        return _strict_decode(data, len(_BOM_UTF8), "utf-8", source)
    if data.startswith(_BOM_UTF16_LE):
        return _strict_decode(data, len(_BOM_UTF16_LE), "utf-16-le", source)
    if data.startswith(_BOM_UTF16_BE):
        return _strict_decode(data, len(_BOM_UTF16_BE), "utf-16-be", source)
    if _looks_like_wide_encoding(data):
        raise ArticleError(
            source,
            "file looks like UTF-16/UTF-32 without a byte-order mark; save it as UTF-8",
            line=1,
            rule=RULE,
        )
    return _strict_decode(data, 0, "utf-8", source)


def _looks_like_wide_encoding(data: bytes) -> bool:
    # Without this, BOM-less UTF-16 decodes as "valid" UTF-8 full of NULs whose removal
    # would leave plausible but garbled text.
    head = data[:4096]
    return len(head) >= 8 and head.count(0) * 4 > len(head)


def _strict_decode(data: bytes, start: int, encoding: str, source: str) -> str:
    try:
        return data[start:].decode(encoding)
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = _line_at_byte(data, start, offset, encoding)
        bad = data[offset : offset + 1].hex()
        hint = " (is it Windows-1252 or Latin-1? save it as UTF-8)" if encoding == "utf-8" else ""
        raise ArticleError(
            source,
            f"invalid {encoding.upper()} at byte offset {offset} (byte 0x{bad}): "
            f"{exc.reason}{hint}",
            line=line,
            rule=RULE,
        ) from None


def _line_at_byte(data: bytes, start: int, offset: int, encoding: str) -> int:
    """1-based line of byte `offset`, counting CRLF, CR and LF as one break each."""
    if encoding.startswith("utf-16"):
        whole = offset - (offset - start) % 2  # decode whole code units only
        prefix = data[start:whole].decode(encoding, errors="replace")
    else:
        prefix = data[start:offset].decode(encoding, errors="replace")
    return prefix.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def _check_line_lengths(text: str, source: str) -> None:
    # A cheap whole-text test first: most files are far below the limit.
    if len(text) <= MAX_LINE_CHARS:
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ArticleError(
                source,
                f"line {number} too long ({len(line)} characters; the limit is {MAX_LINE_CHARS})",
                line=number,
                rule=RULE,
            )


# Control characters as UTF-8: C0 (but tab and newline), DEL, and C1 as two bytes. A CR
# counts only when other controls come with it: line ends are normalised before the scan.
# UTF-16 files hold NUL bytes and always go the slow way.
_C0_BYTES = bytes(range(9)) + bytes(range(11, 32)) + b"\x7f"
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def _clean_utf8(data: bytes) -> bool:
    """True when the file's bytes hold no control character but CR (so nothing to remove).

    Byte checks run 5-10x faster than a character-class scan of the decoded text.
    """
    controls = len(data) - len(data.translate(None, _C0_BYTES))
    if controls and controls != data.count(b"\r"):
        return False
    return b"\xc2" not in data or not _C1_UTF8.search(data)


def _remove_controls(text: str, source: str) -> tuple[str, Diagnostic | None]:
    """Drop control characters everywhere; they are never content and break YAML."""
    first = _CONTROLS.search(text)
    if first is None:
        return text, None
    cleaned, count = _CONTROLS.subn("", text)
    line = text.count("\n", 0, first.start()) + 1
    warning = Diagnostic(
        Severity.WARNING,
        source,
        f"removed {count} control character(s) (NUL, C0/C1 controls); the first on line {line}",
        line,
        RULE,
    )
    return cleaned, warning


# --------------------------------------------------------------------------- front matter


def _opens_front_matter(text: str) -> bool:
    end = text.find("\n")
    return (text if end == -1 else text[:end]).rstrip() == _FENCE_OPEN


def _split_front_matter(text: str, source: str) -> tuple[str, str, int]:
    """Return (front matter YAML, body, body's first line)."""
    # line by line from the top: the body is never split into lines here
    end = text.find("\n")
    if (text if end == -1 else text[:end]).rstrip() != _FENCE_OPEN:
        raise ArticleError(
            source, "no front matter: the file must start with a '---' line", line=1, rule=RULE
        )
    opened, index = end + 1, 1  # where the front matter starts; the line number - 1
    while end != -1:
        start, end = end + 1, text.find("\n", end + 1)
        if (text[start:] if end == -1 else text[start:end]).rstrip() in _FENCE_CLOSE:
            front_matter = text[opened : max(opened, start - 1)]
            size = len(front_matter.encode("utf-8"))
            if size > MAX_FRONT_MATTER_BYTES:
                raise ArticleError(
                    source,
                    f"front matter too large ({size} bytes; the limit is {MAX_FRONT_MATTER_BYTES})",
                    line=1,
                    rule=RULE,
                )
            body = "" if end == -1 else text[end + 1 :]
            return front_matter, body, index + 2
        index += 1
    raise ArticleError(
        source,
        "unterminated front matter: the '---' on line 1 is never closed by a '---' line",
        line=1,
        rule=RULE,
    )


class _Mark(Protocol):
    """The part of a PyYAML mark (pure-Python or libyaml) used here."""

    line: int


class _Refused(Exception):
    """A construct the front-matter loader will not accept, with where it was found."""

    def __init__(self, message: str, mark: _Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases, anchors, explicit tags, deep nesting or duplicate keys.

    Aliases are refused at compose time, before any node is shared, so an alias bomb
    costs nothing; depth is bounded because the composer and constructor recurse.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self.top: MappingNode | None = None
        self.top_key_lines: dict[Hashable, int] = {}
        self.top_key_texts: dict[Hashable, str] = {}
        """Top-level key -> the text of its value, when that is a plain one-line scalar."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event: Event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in stubs
        if isinstance(event, AliasEvent):
            raise _Refused(
                f"YAML alias '*{event.anchor}' is not allowed in front matter "
                "(anchors and aliases are refused)",
                event.start_mark,
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(
                f"YAML anchor '&{anchor}' is not allowed in front matter "
                "(anchors and aliases are refused)",
                event.start_mark,
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            # Explicit tags have no use in article metadata, and several of PyYAML's safe
            # constructors crash (AttributeError, KeyError) on values they do not expect.
            raise _Refused(f"YAML tag {tag!r} is not allowed in front matter", event.start_mark)
        if not isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(
                    f"front matter is nested deeper than {MAX_YAML_DEPTH} levels",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        if not isinstance(node, MappingNode):  # defensive: explicit tags are refused earlier
            return super().construct_mapping(node, deep=deep)
        seen: set[Hashable] = set()
        for key_node, value_node in node.value:
            # Merge keys ("<<") legitimately repeat keys; only plain scalar keys can clash
            # (other keys are unhashable and refused by the base constructor).
            if not isinstance(key_node, ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node)
            if not isinstance(key, Hashable):  # defensive; the base class reports it
                continue
            if key in seen:
                raise _Refused(f"duplicate key {key!r} in front matter", key_node.start_mark)
            seen.add(key)
            if node is self.top:
                self.top_key_lines[key] = key_node.start_mark.line + _YAML_LINE_OFFSET
                if _plain_text(value_node):
                    self.top_key_texts[key] = value_node.value
        return super().construct_mapping(node, deep=deep)

    def construct_lenient_timestamp(self, node: ScalarNode) -> object:
        """A timestamp-shaped scalar that is not a real date stays a string.

        The base constructor raises ValueError on e.g. 2024-02-31; the meta checks turn
        the string into a warning with the key's line instead.
        """
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_StrictLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _StrictLoader.construct_lenient_timestamp
)


def _plain_text(node: Node) -> bool:
    """Whether a value node is a plain (unquoted) scalar written on one line."""
    return (
        isinstance(node, ScalarNode)
        and node.style is None
        and bool(node.value)
        and node.start_mark.line == node.end_mark.line
    )


_Parsed = tuple[dict[Any, Any], dict[Any, int], dict[Any, str]]
"""The mapping, the file line of each top-level key, the text of each plain scalar value."""


def _parse_front_matter(front_matter: str, source: str) -> _Parsed:
    """Parse the YAML into a mapping plus the file line of each top-level key."""
    # YAML treats U+2028/U+2029 as line breaks; the file does not, so lines would drift.
    front_matter = front_matter.replace("\u2028", " ").replace("\u2029", " ")
    # Trailing spaces and tabs mean nothing in front matter, and YAML refuses a tab there.
    if " \n" in front_matter or "\t" in front_matter or front_matter.endswith(" "):
        front_matter = "\n".join(line.rstrip(" \t") for line in front_matter.split("\n"))
    _check_yaml_characters(front_matter, source)
    simple = _parse_simple_front_matter(front_matter)
    if simple is not None:
        return simple
    return _parse_yaml_front_matter(front_matter, source)


def _parse_yaml_front_matter(front_matter: str, source: str) -> _Parsed:
    """The general path: PyYAML with `_StrictLoader`, every refusal an `ArticleError`."""
    loader = _StrictLoader(front_matter)
    try:
        node = loader.get_single_node()
        if not isinstance(node, MappingNode):
            line = node.start_mark.line + _YAML_LINE_OFFSET if node is not None else 1
            kind = "empty" if node is None else _KIND.get(type(node), "a value")
            raise ArticleError(
                source, f"front matter must be a mapping, not {kind}", line=line, rule=RULE
            )
        loader.top = node
        data = loader.construct_document(node)
        return dict(data), loader.top_key_lines, loader.top_key_texts
    except _Refused as exc:
        raise ArticleError(source, exc.message, line=_file_line(exc.mark), rule=RULE) from None
    except yaml.MarkedYAMLError as exc:
        raise ArticleError(
            source, f"front matter is not valid YAML: {_describe(exc)}", _yaml_line(exc), RULE
        ) from None
    except yaml.YAMLError as exc:
        raise ArticleError(source, f"front matter is not valid YAML: {exc}", 1, RULE) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # SafeConstructor lets a few of these through (e.g. an integer over Python's digit
        # limit); they are still this article's fault, not ours.
        raise ArticleError(source, f"front matter value not accepted: {exc}", 1, RULE) from None
    finally:
        loader.dispose()


# -------------------------------------------------------------------- simple front matter
#
# Almost every article's front matter is a flat list of `key: value` lines and lists of
# one-line values. PyYAML's pure-Python scanner and composer spend ~1 ms on that, so
# `_parse_simple_front_matter` reads exactly that shape itself and returns None, handing
# the text to `_parse_yaml_front_matter`, on anything it is not sure about. It never raises:
# every error, and every value it cannot be sure YAML reads the same way, goes the slow way.
# Plain scalars are typed by PyYAML's own resolver and constructors (so `2024-08-20` is a
# date and `yes` a bool exactly as in the YAML path); tests/test_reader_fast.py checks the
# two paths agree on generated input.

# Printable characters other than TAB and NEL (YAML whitespace and line break rules the
# line-based reading does not model); CR and U+2028/U+2029 are gone before this point.
_SIMPLE_CHARS = re.compile("[\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
# `key:` or `key: value` at column 0 (trailing spaces already stripped).
_SIMPLE_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,99}):(?: +([^ ].*))?")
# `- value` at any indentation (the same for every item of one list).
_SIMPLE_ITEM_LINE = re.compile(r"( *)- ([^ ].*)")
# One-line quoted scalars; the only escapes taken here are \" and \\.
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\["\\])*)"')
_DOUBLE_QUOTED_ESCAPE = re.compile(r'\\(["\\])')
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
# Inside a one-line flow list `[...]`: no nested collections; plain items hold none of the
# characters that end or change a plain scalar in flow context.
_FLOW_REFUSED = re.compile(r"[\[\]{}]")
_FLOW_PLAIN_REFUSED = re.compile(r"[?:#]")
# Characters a plain scalar may not start with (or may only in cases left to YAML).
_PLAIN_REFUSED_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`")
YAML_STR_TAG: Final = "tag:yaml.org,2002:str"
# Implicit types taken on the simple path; anything else (merge `<<`, value `=`) goes to YAML.
_SIMPLE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
_SIMPLE_VALUE_ERRORS = (ValueError, TypeError, OverflowError, yaml.YAMLError)


class _NotSimple:
    """Marks a scalar the simple reader leaves to YAML."""


_NOT_SIMPLE = _NotSimple()

# Used only for its resolver and scalar constructors, which keep no state between calls.
_SCALARS = _StrictLoader("")


def _parse_simple_front_matter(front_matter: str) -> _Parsed | None:
    """Read the common flat shape of front matter, or None to leave it to YAML."""
    if _SIMPLE_CHARS.fullmatch(front_matter) is None:
        return None
    data: dict[Any, Any] = {}
    key_lines: dict[Any, int] = {}
    key_texts: dict[Any, str] = {}
    open_key: str | None = None  # a `key:` with no value yet: a block list may follow
    items: list[object] | None = None  # the block list being read
    items_indent = 0
    for number, raw in enumerate(front_matter.split("\n"), start=_YAML_LINE_OFFSET):
        line = raw.rstrip(" ")
        if not line:
            continue
        match = _SIMPLE_KEY_LINE.fullmatch(line)
        if match is not None:
            key, text = match[1], match[2]
            if key in data or plain_scalar_tag(key) != YAML_STR_TAG:
                return None
            if text is None:
                value: object = None
                open_key = key
            else:
                value = _simple_flow_list(text) if text[0] == "[" else _simple_scalar(text)
                if value is _NOT_SIMPLE:
                    return None
                open_key = None
            data[key] = value
            key_lines[key] = number
            if text is not None and text[0] not in "\"'[":
                key_texts[key] = text
            items = None
            continue
        match = _SIMPLE_ITEM_LINE.fullmatch(line)
        if match is None:
            return None
        indent = len(match[1])
        if items is None:
            if open_key is None:
                return None
            items, items_indent = [], indent
            data[open_key] = items
            open_key = None
        elif indent != items_indent:
            return None
        value = _simple_scalar(match[2])
        if value is _NOT_SIMPLE:
            return None
        items.append(value)
    if not data:
        return None
    return data, key_lines, key_texts


def _simple_scalar(text: str) -> object:
    """The value of a one-line scalar, or `_NOT_SIMPLE`; `text` has no outer spaces."""
    first = text[0]
    if first == '"':
        match = _DOUBLE_QUOTED.fullmatch(text)
        if match is None:
            return _NOT_SIMPLE
        inner = match[1]
        return _DOUBLE_QUOTED_ESCAPE.sub(r"\1", inner) if "\\" in inner else inner
    if first == "'":
        match = _SINGLE_QUOTED.fullmatch(text)
        return _NOT_SIMPLE if match is None else match[1].replace("''", "'")
    # A plain scalar ends at ": " or " #" and would go on over a more indented next line
    # (never accepted here); other indicators only matter as its first character.
    if first in _PLAIN_REFUSED_FIRST or ": " in text or text[-1] == ":" or " #" in text:
        return _NOT_SIMPLE
    return _simple_plain(text)


def _simple_flow_list(text: str) -> object:
    """A one-line `[a, "b", 'c']` of scalars, or `_NOT_SIMPLE`."""
    if text[-1] != "]" or _FLOW_REFUSED.search(text, 1, len(text) - 1) is not None:
        return _NOT_SIMPLE
    parts = text[1:-1].split(",")
    if not parts[-1].strip(" "):
        parts.pop()  # `[]`, or a trailing comma
    values: list[object] = []
    for part in parts:
        item = part.strip(" ")
        if not item:
            return _NOT_SIMPLE
        if item[0] in "\"'":
            # Quoted items cannot hold a comma: the split above would have cut them short
            # and the pieces do not match the quoted patterns.
            value = _simple_scalar(item)
        elif item[0] in _PLAIN_REFUSED_FIRST or _FLOW_PLAIN_REFUSED.search(item) is not None:
            return _NOT_SIMPLE
        else:
            value = _simple_plain(item)
        if value is _NOT_SIMPLE:
            return _NOT_SIMPLE
        values.append(value)
    return values


def _simple_plain(text: str) -> object:
    """A plain scalar typed by YAML's resolver and constructor, or `_NOT_SIMPLE`."""
    tag = plain_scalar_tag(text)
    if tag == YAML_STR_TAG:
        return text
    if tag not in _SIMPLE_TAGS:
        return _NOT_SIMPLE
    try:
        return _StrictLoader.yaml_constructors[tag](_SCALARS, ScalarNode(tag, text))
    except _SIMPLE_VALUE_ERRORS:
        return _NOT_SIMPLE


def plain_scalar_tag(text: str) -> str:
    """The tag YAML gives `text` as a plain scalar: YAML_STR_TAG unless it reads as a type."""
    if text[:1] not in _RESOLVER_STARTS and None not in _RESOLVER_STARTS:
        return YAML_STR_TAG  # no implicit resolver looks at a text starting so
    tag: str = _SCALARS.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag


# The first characters YAML's implicit resolvers look at ("" for the empty text).
_RESOLVER_STARTS: frozenset[str | None] = frozenset(_StrictLoader.yaml_implicit_resolvers)


def _check_yaml_characters(front_matter: str, source: str) -> None:
    """Refuse characters YAML's reader rejects, with a line (its own error has none)."""
    match = _YAML_UNPRINTABLE.search(front_matter)
    if match is None:
        return
    line = front_matter.count("\n", 0, match.start()) + _YAML_LINE_OFFSET
    raise ArticleError(
        source,
        f"front matter contains the unacceptable character U+{ord(match.group()):04X}",
        line=line,
        rule=RULE,
    )


_KIND: dict[type[Node], str] = {ScalarNode: "a single value", SequenceNode: "a list"}


def _file_line(mark: _Mark | None) -> int:
    return mark.line + _YAML_LINE_OFFSET if mark is not None else 1


def _yaml_line(exc: yaml.MarkedYAMLError) -> int:
    return _file_line(exc.problem_mark or exc.context_mark)


def _describe(exc: yaml.MarkedYAMLError) -> str:
    # str(exc) embeds "line N" in YAML's own numbering; build the text from its parts.
    parts = [p for p in (exc.context, exc.problem) if p]
    return ": ".join(parts) if parts else "syntax error"


# --------------------------------------------------------------------------- meta checks


def _vet_meta(
    parsed: _Parsed | None, body: str, body_line: int, source: str, diagnostics: list[Diagnostic]
) -> dict[str, Any]:
    """Keep only allowlisted keys with checked, cleaned values (None: no front matter)."""
    raw, key_lines, key_texts = parsed if parsed is not None else ({}, {}, {})

    def warn(message: str, key: object, line: int | None = None) -> None:
        where = key_lines.get(key) if line is None else line
        diagnostics.append(Diagnostic(Severity.WARNING, source, message, where, RULE))

    for key in raw:
        if isinstance(key, str) and key not in ALLOWED_KEYS and _is_risky(key):
            warn(f"front matter key {key!r} ignored: it could change how the site is built", key)

    title = _vet_title(raw, key_texts, warn)
    if title is None:
        title = _fallback_title(parsed is None, raw, body, body_line, source, warn)
    meta: dict[str, Any] = {"title": title}
    for key, check in _CHECKS.items():
        if key in raw and raw[key] is not None:
            value = check(key, raw[key], warn)
            if value is not None:
                meta[key] = value
    return meta


class _Warn(Protocol):
    def __call__(self, message: str, key: object, line: int | None = None) -> None: ...


def _is_risky(key: str) -> bool:
    lowered = key.lower()
    return lowered in _RISKY_KEYS or lowered.startswith(_RISKY_PREFIXES)


_SCALAR_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "true/false value"),
    (dt.date, "date"),
    (int, "number"),
    (float, "number"),
)


def _vet_title(raw: dict[Any, Any], key_texts: dict[Any, str], warn: _Warn) -> str | None:
    """The front matter's title as text, or None when it has no usable one."""
    value = raw.get("title")
    text = value if isinstance(value, str) else None
    if text is None and "title" in key_texts:  # `title: 2024-05-01`, `title: 1.10`
        kind = next((name for kind, name in _SCALAR_KINDS if isinstance(value, kind)), "")
        if kind:
            text = key_texts["title"]
            warn(f"'title' {text!r} reads as a {kind} in YAML: used as written (quote it)", "title")
    title = clean_text(text) if text is not None else ""
    if not title:
        return None
    return _capped_title(title, warn)


def _capped_title(title: str, warn: _Warn, key: object = "title", line: int | None = None) -> str:
    if len(title) > MAX_TITLE_CHARS:
        warn(f"'title' cut to {MAX_TITLE_CHARS} characters (was {len(title)})", key, line)
        title = title[:MAX_TITLE_CHARS].rstrip()
    return title


def _fallback_title(
    no_front_matter: bool, raw: dict[Any, Any], body: str, body_line: int, source: str, warn: _Warn
) -> str:
    """The title of an article whose front matter gives none: its first H1, else its file
    name; with a warning saying which and why."""
    if no_front_matter:
        why, key = "no front matter", None
    elif "title" not in raw or raw["title"] is None:
        why, key = "front matter has no 'title'", None
    elif isinstance(raw["title"], str):
        why, key = "'title' is empty", "title"
    else:
        why, key = f"'title' is a {type(raw['title']).__name__}, not text", "title"
    heading = first_heading(body)
    if heading is not None:
        text, offset = heading
        line = body_line + offset
        title = _capped_title(text, warn, None, line)
        warn(f"{why}: titled {title!r} after its first heading", key, None if key else line)
        return title
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    words = _WHITESPACE.sub(" ", re.sub(r"[-_.]+", " ", stem)).strip() or stem or "Untitled"
    title = _capped_title(clean_text(words[:1].upper() + words[1:]), warn, None, 1)
    warn(f"{why}: titled {title!r} after its file name (no first heading)", key, None if key else 1)
    return title


_ATX_H1 = re.compile(r" {0,3}#[ \t]+(.*)")
_SETEXT_H1 = re.compile(r" {0,3}=+[ \t]*")


def first_heading(body: str) -> tuple[str, int] | None:
    """The plain text of the body's first level-1 heading (`# Title`, or `Title` over a
    `===` line) outside fenced code, and its line in the body (0-based)."""
    lines = Lines(body)
    code = {n for f in fences(lines) for n in range(f.first, f.last + 1)}
    previous = ""
    for number, line in enumerate(lines.parts):
        if number in code:
            previous = ""
            continue
        text = ""
        if m := _ATX_H1.fullmatch(line):
            text, at = m.group(1).rstrip(" \t#"), number
        elif previous.strip() and _SETEXT_H1.fullmatch(line):
            text, at = previous, number - 1
        if title := clean_text(plain(text)):
            return title, at
        previous = line
    return None


def clean_text(value: str) -> str:
    """Remove controls and invisible/bidi characters, collapse whitespace to single spaces."""
    value = unicodedata.normalize("NFC", value)
    value = _CONTROLS.sub("", _INVISIBLE.sub("", value))
    return _WHITESPACE.sub(" ", value).strip()


def _text(key: str, value: object, warn: _Warn) -> str | None:
    """A front-matter string, cleaned (`clean_text`); None, with a warning, if not a string."""
    if not isinstance(value, str):
        warn(f"'{key}' ignored: expected a string, got {type(value).__name__}", key)
        return None
    return clean_text(value)


def _check_description(key: str, value: object, warn: _Warn) -> str | None:
    text = _text(key, value, warn)
    if text and len(text) > MAX_DESCRIPTION_CHARS:
        warn(f"'{key}' cut to {MAX_DESCRIPTION_CHARS} characters (was {len(text)})", key)
        text = text[:MAX_DESCRIPTION_CHARS].rstrip()
    return text or None


def _check_short_title(key: str, value: object, warn: _Warn) -> str | None:
    text = _text(key, value, warn)
    if text and len(text) > MAX_SHORT_TITLE_CHARS:
        warn(f"'{key}' ignored: longer than {MAX_SHORT_TITLE_CHARS} characters", key)
        return None
    return text or None


def _check_url(key: str, value: object, warn: _Warn) -> str | None:
    """The article's own address (`url`, `source`): an http(s) URL, used to match links."""
    text = _text(key, value, warn)
    if text is None:
        return None
    if not _HTTP_URL.fullmatch(text) or len(text) > MAX_URL_CHARS:
        warn(f"'{key}' ignored: {text[:80]!r} is not an http(s) URL", key)
        return None
    return text


def _check_date(key: str, value: object, warn: _Warn) -> dt.date | None:
    if isinstance(value, dt.date):  # datetime is a date subclass
        return value
    if not isinstance(value, str):
        warn(f"'{key}' ignored: expected a date, got {type(value).__name__}", key)
        return None
    try:
        parsed = parse_date(value)
    except ValueError as exc:
        warn(f"'{key}' ignored: {value.strip()!r} is not a valid date ({exc})", key)
        return None
    if parsed is None:
        warn(f"'{key}' ignored: {value.strip()!r} is not an ISO date", key)
    return parsed


def parse_date(text: str) -> dt.date | None:
    """Parse an ISO-like date or date-time (`2024-08-20 11:33:51`, `...T09:17:39.843Z`).

    Returns None when the text is not date-shaped; raises ValueError when it is shaped
    like one but impossible (2024-02-31, 25:00).
    """
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    if match["H"] is None:
        return dt.date(year, month, day)
    fraction = (match["f"] or "0")[:6].ljust(6, "0")
    return dt.datetime(
        year,
        month,
        day,
        int(match["H"]),
        int(match["M"]),
        int(match["S"] or 0),
        int(fraction),
        tzinfo=_parse_tz(match["tz"]),
    )


def _parse_tz(text: str | None) -> dt.tzinfo | None:
    if text is None:
        return None
    if text in ("Z", "z"):
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _check_terms(key: str, value: object, warn: _Warn) -> tuple[str, ...] | None:
    if isinstance(value, str):
        items: list[object] = [value]  # a lone `tags: android` means one tag
    elif isinstance(value, list):
        items = value
    else:
        warn(f"'{key}' ignored: expected a list of strings, got {type(value).__name__}", key)
        return None
    terms: list[str] = []
    for item in _iter_items(items, key, warn):
        term = clean_text(item)
        if term and term not in terms:
            terms.append(term)
    return tuple(terms) or None


def _iter_items(items: list[object], key: str, warn: _Warn) -> Iterator[str]:
    for item in items:
        if isinstance(item, str):
            yield item
        else:
            warn(f"'{key}' item {item!r:.60} ignored: not a string", key)


def _check_lang(key: str, value: object, warn: _Warn) -> str | None:
    """The guide's language, one search knows ("ja", "de"...)."""
    if not isinstance(value, str):
        warn(f"'{key}' ignored: expected a language code, got {type(value).__name__}", key)
        return None
    lang = search_language(value)
    if lang is None:
        warn(f"'{key}' ignored: {value[:20]!r} is not a language search knows", key)
    return lang


_HTTP_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)

_CHECKS: dict[str, Callable[[str, Any, _Warn], Any]] = {
    "short_title": _check_short_title,
    "description": _check_description,
    "date": _check_date,
    "updated": _check_date,
    "tags": _check_terms,
    "categories": _check_terms,
    "url": _check_url,
    "source": _check_url,
    "lang": _check_lang,
}
