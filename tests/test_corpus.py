"""The real corpus through the pipeline: no junk left, all content kept, audit complete.

Ground truth and matching come from benchmarks/corpus_bench.py (see its docstring); it is
derived from each original article independently of the cleaner's rules.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from cleanguide.clean import reconstruct
from cleanguide.reader import loads

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SEED = ROOT / "content" / "android-photo-backup.md"
ARTICLES = [*sorted(CORPUS.glob("*.md")), SEED]


def _load_bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "corpus_bench", ROOT / "benchmarks" / "corpus_bench.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


bench = _load_bench()
_markdown = bench._Markdown()
_ours = bench.ours(_markdown)


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in paths]


def test_corpus_matches_index() -> None:
    lines = (CORPUS / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    ids = {line.split("\t", 1)[0] for line in lines[1:] if line.strip()}
    assert len(ids) == 15
    assert {p.stem for p in CORPUS.glob("*.md")} == ids


@pytest.mark.parametrize("path", ARTICLES, ids=_ids(ARTICLES))
def test_ground_truth_finds_items(path: Path) -> None:
    truth = bench.ground_truth(path.read_text(encoding="utf-8"))
    assert truth.content, "no content items found"
    if truth.ad_blocks:
        assert truth.junk, "article has ad blocks but no junk items were found"
    kinds = {i.kind for i in truth.content}
    assert "paragraph" in kinds


@pytest.mark.parametrize("path", ARTICLES, ids=_ids(ARTICLES))
def test_pipeline_leaves_no_junk_and_keeps_content(path: Path) -> None:
    data = path.read_bytes()
    truth = bench.ground_truth(data.decode("utf-8"))
    s = bench.score(truth, bench.Output.from_html(_ours(data, path.name)))
    for item in s.junk_left:
        print(f"junk left [{item.kind}]: {item.text}")
    for item in s.content_lost:
        print(f"content lost [{item.kind}]: {item.text}")
    assert not s.junk_left, f"{len(s.junk_left)} of {s.junk_total} junk item(s) left"
    assert s.kept_ratio >= bench.KEPT_TARGET, (
        f"kept {s.kept} of {s.content_total} content items ({100 * s.kept_ratio:.2f}%)"
    )


@pytest.mark.parametrize("path", ARTICLES, ids=_ids(ARTICLES))
def test_audit_reconstructs_article(path: Path) -> None:
    from cleanguide import pipeline

    article = loads(path.read_bytes(), path.name)
    _guide, cleaned = pipeline.clean_and_structure(article, "slug")
    assert cleaned.removals, "nothing was removed: the corpus articles all carry junk"
    assert reconstruct(cleaned.text, cleaned.kept, cleaned.removals) == article.body


def test_scoring_detects_junk_and_loss() -> None:
    """The matchers are not vacuous: the raw article leaves every junk item, nothing keeps none."""
    raw = SEED.read_text(encoding="utf-8")
    truth = bench.ground_truth(raw)
    unclean = bench.score(truth, bench.Output.from_html(_markdown(bench.split_front_matter(raw))))
    assert len(unclean.junk_left) == unclean.junk_total
    assert not unclean.content_lost
    empty = bench.score(truth, bench.Output.from_html("<p></p>"))
    assert empty.kept == 0
    assert not empty.junk_left


def _load_variants():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("variants", ROOT / "benchmarks" / "variants.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [7, 2026])
def test_unseen_like_variants_leave_no_junk_and_keep_content(seed: int, tmp_path: Path) -> None:
    """Corpus bodies with other articles' ads, invented vendor hosts, other marker words."""
    paths = _load_variants().make_variants(tmp_path, seed=seed, per_article=1)
    assert len(paths) == 15
    failures = []
    for path in paths:
        data = path.read_bytes()
        truth = bench.ground_truth(data.decode("utf-8"))
        assert truth.junk and truth.content
        s = bench.score(truth, bench.Output.from_html(_ours(data, path.name)))
        if s.junk_left or s.kept_ratio < bench.KEPT_TARGET:
            failures.append((path.name, [i.text[:60] for i in s.junk_left + s.content_lost]))
    assert not failures
