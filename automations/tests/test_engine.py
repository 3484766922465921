"""Automations end to end: saved through their action, run by the dispatch worker and the
scheduler through the real ticket actions, recorded on the ticket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from automations import engine
from automations.actions import save_automation
from automations.models import Automation, AutomationRun, AutomationVersion
from automations.scan import scan
from tickets import actions, dispatch
from tickets.errors import Forbidden, InvalidInput
from tickets.models import EventKind, Message, Ticket, TicketEvent


def rule(desk: Any, **fields: Any) -> Automation:
    data = {
        "name": "Rule",
        "trigger": "opened",
        "conditions": {},
        "steps": [{"type": "set_priority", "priority": "critical"}],
        "position": 100,
        "stop": False,
        "active": True,
        **fields,
    }
    return save_automation(None, data, actor=desk.supervisor)


def reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def drain() -> None:
    """What the dispatch worker does: every pending event to every handler."""
    while dispatch.drain():
        pass


def ransom(desk: Any, now: Any, body: str = "My files were encrypted by ransomware") -> Ticket:
    return actions.open_ticket(
        organisation=desk.lucia.organisation,
        requester=desk.lucia,
        service=desk.server,
        category=desk.category("server_no_ping"),
        subject="Server down",
        body=body,
        channel="manager",
        actor=desk.lucia,
        now=now,
    )


class TestSaving:
    def test_only_supervisors_write_rules_and_every_change_is_a_version(self, desk, now):
        with pytest.raises(Forbidden):
            save_automation(None, {"name": "x"}, actor=desk.l1)
        first = rule(desk, name="Ransomware first")
        assert (first.version, first.updated_by) == (1, desk.supervisor)
        changed = save_automation(
            first,
            {**AutomationVersion.objects.get(automation=first).snapshot, "conditions": {"text": "ransom"}},
            actor=desk.supervisor,
        )
        assert changed.version == 2
        again = save_automation(changed, AutomationVersion.objects.get(version=2).snapshot, actor=desk.supervisor)
        assert again.version == 2  # nothing changed, nothing written
        assert list(changed.versions.values_list("version", flat=True)) == [2, 1]
        assert changed.versions.get(version=1).snapshot["conditions"] == {}

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"name": " "}, "name"),
            ({"trigger": "whenever"}, "trigger"),
            ({"trigger": "no_customer_reply", "hours": None}, "hours"),
            ({"conditions": {"level": ["L9"]}}, "level"),
            ({"conditions": {"colour": ["red"]}}, "conditions"),
            ({"steps": []}, "steps"),
            ({"steps": [{"type": "set_priority", "priority": "urgentest"}]}, "set_priority"),
            ({"steps": [{"type": "move", "move": "is_an_incident"}]}, "move"),
            ({"steps": [{"type": "reply", "text": {"es": "Hola", "en": "Hi"}}]}, "reply_fr"),
            ({"steps": [{"type": "assign_agent", "agent": "lm4321-ovh"}]}, "assign_agent"),
        ],
    )
    def test_a_bad_rule_is_refused_naming_the_field_and_nothing_is_saved(self, desk, fields, field):
        with pytest.raises(InvalidInput) as refused:
            rule(desk, **fields)
        assert refused.value.field == field
        assert not Automation.objects.exists()


class TestTriggers:
    def test_a_rule_runs_on_a_new_ticket_that_matches_and_says_so_on_its_history(self, desk, now):
        rule(
            desk,
            name="Ransomware is critical",
            conditions={"level": ["L1"], "text": "ransomware", "product": ["dedicated"], "language": ["en"]},
            steps=[
                {"type": "set_priority", "priority": "critical"},
                {"type": "add_note", "text": "Isolate {service_reference} first."},
                {
                    "type": "reply",
                    "text": {"es": "Hola #{ticket_number}", "en": "Hello #{ticket_number}", "fr": "Bonjour"},
                },
            ],
        )
        hit = ransom(desk, now)
        miss = ransom(desk, now, body="It does not answer ping")
        drain()
        assert reload(hit).priority == "critical"
        assert reload(hit).first_response_due_at == now + timedelta(hours=1)  # the plan's critical target
        assert reload(miss).priority == "high"
        note = Message.objects.get(ticket=hit, internal=True)
        assert note.body == f"Isolate {desk.server.reference} first." and note.author is None
        reply = Message.objects.get(ticket=hit, internal=False, sender="system")
        assert reply.body == f"Hello #{hit.number}"  # Lucía reads English
        ran = TicketEvent.objects.get(ticket=hit, kind=EventKind.AUTOMATION)
        assert ran.data["name"] == "Ransomware is critical" and ran.data["outcome"] == "ran"
        assert [r["outcome"] for r in ran.data["results"]] == ["done", "done", "done"]
        changed = TicketEvent.objects.get(ticket=hit, kind=EventKind.PRIORITY)
        assert changed.actor is None and changed.data["via"]["automation"] == ran.data["automation"]
        assert changed.data["reason"] == "Automation “Ransomware is critical”"
        assert not TicketEvent.objects.filter(ticket=miss, kind=EventKind.AUTOMATION).exists()

    def test_rules_run_in_order_and_stop_ends_the_list(self, desk, now):
        rule(desk, name="second", position=20, steps=[{"type": "add_note", "text": "second"}])
        rule(desk, name="first", position=10, stop=True, steps=[{"type": "add_note", "text": "first"}])
        rule(desk, name="off", position=5, active=False, steps=[{"type": "add_note", "text": "off"}])
        ticket = ransom(desk, now)
        drain()
        assert list(Message.objects.filter(ticket=ticket, internal=True).values_list("body", flat=True)) == ["first"]

    def test_an_event_dispatched_twice_runs_each_rule_once(self, desk, now):
        rule(desk, steps=[{"type": "add_note", "text": "once"}])
        ticket = ransom(desk, now)
        event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
        engine.on_ticket_event(event.pk)
        engine.on_ticket_event(event.pk)
        assert Message.objects.filter(ticket=ticket, internal=True).count() == 1
        assert AutomationRun.objects.count() == 1

    def test_the_desk_never_overturns_a_person(self, desk, now):
        rule(
            desk,
            trigger="customer_replied",
            steps=[{"type": "set_priority", "priority": "critical"}, {"type": "assign_agent", "agent": "boss"}],
        )
        ticket = ransom(desk, now)
        actions.claim_ticket(ticket, actor=desk.l1, now=now)
        actions.set_priority(ticket, priority="low", reason="Test server", actor=desk.l1, now=now)
        actions.reply(ticket, actor=desk.lucia, body="Any news?", now=now + timedelta(minutes=5))
        drain()
        stored = reload(ticket)
        assert (stored.priority, stored.assignee) == ("low", desk.l1)
        ran = TicketEvent.objects.get(ticket=ticket, kind=EventKind.AUTOMATION)
        assert [r["outcome"] for r in ran.data["results"]] == [
            "refused:priority_chosen_by_staff",
            "skipped:taken_by_a_person",
        ]

    def test_a_rule_moves_a_level_only_as_the_guide_allows(self, desk, now):
        rule(desk, conditions={"text": "configure"}, steps=[{"type": "move", "move": "not_an_incident"}])
        l1 = ransom(desk, now, body="How do I configure my mail client?")
        l2 = actions.open_ticket(
            organisation=desk.pedro.organisation,
            requester=desk.pedro,
            service=desk.mail,
            category=desk.category("configure_mail"),
            subject="Mail",
            body="How do I configure it?",
            channel="manager",
            actor=desk.pedro,
            now=now,
        )
        drain()
        assert reload(l1).level.code == "L2"
        assert reload(l2).level.code == "L2"
        refused = TicketEvent.objects.get(ticket=l2, kind=EventKind.AUTOMATION)
        assert refused.data["results"][0]["outcome"] == "refused:wrong_level"

    def test_a_rule_never_fires_on_its_own_change_and_a_chain_stops_at_a_fixed_depth(self, desk, now):
        moved = rule(desk, trigger="level_moved", steps=[{"type": "add_note", "text": "moved"}])
        ticket = ransom(desk, now)
        actions.transfer_to_assistance(ticket, actor=desk.l1, reason="No outage", now=now)
        transfer = TicketEvent.objects.get(ticket=ticket, kind=EventKind.TRANSFERRED)
        # The same event as if this rule had caused it: the rule leaves it alone.
        own = actions.record_event(
            ticket, EventKind.TRANSFERRED, actor=None, now=now, via={"automation": moved.pk, "depth": 1}
        )
        engine.on_ticket_event(own.pk)
        assert not AutomationRun.objects.exists()
        # Caused three automations deep: nothing runs, and the history says the chain stopped.
        deep = actions.record_event(
            ticket, EventKind.TRANSFERRED, actor=None, now=now, via={"automation": 999, "depth": engine.MAX_DEPTH}
        )
        engine.on_ticket_event(deep.pk)
        engine.on_ticket_event(deep.pk)
        assert not AutomationRun.objects.exists()
        stopped = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.AUTOMATION, data__outcome="chain_stopped")
        assert stopped.count() == 1 and stopped.get().data["event"] == deep.pk
        # The person's own move runs it.
        engine.on_ticket_event(transfer.pk)
        assert AutomationRun.objects.get().automation == moved

    def test_one_event_costs_the_same_queries_however_many_tickets(self, desk, now):
        rule(desk, conditions={"text": "nothing like this"})
        rule(desk, conditions={"level": ["L2"], "priority": ["low"]})
        first = ransom(desk, now)
        drain()

        def cost(ticket: Ticket) -> int:
            event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
            with CaptureQueriesContext(connection) as queries:
                engine.on_ticket_event(event.pk)
            return len(queries.captured_queries)

        few = cost(first)
        for _ in range(30):
            ransom(desk, now)
        drain()
        assert cost(ransom(desk, now)) == few == 3  # the event, the trigger's rules, which match


class TestTimeBased:
    def test_a_waiting_ticket_is_reminded_once_per_wait_however_many_schedulers_run(self, desk, now):
        rule(
            desk,
            name="Remind",
            trigger="no_customer_reply",
            hours=72,
            steps=[{"type": "reply", "text": {"es": "¿Sigue?", "en": "Still there?", "fr": "Toujours là ?"}}],
        )
        ticket = ransom(desk, now)
        actions.reply(ticket, actor=desk.l1, body="Send the logs", now=now, then="waiting_customer")
        assert scan(now + timedelta(hours=71)) == {str(Automation.objects.get().pk): 0}
        later = now + timedelta(hours=73)
        scan(later)
        scan(later)  # a second scheduler at the same moment
        scan(later + timedelta(minutes=5))
        reminders = Message.objects.filter(ticket=ticket, body="Still there?")
        assert reminders.count() == 1
        assert reload(ticket).status == "waiting_customer"
        # The reminder was new activity: another full wait reminds again.
        scan(later + timedelta(hours=73))
        assert reminders.count() == 2

    def test_an_unassigned_ticket_notifies_the_team(self, desk, now, mailoutbox, django_capture_on_commit_callbacks):
        rule(desk, trigger="unassigned", hours=1, steps=[{"type": "notify", "text": "Nobody took #{ticket_number}"}])
        desk.l1.email = "l1@tierdesk.example"
        desk.l1.save(update_fields=["email"])
        ticket = ransom(desk, now)
        with django_capture_on_commit_callbacks(execute=True):
            scan(now + timedelta(minutes=30))
            assert not AutomationRun.objects.exists()
            scan(now + timedelta(hours=2))
        assert AutomationRun.objects.get().ticket == ticket
        sent = [mail for mail in mailoutbox if f"Nobody took #{ticket.number}" in mail.body]
        assert [mail.to for mail in sent] == [["l1@tierdesk.example"]]
