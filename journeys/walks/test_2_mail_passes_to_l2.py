"""Journey 2: "my mail doesn't send", but the server pings (L1 → L2).

Pedro (pg2468-ovh) declares "the mail account cannot send" for his mail service at 11:00 on a
Tuesday. The desk's checks see the host answer ping and the SMTP server greet: no
unavailability, so the ticket passes to L2 with a message explaining why and pointing to the
guide on setting up a mail account. The L2 clock (business hours, Madrid) starts at the transfer;
the history shows both levels, to Pedro and to the L2 agent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from aiosmtpd.controller import Controller

from journeys.walks import screens as checks
from journeys.walks.conftest import (
    LANGUAGES,
    Walk,
    free_port,
    languages,
    load_demo,
    madrid,
    on_every_screen,
    set_endpoint,
)

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "j2"
TUESDAY_1100 = madrid(2027, 3, 2, 11, 0)
# 24 business hours on Mon–Fri 09:00–18:00 from Tuesday 11:00: 7 + 9 + 8 → Thursday 17:00.
DUE = madrid(2027, 3, 4, 17, 0)
MAIL = "mail.ferreteriagarcia.es"
MAIL_HOST = "127.0.0.22"  # the demo's address of Pedro's mail server


class Greeter:
    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        return "250 OK"


def mail_server() -> Iterator[int]:
    """Pedro's mail server answers: an SMTP server greets on the address the desk checks."""
    port = free_port()
    controller = Controller(Greeter(), hostname=MAIL_HOST, port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def minute(value: str | None) -> datetime:
    assert value, "no machine-readable time on the page"
    return datetime.fromisoformat(value).replace(second=0, microsecond=0)


def walk(w: Walk) -> None:
    server = mail_server()
    port = next(server)
    try:
        with time_machine.travel(TUESDAY_1100, tick=True):
            load_demo()
            set_endpoint(MAIL, ports=[port])

            pedro = w.customer("pg2468-ovh")
            pedro.click("a.entry.incident")
            pedro.wait_for_url("**/manager/support/incident/new/**")
            pedro.select_option("#id_service", MAIL)
            offered = pedro.locator("#id_type option").all_inner_texts()
            pedro.select_option("#id_type", "mail_cannot_send")
            pedro.fill(
                "#id_description", "Desde Outlook me da error al enviar: 'no se puede conectar con el servidor'."
            )
            w.step(pedro, "form", offered=offered)
            pedro.click("form.ticket-form button[type=submit]")
            pedro.wait_for_url(re.compile(r".*/manager/support/tickets/\d+/$"))
            number = int(pedro.url.rstrip("/").rsplit("/", 1)[1])
            facts = pedro.inner_text(".facts")
            steps = pedro.locator(".level-steps li").all_inner_texts()
            w.step(pedro, "ticket", number=number, steps=steps)
            assert "L2" in facts, "the ticket did not pass to level 2"
            assert minute(pedro.locator("#answer-due").get_attribute("datetime")) == DUE
            assert len(steps) == 2 and steps[0].startswith("L1") and steps[1].startswith("L2"), steps
            explanation = pedro.locator(".conversation .msg").filter(has=pedro.locator("a[href*='/guides/']"))
            assert explanation.count() >= 1, "no message points Pedro to a guide"
            assert pedro.locator(".conversation a[href*='configurar-cuenta-correo']").count() >= 1

            # The L2 agent: the ticket is in the L2 queue; the history shows both levels.
            agent = w.agent("l2.tecnico")
            agent.click("a[href='?level=L2']")
            row = agent.locator("tbody tr", has=agent.locator(f"a[href='/console/tickets/{number}/']"))
            assert row.count() == 1, "the ticket is not in the L2 queue"
            w.step(agent, "queue")
            agent.click(f"a[href='/console/tickets/{number}/']")
            agent.wait_for_url(f"**/console/tickets/{number}/")
            history = agent.locator("section[aria-labelledby=h-history] tbody tr").all_inner_texts()
            w.step(agent, "workspace", history=history)
            assert any("L1 → L2" in line for line in history), history
    finally:
        next(server, None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pedros_mail_passes_to_l2(language, walked):  # type: ignore[no-untyped-def]
    walked(JOURNEY, walk, customers=language)


def fact(walked, reader: str, step: str, name: str):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in walked(JOURNEY, walk, reader=reader).items() if key.split("-", 1)[1] == step]
    return screen.facts[name]


@pytest.mark.parametrize("reader", languages())
def test_a_hosting_and_mail_customer_is_not_offered_server_types(reader, walked):  # type: ignore[no-untyped-def]
    offered = fact(walked, reader, "form", "offered")
    server = {
        "es": "El servidor no responde al ping",
        "en": "Server does not answer ping",
        "fr": "Le serveur ne répond pas au ping",
    }
    assert server[reader] not in offered, offered


@pytest.mark.parametrize("reader", languages())
def test_the_customer_reads_the_check_results_once(reader, walked):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in walked(JOURNEY, walk, reader=reader).items() if key.split("-", 1)[1] == "ticket"]
    greets = [line for line in screen.main.splitlines() if "127.0.0.22:" in line]
    assert len(greets) == 1, greets


test_no_raw_codes = on_every_screen(JOURNEY, walk, checks.raw_codes)
test_every_text_in_the_readers_language = on_every_screen(JOURNEY, walk, checks.other_language_words)
test_french_typography = on_every_screen(JOURNEY, walk, checks.french_spacing, "fr")
test_no_double_periods = on_every_screen(JOURNEY, walk, checks.double_periods)
test_no_serious_accessibility_violations = on_every_screen(JOURNEY, walk, checks.serious_axe)
test_no_django_defaults = on_every_screen(JOURNEY, walk, checks.django_defaults)
test_no_level_moves_that_stay_put = on_every_screen(JOURNEY, walk, checks.no_op_moves)
