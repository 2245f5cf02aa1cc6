"""Every outbound call the platform makes on a user's behalf goes through here.

Webhooks today; monitors and other notifiers later. The rules:

- only ``http`` and ``https``;
- the host is resolved and every address it resolves to is checked, at registration
  (``check_url``) and again at each call (``post``): loopback, private, link-local, multicast,
  reserved and unspecified addresses are refused, and so are IPv6 forms that carry a refused
  IPv4 address (IPv4-mapped, NAT64, 6to4) — unless a self-hoster allowed the range with
  ``LLMOPS_EGRESS_ALLOW``;
- the connection goes to an address that was checked, never to a fresh resolution of the name;
  TLS still verifies the certificate against the host name;
- redirects are never followed; connect and read have timeouts;
- what comes back is an ``Outcome`` whose ``result`` is a status class (``"2xx"`` ... ``"5xx"``,
  ``"timeout"``, ``"connection failed"``, ``"refused by egress policy"``): no exception texts,
  ports or response bodies, so a delivery log cannot be used to scan the platform's network.
"""

from __future__ import annotations

from llmops.webhooks.egress.addresses import is_refused
from llmops.webhooks.egress.transport import (
    CONNECTION_FAILED,
    REFUSED,
    TIMEOUT,
    EgressRefused,
    Outcome,
    check_url,
    post,
)

__all__ = [
    "CONNECTION_FAILED",
    "REFUSED",
    "TIMEOUT",
    "EgressRefused",
    "Outcome",
    "check_url",
    "is_refused",
    "post",
]
