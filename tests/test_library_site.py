"""The library as a reader meets it in the built site (`mkdocs build --strict`).

A small library (the seed, three corpus articles, a local article another one's link farm
points to, and a guide without methods) is built once per module. Its titles in the
sidebar, breadcrumbs, footer and browser tab are compared with a golden outline
(`tests/golden/library-site.outline`; regenerate with UPDATE_GOLDENS=1 and review the diff).
Bigger libraries check that a page's size does not grow with the library and that a warm
build (build cache) writes exactly the site a cold one does.
"""

from __future__ import annotations

import filecmp
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from cleanguide.workers import cores
from webtools import BROWSER_MISSING, chromium, serve_directory

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"
SEED = REPO / "content" / "android-photo-backup.md"
GOLDEN = REPO / "tests" / "golden" / "library-site.outline"
INDEX = "search/search_index.json"
D3DERR_TITLE = "Guide: Restoring Your Computer's Graphics Capabilities After D3DERR Failure"
PNG = bytes.fromhex(  # a 1x1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5273de40000000049454e44ae426082"
)
HOSTILE_TITLE = 'Fix <img src=x onerror="alert(1)"> & "quotes" in the <b>sidebar</b>'


def make_project(root: Path, articles: dict[str, str | Path]) -> Path:
    """mkdocs.yml and docs/ of the repository, and `articles` as content/ (text or a file)."""
    root.mkdir(parents=True)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    (root / "content").mkdir()
    for name, source in articles.items():
        target = root / "content" / name
        if isinstance(source, Path):
            shutil.copy2(source, target)
        else:
            target.write_text(source, encoding="utf-8")
    return root


def mkdocs(project: Path, *args: str, site: str = "site") -> str:
    """`mkdocs build --strict` (not strict with --dirty: MkDocs warns of every dirty build)."""
    env = dict(os.environ)
    env.pop("SITE_URL", None)
    env.update(NO_MKDOCS_2_WARNING="1", CLEANGUIDE_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    strict = [] if "--dirty" in args else ["--strict"]
    cmd = [sys.executable, "-m", "mkdocs", "build", *strict, "-d", site, *args]
    done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-5000:]
    return done.stderr


def library_articles() -> dict[str, str | Path]:
    return {
        "android-photo-backup.md": SEED,
        "wudfhost.md": CORPUS / "19228832084.md",
        "setup-service.md": CORPUS / "67121011908.md",
        "biometric.md": CORPUS / "65775249063.md",  # no steps: a one-page guide
        "d3derr.md": (
            f'---\ntitle: "{D3DERR_TITLE}"\ntags: [win10, graphics]\n'
            "date: 2024-11-02\n---\n\n## Part 1. Reinstall the driver\n\n"
            "Step 1 Open Device Manager.\n\nStep 2 Uninstall the display driver.\n"
        ),
        "hostile.md": (
            f"---\ntitle: '{HOSTILE_TITLE}'\ntags: [graphics]\n---\n\n"
            "## Method 1: Do it\n\n1. First.\n2. Second.\n"
        ),
    }


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("library") / "project", library_articles())
    mkdocs(project)
    return project / "site"


