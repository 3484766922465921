"""Queues per level: filters, counts, views, claim, bulk actions and a fixed query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets import actions
from tickets.models import Status, Ticket


def numbers(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [t.number for t in response.context["tickets"]]


def test_it_shows_the_agents_level_by_default_oldest_first(client, desk, open_incident, now):
    first, second = open_incident(), open_incident(subject="Otro")
    client.force_login(desk.l1)
    response = client.get(reverse("console:queue"))
    assert response.status_code == 200
    assert numbers(response) == [first.number, second.number]
    assert response.context["counts"]["all"] == 2


def test_customers_are_refused(client, desk):
    client.force_login(desk.lucia)
    assert client.get(reverse("console:queue")).status_code == 403


def test_it_filters_and_counts_per_filter(client, desk, open_incident, now):
    server = open_incident()
    mail = open_incident(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.mail,
        category=desk.category("mail_cannot_send"),
        actor=desk.pedro,
        channel="email",
    )
    actions.claim_ticket(server, actor=desk.l1, now=now)
    client.force_login(desk.l1)
    response = client.get(reverse("console:queue"), {"product": "mail"})
    assert numbers(response) == [mail.number]
    counts = response.context["counts"]
    assert counts["product:mail"] == 1 and counts["product:dedicated"] == 1
    assert counts["channel:email"] == 1 and counts["channel:manager"] == 1
    assert counts["status:open"] == 1 and counts["status:new"] == 1
    assert counts[f"category:{desk.category('mail_cannot_send').pk}"] == 1
    assert numbers(client.get(reverse("console:queue"), {"assignee": "me"})) == [server.number]
    assert numbers(client.get(reverse("console:queue"), {"assignee": "none"})) == [mail.number]
    assert numbers(client.get(reverse("console:queue"), {"channel": "email"})) == [mail.number]
    assert numbers(client.get(reverse("console:queue"), {"status": "open"})) == [server.number]
    assert numbers(client.get(reverse("console:queue"), {"team": "l1-incidents"})) == [server.number, mail.number]
    # Unknown values are ignored, not a server error.
    assert client.get(reverse("console:queue"), {"status": "bogus", "category": "x", "page": "y"}).status_code == 200


def test_another_level_is_shown_on_request(client, desk, open_incident):
    open_incident()
    client.force_login(desk.l2)
    assert numbers(client.get(reverse("console:queue"))) == []
    assert len(numbers(client.get(reverse("console:queue"), {"level": "L1"}))) == 1


def test_it_marks_tickets_past_their_first_response_target(client, desk, open_incident, now):
    from datetime import timedelta

    from django.utils import timezone

    real_now = timezone.now()  # the queue marks against the real clock
    old = open_incident(now=real_now - timedelta(hours=7))
    warned = open_incident(now=real_now - timedelta(hours=2))
    fresh = open_incident(now=real_now - timedelta(minutes=5))
    answered = open_incident(now=real_now - timedelta(hours=8))
    actions.reply(answered, actor=desk.l1, body="Lo miramos.", now=real_now - timedelta(hours=7, minutes=30))
    client.force_login(desk.l1)
    response = client.get(reverse("console:queue"))
    marks = {t.number: t.sla_mark for t in response.context["tickets"]}
    assert marks == {old.number: "breach", warned.number: "warning", fresh.number: "", answered.number: ""}
    assert response.text.count('class="badge bad"') == 1
    assert response.text.count('class="badge warn"') == 1


def test_claim_from_the_queue_and_a_second_claim_is_refused(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l1)
    response = client.post(
        reverse("console:bulk"), {"action": "claim", "tickets": [ticket.number], "next": "/console/?level=L1"}
    )
    assert response.status_code == 302 and response["Location"] == "/console/?level=L1"
    ticket.refresh_from_db()
    assert ticket.assignee == desk.l1 and ticket.status == Status.OPEN
    client.force_login(desk.supervisor)
    response = client.post(reverse("console:bulk"), {"action": "claim", "tickets": [ticket.number]}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any(str(ticket.number) in t for t in texts)
    ticket.refresh_from_db()
    assert ticket.assignee == desk.l1


def test_bulk_actions_report_refusals_ticket_by_ticket(client, desk, open_incident, now):
    one, two, three = open_incident(), open_incident(), open_incident()
    actions.resolve_ticket(three, actor=desk.l1, now=now)
    client.force_login(desk.l1)
    response = client.post(
        reverse("console:bulk"), {"action": "wait", "tickets": [one.number, two.number, three.number]}, follow=True
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any(t.startswith(f"#{three.number}:") for t in texts)
    assert Ticket.objects.filter(status=Status.WAITING_CUSTOMER).count() == 2
    response = client.post(
        reverse("console:bulk"),
        {"action": "assign", "assignee": desk.l2.pk, "tickets": [one.number]},
        follow=True,
    )
    one.refresh_from_db()
    assert one.assignee is None
    assert any(f"#{one.number}:" in str(m) for m in response.context["messages"])
    client.post(reverse("console:bulk"), {"action": "assign", "assignee": desk.l1.pk, "tickets": [one.number]})
    one.refresh_from_db()
    assert one.assignee == desk.l1
    client.post(reverse("console:bulk"), {"action": "resolve", "tickets": [one.number, two.number]})
    assert Ticket.objects.filter(status=Status.RESOLVED).count() == 3


def test_bulk_without_action_or_tickets_says_so(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l1)
    response = client.post(reverse("console:bulk"), {"tickets": [ticket.number]}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    response = client.post(reverse("console:bulk"), {"action": "claim"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_an_agent_of_another_level_cannot_bulk_claim(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l2)
    client.post(reverse("console:bulk"), {"action": "claim", "tickets": [ticket.number]})
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_it_pages_through_a_bounded_number_of_pages(client, desk, open_incident, settings):
    settings.CONSOLE_PAGE_SIZE = 10
    settings.CONSOLE_MAX_PAGES = 2
    made = [open_incident().number for _ in range(25)]
    client.force_login(desk.l1)
    first = client.get(reverse("console:queue"))
    assert numbers(first) == made[:10] and first.context["has_next"]
    second = client.get(reverse("console:queue"), {"page": 2})
    assert numbers(second) == made[10:20] and not second.context["has_next"]
    assert numbers(client.get(reverse("console:queue"), {"page": 9})) == made[10:20]


def _queries_for(client, url, params=None) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"assignee": "none"}, {"assignee": "me"}, {"product": "dedicated"}])
def test_the_queue_costs_the_same_with_1_or_30_tickets(client, desk, open_incident, now, params):
    first = open_incident()
    actions.claim_ticket(first, actor=desk.l1, now=now)
    client.force_login(desk.l1)
    url = reverse("console:queue")
    _queries_for(client, url, params)  # warm the session and content types
    with_one = _queries_for(client, url, params)
    for index in range(29):
        ticket = open_incident()
        if index % 3 == 0:
            actions.claim_ticket(ticket, actor=desk.l1, now=now)
    with_thirty = _queries_for(client, url, params)
    assert with_one == with_thirty
    assert with_one <= 10


def test_claiming_one_ticket_says_one_ticket(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l1)
    response = client.post(reverse("console:bulk"), {"action": "claim", "tickets": [ticket.number]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["1 ticket updated."]
