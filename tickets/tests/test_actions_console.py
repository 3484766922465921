"""Closing a ticket as a duplicate of another."""

from __future__ import annotations

import pytest

from tickets import actions
from tickets.models import EventKind, LinkKind, Status, Ticket, TicketLink


def test_it_closes_the_duplicate_links_both_and_notes_why(desk, open_incident, now):
    keep, dup = open_incident(), open_incident()
    actions.merge_duplicate(dup, into=keep, actor=desk.l1, reason="Mismo corte de red", now=now)
    dup.refresh_from_db()
    assert dup.status == Status.CLOSED and dup.closed_at == now
    assert TicketLink.objects.get(kind=LinkKind.DUPLICATE).target == keep
    note = dup.messages.get(internal=True)
    assert f"#{keep.number}" in note.body and "Mismo corte de red" in note.body
    assert dup.events.filter(kind=EventKind.LINKED, data__other=keep.number).exists()
    assert keep.events.filter(kind=EventKind.LINKED, data__other=dup.number).exists()
    assert keep.status == Status.NEW


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("itself", "merge_into_itself"),
        ("other_customer", "merge_other_customer"),
        ("no_reason", "reason_required"),
        ("closed_duplicate", "ticket_not_active"),
        ("closed_target", "target_closed"),
        ("cycle", "merge_cycle"),
    ],
)
def test_it_refuses_and_writes_nothing(desk, open_incident, now, case, code):
    keep, dup = open_incident(), open_incident()
    reason = "duplicado"
    if case == "itself":
        keep = dup
    elif case == "other_customer":
        keep = open_incident(
            organisation=desk.pedro.organisation,
            requester=desk.pedro,
            service=desk.hosting,
            actor=desk.pedro,
            category=desk.category("hosting_unreachable"),
        )
    elif case == "no_reason":
        reason = "  "
    elif case == "closed_duplicate":
        actions.close_ticket(dup, actor=desk.l1, now=now)
    elif case == "closed_target":
        actions.close_ticket(keep, actor=desk.l1, now=now)
    elif case == "cycle":
        actions.merge_duplicate(keep, into=dup, actor=desk.l1, reason="al revés", now=now)
        actions.reopen_ticket(keep, actor=desk.l1, reason="no era", now=now)
    links = TicketLink.objects.count()
    with pytest.raises(actions.ActionRefused) as refused:
        actions.merge_duplicate(dup, into=keep, actor=desk.l1, reason=reason, now=now)
    assert refused.value.code == code
    assert TicketLink.objects.count() == links


def test_only_the_levels_staff_may_merge(desk, open_incident, now):
    keep, dup = open_incident(), open_incident()
    with pytest.raises(actions.Forbidden):
        actions.merge_duplicate(dup, into=keep, actor=desk.l2, reason="x", now=now)
    with pytest.raises(actions.Forbidden):
        actions.merge_duplicate(dup, into=keep, actor=desk.lucia, reason="x", now=now)
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 0
