"""Reads of the levels app on the paths that open tickets."""

from __future__ import annotations

from functools import cache

from django.db import connection

from core import rows
from levels.models import Category, SupportLevel, Team
from sla.models import BusinessCalendar, SlaPolicy


def _columns() -> tuple[rows.Columns, ...]:
    return (
        rows.columns(Category, "c"),
        rows.columns(SupportLevel, "l"),
        rows.columns(Team, "t"),
        rows.columns(BusinessCalendar, "k"),
        rows.columns(SlaPolicy, "p"),
    )


@cache
def _sql() -> str:
    category, level, team, calendar, policy = _columns()
    quote = connection.ops.quote_name
    return (
        f"SELECT {category.sql}, {level.sql}, {team.sql}, {calendar.sql}, {policy.sql}"  # noqa: S608 - model metadata
        f" FROM {quote(Category._meta.db_table)} c"
        f" JOIN {quote(SupportLevel._meta.db_table)} l ON l.id = c.level_id"
        f" LEFT JOIN {quote(Team._meta.db_table)} t ON t.id = c.team_id"
        f" LEFT JOIN {quote(BusinessCalendar._meta.db_table)} k ON k.id = l.calendar_id"
        f" LEFT JOIN {quote(SlaPolicy._meta.db_table)} p ON p.level_id = l.id"
        " WHERE c.code = %s AND c.active = %s"
    )


def category_for_opening(code: str) -> Category | None:
    """The active category ``code`` with what opening a ticket in it needs, in one statement:
    its level, the level's calendar and SLA policy (to start the clock) and its team.

    The same as ``Category.objects.select_related("level", "team", "level__calendar",
    "level__sla_policy").filter(code=code, active=True).first()``, with the SQL written once
    (``core.rows``): the API opens tickets hundreds of times a second.
    """
    category, level, team, calendar, policy = _columns()
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [code, True])
        row = cursor.fetchone()
    if row is None:
        return None
    found: Category = category.build(row)
    start = category.width
    the_level: SupportLevel = level.build(row, start)
    start += level.width
    rows.cache_related(found, "team", team.build(row, start))
    start += team.width
    rows.cache_related(the_level, "calendar", calendar.build(row, start))
    start += calendar.width
    the_policy = policy.build(row, start)
    rows.cache_related(the_level, "sla_policy", the_policy)
    if the_policy is not None:
        rows.cache_related(the_policy, "level", the_level)
    rows.cache_related(found, "level", the_level)
    return found
