"""Outbound webhooks delivered to a real HTTP server on 127.0.0.1, signed, retried and logged."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from api import webhooks
from api.models import DeliveryState, Webhook, WebhookAttempt, WebhookDelivery
from api.tasks import retry_due_webhooks
from core.signing import verify
from tickets import actions

SECRET = "whsec-test-0123456789"


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append({"headers": dict(self.headers), "body": body})
            status = state.statuses.pop(0) if state.statuses else 200
            payload = (b"boom " * 1000) if status >= 500 else b'{"ok": true}'
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/tierdesk?src=test"
    yield state
    server.shutdown()
    server.server_close()


def hook(url: str, events: list[str]) -> Webhook:
    return Webhook.objects.create(name="CRM", url=url, events=events, secret=SECRET)


@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_a_new_ticket_is_delivered_signed(desk, receiver, open_incident, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    hook(receiver.url, ["ticket.created", "ticket.message_added"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_incident()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_note(ticket, actor=desk.l1, body="interno")  # never leaves the desk
    assert len(receiver.received) == 1
    request = receiver.received[0]
    body = request["body"]
    verify(SECRET.encode(), request["headers"]["Tierdesk-Signature"], body, now=int(time.time()))
    payload = json.loads(body)
    assert payload["event"] == "ticket.created"
    assert payload["data"]["ticket"]["number"] == ticket.number
    assert request["headers"]["Tierdesk-Event"] == "ticket.created"
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempts == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.response_body == '{"ok": true}'

    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(ticket, actor=desk.l1, body="Lo miramos")
    events = [json.loads(r["body"])["event"] for r in receiver.received]
    assert events == ["ticket.created", "ticket.message_added"]
    assert json.loads(receiver.received[1]["body"])["data"]["message"]["body"] == "Lo miramos"


@override_settings(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_BASE_SECONDS=30)
def test_a_failed_delivery_is_retried_with_backoff_and_logged(desk, receiver, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    hook(receiver.url, ["sla.breach"])
    receiver.statuses = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.emit("sla.breach", key="sla:1", data={"ticket": 1})
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    first = delivery.next_attempt_at
    assert first is not None
    assert webhooks.attempt(delivery.pk, now=first - timedelta(seconds=1)) is None  # not due yet
    second = webhooks.attempt(delivery.pk, now=first)
    assert second is not None and second - first == timedelta(seconds=60)
    assert webhooks.attempt(delivery.pk, now=second) is None
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempts == 3
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [a.status_code for a in log] == [500, 503, 200]
    assert len(log[0].response_body) == webhooks.RESPONSE_KEEP and log[0].response_body.startswith("boom")
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.emit("sla.breach", key="sla:1", data={"ticket": 1}) == []  # delivered once


@override_settings(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_MAX_ATTEMPTS=2, WEBHOOK_RETRY_BASE_SECONDS=1)
def test_it_gives_up_after_the_last_attempt_and_the_sweep_retries(desk, receiver, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    hook(receiver.url, ["invoice.issued"])
    receiver.statuses = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.emit("invoice.issued", key="invoice:9", data={"number": "F-9"})
    time.sleep(1.1)
    assert retry_due_webhooks.call() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 2
    assert retry_due_webhooks.call() == 0


@override_settings(WEBHOOK_ALLOW_PRIVATE=False)
def test_private_addresses_are_refused_in_production(desk, receiver, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    hook(receiver.url, ["quote.accepted"])
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.emit("quote.accepted", key="quote:1", data={})
    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "denied range" in attempt.error
    with pytest.raises(ValueError):
        webhooks.check_url("ftp://example.com/")


def test_supervisors_register_webhooks_in_the_administration(desk, client):  # type: ignore[no-untyped-def]
    client.force_login(desk.supervisor)
    added = client.post(
        "/admin/api/webhook/add/",
        {
            "name": "CRM",
            "url": "https://crm.example.com/hooks",
            "events": ["ticket.created", "sla.breach"],
            "secret": "a-long-shared-secret",
            "active": "on",
        },
    )
    assert added.status_code == 302, added.content
    webhook = Webhook.objects.get()
    assert webhook.events == ["ticket.created", "sla.breach"] and webhook.created_by == desk.supervisor
    refused = client.post(
        "/admin/api/webhook/add/",
        {"name": "x", "url": "ftp://example.com/", "events": ["ticket.created"], "secret": "s", "active": "on"},
    )
    assert refused.status_code == 200 and Webhook.objects.count() == 1
    client.force_login(desk.l1)
    assert client.get("/admin/api/webhook/").status_code == 302


@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_sla_warnings_and_breaches_are_delivered(  # type: ignore[no-untyped-def]
    desk, receiver, open_incident, now, django_capture_on_commit_callbacks
):
    from slawatch.scan import scan

    hook(receiver.url, ["sla.warning", "sla.breach"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_incident()
    with django_capture_on_commit_callbacks(execute=True):
        scan(now + timedelta(hours=1))  # L1 warns after an hour without an answer
    with django_capture_on_commit_callbacks(execute=True):
        scan(now + timedelta(hours=6, minutes=1))  # and the first answer is late after six
    payloads = [json.loads(r["body"]) for r in receiver.received]
    assert [p["event"] for p in payloads] == ["sla.warning", "sla.breach"]
    breach = payloads[1]["data"]
    assert breach["ticket"]["number"] == ticket.number and breach["change"]["level"] == "L1"
    assert breach["change"]["due_at"] == ticket.first_response_due_at.isoformat()


@override_settings(WEBHOOK_ALLOW_PRIVATE=True)
def test_accepted_quotes_and_issued_invoices_are_delivered(  # type: ignore[no-untyped-def]
    desk, receiver, open_incident, now, django_capture_on_commit_callbacks
):
    from tickets.models import EventKind

    hook(receiver.url, ["quote.accepted", "invoice.issued"])
    ticket = open_incident()
    invoice = {"quote": "P-2027-0001", "invoice": "F-2027-0001", "total": "121.00", "currency": "EUR"}
    steps: list[dict[str, Any]] = [
        {"step": "quote_sent", "quote": "P-2027-0001"},  # not an event receivers asked for
        {"step": "quote_accepted", "quote": "P-2027-0001", "requested_start": None},
        {"step": "invoice_issued", **invoice},
        {"step": "credit_note_issued", "invoice": "F-2027-0001", "credit_note": "R-2027-0001", "reason": "x"},
    ]
    for data in steps:
        with django_capture_on_commit_callbacks(execute=True):
            actions.record_event(ticket, EventKind.UPDATED, actor=desk.billing, now=now, **data)
    payloads = [json.loads(r["body"]) for r in receiver.received]
    assert [p["event"] for p in payloads] == ["quote.accepted", "invoice.issued", "invoice.issued"]
    assert payloads[1]["data"]["change"] == {"step": "invoice_issued", **invoice}
    assert payloads[2]["data"]["change"]["credit_note"] == "R-2027-0001"
    assert "reason" not in payloads[2]["data"]["change"]
