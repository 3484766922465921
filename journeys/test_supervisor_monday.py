"""Journey 7, a supervisor's Monday, in a real Chromium: last week on the dashboard and in the
SLA report (first responses against 1–6 h and 12–24 h, the breaches with their tickets, transfers
between levels, scores, the backlog now), then a regional holiday added to the L2 calendar in the
administration moves the due time of an open L2 ticket."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import screenshot
from journeys.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MADRID = ZoneInfo("Europe/Madrid")


def madrid(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID)


def last_week(desk):  # type: ignore[no-untyped-def]
    """Monday 1 – Friday 5 March 2027, through the real actions."""
    from tickets import actions

    def incident(at: datetime, subject: str):  # type: ignore[no-untyped-def]
        return actions.open_ticket(
            organisation=desk.lucia.organisation,
            requester=desk.lucia,
            service=desk.server,
            category=desk.category("server_no_ping"),
            subject=subject,
            body="No responde.",
            channel="manager",
            actor=desk.lucia,
            now=at,
        )

    def assistance(at: datetime, subject: str, category: str = "configure_mail"):  # type: ignore[no-untyped-def]
        return actions.open_ticket(
            organisation=desk.pedro.organisation,
            requester=desk.pedro,
            service=desk.mail,
            category=desk.category(category),
            subject=subject,
            body="¿Cómo se hace?",
            channel="manager",
            actor=desk.pedro,
            now=at,
        )

    answered = incident(madrid(2027, 3, 1, 3, 10), "Servidor caído el lunes")
    actions.reply(answered, actor=desk.l1, body="Lo miramos.", now=madrid(2027, 3, 1, 3, 40))
    actions.resolve_ticket(answered, actor=desk.l1, now=madrid(2027, 3, 1, 5, 0))
    actions.close_ticket(answered, actor=desk.lucia, now=madrid(2027, 3, 1, 6, 0))
    actions.score_ticket(answered, actor=desk.lucia, score=5, now=madrid(2027, 3, 1, 6, 1))

    late = incident(madrid(2027, 3, 2, 1, 0), "Servidor caído el martes de madrugada")
    actions.reply(late, actor=desk.l1, body="Perdone la espera.", now=madrid(2027, 3, 2, 9, 0))  # 8 h > 6 h

    not_an_incident = incident(madrid(2027, 3, 3, 11, 0), "No envía correo")
    actions.transfer_to_assistance(
        not_an_incident, actor=desk.l1, reason="Responde al ping", now=madrid(2027, 3, 3, 11, 20)
    )

    really_down = assistance(madrid(2027, 3, 4, 10, 0), "Instalar WordPress", "install_site")
    actions.open_incident_from(
        really_down,
        actor=desk.l2,
        reason="El correo no sale",
        category=desk.category("mail_cannot_send"),  # an incident type that fits a mail service
        now=madrid(2027, 3, 4, 10, 30),
    )

    paid_work = assistance(madrid(2027, 3, 5, 10, 0), "Recompilar PHP", "technical_other")
    actions.hand_off_for_quote(paid_work, actor=desk.l2, reason="Requiere infogerencia", now=madrid(2027, 3, 5, 10, 15))

    waiting = assistance(madrid(2027, 3, 5, 17, 30), "Configurar una cuenta de correo")
    return late, waiting


def test_a_supervisors_monday(live_server, desk, chromium):  # type: ignore[no-untyped-def]
    from sla.models import BusinessCalendar

    late, waiting = last_week(desk)
    waiting.refresh_from_db()
    # 24 business hours from Friday 17:30 on Mon–Fri 09:00–18:00: Wednesday 14:30.
    assert waiting.first_response_due_at == madrid(2027, 3, 10, 14, 30)

    with time_machine.travel(madrid(2027, 3, 8, 9, 0), tick=True):
        page = log_in(chromium, live_server, desk.supervisor.username)
        page.wait_for_url("**/console/**")

        # The dashboard: last week against the targets, transfers, scores, the backlog now.
        page.goto("/console/dashboard/")
        screenshot(page, "journey7-dashboard")
        first = page.locator("section[aria-labelledby=h-first] tbody tr")
        rows = {first.nth(i).locator("td").first.inner_text(): first.nth(i).inner_text() for i in range(first.count())}
        assert set(rows) >= {"L1", "L2"}
        assert "\t6 h\t" in rows["L1"]  # the 1–6 h promise
        transfers = page.locator("section[aria-labelledby=h-transfers] tbody").inner_text()
        assert "01/03/2027\t1\t1\t1" in transfers  # L1→L2, L2→L1, →L3 in the week of 1 March
        scores = page.locator("section[aria-labelledby=h-scores] tbody tr").first.inner_text()
        assert scores.startswith("L1\t1\t5.00")
        backlog = page.locator("section[aria-labelledby=h-backlog] tbody").inner_text()
        assert "L2" in backlog and "L1" in backlog
        assert page.locator("svg").count() >= 3  # charts drawn by the server

        # The SLA report names the late ticket.
        page.click("nav >> text=SLA report")
        screenshot(page, "journey7-sla-report")
        breaches = page.locator("section[aria-labelledby=breaches]")
        assert breaches.locator(f"a:has-text('#{late.number}')").count() == 1
        assert "8 h" in breaches.inner_text()

        # Tuesday 9 March becomes a closed day on the L2 calendar, in the administration.
        calendar = BusinessCalendar.objects.get(code="madrid-business")
        page.goto(f"/admin/sla/businesscalendar/{calendar.pk}/change/")
        page.fill("#id_closures", '["2027-03-09"]')
        page.click("input[name=_save]")
        page.wait_for_url("**/admin/sla/businesscalendar/")
        assert page.locator(".messagelist .success").count() == 1
        screenshot(page, "journey7-calendar-saved")

        waiting.refresh_from_db()
        assert waiting.first_response_due_at == madrid(2027, 3, 11, 14, 30)  # one business day later
        page.goto(f"/console/tickets/{waiting.number}/")
        due = page.locator("time[datetime]").first.get_attribute("datetime")
        assert due is not None and datetime.fromisoformat(due) == madrid(2027, 3, 11, 14, 30)
        page.context.close()
