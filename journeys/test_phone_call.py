"""Journey 5, a call to 902 106 113, in a real Chromium: the PBX announces Carmen's call with her
number and the digits she typed; the L2 agent's phone screen shows it and fills itself in when the
agent answers; a service reference that is not hers is refused, the right one opens a ticket with
channel "phone" and the call is logged; she asks for a quote to flush the Qmail queue, and the
same quote flow as journey 4 starts from the phone ticket."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from django.core import mail
from playwright.sync_api import expect

from conftest import screenshot
from core import signing
from journeys.conftest import log_in, quote_and_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CTI_SECRET = "journey-cti-secret"


def call_event(live_server, **payload: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        f"{live_server.url}/console/cti/events/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Tierdesk-Signature": signing.build_header(CTI_SECRET.encode(), int(time.time()), body),
        },
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        answer: dict[str, object] = json.load(response)
    return answer


def test_a_call_to_the_assistance_line(live_server, desk, chromium, settings, catalogue):  # type: ignore[no-untyped-def]
    from console.models import CallLog
    from infogerencia.models import Quote, QuoteState
    from levels.models import PhoneLine
    from tickets.models import Ticket

    settings.TIERDESK_CTI_SECRET = CTI_SECRET
    carmen = desk.pedro  # a hosting customer with a mail service
    line = PhoneLine.objects.get(number="902 106 113")
    call = {"call_id": "pbx-carmen", "line": "+34 902 106 113", "caller_number": "+34622333444", "agent": "l2"}

    # The L2 agent has the assistance line's screen open when the PBX announces the call.
    page = log_in(chromium, live_server, desk.l2.username)
    page.goto(f"/console/phone/{line.pk}/")
    assert call_event(live_server, event="ringing", digits="pg2468", **call)["state"] == "ringing"
    page.locator("#pending-call").wait_for(state="visible")
    assert "+34622333444" in page.locator("#pending-call").inner_text()
    assert call_event(live_server, event="answered", digits="pg2468-ovh", **call)["state"] == "answered"
    expect(page.locator("#id_customer_identifier")).to_have_value("pg2468-ovh")
    assert page.get_by_label("Caller's number").input_value() == "+34622333444"

    # She reads out a reference that is not hers: the desk says so and keeps what was typed.
    page.get_by_label("Service reference").fill(desk.server.reference)
    page.get_by_label("Type of request").select_option(value=str(desk.category("quote_intervention").pk))
    page.get_by_label("Subject").fill("Vaciar la cola de Qmail")
    request = "Pide presupuesto para vaciar la cola de Qmail."
    page.get_by_label("What the caller reports").fill(request)
    page.get_by_role("button", name="Open the ticket and log the call").click()
    page.wait_for_load_state()
    assert "does not belong to the customer pg2468-ovh" in page.content()
    assert page.get_by_label("What the caller reports").input_value() == request
    assert not Ticket.objects.exists()
    screenshot(page, "journey5-refused")

    # She corrects it: a phone ticket, and the call logged with it.
    page.get_by_label("Service reference").fill(desk.mail.reference)
    page.get_by_role("button", name="Open the ticket and log the call").click()
    page.wait_for_url("**/console/tickets/**")
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.service, ticket.requester) == ("phone", desk.mail, carmen)
    assert ticket.level.code == "L2" and ticket.team is not None and ticket.team.commercial
    assert call_event(live_server, event="hung_up", **call)["state"] == "hung_up"
    logged = CallLog.objects.get()
    assert (logged.ticket, logged.line, logged.agent) == (ticket, line, desk.l2)
    assert logged.duration_seconds is not None
    page.context.close()

    # The commercial agent quotes from the phone ticket, as in journey 4.
    page = log_in(chromium, live_server, desk.l2_commercial.username)
    mail.outbox.clear()
    quote_and_send(page, ticket, "flush-qmail-queue")
    screenshot(page, "journey5-quote-sent")
    quote = Quote.objects.get(ticket=ticket)
    assert quote.state == QuoteState.SENT
    (sent,) = [m for m in mail.outbox if carmen.email in m.to]
    assert quote.number in sent.subject and sent.attachments[0][2] == "application/pdf"
    page.context.close()
