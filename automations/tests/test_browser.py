"""In Chromium, in Spanish, English and French: a supervisor writes an automation in the console,
previews it, saves it, and sees it run on the next ticket that matches."""

from __future__ import annotations

import pytest

from conftest import DEMO_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "es": {
        "heading": "Automatizaciones",
        "saved": "Guardado: versión 1.",
        "matches": "1 ticket abierto coincide ahora",
    },
    "en": {"heading": "Automations", "saved": "Saved: version 1.", "matches": "1 open ticket matches now"},
    "fr": {
        "heading": "Automatisations",
        "saved": "Enregistré : version 1.",
        "matches": "1 ticket ouvert correspond maintenant",
    },
}


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def declare(desk, body: str):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from tickets import actions

    return actions.open_ticket(
        organisation=desk.lucia.organisation,
        requester=desk.lucia,
        service=desk.server,
        category=desk.category("server_no_ping"),
        subject="Server down",
        body=body,
        channel="manager",
        actor=desk.lucia,
        now=timezone.now(),
    )


@pytest.mark.parametrize("language", ["es", "en", "fr"])
def test_a_supervisor_writes_an_automation_and_sees_it_run_on_a_new_ticket(page, live_server, desk, language):
    from automations.models import Automation
    from tickets.models import EventKind, Ticket

    words = WORDS[language]
    desk.supervisor.language = language
    desk.supervisor.save(update_fields=["language"])
    waiting = declare(desk, "Our files were encrypted: ransomware")
    declare(desk, "It does not answer ping")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"{live_server.url}/console/**")
    page.click(f"nav >> text={words['heading']}")
    assert page.locator("h1").inner_text() == words["heading"]
    page.click("#new-automation")

    page.fill("#id_name", "Ransomware")
    page.select_option("#id_trigger", "opened")
    page.check("#field-level input[value=L1]")
    page.fill("#id_text", "ransomware")
    page.select_option("#id_set_priority", "critical")
    page.fill("#id_add_note", "Isolate {service_reference} before anything else.")
    page.click("button[name=preview]")
    page.wait_for_load_state()
    preview = page.locator("#preview")
    assert words["matches"] in preview.inner_text()
    assert f"#{waiting.number}" in preview.inner_text()
    screenshot(page, f"automations-preview-{language}")
    assert not Automation.objects.exists()  # a preview saves nothing

    page.click("button[name=save]")
    page.wait_for_url(f"{live_server.url}/console/automations/*/")
    assert words["saved"] in page.content()
    rule = Automation.objects.get()
    assert (rule.version, rule.updated_by) == (1, desk.supervisor)

    # A new ticket that matches: the rule runs once the ticket's event is dispatched.
    hit = declare(desk, "Ransomware on the server since 03:00")
    stored = Ticket.objects.get(pk=hit.pk)
    assert stored.priority == "critical"
    assert stored.events.filter(kind=EventKind.AUTOMATION).count() == 1

    page.goto(f"{live_server.url}/console/tickets/{hit.number}/")
    assert page.locator("#ticket-priority").get_attribute("data-priority") == "critical"
    history = page.locator("section[aria-labelledby=h-history]").inner_text()
    assert "Ransomware" in history
    assert f"Isolate {desk.server.reference} before anything else." in page.content()
    screenshot(page, f"automations-ran-{language}")

    page.goto(f"{live_server.url}/console/automations/{rule.pk}/")
    assert f"#{hit.number}" in page.locator("#runs").inner_text()
