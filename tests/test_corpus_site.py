"""All corpus articles plus the seed become guides of one site that builds with --strict."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleanguide import linkcheck

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "corpus"
JUNK = re.compile(
    r"adsbygoogle|AFFILIATE=|impactradius|atpl-alsoreadstyle|affiliate ads|techidaily|"
    r"2checkout|pxf\.io|sjv\.io|What do you think of this post|Also read",
    re.IGNORECASE,
)


@pytest.mark.slow
def test_corpus_site_builds_strict_clean_and_linked(tmp_path: Path) -> None:
    for name in ("mkdocs.yml", "docs", "content"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    articles = sorted(CORPUS.glob("*.md"))
    assert len(articles) == 15
    for a in articles:
        shutil.copy(a, tmp_path / "content" / a.name)
    before = {p.name: p.read_bytes() for p in (tmp_path / "content").iterdir()}
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "CLEANGUIDE_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "site"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "16 guide(s) from 16 article(s), 0 refused" in proc.stderr
    site = tmp_path / "site"
    guides = [p for p in (site / "guides").iterdir() if p.is_dir()]
    assert len(guides) == 16
    for html in site.joinpath("guides").rglob("*.html"):
        text = html.read_text("utf-8")
        article = text[text.find("<article") : text.find("</article>")]
        assert not JUNK.search(article), (html, JUNK.search(article))
        assert "<script" not in article and "<iframe" not in article, html
    assert linkcheck.check_site(site) == []
    assert {p.name: p.read_bytes() for p in (tmp_path / "content").iterdir()} == before
