"""Unseen-like articles: the corpus recombined and re-dressed the way the farm varies.

Usage::

    python benchmarks/variants.py OUTDIR [--seed 7] [--per-article 2]
    python benchmarks/corpus_bench.py OUTDIR --check

The cleaner was written against the corpus, so scoring it on the corpus alone cannot show
that it generalises. No other article of the farm is available offline; these variants
stand in for them. Each one takes the body of one corpus article (its ground-truth content)
and changes what differs from page to page on the farm:

* the ad blocks of another article are moved in, before randomly chosen headings, so ads
  sit in new places and carry other vendors, texts and images;
* every host the patterns do not name (vendors, their carts and CDNs) becomes an invented
  one, paths and queries kept: affiliate links must be known by their shape
  (``AFFILIATE=``, ``/c/<id>/<id>/<id>``), not by the vendor;
* the ad markers take other words of the farm's grammar (``<!-- sponsored ads begin -->``);
* "Also read:" labels become other link-farm labels.

The benchmark's ground truth (ad blocks by marker, link farms by class...) is derived from
each variant as from any article, so ``corpus_bench.py --check`` scores the variants as is.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from cleanguide.clean.patterns import default_patterns  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n", re.S)
_BLOCK = re.compile(r"<!--[^>]*?ads\s+begin\s*-->.*?<!--[^>]*?ads\s+end\s*-->", re.S | re.I)
_MARKER = re.compile(r"<!--\s*affiliate ads (begin|end)\s*-->", re.I)
_HEADING = re.compile(r"^#{2,4} \S", re.M)
_URL_HOST = re.compile(r"(?<=//)([A-Za-z0-9.-]+\.[A-Za-z]{2,})(?=[/:?#\"')\s]|$)")
_FARM_LABEL = re.compile(r'(class="atpl-alsoreadstyle">)Also read:')
MARKER_WORDS = ("sponsored", "banner", "inline", "top", "affiliate", "partner")
FARM_LABELS = ("Related:", "You may also like:", "Read more:", "See also:", "Also read:")


def _known(host: str) -> bool:
    p = default_patterns()
    url = f"https://{host}/"
    return p.is_junk_url(url)


def _rename_hosts(text: str, rng: random.Random, names: dict[str, str]) -> str:
    def new(m: re.Match[str]) -> str:
        host = m.group(1).lower()
        if _known(host):
            return m.group(1)
        if host not in names:
            stem = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7))
            names[host] = f"{'www.' if host.startswith('www.') else ''}{stem}-soft.com"
        return names[host]

    return _URL_HOST.sub(new, text)


def variant(body: str, donor: str, rng: random.Random) -> str:
    """One unseen-like body: `body`'s content with `donor`'s ads, renamed and re-worded."""
    blocks = _BLOCK.findall(donor) or _BLOCK.findall(body)
    headings = [m.start() for m in _HEADING.finditer(body)] or [len(body)]
    spots = sorted(rng.sample(headings, k=min(len(headings), max(1, len(blocks) // 2))))
    out, pos = [], 0
    for i, spot in enumerate(spots):
        out.append(body[pos:spot])
        chosen = blocks[i :: len(spots)]
        out.append("\n\n".join(chosen) + "\n\n")
        pos = spot
    out.append(body[pos:])
    text = "".join(out)
    word = rng.choice(MARKER_WORDS)
    text = _MARKER.sub(lambda m: f"<!-- {word} ads {m.group(1).lower()} -->", text)
    text = _FARM_LABEL.sub(lambda m: m.group(1) + rng.choice(FARM_LABELS), text)
    return _rename_hosts(text, rng, {})


def make_variants(out: Path, seed: int = 7, per_article: int = 2) -> list[Path]:
    rng = random.Random(seed)
    sources = sorted(CORPUS.glob("*.md"))
    texts = {p: p.read_text(encoding="utf-8-sig").replace("\r\n", "\n") for p in sources}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for p in sources:
        m = _FRONT_MATTER.match(texts[p])
        front, body = (texts[p][: m.end()], texts[p][m.end() :]) if m else ("", texts[p])
        for k in range(per_article):
            donor = texts[rng.choice([q for q in sources if q != p])]
            target = out / f"{p.stem}-v{k + 1}.md"
            target.write_text(front + variant(body, donor, rng), encoding="utf-8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-article", type=int, default=2)
    args = ap.parse_args(argv)
    written = make_variants(args.out, args.seed, args.per_article)
    print(f"{len(written)} variant(s) written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["make_variants", "urlsplit"]
