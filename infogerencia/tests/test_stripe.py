"""Stripe Checkout: the session per quote (idempotent), and the webhook verified by
``stripe.Webhook.construct_event`` with every refusal a 4xx that changes nothing."""

from __future__ import annotations

import time

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
from infogerencia.tests.stripe_events import (
    OLD_SECRET,
    SECRET,
    StripeStandIn,
    event,
    session_completed,
    sign,
)

pytestmark = pytest.mark.django_db

WEBHOOK = "/infogerencia/payments/stripe/webhook/"


@pytest.fixture(autouse=True)
def _stripe():  # type: ignore[no-untyped-def]
    with (
        override_settings(
            TIERDESK_STRIPE_SECRET_KEY="sk_test_tierdesk",
            TIERDESK_STRIPE_WEBHOOK_SECRETS=[SECRET],
            TIERDESK_STRIPE_API_BASE="http://127.0.0.1:9",  # nothing listens: no call leaves the machine
            TIERDESK_STRIPE_TIMEOUT=5,
            PUBLIC_URL="https://desk.example.com",
        ),
        time_machine.travel(TUESDAY_10_MADRID, tick=True),
    ):
        yield


@pytest.fixture
def stripe_api():  # type: ignore[no-untyped-def]
    with StripeStandIn() as stand_in, override_settings(TIERDESK_STRIPE_API_BASE=stand_in.url):
        yield stand_in


def deliver(client, body: bytes, header: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"HTTP_STRIPE_SIGNATURE": header if header is not None else sign(body)}
    return client.post(WEBHOOK, data=body, content_type="application/json", **extra)


def checkout(client, desk, quote):  # type: ignore[no-untyped-def]
    client.force_login(desk.lucia)
    return client.post(f"/infogerencia/manager/quotes/{quote.number}/pay/stripe/")


