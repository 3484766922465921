"""Scheduling: the earliest free slot in the administrators' calendar, the customer's own slot,
no overlaps, and moving an intervention with a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from accounts.actions import create_staff
from accounts.models import Role
from conftest import DEMO_PASSWORD
from infogerencia import actions, slots
from infogerencia.models import Intervention
from levels.models import Team
from tickets.errors import Forbidden, InvalidInput

MADRID = ZoneInfo("Europe/Madrid")
WEEKDAYS = {day: [(time(9), time(18))] for day in range(5)}


def madrid(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID)


def never(_day: date) -> bool:
    return False


class TestSlots:
    def test_it_takes_the_first_quarter_hour_inside_the_window(self):
        start = slots.earliest_free_start(
            after=madrid(2027, 3, 2, 10, 7), duration=timedelta(hours=1), windows=WEEKDAYS, zone=MADRID,
            is_closed=never, busy=[],
        )  # fmt: skip
        assert start == madrid(2027, 3, 2, 10, 15)

    def test_work_that_does_not_fit_before_closing_goes_to_the_next_open_day(self):
        start = slots.earliest_free_start(
            after=madrid(2027, 3, 5, 16, 30), duration=timedelta(hours=2), windows=WEEKDAYS, zone=MADRID,
            is_closed=never, busy=[],
        )  # fmt: skip
        assert start == madrid(2027, 3, 8, 9, 0)  # Friday 16:30 → Monday 09:00

    def test_it_skips_busy_time_and_holidays(self):
        holidays = {date(2027, 3, 3)}
        busy = [(madrid(2027, 3, 2, 9, 0), madrid(2027, 3, 2, 17, 0))]
        start = slots.earliest_free_start(
            after=madrid(2027, 3, 2, 9, 0), duration=timedelta(hours=2), windows=WEEKDAYS, zone=MADRID,
            is_closed=holidays.__contains__, busy=busy,
        )  # fmt: skip
        assert start == madrid(2027, 3, 4, 9, 0)

    def test_a_slot_across_the_spring_dst_change_keeps_its_true_length(self):
        # Sunday 28 March 2027, 02:00 → 03:00 in Madrid; a 24-hour calendar.
        always = {day: [(time(0), time(0))] for day in range(7)}
        start = slots.earliest_free_start(
            after=madrid(2027, 3, 28, 1, 0), duration=timedelta(hours=2), windows=always, zone=MADRID,
            is_closed=never, busy=[],
        )  # fmt: skip
        assert start == datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
        assert (start + timedelta(hours=2)).astimezone(MADRID).hour == 4

    def test_fits_says_whether_a_chosen_slot_is_allowed(self):
        kwargs: dict[str, Any] = {
            "duration": timedelta(hours=1),
            "windows": WEEKDAYS,
            "zone": MADRID,
            "is_closed": never,
        }
        assert slots.fits(madrid(2027, 3, 2, 17, 0), **kwargs)
        assert not slots.fits(madrid(2027, 3, 2, 17, 30), **kwargs)
        assert not slots.fits(madrid(2027, 3, 6, 10, 0), **kwargs)  # Saturday
        busy = [(madrid(2027, 3, 2, 16, 30), madrid(2027, 3, 2, 17, 30))]
        assert not slots.fits(madrid(2027, 3, 2, 17, 0), busy=busy, **kwargs)

    def test_naive_datetimes_are_refused(self):
        with pytest.raises(ValueError):
            slots.fits(datetime(2027, 3, 2, 10, 0), duration=timedelta(hours=1), windows=WEEKDAYS, zone=MADRID,  # noqa: DTZ001
                       is_closed=never)  # fmt: skip


class TestScheduling:
    def test_two_payments_get_consecutive_slots_without_overlap(self, desk, pipeline):
        first, second = pipeline.paid(), pipeline.paid()
        a, b = first.intervention, second.intervention
        assert a.starts_at == madrid(2027, 3, 2, 11, 0)
        assert b.starts_at == madrid(2027, 3, 2, 13, 0)  # after the first (2 hours)
        assert a.administrator == b.administrator == desk.l3

    def test_a_second_administrator_takes_work_at_the_same_time(self, desk, pipeline):
        other = create_staff(username="l3b", role=Role.L3_ADMINISTRATOR, password=DEMO_PASSWORD, first_name="Ana")
        Team.objects.get(code="l3-managed").members.add(other)
        a, b = pipeline.paid().intervention, pipeline.paid().intervention
        assert a.starts_at == b.starts_at and {a.administrator, b.administrator} == {desk.l3, other}

    def test_the_holiday_calendar_of_level_3_applies(self, desk, pipeline):
        # Paid on Wednesday 24 March 2027 at 17:00 Madrid: the hour's notice reaches closing time,
        # 25 March (Jueves Santo) and 26 March (Viernes Santo) are Madrid holidays, then the
        # weekend and the change to summer time: Monday 29 March, 09:00.
        pipeline.now = madrid(2027, 3, 24, 17, 0)
        intervention = pipeline.paid().intervention
        assert intervention.starts_at == madrid(2027, 3, 29, 9, 0)

    def test_the_customers_slot_is_kept_when_still_free(self, desk, pipeline, morning):
        quote = pipeline.sent()
        wanted = madrid(2027, 3, 4, 15, 0)
        actions.accept_quote(quote, actor=desk.lucia, requested_start=wanted, now=morning)
        actions.apply_payment(
            quote_number=quote.number, provider="manual", event_id="t1", amount=quote.gross, currency="EUR",
            actor=desk.billing, now=morning,
        )  # fmt: skip
        intervention = Intervention.objects.get(quote=quote)
        assert (intervention.starts_at, intervention.asked_by_customer) == (wanted, True)

    def test_a_taken_customer_slot_falls_back_to_the_earliest(self, desk, pipeline, morning):
        quote = pipeline.sent()
        wanted = madrid(2027, 3, 2, 11, 0)
        actions.accept_quote(quote, actor=desk.lucia, requested_start=wanted, now=morning)
        pipeline.paid()  # someone else pays first and takes 11:00–13:00
        actions.apply_payment(
            quote_number=quote.number, provider="manual", event_id="t2", amount=quote.gross, currency="EUR",
            actor=desk.billing, now=morning,
        )  # fmt: skip
        intervention = Intervention.objects.get(quote=quote)
        assert (intervention.starts_at, intervention.asked_by_customer) == (madrid(2027, 3, 2, 13, 0), False)

    def test_without_administrators_the_payment_stands_and_staff_schedule_later(self, desk, pipeline, morning):
        Team.objects.get(code="l3-managed").members.clear()
        quote = pipeline.paid()
        assert not Intervention.objects.filter(quote=quote).exists()
        assert "intervention_not_scheduled" in [e.data.get("step") for e in quote.ticket.events.all()]
        Team.objects.get(code="l3-managed").members.add(desk.l3)
        intervention = actions.schedule_intervention(quote, actor=desk.billing, now=morning)
        assert intervention.administrator == desk.l3


@pytest.mark.django_db(transaction=True)
class TestMoving:
    def test_the_administrator_moves_it_with_a_reason_and_both_sides_are_told(self, desk, pipeline, morning):
        intervention = pipeline.paid().intervention
        mail.outbox.clear()
        new_start = madrid(2027, 3, 3, 9, 0)
        with pytest.raises(InvalidInput):
            actions.move_intervention(intervention, actor=desk.l3, starts_at=new_start, reason=" ", now=morning)
        actions.move_intervention(intervention, actor=desk.l3, starts_at=new_start, reason="Parada de red", now=morning)
        intervention.refresh_from_db()
        assert (intervention.starts_at, intervention.ends_at) == (new_start, new_start + timedelta(hours=2))
        event = intervention.ticket.events.filter(data__step="intervention_moved").get()
        assert event.data["reason"] == "Parada de red" and event.actor == desk.l3
        assert sorted(m.to[0] for m in mail.outbox) == sorted([desk.lucia.email, "infogerencia@tierdesk.localhost"])

    def test_it_cannot_move_onto_another_intervention_or_out_of_hours(self, desk, pipeline, morning):
        first, second = pipeline.paid().intervention, pipeline.paid().intervention
        for start in (first.starts_at + timedelta(hours=1), madrid(2027, 3, 6, 10, 0), madrid(2027, 3, 2, 17, 0)):
            with pytest.raises(InvalidInput) as refused:
                actions.move_intervention(second, actor=desk.l3, starts_at=start, reason="x", now=morning)
            assert refused.value.code == "slot_unavailable"

    def test_only_its_administrator_or_a_supervisor_moves_it(self, desk, pipeline, morning):
        intervention = pipeline.paid().intervention
        other = create_staff(username="l3c", role=Role.L3_ADMINISTRATOR, password=DEMO_PASSWORD, first_name="Eva")
        for person in (other, desk.l2_commercial, desk.lucia):
            with pytest.raises(Forbidden):
                actions.move_intervention(
                    intervention, actor=person, starts_at=madrid(2027, 3, 3, 9, 0), reason="x", now=morning
                )
        actions.move_intervention(
            intervention, actor=desk.supervisor, starts_at=madrid(2027, 3, 3, 9, 0), reason="x", now=morning
        )
