"""Shared fixtures for the integration, serve and browser tests.

Hypothesis runs as the profile named by $HYPOTHESIS_PROFILE says: "dev" (the default, quick)
or "thorough" (CI: `scripts/test` sets it), never with a deadline (a machine busy with
other work must not fail a property).

One fixture is autouse: `loopback_only`, so that no test in this process can send a packet
to another address than loopback, whatever the code under test does (see its docstring).
Tests that build or serve the site work on a copy of the project
(`project_copy`, `built_site`), so they never write into the repository (site/, build/,
the screenshot cache). Every mkdocs subprocess gets `mkdocs_env`: offline
(CLEANGUIDE_OFFLINE=1), without the MkDocs 2 banner, and without SITE_URL (a project-pages
URL would move `mkdocs serve` under a sub-path).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO = Path(__file__).resolve().parent.parent
GUIDE = "guides/android-photo-backup/"
"""The guide built from content/android-photo-backup.md, relative to the site root."""


class NotLoopback(AssertionError):
    """A test tried to reach an address other than loopback (never caught as an OSError)."""


_CONNECT = socket.socket.connect
_CONNECT_EX = socket.socket.connect_ex
_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A content folder holding the seed article (modules may define their own)."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(REPO / "content" / "android-photo-backup.md", folder)
    return folder


def _is_loopback(host: object) -> bool:
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Connections to other addresses than loopback raise `NotLoopback` (and are listed
    here), and so do name lookups of other names than IP literals and "localhost": no
    test sends a packet off this machine, not even a DNS query. A test that needs names
    patches `socket.getaddrinfo` over this one (the address guard's tests map names to
    private addresses: a broken guard then fails on the connect, it reaches nothing)."""
    attempts: list[object] = []

    def check(address: object) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            attempts.append(address)
            raise NotLoopback(f"a test tried to connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        _CONNECT(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return _CONNECT_EX(self, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name in (None, "localhost"):
            return _GETADDRINFO(host, port, *args, **kwargs)
        try:  # a numeric address: read without any query (the connect is checked)
            return _GETADDRINFO(host, port, *args, **{**kwargs, "flags": socket.AI_NUMERICHOST})
        except socket.gaierror:
            attempts.append(name)
            raise NotLoopback(f"a test tried to look up {name!r}") from None

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts


def _copy_project(dest: Path) -> Path:
    """Copy what `mkdocs build` reads (config, docs/, content/, screenshot cache) into dest."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "docs", dest / "docs")
    shutil.copytree(REPO / "content", dest / "content")
    cache = REPO / ".cache" / "cleanguide"
    if cache.is_dir():
        shutil.copytree(cache, dest / ".cache" / "cleanguide")
    return dest


def _mkdocs_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SITE_URL", None)
    env.update(NO_MKDOCS_2_WARNING="1", CLEANGUIDE_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    return env


@pytest.fixture(scope="session")
def mkdocs_env() -> dict[str, str]:
    """Environment for mkdocs subprocesses (offline, no banner, default site_url)."""
    return _mkdocs_env()


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throw-away copy of the project (mkdocs.yml, docs/, content/, .cache/cleanguide)."""
    return _copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once per session by `mkdocs build --strict` from a project copy."""
    base = tmp_path_factory.mktemp("built")
    project = _copy_project(base / "project")
    site = base / "site"
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    cmd += ["-f", str(project / "mkdocs.yml"), "-d", str(site)]
    proc = subprocess.run(
        cmd, cwd=project, env=_mkdocs_env(), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"mkdocs build failed ({proc.returncode}):\n{proc.stderr}"
    return site


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def free_port() -> Callable[[], int]:
    """`free_port()` returns a TCP port on 127.0.0.1 that was free when asked."""
    return _free_port


@pytest.fixture(scope="session")
def method_pages(built_site: Path) -> dict[str, str]:
    """Site-relative URLs of the guide's index and of its two method pages.

    The method pages are found through the links in the guide index's <article>, not
    hard-coded: "google" is the link whose text names Google, "tool" the one naming the
    Android Backup tool. Values look like "guides/android-photo-backup/part-1-.../".
    """
    index = built_site / GUIDE / "index.html"
    assert index.is_file(), f"guide index missing: {index}"
    article = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser").find("article")
    assert article is not None, f"{index}: no <article>"
    base = "http://site.invalid/" + GUIDE
    found: dict[str, str] = {"index": GUIDE}
    for a in article.find_all("a", href=True):
        url = urlsplit(urljoin(base, str(a["href"])))
        if url.netloc != "site.invalid" or not url.path.startswith("/" + GUIDE):
            continue
        text = a.get_text(" ", strip=True).lower()
        key = "google" if "google" in text else "tool" if "android backup tool" in text else None
        if key and key not in found:
            found[key] = url.path.lstrip("/")
    links = [str(a["href"]) for a in article.find_all("a", href=True)]
    for key in ("google", "tool"):
        assert key in found, f"guide index links to no {key!r} method page; links: {links}"
        assert (built_site / found[key] / "index.html").is_file(), found[key]
    return found