def soup_of(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def sidebar(soup: BeautifulSoup) -> list[str]:
    nav = soup.select_one("nav.md-nav--primary")
    assert isinstance(nav, Tag)
    items = []
    for a in nav.select("a.md-nav__link, label.md-nav__link"):
        text = a.get_text(" ", strip=True)
        if text:
            items.append(f"{text} -> {a.get('href', '')}")
    return items


def outline(site: Path) -> str:
    """Per page: its tab title, h1, breadcrumbs, previous/next and sidebar."""
    out = []
    for path in sorted(site.rglob("index.html")):
        url = path.parent.relative_to(site).as_posix()
        url = "" if url == "." else url + "/"
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        title = soup.title.get_text(strip=True) if soup.title else ""
        h1 = soup.select_one("article h1")
        crumbs = soup.select_one("nav.md-path")
        footer = [
            f"{a.get('rel', [''])[0] or a.get('aria-label', '')}: "
            f"{a.select_one('.md-ellipsis').get_text(strip=True)}"  # type: ignore[union-attr]
            for a in soup.select("a.md-footer__link")
        ]
        out.append(f"== /{url}")
        out.append(f"title: {title}")
        out.append(f"h1: {h1.get_text(' ', strip=True).rstrip('¶').strip() if h1 else ''}")
        out.append(f"path: {crumbs.get_text(' › ', strip=True) if crumbs else ''}")
        out.append(f"footer: {' | '.join(footer)}")
        out.extend(f"  {item}" for item in sidebar(soup))
    return "\n".join(out) + "\n"


def test_titles_in_sidebar_breadcrumbs_footer_and_tab_match_the_golden(library: Path) -> None:
    got = outline(library)
    if os.environ.get("UPDATE_GOLDENS"):
        GOLDEN.write_text(got, encoding="utf-8")
    assert got == GOLDEN.read_text(encoding="utf-8")


def test_a_guide_page_shows_only_its_own_guide(library: Path) -> None:
    soup = soup_of(
        library, "guides/android-photo-backup/part-1-backup-pictures-with-google-auto-backup"
    )
    items = sidebar(soup)
    labels = [i.split(" -> ")[0] for i in items]
    assert labels[:2] == ["Home", "Guides"]
    assert "3 Superior Techniques for Android Data Backup" in labels  # the short title
    assert labels[-1] == "Topics"
    assert not any("WUDFHost" in label or "D3DERR" in label for label in labels)
    assert (soup.title and soup.title.get_text()) == (
        "Part 1. Backup pictures with Google auto backup · 3 Superior Techniques for Android"
        " Data Backup - Clean Guides"
    )


def test_index_lists_every_guide_in_the_order_of_the_footer(library: Path) -> None:
    soup = soup_of(library, "guides")
    listed = [a.get_text(strip=True) for a in soup.select(".cg-catalogue li > a:first-child")]
    assert len(listed) == 6
    assert listed == sorted(listed, key=str.casefold)
    # previous/next links walk the guides in the same order, each guide's pages in a row
    homes = []
    url = "guides/"
    for _ in range(40):
        nxt = soup_of(library, url).select_one("a.md-footer__link--next")
        if nxt is None:
            break
        url = os.path.normpath(os.path.join(url, str(nxt["href"]))).lstrip("./") + "/"
        if url.count("/") == 2 and url.startswith("guides/"):  # a guide home page
            h1 = soup_of(library, url).select_one("article h1")
            assert h1 is not None
            homes.append(h1.get_text(" ", strip=True).rstrip("¶").strip())
    assert homes == listed


def test_index_entries_say_what_each_guide_holds(library: Path) -> None:
    entry = next(
        li
        for li in soup_of(library, "guides").select(".cg-catalogue li")
        if "Android Data Backup" in li.get_text()
    )
    text = entry.get_text(" ", strip=True)
    assert "As we take more and more pictures" in text  # description: first sentence
    assert "2 methods · 7 steps · updated 2024-08-19" in text
    topics = [a.get_text(strip=True) for a in entry.select("a")][1:]
    assert topics == ["backup-android-data", "android"]


def test_topic_pages_list_their_guides_and_guides_link_their_topics(library: Path) -> None:
    topic = soup_of(library, "topics/win10")
    titles = {a.get_text(strip=True) for a in topic.select(".cg-catalogue li > a:first-child")}
    assert D3DERR_TITLE in titles
    assert any("WUDFHost" in t for t in titles)
    home = soup_of(library, "guides/d3derr")
    links = {a.get_text(strip=True): a["href"] for a in home.select("article a")}
    assert links["win10"] == "../../topics/win10/"
    index = soup_of(library, "topics").get_text(" ", strip=True)
    assert "win10 (2)" in index and "graphics (2)" in index


def test_a_removed_farm_item_naming_a_local_article_is_a_related_guide(library: Path) -> None:
    home = soup_of(library, "guides/wudfhost")
    heading = home.find("h2", id="related-guides")
    assert isinstance(heading, Tag)
    related = heading.find_next("ul")
    assert isinstance(related, Tag)
    links = {a.get_text(strip=True): a["href"] for a in related.select("a")}
    assert links[D3DERR_TITLE] == "../d3derr/"
    audit = json.loads((library.parent / "build/cleanguide/wudfhost.json").read_text())
    why = {r["guide"]: r["why"] for r in audit["related"]}
    assert why["d3derr"][0].startswith("the article links to it: https://common-error.")


def test_nothing_links_to_the_content_farm(library: Path) -> None:
    for path in library.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "techidaily" not in text, path
    catalogue = (library / "guides" / "catalog.json").read_text(encoding="utf-8")
    assert "techidaily" not in catalogue


def test_footer_links_are_named_by_the_titles_they_show(library: Path) -> None:
    """The accessible name of a previous/next link reads the title its text shows (Material
    escapes it into the attribute: it must not be escaped twice), with `&`, `<` and quotes."""
    seen = 0
    for path in sorted(library.rglob("index.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for link in soup.select("a.md-footer__link"):
            shown = link.select_one(".md-ellipsis")
            assert isinstance(shown, Tag)
            name = str(link["aria-label"])
            assert name.split(": ", 1)[1] == shown.get_text(strip=True), path
            assert "&amp;" not in name and "&lt;" not in name, path
            seen += "&" in name
    assert seen >= 2  # the hostile guide's title (from its home and its method page)


def test_hostile_titles_are_text_everywhere(library: Path) -> None:
    slug = "hostile"
    for url in (f"guides/{slug}", f"guides/{slug}/method-1-do-it", "guides", "topics/graphics"):
        soup = soup_of(library, url)
        assert not soup.select("img[onerror]"), url
        assert not soup.select("article b, nav b"), url
    home = soup_of(library, f"guides/{slug}")
    assert "<img" in " ".join(sidebar(home))  # shown as text in the sidebar
    raw = (library / "guides" / slug / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in raw  # only ever as text: &lt;img src=x


def library_bench() -> Any:
    """benchmarks/library_bench.py, imported."""
    spec = importlib.util.spec_from_file_location(
        "library_bench", REPO / "benchmarks" / "library_bench.py"
    )
    assert spec is not None and spec.loader is not None
    bench = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(bench)
    return bench


def copies(n: int) -> dict[str, str | Path]:
    """N articles: the corpus and the seed, each copy's title made unique (as benchmarked)."""
    return dict(library_bench().articles(n))


def test_the_benchmark_sets_earlier_sites_aside_without_deleting_them(tmp_path: Path) -> None:
    """Deleting a site right before the next build slowed that build (library_bench.py)."""
    trash = tmp_path / "trash"
    for k in range(2):
        site = tmp_path / "site"
        (site / "guides").mkdir(parents=True)
        (site / "guides" / "index.html").write_text(f"build {k}", encoding="utf-8")
        library_bench().set_aside(trash, site, tmp_path / ".cache")  # no cache: passed over
        assert not site.exists()
    kept = sorted(trash.iterdir())
    assert [p.name for p in kept] == ["0-site", "1-site"]
    assert [(p / "guides" / "index.html").read_text(encoding="utf-8") for p in kept] == [
        "build 0",
        "build 1",
    ]


def test_a_page_does_not_grow_with_the_library(tmp_path: Path) -> None:
    sizes = {}
    for n in (10, 200):
        project = make_project(tmp_path / f"lib-{n}", copies(n))
        mkdocs(project)
        guide = project / "site" / "guides" / "19228832084-0"
        page = sorted(guide.glob("*/index.html"))[0]  # its first method page
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        sizes[n] = (len(page.read_bytes()), len(sidebar(soup)))
    (small, small_items), (big, big_items) = sizes[10], sizes[200]
    assert small_items == big_items
    assert abs(big - small) <= small * 0.01, sizes


def test_a_warm_build_writes_the_cold_build_and_an_edit_rebuilds_its_own(tmp_path: Path) -> None:
    articles = copies(40)
    project = make_project(tmp_path / "project", articles)
    mkdocs(project, site="cold")
    log = mkdocs(project, site="warm")
    assert "0 processed, 40 from cache" in log
    assert re.search(r"0 generated page\(s\) built, \d+ reused", log), log
    assert_same_tree(project / "cold", project / "warm")
    # the theme's templates are compiled once, beside the build cache
    assert list((project / ".cache" / "cleanguide" / "templates").glob("__jinja2_*.cache"))

    article = project / "content" / "android-photo-backup-0.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace(
            "Launch the app in your Android device.", "Launch the app (Quillwort).", 1
        ),
        encoding="utf-8",
    )
    log = mkdocs(project, site="edited")
    assert "1 processed, 39 from cache" in log
    built = int(re.search(r"(\d+) generated page\(s\) built", log).group(1))  # type: ignore[union-attr]
    assert 1 <= built <= 8, log  # the edited page (and pages listing its guide), no others
    fresh = make_project(tmp_path / "fresh", {p.name: p for p in (project / "content").iterdir()})
    mkdocs(fresh, "-f", str(fresh / "mkdocs.yml"), site=str(project / "fresh-site"))
    assert_same_tree(project / "fresh-site", project / "edited")
    assert "Quillwort" in (
        project
        / "edited/guides/android-photo-backup-0/part-1-backup-pictures-with-google-auto-backup/index.html"
    ).read_text(encoding="utf-8")


@pytest.mark.skipif(cores() < 2, reason="one core: every page is rendered by the loop")
def test_pages_rendered_ahead_are_the_pages_the_loop_renders(tmp_path: Path) -> None:
    ahead = make_project(tmp_path / "ahead", copies(40))
    log = mkdocs(ahead)
    assert re.search(r"built \(\d+ of them in 1 more process\(es\)\)", log), log
    alone = make_project(tmp_path / "alone", copies(40))
    config = alone / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("content_dir: content", "content_dir: content\n      render_ahead: false")
    )
    log = mkdocs(alone)
    assert "more process" not in log, log
    assert_same_tree(ahead / "site", alone / "site")  # search index and sitemap included


def assert_same_tree(a: Path, b: Path) -> None:
    """The same folders, and the same files with the same bytes."""
    left = sorted(p.relative_to(a).as_posix() for p in a.rglob("*"))
    right = sorted(p.relative_to(b).as_posix() for p in b.rglob("*"))
    assert left == right
    files = [name for name in left if (a / name).is_file()]
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors, mismatch[:10]


@pytest.mark.browser
@pytest.mark.skipif(bool(BROWSER_MISSING), reason=BROWSER_MISSING)
def test_the_index_filter_finds_guides_on_every_page(library: Path) -> None:
    with serve_directory(library) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
        page.goto(base + "guides/")
        field = page.get_by_label("Filter all guides")
        field.fill("d3derr graphics")
        status = page.locator(".cg-filter__status")
        status.filter(has_text="1 guide matches.").wait_for()
        results = page.locator(".cg-catalogue:not(.cg-index) li > strong > a")
        assert results.all_inner_texts() == [D3DERR_TITLE]
        assert results.first.get_attribute("href") == base + "guides/d3derr/"
        assert page.locator(".cg-catalogue.cg-index").is_hidden()
        field.fill("nothing-like-this")
        status.filter(has_text="No guide matches.").wait_for()
        field.fill("")
        page.locator(".cg-catalogue.cg-index").wait_for(state="visible")
        assert status.inner_text() == ""


@pytest.mark.skipif(bool(BROWSER_MISSING), reason=BROWSER_MISSING)
def test_search_finds_a_word_right_after_an_entity(library: Path) -> None:
    """The hostile guide's title and text hold `<img`, indexed as `&lt;img` right after a
    space: the word is found (the search separator once made it "lt;img")."""
    with serve_directory(library) as base, chromium() as browser:
        page = browser.new_page()
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
        page.goto(base, wait_until="load")
        page.locator("input.md-search__input").click()
        page.locator("input.md-search__input").press_sequentially("img", delay=30)
        results = page.locator("a.md-search-result__link")
        results.first.wait_for(state="visible", timeout=5000)
        page.wait_for_timeout(300)  # the worker may still replace the list of a partial query
        hrefs = [str(a.get_attribute("href")) for a in results.all()]
        assert any(h.startswith(base + "guides/hostile/") for h in hrefs), hrefs


def _cached_rows(project: Path) -> dict[tuple[str, str], int]:
    """Each entry of the build cache, by table and key: its row (a rewritten entry gets a
    new one)."""
    db = sqlite3.connect(project / ".cache" / "cleanguide" / "build.sqlite")
    try:
        return {
            (table, key): row
            for table in ("articles", "pages")
            for key, row in db.execute(f"SELECT key, rowid FROM {table}")
        }
    finally:
        db.close()


def test_a_build_that_reuses_every_page_forgets_nothing_of_the_cache(tmp_path: Path) -> None:
    """Pages reused whole keep their conversions: a later change of the theme, which every
    page key holds, converts no page again (a no-op build used to sweep them away)."""
    project = make_project(tmp_path / "project", copies(3))
    log = mkdocs(project)
    pages = int(re.search(r"(\d+) generated page\(s\) built", log)[1])  # type: ignore[index]
    cold = _cached_rows(project)
    log = mkdocs(project)
    assert f"0 generated page(s) built, {pages} reused unchanged" in log, log
    assert _cached_rows(project) == cold
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("primary: teal", "primary: indigo")
    )
    log = mkdocs(project)
    assert f"{pages} generated page(s) built, 0 reused" in log, log  # another theme
    after = _cached_rows(project)
    # each page's HTML, search entries and record are new; its conversion is the cold
    # build's, untouched (as is the library's entry: its guides did not change)
    kept = {k for k, row in after.items() if k[0] == "pages" and cold.get(k) == row}
    assert len(kept) == pages + 1
    # (and one record of which page is where in the site, one of the search index there)
    assert len([k for k in after if k[0] == "pages"]) == 4 * pages + 3


