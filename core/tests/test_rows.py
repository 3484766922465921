"""Rows read with SQL built once (``core.rows``) are the ORM's rows; rows are written by the models' save()."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_init, post_save, pre_save

from api.actions import create_token, find_token
from core import rows
from levels.models import Category
from services.queries import service_of
from sla.clock import rules_of_level
from sla.models import SlaPolicy
from tickets.models import Ticket, TicketEvent
from tickets.queries import category_for_opening


def _values(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _policy(category: Category) -> dict[str, Any] | None:
    try:
        return _values(category.level.sla_policy)
    except SlaPolicy.DoesNotExist:
        return None


def test_a_row_reads_back_with_the_values_the_orm_gives(desk, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    columns = rows.columns(Ticket, "t")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} FROM tickets_ticket t WHERE t.id = %s", [ticket.pk])  # noqa: S608
        ours = columns.build(cursor.fetchone())
    assert _values(ours) == _values(Ticket.objects.get(pk=ticket.pk))
    assert ours.created_at.tzinfo is not None and ours.first_response_due_at is not None
    ours.validate_unique()  # read from the database: its own number is not taken by another
    assert ours == Ticket.objects.get(pk=ticket.pk) and ours.level.code == ticket.level.code
    ours.subject = "Changed"
    ours.save(update_fields=["subject"])
    assert Ticket.objects.get(pk=ticket.pk).subject == "Changed"
    assert columns.build((None,) * columns.width) is None  # the missing side of a LEFT JOIN


def test_rows_go_through_init_when_something_listens_to_it(desk, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    columns = rows.columns(Ticket, "t")
    seen: list[int] = []

    def initialised(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(instance.pk)

    post_init.connect(initialised, sender=Ticket)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns.sql} FROM tickets_ticket t WHERE t.id = %s", [ticket.pk])  # noqa: S608
            ours = columns.build(cursor.fetchone())
    finally:
        post_init.disconnect(initialised, sender=Ticket)
    assert seen == [ticket.pk] and _values(ours) == _values(Ticket.objects.get(pk=ticket.pk))


def test_opening_a_ticket_writes_every_row_through_its_models_save(desk, now):  # type: ignore[no-untyped-def]
    from tickets.actions import open_ticket
    from tickets.models import Message

    heard: list[tuple[str, str, bool | None]] = []

    def before(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        heard.append(("pre", sender.__name__, None))

    def after(sender, instance, created, **kwargs):  # type: ignore[no-untyped-def]
        heard.append(("post", sender.__name__, created))

    models = (Ticket, Message, TicketEvent)
    for model in models:
        pre_save.connect(before, sender=model)
        post_save.connect(after, sender=model)
    try:
        ticket = open_ticket(
            organisation=desk.lucia.organisation,
            requester=desk.lucia,
            service=desk.server,
            category=desk.category("server_no_ping"),
            subject="El servidor no responde",
            body="No responde al ping.",
            channel="manager",
            actor=desk.lucia,
            now=now,
        )
    finally:
        for model in models:
            pre_save.disconnect(before, sender=model)
            post_save.disconnect(after, sender=model)
    assert heard == [
        ("pre", "Ticket", None),
        ("post", "Ticket", True),
        ("pre", "Message", None),
        ("post", "Message", True),
        ("pre", "TicketEvent", None),
        ("post", "TicketEvent", True),
    ]
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.first_response_due_at is not None  # the SLA clock, written by the INSERT itself
    assert stored.messages.get().ticket_id == ticket.pk


def test_the_opening_read_of_a_category_is_the_select_related_one(desk, django_assert_num_queries):  # type: ignore[no-untyped-def]
    for expected in Category.objects.select_related("level", "team", "level__calendar", "level__sla_policy"):
        found = category_for_opening(expected.code)
        if not expected.active:
            assert found is None
            continue
        assert found is not None
        with django_assert_num_queries(0):  # everything opening a ticket needs came with it
            assert _values(found) == _values(expected)
            assert _values(found.level) == _values(expected.level)
            assert (found.team and _values(found.team)) == (expected.team and _values(expected.team))
            assert _policy(found) == _policy(expected)
            if _policy(found) is not None:
                assert found.level.sla_policy.level is found.level
            if expected.level.calendar_id:
                assert _values(found.level.calendar) == _values(expected.level.calendar)
            rules_of_level(found.level)
    assert category_for_opening("no-such-category") is None
    Category.objects.filter(code="server_no_ping").update(active=False)
    assert category_for_opening("server_no_ping") is None


def test_a_level_without_a_policy_reads_as_the_orm_reads_it(desk, django_assert_num_queries):  # type: ignore[no-untyped-def]
    SlaPolicy.objects.filter(level__code="L1").delete()
    found = category_for_opening("server_no_ping")
    assert found is not None
    with django_assert_num_queries(0), pytest.raises(SlaPolicy.DoesNotExist):
        found.level.sla_policy  # noqa: B018 - the access is the test


def test_a_service_is_found_by_its_reference_within_its_customer_only(desk):  # type: ignore[no-untyped-def]
    organisation = desk.lucia.organisation_id
    assert service_of(organisation, "  NS3012345.ip-51-75-1.EU ") == desk.server
    assert service_of(organisation, "other.example.com") is None  # another customer's
    assert service_of(None, "ns3012345.ip-51-75-1.eu") is None


def test_a_token_comes_with_its_owner_and_organisation_in_one_query(desk, django_assert_num_queries):  # type: ignore[no-untyped-def]
    made = create_token(user=desk.lucia, name="script", scope="write", actor=desk.lucia)
    with django_assert_num_queries(1):
        token = find_token(made.secret)
        assert token is not None and token.pk == made.token.pk and token.scope == "write"
        assert token.user == desk.lucia and token.user.organisation == desk.lucia.organisation
    staff = create_token(user=desk.l1, name="staff", scope="read", actor=desk.l1).secret
    found = find_token(staff)
    assert found is not None and found.user.organisation is None  # staff belong to no customer
    assert find_token(made.secret[:-1] + ("x" if made.secret[-1] != "x" else "y")) is None
    desk.lucia.is_active = False
    desk.lucia.save(update_fields=["is_active"])
    assert find_token(made.secret) is None


def test_a_row_read_again_unchanged_gives_a_new_instance_with_the_same_values(desk, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    columns = rows.columns(Ticket, "t")
    sql = f"SELECT {columns.sql} FROM tickets_ticket t WHERE t.id = %s"  # noqa: S608

    def read() -> Ticket:
        with connection.cursor() as cursor:
            cursor.execute(sql, [ticket.pk])
            return columns.build(cursor.fetchone())  # type: ignore[no-any-return]

    first = read()
    second = read()  # its converted values were remembered
    assert second is not first and _values(second) == _values(first)
    first.subject = "Changed in memory"
    assert read().subject == ticket.subject
    Ticket.objects.filter(pk=ticket.pk).update(subject="Changed in the database")
    assert read().subject == "Changed in the database"


def test_rows_holding_json_are_converted_each_time(desk, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    columns = rows.columns(TicketEvent, "e")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} FROM tickets_ticketevent e WHERE e.ticket_id = %s", [ticket.pk])  # noqa: S608
        row = cursor.fetchone()
    first, second = columns.build(row), columns.build(row)
    assert first.data == second.data and first.data is not second.data
    first.data["changed"] = True
    assert "changed" not in columns.build(row).data
