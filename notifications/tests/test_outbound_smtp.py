"""Real outbound mail read from a local SMTP sink: threading, reply address, language, attachments, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import addressing
from notifications.actions import notify
from notifications.models import Delivery, DeliveryStatus
from notifications.sending import deliver, retry_due

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def html_part(message):  # type: ignore[no-untyped-def]
    return message.get_body(("html",)).get_content()


def test_a_ticket_mail_carries_threading_headers_and_a_signed_reply_address(desk, open_incident, sink):
    ticket = open_incident()
    [message] = sink.messages
    delivery = Delivery.objects.get()
    assert message["Message-ID"] == f"<ticket-{ticket.number}-{delivery.pk}@tierdesk.localhost>"
    assert message["Message-ID"] == delivery.message_id
    assert message["In-Reply-To"] == f"<ticket-{ticket.number}@tierdesk.localhost>"
    assert message["References"] == message["In-Reply-To"]
    assert message["Subject"].startswith(f"[#{ticket.number}] ")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["To"] == desk.lucia.email
    reply_to = str(message["Reply-To"])
    assert reply_to.startswith(f"soporte+t-{ticket.number}-")
    assert addressing.ticket_number_from_address(reply_to) == ticket.number
    assert sink.envelopes[0].rcpt_tos == [desk.lucia.email]
    attempt = delivery.tries.get()
    assert (attempt.status, attempt.message_id, attempt.number) == (DeliveryStatus.SENT, delivery.message_id, 1)
    assert delivery.sent_at is not None


def test_each_recipient_reads_it_in_their_own_language(desk, open_incident, sink):
    desk.lucia.language = "es"
    desk.lucia.save(update_fields=["language"])
    open_incident()
    desk.other.language = "fr"
    desk.other.save()
    open_incident(
        organisation=desk.other.organisation,
        requester=desk.other,
        service=desk.other_service,
        actor=desk.other,
        category=desk.category("hosting_unreachable"),
    )
    spanish, french = sink.messages
    assert '<html lang="es">' in html_part(spanish)
    assert '<html lang="fr">' in html_part(french)
    assert "L1" in spanish.get_body(("plain",)).get_content()


def test_a_notification_can_carry_a_pdf(desk, open_incident, sink):
    ticket = open_incident()
    sink.messages.clear()
    notify(
        event="ticket_reply",
        recipients=[desk.lucia],
        context={"body": "Adjuntamos el presupuesto.", "from_customer": False},
        ticket=ticket,
        attachments=[("presupuesto-2027-0001.pdf", PDF, "application/pdf")],
        now=timezone.now(),
    )
    [message] = sink.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "presupuesto-2027-0001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    assert "Adjuntamos el presupuesto." in message.get_body(("plain",)).get_content()


def test_a_temporary_refusal_is_retried_with_backoff_and_then_sent(desk, sink, settings):
    settings.MAIL_RETRY_SECONDS = 60
    sink.refuse = ["451 4.3.0 Try again later"]
    start = timezone.now()
    notify(event="staff_alert", recipients=["ops@example.com"], context={"title": "SLA", "text": "x"}, now=start)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at is not None
    assert "451" in delivery.last_error
    assert delivery.next_attempt_at >= start + timedelta(seconds=60)
    assert sink.messages == []

    assert retry_due(now=start + timedelta(seconds=30)) == 0  # not due yet
    assert retry_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert [(t.number, t.status) for t in delivery.tries.all()] == [(1, "retrying"), (2, "sent")]
    assert len(sink.messages) == 1
    assert deliver(delivery.pk) == "not_claimed"  # a stray task does not send it twice
    assert len(sink.messages) == 1


def test_a_permanent_refusal_fails_at_once_and_retries_stop_at_the_limit(desk, sink, settings):
    sink.refuse = ["550 5.1.1 No such user"]
    notify(
        event="staff_alert", recipients=["nobody@example.com"], context={"title": "t", "text": "x"}, now=timezone.now()
    )
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)

    settings.MAIL_MAX_ATTEMPTS = 2
    sink.refuse = ["421 4.7.0 Busy"] * 5
    notify(
        event="staff_alert", recipients=["busy@example.com"], context={"title": "t", "text": "x"}, now=timezone.now()
    )
    busy = Delivery.objects.get(address="busy@example.com")
    assert busy.status == DeliveryStatus.RETRYING
    assert busy.next_attempt_at is not None
    retry_due(now=busy.next_attempt_at + timedelta(seconds=1))
    busy.refresh_from_db()
    assert (busy.status, busy.attempts) == (DeliveryStatus.FAILED, 2)


def test_an_unreachable_server_is_a_temporary_failure(desk, settings):
    from notifications.tests.conftest import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5},
        }
    }
    notify(event="staff_alert", recipients=["ops@example.com"], context={"title": "t", "text": "x"}, now=timezone.now())
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert "ConnectionRefusedError" in delivery.last_error


def test_staff_can_send_a_failed_delivery_again_from_the_admin(desk, sink, admin_client):
    sink.refuse = ["550 5.7.1 Relaying denied"]
    notify(event="staff_alert", recipients=["ops@example.com"], context={"title": "t", "text": "x"}, now=timezone.now())
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    page = admin_client.get(f"/admin/notifications/delivery/{delivery.pk}/change/")
    assert "Relaying denied" in page.text
    admin_client.post(
        "/admin/notifications/delivery/", {"action": "send_failed_again", "_selected_action": [delivery.pk]}
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(sink.messages) == 1


def test_the_answer_due_time_is_shown_in_the_recipients_time_zone(desk, open_incident, sink, monkeypatch):
    from datetime import UTC, datetime

    from tickets.models import Ticket

    due = datetime(2027, 3, 2, 16, 0, tzinfo=UTC)
    monkeypatch.setattr(Ticket, "first_response_due_at", due, raising=False)
    desk.lucia.language, desk.lucia.time_zone = "en", "America/Mexico_City"
    desk.lucia.save()
    open_incident()
    text = sink.messages[0].get_body(("plain",)).get_content()
    assert "You will have an answer by" in text
    assert "2 March 2027, 10:00 (America/Mexico_City)" in text  # 16:00 UTC is 10:00 in Mexico City


def test_a_reply_to_a_real_notification_comes_back_to_its_ticket(desk, open_incident, sink, listener):
    """Both ways over SMTP: the notification read from the sink is answered into the listener."""
    import smtplib
    from email.message import EmailMessage

    ticket = open_incident()
    [notification] = sink.messages
    answer = EmailMessage()
    answer["From"] = desk.lucia.email
    answer["To"] = str(notification["Reply-To"])
    answer["Subject"] = "Re: " + str(notification["Subject"])
    answer["Message-ID"] = "<answer-1@example.com>"
    answer["In-Reply-To"] = str(notification["Message-ID"])
    answer["References"] = f"{notification['References']} {notification['Message-ID']}"
    quoted = "\n".join("> " + line for line in notification.get_body(("plain",)).get_content().splitlines())
    answer.set_content(f"Gracias, ya funciona.\n\nOn Tue, 2 Mar 2027 at 11:00, Soporte wrote:\n{quoted}\n")
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:
        client.send_message(answer)
    last = ticket.messages.order_by("-id").first()
    assert last is not None
    assert (last.body, last.channel, last.author) == ("Gracias, ya funciona.", "email", desk.lucia)
