"""A second customer can do nothing with the first customer's tickets or services, by any URL or field."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets import actions
from tickets.models import Attachment, Message, Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def lucias_ticket(desk, open_incident, now):  # type: ignore[no-untyped-def]
    ticket = open_incident(attachments=[SimpleUploadedFile("traceroute.txt", b"hops")])
    return ticket


def _counts() -> tuple[int, int, int, int]:
    return Ticket.objects.count(), Message.objects.count(), Attachment.objects.count(), TicketEvent.objects.count()


def _state(ticket):  # type: ignore[no-untyped-def]
    ticket.refresh_from_db()
    return ticket.status, ticket.score, ticket.reopen_count, ticket.updated_at


@pytest.mark.parametrize(
    "method,name,data",
    [
        ("get", "portal:ticket", None),
        ("post", "portal:ticket_reply", {"body": "intrusión"}),
        ("post", "portal:ticket_close", {}),
        ("post", "portal:ticket_reopen", {"reason": "intrusión"}),
        ("post", "portal:ticket_score", {"score": "1"}),
    ],
)
def test_another_customer_gets_404_and_writes_nothing(client, desk, lucias_ticket, method, name, data):
    client.force_login(desk.other)
    before, state = _counts(), _state(lucias_ticket)
    response = getattr(client, method)(reverse(name, args=[lucias_ticket.number]), data)
    assert response.status_code == 404
    assert _counts() == before and _state(lucias_ticket) == state


def test_a_closed_ticket_of_another_customer_cannot_be_scored_or_reopened(client, desk, lucias_ticket, now):
    actions.close_ticket(lucias_ticket, actor=desk.lucia, now=now)
    client.force_login(desk.other)
    before, state = _counts(), _state(lucias_ticket)
    assert client.post(reverse("portal:ticket_score", args=[lucias_ticket.number]), {"score": "1"}).status_code == 404
    assert client.post(reverse("portal:ticket_reopen", args=[lucias_ticket.number]), {"reason": "x"}).status_code == 404
    assert _counts() == before and _state(lucias_ticket) == state


def test_another_customer_cannot_download_the_attachments(client, desk, lucias_ticket):
    token = Attachment.objects.get(ticket=lucias_ticket).token
    client.force_login(desk.other)
    assert client.get(reverse("portal:attachment", args=[lucias_ticket.number, token])).status_code == 404


def test_a_token_from_another_ticket_is_not_served_through_ones_own_ticket(client, desk, lucias_ticket, now):
    token = Attachment.objects.get(ticket=lucias_ticket).token
    own = actions.open_ticket(
        organisation=desk.other.organisation,
        requester=desk.other,
        service=desk.other_service,
        category=desk.category("hosting_unreachable"),
        subject="down",
        body="down",
        channel="manager",
        actor=desk.other,
        now=now,
    )
    client.force_login(desk.other)
    assert client.get(reverse("portal:attachment", args=[own.number, token])).status_code == 404


def test_another_customers_ticket_is_not_listed_nor_filterable(client, desk, lucias_ticket):
    client.force_login(desk.other)
    page = client.get(reverse("portal:support"), {"service": desk.server.reference}).text
    assert f"#{lucias_ticket.number}" not in page
    assert desk.server.reference not in page.split("<main", 1)[1].replace(f"service={desk.server.reference}", "")


def test_logged_out_visitors_are_sent_to_the_login(client, desk, lucias_ticket):
    token = Attachment.objects.get(ticket=lucias_ticket).token
    for path in (
        reverse("portal:ticket", args=[lucias_ticket.number]),
        reverse("portal:attachment", args=[lucias_ticket.number, token]),
        reverse("portal:support"),
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("form", ["portal:incident_new", "portal:assistance_new"])
def test_another_customers_service_cannot_be_picked_in_either_form(client, desk, form):
    client.force_login(desk.other)
    before = _counts()
    response = client.post(
        reverse(form),
        {
            "type": "server_no_ping" if "incident" in form else "install_site",
            "service": desk.server.reference,
            "description": "x",
        },
    )
    assert response.status_code == 400 and _counts() == before
    # Not by primary key either.
    response = client.post(
        reverse(form),
        {
            "type": "server_no_ping" if "incident" in form else "install_site",
            "service": str(desk.server.pk),
            "description": "x",
        },
    )
    assert response.status_code == 400 and _counts() == before
