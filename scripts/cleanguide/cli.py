"""The `cleanguide` command: build pages for any engine, report the audit, check links.

Each subcommand is a function of its parsed arguments returning the exit status: 0 done,
1 what was asked found problems (a refused article with `--strict`, an error in the
report, a broken link), 2 the command cannot run (a folder that is not there, bad
arguments).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import __version__, pipeline
from .audit import audit_record, write_audit
from .cache import Cache
from .defaults import AUDIT_DIR, BUILD_CACHE, CONTENT_DIR, DOCS_DIR, IMAGE_CACHE
from .diagnostics import Severity, condensed
from .files import write_if_changed
from .images import FetchPolicy, ImageStore
from .linkcheck import DEFAULT_CACHE_MAX_AGE, ExternalOptions, Report, check_site_report

_LINK_DEFAULTS = ExternalOptions()


def _content_folder(args: argparse.Namespace) -> Path | None:
    """The content folder, or None (said on stderr) when it is not a folder."""
    content = Path(args.content)
    if not content.is_dir():
        print(f"cleanguide: {content} is not a folder", file=sys.stderr)
        return None
    return content


def _build(args: argparse.Namespace) -> int:
    content, out = _content_folder(args), Path(args.out)
    if content is None:
        return 2
    store = None
    if not args.no_images:
        policy = FetchPolicy(offline=args.offline, allow_loopback=args.allow_loopback)
        store = ImageStore(Path(args.image_cache), FetchPolicy.from_env(policy))
    cache = Cache(Path(args.build_cache) if args.build_cache else None)
    cache.begin()
    try:
        result = pipeline.build(content, image_store=store, cache=cache)
        write_audit(result, Path(args.audit_dir), cache)
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
    content = _content_folder(args)
    if content is None:
        return 2
    # the screenshot cache is only read: the report counts what an offline build shows
    store = ImageStore(Path(args.image_cache), FetchPolicy(offline=True), read_only=True)
    result = pipeline.build(content, image_store=store)
    if args.json:
        json.dump(
            [audit_record(a, result.library) for a in result.articles],
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
    errors = any(d.severity is Severity.ERROR for a in result.articles for d in a.diagnostics)
    return 1 if errors else 0


def _check_links(args: argparse.Namespace) -> int:
    options = ExternalOptions(
        timeout=args.timeout,
        retries=args.retries,
        min_interval=args.min_interval,
        run_seconds=args.deadline,
        allow_loopback=args.allow_loopback,
    )
    try:
        report = check_site_report(
            args.site_dir,
            external=args.external,
            ignore=args.ignore,
            cache_path=args.cache,
            cache_max_age=args.cache_max_age,
            site_url=args.site_url,
            options=options,
        )
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in _link_lines(report):
        print(line)
    return 1 if report.broken else 0


def _link_lines(report: Report) -> Iterator[str]:
    yield from (str(b) for b in report.broken)
    yield from (f"not checked: {url} ({reason})" for url, reason in report.unchecked)
    yield report.summary()


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise argparse.ArgumentTypeError(f"bad regex {value!r}: {exc}") from exc
    return value


class _Help(argparse.HelpFormatter):
    """Each option's help ends with its default, unless it is a flag (off by default)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS):
            text += " (default: %(default)s)"
        return text


def parser() -> argparse.ArgumentParser:
    """The command line: `build`, `report` and `check-links`."""
    top = argparse.ArgumentParser(prog="cleanguide", description=__doc__.split("\n", 1)[0])
    top.add_argument("--version", action="version", version=f"cleanguide {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=summary,
            description=summary,
            formatter_class=_Help,
        )

    b = command("build", "write the guide pages (Markdown) for any engine")
    b.add_argument("--content", default=CONTENT_DIR, help="folder of articles (only read)")
    b.add_argument("--out", default=DOCS_DIR, help="docs folder; pages go to OUT/guides/")
    b.add_argument(
        "--image-cache", default=IMAGE_CACHE, help="screenshots fetched once, kept between builds"
    )
    b.add_argument(
        "--audit-dir", default=AUDIT_DIR, help="where every removal and warning is written"
    )
    b.add_argument(
        "--build-cache",
        default=BUILD_CACHE,
        help="what earlier builds made, to skip unchanged articles ('' for none)",
    )
    b.add_argument("--no-images", action="store_true", help="keep remote screenshot URLs")
    b.add_argument("--offline", action="store_true", help="use cached screenshots only")
    b.add_argument(
        "--allow-loopback", action="store_true", help="fetch screenshots from 127.0.0.1 too"
    )
    b.add_argument("--strict", action="store_true", help="exit 1 if any article is refused")
    b.set_defaults(func=_build)

    r = command("report", "what cleaning removes from each article, and why")
    r.add_argument("--content", default=CONTENT_DIR, help="folder of articles (only read)")
    r.add_argument(
        "--image-cache",
        default=IMAGE_CACHE,
        help="screenshot cache, only read: screenshots not in it count as left remote",
    )
    r.add_argument("--json", action="store_true", help="the full audit as JSON")
    r.add_argument("-v", "--verbose", action="store_true", help="list every removal")
    r.set_defaults(func=_report)

    c = command("check-links", "check the links of a built site (offline unless --external)")
    c.add_argument("site_dir", metavar="SITE_DIR", type=Path, help="the built site")
    c.add_argument("--external", action="store_true", help="also request http(s) URLs")
    c.add_argument(
        "--ignore", metavar="REGEX", action="append", default=[], type=_regex,
        help="skip URLs matching this regex (repeatable)",
    )  # fmt: skip
    c.add_argument("--cache", metavar="FILE", type=Path, help="JSON cache of external results")
    c.add_argument(
        "--cache-max-age", metavar="SECONDS", type=float, default=DEFAULT_CACHE_MAX_AGE,
        help="reuse cached external results younger than this",
    )  # fmt: skip
    c.add_argument("--site-url", metavar="URL", help="base URL (default: the canonical link)")
    c.add_argument(
        "--timeout", metavar="SECONDS", type=float, default=_LINK_DEFAULTS.timeout,
        help="for one request: connect, headers and body together",
    )  # fmt: skip
    c.add_argument(
        "--retries", type=int, default=_LINK_DEFAULTS.retries,
        help="attempts after a timeout, a connection error, a 429 or a 5xx",
    )  # fmt: skip
    c.add_argument(
        "--deadline", metavar="SECONDS", type=float, default=_LINK_DEFAULTS.run_seconds,
        help="for the whole external check; what is not reached is reported, not checked",
    )  # fmt: skip
    c.add_argument(
        "--allow-loopback", action="store_true",
        help="admit servers on 127.0.0.1 and ::1 (other private addresses never are)",
    )  # fmt: skip
    c.add_argument(
        "--min-interval", metavar="SECONDS", type=float, default=_LINK_DEFAULTS.min_interval,
        help="minimum time between two requests to one host",
    )  # fmt: skip
    c.set_defaults(func=_check_links)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
