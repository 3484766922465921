"""Card payments through Redsys: the signed form, the notification verified with the merchant
key through python-redsys, and everything hostile or wrong refused with a 4xx that changes nothing."""

from __future__ import annotations

import base64
import json
import re
from html import unescape

import pytest
import time_machine
from django.test import override_settings

from infogerencia.models import (
    AttemptState,
    DeliveryOutcome,
    Intervention,
    InterventionState,
    Payment,
    PaymentAttempt,
    QuoteState,
    WebhookDelivery,
)
from infogerencia.tests.conftest import TUESDAY_10_MADRID
from infogerencia.tests.redsys_bank import KEY, MERCHANT, OTHER_KEY, notification, read_form

pytestmark = pytest.mark.django_db

TPV = "https://sis-t.redsys.es:25443/sis/realizarPago"
NOTIFY = "/infogerencia/payments/redsys/webhook/"


@pytest.fixture(autouse=True)
def _redsys():  # type: ignore[no-untyped-def]
    with (
        override_settings(
            TIERDESK_REDSYS_MERCHANT_CODE=MERCHANT,
            TIERDESK_REDSYS_SECRET_KEY=KEY,
            TIERDESK_REDSYS_TERMINAL=1,
            TIERDESK_REDSYS_TEST=True,
            TIERDESK_REDSYS_URL="",
            TIERDESK_REDSYS_SIGNATURE_VERSION="HMAC_SHA256_V1",
            PUBLIC_URL="https://desk.example.com",
        ),
        time_machine.travel(TUESDAY_10_MADRID, tick=True),
    ):
        yield


