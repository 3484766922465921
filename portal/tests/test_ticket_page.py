"""The ticket page: conversation, level history, links, attachments; reply, close, reopen, score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets import actions
from tickets.models import Attachment, Message, Status, Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("media")


def url(ticket, name="portal:ticket", *extra):  # type: ignore[no-untyped-def]
    return reverse(name, args=[ticket.number, *extra])


def test_it_shows_the_conversation_without_internal_notes(client, desk, open_incident, now):
    ticket = open_incident()
    actions.add_note(ticket, actor=desk.l1, body="Nota interna: rack 7", now=now)
    actions.reply(ticket, actor=desk.l1, body="Estamos revisando el servidor.", now=now + timedelta(minutes=5))
    client.force_login(desk.lucia)
    page = client.get(url(ticket)).text
    assert "No responde al ping desde las 03:00." in page
    assert "Estamos revisando el servidor." in page
    assert "rack 7" not in page
    assert "L1 · Incidents" in page and desk.server.reference in page


def test_it_shows_the_levels_the_ticket_moved_through(client, desk, open_incident, now):
    ticket = open_incident()
    client.force_login(desk.lucia)
    assert "Levels this ticket has been on" not in client.get(url(ticket)).text
    actions.transfer_to_assistance(ticket, actor=desk.l1, reason="El servidor responde al ping", now=now)
    page = client.get(url(ticket)).text
    assert "El servidor responde al ping" in page
    assert page.index("<strong>L1</strong>") < page.index("<strong>L2</strong>")


def test_it_shows_linked_tickets_from_both_ends(client, desk, now):
    question = actions.open_ticket(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.hosting,
        category=desk.category("install_site"),
        subject="WordPress",
        body="¿Cómo instalo WordPress?",
        channel="manager",
        actor=desk.pedro,
        now=now,
    )
    incident = actions.open_incident_from(
        question, actor=desk.l2, reason="El VPS no responde", category=desk.category("server_no_ping"), now=now
    )
    client.force_login(desk.pedro)
    assert f"#{incident.number}" in client.get(url(question)).text
    assert f"#{question.number}" in client.get(url(incident)).text


def test_the_answer_due_time_shows_in_the_customers_time_zone_when_the_clock_provides_it(
    client, desk, open_incident, now
):
    from tickets import queries

    ticket = open_incident()
    client.force_login(desk.lucia)
    page = client.get(url(ticket)).text
    if not hasattr(Ticket, "first_response_due_at"):
        assert "Answer due by" not in page and "answer-due" not in page
    # The template reads the attribute when it exists, in the customer's zone (Madrid is UTC+1 in March).
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import timezone, translation

    ticket = queries.get_ticket_by_number_for(desk.lucia, ticket.number)
    ticket.first_response_due_at = now + timedelta(hours=6)  # type: ignore[attr-defined]  # 16:00 UTC
    request = RequestFactory().get("/")
    request.user = desk.lucia
    with translation.override("en"), timezone.override("Europe/Madrid"):
        html = render_to_string(
            "portal/ticket.html",
            {"ticket": ticket, "conversation": [], "level_steps": [], "links": [], "can_reply": False},
            request=request,
        )
    assert 'id="answer-due"' in html and "5 p.m." in html and "2027-03-02T17:00:00+01:00" in html


def test_a_reply_with_an_attachment_is_added_and_downloadable(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.lucia)
    response = client.post(
        url(ticket, "portal:ticket_reply"),
        {"body": "Adjunto el traceroute.", "attachments": [SimpleUploadedFile("tr.txt", b"hop 1\n")]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(filename="tr.txt")
    page = client.get(url(ticket)).text
    download = url(ticket, "portal:attachment", attachment.token)
    assert download in page and "Adjunto el traceroute." in page
    assert "/media/" not in page
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"hop 1\n"
    assert response["Content-Disposition"].startswith("attachment")


def test_an_empty_reply_is_refused_and_an_attachment_problem_keeps_the_text(client, desk, open_incident, settings):
    ticket = open_incident()
    client.force_login(desk.lucia)
    response = client.post(url(ticket, "portal:ticket_reply"), {"body": ""})
    assert response.status_code == 400 and "Write a message." in response.text
    settings.ATTACHMENT_MAX_FILES = 1
    response = client.post(
        url(ticket, "portal:ticket_reply"),
        {"body": "Dos ficheros", "attachments": [SimpleUploadedFile("a.txt", b"a"), SimpleUploadedFile("b.txt", b"b")]},
    )
    assert response.status_code == 400 and "at most 1 files" in response.text and "Dos ficheros" in response.text
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_a_file_attached_to_an_internal_note_is_never_served_to_the_customer(client, desk, open_incident, now):
    ticket = open_incident()
    actions.add_note(
        ticket, actor=desk.l1, body="logs", now=now, attachments=[SimpleUploadedFile("internal.txt", b"secret")]
    )
    token = Attachment.objects.get(filename="internal.txt").token
    client.force_login(desk.lucia)
    assert client.get(url(ticket, "portal:attachment", token)).status_code == 404


def test_close_then_score_once_and_the_form_disappears(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.lucia)
    assert "How did we do?" not in client.get(url(ticket)).text
    assert client.post(url(ticket, "portal:ticket_close")).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    page = client.get(url(ticket)).text
    assert "How did we do?" in page and "Send the reply" not in page
    response = client.post(url(ticket, "portal:ticket_score"), {"score": "5", "comment": "Rápidos"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.score, ticket.score_comment) == (5, "Rápidos")
    page = client.get(url(ticket)).text
    assert "How did we do?" not in page and "5 out of 5" in page
    response = client.post(url(ticket, "portal:ticket_score"), {"score": "1"}, follow=True)
    assert "already been scored" in response.text
    ticket.refresh_from_db()
    assert ticket.score == 5 and TicketEvent.objects.filter(ticket=ticket, kind="scored").count() == 1


@pytest.mark.parametrize("value", ["0", "6", "x", ""])
def test_a_score_outside_1_to_5_is_refused(client, desk, open_incident, value):
    ticket = open_incident()
    client.force_login(desk.lucia)
    client.post(url(ticket, "portal:ticket_close"))
    response = client.post(url(ticket, "portal:ticket_score"), {"score": value})
    assert response.status_code == 400 and "from 1 to 5" in response.text
    ticket.refresh_from_db()
    assert ticket.score is None


def test_an_open_ticket_cannot_be_scored(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.lucia)
    response = client.post(url(ticket, "portal:ticket_score"), {"score": "4"}, follow=True)
    assert "once it is closed" in response.text
    ticket.refresh_from_db()
    assert ticket.score is None


def test_reopen_needs_a_reason_and_then_reopens(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.lucia)
    client.post(url(ticket, "portal:ticket_close"))
    response = client.post(url(ticket, "portal:ticket_reopen"), {"reason": "  "})
    assert response.status_code == 400 and "Say why the ticket should be reopened" in response.text
    response = client.post(url(ticket, "portal:ticket_reopen"), {"reason": "Ha vuelto a caer"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.reopen_count == 1
    assert "Ha vuelto a caer" in client.get(url(ticket)).text


def test_reopening_an_open_ticket_is_refused_with_a_message(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.lucia)
    response = client.post(url(ticket, "portal:ticket_reopen"), {"reason": "por si acaso"}, follow=True)
    assert "Only a resolved or closed ticket can be reopened." in response.text


def test_the_ticket_page_costs_a_fixed_number_of_queries(
    client, desk, open_incident, now, django_assert_max_num_queries
):
    ticket = open_incident()
    client.force_login(desk.lucia)
    for i in range(3):
        actions.reply(
            ticket,
            actor=desk.l1,
            body=f"respuesta {i}",
            now=now + timedelta(minutes=i + 1),
            attachments=[SimpleUploadedFile(f"f{i}.txt", b"x")],
        )
    client.get(url(ticket))  # warm caches (content types, translations)
    # session, user, ticket, messages, attachments, level history, links, the outage banner,
    # triage's probe runs and grouped outage, the support plan's name (the SLA clock reads the
    # ticket row itself)
    with django_assert_max_num_queries(11) as captured:
        client.get(url(ticket))
    few = len(captured)
    for i in range(20):
        actions.reply(
            ticket,
            actor=desk.lucia,
            body=f"más {i}",
            now=now + timedelta(hours=1, minutes=i),
            attachments=[SimpleUploadedFile(f"g{i}.txt", b"y")],
        )
    with django_assert_max_num_queries(few):
        client.get(url(ticket))
