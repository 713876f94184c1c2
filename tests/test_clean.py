"""The cleaning rules, one fixture file per case: input, expected output, expected warnings.

Regenerate expectations after a deliberate rule change with UPDATE_GOLDENS=1.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleanguide.clean import RULES, Rule, clean, reconstruct
from cleanguide.clean.engine import Cut, RuleContext
from cleanguide.meta import Meta
from cleanguide.model import Article

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
CASES = sorted(FIXTURES.glob("*.txt"))
_CASE = re.compile(r"<<< input\n(.*?)>>> expected\n(.*?)(?:!!! warnings (\d+)\n?)?\Z", re.S)


def article(body: str, source: str = "case.md") -> Article:
    return Article(source=source, meta=Meta("t"), body=body, body_line=5)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_rule_fixture(case: Path) -> None:
    m = _CASE.match(case.read_text(encoding="utf-8"))
    assert m, f"{case.name}: malformed fixture"
    body, expected, warnings = m.group(1), m.group(2), int(m.group(3) or 0)
    cleaned = clean(article(body))
    if os.environ.get("UPDATE_GOLDENS"):
        tail = f"!!! warnings {len(cleaned.diagnostics)}\n" if cleaned.diagnostics else ""
        case.write_text(f"<<< input\n{body}>>> expected\n{cleaned.text}{tail}", encoding="utf-8")
        return
    assert cleaned.text == expected
    assert len(cleaned.diagnostics) == warnings, [str(d) for d in cleaned.diagnostics]
    assert reconstruct(cleaned.text, cleaned.kept, cleaned.removals) == body


def test_every_rule_has_a_fixture() -> None:
    """Each rule removes something, or warns, in at least one fixture."""
    exercised: set[str] = set()
    for case in CASES:
        m = _CASE.match(case.read_text(encoding="utf-8"))
        assert m, f"{case.name}: malformed fixture"
        cleaned = clean(article(m.group(1)))
        exercised |= {r.rule for r in cleaned.removals} | {d.rule for d in cleaned.diagnostics}
    assert [rule.name for rule in RULES if rule.name not in exercised] == []


def test_removals_name_rule_and_source_lines() -> None:
    body = "one\n<!-- affiliate ads begin -->\nad\n<!-- affiliate ads end -->\ntwo\n"
    cleaned = clean(article(body))
    (removal,) = cleaned.removals
    assert removal.rule == "ad-block"
    # body starts on line 5 of the file: the block spans file lines 6-8
    assert (removal.line, removal.end_line) == (6, 8)
    assert "affiliate ads begin" in removal.excerpt


@pytest.mark.parametrize("end_tag", ["</a>", "</a >", "</A  >"])
def test_an_empty_affiliate_anchor_is_removed_whatever_its_end_tag(end_tag: str) -> None:
    body = f'one <a href="https://shop.example/buy?affiliate=7"> {end_tag} two\n'
    cleaned = clean(article(body))
    assert [(r.rule, r.action) for r in cleaned.removals] == [("ad-element", "removed")]


def test_readable_text_maps_back_to_the_original_character_by_character() -> None:
    farm = "https://www.techidaily.com/x/"
    body = (
        f"see[the docs]({farm})now and[this]({farm})too\n\n"
        "<!-- affiliate ads begin -->\nad\n<!-- affiliate ads end -->\nnext line\n"
    )
    cleaned = clean(article(body))
    assert cleaned.readable.startswith("see the docs now and this too\n")
    for pos, char in enumerate(cleaned.readable):
        mapped = body[cleaned.readable_to_original(pos)]
        assert mapped == char or (char == " " and mapped.isalnum()), pos


def test_an_image_size_that_is_no_number_is_read_as_no_size() -> None:
    body = 'one <img src="https://site.example/a.png" width="\u00b2" height="300"> two\n'
    cleaned = clean(article(body))  # int("\u00b2") raises: the size is not decimal digits
    assert cleaned.text == body


def test_warnings_name_file_and_line() -> None:
    cleaned = clean(article("a\n\n<!-- affiliate ads begin -->\nstep text\n", "x/y.md"))
    (diag,) = cleaned.diagnostics
    assert str(diag).startswith("x/y.md:7: warning:")


def test_unterminated_markers_are_linear() -> None:
    body = "<!-- affiliate ads begin -->\nkeep me\n" * 20000
    cleaned = clean(article(body))
    assert cleaned.text.count("keep me") == 20000
    assert len(cleaned.diagnostics) == 20000


def test_greedy_match_never_eats_steps_between_blocks() -> None:
    block = "<!-- affiliate ads begin -->\n<a href='https://x.sjv.io/c/1/2/3'>ad</a>\n<!-- affiliate ads end -->\n"
    body = block + "Step 1 Keep.\n\nStep 2 Keep too.\n" + block
    assert clean(article(body)).text == "Step 1 Keep.\n\nStep 2 Keep too.\n"


junk = st.sampled_from(
    [
        "<!-- affiliate ads begin -->",
        "<!-- affiliate ads end -->",
        "<a href='https://x.sjv.io/c/1/2/3'>",
        "</a>",
        "[x](https://tools.techidaily.com/)",
        "[](https://a.2checkout.com/?AFFILIATE=1)",
        '<ins class="adsbygoogle"></ins>',
        "<img width=0 src=//p.pxf.io/i/1/2/3>",
        "```\n",
        "\n",
        "Step 1 Open.",
        "What do you think of this post?\n",
        "* [1](https://tools.techidaily.com/)\n",
        '<img src="a.png" onerror="x()"',
        " onload='y' ",
        ">",
        "`",
    ]
)


@given(st.lists(st.one_of(junk, st.text(max_size=20)), max_size=30))
def test_audit_reconstructs_and_cleaning_is_idempotent(parts: list[str]) -> None:
    body = "".join(parts)
    once = clean(article(body))
    assert reconstruct(once.text, once.kept, once.removals) == body
    twice = clean(article(once.text))
    assert twice.text == once.text


def _index(name: str) -> int:
    return next(k for k, r in enumerate(RULES) if r.name == name)


def _counting(calls: list[str]) -> list[Rule]:
    def counted(rule: Rule) -> Rule:
        def func(ctx: RuleContext) -> Iterable[Cut]:
            calls.append(rule.name)
            return rule.func(ctx)

        return Rule(rule.name, func, rule.doc)

    return [counted(r) for r in RULES]


@pytest.mark.parametrize(
    ("body", "runs"),
    [
        ("plain text\n", len(RULES)),  # one pass, nothing found
        # only the first rule cuts: the next pass asks it alone about the new text
        ("a\n<!-- ads begin -->\nad\n<!-- ads end -->\nb\n", len(RULES) + 1),
        # the last rule cuts: every rule must look at the new text
        ("## Leave a Reply\n\nYour email address will not be published.\n", 2 * len(RULES)),
        ("Feel free to leave us a comment.\n", len(RULES) + _index("comment-call") + 1),
        # a rule cuts: the rules after it saw the new text in the same pass
        ("see [this](https://www.techidaily.com/x/)\n", len(RULES) + _index("junk-link") + 1),
    ],
)
def test_a_rule_is_asked_again_only_about_a_changed_text(body: str, runs: int) -> None:
    calls: list[str] = []
    cleaned = clean(article(body), _counting(calls))
    assert cleaned.text == clean(article(body)).text
    assert cleaned.removals or runs == len(RULES)
    assert len(calls) == runs, calls


@given(st.text(alphabet="ab\n", max_size=60), st.integers(0, 60), st.integers(0, 60))
def test_newlines_between_two_offsets_are_counted_by_bisection(text: str, a: int, b: int) -> None:
    ctx = RuleContext(text, None, "x.md", lambda _: 1)  # type: ignore[arg-type]
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    assert ctx.newlines(start, end) == text.count("\n", start, end)


# A scraped start tag that lost its ">": the tag is its own lines, never the text after it
# up to the next ">" in the article (a "More > Pin" menu path, an HTML list at the end).
CUT_SHORT = [
    ('<ins class="adsbygoogle"\n     data-ad-slot="8358498916"', "ad-slot", 1),
    (
        '<a href="https://secure.2checkout.com/order/checkout.php?PRODS=1&AFFILIATE=108875"',
        "ad-element",
        1,
    ),
    (
        '<img src="//a.impactradius-go.com/display-ad/11832-863039" width="300" height="250"',
        "ad-element",
        0,
    ),
]


@pytest.mark.parametrize(("tag", "rule", "warnings"), CUT_SHORT)
def test_a_tag_without_its_end_is_only_its_own_lines(tag: str, rule: str, warnings: int) -> None:
    steps = "Step 2: Right-click the app.\n\nStep 3: Choose **More** > **Pin to taskbar**.\n"
    body = f"## Method 1: Start menu\n\nStep 1: Open **Start**.\n\n{tag}\n\n{steps}"
    cleaned = clean(article(body))
    head, _, tail = cleaned.text.partition("Step 1: Open **Start**.")
    assert head == "## Method 1: Start menu\n\n"
    assert tail.endswith(steps) and not tail[: -len(steps)].strip(), cleaned.text
    (removal,) = cleaned.removals
    assert (removal.rule, removal.line, removal.end_line) == (rule, 9, 9 + tag.count("\n"))
    assert len(cleaned.diagnostics) == warnings, cleaned.diagnostics
    assert reconstruct(cleaned.text, cleaned.kept, cleaned.removals) == body


def test_a_tag_without_its_end_never_reaches_a_list_at_the_end() -> None:
    methods = "".join(
        f"## Method {m}\n\n" + "".join(f"Step {n}: Do {m}.{n}.\n\n" for n in (1, 2, 3, 4))
        for m in (2, 3, 4, 5)
    )
    farm = "".join(
        f'<li><a href="https://www.techidaily.com/p{i}/">Post {i}</a></li>' for i in range(6)
    )
    body = (
        "## Method 1\n\nStep 1: Open it.\n\n"
        '<ins class="adsbygoogle" data-ad-slot="1"\n\n'
        + methods
        + f'<span class="alsoread">Also read:</span><div><ul>{farm}</ul></div>\n'
    )
    cleaned = clean(article(body))
    for m in (2, 3, 4, 5):
        assert f"## Method {m}\n\nStep 1: Do {m}.1." in cleaned.text
    removed = sum(r.chars for r in cleaned.removals)
    assert removed < len('<ins class="adsbygoogle" data-ad-slot="1"') + len(farm) + 100


@pytest.mark.parametrize("heading", ["Comments", "Share it", "Share this"])
def test_a_heading_a_guide_could_own_keeps_its_section(heading: str) -> None:
    body = f"## {heading}\n\nSelect the text and click **New Comment** on the Review tab.\n"
    cleaned = clean(article(body))
    assert cleaned.text == body and not cleaned.removals
