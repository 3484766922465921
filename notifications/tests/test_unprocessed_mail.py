"""Inbound mail left "received" (its task lost, its worker killed) is processed by the scheduler's
sweep, and given up on, in quarantine, once it has stopped its workers three times."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from django.test import override_settings

from notifications.actions import receive_raw_mail
from notifications.inbound import PROCESS_MAX_STARTS
from notifications.models import InboundMail, InboundStatus
from notifications.tasks import retry_unprocessed_mail
from tierdesk.schedule import jobs

LOST = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": []}}


def _raw(desk: Any) -> bytes:
    message = EmailMessage()
    message["From"] = desk.pedro.email
    message["To"] = desk.level("L1").email_address
    message["Subject"] = "Mi web no carga"
    message["Message-ID"] = "<lost-task-1@example.es>"
    message.set_content("Desde esta mañana no carga.")
    return bytes(message)


def test_a_message_whose_processing_never_ran_is_processed_by_the_sweep(desk: Any, now: Any) -> None:
    assert "retry_unprocessed_mail" in [job.name for job in jobs()]
    with override_settings(TASKS=LOST):
        mail = receive_raw_mail(_raw(desk), envelope_from=desk.pedro.email, envelope_to=[], now=now)
    assert InboundMail.objects.get(pk=mail.pk).status == InboundStatus.RECEIVED
    retry_unprocessed_mail.call()
    assert InboundMail.objects.get(pk=mail.pk).status == InboundStatus.RECEIVED  # just arrived: its task may be queued
    InboundMail.objects.filter(pk=mail.pk).update(received_at=now - timedelta(minutes=3), attempts=1)  # a worker died
    retry_unprocessed_mail.call()
    mail.refresh_from_db()
    assert mail.status == InboundStatus.TICKET_OPENED and mail.attempts == 2
    assert mail.ticket is not None and mail.ticket.subject == "Mi web no carga"


def test_a_message_that_stopped_its_workers_three_times_is_quarantined(desk: Any, now: Any) -> None:
    with override_settings(TASKS=LOST):
        mail = receive_raw_mail(_raw(desk), envelope_from=desk.pedro.email, envelope_to=[], now=now)
    InboundMail.objects.filter(pk=mail.pk).update(received_at=now - timedelta(minutes=3), attempts=PROCESS_MAX_STARTS)
    retry_unprocessed_mail.call()
    mail.refresh_from_db()
    assert mail.status == InboundStatus.QUARANTINED and "stopped 3 times" in mail.reason
    assert mail.ticket_id is None
