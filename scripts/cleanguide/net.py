"""The one HTTP client: every request cleanguide sends (screenshots, external links).

What an article links to is untrusted, and so is every server it names. `Client` holds
the policy (`Policy`) for all of them:

- **one deadline per request**: connecting, the TLS handshake, the request, the status
  line, the headers and the body share `timeout` seconds. Every read is given only what
  is left, so a server that trickles its headers, chunk sizes or body a byte at a time is
  cut off at the deadline, not once per byte;
- **one deadline per run** (`Client(run_seconds=...)`): a request not started in time
  is not sent ("not checked: ..."), and no wait runs past it;
- **per host**: requests to one host are `min_interval` seconds apart, and a `429`/`503`
  with `Retry-After` delays every later request to that host, other URLs included. A
  wait longer than `max_wait` is not waited: that URL, and the host's others until the
  time it asked for, are reported as not requested;
- **retries** after a timeout, a connection error, a 429 or a 5xx, with a backoff
  doubling from `backoff` (at most `max_wait`); never after another 4xx;
- **redirects** followed up to `max_redirects`, each hop checked again; a failure names
  the chain ("redirect loop after 2 hops: A -> B -> A");
- **an address guard**: each hop's host is resolved here and refused if any of its
  addresses is loopback, private, link-local, multicast, reserved, unspecified or
  otherwise not public (IPv4 and IPv6, IPv4 inside IPv6 included); the connection goes to
  an address that was checked, never to a second resolution. `allow_loopback` (tests,
  a local server on purpose) admits loopback addresses only. Proxies are not used: a
  proxy would resolve the host itself, past the guard.

Nothing here raises for a bad URL or a bad server but `FetchError`, whose `reason` is a
short phrase for a report. The name resolution itself is the system's (its own timeouts).
(One concern, one file: the deadlines, the retries and the address guard are one policy a
change must see whole.)
"""

from __future__ import annotations

import dataclasses
import email.utils
import http.client
import io
import ipaddress
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SCHEMES = frozenset({"http", "https"})
_CHUNK = 64 * 1024

Resolver = Callable[[str, int], list[tuple[Any, ...]]]
"""`getaddrinfo`-like: (host, port) -> [(family, type, proto, canonname, sockaddr)]."""


