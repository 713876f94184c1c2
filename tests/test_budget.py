"""The per-article budget: our own stages stay linear.

Times are CPU seconds (`time.process_time`), so other work on the machine moves them little;
each pathological input below took several seconds before its fix.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from cleanguide import pipeline, reader, render, typography
from cleanguide.clean import rules
from cleanguide.render import render_guide
from cleanguide.slugs import slug_for_article

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
CORPUS = sorted((ROOT / "tests" / "corpus").glob("*.md")) + sorted((ROOT / "content").glob("*.md"))


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


fuzz_shapes = _load("fuzz_shapes")


def cpu_seconds(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def guide_of(text: str, name: str = "fuzz.md") -> render.Guide:
    article = reader.loads(text.encode(), name)
    guide, _ = pipeline.process(article, slug_for_article(name, article.meta["title"]))
    return guide


# --------------------------------------------------------------------------- our own stages

LINEAR = {
    # a link glued to the next word: `\]\([^)\s]*\)` ran to the end of the line from each "]("
    "glued link without ')'": lambda: typography.tidy("word" + "](x" * 60_000),
    "link text over '['": lambda: typography.tidy("[" * 60_000 + "a](b)"),
    "plain() of '[a](' x N": lambda: typography.plain("[a](" * 50_000),
    "in-page link without ')'": lambda: render.prose("[a](#b" * 40_000),
    "heading of ' #' x N": lambda: guide_of("---\ntitle: t\n---\n\n## a" + " #" * 90_000 + " b"),
    "contents list and headings": lambda: rules.contents_lists(
        rules.RuleContext("## a" + " #" * 90_000 + "\n\n- [a](#a)\n", None, "x", lambda _: 1)  # type: ignore[arg-type]
    ),
    "'<a' never closed x N": lambda: rules._tag_index("<a" * 100_000, ("a",)),
}


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_our_patterns_are_linear_on_what_they_were_quadratic_on(name: str) -> None:
    work = LINEAR[name]
    seconds = cpu_seconds(lambda: list(work()) if name.startswith("contents") else work())
    assert seconds < 0.5, f"{name}: {seconds:.2f} s"


def test_our_stages_fit_the_budget_on_every_fuzz_shape() -> None:
    slow = {}
    for name, text in fuzz_shapes.shapes(1.0).items():
        seconds = cpu_seconds(lambda text=text: render_guide(guide_of(text)))
        if seconds > 1.0:
            slow[name] = round(seconds, 2)
    assert not slow, slow
