"""Journey 4: recompile PHP, paid (L2 commercial → L3).

Jorge (jn8642-ovh) asks, in an assistance ticket, for PHP to be recompiled with an extension. The
L2 technical agent hands it to commercial ("Requiere infogerencia → presupuesto"). A commercial
agent drafts a quote from the catalogue (recompile PHP, 1 unit, VAT 21 %) and sends it; Jorge gets
an e-mail with the PDF, accepts in the Manager and pays; the payment processor's webhook arrives
(twice); the intervention is scheduled at once in the first free L3 slot and both sides are told
when. The L3 administrator performs it and records the operation report; Jorge receives the
invoice (the next number of the series, the PDF in his language) and the operation's details, and
sees all of it on his ticket.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from pypdf import PdfReader

from journeys.walks import screens as checks
from journeys.walks.conftest import LANGUAGES, Walk, languages, load_demo, madrid, on_every_screen, post_signed

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "j4"
TUESDAY_0930 = madrid(2027, 3, 2, 9, 30)
SERVER = "ns3098765.ip-51-75-1.eu"
SUBJECT = 'PHP con la extensión "soap" > 8.2'
PAYMENT = "/infogerencia/payments/webhook/"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_of(message: Any) -> bytes:
    for part in message.iter_attachments():
        if part.get_content_type() == "application/pdf":
            payload: bytes = part.get_payload(decode=True)
            return payload
    raise AssertionError(f"no PDF attached to {message['Subject']!r}")


def date_fields(page: Any) -> list[float]:
    """The heights of the page's date and date-time fields, in CSS pixels."""
    return page.evaluate(  # type: ignore[no-any-return]
        "() => [...document.querySelectorAll('input[type=date], input[type=datetime-local]')]"
        ".map(e => e.getBoundingClientRect().height)"
    )


def number_in(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[1])


