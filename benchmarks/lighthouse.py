"""Lighthouse (mobile) on every page type of the measured site: the four scores per page.

Usage::

    python benchmarks/lighthouse.py            # prints the table
    python benchmarks/lighthouse.py --check    # also exits 1 below the targets

Installs the pinned Lighthouse with npm into build/lighthouse/ (once), builds the measured
site (tests/webtools.py: the seed guide with its screenshots made local, a single-page guide
whose screenshots could not be fetched, the library's pages, 404) with
`mkdocs build --strict`, serves it on 127.0.0.1 with text files gzipped (as GitHub Pages
and every static host serve them; `--uncompressed` to see the difference) and runs
Lighthouse's default mobile settings (simulated slow 4G and a 4x slower CPU) with Debian's
chromium on each page type.
Targets: accessibility, best practices and SEO 100, performance at least 95. Below target,
the failing audits are printed with the page.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from webtools import CHROMIUM, CHROMIUM_ARGS, build_measured_site, serve_directory  # noqa: E402

LIGHTHOUSE = "12.2.3"
"""The pinned version: 13.x needs Node 22."""
PREFIX = ROOT / "build" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


def install() -> Path:
    """The Lighthouse command, installed with npm into build/lighthouse/ if not there yet."""
    binary = PREFIX / "node_modules" / ".bin" / "lighthouse"
    manifest = PREFIX / "node_modules" / "lighthouse" / "package.json"
    installed = json.loads(manifest.read_text())["version"] if manifest.is_file() else None
    if installed != LIGHTHOUSE:
        PREFIX.mkdir(parents=True, exist_ok=True)
        print(f"== npm i -E lighthouse@{LIGHTHOUSE} (into {PREFIX})", flush=True)
        subprocess.run(
            ["npm", "i", "-E", "--no-audit", "--no-fund", f"lighthouse@{LIGHTHOUSE}"],
            cwd=PREFIX,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return binary


def audit(binary: Path, url: str, report: Path) -> dict[str, object]:
    """One Lighthouse run (mobile defaults) on `url`; its JSON report."""
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    cmd = [str(binary), url, "--quiet", "--output=json", f"--output-path={report}"]
    cmd += [f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={flags}"]
    env = dict(os.environ, CHROME_PATH=str(CHROMIUM))
    subprocess.run(cmd, env=env, check=True, timeout=300)
    data: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))
    return data


def scores(report: dict[str, object]) -> dict[str, int]:
    categories = report["categories"]
    assert isinstance(categories, dict)
    return {c: round(float(categories[c]["score"] or 0) * 100) for c in CATEGORIES}


def failing(report: dict[str, object]) -> list[str]:
    """The audits that cost points: "id (score)" for each scored audit below 1."""
    out = []
    audits = report["audits"]
    categories = report["categories"]
    assert isinstance(audits, dict) and isinstance(categories, dict)
    for c in CATEGORIES:
        for ref in categories[c]["auditRefs"]:
            result = audits[ref["id"]]
            score = result.get("score")
            if ref.get("weight") and score is not None and score < 1:
                value = result.get("displayValue", "")
                out.append(f"{c}: {ref['id']} ({score:.2f}{', ' + value if value else ''})")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 below the targets")
    parser.add_argument("--only", nargs="*", default=None, help="page types to measure")
    parser.add_argument(
        "--uncompressed", action="store_true", help="serve without gzip (no real host does)"
    )
    args = parser.parse_args()

    binary = install()
    with tempfile.TemporaryDirectory(prefix="cleanguide-lighthouse-") as tmp:
        measured = build_measured_site(Path(tmp))
        rows: list[tuple[str, dict[str, int], list[str]]] = []
        with serve_directory(measured.site, compress=not args.uncompressed) as base:
            for kind, path in measured.pages.items():
                if args.only and kind not in args.only:
                    continue
                report = audit(binary, base + path, Path(tmp) / "report.json")
                rows.append((kind, scores(report), failing(report)))
                print(f"measured {kind}: {rows[-1][1]}", file=sys.stderr, flush=True)

    served = "uncompressed" if args.uncompressed else "gzipped as GitHub Pages serves it"
    print(f"Lighthouse {LIGHTHOUSE}, mobile, Debian's chromium, site on 127.0.0.1, {served}")
    print()
    print("| page | performance | accessibility | best practices | SEO |")
    print("|---|---|---|---|---|")
    below = []
    for kind, got, audits in rows:
        print(f"| {kind} | " + " | ".join(str(got[c]) for c in CATEGORIES) + " |")
        if any(got[c] < TARGETS[c] for c in CATEGORIES):
            below.append((kind, audits))
    for kind, audits in below:
        print(f"\nbelow target: {kind}", file=sys.stderr)
        for line in audits:
            print(f"  {line}", file=sys.stderr)
    return 1 if args.check and below else 0


if __name__ == "__main__":
    sys.exit(main())