class TestTheSession:
    def test_it_creates_one_session_per_quote_and_sends_the_customer_there(self, client, desk, pipeline, stripe_api):
        quote = pipeline.accepted()
        answer = checkout(client, desk, quote)
        assert answer.status_code == 302 and answer["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
        ((form, headers),) = stripe_api.requests
        assert headers["idempotency-key"] == f"tierdesk-checkout-{quote.number}-1"
        assert form["metadata[quote]"] == quote.number == form["client_reference_id"]
        assert form["line_items[0][price_data][unit_amount]"] == "14520"
        assert form["line_items[0][price_data][currency]"] == "eur"
        assert form["success_url"].endswith(f"/manager/quotes/{quote.number}/?payment=ok")
        assert form["locale"] == "en"
        attempt = PaymentAttempt.objects.get(quote=quote)
        assert (attempt.provider, attempt.reference, attempt.state) == ("stripe", "cs_test_1", AttemptState.STARTED)
        # A second click goes back to the same open session.
        assert checkout(client, desk, quote)["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
        assert PaymentAttempt.objects.filter(quote=quote).count() == 1

    def test_stripe_out_of_reach_is_a_clear_message(self, client, desk, pipeline):
        quote = pipeline.accepted()
        client.force_login(desk.lucia)
        page = client.post(f"/infogerencia/manager/quotes/{quote.number}/pay/stripe/", follow=True)
        assert "The card payment service could not be reached" in page.content.decode()
        assert not PaymentAttempt.objects.exists()


class TestTheWebhook:
    def started(self, client, desk, pipeline, stripe_api):  # type: ignore[no-untyped-def]
        quote = pipeline.accepted()
        checkout(client, desk, quote)
        return quote

    def test_a_completed_session_applies_once(self, client, desk, pipeline, stripe_api):
        quote = self.started(client, desk, pipeline, stripe_api)
        body = session_completed("cs_test_1", quote.number)
        first = deliver(client, body)
        assert first.status_code == 200 and first.json() == {"status": "applied", "quote": quote.number}
        again = deliver(client, body)
        assert again.status_code == 200 and again.json()["status"] == "already_applied"
        payment = Payment.objects.get(quote=quote)
        assert (payment.provider, payment.provider_event_id, payment.transaction_id, payment.amount) == (
            "stripe",
            "cs_test_1",
            "pi_cs_test_1",
            quote.gross,
        )
        quote.refresh_from_db()
        assert quote.state == QuoteState.PAID
        assert Intervention.objects.get(quote=quote).state == InterventionState.SCHEDULED
        assert PaymentAttempt.objects.get(quote=quote).state == AttemptState.SUCCEEDED

    def test_the_secret_being_rotated_out_still_verifies(self, client, desk, pipeline, stripe_api):
        quote = self.started(client, desk, pipeline, stripe_api)
        body = session_completed("cs_test_1", quote.number)
        with override_settings(TIERDESK_STRIPE_WEBHOOK_SECRETS=[SECRET, OLD_SECRET]):
            assert deliver(client, body, sign(body, OLD_SECRET)).status_code == 200
        assert Payment.objects.filter(quote=quote).exists()

    @pytest.mark.parametrize(
        "header",
        [
            lambda body: sign(body, "whsec_someone_else"),
            lambda body: sign(body, at=int(time.time()) - 301),
            lambda body: sign(body + b" "),
            lambda body: "",
            lambda body: "t=abc,v1=zz",
            lambda body: sign(body).replace("v1=", "v0="),
        ],
        ids=["other-secret", "too-old", "other-body", "no-header", "garbage", "other-scheme"],
    )
    def test_a_badly_signed_event_is_refused(self, client, desk, pipeline, stripe_api, header):
        quote = self.started(client, desk, pipeline, stripe_api)
        body = session_completed("cs_test_1", quote.number)
        answer = deliver(client, body, header(body))
        assert answer.status_code == 400 and answer.json()["error"] == "bad_signature"
        self.assert_nothing_changed(quote)
        logged = WebhookDelivery.objects.get(provider="stripe")
        assert logged.outcome == DeliveryOutcome.REFUSED_SIGNATURE and logged.reason

    @pytest.mark.parametrize(
        ("body", "status", "error"),
        [
            (lambda q: session_completed("cs_test_1", q.number, amount=100), 400, "amount_mismatch"),
            (lambda q: session_completed("cs_test_1", q.number, currency="usd"), 400, "currency_mismatch"),
            (lambda q: session_completed("cs_test_999", q.number), 404, "unknown_session"),
            (lambda q: session_completed("cs_test_1", "P-2027-99999"), 404, "unknown_session"),
            (lambda q: b"not json", 400, "invalid_body"),
            (lambda q: b"\xff\xfe", 400, "invalid_body"),
            (
                lambda q: event("checkout.session.completed", {"id": "cs_test_1"}).replace(
                    b'"data": {"object": {"id": "cs_test_1"}}', b'"data": []'
                ),
                400,
                "invalid_event",
            ),
        ],
        ids=["amount", "currency", "unknown-session", "other-quote", "not-json", "not-utf8", "no-object"],
    )
    def test_a_wrong_or_malformed_event_is_refused(self, client, desk, pipeline, stripe_api, body, status, error):
        quote = self.started(client, desk, pipeline, stripe_api)
        answer = deliver(client, body(quote))
        assert answer.status_code == status and answer.json()["error"] == error
        self.assert_nothing_changed(quote)

    def test_an_expired_session_or_another_event_changes_no_payment(self, client, desk, pipeline, stripe_api):
        quote = self.started(client, desk, pipeline, stripe_api)
        assert deliver(client, event("customer.created", {"id": "cus_1"})).json() == {"status": "ignored"}
        expired = event("checkout.session.expired", {"id": "cs_test_1", "object": "checkout.session"})
        assert deliver(client, expired).status_code == 200
        assert PaymentAttempt.objects.get(quote=quote).state == AttemptState.EXPIRED
        self.assert_nothing_changed(quote)
        # The customer can start again: a new session, with the next idempotency key.
        assert checkout(client, desk, quote)["Location"].endswith("cs_test_2")

    def test_charge_refunded_refunds_once(self, client, desk, pipeline, stripe_api):
        quote = self.started(client, desk, pipeline, stripe_api)
        deliver(client, session_completed("cs_test_1", quote.number))
        partial = event(
            "charge.refunded",
            {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": "pi_cs_test_1",
                "refunded": False,
                "amount_refunded": 100,
            },
            event_id="evt_partial",
        )
        assert deliver(client, partial).json() == {"status": "ignored"}
        assert Payment.objects.get(quote=quote).refunded_at is None
        full = event(
            "charge.refunded",
            {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": "pi_cs_test_1",
                "refunded": True,
                "amount_refunded": 14520,
                "refunds": {"object": "list", "data": [{"id": "re_1", "object": "refund"}]},
            },
            event_id="evt_refund",
        )
        assert deliver(client, full).json() == {"status": "refunded", "quote": quote.number}
        assert deliver(client, full).json()["status"] == "already_applied"
        payment = Payment.objects.get(quote=quote)
        assert payment.refund_reference == "re_1" and payment.refunded_at is not None
        assert Intervention.objects.get(quote=quote).state == InterventionState.CANCELLED
        unknown = event("charge.refunded", {"id": "ch_2", "payment_intent": "pi_unknown", "refunded": True})
        assert deliver(client, unknown).status_code == 404

    def test_no_secret_configured_is_a_503(self, client, desk, pipeline, stripe_api):
        quote = self.started(client, desk, pipeline, stripe_api)
        with override_settings(TIERDESK_STRIPE_WEBHOOK_SECRETS=[]):
            assert deliver(client, session_completed("cs_test_1", quote.number)).status_code == 503
        self.assert_nothing_changed(quote)

    @staticmethod
    def assert_nothing_changed(quote) -> None:  # type: ignore[no-untyped-def]
        quote.refresh_from_db()
        assert quote.state == QuoteState.ACCEPTED
        assert not Payment.objects.filter(quote=quote).exists()
        assert not Intervention.objects.filter(quote=quote).exists()
