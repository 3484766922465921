"""Scheduling: the administrators' calendar, the earliest free slot, moving an intervention."""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import holidays as holidays_lib
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from infogerencia import slots
from infogerencia.actions._base import (
    ADMIN_TEAM,
    DEFAULT_DURATION,
    SLOT_STEP,
    _lock_quote,
    _now,
    _require_administrator,
    _require_state,
    _step,
    _text,
    may_schedule,
)
from infogerencia.models import (
    Intervention,
    InterventionState,
    Quote,
    QuoteState,
)
from levels.models import LevelCode, SupportLevel
from sla.models import BusinessCalendar
from tickets import actions as ticket_actions
from tickets.errors import ActionRefused, Forbidden, InvalidInput

# --- scheduling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    windows: dict[int, list[tuple[time, time]]]
    zone: zoneinfo.ZoneInfo
    closed: frozenset[str]
    country: str
    subdivision: str
    always_open: bool

    def is_closed(self, day: date) -> bool:
        if self.always_open:
            return False
        if day.isoformat() in self.closed:
            return True
        if not self.country:
            return False
        return day in _holidays(self.country, self.subdivision, day.year)


_HOLIDAY_CACHE: dict[tuple[str, str, int], Any] = {}


def _holidays(country: str, subdivision: str, year: int) -> Any:
    key = (country, subdivision, year)
    if key not in _HOLIDAY_CACHE:
        _HOLIDAY_CACHE[key] = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year)
    return _HOLIDAY_CACHE[key]


def administrators_calendar() -> _Calendar:
    """The L3 level's working calendar (Monday–Friday 09:00–18:00 Madrid by default)."""
    level = SupportLevel.objects.select_related("calendar").filter(code=LevelCode.L3).first()
    calendar: BusinessCalendar | None = level.calendar if level else None
    if calendar is None:
        raise ActionRefused("no_calendar", _("Level 3 has no working calendar; set one in the administration."))
    all_day = [(time(0), time(0))]
    windows = {d: all_day for d in range(7)} if calendar.always_open else slots.parse_windows(calendar.windows or {})
    return _Calendar(
        windows=windows,
        zone=zoneinfo.ZoneInfo(calendar.time_zone),
        closed=frozenset(calendar.closures or []),
        country=calendar.country,
        subdivision=calendar.subdivision,
        always_open=calendar.always_open,
    )


def intervention_duration(quote: Quote) -> timedelta:
    """The catalogue's estimated duration times the quantity, summed over the quote's lines,
    rounded up to a quarter hour; one hour when no line comes from the catalogue."""
    total = timedelta(0)
    for line in quote.lines.select_related("intervention_type"):
        if line.intervention_type is not None:
            seconds = line.intervention_type.estimated_duration.total_seconds() * float(line.quantity)
            total += timedelta(seconds=seconds)
    if total <= timedelta(0):
        return DEFAULT_DURATION
    step = SLOT_STEP.total_seconds()
    return timedelta(seconds=math.ceil(total.total_seconds() / step) * step)


def _administrators(*, lock: bool) -> list[User]:
    people = User.objects.filter(role=Role.L3_ADMINISTRATOR, is_active=True, teams__code=ADMIN_TEAM).order_by("pk")
    if lock:
        # Every scheduler locks the administrators in the same order, so two payments at once
        # queue here instead of both picking the same free slot (and never deadlock).
        people = people.select_for_update(of=("self",))
    return list(people)


def _busy(administrator: User, *, exclude: int | None = None) -> list[slots.Interval]:
    items = Intervention.objects.filter(administrator=administrator, state=InterventionState.SCHEDULED)
    if exclude is not None:
        items = items.exclude(pk=exclude)
    return list(items.values_list("starts_at", "ends_at"))


def earliest_start(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.TIERDESK_INTERVENTION_LEAD_MINUTES)


