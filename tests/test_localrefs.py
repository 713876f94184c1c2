"""Links and images naming files beside an article; MkDocs' messages naming the article."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from cleanguide import localrefs, pipeline
from cleanguide.diagnostics import PageSources

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("target", "local"),
    [
        ("other.md", True),
        ("./shots/a.png", True),
        ("../x.md#part", True),
        ("/images/a.png", True),
        ("#anchor", False),
        ("//cdn.example.com/a.png", False),
        ("https://example.com/", False),
        ("mailto:a@example.com", False),
        ("", False),
    ],
)
def test_what_is_local(target: str, local: bool) -> None:
    assert localrefs.is_local(target) is local


def test_references_are_read_outside_code() -> None:
    text = (
        'A [link](a.md) and ![img](<b c.png> "t") and [![in](i.png)](o.md).\n'
        "`[code](no.md)` and [web](https://x.org/) and [top](#x)\n\n"
        "```\n[fenced](no2.md)\n```\n"
    )
    found = [(t, text[o : o + 2], img) for t, o, img in localrefs.references(text)]
    assert found == [
        ("a.md", "[l", False),
        ("b c.png", "![", True),
        ("i.png", "![", True),
        ("o.md", "[!", False),
    ]


@pytest.mark.parametrize(
    ("source", "target", "path"),
    [
        ("a.md", "b.md", "b.md"),
        ("sub/a.md", "b.md", "sub/b.md"),
        ("sub/a.md", "../b.md#x", "b.md"),
        ("sub/a.md", "/img/x.png?w=2", "img/x.png"),
        ("sub/a.md", "shot%201.png", "sub/shot 1.png"),
        ("a.md", "../outside.md", None),
        ("sub/a.md", "../../etc/passwd", None),
    ],
)
def test_targets_resolve_against_the_article(source: str, target: str, path: str | None) -> None:
    assert localrefs.content_path(source, target) == path


def test_rewrite_points_at_the_site_or_keeps_the_text() -> None:
    targets = {
        "b.md#p": "guides/b/index.md",
        "s.png": "assets/content/s.png",
        "gone.md": None,
        "gone.png": None,
    }
    text = (
        '[B](b.md#p) ![S](s.png "t") [gone](gone.md) ![alt text](gone.png) '
        "[![S](s.png)](gone.md) `[B](b.md)` [web](https://x.org/)"
    )
    assert localrefs.rewrite(text, targets, "guides/a/method.md") == (
        '[B](<../b/index.md>) ![S](<../../assets/content/s.png> "t") gone alt text '
        "![S](<../../assets/content/s.png>) `[B](b.md)` [web](https://x.org/)"
    )


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "android-photo-backup.md", folder)
    Image.new("RGB", (40, 30), "red").save(folder / "sub" / "screen.png")
    (folder / "sub" / "manual.pdf").write_bytes(b"%PDF-1.4 tiny")
    (folder / "sub" / "fake.png").write_bytes(b"not an image")
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "sub" / "link.png").symlink_to(tmp_path / "secret.txt")
    (folder / "sub" / "links.md").write_text(
        "---\ntitle: Local links\n---\n\n"
        "See the [other guide](../android-photo-backup.md#part-1) and the [manual](manual.pdf).\n"
        "A [missing page](nope.md), [Windows Update](/tag-search/?tagId=62) and a "
        "[way out](../../secret.txt).\n\n"
        "## Method 1: Do it\n\nStep 1 Open the app.\n\n![The screen](screen.png)\n\n"
        "Step 2 Broken shots:\n\n![Lost shot](lost.png)\n\n![Fake](fake.png)\n\n"
        "![Linked out](link.png)\n",
        encoding="utf-8",
    )
    return folder


def test_a_build_resolves_copies_and_reports(content: Path) -> None:
    result = pipeline.build(content)
    article = next(a for a in result.articles if a.source == "sub/links.md")
    warnings = {(d.line, d.message) for d in article.diagnostics if d.rule == "local-link"}
    assert warnings == {
        (
            6,
            "'nope.md' does not resolve (there is no such file in the content folder): shown as text",
        ),
        (
            6,
            "'../../secret.txt' does not resolve (it points outside the content folder): shown as text",
        ),
        (
            16,
            "'lost.png' does not resolve (there is no such file in the content folder): shown as text",
        ),
        (18, "'fake.png' does not resolve (it is not an image Pillow can read): shown as text"),
        (20, "'link.png' does not resolve (it points outside the content folder): shown as text"),
    }
    assert result.files == {
        "assets/content/sub/manual.pdf": (content / "sub" / "manual.pdf").resolve(),
        "assets/content/sub/screen.png": (content / "sub" / "screen.png").resolve(),
    }
    pages = {p.path: p.body for p in result.pages}
    home, method = pages["guides/links/index.md"], pages["guides/links/method-1-do-it.md"]
    assert "[other guide](<../android-photo-backup/index.md>)" in home
    assert "[manual](<../../assets/content/sub/manual.pdf>)" in home
    assert "A missing page, Windows Update and a way out." in home  # root-relative: the farm's
    assert (
        '![The screen](<../../assets/content/sub/screen.png>){ width="40" height="30" }' in method
    )
    assert "Lost shot" in method and "lost.png" not in method and "link.png" not in method
    # the removal of the farm link is audited
    assert any(r["texts"][-1].endswith("(/tag-search/?tagId=62)") for r in article.removals)


def test_page_sources_name_the_article_and_the_line(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: A\n---\n\ntext\n[r]: gone.md\n")
    sources = PageSources()
    sources.update({"guides/a/index.md": "a.md"}, tmp_path)
    logger = logging.getLogger("test.page_sources")
    logger.addFilter(sources)
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger.addHandler(Keep())
    logger.propagate = False
    message = (
        "Doc file 'guides/a/index.md' contains a link 'gone.md', but the target "
        "'guides/a/gone.md' is not found among documentation files."
    )
    logger.warning(message)
    logger.warning("a.md:6: " + message)  # replayed: said once
    logger.warning("Doc file 'other.md' is not ours")
    assert records == [
        f"a.md:6: {message}",
        f"a.md:6: {message}",
        "Doc file 'other.md' is not ours",
    ]


@pytest.mark.slow
def test_a_good_article_with_local_links_passes_a_strict_build(
    content: Path, tmp_path: Path, mkdocs_env: dict[str, str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project)
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copytree(content, project / "content", symlinks=True)
    links = project / "content" / "sub" / "links.md"
    good = links.read_text().replace("[missing page](nope.md)", "missing page")
    good = good.replace("[way out](../../secret.txt)", "way out")
    good = good.split("Step 2 Broken shots")[0]
    links.write_text(good)
    site = tmp_path / "site"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]
    proc = subprocess.run(command, cwd=project, env=mkdocs_env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (site / "assets" / "content" / "sub" / "screen.png").is_file()
    # a reference-style link MkDocs finds broken is reported against the article and line
    links.write_text(good + "\nA [reference][r].\n\n[r]: gone.md\n")
    proc = subprocess.run(command, cwd=project, env=mkdocs_env, capture_output=True, text=True)
    assert proc.returncode != 0
    [warning] = [line for line in proc.stderr.splitlines() if "gone.md" in line]
    assert warning.startswith("WARNING -  sub/links.md:")
    line = int(warning.split(":")[1])
    assert links.read_text().splitlines()[line - 1] == "[r]: gone.md"


@pytest.mark.parametrize(
    ("name", "published"),
    [
        ("shot.png", True),
        ("Shot.JPG", True),
        ("manual.pdf", True),
        ("tool.zip", True),
        ("page.html", False),
        ("page.HTM", False),
        ("diagram.svg", False),
        ("feed.xml", False),
        ("app.js", False),
        ("README", False),
    ],
)
def test_only_files_that_cannot_run_script_are_published(
    tmp_path: Path, name: str, published: bool
) -> None:
    """A file beside an article is served from the site's own address: an .html page or an
    .svg image there would run its script as the site's."""
    (tmp_path / "shots").mkdir()
    (tmp_path / "shots" / name).write_bytes(b"<svg onload=alert(1)>")
    target = localrefs.resolve("a.md", f"shots/{name}", tmp_path, {})
    if published:
        assert target.site_path == f"assets/content/shots/{name}" and target.copy is not None
    else:
        assert target.site_path is None and target.copy is None
        assert "is not published (it could run script on the site)" in target.why