def system_resolver(host: str, port: int) -> list[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


@dataclass(frozen=True, slots=True)
class Policy:
    """How requests behave. The defaults suit a normal online build."""

    timeout: float = 10.0
    """Seconds for one request: connect, TLS, headers and body together."""
    retries: int = 2
    """Attempts after the first one, after a timeout, a connection error, a 429 or a 5xx."""
    backoff: float = 0.5
    """Seconds before the first retry; doubled before each further one (at most max_wait)."""
    max_wait: float = 30.0
    """The longest wait for a retry or a `Retry-After`; a host asking for more is skipped."""
    min_interval: float = 0.0
    """Seconds between two requests to one host."""
    max_redirects: int = 5
    user_agent: str = "cleanguide/0.1"
    allow_loopback: bool = False
    """Admit loopback addresses (127.0.0.0/8, ::1): for tests and local servers only."""

    def __post_init__(self) -> None:
        for name in ("timeout",):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        for name in ("retries", "backoff", "max_wait", "min_interval", "max_redirects"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


class FetchError(Exception):
    """A request that gave no answer to use; `reason` says why in a few words."""

    def __init__(self, reason: str, *, retryable: bool = False, not_checked: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        """A timeout or a connection error: worth another attempt."""
        self.not_checked = not_checked
        """No answer to judge the URL by: the run's deadline passed, or its host asked for
        a longer wait than the policy allows."""


@dataclass(slots=True)
class Response:
    """The final answer (after redirects and retries) to one request."""

    url: str
    """The URL that answered (the last of a redirect chain)."""
    status: int
    headers: http.client.HTTPMessage
    body: bytes = b""
    """The body, when asked for (at most `max_bytes`)."""
    attempts: int = 1
    """Attempts the last hop took."""

    def header(self, name: str) -> str:
        return str(self.headers.get(name, ""))


Inspect = Callable[[bytes, Response], None]
"""Called once with the first bytes of the body (up to 512) and the response: raise
FetchError to stop reading (a body that is not what was wanted)."""


# --------------------------------------------------------------------------- the address guard


def address_problem(address: str, allow_loopback: bool = False) -> str | None:
    """Why a connection to `address` (an IP) is refused, or None if it may be made."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unreadable"
    if isinstance(ip, ipaddress.IPv6Address):
        # mapped and compatible addresses are IPv4 ones; 6to4 and NAT64 gateways reach one
        ip = _embedded_ipv4(ip) or ip
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    for kind in ("unspecified", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "not public"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for or leads to: mapped, compatible, 6to4, NAT64."""
    packed = int(ip)
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if packed >> 32 == 0 and packed > 1:  # ::a.b.c.d, the deprecated "compatible" form
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


# --------------------------------------------------------------------------- one connection


class _DeadlineReader(io.RawIOBase):
    """A socket's input that gives each read only what is left of the request's time.

    It reads through the socket's own file object, which keeps the socket open until the
    response is read even after http.client closes the connection ("Connection: close").
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.raw = sock.makefile("rb", buffering=0)
        self.deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self.sock.settimeout(_left(self.deadline))
        return self.raw.readinto(buffer)

    def close(self) -> None:
        self.raw.close()
        super().close()


class _DeadlineSocket:
    """The few socket methods http.client uses, each bounded by the request's deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline

    def sendall(self, data: bytes) -> None:
        self.sock.settimeout(_left(self.deadline))
        self.sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self.sock, self.deadline))

    def settimeout(self, value: float | None) -> None:
        pass  # the deadline decides

    def close(self) -> None:
        self.sock.close()


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


class _Connection(http.client.HTTPConnection):
    """An HTTP(S) connection to a vetted address, every step within one deadline."""

    def __init__(
        self, parts: SplitResult, deadline: float, policy: Policy, resolver: Resolver
    ) -> None:
        self.tls = parts.scheme == "https"
        port = parts.port or (443 if self.tls else 80)
        super().__init__(_ascii_host(parts.hostname or ""), port)
        self.deadline = deadline
        self.policy = policy
        self.resolver = resolver

    def connect(self) -> None:
        raw = _open(self.host, self.port, self.deadline, self.policy, self.resolver)
        try:
            sock = _handshake(raw, self.host, self.deadline) if self.tls else raw
        except BaseException:
            raw.close()
            raise
        self.sock = _DeadlineSocket(sock, self.deadline)


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError(f"invalid URL (host: {exc})") from None


def _open(
    host: str, port: int, deadline: float, policy: Policy, resolver: Resolver
) -> socket.socket:
    """A TCP connection to `host`, to an address the guard admits."""
    try:
        found = resolver(host, port)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host!r} ({exc.strerror or exc})") from None
    addresses = [(info[0], info[4]) for info in found]
    for _, sockaddr in addresses:
        problem = address_problem(str(sockaddr[0]), policy.allow_loopback)
        if problem is not None:
            raise FetchError(f"refused: {host} is a {problem} address ({sockaddr[0]})")
    if not addresses:
        raise FetchError(f"cannot resolve host {host!r} (no address)")
    error: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(_left(deadline))
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, TimeoutError):
                raise
    assert error is not None
    raise error


def _handshake(raw: socket.socket, host: str, deadline: float) -> socket.socket:
    """TLS over `raw`, the handshake bounded by the deadline as a whole."""
    context = ssl.create_default_context()
    sock = context.wrap_socket(raw, server_hostname=host, do_handshake_on_connect=False)
    sock.setblocking(False)
    with selectors.DefaultSelector() as selector:
        while True:
            try:
                sock.do_handshake()
                break
            except ssl.SSLWantReadError:
                events = selectors.EVENT_READ
            except ssl.SSLWantWriteError:
                events = selectors.EVENT_WRITE
            selector.register(sock, events)
            ready = selector.select(_left(deadline))
            selector.unregister(sock)
            if not ready:
                raise TimeoutError("TLS handshake")
    sock.setblocking(True)
    return sock


# --------------------------------------------------------------------------- the client


