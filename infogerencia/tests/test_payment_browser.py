"""In Chromium, in Spanish, English and French: the customer accepts a quote, sees every way of
paying the desk is configured for, chooses card, the Redsys form is posted to the configured TPV
URL (a loopback stand-in plays the bank with python-redsys: it checks the signature and sends the
signed notification), and back on the OK URL she sees the intervention scheduled."""

from __future__ import annotations

import pytest
import time_machine

from conftest import screenshot
from infogerencia.models import Intervention, PaymentAttempt, QuoteState
from infogerencia.tests.conftest import TUESDAY_10_MADRID
from infogerencia.tests.redsys_bank import KEY, MERCHANT, TestBank
from journeys.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"es": "es-ES", "en": "en-GB", "fr": "fr-FR"}
TEXT = {
    "es": ("Pago de 145,20", "Programada el", "11:15"),
    "en": ("Payment of €145.20", "Scheduled on", "11:15"),
    "fr": ("Paiement de 145,20", "Planifiée le", "11:15"),
}


@pytest.mark.parametrize("language", ["es", "en", "fr"])
def test_pay_by_card_through_redsys(live_server, desk, chromium, settings, catalogue, pipeline, language):  # type: ignore[no-untyped-def]
    lucia = desk.lucia
    lucia.language = language
    lucia.save(update_fields=["language"])
    settings.PUBLIC_URL = live_server.url
    settings.TIERDESK_REDSYS_MERCHANT_CODE = MERCHANT
    settings.TIERDESK_REDSYS_SECRET_KEY = KEY
    settings.TIERDESK_REDSYS_TEST = True
    settings.TIERDESK_BANK_IBAN = "ES9121000418450200051332"
    settings.TIERDESK_BANK_BIC = "CAIXESBBXXX"
    settings.TIERDESK_INTERVENTION_LEAD_MINUTES = 60

    with time_machine.travel(TUESDAY_10_MADRID, tick=True), TestBank() as bank:
        settings.TIERDESK_REDSYS_URL = bank.url
        quote = pipeline.sent()
        page = log_in(chromium, live_server, lucia.username, locale=LOCALES[language])
        page.goto(f"/infogerencia/manager/quotes/{quote.number}/")
        page.locator("form[action$='/accept/'] button[type=submit]").click()
        page.wait_for_load_state()
        quote.refresh_from_db()
        assert quote.state == QuoteState.ACCEPTED

        # Every configured way of paying, each one usable: card, and a transfer with its details.
        assert page.locator("#pay-redsys button").is_visible()
        assert page.inner_text("#transfer-reference") == quote.transfer_reference
        assert "ES91 2100 0418 4502 0005 1332" in page.inner_text("#pay-transfer")
        assert not page.locator("#pay-stripe").count()  # Stripe is not configured here
        screenshot(page, f"payment-{language}-accepted")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator("#pay-redsys button").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        screenshot(page, f"payment-{language}-accepted-390")

        # "Pay by card": the signed form, in test mode shown before it leaves.
        page.locator("#pay-redsys button").click()
        page.wait_for_load_state()
        assert page.get_attribute("#bank-form", "action") == bank.url
        assert "Ds_Merchant_Order" in page.inner_text("#test-mode")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"payment-{language}-redsys-form-390")
        page.set_viewport_size({"width": 1280, "height": 900})

        # The bank checks the signature, notifies the desk, and sends her back to the OK URL.
        with page.expect_navigation(url=f"**/manager/quotes/{quote.number}/?payment=ok"):
            page.locator("#bank-form button").click()
        page.wait_for_load_state()
        (form,) = bank.forms
        assert form["Ds_Merchant_Amount"] == 14520 and form["Ds_Merchant_MerchantCode"] == MERCHANT
        assert bank.notified == [200]
        paid, scheduled, time_text = TEXT[language]
        main = page.inner_text("main")
        assert paid in main and scheduled in main and time_text in main
        screenshot(page, f"payment-{language}-paid")
        page.context.close()

    quote.refresh_from_db()
    assert quote.state == QuoteState.PAID
    assert PaymentAttempt.objects.get(quote=quote).reference == form["Ds_Merchant_Order"]
    assert Intervention.objects.filter(quote=quote).count() == 1
