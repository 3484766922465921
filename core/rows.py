"""Model rows read and inserted with SQL built once per process, for the few hottest paths.

The ORM builds each statement anew on every call. On the paths a client repeats hundreds of
times a second (an API token's lookup, opening a ticket) building the statement costs several
times more than running it. Here a model's column list, its converters and its INSERT are
worked out once per model and database from the model's own fields; the SQL around them is
written by hand where it is used, and rows come back as ordinary model instances holding the
values the ORM would have given (the database's converters are applied). They are made as
``Model.from_db`` makes them, without the call to ``__init__`` when nothing could tell the
difference: the model keeps Django's ``__init__``, nothing listens to ``pre_init`` or
``post_init``, and no field has a descriptor of its own that acts on assignment. The converted
values of the last ``CONVERTED_ROWS`` distinct rows each ``Columns`` read are remembered when they
are all of immutable types (text, numbers, dates and times, durations…): an API token, its owner
or a category read again unchanged is not converted again (a row holding JSON always is).

``insert()`` is ``save(force_insert=True)`` of a new row: the same ``pre_save`` and
``post_save`` signals, the same field preparation (``pre_save``, ``get_db_prep_save``), the
same check of unsaved related objects, the primary key read back. ``Pending`` does the same in
two steps, the values prepared ahead of the transaction and the statement run inside it. A
model with parents (multi-table inheritance) goes through ``save()`` itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, CharField, DateField, DateTimeField, Field, Model, TextField
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, post_save, pre_init, pre_save

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]

CONVERTED_ROWS = 256
_IMMUTABLE = frozenset({str, int, float, bool, bytes, type(None), date, datetime, time, timedelta, Decimal, UUID})


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
        # Assigning these descriptors' attributes in __init__ only stores the value.
        self.plain = model.__init__ is Model.__init__ and all(
            type(inspect.getattr_static(model, name, None)) in _PLAIN_DESCRIPTORS for name in self.attnames
        )
        self.converters: list[tuple[int, Any, list[Converter]]] = []
        for position, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((position, column, found))
        self.converted: dict[tuple[Any, ...], list[Any]] = {}  # raw row → its values, converted

    def build(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance held in ``row[start:start + width]``; ``None`` when its primary key is NULL
        (the missing side of a LEFT JOIN)."""
        raw = tuple(row[start : start + self.width])
        if raw[self.pk_position] is None:
            return None
        values = self.converted.get(raw)
        if values is None:
            values = self._convert(raw)
        model = self.model
        if not self.plain or _init_heard(model):
            return model.from_db(self.using, self.attnames, values)
        instance = model.__new__(model)
        state = ModelState()
        state.adding = False
        state.db = self.using
        instance._state = state
        instance.__dict__.update(zip(self.attnames, values, strict=True))
        return instance

    def _convert(self, raw: tuple[Any, ...]) -> list[Any]:
        values = list(raw)
        connection = connections[self.using]
        for position, column, converters in self.converters:
            value = values[position]
            for converter in converters:
                value = converter(value, column, connection)
            values[position] = value
        if all(type(value) in _IMMUTABLE for value in values):  # shared by the instances built from it
            if len(self.converted) >= CONVERTED_ROWS:
                self.converted.clear()
            self.converted[raw] = values
        return values


_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _init_heard(model: type[Model]) -> bool:
    """Whether anything listens to ``model``'s ``pre_init`` or ``post_init`` (usually nothing
    listens to either signal at all, which is quicker to tell)."""
    return bool(
        (pre_init.receivers and pre_init.has_listeners(model))
        or (post_init.receivers and post_init.has_listeners(model))
    )


@cache
def columns(model: type[Model], alias: str, using: str = "default") -> Columns:
    """The :class:`Columns` of ``model`` as ``alias`` on the database ``using`` (built once)."""
    return Columns(model, alias, using)


def cache_related(instance: Model, name: str, related: Model | None) -> None:
    """Remember ``related`` as ``instance.<name>`` the way ``select_related`` does (forward
    foreign keys and reverse one-to-ones alike; ``None`` for a missing one)."""
    field = instance._meta.get_field(name)
    field.set_cached_value(instance, related)  # type: ignore[union-attr]


