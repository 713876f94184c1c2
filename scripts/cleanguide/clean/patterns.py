"""The junk patterns, loaded once from `data/patterns.yml` into immutable, compiled form."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

_FLAGS = re.IGNORECASE


def _rx(pattern: str, flags: int = _FLAGS) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def _host_matches(host: str, suffixes: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == s or host.endswith("." + s) for s in suffixes)


@dataclass(frozen=True, slots=True)
class Patterns:
    """Everything the rules match against, grouped by concept."""

    farm_hosts: tuple[str, ...]
    affiliate_hosts: tuple[str, ...]
    affiliate_params: frozenset[str]
    affiliate_paths: tuple[re.Pattern[str], ...]
    ad_hosts: tuple[str, ...]
    marker_begin: re.Pattern[str]
    marker_end: re.Pattern[str]
    marker_max_lines: int
    ad_slot_tags: tuple[tuple[str, re.Pattern[str]], ...]
    ad_script_lines: tuple[re.Pattern[str], ...]
    farm_label_classes: tuple[str, ...]
    farm_labels: re.Pattern[str]
    farm_min_items: int
    rating_start: tuple[re.Pattern[str], ...]
    rating_parts: tuple[re.Pattern[str], ...]
    bylines: tuple[re.Pattern[str], ...]
    pixel_max_size: int
    pixel_hidden_style: re.Pattern[str]
    disclaimer: re.Pattern[str]
    disclaimer_max_chars: int

    # --- URL classification -------------------------------------------------------------
    def is_farm_url(self, url: str) -> bool:
        return _host_matches(_host(url), self.farm_hosts)

    def is_affiliate_url(self, url: str) -> bool:
        parts = _split(url)
        if parts is None:
            return False
        host, path, query = parts
        if host and _host_matches(host, self.affiliate_hosts):
            return True
        if any(k.lower() in self.affiliate_params for k, _ in parse_qsl(query)):
            return True
        return bool(host) and any(p.search(path) for p in self.affiliate_paths)

    def is_ad_url(self, url: str) -> bool:
        host = _host(url)
        return bool(host) and _host_matches(host, self.ad_hosts)

    def is_junk_url(self, url: str) -> bool:
        return self.is_farm_url(url) or self.is_affiliate_url(url) or self.is_ad_url(url)


def _split(url: str) -> tuple[str, str, str] | None:
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    try:
        s = urlsplit(url)
        return (s.hostname or "", s.path, s.query)
    except ValueError:
        return None


def _host(url: str) -> str:
    parts = _split(url)
    return parts[0] if parts else ""


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    return _rx("^\\s*(?:" + "|".join(f"(?:{p})" for p in phrases) + ")\\s*:?\\s*$")


def from_mapping(data: dict[str, Any]) -> Patterns:
    """Build `Patterns` from the parsed YAML (also used by tests with their own data)."""
    aff = data["affiliate"]
    markers = data["block_markers"]
    farm = data["link_farm"]
    rating = data["rating_widget"]
    return Patterns(
        farm_hosts=tuple(data["farm_hosts"]),
        affiliate_hosts=tuple(aff["hosts"]),
        affiliate_params=frozenset(p.lower() for p in aff["query_params"]),
        affiliate_paths=tuple(_rx(p) for p in aff["path_patterns"]),
        ad_hosts=tuple(data["ad_hosts"]),
        marker_begin=_rx(markers["begin"]),
        marker_end=_rx(markers["end"]),
        marker_max_lines=int(markers["max_lines"]),
        ad_slot_tags=tuple((s["tag"], _rx(s["attr_pattern"])) for s in data["ad_slots"]),
        ad_script_lines=tuple(_rx(p, _FLAGS | re.MULTILINE) for p in data["ad_script_lines"]),
        farm_label_classes=tuple(farm["label_classes"]),
        farm_labels=_alternation(farm["labels"]),
        farm_min_items=int(farm["min_items"]),
        rating_start=tuple(_rx(p) for p in rating["start"]),
        rating_parts=tuple(_rx(p) for p in rating["parts"]),
        bylines=tuple(_rx(p) for p in data["byline"]),
        pixel_max_size=int(data["pixels"]["max_size"]),
        pixel_hidden_style=_rx(data["pixels"]["hidden_style"]),
        disclaimer=_rx("|".join(f"(?:{p})" for p in data["disclaimers"]["phrases"])),
        disclaimer_max_chars=int(data["disclaimers"]["max_chars"]),
    )


def load(path: Path | None = None) -> Patterns:
    """Load patterns from a YAML file; the packaged defaults when `path` is None."""
    if path is None:
        return default_patterns()
    return from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")))


@functools.cache
def default_patterns() -> Patterns:
    text = resources.files("cleanguide").joinpath("data/patterns.yml").read_text("utf-8")
    return from_mapping(yaml.safe_load(text))
