"""The HTTP client's rules that need no server: the address guard, Retry-After, URLs.

Requests against servers are tested where they are used (test_images.py, test_linkcheck.py),
with servers on 127.0.0.1 only; conftest.py's `loopback_only` keeps every test off any
other address.
"""

from __future__ import annotations

import email.utils
import time

import pytest

from cleanguide.net import FetchError, Policy, address_problem, check_url, retry_after


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("::ffff:93.184.216.34", None),
        ("64:ff9b::5db8:d822", None),  # NAT64 of a public address
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::a9fe:a9fe", "link-local"),  # the deprecated IPv4-compatible form
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "not public"),  # carrier-grade NAT
        ("not an address", "unreadable"),
    ],
)
def test_address_guard(address: str, problem: str | None) -> None:
    assert address_problem(address) == problem


def test_loopback_opt_in_admits_loopback_only() -> None:
    assert address_problem("127.0.0.1", allow_loopback=True) is None
    assert address_problem("::ffff:127.0.0.1", allow_loopback=True) is None
    assert address_problem("10.0.0.1", allow_loopback=True) == "private"
    assert address_problem("169.254.169.254", allow_loopback=True) == "link-local"


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("120") == 120.0
    assert retry_after(" 5 ") == 5.0
    assert retry_after("") is None
    assert retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= (retry_after(later) or 0) <= 61
    assert retry_after(email.utils.formatdate(time.time() - 60, usegmt=True)) == 0.0


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x", "scheme 'ftp' not allowed"),
        ("javascript:alert(1)", "scheme 'javascript' not allowed"),
        ("images/a.png", "not an absolute URL"),
        ("http:///x", "invalid URL (no host)"),
        ("http://example.com:99999/", "invalid URL (Port out of range 0-65535)"),
    ],
)
def test_urls_that_are_never_requested(url: str, reason: str) -> None:
    with pytest.raises(FetchError) as caught:
        check_url(url)
    assert caught.value.reason == reason


def test_urls_are_normalised() -> None:
    assert check_url("//cdn.example.com/a.png#x") == "https://cdn.example.com/a.png"
    assert check_url("HTTP://example.com") == "http://example.com/"


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="timeout"):
        Policy(timeout=0)
    with pytest.raises(ValueError, match="min_interval"):
        Policy(min_interval=-1)
