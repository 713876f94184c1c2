"""keep.py: the library's folders kept across MkDocs' emptying of the site, and pruned to
what the build made."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cleanguide.keep import STASH, Kept, Written, copy_key, prune, remove


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def site_with_library(root: Path) -> Path:
    site = root / "site"
    for path in ("guides/a/index.html", "guides/a/m1/index.html", "topics/t/index.html"):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(path, encoding="utf-8")
    (site / "index.html").write_text("home", encoding="utf-8")
    return site


def empty(site: Path) -> None:
    """What MkDocs' clean_directory does: remove every entry but the hidden ones."""
    for entry in os.listdir(site):
        if not entry.startswith("."):
            path = site / entry
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def test_folders_moved_aside_survive_the_emptying_of_the_site(tmp_path: Path) -> None:
    site = site_with_library(tmp_path)
    (site / STASH / "guides").mkdir(parents=True)  # left by a killed build
    (site / STASH / "guides" / "old.html").write_text("old", encoding="utf-8")
    kept = Kept()
    kept.aside(str(site), ["guides", "topics", "missing", "index.html"])
    assert kept.folders == ["guides", "topics"]  # real folders only
    empty(site)
    assert tree(site) == [STASH, *(f"{STASH}/{p}" for p in tree(site / STASH))]
    kept.back()
    assert tree(site) == [
        "guides",
        "guides/a",
        "guides/a/index.html",
        "guides/a/m1",
        "guides/a/m1/index.html",
        "topics",
        "topics/t",
        "topics/t/index.html",
    ]
    assert kept.paths() == [site / "guides", site / "topics"]


def test_a_linked_folder_is_not_kept(tmp_path: Path) -> None:
    site = site_with_library(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(site / "topics")
    (site / "topics").symlink_to(elsewhere, target_is_directory=True)
    kept = Kept()
    kept.aside(str(site), ["guides", "topics"])
    assert kept.folders == ["guides"]


def test_a_folder_made_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    site = site_with_library(tmp_path)
    kept = Kept()
    kept.aside(str(site), ["guides", "topics"])
    empty(site)
    (site / "topics").mkdir()
    (site / "topics" / "new.html").write_text("new", encoding="utf-8")
    kept.back()
    assert kept.folders == ["guides"]
    assert tree(site / "topics") == ["new.html"]
    assert not (site / STASH).exists()


def test_a_failed_build_drops_the_stash(tmp_path: Path) -> None:
    site = site_with_library(tmp_path)
    kept = Kept()
    kept.aside(str(site), ["guides"])
    kept.drop()
    assert not (site / STASH).exists() and not (site / "guides").exists()
    assert kept.folders == [] and kept.paths() == []


def test_prune_leaves_what_the_build_made_and_nothing_else(tmp_path: Path) -> None:
    site = site_with_library(tmp_path)
    (site / "guides" / "gone" / "m2").mkdir(parents=True)
    (site / "guides" / "gone" / "m2" / "index.html").write_text("stale", encoding="utf-8")
    (site / "guides" / "a" / ".hidden").write_text("stale", encoding="utf-8")
    (site / "guides" / "link").symlink_to(tmp_path, target_is_directory=True)
    (site / "topics" / "empty").mkdir()
    wanted = {str(site / "guides" / "a" / "index.html"), str(site / "topics" / "t" / "index.html")}
    assert prune([site / "guides", site / "topics"], wanted) == 4
    assert tree(site / "guides") == ["a", "a/index.html"]
    assert tree(site / "topics") == ["t", "t/index.html"]
    assert (site / "index.html").exists()  # outside the kept folders: not its business


def test_a_page_is_in_place_only_untouched_since_it_was_written_for_its_key(
    tmp_path: Path,
) -> None:
    page = tmp_path / "index.html"
    page.write_text("<p>page</p>", encoding="utf-8")
    written = Written.of([(str(page), "key-1")])
    assert written.in_place(str(page), "key-1")
    assert not written.in_place(str(page), "key-2")
    assert not written.in_place(str(tmp_path / "other.html"), "key-1")
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # touched
    assert not written.in_place(str(page), "key-1")
    page.unlink()
    assert not written.in_place(str(page), "key-1")
    assert Written.of([(str(page), "key-1")]).records == {}


def test_a_record_of_another_shape_is_no_record() -> None:
    """Records written before pages carried their size and time: nothing is in place."""
    written = Written({"/site/guides/a/index.html": "key-1", "/x": [1, 2]})
    assert written.records == {}


def test_a_nested_folder_is_kept_and_put_back(tmp_path: Path) -> None:
    site = site_with_library(tmp_path)
    (site / "assets" / "images").mkdir(parents=True)
    (site / "assets" / "images" / "a.webp").write_bytes(b"RIFF")
    (site / "assets" / "theme.css").write_text("css", encoding="utf-8")
    kept = Kept()
    kept.aside(str(site), ["assets/images"])
    empty(site)
    kept.back()
    assert tree(site) == ["assets", "assets/images", "assets/images/a.webp"]
    assert kept.holds("assets/images/a.webp") and not kept.holds("assets/theme.css")
    assert not kept.holds("assets/images")


def test_a_kept_folder_left_empty_goes_too(tmp_path: Path) -> None:
    """A build into an empty site makes no assets/content/ when no article links a file."""
    site = site_with_library(tmp_path)
    assert prune([site / "topics"], set()) == 1
    assert not (site / "topics").exists()


def test_files_of_earlier_builds_go_with_the_folders_they_leave_empty(tmp_path: Path) -> None:
    site = site_with_library(tmp_path)
    (site / "guides" / "b").mkdir()
    (site / "guides" / "b" / "index.html").write_text("b", encoding="utf-8")
    remove([str(site / "guides/a/m1/index.html"), str(site / "guides/b/index.html")], str(site))
    assert tree(site / "guides") == ["a", "a/index.html"]
    remove([str(site / "index.html"), str(site / "missing.html")], str(site))
    assert site.is_dir()  # never the site itself


def test_a_copy_is_current_only_for_the_source_as_it_is(tmp_path: Path) -> None:
    source = tmp_path / "shot.png"
    source.write_bytes(b"one")
    key = copy_key(str(source))
    assert key is not None and key == copy_key(str(source))
    source.write_bytes(b"two")
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, 1_000_000_000))  # replaced by an older file
    assert copy_key(str(source)) != key
    assert copy_key(str(tmp_path / "missing.png")) is None