def test_targets_with_balanced_parentheses_are_read_whole() -> None:
    text = '[x](page_(1).md) and ![shot](a(b).png "t") and [![in](i_(2).png)](o.md)'
    assert [t for t, _, _ in localrefs.references(text)] == [
        "page_(1).md",
        "a(b).png",
        "i_(2).png",
        "o.md",
    ]


def test_a_file_with_parentheses_is_published_and_an_encoded_scheme_is_text(
    tmp_path: Path,
) -> None:
    """`%6Aavascript:` is no scheme: a relative link to no file, shown as text with the
    article's warning (MkDocs saw it as an unrecognised relative link and warned itself,
    which failed a strict build without naming the rule)."""
    content = tmp_path / "content"
    content.mkdir()
    Image.new("RGB", (40, 30), "red").save(content / "shot_(1).png")
    (content / "odd.md").write_text(
        "---\ntitle: Odd links\n---\n\nIntro.\n\n## Method 1: Do it\n\n"
        "Step 1 Click [this](%6Aavascript:alert(1)) link.\n\n"
        "Step 2 See the screen:\n\n![The screen](shot_(1).png)\n",
        encoding="utf-8",
    )
    result = pipeline.build(content)
    [article] = result.articles
    warnings = {(d.line, d.message) for d in article.diagnostics if d.rule == "local-link"}
    assert warnings == {
        (
            9,
            "'%6Aavascript:alert(1)' does not resolve (there is no such file in the content "
            "folder): shown as text",
        )
    }
    assert "assets/content/shot_(1).png" in result.files
    method = {p.path: p.body for p in result.pages}["guides/odd/method-1-do-it.md"]
    assert "Click this link." in method and "avascript" not in method
    assert "assets/content/shot_(1).png" in method
