"""Payment providers: how a customer pays an accepted quote and how the desk learns of it.

A provider is a class with a stable ``code``, listed by dotted path in
``settings.TIERDESK_PAYMENT_PROVIDERS``; several are active at once, and each one the desk is
configured for (``configured()``) is offered on the quote's page. One module per provider:

* ``manual`` (:mod:`.manual`): billing staff confirm a payment they can see.
* ``redsys`` (:mod:`.redsys_pos`): the card payment page of the Spanish banks' virtual POS.
* ``stripe`` (:mod:`.stripe_checkout`): a Stripe Checkout Session.
* ``transfer`` (:mod:`.bank_transfer`): a SEPA transfer quoting the quote's structured reference,
  matched from the CAMT.053 statements billing staff import.
* ``webhook`` (:mod:`.signed_webhook`): the desk's own signed JSON event, for a processor
  integrated through it before the providers above existed. None of them needs it.

The interface: ``offer(quote)`` (what the customer sees), ``start(quote, actor=, now=)`` (a
:class:`Checkout`: a signed form to post or a page to go to), ``handle(request, now=)`` (the
provider's notification, verified with its own scheme, answered with a :class:`WebhookAnswer`
and logged as a ``WebhookDelivery``) and ``refund(payment, actor=, reference=, reason=, now=)``.
Every payment ends in ``infogerencia.actions.apply_payment`` and every refund in
``infogerencia.actions.apply_refund``, which apply each once whatever happens around them.
"""

from __future__ import annotations

import logging
from abc import ABC
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from infogerencia import actions
from infogerencia.models import DeliveryOutcome, Payment, Quote, WebhookDelivery
from tickets.errors import ActionRefused

logger = logging.getLogger("infogerencia.payments")

MAX_BODY = 16 * 1024


@dataclass(frozen=True)
class Offer:
    """A way to pay shown on the customer's quote page.

    ``kind`` is ``"button"`` (a form posting to the desk's start URL for the provider) or
    ``"bank_transfer"`` (the details to transfer to, in ``details``)."""

    provider: str
    kind: str
    title: str | Promise
    action: str | Promise = ""
    help: str | Promise = ""
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Checkout:
    """Where the customer's browser goes to pay: ``form`` (POST ``fields`` to ``url``, Redsys)
    or ``redirect`` (GET ``url``, Stripe)."""

    kind: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    #: In the provider's test mode the page shows what is signed and waits for the button.
    test_mode: bool = False
    signed: dict[str, str] = field(default_factory=dict)


@dataclass
class WebhookAnswer:
    """What a notification endpoint answers (an HTTP status and a JSON body) and what it logs."""

    status: int
    body: dict[str, Any]
    outcome: str
    event_id: str = ""
    quote_number: str = ""
    reason: str = ""


def refusal(
    status: int, code: str, message: str, outcome: str, *, event_id: str = "", quote_number: str = ""
) -> WebhookAnswer:
    return WebhookAnswer(
        status, {"error": code, "message": message}, outcome, event_id[:200], quote_number[:60], reason=message
    )


def refused_by_action(error: ActionRefused, *, event_id: str, quote_number: str) -> WebhookAnswer:
    """An action's refusal (expired, already paid, wrong amount...) as a 4xx answer."""
    status = error.status if 400 <= error.status < 500 else 409
    return refusal(
        status, error.code, str(error.message), DeliveryOutcome.REFUSED, event_id=event_id, quote_number=quote_number
    )


def absolute_url(path: str) -> str:
    """``path`` on the desk's public address (what a provider calls back or redirects to)."""
    return f"{settings.PUBLIC_URL}{path}"


def return_url(quote: Quote, result: str) -> str:
    return absolute_url(reverse("infogerencia:customer_quote", args=[quote.number]) + f"?payment={result}")


def notification_url(code: str) -> str:
    return absolute_url(reverse("infogerencia:provider_webhook", args=[code]))


def read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when its declared length is over :data:`MAX_BODY` (never read)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        return None
    body = request.body
    return None if len(body) > MAX_BODY else body