def test_the_search_index_is_written_back_only_when_the_build_would_make_it_again(
    tmp_path: Path,
) -> None:
    """A build that would make the very index the site holds writes that file back as it
    was; an index edited in the site, or a page whose entries changed, makes it again."""
    project = make_project(tmp_path / "project", copies(4))
    (project / "docs" / "about.md").write_text("# About\n\nWho writes these.\n", "utf-8")
    mkdocs(project, site="cold")
    cold = (project / "cold" / INDEX).read_bytes()
    same = "search index as the build before made it"
    for args in ((), ("--dirty",), ("--dirty",)):  # the first --dirty takes about.md's
        log = mkdocs(project, *args, site="site")  # entries from the index before
        assert (project / "site" / INDEX).read_bytes() == cold
    assert same in log, log
    index = project / "site" / INDEX
    at = cold.rindex(b"Windows")  # in the last pages: the library's, from the cache
    for args in (("--dirty",), ()):  # their entries edited in the site: made again
        index.write_bytes(cold[:at] + b"Wind0ws" + cold[at + 7 :])
        log = mkdocs(project, *args, site="site")
        assert same not in log, log
        assert index.read_bytes() == cold
    (project / "docs" / "about.md").write_text("# About\n\nWho writes (Quillwort).\n", "utf-8")
    log = mkdocs(project, "--dirty", site="site")
    assert same not in log, log
    assert b"Quillwort" in index.read_bytes()
    excluded = "---\nsearch:\n  exclude: true\n---\n# About\n\nWho writes (Quillwort).\n"
    (project / "docs" / "about.md").write_text(excluded, "utf-8")  # built, not indexed:
    mkdocs(project, "--dirty", site="site")  # its entries of the index before are dropped
    assert b"Quillwort" not in index.read_bytes()
    mkdocs(project, site="fresh")
    assert index.read_bytes() == (project / "fresh" / INDEX).read_bytes()


