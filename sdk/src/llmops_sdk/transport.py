"""The SDK's one way onto the network: a single HTTP request with an explicit timeout.

Every caller passes the timeout it can afford (the export timeout in the background, what is
left of a flush's budget at exit, the short first-fetch timeout of ``get_prompt``), so no
request made by the SDK can outlast the budget it was given. An HTTP error status is an
answer, returned like any other; anything that keeps the request from being answered
(refused, reset, timed out, a malformed reply, an unusable host) raises ``OSError``.
"""

from __future__ import annotations

import email.utils
import http.client
import math
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# A Retry-After longer than this is not taken at its word: the sender tries again sooner.
MAX_RETRY_AFTER_SECONDS = 60.0


class PlatformUnreachable(OSError):
    """The request got no usable answer (including a host setting that is not a URL)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    # Header names in lower case.
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Worth another try later: rate limited or a server-side failure."""
        return self.status == 429 or self.status >= 500

    def retry_after(self) -> float | None:
        """Seconds the server asked us to wait (``Retry-After``), capped; None if it did not."""
        value = (self.headers.get("retry-after") or "").strip()
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                return None
        if not math.isfinite(seconds):
            return None
        return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    body: bytes | None = None,
) -> Response:
    """Make one request; ``timeout`` bounds the connect and every read of it (seconds > 0)."""
    try:
        prepared = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310 — the configured host
    except ValueError as exc:
        raise PlatformUnreachable(f"cannot send to {url!r}: {exc}") from exc
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:  # noqa: S310
            return Response(response.status, response.read(), _lower(response.headers.items()))
    except urllib.error.HTTPError as exc:
        with exc:
            return Response(exc.code, exc.read(), _lower((exc.headers or {}).items()))
    except (http.client.HTTPException, ValueError) as exc:
        # A reply that is not HTTP, cut short, or a URL urllib cannot open.
        raise PlatformUnreachable(f"{method} {url}: {exc}") from exc
