"""``manage.py runplatform``: web server, one Celery worker and beat, started and stopped together.

This is the embedded default's process manager. Production runs the same three programs as
separate services (see docker-compose.yml) and does not use this command.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from io import StringIO
from types import FrameType
from typing import Any
from urllib.request import urlopen

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def _answers(host: str, port: int) -> bool:
    try:
        with urlopen(f"http://{host}:{port}/healthz", timeout=1):
            return True
    except (OSError, ValueError):
        return False


class Command(BaseCommand):
    help = "Migrate, create the demo project once, then run web + worker + beat until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-demo", action="store_true", help="skip the demo project")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        banner = StringIO()
        if not options["no_demo"]:
            call_command("bootstrapdemo", url=f"http://{host}:{port}", stdout=banner)
        else:
            banner.write(f"\n  LLMOps platform: http://{host}:{port}\n\n")

        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "llmops.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(options["web_workers"]),
                # The workers share the platform imported once before they fork: half the memory.
                "--preload",
                "--access-logfile",
                "-",
            ],
            # -B runs beat inside this one worker: right for a single machine, and it keeps the
            # embedded stack at two processes. Production runs beat as its own service.
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "llmops",
                "worker",
                "-B",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
            ],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        stopping = False
        printed = False
        started = time.monotonic()

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    self.stderr.write(f"{name} exited with code {code}; stopping the platform")
                    exit_code = code or 1
                    stopping = True
            if not printed and (_answers(host, port) or time.monotonic() - started > 60):
                # Printed once the server answers, so it is the last thing on the screen.
                self.stdout.write(banner.getvalue())
                self.stdout.flush()
                printed = True
            time.sleep(0.5)
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if exit_code:
            raise SystemExit(exit_code)