def test_dirty_builds_after_an_edit_and_a_removal_equal_cold_builds(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", copies(20))
    mkdocs(project, site="site")
    log = mkdocs(project, "--dirty", site="site")
    assert re.search(r"0 generated page\(s\) built, (\d+) reused unchanged \(\1 already", log)

    article = project / "content" / "19228832084-0.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("Windows 10", "Windows Ten (Quillwort)", 1),
        encoding="utf-8",
    )
    (project / "content" / "android-photo-backup-0.md").unlink()
    stash = project / "site" / ".cleanguide-kept" / "guides"  # left by a plain build killed
    stash.mkdir(parents=True)
    (stash / "index.html").write_text("an earlier build's page", encoding="utf-8")
    log = mkdocs(project, "--dirty", site="site")
    assert "1 processed, 18 from cache" in log
    fresh = make_project(tmp_path / "fresh", {p.name: p for p in (project / "content").iterdir()})
    mkdocs(fresh, site=str(tmp_path / "fresh-site"))
    assert not list((project / "site" / "guides").glob("android-photo-backup-0/**/*.html"))
    assert_same_tree(tmp_path / "fresh-site", project / "site")


def test_plain_builds_keep_the_pages_in_place_and_equal_cold_builds(tmp_path: Path) -> None:
    """A plain `mkdocs build` empties the site, and used to write every page again; the
    library's pages still current stay where they are, and the site is still exactly what
    a build into an empty folder makes."""
    articles = copies(20)
    articles["printer.md"] = (
        "---\ntitle: Print a test page\n---\n\n## Method 1: Settings\n\n"
        "Step 1. Open Settings.\n\n![The printer page](shots/printer.png)\n\n"
        "Step 2. Read [the manual](manual.pdf).\n"
    )
    project = make_project(tmp_path / "project", articles)
    (project / "content" / "shots").mkdir()
    (project / "content" / "shots" / "printer.png").write_bytes(PNG)
    (project / "content" / "manual.pdf").write_bytes(b"%PDF-1.4 manual")
    mkdocs(project)
    site = project / "site"
    pages = sorted((site / "guides").rglob("*.html")) + sorted((site / "topics").rglob("*.html"))
    copied = sorted((site / "assets" / "content").rglob("*.*"))
    assert [p.name for p in copied] == ["manual.pdf", "printer.png"]
    stamps = {p: p.stat().st_mtime_ns for p in pages + copied}
    tampered = site / "guides" / "19228832084-1" / "index.html"
    tampered.write_text("<p>edited in the site by hand</p>", encoding="utf-8")
    (site / "guides" / "gone").mkdir()  # what MkDocs' emptying of the site would remove
    (site / "guides" / "gone" / "index.html").write_text("stale", encoding="utf-8")
    (site / "topics" / "stray.txt").write_text("stray", encoding="utf-8")
    (site / "assets" / "content" / "old.png").write_bytes(PNG)

    log = mkdocs(project)
    counts = re.search(r"0 generated page\(s\) built, (\d+) reused unchanged \((\d+) already", log)
    assert counts is not None, log
    assert int(counts[2]) == int(counts[1]) - 1 == len(pages) - 1  # all but the tampered one
    assert "Page skipped" not in log
    assert "3 file(s) of an earlier build removed" in log
    assert [p for p in pages + copied if p.stat().st_mtime_ns != stamps[p]] == [tampered]
    assert "edited in the site by hand" not in tampered.read_text(encoding="utf-8")
    assert not (site / "guides" / "gone").exists() and not (site / "topics" / "stray.txt").exists()
    assert not (site / "assets" / "content" / "old.png").exists()
    assert not (site / ".cleanguide-kept").exists()

    article = project / "content" / "19228832084-0.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("Windows 10", "Windows Ten (Quillwort)", 1),
        encoding="utf-8",
    )
    (project / "content" / "android-photo-backup-0.md").unlink()
    # a screenshot replaced by another file older than the copy (cp -p, an unpacked archive),
    # and a copy edited in the site: both copied again
    shot = project / "content" / "shots" / "printer.png"
    shot.write_bytes(PNG + b"another image")
    os.utime(shot, (1_577_836_800, 1_577_836_800))  # 2020
    (site / "assets" / "content" / "manual.pdf").write_bytes(b"edited in the site")
    mkdocs(project)
    assert "Quillwort" in (site / "guides" / "19228832084-0" / "index.html").read_text("utf-8")
    assert (
        (site / "assets" / "content" / "shots" / "printer.png")
        .read_bytes()
        .endswith(b"another image")
    )
    assert (site / "assets" / "content" / "manual.pdf").read_bytes() == b"%PDF-1.4 manual"
    fresh = make_project(tmp_path / "fresh", {})
    shutil.rmtree(fresh / "content")
    shutil.copytree(project / "content", fresh / "content")
    mkdocs(fresh, site=str(tmp_path / "fresh-site"))
    assert not (site / "guides" / "android-photo-backup-0").exists()
    assert_same_tree(tmp_path / "fresh-site", site)


