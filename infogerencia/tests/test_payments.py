"""Payments: the signed webhook refuses what it must (and logs it), the manual provider is for
billing staff, and a payment is applied once, only to an accepted quote, for the right amount."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings

from core import signing
from infogerencia import actions, payments
from infogerencia.models import DeliveryOutcome, Intervention, Payment, QuoteState, WebhookDelivery
from infogerencia.tests.conftest import SECRET, signed_post
from tickets.errors import ActionRefused, Forbidden, InvalidInput


def event(quote, **changes):  # type: ignore[no-untyped-def]
    values = {
        "event_id": f"evt_{quote.number}",
        "quote_number": quote.number,
        "amount": str(quote.gross),
        "currency": "EUR",
        "status": "succeeded",
    }
    values.update(changes)
    return values


@pytest.fixture
def clock(morning):  # type: ignore[no-untyped-def]
    with time_machine.travel(morning, tick=False):
        yield morning


class TestWebhookSignature:
    def test_a_tampered_body_is_refused_and_logged(self, client, pipeline, clock):
        quote = pipeline.accepted()
        body = json.dumps(event(quote)).encode()
        header = signing.build_header(SECRET.encode(), int(clock.timestamp()), body)
        tampered = body.replace(str(quote.gross).encode(), b"1.00")
        response = client.post(
            "/infogerencia/payments/webhook/",
            data=tampered,
            content_type="application/json",
            HTTP_X_TIERDESK_SIGNATURE=header,
        )
        assert (response.status_code, response.json()["error"]) == (401, "bad_signature")
        delivery = WebhookDelivery.objects.get()
        assert (delivery.outcome, delivery.code, delivery.http_status) == (
            DeliveryOutcome.REFUSED_SIGNATURE,
            "bad_signature",
            401,
        )
        assert b"1.00" in delivery.body.encode()
        quote.refresh_from_db()
        assert quote.state == QuoteState.ACCEPTED and not Payment.objects.exists()

    def test_a_stale_or_wrongly_keyed_signature_is_refused(self, client, pipeline, clock):
        quote = pipeline.accepted()
        stale = signed_post(client, event(quote), at=clock - timedelta(minutes=6))
        assert (stale.status_code, stale.json()["error"]) == (401, "stale_timestamp")
        future = signed_post(client, event(quote), at=clock + timedelta(minutes=6))
        assert future.json()["error"] == "stale_timestamp"
        wrong_key = signed_post(client, event(quote), at=clock, secret="another-secret")
        assert wrong_key.json()["error"] == "bad_signature"
        missing = client.post("/infogerencia/payments/webhook/", data=b"{}", content_type="application/json")
        assert (missing.status_code, missing.json()["error"]) == (401, "missing_header")
        assert WebhookDelivery.objects.filter(outcome=DeliveryOutcome.REFUSED_SIGNATURE).count() == 4
        assert not Payment.objects.exists()

    def test_a_rotated_secret_is_still_accepted(self, client, pipeline, clock):
        quote = pipeline.accepted()
        with override_settings(TIERDESK_PAYMENT_WEBHOOK_SECRET=["new-secret", SECRET]):
            response = signed_post(client, event(quote), at=clock)
        assert response.json()["status"] == "applied"

    def test_no_secret_configured_refuses_everything(self, client, pipeline, clock):
        quote = pipeline.accepted()
        with override_settings(TIERDESK_PAYMENT_WEBHOOK_SECRET=[]):
            response = signed_post(client, event(quote), at=clock)
        assert (response.status_code, response.json()["error"]) == (503, "not_configured")
        assert WebhookDelivery.objects.get().outcome == DeliveryOutcome.NOT_CONFIGURED


class TestWebhookBody:
    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b"[1, 2]",
            json.dumps({"event_id": "e1", "quote_number": "P-1", "currency": "EUR", "status": "succeeded"}).encode(),
            json.dumps(
                {"event_id": "e1", "quote_number": "P-1", "amount": 1.5, "currency": "EUR", "status": "succeeded"}
            ).encode(),
            json.dumps(
                {"event_id": "", "quote_number": "P-1", "amount": "1", "currency": "EUR", "status": "succeeded"}
            ).encode(),
            b"\xff\xfe",
        ],
    )
    def test_a_malformed_event_gets_a_400_with_a_code(self, client, desk, clock, body):
        response = signed_post(client, body, at=clock)
        assert response.status_code == 400
        assert response.json()["error"] in {"invalid_json", "invalid_event"}
        assert WebhookDelivery.objects.get().outcome == DeliveryOutcome.INVALID

    def test_an_unknown_quote_is_a_404(self, client, desk, clock):
        response = signed_post(
            client,
            {"event_id": "e1", "quote_number": "P-1999-00001", "amount": "1", "currency": "EUR", "status": "succeeded"},
            at=clock,
        )
        assert (response.status_code, response.json()["error"]) == (404, "quote_not_found")

    def test_a_failed_payment_is_acknowledged_and_changes_nothing(self, client, pipeline, clock):
        quote = pipeline.accepted()
        response = signed_post(client, event(quote, status="failed"), at=clock)
        assert (response.status_code, response.json()["status"]) == (200, "ignored")
        quote.refresh_from_db()
        assert quote.state == QuoteState.ACCEPTED

    def test_get_is_not_allowed_and_unknown_providers_do_not_exist(self, client, desk):
        assert client.get("/infogerencia/payments/webhook/").status_code == 405
        assert (
            client.post("/infogerencia/payments/nope/webhook/", data=b"{}", content_type="application/json").status_code
            == 404
        )


class TestPaymentRules:
    def test_a_wrong_amount_or_currency_is_refused(self, client, pipeline, clock):
        quote = pipeline.accepted()
        low = signed_post(client, event(quote, amount="100.00"), at=clock)
        assert (low.status_code, low.json()["error"]) == (400, "amount_mismatch")
        usd = signed_post(client, event(quote, currency="USD"), at=clock)
        assert (usd.status_code, usd.json()["error"]) == (400, "currency_mismatch")
        quote.refresh_from_db()
        assert quote.state == QuoteState.ACCEPTED and not Payment.objects.exists()
        assert list(WebhookDelivery.objects.values_list("outcome", flat=True)) == ["refused", "refused"]

    def test_an_expired_rejected_or_unaccepted_quote_cannot_be_paid(self, client, desk, pipeline, clock):
        expired = pipeline.accepted()
        actions.expire_quotes(now=clock + timedelta(days=31))
        rejected = pipeline.sent()
        actions.reject_quote(rejected, actor=desk.lucia, reason="No", now=clock)
        unaccepted = pipeline.sent()
        for quote, code in [
            (expired, "quote_not_payable"),
            (rejected, "quote_not_payable"),
            (unaccepted, "quote_not_accepted"),
        ]:
            response = signed_post(client, event(quote), at=clock)
            assert (response.status_code, response.json()["error"]) == (409, code)
        assert not Payment.objects.exists()

    def test_an_accepted_quote_past_its_validity_cannot_be_paid(self, desk, pipeline, morning):
        quote = pipeline.accepted()
        with pytest.raises(ActionRefused) as refused:
            actions.apply_payment(
                quote_number=quote.number,
                provider="webhook",
                event_id="late",
                amount=quote.gross,
                currency="EUR",
                actor=None,
                now=morning + timedelta(days=45),
            )
        assert refused.value.code == "quote_expired"

    def test_a_second_payment_with_another_reference_is_refused(self, desk, pipeline, morning):
        quote = pipeline.paid()
        with pytest.raises(ActionRefused) as refused:
            actions.confirm_manual_payment(
                quote, actor=desk.billing, reference="another", amount=quote.gross, now=morning
            )
        assert refused.value.code == "already_paid"
        assert Payment.objects.filter(quote=quote).count() == 1


class TestManualProvider:
    def test_billing_confirms_a_payment_and_it_is_scheduled(self, client, desk, pipeline, clock):
        quote = pipeline.accepted()
        client.force_login(desk.billing)
        bad = client.post(
            f"/infogerencia/console/quotes/{quote.number}/payment/", {"reference": "TR-1", "amount": "1.00"}
        )
        assert bad.status_code == 400 and "TR-1" in bad.content.decode()  # the input is kept
        ok = client.post(
            f"/infogerencia/console/quotes/{quote.number}/payment/", {"reference": "TR-1", "amount": str(quote.gross)}
        )
        assert ok.status_code == 302
        payment = Payment.objects.get(quote=quote)
        assert (payment.provider, payment.recorded_by, payment.amount) == ("manual", desk.billing, quote.gross)
        assert Intervention.objects.filter(quote=quote).exists()

    def test_only_billing_confirms(self, desk, pipeline, morning):
        quote = pipeline.accepted()
        for person in (desk.l2_commercial, desk.l3, desk.lucia):
            with pytest.raises(Forbidden):
                actions.confirm_manual_payment(quote, actor=person, reference="x", amount=quote.gross, now=morning)

    def test_the_registry_reads_the_settings(self):
        assert list(payments.providers()) == ["manual", "redsys", "stripe", "transfer", "webhook"]
        with override_settings(TIERDESK_PAYMENT_PROVIDERS=["infogerencia.payments.ManualProvider"]):
            assert payments.get_provider("webhook") is None

    def test_the_same_reference_twice_applies_once(self, desk, pipeline, morning):
        quote = pipeline.accepted()
        first = actions.confirm_manual_payment(
            quote, actor=desk.billing, reference="TR-9", amount="145.20", now=morning
        )
        second = actions.confirm_manual_payment(
            quote, actor=desk.billing, reference="TR-9", amount="145.20", now=morning
        )
        assert (first.applied, second.applied, first.payment.pk) == (True, False, second.payment.pk)
        assert first.payment.amount == Decimal("145.20")
        with pytest.raises(InvalidInput):
            actions.confirm_manual_payment(quote, actor=desk.billing, reference="  ", amount="145.20", now=morning)


def test_an_oversized_body_is_refused_before_it_is_read(client, desk, morning):
    body = b'{"pad": "' + b"x" * 20_000 + b'"}'
    header = signing.build_header(SECRET.encode(), int(morning.timestamp()), body)
    with time_machine.travel(morning, tick=False):
        response = client.post(
            "/infogerencia/payments/webhook/",
            data=body,
            content_type="application/json",
            HTTP_X_TIERDESK_SIGNATURE=header,
        )
    assert (response.status_code, response.json()["error"]) == (413, "body_too_large")
    assert WebhookDelivery.objects.get().http_status == 413