def walk(w: Walk) -> None:
    with time_machine.travel(TUESDAY_0930, tick=True) as clock:
        load_demo()

        # Jorge asks for the recompilation in an assistance ticket.
        jorge = w.customer("jn8642-ovh")
        jorge.click("a.entry.assistance")
        jorge.wait_for_url("**/manager/support/assistance/new/**")
        jorge.select_option("#id_service", SERVER)
        jorge.select_option("#id_type", "technical_other")
        jorge.fill("#id_subject", SUBJECT)
        jorge.fill("#id_description", "Necesito PHP recompilado con la extensión soap en mi servidor.")
        jorge.click("#assistance-form button[type=submit]:not([name=suggest])")
        jorge.wait_for_url(re.compile(r".*/manager/support/tickets/\d+/$"))
        number = number_in(jorge.url)
        w.step(jorge, "asked", number=number)

        # The L2 technician hands it to commercial, with a reason.
        clock.shift(timedelta(minutes=20))
        tech = w.agent("l2.tecnico")
        tech.click("a[href='?level=L2']")
        tech.click(f"a[href='/console/tickets/{number}/']")
        tech.wait_for_url(f"**/console/tickets/{number}/")
        move = tech.locator("#move-needs_intervention")
        move.locator("textarea[name=reason]").fill("Recompilar PHP es trabajo de administración: presupuesto.")
        move.locator("button[type=submit]").click()
        tech.wait_for_load_state()
        history = tech.locator("section[aria-labelledby=h-history] tbody tr").all_inner_texts()
        w.step(tech, "handed-off", history=history, meta=tech.inner_text("h1 + p.meta"))

        # The commercial agent drafts the quote from the catalogue, tries to set its terms, sends it.
        clock.shift(timedelta(minutes=10))
        sales = w.agent("l2.comercial")
        sales.click("a[href='?level=L2']")
        row = sales.locator("tbody tr", has=sales.locator(f"a[href='/console/tickets/{number}/']"))
        assert row.count() == 1, "the handed-off ticket is not in commercial's L2 queue"
        sales.click(f"a[href='/console/tickets/{number}/']")
        sales.wait_for_url(f"**/console/tickets/{number}/")
        w.step(sales, "commercial-ticket")
        sales.click("form[action$='/quote/'] button[type=submit]")
        sales.wait_for_url("**/infogerencia/console/quotes/**")
        quote_number = sales.url.rstrip("/").rsplit("/", 1)[1]
        php = sales.locator("#id_intervention_type option", has_text="PHP").first.get_attribute("value")
        sales.select_option("#id_intervention_type", php)
        sales.fill("#id_quantity", "1")
        sales.click("form[action$='/lines/'] button[type=submit]")
        sales.wait_for_load_state()
        shown_date = sales.input_value("#id_valid_until")
        terms = "Intervención en horario laboral; copia de seguridad previa incluida."
        sales.fill("#id_terms", terms)
        sales.click("form[action$='/terms/'] button[type=submit]")
        sales.wait_for_load_state()
        w.step(
            sales,
            "terms",
            date_fields=date_fields(sales),
            shown_date=shown_date,
            terms_kept=sales.input_value("#id_terms") if sales.locator("#id_terms").count() else "",
            errors=sales.locator(".errorlist").all_inner_texts(),
        )
        gross = sales.inner_text("dl.totals")
        w.outbox.clear()
        sales.click("form[action$='/send/'] button[type=submit]")
        sales.wait_for_load_state()
        w.step(sales, "quote-sent", totals=gross)
        assert "145" in gross and ("21 %" in sales.inner_text("main") or "21 %" in gross)

        # Jorge gets the quote by e-mail, with the PDF.
        (sent,) = w.outbox.to("jorge@example.es")
        quote_pdf = pdf_text(pdf_of(sent))
        w.mail(sent, "mail-quote", w.language, pdf=quote_pdf)
        assert quote_number in str(sent["Subject"]) and quote_number in quote_pdf

        # He accepts it in the Manager, from his ticket.
        clock.shift(timedelta(minutes=30))
        jorge.reload()
        jorge.click(f"a[href='/infogerencia/manager/quotes/{quote_number}/']")
        jorge.wait_for_url(f"**/manager/quotes/{quote_number}/")
        w.step(jorge, "quote", date_fields=date_fields(jorge))
        jorge.click("form[action$='/accept/'] button[type=submit]")
        jorge.wait_for_load_state()
        payment = jorge.locator("main section.card").filter(has=jorge.locator("h2")).last
        w.step(
            jorge,
            "accepted",
            state=jorge.inner_text("#quote-state"),
            payment=payment.inner_text(),
            payment_links=payment.locator("a[href], form").count(),
        )

        # The processor's webhook arrives twice: paid once, scheduled at once.
        w.outbox.clear()
        event = {
            "event_id": f"evt-{w.language}",
            "quote_number": quote_number,
            "amount": "145.20",
            "currency": "EUR",
            "status": "succeeded",
        }
        status, answer = post_signed(w.base_url, PAYMENT, event, header="X-Tierdesk-Signature")
        assert (status, answer.get("status")) == (200, "applied"), answer
        clock.shift(timedelta(seconds=70))
        status, answer = post_signed(w.base_url, PAYMENT, event, header="X-Tierdesk-Signature")
        assert (status, answer.get("status")) == (200, "already_applied"), answer
        told = [str(m["To"]) for m in w.outbox.messages]
        jorge.reload()
        w.step(jorge, "scheduled", told=told, intervention=jorge.inner_text("main"))
        assert len(w.outbox.to("jorge@example.es")) == 1, told
        assert w.outbox.to("l3.admin@tierdesk.localhost"), f"the L3 administrator was not told: {told}"

        # The L3 administrator finds the intervention, records the operation and marks it done.
        clock.shift(timedelta(hours=2))
        admin = w.agent("l3.admin")
        admin.goto(f"/infogerencia/console/quotes/{quote_number}/")
        admin.fill("#id_steps", "1. Copia de seguridad\n2. ./configure --enable-soap\n3. make install")
        admin.fill("#id_commands", "./configure --enable-soap && make && make install")
        admin.select_option("#id_outcome", "success")
        admin.fill("#id_minutes_spent", "95")
        for field in admin.locator("input[id^=id_field_]").all():
            field.fill("8.3.14 (soap, intl)")
        admin.click("form[action$='/report/'] button[type=submit]")
        admin.wait_for_load_state()
        w.outbox.clear()
        admin.click("form[action$='/done/'] button[type=submit]")
        admin.wait_for_load_state()
        w.step(admin, "done", steps=admin.locator("section[aria-labelledby=steps-title] li").all_inner_texts())

        # The invoice: the next number of the series, in his language, with the operation's details.
        (invoice_mail,) = [m for m in w.outbox.to("jorge@example.es") if "A-2027-" in str(m["Subject"])]
        invoice_pdf = pdf_text(pdf_of(invoice_mail))
        mailed = w.mail(invoice_mail, "mail-invoice", w.language, pdf=invoice_pdf)
        assert "A-2027-000001" in invoice_pdf and "145" in invoice_pdf
        assert "./configure --enable-soap" in mailed.facts["body"]

        # And all of it is on his ticket.
        jorge.goto(f"/manager/support/tickets/{number}/")
        shown = jorge.inner_text("main")
        subjects = [str(m["Subject"]) for m in w.outbox.every if "jorge@example.es" in str(m["To"])]
        w.step(jorge, "ticket-all", shown=shown, subjects=subjects)
        assert quote_number in shown and "A-2027-000001" in shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_jorge_pays_for_a_php_recompilation(language, walked):  # type: ignore[no-untyped-def]
    walked(JOURNEY, walk, customers=language)


