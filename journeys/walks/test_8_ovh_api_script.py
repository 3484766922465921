"""Journey 8: a script that already talks to OVH's API.

Lucía's script uses the official ``ovh`` Python client; only the endpoint changes, to the desk's
``/1.0``. It asks for a consumer key, and Lucía validates the request in her browser (the page the
client's validation URL opens); then the script opens a ticket, lists the open ones, reads the
messages (the L1 technician answers in the console meanwhile), replies, closes and scores. Lucía
sees all of it in the Manager.
"""

from __future__ import annotations

import os
import secrets
from typing import Any
from unittest import mock

import ovh
import ovh.client
import pytest
import requests
import time_machine

from journeys.walks import defects as d
from journeys.walks import screens as checks
from journeys.walks.conftest import DOWN, LANGUAGES, Walk, load_demo, madrid, on_every_screen, set_endpoint

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "j8"
MONDAY_1000 = madrid(2027, 3, 1, 10, 0)
ENDPOINT = "tierdesk-walk"
SERVER = "ns3012345.ip-51-75-1.eu"


def script_client(w: Walk) -> Any:
    """The script's client: the official package, its endpoint pointed at the desk."""
    from api.models import OvhApplication

    application = OvhApplication.objects.create(
        name="Script de copias de Lucía", application_key=secrets.token_hex(8), application_secret=secrets.token_hex(16)
    )
    ovh.client.ENDPOINTS[ENDPOINT] = w.base_url + "/1.0"
    with mock.patch.object(ovh.client, "Session", KeptSession):
        return ovh.Client(
            endpoint=ENDPOINT,
            application_key=application.application_key,
            application_secret=application.application_secret,
        )


SESSIONS: list[requests.Session] = []


class KeptSession(requests.Session):
    """The script's HTTP session (``ovh.client.Session``), kept to close its connections at the end."""

    def __init__(self) -> None:
        super().__init__()
        SESSIONS.append(self)


def walk(w: Walk) -> None:
    from django.conf import settings

    settings.OVH_API_BASE = w.base_url
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("OVH_")}
    client = None
    try:
        with time_machine.travel(MONDAY_1000, tick=True):
            load_demo()
            set_endpoint(SERVER, host=DOWN, ports=[])  # the server is down, as the script says
            client = script_client(w)

            # The script asks for access; Lucía validates it in her browser.
            request = client.new_consumer_key_request()
            request.add_recursive_rules(ovh.API_READ_WRITE, "/support")
            answer = request.request()
            assert answer["state"] == "pendingValidation"
            validation = answer["validationUrl"].split("://", 1)[1].split("/", 1)[1]
            lucia = w.customer("lm4321-ovh", next_path="/" + validation)
            lucia.wait_for_url(f"**/{validation}")
            w.step(lucia, "validation", rules=lucia.inner_text("main table"))
            lucia.click("button[name=decision][value=validate]")
            lucia.wait_for_load_state()
            w.step(lucia, "validated", state=lucia.inner_text("main"))

            # The script opens a ticket and lists the open ones.
            created = client.post(
                "/support/tickets/create",
                subject="Copia nocturna: el servidor no responde",
                body="El script de copias no llega a ns3012345 desde las 09:40.",
                category="incident",
                subcategory="down",
                product="dedicated",
                serviceName=SERVER,
                type="genericRequest",
            )
            ticket_id, number = created["ticketId"], created["ticketNumber"]
            assert ticket_id in client.get("/support/tickets", status="open")

            # The L1 technician answers in the console.
            tech = w.agent("l1.tecnico")
            tech.goto(f"/console/tickets/{number}/")
            tech.fill("#body", "Reiniciamos el servidor por KVM; debería responder ya.")
            tech.click("button[name=action][value=reply]")
            tech.wait_for_load_state()
            w.step(tech, "answered", history=tech.inner_text("section[aria-labelledby=h-history]"))

            # The script reads the messages, replies, closes and scores.
            messages = client.get(f"/support/tickets/{ticket_id}/messages")
            assert any(m["from"] == "support" for m in messages), messages
            client.post(f"/support/tickets/{ticket_id}/reply", body="Confirmado, la copia ha terminado.")
            client.post(f"/support/tickets/{ticket_id}/close")
            client.post(f"/support/tickets/{ticket_id}/score", score="5", scoreComment="Rápidos")
            assert client.get(f"/support/tickets/{ticket_id}")["state"] == "closed"

            # Lucía sees all of it in the Manager.
            lucia.goto("/manager/support/")
            lucia.click(f"a[href='/manager/support/tickets/{number}/']")
            lucia.wait_for_url(f"**/manager/support/tickets/{number}/")
            shown = lucia.inner_text("main")
            w.step(lucia, "ticket", shown=shown)
            assert "Reiniciamos el servidor por KVM" in shown and "Confirmado, la copia ha terminado." in shown
            assert lucia.locator("#ticket-score").count() == 1 and lucia.inner_text("#ticket-score").startswith("5")
    finally:
        while SESSIONS:
            SESSIONS.pop().close()
        ovh.client.ENDPOINTS.pop(ENDPOINT, None)
        os.environ.update(saved)


@pytest.mark.parametrize("language", LANGUAGES)
def test_lucias_script_talks_to_the_desk(language, walked):  # type: ignore[no-untyped-def]
    walked(JOURNEY, walk, customers=language)


test_no_raw_codes = on_every_screen(
    JOURNEY,
    walk,
    checks.raw_codes,
    es=d.both(d.HISTORY_CODES, d.PROBE_DETAIL_CODES),
    en=d.both(d.HISTORY_CODES, d.PROBE_DETAIL_CODES),
    fr=d.both(d.HISTORY_CODES, d.PROBE_DETAIL_CODES),
)
test_every_text_in_the_readers_language = on_every_screen(
    JOURNEY,
    walk,
    checks.other_language_words,
    es=d.both(d.TRIAGE_STORED, d.PROBE_ENGLISH, d.HISTORY_CODES),
    en=d.both(d.MOVE_NAMES, d.TRIAGE_STORED),
    fr=d.both(d.MOVE_NAMES, d.TRIAGE_STORED, d.PROBE_ENGLISH, d.HISTORY_CODES),
)
test_french_typography = on_every_screen(JOURNEY, walk, checks.french_spacing, "fr", fr=d.FRENCH_COLONS_STORED)
test_no_double_periods = on_every_screen(JOURNEY, walk, checks.double_periods, en=d.DOUBLE_PERIOD)
test_no_serious_accessibility_violations = on_every_screen(JOURNEY, walk, checks.serious_axe)
test_no_django_defaults = on_every_screen(JOURNEY, walk, checks.django_defaults)
test_no_level_moves_that_stay_put = on_every_screen(JOURNEY, walk, checks.no_op_moves)
