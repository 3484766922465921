"""The sweep: every page of the Manager and of the console, with realistic data, read in English
and in French, checked for what a reader of that language should never meet (Spanish words of
the interface, raw codes, Django's English defaults, "L2 → L2", numbers with a decimal comma where
a machine reads them); and the pages an on-call technician and a customer use from a phone, at
390 px wide (and the queue at 200 % zoom), checked for sideways scrolling and for actions out of
reach.

The data: the demo (``load_demo``) plus quotes in every state, an invoice and its credit note,
and an ongoing outage, made with the desk's actions and a signed monitoring alert, so that every
page has something to show (the walks build such states through the pages; the sweep only reads).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from journeys.walks import screens as checks
from journeys.walks.conftest import PHONE, Walk, languages, load_demo, madrid, post_signed

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "sweep"
WEDNESDAY_1100 = madrid(2027, 3, 10, 11, 0)
READERS = ("en", "fr")


def every_state() -> dict[str, Any]:
    """Quotes in every state on Jorge's commercial ticket, an invoice and its credit note."""
    from accounts.models import User
    from infogerencia import actions
    from infogerencia.models import InterventionType
    from tickets.models import Ticket

    sales = User.objects.get(username="l2.comercial")
    admin = User.objects.get(username="l3.admin")
    billing = User.objects.get(username="facturacion")
    jorge = User.objects.get(username="jn8642-ovh")
    ticket = Ticket.objects.get(subject="Recompilar PHP con la extensión intl")
    php = InterventionType.objects.get(code="recompile-php")

    def quote(*, send: bool = True):  # type: ignore[no-untyped-def]
        made = actions.draft_quote(ticket, actor=sales)
        actions.add_quote_line(
            made, actor=sales, quantity=Decimal("1.5"), intervention_type=php, discount_percent="12.5"
        )
        if send:
            made = actions.send_quote(made, actor=sales)
        return made

    draft = quote(send=False)
    sent = quote()
    accepted = actions.accept_quote(quote(), actor=jorge)
    rejected = actions.reject_quote(quote(), actor=jorge, reason="Demasiado caro para este mes.")
    scheduled = actions.accept_quote(quote(), actor=jorge)
    actions.confirm_manual_payment(scheduled, actor=billing, reference="TRF-1", amount=scheduled.gross)
    done = actions.accept_quote(quote(), actor=jorge)
    actions.confirm_manual_payment(done, actor=billing, reference="TRF-2", amount=done.gross)
    done.refresh_from_db()
    intervention = done.intervention
    fields = {key: "8.3.14" for key, _label in actions.required_fields(intervention)}
    actions.record_report(
        intervention, actor=admin, steps="1. Copia\n2. make", outcome="success", minutes_spent=75, fields=fields
    )
    invoice = actions.complete_intervention(intervention, actor=admin)
    actions.issue_credit_note(invoice, actor=billing, reason="Descuento por el retraso.")
    return {
        "ticket": ticket.number,
        "quotes": [q.number for q in (draft, sent, accepted, rejected, scheduled, done)],
        "paid": scheduled.number,
    }


def outage(base_url: str) -> None:
    """Jorge's and Lucía's servers behind rack rbx-r07 stop answering: an ongoing outage."""
    from datetime import UTC, datetime

    for reference in ("ns3012345.ip-51-75-1.eu", "ns3098765.ip-51-75-1.eu"):
        status, answer = post_signed(
            base_url,
            "/triage/monitoring/alerts",
            {
                "alert_id": f"zbx-{reference}",
                "service": reference,
                "check": "ping",
                "state": "problem",
                "time": datetime.now(UTC).isoformat(),
            },
            header="Tierdesk-Signature",
        )
        assert status in {200, 201}, answer


def read(w: Walk, page: Any, path: str, name: str) -> None:
    page.goto(path)
    w.step(page, name, shot=False)


