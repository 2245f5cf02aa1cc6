"""A private production-shaped stack for fault injection: a PostgreSQL cluster of its own and
the real gunicorn serving the project against it, both on loopback ports nobody else uses.

The shared PostgreSQL (port 5432) is never touched: the private cluster lives in a temporary
directory, listens on another port and keeps its socket in that directory. Every process is
stopped by its PID and every directory removed when the stack closes.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "test-only-secret-key-not-for-production-0000000000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(what: str, predicate: Callable[[], bool], seconds: float) -> None:
    """Poll ``predicate`` until it holds; fail the test naming ``what`` if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"{what}: not within {seconds:.0f} s")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The state follows the parenthesised command name; a zombie has exited.
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _stop_pid(pid: int, sig: int, seconds: float = 30) -> None:
    """Send ``sig`` to ``pid`` and wait for it to exit; SIGKILL if it will not."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return ""


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries' folder; fails (never skips) without them: a skip
    would let CI pass without running the suite."""
    found: list[tuple[int, Path]] = []
    for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb"):
        version = initdb.parent.parent.name
        if version.isdigit():
            found.append((int(version), initdb.parent))
    if found:
        return max(found)[1]
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    pytest.fail(
        "initdb not found (neither /usr/lib/postgresql/*/bin nor PATH): the fault-injection "
        "suite starts a PostgreSQL cluster of its own; install the PostgreSQL server package"
    )


class PrivatePostgres:
    """A throwaway cluster owned by the ``postgres`` OS user when the tests run as root (initdb
    refuses root), else by the current user."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="llmops-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self._owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self._owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root, the suite needs the 'postgres' OS user for initdb")
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
        self.root.chmod(0o700)

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._owner is not None:
            command = ["runuser", "-u", self._owner.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            pytest.fail(
                f"{args[0]} {args[1:3]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
                f"\n{_tail(self.log)}"
            )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        # In the cluster's own configuration, so every start (pg_ctl restart included) uses
        # them: a start without them would try the shared cluster's port 5432.
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            # The cluster dies with the test; the machine never crashes under it.
            "fsync": "off",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "restart")

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None

    def url(self, database: str = "llmops") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def log_tail(self) -> str:
        return _tail(self.log)

    def close(self) -> None:
        pid = self.pid()
        if pid is not None:
            _stop_pid(pid, signal.SIGINT)  # the postmaster's fast shutdown
        shutil.rmtree(self.root, ignore_errors=True)


class Gunicorn:
    """The project's web server as deployed (docker-compose's command), with 2 workers."""

    def __init__(self, *, database_url: str) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="llmops-faults-web-"))
        self.log = self.root / "gunicorn.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "LLMOPS_DATA_DIR": str(self.root / "data"),
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        # The default folder broker, in this stack's own directory: nothing reaches a shared
        # Redis.
        env.pop("CELERY_BROKER_URL", None)
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "llmops.wsgi"),
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", "2"),
                    *("--graceful-timeout", "10"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until("gunicorn answering /healthz", self.healthy, 90)
        wait_until("gunicorn's 2 workers", lambda: len(self.workers()) == 2, 30)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health_status(self) -> int | None:
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    def healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
        return self.health_status() == 200

    def workers(self) -> set[int]:
        """PIDs of the live worker processes: the master's children."""
        assert self.process is not None
        master = self.process.pid
        children: set[int] = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, IndexError):
                continue
            if fields[1] == str(master) and fields[0] != "Z":
                children.add(int(entry.name))
        return children

    def kill_workers(self) -> set[int]:
        """SIGKILL every worker, as the kernel's OOM killer would; the master respawns them."""
        killed = self.workers()
        assert killed, "gunicorn has no worker to kill"
        for pid in killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return killed

    def create_project(self, name: str) -> tuple[str, str]:
        """A new project's id and secret key."""
        created = json.loads(self.manage("createproject", "Faults", name, "--json"))
        return str(created["project"]["id"]), str(created["secret_key"])

    def log_tail(self) -> str:
        # Tracebacks are long; the last few say what happened.
        return re.sub(r"\n{2,}", "\n", _tail(self.log, 6000))

    def close(self) -> None:
        if self.process is not None:
            _stop_pid(self.process.pid, signal.SIGTERM)
            # Workers the master left behind share its process group (its PID).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Stack:
    postgres: PrivatePostgres
    web: Gunicorn

    def logs(self) -> str:
        return (
            f"--- gunicorn log (tail)\n{self.web.log_tail()}\n"
            f"--- postgres log (tail)\n{self.postgres.log_tail()}"
        )
