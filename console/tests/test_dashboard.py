"""The supervisor's dashboard: aggregates in SQL, charts as inline SVG, a fixed query count."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console import charts
from console import queries as console_queries
from tickets import actions


def l2_ticket(desk, now):  # type: ignore[no-untyped-def]
    return actions.open_ticket(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.hosting,
        category=desk.category("install_site"),
        subject="Instalar WordPress",
        body="Quiero instalar WordPress.",
        channel="manager",
        actor=desk.pedro,
        now=now,
    )


def scenario(desk, open_incident, now):  # type: ignore[no-untyped-def]
    """Met, breached and pending first responses; one move of each kind; two scores."""
    met = open_incident(now=now - timedelta(hours=10))
    actions.reply(met, actor=desk.l1, body="Visto", now=now - timedelta(hours=9))  # 1 h: met (target 6 h)
    late = open_incident(now=now - timedelta(hours=20))
    actions.reply(late, actor=desk.l1, body="Tarde", now=now - timedelta(hours=10))  # 10 h: breached
    open_incident(now=now - timedelta(hours=8))  # unanswered past the target: breached
    open_incident(now=now - timedelta(minutes=10))  # unanswered, still in time
    moved = open_incident(now=now - timedelta(hours=1))
    actions.transfer_to_assistance(moved, actor=desk.l1, reason="No es incidencia", now=now)
    assistance = l2_ticket(desk, now - timedelta(hours=2))
    actions.open_incident_from(
        assistance, actor=desk.l2, reason="Error 500", category=desk.category("hosting_unreachable"), now=now
    )
    handed = open_incident(now=now - timedelta(minutes=30))
    actions.hand_off_for_quote(handed, actor=desk.l1, reason="Recompilar PHP", now=now)
    for score in (5, 3):
        ticket = open_incident(now=now - timedelta(hours=3))
        actions.resolve_ticket(ticket, actor=desk.l1, now=now - timedelta(hours=1))
        actions.close_ticket(ticket, actor=desk.lucia, now=now - timedelta(minutes=30))
        actions.score_ticket(ticket, actor=desk.lucia, score=score, now=now - timedelta(minutes=20))


def test_the_aggregates(desk, open_incident):
    now = timezone.now()
    scenario(desk, open_incident, now)
    data = console_queries.dashboard(now)
    backlog = {(row["level"].code, row["team"].code if row["team"] else None): row["total"] for row in data.backlog}
    assert backlog[("L1", "l1-incidents")] == 5  # met, late, unanswered ×2, the linked incident
    assert backlog[("L2", "l2-technical")] == 2  # moved + the assistance ticket
    assert backlog[("L2", "l2-commercial")] == 1  # handed off for a quote
    l1 = next(row for row in data.first_response if row["level"].code == "L1")
    assert l1["met"] == 1
    assert l1["breached"] == 2
    assert l1["average"] is not None
    # Summed over the weeks: a run early on a Monday puts the older tickets in last week.
    weekly = [(row["met"], row["breached"]) for row in data.sla_weeks]
    assert (sum(m for m, _b in weekly), sum(b for _m, b in weekly)) == (1, 2)
    moves = data.transfer_weeks[-1]
    assert (moves["l1_l2"], moves["l2_l1"], moves["to_l3"]) == (1, 1, 1)
    assert len(data.sla_weeks) == len(data.transfer_weeks) == console_queries.WEEKS
    l1_scores = next(row for row in data.scores if row["level"].code == "L1")
    assert (l1_scores["count"], l1_scores["s5"], l1_scores["s3"]) == (2, 1, 1)
    assert float(l1_scores["average"]) == 4.0


def test_the_page_is_for_supervisors_and_draws_svg_with_tables(client, desk, open_incident):
    scenario(desk, open_incident, timezone.now())
    client.force_login(desk.l1)
    assert client.get(reverse("console:dashboard")).status_code == 403
    client.force_login(desk.supervisor)
    response = client.get(reverse("console:dashboard"))
    assert response.status_code == 200
    assert response.text.count("<svg") >= 4  # the charts, and the per-plan and priority figures
    assert 'role="img"' in response.text and "<table" in response.text
    assert "<script" not in response.text


def test_the_dashboard_costs_the_same_with_1_or_30_tickets(client, desk, open_incident):
    now = timezone.now()
    open_incident(now=now - timedelta(hours=1))
    client.force_login(desk.supervisor)
    client.get(reverse("console:dashboard"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("console:dashboard"))
    scenario(desk, open_incident, now)
    for index in range(20):
        open_incident(now=now - timedelta(days=index * 3, hours=1))
    with CaptureQueriesContext(connection) as thirty:
        client.get(reverse("console:dashboard"))
    assert len(one) == len(thirty)


def test_bars_scale_to_the_largest_value():
    chart = charts.bars([("a", [10, 5]), ("b", [0, 20])], ["x", "y"])
    widths = [[bar.width for bar in group.bars] for group in chart.groups]
    assert widths == [[charts.PLOT_WIDTH // 2, charts.PLOT_WIDTH // 4], [0, charts.PLOT_WIDTH]]
    assert charts.bars([], ["x"]).empty


def test_a_moved_ticket_counts_on_the_level_whose_promise_was_measured(client, desk, open_incident):
    """Late on L1, moved, then answered in time on L2: breached on L1 and met on L2, not both on L2."""
    now = timezone.now()
    ticket = open_incident(now=now - timedelta(hours=20))
    actions.transfer_to_assistance(ticket, actor=desk.l1, reason="No es incidencia", now=now - timedelta(hours=10))
    actions.reply(ticket, actor=desk.l2, body="Le ayudamos", now=now - timedelta(hours=9, minutes=59))
    data = console_queries.dashboard(now)
    rows = {row["level"].code: row for row in data.first_response}
    assert (rows["L1"]["met"], rows["L1"]["breached"]) == (0, 1)
    assert (rows["L2"]["met"], rows["L2"]["breached"]) == (1, 0)
    assert (rows["L1"]["total"], rows["L2"]["total"]) == (0, 1)  # opened tickets: where they are now
    by_level: dict[str, tuple[int, int]] = {}
    for week in data.sla_weeks:
        for cell in week["levels"]:
            met, breached = by_level.get(cell["level"].code, (0, 0))
            by_level[cell["level"].code] = (met + cell["met"], breached + cell["breached"])
    assert by_level == {"L1": (0, 1), "L2": (1, 0)}
    assert sum(week["met"] for week in data.sla_weeks) == sum(week["breached"] for week in data.sla_weeks) == 1
    client.force_login(desk.supervisor)
    table = client.get(reverse("console:dashboard")).text.split('id="sla-weeks"', 1)[1]
    assert "L1: met / breached" in table and "0 / 1" in table and "1 / 0" in table


def test_a_late_promise_still_running_on_the_new_level_counts_there(desk, open_incident):
    """Answered on L1, moved, and L2's own first answer now overdue: breached on L2."""
    now = timezone.now()
    ticket = open_incident(now=now - timedelta(days=12))
    actions.reply(ticket, actor=desk.l1, body="Visto", now=now - timedelta(days=12) + timedelta(minutes=30))
    actions.transfer_to_assistance(ticket, actor=desk.l1, reason="No es incidencia", now=now - timedelta(days=11))
    data = console_queries.dashboard(now)
    rows = {row["level"].code: row for row in data.first_response}
    assert (rows["L1"]["met"], rows["L1"]["breached"]) == (1, 0)
    assert (rows["L2"]["met"], rows["L2"]["breached"]) == (0, 1)
