"""Small parts of the reader's page: languages for search, WebP renditions of screenshots,
the `srcset` the sanitiser lets through, the one log line for screenshots not fetched."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from cleanguide import languages
from cleanguide.images import CachedImage, ImageFailure
from cleanguide.pipeline import ArticleResult, BuildResult
from cleanguide.reader import loads
from cleanguide.renditions import RENDITION_MAX_WIDTH, rendition_widths, renditions
from cleanguide.sanitize import sanitize_html

CORPUS = Path(__file__).parent / "corpus"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("高度な文書処理技術と組み合わせた、SAP Intelligent RPA にABBYYを統合する方法", "ja"),
        ("数据备份的三种方法", "zh"),
        ("안드로이드 사진 백업 방법", "ko"),
        ("Как сделать резервную копию фотографий", "ru"),
        ("How to back up Android pictures", None),
        ("Wie man Fotos sichert, Schritt für Schritt", None),  # Latin script names no language
        ("Android 数据 backup with many English words around one phrase", None),
        ("", None),
    ],
)
def test_detect_names_the_language_a_script_is_written_for(text: str, lang: str | None) -> None:
    assert languages.detect(text) == lang


def test_the_corpus_has_one_japanese_article() -> None:
    found = {p.name: languages.detect(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.md")}
    assert [name for name, lang in found.items() if lang] == ["14050306503.md"]
    assert found["14050306503.md"] == "ja"


def test_front_matter_lang_is_kept_when_it_is_a_language_code() -> None:
    """Its primary tag, whether search knows the language or not (the pages say it; search
    indexes a language it does not know in the site's); a value that is no code is not."""
    article = loads("---\ntitle: T\nlang: de-AT\n---\nText\n", "a.md")
    assert article.meta.lang == "de"
    persian = loads("---\ntitle: T\nlang: fa_IR\n---\nText\n", "b.md")
    assert (persian.meta.lang, list(persian.diagnostics)) == ("fa", [])
    unknown = loads("---\ntitle: T\nlang: Klingon\n---\nText\n", "c.md")
    assert unknown.meta.lang == ""
    assert any("lang" in d.message for d in unknown.diagnostics)


def test_site_languages_put_the_site_first_and_each_other_search_knows_once() -> None:
    assert languages.site_languages("en", ["", "ja", "ja", "de", "en"]) == ["en", "de", "ja"]
    assert languages.site_languages("en", ["fa", "pl", "de", "uk"]) == ["en", "de"]


def test_languages_of_right_to_left_scripts_are_laid_out_right_to_left() -> None:
    page = '<div class="md-content" data-md-component="content"><p>x</p></div>'
    for lang in ("ar", "he", "fa", "ur", "ckb", "ps", "sd", "ug", "yi"):
        assert f'lang="{lang}" dir="rtl"' in languages.mark_language(page, lang), lang
    assert 'lang="uk">' in languages.mark_language(page, "uk")


def _cached(tmp_path: Path, size: tuple[int, int], kind: str = "PNG") -> CachedImage:
    path = tmp_path / f"shot-0123456789.{kind.lower()}"
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=kind)
    path.write_bytes(buffer.getvalue())
    media = f"image/{kind.lower()}"
    return CachedImage("https://x.test/shot.png", path, path.name, *size, media)


def test_renditions_are_webp_no_wider_than_the_original_and_made_once(tmp_path: Path) -> None:
    image = _cached(tmp_path, (1000, 500))
    made = renditions(image, tmp_path)
    assert [r.width for r in made] == [480, 960, 1000] == rendition_widths(1000)
    for r in made:
        with Image.open(r.path) as img:
            assert img.format == "WEBP" and img.size == (r.width, r.height)
        assert r.height == r.width // 2
    stamp = made[0].path.stat().st_mtime_ns
    assert renditions(image, tmp_path) == made
    assert made[0].path.stat().st_mtime_ns == stamp
    assert rendition_widths(300) == [300]
    assert rendition_widths(5000)[-1] == RENDITION_MAX_WIDTH
    assert renditions(_cached(tmp_path, (800, 600), "GIF"), tmp_path) == []  # may be animated


def test_srcset_keeps_relative_and_http_candidates_only() -> None:
    kept = sanitize_html('<img src="a.webp" srcset="a-480w.webp 480w, ../b.webp 960w">')
    assert 'srcset="a-480w.webp 480w, ../b.webp 960w"' in kept
    for bad in ("javascript:alert(1) 1x", "data:image/png;base64,AAAA 1x", "a.webp 480w, b"):
        assert "srcset" not in sanitize_html(f'<img src="a.webp" srcset="{bad}">'), bad


def test_screenshots_not_fetched_make_one_line_by_reason() -> None:
    a = ArticleResult("a.md", image_failures=[ImageFailure("u1", "HTTP 404")])
    b = ArticleResult(
        "b.md", image_failures=[ImageFailure(u, "offline and not cached") for u in ("u2", "u3")]
    )
    line = BuildResult([a, b], [], {}).image_failures()
    assert "\n" not in line and "3 screenshot(s) in 2 article(s)" in line
    assert "HTTP 404: 1; offline and not cached: 2" in line
    assert BuildResult([ArticleResult("c.md")], [], {}).image_failures() == ""
