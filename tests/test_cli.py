"""The `cleanguide` command as a curator meets it: exit codes, counts and help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cleanguide.cli import main, parser
from cleanguide.defaults import AUDIT_DIR, CONTENT_DIR, IMAGE_CACHE


@pytest.mark.parametrize("command", ["build", "report"])
def test_a_missing_or_file_content_folder_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file.md").write_text("x", encoding="utf-8")
    for content in (tmp_path / "no" / "such" / "folder", tmp_path / "a-file.md"):
        assert main([command, "--content", str(content), "--image-cache", str(tmp_path)]) == 2
        captured = capsys.readouterr()
        assert f"{content} is not a folder" in captured.err
        assert "guide(s)" not in captured.out


def _left_remote(out: str) -> int:
    found = re.search(r"(\d+) image\(s\) left remote", out)
    assert found, out
    return int(found.group(1))


def test_report_counts_screenshots_left_remote_as_the_build_does(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = tmp_path / "images"
    build = ["build", "--content", str(content), "--out", str(tmp_path / "docs"), "--offline"]
    build += ["--image-cache", str(images), "--audit-dir", str(tmp_path / "audit")]
    assert main([*build, "--build-cache", ""]) == 0
    built = _left_remote(capsys.readouterr().out)
    assert built > 0  # the seed's screenshots are remote, and nothing is cached
    assert main(["report", "--content", str(content), "--image-cache", str(images)]) == 0
    assert _left_remote(capsys.readouterr().out) == built
    assert not images.exists()  # the report only reads the cache


def test_help_shows_each_option_with_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    commands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    build_help = " ".join(commands["build"].format_help().split())
    for option, default in [
        ("--content", CONTENT_DIR),
        ("--image-cache", IMAGE_CACHE),
        ("--audit-dir", AUDIT_DIR),
    ]:
        described = re.search(rf" {option} [A-Z_]+ (.+?) \(default: ([^)]*)\)", build_help)
        assert described, (option, build_help)
        assert described.group(2) == default
    assert f"(default: {CONTENT_DIR})" in commands["report"].format_help()
    assert "(default: " in commands["check-links"].format_help()
    assert "(default: False)" not in build_help
