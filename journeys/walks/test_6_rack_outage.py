"""Journey 6: a rack loses power (monitoring → outage).

The monitoring system sends alerts for the 40 servers behind one rack within two minutes (signed,
over HTTP, as it does); 12 of their owners also declare incidents in the Manager. The desk opens
one outage, groups the alerts and the 12 tickets under it, and shows the affected customers a
status message in the Manager. When power returns the monitor sends its recoveries, an L1
technician closes the outage with a message, and the grouped tickets are resolved with it; no
customer gets a flood of e-mails.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from journeys.walks import screens as checks
from journeys.walks.conftest import (
    DEMO_PASSWORD,
    DOWN,
    LANGUAGES,
    Walk,
    load_demo,
    madrid,
    on_every_screen,
    post_signed,
)

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "j6"
THURSDAY_2200 = madrid(2027, 3, 4, 22, 0)
RACK = "rbx-r42"
SERVERS = 40
DECLARING = 12
ALERTS = "/triage/monitoring/alerts"


def rack_customers() -> list[tuple[str, str]]:
    """The provider's 40 customers with a dedicated server behind rack rbx-r42 (identifier,
    server reference)."""
    from accounts.actions import create_customer
    from services.models import Endpoint, Service

    made = []
    for index in range(SERVERS):
        identifier = f"rk{index:04d}-ovh"
        user = create_customer(
            name=f"Cliente {index:02d} del rack",
            email=f"{identifier}@example.es",
            password=DEMO_PASSWORD,
            identifier=identifier,
            language="es",
        )
        reference = f"ns{500100 + index}.ip-51-75-2.eu"
        assert user.organisation is not None
        service = Service.objects.create(
            organisation=user.organisation,
            reference=reference,
            product="dedicated",
            host_node="rbx-h42",
            rack=RACK,
            datacentre="rbx",
        )
        Endpoint.objects.create(service=service, host=DOWN, ports=[], role="server")
        made.append((identifier, reference))
    return made


def alert(base_url: str, reference: str, state: str) -> tuple[int, dict[str, object]]:
    payload = {
        "alert_id": f"zbx-{reference}-{state}",
        "service": reference,
        "check": "ping",
        "state": state,
        "time": datetime.now(UTC).isoformat(),
    }
    return post_signed(base_url, ALERTS, payload, header="Tierdesk-Signature")


def declare(w: Walk, identifier: str, reference: str) -> tuple[Any, int]:
    """The owner goes Soporte → Declarar un incidente, as in journey 1; kept on screen."""
    page = w.customer(identifier)
    w.step(
        page,
        "support-banner",
        banner=page.inner_text(".outage-banner") if page.locator(".outage-banner").count() else "",
    )
    page.click("a.entry.incident")
    page.wait_for_url("**/manager/support/incident/new/**")
    page.select_option("#id_type", "server_no_ping")
    page.select_option("#id_service", reference)
    page.fill("#id_description", "El servidor no responde desde las 22:00.")
    page.click("form.ticket-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/manager/support/tickets/\d+/$"))
    number = int(page.url.rstrip("/").rsplit("/", 1)[1])
    w.step(page, "declared", number=number, evidence=page.inner_text("main"))
    return page, number


def declare_from_link(w: Walk, identifier: str, reference: str) -> None:
    """Another owner declares through the direct link of the incident form (the one the Manager
    and the desk's e-mails give), which asks them to log in first."""
    page = w.passer_by(identifier, f"/manager/support/incident/new/?service={reference}&type=server_no_ping")
    page.wait_for_url("**/manager/support/incident/new/**")
    page.fill("#id_description", "No responde.")
    page.click("form.ticket-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/manager/support/tickets/\d+/$"))
    page.context.close()


def walk(w: Walk) -> None:
    with time_machine.travel(THURSDAY_2200, tick=True) as clock:
        load_demo()
        customers = rack_customers()
        w.outbox.clear()

        # 22:00–22:02: the monitor's alerts for the 40 servers.
        results: Counter[str] = Counter()
        for index, (_identifier, reference) in enumerate(customers):
            status, answer = alert(w.base_url, reference, "problem")
            assert status in {200, 201}, answer
            results[str(answer.get("result"))] += 1
            if index % 10 == 9:
                clock.shift(timedelta(seconds=25))
        assert results["opened"] == SERVERS, results
        from triage.models import Outage  # the screens below show it; the walk needs its page's address

        (outage,) = Outage.objects.all()

        # 12 owners declare an incident in the Manager anyway; the first one is kept on screen.
        first_page, first_ticket = declare(w, *customers[0])
        for identifier, reference in customers[1:DECLARING]:
            declare_from_link(w, identifier, reference)
        # A customer who declared nothing sees the status message too.
        quiet = w.customer(customers[-1][0])
        w.step(
            quiet,
            "quiet-customer",
            banner=quiet.inner_text(".outage-banner") if quiet.locator(".outage-banner").count() else "",
        )
        assert quiet.locator(".outage-banner").count() == 1, "no status message for an affected customer"

        # The L1 technician sees the outage from the console.
        tech = w.agent("l1.tecnico")
        tech.click("header nav a[href='/triage/outages/']")
        w.step(tech, "outages")
        tech.click(f"a[href='/triage/outages/{outage.pk}/']")
        tech.wait_for_url(f"**/triage/outages/{outage.pk}/")
        grouped = tech.inner_text("main")
        w.step(tech, "outage", grouped=grouped)

        # 23:30: power is back; the monitor sends recoveries, the technician closes the outage.
        clock.shift(timedelta(minutes=88))
        for _identifier, reference in customers:
            status, answer = alert(w.base_url, reference, "recovery")
            assert status == 200, answer
        tech.reload()
        tech.fill(
            "textarea[name=message]",
            "El rack rbx-r42 ha recuperado la alimentación; los servidores responden de nuevo.",
        )
        tech.click("main form button[type=submit]")
        tech.wait_for_load_state()
        w.step(tech, "outage-closed", closed=tech.inner_text("main"))

        # The first customer's ticket is resolved with the message; nobody got a flood of e-mails.
        first_page.reload()
        w.step(
            first_page,
            "resolved",
            status=first_page.inner_text("#ticket-status"),
            conversation=first_page.inner_text(".conversation"),
        )
        per_customer = Counter(str(m["To"]) for m in w.outbox.messages)
        assert per_customer, "the customers were told nothing"
        assert max(per_customer.values()) <= 4, per_customer.most_common(3)
        w.screens[next(reversed(w.screens))].facts["mails"] = dict(per_customer)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rack_loses_power(language, walked):  # type: ignore[no-untyped-def]
    walked(JOURNEY, walk, customers=language)


test_no_raw_codes = on_every_screen(JOURNEY, walk, checks.raw_codes)
test_every_text_in_the_readers_language = on_every_screen(JOURNEY, walk, checks.other_language_words)
test_french_typography = on_every_screen(JOURNEY, walk, checks.french_spacing, "fr")
test_no_double_periods = on_every_screen(JOURNEY, walk, checks.double_periods)
test_no_serious_accessibility_violations = on_every_screen(JOURNEY, walk, checks.serious_axe)
test_no_django_defaults = on_every_screen(JOURNEY, walk, checks.django_defaults)
test_no_level_moves_that_stay_put = on_every_screen(JOURNEY, walk, checks.no_op_moves)
