"""Sign-in throttling: a growing back-off per username and per client address.

Every failed sign-in counts against the username tried and against the client address it came
from. Once a key has ``free`` failures, each failure locks it for a wait that doubles with every
further failure (``backoff``, 2 x ``backoff``, 4 x ``backoff``, ... up to ``backoff_max``). While
either key is locked, a sign-in is refused with 429 before the password is looked at: a locked-out
attempt costs no password hashing (which is what starved the web workers), and a right password
is refused like a wrong one, so a lockout is no oracle. A successful sign-in clears the
username's counter but not the address's: otherwise a client holding one valid account could
wipe its address's record between guesses at other accounts.

The counters live in Django's default cache (``settings.CACHES``), shared by every web worker:
Redis in production, a folder of the data directory in the embedded mode. They are forgotten a
day after the last failure.

This module sits at the HTTP edge (it reads the client address from the request), like
``authentication.py``; the API view calls ``SignInGuard.check`` before ``authenticate``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework import exceptions

# A counter with no new failure for this long is forgotten.
FORGET_AFTER_SECONDS = 24 * 3600
# An attempt in flight that never ended (its worker was killed) stops blocking others after this.
IN_FLIGHT_SECONDS = 10


class SignInThrottled(exceptions.Throttled):
    """429 with ``Retry-After``; the message says how long to wait."""

    default_detail = "Too many sign-in attempts."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


def _now() -> float:
    """Wall-clock seconds; the lock deadlines are stored in this clock (tests move it)."""
    return time.time()


def backoff_seconds(*, failures: int, free: int) -> int:
    """How long the ``failures``-th failure locks its key: nothing below ``free``, then
    ``SIGNIN_BACKOFF_SECONDS`` doubled for each failure past ``free``, capped."""
    if failures < free:
        return 0
    base: int = settings.SIGNIN_BACKOFF_SECONDS
    cap: int = settings.SIGNIN_BACKOFF_MAX_SECONDS
    # The exponent is bounded so a long-running attack never builds a huge integer.
    return int(min(cap, base * 2 ** min(failures - free, 40)))


def client_address(request: HttpRequest) -> str:
    """The address a sign-in is counted against.

    ``REMOTE_ADDR``, or the first address of ``X-Forwarded-For`` when ``TRUST_X_FORWARDED_FOR``
    is on (only behind a proxy that sets that header itself; a client can send any header).
    An IPv6 client is counted by its /64 network, the block one subscriber usually holds.
    """
    candidates = [request.META.get("REMOTE_ADDR", "")]
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        candidates.insert(0, forwarded.split(",")[0].strip())
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if isinstance(address, ipaddress.IPv6Address):
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(ipaddress.IPv6Network((address, 64), strict=False))
        return str(address)
    return "unknown"


@dataclass(frozen=True)
class _Key:
    kind: str  # "username" or "address"
    value: str
    free: int

    @property
    def digest(self) -> str:
        # Hashed: cache keys stay short and safe whatever a client sends as a username.
        return hashlib.sha256(f"{self.kind}\0{self.value}".encode()).hexdigest()[:40]

    @property
    def failures_key(self) -> str:
        return f"signin:failures:{self.digest}"

    @property
    def locked_until_key(self) -> str:
        return f"signin:locked-until:{self.digest}"

    @property
    def in_flight_key(self) -> str:
        return f"signin:in-flight:{self.digest}"


@dataclass
class SignInGuard:
    """The throttling state of one sign-in attempt: its username and its client address."""

    username: _Key
    address: _Key
    # The keys whose single attempt-in-flight this attempt holds (see ``check``).
    holding: list[_Key] = field(default_factory=list)

    @classmethod
    def for_attempt(cls, *, request: HttpRequest, username: str) -> SignInGuard:
        return cls(
            # Case-folded so that case variants of one name share a counter.
            username=_Key("username", username.casefold(), settings.SIGNIN_USERNAME_FAILURES),
            address=_Key("address", client_address(request), settings.SIGNIN_ADDRESS_FAILURES),
        )

    def check(self) -> None:
        """Raise ``SignInThrottled`` while the username or the address is locked. Call it before
        anything hashes the password, and end with ``failed`` or ``succeeded``.

        A key whose next failure would lock it lets one attempt at a time through: otherwise
        the attempts that arrive together as a lock runs out (one per web worker, parallel
        loops do exactly that) would all be checked, each hashing a password, instead of one.
        An attempt that ends in an error instead holds its key until ``IN_FLIGHT_SECONDS``.
        """
        keys = (self.username, self.address)
        state = cache.get_many(
            [key.locked_until_key for key in keys] + [k.failures_key for k in keys]
        )
        deadline = max(float(state.get(key.locked_until_key, 0.0)) for key in keys)
        remaining = deadline - _now()
        if remaining > 0:
            raise SignInThrottled(wait=math.ceil(remaining))
        for key in keys:
            if int(state.get(key.failures_key, 0)) < key.free - 1:
                continue
            if not cache.add(key.in_flight_key, 1, timeout=IN_FLIGHT_SECONDS):
                self._release()
                raise SignInThrottled(wait=1)
            self.holding.append(key)

    def failed(self) -> None:
        """Count a wrong password against both keys and lock those past their free failures."""
        for key in (self.username, self.address):
            failures = _count_failure(key.failures_key)
            wait = backoff_seconds(failures=failures, free=key.free)
            if wait:
                # The deadline is what counts; the cache timeout only cleans up after it.
                cache.set(key.locked_until_key, _now() + wait, timeout=wait + 1)
        self._release()

    def succeeded(self) -> None:
        """A right password: the username starts afresh. The address keeps its record."""
        cache.delete_many([self.username.failures_key, self.username.locked_until_key])
        self._release()

    def _release(self) -> None:
        if self.holding:
            cache.delete_many([key.in_flight_key for key in self.holding])
            self.holding.clear()


def _count_failure(key: str) -> int:
    """Add one failure and return the new count.

    ``add`` then ``incr`` is atomic on Redis; on the file cache of the embedded mode two
    concurrent failures may count once, which only matters below the free failures: from
    the last of them on, ``check`` lets one attempt at a time through.
    """
    if cache.add(key, 1, timeout=FORGET_AFTER_SECONDS):
        return 1
    try:
        failures = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=FORGET_AFTER_SECONDS)
        return 1
    cache.touch(key, timeout=FORGET_AFTER_SECONDS)
    return failures
