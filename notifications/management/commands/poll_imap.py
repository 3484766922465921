"""Fetch unseen mail from the configured IMAP mailbox: ``manage.py poll_imap [--every SECONDS]``."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import imap


class Command(BaseCommand):
    help = "Store every unseen message of the IMAP mailbox (TIERDESK_IMAP_*) and have it processed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=int, default=0, help="Poll again every N seconds (default: once).")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        while True:
            try:
                client = imap.connect()
                try:
                    stored = imap.poll(client, now=timezone.now())
                finally:
                    try:
                        client.logout()
                    except Exception:  # noqa: S110 - the connection may already be gone
                        pass
            except Exception as error:  # imaplib.IMAP4.error, OSError, PollError: report and go on
                if not options["every"]:
                    raise CommandError(f"IMAP polling failed: {error}") from error
                self.stderr.write(f"IMAP polling failed: {error}")
            else:
                self.stdout.write(f"Stored {stored} message(s).")
            if not options["every"] or stop.wait(options["every"]):
                break