def test_a_guide_page_says_the_language_its_content_is_written_in(tmp_path: Path) -> None:
    """The content of a guide in another language than the site's carries `lang` (and
    `dir="rtl"` for a language written right to left): screen readers and hyphenation use
    it. The theme's words around it stay in the site's language."""

    def article(title: str, lang: str, text: str) -> str:
        head = f"---\ntitle: {title}\ndate: 2024-06-01\n" + (f"lang: {lang}\n" if lang else "")
        return f"{head}---\n\n{text}\n\n## Method 1: One\n\nStep 1: {text}\n\nStep 2: {text}\n"

    project = make_project(
        tmp_path / "p",
        {
            "drucker.md": article("Drucker reparieren", "de", "Drücken Sie die Taste."),
            "whatsapp.md": article("نقل المحادثات", "", "افتح واتساب واضغط على الإعدادات."),
            "printer.md": article("Fix the printer", "", "Press the key."),
            # a language search does not know: the strict build passes, the page says it
            "farsi.md": article("چاپگر", "fa", "دکمه را فشار دهید."),
        },
    )
    mkdocs(project)

    def content(page: str) -> Tag:
        html = (project / "site" / "guides" / page / "index.html").read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        assert soup.html is not None and soup.html.get("lang") == "en"
        # on the content column, where Material's own [dir=rtl] .md-typeset rules apply
        column = soup.find("div", class_="md-content")
        assert isinstance(column, Tag) and column.find("article", class_="md-typeset")
        return column

    if not BROWSER_MISSING:  # laid out right to left, on a phone, within the screen
        with serve_directory(project / "site") as base, chromium() as browser:
            view = browser.new_page(viewport={"width": 390, "height": 844})
            view.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
            view.goto(base + "guides/whatsapp/method-1-one/")
            view.wait_for_selector(".cg-progress__status")
            assert view.evaluate("document.documentElement.scrollWidth") <= 390
            steps = view.eval_on_selector_all(
                "ol.cg-steps > li",
                "els => els.map(e => [getComputedStyle(e).direction, e.getBoundingClientRect().right])",
            )
            assert steps and all(d == "rtl" and right <= 390 for d, right in steps), steps
            status = view.locator(".cg-progress").first  # cleanguide's own words: the site's
            assert (status.get_attribute("lang"), status.get_attribute("dir")) == ("en", "auto")

    for page in ("drucker", "drucker/method-1-one"):
        assert content(page).attrs.get("lang") == "de" and "dir" not in content(page).attrs
    arabic = content("whatsapp/method-1-one")
    assert (arabic.get("lang"), arabic.get("dir")) == ("ar", "rtl")  # told by its script
    assert "lang" not in content("printer").attrs
    farsi = content("farsi")
    assert (farsi.get("lang"), farsi.get("dir")) == ("fa", "rtl")
