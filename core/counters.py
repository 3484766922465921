"""Numbers that never skip or repeat: ticket numbers, quote and invoice series."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from core.models import Counter


def next_value(name: str, *, start: int = 1) -> int:
    """The next number of the sequence ``name``; must run inside a transaction.

    It increments with a single ``UPDATE … RETURNING`` inside the caller's transaction: on
    PostgreSQL the row lock is held until commit, so concurrent callers queue and each gets the
    next number; a rolled-back transaction gives its number back. On SQLite, writers are
    serialised by ``BEGIN IMMEDIATE``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value() must be called inside transaction.atomic().")
    connection = transaction.get_connection()
    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        # One statement increments and reads back (SQLite >= 3.35 and PostgreSQL speak RETURNING).
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])  # noqa: S608 - our own table name
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    try:
        with transaction.atomic():
            Counter.objects.create(name=name, value=start)
        return start
    except IntegrityError:
        # Another transaction created the row first; take the next number after it.
        Counter.objects.filter(name=name).update(value=F("value") + 1)
    return Counter.objects.values_list("value", flat=True).get(name=name)
