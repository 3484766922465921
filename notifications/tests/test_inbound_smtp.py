"""Real mail over SMTP to the desk's listener on 127.0.0.1: tickets, replies, loops, quarantine."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.utils import timezone

from notifications import addressing
from notifications.actions import reprocess_inbound_mail
from notifications.models import InboundMail, InboundStatus
from tickets import actions
from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

ASSISTANCE = "asistencia@tierdesk.localhost"
INCIDENTS = "incidencias@tierdesk.localhost"


def compose(
    *, sender: str, to: str, subject: str, body: str, message_id: str | None = None, **headers: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    message["Date"] = timezone.now()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def send(port: int, message: EmailMessage | bytes, *, to: list[str] | None = None, sender: str = "") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        if isinstance(message, bytes):
            client.sendmail(sender, to or [], message)
        else:
            client.send_message(message, to_addrs=to)


def test_a_known_customer_writing_to_the_assistance_address_opens_an_l2_ticket(desk, listener):
    send(
        listener,
        compose(
            sender=f"Pedro García <{desk.pedro.email}>",
            to=ASSISTANCE,
            subject="Configurar cuenta de correo en Thunderbird",
            body="Hola,\n\n¿Qué servidor SMTP pongo para mail.ferreteriagarcia.es?\n\nPedro",
        ),
    )
    ticket = Ticket.objects.get()
    assert ticket.category is not None
    assert (ticket.level.code, ticket.category.code, ticket.channel) == ("L2", "technical_other", Channel.EMAIL)
    assert ticket.requester == desk.pedro
    assert ticket.subject == "Configurar cuenta de correo en Thunderbird"
    assert "¿Qué servidor SMTP pongo" in ticket.messages.get().body
    inbound = InboundMail.objects.get()
    assert (inbound.status, inbound.ticket, inbound.source) == (InboundStatus.TICKET_OPENED, ticket, "smtp")
    [confirmation] = mail.outbox
    assert confirmation.to == [desk.pedro.email]
    assert confirmation.subject.startswith(f"[#{ticket.number}]")


def test_the_incidents_address_opens_an_l1_incident_with_its_attachment(desk, listener):
    message = compose(sender=desk.lucia.email, to=INCIDENTS, subject="Servidor caído", body="No responde.")
    message.add_attachment(
        b"64 bytes from 10.0.0.1: icmp_seq=1\n", maintype="text", subtype="plain", filename="ping.txt"
    )
    send(listener, message)
    ticket = Ticket.objects.get()
    assert ticket.category is not None
    assert (ticket.level.code, ticket.category.code) == ("L1", "incident_other")
    assert ticket.attachments.get().filename == "ping.txt"


def test_a_reply_to_a_notification_lands_on_its_ticket_without_the_quoted_history(desk, open_incident, listener):
    ticket = open_incident()
    actions.reply(ticket, actor=desk.l1, body="¿Puede enviarnos un traceroute?", now=timezone.now())
    notification = mail.outbox[-1].message()
    reply = compose(
        sender=f"Lucía Martín <{desk.lucia.email}>",
        to=notification["Reply-To"],
        subject="Re: " + notification["Subject"],
        body=(
            "Aquí está el traceroute: se corta en el salto 4.\n\n"
            "El mar, 2 mar 2027 a las 11:00, Soporte <soporte@tierdesk.localhost> escribió:\n"
            "> ¿Puede enviarnos un traceroute?\n"
            ">\n"
            "> Ticket anterior\n"
        ),
        In_Reply_To=notification["Message-ID"],
        References=f"{notification['References']} {notification['Message-ID']}",
    )
    send(listener, reply)
    last = ticket.messages.order_by("-id").first()
    assert last.body == "Aquí está el traceroute: se corta en el salto 4."
    assert (last.author, last.channel) == (desk.lucia, Channel.EMAIL)
    assert InboundMail.objects.get().status == InboundStatus.REPLY_ADDED

    # Without the reply address (sent to the desk's mailbox), the headers still find the ticket.
    again = compose(
        sender=desk.lucia.email,
        to=addressing.inbound_address(),
        subject="Re: lo del traceroute",
        body="Y desde otra red también falla.",
        In_Reply_To=notification["Message-ID"],
    )
    send(listener, again)
    assert InboundMail.objects.order_by("-id").values_list("status", "reason").first() == ("reply_added", "")
    assert ticket.messages.order_by("-id").first().body == "Y desde otra red también falla."
    assert Ticket.objects.count() == 1


def test_an_auto_reply_is_recorded_and_never_answered(desk, open_incident, listener):
    ticket = open_incident()
    mail.outbox.clear()
    out_of_office = compose(
        sender=desk.lucia.email,
        to=addressing.reply_address(ticket.number),
        subject="Fuera de la oficina",
        body="Estaré fuera hasta el lunes.",
        Auto_Submitted="auto-replied",
    )
    send(listener, out_of_office)
    inbound = InboundMail.objects.get()
    assert inbound.status == InboundStatus.AUTOMATED
    assert "auto-replied" in inbound.reason
    assert ticket.messages.filter(sender="customer").count() == 1  # only the declaration itself
    assert mail.outbox == []


def test_a_message_delivered_twice_is_processed_once(desk, open_incident, listener):
    ticket = open_incident()
    message = compose(
        sender=desk.lucia.email,
        to=addressing.reply_address(ticket.number),
        subject="Re: servidor",
        body="Ya responde, gracias.",
        message_id="<once-only@example.com>",
    )
    send(listener, message)
    send(listener, message)
    assert ticket.messages.filter(body="Ya responde, gracias.").count() == 1
    assert sorted(InboundMail.objects.values_list("status", flat=True)) == ["duplicate", "reply_added"]


def test_an_unknown_sender_is_answered_once_a_day_and_nothing_else(desk, listener):
    for n in range(3):
        send(
            listener,
            compose(sender="desconocido@example.net", to=ASSISTANCE, subject=f"Hola {n}", body="¿Tienen VPS?"),
        )
    assert not Ticket.objects.exists()
    [answer] = mail.outbox
    assert answer.to == ["desconocido@example.net"]
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    first = InboundMail.objects.order_by("id").first()
    assert first is not None
    assert answer.extra_headers["In-Reply-To"] == f"<{first.message_id}>"
    assert set(InboundMail.objects.values_list("status", flat=True)) == {InboundStatus.UNKNOWN_SENDER}
    assert InboundMail.objects.filter(reason__contains="already answered today").count() == 2


def test_a_malformed_message_is_quarantined_with_its_reason_and_defects(desk, listener, admin_client):
    raw = (
        b"To: asistencia@tierdesk.localhost\r\n"
        b"Subject: =?utf-8?B?broken\r\n"
        b'Content-Type: multipart/mixed; boundary="nope"\r\n'
        b"\r\n"
        b"--nope\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n"
    )
    send(listener, raw, to=[ASSISTANCE], sender="someone@example.org")
    inbound = InboundMail.objects.get()
    assert inbound.status == InboundStatus.QUARANTINED
    assert inbound.reason == "no usable sender address"
    assert inbound.defects
    assert bytes(inbound.raw) == raw  # kept exactly as it came
    page = admin_client.get(f"/admin/notifications/inboundmail/{inbound.pk}/change/")
    assert page.status_code == 200
    assert "no usable sender address" in page.text
    assert "x-unknown-charset" in page.text  # the raw headers are shown
    again = reprocess_inbound_mail(inbound, now=timezone.now())  # still unreadable: back in quarantine, kept
    assert (again.status, again.reason, again.attempts) == (InboundStatus.QUARANTINED, "no usable sender address", 2)


def test_a_reply_from_someone_who_is_not_a_contact_is_quarantined_and_can_be_processed_again(
    desk, open_incident, listener, admin_client
):
    ticket = open_incident()
    reply = compose(
        sender="lucia.personal@example.org",
        to=addressing.reply_address(ticket.number),
        subject="Re: servidor",
        body="Escribo desde mi correo personal.",
    )
    send(listener, reply)
    inbound = InboundMail.objects.get()
    assert inbound.status == InboundStatus.QUARANTINED
    assert "not a contact" in inbound.reason
    assert ticket.messages.count() == 1

    # Staff add the address to Lucía's account and process the message again from the admin.
    desk.lucia.email = "lucia.personal@example.org"
    desk.lucia.save()
    response = admin_client.post(
        "/admin/notifications/inboundmail/",
        {"action": "process_again", "_selected_action": [inbound.pk]},
        follow=True,
    )
    assert response.status_code == 200
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.REPLY_ADDED
    assert ticket.messages.order_by("-id").first().body == "Escribo desde mi correo personal."
    with pytest.raises(ValueError):
        reprocess_inbound_mail(inbound, now=timezone.now())


def test_a_forged_reply_address_is_refused_at_rcpt(desk, open_incident, listener):
    ticket = open_incident()
    forged = addressing.reply_address(ticket.number).replace(f"+t-{ticket.number}-", f"+t-{ticket.number}-0")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(listener, compose(sender=desk.lucia.email, to=forged, subject="Re", body="Hola"))
    assert refused.value.recipients[forged][0] == 550
    assert not InboundMail.objects.exists()
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("local_part", ["random-junk", "postmaster", "soporte+t-1-abc"])
def test_unknown_recipients_on_the_desks_domain_are_refused_at_rcpt(desk, listener, local_part):
    address = f"{local_part}@tierdesk.localhost"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(listener, compose(sender="spam@example.org", to=address, subject="Buy", body="x" * 1000))
    assert refused.value.recipients[address] == (550, b"5.1.1 No such mailbox here")
    assert not InboundMail.objects.exists()
    # The desk's own addresses are still accepted in the same session.
    send(listener, compose(sender=desk.pedro.email, to=ASSISTANCE, subject="Hola", body="Una duda."))
    assert InboundMail.objects.count() == 1


def test_the_listener_refuses_mail_for_other_domains(desk, listener):
    message = compose(sender=desk.lucia.email, to="someone@elsewhere.example", subject="Relay?", body="x")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener, message)
    assert not InboundMail.objects.exists()


def test_mail_from_a_staff_address_to_the_tickets_address_is_quarantined_and_answered(desk, open_incident, listener):
    """Staff answer by mail only through their own reply address (see test_staff_replies.py)."""
    desk.l1.email = "tecnico@tierdesk-staff.example"
    desk.l1.save()
    ticket = open_incident()
    mail.outbox.clear()
    send(
        listener,
        compose(sender=desk.l1.email, to=addressing.reply_address(ticket.number), subject="Re", body="Hecho."),
    )
    inbound = InboundMail.objects.get()
    assert (inbound.status, inbound.reason) == (
        InboundStatus.QUARANTINED,
        "staff must answer to the reply address of a mail the desk sent them; the sender was told",
    )
    assert ticket.messages.count() == 1
    assert [m.to for m in mail.outbox] == [[desk.l1.email]]


def test_mail_from_a_staff_address_to_a_level_is_quarantined_and_the_sender_told(desk, listener):
    desk.l1.email = "tecnico@tierdesk-staff.example"
    desk.l1.save()
    send(listener, compose(sender=desk.l1.email, to=INCIDENTS, subject="Prueba", body="Hola"))
    inbound = InboundMail.objects.get()
    assert (inbound.status, inbound.reason) == (
        InboundStatus.QUARANTINED,
        "sent from a staff address to no ticket: staff open tickets in the console; the sender was told",
    )
    assert not Ticket.objects.exists()
    [notice] = mail.outbox
    assert notice.to == [desk.l1.email] and notice.subject == "Your e-mail did not open a ticket: Prueba"
    assert "staff open tickets in the console" in notice.body


def test_the_quarantine_list_costs_the_same_at_any_size(desk, admin_client, django_assert_max_num_queries):
    from notifications.actions import receive_raw_mail

    def fill(n: int) -> None:
        for i in range(n):
            receive_raw_mail(
                f"From: x{i}@example.org\r\nSubject: {i}\r\n\r\nbody".encode(),
                envelope_from="",
                envelope_to=["nobody@elsewhere.example"],
                now=timezone.now(),
            )

    fill(3)
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get("/admin/notifications/inboundmail/?status__exact=quarantined").status_code == 200
    fill(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = admin_client.get("/admin/notifications/inboundmail/?status__exact=quarantined")
    assert page.text.count("not addressed to a ticket") == 43


def test_attachments_over_the_limits_are_left_out_and_said_so(desk, listener, settings):
    settings.ATTACHMENT_MAX_BYTES = 2048
    message = compose(sender=desk.pedro.email, to=ASSISTANCE, subject="Logs", body="Adjunto los logs.")
    message.add_attachment(b"ok\n" * 10, maintype="text", subtype="plain", filename="small.txt")
    message.add_attachment(b"x" * 5000, maintype="application", subtype="pdf", filename="big.pdf")
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload", filename="tool.exe")
    send(listener, message)
    ticket = Ticket.objects.get()
    assert list(ticket.attachments.values_list("filename", flat=True)) == ["small.txt"]
    inbound = InboundMail.objects.get()
    assert inbound.status == InboundStatus.TICKET_OPENED
    assert "big.pdf" in inbound.reason and "tool.exe" in inbound.reason


def test_a_reply_to_a_closed_ticket_waits_in_the_quarantine(desk, open_incident, listener):
    ticket = open_incident()
    actions.close_ticket(ticket, actor=desk.lucia, now=timezone.now())
    send(
        listener,
        compose(sender=desk.lucia.email, to=addressing.reply_address(ticket.number), subject="Re", body="Otra cosa"),
    )
    inbound = InboundMail.objects.get()
    assert inbound.status == InboundStatus.QUARANTINED
    assert "ticket_closed" in inbound.reason and "the sender was told" in inbound.reason
    assert inbound.ticket == ticket
    [notice] = [m for m in mail.outbox if m.to == [desk.lucia.email] and "closed" in m.subject]
    assert notice.subject == f"[#{ticket.number}] The ticket is closed: your e-mail was not added"
    assert f"/manager/support/tickets/{ticket.number}/" in notice.body  # where to reopen it
    assert "open a new ticket" in notice.body
    assert notice.extra_headers["Auto-Submitted"] == "auto-replied"
    # A second mail the same day is quarantined too, without a second notice.
    send(
        listener,
        compose(sender=desk.lucia.email, to=addressing.reply_address(ticket.number), subject="Re", body="¿Hola?"),
    )
    assert len([m for m in mail.outbox if m.to == [desk.lucia.email] and "closed" in m.subject]) == 1


@pytest.mark.parametrize(
    ("language", "subject"),
    [("es", "El ticket está cerrado"), ("fr", "Le ticket est fermé :"), ("en", "The ticket is closed")],
)
def test_the_closed_ticket_notice_is_in_the_customers_language(desk, open_incident, listener, language, subject):
    desk.lucia.language = language
    desk.lucia.save(update_fields=["language"])
    ticket = open_incident()
    actions.close_ticket(ticket, actor=desk.lucia, now=timezone.now())
    mail.outbox.clear()
    send(
        listener,
        compose(sender=desk.lucia.email, to=addressing.reply_address(ticket.number), subject="Re", body="Otra cosa"),
    )
    [notice] = mail.outbox
    assert notice.subject.startswith(f"[#{ticket.number}] {subject}")
