"""Printing diagnostics: repeats of one message are counted, not printed thousands of times."""

from __future__ import annotations

from cleanguide.diagnostics import Diagnostic, Severity, condensed

W = Severity.WARNING


def test_each_message_is_shown_a_few_times_then_counted() -> None:
    diags = [Diagnostic(W, "a.md", "orphan marker", n, "ad-block") for n in range(1, 9)]
    diags.insert(3, Diagnostic(W, "a.md", "other message", 40, "ad-block"))
    shown = condensed(diags, repeats=2)
    assert [(d.message, d.line) for d in shown] == [
        ("orphan marker", 1),
        ("orphan marker", 2),
        ("other message", 40),
        ("6 more on lines 3-8 (see cleanguide report): orphan marker", None),
    ]
    assert shown[-1].rule == "ad-block" and shown[-1].severity is W


def test_groups_are_per_article_rule_and_severity() -> None:
    diags = [
        Diagnostic(W, "a.md", "same", 1, "r1"),
        Diagnostic(W, "b.md", "same", 1, "r1"),
        Diagnostic(W, "a.md", "same", 2, "r2"),
        Diagnostic(Severity.ERROR, "a.md", "same", 3, "r1"),
    ]
    assert condensed(diags, repeats=1) == diags


def test_counts_without_lines_say_so() -> None:
    diags = [Diagnostic(W, "a.md", "no line", None, "") for _ in range(4)]
    assert condensed(diags, repeats=3)[-1].message == "1 more (see cleanguide report): no line"
