"""A plain `mkdocs build` keeps the library's pages that are already in the site folder.

MkDocs empties the site folder at the start of every build but a `--dirty` one, and its
loop then writes every page again: at 1,000 articles, 4,105 folders and files, where this
machine's file system charges up to a millisecond for a folder. A build that changed
nothing took a quarter of a cold build, most of it in the kernel.

The library's own folders (guides/, topics/, and assets/images/ and assets/content/, where
the screenshots and the files articles link to are copied) are moved aside before MkDocs
empties the site, into a hidden folder of the site (MkDocs leaves hidden entries alone, and
a rename inside one folder is one step on any file system), and moved back once it has
(`Kept`). A page whose file is still the one an earlier build wrote for the same page key
(same size and modification time as recorded: `Written`) is not written again, nor is a
copied file whose copy is still the one made from its source as the source is now
(`copy_key`: its path, size and time; pages.CopiedFile). After the build, `prune` deletes
every file of those folders this build did not make, and the folders left empty, so they
hold what a build into an empty folder would have written, no more. A stash left by a
build that was killed goes at the start of any build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .diagnostics import logger

log = logger(__name__)

STASH = ".cleanguide-kept"
"""The hidden folder of the site the kept folders wait in while MkDocs empties the site."""


class Kept:
    """The folders of one build's site kept from MkDocs' emptying of it."""

    def __init__(self) -> None:
        self.site: Path | None = None
        self.folders: list[str] = []
        """The folders moved aside, then (once `back`) those back in place."""

    def aside(self, site_dir: str, folders: Sequence[str]) -> None:
        """Move the site's `folders` (those that are real folders) into its hidden stash."""
        self.clear(site_dir)  # a stash left by a build that was killed
        site = Path(site_dir)
        stash = site / STASH
        self.site, self.folders = site, []
        for name in folders:
            path = site / name
            if not path.is_dir() or path.is_symlink():
                continue
            try:
                (stash / name).parent.mkdir(parents=True, exist_ok=True)
                path.rename(stash / name)
            except OSError as exc:
                log.debug("cleanguide: %s not kept (%s)", path, exc)
                continue
            self.folders.append(name)

    def back(self) -> None:
        """Move the folders back into the site, now emptied, and remove the stash."""
        if self.site is None:
            return
        stash = self.site / STASH
        returned = []
        for name in self.folders:
            try:
                (self.site / name).parent.mkdir(parents=True, exist_ok=True)
                (stash / name).rename(self.site / name)
                returned.append(name)
            except OSError as exc:  # something made the folder meanwhile: it stays
                log.debug("cleanguide: %s not kept (%s)", self.site / name, exc)
        self.folders = returned
        shutil.rmtree(stash, ignore_errors=True)

    @staticmethod
    def clear(site_dir: str) -> None:
        """Remove a stash a killed build left in the site."""
        shutil.rmtree(Path(site_dir) / STASH, ignore_errors=True)

    def drop(self) -> None:
        """Forget the kept folders; remove the stash if they are still in it (a failed
        build)."""
        if self.site is not None:
            shutil.rmtree(self.site / STASH, ignore_errors=True)
        self.site, self.folders = None, []

    def holds(self, uri: str) -> bool:
        """Whether the site path `uri` lies in a kept folder."""
        return any(uri.startswith(f"{name}/") for name in self.folders)

    def paths(self) -> list[Path]:
        """The kept folders, in the site."""
        return [self.site / name for name in self.folders] if self.site else []


def copy_key(source: str) -> str | None:
    """What a copy of the file at `source` is made from: its path, size and modification
    time (None if there is no such file)."""
    found = stamp(source)
    return None if found is None else f"copy {found[0]} {found[1]} {source}"


def stamp(path: str) -> list[int] | None:
    """The size and modification time (ns) of the file at `path`, or None if there is none."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


class Written:
    """What the plugin wrote in a site: destination → [page key, size, mtime in ns]."""

    def __init__(self, records: Mapping[str, Any] | None = None) -> None:
        self.records: dict[str, list[Any]] = {}
        for dest, record in (records or {}).items():
            if isinstance(record, list) and len(record) == 3:  # (an older record: none)
                self.records[dest] = record

    def in_place(self, dest: str, key: str) -> bool:
        """Whether the file at `dest` is the one written for `key`, untouched since."""
        record = self.records.get(dest)
        return record is not None and record[0] == key and stamp(dest) == record[1:]

    @classmethod
    def of(cls, keys: Iterable[tuple[str, str]]) -> Written:
        """The record of pages (destination, key) as their files are now."""
        written = cls()
        for dest, key in keys:
            found = stamp(dest)
            if found is not None:
                written.records[dest] = [key, *found]
        return written


def prune(folders: Iterable[Path], wanted: Collection[str]) -> int:
    """Delete every file under `folders` whose path is not in `wanted` (normalised absolute
    paths), then the folders left empty; how many files were deleted."""
    deleted = 0
    for folder in folders:
        removed: set[str] = set()
        for root, dirs, names in os.walk(folder, topdown=False):
            left = False
            for name in names:
                path = os.path.join(root, name)
                if path in wanted:
                    left = True
                else:
                    os.unlink(path)
                    deleted += 1
            for name in dirs:
                path = os.path.join(root, name)
                if os.path.islink(path):  # (os.walk lists a link to a folder as a folder)
                    os.unlink(path)
                    deleted += 1
                elif path not in removed:
                    left = True
            if not left:  # (the kept folder too: a build into an empty site makes none)
                os.rmdir(root)
                removed.add(root)
    return deleted


def remove(paths: Iterable[str], site_dir: str) -> None:
    """Delete the files at `paths`, and the folders of the site they leave empty."""
    site = os.path.normpath(site_dir)
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        folder = os.path.dirname(os.path.normpath(path))
        while folder.startswith(site + os.sep):
            try:
                os.rmdir(folder)  # only if empty
            except OSError:
                break
            folder = os.path.dirname(folder)


__all__ = ["STASH", "Kept", "Written", "copy_key", "prune", "remove", "stamp"]
