"""Hostile requests on both APIs: every one a clean 4xx with the documented body, nothing written.

The OVH-compatible calls are signed here as the official client signs them (``core.signing``),
through Django's test client; the client itself runs against a live desk in ``test_ovh_client``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from api import actions as api_actions
from api.models import ConsumerKey, OvhApplication
from core.signing import ovh_signature
from infogerencia.models import QuoteState
from tickets.models import Message, Ticket

SIX_MIB = 6 * 1024 * 1024


def rest_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}, body
    return dict(body["error"])


def ovh_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict) and body["class"].startswith("Client::") and body["message"], body
    return dict(body)


# --- REST v1 ----------------------------------------------------------------------------------


def test_a_json_body_over_the_limit_answers_413(desk, make_api):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    big = {"subject": "x", "body": "a" * SIX_MIB, "category": "server_no_ping"}
    error = rest_error(api.post("/tickets", big), 413)
    assert error["code"] == "payload_too_large"
    assert not Ticket.objects.exists()


def test_an_upload_field_over_the_limit_answers_413(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    api = make_api(desk.lucia)
    boundary = "BoUnDaRy"
    payload = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n'.encode()
        + b"a" * SIX_MIB
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n".encode()
    )
    response = api.client.post(
        f"/api/v1/tickets/{ticket.number}/messages/upload",
        data=payload,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert rest_error(response, 413)["code"] == "payload_too_large"
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_multipart_without_a_boundary_answers_400(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    api = make_api(desk.lucia)
    response = api.client.post(
        f"/api/v1/tickets/{ticket.number}/messages/upload",
        data=b'--x\r\nContent-Disposition: form-data; name="body"\r\n\r\nhola\r\n--x--\r\n',
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert rest_error(response, 400)["code"] == "bad_request"
    assert Message.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize("body", ['"please do not"', "[]", "1", "true", "[{}]"])
def test_a_body_that_is_not_an_object_is_refused(desk, make_api, body):  # type: ignore[no-untyped-def]
    from infogerencia.tests.conftest import TUESDAY_10_MADRID, Pipeline

    quote = Pipeline(desk, TUESDAY_10_MADRID).sent()
    api = make_api(desk.lucia)
    response = api.client.post(
        f"/api/v1/quotes/{quote.number}/accept",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert rest_error(response, 400)["code"] == "bad_request"
    quote.refresh_from_db()
    assert quote.state == QuoteState.SENT


def test_a_method_the_path_does_not_have_answers_405_in_json(desk, make_api):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    response = api.client.delete("/api/v1/tickets", headers={"Authorization": f"Bearer {api.token}"})
    assert rest_error(response, 405)["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    anonymous = Client().put("/api/v1/ping")
    assert rest_error(anonymous, 405)["code"] == "method_not_allowed"


def test_the_openapi_document_declares_the_limits_the_server_enforces(client):  # type: ignore[no-untyped-def]
    document = client.get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/tickets"]["post"]
    header = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    text = next(branch for branch in header["schema"]["anyOf"] if branch.get("type") == "string")
    assert text["maxLength"] == 255 and text["minLength"] == 1
    assert text["pattern"] == "^[\\x21-\\x7e]{1,255}$"
    components = document["components"]["schemas"]
    subject = components["TicketCreate"]["properties"]["subject"]
    assert "\\u0000" in subject["pattern"] or "\\x00" in subject["pattern"]
    transfer = components["TransferIn"]
    assert transfer["if"] == {"properties": {"move": {"const": "is_an_incident"}}, "required": ["move"]}
    assert transfer["then"] == {"required": ["category"], "properties": {"category": {"type": "string"}}}
    upload = document["paths"]["/api/v1/tickets/{number}/messages/upload"]["post"]["requestBody"]
    form = upload["content"]["multipart/form-data"]["schema"]
    if "$ref" in form:
        form = components[form["$ref"].rsplit("/", 1)[1]]
    files = form["properties"]["files"]
    assert files["minItems"] == 1 and files["items"]["minLength"] == 1
    for path in document["paths"].values():
        for operation in path.values():
            if "requestBody" in operation:
                assert "413" in operation["responses"], operation["operationId"]


# --- OVH-compatible /1.0 ------------------------------------------------------------------------


@pytest.fixture
def application(db) -> OvhApplication:  # type: ignore[no-untyped-def]
    return OvhApplication.objects.create(name="script", application_key="ak-test", application_secret="as-test")


def signed(client: Client, application: OvhApplication, consumer: str, method: str, path: str, body: Any = None) -> Any:
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    stamp = int(time.time())
    url = f"/1.0{path}"
    headers = {
        "X-Ovh-Application": application.application_key,
        "X-Ovh-Consumer": consumer,
        "X-Ovh-Timestamp": str(stamp),
        "X-Ovh-Signature": ovh_signature("as-test", consumer, method, settings.OVH_API_BASE + url, raw, stamp),
    }
    return client.generic(method, url, raw, content_type="application/json", headers=headers)


def consumer_for(application: OvhApplication, user: Any, rules: list[dict[str, str]] | None = None) -> str:
    new = api_actions.request_consumer_key(
        application=application, rules=rules or [{"method": m, "path": "/*"} for m in ("GET", "POST", "DELETE")]
    )
    api_actions.decide_consumer_key(new.key, actor=user, validate=True)
    return new.consumer_key


def test_ovh_a_body_over_the_limit_answers_413(application):  # type: ignore[no-untyped-def]
    body = json.dumps({"accessRules": [{"method": "GET", "path": "/*"}], "pad": "a" * SIX_MIB})
    response = Client().post(
        "/1.0/auth/credential", body, content_type="application/json", headers={"X-Ovh-Application": "ak-test"}
    )
    assert ovh_error(response, 413)["class"] == "Client::RequestEntityTooLarge"
    assert not ConsumerKey.objects.exists()


def test_ovh_deeply_nested_json_answers_400(application, desk):  # type: ignore[no-untyped-def]
    response = Client().post(
        "/1.0/auth/credential", "[" * 100_000, content_type="application/json", headers={"X-Ovh-Application": "ak-test"}
    )
    assert ovh_error(response, 400)["class"] == "Client::BadRequest"
    consumer = consumer_for(application, desk.lucia)
    nested = signed(Client(), application, consumer, "POST", "/support/tickets/create", b'{"a":' * 50_000)
    assert ovh_error(nested, 400)["class"] == "Client::BadRequest"
    assert not Ticket.objects.exists()


def test_ovh_refusals_speak_english_whatever_the_key_owner_reads(application, desk, open_incident):  # type: ignore[no-untyped-def]
    desk.lucia.language = "es"
    desk.lucia.save(update_fields=["language"])
    ticket = open_incident()
    consumer = consumer_for(application, desk.lucia)
    browser = Client(HTTP_ACCEPT_LANGUAGE="es")
    assert signed(browser, application, consumer, "POST", f"/support/tickets/{ticket.pk}/close").status_code == 200
    again = signed(browser, application, consumer, "POST", f"/support/tickets/{ticket.pk}/close")
    assert ovh_error(again, 409)["message"] == "This ticket is already closed."


def test_ovh_critical_intervention_carries_an_error_code(application, desk):  # type: ignore[no-untyped-def]
    consumer = consumer_for(application, desk.lucia)
    refused = signed(
        Client(), application, consumer, "POST", "/support/tickets/create",
        {"subject": "x", "body": "y", "type": "criticalIntervention"},
    )  # fmt: skip
    body = ovh_error(refused, 403)
    assert body["errorCode"] == "FORBIDDEN" and body["httpCode"] == "403 Forbidden"
