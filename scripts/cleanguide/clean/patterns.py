"""The junk patterns, loaded once from `data/patterns.yml` into immutable, compiled form."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

_FLAGS = re.IGNORECASE


def _rx(pattern: str, flags: int = _FLAGS) -> re.Pattern[str]:
    return re.compile(pattern, flags)


@dataclass(frozen=True, slots=True)
class Patterns:
    """Everything the rules match against, grouped by concept."""

    farm_hosts: frozenset[str]
    affiliate_hosts: frozenset[str]
    affiliate_params: frozenset[str]
    banner_params: frozenset[str]
    """Referral parameters that make an image-only link an affiliate banner."""
    affiliate_path: re.Pattern[str]
    """Any of the listed affiliate path patterns (one alternation)."""
    ad_hosts: frozenset[str]
    marker_begin: re.Pattern[str]
    marker_end: re.Pattern[str]
    marker_max_lines: int
    ad_slot_tags: tuple[tuple[str, re.Pattern[str]], ...]
    ad_script_lines: re.Pattern[str]
    """Any of the listed ad script lines (one alternation)."""
    farm_label_classes: tuple[str, ...]
    farm_labels: re.Pattern[str]
    farm_label_lead: re.Pattern[str]
    """A farm label opening a paragraph, with its colon or dash ("Also read: ")."""
    farm_min_items: int
    farm_label_max_chars: int
    rating_start: re.Pattern[str]
    """Any of the widget's opening lines (one alternation of the listed patterns)."""
    rating_parts: re.Pattern[str]
    rating_stars: re.Pattern[str]
    """A run of rating stars, as a widget written in one paragraph of HTML shows them."""
    rating_tally: re.Pattern[str]
    """The score or count such a widget shows beside its stars ("4.9 / 5", "(218 votes)")."""
    rating_label: re.Pattern[str]
    """The question of a widget written in one paragraph ("Was this helpful?")."""
    rating_label_words: tuple[str, ...]
    """Lower-case words one of which every rating label names."""
    bylines: re.Pattern[str]
    pixel_max_size: int
    pixel_hidden_style: re.Pattern[str]
    disclaimer: re.Pattern[str]
    disclaimer_words: tuple[str, ...]
    """Lower-case words one of which every disclaimer phrase names."""
    disclaimer_max_chars: int
    disclaimer_button: re.Pattern[str]
    """A cookie notice's button ("Accept all"): goes only with a notice."""
    ui_chrome: re.Pattern[str]
    """A whole line that says only one of the UI labels (for `fullmatch`)."""
    share_link: re.Pattern[str]
    """A link that shares the page on a social network or by mail (a share bar's)."""
    furniture_heading: re.Pattern[str]
    """The whole text of a heading that names a widget (patterns.yml `furniture_sections`)."""
    furniture_max_lines: int
    comment_call: re.Pattern[str]
    """A call to comment, from the start of its sentence to its end (searched in a paragraph)."""
    comment_words: tuple[str, ...]
    """Lower-case words one of which every call to comment names."""

    _host_bits: dict[str, int] = field(init=False, compare=False, repr=False)
    """Listed host -> the bits it gives itself and its subdomains."""

    def __post_init__(self) -> None:
        bits: dict[str, int] = {}
        for hosts, bit in (
            (self.farm_hosts, _FARM),
            (self.affiliate_hosts, _AFFILIATE),
            (self.ad_hosts, _AD),
        ):
            for host in hosts:
                if host:
                    bits[host] = bits.get(host, 0) | bit
        object.__setattr__(self, "_host_bits", bits)

    # --- URL classification -------------------------------------------------------------
    def is_farm_url(self, url: str) -> bool:
        return bool(self._classify(url) & _FARM)

    def is_affiliate_url(self, url: str) -> bool:
        return bool(self._classify(url) & _AFFILIATE)

    def is_ad_url(self, url: str) -> bool:
        return bool(self._classify(url) & _AD)

    def is_banner_url(self, url: str) -> bool:
        """Whether an image-only link to `url` is an affiliate banner (a referral parameter)."""
        parts = _split(url)
        return parts is not None and not parts[2].isdisjoint(self.banner_params)

    def is_junk_url(self, url: str) -> bool:
        return bool(self._classify(url))

    def _classify(self, url: str) -> int:
        """The URL's _FARM | _AFFILIATE | _AD bits."""
        parts = _split(url)
        if parts is None:
            return 0
        host, path, keys = parts
        verdict = self._site_verdict(host, path)
        if not keys.isdisjoint(self.affiliate_params) or (
            host and self.affiliate_path.search(path)
        ):
            verdict |= _AFFILIATE
        return verdict

    def _site_verdict(self, host: str, path: str) -> int:
        """The host's bits; a root-relative URL ("/tag-search/?tagId=62") points at the site
        the article was scraped from: the farm."""
        if not host and path.startswith("/"):
            return _FARM
        return self._host_verdict(host)

    def _host_verdict(self, host: str) -> int:
        """The bits of the host, then of each parent domain: a listed host covers subdomains."""
        verdict = 0
        while host:
            verdict |= self._host_bits.get(host, 0)
            _, _, host = host.partition(".")
        return verdict