def _check_requested_start(quote: Quote, start: datetime, now: datetime) -> None:
    if timezone.is_naive(start):
        raise ValueError("requested_start must be timezone-aware")
    if start < earliest_start(now):
        raise InvalidInput(
            "requested_start_too_soon",
            _("Choose a start at least %(minutes)s minutes from now.")
            % {"minutes": settings.TIERDESK_INTERVENTION_LEAD_MINUTES},
            field="requested_start",
        )
    calendar = administrators_calendar()
    duration = intervention_duration(quote)
    free = any(
        slots.fits(
            start,
            duration=duration,
            windows=calendar.windows,
            zone=calendar.zone,
            is_closed=calendar.is_closed,
            busy=_busy(admin),
        )
        for admin in _administrators(lock=False)
    )
    if not free:
        raise InvalidInput(
            "requested_start_unavailable",
            _("No administrator is free then for the %(minutes)s minutes the work takes; choose another time.")
            % {"minutes": int(duration.total_seconds() // 60)},
            field="requested_start",
        )


def _schedule(quote: Quote, *, actor: User | None, now: datetime, requested_start: datetime | None) -> Intervention:
    if Intervention.objects.filter(quote=quote).exists():
        raise ActionRefused("already_scheduled", _("This intervention is already scheduled."))
    calendar = administrators_calendar()
    duration = intervention_duration(quote)
    administrators = _administrators(lock=True)
    if not administrators:
        raise ActionRefused("no_administrator", _("No level 3 administrator is available."))
    choice: tuple[datetime, User] | None = None
    asked = False
    if requested_start is not None and requested_start >= earliest_start(now):
        for admin in administrators:
            if slots.fits(
                requested_start,
                duration=duration,
                windows=calendar.windows,
                zone=calendar.zone,
                is_closed=calendar.is_closed,
                busy=_busy(admin),
            ):
                choice, asked = (requested_start, admin), True
                break
    if choice is None:
        for admin in administrators:
            start = slots.earliest_free_start(
                after=earliest_start(now),
                duration=duration,
                windows=calendar.windows,
                zone=calendar.zone,
                is_closed=calendar.is_closed,
                busy=_busy(admin),
                step=SLOT_STEP,
            )
            if start is not None and (choice is None or start < choice[0]):
                choice = (start, admin)
    if choice is None:
        raise ActionRefused("no_slot", _("No free slot was found in the administrators' calendar."))
    start, admin = choice
    intervention = Intervention.objects.create(
        quote=quote,
        ticket=quote.ticket,
        administrator=admin,
        starts_at=start,
        ends_at=start + duration,
        asked_by_customer=asked,
        created_at=now,
    )
    ticket_actions.pass_to_managed_services(
        quote.ticket, assignee=admin, actor=actor, now=now, reason=f"{quote.number}: {start.isoformat()}"
    )
    _step(
        quote.ticket,
        "intervention_scheduled",
        actor=actor,
        now=now,
        quote=quote.number,
        administrator=admin.username,
        starts_at=start.isoformat(),
        ends_at=(start + duration).isoformat(),
        asked_by_customer=asked,
    )
    from infogerencia import notify  # infogerencia.notify imports this package

    notify.intervention_scheduled(intervention, "scheduled", now=now)
    return intervention


@transaction.atomic
def schedule_intervention(quote: Quote, *, actor: User, now: datetime | None = None) -> Intervention:
    """Schedule a paid quote's intervention by hand (when no slot could be found at payment)."""
    now = _now(now)
    if not may_schedule(actor):
        raise Forbidden("staff_only", _("Only support staff can do this."))
    quote = _lock_quote(quote)
    _require_state(quote, QuoteState.PAID, code="quote_not_paid", message=_("Only a paid quote is scheduled."))
    return _schedule(quote, actor=actor, now=now, requested_start=None)


@transaction.atomic
def move_intervention(
    intervention: Intervention, *, actor: User, starts_at: datetime, reason: str, now: datetime | None = None
) -> Intervention:
    """The administrator moves the intervention to another free slot, saying why; both sides are told."""
    now = _now(now)
    if timezone.is_naive(starts_at):
        raise InvalidInput("starts_at_invalid", _("Enter a date and time."), field="starts_at")
    intervention = Intervention.objects.select_related("quote", "ticket").get(pk=intervention.pk)
    _require_administrator(actor, intervention)
    reason = _text(reason, field="reason", required=True, message=_("Give a reason."))
    # Lock the administrator's row: a payment scheduling into the same diary waits for us.
    User.objects.select_for_update().filter(pk=intervention.administrator_id).exists()
    intervention = Intervention.objects.select_for_update().select_related("quote", "ticket").get(pk=intervention.pk)
    if intervention.state != InterventionState.SCHEDULED:
        raise ActionRefused("not_scheduled", _("Only a scheduled intervention can be moved."))
    if starts_at < now:
        raise InvalidInput("starts_at_past", _("Choose a time in the future."), field="starts_at")
    calendar = administrators_calendar()
    duration = intervention.ends_at - intervention.starts_at
    if not slots.fits(
        starts_at,
        duration=duration,
        windows=calendar.windows,
        zone=calendar.zone,
        is_closed=calendar.is_closed,
        busy=_busy(intervention.administrator, exclude=intervention.pk),
    ):
        raise InvalidInput(
            "slot_unavailable",
            _("That time is outside working hours or overlaps another intervention."),
            field="starts_at",
        )
    before = intervention.starts_at
    intervention.starts_at, intervention.ends_at = starts_at, starts_at + duration
    intervention.save(update_fields=["starts_at", "ends_at"])
    _step(
        intervention.ticket,
        "intervention_moved",
        actor=actor,
        now=now,
        quote=intervention.quote.number,
        before=before.isoformat(),
        after=starts_at.isoformat(),
        reason=reason,
    )
    from infogerencia import notify  # infogerencia.notify imports this package

    notify.intervention_scheduled(intervention, "moved", now=now)
    return intervention
