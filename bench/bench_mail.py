"""Throughput of the e-mail intake: real SMTP into the desk's listener on 127.0.0.1.

Run: ``.venv/bin/python bench/bench_mail.py [--messages N]``. Builds a throw-away SQLite desk,
starts ``mail_listener``'s controller on a free port, and sends N messages with smtplib:

- "store only": the listener stores each raw message (the task backend only records the
  processing task), which is what bounds how fast the desk can say 250;
- "store + process": each message is also processed at once (half open tickets on the
  assistance address, half reply to them through their signed reply address), and the
  notification it triggers is rendered and handed to the in-memory mail backend.

Prints messages per second for each and the ratio to a target of 10 messages per second.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="bench-mail-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tierdesk.settings",
        TIERDESK_DATA_DIR=data,
        TIERDESK_DATABASE_URL=f"sqlite:///{data}/bench.sqlite3",
        TIERDESK_TASK_BACKEND="immediate",
        TIERDESK_EMAIL_BACKEND="memory",
        TIERDESK_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.test.utils import override_settings

    from accounts.actions import create_customer
    from notifications import addressing
    from notifications.smtp import controller
    from tickets.models import Ticket

    call_command("migrate", verbosity=0)
    call_command("setup_desk", verbosity=0)
    customer = create_customer(name="Pedro García", email="pedro@example.com", password="x" * 20)

    port = free_port()
    server = controller(host="127.0.0.1", port=port)
    server.start()

    def message(i: int, to: str) -> EmailMessage:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = customer.email, to, f"Consulta {i}"
        mail["Message-ID"] = f"<bench-{i}-{time.time_ns()}@example.com>"
        mail.set_content(f"Mensaje {i}\n\nEl lun, 1 mar 2027, Soporte escribió:\n> algo citado\n")
        return mail

    def run(label: str, n: int, backend: str) -> float:
        with override_settings(
            TASKS={"default": {"BACKEND": backend, "QUEUES": ["default", "sla", "probes", "mail", "webhooks"]}}
        ):
            start = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                for i in range(n):
                    if i % 2 == 0 or not Ticket.objects.exists():
                        to = "asistencia@tierdesk.localhost"
                    else:
                        to = addressing.reply_address(
                            Ticket.objects.order_by("-id").values_list("number", flat=True)[0]
                        )
                    client.send_message(message(i, to))
            elapsed = time.perf_counter() - start
        rate = n / elapsed
        print(
            f"{label:16} {n} messages in {elapsed:.2f} s: {rate:.1f}/s ({rate / TARGET:.1f}x the {TARGET:.0f}/s target)"
        )
        return rate

    try:
        run("store only", args.messages, "django.tasks.backends.dummy.DummyBackend")
        run("store + process", args.messages, "django.tasks.backends.immediate.ImmediateBackend")
    finally:
        server.stop()
    print(f"tickets opened: {Ticket.objects.count()}")


if __name__ == "__main__":
    main()
