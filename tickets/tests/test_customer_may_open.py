"""Customers open incidents and assistance; managed interventions (L3) start from a quote."""

from __future__ import annotations

from typing import Any

import pytest

from levels.models import SupportLevel
from tickets import actions, rules
from tickets.errors import InvalidInput
from tickets.models import Ticket


def test_the_rule_lets_customers_open_l1_and_l2_only() -> None:
    assert rules.customer_may_open("L1") and rules.customer_may_open("L2")
    assert not rules.customer_may_open("L3")


def _open(desk: Any, now: Any, **overrides: Any) -> Ticket:
    values: dict[str, Any] = dict(
        organisation=desk.lucia.organisation,
        requester=desk.lucia,
        service=desk.server,
        category=desk.category("recompile_php"),
        subject="Recompilar PHP",
        body="Con la extensión intl.",
        channel="manager",
        actor=desk.lucia,
        now=now,
    )
    values.update(overrides)
    return actions.open_ticket(**values)


@pytest.mark.parametrize("how", ["its category", "the level named"])
def test_a_customer_cannot_open_an_l3_ticket_and_nothing_is_written(desk: Any, now: Any, how: str) -> None:
    overrides: dict[str, Any] = {}
    if how == "the level named":
        overrides = {"category": desk.category("server_no_ping"), "level": SupportLevel.objects.get(code="L3")}
    with pytest.raises(InvalidInput) as refused:
        _open(desk, now, **overrides)
    assert (refused.value.code, refused.value.field) == ("category_not_offered", "category")
    assert not Ticket.objects.exists()


def test_staff_still_record_an_l3_request_for_a_customer(desk: Any, now: Any) -> None:
    ticket = _open(desk, now, actor=desk.l1, channel="phone")
    assert ticket.level.code == "L3"
