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
        ("Як створити резервну копію фотографій: є три способи, її легко зробити", "uk"),
        ("Як зрабіць рэзервовую копію фатаграфій: ўсё проста, ўключыце сінхранізацыю", "be"),
        ("Како направити копију фотографија: најбоље ће бити да пођете од ћелије", "sr"),
        ("Како да направите резервна копија: ѕвезда, ќе го видите", "mk"),
        ("Бұл телефондағы суреттердің сақтық көшірмесін жасаудың ұтымды жолы", "kk"),
        # Russian quoting one Ukrainian word is still Russian
        ("Как сделать резервную копию фотографий на телефоне, " * 4 + "«їжак»", "ru"),
        ("\u0643\u064a\u0641\u064a\u0629 \u0639\u0645\u0644 \u0646\u0633\u062e\u0629", "ar"),
        # Persian: چ ک ی گ پ (پشتیبان گیری)
        (
            "\u0686\u06af\u0648\u0646\u0647 \u0627\u0632 \u0639\u06a9\u0633 \u067e\u0634\u062a"
            "\u06cc\u0628\u0627\u0646 \u0628\u06af\u06cc\u0631\u06cc\u0645",
            "fa",
        ),
        # Sorani Kurdish: yeh and reh with a small v; and Persian's tcheh and keheh
        (
            "\u0686\u06c6\u0646 \u0648\u06ce\u0646\u06d5\u06a9\u0627\u0646 \u0644\u06d5 \u0695\u06ce\u06af\u06d5",
            "ckb",
        ),
        # Pashto: څ ګ ړ (څنګه ... کړو), Persian's ک too
        ("\u0685\u0646\u06ab\u0647 \u062e\u0648\u0646\u062f\u064a \u06a9\u0693\u0648", "ps"),
        # Urdu: ڈ ے ں (اینڈرائیڈ ... کیسے لیں)
        (
            "\u0627\u06cc\u0646\u0688\u0631\u0627\u0626\u06cc\u0688 \u06a9\u06cc\u0633\u06d2 "
            "\u0644\u06cc\u06ba",
            "ur",
        ),
        ("How to back up Android pictures", None),
        ("Wie man Fotos sichert, Schritt für Schritt", None),  # Latin script names no language
        ("Android 数据 backup with many English words around one phrase", None),
        ("", None),
    ],
)
def test_detect_names_the_language_a_script_is_written_for(text: str, lang: str | None) -> None:
    assert languages.detect(text) == lang


def test_letters_several_languages_write_name_none_of_them() -> None:
    """Mongolian and Tatar write Kazakh's barred o and straight u, Uzbek Belarusian's short u:
    none of them is taken for Kazakh or Belarusian (each is read as the script's language,
    as before)."""
    mongolian = "Андройд утасны зургийг хэрхэн нөөцлөх вэ, өөрөө үүнийг хийж болно"
    tatar = "Телефондагы рәсемнәрнең резерв күчермәсен ничек ясарга, бөтенесен күчерегез"
    uzbek = "Андроид телефондаги расмларни қандай сақлаш мумкин: ўзингиз ўрнатинг"
    assert [languages.detect(t) for t in (mongolian, tatar, uzbek)] == ["ru", "ru", "ru"]


def test_every_language_read_from_a_right_to_left_script_is_written_right_to_left() -> None:
    found = {
        languages.detect(text)
        for text in ("\u0643\u064a\u0641", "\u05d0\u05d9\u05da")  # Arabic, Hebrew
    }
    found |= {lang for lang, *_ in languages._OWN_LETTERS["ARABIC"]}
    assert found == {"ar", "he", "ckb", "ps", "ur", "fa"}
    assert found <= languages.RIGHT_TO_LEFT


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
