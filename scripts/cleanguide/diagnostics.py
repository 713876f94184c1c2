"""Problems found in an article: errors that refuse it, warnings that keep it; and MkDocs'
messages about a generated page, made to point at the article it came from."""

from __future__ import annotations

import contextlib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


def logger(module: str) -> logging.Logger:
    """The logger of one of our modules (`__name__`): under `mkdocs.plugins`, where MkDocs
    prints plugin messages, and where `--strict` counts their warnings."""
    return logging.getLogger(f"mkdocs.plugins.{module}")


MAX_REPEATS = 5
"""How often one message of one rule about one article is printed before it is counted."""


class Severity(str, Enum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message about one article, pointing at a line where there is one."""

    severity: Severity
    source: str
    """The article's path relative to the content folder (or the name it was given)."""
    message: str
    line: int | None = None
    """1-based line in the source file."""
    rule: str = ""
    """The stage or cleaning rule that raised it."""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        tag = f" [{self.rule}]" if self.rule else ""
        return f"{where}: {self.severity.value}: {self.message}{tag}"


class ArticleError(Exception):
    """An article cannot become a guide. Carries the file and, where known, the line."""

    def __init__(self, source: str, message: str, line: int | None = None, rule: str = "") -> None:
        self.diagnostic = Diagnostic(Severity.ERROR, source, message, line, rule)
        super().__init__(str(self.diagnostic))


def log_diagnostic(logger: logging.Logger, diag: Diagnostic) -> None:
    """Send a diagnostic to a logger at its severity (so `mkdocs --strict` counts warnings)."""
    level = logging.ERROR if diag.severity is Severity.ERROR else logging.WARNING
    logger.log(level, "%s", diag)


def condensed(diagnostics: Iterable[Diagnostic], repeats: int = MAX_REPEATS) -> list[Diagnostic]:
    """What to print: each message of a rule at most `repeats` times per article, then a count.

    An article with 20,000 broken ad markers must not bury every other message; the audit
    (`cleanguide report`) still lists each of them.
    """
    seen: Counter[tuple[Severity, str, str, str]] = Counter()
    more: dict[tuple[Severity, str, str, str], list[int | None]] = {}
    shown: list[Diagnostic] = []
    for d in diagnostics:
        key = (d.severity, d.source, d.rule, d.message)
        seen[key] += 1
        if seen[key] <= repeats:
            shown.append(d)
        else:
            more.setdefault(key, []).append(d.line)
    for (severity, source, rule, message), lines in more.items():
        known = [n for n in lines if n is not None]
        where = f" on lines {min(known)}-{max(known)}" if known else ""
        count = f"{len(lines)} more{where} (see cleanguide report): {message}"
        shown.append(Diagnostic(severity, source, count, None, rule))
    return shown


class PageSources(logging.Filter):
    """Makes what MkDocs logs about a generated page name the article it came from.

    MkDocs names the page (`Doc file 'guides/<slug>/index.md' contains a link ...`), a file
    that exists in no folder. Installed on MkDocs' loggers, this prefixes such a message
    with the article's file and, where the message quotes a link the article holds, the
    line of its first occurrence: `how-to.md:12: Doc file 'guides/how-to/index.md' ...`.
    """

    _PAGE = re.compile(r"'([^']+\.md)'")
    _LINK = re.compile(r"(?:link|link to) '([^']+)'")

    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[str, str] = {}
        """Generated page (src_uri) → the article's source, relative to `content_dir`."""
        self.content_dir: Path | None = None
        self._texts: dict[str, list[str]] = {}

    def update(self, pages: Mapping[str, str], content_dir: Path) -> None:
        """The pages of a new build (articles are read again when a message needs a line)."""
        self.pages = dict(pages)
        self.content_dir = content_dir
        self._texts = {}

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        page = next(
            (m.group(1) for m in self._PAGE.finditer(message) if m.group(1) in self.pages), None
        )
        if page is None:
            return True
        source = self.pages[page]
        if message.startswith(f"{source}:"):
            return True  # already said (a message replayed from the cache)
        link = self._LINK.search(message)
        line = self._line(source, link.group(1)) if link else None
        record.msg = f"{source}:{line}: {message}" if line else f"{source}: {message}"
        record.args = ()
        return True

    def _line(self, source: str, link: str) -> int | None:
        """The first line of the article holding `link` (or its part before `#`)."""
        if source not in self._texts:
            text = ""
            if self.content_dir is not None:
                with contextlib.suppress(OSError):
                    text = (self.content_dir / source).read_text(encoding="utf-8", errors="replace")
            self._texts[source] = text.splitlines()
        for needle in dict.fromkeys([f"({link}", link, link.split("#", 1)[0]]):
            if needle:
                for number, line in enumerate(self._texts[source], start=1):
                    if needle in line:
                        return number
        return None
