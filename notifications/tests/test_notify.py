"""The notification service: who gets what, in which language, once, and only after commit.

Transactional tests: mail is enqueued with ``transaction.on_commit``, so the changes must really commit.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from core.stored_text import coded
from notifications import addressing
from notifications.actions import notify, set_preference
from notifications.models import Delivery, DeliveryStatus, Notification
from notifications.sending import build_message
from tickets import actions
from tickets.models import Ticket, TicketEvent
from tickets.tasks import dispatch_event


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


@pytest.mark.django_db(transaction=True)
class TestTicketEvents:
    def test_it_tells_the_customer_their_ticket_number_and_level(self, desk, open_incident):
        ticket = open_incident()
        [message] = mails_to(desk.lucia.email)
        assert message.subject.startswith(f"[#{ticket.number}] ")
        assert str(ticket.number) in message.body
        assert "L1" in message.body
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
        assert message.reply_to == [addressing.reply_address(ticket.number)]

    def test_a_support_reply_goes_to_the_customer_and_a_customer_reply_to_the_assignee(self, desk, open_incident, now):
        desk.l1.email = "l1@tierdesk.localhost"
        desk.l1.save()
        ticket = open_incident()
        actions.claim_ticket(ticket, actor=desk.l1, now=now)
        mail.outbox.clear()
        actions.reply(ticket, actor=desk.l1, body="Reiniciamos el servidor.", now=now)
        [to_customer] = mails_to(desk.lucia.email)
        assert "Reiniciamos el servidor." in to_customer.body
        actions.reply(ticket, actor=desk.lucia, body="Sigue sin responder.", now=now + timedelta(minutes=5))
        [to_agent] = mails_to("l1@tierdesk.localhost")
        assert "Sigue sin responder." in to_agent.body
        assert len(mail.outbox) == 2

    def test_an_agent_can_switch_an_event_off_but_customers_always_get_theirs(self, desk, open_incident, now):
        desk.l1.email = "l1@tierdesk.localhost"
        desk.l1.save()
        set_preference(user=desk.l1, event="ticket_reply", email=False)
        with pytest.raises(ValueError):
            set_preference(user=desk.lucia, event="ticket_reply", email=False)
        ticket = open_incident()
        actions.claim_ticket(ticket, actor=desk.l1, now=now)
        actions.reply(ticket, actor=desk.lucia, body="¿Alguna novedad?", now=now)
        assert mails_to("l1@tierdesk.localhost") == []
        assert len(mails_to(desk.lucia.email)) == 1  # the opening mail

    def test_a_transfer_mails_the_explanation_once(self, desk, open_incident, now):
        ticket = open_incident()
        mail.outbox.clear()
        actions.transfer_to_assistance(
            ticket,
            actor=desk.l1,
            reason="El servidor responde al ping",
            customer_message="Su servidor responde: lo pasamos a Asistencia.",
            now=now,
        )
        [message] = mails_to(desk.lucia.email)
        assert "Su servidor responde: lo pasamos a Asistencia." in message.body
        assert "L1" in message.body and "L2" in message.body
        assert "El servidor responde al ping" not in message.body  # the internal reason stays inside

    def test_the_desks_own_message_is_mailed_in_the_customers_language(self, desk, open_incident, now):
        """Automatic triage's message is stored as a code: the e-mail words it in the recipient's
        language when it is sent, not in the language of whoever set it off."""
        type(desk.lucia).objects.filter(pk=desk.lucia.pk).update(language="fr")
        ticket = open_incident(category=desk.category("server_no_ping"), service=desk.server)
        mail.outbox.clear()
        actions.transfer_to_assistance(
            ticket,
            actor=None,
            reason=coded("triage.automatic_reason", message_key="all_checks_pass"),
            customer_message=coded("triage.to_assistance_message", message_key="all_checks_pass", results=[]),
            now=now,
        )
        [message] = mails_to(desk.lucia.email)
        assert "Toutes nos vérifications du service réussissent" in message.body
        assert "triage" not in message.body and "all_checks_pass" not in message.body

    def test_a_mail_is_written_in_the_language_its_recipient_reads_when_it_is_sent(self, desk, open_incident):
        ticket = open_incident()
        delivery = Delivery.objects.get(address=desk.lucia.email)
        assert delivery.language == "en"
        type(desk.lucia).objects.filter(pk=desk.lucia.pk).update(language="fr")
        delivery.refresh_from_db()
        message = build_message(delivery)
        assert message.extra_headers["Content-Language"] == "fr"
        assert str(ticket.number) in message.body and "Open the ticket" not in message.body

    def test_an_incident_opened_from_an_assistance_ticket_is_one_mail_with_both_numbers(self, desk, now):
        question = actions.open_ticket(
            organisation=desk.lucia.organisation,
            requester=desk.lucia,
            service=desk.server,
            category=desk.category("install_site"),
            subject="Instalar WordPress",
            body="¿Cómo instalo WordPress?",
            channel="manager",
            actor=desk.lucia,
            now=now,
        )
        mail.outbox.clear()
        incident = actions.open_incident_from(
            question, actor=desk.l2, reason="El VPS no responde", category=desk.category("server_no_ping"), now=now
        )
        [message] = mails_to(desk.lucia.email)
        assert str(incident.number) in message.subject
        assert message.subject.startswith(f"[#{question.number}]")
        assert str(question.number) in message.body

    def test_resolving_mails_the_customer_but_a_reply_that_resolves_is_one_mail(self, desk, open_incident, now):
        ticket = open_incident()
        mail.outbox.clear()
        actions.reply(ticket, actor=desk.l1, body="Resuelto: cable cambiado.", then="resolved", now=now)
        assert len(mails_to(desk.lucia.email)) == 1
        ticket.refresh_from_db()
        actions.reopen_ticket(ticket, actor=desk.lucia, reason="Vuelve a fallar", now=now)
        actions.resolve_ticket(ticket, actor=desk.l1, now=now + timedelta(hours=1))
        resolved = mails_to(desk.lucia.email)[-1]
        assert "resuel" in resolved.subject.lower() or "resolved" in resolved.subject.lower()
        assert len(mails_to(desk.lucia.email)) == 2

    def test_dispatching_an_event_twice_mails_once(self, desk, open_incident):
        ticket = open_incident()
        event = TicketEvent.objects.get(ticket=ticket, kind="created")
        dispatch_event.enqueue(event.pk)
        assert len(mails_to(desk.lucia.email)) == 1
        assert Notification.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db(transaction=True)
class TestNotify:
    def test_nothing_is_sent_when_the_callers_change_is_rolled_back(self, desk, now):
        class Boom(Exception):
            pass

        with pytest.raises(Boom), transaction.atomic():
            notify(event="staff_alert", recipients=[desk.supervisor], context={"title": "x", "text": "y"}, now=now)
            raise Boom
        assert not Delivery.objects.exists()
        assert mail.outbox == []

    def test_it_refuses_an_event_without_templates_or_a_context_that_is_not_json(self, desk, now):
        with pytest.raises(ValueError, match="templates"):
            notify(event="no_such_event", recipients=["a@example.com"], context={}, now=now)
        with pytest.raises(ValueError, match="JSON"):
            notify(event="staff_alert", recipients=["a@example.com"], context={"x": object()}, now=now)

    def test_each_recipient_gets_one_delivery_in_their_language(self, desk, now, settings):
        settings.LANGUAGE_CODE = "es"  # the desk's default, which a bare address gets
        desk.supervisor.email = "boss@tierdesk.localhost"
        desk.supervisor.language = "fr"
        desk.supervisor.save()
        notify(
            event="staff_alert",
            recipients=[desk.supervisor, "BOSS@tierdesk.localhost", "ops@example.com"],
            context={"title": "SLA", "text": "Ticket 1000001 close to breach"},
            now=now,
        )
        deliveries = Delivery.objects.order_by("id")
        assert [(d.address, d.language, d.status) for d in deliveries] == [
            ("boss@tierdesk.localhost", "fr", DeliveryStatus.SENT),
            ("ops@example.com", "es", DeliveryStatus.SENT),
        ]
        assert all(d.message_id.startswith("<notification-") for d in deliveries)
        assert deliveries[0].tries.get().status == DeliveryStatus.SENT

    def test_customers_without_an_address_are_skipped_not_failed(self, desk, open_incident):
        desk.lucia.email = ""
        desk.lucia.save()
        open_incident()
        assert not Delivery.objects.exists()
        assert Ticket.objects.count() == 1


class TestReplyAddress:
    def test_a_reply_address_carries_its_ticket_and_cannot_be_forged(self, settings):
        address = addressing.reply_address(1000123)
        assert address.startswith("soporte+t-1000123-")
        assert addressing.ticket_number_from_address(address) == 1000123
        assert addressing.ticket_number_from_address(address.upper()) == 1000123
        forged = address.replace("+t-1000123-", "+t-1000124-")
        assert addressing.ticket_number_from_address(forged) is None
        settings.INBOUND_SECRET = "another secret"
        assert addressing.ticket_number_from_address(address) is None

    def test_our_message_ids_are_recognised(self):
        assert addressing.ticket_number_from_message_id(addressing.root_message_id(1000001)) == (1000001, None)
        assert addressing.ticket_number_from_message_id("<ticket-1000001-7@tierdesk.localhost>") == (1000001, 7)
        assert addressing.ticket_number_from_message_id("<ticket-1000001-7@elsewhere.example>") is None
