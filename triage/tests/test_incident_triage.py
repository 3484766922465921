"""A declared incident is checked by the desk and lands on the level the rules say, with the
evidence attached. Stubs listen on 127.0.0.1 only."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from core.stored_text import render
from tickets.errors import ActionRefused, Forbidden, InvalidInput
from tickets.models import EventKind, Message
from triage import actions
from triage.models import Decision, ProbeRun, RoutingRuleSet, RunStatus, Trigger
from triage.routing import active_rules
from triage.tests.conftest import set_endpoint
from triage.tests.test_probes import DnsStub, _Sink, closed_port, http_stub

pytestmark = pytest.mark.django_db


def only_run(ticket: Any) -> ProbeRun:
    runs = list(ProbeRun.objects.filter(ticket=ticket))
    assert len(runs) == 1
    return runs[0]


def outcomes(run: ProbeRun) -> list[tuple[str, str, str]]:
    return [(r.kind, r.outcome, r.detail_code) for r in run.results.order_by("position")]


@pytest.fixture
def smtp_port() -> Any:
    port = closed_port()
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def dns_stub() -> Any:
    stub = DnsStub()
    try:
        yield stub
    finally:
        stub.close()


def test_hosting_that_returns_500_stays_on_l1_with_the_evidence(desk: Any, declare: Any) -> None:
    with http_stub(500) as server:
        set_endpoint(desk.hosting, ports=[server.port], role="web")
        ticket = declare(desk.pedro, desk.hosting, "hosting_unreachable")
    run = only_run(ticket)
    assert run.status == RunStatus.DONE and run.trigger == Trigger.DECLARED
    assert run.started_at is not None and run.finished_at is not None and run.finished_at >= run.started_at
    assert outcomes(run)[0] == ("http", "down", "http_server_error")
    first = run.results.get(position=0)
    assert first.code == 500 and first.port == server.port and first.target == "127.0.0.1"
    assert first.latency_ms is not None
    assert (run.decision, run.message_key, run.applied, run.needs_human) == (
        Decision.STAY_L1,
        "service_check_failed",
        True,
        False,
    )
    assert ticket.level.code == "L1"
    note = Message.objects.get(ticket=ticket, internal=True)
    assert note.author is None and note.body_code == "triage.decision_note"
    assert note.body_params["results"][0]["detail_code"] == "http_server_error"
    with translation.override("en"):
        assert "answered with HTTP status 500" in note.text


def test_the_triage_note_and_reason_read_in_each_readers_language(desk: Any, declare: Any, smtp_port: int) -> None:
    """What triage writes is stored as codes: the note, the level-history reason and the message
    to the customer read in Spanish, English and French, whoever triggered them, with no code."""
    with http_stub(500) as server:
        set_endpoint(desk.hosting, ports=[server.port], role="web")
        kept = declare(desk.pedro, desk.hosting, "hosting_unreachable")
    note = Message.objects.get(ticket=kept, internal=True)
    set_endpoint(desk.mail, ports=[smtp_port], role="mail")
    moved = declare(desk.pedro, desk.mail, "mail_cannot_send")
    moved.refresh_from_db()
    assert moved.level.code == "L2"
    reason = moved.events.get(kind="transferred").data["reason"]
    message = Message.objects.get(ticket=moved, internal=False, sender="system")
    expected = {
        "es": (
            "Clasificación automática",
            "Se queda en el nivel 1",
            "respondió con el estado HTTP 500",
            "Todas nuestras",
        ),
        "en": ("Automatic triage", "Stays on level 1", "answered with HTTP status 500", "All our checks"),
        "fr": ("Tri automatique :", "Reste au niveau 1", "a répondu avec le statut HTTP 500", "Toutes nos"),
    }
    for language, (triage, decision, detail, checks) in expected.items():
        with translation.override(language):
            assert triage in render(reason) and decision in note.text and detail in note.text
            assert message.text.startswith(checks) and checks in message.html
            for shown in (render(reason), note.text, message.text):
                assert "http_server_error" not in shown and "_" not in shown.replace("http_", "")


def test_mail_that_passes_every_check_goes_to_l2_with_a_message_and_the_guides(
    desk: Any, declare: Any, smtp_port: int
) -> None:
    set_endpoint(desk.mail, ports=[smtp_port], role="mail")
    ticket = declare(desk.pedro, desk.mail, "mail_cannot_send")
    run = only_run(ticket)
    assert ("smtp", "up", "ok") in outcomes(run)
    assert all(outcome == "up" for _k, outcome, _c in outcomes(run))
    assert (run.decision, run.message_key, run.applied) == (Decision.TO_L2, "all_checks_pass", True)
    assert ticket.level.code == "L2"
    transfer = ticket.events.get(kind=EventKind.TRANSFERRED)
    assert transfer.actor is None and transfer.data["rule"] == "triage:all_checks_pass"
    public = Message.objects.filter(ticket=ticket, internal=False).order_by("id").last()
    assert public is not None and public.author is None
    assert "/guides/niveles-de-soporte/" in public.body
    assert "/guides/configurar-cuenta-correo/" in public.body  # the category's own guide
    assert "mail server greets" in public.body


def test_a_domain_that_resolves_through_the_desks_resolver_goes_to_l2(desk: Any, declare: Any, dns_stub: Any) -> None:
    from services.models import Service

    domain = Service.objects.create(
        organisation=desk.pedro.organisation, reference="www.example.test", product="domain"
    )
    with override_settings(TIERDESK_DNS_RESOLVERS=[f"127.0.0.1:{dns_stub.port}"]):
        ticket = declare(desk.pedro, domain, "domain_dns_failure")
    run = only_run(ticket)
    assert outcomes(run) == [("dns", "up", "ok")]
    assert run.decision == Decision.TO_L2 and ticket.level.code == "L2"
    assert dns_stub.queries == ["www.example.test."]


def test_a_domain_that_does_not_resolve_stays_on_l1(desk: Any, declare: Any, dns_stub: Any) -> None:
    from services.models import Service

    domain = Service.objects.create(
        organisation=desk.pedro.organisation, reference="gone.example.test", product="domain"
    )
    set_endpoint(domain, ports=[dns_stub.port], role="dns")
    ticket = declare(desk.pedro, domain, "domain_dns_failure")
    run = only_run(ticket)
    assert outcomes(run) == [("dns", "down", "nxdomain")]
    assert run.decision == Decision.STAY_L1 and ticket.level.code == "L1"


def test_the_deny_list_refuses_a_forbidden_range_sends_nothing_and_flags_a_human(desk: Any, declare: Any) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        set_endpoint(desk.server, ports=[listener.getsockname()[1]], role="server")
        with override_settings(TIERDESK_PROBE_DENYLIST=["production"]):
            ticket = declare(desk.lucia, desk.server, "server_no_ping")
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    run = only_run(ticket)
    assert {(r.outcome, r.detail_code) for r in run.results.all()} == {("error", "denied_range")}
    assert all("127.0.0.0/8" in r.detail and "only probes public" in r.detail for r in run.results.all())
    assert (run.decision, run.needs_human) == (Decision.KEEP_FLAG_HUMAN, True)
    assert ticket.level.code == "L1"
    note = Message.objects.get(ticket=ticket, internal=True)
    assert "technician is needed" in note.text and "network the desk must not probe" in note.text
    assert {r["detail_code"] for r in note.body_params["results"]} == {"denied_range"}


def test_a_service_without_endpoints_is_kept_and_flagged(desk: Any, declare: Any) -> None:
    desk.server.endpoints.all().delete()
    ticket = declare(desk.lucia, desk.server, "server_no_ping")
    run = only_run(ticket)
    assert run.results.count() == 0
    assert run.status == RunStatus.FAILED and "no usable endpoint" in run.failure
    assert (run.decision, run.needs_human) == (Decision.KEEP_FLAG_HUMAN, True)
    assert ticket.level.code == "L1"


def test_assistance_tickets_are_not_probed(desk: Any, declare: Any) -> None:
    ticket = declare(desk.pedro, desk.mail, "configure_mail")
    assert not ProbeRun.objects.filter(ticket=ticket).exists()


def test_a_retried_created_event_starts_no_second_run(
    desk: Any, declare: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from triage.handlers import on_ticket_event

    desk.server.endpoints.all().delete()
    ticket = declare(desk.lucia, desk.server, "server_no_ping")
    created = ticket.events.get(kind=EventKind.CREATED)
    with django_capture_on_commit_callbacks(execute=True):
        on_ticket_event(created.pk)
    assert ProbeRun.objects.filter(ticket=ticket).count() == 1


# --- agents: re-run and override --------------------------------------------------------------


def test_an_agent_of_the_level_reruns_the_probes(
    desk: Any, declare: Any, django_capture_on_commit_callbacks: Any
) -> None:
    desk.server.endpoints.all().delete()
    ticket = declare(desk.lucia, desk.server, "server_no_ping")
    with pytest.raises(Forbidden):
        actions.rerun_probes(ticket, actor=desk.l2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = actions.rerun_probes(ticket, actor=desk.l1)
        with pytest.raises(ActionRefused) as refused:
            actions.rerun_probes(ticket, actor=desk.l1)
        assert refused.value.code == "run_in_progress"
    for callback in callbacks:
        callback()
    run.refresh_from_db()
    assert run.trigger == Trigger.RERUN and run.requested_by == desk.l1 and run.status == RunStatus.FAILED
    assert not run.applied  # a re-run records, a person decides


def test_an_override_moves_the_ticket_and_is_audited(desk: Any, declare: Any) -> None:
    desk.server.endpoints.all().delete()
    ticket = declare(desk.lucia, desk.server, "server_no_ping")
    run = only_run(ticket)
    with pytest.raises(InvalidInput):
        actions.override_decision(run, actor=desk.l1, decision="to_l2", reason="  ")
    with pytest.raises(Forbidden):
        actions.override_decision(run, actor=desk.lucia, decision="to_l2", reason="no")
    actions.override_decision(run, actor=desk.l1, decision="to_l2", reason="Pings from our side; config issue.")
    run.refresh_from_db()
    ticket.refresh_from_db()
    assert ticket.level.code == "L2"
    assert (run.override_decision, run.overridden_by, run.needs_human) == ("to_l2", desk.l1, False)
    assert run.effective_decision == "to_l2"
    transfer = ticket.events.get(kind=EventKind.TRANSFERRED)
    assert transfer.actor == desk.l1 and transfer.data["reason"] == "Pings from our side; config issue."
    note = ticket.events.filter(kind=EventKind.NOTE, actor=desk.l1).get()
    assert Message.objects.get(pk=note.data["message_id"]).body.endswith("Pings from our side; config issue.")
    with pytest.raises(ActionRefused) as refused:
        actions.override_decision(run, actor=desk.l2, decision="stay_l1", reason="back")
    assert refused.value.code == "already_on_l2"


# --- rules as data ------------------------------------------------------------------------------


def test_the_active_rule_set_is_cached_and_reloaded_when_saved(
    desk: Any, declare: Any, django_assert_num_queries: Any
) -> None:
    name, table = active_rules()
    assert name == "guide" and len(table) == 12
    with django_assert_num_queries(0):
        active_rules()
    guide = RoutingRuleSet.objects.get(name="guide")
    guide.active = False
    guide.save()
    strict = RoutingRuleSet(
        name="strict",
        active=True,
        rules=[{"incident_type": "*", "action": "stay_l1", "message_key": "service_check_failed"}],
    )
    strict.full_clean()
    strict.save()
    assert active_rules()[0] == "strict"
    desk.server.endpoints.all().delete()
    ticket = declare(desk.lucia, desk.server, "server_no_ping")
    run = only_run(ticket)
    assert (run.decision, run.ruleset_name, run.rule_index) == ("stay_l1", "strict", 0)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"incident_type": "*", "action": "to_l3", "message_key": "all_checks_pass"}], "unknown action"),
        (
            [{"incident_type": "*", "action": "to_l2", "message_key": "all_checks_pass", "when": {"ftp": ["up"]}}],
            "unknown probe kind",
        ),
        ([{"incident_type": "*", "action": "to_l2", "message_key": "made_up"}], "Unknown message key"),
        ({"not": "a list"}, "list of mappings"),
    ],
)
def test_an_invalid_rule_set_is_refused_with_the_reason(desk: Any, rules: Any, message: str) -> None:
    from django.core.exceptions import ValidationError

    candidate = RoutingRuleSet(name="bad", rules=rules)
    with pytest.raises(ValidationError) as error:
        candidate.full_clean()
    assert message in str(error.value.message_dict["rules"])


def test_the_admin_shows_the_rule_error_and_keeps_what_was_typed(desk: Any, client: Any) -> None:
    from accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "a-long-test-password-1")
    client.force_login(admin)
    typed = '[{"incident_type": "*", "action": "to_l9", "message_key": "all_checks_pass"}]'
    response = client.post("/admin/triage/routingruleset/add/", {"name": "mine", "rules": typed, "notes": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "unknown action" in page and "to_l9" in page
    assert not RoutingRuleSet.objects.filter(name="mine").exists()


# --- evidence shown --------------------------------------------------------------------------


def test_the_customer_reads_plain_words_and_the_agent_the_details(
    desk: Any, declare: Any, smtp_port: int, django_capture_on_commit_callbacks: Any
) -> None:
    set_endpoint(desk.mail, ports=[smtp_port], role="mail")
    ticket = declare(desk.pedro, desk.mail, "mail_cannot_send")
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.rerun_probes(ticket, actor=desk.l2)
    with translation.override("en"):
        customer = render_to_string("triage/ticket_evidence.html", {"ticket": ticket, "user": desk.pedro})
        agent = render_to_string("triage/ticket_evidence.html", {"ticket": ticket, "user": desk.l2})
        stranger = render_to_string("triage/ticket_evidence.html", {"ticket": ticket, "user": desk.other})
    assert "What our checks found" in customer and "Your mail server greets senders" in customer
    assert "passed to the assistance team" in customer
    assert "niveles-de-soporte" in customer
    assert "ms" not in customer.replace("mail", "") and "detail" not in customer.lower()
    assert f"smtp 127.0.0.1:{smtp_port}" in agent and " ms" in agent and "greets senders (220)" in agent
    assert "<code>ok</code>" not in agent
    assert stranger.strip() == ""


def test_the_staff_page_shows_the_evidence_and_keeps_a_bad_override(desk: Any, declare: Any, client: Any) -> None:
    desk.server.endpoints.all().delete()
    ticket = declare(desk.lucia, desk.server, "server_no_ping")
    run = only_run(ticket)
    client.force_login(desk.lucia)
    assert client.get(f"/triage/tickets/{ticket.number}/").status_code == 403
    client.force_login(desk.l1)
    page = client.get(f"/triage/tickets/{ticket.number}/")
    assert page.status_code == 200 and b"Needs a technician" in page.content
    bad = client.post(
        f"/triage/tickets/{ticket.number}/runs/{run.pk}/override/", {"decision": "to_l9", "reason": "typed"}
    )
    assert bad.status_code == 400 and b"typed" in bad.content
    good = client.post(
        f"/triage/tickets/{ticket.number}/runs/{run.pk}/override/", {"decision": "stay_l1", "reason": "Seen it: disk"}
    )
    assert good.status_code == 302
    run.refresh_from_db()
    assert (run.override_decision, run.needs_human) == ("stay_l1", False)
    rerun = client.post(f"/triage/tickets/{ticket.number}/rerun/")
    assert rerun.status_code == 302 and ProbeRun.objects.filter(ticket=ticket, trigger="rerun").exists()


def test_a_back_dated_incident_is_not_probed_by_itself(desk: Any, declare: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    ticket = declare(desk.lucia, desk.server, "server_no_ping", now=timezone.now() - timedelta(hours=2))
    assert not ProbeRun.objects.filter(ticket=ticket).exists()


def test_every_explanation_of_the_rules_has_a_translatable_text() -> None:
    from triage.routing import MESSAGES
    from triage.rules import DEFAULT_MESSAGES, DEFAULT_RULES

    with translation.override("en"):
        assert {key: str(text) for key, text in MESSAGES.items()} == dict(DEFAULT_MESSAGES)
    assert {rule.message_key for rule in DEFAULT_RULES} <= set(MESSAGES)


def test_the_flagged_list_shows_tickets_waiting_for_a_technician_at_a_fixed_cost(
    desk: Any, declare: Any, client: Any, django_assert_num_queries: Any
) -> None:
    desk.server.endpoints.all().delete()
    tickets = [declare(desk.lucia, desk.server, "server_no_ping") for _ in range(3)]
    client.force_login(desk.l1)
    client.get("/triage/flagged/")  # warm the session and the user
    with django_assert_num_queries(3):  # session, user, the list
        page = client.get("/triage/flagged/").content.decode()
    assert all(f"#{t.number}" in page for t in tickets)
    ProbeRun.objects.filter(ticket=tickets[0]).update(needs_human=False)
    assert f"#{tickets[0].number}" not in client.get("/triage/flagged/").content.decode()


def test_the_customer_reads_the_results_of_the_move_once_in_its_message(
    desk: Any, declare: Any, smtp_port: int, client: Any
) -> None:
    set_endpoint(desk.mail, ports=[smtp_port], role="mail")
    ticket = declare(desk.pedro, desk.mail, "mail_cannot_send")
    assert ticket.level.code == "L2"
    client.force_login(desk.pedro)
    page = client.get(f"/manager/support/tickets/{ticket.number}/").content.decode()
    assert page.count(f"127.0.0.1:{smtp_port}") == 1, page
    assert "What our checks found" not in page  # the desk's message in the conversation says it


def _linked_incident(desk: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Lucía's L2 question, from which the L2 agent opens an L1 "no ping" incident."""
    from tickets import actions as ticket_actions

    question = ticket_actions.open_ticket(
        organisation=desk.lucia.organisation,
        requester=desk.lucia,
        service=desk.server,
        category=desk.category("technical_other"),
        subject="Puertos cerrados",
        body="No puedo entrar por SSH.",
        channel="manager",
        actor=desk.lucia,
    )
    with django_capture_on_commit_callbacks(execute=True):
        incident = ticket_actions.open_incident_from(
            question,
            actor=desk.l2,
            reason="Puertos 22/80/443 cerrados: es una incidencia.",
            category=desk.category("server_no_ping"),
        )
    incident.refresh_from_db()
    return incident


