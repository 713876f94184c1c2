"""cleanguide: turn ad-laden how-to articles into clean step-by-step MkDocs guides."""

from __future__ import annotations

__version__ = "0.1.0"
