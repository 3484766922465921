"""The official ``ovh`` client, unmodified, against a live desk on 127.0.0.1.

The client accepts only endpoint names, so the test registers one in ``ovh.client.ENDPOINTS``;
no file of the package is changed. OVH_* variables are cleared and the client runs from an
empty directory with an empty HOME, so no real OVH configuration can leak in.
"""

from __future__ import annotations

import os
import secrets
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import ovh
import ovh.client
import pytest
import requests
from django.test import Client

from api.models import ConsumerKey, CredentialState, OvhApplication
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)
ENDPOINT = "tierdesk-test"


@pytest.fixture
def ovh_env(live_server, settings, desk, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    for name in list(os.environ):
        if name.startswith("OVH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    settings.OVH_API_BASE = live_server.url
    settings.PUBLIC_URL = live_server.url
    monkeypatch.setitem(ovh.client.ENDPOINTS, ENDPOINT, live_server.url + "/1.0")
    application = OvhApplication.objects.create(
        name="Lucía's backup script", application_key=secrets.token_hex(8), application_secret=secrets.token_hex(16)
    )
    yield application
    # Close the clients' kept-alive connections before the live server stops.
    while SESSIONS:
        SESSIONS.pop().close()


SESSIONS: list[requests.Session] = []


class KeptSession(requests.Session):
    """A client's HTTP session (``ovh.client.Session``), kept to be closed when the test ends."""

    def __init__(self) -> None:
        super().__init__()
        SESSIONS.append(self)


def new_client(application: OvhApplication, consumer_key: str | None = None, secret: str | None = None) -> ovh.Client:
    with mock.patch.object(ovh.client, "Session", KeptSession):
        return ovh.Client(
            endpoint=ENDPOINT,
            application_key=application.application_key,
            application_secret=secret or application.application_secret,
            consumer_key=consumer_key,
        )


def validated_client(
    application: OvhApplication, customer: Any, rules: list[tuple[str, str]] | None = None
) -> ovh.Client:
    """The consumer-key flow: request, validate in the page as the customer, then use."""
    return validated_key(application, customer, rules)[0]


def validated_key(
    application: OvhApplication, customer: Any, rules: list[tuple[str, str]] | None = None
) -> tuple[ovh.Client, str]:
    """``validated_client``, with the consumer key the desk gave."""
    client = new_client(application)
    request = client.new_consumer_key_request()
    if rules is None:
        request.add_recursive_rules(ovh.API_READ_WRITE, "/support")
        request.add_rule("GET", "/me/supportLevel")
    else:
        for method, path in rules:
            request.add_rule(method, path)
    answer = request.request()
    assert answer["state"] == "pendingValidation"
    with pytest.raises(ovh.InvalidCredential):
        client.get("/me/supportLevel")  # still pending
    browser = Client()
    browser.force_login(customer)
    page = urlsplit(answer["validationUrl"]).path
    shown = browser.get(page)
    assert shown.status_code == 200
    assert "/support/*" in shown.content.decode() or rules is not None
    decided = browser.post(page, {"decision": "validate"})
    assert decided.status_code == 200
    key = ConsumerKey.objects.get(validation_token=page.rstrip("/").rsplit("/", 1)[1])
    assert key.state == CredentialState.VALIDATED and key.user == customer
    return client, answer["consumerKey"]


def test_it_runs_the_nine_operations_with_the_official_client(ovh_env, desk):  # type: ignore[no-untyped-def]
    client = validated_client(ovh_env, desk.lucia)
    assert isinstance(client.get("/auth/time"), int)
    assert client.get("/me/supportLevel") == {"level": "standard"}  # the default plan
    from sla.models import CustomerPlan, SupportPlan

    CustomerPlan.objects.create(organisation=desk.lucia.organisation, plan=SupportPlan.objects.get(code="business"))
    assert client.get("/me/supportLevel") == {"level": "business"}
    CustomerPlan.objects.filter(organisation=desk.lucia.organisation).delete()

    created = client.post(
        "/support/tickets/create",
        subject="Servidor caído — ñandú",
        body="ns3012345 no responde al ping desde las 03:10.",
        category="incident",
        subcategory="down",
        product="dedicated",
        serviceName=desk.server.reference,
        type="genericRequest",
        urgency="high",
        impact="medium",
        watchers=["ops@example.com"],
    )
    assert set(created) == {"ticketId", "ticketNumber", "messageId", "additionalNotice"}
    ticket_id = created["ticketId"]
    ticket = Ticket.objects.select_related("level", "category").get(pk=ticket_id)
    assert ticket.number == created["ticketNumber"]
    assert ticket.level.code == "L1" and ticket.category is not None and ticket.category.code == "server_no_ping"
    assert ticket.subject == "Servidor caído — ñandú"

    assert ticket_id in client.get("/support/tickets", status="open", archived=False, maxCreationDate=None)
    assert client.get("/support/tickets", subject="ñandú") == [ticket_id]
    assert client.get("/support/tickets", status="closed") == []
    assert client.get("/support/tickets", minCreationDate="1235-01-27T18:37:42+17:49") == [ticket_id]
    assert client.get("/support/tickets", category="incident", product="dedicated", pageSize=10, page=1) == [ticket_id]
    assert client.get("/support/tickets", ticketNumber=str(created["ticketNumber"])) == [ticket_id]

    detail = client.get(f"/support/tickets/{ticket_id}")
    assert detail["state"] == "open"
    assert detail["subject"] == "Servidor caído — ñandú"
    assert detail["category"] == "incident" and detail["product"] == "dedicated"
    assert detail["serviceName"] == desk.server.reference
    assert detail["accountId"] == "lm4321-ovh"
    assert detail["canBeClosed"] is True and detail["type"] == "genericRequest"
    assert detail["ticketNumber"] == created["ticketNumber"] and detail["score"] == ""
    assert set(detail) == {
        "accountId", "canBeClosed", "category", "creationDate", "lastMessageFrom", "product", "score",
        "serviceName", "state", "subject", "ticketId", "ticketNumber", "type", "updateDate",
    }  # fmt: skip

    assert client.post(f"/support/tickets/{ticket_id}/reply", body="¿Alguna novedad?") is None
    messages = client.get(f"/support/tickets/{ticket_id}/messages")
    assert [m["from"] for m in messages] == ["customer", "customer"]
    assert messages[1]["body"] == "¿Alguna novedad?"
    assert set(messages[0]) == {"body", "creationDate", "from", "messageId", "ticketId", "updateDate"}
    assert messages[0]["messageId"] == created["messageId"]

    assert client.get(f"/support/tickets/{ticket_id}/canBeScored") is False
    assert client.post(f"/support/tickets/{ticket_id}/close") is None
    assert client.get(f"/support/tickets/{ticket_id}")["state"] == "closed"
    assert client.get("/support/tickets", archived=True) == [ticket_id]
    assert client.get(f"/support/tickets/{ticket_id}/canBeScored") is True
    assert client.post(f"/support/tickets/{ticket_id}/score", score="5", scoreComment="rápido") is None
    assert client.get(f"/support/tickets/{ticket_id}")["score"] == "5"
    assert client.get(f"/support/tickets/{ticket_id}/canBeScored") is False

    assert client.post(f"/support/tickets/{ticket_id}/reopen", body="Vuelve a fallar") is None
    assert client.get(f"/support/tickets/{ticket_id}")["state"] == "open"
    with pytest.raises(ovh.ResourceConflictError):
        client.post(f"/support/tickets/{ticket_id}/reopen", body="otra vez")

    # The /v1 alias, as the client builds it from a /1.0 endpoint.
    assert client.get("/v1/support/tickets", status="open") == [ticket_id]


def test_it_maps_categories_to_levels(ovh_env, desk):  # type: ignore[no-untyped-def]
    client = validated_client(ovh_env, desk.pedro)
    assistance = client.post(
        "/support/tickets/create", subject="DNS", body="¿Cómo cambio el DNS?", category="assistance"
    )
    billing = client.post("/support/tickets/create", subject="Factura", body="Una duda", category="billing")
    mail = client.post(
        "/support/tickets/create",
        subject="Correo",
        body="No envía",
        category="incident",
        serviceName=desk.mail.reference,
    )
    levels = {t.pk: (t.level.code, t.kind) for t in Ticket.objects.select_related("level")}
    assert levels[assistance["ticketId"]] == ("L2", "assistance_technical")
    assert levels[billing["ticketId"]] == ("L2", "assistance_commercial")
    assert levels[mail["ticketId"]] == ("L1", "incident")
    assert client.get(f"/support/tickets/{billing['ticketId']}")["category"] == "billing"


def test_it_answers_errors_the_client_understands(ovh_env, desk, open_incident):  # type: ignore[no-untyped-def]
    client, consumer_key = validated_key(ovh_env, desk.pedro)
    lucias = open_incident()

    with pytest.raises(ovh.ResourceNotFoundError) as missing:
        client.get(f"/support/tickets/{lucias.pk}")
    assert missing.value.response.json()["class"] == "Client::NotFound"
    assert missing.value.query_id
    for call in (
        lambda: client.get(f"/support/tickets/{lucias.pk}/messages"),
        lambda: client.post(f"/support/tickets/{lucias.pk}/reply", body="hola"),
        lambda: client.post(f"/support/tickets/{lucias.pk}/close"),
        lambda: client.get(f"/support/tickets/{lucias.pk}/canBeScored"),
    ):
        with pytest.raises(ovh.ResourceNotFoundError):
            call()
    assert lucias.pk not in client.get("/support/tickets")
    lucias.refresh_from_db()
    assert lucias.status != "closed" and lucias.messages.count() == 1

    with pytest.raises(ovh.BadParametersError):
        client.post("/support/tickets/create", subject="x", body="y", category="urgent")
    with pytest.raises(ovh.BadParametersError):
        client.get("/support/tickets", status="pending")
    with pytest.raises(ovh.BadParametersError):
        client.post("/support/tickets/create", body="no subject")

    wrong_secret = new_client(ovh_env, consumer_key=consumer_key, secret="not-the-secret")
    with pytest.raises(ovh.BadParametersError) as bad_signature:
        wrong_secret.get("/support/tickets")
    assert bad_signature.value.response.json()["errorCode"] == "INVALID_SIGNATURE"

    unknown = new_client(ovh_env, consumer_key=secrets.token_hex(16))
    with pytest.raises(ovh.InvalidCredential):
        unknown.get("/support/tickets")

    other_app = OvhApplication(name="x", application_key="unknown-ak", application_secret="s")
    with pytest.raises(ovh.InvalidKey):
        new_client(other_app, consumer_key=consumer_key).get("/support/tickets")


def test_it_refuses_calls_outside_the_access_rules(ovh_env, desk):  # type: ignore[no-untyped-def]
    client = validated_client(ovh_env, desk.lucia, rules=[("GET", "/support/tickets"), ("GET", "/support/tickets/*")])
    assert client.get("/support/tickets") == []
    with pytest.raises(ovh.NotGrantedCall):
        client.post("/support/tickets/create", subject="x", body="y")
    with pytest.raises(ovh.NotGrantedCall):
        client.get("/me/supportLevel")
    assert not Ticket.objects.exists()


def test_a_refused_key_never_works(ovh_env, desk):  # type: ignore[no-untyped-def]
    client = new_client(ovh_env)
    request = client.new_consumer_key_request()
    request.add_rule("GET", "/support/*")
    answer = request.request()
    browser = Client()
    browser.force_login(desk.lucia)
    page = urlsplit(answer["validationUrl"]).path
    assert browser.post(page, {"decision": "refuse"}).status_code == 200
    again = browser.post(page, {"decision": "validate"})
    assert again.status_code == 400
    assert "already been decided" in again.content.decode()
    assert ConsumerKey.objects.get().state == CredentialState.REFUSED
    with pytest.raises(ovh.InvalidCredential):
        client.get("/support/tickets/1")


def test_it_checks_the_clock_and_accepts_an_empty_object_body(ovh_env, desk, open_incident):  # type: ignore[no-untyped-def]
    import time

    import requests

    from core.signing import ovh_signature

    client, consumer_key = validated_key(ovh_env, desk.lucia)
    ticket = open_incident()
    url = f"{ovh.client.ENDPOINTS[ENDPOINT]}/support/tickets/{ticket.pk}/close"

    def signed(stamp: int) -> requests.Response:
        headers = {
            "X-Ovh-Application": ovh_env.application_key,
            "X-Ovh-Consumer": consumer_key,
            "X-Ovh-Timestamp": str(stamp),
            "X-Ovh-Signature": ovh_signature(ovh_env.application_secret, consumer_key, "POST", url, b"{}", stamp),
            "Content-Type": "application/json",
        }
        return requests.post(url, data=b"{}", headers=headers, timeout=10)

    stale = signed(int(time.time()) - 600)
    assert stale.status_code == 400 and stale.json()["errorCode"] == "QUERY_TIME_OUT"
    done = signed(int(time.time()))
    assert done.status_code == 200 and done.content == b"null"
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    unsigned = requests.get(f"{ovh.client.ENDPOINTS[ENDPOINT]}/support/tickets", timeout=10)
    assert unsigned.status_code == 403 and unsigned.json()["errorCode"] == "INVALID_KEY"
    unknown_path = requests.get(f"{ovh.client.ENDPOINTS[ENDPOINT]}/support/nothing", timeout=10)
    assert unknown_path.status_code == 404 and unknown_path.json()["class"] == "Client::NotFound"
