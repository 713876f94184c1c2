"""Read one untrusted article file into an `Article`: the file, its text, its front matter.

This module owns getting at the text: the file (a regular file inside the content folder,
at most `MAX_BYTES`), its decoding (UTF-8, or UTF-16 with a byte-order mark; never a
guess), control characters (removed, with a warning), and the front matter's place (from
a first `---` line to the next `---` or `...` line). The YAML is parsed by frontmatter.py,
the keys vetted into a typed `Meta` by meta.py.

Everything here assumes hostile input: sizes are bounded before any work is done, and
every refusal is an `ArticleError` naming the file and, where there is one, the line.
Only what cannot be read safely is refused: a file without front matter is titled by its
first H1, else its file name, with a warning (meta.py).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from . import frontmatter, meta
from .diagnostics import ArticleError, Diagnostic, Severity, logger
from .model import Article

log = logger(__name__)

MAX_BYTES = 2 * 1024 * 1024
"""Largest article file accepted; real articles are well under 200 KiB."""
MAX_LINE_CHARS = 200_000
"""Longest single line accepted; longer lines are minified blobs, not prose."""
MAX_FRONT_MATTER_BYTES = 64 * 1024
"""Largest front matter accepted; real ones are well under 1 KiB."""

RULE = "reader"

_BOM_UTF8 = b"\xef\xbb\xbf"
_BOM_UTF16_LE = b"\xff\xfe"
_BOM_UTF16_BE = b"\xfe\xff"

_FENCE_OPEN = "---"
_FENCE_CLOSE = ("---", "...")
# --------------------------------------------------------------------------- public API


def load(path: Path, *, root: Path) -> Article:
    """Read `path`, which must be a regular file inside `root` (after resolving symlinks)."""
    source, data = read_bytes(path, root=root)
    return loads(data, source)


def read_bytes(path: Path, *, root: Path, real_root: Path | None = None) -> tuple[str, bytes]:
    """The article's name relative to `root` and its bytes, checked as `load` checks them.

    `real_root`: `root.resolve()`, for a caller reading many articles (resolved once).
    """
    source = _source_name(path, root)
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise ArticleError(source, "file not found", rule=RULE) from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop on Python < 3.13
        raise ArticleError(source, f"cannot resolve path: {exc}", rule=RULE) from None
    if not real.is_relative_to(real_root or root.resolve()):
        raise ArticleError(source, "path resolves outside the content folder", rule=RULE)
    return source, _read_regular_file(real, source)


def loads(data: bytes | str, source: str) -> Article:
    """Turn the contents of one article file into an `Article`, or raise `ArticleError`."""
    text = _decode(data, source) if isinstance(data, bytes) else _from_str(data, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_line_lengths(text, source)
    text, control_warning = _remove_controls(text, source)
    diagnostics: list[Diagnostic] = [control_warning] if control_warning else []

    if _opens_front_matter(text):
        yaml_text, body, body_line = _split_front_matter(text, source)
        front: frontmatter.FrontMatter | None = frontmatter.parse(yaml_text, source)
    elif text.strip():
        body, body_line, front = text, 1, None
    else:
        raise ArticleError(source, "the file is empty", line=1, rule=RULE)
    vetted = meta.vet(front, body, body_line, source, diagnostics)
    log.debug("read %s: %d body lines from line %d", source, body.count("\n") + 1, body_line)
    return Article(
        source=source,
        meta=vetted,
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
    if (kind := _binary_kind(data)) is not None:
        raise ArticleError(source, f"not a text file: it looks like {kind}", line=1, rule=RULE)
    if _looks_like_wide_encoding(data):
        raise ArticleError(
            source,
            "file looks like UTF-16/UTF-32 without a byte-order mark; save it as UTF-8",
            line=1,
            rule=RULE,
        )
    return _strict_decode(data, 0, "utf-8", source)


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word or Excel file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
)
"""How common binary files start, and what each is."""


_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
"""Control characters but tab, line breaks and form feed."""


def _binary_kind(data: bytes) -> str | None:
    """What a file that is no text looks like ("a PNG image", "a binary file"), or None.

    Text in any encoding of ASCII's family has few control characters besides tab, line
    breaks and form feed (a stray few are removed with a warning); a file of 512 bytes or
    more with one in twenty of its first bytes is binary (random bytes have one in nine).
    A file of NULs in every other byte is UTF-16, left to `_looks_like_wide_encoding`."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if _looks_like_wide_encoding(data):
        return None
    head = data[:4096]
    controls = len(_CONTROL_BYTES.findall(head))
    return "a binary file" if len(head) >= 512 and controls * 20 > len(head) else None


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


def _remove_controls(text: str, source: str) -> tuple[str, Diagnostic | None]:
    """Drop control characters everywhere; they are never content and break YAML."""
    first = meta.CONTROLS.search(text)
    if first is None:
        return text, None
    cleaned, count = meta.CONTROLS.subn("", text)
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
    return text.split("\n", 1)[0].rstrip() == _FENCE_OPEN


def _split_front_matter(text: str, source: str) -> tuple[str, str, int]:
    """Return (front matter YAML, body, body's first line) of a text that opens front matter
    (`_opens_front_matter`)."""
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _FENCE_CLOSE:
            front_matter = "\n".join(lines[1:index])
            size = len(front_matter.encode("utf-8"))
            if size > MAX_FRONT_MATTER_BYTES:
                raise ArticleError(
                    source,
                    f"front matter too large ({size} bytes; the limit is {MAX_FRONT_MATTER_BYTES})",
                    line=1,
                    rule=RULE,
                )
            return front_matter, "\n".join(lines[index + 1 :]), index + 2
    raise ArticleError(
        source,
        "unterminated front matter: the '---' on line 1 is never closed by a '---' line",
        line=1,
        rule=RULE,
    )