@dataclass(frozen=True, slots=True)
class _Hop:
    """One request of a redirect chain: what is sent, and what is read of the answer."""

    url: str
    method: str
    headers: Mapping[str, str]
    body: bool
    """Read a 2xx answer's body (at most `max_bytes`, looked at by `inspect`)."""
    max_bytes: int | None
    inspect: Inspect | None


@dataclass(slots=True)
class _Host:
    next_time: float = 0.0
    """No request to the host before this (monotonic)."""
    refused_until: float = 0.0
    """The host asked for a wait past max_wait: nothing is sent to it before this."""
    asked: float = 0.0
    """The wait it asked for, for the report."""


class Client:
    """Sends requests under one `Policy`; share one client across threads and URLs."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        run_seconds: float | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.policy = policy or Policy()
        self.deadline = time.monotonic() + run_seconds if run_seconds is not None else None
        """When the run ends (monotonic), if it has a deadline."""
        self.run_seconds = run_seconds
        self.resolver = resolver or system_resolver
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def request(
        self,
        url: str,
        method: str = "GET",
        *,
        headers: Mapping[str, str] | None = None,
        body: bool = True,
        max_bytes: int | None = None,
        inspect: Inspect | None = None,
    ) -> Response:
        """The final answer to `method url`, after redirects and retries.

        With `body`, a 2xx answer's body is read (refused past `max_bytes`). Any status
        is an answer (a 3xx without Location too); FetchError when there is none.
        """
        hop = _Hop(check_url(url), method, headers or {}, body, max_bytes, inspect)
        chain = [hop.url]
        for _ in range(self.policy.max_redirects + 1):
            response = self._with_retries(hop)
            location = response.header("Location").strip()
            if response.status not in REDIRECTS or not location:
                return response
            target = urljoin(hop.url, location)
            try:
                target = check_url(target)
            except FetchError as exc:
                raise FetchError(f"redirected to {target}: {exc.reason}") from None
            if target in chain:
                hops = len(chain)
                raise FetchError(
                    f"redirect loop after {hops} hop{'s' * (hops > 1)}: {_chain([*chain, target])}"
                )
            chain.append(target)
            switch = response.status == 303 and hop.method != "HEAD"  # "see other": a GET
            hop = dataclasses.replace(hop, url=target, method="GET" if switch else hop.method)
        raise FetchError(
            f"too many redirects (more than {self.policy.max_redirects}): {_chain(chain)}"
        )

    # one hop, retried

    def _with_retries(self, hop: _Hop) -> Response:
        attempts = self.policy.retries + 1
        host = urlsplit(hop.url).netloc.lower()
        for attempt in range(1, attempts + 1):
            self._wait_for(host)
            try:
                response = self._once(hop)
            except FetchError as exc:
                if not exc.retryable or attempt == attempts:
                    suffix = f" ({attempt} attempts)" if attempt > 1 else ""
                    raise FetchError(
                        exc.reason + suffix, retryable=exc.retryable, not_checked=exc.not_checked
                    ) from None
                self._delay(host, self._backoff(attempt))
                continue
            response.attempts = attempt
            if response.status != 429 and response.status < 500:
                return response
            asked = retry_after(response.header("Retry-After"))
            if asked is not None and asked > self.policy.max_wait:
                self._refuse(host, asked)
                raise FetchError(
                    f"HTTP {response.status}: the host asks to wait {asked:g} s "
                    f"(more than {self.policy.max_wait:g} s)",
                    not_checked=True,
                )
            if attempt == attempts:
                return response
            self._delay(host, max(asked or 0.0, self._backoff(attempt)))
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return float(min(self.policy.backoff * 2.0 ** (attempt - 1), self.policy.max_wait))

    def _once(self, hop: _Hop) -> Response:
        """One request and its answer, within one deadline."""
        timeout = self.policy.timeout
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
            if timeout <= 0:
                raise self._not_checked()
        cut_short = timeout < self.policy.timeout  # by the run's deadline
        deadline = time.monotonic() + timeout
        parts = urlsplit(hop.url)
        sent = {
            "User-Agent": self.policy.user_agent,
            "Accept-Encoding": "identity",
            "Connection": "close",
            **hop.headers,
        }
        conn = _Connection(parts, deadline, self.policy, self.resolver)
        try:
            conn.request(hop.method, _target(parts), headers=sent)
            answer = conn.getresponse()
            response = Response(hop.url, answer.status, answer.headers)
            if hop.body and hop.method != "HEAD" and 200 <= answer.status < 300:
                response.body = _read_body(answer, response, hop.max_bytes, hop.inspect)
            return response
        except FetchError:
            raise
        except TimeoutError:
            if cut_short:
                raise self._not_checked() from None
            raise FetchError(f"timed out after {self.policy.timeout:g}s", retryable=True) from None
        except ssl.SSLCertVerificationError as exc:
            raise FetchError(f"TLS certificate error ({exception_text(exc)})") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"connection failed ({exception_text(exc)})", retryable=True) from None
        finally:
            conn.close()

    # hosts

    def _wait_for(self, host: str) -> None:
        """Wait until `host` may be sent a request, and book the next slot."""
        while True:
            with self._lock:
                state = self._hosts.setdefault(host, _Host())
                now = time.monotonic()
                if now < state.refused_until:
                    raise FetchError(
                        f"not requested: the host asked to wait {state.asked:g} s "
                        f"(more than {self.policy.max_wait:g} s)",
                        not_checked=True,
                    )
                if self.deadline is not None and max(now, state.next_time) >= self.deadline:
                    raise self._not_checked()
                if now >= state.next_time:
                    state.next_time = now + self.policy.min_interval
                    return
                pause = state.next_time - now
            time.sleep(pause)

    def _delay(self, host: str, seconds: float) -> None:
        with self._lock:
            state = self._hosts.setdefault(host, _Host())
            state.next_time = max(state.next_time, time.monotonic() + seconds)

    def _refuse(self, host: str, seconds: float) -> None:
        with self._lock:
            state = self._hosts.setdefault(host, _Host())
            state.refused_until = time.monotonic() + seconds
            state.asked = seconds

    def _not_checked(self) -> FetchError:
        return FetchError(
            f"not checked: the run's deadline of {self.run_seconds:g} s passed", not_checked=True
        )


def _read_body(
    answer: http.client.HTTPResponse, response: Response, limit: int | None, inspect: Inspect | None
) -> bytes:
    """The body, streamed: checked once its first bytes are in, refused past `limit`."""
    declared = answer.getheader("Content-Length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        raise FetchError(f"larger than {human_bytes(limit)}")
    data = bytearray()
    inspected = inspect is None
    while chunk := answer.read1(_CHUNK):
        data += chunk
        if limit is not None and len(data) > limit:
            raise FetchError(f"larger than {human_bytes(limit)}")
        if not inspected and len(data) >= 512:
            inspect(bytes(data[:512]), response)  # type: ignore[misc]
            inspected = True
    if not inspected:
        inspect(bytes(data), response)  # type: ignore[misc]
    return bytes(data)


def check_url(url: str) -> str:
    """The URL to request: http(s) only, `//host` as https, no fragment; else FetchError."""
    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise FetchError(f"invalid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise FetchError("not an absolute URL")
    if scheme not in _SCHEMES:
        raise FetchError(f"scheme {scheme!r} not allowed")
    if not parts.hostname:
        raise FetchError("invalid URL (no host)")
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _target(parts: SplitResult) -> str:
    """Path and query, percent-encoded to ASCII for the request line."""
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
    query = quote(parts.query, safe="/%!$&'()*+,;=:@-._~?")
    return f"{path}?{query}" if query else path


def retry_after(value: str) -> float | None:
    """Seconds a `Retry-After` header asks for (a number or an HTTP date), or None."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, float((when - datetime.now(timezone.utc)).total_seconds()))


def human_bytes(count: int) -> str:
    """10485760 -> "10 MiB"; 1536 -> "1.5 KiB"; 1000 -> "1000 bytes"."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            return f"{round(count / size, 1):g} {unit}"
    return f"{count} bytes"


def _chain(urls: list[str]) -> str:
    return " -> ".join(urls)


def exception_text(exc: BaseException) -> str:
    """A one-line description of an exception, never empty."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__


__all__ = [
    "Client",
    "FetchError",
    "Policy",
    "Response",
    "address_problem",
    "check_url",
    "exception_text",
    "human_bytes",
    "retry_after",
    "system_resolver",
]
