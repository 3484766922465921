"""SEPA bank transfers: the quote's page shows the desk's IBAN, BIC and the quote's structured
reference (ISO 11649, ``RF..``); billing staff import the bank's CAMT.053 statements and the desk
pays the quotes whose credits match exactly (``infogerencia.actions.import_statement``)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from infogerencia import sepa
from infogerencia.models import Quote
from infogerencia.payments import Offer, PaymentProvider


class BankTransferProvider(PaymentProvider):
    code = "transfer"
    label = _("Bank transfer")

    def configured(self) -> bool:
        return bool(settings.TIERDESK_BANK_IBAN)

    def offer(self, quote: Quote) -> Offer | None:
        if quote.currency != "EUR":  # SEPA transfers are in euros.
            return None
        return Offer(
            provider=self.code,
            kind="bank_transfer",
            title=_("Bank transfer (SEPA)"),
            help=_(
                "Write the reference exactly as shown: it is how we recognise your payment. The intervention "
                "is scheduled when the transfer reaches our account, usually the next working day."
            ),
            details={
                "beneficiary": settings.TIERDESK_BANK_BENEFICIARY or settings.TIERDESK_SELLER_NAME,
                "iban": sepa.format_iban(settings.TIERDESK_BANK_IBAN),
                "bic": settings.TIERDESK_BANK_BIC,
                "reference": quote.transfer_reference,
            },
        )
