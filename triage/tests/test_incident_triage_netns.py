"""The ping rule end to end, against hosts in network namespaces (see test_probes_netns.py):
needs root and iproute2; skipped otherwise, failed when CI is true."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from triage.models import Decision, ProbeRun
from triage.tests.conftest import set_endpoint
from triage.tests.test_probes_netns import Lab, lab

__all__ = ["lab"]

pytestmark = pytest.mark.django_db


@override_settings(TIERDESK_PROBE_TIMEOUT=1)
def test_a_server_that_answers_ping_but_refuses_tcp_goes_to_l2(desk: Any, declare: Any, lab: Lab) -> None:
    set_endpoint(desk.server, host=lab.answers_ping, ports=[22, 80], role="server")
    ticket = declare(desk.lucia, desk.server, "server_no_ping")
    run = ProbeRun.objects.get(ticket=ticket)
    assert [(r.kind, r.outcome, r.detail_code) for r in run.results.order_by("position")] == [
        ("ping", "up", "ok"),
        ("tcp", "down", "refused"),
        ("tcp", "down", "refused"),
    ]
    assert (run.decision, run.message_key) == (Decision.TO_L2, "ping_answers_configuration")
    assert ticket.level.code == "L2"
    message = ticket.messages.filter(internal=False).order_by("id").last()
    assert "answers ping" in message.body and "/guides/niveles-de-soporte/" in message.body


@override_settings(TIERDESK_PROBE_TIMEOUT=1)
def test_a_server_that_drops_everything_stays_on_l1(desk: Any, declare: Any, lab: Lab) -> None:
    set_endpoint(desk.server, host=lab.drops_all, ports=[22], role="server")
    ticket = declare(desk.lucia, desk.server, "server_no_ping")
    run = ProbeRun.objects.get(ticket=ticket)
    assert [(r.kind, r.outcome, r.detail_code) for r in run.results.order_by("position")] == [
        ("ping", "down", "no_reply"),
        ("tcp", "down", "timeout"),
    ]
    assert (run.decision, run.message_key, run.applied) == (Decision.STAY_L1, "ping_down_hardware", True)
    assert ticket.level.code == "L1"
