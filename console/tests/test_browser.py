"""The console in a real Chromium: claim, move, open a linked incident, take a call, search."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import DEMO_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CTI_SECRET = "browser-cti-secret"


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    screenshot(page, f"console-{name}")


def login(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"{live_server.url}/console/**")


def test_claim_an_l1_ticket_and_move_it_to_l2_with_a_reason(page, live_server, desk, open_incident):
    from django.utils import timezone

    from tickets.models import Ticket

    ticket = open_incident(now=timezone.now())
    login(page, live_server, "l1")
    page.goto(f"{live_server.url}/console/?level=L1")
    row = page.locator("tr", has_text=f"#{ticket.number}")
    row.get_by_role("button", name="Claim").click()
    page.wait_for_load_state()
    assert page.locator("tr", has_text=f"#{ticket.number}").locator("td").nth(5).inner_text() == "l1"
    shot(page, "queue-claimed")
    page.click(f"text=#{ticket.number}")
    form = page.locator("#move-not_an_incident")
    form.get_by_label("Reason (required)").fill("Answers ping: configuration, not hardware.")
    form.get_by_label("Message to the customer (optional)").fill("The assistance team will help you.")
    form.get_by_role("button").click()
    page.wait_for_load_state()
    shot(page, "moved-to-l2")
    ticket = Ticket.objects.select_related("level").get(pk=ticket.pk)
    assert ticket.level.code == "L2"
    assert "Answers ping: configuration, not hardware." in page.content()


def test_open_a_linked_l1_incident_from_an_l2_ticket(page, live_server, desk, now):
    from django.utils import timezone

    from tickets import actions
    from tickets.models import LinkKind, TicketLink

    ticket = actions.open_ticket(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.hosting,
        category=desk.category("install_site"),
        subject="Install WordPress",
        body="The site shows error 500.",
        channel="manager",
        actor=desk.pedro,
        now=timezone.now(),
    )
    login(page, live_server, "l2")
    page.goto(f"{live_server.url}/console/tickets/{ticket.number}/")
    assert page.locator("#move-not_an_incident").count() == 0  # the rules forbid it on L2
    form = page.locator("#move-is_an_incident")
    form.get_by_label("Level 1 incident type").select_option(value=str(desk.category("hosting_unreachable").pk))
    form.get_by_label("Reason (required)").fill("Every page answers 500: the hosting is down.")
    form.get_by_role("button").click()
    page.wait_for_load_state()
    link = TicketLink.objects.select_related("target__level").get(source=ticket, kind=LinkKind.INCIDENT_OPENED)
    assert link.target.level.code == "L1"
    assert f"/console/tickets/{link.target.number}/" in page.url
    assert f"#{ticket.number}" in page.locator("#linked").inner_text()
    shot(page, "linked-incident")


def test_take_a_phone_call_end_to_end(page, live_server, desk, settings):
    from console.models import CallLog
    from levels.models import PhoneLine
    from tickets.models import Ticket

    settings.TIERDESK_CTI_SECRET = CTI_SECRET
    line = PhoneLine.objects.get(number="902 906 033")
    for event in ("ringing", "answered"):
        send_call_event(
            live_server,
            event=event,
            call_id="pbx-77",
            line="902906033",
            caller_number="+34611222333",
            digits="lm4321-ovh",
            agent="l1",
        )
    login(page, live_server, "l1")
    page.goto(f"{live_server.url}/console/phone/{line.pk}/")
    assert page.get_by_label("Caller's number").input_value() == "+34611222333"
    assert page.get_by_label("Customer identifier").input_value() == "lm4321-ovh"
    page.get_by_label("Service reference").fill(desk.hosting.reference)  # Pedro's, not Lucía's
    page.get_by_label("Type of request").select_option(value=str(desk.category("server_no_ping").pk))
    page.get_by_label("Subject").fill("Server down")
    page.get_by_label("What the caller reports").fill("No ping since 03:00.")
    page.get_by_role("button", name="Open the ticket and log the call").click()
    page.wait_for_load_state()
    assert "does not belong to the customer lm4321-ovh" in page.content()
    assert page.get_by_label("What the caller reports").input_value() == "No ping since 03:00."
    shot(page, "phone-refused")
    assert not Ticket.objects.exists()
    page.get_by_label("Service reference").fill(desk.server.reference)
    page.get_by_role("button", name="Open the ticket and log the call").click()
    page.wait_for_url(f"{live_server.url}/console/tickets/**")
    shot(page, "phone-ticket")
    ticket = Ticket.objects.get()
    assert ticket.channel == "phone" and ticket.service == desk.server
    call = CallLog.objects.get()
    assert call.ticket == ticket and call.call_id == "pbx-77" and call.agent == desk.l1


def test_search_for_a_message(page, live_server, desk, open_incident):
    from django.utils import timezone

    from tickets import actions

    ticket = open_incident(now=timezone.now())
    actions.add_note(ticket, actor=desk.l1, body="The PDU in rack B7 tripped.", now=timezone.now())
    open_incident(now=timezone.now(), subject="Something else", body="Nothing in common.")
    login(page, live_server, "l2")
    page.goto(f"{live_server.url}/console/search/")
    page.fill("#q", "PDU tripped")
    page.locator("form[role=search] button").click()
    page.wait_for_load_state()
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1
    assert f"#{ticket.number}" in rows.first.inner_text()
    shot(page, "search")


def send_call_event(live_server, **payload: str) -> None:  # type: ignore[no-untyped-def]
    from core import signing

    body = json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 - the live server on 127.0.0.1
        f"{live_server.url}/console/cti/events/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Tierdesk-Signature": signing.build_header(CTI_SECRET.encode(), int(time.time()), body),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert json.load(response)["state"] == payload["event"]


def test_the_phone_screen_shows_a_call_as_it_rings_and_fills_the_form_when_answered(page, live_server, desk, settings):
    from levels.models import PhoneLine

    settings.TIERDESK_CTI_SECRET = CTI_SECRET
    line = PhoneLine.objects.get(number="902 906 033")
    login(page, live_server, "l1")
    page.goto(f"{live_server.url}/console/phone/{line.pk}/")
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    status = page.locator("#pending-call")
    assert status.is_hidden()
    assert page.get_by_label("Caller's number").input_value() == ""
    call = {"call_id": "pbx-live", "line": "+34 902 906 033", "caller_number": "+34611222333", "agent": "l1"}
    send_call_event(live_server, event="ringing", digits="lm43", **call)
    status.wait_for(state="visible")
    expect(page.locator("#pending-call [data-call=state_label]")).to_have_text("Ringing")
    assert "+34611222333" in status.inner_text() and "lm43" in status.inner_text()
    assert page.get_by_label("Customer identifier").input_value() == ""  # not before it is answered
    page.get_by_label("Subject").fill("Server down")  # the agent starts typing
    send_call_event(live_server, event="answered", digits="lm4321-ovh", **call)
    expect(page.locator("#id_customer_identifier")).to_have_value("lm4321-ovh")
    assert page.get_by_label("Caller's number").input_value() == "+34611222333"
    assert "Answered" in status.inner_text() and "lm4321-ovh" in status.inner_text()
    assert page.get_by_label("Subject").input_value() == "Server down"
    assert page.evaluate("window.loadedOnce") is True
    shot(page, "phone-live-call")
    # The pre-filled call id sends the ticket to the announced call.
    page.get_by_label("Service reference").fill(desk.server.reference)
    page.get_by_label("Type of request").select_option(value=str(desk.category("server_no_ping").pk))
    page.get_by_label("What the caller reports").fill("No ping since 03:00.")
    page.get_by_role("button", name="Open the ticket and log the call").click()
    page.wait_for_url(f"{live_server.url}/console/tickets/**")
    from console.models import CallLog

    logged = CallLog.objects.get()
    assert logged.call_id == "pbx-live" and logged.ticket is not None
