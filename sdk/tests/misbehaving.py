"""A platform that misbehaves on purpose: hangs, or answers 429 or 500."""

from __future__ import annotations

import http.server
import threading
from typing import Any


class MisbehavingPlatform:
    def __init__(self, mode: str, hang_seconds: float = 30.0) -> None:
        self.mode = mode
        self.requests = 0
        self.paths: list[str] = []
        self.release = threading.Event()
        platform = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                platform.requests += 1
                platform.paths.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if platform.mode == "hang":
                    platform.release.wait(hang_seconds)
                    status = 200
                else:
                    status = 429 if platform.mode == "429" else 500
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
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
