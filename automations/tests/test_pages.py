"""The rule editor in the console: supervisors only, refusals keep what was typed, the preview."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from automations.models import Automation
from tickets import actions
from tickets.models import Ticket

NEW = reverse("automations:new")


def form(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Ransomware is critical",
        "trigger": "opened",
        "position": "10",
        "active": "on",
        "level": ["L1"],
        "text": "ransomware",
        "set_priority": "critical",
        "add_note": "Isolate {service_reference}.",
        **extra,
    }


def ransom(desk: Any, now: Any, body: str) -> Ticket:
    return actions.open_ticket(
        organisation=desk.lucia.organisation,
        requester=desk.lucia,
        service=desk.server,
        category=desk.category("server_no_ping"),
        subject="Server down",
        body=body,
        channel="manager",
        actor=desk.lucia,
        now=now,
    )


def test_only_supervisors_see_and_write_the_rules(client, desk):
    client.force_login(desk.l1)
    assert client.get(reverse("automations:list")).status_code == 403
    assert client.post(NEW, form()).status_code == 403
    client.force_login(desk.lucia)
    assert client.get(reverse("automations:list")).status_code in {302, 403}
    assert not Automation.objects.exists()


def test_a_supervisor_writes_a_rule_and_changes_it_as_a_new_version(client, desk):
    client.force_login(desk.supervisor)
    assert "Automations" in client.get(reverse("console:queue")).text
    saved = client.post(NEW, form())
    rule = Automation.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("automations:edit", args=[rule.pk])
    assert rule.conditions == {"level": ["L1"], "text": "ransomware"}
    assert rule.steps == [
        {"type": "set_priority", "priority": "critical"},
        {"type": "add_note", "text": "Isolate {service_reference}."},
    ]
    page = client.get(reverse("automations:edit", args=[rule.pk])).text
    assert 'value="Ransomware is critical"' in page and "version 1" in page
    client.post(reverse("automations:edit", args=[rule.pk]), form(set_priority="high"))
    rule.refresh_from_db()
    assert rule.version == 2 and rule.steps[0]["priority"] == "high"
    assert "Ransomware is critical" in client.get(reverse("automations:list")).text


def test_a_bad_rule_is_refused_with_its_field_marked_and_what_was_typed_kept(client, desk):
    client.force_login(desk.supervisor)
    response = client.post(NEW, form(set_priority="", add_note="", trigger="no_customer_reply"))
    assert response.status_code == 400
    assert "Give a number of hours from 1 to 2160." in response.text
    assert 'value="Ransomware is critical"' in response.text
    response = client.post(NEW, form(set_priority="", add_note="", reply_es="Hola"))
    assert response.status_code == 400 and "Write the text." in response.text
    response = client.post(NEW, form(set_priority="", add_note=""))
    assert response.status_code == 400 and "Give the rule at least one action." in response.text
    assert not Automation.objects.exists()


def test_the_preview_lists_the_open_tickets_that_match_now_and_saves_nothing(client, desk, now):
    hit = ransom(desk, now, "Encrypted by ransomware")
    ransom(desk, now, "No ping")
    closed = ransom(desk, now, "ransomware again")
    actions.resolve_ticket(closed, actor=desk.l1, now=now)
    client.force_login(desk.supervisor)
    response = client.post(NEW, {**form(), "preview": "1"})
    assert response.status_code == 200
    assert "1 open ticket matches now" in response.text
    assert f"#{hit.number}" in response.text and f"#{closed.number}" not in response.text
    assert not Automation.objects.exists()
