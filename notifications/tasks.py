"""Background work of e-mail: sending deliveries, retrying them, processing and purging inbound mail."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from notifications import inbound
from notifications.actions import purge_inbound_mail as purge
from notifications.sending import deliver, retry_due


@task(queue_name="mail")
def send_delivery(delivery_id: int) -> str:
    """One attempt at sending one delivery (idempotent: a sent delivery is not sent again)."""
    return deliver(delivery_id)


@task(queue_name="mail")
def retry_due_deliveries() -> int:
    """The periodic sweep: due retries, lost tasks and deliveries stuck by a dead worker."""
    return retry_due(now=timezone.now())


@task(queue_name="mail")
def process_inbound_mail(mail_id: int) -> str:
    """Turn one stored inbound message into a ticket, a reply, an answer or a quarantine entry."""
    return inbound.process(mail_id, now=timezone.now())


@task(queue_name="mail")
def retry_unprocessed_mail() -> int:
    """The periodic sweep of inbound mail left unprocessed (lost task, dead worker)."""
    return inbound.retry_unprocessed(now=timezone.now())


@task(queue_name="mail")
def purge_inbound_mail() -> int:
    """The daily purge of raw inbound mail past its retention period."""
    return purge(now=timezone.now())