_FARM, _AFFILIATE, _AD = 1, 2, 4


# An http(s) or protocol-relative URL with a plain ASCII host and no character urlsplit would
# drop or treat specially: split by one match, as urlsplit splits it (most links of an article;
# tests/test_scanners.py checks the two agree).
_SIMPLE_URL = re.compile(
    r"(?:[Hh][Tt][Tt][Pp][Ss]?:)?//([A-Za-z0-9.-]+)(?::[0-9]*)?"
    r"((?:/[^?#\x00-\x20\x7f]*)?)(?:\?([^#\x00-\x20\x7f]*))?(?:#[^\x00-\x20\x7f]*)?"
)


def _split(url: str) -> tuple[str, str, frozenset[str]] | None:
    """(lower-case host without a trailing dot, path, lower-case query keys), or None."""
    url = url.strip()
    if simple := _SIMPLE_URL.fullmatch(url):
        host, path, query = simple.groups()
        return (host.lower().rstrip("."), path, _query_keys(query))
    return _split_by_urlsplit(url)


def _split_by_urlsplit(url: str) -> tuple[str, str, frozenset[str]] | None:
    if url.startswith("//"):
        url = "https:" + url
    try:
        s = urlsplit(url)
        host = (s.hostname or "").rstrip(".")
        return (host, s.path, _query_keys(s.query))
    except ValueError:
        return None


def _query_keys(query: str | None) -> frozenset[str]:
    return frozenset(k.lower() for k, _ in parse_qsl(query)) if query else frozenset()


def _either(patterns: list[str]) -> str:
    """The source of one regex alternating `patterns`, each in a group of its own."""
    return "|".join(f"(?:{p})" for p in patterns)


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    return _rx("^\\s*(?:" + _either(phrases) + ")\\s*:?\\s*$")


def _any(patterns: list[str]) -> re.Pattern[str]:
    """One regex matching where any of `patterns` matches (each keeps its own anchors)."""
    if not patterns:
        return re.compile("(?!)")  # none listed: nothing matches
    return _rx(_either(patterns))


def _comment(pattern: str) -> re.Pattern[str]:
    if not pattern.startswith("<!--"):
        raise ValueError(f"ad block marker {pattern!r} must start with '<!--'")
    return _rx(pattern)


def _words(words: list[str], patterns: list[str], what: str) -> tuple[str, ...]:
    """The lower-cased `words`, once every pattern is seen to name one of them."""
    lowered = tuple(str(w).lower() for w in words)
    for pattern in patterns:
        if not any(w in pattern.lower() for w in lowered):
            raise ValueError(f"{what} pattern {pattern!r} names none of the words {lowered}")
    return lowered


def _hosts(hosts: list[str]) -> frozenset[str]:
    return frozenset(h.lower().rstrip(".") for h in hosts)