def fact(walked, reader: str, step: str, name: str):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in walked(JOURNEY, walk, reader=reader).items() if key.split("-", 1)[1] == step]
    return screen.facts[name]


@pytest.mark.parametrize("reader", languages())
def test_quote_terms_can_be_saved(reader, walked):  # type: ignore[no-untyped-def]
    shown, errors = fact(walked, reader, "terms", "shown_date"), fact(walked, reader, "terms", "errors")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown) and not errors, f"date field shows {shown!r}; errors {errors}"


@pytest.mark.parametrize("reader", languages())
def test_the_accepted_quote_tells_how_to_pay(reader, walked):  # type: ignore[no-untyped-def]
    payment, ways = fact(walked, reader, "accepted", "payment"), fact(walked, reader, "accepted", "payment_links")
    assert ways > 0 or "IBAN" in payment, f"no link, form or bank details to pay with: {payment!r}"


@pytest.mark.parametrize("reader", languages())
def test_date_fields_are_big_enough_to_use(reader, walked):  # type: ignore[no-untyped-def]
    heights = fact(walked, reader, "quote", "date_fields") + fact(walked, reader, "terms", "date_fields")
    assert heights and min(heights) >= 24, heights


@pytest.mark.parametrize("reader", languages())
def test_mail_subjects_are_plain_text(reader, walked):  # type: ignore[no-untyped-def]
    subjects = fact(walked, reader, "ticket-all", "subjects")
    assert not [s for s in subjects if re.search(r"&(quot|gt|lt|amp|#\d+);", s)], subjects


test_no_raw_codes = on_every_screen(JOURNEY, walk, checks.raw_codes)
test_every_text_in_the_readers_language = on_every_screen(JOURNEY, walk, checks.other_language_words)
test_french_typography = on_every_screen(JOURNEY, walk, checks.french_spacing, "fr")
test_no_double_periods = on_every_screen(JOURNEY, walk, checks.double_periods)
test_no_serious_accessibility_violations = on_every_screen(JOURNEY, walk, checks.serious_axe)
test_no_django_defaults = on_every_screen(JOURNEY, walk, checks.django_defaults)
test_no_level_moves_that_stay_put = on_every_screen(JOURNEY, walk, checks.no_op_moves)
