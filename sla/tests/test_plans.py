"""Support plans × priority → response targets, and priority from impact × urgency."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sla.models import CustomerPlan, PlanTarget, SupportPlan
from sla.plans import targets_of
from sla.priority import Impact, Urgency, impact_of, priority_for
from sla.tests.conftest import madrid
from tickets import actions
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import EventKind, Ticket

H = timedelta(hours=1)
M = timedelta(minutes=1)

# The documented table (docs/operators/plans.md): plan → level → priority → (warning, target).
TABLE = {
    "standard": {
        "L1": {"critical": (30 * M, H), "high": (H, 6 * H), "normal": (H, 6 * H), "low": (H, 6 * H)},
        "L2": {
            "critical": (4 * H, 12 * H),
            "high": (12 * H, 24 * H),
            "normal": (12 * H, 24 * H),
            "low": (12 * H, 24 * H),
        },
    },
    "premium": {
        "L1": {"critical": (15 * M, 30 * M), "high": (H, 2 * H), "normal": (H, 4 * H), "low": (H, 6 * H)},
        "L2": {
            "critical": (4 * H, 8 * H),
            "high": (6 * H, 12 * H),
            "normal": (12 * H, 24 * H),
            "low": (12 * H, 24 * H),
        },
    },
    "business": {
        "L1": {"critical": (10 * M, 15 * M), "high": (30 * M, H), "normal": (H, 2 * H), "low": (H, 4 * H)},
        "L2": {"critical": (2 * H, 4 * H), "high": (4 * H, 8 * H), "normal": (6 * H, 12 * H), "low": (12 * H, 24 * H)},
    },
    "enterprise": {
        "L1": {"critical": (5 * M, 15 * M), "high": (15 * M, 30 * M), "normal": (30 * M, H), "low": (H, 2 * H)},
        "L2": {"critical": (H, 2 * H), "high": (2 * H, 4 * H), "normal": (4 * H, 8 * H), "low": (6 * H, 12 * H)},
    },
}

# Opened Tuesday 2 March 2027 at 17:00 Madrid. L1 is open 24/7, so its due time is the opening
# plus the target; L2 is open Monday to Friday 09:00–18:00 (Madrid), so one hour is left on
# Tuesday and the rest runs from Wednesday 09:00.
OPENED = madrid(2027, 3, 2, 17, 0)


def business(hours: timedelta) -> object:
    """When ``hours`` of L2 business time are used, counting from ``OPENED`` (9 h a day)."""
    left = hours - H
    if left <= timedelta(0):
        return OPENED + hours
    day, rest = divmod(left, 9 * H)
    start = madrid(2027, 3, 3 + day, 9, 0)
    if rest == timedelta(0):
        return madrid(2027, 3, 2 + day, 18, 0)
    return start + rest


def open_on(desk, plan: str, level: str, priority: str) -> Ticket:
    CustomerPlan.objects.update_or_create(
        organisation=desk.pedro.organisation, defaults={"plan": SupportPlan.objects.get(code=plan)}
    )
    category = "mail_cannot_send" if level == "L1" else "configure_mail"
    return actions.open_ticket(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.mail,
        category=desk.category(category),
        subject="Mail",
        body="Body",
        channel="manager",
        actor=desk.pedro,
        now=OPENED,
        priority=priority,
    )


# The standard plan ships only its critical rows; its other priorities keep the levels' own
# policies (the guide's figures), which the table above spells out.
POLICY_ROWS = {("standard", "L1"): {"high", "normal", "low"}, ("standard", "L2"): {"high", "normal", "low"}}


def test_the_shipped_plans_hold_the_documented_table(desk):
    shipped = {
        plan.code: {
            level: {p: (t.first_response_warning, t.first_response_target) for p, t in row.items()}
            for level, row in targets_of(plan).items()
        }
        for plan in SupportPlan.objects.all()
    }
    documented = {
        plan: {
            level: {p: v for p, v in row.items() if p not in POLICY_ROWS.get((plan, level), set())}
            for level, row in levels.items()
        }
        for plan, levels in TABLE.items()
    }
    assert shipped == documented
    assert list(SupportPlan.objects.filter(is_default=True).values_list("code", flat=True)) == ["standard"]
    assert list(SupportPlan.objects.values_list("ovh_level", flat=True)) == [
        "standard",
        "premium",
        "business",
        "enterprise",
    ]


@pytest.mark.parametrize("plan", list(TABLE))
@pytest.mark.parametrize("priority", ["critical", "high", "normal", "low"])
def test_each_plan_and_priority_sets_the_due_times_on_both_calendars(desk, plan, priority):
    warning, target = TABLE[plan]["L1"][priority]
    l1 = Ticket.objects.get(pk=open_on(desk, plan, "L1", priority).pk)
    assert (l1.support_plan, l1.priority, l1.sla_policy_level) == (plan, priority, "L1")
    assert l1.first_response_warn_at == OPENED + warning
    assert l1.first_response_due_at == OPENED + target
    warning, target = TABLE[plan]["L2"][priority]
    l2 = Ticket.objects.get(pk=open_on(desk, plan, "L2", priority).pk)
    assert l2.first_response_warn_at == business(warning)
    assert l2.first_response_due_at == business(target)


def test_a_customer_without_a_plan_is_on_the_default_plan(desk):
    ticket = actions.open_ticket(
        organisation=desk.lucia.organisation,
        requester=desk.lucia,
        service=desk.server,
        category=desk.category("server_no_ping"),
        subject="No ping",
        body="Down",
        channel="manager",
        actor=desk.lucia,
        now=OPENED,
        urgency="high",
    )
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.support_plan, stored.priority) == ("standard", "critical")
    assert stored.first_response_due_at == OPENED + H


def test_a_ticket_from_before_plans_keeps_its_level_policy(desk):
    ticket = open_on(desk, "enterprise", "L1", "critical")
    Ticket.objects.filter(pk=ticket.pk).update(support_plan="")
    actions.wait_for_customer(ticket, actor=desk.l1, now=OPENED + 5 * M)
    actions.reply(Ticket.objects.get(pk=ticket.pk), actor=desk.pedro, body="Back", now=OPENED + 10 * M)
    stored = Ticket.objects.get(pk=ticket.pk)
    # The L1 policy: 6 h, with the 5 minutes already used kept.
    assert stored.first_response_due_at == OPENED + 10 * M + 6 * H - 5 * M


def test_a_level_the_plan_sets_nothing_for_keeps_its_policy(desk):
    PlanTarget.objects.filter(plan__code="premium", level__code="L2", priority="low").delete()
    ticket = Ticket.objects.get(pk=open_on(desk, "premium", "L2", "low").pk)
    assert ticket.first_response_due_at == business(24 * H)  # the L2 policy's own 24 h


class TestMatrix:
    @pytest.mark.parametrize(
        ("kind", "urgency", "expected"),
        [
            ("incident", "high", "critical"),
            ("incident", "medium", "high"),
            ("incident", None, "high"),
            ("incident", "low", "normal"),
            ("assistance_technical", "high", "high"),
            ("assistance_technical", None, "normal"),
            ("assistance_technical", "low", "low"),
            ("assistance_commercial", "high", "normal"),
            ("assistance_commercial", None, "normal"),
            ("assistance_commercial", "low", "low"),
        ],
    )
    def test_impact_by_urgency(self, kind, urgency, expected):
        assert priority_for(kind, urgency=urgency) == expected

    def test_a_service_not_live_lowers_an_incident_and_several_services_raise_it(self):
        assert impact_of("incident", service_live=False) is Impact.MEDIUM
        assert impact_of("incident", service_live=True) is Impact.HIGH
        assert impact_of("assistance_technical", services_affected=3) is Impact.HIGH
        assert impact_of("incident", services_affected=3) is Impact.HIGH  # already the top
        assert priority_for("incident", urgency=Urgency.HIGH, service_live=False) == "high"

    def test_an_unknown_urgency_is_refused_at_opening(self, desk):
        with pytest.raises(InvalidInput) as refused:
            actions.open_ticket(
                organisation=desk.lucia.organisation,
                requester=desk.lucia,
                service=desk.server,
                category=desk.category("server_no_ping"),
                subject="No ping",
                body="Down",
                channel="manager",
                actor=desk.lucia,
                now=OPENED,
                urgency="apocalyptic",
            )
        assert refused.value.field == "urgency"
        assert not Ticket.objects.exists()


class TestChangingThePriority:
    def test_staff_change_it_with_a_reason_and_the_due_time_follows(self, desk):
        ticket = open_on(desk, "standard", "L1", "high")
        assert Ticket.objects.get(pk=ticket.pk).first_response_due_at == OPENED + 6 * H
        actions.set_priority(ticket, priority="critical", reason="Shop down", actor=desk.l1, now=OPENED + 10 * M)
        stored = Ticket.objects.get(pk=ticket.pk)
        assert stored.priority == "critical"
        # The 10 minutes used count against the critical 1 h.
        assert stored.first_response_due_at == OPENED + H
        event = stored.events.get(kind=EventKind.PRIORITY)
        assert (event.actor, event.data["before"], event.data["after"], event.data["reason"]) == (
            desk.l1,
            "high",
            "critical",
            "Shop down",
        )
        assert datetime.fromisoformat(event.data["due_after"]["due_at"]) == OPENED + H

    def test_a_reason_is_required_and_nothing_changes_without_one(self, desk):
        ticket = open_on(desk, "standard", "L1", "high")
        with pytest.raises(InvalidInput):
            actions.set_priority(ticket, priority="low", reason=" ", actor=desk.l1, now=OPENED)
        with pytest.raises(InvalidInput):
            actions.set_priority(ticket, priority="urgentest", reason="x", actor=desk.l1, now=OPENED)
        assert Ticket.objects.get(pk=ticket.pk).priority == "high"

    def test_a_customer_cannot_and_the_desk_never_overturns_a_person(self, desk):
        ticket = open_on(desk, "standard", "L1", "high")
        with pytest.raises(ActionRefused):
            actions.set_priority(ticket, priority="critical", reason="Please", actor=desk.pedro, now=OPENED)
        actions.set_priority(ticket, priority="normal", reason="Works again", actor=desk.l1, now=OPENED)
        with pytest.raises(ActionRefused) as refused:
            actions.set_priority(ticket, priority="critical", reason="Rule", actor=None, now=OPENED)
        assert refused.value.code == "priority_chosen_by_staff"
        assert Ticket.objects.get(pk=ticket.pk).priority == "normal"
