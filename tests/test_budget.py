"""The per-article budget: our own stages stay linear, Markdown's inline work is capped
before it starts, and a worker stops any page that overruns the budget anyway.

Times are CPU seconds (`time.process_time`), so other work on the machine moves them little;
each pathological input below took several seconds before its fix.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mkdocs.config import load_config

from cleanguide import (
    forks,
    localrefs,
    pagefile,
    pipeline,
    reader,
    render,
    searchsections,
    typography,
    workers,
)
from cleanguide.audit import audit_record
from cleanguide.budget import (
    ARTICLE_SECONDS,
    BUDGET_BYTES,
    GUIDE_CAP,
    Allowance,
    OverBudget,
    allowance,
    cpu_limit,
    inline_work,
    literal,
)
from cleanguide.cache import Cache
from cleanguide.clean import rules
from cleanguide.clean.patterns import default_patterns
from cleanguide.clean.scan import elements
from cleanguide.model import Heading
from cleanguide.render import render_guide
from cleanguide.slugs import slug_for_article
from cleanguide.text import MD_LINK, code_spans
from webtools import mkdocs_build

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
    guide, _ = pipeline.clean_and_structure(article, slug_for_article(name, article.meta.title))
    return guide


# --------------------------------------------------------------------------- our own stages

LINEAR = {
    # a link glued to the next word: `\]\([^)\s]*\)` ran to the end of the line from each "]("
    "glued link without ')'": lambda: typography.tidy("word" + "](x" * 60_000),
    "link text over '['": lambda: typography.tidy("[" * 60_000 + "a](b)"),
    "plain() of '[a](' x N": lambda: typography.plain("[a](" * 50_000),
    # each emphasis opener that nothing closed was read on for 300 characters, per pattern
    "plain() of emphasis openers never closed": lambda: [
        typography.plain(opener * (200_000 // len(opener)))
        for opener in ("**_a ", "*_a ", "**a *b ", "_a *a __a **a ", "`a` [b](c) **d ")
    ],
    "in-page link without ')'": lambda: pagefile.prose("[a](#b" * 40_000),
    "heading of ' #' x N": lambda: guide_of("---\ntitle: t\n---\n\n## a" + " #" * 90_000 + " b"),
    "contents list and headings": lambda: rules.contents_lists(
        rules.RuleContext("## a" + " #" * 90_000 + "\n\n- [a](#a)\n", None, "x", lambda _: 1)  # type: ignore[arg-type]
    ),
    "'<a' never closed x N": lambda: elements("<a" * 100_000, ("a", "img")),
    # a code span regex, (`+)(?:(?!\1).)+?\1, took a time cubic in a run of backticks
    "a run of backticks through every stage": lambda: [
        typography.tidy("`" * 3000 + " a"),
        list(localrefs.references("`" * 3000 + " [a](b.png)")),
        render._shield_list_tags("`" * 3000 + " </li>"),
        guide_of("---\ntitle: t\n---\n\nOpen it.\n\n" + "`" * 100_000 + "\n"),
    ],
    # each section's end was looked for among all the headings after it
    "furniture headings x N": lambda: list(
        rules.furniture_sections(
            rules.RuleContext(
                "## Comments\n\n### a\n\n" * 20_000 + "# Leave a reply\n" + "## x #\n" * 20_000,
                default_patterns(),
                "x",
                lambda _: 1,
            )
        )
    ),
    # a block of raw <p> elements is read element by element, each close found once
    "raw <p> elements never closed, or closed then not": lambda: [
        guide_of("---\ntitle: t\n---\n\n" + text)
        for text in ("<p>Step 1 a" * 15_000, "<p>Step 1 a</p>\n" * 20_000 + "<div>x</div>\n")
    ],
    # a start tag is read to its ">" only: no quote is followed to a distant one
    "event handlers in tags never closed x N": lambda: list(
        rules.event_handlers(
            rules.RuleContext(
                '<a onclick="x ' * 20_000 + "<b " * 20_000 + ' onload="y">' + "<i on" * 20_000,
                None,  # type: ignore[arg-type]
                "x",
                lambda _: 1,
            )
        )
    ),
    # a start tag ends at a blank line too: each block is read once
    "'<a' cut short by blank lines x N": lambda: elements(
        "<a x\n" * 100 + ("<a href='x'\n\n" + "<img\n" * 5) * 20_000, ("a", "img")
    ),
    "'<script>' x N around a step": lambda: list(
        rules.active_html(
            rules.RuleContext(
                "<script>x\n" * 20_000 + "\nStep 1. Keep.\n</script>\n" + "<form>" * 20_000,
                None,  # type: ignore[arg-type]
                "x",
                lambda _: 1,
            )
        )
    ),
    "unsafe-link's link pattern on open brackets": lambda: [
        list(MD_LINK.finditer(text))
        for text in ("[a](" * 50_000, "[x](" + "(" * 50_000, "[[a]" * 30_000 + "](x)")
    ],
    # the lines of each unclosed link were counted by reading up to the one distant </a>
    "unsafe '<a' x N, one '</a>'": lambda: list(
        rules.unsafe_links(
            rules.RuleContext(
                'Step 1. Open <a href="javascript:void(0)">it.\n\n' * 20_000 + "</a>\n",
                None,  # type: ignore[arg-type]
                "x",
                lambda _: 1,
            )
        )
    ),
    # a target may hold balanced parentheses: never more than one deep, so no nesting to try
    "local link targets of '()' and '(x' x N": lambda: [
        list(localrefs.references(text))
        for text in ("[a](" + "()" * 50_000, "[a](x" + "(y" * 50_000, "[" + "![a](b(c)" * 20_000)
    ],
    # each tag and text asked whether a heading (or <pre>) was open by reading the open tags
    "search sections of 40,000 open elements": lambda: searchsections.sections(
        "<ul><li>" * 20_000 + "text" + "</li></ul>" * 20_000
    ),
    # a regex for code spans read to the end from each run of backticks no run closes
    "backtick runs of every length": lambda: code_spans(
        "".join("`" * k + " x " for k in range(1, 1500)) + "[a](javascript:b)"
    ),
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
        if seconds > ARTICLE_SECONDS / 2:
            slow[name] = round(seconds, 2)
    assert not slow, slow


# --------------------------------------------------------------------------- the inline cap


def test_inline_work_grows_with_what_markdown_rescans() -> None:
    small, large = inline_work("[a " * 1000), inline_work("[a " * 2000)
    assert 3.5 < large / small < 4.5  # every unclosed "[" is read to the end: quadratic
    assert inline_work("plain words " * 2000) == len("plain words " * 2000)
    closed = "[a](b) " * 2000
    assert inline_work(closed) < inline_work(closed.replace(")", "")) / 10
    # a "<" left open makes html.parser read on; closed tags do not
    assert inline_work("<b>x</b> " * 1000) * 5 < inline_work("<span x " * 1000)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_ordinary_articles_are_far_below_the_caps(path: Path) -> None:
    allowance = Allowance()
    render_guide(guide_of(path.read_text(encoding="utf-8"), path.name), allowance=allowance)
    assert allowance.capped == []
    assert allowance.spent < GUIDE_CAP / 100


def test_a_piece_over_its_cap_or_the_guides_is_written_as_literal_text() -> None:
    allowance = Allowance(piece_cap=1_000, guide_cap=2_500)
    writer = render._PageWriter("guides/g/index.md", {}, {}, allowance=allowance)
    assert writer.prose("just words") == "just words"
    huge = "[a " * 100
    assert writer.prose(huge) == literal(huge)
    assert writer.block(Heading("*" * 200, 2)) == "## " + literal("*" * 200)
    medium = "*a* " * 5  # 20 chars, 10 matches: about 200 each
    shown = [writer.prose(medium) for _ in range(20)]
    assert shown[0] == medium and shown[-1] == literal(medium)  # the guide ran out
    assert allowance.capped[:2] == [huge, "*" * 200]
    assert allowance.spent <= 2_500


def _site_markdown() -> markdown.Markdown:
    config = load_config(str(ROOT / "mkdocs.yml"))
    return markdown.Markdown(
        extensions=config.markdown_extensions, extension_configs=config.mdx_configs
    )


SITE_MD = _site_markdown()


@given(st.text(alphabet="ab `<>[]()*_\\&#!{}:\n", min_size=1, max_size=60))
def test_literal_text_shows_every_character_and_nothing_else(text: str) -> None:
    html = SITE_MD.reset().convert("Before\n\n" + literal(text) + "\n\nAfter")
    code = re.fullmatch(r"<p>Before</p>\n<p><code>(.*)</code></p>\n<p>After</p>", html, re.DOTALL)
    if not " ".join(text.split()):
        return
    assert code is not None, html
    shown = code.group(1).replace("\u2060", "")
    shown = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert shown == " ".join(text.split())


def test_capped_text_is_warned_about_with_its_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "fuzz.md").write_text(fuzz_shapes.shape("unclosed-brackets"), encoding="utf-8")
    result = pipeline.build(content)
    [article] = result.articles
    [warning] = [d for d in article.diagnostics if d.rule == "budget"]
    construct_line = (
        fuzz_shapes.shape("unclosed-brackets")
        .split("\n")
        .index(fuzz_shapes.construct("unclosed-brackets"))
    )
    assert warning.line == construct_line + 1
    assert "shown as it is" in warning.message
    page = next(p for p in result.pages if p.path.endswith("method-1-use-settings.md"))
    assert "`` [a [a [a" in page.body or "` [a [a [a" in page.body
    # from the cache, the warning comes again
    cache = pipeline.Cache(tmp_path / "cache.sqlite")
    pipeline.build(content, cache=cache)
    again = pipeline.build(content, cache=cache)
    assert again.articles[0].from_cache
    assert [d.line for d in again.articles[0].diagnostics if d.rule == "budget"] == [warning.line]


# --------------------------------------------------------------------------- the hard stop


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> workers.Pool:
    monkeypatch.setenv("PYTHONPATH", str(TESTS))  # the workers import tests/worker_tasks.py
    pool = workers.Pool(2)
    yield pool
    pool.close()


def test_an_item_past_its_cpu_limit_is_stopped_and_the_others_done(pool: workers.Pool) -> None:
    started = time.monotonic()
    outcomes = pool.map("worker_tasks:behave", None, ["a", "spin", "b", "c"], limit=0.3, chunk=4)
    assert [o.result[0] if o.result else None for o in outcomes] == ["a", None, "b", "c"]
    assert re.fullmatch(r"stopped after 0\.\d s \(the limit was 0\.3 s\)", outcomes[1].stopped)
    assert outcomes[1].seconds >= 0.3
    assert time.monotonic() - started < 10
    assert all(o.seconds < 0.3 and not o.stopped for o in (outcomes[0], outcomes[2]))


def test_each_item_has_its_own_limit(pool: workers.Pool) -> None:
    outcomes = pool.map("worker_tasks:behave", None, ["spin", "spin"], limit=[0.2, 0.6])
    assert outcomes[0].stopped.endswith("(the limit was 0.2 s)")
    assert outcomes[1].stopped.endswith("(the limit was 0.6 s)")


def test_a_worker_that_dies_fails_its_item_only(pool: workers.Pool) -> None:
    outcomes = pool.map("worker_tasks:behave", None, ["a", "die", "b"], limit=5, chunk=3)
    assert outcomes[1].stopped == "the worker process ended (exit code 3)"
    assert outcomes[0].result[0] == "a" and outcomes[2].result[0] == "b"


def test_an_item_that_waits_is_stopped_by_the_wall_clock(pool: workers.Pool) -> None:
    started = time.monotonic()
    [outcome] = pool.map("worker_tasks:behave", None, ["sleep"], limit=0.1)
    assert outcome.stopped.startswith("stopped after")
    assert 0.1 * workers.WALL_FACTOR <= time.monotonic() - started < 5


def test_workers_stay_up_between_calls(pool: workers.Pool) -> None:
    first = pool.map("worker_tasks:behave", None, ["a"], limit=5)
    second = pool.map("worker_tasks:behave", None, ["b"], limit=5)
    assert first[0].result[1] == second[0].result[1]


def test_released_workers_end_on_their_own_and_a_later_call_starts_others(
    pool: workers.Pool,
) -> None:
    [first] = pool.map("worker_tasks:behave", None, ["a"], limit=5)
    pid = first.result[1]
    pool.release()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":  # ended, not yet waited
        assert time.monotonic() < deadline, "a released worker did not end"
        time.sleep(0.01)
    [second] = pool.map("worker_tasks:behave", None, ["b"], limit=5)
    assert second.result[0] == "b" and second.result[1] != pid
    pool.close()
    assert not Path(f"/proc/{pid}").exists()  # waited for by close


def test_no_worker_process_is_an_oserror(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(ROOT / "no-such-python"))
    with pytest.raises(OSError):
        workers.Pool(1).map("worker_tasks:behave", None, ["a"], limit=1)


# --------------------------------------------------------------------------- the property


@pytest.mark.slow
def test_every_fuzz_shape_builds_within_the_budget() -> None:
    """Each shape's whole path, its pages converted by a worker as a build does."""
    bench = _load("budget_bench")
    config = bench.site_config()
    pool = workers.Pool(1)
    over = {}
    try:
        for name, text in fuzz_shapes.shapes(1.0).items():
            row = bench.measure(name, text, config, pool)
            assert not row.refused, (name, row.refused)
            if row.stopped or row.total > ARTICLE_SECONDS:
                over[name] = (round(row.total, 2), row.stopped)
    finally:
        pool.close()
    assert not over, over


