"""Journey 3: an assistance question that is really an incident (L2 → L1).

On Friday at 17:30 (Madrid; 16:30 on the Canary Islands, where she lives), Ana (ar1357-ovh) asks
L2 how to install WordPress on her VPS (Soporte asistencia → her VPS → "Instalar un sitio"). On
Monday at 09:10 the L2 agent finds her VPS down and opens a linked L1 incident ("Es una
incidencia → abrir incidencia de Nivel 1"): both tickets point to each other, the L1 clock runs
24/7 from then, and Ana sees both tickets in the Manager, with times in her own zone.

The demo's VPS answers ping (its address is 127.0.0.31): the desk's automatic checks of the new
incident see it answer, which is the case where a person's judgement must stand.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine

from journeys.walks import screens as checks
from journeys.walks.conftest import LANGUAGES, Walk, languages, load_demo, madrid, on_every_screen

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "j3"
FRIDAY_1730 = madrid(2027, 3, 5, 17, 30)
MONDAY_0910 = madrid(2027, 3, 8, 9, 10)
# 24 business hours from Friday 17:30: 0.5 + 9 (Mon) + 9 (Tue) + 5.5 (Wed) → Wednesday 14:30 Madrid.
L2_DUE = madrid(2027, 3, 10, 14, 30)
# Six hours, every hour counting, from Monday 09:10 → 15:10 Madrid, 14:10 on the Canary Islands.
L1_DUE = madrid(2027, 3, 8, 15, 10)
VPS = "vps-1a2b3c4d.vps.ovh.net"
REASON = "El VPS no responde al ping desde el fin de semana: abrimos una incidencia de nivel 1."


def minute(value: str | None) -> datetime:
    assert value, "no machine-readable time on the page"
    return datetime.fromisoformat(value).replace(second=0, microsecond=0)


def walk(w: Walk) -> None:
    with time_machine.travel(FRIDAY_1730, tick=True) as clock:
        load_demo()

        # Friday 17:30: Ana asks how to install WordPress.
        ana = w.customer("ar1357-ovh", time_zone="Atlantic/Canary")
        ana.click("a.entry.assistance")
        ana.wait_for_url("**/manager/support/assistance/new/**")
        ana.select_option("#id_service", VPS)
        ana.select_option("#id_type", "install_site")
        ana.fill("#id_description", "¿Cómo instalo WordPress en mi VPS? Tengo Debian 12.")
        w.step(ana, "form")
        ana.click("#assistance-form button[type=submit]:not([name=suggest])")
        ana.wait_for_url(re.compile(r".*/manager/support/tickets/\d+/$"))
        question = int(ana.url.rstrip("/").rsplit("/", 1)[1])
        w.step(ana, "question", due=ana.inner_text("#answer-due"), zone=ana.inner_text(".facts"))
        assert "L2" in ana.inner_text(".facts")
        assert minute(ana.locator("#answer-due").get_attribute("datetime")) == L2_DUE
        assert "14:30" not in ana.inner_text("#answer-due"), "the due time is not in Ana's own time zone"

        # Monday 09:10: the L2 agent finds the VPS down and opens a linked L1 incident.
        clock.move_to(MONDAY_0910)
        agent = w.agent("l2.tecnico")
        agent.click("a[href='?level=L2']")
        agent.click(f"a[href='/console/tickets/{question}/']")
        agent.wait_for_url(f"**/console/tickets/{question}/")
        w.step(agent, "question-workspace")
        move = agent.locator("#move-is_an_incident")
        move.locator("select[name=category]").select_option(label=None, index=1)  # the first incident type
        chosen = move.locator("select[name=category] option:checked").inner_text()
        move.locator("textarea[name=reason]").fill(REASON)
        move.locator("button[type=submit]").click()
        agent.wait_for_url(re.compile(r".*/console/tickets/\d+/$"))
        incident = int(agent.url.rstrip("/").rsplit("/", 1)[1])
        assert incident != question, "no new ticket was opened"
        level = agent.inner_text("h1 + p.meta")
        w.step(agent, "incident-workspace", chosen=chosen, meta=level, links=agent.inner_text("#linked"))
        assert agent.locator(f"#linked a[href='/console/tickets/{question}/']").count() == 1
        agent.click(f"#linked a[href='/console/tickets/{question}/']")
        agent.wait_for_url(f"**/console/tickets/{question}/")
        w.step(agent, "question-linked", links=agent.inner_text("#linked"))
        assert agent.locator(f"#linked a[href='/console/tickets/{incident}/']").count() == 1

        # Ana logs in on Monday and sees both tickets in the Manager, each pointing to the other.
        ana = w.customer("ar1357-ovh", time_zone="Atlantic/Canary")
        listed = ana.locator("tbody").inner_text()
        w.step(ana, "support-list")
        assert f"#{question}" in listed and f"#{incident}" in listed
        ana.click(f"a[href='/manager/support/tickets/{incident}/']")
        ana.wait_for_url(f"**/manager/support/tickets/{incident}/")
        first = ana.locator(".conversation article").first
        w.step(
            ana,
            "incident",
            level=ana.inner_text(".facts"),
            due=ana.locator("#answer-due").get_attribute("datetime") if ana.locator("#answer-due").count() else None,
            due_text=ana.inner_text("#answer-due") if ana.locator("#answer-due").count() else "",
            first_author=first.locator(".meta").inner_text() if first.count() else "",
            first_text=first.inner_text() if first.count() else "",
            links=ana.inner_text("section[aria-labelledby=links-title]"),
        )
        assert ana.locator(
            f"section[aria-labelledby=links-title] a[href='/manager/support/tickets/{question}/']"
        ).count()
        ana.click(f"section[aria-labelledby=links-title] a[href='/manager/support/tickets/{question}/']")
        ana.wait_for_url(f"**/manager/support/tickets/{question}/")
        w.step(ana, "question-again", links=ana.inner_text("section[aria-labelledby=links-title]"))
        assert f"#{incident}" in ana.inner_text("section[aria-labelledby=links-title]")


@pytest.mark.parametrize("language", LANGUAGES)
def test_anas_question_becomes_a_linked_incident(language, walked):  # type: ignore[no-untyped-def]
    walked(JOURNEY, walk, customers=language)


def fact(walked, reader: str, step: str, name: str):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in walked(JOURNEY, walk, reader=reader).items() if key.split("-", 1)[1] == step]
    return screen.facts[name]


@pytest.mark.parametrize("reader", languages())
def test_the_agents_incident_stays_on_l1(reader, walked):  # type: ignore[no-untyped-def]
    level = fact(walked, reader, "incident", "level")
    assert "\nL1 · " in level, level


@pytest.mark.parametrize("reader", languages())
def test_the_l1_clock_runs_from_the_move(reader, walked):  # type: ignore[no-untyped-def]
    due = fact(walked, reader, "incident", "due")
    assert due is not None and minute(due) == L1_DUE, due


@pytest.mark.parametrize("reader", languages())
def test_the_agents_reason_is_not_under_the_customers_name(reader, walked):  # type: ignore[no-untyped-def]
    author, text = fact(walked, reader, "incident", "first_author"), fact(walked, reader, "incident", "first_text")
    assert not (author.startswith("Ana Ruiz") and REASON in text), f"{author}: {text}"


@pytest.mark.parametrize("reader", languages())
def test_each_linked_ticket_says_which_way_it_links(reader, walked):  # type: ignore[no-untyped-def]
    on_question = fact(walked, reader, "question-linked", "links")
    on_incident = fact(walked, reader, "incident-workspace", "links")
    label = lambda text: re.sub(r"#\d+|· L\d", "", text).strip()  # noqa: E731
    assert label(on_question) != label(on_incident), (on_question, on_incident)


test_no_raw_codes = on_every_screen(JOURNEY, walk, checks.raw_codes)
test_every_text_in_the_readers_language = on_every_screen(JOURNEY, walk, checks.other_language_words)
test_french_typography = on_every_screen(JOURNEY, walk, checks.french_spacing, "fr")
test_no_double_periods = on_every_screen(JOURNEY, walk, checks.double_periods)
test_no_serious_accessibility_violations = on_every_screen(JOURNEY, walk, checks.serious_axe)
test_no_django_defaults = on_every_screen(JOURNEY, walk, checks.django_defaults)
test_no_level_moves_that_stay_put = on_every_screen(JOURNEY, walk, checks.no_op_moves)
