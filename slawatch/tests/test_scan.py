"""Warnings and breaches: the scan fires each once, announces it in the audit trail and by e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from core.testing import run_at_once
from slawatch.scan import due_ticket_ids, scan
from slawatch.tasks import sla_scan
from tickets import actions, dispatch
from tickets.models import EventKind, SlaState, Ticket, TicketEvent


def sla_events(ticket: Ticket) -> list[str]:
    return list(
        ticket.events.filter(kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACH])
        .order_by("id")
        .values_list("kind", flat=True)
    )


@pytest.fixture
def people(desk):
    """Staff with addresses, languages and time zones of their own."""
    for person, language, zone in (
        (desk.l1, "fr", "Europe/Paris"),
        (desk.supervisor, "en", "America/New_York"),
        (desk.l2, "es", "Europe/Madrid"),
    ):
        person.email = f"{person.username}@staff.example.com"
        person.language = language
        person.time_zone = zone
        person.save(update_fields=["email", "language", "time_zone"])
    return desk


class TestScan:
    def test_it_fires_the_warning_then_the_breach_once_each_when_run_twice(
        self, people, open_incident, now, django_capture_on_commit_callbacks
    ):
        ticket = open_incident(now=now)
        assert due_ticket_ids(now + timedelta(minutes=59)) == []
        with django_capture_on_commit_callbacks(execute=True):
            first = scan(now + timedelta(hours=1))
            second = scan(now + timedelta(hours=1, minutes=1))
        assert (first["warning"], second["warning"]) == (1, 0)
        assert sla_events(ticket) == [EventKind.SLA_WARNING]
        assert Ticket.objects.get(pk=ticket.pk).sla_state == SlaState.WARNING
        with django_capture_on_commit_callbacks(execute=True):
            scan(now + timedelta(hours=6))
            scan(now + timedelta(hours=6))
        assert sla_events(ticket) == [EventKind.SLA_WARNING, EventKind.SLA_BREACH]
        after = Ticket.objects.get(pk=ticket.pk)
        assert after.sla_state == SlaState.BREACHED
        assert after.sla_next_check_at is None
        assert due_ticket_ids(now + timedelta(days=30)) == []

    def test_a_late_scan_announces_the_breach_without_a_warning(self, people, open_incident, now):
        ticket = open_incident(now=now)
        scan(now + timedelta(hours=7))
        assert sla_events(ticket) == [EventKind.SLA_BREACH]

    def test_it_leaves_paused_and_answered_tickets_alone(self, people, open_incident, now):
        paused = open_incident(now=now)
        actions.wait_for_customer(paused, actor=people.l1, now=now + timedelta(minutes=10))
        answered = open_incident(now=now)
        actions.reply(answered, actor=people.l1, body="Visto", now=now + timedelta(minutes=20))
        assert scan(now + timedelta(hours=8))["tickets"] == 0
        assert sla_events(paused) == sla_events(answered) == []

    def test_the_periodic_task_scans(self, people, open_incident, now, time_machine):
        ticket = open_incident(now=now)
        time_machine.move_to(now + timedelta(hours=2), tick=False)
        result = sla_scan.enqueue()
        assert result.return_value["warning"] == 1
        assert sla_events(ticket) == [EventKind.SLA_WARNING]


class TestNotices:
    def test_assignee_team_and_supervisors_are_told_in_their_language_and_time_zone(
        self, people, open_incident, now, django_capture_on_commit_callbacks
    ):
        ticket = open_incident(now=now)
        dispatch.drain()  # the opening's own mails, as the worker sends them
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            scan(now + timedelta(hours=1))
        by_address = {message.to[0]: message for message in mail.outbox}
        assert set(by_address) == {"l1@staff.example.com", "boss@staff.example.com"}
        french, english = by_address["l1@staff.example.com"], by_address["boss@staff.example.com"]
        assert french.subject == f"[#{ticket.number}] Alerte SLA : une réponse est bientôt due"
        assert english.subject == f"[#{ticket.number}] SLA warning: an answer is due soon"
        # The due time (16:00 UTC) in each reader's zone, with their language's date format.
        assert "17:00" in french.body and "(Europe/Paris)" in french.body
        assert "11:00" in english.body or "11 a.m." in english.body
        assert "(America/New_York)" in english.body
        assert french.extra_headers["Content-Language"] == "fr"
        assert english.extra_headers["Content-Language"] == "en"
        event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SLA_WARNING)
        assert event.data["level"] == "L1" and event.data["clock"] == "first_response"

    def test_a_person_in_two_roles_is_told_once(self, people, open_incident, now, django_capture_on_commit_callbacks):
        ticket = open_incident(now=now)
        actions.assign_ticket(ticket, assignee=people.supervisor, actor=people.supervisor, now=now)
        dispatch.drain()  # the opening's and the assignment's own mails, as the worker sends them
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            scan(now + timedelta(hours=6))
        assert sorted(m.to[0] for m in mail.outbox) == ["boss@staff.example.com", "l1@staff.example.com"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentWorkers:
    def test_two_scans_at_once_fire_each_warning_once(self, people, open_incident, now):
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL's row locks")
        tickets = [open_incident(now=now) for _ in range(20)]
        when = now + timedelta(hours=1, minutes=5)
        results = run_at_once(2, lambda _i: scan(when))
        assert sum(result["warning"] for result in results) == 20
        assert TicketEvent.objects.filter(kind=EventKind.SLA_WARNING).count() == 20
        for ticket in tickets:
            assert sla_events(ticket) == [EventKind.SLA_WARNING]
