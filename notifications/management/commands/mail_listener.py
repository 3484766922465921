"""Receive mail over SMTP for the desk's domain: ``manage.py mail_listener [--host H] [--port P]``."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from notifications.smtp import controller


class Command(BaseCommand):
    help = "Listen for inbound mail over SMTP (aiosmtpd) and hand every message to the desk."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=None, help="Address to bind (default TIERDESK_INBOUND_SMTP_HOST).")
        parser.add_argument("--port", type=int, default=None, help="Port (default TIERDESK_INBOUND_SMTP_PORT).")

    def handle(self, *args: Any, **options: Any) -> None:
        server = controller(host=options["host"], port=options["port"])
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        server.start()
        self.stdout.write(self.style.SUCCESS(f"Receiving mail on {server.hostname}:{server.port}"))
        try:
            stop.wait()
        finally:
            server.stop()
