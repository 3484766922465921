"""The real path once: the database task backend and ``db_worker --batch`` in its own process,
sending to an SMTP sink on 127.0.0.1, with one deferred retry."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path

from aiosmtpd.controller import Controller

from notifications.tests.conftest import Sink, free_port

ROOT = Path(__file__).resolve().parents[2]

OPEN_TICKET = """
import django; django.setup()
from django.utils import timezone
from accounts.actions import create_customer
from levels.models import Category
from tickets import actions
lucia = create_customer(name="Lucía Martín", email="lucia@example.com", password="a-long-test-password-1",
                        identifier="lm4321-ovh", language="fr")
actions.open_ticket(organisation=lucia.organisation, requester=lucia, service=None,
                    category=Category.objects.get(code="incident_other"), subject="Serveur en panne",
                    body="Il ne répond plus.", channel="email", actor=lucia, now=timezone.now())
"""

STATUSES = """
import django; django.setup()
from notifications.models import Delivery
print(list(Delivery.objects.values_list("status", "attempts")))
"""


def test_the_database_worker_sends_notifications_and_retries_later(tmp_path):
    box = Sink(port=free_port(), refuse=["451 4.3.0 Greylisted, try again"])
    sink = Controller(box, hostname="127.0.0.1", port=box.port, decode_data=False)
    sink.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIERDESK_")}
        env.update(
            DJANGO_SETTINGS_MODULE="tierdesk.settings",
            TIERDESK_DATA_DIR=str(tmp_path),
            TIERDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
            TIERDESK_TASK_BACKEND="database",
            TIERDESK_EMAIL_BACKEND="smtp",
            TIERDESK_EMAIL_HOST="127.0.0.1",
            TIERDESK_EMAIL_PORT=str(box.port),
            TIERDESK_MAIL_RETRY_SECONDS="1",
        )

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done

        run("manage.py", "migrate", "-v0")
        run("manage.py", "setup_desk")
        run("-c", OPEN_TICKET)
        assert box.messages == []  # nothing is sent by the request itself
        run("manage.py", "db_worker", "--batch", "--queue-name", "*")
        assert "[('retrying', 1)]" in run("-c", STATUSES).stdout  # the sink said 451
        for _ in range(20):
            if box.messages:
                break
            run("manage.py", "db_worker", "--batch", "--queue-name", "*")  # the deferred retry is due after 1 s
        assert "[('sent', 2)]" in run("-c", STATUSES).stdout
        [message] = box.messages
        assert message["Subject"].startswith("[#1000001] ")
        assert message["Auto-Submitted"] == "auto-generated"
        html = message.get_body(("html",))
        assert html is not None
        assert '<html lang="fr">' in html.get_content()
        assert box.envelopes[0].rcpt_tos == ["lucia@example.com"]
        assert email.message_from_bytes(box.envelopes[0].original_content, policy=email.policy.default)[
            "Message-ID"
        ].startswith("<ticket-1000001-")
    finally:
        sink.stop()