def from_mapping(data: dict[str, Any]) -> Patterns:
    """Build `Patterns` from the parsed YAML (also used by tests with their own data)."""
    aff = data["affiliate"]
    markers = data["block_markers"]
    farm = data["link_farm"]
    rating = data["rating_widget"]
    scripts = data["ad_script_lines"]
    disclaimers = data["disclaimers"]
    calls = data["comment_calls"]
    return Patterns(
        farm_hosts=_hosts(data["farm_hosts"]),
        affiliate_hosts=_hosts(aff["hosts"]),
        affiliate_params=frozenset(p.lower() for p in aff["query_params"]),
        banner_params=frozenset(p.lower() for p in aff.get("banner_params", [])),
        affiliate_path=_any(aff["path_patterns"]),
        ad_hosts=_hosts(data["ad_hosts"]),
        marker_begin=_comment(markers["begin"]),
        marker_end=_comment(markers["end"]),
        marker_max_lines=int(markers["max_lines"]),
        ad_slot_tags=tuple((s["tag"], _rx(s["attr_pattern"])) for s in data["ad_slots"]),
        ad_script_lines=_any(scripts["patterns"]),
        farm_label_classes=tuple(farm["label_classes"]),
        farm_labels=_alternation(farm["labels"]),
        farm_label_lead=_rx("^\\s*(?:" + _either(farm["labels"]) + ")\\s*[:\\-\u2013\u2014]\\s*"),
        farm_min_items=int(farm["min_items"]),
        farm_label_max_chars=int(farm["label_max_chars"]),
        rating_start=_any(rating["start"]),
        rating_parts=_any(rating["parts"]),
        rating_stars=_rx(rating["stars"]),
        rating_tally=_any(rating["tally"]),
        rating_label=_any(rating.get("labels", [])),
        rating_label_words=_words(
            rating.get("label_words", []), rating.get("labels", []), "rating label"
        ),
        bylines=_any(data["byline"]["patterns"]),
        pixel_max_size=int(data["pixels"]["max_size"]),
        pixel_hidden_style=_rx(data["pixels"]["hidden_style"]),
        disclaimer=_any(disclaimers["phrases"]),
        disclaimer_words=_words(disclaimers["words"], disclaimers["phrases"], "disclaimer"),
        disclaimer_max_chars=int(disclaimers["max_chars"]),
        disclaimer_button=_any(disclaimers.get("buttons", [])),
        ui_chrome=_ui_chrome(data["ui_chrome"]),
        share_link=_any(data["share_links"]),
        furniture_heading=_rx(
            r"\s*(?:" + _either(data["furniture_sections"]["headings"]) + r")\s*[:.]?\s*"
        ),
        furniture_max_lines=int(data["furniture_sections"]["max_lines"]),
        comment_call=_comment_call(calls["lead_in"], calls["sentences"]),
        comment_words=_words(calls["words"], calls["sentences"], "comment call"),
    )


def _ui_chrome(labels: list[str]) -> re.Pattern[str]:
    """A whole line saying one label: emphasis, a link around it, trailing punctuation aside."""
    words = "|".join(r"[ \t]+".join(map(re.escape, str(label).split())) for label in labels)
    emphasis, punctuation = r"(?:\*\*|__|\*|_)?", r"[ \t]*[.:!\u2026\u00bb\u203a>\-\u2013\u2014]*"
    dash = r"(?:[\-\u2013\u2014][ \t]*)?"  # "- Advertisement -"
    return _rx(
        rf"[ \t]*{dash}{emphasis}\[?{emphasis}(?:{words or '(?!)'}){punctuation}{emphasis}"
        rf"(?:\]\([^)\n]*\))?{emphasis}{punctuation}[ \t]*"
    )


def _comment_call(lead_in: str, sentences: list[str]) -> re.Pattern[str]:
    # from a sentence start (the paragraph's, or after . ! ?) through its closing punctuation
    return _rx(
        r"(?:^\s*|(?<=[.!?])\s+)(?:(?:"
        + lead_in
        + r")\s+)?(?:"
        + _either(sentences)
        + r")[.!?]*(?=\s|$)"
    )


@functools.cache
def default_patterns() -> Patterns:
    text = resources.files("cleanguide").joinpath("data/patterns.yml").read_text("utf-8")
    return from_mapping(yaml.safe_load(text))
