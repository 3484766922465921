"""Billing staff confirm a payment they can see (a transfer on the bank's website, a card terminal)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from infogerencia import actions
from infogerencia.payments import PaymentProvider


class ManualProvider(PaymentProvider):
    code = "manual"
    label = _("Confirmed by billing")

    def confirm(self, quote: Any, *, actor: Any, reference: str, amount: Any, now: datetime) -> actions.PaymentResult:
        return actions.confirm_manual_payment(quote, actor=actor, reference=reference, amount=amount, now=now)
