"""The pipeline end to end (without MkDocs): golden pages of the seed, isolation, writing."""

from __future__ import annotations

import logging
import os
import shutil
import stat
from pathlib import Path

import pytest

from cleanguide import audit, forks, pipeline
from cleanguide.cli import main

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "content" / "android-photo-backup.md"
GOLDEN = Path(__file__).parent / "golden"


def test_seed_pages_match_golden(content: Path) -> None:
    """Regenerate after a deliberate change with UPDATE_GOLDENS=1 and review the diff."""
    result = pipeline.build(content)
    pages = {p.path: p.text for p in result.pages}
    if os.environ.get("UPDATE_GOLDENS"):
        for old in GOLDEN.rglob("*.md"):  # the pages only: other goldens live beside them
            old.unlink()
        for path, text in pages.items():
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(GOLDEN).as_posix(): p.read_text("utf-8") for p in GOLDEN.rglob("*.md")
    }
    assert sorted(pages) == sorted(expected)
    for path, text in pages.items():
        assert text == expected[path], path


def test_seed_keeps_content_and_drops_junk(content: Path) -> None:
    result = pipeline.build(content)
    text = "\n".join(p.text for p in result.pages)
    for kept in [
        "As we take more and more pictures",
        "Free download [Google Photos]",
        "Backup & Sync",
        "Choose Device Data Backup",
        "Select Data type",
        "Backup pictures on Android",
        "Dropbox",
        "Thumbnail preview before photo backup.",
        "Encrypted Backup",
        "Device data Restore",
        "In this article, we have mainly showed you",
        "essential to **backup pictures**, in case",
    ]:
        assert kept in text, kept
    for junk in [
        "adsbygoogle",
        "AFFILIATE",
        "techidaily",
        "impactradius",
        "2checkout",
        "WPS Office",
        "PCDJ",
        "Any DRM Removal",
        "What do you think",
        "Rating:",
        "More Reading",
        "Louisa White",
        "author picture",
        "Also read",
        "Epubor",
        "Feel free to leave your comments",
    ]:
        assert junk not in text, junk
    assert text.count('<figcaption markdown="1">') == 6
    guide = result.articles[0].guide
    assert guide is not None
    assert [len(m.steps) for m in guide.methods] == [4, 3]


def test_bad_article_is_reported_and_others_build(content: Path) -> None:
    (content / "broken.md").write_text("---\ntitle: never closed\n", encoding="utf-8")
    (content / "worse.md").write_bytes(b"---\ntitle: x\n---\n\xff\xfe bad bytes\n")
    (content / "loose.md").write_text("# Loose article\n\nno front matter\n", encoding="utf-8")
    result = pipeline.build(content)
    refused = {a.source: str(a.diagnostics[0]) for a in result.refused}
    assert set(refused) == {"broken.md", "worse.md"}
    assert refused["broken.md"].startswith("broken.md:1: error: unterminated front matter")
    assert "worse.md" in refused["worse.md"] and "byte" in refused["worse.md"]
    assert any(p.path.startswith("guides/android-photo-backup/") for p in result.pages)
    # built, titled by its H1 (shown once, as the title), with a warning
    home = next(p for p in result.pages if p.path == "guides/loose/index.md")
    assert home.meta["title"] == "Loose article" and home.body.count("Loose article") == 1
    assert [str(d) for a in result.articles if a.source == "loose.md" for d in a.diagnostics] == [
        "loose.md:1: warning: no front matter: titled 'Loose article' after its first heading "
        "[reader]"
    ]


def test_an_article_linked_from_outside_content_is_refused_through_a_linked_folder(
    tmp_path: Path,
) -> None:
    """content/ reached through a symlink still reads its own articles, and refuses one
    that is a link to a file outside it (content/ is resolved once, not per article)."""
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(SEED, real / SEED.name)
    (tmp_path / "secret.md").write_text("---\ntitle: Secret\n---\n\nKeys.\n", "utf-8")
    (real / "leak.md").symlink_to(tmp_path / "secret.md")
    (tmp_path / "content").symlink_to(real, target_is_directory=True)
    result = pipeline.build(tmp_path / "content")
    by_source = {r.source: r for r in result.articles}
    assert sorted(by_source) == ["android-photo-backup.md", "leak.md"]
    assert by_source["android-photo-backup.md"].card is not None
    assert by_source["leak.md"].card is None
    assert [d.message for d in by_source["leak.md"].diagnostics] == [
        "path resolves outside the content folder"
    ]
    assert "Keys." not in "\n".join(p.text for p in result.pages)


