"""Priority and plan where people see them: the incident form, the customer's ticket, the console."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from sla.models import CustomerPlan, SupportPlan
from tickets.models import EventKind, Ticket

INCIDENT = reverse("portal:incident_new")


def declare(client, desk, **extra):  # type: ignore[no-untyped-def]
    client.force_login(desk.lucia)
    return client.post(
        INCIDENT,
        {
            "type": "server_no_ping",
            "service": desk.server.reference,
            "description": "No responde al ping.",
            "via": "manager",
            **extra,
        },
    )


def test_the_form_shows_the_answer_time_of_each_answer_for_the_customers_plan(client, desk):
    client.force_login(desk.lucia)
    page = client.get(INCIDENT).text
    assert "Is your service completely down?" in page
    assert "Yes, it is completely down (we answer within 1 h)" in page  # standard, critical
    assert "Partly: it works badly or slowly (we answer within 6 h)" in page  # standard, high
    CustomerPlan.objects.create(organisation=desk.lucia.organisation, plan=SupportPlan.objects.get(code="enterprise"))
    page = client.get(INCIDENT).text
    assert "Yes, it is completely down (we answer within 15 min)" in page
    assert "No, it works; something is wrong (we answer within 1 h)" in page  # enterprise, normal


def test_the_customers_answer_sets_the_priority_shown_on_their_ticket(client, desk, now):
    response = declare(client, desk, urgency="high")
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.priority, ticket.support_plan) == ("critical", "standard")
    page = client.get(reverse("portal:ticket", args=[ticket.number])).text
    assert "Priority Critical on the Standard support plan" in page


def test_an_unknown_answer_is_refused_and_what_was_typed_is_kept(client, desk):
    response = declare(client, desk, urgency="meltdown")
    assert response.status_code == 400
    assert "Choose one of the answers." in response.text
    assert "No responde al ping." in response.text
    assert not Ticket.objects.exists()


def test_the_form_and_ticket_read_in_spanish_and_french(client, desk, now):
    for language, question, shown in [
        ("es", "¿Su servicio está completamente caído?", "Prioridad Crítica en el plan de soporte Estándar"),
        ("fr", "Votre service est-il complètement à l’arrêt ?", "Priorité Critique, offre de support Standard"),
    ]:
        desk.lucia.language = language
        desk.lucia.save(update_fields=["language"])
        with translation.override(language):
            client.force_login(desk.lucia)
            assert question in client.get(INCIDENT, HTTP_ACCEPT_LANGUAGE=language).text
            declare(client, desk, urgency="high")
            ticket = Ticket.objects.order_by("-id").first()
            assert ticket is not None
            page = client.get(reverse("portal:ticket", args=[ticket.number]), HTTP_ACCEPT_LANGUAGE=language).text
            assert shown in page


def test_staff_change_the_priority_in_the_workspace_with_a_reason(client, desk, open_incident, now):
    ticket = open_incident()
    client.force_login(desk.l1)
    url = reverse("console:ticket_action", args=[ticket.number])
    refused = client.post(url, {"action": "priority", "priority": "critical", "reason": ""})
    assert refused.status_code == 400 and "Give a reason." in refused.text
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"
    done = client.post(url, {"action": "priority", "priority": "critical", "reason": "Tienda caída"})
    assert done.status_code == 302
    page = client.get(reverse("console:ticket", args=[ticket.number])).text
    assert "Priority Critical on the Standard support plan" in page
    assert "High → Critical: Tienda caída" in page
    assert Ticket.objects.get(pk=ticket.pk).events.filter(kind=EventKind.PRIORITY, actor=desk.l1).exists()


def test_the_console_queue_shows_each_tickets_priority(client, desk, open_incident, now):
    ticket = open_incident()
    client.force_login(desk.l1)
    page = client.get(reverse("console:queue") + "?level=L1").text
    assert f"#{ticket.number}" in page
    assert '<span class="badge priority-high" data-priority="high">High</span>' in page
