"""The REST API v1: tickets through tickets.actions and tickets.queries, one error body."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tickets import actions
from tickets.models import Attachment, Message, Ticket


def error(response):  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]


def test_it_opens_reads_and_lists_a_ticket(desk, make_api):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    created = api.post(
        "/tickets",
        {
            "subject": "Servidor caído",
            "body": "No responde",
            "category": "server_no_ping",
            "service": desk.server.reference,
        },
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["level"] == "L1" and ticket["channel"] == "api" and ticket["service"] == desk.server.reference
    assert (ticket["priority"], ticket["support_plan"]) == ("high", "standard")
    assert api.get(f"/tickets/{ticket['number']}").json()["subject"] == "Servidor caído"
    listed = api.get("/tickets", status="new", level="L1", service=desk.server.reference.upper()).json()
    assert [t["number"] for t in listed["items"]] == [ticket["number"]] and listed["next_cursor"] is None
    assert api.get("/tickets", level="L2").json()["items"] == []


def test_it_pages_with_an_opaque_cursor(desk, make_api, open_incident, now):  # type: ignore[no-untyped-def]
    numbers = [open_incident(now=now + timedelta(minutes=i)).number for i in range(5)]
    api = make_api(desk.lucia)
    seen = []
    cursor = None
    for _page in range(4):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/tickets", **params).json()
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(numbers))
    since = api.get("/tickets", updated_since=(now + timedelta(minutes=3)).isoformat()).json()
    assert [t["number"] for t in since["items"]] == [numbers[4], numbers[3]]
    bad = api.get("/tickets", cursor="not-a-cursor")
    assert bad.status_code == 400 and error(bad)["code"] == "invalid_cursor"
    odd_offset = api.get("/tickets", updated_since="1235-01-27T18:37:42+17:49")  # PostgreSQL refuses such offsets
    assert odd_offset.status_code == 200 and len(odd_offset.json()["items"]) == 5
    too_big = api.get("/tickets", limit=1000)
    assert too_big.status_code == 422 and error(too_big)["field"] == "limit"


def test_it_speaks_one_error_body_with_stable_codes(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    anonymous = api.client.get("/api/v1/tickets")
    assert anonymous.status_code == 401 and error(anonymous)["code"] == "unauthorized"
    assert api.client.get("/api/v1/tickets", headers={"Authorization": "Bearer tdk_0000_nope"}).status_code == 401
    assert error(api.get("/tickets/999999"))["code"] == "not_found"
    assert error(api.get("/no/such/call"))["code"] == "not_found"
    unknown = api.post("/tickets", {"subject": "x", "body": "y", "category": "no_such_thing"})
    assert unknown.status_code == 400 and error(unknown) == {
        "code": "category_unknown",
        "message": error(unknown)["message"],
        "field": "category",
    }
    missing = api.post("/tickets", {"body": "y", "category": "server_no_ping"})
    assert missing.status_code == 422 and error(missing)["field"] == "subject"
    blank = api.post("/tickets", {"subject": "   ", "body": "y", "category": "server_no_ping"})
    assert blank.status_code == 400 and error(blank)["code"] == "subject_required"
    nul = api.post("/tickets", {"subject": "a\x00b", "body": "y", "category": "server_no_ping"})
    assert nul.status_code == 422
    broken = api.client.post(
        "/api/v1/tickets", data="{", content_type="application/json", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert broken.status_code == 400 and error(broken)["code"] == "bad_request"
    ticket = open_incident()
    actions.close_ticket(ticket, actor=desk.lucia)
    closed = api.post(f"/tickets/{ticket.number}/messages", {"body": "hola"})
    assert closed.status_code == 409 and error(closed)["code"] == "ticket_closed"
    intervention = api.post("/tickets", {"subject": "PHP", "body": "Recompilar", "category": "recompile_php"})
    assert intervention.status_code == 400 and error(intervention)["code"] == "category_not_offered"


def test_read_tokens_cannot_write_and_revoked_tokens_stop_working(desk, make_api):  # type: ignore[no-untyped-def]
    from api.actions import revoke_token
    from api.models import ApiToken

    reader = make_api(desk.lucia, scope="read")
    refused = reader.post("/tickets", {"subject": "x", "body": "y", "category": "server_no_ping"})
    assert refused.status_code == 403 and error(refused)["code"] == "insufficient_scope"
    assert reader.get("/tickets").status_code == 200
    token = ApiToken.objects.get(prefix=reader.token.split("_")[1])
    assert token.last_used_at is not None and token.digest != reader.token
    revoke_token(token, actor=desk.lucia)
    assert reader.get("/tickets").status_code == 401
    assert not Ticket.objects.exists()


def test_the_conversation_reply_close_reopen_and_score(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    actions.add_note(ticket, actor=desk.l1, body="Nota interna")
    api = make_api(desk.lucia)
    reply = api.post(f"/tickets/{ticket.number}/messages", {"body": "¿Novedades?"})
    assert reply.status_code == 201 and reply.json()["sender"] == "customer"
    bodies = [m["body"] for m in api.get(f"/tickets/{ticket.number}/messages").json()["items"]]
    assert bodies == ["No responde al ping desde las 03:00.", "¿Novedades?"]
    staff_view = make_api(desk.l1).get(f"/tickets/{ticket.number}/messages").json()["items"]
    assert [m["internal"] for m in staff_view] == [False, True, False]
    page = api.get(f"/tickets/{ticket.number}/messages", limit=1).json()
    assert len(page["items"]) == 1 and page["next_after"] == page["items"][0]["id"]
    assert api.post(f"/tickets/{ticket.number}/messages", {"body": "x", "then": "resolved"}).status_code == 403

    assert api.post(f"/tickets/{ticket.number}/score", {"score": 5}).status_code == 409
    closed = api.post(f"/tickets/{ticket.number}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api.post(f"/tickets/{ticket.number}/score", {"score": 6}).status_code == 422
    scored = api.post(f"/tickets/{ticket.number}/score", {"score": 5, "comment": "Rápido"})
    assert scored.status_code == 200 and scored.json()["score"] == 5
    assert error(api.post(f"/tickets/{ticket.number}/score", {"score": 4}))["code"] == "already_scored"
    reopened = api.post(f"/tickets/{ticket.number}/reopen", {"reason": "Vuelve a fallar"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert api.post(f"/tickets/{ticket.number}/reopen", {"reason": "otra"}).status_code == 409


def test_staff_move_tickets_between_levels(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    customer = make_api(desk.lucia).post(
        f"/tickets/{ticket.number}/transfer", {"move": "not_an_incident", "reason": "no"}
    )
    assert customer.status_code == 403 and error(customer)["code"] == "staff_only"
    moved = make_api(desk.l1).post(
        f"/tickets/{ticket.number}/transfer",
        {"move": "not_an_incident", "reason": "Responde al ping", "customer_message": "Pasamos a asistencia."},
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["ticket"]["level"] == "L2" and moved.json()["incident"] is None
    wrong_level = make_api(desk.l1).post(
        f"/tickets/{ticket.number}/transfer", {"move": "is_an_incident", "reason": "x"}
    )
    assert wrong_level.status_code in {400, 403}
    incident = make_api(desk.l2).post(
        f"/tickets/{ticket.number}/transfer",
        {"move": "is_an_incident", "reason": "El VPS no responde", "category": "server_no_ping"},
    )
    assert incident.status_code == 200, incident.content
    assert incident.json()["incident"]["level"] == "L1"
    quote = make_api(desk.l2).post(
        f"/tickets/{ticket.number}/transfer", {"move": "needs_intervention", "reason": "Recompilar PHP"}
    )
    assert quote.status_code == 200 and quote.json()["ticket"]["kind"] == "assistance_commercial"


@override_settings(ATTACHMENT_MAX_BYTES=2048)
def test_attachments_upload_and_download_within_limits(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    api = make_api(desk.lucia)
    headers = {"Authorization": f"Bearer {api.token}"}
    url = f"/api/v1/tickets/{ticket.number}/messages/upload"
    sent = api.client.post(
        url,
        {"body": "Traceroute adjunto", "files": [SimpleUploadedFile("trace.txt", b"1 router\n2 * * *\n")]},
        headers=headers,
    )
    assert sent.status_code == 201, sent.content
    attachment = sent.json()["attachments"][0]
    assert attachment["filename"] == "trace.txt" and not attachment["download_url"].startswith("/media")
    download = api.client.get(attachment["download_url"], headers=headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"1 router\n2 * * *\n"
    assert download["Content-Type"] == "application/octet-stream"
    assert "attachment" in download["Content-Disposition"]
    assert api.client.get(attachment["download_url"]).status_code == 401

    too_big = api.client.post(
        url, {"body": "grande", "files": [SimpleUploadedFile("big.txt", b"x" * 4096)]}, headers=headers
    )
    assert too_big.status_code == 400 and error(too_big)["code"] == "file_too_large"
    refused = api.client.post(
        url, {"body": "exe", "files": [SimpleUploadedFile("run.exe", b"MZ" * 10)]}, headers=headers
    )
    assert refused.status_code == 400 and error(refused)["code"] == "file_type_refused"
    assert Attachment.objects.count() == 1

    note = actions.add_note(ticket, actor=desk.l1, body="log", attachments=[SimpleUploadedFile("log.txt", b"secret")])
    hidden = Attachment.objects.get(message=note)
    assert api.get(f"/tickets/{ticket.number}/attachments/{hidden.token}").status_code == 404
    assert make_api(desk.l1).get(f"/tickets/{ticket.number}/attachments/{hidden.token}").status_code == 200


def test_a_token_of_one_customer_reaches_nothing_of_another(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    actions.reply(ticket, actor=desk.lucia, body="con adjunto", attachments=[SimpleUploadedFile("a.txt", b"lucia")])
    attachment = Attachment.objects.get()
    actions.resolve_ticket(ticket, actor=desk.l1)
    pedro = make_api(desk.pedro)
    n = ticket.number
    assert pedro.get("/tickets").json()["items"] == []
    assert pedro.get("/tickets", service=desk.server.reference).json()["items"] == []
    for response in (
        pedro.get(f"/tickets/{n}"),
        pedro.get(f"/tickets/{n}/messages"),
        pedro.post(f"/tickets/{n}/messages", {"body": "intruso"}),
        pedro.post(f"/tickets/{n}/close"),
        pedro.post(f"/tickets/{n}/reopen", {"reason": "intruso"}),
        pedro.post(f"/tickets/{n}/score", {"score": 1}),
        pedro.get(f"/tickets/{n}/attachments/{attachment.token}"),
        pedro.client.post(
            f"/api/v1/tickets/{n}/messages/upload",
            {"body": "x", "files": [SimpleUploadedFile("b.txt", b"pedro")]},
            headers={"Authorization": f"Bearer {pedro.token}"},
        ),
    ):
        assert response.status_code == 404, response.content
        assert error(response)["code"] == "not_found"
    foreign = pedro.post(
        "/tickets", {"subject": "x", "body": "y", "category": "server_no_ping", "service": desk.server.reference}
    )
    assert foreign.status_code == 400 and error(foreign)["code"] == "service_unknown"
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and Message.objects.filter(ticket=ticket).count() == 2
    assert [s["reference"] for s in pedro.get("/services").json()["items"]] == [
        desk.hosting.reference,
        desk.mail.reference,
    ]


def test_staff_open_tickets_for_a_customer(desk, make_api):  # type: ignore[no-untyped-def]
    api = make_api(desk.l2)
    missing = api.post("/tickets", {"subject": "Llamada", "body": "x", "category": "configure_mail"})
    assert error(missing)["code"] == "customer_required"
    opened = api.post(
        "/tickets",
        {
            "subject": "Llamada",
            "body": "x",
            "category": "configure_mail",
            "customer": "PG2468-OVH",
            "service": desk.mail.reference,
        },
    )
    assert opened.status_code == 201 and opened.json()["service"] == desk.mail.reference
    assert Ticket.objects.get().requester == desk.pedro


def test_catalogue_endpoints(desk, make_api):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    assert [level["code"] for level in api.get("/levels").json()] == ["L1", "L2", "L3"]
    categories = api.get("/categories", level="L1").json()
    assert {c["level"] for c in categories} == {"L1"} and "server_no_ping" in {c["code"] for c in categories}
    assert api.client.get("/api/v1/ping").json()["ok"] is True
    schema = api.client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1") and "/api/v1/tickets" in schema["paths"]
    assert api.client.get("/api/v1/docs").status_code == 200


def test_the_operation_ids_clients_generated_code_from_are_kept(client):  # type: ignore[no-untyped-def]
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path.removeprefix("/api/v1")): operation["operationId"]
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    assert operations == {
        ("GET", "/ping"): "api_rest_ping",
        ("GET", "/tickets"): "api_rest_list_tickets",
        ("POST", "/tickets"): "api_rest_create_ticket",
        ("GET", "/tickets/{number}"): "api_rest_read_ticket",
        ("GET", "/tickets/{number}/messages"): "api_rest_list_messages",
        ("POST", "/tickets/{number}/messages"): "api_rest_reply",
        ("POST", "/tickets/{number}/messages/upload"): "api_rest_reply_with_files",
        ("GET", "/tickets/{number}/attachments/{attachment_id}"): "api_rest_download_attachment",
        ("POST", "/tickets/{number}/close"): "api_rest_close",
        ("POST", "/tickets/{number}/reopen"): "api_rest_reopen",
        ("POST", "/tickets/{number}/score"): "api_rest_score",
        ("POST", "/tickets/{number}/transfer"): "api_rest_transfer",
        ("GET", "/services"): "api_rest_list_services",
        ("GET", "/levels"): "api_rest_list_levels",
        ("GET", "/categories"): "api_rest_list_categories",
        ("GET", "/quotes"): "api_rest_quotes_list_quotes",
        ("GET", "/quotes/{number}"): "api_rest_quotes_read_quote",
        ("GET", "/quotes/{number}/pdf"): "api_rest_quotes_quote_pdf",
        ("POST", "/quotes/{number}/accept"): "api_rest_quotes_accept_quote",
        ("POST", "/quotes/{number}/reject"): "api_rest_quotes_reject_quote",
        ("GET", "/invoices"): "api_rest_quotes_list_invoices",
        ("GET", "/invoices/{number}"): "api_rest_quotes_read_invoice",
        ("GET", "/invoices/{number}/pdf"): "api_rest_quotes_invoice_pdf",
        ("GET", "/guides"): "api_rest_quotes_search_guides",
        ("POST", "/provisioning/organisations"): "api_rest_provision_organisations",
        ("POST", "/provisioning/contacts"): "api_rest_provision_contacts",
        ("POST", "/provisioning/services"): "api_rest_provision_services",
    }


@pytest.mark.parametrize("path", ["/tickets", "/services"])
def test_list_endpoints_cost_the_same_at_any_size(desk, make_api, open_incident, now, path, django_assert_num_queries):  # type: ignore[no-untyped-def]
    from services.models import Service

    api = make_api(desk.lucia)
    for i in range(3):
        open_incident(now=now + timedelta(minutes=i))
    # A frozen clock: no new rate-limit window or last-use update in the middle of the count.
    with time_machine.travel(now, tick=False):
        api.get(path)  # the token's last use is recorded once a minute: keep it out of the count
        with django_assert_num_queries(3):  # token, rate-limit window, the page
            assert api.get(path).status_code == 200
        for i in range(30):
            open_incident(now=now + timedelta(hours=1, minutes=i))
            Service.objects.create(organisation=desk.lucia.organisation, reference=f"vps{i}.example.net", product="vps")
        with django_assert_num_queries(3):
            assert len(api.get(path, limit=25).json()["items"]) == 25


def test_the_message_list_costs_the_same_at_any_size(desk, make_api, open_incident, now, django_assert_num_queries):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    api = make_api(desk.lucia)
    with time_machine.travel(now, tick=False):
        api.get(f"/tickets/{ticket.number}/messages")
        with django_assert_num_queries(5):  # token, rate limit, ticket, messages, their attachments
            api.get(f"/tickets/{ticket.number}/messages")
        for i in range(20):
            actions.reply(
                ticket, actor=desk.lucia, body=f"mensaje {i}", attachments=[SimpleUploadedFile(f"{i}.txt", b"x")]
            )
        with django_assert_num_queries(5):
            assert len(api.get(f"/tickets/{ticket.number}/messages").json()["items"]) == 21


def test_errors_speak_the_token_owners_language(desk, make_api):  # type: ignore[no-untyped-def]
    desk.pedro.language = "fr"
    desk.pedro.save(update_fields=["language"])
    api = make_api(desk.pedro)
    missing = api.get("/tickets/999999")
    assert error(missing)["message"] == "Introuvable." and missing["Content-Language"] == "fr"
    assert error(make_api(desk.lucia).get("/tickets/999999"))["message"] == "Not found."


def test_a_create_writes_the_ticket_once_with_its_clock_and_reads_fresh_rules(desk, make_api, now):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sla.models import SlaPolicy
    from slawatch import actions as sla_actions

    api = make_api(desk.lucia)
    body = {"subject": "Servidor caído", "body": "No responde", "category": "server_no_ping"}
    body["service"] = desk.server.reference
    with time_machine.travel(now, tick=False):
        api.get("/tickets")  # opens the rate-limit window and records the token's last use
        with CaptureQueriesContext(connection) as queries:
            created = api.post("/tickets", body)
    assert created.status_code == 201, created.content
    statements = [q["sql"] for q in queries.captured_queries]
    writes = ('INSERT INTO "tickets_ticket" ', 'UPDATE "tickets_ticket" ')
    ticket_writes = [s for s in statements if s.startswith(writes)]
    assert len(ticket_writes) == 1 and ticket_writes[0].startswith("INSERT")
    # The token with its owner, the category with its level's calendar and policy, the service,
    # the customer's support plan and that plan's target for the level and priority.
    assert sum(s.startswith("SELECT") for s in statements) == 5
    ticket = Ticket.objects.get(number=created.json()["number"])
    policy = SlaPolicy.objects.get(level__code="L1")  # L1 is open around the clock
    assert ticket.sla_clock == "first_response" and ticket.sla_state == "ok"
    assert ticket.first_response_due_at == now + policy.first_response_target
    assert ticket.first_response_warn_at == now + policy.first_response_warning
    assert [e.kind for e in ticket.events.all()] == ["created"]
    # An edited policy applies from the next call on: nothing is kept between requests.
    policy.first_response_target = timedelta(hours=3)
    sla_actions.save_policy(policy, actor=desk.supervisor)
    with time_machine.travel(now, tick=False):
        again = api.post("/tickets", body)
    assert Ticket.objects.get(number=again.json()["number"]).first_response_due_at == now + timedelta(hours=3)
