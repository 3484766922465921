"""Level 3, Infogerencia: the catalogue of interventions, quotes, payments, the schedule,
operation reports, invoices and credit notes.

Rows here are written only through ``infogerencia/actions.py``. Issued invoices and credit notes
are never changed or deleted (``Invoice.save`` refuses), like the tickets' audit events.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.i18n import TranslatedName
from infogerencia import pricing
from services.models import Product
from tickets.models import Ticket


def _localized(obj: Any, field: str, language: str | None = None) -> str:
    language = (language or get_language() or "es")[:2]
    value: str = getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_es")
    return value


class InterventionType(TranslatedName):
    """One kind of intervention an L3 administrator performs (recompile PHP, flush the Qmail queue).

    ``products`` lists the product kinds (``services.models.Product`` values) it applies to; empty
    means any. ``required_fields`` lists what the administrator must record in the operation
    report besides the steps, commands, outcome and time spent: ``[{"key": ..., "label_es": ...,
    "label_en": ..., "label_fr": ...}]``.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    products = models.JSONField(_("product kinds"), default=list, blank=True)
    base_price = models.DecimalField(_("base price (EUR, without VAT)"), max_digits=11, decimal_places=2)
    estimated_duration = models.DurationField(_("estimated duration"))
    required_fields = models.JSONField(_("what the administrator must record"), default=list, blank=True)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("intervention type")
        verbose_name_plural = _("intervention types")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(base_price__gte=0), name="infogerencia_type_price_positive"),
        ]

    def clean(self) -> None:
        """Checks what the admin form cannot: product kinds and the shape of the required fields."""
        errors: dict[str, Any] = {}
        products = self.products or []
        if not isinstance(products, list) or any(p not in Product.values for p in products):
            errors["products"] = _("List product kinds among: %(kinds)s.") % {"kinds": ", ".join(Product.values)}
        fields = self.required_fields or []
        well_formed = isinstance(fields, list) and all(
            isinstance(item, str) or (isinstance(item, dict) and isinstance(item.get("key"), str) and item["key"])
            for item in fields
        )
        if not well_formed:
            errors["required_fields"] = _(
                'Give a list of {"key": ..., "label_es": ..., "label_en": ..., "label_fr": ...} entries.'
            )
        if self.estimated_duration is not None and self.estimated_duration.total_seconds() <= 0:
            errors["estimated_duration"] = _("The estimated duration must be positive.")
        if errors:
            raise ValidationError(errors)

    def description_in(self, language: str | None = None) -> str:
        return _localized(self, "description", language)

    def required_field_labels(self, language: str | None = None) -> list[tuple[str, str]]:
        """``[(key, label)]`` in the language given (or the active one)."""
        lang = (language or get_language() or "es")[:2]
        result = []
        for item in self.required_fields or []:
            if isinstance(item, str):
                result.append((item, item))
            else:
                result.append((item["key"], item.get(f"label_{lang}") or item.get("label_es") or item["key"]))
        return result

    def applies_to(self, product: str | None) -> bool:
        return not self.products or product is None or product in self.products


class VatRule(models.TextChoices):
    """The VAT rule applied to a quote and its invoices (``infogerencia.vat.VatRule``)."""

    ES_STANDARD = "es_standard", _("Spanish VAT (customer in Spain)")
    ES_OUTSIDE_TERRITORY = "es_outside_territory", _("No Spanish VAT (Canary Islands, Ceuta or Melilla)")
    EU_REVERSE_CHARGE = "eu_reverse_charge", _("Reverse charge (business in another EU country)")
    EU_CONSUMER = "eu_consumer", _("VAT of the customer's EU country (one-stop shop)")
    OUTSIDE_EU = "outside_eu", _("No Spanish VAT (customer outside the EU)")


class QuoteState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    PAID = "paid", _("Paid")


