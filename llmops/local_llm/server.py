"""A local OpenAI-compatible server: the stand-in LLM provider for tests and the demo.

Deterministic answers, real HTTP, the wire format of the OpenAI API for chat completions
(streaming included, with usage when ``stream_options.include_usage`` asks), the Responses API
and embeddings. Token counts are word counts, so tests can predict them exactly.

A chat request that offers tools and whose last message is from the user gets a call of the
first tool with ``{"query": <the user's text>}``; once a tool result is in the conversation the
model answers in text. The reply text is ``"Answer: <last user text>"``, except for judge
prompts (below).

Judge prompts get deterministic verdicts, so LLM-as-judge code can be tested end to end. The
tags are looked for in the text of all the request's messages, the answer format in the last
message (the instructions ``llmops_evals.judge`` appends):

- ``<output>...</output>`` (and optionally ``<expected>...</expected>``): the output "matches"
  when the expected text, stripped and case-insensitively, occurs in it, or, without an
  ``<expected>`` tag, when it is not blank. If the last message asks for
  ``{"score": <a number from MIN to MAX>`` the reply is ``{"score": MAX, "reasoning": ...}`` for
  a match and ``MIN`` otherwise; if it asks for ``{"label": <one of "a", "b", ...>`` the reply
  names the first label for a match and the last one otherwise. Without either instruction the
  reply is the usual ``"Answer: ..."``.
- ``<output_a>...</output_a>`` and ``<output_b>...</output_b>``: the reply is
  ``{"winner": "A" | "B" | "tie", "reasoning": ...}``; the output that contains the expected
  text wins, and when both or neither do (or, without ``<expected>``, both or neither are
  non-blank) it is a tie.
- An output containing ``JUDGE_OUT_OF_FORMAT`` makes the judge answer in prose instead of JSON.

Test hooks on :class:`LocalLLM` (they apply to chat completions only):

- ``delay_ms`` (constructor argument, settable attribute, ``--delay-ms`` on the command line):
  each chat request waits this long before it is answered. Requests are served concurrently
  (one thread each, with a listen backlog of 256). ``delayed_requests`` counts the requests that
  waited. The wait is ``sleep(delay_ms / 1000)`` with ``sleep`` a constructor argument
  (``time.sleep`` by default), so a test can record the delay or hold requests on a barrier.
- ``fail_next(status, count=1, retry_after=None)``: the next ``count`` chat requests are
  answered at once with ``status`` and an OpenAI-style error body, with a ``Retry-After`` header
  when ``retry_after`` is given. Calls queue up.
- ``requests`` counts the chat requests received (failed ones included); ``in_flight`` and
  ``max_in_flight`` count those being handled at the same time.

    python -m llmops.local_llm.server --port 8765 [--delay-ms 200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OUT_OF_FORMAT_MARKER = "JUDGE_OUT_OF_FORMAT"


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


_SCALE_RE = re.compile(r'\{"score": <a number from (\S+) to (\S+)>')
_LABELS_RE = re.compile(r'\{"label": <one of (.*?)>, "reasoning"', re.DOTALL)


def _tag(text: str, name: str) -> str | None:
    found = re.search(f"<{name}>(.*?)</{name}>", text, re.DOTALL)
    return found.group(1) if found else None


def _matches(output: str, expected: str | None) -> bool:
    if expected is None:
        return bool(output.strip())
    return expected.strip().casefold() in output.casefold()


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _judge_reply(messages: list[dict[str, Any]]) -> str | None:
    """The deterministic verdict for a judge prompt, or None when this is no judge prompt."""
    everything = "\n".join(_text_of(m.get("content")) for m in messages)
    expected = _tag(everything, "expected")
    output_a, output_b = _tag(everything, "output_a"), _tag(everything, "output_b")
    if output_a is not None and output_b is not None:
        if OUT_OF_FORMAT_MARKER in output_a or OUT_OF_FORMAT_MARKER in output_b:
            return "Both answers have their merits; I would rather not pick one."
        a_wins, b_wins = _matches(output_a, expected), _matches(output_b, expected)
        winner = "tie" if a_wins == b_wins else ("A" if a_wins else "B")
        why = "matches the expected answer" if expected is not None else "is not empty"
        reasoning = f"only {winner} {why}" if winner != "tie" else f"both or neither {why}"
        return json.dumps({"winner": winner, "reasoning": reasoning})
    output = _tag(everything, "output")
    if output is None:
        return None
    if OUT_OF_FORMAT_MARKER in output:
        return "The output looks reasonable to me overall, so I would rate it fairly well."
    match = _matches(output, expected)
    if expected is not None:
        reasoning = f"the output {'contains' if match else 'does not contain'} the expected answer"
    else:
        reasoning = f"the output is {'not empty' if match else 'empty'}"
    instruction = _text_of(messages[-1].get("content")) if messages else ""
    scale = _SCALE_RE.search(instruction)
    if scale is not None:
        try:
            low, high = float(scale.group(1)), float(scale.group(2))
        except ValueError:
            return None
        return json.dumps({"score": _number(high if match else low), "reasoning": reasoning})
    labels = _LABELS_RE.search(instruction)
    if labels is not None:
        try:
            choices = json.loads(f"[{labels.group(1)}]")
        except ValueError:
            return None
        if choices:
            return json.dumps(
                {"label": choices[0] if match else choices[-1], "reasoning": reasoning}
            )
    return None


def _error_type(status: int) -> str:
    if status == 429:
        return "rate_limit_exceeded"
    if status >= 500:
        return "server_error"
    return "invalid_request_error"


class LocalServer(ThreadingHTTPServer):
    """The HTTP server with the state of the test hooks (see the module docstring)."""

    daemon_threads = True
    # 64 concurrent clients connecting at once must not overflow the listen backlog.
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        delay_ms: float = 0,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.delay_ms = delay_ms
        self.sleep = sleep
        self.delayed_requests = 0
        self.lock = threading.Lock()
        self.faults: deque[tuple[int, str | None]] = deque()
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) leaves a closed socket behind: not an error.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body would wait
    # for the client's delayed ACK (~40 ms) on every kept-alive request.
    disable_nagle_algorithm = True
    server: LocalServer

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
            self._chat_with_hooks(body)
        elif path.endswith("/responses"):
            self._responses(body)
        elif path.endswith("/embeddings"):
            self._embeddings(body)
        else:
            self._json(404, {"error": {"message": f"unknown path {path}", "type": "not_found"}})

    def _chat_with_hooks(self, body: dict[str, Any]) -> None:
        state = self.server
        with state.lock:
            state.requests += 1
            fault = state.faults.popleft() if state.faults else None
            delay_ms = 0.0 if fault is not None else state.delay_ms
            if fault is None:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
                if delay_ms > 0:
                    state.delayed_requests += 1
        if fault is not None:
            status, retry_after = fault
            self._fail(status, retry_after)
            return
        try:
            if delay_ms > 0:
                state.sleep(delay_ms / 1000)
            self._chat(body)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _fail(self, status: int, retry_after: str | None) -> None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        data = json.dumps(
            {
                "error": {
                    "message": f"scripted failure: {status} {phrase}",
                    "type": _error_type(status),
                    "param": None,
                    "code": str(status),
                }
            }
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(data)

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
            judged = _judge_reply(messages)
            reply = judged if judged is not None else f"Answer: {question}"
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

    def __init__(
        self, port: int = 0, delay_ms: float = 0, sleep: Callable[[float], object] = time.sleep
    ) -> None:
        if delay_ms < 0:
            raise ValueError("delay_ms must not be negative")
        self.server = LocalServer(("127.0.0.1", port), delay_ms=delay_ms, sleep=sleep)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def delay_ms(self) -> float:
        return self.server.delay_ms

    @delay_ms.setter
    def delay_ms(self, value: float) -> None:
        if value < 0:
            raise ValueError("delay_ms must not be negative")
        self.server.delay_ms = value

    @property
    def requests(self) -> int:
        """Chat requests received so far, failed ones included."""
        with self.server.lock:
            return self.server.requests

    @property
    def delayed_requests(self) -> int:
        """Chat requests that waited ``delay_ms`` before their answer."""
        with self.server.lock:
            return self.server.delayed_requests

    @property
    def in_flight(self) -> int:
        with self.server.lock:
            return self.server.in_flight

    @property
    def max_in_flight(self) -> int:
        """The most chat requests handled at the same time so far."""
        with self.server.lock:
            return self.server.max_in_flight

    def fail_next(self, status: int, count: int = 1, retry_after: str | None = None) -> None:
        """Answer the next ``count`` chat requests with ``status`` (and ``Retry-After``)."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400..599)")
        if count < 0:
            raise ValueError("count must not be negative")
        with self.server.lock:
            self.server.faults.extend([(status, retry_after)] * count)

    def __enter__(self) -> LocalLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--delay-ms", type=float, default=0, help="wait this long before answering each chat"
    )
    args = parser.parse_args()
    if args.delay_ms < 0:
        parser.error("--delay-ms must not be negative")
    server = LocalServer(("127.0.0.1", args.port), delay_ms=args.delay_ms)
    print(f"local OpenAI-compatible server on http://127.0.0.1:{args.port}/v1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