def too_large() -> WebhookAnswer:
    return refusal(413, "body_too_large", f"the body is larger than {MAX_BODY} bytes", DeliveryOutcome.INVALID)


def log_delivery(
    provider: str, request: HttpRequest, body: bytes, header: str | None, answer: WebhookAnswer, *, now: datetime
) -> None:
    """Keep every notification, accepted or refused, for billing staff; refusals go to the log."""
    code = str(answer.body.get("error") or answer.body.get("status") or "")[:60]
    if answer.status >= 400:
        logger.warning(
            "%s notification refused (%s %s): %s", provider, answer.status, code, answer.reason or answer.body
        )
    try:
        WebhookDelivery.objects.create(
            provider=provider,
            received_at=now,
            event_id=answer.event_id[:200],
            quote_number=answer.quote_number[:60],
            outcome=answer.outcome,
            code=code,
            reason=answer.reason[:300],
            http_status=answer.status,
            signature_header=(header or "")[:600],
            body=body[:4096].decode("utf-8", errors="replace"),
            remote_addr=(request.META.get("REMOTE_ADDR") or "")[:64],
        )
    except Exception:  # The answer matters more than the log line; say so loudly.
        logger.exception("could not log a %s notification", provider)


class PaymentProvider(ABC):  # noqa: B024 - a base with defaults; each provider overrides what it offers
    """A way a quote gets paid. ``code`` is stored on each payment; ``label`` is shown to people."""

    code: ClassVar[str]
    label: ClassVar[str | Promise]
    #: Whether this provider receives notifications at ``/infogerencia/payments/<code>/webhook/``.
    receives_webhooks: ClassVar[bool] = False

    def configured(self) -> bool:
        """Whether the settings this provider needs are there (only then is it offered)."""
        return True

    def offer(self, quote: Quote) -> Offer | None:
        """What the customer sees on an accepted quote about paying this way (None: nothing)."""
        return None

    def start(self, quote: Quote, *, actor: Any, now: datetime) -> Checkout:
        raise ActionRefused("not_offered", _("This way of paying is not offered."))

    def handle(self, request: HttpRequest, *, now: datetime) -> WebhookAnswer:
        return refusal(404, "unknown_provider", "no such webhook", DeliveryOutcome.INVALID)

    def refund(self, payment: Payment, *, actor: Any, reference: str, reason: str, now: datetime) -> Any:
        """Give the money back. By default billing staff have refunded outside the desk (a
        transfer back) and record it with the bank's reference."""
        return actions.record_refund(payment.quote, actor=actor, reference=reference, reason=reason, now=now)

    #: Whether :meth:`refund` asks the provider itself (no reference to type in).
    refunds_through_provider: ClassVar[bool] = False


def providers() -> dict[str, PaymentProvider]:
    """The providers listed in the settings, by code, in the settings' order."""
    result: dict[str, PaymentProvider] = {}
    for path in settings.TIERDESK_PAYMENT_PROVIDERS:
        provider = import_string(path)()
        if not isinstance(provider, PaymentProvider):
            raise TypeError(f"{path} is not a PaymentProvider")
        result[provider.code] = provider
    return result


def get_provider(code: str) -> PaymentProvider | None:
    return providers().get(code)


def offers(quote: Quote) -> list[Offer]:
    """Every way of paying ``quote`` the desk is configured for, in the settings' order."""
    result = []
    for provider in providers().values():
        if provider.configured():
            offer = provider.offer(quote)
            if offer is not None:
                result.append(offer)
    return result


# The dotted paths the settings used before providers had a module each.
from infogerencia.payments.manual import ManualProvider  # noqa: E402
from infogerencia.payments.signed_webhook import SignedWebhookProvider  # noqa: E402

__all__ = [
    "Checkout",
    "ManualProvider",
    "Offer",
    "PaymentProvider",
    "SignedWebhookProvider",
    "WebhookAnswer",
    "get_provider",
    "offers",
    "providers",
]
