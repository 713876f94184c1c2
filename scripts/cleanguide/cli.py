"""The `cleanguide` command: build pages for any engine, report the audit, check links."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__, pipeline
from .cache import Cache
from .diagnostics import Severity, condensed
from .files import write_if_changed
from .images import FetchPolicy, ImageStore


def _build(args: argparse.Namespace) -> int:
    content, out = Path(args.content), Path(args.out)
    if not content.is_dir():
        print(f"cleanguide: {content} is not a folder", file=sys.stderr)
        return 2
    store = None
    if not args.no_images:
        policy = FetchPolicy(offline=args.offline, allow_loopback=args.allow_loopback)
        store = ImageStore(Path(args.image_cache), FetchPolicy.from_env(policy))
    cache = Cache(Path(args.build_cache) if args.build_cache else None)
    cache.begin()
    try:
        result = pipeline.build(content, image_store=store, cache=cache)
        pipeline.write_audit(result, Path(args.audit_dir), cache)
        cache.sweep(("articles",))
    finally:
        cache.close()
    _print_diagnostics(result)
    changed = pipeline.write_pages(result.pages, out)
    copies = {p: i.path for p, i in result.images.items()} | result.renditions | result.files
    for site_path, source in copies.items():
        if write_if_changed(out / site_path, source.read_bytes()):
            changed.append(out / site_path)
    print(result.summary())
    print(f"cleanguide: {len(changed)} file(s) written under {out}")
    print(
        "cleanguide: note: these pages are neutralised Markdown, not sanitised HTML: only a "
        "build through the MkDocs plugin sanitises what the Markdown renders to"
    )
    return 1 if (result.refused and args.strict) else 0


def _print_diagnostics(result: pipeline.BuildResult) -> None:
    for article in result.articles:
        for d in condensed(article.diagnostics):
            print(d, file=sys.stderr)
        for f in article.image_failures:
            print(
                f"{article.source}: info: screenshot left remote: {f.url} ({f.reason})",
                file=sys.stderr,
            )


def _report(args: argparse.Namespace) -> int:
    result = pipeline.build(Path(args.content), image_store=None)
    if args.json:
        json.dump(
            [pipeline.audit_record(a, result.library) for a in result.articles],
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        print()
        return 0
    for a in result.articles:
        if a.refused:
            print(f"{a.source}: REFUSED")
        else:
            chars = sum(r["chars"] for r in a.removals)
            total = a.audit.get("original_chars", 0)
            print(f"{a.source}: {len(a.removals)} removal(s), {chars} of {total} chars removed")
            by_rule: dict[str, int] = {}
            for r in a.removals:
                by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
            for rule, n in sorted(by_rule.items()):
                print(f"  {rule:14} {n}")
            if args.verbose:
                for r in a.removals:
                    first, last = r["lines"]
                    print(f"    L{first}-{last} {r['rule']} {r['action']}: {r['excerpt']}")
                for related in result.library.related.get(a.card.slug if a.card else "", []):
                    print(f"    related: {related.slug} ({'; '.join(related.reasons)})")
        for d in a.diagnostics:
            print(f"  {d.severity.value}: line {d.line or '-'}: {d.message}")
    print(result.summary())
    return (
        1
        if any(d.severity is Severity.ERROR for a in result.articles for d in a.diagnostics)
        else 0
    )


def _check_links(argv: list[str]) -> int:
    from . import linkcheck

    return linkcheck.main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["check-links"]:
        return _check_links(argv[1:])
    parser = argparse.ArgumentParser(prog="cleanguide", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cleanguide {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the guide pages (Markdown) for any engine")
    b.add_argument("--content", default="content", help="folder of articles (read only)")
    b.add_argument("--out", default="docs", help="docs folder; pages go to OUT/guides/")
    b.add_argument("--image-cache", default=".cache/cleanguide/images")
    b.add_argument("--audit-dir", default="build/cleanguide")
    b.add_argument(
        "--build-cache",
        default=".cache/cleanguide/build.sqlite",
        help="what earlier builds made, to skip unchanged articles ('' for none)",
    )
    b.add_argument("--no-images", action="store_true", help="keep remote screenshot URLs")
    b.add_argument("--offline", action="store_true", help="use cached screenshots only")
    b.add_argument(
        "--allow-loopback", action="store_true", help="fetch screenshots from 127.0.0.1 too"
    )
    b.add_argument("--strict", action="store_true", help="exit 1 if any article is refused")
    b.set_defaults(func=_build)
    r = sub.add_parser("report", help="what cleaning removes from each article, and why")
    r.add_argument("--content", default="content")
    r.add_argument("--json", action="store_true", help="the full audit as JSON")
    r.add_argument("-v", "--verbose", action="store_true", help="list every removal")
    r.set_defaults(func=_report)
    sub.add_parser("check-links", help="check the links of a built site (see check-links -h)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
