"""Model rows read with SQL written once per process, for the few hottest reads.

The ORM builds each statement anew on every call. On the paths a client repeats hundreds of
times a second (an API token's lookup, the category a ticket is opened in) building the
statement costs more than running it. Here a model's column list and its converters are worked
out once per model and database from the model's own fields (``Model._meta``); the SQL around
them is written by hand where it is used, and rows come back through ``Model.from_db``, the
ORM's own constructor of loaded rows, holding the values the ORM would have given (the field's
and the database's converters are applied). The converted values of the last
``CONVERTED_ROWS`` distinct rows each ``Columns`` read are remembered when they are all of
immutable types (text, numbers, dates and times, durations…): an API token, its owner or a
category read again unchanged is not converted again (a row holding JSON always is).

Rows are written through the models' own ``save()`` (``Manager.create``): what a model does
there (lower-casing a reference, an address) and the ``pre_save``/``post_save`` signals are
never skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]

CONVERTED_ROWS = 256
IMMUTABLE = frozenset({str, int, float, bool, bytes, type(None), date, datetime, time, timedelta, Decimal, UUID})


class Columns:
    """The select list of one model's concrete fields under a table alias, and how to read it back."""

    def __init__(self, model: type[Model], alias: str, using: str) -> None:
        connection = connections[using]
        quote = connection.ops.quote_name
        fields: list[Field[Any, Any]] = list(model._meta.concrete_fields)
        self.model = model
        self.using = using
        self.width = len(fields)
        self.attnames = [field.attname for field in fields]
        self.sql = ", ".join(f"{quote(alias)}.{quote(str(field.column))}" for field in fields)
        self.pk_position = self.attnames.index(model._meta.pk.attname)  # type: ignore[union-attr]
        self.converters: list[tuple[int, Any, list[Converter]]] = []
        for position, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((position, column, found))
        self.converted: dict[tuple[Any, ...], list[Any]] = {}  # raw row → its values, converted

    def build(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance held in ``row[start:start + width]`` (``Model.from_db``); ``None`` when its
        primary key is NULL (the missing side of a LEFT JOIN)."""
        raw = tuple(row[start : start + self.width])
        if raw[self.pk_position] is None:
            return None
        values = self.converted.get(raw)
        if values is None:
            values = self.convert(raw)
        return self.model.from_db(self.using, self.attnames, values)

    def convert(self, raw: tuple[Any, ...]) -> list[Any]:
        """The values of the raw row ``raw`` as the ORM gives them (remembered when immutable)."""
        values = list(raw)
        connection = connections[self.using]
        for position, column, converters in self.converters:
            value = values[position]
            for converter in converters:
                value = converter(value, column, connection)
            values[position] = value
        if all(type(value) in IMMUTABLE for value in values):  # shared by the instances built from it
            if len(self.converted) >= CONVERTED_ROWS:
                self.converted.clear()
            self.converted[raw] = values
        return values


@cache
def columns(model: type[Model], alias: str, using: str = "default") -> Columns:
    """The :class:`Columns` of ``model`` as ``alias`` on the database ``using`` (built once)."""
    return Columns(model, alias, using)


def cache_related(instance: Model, name: str, related: Model | None) -> None:
    """Remember ``related`` as ``instance.<name>`` the way ``select_related`` does (forward
    foreign keys and reverse one-to-ones alike; ``None`` for a missing one).

    A related object is assigned through the relation's attribute, as any code assigns one. A
    missing reverse one-to-one cannot be assigned (``level.sla_policy = None`` forgets instead
    of remembering the absence), so it is stored in the field's cache, as ``select_related``
    stores it.
    """
    if related is not None:
        setattr(instance, name, related)
        return
    field = instance._meta.get_field(name)
    if field.many_to_one:
        setattr(instance, name, None)
    else:
        field.set_cached_value(instance, None)  # type: ignore[union-attr]
