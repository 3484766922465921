"""Journey 1: Lucía's server is down at 03:10 on a Sunday (L1).

Lucía (lm4321-ovh, Madrid) goes Administración → Mis productos → Soporte → Declarar un
incidente, picks "the server does not answer ping" and her server, writes two lines and attaches
a traceroute. The desk checks the server: it does not answer, so the ticket stays on L1; she sees
the ticket number, the L1 answer due in her own time, and the evidence. The on-duty L1 technician
finds it in the L1 queue, claims it and replies (the first response is met); when the server is
back he resolves it; Lucía closes it and scores it 5.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine

from journeys.walks import screens as checks
from journeys.walks.conftest import (
    DOWN,
    LANGUAGES,
    Walk,
    focus_ring,
    languages,
    load_demo,
    madrid,
    on_every_screen,
    set_endpoint,
)

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


JOURNEY = "j1"
SUNDAY_0310 = madrid(2027, 3, 7, 3, 10)
DUE = madrid(2027, 3, 7, 9, 10)  # six hours, every hour counts on L1
SERVER = "ns3012345.ip-51-75-1.eu"


def due_on(page) -> datetime:  # type: ignore[no-untyped-def]
    value = page.locator("#answer-due").get_attribute("datetime")
    assert value, "the ticket page shows no answer due time"
    return datetime.fromisoformat(value).replace(second=0, microsecond=0)


def walk(w: Walk) -> None:
    with time_machine.travel(SUNDAY_0310, tick=True) as clock:
        load_demo()
        set_endpoint(SERVER, host=DOWN, ports=[])  # the server is down: nothing answers at its address

        # Lucía, in the Manager: Administración → Mis productos → Soporte → Declarar un incidente.
        lucia = w.customer("lm4321-ovh")
        lucia.click("header nav a[href='/manager/products/']")
        w.step(lucia, "products")
        lucia.click("main a.button[href='/manager/support/']")
        w.step(lucia, "support", entry=lucia.inner_text("a.entry.incident strong"))
        lucia.click("a.entry.incident")
        lucia.wait_for_url("**/manager/support/incident/new/**")
        lucia.select_option("#id_type", "server_no_ping")
        lucia.select_option("#id_service", SERVER)
        lucia.fill("#id_description", "Desde las 03:00 no puedo entrar por SSH ni por web.\nAdjunto un traceroute.")
        lucia.set_input_files(
            "#id_attachments",
            files=[{"name": "traceroute.txt", "mimeType": "text/plain", "buffer": b"1  192.0.2.1  0.4 ms\n2  * * *\n"}],
        )
        type_label = lucia.locator("#id_type option:checked").inner_text()
        w.step(lucia, "form", type_label=type_label)
        lucia.click("form.ticket-form button[type=submit]")
        lucia.wait_for_url(re.compile(r".*/manager/support/tickets/\d+/$"))
        number = int(lucia.url.rstrip("/").rsplit("/", 1)[1])
        ticket = w.step(lucia, "ticket", number=number, due=lucia.inner_text("#answer-due"))
        assert f"#{number}" in lucia.inner_text("h1")
        assert "L1" in lucia.inner_text(".facts")
        assert due_on(lucia) == DUE
        assert "traceroute.txt" in lucia.inner_text(".conversation")
        assert lucia.locator(".triage-evidence").count() == 1, "the evidence of the checks is not shown"
        assert ticket.main

        # The on-duty L1 technician: the ticket is in the L1 queue; he claims it and answers.
        clock.shift(timedelta(minutes=12))
        tech = w.agent("l1.tecnico")
        tech.wait_for_url("**/console/**")
        row = tech.locator("tbody tr", has=tech.locator(f"a[href='/console/tickets/{number}/']"))
        assert row.count() == 1, "the new incident is not in the L1 queue"
        w.step(tech, "queue", position=tech.locator("tbody tr").all_inner_texts())
        tech.click(f"button[form=claim-{number}]")  # the row's own "Claim"
        tech.wait_for_load_state()
        w.step(tech, "claimed", message=tech.inner_text(".messages"))
        tech.click(f"a[href='/console/tickets/{number}/']")
        tech.wait_for_url(f"**/console/tickets/{number}/")
        w.step(
            tech,
            "workspace",
            focus_in_page=focus_ring(tech, "button[name=action][value=resolve]"),
            focus_in_header=focus_ring(tech, "header nav a"),
        )
        assert tech.inner_text("#ticket-assignee") == "l1.tecnico"
        tech.fill("#body", "Hola Lucía: el servidor no responde; revisamos la alimentación del rack.")
        tech.click("button[name=action][value=reply]")
        tech.wait_for_load_state()
        w.step(tech, "replied", agent_meta=tech.locator(".conversation .msg.support .meta").last.inner_text())

        # The server is back at 05:00: the technician resolves the ticket.
        clock.shift(timedelta(hours=1, minutes=35))
        tech.click("button[name=action][value=resolve]")
        tech.wait_for_load_state()
        w.step(tech, "resolved", history=tech.locator("section[aria-labelledby=h-history] tbody tr").all_inner_texts())

        # Lucía reads the answer, sends an empty reply by mistake, closes and scores 5.
        clock.shift(timedelta(hours=3))
        lucia.reload()
        w.step(lucia, "customer-resolved")
        lucia.click("form[action$='/reply/'] button[type=submit]")
        lucia.wait_for_load_state()
        focus = lucia.evaluate(
            "() => { const e = document.activeElement; return e ? (e.id || e.className || e.tagName) : ''; }"
        )
        error_in_view = lucia.evaluate(
            "() => { const e = document.querySelector('.has-error, .errorlist'); if (!e) return false;"
            " const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }"
        )
        w.step(lucia, "empty-reply", focus=focus, error_in_view=error_in_view)
        lucia.click("form[action$='/close/'] button[type=submit]")
        lucia.locator("fieldset.score").wait_for()
        lucia.check("input[name=score][value='5']")
        lucia.click("form[action$='/score/'] button[type=submit]")
        lucia.locator("#ticket-score").wait_for()
        w.step(lucia, "scored")
        assert lucia.inner_text("#ticket-score").startswith("5")


@pytest.mark.parametrize("language", LANGUAGES)
def test_lucia_declares_at_night_and_l1_answers(language, walked):  # type: ignore[no-untyped-def]
    walked(JOURNEY, walk, customers=language)


def fact(walked, reader: str, step: str, name: str):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in walked(JOURNEY, walk, reader=reader).items() if key.split("-", 1)[1] == step]
    return screen.facts[name]


# The deadline as each reader writes a date: 09:10 on Sunday 7 March 2027, Madrid time.
DEADLINE = {
    "es": r"^7 de marzo de 2027 a las 09:10$",
    "en": r"^(7 March 2027|07/03/2027),? 09:10$",
    "fr": r"^7 mars 2027 09:10$",
}


@pytest.mark.parametrize("reader", languages())
def test_the_deadline_reads_as_the_reader_writes_dates(reader, walked):  # type: ignore[no-untyped-def]
    assert re.match(DEADLINE[reader], fact(walked, reader, "ticket", "due")), fact(walked, reader, "ticket", "due")


def test_the_guides_button_reads_declarar_un_incidente(walked):  # type: ignore[no-untyped-def]
    assert fact(walked, "es", "support", "entry") == "Declarar un incidente"


@pytest.mark.parametrize("reader", languages())
def test_the_customer_reads_the_deadline_once(reader, walked):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in walked(JOURNEY, walk, reader=reader).items() if key.split("-", 1)[1] == "ticket"]
    due = screen.facts["due"]
    assert screen.main.count(due) == 1, f"{due!r} shown {screen.main.count(due)} times on {screen.where}"


@pytest.mark.parametrize("reader", languages())
def test_a_refused_reply_takes_the_customer_to_the_error(reader, walked):  # type: ignore[no-untyped-def]
    focus, in_view = fact(walked, reader, "empty-reply", "focus"), fact(walked, reader, "empty-reply", "error_in_view")
    assert in_view and focus not in {"BODY", "main"}, f"focus on {focus!r}, error in view: {in_view}"


@pytest.mark.parametrize("reader", languages())
def test_an_agents_reply_is_not_labelled_with_the_customers_channel(reader, walked):  # type: ignore[no-untyped-def]
    meta = fact(walked, reader, "replied", "agent_meta")
    assert not meta.rstrip().endswith("Manager"), meta


@pytest.mark.parametrize("reader", languages())
def test_the_focus_ring_stands_out(reader, walked):  # type: ignore[no-untyped-def]
    for where in ("focus_in_page", "focus_in_header"):
        ring = fact(walked, reader, "workspace", where)
        assert ring["best"] >= 3, f"{where}: {ring}"


@pytest.mark.parametrize("reader", languages())
def test_claiming_one_ticket_says_one_ticket(reader, walked):  # type: ignore[no-untyped-def]
    message = fact(walked, reader, "claimed", "message")
    assert not re.match(r"1 tickets\b", message), message


@pytest.mark.parametrize("reader", languages())
def test_the_history_names_the_channel_and_type_in_the_readers_language(reader, walked):  # type: ignore[no-untyped-def]
    opened = fact(walked, reader, "resolved", "history")[0]
    assert " manager " not in opened and "server_no_ping" not in opened, opened


test_no_raw_codes = on_every_screen(JOURNEY, walk, checks.raw_codes)
test_every_text_in_the_readers_language = on_every_screen(JOURNEY, walk, checks.other_language_words)
test_french_typography = on_every_screen(JOURNEY, walk, checks.french_spacing, "fr")
test_no_double_periods = on_every_screen(JOURNEY, walk, checks.double_periods)
test_no_serious_accessibility_violations = on_every_screen(JOURNEY, walk, checks.serious_axe)
test_no_django_defaults = on_every_screen(JOURNEY, walk, checks.django_defaults)