def start(client, desk, quote):  # type: ignore[no-untyped-def]
    """Lucía presses "Pay by card"; the page's form, read back: (action, fields)."""
    client.force_login(desk.lucia)
    page = client.post(f"/infogerencia/manager/quotes/{quote.number}/pay/redsys/")
    assert page.status_code == 200
    html = page.content.decode()
    found = re.search(r'<form method="post" action="([^"]+)" id="bank-form"', html)
    assert found is not None
    action = unescape(found.group(1))
    fields = {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(Ds_\w+)" value="([^"]*)"', html)
    }
    return action, fields


def notify(client, fields):  # type: ignore[no-untyped-def]
    return client.post(NOTIFY, data=fields)


class TestTheForm:
    def test_it_posts_the_signed_order_to_the_tpv(self, client, desk, pipeline):
        quote = pipeline.accepted()
        action, fields = start(client, desk, quote)
        assert action == TPV
        assert fields["Ds_SignatureVersion"] == "HMAC_SHA256_V1"
        params = read_form(fields)  # the merchant key's signature holds
        attempt = PaymentAttempt.objects.get(quote=quote)
        assert params["Ds_Merchant_Order"] == attempt.reference == re.sub(r"\D", "", quote.number) + "001"
        assert params["Ds_Merchant_Amount"] == 14520 and params["Ds_Merchant_Currency"] == 978
        assert params["Ds_Merchant_MerchantCode"] == MERCHANT and params["Ds_Merchant_Terminal"] == 1
        assert params["Ds_Merchant_MerchantURL"] == f"https://desk.example.com{NOTIFY}"
        assert params["Ds_Merchant_UrlOK"].endswith(f"/manager/quotes/{quote.number}/?payment=ok")
        assert params["Ds_Merchant_UrlKO"].endswith(f"/manager/quotes/{quote.number}/?payment=ko")
        assert params["Ds_Merchant_MerchantData"] == quote.number
        assert params["Ds_Merchant_ConsumerLanguage"] == 2  # Lucía reads English
        with pytest.raises(AssertionError):
            read_form(fields, key=OTHER_KEY)

    def test_the_production_url_and_an_override_are_settings(self, client, desk, pipeline):
        quote = pipeline.accepted()
        with override_settings(TIERDESK_REDSYS_TEST=False):
            assert start(client, desk, quote)[0] == "https://sis.redsys.es/sis/realizarPago"
        with override_settings(TIERDESK_REDSYS_URL="https://tpv.example.com/pay"):
            assert start(client, desk, quote)[0] == "https://tpv.example.com/pay"
        # Every attempt is a new Redsys order.
        orders = list(PaymentAttempt.objects.filter(quote=quote).values_list("reference", flat=True))
        assert len(set(orders)) == 2

    def test_only_the_customer_of_an_accepted_quote_can_start(self, client, desk, pipeline):
        sent = pipeline.sent()
        client.force_login(desk.lucia)
        answer = client.post(f"/infogerencia/manager/quotes/{sent.number}/pay/redsys/", follow=True)
        assert "The quote must be accepted before it is paid." in answer.content.decode()
        accepted = pipeline.accepted()
        client.force_login(desk.pedro)
        assert client.post(f"/infogerencia/manager/quotes/{accepted.number}/pay/redsys/").status_code == 404
        assert not PaymentAttempt.objects.exists()

    def test_it_is_not_offered_when_not_configured(self, client, desk, pipeline):
        quote = pipeline.accepted()
        with override_settings(TIERDESK_REDSYS_SECRET_KEY=""):
            client.force_login(desk.lucia)
            page = client.get(f"/infogerencia/manager/quotes/{quote.number}/")
            assert "Pay by card" not in page.content.decode()
            assert client.post(f"/infogerencia/manager/quotes/{quote.number}/pay/redsys/").status_code == 404


class TestTheNotification:
    def test_a_signed_payment_applies_and_schedules_the_intervention(self, client, desk, pipeline):
        quote = pipeline.accepted()
        _action, fields = start(client, desk, quote)
        order = read_form(fields)["Ds_Merchant_Order"]
        answer = notify(client, notification(order, amount_cents=14520))
        assert answer.status_code == 200 and answer.json() == {"status": "applied", "quote": quote.number}
        quote.refresh_from_db()
        assert quote.state == QuoteState.PAID
        payment = Payment.objects.get(quote=quote)
        assert (payment.provider, payment.provider_event_id, payment.amount, payment.transaction_id) == (
            "redsys",
            order,
            quote.gross,
            "123456",
        )
        assert PaymentAttempt.objects.get(quote=quote).state == AttemptState.SUCCEEDED
        assert Intervention.objects.get(quote=quote).state == InterventionState.SCHEDULED
        steps = [e.data.get("step") for e in quote.ticket.events.all()]
        assert "payment_started" in steps and "payment_received" in steps
        # Back on the OK URL, Lucía reads what the notification did.
        page = client.get(f"/infogerencia/manager/quotes/{quote.number}/?payment=ok").content.decode()
        assert "Payment of €145.20 received" in page and "Scheduled on" in page

    def test_one_signed_with_another_key_is_refused(self, client, desk, pipeline):
        quote = pipeline.accepted()
        order = read_form(start(client, desk, quote)[1])["Ds_Merchant_Order"]
        answer = notify(client, notification(order, amount_cents=14520, key=OTHER_KEY))
        assert answer.status_code == 401 and answer.json()["error"] == "bad_signature"
        self.assert_nothing_changed(quote)
        logged = WebhookDelivery.objects.get(provider="redsys")
        assert (logged.outcome, logged.http_status) == (DeliveryOutcome.REFUSED_SIGNATURE, 401)

    def test_a_changed_amount_is_refused(self, client, desk, pipeline):
        quote = pipeline.accepted()
        order = read_form(start(client, desk, quote)[1])["Ds_Merchant_Order"]
        # Tampered: the amount rewritten under the bank's signature.
        signed = notification(order, amount_cents=14520)
        params = json.loads(base64.b64decode(signed["Ds_MerchantParameters"]))
        params["Ds_Amount"] = "100"
        signed["Ds_MerchantParameters"] = base64.b64encode(json.dumps(params).encode()).decode()
        assert notify(client, signed).status_code == 401
        # Signed with the merchant key, but not the quote's total.
        answer = notify(client, notification(order, amount_cents=100))
        assert answer.status_code == 400 and answer.json()["error"] == "amount_mismatch"
        self.assert_nothing_changed(quote)
        assert PaymentAttempt.objects.get(quote=quote).state == AttemptState.FAILED

    def test_a_replayed_notification_is_refused(self, client, desk, pipeline):
        quote = pipeline.accepted()
        order = read_form(start(client, desk, quote)[1])["Ds_Merchant_Order"]
        signed = notification(order, amount_cents=14520)
        assert notify(client, signed).status_code == 200
        again = notify(client, signed)
        assert again.status_code == 409 and again.json()["error"] == "replayed"
        assert Payment.objects.filter(quote=quote).count() == 1
        assert Intervention.objects.filter(quote=quote).count() == 1

    def test_a_declined_payment_is_recorded_and_shown_and_can_be_retried(self, client, desk, pipeline):
        quote = pipeline.accepted()
        order = read_form(start(client, desk, quote)[1])["Ds_Merchant_Order"]
        answer = notify(client, notification(order, amount_cents=14520, response="0190"))
        assert answer.status_code == 200 and answer.json() == {"status": "declined", "code": "0190"}
        attempt = PaymentAttempt.objects.get(quote=quote)
        assert (attempt.state, attempt.code) == (AttemptState.FAILED, "0190")
        self.assert_nothing_changed(quote)
        page = client.get(f"/infogerencia/manager/quotes/{quote.number}/?payment=ko").content.decode()
        assert "The bank declined the payment without giving a reason." in page and "code 0190" in page
        assert "Pay by card" in page  # the customer can try again
        second = read_form(start(client, desk, quote)[1])["Ds_Merchant_Order"]
        assert second != order and second.endswith("002")
        assert notify(client, notification(second, amount_cents=14520)).status_code == 200

    def test_the_ok_url_alone_proves_nothing(self, client, desk, pipeline):
        quote = pipeline.accepted()
        start(client, desk, quote)
        page = client.get(f"/infogerencia/manager/quotes/{quote.number}/?payment=ok").content.decode()
        assert "waiting for the payment provider" in page
        self.assert_nothing_changed(quote)

    def test_an_unknown_order_or_an_expired_quote_is_refused(self, client, desk, pipeline):
        answer = notify(client, notification("999999999001", amount_cents=14520))
        assert answer.status_code == 404 and answer.json()["error"] == "unknown_order"
        quote = pipeline.accepted()
        order = read_form(start(client, desk, quote)[1])["Ds_Merchant_Order"]
        with time_machine.travel(TUESDAY_10_MADRID.replace(year=2028), tick=False):
            answer = notify(client, notification(order, amount_cents=14520))
        assert answer.status_code == 409 and answer.json()["error"] == "quote_expired"
        self.assert_nothing_changed(quote)

    def test_another_merchant_is_refused(self, client, desk, pipeline):
        quote = pipeline.accepted()
        order = read_form(start(client, desk, quote)[1])["Ds_Merchant_Order"]
        answer = notify(client, notification(order, amount_cents=14520, merchant="123456789"))
        assert answer.status_code == 400 and answer.json()["error"] == "wrong_merchant"
        self.assert_nothing_changed(quote)

    @pytest.mark.parametrize(
        "fields",
        [
            {},
            {"Ds_SignatureVersion": "HMAC_SHA256_V1", "Ds_MerchantParameters": "e30=", "Ds_Signature": ""},
            {"Ds_SignatureVersion": "HMAC_SHA512_V2", "Ds_MerchantParameters": "e30", "Ds_Signature": "x"},
            {"Ds_SignatureVersion": "HMAC_SHA256_V1", "Ds_MerchantParameters": "!!!not base64", "Ds_Signature": "x"},
            {"Ds_SignatureVersion": "HMAC_SHA256_V1", "Ds_MerchantParameters": "bm90IGpzb24=", "Ds_Signature": "x"},
            {"Ds_SignatureVersion": "HMAC_SHA256_V1", "Ds_MerchantParameters": "WzEsMl0=", "Ds_Signature": "x"},
            {"Ds_SignatureVersion": "HMAC_SHA256_V1", "Ds_MerchantParameters": "e30=", "Ds_Signature": "x"},
            {
                "Ds_SignatureVersion": "HMAC_SHA256_V1",
                "Ds_MerchantParameters": "eyJEc19BbW91bnQiOiAiYWJjIn0=",
                "Ds_Signature": "x",
            },
        ],
        ids=["empty", "no-signature", "other-version", "not-base64", "not-json", "json-list", "no-order", "bad-amount"],
    )
    def test_a_malformed_notification_is_a_4xx(self, client, desk, pipeline, fields):
        quote = pipeline.accepted()
        answer = client.post(NOTIFY, data=fields)
        assert 400 <= answer.status_code < 500 and "error" in answer.json()
        self.assert_nothing_changed(quote)
        assert WebhookDelivery.objects.get(provider="redsys").http_status == answer.status_code

    def test_a_huge_body_or_a_get_is_refused(self, client, desk, pipeline):
        quote = pipeline.accepted()
        answer = client.post(NOTIFY, data="x" * 20_000, content_type="application/x-www-form-urlencoded")
        assert answer.status_code == 413
        assert client.get(NOTIFY).status_code == 405
        self.assert_nothing_changed(quote)

    def test_a_refund_notification_refunds_once_and_cancels_the_intervention(self, client, desk, pipeline):
        quote = pipeline.accepted()
        order = read_form(start(client, desk, quote)[1])["Ds_Merchant_Order"]
        assert notify(client, notification(order, amount_cents=14520)).status_code == 200
        refund = notification(order, amount_cents=14520, response="0900", transaction_type="3")
        answer = notify(client, refund)
        assert answer.status_code == 200 and answer.json() == {"status": "refunded"}
        payment = Payment.objects.get(quote=quote)
        assert payment.refunded_at is not None
        assert Intervention.objects.get(quote=quote).state == InterventionState.CANCELLED
        assert notify(client, refund).status_code == 409

    @staticmethod
    def assert_nothing_changed(quote) -> None:  # type: ignore[no-untyped-def]
        quote.refresh_from_db()
        assert quote.state == QuoteState.ACCEPTED
        assert not Payment.objects.filter(quote=quote).exists()
        assert not Intervention.objects.filter(quote=quote).exists()