def test_write_pages_only_changes_what_changed_and_stays_inside(
    tmp_path: Path, content: Path
) -> None:
    result = pipeline.build(content)
    out = tmp_path / "docs"
    first = pipeline.write_pages(result.pages, out)
    assert len(first) == len(result.pages)
    assert pipeline.write_pages(result.pages, out) == []
    with pytest.raises(ValueError, match="outside"):
        pipeline.write_pages([pipeline.PageFile("../escape.md", "x")], out)


def test_audit_rebuilds_the_article(content: Path) -> None:
    from cleanguide.clean import clean, reconstruct
    from cleanguide.reader import load

    result = pipeline.build(content)
    record = audit.audit_record(result.articles[0])
    article = load(content / SEED.name, root=content)
    cleaned = clean(article)
    assert reconstruct(cleaned.text, cleaned.kept, cleaned.removals) == article.body
    assert record["removals"] == audit.removals_record(cleaned)["removals"]
    assert {r["rule"] for r in record["removals"]} >= {
        "ad-block",
        "ad-slot",
        "link-farm",
        "rating-widget",
        "byline",
    }


def test_cli_build_and_report(
    tmp_path: Path, content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.read_bytes() for p in content.iterdir()}
    out = tmp_path / "docs"
    rc = main(
        [
            "build",
            "--content",
            str(content),
            "--out",
            str(out),
            "--no-images",
            "--audit-dir",
            str(tmp_path / "audit"),
            "--build-cache",
            str(tmp_path / "build.sqlite"),
        ]
    )
    assert rc == 0
    assert (out / "guides" / "android-photo-backup" / "index.md").is_file()
    assert (tmp_path / "audit" / "android-photo-backup.json").is_file()
    # published: readable by everyone, whatever the temporary files were made as
    written = [p for p in (out, tmp_path / "audit") for p in p.rglob("*") if p.is_file()]
    assert written and {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o644}
    assert "1 guide(s) from 1 article(s), 0 refused" in capsys.readouterr().out
    assert main(["report", "--content", str(content)]) == 0
    report = capsys.readouterr().out
    assert "android-photo-backup.md: 20 removal(s)" in report and "link-farm" in report
    assert {p: p.read_bytes() for p in content.iterdir()} == before


