"""Sign-in throttling: a growing back-off per username and per client address, decided before
any password hashing; and the Secure flag of the session and CSRF cookies."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from llmops.config.env import cache_from_url
from llmops.tenancy import signin
from tests.conftest import MakeUser

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
RIGHT = "correct horse battery"
LOCKED_FOR_1 = {
    "error": "throttled",
    "message": "Too many sign-in attempts. Try again in 1 second.",
}


class CountingHasher(MD5PasswordHasher):
    """A fast hasher that counts its work: every check or hash of a password calls ``encode``."""

    algorithm = "counting_md5"
    calls = 0
    # Runs once inside the next hashing: another attempt that overlaps this one.
    meanwhile: Callable[[], None] | None = None

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        overlapping, CountingHasher.meanwhile = CountingHasher.meanwhile, None
        if overlapping is not None:
            overlapping()
        return super().encode(password, salt)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _fresh_state(settings: Settings) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["tests.tenancy.test_signin_throttle.CountingHasher"]
    settings.SIGNIN_USERNAME_FAILURES = 5
    settings.SIGNIN_ADDRESS_FAILURES = 20
    settings.SIGNIN_BACKOFF_SECONDS = 1
    settings.SIGNIN_BACKOFF_MAX_SECONDS = 900
    settings.TRUST_X_FORWARDED_FOR = False
    cache.clear()
    CountingHasher.calls = 0
    CountingHasher.meanwhile = None
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(signin, "_now", lambda: moved.now)
    return moved


def sign_in(username: str, password: str, address: str = "198.51.100.7", **headers: str) -> Any:
    meta: dict[str, Any] = {"REMOTE_ADDR": address, **headers}
    return APIClient().post(
        "/api/v1/auth/login", {"username": username, "password": password}, format="json", **meta
    )


def statuses(username: str, count: int, address: str = "198.51.100.7") -> list[int]:
    return [sign_in(username, "wrong", address).status_code for _ in range(count)]


def test_five_wrong_passwords_for_one_username_lock_it_from_every_address(
    make_user: MakeUser, clock: Clock
) -> None:
    make_user("ada")
    answers = [sign_in("ada", "wrong", f"203.0.113.{n}").status_code for n in range(1, 6)]
    assert answers == [401] * 5

    locked = sign_in("ada", "wrong", "192.0.2.99")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "1"
    assert locked.json() == LOCKED_FOR_1
    # Case variants of the name share its counter.
    assert sign_in("ADA", "wrong", "192.0.2.98").status_code == 429
    # Another username from the same addresses is not affected.
    make_user("bob")
    assert sign_in("bob", RIGHT, "203.0.113.1").status_code == 200


def test_twenty_failures_from_one_address_lock_it_for_every_username(clock: Clock) -> None:
    answers = [sign_in(f"guess-{n}", "wrong").status_code for n in range(20)]
    assert answers == [401] * 20

    locked = sign_in("someone-new", "wrong")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "1"
    # Other addresses still get to try.
    assert sign_in("someone-new", "wrong", "198.51.100.8").status_code == 401


def test_each_further_failure_doubles_the_wait_up_to_the_cap(
    make_user: MakeUser, clock: Clock, settings: Settings
) -> None:
    settings.SIGNIN_BACKOFF_MAX_SECONDS = 8
    make_user("ada")
    assert statuses("ada", 5) == [401] * 5
    waits = []
    for _ in range(6):
        locked = sign_in("ada", "wrong")
        assert locked.status_code == 429
        waits.append(int(locked["Retry-After"]))
        clock.advance(waits[-1])  # the wait is over: the next attempt is checked
        assert sign_in("ada", "wrong").status_code == 401
    assert waits == [1, 2, 4, 8, 8, 8]
    still = sign_in("ada", "wrong")
    assert still["Retry-After"] == "8"
    assert still.json()["message"] == "Too many sign-in attempts. Try again in 8 seconds."


def test_retry_after_counts_down_with_the_clock(make_user: MakeUser, clock: Clock) -> None:
    make_user("ada")
    statuses("ada", 5)
    clock.advance(1)
    statuses("ada", 1)  # sixth failure: two seconds
    assert sign_in("ada", "wrong")["Retry-After"] == "2"
    clock.advance(1.5)
    assert sign_in("ada", "wrong")["Retry-After"] == "1"
    clock.advance(0.5)
    assert sign_in("ada", "wrong").status_code == 401


def test_a_locked_out_attempt_never_hashes_a_password(make_user: MakeUser, clock: Clock) -> None:
    make_user("ada")
    CountingHasher.calls = 0
    statuses("ada", 5)
    assert CountingHasher.calls == 5
    CountingHasher.calls = 0

    assert sign_in("ada", "wrong").status_code == 429
    assert sign_in("ada", RIGHT).status_code == 429
    assert CountingHasher.calls == 0

    # The same for an address locked out, with usernames that do not exist (for which Django
    # would otherwise hash once to hide that they do not).
    for n in range(20):
        sign_in(f"nobody-{n}", "wrong", "192.0.2.1")
    CountingHasher.calls = 0
    assert sign_in("nobody-else", "wrong", "192.0.2.1").status_code == 429
    assert CountingHasher.calls == 0


def test_near_the_lock_one_attempt_at_a_time_is_checked(make_user: MakeUser, clock: Clock) -> None:
    make_user("ada")
    assert statuses("ada", 4) == [401] * 4
    CountingHasher.calls = 0
    overlapping: list[Any] = []
    # The fifth failure would lock "ada": an attempt arriving while it is being checked is
    # turned away at once instead of hashing a password of its own.
    CountingHasher.meanwhile = lambda: overlapping.append(sign_in("ada", RIGHT, "192.0.2.1"))
    assert sign_in("ada", "wrong").status_code == 401
    assert CountingHasher.calls == 1
    assert [(r.status_code, r["Retry-After"], r.json()) for r in overlapping] == [
        (429, "1", LOCKED_FOR_1)
    ]
    # The attempt ended: its hold is gone, and after the lock the next one is checked.
    assert cache.get_many(cache_keys("in-flight")) == {}
    clock.advance(1)
    assert sign_in("ada", RIGHT).status_code == 200


def cache_keys(kind: str) -> list[str]:
    request = RequestFactory().post("/api/v1/auth/login", REMOTE_ADDR="198.51.100.7")
    guard = signin.SignInGuard.for_attempt(request=request, username="ada")
    return [f"signin:{kind}:{key.digest}" for key in (guard.username, guard.address)]


def test_the_right_password_while_locked_is_refused_like_a_wrong_one(
    make_user: MakeUser, clock: Clock
) -> None:
    make_user("ada")
    statuses("ada", 5)
    wrong = sign_in("ada", "wrong")
    right = sign_in("ada", RIGHT)
    assert (right.status_code, right["Retry-After"], right.json()) == (
        wrong.status_code,
        wrong["Retry-After"],
        wrong.json(),
    )
    assert "sessionid" not in right.cookies
    clock.advance(1)
    assert sign_in("ada", RIGHT).status_code == 200


def test_a_successful_sign_in_clears_the_usernames_count(make_user: MakeUser, clock: Clock) -> None:
    make_user("ada")
    assert statuses("ada", 4) == [401] * 4
    assert sign_in("ada", RIGHT).status_code == 200
    assert statuses("ada", 5) == [401] * 5
    assert sign_in("ada", "wrong").status_code == 429


def test_a_successful_sign_in_does_not_clear_the_addresss_count(
    make_user: MakeUser, clock: Clock, settings: Settings
) -> None:
    settings.SIGNIN_ADDRESS_FAILURES = 3
    make_user("eve")
    assert [sign_in(f"victim-{n}", "wrong").status_code for n in range(2)] == [401, 401]
    assert sign_in("eve", RIGHT).status_code == 200
    assert sign_in("victim-2", "wrong").status_code == 401
    assert sign_in("victim-3", "wrong").status_code == 429


def test_forwarded_for_counts_only_when_trusted(
    make_user: MakeUser, clock: Clock, settings: Settings
) -> None:
    settings.SIGNIN_ADDRESS_FAILURES = 2
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.50, 10.0.0.1"}
    # Untrusted: the header is ignored and the proxy's (connection's) address is counted.
    assert [sign_in(f"u{n}", "wrong", "10.0.0.2", **forwarded).status_code for n in range(3)] == [
        401,
        401,
        429,
    ]
    settings.TRUST_X_FORWARDED_FOR = True
    assert sign_in("u9", "wrong", "10.0.0.2", **forwarded).status_code == 401
    assert sign_in("u9", "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.51").status_code == (
        401
    )


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("192.0.2.1", "203.0.113.9", False, "192.0.2.1"),
        ("192.0.2.1", "203.0.113.9, 192.0.2.1", True, "203.0.113.9"),
        ("192.0.2.1", "not-an-address", True, "192.0.2.1"),
        ("192.0.2.1", "", True, "192.0.2.1"),
        ("2001:db8:1:2:aaaa::1", "", False, "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.5", "", False, "192.0.2.5"),
        ("", "", False, "unknown"),
    ],
)
def test_client_address(
    settings: Settings, remote: str, forwarded: str, trusted: bool, expected: str
) -> None:
    settings.TRUST_X_FORWARDED_FOR = trusted
    request = RequestFactory().post(
        "/api/v1/auth/login", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert signin.client_address(request) == expected


@pytest.mark.parametrize(
    ("failures", "expected"), [(1, 0), (4, 0), (5, 1), (6, 2), (9, 16), (15, 900), (10**6, 900)]
)
def test_backoff_schedule(failures: int, expected: int) -> None:
    assert signin.backoff_seconds(failures=failures, free=5) == expected


def test_cookies_carry_secure_when_the_setting_says_so(
    make_user: MakeUser, settings: Settings
) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    make_user("ada")
    client = APIClient()
    assert client.get("/api/v1/auth/session").cookies["csrftoken"]["secure"] is True
    signed_in = client.post(
        "/api/v1/auth/login", {"username": "ada", "password": RIGHT}, format="json"
    )
    assert signed_in.cookies["sessionid"]["secure"] is True

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    plain = APIClient()
    assert plain.get("/api/v1/auth/session").cookies["csrftoken"]["secure"] == ""


def _cookie_settings(tmp_path: Path, **env: str) -> str:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env={
            **environ,
            "DJANGO_SETTINGS_MODULE": "llmops.settings",
            "LLMOPS_DATA_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


POSTGRES = "postgres://llmops@127.0.0.1:5432/llmops"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False False"),  # the embedded mode: plain http on loopback
        ({"DATABASE_URL": POSTGRES}, "True True"),
        ({"DATABASE_URL": POSTGRES, "SESSION_COOKIE_SECURE": "false"}, "False False"),
        ({"DATABASE_URL": POSTGRES, "CSRF_COOKIE_SECURE": "false"}, "True False"),
        ({"SESSION_COOKIE_SECURE": "true"}, "True True"),
    ],
)
def test_cookie_secure_defaults_to_on_outside_the_embedded_mode(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    assert _cookie_settings(tmp_path, **env) == expected


def test_cache_url_with_an_unknown_scheme_names_the_variable(tmp_path: Path) -> None:
    assert cache_from_url("redis://127.0.0.1:6379/1", folder=tmp_path) == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
    assert cache_from_url("", folder=tmp_path)["LOCATION"] == str(tmp_path)
    with pytest.raises(
        ImproperlyConfigured, match="^LLMOPS_CACHE_URL: unsupported scheme 'memcached'"
    ):
        cache_from_url("memcached://x", folder=tmp_path)
