"""Structure: turn cleaned Markdown into the typed model (guide → sections → steps → figures).

- blocks.py: the text as block tokens, and the model's blocks each token makes;
- steps.py: the author's numbered steps, made into procedures;
- contents.py: the article's own table of contents, linked to the guide's parts;
- guide.py: `build_guide`, the sections, methods and the finished guide.
"""

from __future__ import annotations

from .guide import build_guide

__all__ = ["build_guide"]
