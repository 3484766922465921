"""SLA warnings and breaches go through the desk's notifications, over real SMTP on 127.0.0.1,
to the assigned agent (with their own reply address) unless they switched that event off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications import addressing
from notifications.actions import set_preference
from notifications.models import Delivery, DeliveryStatus
from notifications.tests.conftest import sink  # noqa: F401 - the SMTP sink fixture
from slawatch.scan import scan
from tickets import actions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def assigned(desk, open_incident, now):  # type: ignore[no-untyped-def]
    desk.l1.email, desk.l1.language, desk.l1.time_zone = "l1@staff.example.com", "fr", "Europe/Paris"
    desk.l1.save(update_fields=["email", "language", "time_zone"])
    desk.supervisor.email = "boss@staff.example.com"
    desk.supervisor.save(update_fields=["email"])
    ticket = open_incident(now=now)
    actions.assign_ticket(ticket, assignee=desk.l1, actor=desk.l1, now=now)
    return ticket


def test_the_assigned_agent_gets_the_warning_in_their_language_with_their_own_reply_address(
    desk,
    assigned,
    now,
    sink,  # noqa: F811
):
    sink.messages.clear()
    scan(now + timedelta(hours=1))
    delivery = Delivery.objects.get(notification__event="sla_warning", address="l1@staff.example.com")
    assert (delivery.status, delivery.language, delivery.time_zone) == (DeliveryStatus.SENT, "fr", "Europe/Paris")
    assert delivery.tries.get().status == DeliveryStatus.SENT
    [message] = [m for m in sink.messages if m["To"] == "l1@staff.example.com"]
    assert message["Subject"] == f"[#{assigned.number}] Alerte SLA : une réponse est bientôt due"
    text = message.get_body(("plain",)).get_content()
    assert "17:00" in text and "(Europe/Paris)" in text  # due 16:00 UTC, read in Paris
    assert f"/console/tickets/{assigned.number}/" in text  # staff get the console's link
    assert addressing.parse_reply_address(str(message["Reply-To"])) == (assigned.number, desk.l1.pk)
    assert sorted(m["To"] for m in sink.messages) == ["boss@staff.example.com", "l1@staff.example.com"]


def test_an_agent_who_switched_warnings_off_gets_only_the_breach(
    desk,
    assigned,
    now,
    sink,  # noqa: F811
):
    set_preference(user=desk.l1, event="sla_warning", email=False)
    sink.messages.clear()
    scan(now + timedelta(hours=1))
    assert [m["To"] for m in sink.messages] == ["boss@staff.example.com"]
    assert not Delivery.objects.filter(notification__event="sla_warning", address="l1@staff.example.com").exists()
    sink.messages.clear()
    scan(now + timedelta(hours=6))
    assert sorted(m["To"] for m in sink.messages) == ["boss@staff.example.com", "l1@staff.example.com"]
    assert all("SLA" in m["Subject"] for m in sink.messages)
