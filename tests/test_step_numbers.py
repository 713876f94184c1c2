"""Steps exactly as the author numbered them, as the browser shows them (issue 12).

The oracle is benchmarks/step_numbers.py (see its docstring): it lists the numbered items of
each ORIGINAL article with its own simple rules, and reads the number each one shows in the
HTML a build serves (the real pipeline, the site's Markdown extensions, the sanitiser).

Every case in tests/fixtures/steps/ also has a golden outline of its pages (`*.outline`):
what the browser gets, one line per block. Regenerate after a deliberate change with
UPDATE_GOLDENS=1 and review the diff.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from hypothesis import given
from hypothesis import strategies as st

from cleanguide import pipeline
from cleanguide.model import (
    Block,
    BulletList,
    Contents,
    ContentsEntry,
    Guide,
    Heading,
    Note,
    Paragraph,
    Procedure,
    Section,
    Step,
)
from cleanguide.reader import loads
from cleanguide.render import render_guide

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SEED = ROOT / "content" / "android-photo-backup.md"
ARTICLES = [*sorted(CORPUS.glob("*.md")), SEED]
FIXTURES = Path(__file__).parent / "fixtures" / "steps"
CASES = sorted(FIXTURES.glob("*.md"))


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


oracle = _load("step_numbers")


@pytest.fixture(scope="module")
def md() -> Any:
    return oracle.SiteMarkdown()


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in paths]


def _report(result: Any) -> str:
    lines = [f"{reason}: {item!r}" for item, reason in result.failures]
    lines += [f"invented: #{s.anchor} shown as {s.number}" for s in result.invented]
    return "\n".join(lines)


@pytest.mark.parametrize("path", ARTICLES, ids=_ids(ARTICLES))
def test_corpus_steps_show_the_authors_numbers(path: Path, md: Any) -> None:
    result = oracle.score_article(path, md)
    assert not result.failures and not result.invented, _report(result)


def test_the_corpus_has_numbered_items_of_every_kind() -> None:
    """The corpus check is not vacuous: phases, sub-steps, inline runs, labels, lists."""
    items = [
        i
        for p in ARTICLES
        for i in oracle.numbered_items(*oracle.split_front_matter(p.read_text("utf-8")))
    ]
    assert len(items) > 150
    assert any(i.phase is not None for i in items)  # sub-steps of a phase
    assert any(i.step_label and i.subs for i in items)  # phases
    assert any(i.step_label and not i.subs for i in items)  # plain "Step N"
    assert any(not i.step_label and i.phase is None for i in items)  # "1." lists


@pytest.mark.parametrize("seed", [7, 2026])
def test_unseen_like_variants_show_the_authors_numbers(seed: int, tmp_path: Path, md: Any) -> None:
    paths = _load("variants").make_variants(tmp_path, seed=seed, per_article=1)
    total = passed = invented = 0
    failures = []
    for path in paths:
        result = oracle.score_article(path, md)
        total += len(result.items)
        passed += result.passed
        invented += len(result.invented)
        if result.failures or result.invented:
            failures.append(f"{path.name}:\n{_report(result)}")
    print(f"variants (seed {seed}): {passed} of {total} numbered items pass, {invented} invented")
    assert total > 150
    assert not failures, "\n".join(failures)


# --- the fixtures: one pattern each ---------------------------------------------------------


def _pages(path: Path, md: Any) -> list[tuple[str, str]]:
    guide, _cleaned = pipeline.clean_and_structure(loads(path.read_bytes(), path.name), path.stem)
    return [(page.path, md(page.text)) for page in render_guide(guide)]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fixture_steps_show_the_authors_numbers(case: Path, md: Any) -> None:
    items = oracle.numbered_items(*oracle.split_front_matter(case.read_text("utf-8")))
    result = oracle.check(items, [html for _, html in _pages(case, md)])
    assert items and not result.failures and not result.invented, _report(result)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fixture_pages_match_their_outline(case: Path, md: Any) -> None:
    got = "".join(f"== {path}\n{outline(html)}" for path, html in _pages(case, md))
    expected = case.with_suffix(".outline")
    if os.environ.get("UPDATE_GOLDENS"):
        expected.write_text(got, encoding="utf-8")
    assert got == expected.read_text(encoding="utf-8")


def outline(html: str) -> str:
    """The page as the browser gets it, one line per block; list items with their numbers."""
    soup = BeautifulSoup(html, "html.parser")
    lines: list[str] = []
    _walk(soup, 0, lines)
    return "".join(line + "\n" for line in lines)


def _walk(parent: Tag, depth: int, lines: list[str], holder: str = "") -> None:
    """`holder`: the number of the list item `parent` is, if any (in a list of class
    cg-dotted nested in an item, an item shows its `data-number`, "2.1")."""
    pad = "  " * depth
    for el in parent.find_all(True, recursive=False):
        name = el.name
        if name == "ol":
            number = int(str(el.get("start", 1)))
            dotted = holder and "cg-dotted" in (el.get("class") or [])
            for li in el.find_all("li", recursive=False):
                number = int(str(li.get("value", number)))
                shown = str(li.get("data-number", number)) if dotted else str(number)
                lines.append(f"{pad}{shown}. #{li.get('id', '')}")
                _walk(li, depth + 1, lines, shown)
                number += 1
        elif name == "ul":
            for li in el.find_all("li", recursive=False):
                a = li.find("a")
                link = f" -> {a.get('href')}" if isinstance(a, Tag) else ""
                lines.append(f"{pad}- {_words(li)}{link}")
        elif name == "figure":
            img = el.find("img")
            src = Path(str(img.get("src", ""))).name if isinstance(img, Tag) else ""
            caption = el.find("figcaption")
            lines.append(f"{pad}figure {src}" + (f" | {_words(caption)}" if caption else ""))
        elif name == "div" and "admonition" in (el.get("class") or []):
            kind = [c for c in el.get("class", []) if c != "admonition"]
            body = " ".join(
                _words(p)
                for p in el.find_all("p")
                if "admonition-title" not in (p.get("class") or [])
            )
            lines.append(f"{pad}{'/'.join(kind)}: {body}")
        elif name == "div" or name == "pre":
            lines.append(f"{pad}code: {el.get_text().strip().splitlines()[0]}")
        elif re.fullmatch(r"h[1-6]", name):
            anchor = f" #{el.get('id')}" if el.get("id") else ""
            lines.append(f"{pad}{name}{anchor}: {_words(el)}")
        else:
            images = " ".join(f"[{Path(str(i.get('src', ''))).name}]" for i in el.find_all("img"))
            lines.append(f"{pad}{name}: {_words(el)}" + (f" {images}" if images else ""))


def _words(el: Tag, n: int = 10) -> str:
    words = el.get_text(" ").replace("\u00b6", "").split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


# --- the oracle can fail ---------------------------------------------------------------------


def test_oracle_reads_numbers_phases_and_runs() -> None:
    body = (
        "#### Step 1: Prepare\n\n1) Open it.\n\nText. 2) Close it.\n\n"
        "**Step Two** Now: 1) Do this. 2) Do that.\n\n## Other\n\n3. Orphan item.\n\n"
        "Prose. 1) Use the app. 3) Use the site.\n\n1. [Contents](#part1)\n"
    )
    items = oracle.numbered_items(body)
    shape = [(i.number, i.step_label, i.phase.number if i.phase else None) for i in items]
    assert shape == [
        (1, True, None),
        (1, False, 1),
        (2, False, 1),
        (2, True, None),
        (1, False, 2),
        (2, False, 2),
        (3, False, None),
    ]


def test_oracle_reads_items_nested_in_a_list_item_and_dotted_labels() -> None:
    body = (
        "1. Open it.\n2. Choose:\n   1. Settings\n   2. Panel\n3. Close it.\n\n"
        "  4. Sloppy, not nested.\n\n## Other\n\n   1. Under no item.\n\n"
        "Step 2. Sign in.\n\nStep 2.1 Type it.\n\nStep 3.1 Under no step 3.\n"
    )
    items = oracle.numbered_items(body)
    shape = [(i.number, i.dotted, i.phase.number if i.phase else None) for i in items]
    assert shape == [
        (1, False, None),
        (2, False, None),
        (1, False, 2),
        (2, False, 2),
        (3, False, None),
        (4, False, None),
        (1, False, None),
        (2, False, None),
        (1, True, 2),
    ]


def _restart_every_list(soup: BeautifulSoup) -> None:
    for ol in soup.find_all("ol"):
        ol["start"] = "1"  # what the pages showed before: every list from 1


def _drop_anchors(soup: BeautifulSoup) -> None:
    for li in soup.find_all("li"):
        li.attrs.pop("id", None)


def _misname_an_anchor(soup: BeautifulSoup) -> None:
    for li in soup.find_all("li", id="step-2-1"):
        li["id"] = "step-3-1"


def _letter_sub_steps(soup: BeautifulSoup) -> None:
    for ol in soup.find_all("ol"):
        ol.attrs.pop("type", None)  # Material then letters the nested lists: a, b, c


def _flatten_phases(soup: BeautifulSoup) -> None:
    for li in soup.find_all("li"):
        for ol in li.find_all("ol", recursive=False):
            li.insert_after(ol.extract())  # sub-steps no longer inside their phase


@pytest.mark.parametrize(
    ("case", "breakage", "reason"),
    [
        ("numbers-as-written", _restart_every_list, "shown as 1"),
        ("phases-under-headings", _drop_anchors, "no step anchor"),
        ("phases-under-headings", _misname_an_anchor, "does not name 2-1"),
        ("phases-under-headings", _flatten_phases, "not under its phase"),
        ("phases-under-headings", _letter_sub_steps, "shown as a letter"),
    ],
)
def test_oracle_catches_a_wrong_page(case: str, breakage: Any, reason: str, md: Any) -> None:
    path = FIXTURES / f"{case}.md"
    items = oracle.numbered_items(*oracle.split_front_matter(path.read_text("utf-8")))
    pages = []
    for _, html in _pages(path, md):
        soup = BeautifulSoup(html, "html.parser")
        breakage(soup)
        pages.append(str(soup))
    result = oracle.check(items, pages)
    assert any(reason in why for _, why in result.failures), _report(result)


# --- the renderer: lists, anchors, counts ----------------------------------------------------


def _guide(*body: Block) -> Guide:
    section = Section("Part 1. Tools", "part-1-tools", list(body), number=1)
    return Guide("a.md", "a", "A guide", sections=[section])


def _steps(*numbers: int) -> Procedure:
    return Procedure([Step(n, f"Do thing {n}") for n in numbers])


def _shown(guide: Guide, md: Any) -> list[tuple[int, str]]:
    html = md(render_guide(guide)[1].text)
    return [(s.number, s.anchor) for s in oracle.shown_items([html])]


def test_every_list_item_shows_its_number_and_anchor(md: Any) -> None:
    phase = Step(2, "Edit the registry", substeps=[Step(1, "Open it"), Step(2, "Change it")])
    guide = _guide(Procedure([Step(1, "Back up"), phase, Step(4, "Restart")]))
    assert _shown(guide, md) == [
        (1, "step-1"),
        (2, "step-2"),
        (1, "step-2-1"),
        (2, "step-2-2"),
        (4, "step-4"),  # after a skipped number, a list of its own starting at 4
    ]
    assert guide.step_count == 5


def test_a_second_list_on_a_page_gets_anchors_of_its_own(md: Any) -> None:
    guide = _guide(
        Heading("Using ADB", 3), _steps(1, 2), Heading("Using Fastboot", 3), _steps(1, 2), _steps(1)
    )
    assert _shown(guide, md) == [
        (1, "step-1"),
        (2, "step-2"),
        (1, "using-fastboot-step-1"),
        (2, "using-fastboot-step-2"),
        (1, "list-2-step-1"),
    ]


def test_the_overview_counts_phases_and_sub_steps() -> None:
    phases = [Step(n, "", substeps=[Step(k, "") for k in range(1, 5)]) for n in (1, 2)]
    home = render_guide(_guide(Procedure(phases)))[0].text
    assert "(part-1-tools.md) — 10 steps" in home


def test_contents_entries_link_sections_and_headings(md: Any) -> None:
    guide = _guide(Heading("What is OpenCV", 3), Paragraph("A library."), _steps(1))
    guide.intro = [
        Contents((ContentsEntry("What is OpenCV", 0, "What is OpenCV"), ContentsEntry("Tools", 0)))
    ]
    home, page = render_guide(guide)
    assert "- [What is OpenCV](part-1-tools.md#what-is-opencv)" in home.text
    assert "- [Tools](part-1-tools.md) — 1 step" in home.text
    assert 'id="what-is-opencv"' in md(page.text)


@pytest.mark.parametrize(
    "text",
    [
        "Type `</li></ol>` to close the list.",  # an HTML tutorial's code
        "Click </li></ol><li>here and <OL start=9><li>there",  # stray or hostile tags
        "Use ``<li>`` then </LI >",
    ],
)
def test_list_tags_in_a_step_cannot_end_its_list(text: str, md: Any) -> None:
    first = Step(1, "", [Paragraph(text), Note("note", text), BulletList((text,))])
    html = md(render_guide(_guide(Procedure([first, Step(2, "Next")])))[1].text)
    assert [(s.number, s.anchor) for s in oracle.shown_items([html])] == [
        (1, "step-1"),
        (2, "step-2"),
    ]
    if "`" in text:  # the code shows as written
        assert "<code>&lt;/li&gt;&lt;/ol&gt;</code>" in html or "<code>&lt;li&gt;</code>" in html


# --- articles never seen: any mix of the shapes above ----------------------------------------

_WORDS = st.lists(
    st.sampled_from(["open", "the", "settings", "app", "choose", "network", "click", "apply"])
)


def _sentence(k: int, words: list[str]) -> str:
    """A sentence of its own: the oracle finds items by their first words, letters and
    digits run together, as a substring, so no sentence may start with another's first
    word ("Item2" would be found in "Item203"): k is written with three digits."""
    return " ".join([f"Item{k:03d}", *words]) + "."


_BLOCKS = st.one_of(
    st.builds(lambda n, w: lambda k: f"{n}) {_sentence(k, w)}", st.integers(1, 6), _WORDS),
    st.builds(lambda n, w: lambda k: f"{n}. {_sentence(k, w)}", st.integers(1, 6), _WORDS),
    st.builds(lambda n, w: lambda k: f"Step {n} {_sentence(k, w)}", st.integers(1, 6), _WORDS),
    st.builds(
        lambda n, w: lambda k: f"#### Step {n}: {_sentence(k, w)[:-1]}", st.integers(1, 3), _WORDS
    ),
    st.builds(
        lambda n, w: lambda k: f"- **Step {n}.** {_sentence(k, w)}", st.integers(1, 4), _WORDS
    ),
    st.builds(
        lambda n, w: (
            lambda k: (
                f"{_sentence(k, w)} {n}) {_sentence(k + 100, w)} {n + 1}) {_sentence(k + 200, w)}"
            )
        ),
        st.integers(1, 4),
        _WORDS,
    ),
    st.builds(
        lambda n, w: (
            lambda k: (
                f"{_sentence(k, w)} **Step {n}** {_sentence(k + 100, w)} 1) {_sentence(k + 200, w)}"
            )
        ),
        st.sampled_from(["One", "Two", "Three", "1", "2"]),
        _WORDS,
    ),
    st.builds(lambda w: lambda k: f"Note: {_sentence(k, w)}", _WORDS),
    st.builds(lambda w: lambda k: _sentence(k, w), _WORDS),
    st.builds(lambda w: lambda k: f"## Part {k}. {_sentence(k, w)[:-1]}", _WORDS),
    st.just(lambda k: f"![shot](https://cdn.example/{k}.png)"),
    st.just(lambda k: "1. [Contents](#part1)"),
)


@given(st.lists(_BLOCKS, min_size=1, max_size=14))
def test_generated_articles_show_the_authors_numbers(blocks: list[Any]) -> None:
    """Whatever the mix, every numbered item shows its number; no id twice on a page."""
    md = _session_md()
    text = "---\ntitle: Generated\n---\n\n" + "\n\n".join(b(k) for k, b in enumerate(blocks))
    guide, _cleaned = pipeline.clean_and_structure(loads(text.encode(), "g.md"), "g")
    pages = [md(page.text) for page in render_guide(guide)]
    result = oracle.check(oracle.numbered_items(*oracle.split_front_matter(text)), pages)
    assert not result.failures and not result.invented, text + "\n" + _report(result)
    for html in pages:
        ids = [t["id"] for t in BeautifulSoup(html, "html.parser").find_all(id=True)]
        assert len(ids) == len(set(ids)), ids


_MD: list[Any] = []


def _session_md() -> Any:
    """The site's Markdown, built once (Hypothesis tests cannot take function fixtures)."""
    if not _MD:
        _MD.append(oracle.SiteMarkdown())
    return _MD[0]
