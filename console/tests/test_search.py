"""Staff search: FTS5 on SQLite, tsvector + GIN on PostgreSQL, kept up to date by the dispatcher."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console import search
from console.models import SearchDocument
from tickets import actions


def test_the_index_follows_every_change_through_the_dispatcher(
    desk, open_incident, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_incident()
    assert SearchDocument.objects.filter(ticket=ticket).exists()
    assert search.search_ticket_ids("ping") == [ticket.pk]
    assert search.search_ticket_ids("zanahoria") == []
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(ticket, actor=desk.l1, body="Reiniciamos la zanahoria del rack.", now=now)
    assert search.search_ticket_ids("zanahoria") == [ticket.pk]


def test_it_finds_subjects_messages_identifiers_references_and_numbers(desk, open_incident, now):
    server = open_incident(subject="Servidor caído")
    mail = open_incident(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.mail,
        category=desk.category("mail_cannot_send"),
        subject="No puedo enviar correo",
        body="El SMTP rechaza la autenticación.",
        actor=desk.pedro,
    )
    actions.add_note(mail, actor=desk.l1, body="Cola de qmail atascada", now=now)
    for ticket in (server, mail):
        search.index_ticket(ticket.pk)
    assert search.search_ticket_ids("caído") == [server.pk]
    assert search.search_ticket_ids("smtp autenticación") == [mail.pk]
    assert search.search_ticket_ids("qmail") == [mail.pk]  # internal notes are searchable for staff
    assert search.search_ticket_ids("pg2468-ovh") == [mail.pk]
    assert search.search_ticket_ids(desk.server.reference) == [server.pk]
    assert search.search_ticket_ids(str(server.number)) == [server.pk]
    assert search.search_ticket_ids("smtp caído") == []  # every word must match
    assert search.search_ticket_ids('"; DROP TABLE x; --') == []
    assert search.search_ticket_ids("   ") == []


def test_reindexing_is_idempotent(desk, open_incident):
    ticket = open_incident()
    search.index_ticket(ticket.pk)
    search.index_ticket(ticket.pk)
    assert SearchDocument.objects.count() == 1
    assert search.search_ticket_ids("ping") == [ticket.pk]
    assert search.index_ticket(999999) is False


def test_results_are_bounded(desk, open_incident):
    for _ in range(search.RESULTS_MAX + 5):
        search.index_ticket(open_incident().pk)
    assert len(search.search_ticket_ids("ping")) == search.RESULTS_MAX


def test_the_search_page(client, desk, open_incident):
    ticket = open_incident()
    search.index_ticket(ticket.pk)
    client.force_login(desk.l2)
    response = client.get(reverse("console:search"), {"q": "ping"})
    assert response.status_code == 200
    assert [t.pk for t in response.context["results"]] == [ticket.pk]
    assert f"#{ticket.number}" in response.text
    assert client.get(reverse("console:search")).status_code == 200
    client.force_login(desk.lucia)
    assert client.get(reverse("console:search"), {"q": "ping"}).status_code == 403


def test_the_search_page_costs_the_same_with_1_or_30_results(client, desk, open_incident):
    search.index_ticket(open_incident().pk)
    client.force_login(desk.l1)
    client.get(reverse("console:search"), {"q": "ping"})
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("console:search"), {"q": "ping"})
    for _ in range(29):
        search.index_ticket(open_incident().pk)
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(reverse("console:search"), {"q": "ping"})
    assert len(response.context["results"]) == 30
    assert len(one) == len(thirty)


def test_a_deleted_document_is_not_found(desk, open_incident):
    ticket = open_incident()
    search.index_ticket(ticket.pk)
    SearchDocument.objects.filter(ticket=ticket).delete()
    assert search.search_ticket_ids("ping") == []
