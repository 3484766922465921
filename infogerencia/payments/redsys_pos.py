"""Card payments through Redsys, the virtual POS (TPV virtual) of the Spanish banks.

Built on ``python-redsys`` (``redsys.clients.RedirectClient``), which signs the redirect form and
verifies notifications for the three signature versions Redsys accepts; the desk uses
``HMAC_SHA256_V1`` by default (the merchant key from the bank's Canales portal, 3DES-derived per
order, HMAC-SHA256 over ``Ds_MerchantParameters``).

1. The customer presses "Pay by card": :meth:`RedsysProvider.start` opens a payment attempt whose
   Redsys order (``Ds_Merchant_Order``, 12 digits: the quote number's digits and the attempt
   number) is new for every attempt, as Redsys requires, and returns the signed form the browser
   posts to the TPV URL.
2. Redsys posts the result to the notification URL (``Ds_MerchantURL``):
   :meth:`RedsysProvider.handle` verifies ``Ds_Signature`` with the library, checks the merchant,
   terminal, order, amount and currency, and applies the payment once (``Ds_Response`` 0000-0099)
   or records the refusal code. A notification for a refund (transaction type 3, code 0900)
   records the refund.
3. The customer comes back to the quote's page (``Ds_Merchant_UrlOK``/``UrlKO``), which shows the
   state the notification left, never what the redirect claims.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from redsys.api import currencies, languages
from redsys.clients import RedirectClient
from redsys.models import Response, decode_merchant_parameters

from infogerencia import actions
from infogerencia.models import AttemptState, DeliveryOutcome, Payment, PaymentAttempt, Quote
from infogerencia.payments import (
    Checkout,
    Offer,
    PaymentProvider,
    WebhookAnswer,
    log_delivery,
    notification_url,
    read_body,
    refusal,
    refused_by_action,
    return_url,
    too_large,
)
from tickets.errors import ActionRefused

CURRENCY_CODES = {"EUR": currencies.EUR, "USD": currencies.USD, "GBP": currencies.GBP, "CHF": currencies.CHF}
CURRENCY_BY_CODE = {number: code for code, number in CURRENCY_CODES.items()}
LANGUAGE_CODES = {"es": languages.SPANISH, "en": languages.ENGLISH, "fr": languages.FRENCH}
FIELDS = ("Ds_SignatureVersion", "Ds_MerchantParameters", "Ds_Signature")


def order_for(quote_number: str, attempt: int) -> str:
    """The Redsys order of a quote's ``attempt``: the quote number's digits, then the attempt
    number, zero-padded to 12 digits (``P-2027-00001``, 3 -> ``202700001003``)."""
    digits = re.sub(r"\D", "", quote_number)
    room = 12 - len(digits)
    if room < 2 or attempt >= 10**room:
        raise ActionRefused("too_many_attempts", _("Too many card payment attempts for this quote; contact us."))
    return f"{digits}{attempt:0{room}d}"


def is_paid_code(code: int | None) -> bool:
    """Redsys' success range: ``Ds_Response`` 0000 to 0099."""
    return code is not None and 0 <= code <= 99


