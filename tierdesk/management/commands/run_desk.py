"""Start the web server, the task worker, the scheduler and the mail listener together, and stop
them together.

A process that stops by itself is started again, up to ``RESTARTS`` times in ``RESTART_WINDOW``
seconds; past that the desk stops, all of it, with a non-zero status that names the process.
Each process runs in its own process group, so stopping it (SIGTERM, then SIGKILL after ten
seconds) stops whatever it started too; none runs under an autoreloader.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SMTP_HOST = "127.0.0.1"  # on this machine only: `make run` is for a laptop
RESTARTS = 3
RESTART_WINDOW = 300.0


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def commands(*, addr: str, smtp_port: int | None) -> dict[str, list[str]]:
    """The processes to start; the mail listener only when ``smtp_port`` is given."""
    manage = [sys.executable, "manage.py"]
    result = {
        "web": [*manage, "runserver", addr, "--noreload"],
        "worker": [*manage, "db_worker", "--queue-name", "*", "--interval", "1", "--no-reload"],
        "scheduler": [*manage, "desk_scheduler"],
    }
    if smtp_port is not None:
        result["mail"] = [*manage, "mail_listener", "--host", SMTP_HOST, "--port", str(smtp_port)]
    return result


class Command(BaseCommand):
    help = "Run the whole desk on this machine: web server, task worker, scheduler and SMTP listener."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument(
            "--smtp-port",
            type=int,
            default=None,
            help="Port of the mail listener on 127.0.0.1 (default TIERDESK_INBOUND_SMTP_PORT, 2525).",
        )
        parser.add_argument("--no-smtp", action="store_true", help="Do not start the mail listener.")

    def handle(self, *args: Any, **options: Any) -> None:
        smtp_port: int | None = options["smtp_port"] or settings.INBOUND_SMTP_PORT
        if options["no_smtp"]:
            smtp_port = None
        elif smtp_port is not None and not port_is_free(SMTP_HOST, smtp_port):
            self.stderr.write(
                f"Port {SMTP_HOST}:{smtp_port} is in use: the mail listener is not started. "
                "Choose another with --smtp-port or TIERDESK_INBOUND_SMTP_PORT."
            )
            smtp_port = None
        started = commands(addr=options["addr"], smtp_port=smtp_port)
        processes = {name: self._start(name, cmd) for name, cmd in started.items()}
        self.stdout.write(self.style.SUCCESS(f"tierdesk is running at http://{options['addr']}/ (Ctrl-C stops it)"))
        if smtp_port is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Mail to {settings.INBOUND_MAILBOX}@{settings.INBOUND_DOMAIN} and the levels' addresses is "
                    f"received on smtp://{SMTP_HOST}:{smtp_port}"
                )
            )
        stopping = False
        failed: str | None = None
        restarts: dict[str, list[float]] = {name: [] for name in processes}

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is None or stopping:
                        continue
                    now = time.monotonic()
                    recent = [at for at in restarts[name] if now - at < RESTART_WINDOW]
                    if len(recent) >= RESTARTS:
                        failed = f"{name} stopped with exit code {process.returncode} ({len(recent) + 1} times)"
                        self.stderr.write(f"{failed}; stopping the others.")
                        stopping = True
                        break
                    restarts[name] = [*recent, now]
                    self.stderr.write(f"{name} stopped with exit code {process.returncode}; starting it again.")
                    processes[name] = self._start(name, started[name])
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    _signal_group(process, signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    process.wait()
        if failed is not None:
            raise CommandError(f"The desk stopped: {failed}.")

    def _start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        # Our own manage.py with fixed arguments: nothing here comes from outside. Its own process
        # group, so stopping it stops what it started; Ctrl-C reaches it through us.
        process = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)  # noqa: S603
        self.stdout.write(f"{name} started (pid {process.pid})")
        return process


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass
