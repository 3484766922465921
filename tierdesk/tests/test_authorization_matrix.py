"""The authorization matrix: every URL of the desk × every role, generated from the URL configuration.

Each URL name (and each REST operation) is declared in ``tierdesk/tests/access.py`` with the
method to try, the objects its parameters name (customer A's ticket, quote, invoice…) and the roles
that may use it. Every other role must be refused: 401, 403, 404, 405 for a method it may not use,
or a redirect to the login page. A URL nobody declared fails the suite, so a new page or endpoint
cannot ship without saying who may use it; a declaration for a URL that no longer exists fails
too. Customer B meets customer A's objects in every row: "A's" pages must be refused to B.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from tierdesk.tests.access import ACCESS, ROLES, Rule

pytestmark = pytest.mark.django_db

TUESDAY = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def url_names() -> set[str]:
    """Every named URL of the desk (the administration's own pages apart: Django guards them)."""

    def walk(resolver: URLResolver, namespace: str) -> set[str]:
        found = set()
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                if item.app_name == "admin":
                    continue
                inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
                found |= walk(item, inner)
            elif isinstance(item, URLPattern) and item.name:
                found.add(namespace + item.name)
        return found

    return walk(get_resolver(), "")


def test_every_url_is_declared_and_every_declaration_is_a_url():  # type: ignore[no-untyped-def]
    names = url_names()
    missing = sorted(names - set(ACCESS))
    stale = sorted(set(ACCESS) - names)
    assert missing == [], f"declare who may use these URLs in tierdesk/tests/access.py: {missing}"
    assert stale == [], f"these declarations name no URL any more: {stale}"


@pytest.fixture
def world(desk, catalogue):  # type: ignore[no-untyped-def]
    """Customer A (Lucía) owns a ticket with an attachment, a quote and an invoice; B is Pedro."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from api.actions import create_token, request_consumer_key
    from api.models import OvhApplication
    from infogerencia import actions as l3
    from infogerencia.tests.conftest import Pipeline
    from tickets import actions

    with time_machine.travel(TUESDAY, tick=False), override_settings(TIERDESK_INTERVENTION_LEAD_MINUTES=60):
        ticket = actions.open_ticket(
            organisation=desk.lucia.organisation,
            requester=desk.lucia,
            service=desk.server,
            category=desk.category("server_no_ping"),
            subject="El servidor no responde",
            body="No responde.",
            channel="manager",
            actor=desk.lucia,
            attachments=[SimpleUploadedFile("log.txt", b"hello", content_type="text/plain")],
        )
        pipeline = Pipeline(desk, TUESDAY)
        quote = pipeline.sent()
        paid = pipeline.paid()
        intervention = paid.intervention
        l3.record_report(
            intervention,
            actor=desk.l3,
            steps="Hecho",
            outcome="success",
            minutes_spent=60,
            fields={key: "ok" for key, _label in l3.required_fields(intervention)},
            now=TUESDAY,
        )
        invoice = l3.complete_intervention(intervention, actor=desk.l3, now=TUESDAY)
    application = OvhApplication.objects.create(name="x", application_key="ak-matrix", application_secret="s")
    pending = request_consumer_key(application=application, rules=[{"method": "GET", "path": "/*"}])
    people = {
        "customer_a": desk.lucia,
        "customer_b": desk.pedro,
        "l1": desk.l1,
        "l2": desk.l2,
        "l2_commercial": desk.l2_commercial,
        "l3": desk.l3,
        "supervisor": desk.supervisor,
        "billing": desk.billing,
    }
    tokens = {
        role: create_token(user=user, name="matrix", scope="write", actor=user).secret for role, user in people.items()
    }
    objects = {
        "ticket": ticket.number,
        "ticket_id": ticket.pk,
        "attachment": ticket.attachments.get().token,
        "attachment_id": ticket.attachments.get().token,
        "quote": quote.number,
        "invoice": invoice.number,
        "credential": pending.key.validation_token,
        "token_id": 0,
        "person": desk.lucia.pk,
        "line": quote.lines.values_list("pk", flat=True).first() or 0,
    }
    return people, tokens, objects


def refused(rule: Rule, response: Any) -> bool:
    if response.status_code in (401, 403, 404, 405) or (rule.kind == "signed" and response.status_code == 503):
        return True
    location = response.get("Location", "")
    return response.status_code in (301, 302) and "/accounts/login/" in location


CLIENTS: dict[str, Client] = {}


def _client(role: str, people: dict[str, Any]) -> Client:
    """One browser per role, logged in once (again after a page that logged it out)."""
    client = CLIENTS.get(role)
    if client is None or (role != "anonymous" and "sessionid" not in client.cookies):
        client = Client()
        if role != "anonymous":
            client.force_login(people[role])
        CLIENTS[role] = client
    return client


def call(rule: Rule, role: str, world: Any) -> Any:
    people, tokens, objects = world
    headers: dict[str, str] = {}
    if rule.kind == "bearer":
        client = Client()
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {tokens[role]}"
    else:
        client = _client(role, people)
    assert rule.path is not None
    path = rule.path.format(**objects)
    if rule.method == "GET":
        return client.get(path, headers=headers)
    if rule.body == "multipart":
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
        return client.post(path, {"body": "x", "files": upload}, headers=headers)
    body = json.dumps(rule.body) if rule.kind == "bearer" else rule.body
    content_type = "application/json" if rule.kind == "bearer" else "application/x-www-form-urlencoded"
    if rule.kind != "bearer":
        from urllib.parse import urlencode

        body = urlencode(rule.body or {})
    return client.generic(rule.method, path, body or "", content_type=content_type, headers=headers)


def test_the_matrix(world):  # type: ignore[no-untyped-def]
    CLIENTS.clear()
    wrong = []
    with override_settings(API_RATE_LIMIT=100_000, API_RATE_LIMIT_ANONYMOUS=100_000):
        for name, rule in sorted(ACCESS.items()):
            if rule.path is None:
                continue
            for role in ROLES:
                response = call(rule, role, world)
                if rule.path.startswith("/accounts/logout/") or rule.path.startswith("/accounts/language/"):
                    CLIENTS.pop(role, None)
                unavailable = response.status_code == 503 and (rule.kind == "signed" or rule.answers_503)
                if response.status_code >= 500 and not unavailable:
                    wrong.append(f"{name} as {role}: server error {response.status_code}")
                    continue
                allowed = role in rule.allow
                if allowed == refused(rule, response):
                    wrong.append(f"{name} as {role}: {response.status_code} {response.get('Location', '')}")
    assert wrong == [], "\n".join(wrong)