def walk(w: Walk) -> None:
    from django.conf import settings

    settings.TIERDESK_OUTAGE_MIN_SERVICES = 2
    language = w.language
    with time_machine.travel(WEDNESDAY_1100, tick=True) as clock:
        load_demo()
        made = every_state()
        clock.shift(timedelta(minutes=5))
        outage(w.base_url)
        from tickets.models import Ticket
        from triage.models import Outage

        numbers = list(Ticket.objects.order_by("number").values_list("number", flat=True))
        incidents = list(Ticket.objects.filter(kind="incident").order_by("number").values_list("number", flat=True))
        mine = {
            username: list(
                Ticket.objects.filter(requester__username=username).order_by("number").values_list("number", flat=True)
            )
            for username in ("jn8642-ovh", "lm4321-ovh", "pg2468-ovh")
        }
        outage_pk = Outage.objects.get().pk

        # The Manager, as Jorge (quotes, invoices, an intervention) and as Lucía and Pedro.
        jorge = w.person("jn8642-ovh", language)
        for path, name in [
            ("/manager/products/", "products"),
            ("/manager/support/", "support"),
            ("/manager/support/?status=active", "support-active"),
            ("/manager/support/incident/new/", "incident-form"),
            ("/manager/support/assistance/new/", "assistance-form"),
            ("/infogerencia/manager/", "quotes"),
            ("/accounts/security/", "security"),
            ("/notifications/preferences/", "preferences"),
            ("/guides/", "guides"),
            ("/guides/niveles-de-soporte/", "guide"),
            ("/api/tokens/", "api-tokens"),
        ]:
            read(w, jorge, path, f"manager-{name}")
        jorge.goto("/manager/support/incident/new/")
        jorge.click("form.ticket-form button[type=submit]")
        w.step(jorge, "manager-incident-form-errors", shot=False)
        for number in mine["jn8642-ovh"]:
            read(w, jorge, f"/manager/support/tickets/{number}/", f"manager-ticket-{number}")
        for quote in made["quotes"][1:]:
            read(w, jorge, f"/infogerencia/manager/quotes/{quote}/", f"manager-quote-{quote}")
        for username in ("lm4321-ovh", "pg2468-ovh"):
            other = w.person(username, language)
            for number in mine[username]:
                read(w, other, f"/manager/support/tickets/{number}/", f"manager-ticket-{number}")

        # The console, as the supervisor (every queue, ticket and report) and an L1 technician.
        marta = w.person("supervisora", language)
        for path, name in [
            ("/console/?level=L1", "queue-l1"),
            ("/console/?level=L2", "queue-l2"),
            ("/console/?level=L3", "queue-l3"),
            ("/console/?level=L1&assignee=none", "queue-unassigned"),
            ("/console/sla/", "sla-report"),
            ("/console/dashboard/", "dashboard"),
            ("/console/phone/", "phone-lines"),
            ("/console/phone/1/", "phone-l1"),
            ("/console/phone/2/", "phone-l2"),
            ("/console/search/?q=servidor", "search"),
            ("/infogerencia/console/", "managed-services"),
            ("/triage/flagged/", "flagged"),
            ("/triage/outages/", "outages"),
            (f"/triage/outages/{outage_pk}/", "outage"),
        ]:
            read(w, marta, path, f"console-{name}")
        for number in numbers:
            read(w, marta, f"/console/tickets/{number}/", f"console-ticket-{number}")
        for number in incidents:  # the checks' page of each incident (other tickets have no checks)
            read(w, marta, f"/triage/tickets/{number}/", f"triage-ticket-{number}")
        for quote in made["quotes"]:
            read(w, marta, f"/infogerencia/console/quotes/{quote}/", f"console-quote-{quote}")
        tech = w.person("l1.tecnico", language)
        read(w, tech, f"/infogerencia/console/quotes/{made['paid']}/", "l1-paid-quote")
        w.screens[next(reversed(w.screens))].facts["l3_forms"] = {
            action: tech.locator(f"form[action$='/{action}/']").count() for action in ("move", "report", "credit-note")
        }

        # From a phone, 390 px wide: the customer's ticket page and the technician's workspace.
        open_incident = mine["lm4321-ovh"][0]
        lucia = w.person("lm4321-ovh", language, viewport=PHONE)
        lucia.goto(f"/manager/support/tickets/{open_incident}/")
        w.step(lucia, "phone-customer-ticket", reach=reach(lucia))
        phone = w.person("l1.tecnico", language, viewport=PHONE)
        phone.goto("/console/?level=L1")
        w.step(phone, "phone-queue", reach=reach(phone))
        phone.goto(f"/console/tickets/{open_incident}/")
        w.step(phone, "phone-workspace", reach=reach(phone))
        phone.set_viewport_size({"width": 640, "height": 800})  # 1280 px at 200 % zoom
        phone.goto("/console/?level=L1")
        w.step(phone, "zoom-queue", reach=reach(phone))


REACH = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const actions = 'header a, header button, header select, main a[href], main button, '
    + 'main input:not([type=hidden]), main select, main textarea, main summary';
  for (const el of document.querySelectorAll(actions)) {
    if (!el.checkVisibility()) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 1 || box.left < -1) {
      const name = (el.innerText || el.name || el.id || el.tagName).trim().slice(0, 40);
      out.push(name + ' @' + Math.round(box.left) + '–' + Math.round(box.right));
    }
  }
  const scroll = document.documentElement.scrollWidth;
  return {overflow: scroll > window.innerWidth + 1, scroll, width, out};
}
"""


def reach(page: Any) -> dict[str, Any]:
    return page.evaluate(REACH)  # type: ignore[no-any-return]


def swept(walked, language):  # type: ignore[no-untyped-def]
    return walked(JOURNEY, walk, customers=language)


def swept_check(check, **defects):  # type: ignore[no-untyped-def]
    @pytest.mark.parametrize("reader", languages(*READERS, **defects))
    def test(reader, walked):  # type: ignore[no-untyped-def]
        found = checks.problems(swept(walked, reader), check)
        assert not found, checks.explain(found)

    test.__doc__ = check.__doc__
    return test


def fact(walked, reader: str, step: str, name: str):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in swept(walked, reader).items() if key.split("-", 1)[1] == step]
    return screen.facts[name]


test_no_spanish_on_english_or_french_pages = swept_check(checks.spanish_text)
test_no_raw_codes = swept_check(checks.raw_codes)
test_no_django_defaults = swept_check(checks.django_defaults)
test_no_level_moves_that_stay_put = swept_check(checks.no_op_moves)
test_numbers_for_machines_are_not_localised = swept_check(checks.localised_numbers)
test_no_double_periods = swept_check(checks.double_periods)
test_french_typography = swept_check(checks.french_spacing)


@pytest.mark.parametrize("reader", languages(*READERS))
@pytest.mark.parametrize(
    "page",
    [
        "phone-customer-ticket",
        "phone-workspace",
        "phone-queue",
        "zoom-queue",
    ],
)
def test_every_action_is_within_reach_on_a_narrow_screen(page, reader, walked):  # type: ignore[no-untyped-def]
    seen = fact(walked, reader, page, "reach")
    assert not seen["overflow"] and not seen["out"], seen


@pytest.mark.parametrize("reader", languages(*READERS))
def test_an_l1_technician_is_not_shown_l3_forms(reader, walked):  # type: ignore[no-untyped-def]
    forms = fact(walked, reader, "l1-paid-quote", "l3_forms")
    assert not any(forms.values()), forms