class _InsertPlan:
    def __init__(self, model: type[Model], using: str, *, with_pk: bool) -> None:
        connection = connections[using]
        quote = connection.ops.quote_name
        meta = model._meta
        self.fields = [f for f in meta.local_concrete_fields if with_pk or not f.primary_key]
        # Django's own date and time fields store None as NULL: no preparation to run for it
        # (a new ticket has a dozen empty ones).
        self.null_as_is = [type(f) in (DateTimeField, DateField) for f in self.fields]
        # Django's own text and boolean fields store a str (a bool) as it is, on every backend:
        # what their preparation would return is the value itself.
        self.stored_as_is = [_AS_IS.get(type(f)) for f in self.fields]
        self.returning = [f for f in meta.db_returning_fields if not (with_pk and f.primary_key)]
        # Django's check of unsaved related objects has nothing to look at without relations.
        self.has_relations = any(f.is_relation for f in [*meta.concrete_fields, *meta.private_fields])
        placeholders = ", ".join(["%s"] * len(self.fields))
        names = ", ".join(quote(str(f.column)) for f in self.fields)
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608 - model metadata
        if self.returning:
            self.sql += " RETURNING " + ", ".join(quote(str(f.column)) for f in self.returning)
        self.converters: list[tuple[Any, list[Converter]]] = []
        for field in self.returning:
            column = field.get_col(meta.db_table)
            self.converters.append(
                (column, connection.ops.get_db_converters(column) + column.get_db_converters(connection))
            )


_AS_IS: dict[type[Field[Any, Any]], type] = {CharField: str, TextField: str, BooleanField: bool}


@cache
def _insert_plan(model: type[Model], using: str, with_pk: bool) -> _InsertPlan:
    return _InsertPlan(model, using, with_pk=with_pk)


class Pending[M: Model]:
    """A new row whose INSERT is worked out ahead of its transaction.

    Every value is prepared when the ``Pending`` is made, except the fields named in ``later``
    (a number taken from a counter, the key of a row inserted just before): ``insert()`` sets
    those, prepares them and runs the statement. A transaction that holds SQLite's single write
    lock then spends it on the statements. ``pre_save`` receivers see the instance as it is
    inserted (with them, everything is prepared at insert time).
    """

    def __init__(self, instance: M, *, later: Iterable[str] = (), using: str | None = None) -> None:
        model = type(instance)
        self.instance = instance
        self.using = using or router.db_for_write(model, instance=instance)
        self.by_save = bool(model._meta.parents)  # multi-table inheritance: one row per table, the ORM's job
        self.early = not self.by_save and not pre_save.has_listeners(model)
        self.plan = _insert_plan(model, self.using, instance.pk is not None)
        names = set(later)
        self.later = [i for i, f in enumerate(self.plan.fields) if not self.early or {f.name, f.attname} & names]
        self.values: list[Any] = [None] * len(self.plan.fields)
        if self.early:
            self._prepare(i for i in range(len(self.plan.fields)) if i not in self.later)

    def _prepare(self, positions: Iterable[int]) -> None:
        connection = connections[self.using]
        fields, null_as_is, stored_as_is = self.plan.fields, self.plan.null_as_is, self.plan.stored_as_is
        for i in positions:
            kind = stored_as_is[i]
            if kind is not None:
                value = getattr(self.instance, fields[i].attname)  # Field.pre_save
                if type(value) is kind:
                    self.values[i] = value
                    continue
            value = fields[i].pre_save(self.instance, True)
            self.values[i] = None if value is None and null_as_is[i] else fields[i].get_db_prep_save(value, connection)

    def insert(self, **values: Any) -> M:
        """Set ``values`` on the instance, INSERT it and read back its primary key."""
        instance, using, model = self.instance, self.using, type(self.instance)
        for name, value in values.items():
            setattr(instance, name, value)
        if self.by_save:
            instance.save(force_insert=True, using=using)
            return instance
        if pre_save.has_listeners(model):  # the signals' sender is the instance's own class, as save() sends it
            pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
        if self.plan.has_relations:
            instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
        self._prepare(self.later)
        connection = connections[using]
        plan = self.plan
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, self.values)
            row = cursor.fetchone() if plan.returning else None
        if row is not None:
            for value, field, (column, converters) in zip(row, plan.returning, plan.converters, strict=True):
                for converter in converters:
                    value = converter(value, column, connection)
                setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = using
        if post_save.has_listeners(model):
            post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using)
        return instance


def insert[M: Model](instance: M, *, using: str | None = None) -> M:
    """INSERT the new row ``instance`` and read back its primary key (``save(force_insert=True)``)."""
    return Pending(instance, later=(), using=using).insert()