def test_repeated_warnings_are_counted_not_flooded(
    tmp_path: Path, content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    markers = "".join(f"<!-- affiliate ads begin -->\nkeep line {i}\n\n" for i in range(300))
    (content / "broken.md").write_text(f"---\ntitle: Broken markers\n---\n\n{markers}")
    args = ["build", "--content", str(content), "--out", str(tmp_path / "docs"), "--no-images"]
    args += ["--build-cache", str(tmp_path / "build.sqlite")]
    assert main([*args, "--audit-dir", str(tmp_path / "audit")]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if "broken.md" in line]
    assert len(err) == 6, err  # five shown, then one count of the rest with their lines
    assert err[0].startswith("broken.md:5: warning: ad begin marker without an end marker")
    assert err[-1].startswith(
        "broken.md: warning: 295 more on lines 20-902 (see cleanguide report)"
    )
    # the audit keeps every one of them
    assert main(["report", "--content", str(content)]) == 0
    assert capsys.readouterr().out.count("ad begin marker without an end marker") == 300


def test_audit_files_are_json_with_a_removal_per_line(content: Path, tmp_path: Path) -> None:
    import json

    result = pipeline.build(content)
    audit.write_audit(result, tmp_path / "audit")
    text = (tmp_path / "audit" / "android-photo-backup.json").read_text(encoding="utf-8")
    record = json.loads(text)
    assert record == audit.audit_record(result.articles[0], result.library)
    removal_lines = [ln for ln in text.splitlines() if ln.lstrip().startswith('{"rule"')]
    assert len(removal_lines) == len(record["removals"]) == 20


def corpus_content(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    for path in sorted((REPO / "tests" / "corpus").glob("*.md"))[:5]:
        shutil.copy(path, folder / path.name)
    (folder / "refused.md").write_text("---\ntitle: [unclosed\n---\n\nText.\n", encoding="utf-8")
    return folder


def outcome(result: pipeline.BuildResult) -> list[object]:
    """Everything a build made of its articles, comparable across processes."""
    return [[p.path, p.text] for p in result.pages] + [
        audit.audit_record(r, result.library) for r in result.articles
    ]


def test_articles_processed_in_a_fork_are_those_processed_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = corpus_content(tmp_path / "content")
    here = outcome(pipeline.build(content))
    started = []
    start = forks.Fork.start

    def spy(work: object) -> forks.Fork:
        started.append(work)
        return start(work)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "FORK_MIN", 2)
    monkeypatch.setattr(forks, "cores", lambda: 2)
    monkeypatch.setattr(forks, "can_fork", lambda: True)
    monkeypatch.setattr(forks.Fork, "start", spy)
    forked = pipeline.build(content)
    assert len(started) == 2  # processing the articles, then rendering their pages
    assert outcome(forked) == here
    assert all(r.seconds > 0 for r in forked.articles if not r.refused)


def test_articles_of_a_failed_fork_are_processed_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    content = corpus_content(tmp_path / "content")
    here = outcome(pipeline.build(content))

    class Dead:
        @classmethod
        def start(cls, work: object) -> Dead:
            return cls()

        def result(self) -> object:
            raise forks.ForkFailed("exit status -9: killed")

    monkeypatch.setattr(pipeline, "FORK_MIN", 2)
    monkeypatch.setattr(forks, "cores", lambda: 2)
    monkeypatch.setattr(forks, "can_fork", lambda: True)
    monkeypatch.setattr(forks, "Fork", Dead)
    with caplog.at_level(logging.INFO):
        assert outcome(pipeline.build(content)) == here
    assert "articles processed here, their fork failed (exit status -9: killed)" in caplog.text
    assert "guide pages rendered here, their fork failed (exit status -9: killed)" in caplog.text


def test_articles_are_processed_here_when_there_can_be_no_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    content = corpus_content(tmp_path / "content")
    here = outcome(pipeline.build(content))

    def no_fork(work: object) -> forks.Fork:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(pipeline, "FORK_MIN", 2)
    monkeypatch.setattr(forks, "cores", lambda: 2)
    monkeypatch.setattr(forks, "can_fork", lambda: True)
    monkeypatch.setattr(forks.Fork, "start", no_fork)
    with caplog.at_level(logging.INFO):
        assert outcome(pipeline.build(content)) == here
    assert "articles processed in this process only" in caplog.text


def test_audit_files_written_in_a_fork_are_those_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleanguide.cache import Cache

    content = corpus_content(tmp_path / "content")
    result = pipeline.build(content)
    audit.write_audit(result, tmp_path / "here")
    monkeypatch.setattr(audit, "AUDIT_FORK_MIN", 2)
    monkeypatch.setattr(forks, "cores", lambda: 2)
    monkeypatch.setattr(forks, "can_fork", lambda: True)
    forked = []
    start = forks.Fork.start
    monkeypatch.setattr(forks.Fork, "start", lambda work: forked.append(1) or start(work))
    cache = Cache(tmp_path / "cache.sqlite")
    audit.write_audit(result, tmp_path / "forked", cache)
    assert forked == [1]
    here = {p.name: p.read_bytes() for p in (tmp_path / "here").iterdir()}
    there = {p.name: p.read_bytes() for p in (tmp_path / "forked").iterdir()}
    assert there == here and len(here) == 8  # seven articles (one refused) and the summary
    # every file is known to the cache: the next build writes only the summary
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "forked").iterdir()}
    audit.write_audit(result, tmp_path / "forked", cache)
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "forked").iterdir()}
    assert [name for name in before if before[name] != after[name]] == ["summary.txt"]
    assert forked == [1]
    # a file a crash left short (they are not flushed one by one) is written again
    short = tmp_path / "forked" / "android-photo-backup.json"
    short.write_bytes(b"")
    audit.write_audit(result, tmp_path / "forked", cache)
    assert short.read_bytes() == (tmp_path / "here" / short.name).read_bytes()
