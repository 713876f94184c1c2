"""The steps' numbers as Chromium draws them: the marker of every step is its anchor's number.

A site is built (`mkdocs build --strict`) from step fixtures whose numbers are hard to keep:
phases with sub-steps, lists interrupted by screenshots, lists that start at 3 or skip a
number. Chromium's accessibility tree names each list marker as drawn ("4. ", or "d. " where
Material's stylesheet letters a nested list), so this checks the page a reader sees.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webtools import BROWSER_MISSING, chromium, serve_directory

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "steps"
CASES = (
    *("phases-under-headings", "phases-run-together", "numbers-as-written", "list-interrupted"),
    "dotted-sub-steps",
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(bool(BROWSER_MISSING), reason=BROWSER_MISSING),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mkdocs_env: dict[str, str]) -> Path:
    project = tmp_path_factory.mktemp("steps-site")
    shutil.copy2(REPO / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(REPO / "docs", project / "docs")
    (project / "content").mkdir()
    for case in CASES:
        shutil.copy2(FIXTURES / f"{case}.md", project / "content")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(project / "site")]
    proc = subprocess.run(
        cmd, cwd=project, env=mkdocs_env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return project / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


_STEP_ITEMS = """() => [...document.querySelectorAll('article li[id]')]
    .map(li => [li.id, li.parentElement.classList.contains('cg-dotted')])"""
"""Each list item's id, and whether its list is one of sub-steps numbered "2.1"."""


def markers(page: Any) -> dict[str, str]:
    """The text of the marker Chromium draws for each list item with an id, by that id."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    by_id = {n["nodeId"]: n for n in nodes}
    drawn: dict[str, str] = {}
    for node in nodes:
        if node.get("role", {}).get("value") != "ListMarker":
            continue
        item = by_id.get(node.get("parentId", ""))
        while item is not None and item.get("role", {}).get("value") != "listitem":
            item = by_id.get(item.get("parentId", ""))
        if item is None or "backendDOMNodeId" not in item:
            continue
        dom = cdp.send("DOM.describeNode", {"backendNodeId": item["backendDOMNodeId"]})["node"]
        attributes = dom.get("attributes", [])
        anchor = dict(zip(attributes[::2], attributes[1::2], strict=True)).get("id")
        if anchor:
            drawn[anchor] = str(node.get("name", {}).get("value", ""))
    return drawn


def test_every_step_marker_shows_its_anchor_number(site: Path, browser: Any) -> None:
    pages = sorted(p.parent for p in (site / "guides").rglob("index.html"))
    checked = dotted_seen = 0
    with serve_directory(site) as url:
        tab = browser.new_page()
        for folder in pages:
            tab.goto(url + folder.relative_to(site).as_posix() + "/")
            drawn = markers(tab)
            for anchor, dotted in tab.evaluate(_STEP_ITEMS):
                m = re.search(r"step-(\d+)(?:-(\d+))?$", anchor)
                if m:
                    number = ".".join(m.groups()) if dotted else m.group(2) or m.group(1)
                    assert drawn.get(anchor) == f"{number}. ", (folder.name, anchor, drawn)
                    checked += 1
                    dotted_seen += dotted
    # 13 + 9 + 11 + 9 + 12 numbered steps: phases, sub-steps, lists from 3, a skipped 5,
    # sub-steps numbered "2.1" (4 of them) and "1)" under a phase
    assert checked == 54 and dotted_seen == 4
