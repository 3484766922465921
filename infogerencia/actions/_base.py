"""Shared pieces of the level 3 actions: time, roles, input cleaning and the ticket audit step."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from infogerencia.models import (
    Intervention,
    Quote,
    QuoteState,
)
from tickets import actions as ticket_actions
from tickets.errors import ActionRefused, Forbidden, InvalidInput, NotFound
from tickets.models import EventKind, Ticket

ADMIN_TEAM = "l3-managed"
TEXT_MAX = 20_000
DEFAULT_DURATION = timedelta(hours=1)
SLOT_STEP = timedelta(minutes=15)


# --- helpers -------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def local_today(now: datetime) -> date:
    """The desk's date at ``now`` (quotes' validity and invoices' dates are in the desk's zone)."""
    return now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def _step(ticket: Ticket, step: str, *, actor: User | None, now: datetime, **data: Any) -> None:
    ticket_actions.record_event(ticket, EventKind.UPDATED, actor=actor, now=now, step=step, **data)


def _has_role(user: User | None, *roles: str) -> bool:
    return user is not None and user.is_active and (user.is_superuser or user.role in {*roles, Role.SUPERVISOR})


def may_prepare_quotes(user: User | None) -> bool:
    """The commercial team (and supervisors) draft, change and send quotes."""
    return _has_role(user, Role.L2_COMMERCIAL)


def may_bill(user: User | None) -> bool:
    """Billing staff (and supervisors) confirm payments, refund and issue credit notes."""
    return _has_role(user, Role.BILLING)


def may_schedule(user: User | None) -> bool:
    """Who may schedule a paid quote's intervention by hand."""
    return _has_role(user, Role.L3_ADMINISTRATOR, Role.BILLING, Role.L2_COMMERCIAL)


def may_administer(user: User | None, intervention: Intervention) -> bool:
    """The administrator in charge of the intervention (and supervisors) move it, write its
    operation report and mark it done."""
    if user is None or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.SUPERVISOR:
        return True
    return user.role == Role.L3_ADMINISTRATOR and intervention.administrator_id == user.pk


def staff_may(user: User | None, intervention: Intervention | None) -> dict[str, bool]:
    """What this person may do on a quote's page: only those forms are shown to them."""
    return {
        "quote": may_prepare_quotes(user),
        "bill": may_bill(user),
        "schedule": may_schedule(user),
        "administer": intervention is not None and may_administer(user, intervention),
    }


def _require_commercial(actor: User) -> None:
    if not may_prepare_quotes(actor):
        raise Forbidden("commercial_only", _("Only the commercial team can prepare and send quotes."))


def _require_billing(actor: User) -> None:
    if not may_bill(actor):
        raise Forbidden("billing_only", _("Only billing staff can do this."))


def _require_administrator(actor: User, intervention: Intervention) -> None:
    if not may_administer(actor, intervention):
        raise Forbidden("administrator_only", _("Only the administrator in charge can do this."))


def _require_customer_of(actor: User, quote: Quote) -> None:
    if not (actor.is_customer and actor.is_active and actor.organisation_id == quote.organisation_id):
        if actor.is_customer:
            raise NotFound("not_found", _("This quote does not exist."))
        raise Forbidden("customer_only", _("Only the customer can accept or reject a quote."))
    if quote.state == QuoteState.DRAFT:
        raise NotFound("not_found", _("This quote does not exist."))


def _text(value: str, *, field: str, required: bool, message: Any = None) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"{field}_required", message or _("This field is required."), field=field)
    if len(cleaned) > TEXT_MAX:
        raise InvalidInput(
            f"{field}_too_long",
            _("This text is too long (at most %(max)s characters).") % {"max": TEXT_MAX},
            field=field,
        )
    return cleaned


def _decimal(value: Any, *, field: str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise InvalidInput(f"{field}_invalid", _("Enter a number."), field=field) from None
    if not result.is_finite():
        raise InvalidInput(f"{field}_invalid", _("Enter a number."), field=field)
    return result


def _lock_quote(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related("ticket", "organisation").get(pk=quote.pk)


def _require_state(quote: Quote, *states: str, code: str, message: Any) -> None:
    if quote.state not in states:
        raise ActionRefused(code, message)


def _customer_contact(ticket: Ticket) -> User | None:
    if ticket.requester_id is not None:
        return ticket.requester
    return ticket.organisation.contacts.filter(is_active=True).order_by("id").first()