class Quote(models.Model):
    """A priced offer for one or more interventions, drafted by L2 commercial from a ticket.

    draft → sent → accepted → paid, or rejected, or expired (the validity date passed before
    payment). Totals are stored when the quote is sent and never change afterwards.
    """

    number = models.CharField(_("number"), max_length=30, unique=True)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="quotes")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotes"
    )
    state = models.CharField(_("state"), max_length=10, choices=QuoteState.choices, default=QuoteState.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    vat_rule = models.CharField(_("VAT rule"), max_length=30, choices=VatRule.choices, blank=True)
    language = models.CharField(_("language"), max_length=2, default="es")
    valid_until = models.DateField(_("valid until"))
    terms = models.TextField(_("terms"), blank=True)
    net = models.DecimalField(_("taxable base"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    vat_total = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    gross = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("drafted"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("accepted or rejected"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted or rejected by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    requested_start = models.DateTimeField(_("start asked for by the customer"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at", "-id"], name="infog_quote_org_idx"),
            models.Index(fields=["state", "valid_until"], name="infog_quote_state_valid_idx"),
            models.Index(fields=["-created_at", "-id"], name="infog_quote_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=QuoteState.values), name="infogerencia_quote_state_valid"
            ),
            # gross = net + VAT is guaranteed by infogerencia.pricing, not by a CHECK: SQLite
            # stores decimals as floating point and would refuse exact sums.
            models.CheckConstraint(condition=models.Q(gross__gte=0), name="infogerencia_quote_gross_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    def pricing_lines(self) -> list[pricing.Line]:
        return [line.as_pricing(self.vat_rate) for line in self.lines.all()]

    def computed_totals(self) -> pricing.Totals:
        return pricing.totals(self.pricing_lines(), self.currency)

    @property
    def is_payable(self) -> bool:
        return self.state == QuoteState.ACCEPTED

    @property
    def transfer_reference(self) -> str:
        """The ISO 11649 structured reference a bank transfer for this quote carries."""
        from infogerencia import sepa

        return sepa.creditor_reference(self.number)


class QuoteLine(models.Model):
    """One line of a quote: from the catalogue (``intervention_type``) or free text."""

    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    intervention_type = models.ForeignKey(
        InterventionType,
        verbose_name=_("intervention"),
        on_delete=models.PROTECT,
        related_name="quote_lines",
        null=True,
        blank=True,
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=11, decimal_places=2)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="infogerencia_quoteline_position_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="infogerencia_quoteline_quantity_gt_0"),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="infogerencia_quoteline_discount_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def as_pricing(self, vat_rate: Decimal) -> pricing.Line:
        return pricing.Line(
            description=self.description,
            quantity=self.quantity,
            unit_price=self.unit_price,
            vat_rate=vat_rate,
            discount_percent=self.discount_percent,
        )

    @property
    def net(self) -> Decimal:
        return pricing.line_net(self.as_pricing(self.quote.vat_rate))


class AttemptState(models.TextChoices):
    STARTED = "started", _("Waiting for the payment")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Abandoned")


class PaymentAttempt(models.Model):
    """One time the customer set out to pay a quote through a provider (a Redsys order, a Stripe
    Checkout Session). ``reference`` is what the provider sends back in its notification."""

    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="attempts")
    provider = models.CharField(_("provider"), max_length=30)
    reference = models.CharField(_("provider reference"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(_("state"), max_length=10, choices=AttemptState.choices, default=AttemptState.STARTED)
    code = models.CharField(_("provider's code"), max_length=60, blank=True)
    checkout_url = models.URLField(_("payment page"), max_length=1000, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["quote", "-created_at", "-id"], name="infog_attempt_quote_idx")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="infogerencia_attempt_reference_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=AttemptState.values), name="infogerencia_attempt_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.reference} ({self.state})"


class Payment(models.Model):
    """A payment applied to a quote. One per quote, one per provider event.

    ``transaction_id`` is the provider's own id of the money movement (a Stripe PaymentIntent, a
    Redsys authorisation, a bank entry); a refund finds the payment by it. ``refunded_at`` is set
    once, when the money went back."""

    quote = models.OneToOneField(Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="payment")
    provider = models.CharField(_("provider"), max_length=30)
    provider_event_id = models.CharField(_("provider reference"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    received_at = models.DateTimeField(_("received"))
    transaction_id = models.CharField(_("provider transaction"), max_length=200, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    refund_reference = models.CharField(_("refund reference"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_event_id"], name="infogerencia_payment_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id} {self.amount} {self.currency} ({self.provider})"


class DeliveryOutcome(models.TextChoices):
    APPLIED = "applied", _("Payment applied")
    ALREADY_APPLIED = "already_applied", _("Already applied")
    IGNORED = "ignored", _("Acknowledged, nothing to do")
    REFUSED_SIGNATURE = "refused_signature", _("Refused: signature")
    REPLAYED = "replayed", _("Refused: replayed delivery")
    INVALID = "invalid", _("Refused: invalid body")
    REFUSED = "refused", _("Refused by the rules")
    NOT_CONFIGURED = "not_configured", _("Refused: no secret configured")
    DECLINED = "declined", _("Payment declined")
    REFUNDED = "refunded", _("Refund applied")


class WebhookDelivery(models.Model):
    """One request received on the payment webhook, accepted or not, with what came of it."""

    provider = models.CharField(_("provider"), max_length=30)
    received_at = models.DateTimeField(_("received"))
    event_id = models.CharField(_("event id"), max_length=200, blank=True)
    quote_number = models.CharField(_("quote number"), max_length=60, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=DeliveryOutcome.choices)
    code = models.CharField(_("code"), max_length=60, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"))
    signature_header = models.CharField(_("signature header"), max_length=600, blank=True)
    body = models.TextField(_("body (first 4 KB)"), blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    remote_addr = models.CharField(_("remote address"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="infog_delivery_recent_idx"),
            models.Index(fields=["event_id"], name="infog_delivery_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.outcome} {self.event_id}"


class InterventionState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Intervention(models.Model):
    """The work a paid quote bought, in an L3 administrator's diary."""

    quote = models.OneToOneField(Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="intervention")
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="interventions")
    administrator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("administrator"),
        on_delete=models.PROTECT,
        related_name="interventions",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    state = models.CharField(
        _("state"), max_length=10, choices=InterventionState.choices, default=InterventionState.SCHEDULED
    )
    asked_by_customer = models.BooleanField(_("slot asked for by the customer"), default=False)
    created_at = models.DateTimeField(_("scheduled on"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["administrator", "state", "starts_at"], name="infog_interv_admin_idx"),
            models.Index(fields=["starts_at", "id"], name="infog_interv_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="infogerencia_intervention_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote.number} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> Any:
        return self.ends_at - self.starts_at


class ReportOutcome(models.TextChoices):
    SUCCESS = "success", _("Done as planned")
    PARTIAL = "partial", _("Partly done")
    FAILED = "failed", _("Could not be done")


class OperationReport(models.Model):
    """What the administrator did: steps, commands or changes, outcome, time spent and the
    fields the catalogue asks for."""

    intervention = models.OneToOneField(
        Intervention, verbose_name=_("intervention"), on_delete=models.PROTECT, related_name="report"
    )
    steps = models.TextField(_("steps"))
    commands = models.TextField(_("commands or changes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReportOutcome.choices)
    outcome_notes = models.TextField(_("notes on the outcome"), blank=True)
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"))
    fields = models.JSONField(_("recorded details"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("operation report")
        verbose_name_plural = _("operation reports")

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.outcome}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class ImmutableInvoiceError(Exception):
    """An issued invoice or credit note was about to be changed or deleted."""


class Invoice(models.Model):
    """An issued invoice or credit note (factura rectificativa). Never edited once issued.

    ``number`` is ``<series>-<year>-<sequence>``; the sequence is gapless per series and year
    (``core.counters.next_value``, counter ``invoice:<series>:<year>``).
    """

    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices)
    series = models.CharField(_("series"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=30, unique=True)
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="invoices")
    intervention = models.ForeignKey(
        Intervention, verbose_name=_("intervention"), on_delete=models.PROTECT, related_name="invoices"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    rectifies = models.ForeignKey(
        "self",
        verbose_name=_("rectified invoice"),
        on_delete=models.PROTECT,
        related_name="credit_notes",
        null=True,
        blank=True,
    )
    reason = models.TextField(_("reason"), blank=True)
    vat_rule = models.CharField(_("VAT rule"), max_length=30, choices=VatRule.choices, blank=True)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=2)
    currency = models.CharField(_("currency"), max_length=3)
    seller = models.JSONField(_("seller"))
    buyer = models.JSONField(_("buyer"))
    lines = models.JSONField(_("lines"))
    vat_breakdown = models.JSONField(_("VAT breakdown"))
    net = models.DecimalField(_("taxable base"), max_digits=12, decimal_places=2)
    vat_total = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    gross = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-issued_at", "-id"], name="infog_invoice_org_idx"),
            models.Index(fields=["-issued_at", "-id"], name="infog_invoice_recent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "sequence"], name="infogerencia_invoice_sequence_unique"),
            models.UniqueConstraint(
                fields=["intervention"],
                condition=models.Q(kind="invoice"),
                name="infogerencia_one_invoice_per_intervention",
            ),
            models.UniqueConstraint(
                fields=["rectifies"],
                condition=models.Q(kind="credit_note"),
                name="infogerencia_one_credit_note_per_invoice",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="invoice", rectifies__isnull=True, gross__gte=0))
                | models.Q(kind="credit_note", rectifies__isnull=False, gross__lte=0),
                name="infogerencia_invoice_kind_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:  # a row read or written already: never an UPDATE
            raise ImmutableInvoiceError("Issued invoices are never changed; issue a credit note instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableInvoiceError("Issued invoices are never deleted.")

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class BankStatement(models.Model):
    """A CAMT.053 statement billing staff imported. The same statement of the same account is
    imported once."""

    statement_id = models.CharField(_("statement"), max_length=120)
    iban = models.CharField(_("account"), max_length=34, blank=True)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["iban", "statement_id"], name="infogerencia_statement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.iban} {self.statement_id}"


class CreditOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied to the quote")
    AMOUNT_DIFFERS = "amount_differs", _("Amount differs from the quote's total")
    CURRENCY_DIFFERS = "currency_differs", _("Currency differs from the quote's")
    NOT_PAYABLE = "not_payable", _("Quote not awaiting payment")
    UNKNOWN_REFERENCE = "unknown_reference", _("No quote with this reference")
    AMBIGUOUS = "ambiguous", _("Several quotes referenced")
    NOT_BOOKED = "not_booked", _("Not booked yet")
    RESOLVED = "resolved", _("Decided by a person")


class StatementCredit(models.Model):
    """One credit of an imported statement and what the desk did with it: applied to the quote
    its reference names, or listed for billing staff to decide."""

    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="credits"
    )
    iban = models.CharField(_("account"), max_length=34, blank=True)
    entry_reference = models.CharField(_("bank reference"), max_length=120)
    booking_date = models.DateField(_("booked"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    remittance = models.CharField(_("remittance information"), max_length=500, blank=True)
    debtor = models.CharField(_("payer"), max_length=140, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CreditOutcome.choices)
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    resolved_at = models.DateTimeField(_("decided"), null=True, blank=True)
    resolution = models.TextField(_("decision"), blank=True)

    class Meta:
        verbose_name = _("statement credit")
        verbose_name_plural = _("statement credits")
        ordering = ["-id"]
        indexes = [models.Index(fields=["outcome", "-id"], name="infog_credit_outcome_idx")]
        constraints = [
            models.UniqueConstraint(fields=["iban", "entry_reference"], name="infogerencia_credit_entry_unique"),
            models.CheckConstraint(
                condition=models.Q(outcome__in=CreditOutcome.values), name="infogerencia_credit_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_reference} {self.amount} {self.currency} ({self.outcome})"

    @property
    def waiting(self) -> bool:
        return self.outcome not in {CreditOutcome.APPLIED, CreditOutcome.RESOLVED}
