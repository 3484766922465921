"""Journey 7: a supervisor's Monday.

Marta (supervisora) opens the dashboard on Monday 8 March 2027 at 09:00: last week's first
responses per level against 1–6 h and 12–24 h, breaches with their tickets, transfers L1→L2,
L2→L1 and →L3, scores, the backlog per team now; then the SLA report. She adds a regional
holiday (Tuesday 9 March) to the L2 calendar in the administration, and an open L2 ticket's due
time moves one business day later.

Last week is the demo's: ``load_demo`` run on the Friday evening before makes its tickets then.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from journeys.walks import screens as checks
from journeys.walks.conftest import LANGUAGES, Walk, languages, load_demo, madrid, on_every_screen

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "j7"
FRIDAY_1800 = madrid(2027, 3, 5, 18, 0)
MONDAY_0900 = madrid(2027, 3, 8, 9, 0)
# The demo's "¿Cómo instalo WordPress?" (L2, opened Friday 16:00): 24 business hours → Wednesday
# 13:00; with Tuesday closed, Thursday 13:00.
DUE_BEFORE = madrid(2027, 3, 10, 13, 0)
DUE_AFTER = madrid(2027, 3, 11, 13, 0)


def minute(value: str | None) -> datetime:
    assert value, "no machine-readable time on the page"
    return datetime.fromisoformat(value).replace(second=0, microsecond=0)


def walk(w: Walk) -> None:
    with time_machine.travel(FRIDAY_1800, tick=True) as clock:
        load_demo()
        from tickets.models import Ticket

        waiting = Ticket.objects.get(subject="¿Cómo instalo WordPress?").number
        clock.move_to(MONDAY_0900)

        marta = w.agent("supervisora")
        marta.click("header nav a[href='/console/dashboard/']")
        marta.wait_for_url("**/console/dashboard/")
        first = marta.locator("section[aria-labelledby=h-first] tbody").inner_text()
        transfers = marta.locator("section[aria-labelledby=h-transfers] tbody").inner_text()
        w.step(marta, "dashboard", first=first, transfers=transfers, charts=marta.locator("svg").count())
        assert "L1" in first and "L2" in first
        assert marta.locator("svg").count() >= 3

        marta.click("header nav a[href='/console/sla/']")
        marta.wait_for_url("**/console/sla/**")
        w.step(
            marta,
            "sla-report",
            breaches=marta.locator("section[aria-labelledby=breaches]").inner_text(),
            drawn=marta.evaluate(
                "() => [...document.querySelectorAll('svg rect')].filter(r => r.getBBox().height > 0).length"
            ),
        )

        # The ticket still waiting for its first answer, before the holiday.
        marta.goto(f"/console/tickets/{waiting}/")
        before = minute(marta.locator("section.sla-clock time[datetime]").first.get_attribute("datetime"))
        w.step(marta, "ticket-before")
        assert before == DUE_BEFORE, before

        # Tuesday 9 March becomes a closed day of the L2 calendar, in the administration.
        marta.click("header nav a[href='/admin/']")
        marta.wait_for_url("**/admin/")
        w.step(marta, "admin")
        marta.click("a[href='/admin/sla/businesscalendar/']")
        marta.click("#result_list th a:has-text('(Madrid)')")  # the business calendar, by its name
        marta.fill("#id_closures", '["2027-03-09"]')
        marta.click("input[name=_save]")
        marta.wait_for_url("**/admin/sla/businesscalendar/")
        w.step(marta, "calendar-saved")
        assert marta.locator(".messagelist .success").count() == 1

        marta.goto(f"/console/tickets/{waiting}/")
        after = minute(marta.locator("section.sla-clock time[datetime]").first.get_attribute("datetime"))
        w.step(marta, "ticket-after", before=before.isoformat(), after=after.isoformat())
        assert after == DUE_AFTER, after


@pytest.mark.parametrize("language", LANGUAGES)
def test_martas_monday(language, walked):  # type: ignore[no-untyped-def]
    walked(JOURNEY, walk, customers=language)


def fact(walked, reader: str, step: str, name: str):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in walked(JOURNEY, walk, reader=reader).items() if key.split("-", 1)[1] == step]
    return screen.facts[name]


@pytest.mark.parametrize("reader", languages())
def test_the_sla_report_draws_its_charts(reader, walked):  # type: ignore[no-untyped-def]
    assert fact(walked, reader, "sla-report", "drawn") > 0


@pytest.mark.parametrize("reader", languages())
def test_the_sla_report_lists_last_weeks_breaches(reader, walked):  # type: ignore[no-untyped-def]
    """The dashboard counts breaches last week (L1 and L2); the report lists them with their tickets."""
    assert "#" in fact(walked, reader, "sla-report", "breaches"), fact(walked, reader, "sla-report", "breaches")


test_numbers_for_machines_are_not_localised = on_every_screen(JOURNEY, walk, checks.localised_numbers)
test_no_raw_codes = on_every_screen(JOURNEY, walk, checks.raw_codes)
test_every_text_in_the_readers_language = on_every_screen(JOURNEY, walk, checks.other_language_words)
test_french_typography = on_every_screen(JOURNEY, walk, checks.french_spacing, "fr")
test_no_double_periods = on_every_screen(JOURNEY, walk, checks.double_periods)
test_no_serious_accessibility_violations = on_every_screen(JOURNEY, walk, checks.serious_axe)
test_no_django_defaults = on_every_screen(JOURNEY, walk, checks.django_defaults)
test_no_level_moves_that_stay_put = on_every_screen(JOURNEY, walk, checks.no_op_moves)
