"""Webhook targets go through the egress policy: checked at registration and at delivery,
connected to the address that was checked, never redirected, and logged as a status class only."""

from __future__ import annotations

import http.server
import importlib
import socket
import threading
from collections.abc import Callable, Iterator
from ipaddress import ip_address
from typing import Any

import pytest
import urllib3
import urllib3.util.connection
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from pytest_django.fixtures import Settings

from llmops.webhooks import domain as webhooks
from llmops.webhooks.egress import transport
from llmops.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from llmops.webhooks.tasks import retry_countdown
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


class Server:
    """A loopback HTTP server that answers every POST with one status (and headers, and a body
    the platform must not keep), and remembers each request's headers."""

    def __init__(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append({k.lower(): v for k, v in self.headers.items()})
                body = b"internal detail: db on 10.0.0.5:5432 refused"
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(status: int = 200, headers: dict[str, str] | None = None) -> Server:
        started.append(Server(status, headers))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A bare loopback TCP listener: the kernel would queue any connection made to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def accepted_nothing(sock: socket.socket) -> bool:
    try:
        connection, _ = sock.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


class FakeDNS:
    """getaddrinfo that answers for the names it is given (each call takes the next answer, the
    last one repeating; an empty answer is "no such name") and asks the real resolver about
    anything else."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]
    ) -> None:
        self.answers = answers
        self.calls: dict[str, int] = dict.fromkeys(answers, 0)
        self.real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.answers:
            return self.real(host, port, *args, **kwargs)
        answers = self.answers[host]
        addresses = answers[min(self.calls[host], len(answers) - 1)]
        self.calls[host] += 1
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, int(port), 0, 0))
            if ":" in address
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))
            for address in addresses
        ]


def register(tenant: Tenant, url: str) -> Any:
    return tenant.client("admin").post(
        "/api/v1/webhooks", {"url": url, "events": ["prompt.version_created"]}, format="json"
    )


def stored_delivery(tenant: Tenant, url: str) -> WebhookDelivery:
    """A subscription written before any check existed (straight to the table), with a delivery."""
    subscription = WebhookSubscription.objects.create(
        project=tenant.project, url=url, secret="s", events=["prompt.version_created"]
    )
    return WebhookDelivery.objects.create(
        subscription=subscription, event="prompt.version_created", payload={"data": {}}
    )


def only_attempt(delivery: WebhookDelivery) -> WebhookAttempt:
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery))
    assert len(attempts) == 1
    return attempts[0]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:{port}/hook", transport.POLICY_MESSAGE),
        ("http://localhost:{port}/hook", transport.POLICY_MESSAGE),
        ("http://0.0.0.0:{port}/hook", transport.POLICY_MESSAGE),
        ("http://[::1]:{port}/hook", transport.POLICY_MESSAGE),
        ("http://169.254.169.254/latest/meta-data/", transport.POLICY_MESSAGE),
        ("ftp://127.0.0.1:{port}/hook", "only http and https URLs can receive calls"),
    ],
)
def test_the_attackers_targets_are_refused_at_registration_naming_url(
    tenant: Tenant, listener: socket.socket, url: str, message: str
) -> None:
    response = register(tenant, url.format(port=listener.getsockname()[1]))
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "message": f"url: {message}",
        "fields": {"url": [message]},
    }
    assert not WebhookSubscription.objects.exists()
    assert accepted_nothing(listener)


def test_a_public_looking_name_that_resolves_to_loopback_is_refused(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeDNS(
        monkeypatch,
        {
            "hooks.example.test": [["127.0.0.1"]],
            # Every address counts, not the first: one refused address refuses the name.
            "mixed.example.test": [["8.8.8.8", "::ffff:169.254.169.254"]],
            "public.example.test": [["8.8.8.8", "2606:4700:4700::1111"]],
            "unknown.example.test": [[]],
        },
    )
    for name in ("hooks.example.test", "mixed.example.test", "unknown.example.test"):
        response = register(tenant, f"https://{name}/hook")
        assert response.status_code == 400, name
        assert response.json()["fields"] == {"url": [transport.POLICY_MESSAGE]}
    created = register(tenant, "https://public.example.test/hook")
    assert created.status_code == 201
    assert WebhookSubscription.objects.get().url == "https://public.example.test/hook"


def test_a_stored_loopback_target_is_refused_at_delivery_without_a_connection(
    tenant: Tenant, listener: socket.socket
) -> None:
    delivery = stored_delivery(tenant, f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
    # Refusal is final: no RetryLater, so the task is not retried.
    assert webhooks.attempt(delivery.pk) == DeliveryState.FAILED
    assert webhooks.attempt(delivery.pk) == DeliveryState.FAILED
    attempt = only_attempt(delivery)
    assert (attempt.status_code, attempt.error) == (None, "refused by egress policy")
    assert accepted_nothing(listener)


def test_a_name_that_now_resolves_to_loopback_is_refused_at_delivery(
    tenant: Tenant, listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = listener.getsockname()[1]
    dns = FakeDNS(monkeypatch, {"hooks.example.test": [["8.8.8.8"], ["127.0.0.1"]]})
    assert register(tenant, f"http://hooks.example.test:{port}/hook").status_code == 201
    delivery = stored_delivery(tenant, f"http://hooks.example.test:{port}/hook")
    assert webhooks.attempt(delivery.pk) == DeliveryState.FAILED
    assert only_attempt(delivery).error == "refused by egress policy"
    assert dns.calls["hooks.example.test"] == 2
    assert accepted_nothing(listener)


def test_with_loopback_allowed_a_delivery_arrives_and_a_redirect_is_not_followed(
    tenant: Tenant, settings: Settings, servers: Callable[..., Server]
) -> None:
    settings.LLMOPS_EGRESS_ALLOW = ("127.0.0.0/8",)
    target = servers(204)
    hook = register(tenant, target.url)
    assert hook.status_code == 201
    delivered = WebhookDelivery.objects.create(
        subscription_id=hook.json()["id"], event="prompt.version_created", payload={"data": {}}
    )
    assert webhooks.attempt(delivered.pk) == DeliveryState.DELIVERED
    attempt = only_attempt(delivered)
    assert (attempt.status_code, attempt.error) == (204, "")
    assert target.requests[0]["host"] == f"127.0.0.1:{target.port}"

    redirector = servers(302, {"Location": target.url})
    assert register(tenant, redirector.url).status_code == 201
    redirected = WebhookDelivery.objects.create(
        subscription=WebhookSubscription.objects.get(url=redirector.url),
        event="prompt.version_created",
        payload={"data": {}},
    )
    # A 3xx is not recoverable: the attempt fails at once, and the redirect goes nowhere.
    assert webhooks.attempt(redirected.pk) == DeliveryState.FAILED
    attempt = only_attempt(redirected)
    assert (attempt.status_code, attempt.error) == (302, "3xx")
    assert len(redirector.requests) == 1
    assert len(target.requests) == 1


def test_the_host_header_names_the_host_while_the_connection_goes_to_its_vetted_address(
    tenant: Tenant,
    settings: Settings,
    servers: Callable[..., Server],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.LLMOPS_EGRESS_ALLOW = ("127.0.0.0/8",)
    target = servers(200)
    FakeDNS(monkeypatch, {"hooks.example.test": [["127.0.0.1"]]})
    delivery = stored_delivery(tenant, f"http://hooks.example.test:{target.port}/hook?x=1")
    assert webhooks.attempt(delivery.pk) == DeliveryState.DELIVERED
    assert target.requests[0]["host"] == f"hooks.example.test:{target.port}"


def test_tls_verifies_the_certificate_and_sni_against_the_host_name() -> None:
    target = transport.Target("https", "hooks.example.test", 443, "/hook", (ip_address("8.8.8.8"),))
    pool = transport._pool(target, target.addresses[0], urllib3.Timeout(1))
    assert isinstance(pool, urllib3.HTTPSConnectionPool)
    assert pool.host == "8.8.8.8"
    assert pool.conn_kw["server_hostname"] == "hooks.example.test"
    assert pool.assert_hostname == "hooks.example.test"
    assert pool.cert_reqs == "CERT_REQUIRED"
    assert target.host_header == "hooks.example.test"


def test_a_failed_attempt_shows_only_its_status_class(
    tenant: Tenant, settings: Settings, servers: Callable[..., Server]
) -> None:
    settings.LLMOPS_EGRESS_ALLOW = ("127.0.0.0/8",)
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: the connection is refused
    failing = servers(500)
    for url in (f"http://127.0.0.1:{closed_port}/hook", failing.url):
        delivery = stored_delivery(tenant, url)
        with pytest.raises(webhooks.RetryLater):
            webhooks.attempt(delivery.pk)
    rows = {
        subscription.url: tenant.client("admin")
        .get(f"/api/v1/webhooks/{subscription.pk}/deliveries")
        .json()[0]["attempts"][0]
        for subscription in WebhookSubscription.objects.all()
    }
    refused = rows[f"http://127.0.0.1:{closed_port}/hook"]
    assert (refused["status_code"], refused["error"]) == (None, "connection failed")
    server_error = rows[failing.url]
    assert (server_error["status_code"], server_error["error"]) == (500, "5xx")
    assert sorted(WebhookAttempt.objects.values_list("error", flat=True)) == [
        "5xx",
        "connection failed",
    ]


def test_a_target_that_never_answers_times_out(
    tenant: Tenant,
    settings: Settings,
    listener: socket.socket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.LLMOPS_EGRESS_ALLOW = ("127.0.0.0/8",)
    monkeypatch.setattr(webhooks, "READ_TIMEOUT_SECONDS", 0.2)
    delivery = stored_delivery(tenant, f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
    with pytest.raises(webhooks.RetryLater):
        webhooks.attempt(delivery.pk)
    assert (only_attempt(delivery).status_code, only_attempt(delivery).error) == (None, "timeout")


def test_dns_rebinding_cannot_redirect_the_connection_to_loopback(
    tenant: Tenant, listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is public when checked and loopback ever after: the connection still goes to the
    public address that was checked (here it fails, since tests reach nothing but loopback)."""
    port = listener.getsockname()[1]
    dns = FakeDNS(monkeypatch, {"rebind.example.test": [["8.8.8.8"], ["127.0.0.1"]]})
    connected_to: list[tuple[str, int]] = []

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        connected_to.append(address)
        raise ConnectionRefusedError

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    delivery = stored_delivery(tenant, f"http://rebind.example.test:{port}/hook")
    with pytest.raises(webhooks.RetryLater):
        webhooks.attempt(delivery.pk)
    assert connected_to == [("8.8.8.8", port)]
    assert dns.calls["rebind.example.test"] == 1
    assert only_attempt(delivery).error == "connection failed"
    assert accepted_nothing(listener)


def test_attempts_recorded_before_the_egress_module_are_reduced_to_their_status_class(
    tenant: Tenant,
) -> None:
    reduce_errors = importlib.import_module(
        "llmops.prompts.migrations.0004_reduce_webhook_attempt_errors"
    ).reduce_errors
    # The migration reads the models as they were then, in the prompts app; same tables.
    then = MigrationLoader(connection).project_state(
        ("prompts", "0004_reduce_webhook_attempt_errors")
    )
    delivery = stored_delivery(tenant, "http://127.0.0.1:5432/hook")
    old = [
        (503, "HTTP 503"),
        (404, "HTTP 404"),
        (None, "URLError: <urlopen error [Errno 111] Connection refused>"),
        (None, "TimeoutError: timed out"),
        (200, ""),
    ]
    for number, (status_code, error) in enumerate(old, start=1):
        WebhookAttempt.objects.create(
            delivery=delivery, number=number, status_code=status_code, error=error, duration_ms=1
        )
    for _ in range(2):  # a second run changes nothing
        reduce_errors(then.apps, None)
        assert list(WebhookAttempt.objects.order_by("number").values_list("error", flat=True)) == [
            "5xx",
            "4xx",
            "connection failed",
            "timeout",
            "",
        ]


def test_a_receivers_retry_after_is_honoured_only_up_to_an_hour() -> None:
    assert retry_countdown(retries=0, retry_after=None) == 1
    assert retry_countdown(retries=3, retry_after=30) == 30
    assert retry_countdown(retries=20, retry_after=None) == 300
    assert retry_countdown(retries=0, retry_after=10**9) == 3600