def test_an_agents_incident_stays_on_l1_when_the_server_answers_ping(
    desk: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with socket.socket() as listener:  # the server answers: ping (loopback) and its port
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        set_endpoint(desk.server, ports=[listener.getsockname()[1]], role="server")
        incident = _linked_incident(desk, django_capture_on_commit_callbacks)
    run = only_run(incident)
    assert run.decision == Decision.TO_L2 and not run.applied and run.needs_human
    assert incident.level.code == "L1"
    assert not incident.events.filter(kind=EventKind.TRANSFERRED).exists()
    note = Message.objects.get(ticket=incident, internal=True, author=None)
    assert "a person put it on level 1" in note.body and "ping" in note.body
    assert not Message.objects.filter(ticket=incident, internal=False, author=None).exists()  # nothing to the customer
    with translation.override("en"):
        customer = render_to_string("triage/ticket_evidence.html", {"ticket": incident, "user": desk.lucia})
    assert "passed to the assistance team" not in customer


def test_a_customers_incident_still_moves_when_the_server_answers_ping(desk: Any, declare: Any) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        set_endpoint(desk.server, ports=[listener.getsockname()[1]], role="server")
        ticket = declare(desk.lucia, desk.server, "server_no_ping")
    assert only_run(ticket).applied and ticket.level.code == "L2"


def test_may_move_keeps_what_a_person_placed() -> None:
    from triage.rules import Action, may_move

    assert may_move(Action.TO_L2, placed_by_person=False)
    assert not may_move(Action.TO_L2, placed_by_person=True)
    assert may_move(Action.STAY_L1, placed_by_person=True)
    assert may_move(Action.KEEP_FLAG_HUMAN, placed_by_person=True)
