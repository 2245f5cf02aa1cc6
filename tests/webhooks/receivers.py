"""Webhook receivers on loopback, and the client side of subscribing and verifying."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import threading
from typing import Any

from tests.conftest import Tenant


class Receiver:
    """A webhook endpoint on loopback that answers with a scripted list of statuses."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def subscribe(tenant: Tenant, url: str, events: list[str]) -> dict[str, Any]:
    response = tenant.client("admin").post(
        "/api/v1/webhooks", {"url": url, "events": events}, format="json"
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    assert body["secret"].startswith("whsec_")
    return body


def verify(secret: str, headers: dict[str, str], body: bytes) -> None:
    parts = dict(item.split("=", 1) for item in headers["x-llmops-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], expected.hexdigest())
