"""The ticket workspace: conversation, canned replies, attachments, the guide's moves, merging."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from console.models import CannedReply
from core.stored_text import coded
from tickets import actions
from tickets.models import EventKind, LinkKind, Status, Ticket, TicketLink


def act(client, ticket, **data):  # type: ignore[no-untyped-def]
    return client.post(reverse("console:ticket_action", args=[ticket.number]), data)


def l2_ticket(desk, now):  # type: ignore[no-untyped-def]
    return actions.open_ticket(
        organisation=desk.pedro.organisation,
        requester=desk.pedro,
        service=desk.hosting,
        category=desk.category("install_site"),
        subject="Instalar WordPress",
        body="Quiero instalar WordPress en mi alojamiento.",
        channel="manager",
        actor=desk.pedro,
        now=now,
    )


def test_it_shows_conversation_notes_history_services_and_links(client, desk, open_incident, now):
    ticket = open_incident()
    actions.add_note(ticket, actor=desk.l1, body="Revisar el switch del rack.", now=now)
    other = open_incident(subject="Anterior")
    client.force_login(desk.l1)
    response = client.get(reverse("console:ticket", args=[ticket.number]))
    assert response.status_code == 200
    text = response.text
    assert "No responde al ping desde las 03:00." in text
    assert "Revisar el switch del rack." in text
    assert desk.server.reference in text
    assert f"#{other.number}" in text  # recent tickets of the customer
    assert [value for value, _label in response.context["moves"]] == ["not_an_incident", "needs_intervention"]
    assert "Not an incident → Level 2" in text
    assert "It is an incident → open a Level 1 incident" not in text  # the rules forbid it on L1


def test_an_agent_of_another_level_is_offered_no_moves(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l2)
    response = client.get(reverse("console:ticket", args=[ticket.number]))
    assert response.context["moves"] == []


def test_move_to_l2_needs_a_reason_and_keeps_what_was_typed(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l1)
    response = act(client, ticket, action="move", move="not_an_incident", reason=" ", customer_message="Hola")
    assert response.status_code == 400
    assert "Give a reason." in response.text or "Indique un motivo" in response.text or response.context["errors"]
    assert "Hola" in response.text
    ticket.refresh_from_db()
    assert ticket.level.code == "L1"
    response = act(
        client,
        ticket,
        action="move",
        move="not_an_incident",
        reason="Responde al ping: es configuración.",
        customer_message="Le atiende el equipo de asistencia.",
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.level.code == "L2" and ticket.assignee is None
    event = ticket.events.get(kind=EventKind.TRANSFERRED)
    assert event.data["reason"] == "Responde al ping: es configuración."
    assert ticket.messages.filter(body="Le atiende el equipo de asistencia.", internal=False).exists()


def test_a_forbidden_move_posted_anyway_is_refused_with_the_rule(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l1)
    category = desk.category("server_no_ping")
    response = act(client, ticket, action="move", move="is_an_incident", reason="x", category=category.pk)
    assert response.status_code == 409
    assert response.context["errors"] == {
        "move:is_an_incident": "An incident can only be opened from a level 2 ticket."
    }
    assert Ticket.objects.count() == 1
    # The same without a category: still the rule's refusal, not a form error.
    response = act(client, ticket, action="move", move="is_an_incident", reason="x")
    assert response.status_code == 409


def test_open_a_linked_l1_incident_from_an_l2_ticket(client, desk, now):
    ticket = l2_ticket(desk, now)
    client.force_login(desk.l2)
    page = client.get(reverse("console:ticket", args=[ticket.number]))
    assert [value for value, _label in page.context["moves"]] == ["is_an_incident", "needs_intervention"]
    response = act(client, ticket, action="move", move="is_an_incident", reason="La web da error 500 a todos.")
    assert response.status_code == 400  # the incident type is required
    category = desk.category("hosting_unreachable")
    response = act(
        client, ticket, action="move", move="is_an_incident", reason="La web da error 500.", category=category.pk
    )
    incident = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("console:ticket", args=[incident.number])
    assert incident.level.code == "L1" and incident.kind == "incident"
    assert TicketLink.objects.filter(source=ticket, target=incident, kind=LinkKind.INCIDENT_OPENED).exists()
    page = client.get(reverse("console:ticket", args=[ticket.number]))
    assert f"#{incident.number}" in page.text


def test_hand_off_for_a_quote(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l1)
    response = act(client, ticket, action="move", move="needs_intervention", reason="Recompilar PHP.")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.level.code == "L2" and ticket.kind == "assistance_commercial" and ticket.team.code == "l2-commercial"


def test_claim_assign_reply_note_and_status_buttons(client, desk, open_incident):
    ticket = open_incident()
    client.force_login(desk.l1)
    assert act(client, ticket, action="claim").status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == desk.l1
    act(client, ticket, action="assign", assignee=desk.supervisor.pk)
    ticket.refresh_from_db()
    assert ticket.assignee == desk.supervisor
    response = act(client, ticket, action="assign", assignee=desk.l2.pk)
    assert response.status_code == 400
    response = act(client, ticket, action="reply", body="")
    assert response.status_code == 400 and response.context["errors"]["reply"]
    act(client, ticket, action="reply", body="Estamos en ello.", then="waiting_customer")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER and ticket.first_responded_at is not None
    act(client, ticket, action="note", note="Nota interna")
    assert ticket.messages.filter(internal=True, body="Nota interna").exists()
    act(client, ticket, action="resolve")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    act(client, ticket, action="reopen", reason="Vuelve a fallar")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert act(client, ticket, action="explode").status_code == 400


def test_canned_replies_fill_their_placeholders(client, desk, open_incident):
    ticket = open_incident()
    canned = CannedReply.objects.create(
        level=desk.level("L1"),
        title="Revisando",
        body="Hola {customer_name}: revisamos {service_reference} (ticket {ticket_number}). {agent_name} {unknown}",
    )
    CannedReply.objects.create(level=desk.level("L2"), title="Otro nivel", body="L2")
    client.force_login(desk.l1)
    page = client.get(reverse("console:ticket", args=[ticket.number]))
    assert list(page.context["canned"]) == [canned]
    response = act(client, ticket, action="insert_canned", canned=canned.pk)
    assert response.status_code == 200
    assert response.context["data"]["body"] == (
        f"Hola Lucía Martín: revisamos {desk.server.reference} (ticket {ticket.number}). l1 {{unknown}}"
    )
    assert ticket.messages.count() == 1  # inserting writes nothing


def test_attachments_download_for_staff_only(client, desk, open_incident, now, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    ticket = open_incident(attachments=[SimpleUploadedFile("ping.txt", b"64 bytes from", content_type="text/plain")])
    token = ticket.attachments.get().token
    client.force_login(desk.l1)
    page = client.get(reverse("console:ticket", args=[ticket.number]))
    assert reverse("console:attachment", args=[token]) in page.text
    response = client.get(reverse("console:attachment", args=[token]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"64 bytes from"
    assert "attachment" in response["Content-Disposition"]
    assert client.get(reverse("console:attachment", args=["nope"])).status_code == 404
    client.force_login(desk.lucia)
    assert client.get(reverse("console:attachment", args=[token])).status_code == 403


def test_merge_a_duplicate_from_the_workspace(client, desk, open_incident):
    keep, dup = open_incident(), open_incident(subject="Lo mismo")
    client.force_login(desk.l1)
    response = act(client, dup, action="merge", into="999999", reason="igual")
    assert response.status_code == 400 and response.context["errors"]["merge"]
    response = act(client, dup, action="merge", into=f"#{keep.number}", reason="El mismo corte")
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.status == Status.CLOSED
    assert TicketLink.objects.filter(source=dup, target=keep, kind=LinkKind.DUPLICATE).exists()


def test_the_workspace_of_a_missing_ticket_is_404(client, desk):
    client.force_login(desk.l1)
    assert client.get(reverse("console:ticket", args=[424242])).status_code == 404


def test_a_hand_off_to_commercial_reads_as_the_hand_off_it_is(client, desk, now):
    ticket = l2_ticket(desk, now)
    actions.hand_off_for_quote(ticket, actor=desk.l2, reason="Requiere infogerencia.", now=now)
    transfer = actions.open_ticket(
        organisation=desk.lucia.organisation,
        requester=desk.lucia,
        service=desk.server,
        category=desk.category("server_no_ping"),
        subject="No responde",
        body="No responde.",
        channel="manager",
        actor=desk.lucia,
        now=now,
    )
    actions.transfer_to_assistance(transfer, actor=desk.l1, reason="Responde al ping.", now=now)
    client.force_login(desk.supervisor)
    history = [e.description for e in client.get(reverse("console:ticket", args=[ticket.number])).context["events"]]
    assert "L2 (Technical assistance) → L2 (Commercial assistance): Requiere infogerencia." in history, history
    assert not any("L2 → L2" in line for line in history)
    moved = [e.description for e in client.get(reverse("console:ticket", args=[transfer.number])).context["events"]]
    assert "L1 → L2: Responde al ping." in moved, moved


def test_the_incident_move_offers_the_types_of_the_services_product(client, desk, now):
    ticket = l2_ticket(desk, now)  # Pedro's hosting
    client.force_login(desk.l2)
    offered = [
        c.code for c in client.get(reverse("console:ticket", args=[ticket.number])).context["incident_categories"]
    ]
    assert sorted(offered) == ["hosting_unreachable", "incident_other"]
def test_the_history_and_the_guides_moves_read_in_the_agents_language(client, desk, open_incident):
    """The history names the channel and the type of request, and the moves are named, in the
    reader's language: the guide's Spanish names only for Spanish readers."""
    ticket = open_incident()
    expected = {
        "es": ("No es una incidencia → Nivel 2", "Requiere infogerencia → presupuesto", "por Manager"),
        "en": ("Not an incident → Level 2", "Needs managed services → quote", "via Manager"),
        "fr": ("Pas un incident → Niveau 2", "Demande de l'infogérance → devis", "via Manager"),
    }
    for language, (not_an_incident, intervention, channel) in expected.items():
        type(desk.l1).objects.filter(pk=desk.l1.pk).update(language=language)
        client.force_login(desk.l1)
        response = client.get(reverse("console:ticket", args=[ticket.number]))
        opened = response.context["events"][0].description
        assert channel in opened and desk.category("server_no_ping").name_in(language) in opened
        assert "server_no_ping" not in opened and " manager " not in opened
        labels = [str(label) for _value, label in response.context["moves"]]
        assert labels == [not_an_incident, intervention]
        assert not_an_incident in response.text


def test_a_desk_reason_in_the_history_reads_in_the_agents_language(client, desk, open_incident):
    ticket = open_incident()
    actions.transfer_to_assistance(
        ticket, actor=None, reason=coded("triage.automatic_reason", message_key="ping_answers_configuration")
    )
    for language, start in {"es": "L1 → L2: Clasificación automática", "fr": "L1 → L2 : Tri automatique"}.items():
        type(desk.l2).objects.filter(pk=desk.l2.pk).update(language=language)
        client.force_login(desk.l2)
        response = client.get(reverse("console:ticket", args=[ticket.number]))
        moved = [e.description for e in response.context["events"] if e.kind == EventKind.TRANSFERRED]
        assert moved[0].startswith(start), moved
