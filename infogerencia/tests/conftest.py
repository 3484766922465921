"""The level 3 pipeline's fixtures: a pinned Tuesday morning in Madrid and quotes at each step,
built through the real actions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import override_settings

from core import signing
from infogerencia import actions
from infogerencia.models import InterventionType
from tickets import actions as ticket_actions

# Tuesday 2 March 2027, 10:00 in Madrid (CET, UTC+1).
TUESDAY_10_MADRID = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "whsec-test-0123456789abcdef"


@pytest.fixture(autouse=True)
def _webhook_secret():  # type: ignore[no-untyped-def]
    with override_settings(TIERDESK_PAYMENT_WEBHOOK_SECRET=[SECRET], TIERDESK_INTERVENTION_LEAD_MINUTES=60):
        yield


@pytest.fixture(autouse=True)
def _catalogue(request):  # type: ignore[no-untyped-def]
    """The catalogue the migration seeds; reloaded after a transactional test flushed it."""
    if "django_db" not in {m.name for m in request.node.iter_markers()} and "desk" not in request.fixturenames:
        return
    request.getfixturevalue("catalogue")


@pytest.fixture
def morning() -> datetime:
    return TUESDAY_10_MADRID


class Pipeline:
    """Builds tickets and quotes for one customer through the real actions."""

    def __init__(self, desk: Any, now: datetime) -> None:
        self.desk = desk
        self.now = now

    def ticket(self, customer: Any = None, service: Any = None) -> Any:
        customer = customer or self.desk.lucia
        ticket = ticket_actions.open_ticket(
            organisation=customer.organisation,
            requester=customer,
            service=service or (self.desk.server if customer == self.desk.lucia else None),
            category=self.desk.category("technical_other"),
            subject="Necesito PHP con soap",
            body="¿Podéis recompilar PHP con la extensión soap?",
            channel="manager",
            actor=customer,
            now=self.now,
        )
        return ticket_actions.hand_off_for_quote(
            ticket, actor=self.desk.l2, reason="Requiere infogerencia → presupuesto", now=self.now
        )

    def draft(self, ticket: Any = None, code: str = "recompile-php", quantity: str = "1") -> Any:
        quote = actions.draft_quote(ticket or self.ticket(), actor=self.desk.l2_commercial, now=self.now)
        actions.add_quote_line(
            quote,
            actor=self.desk.l2_commercial,
            intervention_type=InterventionType.objects.get(code=code),
            quantity=quantity,
            now=self.now,
        )
        return quote

    def sent(self, **kwargs: Any) -> Any:
        return actions.send_quote(self.draft(**kwargs), actor=self.desk.l2_commercial, now=self.now)

    def accepted(self, **kwargs: Any) -> Any:
        quote = self.sent(**kwargs)
        customer = quote.ticket.requester
        return actions.accept_quote(quote, actor=customer, now=self.now)

    def paid(self, **kwargs: Any) -> Any:
        quote = self.accepted(**kwargs)
        actions.apply_payment(
            quote_number=quote.number,
            provider="manual",
            event_id=f"transfer-{quote.number}",
            amount=quote.gross,
            currency="EUR",
            actor=self.desk.billing,
            now=self.now,
        )
        quote.refresh_from_db()
        return quote


@pytest.fixture
def pipeline(desk: Any, morning: datetime) -> Pipeline:
    return Pipeline(desk, morning)


def signed_post(client: Any, payload: dict[str, Any] | bytes, *, at: datetime, secret: str = SECRET) -> Any:
    """POST a payment event to the webhook, signed as a processor would sign it at ``at``."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = signing.build_header(secret.encode(), int(at.timestamp()), body)
    return client.post(
        "/infogerencia/payments/webhook/",
        data=body,
        content_type="application/json",
        HTTP_X_TIERDESK_SIGNATURE=header,
    )
