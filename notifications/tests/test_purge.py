"""Raw inbound mail is purged after its retention period; what still waits to be processed is
kept, and quarantined mail nobody handled goes after its own (shorter) period."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.actions import purge_inbound_mail, receive_raw_mail, reprocess_inbound_mail
from notifications.models import AutoAnswer, InboundMail, InboundStatus
from notifications.tasks import purge_inbound_mail as purge_task
from tierdesk.management.commands.desk_scheduler import fire_due_jobs
from tierdesk.schedule import jobs


def stored(status: str, *, age_days: float, processed: bool = True) -> InboundMail:
    when = timezone.now() - timedelta(days=age_days)
    mail = receive_raw_mail(
        b"From: someone@example.org\r\nSubject: x\r\n\r\nbody", envelope_from="", envelope_to=[], now=when
    )
    InboundMail.objects.filter(pk=mail.pk).update(status=status, processed_at=when if processed else None)
    return mail


@pytest.fixture
def mails(db):  # type: ignore[no-untyped-def]
    return {
        "old_reply": stored(InboundStatus.REPLY_ADDED, age_days=91),
        "old_ticket": stored(InboundStatus.TICKET_OPENED, age_days=200),
        "old_unknown": stored(InboundStatus.UNKNOWN_SENDER, age_days=95),
        "recent_reply": stored(InboundStatus.REPLY_ADDED, age_days=89),
        "old_quarantined": stored(InboundStatus.QUARANTINED, age_days=400),
        "recent_quarantined": stored(InboundStatus.QUARANTINED, age_days=20),
        "old_unprocessed": stored(InboundStatus.RECEIVED, age_days=400, processed=False),
    }


def remaining() -> set[int]:
    return set(InboundMail.objects.values_list("pk", flat=True))


def test_processed_mail_older_than_the_retention_is_deleted_quarantine_and_waiting_mail_kept(mails, settings):
    assert (settings.INBOUND_RETENTION_DAYS, settings.INBOUND_QUARANTINE_RETENTION_DAYS) == (90, 30)  # the defaults
    AutoAnswer.objects.create(
        address="a@example.org", day=(timezone.now() - timedelta(days=120)).date(), kind="x", created_at=timezone.now()
    )
    AutoAnswer.objects.create(address="a@example.org", day=timezone.now().date(), kind="x", created_at=timezone.now())
    assert purge_inbound_mail(now=timezone.now(), batch=2) == 4
    assert remaining() == {mails[k].pk for k in ("recent_reply", "recent_quarantined", "old_unprocessed")}
    assert AutoAnswer.objects.count() == 1
    assert purge_inbound_mail(now=timezone.now()) == 0  # running again changes nothing


def test_a_handled_quarantined_mail_counts_from_when_it_was_handled(mails, desk):
    quarantined = mails["recent_quarantined"]
    InboundMail.objects.filter(pk=quarantined.pk).update(
        raw=b"From: someone@example.org\r\nTo: soporte@tierdesk.localhost\r\nSubject: x\r\n\r\nbody"
    )
    handled = reprocess_inbound_mail(quarantined, now=timezone.now())  # staff handle it today
    assert handled.status == InboundStatus.UNKNOWN_SENDER
    purge_inbound_mail(now=timezone.now())
    assert quarantined.pk in remaining()  # handled today: kept for another retention period
    purge_inbound_mail(now=timezone.now() + timedelta(days=91))
    assert quarantined.pk not in remaining()


def test_unhandled_quarantine_is_deleted_after_its_own_period(mails, settings):
    settings.INBOUND_RETENTION_DAYS = 3650
    settings.INBOUND_QUARANTINE_RETENTION_DAYS = 10
    assert purge_inbound_mail(now=timezone.now()) == 2
    assert mails["old_quarantined"].pk not in remaining() and mails["recent_quarantined"].pk not in remaining()
    assert mails["old_unprocessed"].pk in remaining()  # never processed: kept whatever its age


def test_the_setting_and_the_command_choose_the_period(mails, settings):
    settings.INBOUND_RETENTION_DAYS = 365
    settings.INBOUND_QUARANTINE_RETENTION_DAYS = 3650
    assert purge_inbound_mail(now=timezone.now()) == 0
    out = StringIO()
    call_command("purge_inbound_mail", "--days", "30", stdout=out)
    assert "Deleted 4 inbound message(s) processed more than 30 days ago." in out.getvalue()
    assert remaining() == {mails[k].pk for k in ("old_quarantined", "recent_quarantined", "old_unprocessed")}
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_inbound_mail", "--days", "0")


def test_the_scheduler_runs_the_purge_every_day(mails, django_capture_on_commit_callbacks):
    [job] = [job for job in jobs() if job.name == "purge_inbound_mail"]
    assert (job.every_seconds, job.task) == (86400, purge_task)
    with django_capture_on_commit_callbacks() as fired:
        assert "purge_inbound_mail" in fire_due_jobs(timezone.now().timestamp())
    [enqueue] = [callback for callback in fired if callback.args[0].task is purge_task]
    enqueue()  # what the scheduler enqueues, run by the (immediate) worker
    assert remaining() == {mails[k].pk for k in ("recent_reply", "recent_quarantined", "old_unprocessed")}
