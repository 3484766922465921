"""Journey 5: a call to 902 106 113.

Carmen (cs9753-ovh) phones the assistance line. The L2 agent has the line's phone screen open;
the PBX announces the call (over HTTP, signed) with her number and the digits she typed, and the
screen fills itself in when the agent answers. The agent asks for her customer identifier and the
service reference; she gives a reference that is not hers by mistake, the desk says so, she
corrects it, and a ticket with channel "phone" is opened and the call logged. She asks for a quote
for flushing the Qmail queue: the commercial agent quotes from the phone ticket as in journey 4,
and Carmen gets it by e-mail and reads it in the Manager.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from journeys.walks import screens as checks
from journeys.walks.conftest import LANGUAGES, Walk, languages, load_demo, madrid, on_every_screen, post_signed

# Transactional (the live server writes from its own thread), hence run after the other database tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "j5"
WEDNESDAY_1000 = madrid(2027, 3, 3, 10, 0)
CTI = "/console/cti/events/"
MAIL = "mail.carmensanchez.es"
CALL = {"call_id": "pbx-carmen", "line": "+34 902 106 113", "caller_number": "+34622333444", "agent": "l2.tecnico"}


def walk(w: Walk) -> None:
    with time_machine.travel(WEDNESDAY_1000, tick=True) as clock:
        load_demo()  # Carmen has a hosting plan and a mail service (the Qmail intervention's product)

        # The L2 agent opens the assistance line's screen from the console.
        agent = w.agent("l2.tecnico")
        agent.click("header nav a[href='/console/phone/']")
        agent.click("main a:has-text('902 106 113')")
        agent.wait_for_url(re.compile(r".*/console/phone/\d+/$"))
        w.step(agent, "line")

        # The PBX: ringing (she typed her identifier's digits), then answered.
        status, answer = post_signed(
            w.base_url, CTI, {"event": "ringing", "digits": "cs9753", **CALL}, header="X-Tierdesk-Signature"
        )
        assert (status, answer.get("state")) == (200, "ringing"), answer
        agent.locator("#pending-call").wait_for(state="visible")
        assert "+34622333444" in agent.inner_text("#pending-call")
        status, answer = post_signed(
            w.base_url, CTI, {"event": "answered", "digits": "cs9753-ovh", **CALL}, header="X-Tierdesk-Signature"
        )
        assert (status, answer.get("state")) == (200, "answered"), answer
        expect(agent.locator("#id_customer_identifier")).to_have_value("cs9753-ovh")
        assert agent.input_value("#id_caller_number") == "+34622333444"
        options = agent.locator("#id_category option").all_inner_texts()
        w.step(agent, "answered", options=options)

        # She reads out her neighbour's reference by mistake: refused, what was typed is kept.
        agent.fill("#id_service_reference", "ferreteriagarcia.es")
        quote_type = agent.locator(
            "#id_category option", has_text=re.compile("Qmail|presupuesto|quote|devis", re.I)
        ).first
        agent.select_option("#id_category", quote_type.get_attribute("value"))
        agent.fill("#id_subject", "Presupuesto: vaciar la cola de Qmail")
        request = "Pide presupuesto para vaciar la cola de Qmail de carmensanchez.es."
        agent.fill("#id_body", request)
        agent.click("button[name=action][value=open]")
        agent.wait_for_load_state()
        refused = agent.inner_text("main")
        w.step(agent, "wrong-reference", refused=refused)
        assert agent.input_value("#id_body") == request
        assert "cs9753-ovh" in refused and agent.locator("[role=alert]").count() >= 1

        # She corrects it: a phone ticket, the call logged with it.
        agent.fill("#id_service_reference", MAIL)
        agent.click("button[name=action][value=open]")
        agent.wait_for_url(re.compile(r".*/console/tickets/\d+/$"))
        number = int(agent.url.rstrip("/").rsplit("/", 1)[1])
        clock.shift(timedelta(minutes=4))
        status, answer = post_signed(w.base_url, CTI, {"event": "hung_up", **CALL}, header="X-Tierdesk-Signature")
        assert (status, answer.get("state")) == (200, "hung_up"), answer
        agent.reload()
        calls = agent.inner_text("section[aria-labelledby=h-calls]")
        meta = agent.inner_text("h1 + p.meta")
        w.step(agent, "phone-ticket", calls=calls, meta=meta, conversation=agent.inner_text("section.conversation"))
        assert "902 106 113" in calls and "+34622333444" in calls

        # The commercial agent quotes from the phone ticket and sends it.
        sales = w.agent("l2.comercial")
        sales.click("a[href='?level=L2']")
        sales.click(f"a[href='/console/tickets/{number}/']")
        sales.wait_for_url(f"**/console/tickets/{number}/")
        sales.click("form[action$='/quote/'] button[type=submit]")
        sales.wait_for_url("**/infogerencia/console/quotes/**")
        quote_number = sales.url.rstrip("/").rsplit("/", 1)[1]
        qmail = sales.locator("#id_intervention_type option", has_text="Qmail").first.get_attribute("value")
        sales.select_option("#id_intervention_type", qmail)
        sales.fill("#id_quantity", "1")
        sales.click("form[action$='/lines/'] button[type=submit]")
        sales.wait_for_load_state()
        w.step(
            sales,
            "quote-line",
            lines=sales.inner_text("main table tbody"),
            errors=sales.locator(".errorlist, .messages").all_inner_texts(),
        )
        w.outbox.clear()
        sales.click("form[action$='/send/'] button[type=submit]")
        sales.wait_for_load_state()
        w.step(sales, "quote-sent")
        mailed = [(str(m["To"]), str(m["Subject"])) for m in w.outbox.messages]
        found = w.outbox.to("carmen@example.es")
        assert len(found) == 1, f"Carmen did not get the quote by e-mail; the desk sent {mailed}"
        sent = found[0]
        w.mail(sent, "mail-quote", "es")  # Carmen reads Spanish until she changes it herself, below
        assert quote_number in str(sent["Subject"])

        # Carmen reads the quote in the Manager, from the link in her ticket.
        carmen = w.customer("cs9753-ovh")
        carmen.click(f"a[href='/manager/support/tickets/{number}/']")
        carmen.wait_for_url(f"**/manager/support/tickets/{number}/")
        w.step(
            carmen,
            "customer-ticket",
            conversation=carmen.inner_text(".conversation"),
            messages=[
                (article.locator(".meta").inner_text(), article.inner_text())
                for article in carmen.locator(".conversation article").all()
            ],
        )
        carmen.click(f"a[href='/infogerencia/manager/quotes/{quote_number}/']")
        carmen.wait_for_url(f"**/manager/quotes/{quote_number}/")
        w.step(carmen, "customer-quote")
        assert "Qmail" in carmen.inner_text("main")


@pytest.mark.parametrize("language", LANGUAGES)
def test_carmen_calls_the_assistance_line(language, walked):  # type: ignore[no-untyped-def]
    walked(JOURNEY, walk, customers=language)


def fact(walked, reader: str, step: str, name: str):  # type: ignore[no-untyped-def]
    (screen,) = [s for key, s in walked(JOURNEY, walk, reader=reader).items() if key.split("-", 1)[1] == step]
    return screen.facts[name]


@pytest.mark.parametrize("reader", languages())
def test_the_agents_words_are_not_under_the_customers_name(reader, walked):  # type: ignore[no-untyped-def]
    messages = fact(walked, reader, "customer-ticket", "messages")
    words = [author for author, text in messages if "Pide presupuesto para vaciar la cola de Qmail" in text]
    assert words and not any(author.startswith("Carmen Sánchez") for author in words), messages


test_no_raw_codes = on_every_screen(JOURNEY, walk, checks.raw_codes)
test_every_text_in_the_readers_language = on_every_screen(JOURNEY, walk, checks.other_language_words)
test_french_typography = on_every_screen(JOURNEY, walk, checks.french_spacing, "fr")
test_no_double_periods = on_every_screen(JOURNEY, walk, checks.double_periods)
test_no_serious_accessibility_violations = on_every_screen(JOURNEY, walk, checks.serious_axe)
test_no_django_defaults = on_every_screen(JOURNEY, walk, checks.django_defaults)
test_no_level_moves_that_stay_put = on_every_screen(JOURNEY, walk, checks.no_op_moves)
