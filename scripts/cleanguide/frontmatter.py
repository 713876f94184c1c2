"""Front matter, YAML in and out: an article's, read safely; a generated page's, written.

`parse` reads the YAML of an article's front matter with libyaml (`CSafeLoader`, as MkDocs
and python-frontmatter do where it is installed; PyYAML's own loader otherwise). Its
events are scanned first, and what has no place in article metadata is refused before
anything is built from it: aliases and anchors (an alias bomb costs nothing that way),
explicit tags (several safe constructors crash on values they do not expect) and nesting
deeper than `MAX_DEPTH` (composing and constructing recurse per level). Duplicate keys
are refused too. Every refusal is an `ArticleError` naming the file and the line.

`dump` writes a generated page's front matter with `yaml.safe_dump` (libyaml's emitter).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import ArticleError

try:
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 10
"""Deepest collection nesting accepted (the top mapping is level 1)."""
RULE = "reader"

# What PyYAML's and libyaml's readers refuse (controls are removed before: U+FFFE, U+FFFF):
# refused here first, with a line (their own error has none).
_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_KIND: dict[type[Node], str] = {ScalarNode: "a single value", SequenceNode: "a list"}


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """An article's front matter as YAML reads it."""

    data: dict[Any, Any]
    lines: dict[Any, int] = field(default_factory=dict)
    """The file line of each top-level key."""
    plain: dict[Any, str] = field(default_factory=dict)
    """The text of each top-level value written plain (unquoted) on one line, as written:
    `title: 2024-05-01` is a date to YAML and "2024-05-01" here."""


class _Mark(Protocol):
    line: int


class _NotAllowed(Exception):
    """A construct refused in front matter, with where it was found."""

    def __init__(self, message: str, mark: _Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def parse(text: str, source: str, first_line: int = 2) -> FrontMatter:
    """The mapping the YAML `text` holds, which starts on line `first_line` of the file
    `source`; ArticleError for anything else, or anything refused."""
    # YAML reads U+2028/U+2029 as line breaks, the file does not: lines would drift.
    text = text.replace("\u2028", " ").replace("\u2029", " ")
    # Trailing spaces and tabs mean nothing in front matter, and YAML refuses a tab there.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    if bad := _UNPRINTABLE.search(text):
        line = text.count("\n", 0, bad.start()) + first_line
        message = f"front matter contains the unacceptable character U+{ord(bad.group()):04X}"
        raise ArticleError(source, message, line=line, rule=RULE)
    try:
        _scan(text)
        return _load(text, first_line)
    except _NotAllowed as exc:
        line = exc.mark.line + first_line if exc.mark is not None else 1
        raise ArticleError(source, exc.message, line=line, rule=RULE) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else 1
        # str(exc) quotes YAML's own line numbers: say it with its parts instead
        what = ": ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
        raise ArticleError(source, f"front matter is not valid YAML: {what}", line, RULE) from None
    except yaml.YAMLError as exc:
        raise ArticleError(source, f"front matter is not valid YAML: {exc}", 1, RULE) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # The safe constructors let a few of these through (an integer over Python's digit
        # limit); they are still the article's fault.
        raise ArticleError(source, f"front matter value not accepted: {exc}", 1, RULE) from None


def _scan(text: str) -> None:
    """Refuse aliases, anchors, explicit tags and deep nesting, in the order they come."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, AliasEvent):
            raise _NotAllowed(
                f"YAML alias '*{event.anchor}' is not allowed in front matter "
                "(anchors and aliases are refused)",
                event.start_mark,
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise _NotAllowed(
                f"YAML anchor '&{event.anchor}' is not allowed in front matter "
                "(anchors and aliases are refused)",
                event.start_mark,
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise _NotAllowed(f"YAML tag {tag!r} is not allowed in front matter", event.start_mark)
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _NotAllowed(
                    f"front matter is nested deeper than {MAX_DEPTH} levels", event.start_mark
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


class _StrictLoader(_Loader):
    """The safe loader, refusing duplicate keys; it keeps where each top-level key is."""

    def __init__(self, stream: str, first_line: int) -> None:
        super().__init__(stream)
        self.first_line = first_line
        self.top: MappingNode | None = None
        self.front = FrontMatter({})

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, value_node in node.value:
            # Merge keys ("<<") legitimately repeat keys; only plain scalar keys can clash
            # (other keys are unhashable and refused by the base constructor).
            if not isinstance(key_node, ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node)
            if not isinstance(key, Hashable):  # the base class reports it
                continue
            if key in seen:
                raise _NotAllowed(f"duplicate key {key!r} in front matter", key_node.start_mark)
            seen.add(key)
            if node is self.top:
                self.front.lines[key] = key_node.start_mark.line + self.first_line
                if _plain_one_line(value_node):
                    self.front.plain[key] = value_node.value
        return super().construct_mapping(node, deep=deep)

    def construct_lenient_timestamp(self, node: ScalarNode) -> object:
        """A timestamp-shaped scalar that is not a real date (2024-02-31) stays a string:
        the meta checks warn about it, with its line."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_StrictLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _StrictLoader.construct_lenient_timestamp
)


def _plain_one_line(node: Node) -> bool:
    return (
        isinstance(node, ScalarNode)
        and not node.style  # None, or "" from libyaml
        and bool(node.value)
        and node.start_mark.line == node.end_mark.line
    )


def _load(text: str, first_line: int) -> FrontMatter:
    loader = _StrictLoader(text, first_line)
    try:
        node = loader.get_single_node()
        if not isinstance(node, MappingNode):
            kind = "empty" if node is None else _KIND.get(type(node), "a value")
            mark = node.start_mark if node is not None else None
            raise _NotAllowed(f"front matter must be a mapping, not {kind}", mark)
        loader.top = node
        data = loader.construct_document(node)
        return FrontMatter(dict(data), loader.front.lines, loader.front.plain)
    finally:
        loader.dispose()


def dump(data: Mapping[str, object]) -> str:
    """`data` as a YAML block mapping, in its order, non-ASCII text as it is."""
    return yaml.dump(dict(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False)


__all__ = ["MAX_DEPTH", "FrontMatter", "dump", "parse"]
