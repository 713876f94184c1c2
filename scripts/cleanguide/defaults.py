"""Every default in one place: where a project keeps its articles, caches and audit, and
where the built site puts what cleanguide makes.

The CLI (`cleanguide build`, `report`), the MkDocs plugin's settings and the modules that
make the files all read them from here. Project paths are relative to the project's root
(the folder of mkdocs.yml for the plugin, the working folder for the CLI); site paths are
relative to the docs folder, so to the built site.
"""

from __future__ import annotations

# --- the project -----------------------------------------------------------------------------

CONTENT_DIR = "content"
"""The articles (Markdown with front matter); only ever read."""
DOCS_DIR = "docs"
"""Where `cleanguide build` writes the pages (MkDocs' docs folder)."""
IMAGE_CACHE = ".cache/cleanguide/images"
"""The screenshots fetched once, their index and their WebP copies (commit it to build
offline)."""
BUILD_CACHE = ".cache/cleanguide/build.sqlite"
"""What earlier builds made (safe to delete)."""
AUDIT_DIR = "build/cleanguide"
"""The audit of every article: every removal, warning and refusal, outside the site."""
ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")
"""The files of the content folder that are articles."""
OFFLINE_ENV = "CLEANGUIDE_OFFLINE"
"""The environment variable that, when truthy ("1", "true", "yes", "on"), keeps every build
off the network."""

# --- the site --------------------------------------------------------------------------------

GUIDES_DIR = "guides"
"""A folder per guide (`guides/<slug>/`), the guides index and the catalogue."""
TOPICS_DIR = "topics"
"""A folder per topic (`topics/<slug>/`) and the topics index."""
IMAGES_DIR = "assets/images"
"""The fetched screenshots and their WebP copies."""
CONTENT_FILES_DIR = "assets/content"
"""Files of the content folder that articles link to (`shots/a.png`), by their path there."""
ASSETS_DIR = "assets/cleanguide"
"""The site's own stylesheet and script, and the zoom view's files."""


def guide_home(slug: str) -> str:
    """The home page of the guide `slug`."""
    return f"{GUIDES_DIR}/{slug}/index.md"


def topic_home(slug: str) -> str:
    """The first page of the topic `slug`."""
    return f"{TOPICS_DIR}/{slug}/index.md"


__all__ = [
    "ARTICLE_SUFFIXES",
    "ASSETS_DIR",
    "AUDIT_DIR",
    "BUILD_CACHE",
    "CONTENT_DIR",
    "CONTENT_FILES_DIR",
    "DOCS_DIR",
    "GUIDES_DIR",
    "IMAGES_DIR",
    "IMAGE_CACHE",
    "OFFLINE_ENV",
    "TOPICS_DIR",
    "guide_home",
    "topic_home",
]
