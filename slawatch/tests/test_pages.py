"""What people see: the due time in their own zone, queue order and marks, the SLA report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from sla.tests.conftest import madrid
from slawatch.chart import bar_chart
from slawatch.queries import first_response_report
from slawatch.scan import scan
from tickets import actions
from tickets.models import SlaMeasurement


class TestTicketClock:
    def test_the_customer_sees_when_an_answer_is_due_in_their_own_time_zone(self, client, desk, open_incident, now):
        desk.lucia.time_zone = "America/Mexico_City"
        desk.lucia.save(update_fields=["time_zone"])
        ticket = open_incident(now=now)  # due 16:00 UTC = 10:00 in Mexico City
        client.force_login(desk.lucia)
        page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
        assert "An answer is due by" in page
        assert 'datetime="2027-03-02T10:00:00-06:00"' in page
        assert "America/Mexico_City" in page
        assert "Target missed" not in page and "Warning at" not in page

    def test_the_customer_sees_the_pause_while_we_wait_for_them(self, client, desk, open_incident, now):
        ticket = open_incident(now=now)
        actions.wait_for_customer(ticket, actor=desk.l1, now=now + timedelta(minutes=5))
        client.force_login(desk.lucia)
        page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
        assert "We are waiting for your reply" in page

    def test_staff_see_the_breach_mark_and_the_warning_time(self, client, desk, open_incident, now):
        ticket = open_incident(now=now)
        scan(now + timedelta(hours=6))
        client.force_login(desk.l1)
        page = client.get(reverse("console:ticket", args=[ticket.number])).content.decode()
        assert "Target missed" in page
        assert "Warning at" in page


class TestQueue:
    def test_it_sorts_by_due_time_with_marks_and_unanswerable_last(
        self, client, desk, open_incident, now, django_assert_max_num_queries
    ):
        later = open_incident(now=now)
        sooner = open_incident(now=now - timedelta(hours=5))
        paused = open_incident(now=now - timedelta(hours=10))
        actions.wait_for_customer(paused, actor=desk.l1, now=now - timedelta(hours=9))
        scan(now - timedelta(minutes=30))  # "sooner" is past its 1 h warning
        client.force_login(desk.l1)
        with django_assert_max_num_queries(8):
            page = client.get(reverse("console:queue") + "?level=L1").content.decode()
        positions = [page.index(f"#{t.number}<") for t in (sooner, later, paused)]
        assert positions == sorted(positions)
        assert "Due soon" in page and "Paused" in page


class TestReport:
    def _history(self, desk, open_incident):
        monday = madrid(2027, 3, 1, 10, 0)
        for hours in (0.5, 1, 2, 8):  # three met, one late (8 h > 6 h)
            ticket = open_incident(now=monday)
            actions.reply(ticket, actor=desk.l1, body="Hola", now=monday + timedelta(hours=hours))
        l2 = actions.open_ticket(
            organisation=desk.pedro.organisation,
            requester=desk.pedro,
            service=desk.mail,
            category=desk.category("configure_mail"),
            subject="Correo",
            body="Ayuda",
            channel="manager",
            actor=desk.pedro,
            now=monday,
        )
        actions.reply(l2, actor=desk.l2, body="Hola", now=monday + timedelta(hours=3))

    def test_it_counts_met_and_breached_with_median_and_average_in_sql(
        self, desk, open_incident, django_assert_num_queries
    ):
        self._history(desk, open_incident)
        with django_assert_num_queries(2):
            rows = first_response_report(madrid(2027, 2, 1, 0, 0), madrid(2027, 4, 1, 0, 0))
        l1 = next(row for row in rows if row.level == "L1")
        assert (l1.met, l1.breached) == (3, 1)
        assert l1.median_hours == pytest.approx(1.5)
        assert l1.avg_hours == pytest.approx((0.5 + 1 + 2 + 8) / 4)
        assert l1.target_hours == 6
        l2 = next(row for row in rows if row.level == "L2")
        assert (l2.met, l2.breached, l2.median_hours) == (1, 0, pytest.approx(3))

    def test_it_lists_the_breaches_with_their_tickets_in_fixed_queries(
        self, client, desk, open_incident, time_machine, django_assert_num_queries
    ):
        self._history(desk, open_incident)
        late = next(m.ticket for m in SlaMeasurement.objects.filter(outcome="breached"))
        on_time = [m.ticket for m in SlaMeasurement.objects.filter(outcome="met")]
        time_machine.move_to(madrid(2027, 3, 10, 9, 0), tick=False)
        client.force_login(desk.supervisor)
        with django_assert_num_queries(8):
            page = client.get(reverse("console:sla_report")).content.decode()
        breaches = page[page.index('id="breaches"') :]
        assert f'href="{reverse("console:ticket", args=[late.number])}"' in breaches
        assert "8 h" in breaches and "6 h" in breaches  # used against the target
        assert not any(f">#{ticket.number}<" in breaches for ticket in on_time)
        for _ in range(3):
            self._history(desk, open_incident)
        with django_assert_num_queries(8):  # four breaches cost what one did
            page = client.get(reverse("console:sla_report")).content.decode()
        assert page[page.index('id="breaches"') :].count("<tr><td><a href=") == 4

    def test_tickets_still_unanswered_past_their_due_time_are_listed_and_counted(
        self, client, desk, open_incident, time_machine
    ):
        monday = madrid(2027, 3, 1, 10, 0)
        waiting = open_incident(now=monday, subject="Nadie contesta")  # L1: due 16:00, never answered
        answered = open_incident(now=monday)
        actions.reply(answered, actor=desk.l1, body="Hola", now=monday + timedelta(hours=1))
        time_machine.move_to(madrid(2027, 3, 2, 9, 0), tick=False)
        client.force_login(desk.supervisor)
        page = client.get(reverse("console:sla_report")).content.decode()
        breaches = page[page.index('id="breaches"') :]
        assert "No response was late in this period." not in breaches
        assert f'href="{reverse("console:ticket", args=[waiting.number])}"' in breaches
        assert f">#{answered.number}<" not in breaches
        assert "1 ticket is still waiting for an answer past its due time" in page

    def test_the_page_is_for_staff_with_a_chart(self, client, desk, open_incident, time_machine):
        self._history(desk, open_incident)
        time_machine.move_to(madrid(2027, 3, 10, 9, 0), tick=False)
        client.force_login(desk.lucia)
        assert client.get(reverse("console:sla_report")).status_code == 403
        client.force_login(desk.supervisor)
        page = client.get(reverse("console:sla_report")).content.decode()
        assert "<svg" in page and "<rect" in page
        assert "Median first-response time per week on L1" in page
        assert client.get(reverse("console:sla_report") + "?weeks=nonsense").status_code == 200

    def test_the_chart_scales_bars_against_the_target(self):
        chart = bar_chart([("01/03", 3.0), ("08/03", 9.0), ("15/03", None)], 6.0)
        short, tall, empty = chart.bars
        assert tall.height == pytest.approx(short.height * 3, abs=0.2)
        assert tall.late and not short.late and empty.height == 0
        assert chart.bars[0].y + chart.bars[0].height == chart.axis_y
