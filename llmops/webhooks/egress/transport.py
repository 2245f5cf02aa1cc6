"""Outbound HTTP on a user's behalf: resolve, vet every address, connect to a vetted one.

The library is urllib3 (already installed through requests and botocore, maintained, typed):
its connection pools connect to exactly the host they are given, so the pool is given the vetted
IP address, while ``server_hostname``/``assert_hostname`` keep SNI and certificate checks on the
URL's host name and an explicit ``Host`` header keeps virtual hosting working. Nothing resolves
the name a second time between the check and the connection, which is what defeats DNS
rebinding. Redirects are never followed and nothing is retried here: the caller owns its retry
policy and records the reduced ``Outcome``.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

from llmops.domain_errors import Invalid
from llmops.webhooks.egress.addresses import IPAddress, IPNetwork, is_refused, parse_networks

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
# A name with many addresses is tried on at most this many of them (all of them were vetted).
MAX_ADDRESSES_TRIED = 3

# What a delivery log may show about a call that got no HTTP status: no exception text, no port,
# no address, no body. Anything richer turns the platform into a scanner of its own network.
TIMEOUT = "timeout"
CONNECTION_FAILED = "connection failed"
REFUSED = "refused by egress policy"

POLICY_MESSAGE = (
    "the host must resolve, and only to public addresses (loopback, private, link-local and "
    "other special ranges are refused; a self-hosted install can allow ranges with "
    "LLMOPS_EGRESS_ALLOW)"
)


class EgressRefused(Invalid):
    """The URL may not receive calls from the platform; ``field`` names the request's field."""

    def __init__(self, message: str, *, field: str = "url") -> None:
        super().__init__(message, field=field)


class _Unresolvable(Exception):
    pass


class _NotConnected(Exception):
    def __init__(self, result: str) -> None:
        super().__init__(result)
        self.result = result


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    path: str  # path and query
    addresses: tuple[IPAddress, ...]  # every one of them vetted

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Outcome:
    """One call's result, reduced to what may be stored and shown.

    ``result`` is the status class (``"2xx"`` ... ``"5xx"``) or one of ``TIMEOUT``,
    ``CONNECTION_FAILED``, ``REFUSED``. ``address`` is the vetted address connected to.
    """

    result: str
    status: int | None = None
    retry_after: float | None = None
    address: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def recoverable(self) -> bool:
        """Whether trying again later may succeed: network trouble, 408, 429 and 5xx."""
        if self.status is None:
            return self.result in (TIMEOUT, CONNECTION_FAILED)
        return self.status in (408, 429) or self.status >= 500


def allowed_networks() -> tuple[IPNetwork, ...]:
    """The ranges a self-hoster opened with ``LLMOPS_EGRESS_ALLOW``; read per call so tests can
    override the setting."""
    return parse_networks(settings.LLMOPS_EGRESS_ALLOW)


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise EgressRefused("only http and https URLs can receive calls")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise EgressRefused("not a valid URL") from None
    if not host:
        raise EgressRefused("the URL needs a host")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise EgressRefused("not a valid host name") from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    """Every address ``host`` resolves to, in the resolver's order, without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # socket.gaierror is an OSError
        raise _Unresolvable from None
    addresses: dict[IPAddress, None] = {}
    for family, _, _, _, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            addresses[ip_address(str(sockaddr[0]))] = None
    if not addresses:
        raise _Unresolvable
    return tuple(addresses)


def _vet(url: str) -> Target:
    scheme, host, port, path = _split(url)
    addresses = resolve(host, port)
    allow = allowed_networks()
    # Every address, not just the first: the resolver's order is the attacker's to choose.
    if any(is_refused(address, allow) for address in addresses):
        raise EgressRefused(POLICY_MESSAGE)
    return Target(scheme, host, port, path, addresses)


def check_url(url: str) -> None:
    """Raise ``EgressRefused`` (field ``url``) unless the platform may call ``url`` now.

    For registration; delivery checks again, because what a name resolves to can change.
    """
    try:
        _vet(url)
    except _Unresolvable:
        # The same words as a refused address: a registration must not tell which internal
        # names exist.
        raise EgressRefused(POLICY_MESSAGE) from None


def post(
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    read_timeout: float = READ_TIMEOUT_SECONDS,
) -> Outcome:
    """POST ``body`` to ``url`` once, if the egress policy allows it; never raises for the
    target's behaviour (refusal, DNS, network, TLS, HTTP status all come back as an Outcome)."""
    try:
        target = _vet(url)
    except EgressRefused:
        return Outcome(REFUSED)
    except _Unresolvable:
        return Outcome(CONNECTION_FAILED)
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    result = CONNECTION_FAILED
    for address in target.addresses[:MAX_ADDRESSES_TRIED]:
        try:
            return _send(target, address, body=body, headers=headers, timeout=timeout)
        except _NotConnected as exc:
            result = exc.result
    return Outcome(result)


def _pool(
    target: Target, address: IPAddress, timeout: urllib3.Timeout
) -> urllib3.HTTPConnectionPool:
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            str(address),
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(
        str(address), target.port, timeout=timeout, retries=False, maxsize=1
    )


def _send(
    target: Target,
    address: IPAddress,
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeout: urllib3.Timeout,
) -> Outcome:
    """One request to one vetted address; raises _NotConnected when no connection was made."""
    with _pool(target, address, timeout) as pool:
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": target.host_header},
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
            )
        # NewConnectionError subclasses ConnectTimeoutError, so it comes first.
        except NewConnectionError:
            raise _NotConnected(CONNECTION_FAILED) from None
        except ConnectTimeoutError:
            raise _NotConnected(TIMEOUT) from None
        except ReadTimeoutError:
            return Outcome(TIMEOUT, address=str(address))
        except (urllib3.exceptions.HTTPError, OSError):
            # TLS failures, resets, malformed responses: their texts stay here.
            return Outcome(CONNECTION_FAILED, address=str(address))
        try:
            # The body is never read: nothing of it is kept, and a huge one costs nothing.
            return Outcome(
                f"{response.status // 100}xx",
                status=response.status,
                retry_after=_retry_after(response.headers.get("Retry-After")),
                address=str(address),
            )
        finally:
            response.close()


def _retry_after(header: str | None) -> float | None:
    return float(header) if header and header.strip().isdigit() else None