class RedsysProvider(PaymentProvider):
    code = "redsys"
    label = _("Card (Redsys)")
    receives_webhooks = True

    def configured(self) -> bool:
        return bool(settings.TIERDESK_REDSYS_MERCHANT_CODE and settings.TIERDESK_REDSYS_SECRET_KEY)

    def client(self) -> RedirectClient:
        return RedirectClient(
            secret_key=settings.TIERDESK_REDSYS_SECRET_KEY,
            merchant_code=settings.TIERDESK_REDSYS_MERCHANT_CODE,
            terminal=settings.TIERDESK_REDSYS_TERMINAL,
            sandbox=settings.TIERDESK_REDSYS_TEST,
            signature_version=settings.TIERDESK_REDSYS_SIGNATURE_VERSION,
        )

    def tpv_url(self) -> str:
        """Where the browser posts the form: the setting, else the library's test or real URL."""
        if settings.TIERDESK_REDSYS_URL:
            return str(settings.TIERDESK_REDSYS_URL)
        return str(RedirectClient.TEST_ENDPOINT if settings.TIERDESK_REDSYS_TEST else RedirectClient.REAL_ENDPOINT)

    def offer(self, quote: Quote) -> Offer | None:
        if quote.currency not in CURRENCY_CODES:
            return None
        return Offer(
            provider=self.code,
            kind="button",
            title=_("Card"),
            action=_("Pay by card"),
            help=_("On your bank's secure payment page (Redsys); you come back here when it is done."),
        )

    def start(self, quote: Quote, *, actor: Any, now: datetime) -> Checkout:
        if quote.currency not in CURRENCY_CODES:
            raise ActionRefused("currency_not_supported", _("Card payments are not offered in this currency."))
        attempt = actions.open_attempt(
            quote, provider=self.code, actor=actor, now=now, reference_for=lambda n: order_for(quote.number, n)
        )
        request = self.client().payment(
            order=attempt.reference,
            amount=attempt.amount,
            currency=CURRENCY_CODES[attempt.currency],
            merchant_url=notification_url(self.code),
            url_ok=return_url(quote, "ok"),
            url_ko=return_url(quote, "ko"),
            merchant_name=settings.TIERDESK_SELLER_NAME[:25],
            product_description=quote.number,
            merchant_data=quote.number,
            consumer_language=LANGUAGE_CODES.get(quote.language, languages.SPANISH),
        )
        fields = {name: str(value) for name, value in request.to_dict().items()}
        signed = {
            name: str(value)
            for name, value in decode_merchant_parameters(fields["Ds_MerchantParameters"].encode()).items()
        }
        return Checkout(
            kind="form", url=self.tpv_url(), fields=fields, test_mode=settings.TIERDESK_REDSYS_TEST, signed=signed
        )

    # --- the notification ----------------------------------------------------------------------

    def handle(self, request: HttpRequest, *, now: datetime) -> WebhookAnswer:
        body = read_body(request)
        header = request.POST.get("Ds_Signature", "") if body is not None else ""
        answer = too_large() if body is None else self._handle(request, now=now)
        log_delivery(self.code, request, body or b"", header, answer, now=now)
        return answer

    def _handle(self, request: HttpRequest, *, now: datetime) -> WebhookAnswer:
        if not self.configured():
            return refusal(503, "not_configured", "Redsys is not configured", DeliveryOutcome.NOT_CONFIGURED)
        payload = {name: request.POST.get(name, "") for name in FIELDS}
        missing = [name for name, value in payload.items() if not value]
        if missing:
            return refusal(400, "invalid_notification", f"missing {', '.join(missing)}", DeliveryOutcome.INVALID)
        if payload["Ds_SignatureVersion"] != settings.TIERDESK_REDSYS_SIGNATURE_VERSION:
            return refusal(
                400,
                "signature_version",
                f"signature version {payload['Ds_SignatureVersion'][:30]!r} is not the configured one",
                DeliveryOutcome.REFUSED_SIGNATURE,
            )
        try:
            # Decoded first, so a malformed body is told apart from a bad signature.
            Response.from_merchant_parameters(payload["Ds_MerchantParameters"].encode())
        except (ValueError, TypeError, UnicodeError, json.JSONDecodeError):
            return refusal(
                400, "invalid_notification", "Ds_MerchantParameters is not readable", DeliveryOutcome.INVALID
            )
        try:
            response = self.client().parse_response(payload)
        except ValueError:
            return refusal(401, "bad_signature", "Ds_Signature does not match", DeliveryOutcome.REFUSED_SIGNATURE)
        order = response.order or ""
        if response.merchant_code != settings.TIERDESK_REDSYS_MERCHANT_CODE or _int(response.terminal) != int(
            settings.TIERDESK_REDSYS_TERMINAL
        ):
            return refusal(
                400, "wrong_merchant", "another merchant or terminal", DeliveryOutcome.INVALID, event_id=order
            )
        attempt = PaymentAttempt.objects.select_related("quote").filter(provider=self.code, reference=order).first()
        if attempt is None:
            return refusal(
                404, "unknown_order", f"no payment attempt for order {order!r}", DeliveryOutcome.REFUSED, event_id=order
            )
        quote_number = attempt.quote.number
        currency = CURRENCY_BY_CODE.get(response.currency or 0, "")
        if _int(response.transaction_type) == 3:
            return self._refund(response, attempt, currency, now=now)
        if attempt.state != AttemptState.STARTED:
            return refusal(
                409,
                "replayed",
                f"order {order} was already {attempt.state}",
                DeliveryOutcome.REPLAYED,
                event_id=order,
                quote_number=quote_number,
            )
        code = response.response_code
        if not is_paid_code(code):
            shown = f"{code:04d}" if code is not None else "none"
            if not actions.fail_attempt(attempt, code=shown, now=now):
                return refusal(
                    409,
                    "replayed",
                    f"order {order} was already settled",
                    DeliveryOutcome.REPLAYED,
                    event_id=order,
                    quote_number=quote_number,
                )
            return WebhookAnswer(
                200, {"status": "declined", "code": shown}, DeliveryOutcome.DECLINED, order, quote_number, reason=shown
            )
        try:
            result = actions.apply_payment(
                quote_number=quote_number,
                provider=self.code,
                event_id=order,
                amount=response.amount if response.amount is not None else "",
                currency=currency,
                actor=None,
                now=now,
                transaction_id=response.authorization_code or order,
                attempt=attempt,
            )
        except ActionRefused as error:
            self._close(attempt, error.code, now=now)
            return refused_by_action(error, event_id=order, quote_number=quote_number)
        if not result.applied:
            return refusal(
                409,
                "replayed",
                f"order {order} was already applied",
                DeliveryOutcome.REPLAYED,
                event_id=order,
                quote_number=quote_number,
            )
        return WebhookAnswer(
            200, {"status": "applied", "quote": quote_number}, DeliveryOutcome.APPLIED, order, quote_number
        )

    @staticmethod
    def _close(attempt: PaymentAttempt, code: str, *, now: datetime) -> None:
        """A paid notification the rules refuse (expired quote, wrong amount): the attempt ends,
        with the refusal as its code, so billing staff see it and can refund it."""
        with transaction.atomic():
            actions.fail_attempt(attempt, code=code, now=now)

    def _refund(self, response: Response, attempt: PaymentAttempt, currency: str, *, now: datetime) -> WebhookAnswer:
        order = attempt.reference
        payment = Payment.objects.filter(provider=self.code, provider_event_id=order).first()
        if payment is None:
            return refusal(
                404, "unknown_payment", f"no payment for order {order}", DeliveryOutcome.REFUSED, event_id=order
            )
        if response.response_code != 900:
            return WebhookAnswer(200, {"status": "ignored"}, DeliveryOutcome.IGNORED, order, attempt.quote.number)
        if response.amount != payment.amount or currency != payment.currency:
            return refusal(
                400,
                "partial_refund",
                "only a refund of the whole payment is applied; record a partial one by hand",
                DeliveryOutcome.REFUSED,
                event_id=order,
                quote_number=attempt.quote.number,
            )
        result = actions.apply_refund(
            payment, actor=None, reference=f"redsys:{order}:refund", reason=str(_("Card payment refunded")), now=now
        )
        if not result.applied:
            return refusal(
                409,
                "replayed",
                "this refund was already applied",
                DeliveryOutcome.REPLAYED,
                event_id=order,
                quote_number=attempt.quote.number,
            )
        return WebhookAnswer(200, {"status": "refunded"}, DeliveryOutcome.REFUNDED, order, attempt.quote.number)


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def decline_message(code: str) -> str:
    """What a Redsys refusal code means to the customer (``Ds_Response``)."""
    messages = {
        "9915": _("You cancelled the payment."),
        "0101": _("The card has expired."),
        "0102": _("The card is blocked or not allowed for this payment."),
        "0116": _("The card's balance or limit is not enough."),
        "0118": _("The card is not registered with the bank."),
        "0129": _("The card's security code (CVV) is wrong."),
        "0180": _("This card is not accepted here."),
        "0184": _("The cardholder could not be authenticated (3-D Secure)."),
        "0190": _("The bank declined the payment without giving a reason."),
        "0191": _("The card's expiry date is wrong."),
    }
    if code in messages:
        return str(messages[code])
    return str(_("The payment was not completed."))


__all__ = ["RedsysProvider", "decline_message", "is_paid_code", "order_for"]
