"""Declarar un incidente and Soporte asistencia: what is saved, what is refused, what is kept."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import DEMO_PASSWORD
from tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.usefixtures("media")

INCIDENT = reverse("portal:incident_new")
ASSISTANCE = reverse("portal:assistance_new")


def test_it_lists_only_level_1_incident_types_and_the_customers_own_services(client, desk):
    client.force_login(desk.lucia)
    page = client.get(INCIDENT).text  # Lucía reads English (the ``desk`` personas' language)
    assert "Server does not answer ping" in page
    assert "Set up a mail account" not in page  # an L2 query type
    assert desk.server.reference in page
    assert desk.hosting.reference not in page and desk.other_service.reference not in page


def test_it_opens_an_incident_from_the_manager_with_attachments(client, desk):
    client.force_login(desk.lucia)
    files = [
        SimpleUploadedFile("traceroute.txt", b"1 192.0.2.1 1ms\n2 * * *\n", content_type="text/plain"),
        SimpleUploadedFile("ping.txt", b"100% packet loss\n", content_type="text/plain"),
    ]
    response = client.post(
        INCIDENT,
        {
            "type": "server_no_ping",
            "service": desk.server.reference,
            "description": "No responde al ping desde las 03:00.",
            "via": "manager",
            "attachments": files,
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:ticket", args=[ticket.number])
    assert ticket.channel == "manager"
    assert ticket.service == desk.server and ticket.category is not None and ticket.category.code == "server_no_ping"
    assert ticket.level.code == "L1" and ticket.requester == desk.lucia
    assert ticket.subject == f"Server does not answer ping · {desk.server.reference}"
    assert sorted(Attachment.objects.filter(ticket=ticket).values_list("filename", flat=True)) == [
        "ping.txt",
        "traceroute.txt",
    ]


def test_a_direct_link_pre_selects_and_opens_with_the_direct_link_channel(client, desk):
    client.force_login(desk.lucia)
    page = client.get(f"{INCIDENT}?service={desk.server.reference.upper()}&type=server_no_ping").text
    assert f'<option value="{desk.server.reference}" selected>' in page
    assert '<option value="server_no_ping" selected>' in page
    assert 'name="via" value="direct_link"' in page
    client.post(
        INCIDENT,
        {"type": "server_no_ping", "service": desk.server.reference, "description": "Caído.", "via": "direct_link"},
    )
    assert Ticket.objects.get().channel == "direct_link"


def test_a_direct_link_survives_the_login_redirect(client, desk):
    link = f"{ASSISTANCE}?service={desk.hosting.reference}&type=install_site"
    response = client.get(link)
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url.startswith(reverse("accounts:login"))
    assert parse_qs(urlsplit(login_url).query)["next"] == [link]
    response = client.post(login_url, {"username": "pg2468-ovh", "password": DEMO_PASSWORD, "next": link}, follow=True)
    assert response.request["PATH_INFO"] == ASSISTANCE
    assert '<option value="install_site" selected>' in response.text
    assert f'<option value="{desk.hosting.reference}" selected>' in response.text


def test_it_refuses_another_customers_service_keeps_the_text_and_saves_nothing(client, desk):
    client.force_login(desk.other)
    response = client.post(
        INCIDENT,
        {
            "type": "server_no_ping",
            "service": desk.server.reference,
            "subject": "Mi resumen",
            "description": "Texto que no debe perderse",
        },
    )
    assert response.status_code == 400
    assert "not one of yours" in response.text
    assert "Texto que no debe perderse" in response.text and 'value="Mi resumen"' in response.text
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0


def test_a_direct_link_to_another_customers_service_says_so_and_selects_nothing(client, desk):
    client.force_login(desk.other)
    page = client.get(f"{INCIDENT}?service={desk.server.reference}").text
    assert "not one of yours" in page
    assert f'<option value="{desk.server.reference}"' not in page
    assert '<option value="" selected>' in page


def test_the_incident_type_is_required(client, desk):
    client.force_login(desk.lucia)
    response = client.post(INCIDENT, {"service": desk.server.reference, "description": "Caído"})
    assert response.status_code == 400
    assert "Choose the type of incident" in response.text
    assert Ticket.objects.count() == 0


def test_an_assistance_type_cannot_be_smuggled_into_the_incident_form(client, desk):
    client.force_login(desk.lucia)
    response = client.post(INCIDENT, {"type": "configure_mail", "service": desk.server.reference, "description": "x"})
    assert response.status_code == 400 and Ticket.objects.count() == 0


def test_attachment_limits_from_the_actions_are_shown_on_the_form(client, desk, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client.force_login(desk.lucia)
    response = client.post(
        INCIDENT,
        {
            "type": "server_no_ping",
            "service": desk.server.reference,
            "description": "Adjunto un volcado",
            "attachments": [SimpleUploadedFile("dump.txt", b"x" * 2048, content_type="text/plain")],
        },
    )
    assert response.status_code == 400
    assert "dump.txt is larger than" in response.text
    assert "Adjunto un volcado" in response.text
    assert "Choose your files again" in response.text
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_a_refused_file_type_is_shown_on_the_form(client, desk):
    client.force_login(desk.lucia)
    response = client.post(
        INCIDENT,
        {
            "type": "server_no_ping",
            "service": desk.server.reference,
            "description": "x",
            "attachments": [SimpleUploadedFile("run.exe", b"MZ", content_type="application/x-msdownload")],
        },
    )
    assert response.status_code == 400 and "cannot be attached" in response.text
    assert Ticket.objects.count() == 0


def test_the_assistance_form_groups_technical_and_commercial_query_types(client, desk):
    client.force_login(desk.pedro)
    page = client.get(ASSISTANCE).text
    assert '<optgroup label="Técnica">' in page or '<optgroup label="Technical">' in page
    assert "Choose a product" in page and "Install a site" in page
    assert "Server does not answer ping" not in page


def test_it_opens_an_assistance_request(client, desk):
    client.force_login(desk.pedro)
    response = client.post(
        ASSISTANCE,
        {"service": desk.hosting.reference, "type": "install_site", "description": "¿Cómo instalo WordPress?"},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.level.code == "L2" and ticket.kind == "assistance_technical" and ticket.channel == "direct_link"


def test_a_technical_query_needs_a_service_but_a_commercial_one_does_not(client, desk):
    client.force_login(desk.pedro)
    response = client.post(ASSISTANCE, {"type": "install_site", "description": "¿WordPress?"})
    assert response.status_code == 400 and "Choose the service your technical query is about" in response.text
    assert Ticket.objects.count() == 0
    response = client.post(ASSISTANCE, {"type": "choose_product", "description": "¿Qué VPS elijo?"})
    assert response.status_code == 302
    assert Ticket.objects.get().service is None


def test_the_assistance_form_refuses_another_customers_service(client, desk):
    client.force_login(desk.pedro)
    response = client.post(
        ASSISTANCE, {"service": desk.other_service.reference, "type": "install_site", "description": "x"}
    )
    assert response.status_code == 400 and Ticket.objects.count() == 0


def test_guides_are_suggested_beside_the_form_without_javascript(client, desk, guides_loaded):
    client.force_login(desk.pedro)
    page = client.get(f"{ASSISTANCE}?type=change_dns").text
    assert reverse("guides:article", args=["cambiar-dns-dominio"]) in page
    # The no-JavaScript button posts the form without opening a ticket: the typed text comes back
    # and drives the list.
    response = client.post(
        ASSISTANCE,
        {"service": desk.hosting.reference, "type": "", "description": "correo Thunderbird IMAP", "suggest": "1"},
    )
    assert response.status_code == 200 and Ticket.objects.count() == 0
    assert reverse("guides:article", args=["configurar-cuenta-correo"]) in response.text
    assert "correo Thunderbird IMAP" in response.text
    assert f'<option value="{desk.hosting.reference}" selected>' in response.text


def test_staff_cannot_use_the_customer_forms(client, desk):
    client.force_login(desk.l1)
    assert client.get(INCIDENT).status_code == 403


def test_a_hosting_and_mail_customer_is_offered_only_the_types_of_their_products(client, desk):
    client.force_login(desk.pedro)
    page = client.get(INCIDENT).text
    assert "Server does not answer ping" not in page
    assert 'value="hosting_unreachable"' in page and 'value="mail_cannot_send"' in page
    mail_link = client.get(f"{INCIDENT}?service={desk.mail.reference}").text
    assert 'value="mail_cannot_send"' in mail_link and 'value="hosting_unreachable"' not in mail_link


def test_a_type_that_does_not_fit_the_service_is_refused_on_its_field(client, desk):
    client.force_login(desk.pedro)
    response = client.post(
        INCIDENT,
        {"type": "mail_cannot_send", "service": desk.hosting.reference, "description": "Texto que se queda"},
    )
    assert response.status_code == 400 and Ticket.objects.count() == 0
    errors = response.context["form"].errors
    assert "does not concern a service like ferreteriagarcia.es" in errors["type"][0]
    assert "Texto que se queda" in response.text
