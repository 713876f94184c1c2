"""The build cache (cache.py) and what the pipeline takes from it."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from cleanguide import audit, pipeline
from cleanguide import cache as cache_mod
from cleanguide.cache import Cache, code_version

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "scripts" / "cleanguide"
CORPUS = REPO / "tests" / "corpus"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(REPO / "content" / "android-photo-backup.md", folder)
    for name in ("19228832084.md", "67121011908.md"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def build(content: Path, db: Path) -> pipeline.BuildResult:
    """A build with the cache at `db`; the audits are read before the cache closes."""
    store = Cache(db)
    store.begin()
    try:
        result = pipeline.build(content, cache=store)
        for article in result.articles:
            assert article.audit is not None
        store.sweep()
        return result
    finally:
        store.close()


def test_second_build_processes_no_unchanged_article(content: Path, tmp_path: Path) -> None:
    db = tmp_path / "build.sqlite"
    first = build(content, db)
    second = build(content, db)
    assert [a.from_cache for a in first.articles] == [False, False, False]
    assert [a.from_cache for a in second.articles] == [True, True, True]
    assert "0 processed, 3 from cache" in second.summary()
    assert [(p.path, p.text) for p in second.pages] == [(p.path, p.text) for p in first.pages]
    records = [audit.audit_record(a, second.library) for a in second.articles]
    assert records == [audit.audit_record(a, first.library) for a in first.articles]


def test_an_edited_article_alone_is_processed_again(content: Path, tmp_path: Path) -> None:
    db = tmp_path / "build.sqlite"
    build(content, db)
    seed = content / "android-photo-backup.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    again = build(content, db)
    assert {a.source: a.from_cache for a in again.articles} == {
        "19228832084.md": True,
        "67121011908.md": True,
        "android-photo-backup.md": False,
    }
    assert "One more line." in "\n".join(p.text for p in again.pages)


def test_other_code_misses_every_entry(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "build.sqlite"
    build(content, db)
    monkeypatch.setattr(cache_mod, "code_version", lambda: "another version of the code")
    again = build(content, db)
    assert not any(a.from_cache for a in again.articles)


def test_a_changed_pattern_changes_the_code_version(tmp_path: Path) -> None:
    copy = tmp_path / "cleanguide"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert code_version(copy) == code_version(PACKAGE)
    patterns = copy / "data" / "patterns.yml"
    text = patterns.read_text(encoding="utf-8")
    assert "'also read'" in text
    patterns.write_text(text.replace("'also read'", "'also see'", 1), encoding="utf-8")
    code_version.cache_clear()
    assert code_version(copy) != code_version(PACKAGE)


def test_entries_no_build_asked_for_are_swept(tmp_path: Path) -> None:
    db = tmp_path / "build.sqlite"
    store = Cache(db)
    store.begin()
    store.put("articles", "old", {"x": 1})
    store.put("articles", "kept", {"x": 2})
    store.sweep()
    store.close()
    store = Cache(db)
    store.begin()
    assert store.get("articles", "kept") == {"x": 2}
    store.sweep()
    store.close()
    store = Cache(db)
    assert store.get("articles", "old") is None
    assert store.get("articles", "kept") == {"x": 2}
    store.close()


def test_a_damaged_cache_file_is_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: Path
) -> None:
    db = tmp_path / "build.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        result = build(content, db)
    assert len(result.library.cards) == 3
    assert any("unusable" in r.getMessage() for r in caplog.records)
    assert (tmp_path / "build.sqlite.broken").is_file()
    assert all(a.from_cache for a in build(content, db).articles)


def test_audits_survive_builds_that_do_not_read_them(content: Path, tmp_path: Path) -> None:
    db = tmp_path / "build.sqlite"
    first = build(content, db)
    for _ in range(2):  # builds that never ask for the audits
        store = Cache(db)
        store.begin()
        pipeline.build(content, cache=store)
        store.sweep()
        store.close()
    last = build(content, db)
    assert all(a.from_cache for a in last.articles)
    assert [a.removals for a in last.articles] == [a.removals for a in first.articles]
    assert all(a.removals for a in last.articles if a.card is not None)


def test_an_unreadable_entry_is_rebuilt(tmp_path: Path, content: Path) -> None:
    import sqlite3

    db = tmp_path / "build.sqlite"
    build(content, db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE articles SET value = x'00ff00'")
    again = build(content, db)
    assert not any(a.from_cache for a in again.articles)
    assert len(again.library.cards) == 3


@pytest.mark.parametrize(
    "value",
    [
        "<p>Étape 1 — 📷</p>",
        "",
        '{"looks": "like JSON"}',
        "t",
        {"content": "<p>x</p>", "n": [1]},
        [],
    ],
)
def test_entries_read_back_as_they_were_put_encoded_here_or_elsewhere(
    tmp_path: Path, value: object
) -> None:
    db = tmp_path / "build.sqlite"
    store = Cache(db)
    store.begin()
    store.put("pages", "here", value)
    store.put_encoded("pages", "elsewhere", cache_mod.encode(value))  # as a fork or worker
    store.sweep()
    store.close()
    store = Cache(db)
    assert store.get("pages", "here") == value
    assert store.get("pages", "elsewhere") == value
    store.close()
    in_memory = Cache(None)
    in_memory.put_encoded("pages", "elsewhere", cache_mod.encode(value))
    assert in_memory.get("pages", "elsewhere") == value


def test_a_new_cache_file_has_large_pages_and_an_old_one_still_reads(tmp_path: Path) -> None:
    new = tmp_path / "new.sqlite"
    store = Cache(new)
    store.begin()
    store.put("pages", "k", {"html": "x" * 20000})
    store.sweep()
    store.close()
    with sqlite3.connect(new) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == cache_mod.PAGE_SIZE
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:  # as an earlier cleanguide made it
        db.execute("PRAGMA page_size=4096")
        db.execute(f"PRAGMA user_version={cache_mod.SCHEMA}")
        db.execute("CREATE TABLE pages (key TEXT PRIMARY KEY, value BLOB)")
        db.execute("INSERT INTO pages VALUES ('k', ?)", (cache_mod.encode({"a": 1}),))
    store = Cache(old)
    assert store.get("pages", "k") == {"a": 1}
    store.close()


@pytest.mark.parametrize("value", ["<p>a page</p>" * 200, {"search": ["entry"] * 200}])
def test_an_entry_damaged_inside_fails_its_checksum(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, value: object
) -> None:
    """A flipped byte in the middle of a stored entry is caught, not read as other data."""
    db = tmp_path / "build.sqlite"
    store = Cache(db)
    store.begin()
    store.put("pages", "k", value)
    store.sweep()
    store.close()
    with sqlite3.connect(db) as conn:
        [data] = conn.execute("SELECT value FROM pages WHERE key='k'").fetchone()
        middle = len(data) // 2
        damaged = data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1 :]
        conn.execute("UPDATE pages SET value=? WHERE key='k'", (damaged,))
    store = Cache(db)
    with caplog.at_level(logging.WARNING):
        assert store.get("pages", "k") is None
    store.close()
    assert any("unreadable" in r.getMessage() for r in caplog.records)


def test_without_the_cache_an_unchanged_audit_file_is_left_as_it_is(
    content: Path, tmp_path: Path
) -> None:
    """New code or a deleted cache makes every record again: the files that hold the same
    bytes are not written again (a file costs far more to make than to read)."""
    folder = tmp_path / "audit"
    audit.write_audit(pipeline.build(content), folder)
    before = {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.glob("*.json")}
    seed = content / "android-photo-backup.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    audit.write_audit(pipeline.build(content), folder)
    after = {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.glob("*.json")}
    assert after.keys() == before.keys() and len(after) == 3
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"android-photo-backup.json"}
