"""Races on PostgreSQL: many invoices issued at once get consecutive numbers, and one payment
delivered many times at once is applied once.

SQLite serialises every writer (BEGIN IMMEDIATE), so these races cannot happen there; the tests
run on PostgreSQL only.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client

from core import signing
from core.testing import run_at_once
from infogerencia import actions
from infogerencia.models import Intervention, Invoice, Payment, QuoteState, WebhookDelivery

from .conftest import SECRET

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers, so there is no race to test; run with TIERDESK_DATABASE_URL=postgres://…",
    ),
]


def test_twenty_invoices_issued_at_once_get_twenty_consecutive_numbers(desk, pipeline, morning):
    interventions = []
    for _ in range(20):
        intervention = pipeline.paid().intervention
        actions.record_report(
            intervention,
            actor=desk.l3,
            steps="Hecho",
            outcome="success",
            minutes_spent=30,
            fields={key: "ok" for key, _label in actions.required_fields(intervention)},
            now=morning,
        )
        interventions.append(intervention)

    results = run_at_once(20, lambda i: actions.complete_intervention(interventions[i], actor=desk.l3, now=morning))

    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, 21))
    assert sorted(r.number for r in results) == [f"A-2027-{n:06d}" for n in range(1, 21)]


def test_the_same_payment_delivered_ten_times_at_once_is_applied_once(desk, pipeline, morning):
    quote = pipeline.accepted()
    body = json.dumps(
        {
            "event_id": "evt_race",
            "quote_number": quote.number,
            "amount": str(quote.gross),
            "currency": "EUR",
            "status": "succeeded",
        }
    ).encode()
    identical = signing.build_header(SECRET.encode(), int(morning.timestamp()), body)

    def deliver(index: int) -> tuple[int, dict[str, Any]]:
        # Half are byte-for-byte replays; half are the processor's retries, re-signed each time.
        header = (
            identical if index % 2 else signing.build_header(SECRET.encode(), int(morning.timestamp()) - index, body)
        )
        response = Client().post(
            "/infogerencia/payments/webhook/",
            data=body,
            content_type="application/json",
            HTTP_X_TIERDESK_SIGNATURE=header,
        )
        return response.status_code, response.json()

    with time_machine.travel(morning, tick=False):
        results = run_at_once(10, deliver)

    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = Counter(body.get("status") or body.get("error") for _status, body in results)
    assert outcomes["applied"] == 1, results
    assert outcomes["applied"] + outcomes["already_applied"] + outcomes["replayed"] == 10
    assert all(status in {200, 409} for status, _body in results)
    assert Payment.objects.filter(quote=quote).count() == 1
    assert Intervention.objects.filter(quote=quote).count() == 1
    quote.refresh_from_db()
    assert quote.state == QuoteState.PAID
    assert WebhookDelivery.objects.count() == 10
    steps = [e.data.get("step") for e in quote.ticket.events.all()]
    assert steps.count("payment_received") == 1 and steps.count("intervention_scheduled") == 1


def test_a_stripe_event_delivered_ten_times_at_once_is_applied_once(desk, pipeline, morning, settings):
    """Stripe delivers at least once, and may deliver the same event several times in parallel:
    each is verified by ``stripe.Webhook.construct_event``; one applies, the others see it applied."""
    from infogerencia import actions as infogerencia_actions
    from infogerencia.tests.stripe_events import SECRET as STRIPE_SECRET
    from infogerencia.tests.stripe_events import session_completed, sign

    settings.TIERDESK_STRIPE_SECRET_KEY = "sk_test_tierdesk"
    settings.TIERDESK_STRIPE_WEBHOOK_SECRETS = [STRIPE_SECRET]
    quote = pipeline.accepted()
    # The customer's Checkout Session, as the desk recorded it when she chose Stripe.
    infogerencia_actions.open_attempt(quote, provider="stripe", actor=desk.lucia, reference="cs_race", now=morning)
    body = session_completed("cs_race", quote.number)

    def deliver(index: int) -> tuple[int, dict[str, Any]]:
        response = Client().post(
            "/infogerencia/payments/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body, STRIPE_SECRET, at=int(morning.timestamp()) - index),
        )
        return response.status_code, response.json()

    with time_machine.travel(morning, tick=False):
        results = run_at_once(10, deliver)

    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = Counter(answer.get("status") or answer.get("error") for _status, answer in results)
    assert outcomes == Counter({"applied": 1, "already_applied": 9}), results
    assert all(status == 200 for status, _answer in results)
    assert Payment.objects.filter(quote=quote).count() == 1
    assert Intervention.objects.filter(quote=quote).count() == 1
    quote.refresh_from_db()
    assert quote.state == QuoteState.PAID
    assert WebhookDelivery.objects.filter(provider="stripe").count() == 10
    steps = [e.data.get("step") for e in quote.ticket.events.all()]
    assert steps.count("payment_received") == 1 and steps.count("intervention_scheduled") == 1
