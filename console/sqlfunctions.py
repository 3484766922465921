"""Small SQL expressions written natively for each engine, so aggregates avoid per-row Python
functions on SQLite (Django's date arithmetic there calls back into Python for every row)."""

from __future__ import annotations

from typing import Any

from django.db.models import DateField, FloatField, Func


class SecondsBetween(Func):
    """``end - start`` in seconds, as a float (NULL when either is NULL)."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "((julianday(%(expressions)s)) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))::float", arg_joiner=" - ", **extra
        )


class WeekStart(Func):
    """The Monday (UTC) of the week a timestamp falls in."""

    output_field = DateField()
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # 'weekday 1' moves forward to the next Monday (or stays); going back 6 days first gives
        # the Monday on or before the date.
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '-6 days', 'weekday 1')", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="(date_trunc('week', %(expressions)s AT TIME ZONE 'UTC'))::date", **extra
        )
