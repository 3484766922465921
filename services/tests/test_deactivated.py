"""A service gone from the provider's data: deactivated, never deleted, kept by its tickets,
named by no new ticket, and the phone check says so in the agent's language."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.actions import provision_organisations
from console.actions import verify_caller
from services.actions import provision_services
from services.models import Service, ServiceStatus
from tickets.errors import InvalidInput
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def retired(desk, open_incident, now):  # type: ignore[no-untyped-def]
    """Lucía's server, with a ticket, then gone from the provider's data."""
    ticket = open_incident()
    desk.lucia.organisation.external_id = "ORG-L"
    desk.lucia.organisation.save()
    provision_organisations(items=[{"external_id": "ORG-L", "name": desk.lucia.organisation.name}], actor=None, now=now)
    item = {"external_id": "S1", "organisation": "ORG-L", "reference": desk.server.reference, "product": "dedicated"}
    [result] = provision_services(items=[{**item, "active": False}], actor=None, now=now)
    assert result.outcome == "deactivated", result
    return ticket


def test_the_service_stays_with_its_tickets(desk, retired):  # type: ignore[no-untyped-def]
    service = Service.objects.get(pk=desk.server.pk)
    assert service.status == ServiceStatus.DEACTIVATED
    assert Ticket.objects.get(pk=retired.pk).service == service


def test_no_new_ticket_names_it(desk, retired, open_incident):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        open_incident(service=Service.objects.get(pk=desk.server.pk))
    assert refused.value.code == "service_inactive"
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The service ns3012345.ip-51-75-1.eu is no longer active."),
        ("es", "El servicio ns3012345.ip-51-75-1.eu ya no está activo."),
        ("fr", "Le service ns3012345.ip-51-75-1.eu n'est plus actif."),
    ],
)
def test_the_phone_check_says_it_is_no_longer_active(desk, retired, language, message):  # type: ignore[no-untyped-def]
    with translation.override(language), pytest.raises(InvalidInput) as refused:
        verify_caller(customer_identifier="lm4321-ovh", service_reference=desk.server.reference)
    assert refused.value.code == "service_inactive"
    assert str(refused.value.message) == message


def test_the_managers_form_refuses_it_by_name(client, desk, retired):  # type: ignore[no-untyped-def]
    client.force_login(desk.lucia)
    form = client.get(reverse("portal:incident_new")).text
    assert f'value="{desk.server.reference}"' not in form
    answer = client.post(
        reverse("portal:incident_new"),
        {"type": "server_no_ping", "service": desk.server.reference, "description": "Down", "via": "manager"},
    )
    assert answer.status_code in {200, 400}
    assert "This service is no longer active. Choose one of your active services." in answer.text
    assert Ticket.objects.count() == 1


def test_the_api_refuses_it_with_the_error_body(desk, retired):  # type: ignore[no-untyped-def]
    from api.actions import create_token

    token = create_token(user=desk.lucia, name="t", scope="write", actor=desk.lucia).secret
    answer = Client().post(
        "/api/v1/tickets",
        data=json.dumps(
            {"subject": "Down", "body": "No ping", "service": desk.server.reference, "category": "server_no_ping"}
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] == "service_inactive"
    assert answer.json()["error"]["field"] == "service"
    assert Ticket.objects.count() == 1
