"""Cleaning: strip ads, affiliate and link-farm junk from an article, auditing every removal."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Article
from .engine import Cleaned, Removal, Rule, reconstruct, run_rules
from .patterns import Patterns, default_patterns
from .rules import RULES

__all__ = ["RULES", "Cleaned", "Removal", "Rule", "clean", "reconstruct"]


def clean(
    article: Article, rules: Sequence[Rule] = RULES, patterns: Patterns | None = None
) -> Cleaned:
    """Run the rule chain over an article's body."""
    return run_rules(article, rules, patterns or default_patterns())
