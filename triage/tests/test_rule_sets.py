"""Switching the routing table: one action, supervisors only, validated, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from accounts.models import Role, User
from tickets.errors import Forbidden, InvalidInput
from triage.actions import activate_rule_set
from triage.models import RoutingRuleSet
from triage.routing import active_rules

STRICT = [{"incident_type": "*", "action": "stay_l1", "message_key": "service_check_failed"}]


def _supervisor() -> User:
    return User.objects.create_user("sup", "sup@example.com", "a-long-test-password-1", role=Role.SUPERVISOR)


def _history(rule_set: RoutingRuleSet) -> list[tuple[int, str]]:
    kind = ContentType.objects.get_for_model(RoutingRuleSet)
    entries = LogEntry.objects.filter(content_type=kind, object_id=str(rule_set.pk))
    return [(entry.action_flag, entry.get_change_message()) for entry in entries]


def test_a_supervisor_switches_the_table_and_both_sets_record_it(
    desk: Any, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor = _supervisor()
    guide = RoutingRuleSet.objects.get(name="guide")
    strict = RoutingRuleSet.objects.create(name="strict", rules=STRICT)
    assert active_rules()[0] == "guide"
    with django_capture_on_commit_callbacks(execute=True):
        chosen = activate_rule_set(strict, actor=supervisor)
    assert chosen.active and not RoutingRuleSet.objects.get(pk=guide.pk).active
    assert active_rules()[0] == "strict"  # the cached table is forgotten once committed
    for rule_set in (strict, guide):
        assert _history(rule_set) == [(CHANGE, "Changed active.")]
        assert LogEntry.objects.get(object_id=str(rule_set.pk)).user == supervisor


def test_an_invalid_set_is_refused_and_nothing_changes(desk: Any) -> None:
    bad = RoutingRuleSet.objects.create(
        name="bad", rules=[{"incident_type": "*", "action": "to_l9", "message_key": "all_checks_pass"}]
    )
    with pytest.raises(InvalidInput) as refused:
        activate_rule_set(bad, actor=_supervisor())
    assert refused.value.code == "rule_set_invalid" and "unknown action" in str(refused.value.message)
    assert RoutingRuleSet.objects.get(active=True).name == "guide" and not LogEntry.objects.exists()


def test_only_supervisors_switch_the_table(desk: Any) -> None:
    strict = RoutingRuleSet.objects.create(name="strict", rules=STRICT)
    with pytest.raises(Forbidden):
        activate_rule_set(strict, actor=desk.l1)
    assert RoutingRuleSet.objects.get(active=True).name == "guide"


def test_the_admin_action_goes_through_it(desk: Any, client: Any) -> None:
    supervisor = _supervisor()
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    strict = RoutingRuleSet.objects.create(name="strict", rules=STRICT)
    response = client.post(
        "/admin/triage/routingruleset/", {"action": "make_active", "_selected_action": [strict.pk]}, follow=True
    )
    assert "strict" in response.content.decode()
    assert RoutingRuleSet.objects.get(active=True) == strict and _history(strict)
