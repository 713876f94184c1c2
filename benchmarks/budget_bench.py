"""The per-article budget: each fuzz shape's whole path, in CPU seconds, against the budget.

Usage::

    python benchmarks/budget_bench.py [--scale 1.0] [--shape NAME ...] [--check]

Each shape of `benchmarks/fuzz_shapes.py` (an ordinary article with one construct that is
quadratic somewhere: in Python-Markdown, in html.parser or in a careless regex of ours) goes
the way a build takes it: read, clean and structure (`pipeline.process`) and render
(`render.render_guide`) in this process, then each of its pages converted to HTML by a
worker process (`convert.convert_all` with a `workers.Pool`), with the site's own
Markdown extensions (mkdocs.yml), each page stopped past what is left of the budget.
Times are CPU seconds (this process's thread for ours, the worker's for each page), so a
machine busy with other work moves them little.

The table lists every shape: its size, the seconds of each stage, the total, how many
pieces of its text were written as literal text (`budget.Allowance`) and whether a page was
stopped. The last line gives the slowest article against the budget. `--check` exits 1 if
any article went over the budget or had a page stopped. `--scale 2` doubles every construct
(lines stay under the reader's limit; past 2 MiB the reader refuses the article).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

from cleanguide import pipeline, reader
from cleanguide.budget import ARTICLE_SECONDS, Allowance, allowance
from cleanguide.convert import Setup, convert_all
from cleanguide.diagnostics import ArticleError
from cleanguide.render import render_guide
from cleanguide.slugs import slug_for_article
from cleanguide.workers import Pool

ROOT = Path(__file__).resolve().parent.parent


def fuzz_shapes() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fuzz_shapes", ROOT / "benchmarks" / "fuzz_shapes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True, slots=True)
class Row:
    """One article's way through a build, in CPU seconds."""

    name: str
    chars: int
    process: float = 0.0
    render: float = 0.0
    convert: float = 0.0
    capped: int = 0
    stopped: str = ""
    refused: str = ""
    allowed: float = ARTICLE_SECONDS
    """The article's budget (`budget.allowance`: it grows past half a MiB)."""

    @property
    def total(self) -> float:
        return self.process + self.render + self.convert


def site_config() -> MkDocsConfig:
    config = load_config(str(ROOT / "mkdocs.yml"))
    return config


def measure(
    name: str, text: str, config: MkDocsConfig, pool: Pool, budget: float = ARTICLE_SECONDS
) -> Row:
    """One article through read, clean, structure, render and conversion, as a build does."""
    start = time.thread_time()
    data = text.encode("utf-8")
    try:
        article = reader.loads(data, f"{name}.md")
    except ArticleError as exc:
        return Row(name, len(text), refused=exc.diagnostic.message)
    guide, _ = pipeline.clean_and_structure(
        article, slug_for_article(article.source, article.meta.title)
    )
    processed = time.thread_time()
    capped = Allowance()
    pages = render_guide(guide, allowance=capped)
    rendered = time.thread_time()
    files = [File(p.path, None, config.site_dir, config.use_directory_urls) for p in pages]
    setup = Setup.of(config, files)
    left = allowance(budget, len(data)) - (rendered - start)
    limits = {p.path: left for p in pages}
    urls = {f.src_uri: f.url for f in files}
    done = convert_all(setup, {p.path: p.body for p in pages}, urls, None, pool, limits)
    return Row(
        name,
        len(text),
        processed - start,
        rendered - processed,
        sum(done.seconds.values()),
        len(capped.capped),
        "; ".join(f"{uri}: {why}" for uri, why in done.stopped.items()),
        allowed=allowance(budget, len(data)),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--shape", action="append", default=[], help="only these shapes")
    parser.add_argument("--check", action="store_true", help="exit 1 over the budget")
    args = parser.parse_args(argv)
    shapes = fuzz_shapes()
    names = args.shape or shapes.names()
    config = site_config()
    pool = Pool(1)
    rows = []
    print(f"{'shape':26} {'chars':>9} {'process':>8} {'render':>7} {'convert':>8} {'total':>7}")
    try:
        for name in names:
            row = measure(name, shapes.shape(name, args.scale), config, pool)
            rows.append(row)
            note = (
                f"refused: {row.refused}"
                if row.refused
                else (f"{row.capped} literal" if row.capped else "")
                + (f" STOPPED {row.stopped}" if row.stopped else "")
            )
            print(
                f"{name:26} {row.chars:>9} {row.process:>8.3f} {row.render:>7.3f} "
                f"{row.convert:>8.3f} {row.total:>7.3f}  {note}",
                flush=True,
            )
    finally:
        pool.close()
    built = [r for r in rows if not r.refused]
    slowest = max(built, key=lambda r: r.total)
    over = [r for r in built if r.total > r.allowed or r.stopped]
    print(
        f"slowest article: {slowest.total:.3f} s CPU ({slowest.name}) against its budget of "
        f"{slowest.allowed:.1f} s ({ARTICLE_SECONDS:g} s per article, per half MiB of a larger "
        f"one); {len(over)} of {len(built)} over theirs"
    )
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
