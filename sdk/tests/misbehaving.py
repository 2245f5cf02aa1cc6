"""A platform that misbehaves on purpose: hangs, or answers 429 or 500 (with ``Retry-After``
if given); or a port that refuses.

``mode`` may be changed while the server runs: ``"ok"`` then answers every GET with a prompt
(``PROMPT``) and every POST with 200.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from typing import Any

PROMPT = {"name": "greet", "version": 3, "type": "text", "template": "Hi from the platform"}


class MisbehavingPlatform:
    def __init__(self, mode: str, hang_seconds: float = 60.0, retry_after: str = "") -> None:
        self.mode = mode
        self.retry_after = retry_after
        self.requests = 0
        self.paths: list[str] = []
        self.open_requests = 0  # requests received and not answered yet
        self.received = threading.Event()  # set at the first request
        self.release = threading.Event()
        self._count_lock = threading.Lock()
        platform = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                with platform._count_lock:
                    platform.requests += 1
                    platform.paths.append(self.path)
                    platform.open_requests += 1
                platform.received.set()
                try:
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    self._answer()
                finally:
                    with platform._count_lock:
                        platform.open_requests -= 1

            def _answer(self) -> None:
                body = b""
                headers: dict[str, str] = {}
                if platform.mode == "hang":
                    platform.release.wait(hang_seconds)
                    status = 200
                elif platform.mode == "ok":
                    status = 200
                    if self.command == "GET":
                        body = json.dumps(PROMPT).encode()
                        headers = {"Content-Type": "application/json", "ETag": '"v3"'}
                else:
                    status = 429 if platform.mode == "429" else 500
                    if platform.retry_after:
                        headers = {"Retry-After": platform.retry_after}
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def refusing_url() -> str:
    """A loopback URL on which nothing listens: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
