"""Start the web server, the task worker and the scheduler together, and stop them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the whole desk on this machine: web server, task worker and scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        manage = [sys.executable, "manage.py"]
        commands = {
            "web": [*manage, "runserver", options["addr"], "--noreload"],
            "worker": [*manage, "db_worker", "--queue-name", "*", "--interval", "1"],
            "scheduler": [*manage, "desk_scheduler"],
        }
        # Our own manage.py with fixed arguments: nothing here comes from outside.
        processes = {
            name: subprocess.Popen(cmd, env=os.environ.copy())  # noqa: S603
            for name, cmd in commands.items()
        }
        self.stdout.write(self.style.SUCCESS(f"tierdesk is running at http://{options['addr']}/ (Ctrl-C stops it)"))
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} stopped with exit code {process.returncode}; stopping the others.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
