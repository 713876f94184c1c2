"""The audit: what cleaning removed from each article and why, every warning, and the
related guides each guide lists, as JSON files outside the site.

`removals_record` is an article's removals as the build cache keeps them (with the texts
removed and the spans kept, the audit alone can rebuild the article: clean.reconstruct);
`audit_record` the whole record of one article; `write_audit` writes one file per article
(`<guide>.json`) and `summary.txt` under the audit folder (defaults.AUDIT_DIR).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache as cache_mod
from .files import atomic_write, write_if_changed
from .forks import shared_with_a_fork

if TYPE_CHECKING:
    from .cache import Cache
    from .clean import Cleaned
    from .library import Library
    from .pipeline import ArticleResult, BuildResult


def removals_record(cleaned: Cleaned) -> dict[str, Any]:
    """The removals of one cleaning, JSON-ready: rule, action, lines, characters, excerpt,
    the original spans and texts removed; and the spans kept."""
    return {
        "original_chars": len(cleaned.original),
        "removals": [
            {
                "rule": r.rule,
                "action": r.action,
                "lines": [r.line, r.end_line],
                "chars": r.chars,
                "excerpt": r.excerpt,
                "pieces": [[s, e] for s, e in r.pieces],
                "texts": list(r.texts),
            }
            for r in cleaned.removals
        ],
        "kept": [[s, e] for s, e in cleaned.kept],
    }


def audit_record(
    result: ArticleResult, lib: Library | None = None, full: bool = True
) -> dict[str, Any]:
    """The audit of one article as JSON-ready data: every removal, warning and error, and
    the related guides its home page lists, with why each was chosen.

    Without `full`, the removals and kept spans are left out."""
    slug = result.card.slug if result.card else None
    related = lib.related.get(slug, []) if lib is not None and slug else []
    return {
        "source": result.source,
        "guide": slug,
        "refused": result.refused,
        "removals": result.removals if full else [],
        "kept": result.audit.get("kept", []) if full else [],
        "diagnostics": [
            {"severity": d.severity.value, "line": d.line, "rule": d.rule, "message": d.message}
            for d in result.diagnostics
        ],
        "images_left_remote": [{"url": f.url, "reason": f.reason} for f in result.image_failures],
        "related": [{"guide": r.slug, "why": list(r.reasons)} for r in related],
    }


def _outline_of(r: ArticleResult, lib: Library) -> str:
    """An audit record without its removals and kept spans, as text (they follow r.key)."""
    return json.dumps(audit_record(r, lib, full=False), ensure_ascii=False, sort_keys=True)


def audit_json(record: dict[str, Any]) -> str:
    """An audit record as JSON a person can read: a key per line, a list item (a removal, a
    warning) per line."""
    lines = []
    for key, value in record.items():
        name = json.dumps(key)
        if isinstance(value, list) and value:
            items = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in value)
            lines.append(f" {name}: [\n  {items}\n ]")
        else:
            lines.append(f" {name}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


AUDIT_FORK_MIN = 100
"""Audit files to write from which a forked child writing half of them pays."""


def write_audit(result: BuildResult, audit_dir: Path, cache: Cache | None = None) -> Path:
    """One JSON file per article plus a summary, under audit_dir (outside the site).

    With a cache, a file whose record has not changed since the last build, and whose size
    is the one written then, is not written; without one (a new cache, new code), a file
    that already holds the same bytes is not written either (making a file costs far more
    than reading one). The files are replaced atomically but not each flushed to disk (a
    thousand flushes took 0.4 s): a file a crash left short or empty has another size, and
    is written again by the next build. Many files are written by this process and a forked
    child together (forks.shared_with_a_fork).
    """
    audit_dir.mkdir(parents=True, exist_ok=True)
    todo: list[tuple[Path, dict[str, Any], str]] = []
    for r in result.articles:
        target = audit_dir / ((r.card.slug if r.card else r.source.replace("/", "_")) + ".json")
        # what the record is made of, the removals by the article's key (not loaded here)
        outline = _outline_of(r, result.library)
        digest = cache_mod.key("audit-file", str(target), r.key, outline)
        if cache is not None and r.key and _written(target, cache.get("articles", digest)):
            continue
        todo.append((target, audit_record(r, result.library), digest))  # read here, not in a fork

    def work(part: Sequence[tuple[Path, dict[str, Any], str]]) -> list[int]:
        sizes = []
        for target, record, _ in part:
            data = audit_json(record).encode()
            write_if_changed(target, data, durable=False)
            sizes.append(len(data))
        return sizes

    sizes = shared_with_a_fork(work, todo, minimum=AUDIT_FORK_MIN, what="audit files written")
    if cache is not None:
        for (_, _, digest), size in zip(todo, sizes, strict=True):
            cache.put("articles", digest, size)
    summary = audit_dir / "summary.txt"
    atomic_write(summary, (result.summary() + "\n").encode())
    return summary


def _written(path: Path, size: Any) -> bool:
    """Whether `path` is there with the size a build recorded (None: none recorded)."""
    try:
        return isinstance(size, int) and path.stat().st_size == size
    except OSError:
        return False


__all__ = ["audit_json", "audit_record", "removals_record", "write_audit"]
