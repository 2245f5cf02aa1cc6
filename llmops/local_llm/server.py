"""A local OpenAI-compatible server: the stand-in LLM provider for tests and the demo.

Deterministic answers, real HTTP, the wire format of the OpenAI API for chat completions
(streaming included, with usage when ``stream_options.include_usage`` asks), the Responses API
and embeddings. Token counts are word counts, so tests can predict them exactly.

A chat request that offers tools and whose last message is from the user gets a call of the
first tool with ``{"query": <the user's text>}``; once a tool result is in the conversation the
model answers in text. The reply text is ``"Answer: <last user text>"``.

    python -m llmops.local_llm.server --port 8765
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _words(text: str) -> int:
    return len(text.split())


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _usage(messages: list[dict[str, Any]], reply: str) -> dict[str, int]:
    prompt = sum(_words(_text_of(m.get("content"))) for m in messages)
    completion = _words(reply)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _embedding(text: str, dimensions: int = 8) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    vector = [b / 255 - 0.5 for b in digest[:dimensions]]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        return None

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._json(400, {"error": {"message": "invalid JSON", "type": "invalid_request_error"}})
            return
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.endswith("/chat/completions"):
            self._chat(body)
        elif path.endswith("/responses"):
            self._responses(body)
        elif path.endswith("/embeddings"):
            self._embeddings(body)
        else:
            self._json(404, {"error": {"message": f"unknown path {path}", "type": "not_found"}})

    def _chat(self, body: dict[str, Any]) -> None:
        messages: list[dict[str, Any]] = body.get("messages") or []
        model = str(body.get("model") or "local-model")
        created = int(time.time())
        tools = body.get("tools") or []
        question = _last_user_text(messages)
        message: dict[str, Any]
        if tools and messages and messages[-1].get("role") == "user":
            name = tools[0]["function"]["name"]
            arguments = json.dumps({"query": question})
            call = {
                "id": "call_" + hashlib.sha1(question.encode()).hexdigest()[:12],  # noqa: S324
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish, reply = "tool_calls", arguments
        else:
            reply = f"Answer: {question}"
            message, finish = {"role": "assistant", "content": reply}, "stop"
        usage = _usage(messages, reply)
        response_id = "chatcmpl-" + hashlib.sha1(json.dumps(messages).encode()).hexdigest()[:16]  # noqa: S324
        if not body.get("stream"):
            self._json(
                200,
                {
                    "id": response_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": usage,
                },
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(data: str) -> None:
            payload = f"data: {data}\n\n".encode()
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
            return json.dumps(
                {
                    "id": response_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
                }
            )

        send(chunk({"role": "assistant", "content": ""}))
        if message.get("tool_calls"):
            send(chunk({"tool_calls": [{"index": 0, **message["tool_calls"][0]}]}))
        else:
            for index, word in enumerate(reply.split(" ")):
                send(chunk({"content": word if index == 0 else " " + word}))
        send(chunk({}, finish))
        if (body.get("stream_options") or {}).get("include_usage"):
            send(
                json.dumps(
                    {
                        "id": response_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": usage,
                    }
                )
            )
        send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")

    def _responses(self, body: dict[str, Any]) -> None:
        value = body.get("input")
        messages = (
            [{"role": "user", "content": value}] if isinstance(value, str) else list(value or [])
        )
        reply = f"Answer: {_last_user_text(messages)}"
        usage = _usage(messages, reply)
        self._json(
            200,
            {
                "id": "resp_" + hashlib.sha1(reply.encode()).hexdigest()[:16],  # noqa: S324
                "object": "response",
                "created_at": int(time.time()),
                "status": "completed",
                "model": str(body.get("model") or "local-model"),
                "output": [
                    {
                        "type": "message",
                        "id": "msg_1",
                        "status": "completed",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": reply, "annotations": []}],
                    }
                ],
                "usage": {
                    "input_tokens": usage["prompt_tokens"],
                    "output_tokens": usage["completion_tokens"],
                    "total_tokens": usage["total_tokens"],
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens_details": {"reasoning_tokens": 0},
                },
            },
        )

    def _embeddings(self, body: dict[str, Any]) -> None:
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        tokens = sum(_words(str(t)) for t in texts)
        self._json(
            200,
            {
                "object": "list",
                "model": str(body.get("model") or "local-embedding"),
                "data": [
                    {"object": "embedding", "index": i, "embedding": _embedding(str(t))}
                    for i, t in enumerate(texts)
                ],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


class LocalLLM:
    """The server on a loopback port, in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"local OpenAI-compatible server on http://127.0.0.1:{args.port}/v1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
