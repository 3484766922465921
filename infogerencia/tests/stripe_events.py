"""Stripe's side, for the tests: events built and signed as Stripe signs them (the documented
``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` scheme, computed here
independently of the library that verifies it), and a loopback stand-in for the one API call the
desk makes when a customer chooses Stripe, the Checkout Session creation."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "whsec_test_0123456789abcdefghij"
OLD_SECRET = "whsec_test_rotated_out_987654321"


def sign(body: bytes, secret: str = SECRET, *, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(kind: str, obj: dict[str, Any], *, event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2026-09-30.clover",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": kind,
            "data": {"object": obj},
        }
    ).encode()


def session_completed(session_id: str, quote_number: str, *, amount: int = 14520, currency: str = "eur") -> bytes:
    return event(
        "checkout.session.completed",
        {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": amount,
            "currency": currency,
            "client_reference_id": quote_number,
            "metadata": {"quote": quote_number},
            "mode": "payment",
            "payment_intent": f"pi_{session_id}",
            "payment_status": "paid",
            "status": "complete",
        },
        event_id=f"evt_{session_id}",
    )


class StripeStandIn:
    """Answers ``POST /v1/checkout/sessions`` as Stripe does, same idempotency key, same session."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, str]]] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                headers = {k.lower(): v for k, v in self.headers.items()}
                stand_in.requests.append((form, headers))
                if self.path != "/v1/checkout/sessions" or not headers.get("authorization", "").startswith(
                    "Bearer sk_test"
                ):
                    self.send_response(404)
                    self.end_headers()
                    return
                key = headers.get("idempotency-key", "")
                if key not in stand_in.sessions:
                    number = len(stand_in.sessions) + 1
                    stand_in.sessions[key] = {
                        "id": f"cs_test_{number}",
                        "object": "checkout.session",
                        "url": f"https://checkout.stripe.com/c/pay/cs_test_{number}",
                        "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                        "currency": form["line_items[0][price_data][currency]"],
                        "metadata": {"quote": form["metadata[quote]"]},
                        "payment_status": "unpaid",
                        "status": "open",
                    }
                body = json.dumps(stand_in.sessions[key]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StripeStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