@pytest.mark.slow
def test_a_site_refuses_an_article_over_the_budget_and_builds_the_rest(
    tmp_path: Path, mkdocs_env: dict[str, str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project)
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copytree(ROOT / "content", project / "content")
    # 15,000 steps: several seconds in md_in_html, nothing the inline cap sees
    (project / "content" / "many-steps.md").write_text(fuzz_shapes.shape("step-labels", 3.0))
    site = tmp_path / "site"
    proc = mkdocs_build(project, "--no-strict", "-d", str(site), env=mkdocs_env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 2, proc.stderr
    # the summary, once the pages are converted, counts it refused and names it
    assert errors[1].endswith("cleanguide: 1 article(s) refused: many-steps.md"), errors
    assert "1 guide(s) from 2 article(s), 1 refused;" in proc.stderr
    assert re.search(
        r"many-steps\.md: error: refused: converting guides/many-steps/method-1-use-settings\.md "
        r"was stopped after \d\.\d s \(the limit was [\d.]+ s\), over the budget of 2 s per "
        r"article \[budget\]",
        errors[0],
    ), errors[0]
    refused = (site / "guides" / "many-steps" / "method-1-use-settings" / "index.html").read_text()
    assert "many-steps.md was not built" in refused and "Step 15" not in refused
    home = (site / "guides" / "many-steps" / "index.html").read_text()
    assert "many-steps.md was not built" in home
    seed = (site / "guides" / "android-photo-backup" / "index.html").read_text()
    assert "Google Photos" in seed
    audit = json.loads((project / "build" / "cleanguide" / "many-steps.json").read_text())
    assert [d["rule"] for d in audit["diagnostics"] if d["severity"] == "error"] == ["budget"]
    assert audit["refused"] is True
    summary = (project / "build" / "cleanguide" / "summary.txt").read_text()
    assert "1 guide(s) from 2 article(s), 1 refused;" in summary


def test_a_larger_article_has_a_budget_for_each_half_mib() -> None:
    assert allowance(2.0, 0) == allowance(2.0, BUDGET_BYTES) == 2.0
    assert allowance(2.0, 4 * BUDGET_BYTES) == 8.0
    assert allowance(3.0, BUDGET_BYTES // 2 * 3) == 4.5


def sound_article(size: int) -> str:
    """An article of plain prose in many methods of five steps, about `size` bytes."""
    words = "open the backup folder and select the files you want to keep on the drive "
    parts = ["---\ntitle: Maintenance, all of it\ndate: 2024-09-09\n---\n\nWhat to do.\n"]
    method = 0
    while sum(map(len, parts)) < size:
        method += 1
        parts.append(f"\n## Method {method}: Task {method}\n\n{words * 12}\n")
        parts += [f"\nStep {k}. Do part {k} of task {method}: {words * 9}\n" for k in range(1, 6)]
    return "".join(parts)


@pytest.mark.slow
def test_a_sound_article_near_the_size_limit_is_built(
    tmp_path: Path, mkdocs_env: dict[str, str]
) -> None:
    """A sound 2 MB article (455 pages) takes longer than a budget meant for an article of
    common size (here 1.5 to 2.5 s, against 1 s set for the test): its budget is as much
    for each half MiB, and it is built, not refused."""
    project = tmp_path / "project"
    project.mkdir()
    config = (ROOT / "mkdocs.yml").read_text()
    assert "  - cleanguide:\n" in config
    config = config.replace("  - cleanguide:\n", "  - cleanguide:\n      article_budget: 1\n")
    (project / "mkdocs.yml").write_text(config)
    shutil.copytree(ROOT / "docs", project / "docs")
    (project / "content").mkdir()
    text = sound_article(2_000_000)
    assert 1_990_000 < len(text.encode()) < reader.MAX_BYTES
    (project / "content" / "big.md").write_text(text)
    proc = mkdocs_build(project, "--strict", "-d", str(tmp_path / "site"), env=mkdocs_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "1 guide(s) from 1 article(s), 0 refused;" in proc.stderr
    last = tmp_path / "site" / "guides" / "big" / "method-400-task-400" / "index.html"
    assert "Do part 5 of task 400" in last.read_text()


# ------------------------------------------------- reading, cleaning and structuring, stopped

BACKTRACKING = re.compile(r"(a+)+$")
"""Exponential on a run of `a` that ends otherwise: 28 of them take about 9 s here."""


def stall() -> None:
    """A regular expression that backtracks for seconds, in C."""
    BACKTRACKING.match("a" * 28 + "b")


def test_a_cpu_limit_stops_a_regular_expression_in_the_middle_of_its_match() -> None:
    previous = signal.getsignal(signal.SIGVTALRM)
    with pytest.raises(OverBudget), cpu_limit(0.1):
        stall()
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)  # disarmed, handler back
    assert signal.getsignal(signal.SIGVTALRM) is previous


def test_a_block_within_its_cpu_limit_runs_to_its_end_and_leaves_no_timer() -> None:
    with cpu_limit(5.0):
        done = sum(range(1000))
    assert done == 499500
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)


def test_outside_the_main_thread_a_cpu_limit_is_no_limit() -> None:
    """A timer's signal only reaches the main thread: elsewhere the block runs unlimited
    (and no timer is armed for a thread that cannot be interrupted)."""
    seen: list[object] = []

    def run() -> None:
        with cpu_limit(0.0):
            seen.append(signal.getitimer(signal.ITIMER_VIRTUAL))
            seen.append(sum(range(100_000)))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [(0.0, 0.0), 4999950000]


def stalling(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """Make cleaning the article `name` stall; the names of the articles cleaned, returned,
    grow as the pipeline cleans them."""
    cleaned: list[str] = []
    real = pipeline.clean_and_structure

    def clean_and_structure(article: Any, slug: str) -> Any:
        cleaned.append(article.source)
        if article.source == name:
            stall()
        return real(article, slug)

    monkeypatch.setattr(pipeline, "clean_and_structure", clean_and_structure)
    return cleaned


def content_with(folder: Path, name: str) -> Path:
    """Four corpus articles and the seed, and under `name` a copy of the seed without its
    topics (no other guide's related guides name it)."""
    folder.mkdir()
    for path in sorted((TESTS / "corpus").glob("*.md"))[:4] + sorted(
        (ROOT / "content").glob("*.md")
    ):
        shutil.copy(path, folder / path.name)
    text = (ROOT / "content" / "android-photo-backup.md").read_text(encoding="utf-8")
    text = text.replace('title: "', 'title: "Stalled ', 1)
    text = re.sub(r"^(tags|categories):\n(  - .*\n)+", "", text, flags=re.M)  # not related
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def built(result: pipeline.BuildResult, but: str) -> list[object]:
    """The guides' pages and audit records of every article but `but` (comparable across
    builds; the library's own pages list `but` as built or refused)."""
    pages = [
        [p.path, p.text]
        for p in result.pages
        if p.path.startswith("guides/")
        and p.path != "guides/index.md"
        and not p.path.startswith(f"guides/{Path(but).stem}/")
    ]
    return pages + [audit_record(r, result.library) for r in result.articles if r.source != but]


@pytest.mark.parametrize("forked", [False, True], ids=["here", "in-a-fork"])
def test_an_article_whose_cleaning_stalls_is_stopped_refused_and_tried_again_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    content = content_with(tmp_path / "content", "zz-stalls.md")  # last: in the fork's half
    expected = built(pipeline.build(content), but="zz-stalls.md")
    if forked:
        monkeypatch.setattr(pipeline, "FORK_MIN", 2)
        monkeypatch.setattr(forks, "cores", lambda: 2)
        monkeypatch.setattr(forks, "can_fork", lambda: True)
    cleaned = stalling(monkeypatch, "zz-stalls.md")
    cache = Cache(tmp_path / "cache")
    cache.begin()
    result = pipeline.build(content, cache=cache, budget=0.2)
    stopped = next(r for r in result.articles if r.source == "zz-stalls.md")
    assert stopped.refused and stopped.over_budget and stopped.card is None
    assert [str(d) for d in stopped.diagnostics] == [
        "zz-stalls.md: error: refused: reading, cleaning and structuring it were stopped "
        "after 0.2 s, over the budget of 0.2 s per article [budget]"
    ]
    assert 0.2 <= stopped.seconds < 2.0
    assert [r.source for r in result.refused] == ["zz-stalls.md"]
    assert not [p for p in result.pages if p.path.startswith("guides/zz-stalls/")]
    assert built(result, but="zz-stalls.md") == expected  # the others as without it
    index = next(p.text for p in result.pages if p.path == "guides/index.md")
    assert "`zz-stalls.md`: refused: reading, cleaning and structuring it were stopped" in index
    cache.close()
    if not forked:
        assert cleaned[-1] == "zz-stalls.md"
        cleaned.clear()
        cache = Cache(tmp_path / "cache")
        cache.begin()
        again = pipeline.build(content, cache=cache, budget=0.2)
        cache.close()
        assert cleaned == ["zz-stalls.md"]  # the others from the cache, the stopped one not
        assert [r.source for r in again.refused] == ["zz-stalls.md"]


@pytest.mark.parametrize("forked", [False, True], ids=["here", "in-a-fork"])
def test_an_article_whose_rendering_stalls_is_stopped_and_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    """Rendering a guide's pages (and cleaning it again, when the cache has the article but
    not its pages) has what is left of the article's budget."""
    content = content_with(tmp_path / "content", "zz-stalls.md")
    expected = built(pipeline.build(content), but="zz-stalls.md")
    if forked:
        monkeypatch.setattr(pipeline, "FORK_MIN", 2)
        monkeypatch.setattr(forks, "cores", lambda: 2)
        monkeypatch.setattr(forks, "can_fork", lambda: True)
    rendered: list[str] = []
    real = pipeline.render_guide

    def render_guide(guide: Any, *args: Any) -> Any:
        rendered.append(guide.slug)
        if guide.slug == "zz-stalls":
            stall()
        return real(guide, *args)

    monkeypatch.setattr(pipeline, "render_guide", render_guide)
    cache = Cache(tmp_path / "cache")
    cache.begin()
    result = pipeline.build(content, cache=cache, budget=0.2)
    cache.close()
    stopped = next(r for r in result.articles if r.source == "zz-stalls.md")
    assert stopped.refused and stopped.over_budget and stopped.card is None
    assert str(stopped.diagnostics[-1]) == (
        "zz-stalls.md: error: refused: rendering its pages was stopped when it had taken "
        "0.2 s, over the budget of 0.2 s per article [budget]"
    )
    assert stopped.removals  # what reading it found stays, for the audit
    assert [r.source for r in result.refused] == ["zz-stalls.md"]
    assert not [p for p in result.pages if p.path.startswith("guides/zz-stalls/")]
    assert built(result, but="zz-stalls.md") == expected
    if not forked:
        rendered.clear()
        cache = Cache(tmp_path / "cache")
        cache.begin()
        again = pipeline.build(content, cache=cache, budget=0.2)
        cache.close()
        assert rendered == ["zz-stalls"]  # the others' pages from the cache, its own not
        assert [r.source for r in again.refused] == ["zz-stalls.md"]


STALLING_MKDOCS = """
import re, sys
import cleanguide.pipeline as pipeline
real = pipeline.clean_and_structure
def clean_and_structure(article, slug):
    if article.source == "stalls.md":
        re.match(r"(a+)+$", "a" * 60 + "b")  # backtracks for years
    return real(article, slug)
pipeline.clean_and_structure = clean_and_structure
from mkdocs.__main__ import cli
sys.argv[0] = "mkdocs"
cli()
"""
"""`mkdocs` in a process where cleaning `stalls.md` never ends on its own."""


@pytest.mark.slow
def test_a_site_stops_an_article_whose_cleaning_stalls_and_builds_the_rest(
    tmp_path: Path, project_copy: Path, mkdocs_env: dict[str, str]
) -> None:
    project = project_copy
    seed = (ROOT / "content" / "android-photo-backup.md").read_text(encoding="utf-8")
    (project / "content" / "stalls.md").write_text(seed.replace('title: "', 'title: "Copy ', 1))
    site = tmp_path / "site"
    cmd = [sys.executable, "-c", STALLING_MKDOCS, "build", "--no-strict", "-d", str(site)]
    proc = subprocess.run(
        cmd, cwd=project, env=mkdocs_env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert errors[0] == (
        "ERROR   -  stalls.md: error: refused: reading, cleaning and structuring it were "
        "stopped after 2.0 s, over the budget of 2 s per article [budget]"
    ), proc.stderr
    assert errors[-1].endswith("cleanguide: 1 article(s) refused: stalls.md"), errors
    assert "1 guide(s) from 2 article(s), 1 refused;" in proc.stderr
    home = (site / "guides" / "android-photo-backup" / "index.html").read_text()
    assert "Google Photos" in home
    assert not (site / "guides" / "stalls").exists()
    index = (site / "guides" / "index.html").read_text()
    assert "stalls.md</code>: refused: reading, cleaning and structuring it were stopped" in index
