"""The agents' e-mail preferences page."""

from __future__ import annotations

from conftest import DEMO_PASSWORD
from notifications.models import NotificationPreference


def test_an_agent_switches_reply_mails_off_and_on_again(client, desk):
    assert client.login(username="l1", password=DEMO_PASSWORD)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    assert 'id="event-ticket_reply"' in page.text and "checked" in page.text
    everything_but_replies = [
        "ticket_created",
        "ticket_status",
        "ticket_transferred",
        "incident_opened_from",
        "staff_alert",
        "sla_warning",
        "sla_breach",
        "intervention_assigned",
    ]
    response = client.post("/notifications/preferences/", {"events": everything_but_replies})
    assert response.status_code == 302
    assert list(NotificationPreference.objects.filter(user=desk.l1, email=False).values_list("event", flat=True)) == [
        "ticket_reply"
    ]
    assert 'value="ticket_reply" id="event-ticket_reply">' in client.get("/notifications/preferences/").text
    client.post("/notifications/preferences/", {"events": [*everything_but_replies, "ticket_reply"]})
    assert not NotificationPreference.objects.filter(user=desk.l1, email=False).exists()


def test_customers_have_no_preferences_page(client, desk):
    assert client.login(username="lm4321-ovh", password=DEMO_PASSWORD)
    assert client.get("/notifications/preferences/").status_code == 403
