"""Problems found in an article: errors that refuse it, warnings that keep it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum


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
