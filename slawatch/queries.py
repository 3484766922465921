"""Reads for the SLA report: aggregates in SQL, per level and week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, F, Max, Q, Window
from django.db.models.functions import Coalesce, RowNumber, TruncWeek

from sla.models import Outcome
from tickets.models import ACTIVE_STATUSES, SlaMeasurement, Ticket


@dataclass
class WeekRow:
    level: str
    week: datetime
    met: int
    breached: int
    cancelled: int
    avg_seconds: float | None
    median_seconds: float | None
    target_seconds: int

    @property
    def avg_hours(self) -> float | None:
        return self.avg_seconds / 3600 if self.avg_seconds is not None else None

    @property
    def median_hours(self) -> float | None:
        return self.median_seconds / 3600 if self.median_seconds is not None else None

    @property
    def target_hours(self) -> float:
        return self.target_seconds / 3600


def first_response_report(since: datetime, until: datetime) -> list[WeekRow]:
    """First-response outcomes per level and week (met / breached counts, average and median
    business time against the target). Two queries whatever the number of tickets."""
    base = SlaMeasurement.objects.filter(clock="first_response", ended_at__gte=since, ended_at__lt=until)
    answered = ~Q(outcome=Outcome.CANCELLED)
    totals = (
        base.annotate(week=TruncWeek("ended_at"))
        .values("level", "week")
        .annotate(
            met=Count("id", filter=Q(outcome=Outcome.MET)),
            breached=Count("id", filter=Q(outcome=Outcome.BREACHED)),
            cancelled=Count("id", filter=Q(outcome=Outcome.CANCELLED)),
            avg_seconds=Avg("elapsed_seconds", filter=answered),
            target_seconds=Max("target_seconds"),
        )
        .order_by("level", "week")
    )
    # Median: number the answered rows of each (level, week) by elapsed time and keep the one or
    # two middle rows; a window function, so it runs the same on SQLite and PostgreSQL.
    partition: list[Any] = [F("level"), TruncWeek("ended_at")]
    ranked = (
        base.filter(answered)
        .annotate(
            week=TruncWeek("ended_at"),
            position=Window(RowNumber(), partition_by=partition, order_by=F("elapsed_seconds").asc()),
            size=Window(Count("id"), partition_by=partition),
        )
        .filter(Q(position=(F("size") + 1) / 2) | Q(position=(F("size") + 2) / 2))
        .values_list("level", "week", "elapsed_seconds")
    )
    middles: dict[tuple[str, datetime], list[int]] = {}
    for level, week, seconds in ranked:
        middles.setdefault((level, week), []).append(seconds)
    rows = []
    for row in totals:
        middle = middles.get((row["level"], row["week"]))
        rows.append(
            WeekRow(
                level=row["level"],
                week=row["week"],
                met=row["met"],
                breached=row["breached"],
                cancelled=row["cancelled"],
                avg_seconds=row["avg_seconds"],
                median_seconds=sum(middle) / len(middle) if middle else None,
                target_seconds=row["target_seconds"],
            )
        )
    return rows


BREACH_LIST_LIMIT = 100


def breaches(since: datetime, until: datetime, *, limit: int = BREACH_LIST_LIMIT) -> list[SlaMeasurement]:
    """The response clocks that ended late in the period, newest first, with their tickets (one
    query, read through the ``(clock, level, ended_at)`` index's ``ended_at`` range)."""
    return list(
        SlaMeasurement.objects.filter(outcome=Outcome.BREACHED, ended_at__gte=since, ended_at__lt=until)
        .select_related("ticket", "ticket__assignee")
        .order_by("-ended_at", "-id")[:limit]
    )


def overdue(now: datetime, *, limit: int = BREACH_LIST_LIMIT) -> list[Ticket]:
    """Tickets whose answer is still awaited past its due time, most overdue first: late already,
    though no measurement says so until someone answers (the dashboard counts them too). One
    query, on the console queue's ``(level, due time)`` index of active tickets."""
    return list(
        Ticket.objects.filter(status__in=ACTIVE_STATUSES)
        .annotate(answer_due=Coalesce("first_response_due_at", "next_response_due_at"))
        .filter(answer_due__lt=now)
        .select_related("level", "assignee")
        .order_by("answer_due", "id")[:limit]
    )
