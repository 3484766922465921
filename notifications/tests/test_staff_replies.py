"""Agents answer by e-mail: over real SMTP on 127.0.0.1, a reply to the desk's mail lands on the
ticket as the agent's public reply (or internal note), through the same actions as the console."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from notifications import addressing
from notifications.models import Delivery, InboundMail, InboundStatus
from tickets import actions
from tickets.models import Channel, Sender, Status, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def assigned(desk, open_incident, now):  # type: ignore[no-untyped-def]
    """Lucía's incident, assigned to the L1 technician, who has an address of their own."""
    desk.l1.email = "tecnico@staff.example.com"
    desk.l1.save(update_fields=["email"])
    ticket = open_incident(now=now)
    return actions.assign_ticket(ticket, assignee=desk.l1, actor=desk.l1, now=now)


def customer_writes(desk, ticket, sink):  # type: ignore[no-untyped-def]
    """The customer replies in the Manager; the assignee's notification is read from the sink."""
    sink.messages.clear()
    actions.reply(ticket, actor=desk.lucia, body="¿Alguna novedad?")
    [notification] = [m for m in sink.messages if m["To"] == desk.l1.email]
    return notification


def answer(port: int, notification, *, sender: str, body: str, to: str | None = None) -> None:  # type: ignore[no-untyped-def]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to or str(notification["Reply-To"])
    message["Subject"] = "Re: " + str(notification["Subject"])
    message["Message-ID"] = make_msgid(domain="staff.example.com")
    message["In-Reply-To"] = str(notification["Message-ID"])
    message["References"] = f"{notification['References']} {notification['Message-ID']}"
    quoted = "\n".join("> " + line for line in notification.get_body(("plain",)).get_content().splitlines())
    message.set_content(f"{body}\n\nOn Tue, 2 Mar 2027 at 11:00, Soporte wrote:\n{quoted}\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(message)


def test_an_agents_reply_by_mail_is_a_public_reply_the_customer_hears_about(desk, assigned, sink, listener):
    notification = customer_writes(desk, assigned, sink)
    assert addressing.parse_reply_address(str(notification["Reply-To"])) == (assigned.number, desk.l1.pk)
    ticket = Ticket.objects.get(pk=assigned.pk)
    assert ticket.first_responded_at is None  # nobody at the desk has answered yet
    sink.messages.clear()
    answer(listener, notification, sender=f"Técnico <{desk.l1.email}>", body="Reiniciado; ya responde al ping.")

    last = ticket.messages.order_by("-id").first()
    assert last is not None
    assert (last.body, last.author, last.sender, last.internal, last.channel) == (
        "Reiniciado; ya responde al ping.",
        desk.l1,
        Sender.SUPPORT,
        False,
        Channel.EMAIL,
    )
    inbound = InboundMail.objects.get()
    assert (inbound.status, inbound.ticket_id, inbound.reason) == (
        InboundStatus.REPLY_ADDED,
        ticket.pk,
        "public reply by staff",
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None and ticket.status == Status.OPEN  # the SLA clock stopped
    [to_customer] = sink.messages
    assert to_customer["To"] == desk.lucia.email
    assert "Reiniciado; ya responde al ping." in to_customer.get_body(("plain",)).get_content()
    assert Delivery.objects.get(address=desk.lucia.email, message_id=to_customer["Message-ID"]).status == "sent"


def test_a_mail_starting_with_the_note_marker_is_an_internal_note(desk, assigned, sink, listener):
    notification = customer_writes(desk, assigned, sink)
    sink.messages.clear()
    answer(listener, notification, sender=desk.l1.email, body="#note\nEl cliente tiene el firewall mal puesto.")
    note = assigned.messages.order_by("-id").first()
    assert note is not None
    assert (note.body, note.author, note.internal, note.channel) == (
        "El cliente tiene el firewall mal puesto.",
        desk.l1,
        True,
        Channel.EMAIL,
    )
    assert InboundMail.objects.get().reason == "internal note by staff"
    assert sink.messages == []  # the customer never hears about a note
    assert Ticket.objects.get(pk=assigned.pk).first_responded_at is None


def test_a_forged_staff_from_on_the_tickets_address_is_refused_and_the_agent_told(desk, assigned, sink, listener):
    """The customer knows the ticket's reply address, not the agent's: writing 'as' the agent fails."""
    notification = customer_writes(desk, assigned, sink)
    sink.messages.clear()
    answer(
        listener,
        notification,
        sender=desk.l1.email,
        to=addressing.reply_address(assigned.number),
        body="Cerrad el ticket, está todo bien.",
    )
    inbound = InboundMail.objects.get()
    assert inbound.status == InboundStatus.QUARANTINED
    assert inbound.reason.startswith("staff must answer to the reply address of a mail the desk sent them")
    assert assigned.messages.filter(author=desk.l1).count() == 0
    [told] = sink.messages
    assert told["To"] == desk.l1.email and told["Auto-Submitted"] == "auto-replied"
    assert f"ticket #{assigned.number}" in told["Subject"]
    assert "reply address is yours alone" in told.get_body(("plain",)).get_content()


def test_another_agent_cannot_use_a_colleagues_reply_address(desk, assigned, sink, listener):
    notification = customer_writes(desk, assigned, sink)
    desk.l2.email = "asistencia-tecnico@staff.example.com"
    desk.l2.save(update_fields=["email"])
    sink.messages.clear()
    answer(listener, notification, sender=desk.l2.email, body="Lo miro yo.")
    inbound = InboundMail.objects.get()
    assert inbound.status == InboundStatus.QUARANTINED
    assert inbound.reason.startswith("the reply address belongs to another member of staff")
    assert [m["To"] for m in sink.messages] == [desk.l2.email]
    assert not assigned.messages.filter(author=desk.l2).exists()


def test_staff_who_may_not_see_the_ticket_are_refused_and_told_never_applied(
    desk, assigned, sink, listener, monkeypatch
):
    """Today every active member of staff sees every ticket; a desk that narrows the rule in
    ``tickets.queries`` (here: staff see only their own level) must have mail obey it too."""
    from tickets import queries

    notification = customer_writes(desk, assigned, sink)
    everyone = queries.visible_tickets

    def own_level_only(user):  # type: ignore[no-untyped-def]
        tickets = everyone(user)
        return tickets.filter(level__code="L2") if user.pk == desk.l1.pk else tickets

    monkeypatch.setattr(queries, "visible_tickets", own_level_only)
    sink.messages.clear()
    answer(listener, notification, sender=desk.l1.email, body="Reiniciado.")
    inbound = InboundMail.objects.get()
    assert (inbound.status, inbound.ticket_id) == (InboundStatus.QUARANTINED, assigned.pk)
    assert inbound.reason.startswith("this member of staff may not see the ticket")
    assert not assigned.messages.filter(author=desk.l1).exists()
    [told] = sink.messages
    text = told.get_body(("plain",)).get_content()
    assert told["To"] == desk.l1.email and "You may not see this ticket" in text
    assert f"/console/tickets/{assigned.number}/" not in text  # no link to what they may not open

    # Reprocessing after staff fixed nothing refuses again, and does not mail the agent twice.
    monkeypatch.setattr(queries, "visible_tickets", own_level_only)
    from django.utils import timezone

    from notifications.actions import reprocess_inbound_mail

    assert reprocess_inbound_mail(inbound, now=timezone.now()).status == InboundStatus.QUARANTINED
    assert len(sink.messages) == 1


def test_staff_on_the_desks_own_domain_answer_by_mail_too(desk, open_incident, now, sink, listener):
    """As in the demo and by default: staff addresses on the inbound domain are people, not the desk."""
    desk.l1.email = "tecnico@tierdesk.localhost"
    desk.l1.save(update_fields=["email"])
    ticket = actions.assign_ticket(open_incident(now=now), assignee=desk.l1, actor=desk.l1, now=now)
    notification = customer_writes(desk, ticket, sink)
    answer(listener, notification, sender=desk.l1.email, body="Revisado; ya funciona.")
    inbound = InboundMail.objects.get()
    assert (inbound.status, inbound.reason) == (InboundStatus.REPLY_ADDED, "public reply by staff")
    last = ticket.messages.order_by("-id").first()
    assert last is not None and (last.body, last.author) == ("Revisado; ya funciona.", desk.l1)
