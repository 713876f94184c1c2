"""Short titles and one-sentence descriptions (titles.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleanguide.titles import SHORT_TITLE_MAX, cut, first_sentence, short_title


@pytest.mark.parametrize(
    ("title", "short"),
    [
        # short enough: as is, without decorative quotes
        ("Adjusting Windows Setup Service Operation Levels", None),
        ('"The Ultimate Guide to Non-Contact Sensing for 2024"', None),
        # a generic label before a colon goes
        (
            "Ultimate Guide: 3 Superior Techniques for Android Data Backup",
            "3 Superior Techniques for Android Data Backup",
        ),
        (
            "Hacked Scans Halt: Evaluating Window's Biometric Security Now",
            "Evaluating Window's Biometric Security Now",
        ),
        # a site suffix goes first
        (
            "Understanding Receipt OCR: Top Issues for Software Engineers - Insights From the"
            " ABBYY Team",
            "Understanding Receipt OCR: Top Issues for Software Engineers",
        ),
        # a leading year clause goes
        (
            "In 2024, How to Unlock the Tecno Spark 20 Without Losing Data",
            "How to Unlock the Tecno Spark 20 Without Losing Data",
        ),
        (
            "2024 Approved Beginner's Guide to IO Screen Video Capture on Windows 11",
            "Beginner's Guide to IO Screen Video Capture on Windows 11",
        ),
        # nothing to remove: cut at a word, with an ellipsis
        (
            "Understanding and Fixing Heavy CPU Usage by WUDFHost.exe in Windows 10 Environments",
            "Understanding and Fixing Heavy CPU Usage by WUDFHost.exe…",
        ),
    ],
)
def test_short_title(title: str, short: str | None) -> None:
    assert short_title(title) == (short if short is not None else title.strip('"'))


def test_short_title_never_leaves_a_fragment() -> None:
    # removing "Fix:" would leave two words: the rule does not apply, the title is cut
    title = "Fix: Supercalifragilisticexpialidociousness Antidisestablishmentarianism"
    assert short_title(title) == "Fix: Supercalifragilisticexpialidociousness…"


@given(st.text(min_size=1, max_size=300))
def test_short_title_fits(title: str) -> None:
    short = short_title(title)
    assert len(short) <= SHORT_TITLE_MAX


@given(st.text(max_size=300), st.integers(min_value=2, max_value=120))
def test_cut_fits_and_keeps_a_prefix(text: str, limit: int) -> None:
    out = cut(text, limit)
    assert len(out) <= limit
    flat = " ".join(text.split())
    assert flat.startswith(out.removesuffix("…").rstrip(" ,;:.-–—"))


def test_first_sentence() -> None:
    assert first_sentence("Back up often. Then restore.") == "Back up often."
    assert first_sentence("Use e.g. a cable. Done.") == "Use e.g. a cable."
    assert first_sentence("Version 1.2 is out. Update.") == "Version 1.2 is out."
    assert first_sentence("") == ""
    long = "word " * 100
    assert len(first_sentence(long)) <= 200 and first_sentence(long).endswith("…")
