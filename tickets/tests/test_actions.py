"""Every ticket action, including what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from tickets import actions, queries
from tickets.models import EventKind, ImmutableRowError, LinkKind, Status, Ticket, TicketEvent


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


class TestOpen:
    def test_it_opens_an_l1_incident_with_its_first_message_and_event(self, desk, open_incident, now):
        ticket = open_incident()
        assert ticket.level.code == "L1"
        assert ticket.kind == "incident"
        assert ticket.status == Status.NEW
        assert ticket.team.code == "l1-incidents"
        assert ticket.messages.get().body == "No responde al ping desde las 03:00."
        assert kinds(ticket) == [EventKind.CREATED]
        assert ticket.events.get().data["level"] == "L1"

    def test_it_numbers_tickets_one_after_another(self, desk, open_incident):
        first, second = open_incident(), open_incident()
        assert second.number == first.number + 1

    def test_it_refuses_a_service_of_another_customer(self, desk, open_incident):
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(service=desk.other_service)
        assert refused.value.code == "service_not_yours"
        assert not Ticket.objects.exists()

    def test_it_refuses_a_customer_opening_for_another_organisation(self, desk, open_incident):
        with pytest.raises(actions.NotFound):
            open_incident(actor=desk.other)

    def test_it_refuses_an_empty_subject_or_body(self, desk, open_incident):
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(subject="   ")
        assert refused.value.field == "subject"
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(body="")
        assert refused.value.field == "body"

    def test_it_refuses_an_inactive_category(self, desk, open_incident):
        category = desk.category("incident_other")
        category.active = False
        category.save()
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(category=category)
        assert refused.value.code == "category_inactive"

    def test_it_stores_attachments_within_the_limits(self, desk, open_incident):
        trace = SimpleUploadedFile("traceroute.txt", b"1  10.0.0.1  0.3 ms\n", content_type="text/plain")
        ticket = open_incident(attachments=[trace])
        attachment = ticket.attachments.get()
        assert attachment.filename == "traceroute.txt"
        assert attachment.size == 20
        assert attachment.file.read() == b"1  10.0.0.1  0.3 ms\n"

    def test_it_refuses_a_file_too_large_or_of_a_refused_type(self, desk, open_incident, settings):
        settings.ATTACHMENT_MAX_BYTES = 10
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(attachments=[SimpleUploadedFile("big.txt", b"x" * 11)])
        assert refused.value.code == "file_too_large"
        settings.ATTACHMENT_MAX_BYTES = 1000
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(attachments=[SimpleUploadedFile("run.exe", b"MZ")])
        assert refused.value.code == "file_type_refused"
        assert not Ticket.objects.exists()

    def test_it_renders_markdown_safely(self, desk, open_incident):
        ticket = open_incident(body="**caído** <script>alert(1)</script> [x](javascript:alert(1))")
        html = ticket.messages.get().body_html
        assert "<strong>caído</strong>" in html
        assert "<script>" not in html
        assert "javascript:" not in html

    def test_each_message_is_rendered_on_its_own(self, desk, open_incident):
        first = open_incident(body="[la guía][1]\n\n[1]: https://example.com/guia")
        second = open_incident(body="[la guía][1]")
        assert 'href="https://example.com/guia"' in first.messages.get().body_html
        assert "href" not in second.messages.get().body_html  # no reference left over from the first


class TestConversation:
    def test_staff_first_public_reply_is_the_first_response_and_opens_the_ticket(self, desk, open_incident, now):
        ticket = open_incident()
        actions.reply(ticket, actor=desk.l1, body="Lo miramos.", now=now + timedelta(minutes=20))
        ticket.refresh_from_db()
        assert ticket.first_responded_at == now + timedelta(minutes=20)
        assert ticket.status == Status.OPEN
        assert ticket.last_message_from == "support"

    def test_a_customer_reply_reopens_a_ticket_waiting_for_them(self, desk, open_incident, now):
        ticket = open_incident()
        actions.reply(ticket, actor=desk.l1, body="¿Reinició?", now=now, then="waiting_customer")
        ticket.refresh_from_db()
        assert ticket.status == Status.WAITING_CUSTOMER
        actions.reply(ticket, actor=desk.lucia, body="Sí.", now=now + timedelta(hours=1))
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN

    def test_nobody_writes_on_a_closed_ticket(self, desk, open_incident, now):
        ticket = open_incident()
        actions.close_ticket(ticket, actor=desk.lucia, now=now)
        with pytest.raises(actions.ActionRefused) as refused:
            actions.reply(ticket, actor=desk.lucia, body="hola", now=now)
        assert refused.value.code == "ticket_closed"

    def test_another_customer_cannot_reply(self, desk, open_incident, now):
        ticket = open_incident()
        with pytest.raises(actions.NotFound):
            actions.reply(ticket, actor=desk.other, body="hola", now=now)
        assert ticket.messages.count() == 1

    def test_internal_notes_are_staff_only_and_hidden_from_the_customer(self, desk, open_incident, now):
        ticket = open_incident()
        actions.add_note(ticket, actor=desk.l1, body="Revisar el switch del rack.", now=now)
        with pytest.raises(actions.Forbidden):
            actions.add_note(ticket, actor=desk.lucia, body="nota", now=now)
        assert [m.internal for m in queries.conversation(ticket, desk.l1)] == [False, True]
        assert [m.internal for m in queries.conversation(ticket, desk.lucia)] == [False]


class TestOwnership:
    def test_it_claims_an_unassigned_ticket_once(self, desk, open_incident, now):
        ticket = open_incident()
        actions.claim_ticket(ticket, actor=desk.l1, now=now)
        ticket.refresh_from_db()
        assert ticket.assignee == desk.l1
        assert ticket.status == Status.OPEN
        other_l1 = type(desk.l1).objects.create(username="l1b", role="l1_technician")
        with pytest.raises(actions.ActionRefused) as refused:
            actions.claim_ticket(ticket, actor=other_l1, now=now)
        assert refused.value.code == "already_claimed"

    def test_staff_of_another_level_cannot_claim(self, desk, open_incident, now):
        with pytest.raises(actions.Forbidden) as refused:
            actions.claim_ticket(open_incident(), actor=desk.l2, now=now)
        assert refused.value.code == "other_level"

    def test_a_supervisor_assigns_to_staff_of_the_level_only(self, desk, open_incident, now):
        ticket = open_incident()
        actions.assign_ticket(ticket, assignee=desk.l1, actor=desk.supervisor, now=now)
        assert Ticket.objects.get(pk=ticket.pk).assignee == desk.l1
        with pytest.raises(actions.InvalidInput):
            actions.assign_ticket(ticket, assignee=desk.l3, actor=desk.supervisor, now=now)
        with pytest.raises(actions.Forbidden):
            actions.assign_ticket(ticket, assignee=desk.l1, actor=desk.lucia, now=now)


class TestStatus:
    def test_the_whole_lifecycle_is_in_the_audit_trail(self, desk, open_incident, now):
        ticket = open_incident()
        actions.claim_ticket(ticket, actor=desk.l1, now=now)
        actions.wait_for_customer(ticket, actor=desk.l1, now=now)
        actions.reply(ticket, actor=desk.lucia, body="Ya está.", now=now)
        actions.resolve_ticket(ticket, actor=desk.l1, now=now)
        actions.close_ticket(ticket, actor=desk.lucia, now=now)
        statuses = [e.data["after"] for e in ticket.events.filter(kind=EventKind.STATUS).order_by("id")]
        assert statuses == ["open", "waiting_customer", "open", "resolved", "closed"]
        ticket.refresh_from_db()
        assert ticket.closed_at == now and ticket.resolved_at == now

    def test_closing_a_closed_ticket_is_refused(self, desk, open_incident, now):
        ticket = open_incident()
        actions.close_ticket(ticket, actor=desk.lucia, now=now)
        with pytest.raises(actions.ActionRefused) as refused:
            actions.close_ticket(ticket, actor=desk.lucia, now=now)
        assert refused.value.code == "already_closed"

    def test_the_desk_closes_only_resolved_tickets_by_itself(self, desk, open_incident, now):
        ticket = open_incident()
        with pytest.raises(actions.ActionRefused):
            actions.close_ticket(ticket, actor=None, now=now)

    def test_resolving_twice_is_refused(self, desk, open_incident, now):
        ticket = open_incident()
        actions.resolve_ticket(ticket, actor=desk.l1, now=now)
        with pytest.raises(actions.ActionRefused):
            actions.resolve_ticket(ticket, actor=desk.l1, now=now)

    def test_a_customer_cannot_resolve(self, desk, open_incident, now):
        with pytest.raises(actions.Forbidden):
            actions.resolve_ticket(open_incident(), actor=desk.lucia, now=now)

    def test_reopen_needs_a_reason_and_a_resolved_or_closed_ticket(self, desk, open_incident, now):
        ticket = open_incident()
        with pytest.raises(actions.ActionRefused) as refused:
            actions.reopen_ticket(ticket, actor=desk.lucia, reason="otra vez", now=now)
        assert refused.value.code == "not_resolved"
        actions.resolve_ticket(ticket, actor=desk.l1, now=now)
        with pytest.raises(actions.InvalidInput) as invalid:
            actions.reopen_ticket(ticket, actor=desk.lucia, reason=" ", now=now)
        assert invalid.value.code == "reason_required"
        actions.reopen_ticket(ticket, actor=desk.lucia, reason="Vuelve a fallar.", now=now)
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN and ticket.reopen_count == 1
        assert ticket.events.get(kind=EventKind.REOPENED).data["reason"] == "Vuelve a fallar."


class TestScore:
    def test_it_scores_once_after_closing(self, desk, open_incident, now):
        ticket = open_incident()
        with pytest.raises(actions.ActionRefused) as refused:
            actions.score_ticket(ticket, actor=desk.lucia, score=5, now=now)
        assert refused.value.code == "not_closed"
        ticket = actions.close_ticket(ticket, actor=desk.lucia, now=now)
        assert actions.can_be_scored(ticket, desk.lucia)
        actions.score_ticket(ticket, actor=desk.lucia, score=5, comment="Rápidos.", now=now)
        ticket.refresh_from_db()
        assert (ticket.score, ticket.score_comment) == (5, "Rápidos.")
        assert not actions.can_be_scored(ticket, desk.lucia)
        with pytest.raises(actions.ActionRefused) as refused:
            actions.score_ticket(ticket, actor=desk.lucia, score=1, now=now)
        assert refused.value.code == "already_scored"
        assert Ticket.objects.get(pk=ticket.pk).score == 5

    @pytest.mark.parametrize("score", [0, 6, -1, True])
    def test_it_refuses_a_score_out_of_range(self, desk, open_incident, now, score):
        ticket = open_incident()
        actions.close_ticket(ticket, actor=desk.lucia, now=now)
        with pytest.raises(actions.InvalidInput):
            actions.score_ticket(ticket, actor=desk.lucia, score=score, now=now)

    def test_staff_and_other_customers_cannot_score(self, desk, open_incident, now):
        ticket = open_incident()
        actions.close_ticket(ticket, actor=desk.lucia, now=now)
        with pytest.raises(actions.Forbidden):
            actions.score_ticket(ticket, actor=desk.l1, score=5, now=now)
        with pytest.raises(actions.NotFound):
            actions.score_ticket(ticket, actor=desk.other, score=5, now=now)


class TestMoves:
    def test_l1_to_l2_changes_the_level_of_the_same_ticket_and_keeps_both_in_history(self, desk, open_incident, now):
        ticket = open_incident(
            category=desk.category("mail_cannot_send"),
            service=desk.mail,
            requester=desk.pedro,
            actor=desk.pedro,
            organisation=desk.pedro.organisation,
        )
        actions.claim_ticket(ticket, actor=desk.l1, now=now)
        actions.transfer_to_assistance(
            ticket,
            actor=desk.l1,
            reason="Responde al ping: configuración.",
            customer_message="Pasamos a nivel 2.",
            now=now + timedelta(minutes=5),
        )
        ticket.refresh_from_db()
        assert ticket.level.code == "L2"
        assert ticket.kind == "assistance_technical"
        assert ticket.category.code == "incident_without_outage"
        assert ticket.team.code == "l2-technical"
        assert ticket.assignee is None
        assert [step["level"] for step in queries.level_history(ticket)] == ["L1", "L2"]
        event = ticket.events.get(kind=EventKind.TRANSFERRED)
        assert event.data["before"]["level"] == "L1" and event.data["reason"] == "Responde al ping: configuración."
        last = queries.conversation(ticket, desk.pedro).last()
        assert last is not None and last.body == "Pasamos a nivel 2."

    def test_l1_to_l2_is_refused_for_an_l2_ticket_or_without_a_reason(self, desk, open_incident, now):
        ticket = open_incident()
        with pytest.raises(actions.InvalidInput):
            actions.transfer_to_assistance(ticket, actor=desk.l1, reason="", now=now)
        actions.transfer_to_assistance(ticket, actor=desk.l1, reason="Config.", now=now)
        with pytest.raises(actions.ActionRefused) as refused:
            actions.transfer_to_assistance(ticket, actor=desk.supervisor, reason="Otra vez.", now=now)
        assert refused.value.code == "wrong_level"

    def test_l2_to_l1_opens_a_new_linked_incident(self, desk, open_incident, now):
        question = open_incident(category=desk.category("install_site"), subject="Instalar WordPress")
        incident = actions.open_incident_from(
            question,
            actor=desk.l2,
            reason="El VPS no responde.",
            category=desk.category("server_no_ping"),
            now=now + timedelta(days=3),
        )
        assert incident.pk != question.pk
        assert incident.level.code == "L1" and incident.kind == "incident"
        assert incident.organisation == question.organisation and incident.service == question.service
        question.refresh_from_db()
        assert question.level.code == "L2"
        assert [other for _link, other in queries.linked_tickets(question, desk.lucia)] == [incident]
        assert [other for _link, other in queries.linked_tickets(incident, desk.lucia)] == [question]
        assert question.links_out.get().kind == LinkKind.INCIDENT_OPENED

    def test_the_agents_reason_for_the_incident_is_their_internal_note(self, desk, open_incident, now):
        question = open_incident(category=desk.category("install_site"), subject="Instalar WordPress")
        incident = actions.open_incident_from(
            question, actor=desk.l2, reason="El VPS no responde.", category=desk.category("server_no_ping"), now=now
        )
        (first,) = incident.messages.all()
        assert (first.author, first.sender, first.internal, first.body) == (
            desk.l2,
            "support",
            True,
            "El VPS no responde.",
        )
        assert not queries.conversation(incident, desk.lucia).filter(body__contains="VPS").exists()

    def test_an_incident_type_must_fit_the_services_product(self, desk, open_incident, now):
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(
                requester=desk.pedro, organisation=desk.pedro.organisation, actor=desk.pedro, service=desk.mail
            )
        assert (refused.value.code, refused.value.field) == ("category_not_for_product", "category")
        for category in ("mail_cannot_send", "incident_other"):
            open_incident(
                requester=desk.pedro,
                organisation=desk.pedro.organisation,
                actor=desk.pedro,
                service=desk.mail,
                category=desk.category(category),
            )
        # The desk's own incidents (monitoring) name what their check saw.
        open_incident(requester=None, organisation=desk.pedro.organisation, actor=None, service=desk.hosting)

    def test_only_staff_write_a_first_message_for_a_customer(self, desk, open_incident, now):
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(written_by=desk.lucia)
        assert refused.value.code == "writer_not_staff"
        with pytest.raises(actions.InvalidInput) as refused:
            open_incident(internal=True)
        assert refused.value.code == "note_without_writer"

    def test_l2_to_l1_is_refused_from_l1_and_needs_an_incident_type(self, desk, open_incident, now):
        with pytest.raises(actions.ActionRefused):
            actions.open_incident_from(
                open_incident(), actor=desk.supervisor, reason="x", category=desk.category("server_no_ping"), now=now
            )
        question = open_incident(category=desk.category("install_site"))
        with pytest.raises(actions.InvalidInput):
            actions.open_incident_from(question, actor=desk.l2, reason="x", category=desk.category("billing"), now=now)

    def test_hand_off_for_quote_goes_to_l2_commercial(self, desk, open_incident, now):
        ticket = open_incident(category=desk.category("technical_other"), subject="Recompilar PHP")
        actions.hand_off_for_quote(ticket, actor=desk.l2, reason="Requiere infogerencia.", now=now)
        ticket.refresh_from_db()
        assert (ticket.level.code, ticket.kind, ticket.team.code) == ("L2", "assistance_commercial", "l2-commercial")
        assert ticket.category.code == "quote_intervention"
        with pytest.raises(actions.ActionRefused) as refused:
            actions.hand_off_for_quote(ticket, actor=desk.l2_commercial, reason="otra", now=now)
        assert refused.value.code == "already_with_commercial"

    def test_moves_are_refused_on_closed_tickets(self, desk, open_incident, now):
        ticket = open_incident()
        actions.close_ticket(ticket, actor=desk.lucia, now=now)
        with pytest.raises(actions.ActionRefused) as refused:
            actions.transfer_to_assistance(ticket, actor=desk.l1, reason="x", now=now)
        assert refused.value.code == "ticket_not_active"


class TestVisibility:
    def test_a_customer_sees_only_their_organisations_tickets(self, desk, open_incident):
        mine = open_incident()
        assert list(queries.visible_tickets(desk.lucia)) == [mine]
        assert list(queries.visible_tickets(desk.other)) == []
        assert list(queries.visible_tickets(desk.l2)) == [mine]
        with pytest.raises(Http404):
            queries.get_ticket_for(desk.other, mine.pk)
        with pytest.raises(Http404):
            queries.get_ticket_by_number_for(desk.other, mine.number)

    def test_another_customer_can_neither_close_nor_reopen(self, desk, open_incident, now):
        ticket = open_incident()
        with pytest.raises(actions.NotFound):
            actions.close_ticket(ticket, actor=desk.other, now=now)
        actions.close_ticket(ticket, actor=desk.lucia, now=now)
        with pytest.raises(actions.NotFound):
            actions.reopen_ticket(ticket, actor=desk.other, reason="x", now=now)


class TestAudit:
    def test_events_cannot_be_changed_or_deleted(self, desk, open_incident):
        event = TicketEvent.objects.get(ticket=open_incident())
        event.data = {"forged": True}
        with pytest.raises(ImmutableRowError):
            event.save()
        with pytest.raises(ImmutableRowError):
            event.delete()

    def test_a_refused_action_writes_nothing(self, desk, open_incident, now):
        ticket = open_incident()
        before = TicketEvent.objects.count()
        with pytest.raises(actions.ActionRefused):
            actions.score_ticket(ticket, actor=desk.lucia, score=5, now=now)
        assert TicketEvent.objects.count() == before
