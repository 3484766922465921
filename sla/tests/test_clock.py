"""The SLA clock through the real ticket actions, with a pinned clock (``now=``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sla.models import BusinessCalendar, Outcome, SlaPolicy
from sla.tests.conftest import madrid
from slawatch import actions as sla_actions
from slawatch.scan import scan
from tickets import actions
from tickets.models import EventKind, SlaClock, SlaMeasurement, SlaState, Ticket


def reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def open_l2(desk, now: datetime, category: str = "configure_mail") -> Ticket:
    return actions.open_ticket(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.mail,
        category=desk.category(category),
        subject="No puedo configurar el correo",
        body="¿Qué servidor SMTP uso?",
        channel="manager",
        actor=desk.pedro,
        now=now,
    )


class TestFridayBeforeAMadridHoliday:
    """L2 (Mon–Fri 09–18 Madrid, ES-MD holidays): opened Friday 30 April 2027 at 17:00; Saturday
    1 May (Labour Day), Sunday, and Monday 3 May (the Comunidad de Madrid's holiday) are closed."""

    def test_it_counts_only_open_hours_and_skips_the_holiday_monday(self, desk):
        ticket = reload(open_l2(desk, madrid(2027, 4, 30, 17, 0)))
        assert ticket.sla_policy_level == "L2"
        assert ticket.sla_clock == SlaClock.FIRST_RESPONSE
        # 12 business hours: Fri 17–18 (1 h), Tue 4 May 09–18 (9 h), Wed 09–11 (2 h).
        assert ticket.first_response_warn_at == madrid(2027, 5, 5, 11, 0)
        # 24 business hours: 1 + 9 + 9 (Wed) + 5 (Thu 09–14).
        assert ticket.first_response_due_at == madrid(2027, 5, 6, 14, 0)
        assert ticket.sla_next_check_at == ticket.first_response_warn_at

    def test_the_whole_journey_pause_over_the_weekend_incident_and_reopen(self, desk):
        ticket = open_l2(desk, madrid(2027, 4, 30, 17, 0))
        # Friday 17:30 the agent needs the customer's mail client: the clock pauses after 30 min.
        actions.wait_for_customer(ticket, actor=desk.l2, now=madrid(2027, 4, 30, 17, 30))
        paused = reload(ticket)
        assert paused.sla_paused_at == madrid(2027, 4, 30, 17, 30)
        assert paused.sla_elapsed == timedelta(minutes=30)
        assert paused.first_response_due_at is None
        assert paused.sla_next_check_at is None

        # Pedro answers on Tuesday at 10:00: an open hour (09–10) passed during the pause and is
        # not counted; 23 h 30 min remain from 10:00 → Tue 8 h, Wed 9 h, Thu 6 h 30 min.
        actions.reply(ticket, actor=desk.pedro, body="Uso Thunderbird.", now=madrid(2027, 5, 4, 10, 0))
        resumed = reload(ticket)
        assert resumed.status == "open"
        assert resumed.sla_paused_at is None
        assert resumed.sla_clock == SlaClock.FIRST_RESPONSE
        assert resumed.first_response_due_at == madrid(2027, 5, 6, 15, 30)
        # Warning at 12 h: 11 h 30 min remain → Tue 8 h, Wed 09:00 + 3 h 30 min.
        assert resumed.first_response_warn_at == madrid(2027, 5, 5, 12, 30)

        # Tuesday 11:00 the mail server turns out to be down: a linked L1 incident, 24/7 from now.
        incident = actions.open_incident_from(
            ticket,
            actor=desk.l2,
            reason="El servidor de correo no responde",
            category=desk.category("mail_cannot_send"),
            now=madrid(2027, 5, 4, 11, 0),
        )
        incident = reload(incident)
        assert incident.sla_policy_level == "L1"
        assert incident.first_response_warn_at == madrid(2027, 5, 4, 12, 0)
        assert incident.first_response_due_at == madrid(2027, 5, 4, 17, 0)
        assert reload(ticket).first_response_due_at == madrid(2027, 5, 6, 15, 30)  # untouched

        # Wednesday 10:00 the L2 agent answers and resolves: first response met after 9 h 30 min.
        actions.reply(ticket, actor=desk.l2, body="Listo.", then="resolved", now=madrid(2027, 5, 5, 10, 0))
        answered = reload(ticket)
        assert answered.sla_state == SlaState.MET
        assert answered.sla_clock == SlaClock.NONE
        assert answered.first_response_due_at is None and answered.sla_next_check_at is None
        measurement = SlaMeasurement.objects.get(ticket=ticket)
        assert (measurement.outcome, measurement.elapsed_seconds) == (Outcome.MET, int(9.5 * 3600))

        # Friday 7 May 17:00 Pedro reopens: a next-response clock of 24 business hours
        # (Fri 1 h, Mon 10 May 9 h, Tue 9 h, Wed 09–14).
        actions.reopen_ticket(ticket, actor=desk.pedro, reason="Vuelve a fallar", now=madrid(2027, 5, 7, 17, 0))
        reopened = reload(ticket)
        assert reopened.sla_clock == SlaClock.NEXT_RESPONSE
        assert reopened.next_response_due_at == madrid(2027, 5, 12, 14, 0)
        assert reopened.next_response_warn_at == madrid(2027, 5, 11, 11, 0)
        assert reopened.first_response_due_at is None


class TestTransfer:
    def test_l1_to_l2_starts_the_l2_policy_at_the_transfer_and_keeps_both_in_the_history(self, desk, open_incident):
        # Journey 2: Tuesday 2 March 2027, 11:00 Madrid (10:00 UTC).
        ticket = reload(open_incident(now=madrid(2027, 3, 2, 11, 0)))
        assert ticket.first_response_warn_at == datetime(2027, 3, 2, 11, 0, tzinfo=UTC)
        assert ticket.first_response_due_at == datetime(2027, 3, 2, 16, 0, tzinfo=UTC)
        actions.transfer_to_assistance(
            ticket,
            actor=desk.l1,
            reason="Responde al ping",
            customer_message="Su servidor responde; lo pasamos a Asistencia.",
            now=madrid(2027, 3, 2, 12, 0),
        )
        moved = reload(ticket)
        assert moved.level.code == "L2" and moved.sla_policy_level == "L2"
        # The L1 agent's explanation is not L2's first response: the new clock keeps running.
        assert moved.sla_clock == SlaClock.FIRST_RESPONSE
        # Tue 12–18 (6 h) + Wed 09–15 (6 h) = 12 h; + Wed 3 h + Thu 9 h = 24 h.
        assert moved.first_response_warn_at == madrid(2027, 3, 3, 15, 0)
        assert moved.first_response_due_at == madrid(2027, 3, 4, 18, 0)
        event = moved.events.get(kind=EventKind.SLA_CLOCK)
        assert event.data["cause"] == "transferred"
        assert event.data["before"]["level"] == "L1"
        assert event.data["before"]["due_at"] == datetime(2027, 3, 2, 16, 0, tzinfo=UTC).isoformat()
        assert event.data["after"]["level"] == "L2"
        assert event.data["after"]["due_at"] == madrid(2027, 3, 4, 18, 0).astimezone(UTC).isoformat()
        assert SlaMeasurement.objects.get(ticket=ticket).outcome == Outcome.CANCELLED

    def test_a_transfer_while_waiting_starts_the_new_clock_paused(self, desk, open_incident):
        ticket = open_incident(now=madrid(2027, 3, 2, 11, 0))
        actions.wait_for_customer(ticket, actor=desk.l1, now=madrid(2027, 3, 2, 11, 30))
        actions.transfer_to_assistance(ticket, actor=desk.l1, reason="No es incidencia", now=madrid(2027, 3, 2, 12, 0))
        moved = reload(ticket)
        assert moved.sla_paused_at == madrid(2027, 3, 2, 12, 0)
        assert moved.first_response_due_at is None
        actions.reply(ticket, actor=desk.lucia, body="Aquí está", now=madrid(2027, 3, 3, 9, 0))
        assert reload(ticket).first_response_due_at == madrid(2027, 3, 5, 15, 0)  # 24 h from Wed 09:00

    def test_a_hand_off_for_a_quote_starts_a_fresh_clock_for_commercial(self, desk):
        ticket = open_l2(desk, madrid(2027, 3, 2, 9, 0))
        actions.hand_off_for_quote(ticket, actor=desk.l2, reason="Infogerencia", now=madrid(2027, 3, 3, 9, 0))
        moved = reload(ticket)
        assert moved.sla_policy_level == "L2"
        assert moved.first_response_due_at == madrid(2027, 3, 5, 15, 0)  # 24 business hours from Wed 09:00
        event = moved.events.get(kind=EventKind.SLA_CLOCK)
        assert event.data["cause"] == "handed_off"
        assert event.data["before"]["due_at"] == madrid(2027, 3, 4, 15, 0).astimezone(UTC).isoformat()


class TestPausesSurviveChanges:
    def test_a_policy_change_during_a_pause_keeps_the_time_already_used(self, desk, open_incident, now):
        ticket = open_incident(now=now)  # L1, 24/7
        actions.claim_ticket(ticket, actor=desk.l1, now=now)
        actions.wait_for_customer(ticket, actor=desk.l1, now=now + timedelta(hours=2))
        policy = SlaPolicy.objects.get(level__code="L1")
        policy.first_response_target = timedelta(hours=8)
        sla_actions.save_policy(policy, actor=desk.supervisor)
        paused = reload(ticket)
        assert paused.sla_elapsed == timedelta(hours=2)
        assert paused.first_response_due_at is None
        actions.reply(ticket, actor=desk.lucia, body="Ya está", now=now + timedelta(hours=30))
        # 8 h target − 2 h used = 6 h after the customer's answer; the 28 h pause never count.
        assert reload(ticket).first_response_due_at == now + timedelta(hours=36)

    def test_a_calendar_change_during_a_pause_keeps_the_time_already_used(
        self, desk, django_capture_on_commit_callbacks
    ):
        ticket = open_l2(desk, madrid(2027, 3, 2, 9, 0))  # Tuesday
        actions.wait_for_customer(ticket, actor=desk.l2, now=madrid(2027, 3, 2, 13, 0))  # 4 h used
        calendar = BusinessCalendar.objects.get(code="madrid-business")
        calendar.closures = ["2027-03-04"]
        with django_capture_on_commit_callbacks(execute=True):
            sla_actions.save_calendar(calendar, actor=desk.supervisor)
        assert reload(ticket).sla_elapsed == timedelta(hours=4)
        actions.reply(ticket, actor=desk.pedro, body="Hecho", now=madrid(2027, 3, 3, 9, 0))
        # 20 h left from Wed 09:00: Wed 9 h, Thursday closed, Fri 9 h, Mon 2 h.
        assert reload(ticket).first_response_due_at == madrid(2027, 3, 8, 11, 0)


class TestOpening:
    def test_the_insert_writes_the_clock_after_one_read_of_the_level_rules(self, desk):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            ticket = open_l2(desk, madrid(2027, 3, 2, 10, 0))
        statements = [q["sql"] for q in queries.captured_queries]
        assert not [s for s in statements if s.startswith('UPDATE "tickets_ticket"')]
        assert len([s for s in statements if s.startswith("SELECT") and '"sla_slapolicy"' in s]) == 1
        stored = reload(ticket)
        assert (stored.sla_policy_level, stored.sla_clock, stored.sla_state) == ("L2", SlaClock.FIRST_RESPONSE, "ok")
        # Tue 10–18 (8 h) + Wed 9 h + Thu 7 h.
        assert stored.first_response_due_at == madrid(2027, 3, 4, 16, 0)
        assert stored.sla_next_check_at == stored.first_response_warn_at


class TestRecompute:
    def test_adding_a_closure_day_moves_the_due_time_of_open_tickets(self, desk, django_capture_on_commit_callbacks):
        ticket = open_l2(desk, madrid(2027, 3, 2, 10, 0))
        # Tue 10–18 (8 h) + Wed 9 h + Thu 7 h.
        assert reload(ticket).first_response_due_at == madrid(2027, 3, 4, 16, 0)
        closed = open_l2(desk, madrid(2027, 3, 2, 10, 0))
        actions.resolve_ticket(closed, actor=desk.l2, now=madrid(2027, 3, 2, 11, 0))
        calendar = BusinessCalendar.objects.get(code="madrid-business")
        calendar.closures = ["2027-03-03"]
        with django_capture_on_commit_callbacks(execute=True):
            sla_actions.save_calendar(calendar, actor=desk.supervisor)
        assert reload(ticket).first_response_due_at == madrid(2027, 3, 5, 16, 0)
        assert reload(closed).first_response_due_at is None
        # Idempotent: a second run moves nothing.
        from slawatch.tasks import recompute_due_times

        assert recompute_due_times.call([desk.level("L2").pk]) == 0

    def test_editing_a_policy_moves_the_due_time(self, desk, open_incident, now, django_capture_on_commit_callbacks):
        ticket = open_incident(now=now)
        policy = SlaPolicy.objects.get(level__code="L1")
        policy.first_response_target = timedelta(hours=4)
        with django_capture_on_commit_callbacks(execute=True):
            sla_actions.save_policy(policy, actor=desk.supervisor)
        assert reload(ticket).first_response_due_at == now + timedelta(hours=4)

    def test_only_supervisors_change_the_settings_and_bad_values_are_refused(self, desk):
        policy = SlaPolicy.objects.get(level__code="L1")
        with pytest.raises(actions.Forbidden):
            sla_actions.save_policy(policy, actor=desk.l1)
        policy.first_response_warning = timedelta(hours=9)
        with pytest.raises(actions.InvalidInput) as refused:
            sla_actions.save_policy(policy, actor=desk.supervisor)
        assert refused.value.field == "first_response_warning"


class TestFirstResponse:
    def test_a_reply_in_time_meets_it(self, desk, open_incident, now):
        ticket = open_incident(now=now)
        actions.reply(ticket, actor=desk.l1, body="Lo miramos", now=now + timedelta(hours=2))
        answered = reload(ticket)
        assert answered.sla_state == SlaState.MET
        assert SlaMeasurement.objects.get(ticket=ticket).outcome == Outcome.MET

    def test_a_late_reply_is_breached(self, desk, open_incident, now):
        ticket = open_incident(now=now)
        actions.reply(ticket, actor=desk.l1, body="Perdón", now=now + timedelta(hours=7))
        answered = reload(ticket)
        assert answered.sla_state == SlaState.BREACHED
        measurement = SlaMeasurement.objects.get(ticket=ticket)
        assert (measurement.outcome, measurement.elapsed_seconds) == (Outcome.BREACHED, 7 * 3600)

    def test_a_breach_announced_by_the_scan_stays_breached_when_answered(self, desk, open_incident, now):
        ticket = open_incident(now=now)
        scan(now + timedelta(hours=6, minutes=1))
        actions.reply(ticket, actor=desk.l1, body="Ya", now=now + timedelta(hours=6, minutes=2))
        assert reload(ticket).sla_state == SlaState.BREACHED

    def test_an_internal_note_or_a_customer_message_does_not_count(self, desk, open_incident, now):
        ticket = open_incident(now=now)
        actions.add_note(ticket, actor=desk.l1, body="mirar", now=now + timedelta(minutes=5))
        actions.reply(ticket, actor=desk.lucia, body="¿Hay noticias?", now=now + timedelta(minutes=10))
        still = reload(ticket)
        assert still.sla_clock == SlaClock.FIRST_RESPONSE
        assert still.first_response_due_at == now + timedelta(hours=6)

    def test_a_customer_message_after_an_answer_starts_the_next_response_clock(self, desk, open_incident, now):
        ticket = open_incident(now=now)
        actions.reply(ticket, actor=desk.l1, body="Mirando", now=now + timedelta(hours=1))
        actions.reply(ticket, actor=desk.lucia, body="Sigue caído", now=now + timedelta(hours=3))
        actions.reply(ticket, actor=desk.lucia, body="¿Hola?", now=now + timedelta(hours=4))
        waiting = reload(ticket)
        assert waiting.sla_clock == SlaClock.NEXT_RESPONSE
        assert waiting.next_response_due_at == now + timedelta(hours=9)  # from the oldest unanswered

    def test_a_level_without_a_policy_has_no_clock(self, desk, now):
        SlaPolicy.objects.filter(level__code="L2").delete()
        ticket = reload(open_l2(desk, now))
        assert ticket.sla_clock == SlaClock.NONE
        assert ticket.sla_next_check_at is None


class TestABreachStaysOnItsLevel:
    def test_a_move_during_a_pause_measures_the_time_used_on_the_level_left(self, desk, open_incident):
        ticket = open_incident(now=madrid(2027, 3, 2, 11, 0))  # L1, 24/7
        actions.wait_for_customer(ticket, actor=desk.l1, now=madrid(2027, 3, 2, 13, 0))
        actions.transfer_to_assistance(ticket, actor=desk.l1, reason="No es incidencia", now=madrid(2027, 3, 2, 15, 0))
        moved = reload(ticket)
        assert (moved.sla_policy_level, moved.sla_elapsed, moved.sla_paused_at) == (
            "L2",
            timedelta(0),
            madrid(2027, 3, 2, 15, 0),
        )
        measured = SlaMeasurement.objects.get(ticket=ticket)
        assert (measured.level, measured.elapsed_seconds) == ("L1", 2 * 3600)  # the pause is not counted

    def test_an_l1_breach_stays_visible_after_the_move_to_l2(self, client, desk, open_incident):
        ticket = open_incident(now=madrid(2027, 3, 2, 11, 0))  # due 17:00 Madrid
        actions.transfer_to_assistance(ticket, actor=desk.l1, reason="No es incidencia", now=madrid(2027, 3, 2, 19, 0))
        moved = reload(ticket)
        assert moved.sla_policy_level == "L2" and moved.sla_state != "breached"  # L2's own promise runs
        assert SlaMeasurement.objects.get(ticket=ticket, level="L1").outcome == Outcome.BREACHED
        client.force_login(desk.l2)
        page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
        assert "Target missed on L1" in page
        assert "Target missed on L2" not in page
