"""Lines and fenced code: `fences` finds what the site's renderer renders as code.

The oracle is pymdownx.superfences itself, configured as mkdocs.yml configures the site:
its preprocessor runs alone on a private Markdown instance and records the blocks it
finds (their line ranges) instead of highlighting them.
"""

from __future__ import annotations

import functools
from pathlib import Path

import markdown
from hypothesis import given
from hypothesis import strategies as st
from mkdocs.config import load_config

from cleanguide.text import Lines, fence_spans, fences

REPO = Path(__file__).resolve().parent.parent


@functools.cache
def _site_markdown() -> markdown.Markdown:
    config = load_config(str(REPO / "mkdocs.yml"))
    return markdown.Markdown(
        extensions=config.markdown_extensions, extension_configs=config.mdx_configs
    )


def superfences_blocks(text: str) -> list[tuple[int, int]]:
    """The (first, last) lines of each block superfences turns into code."""
    md = _site_markdown()
    md.reset()
    preprocessor = md.preprocessors["fenced_code_block"]
    found: list[tuple[int, int]] = []

    def record(ws: str, content: str, start: int, end: int) -> None:
        if preprocessor.formatter is not None:
            found.append((start, end - 1))
        preprocessor.clear()

    preprocessor.process_nested_block = record
    lines = md.preprocessors["normalize_whitespace"].run(text.split("\n"))
    preprocessor.run(lines)
    return sorted(f for f in found if f[1] < len(text.split("\n")))


def blocks(text: str) -> list[tuple[int, int]]:
    return [(f.first, f.last) for f in fences(text)]


LINE = st.sampled_from(
    [
        "```",
        "~~~",
        "````",
        "```python",
        "``` python",
        "```.py",
        '```python title="a.py"',
        '```python linenums="1"',
        '```python hl_lines="1 2"',
        '```python hl_lines="x"',
        '```python foo="bar"',
        "```python foo",
        "```python title",
        '```{.python #id onclick="x"}',
        "```python extra words",
        "~~~~",
        "```   ",
        "code",
        "1. step",
        "",
        " ",
        "\t",
        ">",
        "> ",
    ]
)
INDENT = st.sampled_from(["", " ", "  ", "   ", "    ", "     ", "\t", "> ", ">", "> > ", "  > "])
TEXTS = st.lists(st.tuples(INDENT, LINE).map("".join), max_size=14).map("\n".join)


@given(TEXTS)
def test_fences_are_the_blocks_superfences_renders(text: str) -> None:
    assert blocks(text) == superfences_blocks(text)


def test_a_fence_in_a_list_item_is_code() -> None:
    text = "1. Open the file:\n\n    ```html\n    <a href='x'>farm</a>\n    ```\n\n2. Save it.\n"
    (fence,) = fences(text)
    assert (fence.first, fence.last, fence.indent, fence.lang) == (2, 4, "    ", "html")
    assert fence.code(Lines(text)) == "<a href='x'>farm</a>"
    assert blocks(text) == superfences_blocks(text)


def test_what_superfences_leaves_is_no_code() -> None:
    for text in [
        "```\nnever closed\n",
        '```python foo="bar"\nunknown option\n```',
        "    ```\n  back left of the fence\n    ```",
        "```\nlonger close\n````",
        "> ```\nout of the quote\n```",
    ]:
        assert fences(text) == [], text
        assert superfences_blocks(text) == [], text


def test_spans_run_from_the_opening_line_to_the_closing_fence() -> None:
    text = "a\n  ```js\n  x = 1\n  ```  \nb"
    ((start, end),) = fence_spans(text)
    assert text[start:end] == "  ```js\n  x = 1\n  ```  "


@given(st.text(alphabet="ab\n ", max_size=40))
def test_lines_tile_the_text_and_index_offsets(text: str) -> None:
    lines = Lines(text)
    assert "".join(lines.with_newline(i) for i in range(len(lines))) == text
    for offset in range(len(text) + 1):
        assert lines.index(offset) == text.count("\n", 0, offset)
