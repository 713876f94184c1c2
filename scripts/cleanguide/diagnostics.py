"""Problems found in an article: errors that refuse it, warnings that keep it."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

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
