"""Bank transfers: billing staff import a CAMT.053 statement; exact matches pay their quotes, the
rest wait for a person."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from infogerencia import sepa
from infogerencia.actions._base import _now, _require_billing, _step, _text, local_today
from infogerencia.actions.payments import apply_payment
from infogerencia.models import BankStatement, CreditOutcome, Quote, QuoteState, StatementCredit
from tickets.errors import ActionRefused, InvalidInput

PROVIDER = "transfer"


@dataclass
class ImportResult:
    """What an import did: the statements created and how many credits ended in each outcome."""

    statements: list[BankStatement] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    already_imported: list[str] = field(default_factory=list)

    @property
    def applied(self) -> int:
        return self.outcomes[CreditOutcome.APPLIED]

    @property
    def waiting(self) -> int:
        return sum(count for outcome, count in self.outcomes.items() if outcome != CreditOutcome.APPLIED)


def _quotes_due(credits: list[sepa.BankCredit], now: datetime) -> dict[str, sepa.QuoteDue]:
    """The quotes the credits' references name, keyed by reference (one query)."""
    wanted = {reference for credit in credits for reference in credit.references}
    if not wanted:
        return {}
    # A reference is the quote number's letters and digits: P202700001 -> P-2027-00001.
    numbers = {f"{ref[4]}-{ref[5:9]}-{ref[9:]}" for ref in wanted if len(ref) > 9}
    today = local_today(now)
    result = {}
    for quote in Quote.objects.filter(number__in=numbers).only("number", "gross", "currency", "state", "valid_until"):
        payable = quote.state == QuoteState.ACCEPTED and quote.valid_until >= today
        result[quote.transfer_reference] = sepa.QuoteDue(quote.number, quote.gross, quote.currency, payable)
    return result


def import_statement(*, data: bytes, filename: str, actor: User, now: datetime | None = None) -> ImportResult:
    """Read a CAMT.053 file, record its credits and pay the quotes they match exactly.

    A statement already imported (same account and statement id) is skipped whole and named in
    the result. Debits are not recorded. Each exact match is applied in its own transaction
    (``apply_payment``, provider ``transfer``, the bank's entry reference as the event id), so a
    quote paid by card meanwhile turns the credit into one for a person to look at.
    """
    now = _now(now)
    _require_billing(actor)
    try:
        statements = sepa.parse_camt053(data)
    except sepa.StatementError as error:
        raise InvalidInput(
            f"statement_{error.code}",
            _("This file cannot be imported: %(detail)s.") % {"detail": error.detail},
            field="statement",
        ) from None
    result = ImportResult()
    for statement in statements:
        credits = [entry for entry in statement.entries if entry.credit]
        quotes = _quotes_due(credits, now)
        try:
            with transaction.atomic():
                row = BankStatement.objects.create(
                    statement_id=statement.statement_id,
                    iban=statement.iban,
                    filename=(filename or "")[:200],
                    imported_by=actor,
                    imported_at=now,
                )
        except IntegrityError:
            result.already_imported.append(statement.statement_id)
            continue
        result.statements.append(row)
        for credit in credits:
            match = sepa.match_credit(credit, quotes)
            outcome = str(match.outcome)
            if match.outcome == sepa.MatchOutcome.EXACT:
                outcome = _apply(credit, statement.iban, match.quote_number, actor=actor, now=now)
            quote = Quote.objects.filter(number=match.quote_number).first() if match.quote_number else None
            try:
                with transaction.atomic():
                    StatementCredit.objects.create(
                        statement=row,
                        iban=statement.iban,
                        entry_reference=credit.entry_reference,
                        booking_date=credit.booking_date,
                        amount=credit.amount,
                        currency=credit.currency,
                        remittance=credit.remittance,
                        debtor=credit.debtor,
                        outcome=outcome,
                        quote=quote,
                    )
            except IntegrityError:
                # The same entry came in an earlier statement (an intraday one, say): keep the first.
                continue
            result.outcomes[outcome] += 1
            if quote is not None and outcome != CreditOutcome.APPLIED:
                _step(
                    quote.ticket,
                    "transfer_needs_review",
                    actor=actor,
                    now=now,
                    quote=quote.number,
                    entry=credit.entry_reference,
                    amount=str(credit.amount),
                    currency=credit.currency,
                    outcome=outcome,
                )
    return result


def _apply(credit: sepa.BankCredit, iban: str, quote_number: str, *, actor: User, now: datetime) -> str:
    try:
        applied = apply_payment(
            quote_number=quote_number,
            provider=PROVIDER,
            event_id=f"{iban}:{credit.entry_reference}"[:200],
            amount=credit.amount,
            currency=credit.currency,
            actor=actor,
            now=now,
            transaction_id=credit.entry_reference,
        )
    except ActionRefused:
        return CreditOutcome.NOT_PAYABLE
    return CreditOutcome.APPLIED if applied.applied else CreditOutcome.NOT_PAYABLE


@transaction.atomic
def resolve_credit(credit: StatementCredit, *, actor: User, decision: str, now: datetime | None = None) -> None:
    """Billing staff say what they did with a credit the desk could not apply (confirmed it by hand,
    sent it back, asked the customer for the rest); it leaves the list."""
    now = _now(now)
    _require_billing(actor)
    decision = _text(decision, field="decision", required=True, message=_("Say what you decided."))
    if (
        not StatementCredit.objects.filter(pk=credit.pk)
        .exclude(outcome__in=[CreditOutcome.APPLIED, CreditOutcome.RESOLVED])
        .update(outcome=CreditOutcome.RESOLVED, resolved_by=actor, resolved_at=now, resolution=decision)
    ):
        raise ActionRefused("credit_not_waiting", _("This credit has already been dealt with."))
    credit.refresh_from_db()
    if credit.quote_id is not None:
        quote = Quote.objects.select_related("ticket").get(pk=credit.quote_id)
        _step(
            quote.ticket,
            "transfer_resolved",
            actor=actor,
            now=now,
            quote=quote.number,
            entry=credit.entry_reference,
            decision=decision,
        )
